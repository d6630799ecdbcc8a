"""Authentication and policy against a real Keystone (§9).

One Keystone per test process (module fixture), the real application with
``auth_strategy = keystone`` (keystonemiddleware validating tokens with a
service user) served on an ephemeral port. Callers: admin, member and
reader of project A, member of project B.

Keystone is installed in its own virtualenv on first use (see
:mod:`cloudkitty.tests.keystone`); when it cannot start the tests are
skipped, and under CI=true they fail.
"""

import datetime

import pytest
import requests
from oslo_config import cfg

from cloudkitty.api import app as api_app
from cloudkitty import conf as ck_conf
from cloudkitty import context as ck_context
from cloudkitty import dataframe
from cloudkitty import policy
from cloudkitty import storage as ck_storage
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


@pytest.fixture(scope='module')
def database():
    """A module-wide SQLite database (the server outlives single tests)."""
    from cloudkitty.db import api as db_api
    engine = db_backends.engine_with_schema('sqlite')
    db_backends.empty_tables(engine)
    if not db_api._configured:
        db_api.context_manager.configure(connection='sqlite://')
        db_api._configured = True
    restore = db_api.context_manager.patch_engine(engine)
    yield engine
    restore()


def _serve(database, keystone, path, extra=()):
    """Serve the application configured by the file ``path`` (written
    here, ``extra`` lines added to ``[keystone_authtoken]``)."""
    lines = ['[DEFAULT]', 'auth_strategy = keystone', '[database]',
             'connection = %s' % database.url.render_as_string(
                 hide_password=False),
             '[keystone_authtoken]']
    lines += ['%s = %s' % item for item in
              keystone.authtoken_options().items()]
    lines += list(extra)
    path.write_text('\n'.join(lines) + '\n')
    conf = cfg.ConfigOpts()
    ck_conf.register_opts(conf)
    conf([], project='cloudkitty', default_config_files=[str(path)])
    policy.reset()
    try:
        with client_fixtures.serve(api_app.setup_app(conf)) as url:
            yield url
    finally:
        policy.reset()
        conf.reset()


@pytest.fixture(scope='module')
def api(database, keystone, tmp_path_factory):
    """Base URL of the API behind keystonemiddleware (one per module: the
    middleware's token cache is what keeps these tests fast).

    The ``[keystone_authtoken]`` section is given as a configuration file:
    keystonemiddleware registers the auth plugin's options itself when it
    reads it.
    """
    path = tmp_path_factory.mktemp('ks') / 'cloudkitty.conf'
    yield from _serve(database, keystone, path)


@pytest.fixture(scope='module')
def seeded(api, keystone):
    """One rated hour per project: A pays 1.5, B pays 2.5."""
    conf = cfg.ConfigOpts()
    ck_conf.register_opts(conf)
    conf([], project='cloudkitty', default_config_files=[])
    begin = datetime.datetime(2015, 1, 4, 13, tzinfo=datetime.UTC)
    frames = []
    for project, price in (('A', '1.5'), ('B', '2.5')):
        scope = keystone.projects[project]
        point = dataframe.DataPoint('instance', 1, price,
                                    {'project_id': scope}, {})
        frames.append((scope, dataframe.DataFrame(
            begin, begin + datetime.timedelta(hours=1),
            {'instance': [point]})))
    ck_storage.get_storage(conf).push_many(ck_context.get_admin_context(),
                                           frames)
    return keystone.projects


WINDOW = '?begin=2015-01-04T00:00:00&end=2015-01-05T00:00:00'


@pytest.fixture(scope='module')
def tokens():
    """Tokens by user name, issued once per module (password hashing
    makes each issue slow on purpose)."""
    return {}


@pytest.fixture
def call(api, keystone, tokens):

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


@pytest.mark.parametrize('user,query,expected', [
    ('reader_a', '', '"1.5"'),
    ('member_a', '', '"1.5"'),   # Keystone implies reader from member
    ('member_b', '', '"2.5"'),
    ('reader_a', '&tenant_id={A}', '"1.5"'),
    ('reader_a', '&tenant_id={B}', 403),
    ('reader_a', '&all_tenants=true', 403),
    ('member_b', '&tenant_id={A}', 403),
    ('admin_a', '', '"1.5"'),
    ('admin_a', '&tenant_id={B}', '"2.5"'),
    ('admin_a', '&all_tenants=true', '"4"'),
])
def test_total_isolation(call, seeded, user, query, expected):
    resp = call(user, 'GET', '/v1/report/total' + WINDOW + query.format(
        **seeded))
    if isinstance(expected, int):
        assert resp.status_code == expected, resp.text
        assert resp.json()['faultstring'] == (
            "Policy doesn't allow report:get_total to be performed.")
    else:
        assert resp.status_code == 200, resp.text
        assert resp.text == expected


@pytest.mark.parametrize('user,query,expected', [
    ('reader_a', '', ['A']),
    ('member_b', '', ['B']),
    ('member_b', '&tenant_id={B}', ['B']),
    ('member_b', '&tenant_id={A}', 403),
    ('admin_a', '', ['A', 'B']),
    ('admin_a', '&tenant_id={B}', ['B']),
])
def test_dataframes_isolation(call, seeded, user, query, expected):
    resp = call(user, 'GET', '/v1/storage/dataframes' + WINDOW +
                query.format(**seeded))
    if isinstance(expected, int):
        assert resp.status_code == expected, resp.text
        return
    assert resp.status_code == 200, resp.text
    scopes = sorted(f['tenant_id'] for f in resp.json()['dataframes'])
    assert scopes == sorted(seeded[p] for p in expected)


@pytest.mark.parametrize('user,expected', [
    ('reader_a', 1), ('member_b', 1), ('admin_a', 2)])
def test_summary_isolation(call, seeded, user, expected):
    resp = call(user, 'GET', '/v1/report/summary' + WINDOW +
                '&groupby=tenant_id' + ('&all_tenants=true'
                                        if user == 'admin_a' else ''))
    assert resp.status_code == 200, resp.text
    assert len(resp.json()['summary']) == expected


@pytest.mark.parametrize('method,path,body', [
    ('GET', '/v1/report/tenants', None),
    ('GET', '/v1/rating/modules', None),
    ('PUT', '/v1/rating/modules/hashmap', {'module_id': 'hashmap',
                                           'enabled': True}),
    ('GET', '/v1/rating/reload_modules', None),
    ('GET', '/v1/rating/module_config/hashmap/services', None),
    ('POST', '/v1/rating/module_config/hashmap/services', {'name': 'x'}),
    ('GET', '/v1/rating/module_config/hashmap/types', None),
    ('GET', '/v1/rating/module_config/pyscripts/scripts', None),
    ('GET', '/v1/collector/states/?name=gnocchi', None),
])
@pytest.mark.parametrize('user', ['reader_a', 'member_a', 'member_b'])
def test_admin_only_endpoints(call, user, method, path, body):
    resp = call(user, method, path, json=body)
    assert resp.status_code == 403, resp.text
    assert resp.json()['faultcode'] == 'Client'


@pytest.mark.parametrize('method,path,body,status', [
    ('GET', '/v1/report/tenants' + WINDOW, None, 200),
    ('GET', '/v1/rating/modules', None, 200),
    ('POST', '/v1/rating/module_config/hashmap/services', {'name': 'x'},
     201),
    ('GET', '/v1/rating/module_config/hashmap/services', None, 200),
])
def test_admin_endpoints_for_admin(call, method, path, body, status):
    resp = call('admin_a', method, path, json=body)
    assert resp.status_code == status, resp.text


@pytest.mark.parametrize('user', ['reader_a', 'member_b', 'admin_a'])
def test_everyone_may_quote_and_read_info(call, user):
    resp = call(user, 'POST', '/v1/rating/quote', json={'resources': []})
    assert resp.status_code == 200, resp.text
    assert call(user, 'GET', '/v1/info/config').status_code in (200, 503)


def test_audit_user_is_the_token_user(call, keystone):
    resp = call('admin_a', 'POST',
                '/v1/rating/module_config/hashmap/services',
                json={'name': 'instance'})
    service_id = resp.json()['service_id']
    resp = call('admin_a', 'POST',
                '/v1/rating/module_config/hashmap/mappings',
                json={'service_id': service_id, 'cost': '1'})
    assert resp.status_code == 201, resp.text
    assert resp.json()['created_by'] == keystone.users['admin_a']


def test_cli_with_keystone_password_auth(api, keystone, seeded):
    """The CLI authenticates against Keystone and finds the API in the
    catalog (service type ``rating``)."""
    from cloudkitty.tests.functional.client import conftest as cli_fixtures
    keystone.add_rating_endpoint(api)
    argv = ['--os-auth-url', keystone.url, '--os-username', 'reader_a',
            '--os-password', ks.PASSWORD, '--os-project-id',
            keystone.projects['A'], '--os-user-domain-id', 'default',
            '--os-auth-type', 'password']
    total = cli_fixtures.run_cli_args(
        argv + ['--os-rating-api-version', '1', 'total', 'get', '-b',
                '2015-01-04T00:00:00', '-e', '2015-01-05T00:00:00',
                '-f', 'json'])
    assert total == {'Total': 1.5}
    with pytest.raises(cli_fixtures.CLIError, match='403'):
        cli_fixtures.run_cli_args(argv + [
            '--os-rating-api-version', '1', 'module', 'list', '-f', 'json'])


def test_delayed_auth_decision_still_requires_a_token(
        database, keystone, tokens, tmp_path):
    """With ``delay_auth_decision = true`` auth_token lets requests without
    a valid token through (``X-Identity-Status: Invalid``): the service
    refuses them itself."""
    path = tmp_path / 'cloudkitty.conf'
    for url in _serve(database, keystone, path,
                      ['delay_auth_decision = true']):
        for headers in ({}, {'X-Auth-Token': 'gAAAAA-not-a-token'},
                        {'X-Identity-Status': 'Confirmed',
                         'X-Roles': 'admin'}):
            for method, what in (('POST', '/v1/rating/quote'),
                                 ('GET', '/v1/info/config'),
                                 ('GET', '/v1/storage/dataframes'),
                                 ('GET', '/v2/summary')):
                resp = requests.request(method, url + what, headers=headers,
                                        json={'resources': []}, timeout=30)
                assert resp.status_code == 401, (headers, what, resp.text)
        assert requests.get(url + '/', timeout=30).status_code == 200
        if 'reader_a' not in tokens:
            tokens['reader_a'] = keystone.token('reader_a', 'A')
        resp = requests.post(url + '/v1/rating/quote',
                             json={'resources': []}, timeout=30,
                             headers={'X-Auth-Token': tokens['reader_a']})
        assert resp.status_code == 200, resp.text
