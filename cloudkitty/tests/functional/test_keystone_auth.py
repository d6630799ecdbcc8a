"""Authentication and policy against a real Keystone (§9).

One Keystone per test process (module fixture), the real application with
``auth_strategy = keystone`` (keystonemiddleware validating tokens with a
service user) served on an ephemeral port. Callers: admin, member and
reader of project A, member of project B.

Keystone is installed in its own virtualenv on first use (see
:mod:`cloudkitty.tests.keystone`); when it cannot start the tests are
skipped, and under CI=true they fail.
"""

import pytest
import requests
from oslo_config import cfg

from cloudkitty.api import app as api_app
from cloudkitty import conf as ck_conf
from cloudkitty import policy
from cloudkitty.tests import db_backends
from cloudkitty.tests.functional.client import conftest as client_fixtures
from cloudkitty.tests import keystone as ks


@pytest.fixture(scope='module')
def keystone():
    try:
        server = ks.start()
    except ks.KeystoneUnavailable as err:
        db_backends.unavailable('keystone: %s' % err)
    yield server
    server.stop()


@pytest.fixture
def api(sqlite_db, keystone, tmp_path):
    """Base URL of the API behind keystonemiddleware.

    The ``[keystone_authtoken]`` section is given as a configuration file:
    keystonemiddleware registers the auth plugin's options itself when it
    reads it.
    """
    lines = ['[DEFAULT]', 'auth_strategy = keystone', '[database]',
             'connection = %s' % sqlite_db.url.render_as_string(
                 hide_password=False),
             '[keystone_authtoken]']
    lines += ['%s = %s' % item for item in
              keystone.authtoken_options().items()]
    path = tmp_path / 'cloudkitty.conf'
    path.write_text('\n'.join(lines) + '\n')
    conf = cfg.ConfigOpts()
    ck_conf.register_opts(conf)
    conf([], project='cloudkitty', default_config_files=[str(path)])
    policy.reset()
    with client_fixtures.serve(api_app.setup_app(conf)) as url:
        yield url
    policy.reset()
    conf.reset()


@pytest.fixture
def call(api, keystone):
    tokens = {}

    def _call(user, method, path, **kwargs):
        headers = kwargs.pop('headers', {})
        if user is not None:
            if user not in tokens:
                tokens[user] = keystone.token(user, 'B' if user.endswith(
                    '_b') else 'A')
            headers['X-Auth-Token'] = tokens[user]
        return requests.request(method, api + path, headers=headers,
                                timeout=30, **kwargs)
    return _call


def test_no_token_is_401(call):
    assert call(None, 'GET', '/v1/collector/mappings').status_code == 401


def test_invalid_token_is_401(call):
    resp = call(None, 'GET', '/v1/collector/mappings',
                headers={'X-Auth-Token': 'gAAAAA-not-a-token'})
    assert resp.status_code == 401


def test_root_is_public(call):
    assert call(None, 'GET', '/').status_code == 200


@pytest.mark.parametrize('user,status', [
    ('admin_a', 200), ('member_a', 403), ('reader_a', 403),
    ('member_b', 403)])
def test_collector_is_admin_only(call, user, status):
    resp = call(user, 'GET', '/v1/collector/mappings')
    assert resp.status_code == status, resp.text
    if status == 403:
        assert resp.json()['faultstring'] == (
            "Policy doesn't allow collector:list_mappings to be performed.")
