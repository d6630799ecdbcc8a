"""The version document, health check and middleware of the WSGI app."""

import json

import pytest
import webob

from cloudkitty.api import app as api_app


@pytest.fixture
def app(conf, sqlite_db):
    conf.set_override('auth_strategy', 'noauth')
    return api_app.setup_app(conf)


def _get(app, path, **kwargs):
    return webob.Request.blank(path, **kwargs).get_response(app)


def test_root_lists_v1(app):
    resp = _get(app, '/', headers={'Host': 'ck.example.com:8889'})
    assert resp.status_int == 200
    body = json.loads(resp.body)
    assert body['versions'][0] == {
        'id': 'v1', 'status': 'CURRENT',
        'links': [{'href': 'http://ck.example.com:8889/v1', 'rel': 'self'}]}
    assert resp.headers['x-openstack-request-id'].startswith('req-')


def test_head_root(app):
    resp = _get(app, '/', method='HEAD')
    assert resp.status_int == 200


def test_healthcheck(app):
    resp = _get(app, '/healthcheck')
    assert resp.status_int == 200
    assert resp.text == 'OK'


def test_healthcheck_disabled_by_file(conf, sqlite_db, tmp_path):
    flag = tmp_path / 'disable'
    flag.write_text('')
    conf.set_override('auth_strategy', 'noauth')
    app = api_app.setup_app(conf)
    conf.set_override('disable_by_file_path', str(flag), group='healthcheck')
    resp = _get(app, '/healthcheck')
    assert resp.status_int == 503


def test_keystone_leaves_root_public(conf, sqlite_db):
    from keystonemiddleware import auth_token
    for group, opts in auth_token.list_opts():
        conf.register_opts(opts, group=group)
    conf.set_override('www_authenticate_uri', 'http://127.0.0.1:5000',
                      group='keystone_authtoken')
    conf.set_override('auth_strategy', 'keystone')
    app = api_app.setup_app(conf)
    assert _get(app, '/').status_int == 200
    # No token on a protected path: keystonemiddleware answers 401.
    assert _get(app, '/v1/rating/modules').status_int == 401
