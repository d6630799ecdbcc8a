"""Ceilometer collector against the v2 stand-in, through the real
python-ceilometerclient 2.9.0 (no real Ceilometer v2 API exists any more,
see cloudkitty/tests/ceilometer_standin.py)."""

import datetime
import decimal
import json
import urllib.error
import urllib.request

import pytest

from cloudkitty import collector
from cloudkitty.collector import ceilometer
from cloudkitty.collector import metrics
from cloudkitty import exception
from cloudkitty.tests import ceilometer_standin

D = decimal.Decimal
UTC = datetime.UTC
T17 = datetime.datetime(2016, 4, 18, 17, tzinfo=UTC)
HOUR = datetime.timedelta(hours=1)


def _seed(app):
    """The data set of ceilometer-v2.md section 9."""
    vm1 = {'display_name': 'vm1', 'flavor': {'name': 'm1.tiny', 'ram': 512,
                                             'vcpus': 1},
           'instance_type': 'm1.tiny', 'memory_mb': 512, 'vcpus': 1,
           'availability_zone': 'nova', 'ephemeral': False, 'host': None,
           'user_metadata': {'billing_tier': 'gold'}}
    for minute in range(0, 60, 10):
        stamp = '2016-04-18T17:%02d:00' % minute
        app.add_sample('instance', 1, 'vm-1', stamp, unit='instance',
                       project_id='p-1', user_id='u-1', metadata=vm1)
        app.add_sample('cpu', (minute // 10 + 1) * 1e9, 'vm-1', stamp,
                       unit='ns', project_id='p-1', user_id='u-1',
                       metadata=vm1, type='cumulative')
    for stamp in ('17:00', '17:30'):
        app.add_sample('image.size', 13167616, 'img-1',
                       '2016-04-18T%s:00' % stamp, unit='B',
                       project_id='p-1', user_id='u-1',
                       metadata={'container_format': 'bare',
                                 'disk_format': 'qcow2'})
    app.add_sample('volume.size', 10, 'vol-1', '2016-04-18T17:15:00',
                   unit='GB', project_id='p-1', user_id='u-1',
                   metadata={'availability_zone': 'nova', 'size': 10,
                             'display_name': 'data', 'status': 'available',
                             'volume_id': 'vol-1'})
    app.add_sample('volume.size', 20, 'vol-1', '2016-04-18T17:45:00',
                   unit='GB', project_id='p-1', user_id='u-1',
                   metadata={'availability_zone': 'nova', 'size': 20,
                             'display_name': 'data', 'status': 'available',
                             'volume_id': 'vol-1'})
    tap = 'instance-00000001-vm-1-tap1234'
    for stamp, value in (('17:00', 1000), ('17:20', 5000),
                         ('17:40', 3145728)):
        app.add_sample('network.incoming.bytes', value, tap,
                       '2016-04-18T%s:00' % stamp, unit='B',
                       project_id='p-1', user_id='u-1',
                       metadata={'instance_id': 'vm-1'},
                       type='cumulative')
    for stamp in ('17:10', '17:50'):
        app.add_sample('ip.floating', 1, 'fip-1', '2016-04-18T%s:00' % stamp,
                       unit='ip', project_id='p-1', user_id='u-1',
                       metadata={'floating_ip_address': '172.24.4.3',
                                 'status': 'ACTIVE'})
    for stamp in ('17:05', '17:25', '18:05'):
        app.add_sample('instance', 1, 'vm-2', '2016-04-18T%s:00' % stamp,
                       unit='instance', project_id='p-2', user_id='u-2',
                       metadata={'display_name': 'vm2',
                                 'flavor': {'name': 'm1.small'}})


@pytest.fixture(scope='module')
def standin():
    server = ceilometer_standin.Server().start()
    _seed(server.app)
    yield server
    server.stop()


def _get(url):
    try:
        with urllib.request.urlopen(url) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


# -- the stand-in follows the wire spec --

def test_versions_document(standin):
    status, body = _get(standin.url + '/')
    assert status == 200
    assert body['versions']['values'][0]['id'] == 'v2'
    assert body['versions']['values'][0]['links'][0] == {
        'href': standin.url + '/v2', 'rel': 'self'}


def test_example_a_two_groups(standin):
    status, body = _get(
        standin.url + '/v2/meters/instance/statistics?q.field=timestamp&'
        'q.field=timestamp&q.op=gt&q.op=le&q.type=&q.type=&q.value='
        '2016-04-18T17%3A00%3A00&q.value=2016-04-18T17%3A50%3A00&'
        'groupby=resource_id')
    assert status == 200
    assert body == [
        {'groupby': {'resource_id': 'vm-1'}, 'unit': 'instance',
         'min': 1.0, 'max': 1.0, 'avg': 1.0, 'sum': 5.0, 'count': 5,
         'duration': 2400.0, 'duration_start': '2016-04-18T17:10:00',
         'duration_end': '2016-04-18T17:50:00', 'period': 0,
         'period_start': '2016-04-18T17:10:00',
         'period_end': '2016-04-18T17:50:00'},
        {'groupby': {'resource_id': 'vm-2'}, 'unit': 'instance',
         'min': 1.0, 'max': 1.0, 'avg': 1.0, 'sum': 2.0, 'count': 2,
         'duration': 1200.0, 'duration_start': '2016-04-18T17:05:00',
         'duration_end': '2016-04-18T17:25:00', 'period': 0,
         'period_start': '2016-04-18T17:05:00',
         'period_end': '2016-04-18T17:25:00'}]


def test_periods_anchored_at_lower_bound(standin):
    status, body = _get(
        standin.url + '/v2/meters/instance/statistics?q.field=timestamp&'
        'q.op=ge&q.value=2016-04-18T16:45:00&q.field=timestamp&q.op=lt&'
        'q.value=2016-04-18T18:15:00&period=1800')
    assert status == 200
    assert [(r['period_start'], r['period_end'], r['count'], r['groupby'])
            for r in body] == [
        ('2016-04-18T16:45:00', '2016-04-18T17:15:00', 3, None),
        ('2016-04-18T17:15:00', '2016-04-18T17:45:00', 4, None),
        ('2016-04-18T17:45:00', '2016-04-18T18:15:00', 2, None)]
    # unbounded: anchored at the first sample, the last one is lost
    status, body = _get(standin.url + '/v2/meters/instance/statistics?'
                        'q.field=resource_id&q.value=vm-1&period=600')
    assert [r['count'] for r in body] == [1, 1, 1, 1, 1]


def test_selectable_aggregates(standin):
    status, body = _get(
        standin.url + '/v2/meters/instance/statistics?aggregate.func='
        'cardinality&aggregate.param=resource_id&aggregate.func=max')
    assert status == 200
    assert body[0]['aggregate'] == {'cardinality/resource_id': 2.0,
                                    'max': 1.0}
    assert body[0]['max'] == 1.0
    assert 'sum' not in body[0] and 'count' not in body[0]


def test_resource_description(standin):
    status, body = _get(standin.url + '/v2/resources/vm-1')
    assert status == 200
    assert body['metadata']['flavor.name'] == 'm1.tiny'
    assert body['metadata']['ephemeral'] == 'False'
    assert body['metadata']['host'] == 'None'
    assert body['metadata']['memory_mb'] == '512'
    assert body['metadata']['user_metadata.billing_tier'] == 'gold'
    assert body['first_sample_timestamp'] == '2016-04-18T17:00:00'
    assert body['last_sample_timestamp'] == '2016-04-18T17:50:00'
    assert [link['rel'] for link in body['links']] == ['self', 'instance',
                                                       'cpu']


@pytest.mark.parametrize('query, status, faultstring', [
    ('/v2/meters/instance/statistics?foo=bar', 400,
     'Unknown argument: "foo"'),
    ('/v2/meters/instance/statistics?limit=1', 400,
     'Unknown argument: "limit"'),
    ('/v2/meters/instance/statistics?q.field=project_id&q.op=ne&'
     'q.value=p-1', 400, "Invalid input for field/attribute op. Value: "
     "'ne'. unimplemented operator for project_id"),
    ('/v2/meters/instance/statistics?q.field=timestamp&q.op=eq&'
     'q.value=2016-04-18T17:00:00', 400, "Invalid input for "
     "field/attribute op. Value: 'eq'. unimplemented operator for "
     'timestamp'),
    ('/v2/meters/instance/statistics?q.field=timestamp&q.op=ge&'
     'q.value=notadate', 400, "Invalid input for field/attribute "
     "timestamp. Value: 'notadate'. invalid timestamp format"),
    ('/v2/meters/instance/statistics?period=seven', 400,
     "Invalid input for field/attribute period. Value: 'seven'. unable "
     "to convert to int. Error: invalid literal for int() with base 10: "
     "'seven'"),
    ('/v2/meters/instance/statistics?period=-1', 400,
     'Period must be positive.'),
    ('/v2/meters/instance/statistics?groupby=house_id', 400,
     'Unknown argument: "{\'house_id\'}": Invalid groupby fields'),
    ('/v2/meters/instance/statistics?groupby=source', 501,
     'Unable to group by these fields'),
    ('/v2/meters/instance/statistics?aggregate.func=mmm', 400,
     'Invalid aggregation function: mmm'),
    ('/v2/meters/instance/statistics?aggregate.func=cardinality', 400,
     'Bad aggregate: cardinality.None'),
    ('/v2/resources/nosuch', 404, 'Resource nosuch Not Found'),
    ('/v2/resources?limit=0', 400, 'Limit must be positive'),
    ('/v2/meters?q.field=timestamp&q.op=ge&q.value=2016-04-18', 400,
     'Unknown argument: "timestamp": not valid for this resource'),
])
def test_errors(standin, query, status, faultstring):
    got_status, body = _get(standin.url + query)
    assert got_status == status
    assert body['error_message']['faultstring'] == faultstring
    assert body['error_message']['faultcode'] == (
        'Server' if status >= 500 else 'Client')


def test_unknown_field_message(standin):
    status, body = _get(standin.url + '/v2/meters/instance/statistics?'
                        'q.field=nosuchfield&q.value=x')
    assert status == 400
    assert body['error_message']['faultstring'] == (
        'Unknown argument: "nosuchfield": unrecognized field in query: '
        "[<Query 'nosuchfield' eq 'x' Unset>], valid keys: ['message_id', "
        "'meter', 'project', 'resource', 'search_offset', 'source', "
        "'timestamp', 'user']")


def test_unknown_path_is_html_string(standin):
    status, body = _get(standin.url + '/v2/')
    assert status == 404
    assert isinstance(body['error_message'], str)
    assert '404 Not Found' in body['error_message']


# -- the real client against the stand-in --

def _client(url):
    from ceilometerclient import client
    from keystoneauth1 import noauth
    from keystoneauth1 import session
    return client.get_client('2', session=session.Session(
        auth=noauth.NoAuth(endpoint=url)))


def test_real_client_statistics_and_seed(standin):
    client = _client(standin.url)
    rows = client.statistics.list(
        'volume.size', q=[
            {'field': 'timestamp', 'op': 'ge', 'value': '2016-04-18T17:00Z'},
            {'field': 'project', 'op': 'eq', 'value': 'p-1'},
            {'field': 'timestamp', 'op': 'le', 'value': '2016-04-18T18:00Z'}],
        groupby=['resource_id'])
    assert [(r.groupby, r.max, r.count) for r in rows] == [
        ({'resource_id': 'vol-1'}, 20.0, 2)]
    created = client.samples.create(
        counter_name='seeded', counter_type='gauge', counter_unit='x',
        counter_volume=4.5, resource_id='r-seed', project_id='p-9',
        timestamp='2016-04-18T17:30:00', resource_metadata={'a': {'b': 1}})
    assert created[0].counter_volume == 4.5
    assert client.resources.get('r-seed').metadata == {'a.b': '1'}
    assert [m.name for m in client.meters.list(
        q=[{'field': 'project_id', 'value': 'p-9'}])] == ['seeded']


# -- the collector --

METRICS = {'metrics': {
    'instance': {'unit': 'instance', 'groupby': ['id', 'user_id'],
                 'metadata': ['flavor.name', 'vcpus', 'missing'],
                 'mutate': 'NUMBOOL'},
    'image.size': {'unit': 'MiB', 'factor': '1/1048576',
                   'groupby': ['id']},
    'volume.size': {'unit': 'GiB', 'groupby': ['id'],
                    'metadata': ['availability_zone'],
                    'extra_args': {'aggregation_method': 'avg'}},
    'network.incoming.bytes': {'unit': 'MB', 'alt_name': 'network.bw.in',
                               'factor': '1/1048576', 'offset': 1},
    'cpu': {'unit': 'ns', 'extra_args': {'aggregation_method': 'sum'}},
}}


@pytest.fixture
def ceilo_conf(conf, standin):
    conf.set_override('collector', 'ceilometer', group='collect')
    conf.set_override('auth_type', 'none', group='collector_ceilometer')
    conf.register_opts([], group='collector_ceilometer')
    return conf


def _collector(conf, url, document=None):
    from keystoneauth1 import loading
    loading.load_auth_from_conf_options(conf, 'collector_ceilometer')
    conf.set_override('endpoint', url, group='collector_ceilometer')
    return ceilometer.CeilometerCollector(
        conf, metrics=metrics.validate(document or METRICS))


def test_get_collector_requires_auth_type(conf):
    conf.set_override('collector', 'ceilometer', group='collect')
    with pytest.raises(exception.ConfigError) as err:
        collector.get_collector(conf, metrics=metrics.validate(METRICS))
    assert str(err.value).startswith(
        'Invalid configuration: [collector_ceilometer] auth_type: must be '
        'set')


def test_instance_points(ceilo_conf, standin):
    coll = _collector(ceilo_conf, standin.url)
    name, points = coll.retrieve('instance', T17, T17 + HOUR, 'p-1')
    assert name == 'instance'
    assert len(points) == 1
    point = points[0]
    assert point.qty == 1 and point.unit == 'instance'
    assert dict(point.groupby) == {
        'id': 'vm-1', 'user_id': 'u-1', 'project_id': 'p-1',
        'week_of_the_year': '16', 'day_of_the_year': '109', 'month': '4',
        'year': '2016'}
    assert dict(point.metadata) == {'flavor.name': 'm1.tiny', 'vcpus': '1',
                                    'missing': ''}
    # p-2's vm-2 has samples at 17:05 and 17:25 only in this hour
    _, points = coll.retrieve('instance', T17, T17 + HOUR, 'p-2')
    assert [p.groupby['id'] for p in points] == ['vm-2']
    _, points = coll.retrieve('instance', T17 + HOUR, T17 + 2 * HOUR, 'p-2')
    assert [p.groupby['user_id'] for p in points] == ['u-2']


def test_factor_aggregation_and_alt_name(ceilo_conf, standin):
    coll = _collector(ceilo_conf, standin.url)
    _, points = coll.retrieve('image.size', T17, T17 + HOUR, 'p-1')
    assert [p.qty for p in points] == [D('12.5576171875')]
    assert points[0].groupby['id'] == 'img-1'
    _, points = coll.retrieve('volume.size', T17, T17 + HOUR, 'p-1')
    assert [p.qty for p in points] == [D(15)]
    assert points[0].metadata['availability_zone'] == 'nova'
    name, points = coll.retrieve('network.bw.in', T17, T17 + HOUR, 'p-1')
    assert name == 'network.bw.in'
    assert [p.qty for p in points] == [D(3145728) / 1048576 + 1]
    _, points = coll.retrieve('cpu', T17, T17 + HOUR, 'p-1')
    assert [p.qty for p in points] == [D(21000000000)]


def test_period_is_half_open(ceilo_conf, standin):
    coll = _collector(ceilo_conf, standin.url)
    # vm-1 has a sample at 17:00 exactly: it belongs to [17:00, 18:00)
    # only, not to [16:00, 17:00).
    _, points = coll.retrieve('instance', T17 - HOUR, T17, 'p-1')
    assert points == []


def test_no_data(ceilo_conf, standin):
    coll = _collector(ceilo_conf, standin.url)
    assert coll.retrieve('image.size', T17, T17 + HOUR, 'p-404') == (
        'image.size', [])
    assert coll.retrieve('cpu', T17 + 5 * HOUR, T17 + 6 * HOUR, 'p-1') == (
        'cpu', [])


def test_vanished_resource_is_skipped(ceilo_conf, standin):
    coll = _collector(ceilo_conf, standin.url)
    app = standin.app
    # a sample of a resource that the API will not describe (another
    # project confines it), so resources.get answers 404
    sample = app.add_sample('volume.size', 5, 'vol-ghost',
                            '2016-04-18T20:10:00', unit='GB',
                            project_id='p-ghost')
    original = app._resource

    def hide(resource_id, host, confined):
        if resource_id == 'vol-ghost':
            raise ceilometer_standin.ApiError(404, 'Resource vol-ghost Not '
                                              'Found')
        return original(resource_id, host, confined)
    app._resource = hide
    try:
        start = T17 + 3 * HOUR
        assert coll.retrieve('volume.size', start, start + HOUR,
                             'p-ghost') == ('volume.size', [])
    finally:
        app._resource = original
        app.samples.remove(sample)


def test_api_error_is_collect_error(ceilo_conf, standin):
    document = {'metrics': {'bad/meter': {'unit': 'u'}}}
    coll = _collector(ceilo_conf, standin.url, document)
    with pytest.raises(collector.CollectError) as err:
        coll.retrieve('bad/meter', T17, T17 + HOUR, 'p-1')
    assert str(err.value).startswith('Collection of bad/meter failed: ')


def test_unreachable_api_is_collect_error(ceilo_conf):
    server = ceilometer_standin.Server()
    url = server.url
    server.stop()    # never started: the port is closed
    coll = _collector(ceilo_conf, url)
    with pytest.raises(collector.CollectError):
        coll.retrieve('instance', T17, T17 + HOUR, 'p-1')


def test_invalid_aggregation_method(ceilo_conf, standin):
    document = {'metrics': {'cpu': {'unit': 'u', 'extra_args': {
        'aggregation_method': 'median'}}}}
    with pytest.raises(exception.ConfigError) as err:
        _collector(ceilo_conf, standin.url, document)
    assert "aggregation_method must be one of max, min, avg, sum, count" in \
        str(err.value)
