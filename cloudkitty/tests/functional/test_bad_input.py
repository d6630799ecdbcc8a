"""Bad input on every v1 endpoint is a 4xx JSON fault, never a 500.

The cases are generated from :data:`ROUTES`, one row per endpoint with the
types of its query parameters and body attributes: an unknown query
argument, unparsable values for each typed parameter, bodies that are not
JSON, of the wrong JSON shape, too large, with an unknown attribute, with a
value of the wrong type or null for each attribute, and unknown ids.
"""

import dataclasses
import json
import urllib.parse

import pytest
import webob

from cloudkitty.api import app as api_app
from cloudkitty import policy

UNKNOWN = '7f5c9b52-0000-4000-8000-000000000000'
H = '/v1/rating/module_config/hashmap'
P = '/v1/rating/module_config/pyscripts'

# A value of the wrong kind for each attribute type.
WRONG = {
    # NUL and a lone surrogate: text no database stores (PostgreSQL
    # refuses NUL, UTF-8 has no surrogates)
    'text': [123, {'a': 1}, ['x'], 'a\x00b', '\ud800'],
    'bool': ['perhaps', 'yes please', 2, {'a': 1}],
    'int': ['high', 1.5, {'a': 1}, 2 ** 31, 2 ** 63, -2 ** 64],
    'decimal': ['abc', 'NaN', 'Infinity', '1e999999', '1e+3000000',
                '-1E+9999999', True, {'a': 1}],
    'uuid': ['xyz', 42, {'a': 1}, 'a\x00b'],
    # the last two leave the calendar once converted to UTC
    'datetime': ['notadate', '2015-13-45', '2015-01-01T25:00:00', 42,
                 '0001-01-01T00:00:00+01:00', '9999-12-31T23:00:00-01:00'],
    'list': ['x', {'a': 1}, 42],
    'object': ['x', [1, 2], 42],
}
WRONG_QUERY = {
    'datetime': ['notadate', '2015-13-45', '2015-01-01T25:61:00', 'yesterday',
                 '0001-01-01T00:00:00%2B01:00'],
    'bool': ['perhaps', '2', 'tru'],
    'text': ['a%00b', '%ED%A0%80'],
}

# Values at the ends of the calendar: valid, but the day or month around
# them (report windows) is past year 9999. An answer or a 4xx, never a 500.
EDGE_QUERY = {
    'datetime': ['9999-12-31T23:59:59', '9999-12-31', '0001-01-01T00:00:00',
                 '0001-01-01'],
}


@dataclasses.dataclass
class Route:
    method: str
    path: str
    query: dict = dataclasses.field(default_factory=dict)
    body: dict = dataclasses.field(default_factory=dict)
    valid: dict = dataclasses.field(default_factory=dict)


MAPPING = {'cost': 'decimal', 'type': 'text', 'value': 'text',
           'service_id': 'uuid', 'field_id': 'uuid', 'group_id': 'uuid',
           'tenant_id': 'text', 'start': 'datetime', 'end': 'datetime',
           'name': 'text', 'description': 'text', 'mapping_id': 'uuid'}
THRESHOLD = {'level': 'decimal', 'cost': 'decimal', 'type': 'text',
             'service_id': 'uuid', 'field_id': 'uuid', 'group_id': 'uuid',
             'tenant_id': 'text', 'threshold_id': 'uuid'}
SCRIPT = {'name': 'text', 'data': 'text', 'start': 'datetime',
          'end': 'datetime', 'description': 'text', 'script_id': 'uuid'}
WINDOW = {'begin': 'datetime', 'end': 'datetime'}
MAPPING_FILTERS = {'service_id': 'text', 'field_id': 'text',
                   'group_id': 'text', 'no_group': 'bool',
                   'tenant_id': 'text', 'filter_tenant': 'bool',
                   'deleted': 'bool', 'start': 'datetime', 'end': 'datetime',
                   'is_active': 'bool'}

ROUTES = [
    Route('GET', '/v1/collector/mappings/', {'collector': 'text'}),
    Route('GET', '/v1/collector/mappings/' + UNKNOWN),
    Route('POST', '/v1/collector/mappings/', body={
        'collector': 'text', 'service': 'text'},
        valid={'collector': 'c', 'service': 's'}),
    Route('DELETE', '/v1/collector/mappings/', body={'service': 'text'},
          valid={'service': 'nope'}),
    Route('GET', '/v1/collector/states/', {'name': 'text'}),
    Route('PUT', '/v1/collector/states/', body={
        'name': 'text', 'enabled': 'bool'},
        valid={'name': 'n', 'enabled': True}),
    Route('PUT', '/v1/collector/gnocchi/states', body={'enabled': 'bool'},
          valid={'enabled': True}),
    Route('GET', '/v1/info/config'),
    Route('GET', '/v1/info/metrics/'),
    Route('GET', '/v1/info/metrics/' + UNKNOWN),
    Route('GET', '/v1/rating/modules/'),
    Route('GET', '/v1/rating/modules/' + UNKNOWN),
    Route('PUT', '/v1/rating/modules/noop', body={
        'module_id': 'text', 'enabled': 'bool', 'priority': 'int',
        'description': 'text'}, valid={'module_id': 'noop'}),
    Route('GET', '/v1/rating/reload_modules'),
    Route('POST', '/v1/rating/quote', body={'resources': 'list'},
          valid={'resources': []}),
    Route('POST', '/v1/rating/quote', body={'resources': 'list'},
          valid={'resources': [{'service': 'x', 'volume': 1}]}),
    Route('POST', '/v1/rating/quote', body={'resources': 'list'},
          valid={'resources': [{'service': 'x', 'volume': '1e999999'}]}),
    Route('POST', '/v1/rating/quote', body={'resources': 'list'},
          valid={'resources': [{'service': 'x', 'volume': 1,
                                'desc': 'flat'}]}),
    Route('GET', '/v1/report/tenants', WINDOW),
    Route('GET', '/v1/report/total', dict(WINDOW, tenant_id='text',
                                          service='text', all_tenants='bool')),
    Route('GET', '/v1/report/summary', dict(
        WINDOW, tenant_id='text', service='text', groupby='text',
        all_tenants='bool')),
    Route('GET', '/v1/storage/dataframes', dict(
        WINDOW, tenant_id='text', resource_type='text')),
    Route('GET', H + '/types/'),
    Route('GET', H + '/services/'),
    Route('GET', H + '/services/' + UNKNOWN),
    Route('POST', H + '/services/', body={'name': 'text'},
          valid={'name': 'svc'}),
    Route('DELETE', H + '/services/', body={'service_id': 'text'},
          valid={'service_id': UNKNOWN}),
    Route('GET', H + '/fields/', {'service_id': 'text'}),
    Route('GET', H + '/fields/' + UNKNOWN),
    Route('POST', H + '/fields/', body={'name': 'text',
                                        'service_id': 'uuid'},
          valid={'name': 'f', 'service_id': UNKNOWN}),
    Route('DELETE', H + '/fields/' + UNKNOWN),
    Route('GET', H + '/groups/'),
    Route('GET', H + '/groups/' + UNKNOWN),
    Route('GET', H + '/groups/mappings', {'group_id': 'text'}),
    Route('GET', H + '/groups/thresholds', {'group_id': 'text'}),
    Route('POST', H + '/groups/', body={'name': 'text'},
          valid={'name': 'g'}),
    Route('DELETE', H + '/groups/', body={'group_id': 'text',
                                          'recursive': 'bool'},
          valid={'group_id': UNKNOWN, 'recursive': True}),
    Route('GET', H + '/mappings/', MAPPING_FILTERS),
    Route('GET', H + '/mappings/' + UNKNOWN),
    Route('GET', H + '/mappings/group', {'mapping_id': 'text'}),
    Route('POST', H + '/mappings/', {'force': 'bool'}, MAPPING,
          valid={'cost': '1', 'service_id': UNKNOWN}),
    Route('PUT', H + '/mappings/', body=MAPPING,
          valid={'cost': '1', 'mapping_id': UNKNOWN}),
    Route('PUT', H + '/mappings/' + UNKNOWN, body=MAPPING,
          valid={'cost': '1'}),
    Route('DELETE', H + '/mappings/', body={'mapping_id': 'text'},
          valid={'mapping_id': UNKNOWN}),
    Route('GET', H + '/thresholds/', {
        'service_id': 'text', 'field_id': 'text', 'group_id': 'text',
        'no_group': 'bool', 'tenant_id': 'text', 'filter_tenant': 'bool'}),
    Route('GET', H + '/thresholds/' + UNKNOWN),
    Route('GET', H + '/thresholds/group', {'threshold_id': 'text'}),
    Route('POST', H + '/thresholds/', body=THRESHOLD,
          valid={'level': '1', 'cost': '1', 'service_id': UNKNOWN}),
    Route('PUT', H + '/thresholds/', body=THRESHOLD,
          valid={'level': '1', 'cost': '1', 'threshold_id': UNKNOWN}),
    Route('DELETE', H + '/thresholds/' + UNKNOWN),
    Route('GET', P + '/scripts/', {'no_data': 'bool', 'deleted': 'bool',
                                   'start': 'datetime', 'end': 'datetime',
                                   'is_active': 'bool'}),
    Route('GET', P + '/scripts/' + UNKNOWN),
    Route('POST', P + '/scripts/', {'force': 'bool'}, SCRIPT,
          valid={'name': 's'}),
    Route('PUT', P + '/scripts/' + UNKNOWN, body=SCRIPT,
          valid={'name': 's'}),
    Route('DELETE', P + '/scripts/' + UNKNOWN),
]


def _cases():
    for route in ROUTES:
        label = '%s %s' % (route.method, route.path.replace(UNKNOWN, 'X'))
        yield label + ' unknown arg', route, {'zzz_unknown': '1'}, None
        for name, kind in route.query.items():
            for value in WRONG_QUERY.get(kind, []):
                yield ('%s ?%s=%s' % (label, name, value), route,
                       {name: value}, None)
        if route.method in ('GET',):
            continue
        yield label + ' not json', route, {}, b'{"a": '
        yield label + ' json list', route, {}, b'[1, 2]'
        yield label + ' json string', route, {}, b'"text"'
        yield label + ' json null', route, {}, b'null'
        yield label + ' NaN', route, {}, b'{"name": NaN}'
        yield label + ' Infinity', route, {}, b'{"name": -Infinity}'
        yield label + ' 1e400', route, {}, b'{"name": 1e400}'
        yield label + ' NUL', route, {}, b'{"name": "a\\u0000"}'
        yield label + ' surrogate', route, {}, b'{"name": "\\udc00"}'
        yield label + ' huge', route, {}, json.dumps(
            {'name': 'x' * 300000}).encode()
        if not route.body:
            continue
        yield (label + ' unknown attribute', route, {},
               json.dumps(dict(route.valid, zzz_unknown=1)).encode())
        for name, kind in route.body.items():
            if name in route.valid:
                # The attributes of ``valid`` are the mandatory ones.
                yield (label + ' %s null' % name, route, {},
                       json.dumps(dict(route.valid, **{name: None})).encode())
            for value in WRONG[kind]:
                body = dict(route.valid, **{name: value})
                yield ('%s %s=%r' % (label, name, value), route, {},
                       json.dumps(body).encode())


CASES = list(_cases())


@pytest.fixture(scope='module')
def app(tmp_path_factory):
    from oslo_config import cfg

    from cloudkitty import conf as ck_conf
    from cloudkitty.db import api as db_api
    from cloudkitty.tests import db_backends
    conf = cfg.ConfigOpts()
    ck_conf.register_opts(conf)
    conf([], project='cloudkitty', default_config_files=[])
    conf.set_override('auth_strategy', 'noauth')
    engine = db_backends.engine_with_schema('sqlite')
    db_backends.empty_tables(engine)
    conf.set_override('connection', engine.url.render_as_string(
        hide_password=False), group='database')
    if not db_api._configured:
        db_api.context_manager.configure(connection='sqlite://')
        db_api._configured = True
    restore = db_api.context_manager.patch_engine(engine)
    policy.reset()
    yield api_app.setup_app(conf)
    restore()
    policy.reset()
    conf.reset()


@pytest.mark.parametrize('route,query,body', [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_input_is_a_client_error(app, route, query, body):
    request = webob.Request.blank(route.path, method=route.method)
    if query:
        request.query_string = '&'.join(
            '%s=%s' % item for item in query.items())
    if body is not None:
        request.body = body
        request.content_type = 'application/json'
    response = request.get_response(app)
    assert 400 <= response.status_int < 500, response.text
    assert response.content_type == 'application/json', response.text
    fault = json.loads(response.body)
    assert fault['faultcode'] == 'Client'
    assert fault['faultstring']
    assert fault['debuginfo'] is None


EDGE_CASES = [
    ('%s %s ?%s=%s' % (route.method, route.path.replace(UNKNOWN, 'X'),
                       name, value), route, {name: value})
    for route in ROUTES if route.method == 'GET'
    for name, kind in route.query.items()
    for value in EDGE_QUERY.get(kind, [])]


@pytest.mark.parametrize('route,query', [c[1:] for c in EDGE_CASES],
                         ids=[c[0] for c in EDGE_CASES])
def test_edge_values_are_never_a_server_error(app, route, query):
    request = webob.Request.blank(route.path, method=route.method)
    request.query_string = '&'.join('%s=%s' % item for item in query.items())
    response = request.get_response(app)
    assert response.status_int < 500, response.text
    assert response.content_type == 'application/json', response.text
    if response.status_int >= 400:
        assert json.loads(response.body)['faultstring']


@pytest.mark.parametrize('path,query,where', [
    ('/v1/report/total', 'tenant_id=%FF', 'query string'),
    ('/v1/rating/module_config/hashmap/services/', 'x=%ED%A0%80',
     'query string'),
    ('/v1/rating/modules/%FF', '', 'path'),
    ('/v2/summary', 'filters=project_id:%C3', 'query string'),
    ('/v2/rating/modules/%FF', '', 'path'),
])
def test_not_utf8_is_a_clear_client_error(app, path, query, where):
    request = webob.Request.blank(path)
    request.environ['PATH_INFO'] = urllib.parse.unquote_to_bytes(
        path).decode('latin-1')
    request.query_string = query
    response = request.get_response(app)
    assert response.status_int == 400, response.text
    body = json.loads(response.body)
    message = body.get('faultstring') or body.get('message')
    assert message == 'Invalid request: the %s is not valid UTF-8' % where
