"""Keystone fetcher against a real Keystone (cloudkitty.tests.keystone)."""

import pytest

from cloudkitty import exception
from cloudkitty import fetcher
from cloudkitty.fetcher import keystone as keystone_fetcher
from cloudkitty.tests import db_backends
from cloudkitty.tests import keystone as ks


@pytest.fixture(scope='module')
def keystone():
    try:
        server = ks.start()
    except ks.KeystoneUnavailable as err:
        db_backends.unavailable('keystone: %s' % err)
    admin = server.session('admin', project=None, password=ks.ADMIN_PASSWORD)

    def call(method, path, body=None):
        response = admin.request(server.url + path, method, json=body)
        return response.json() if response.text else None
    rating = call('POST', '/roles', {'role': {'name': 'rating'}})['role']
    cloudkitty = server.users['cloudkitty']
    # CloudKitty rates A directly and C through a group; B is not rated;
    # D is rated but disabled.
    for name in ('C', 'D'):
        server.projects[name] = call('POST', '/projects', {'project': {
            'name': name, 'domain_id': 'default'}})['project']['id']
    call('PUT', '/projects/%s/users/%s/roles/%s' % (
        server.projects['A'], cloudkitty, rating['id']))
    call('PUT', '/projects/%s/users/%s/roles/%s' % (
        server.projects['D'], cloudkitty, rating['id']))
    group = call('POST', '/groups', {'group': {
        'name': 'raters', 'domain_id': 'default'}})['group']
    call('PUT', '/groups/%s/users/%s' % (group['id'], cloudkitty))
    call('PUT', '/projects/%s/groups/%s/roles/%s' % (
        server.projects['C'], group['id'], rating['id']))
    call('PATCH', '/projects/%s' % server.projects['D'],
         {'project': {'enabled': False}})
    yield server
    server.stop()


@pytest.fixture
def ks_conf(conf, keystone):
    conf.set_override('backend', 'keystone', group='fetcher')
    conf.set_override('auth_type', 'password', group='fetcher_keystone')
    from keystoneauth1 import loading
    conf.register_opts(loading.get_auth_plugin_conf_options('password'),
                       group='fetcher_keystone')
    options = keystone.authtoken_options()
    for name in ('auth_url', 'username', 'password', 'project_name',
                 'user_domain_id', 'project_domain_id'):
        conf.set_override(name, options[name], group='fetcher_keystone')
    return conf


def test_projects_with_the_rating_role(ks_conf, keystone):
    loaded = fetcher.get_fetcher(ks_conf)
    assert isinstance(loaded, keystone_fetcher.KeystoneFetcher)
    projects = keystone.projects
    assert loaded.get_scopes() == sorted(
        [projects['A'], projects['C'], projects['D']])


def test_ignore_disabled(ks_conf, keystone):
    ks_conf.set_override('ignore_disabled_tenants', True,
                         group='fetcher_keystone')
    projects = keystone.projects
    assert fetcher.get_fetcher(ks_conf).get_scopes() == sorted(
        [projects['A'], projects['C']])


def test_ignore_rating_role(ks_conf, keystone):
    ks_conf.set_override('ignore_rating_role', True,
                         group='fetcher_keystone')
    scopes = fetcher.get_fetcher(ks_conf).get_scopes()
    assert set(keystone.projects.values()) <= set(scopes)


def test_unversioned_auth_url(ks_conf, keystone):
    ks_conf.set_override('auth_url', keystone.url[:-len('/v3')],
                         group='fetcher_keystone')
    assert keystone.projects['A'] in fetcher.get_fetcher(
        ks_conf).get_scopes()


def test_bad_credentials_are_fetch_errors(ks_conf):
    ks_conf.set_override('password', 'wrong', group='fetcher_keystone')
    with pytest.raises(fetcher.FetchError) as err:
        fetcher.get_fetcher(ks_conf).get_scopes()
    assert str(err.value).startswith('The keystone fetcher failed: ')


def test_missing_auth_type(conf):
    conf.set_override('backend', 'keystone', group='fetcher')
    with pytest.raises(exception.ConfigError) as err:
        fetcher.get_fetcher(conf)
    assert str(err.value).startswith(
        'Invalid configuration: [fetcher_keystone] auth_type: must be set')
