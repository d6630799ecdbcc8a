"""Gnocchi collector and fetcher against a real Gnocchi 4.7."""

import datetime
import decimal
import time
import uuid

import pytest

from cloudkitty import collector
from cloudkitty.collector import gnocchi
from cloudkitty.collector import metrics
from cloudkitty import exception
from cloudkitty import fetcher

D = decimal.Decimal
UTC = datetime.UTC
T0 = datetime.datetime(2025, 1, 1, tzinfo=UTC)
HOUR = datetime.timedelta(hours=1)
P1, P2 = uuid.uuid4().hex, uuid.uuid4().hex
U1 = uuid.uuid4().hex


def _client(server):
    from gnocchiclient import auth
    from gnocchiclient import client
    return client.Client('1', session_options={'auth': auth.GnocchiBasicPlugin(
        user='admin', endpoint=server.url)})


@pytest.fixture(scope='module')
def dataset(gnocchi_server):
    """Instances and volumes of two projects over 2025-01-01 00:00-04:00.

    cpu of vm-a (P1): 5-minute samples; value = hour * 10 + minute / 5
    (so mean/max differ); vm-b (P1) ended at 02:00; vm-c belongs to P2.
    """
    gc = _client(gnocchi_server)
    policy = 'ck-%s' % uuid.uuid4().hex[:6]
    gc.archive_policy.create({
        'name': policy, 'back_window': 0,
        'aggregation_methods': ['mean', 'max', 'min', 'sum', 'last'],
        'definition': [{'granularity': '300s', 'timespan': '30 days'},
                       {'granularity': '3600s', 'timespan': '400 days'}]})
    rtype = 'ck_instance_%s' % uuid.uuid4().hex[:6]
    gc.resource_type.create({'name': rtype, 'attributes': {
        'flavor_name': {'type': 'string', 'required': False}}})
    ids = {}
    for name, project, flavor, ended in (
            ('vm-a', P1, 'm1.small', None),
            ('vm-b', P1, 'm1.large', (T0 + 2 * HOUR).isoformat()),
            ('vm-c', P2, 'm1.small', None)):
        rid = str(uuid.uuid4())
        ids[name] = rid
        body = {'id': rid, 'project_id': project, 'user_id': U1,
                'flavor_name': flavor, 'started_at': T0.isoformat(),
                'metrics': {'cpu': {'archive_policy_name': policy},
                            'vcpus': {'archive_policy_name': policy}}}
        if ended:
            body['ended_at'] = ended
        gc.resource.create(rtype, body)
        hours = 2 if ended else 4
        gc.metric.add_measures('cpu', [
            {'timestamp': (T0 + datetime.timedelta(minutes=5 * i))
             .isoformat(), 'value': (i // 12) * 10 + (i % 12)}
            for i in range(hours * 12)], resource_id=rid)
        gc.metric.add_measures('vcpus', [
            {'timestamp': (T0 + datetime.timedelta(minutes=30 * i))
             .isoformat(), 'value': 2.5} for i in range(hours * 2)],
            resource_id=rid)
    deadline = time.monotonic() + 120
    while gc.status.get()['storage']['summary']['measures']:
        if time.monotonic() > deadline:
            pytest.fail('gnocchi-metricd did not process the measures')
        time.sleep(0.5)
    return {'type': rtype, 'ids': ids, 'client': gc}


@pytest.fixture
def gn_conf(conf, gnocchi_server):
    conf.set_override('collector', 'gnocchi', group='collect')
    conf.set_override('gnocchi_auth_type', 'basic', group='collector_gnocchi')
    conf.set_override('gnocchi_endpoint', gnocchi_server.url,
                      group='collector_gnocchi')
    conf.set_override('gnocchi_user', 'admin', group='collector_gnocchi')
    return conf


def _defs(rtype, **overrides):
    cpu = {'unit': 'instance', 'alt_name': 'instance',
           'groupby': ['id', 'user_id', 'project_id'],
           'metadata': ['flavor_name'],
           'extra_args': {'resource_type': rtype}}
    cpu['extra_args'].update(overrides.pop('extra_args', {}))
    cpu.update(overrides)
    return metrics.validate({'metrics': {'cpu': cpu}})


def test_point_shape_and_default_aggregation(gn_conf, dataset):
    coll = collector.get_collector(gn_conf, metrics=_defs(dataset['type']))
    assert isinstance(coll, gnocchi.GnocchiCollector)
    name, points = coll.retrieve('instance', T0 + HOUR, T0 + 2 * HOUR, P1)
    assert name == 'instance'
    by_id = {p.groupby['id']: p for p in points}
    assert set(by_id) == {dataset['ids']['vm-a'], dataset['ids']['vm-b']}
    point = by_id[dataset['ids']['vm-a']]
    # hour 1: values 10..21 every 5 min; aggregation max of the hourly
    # "max" aggregate
    assert point.qty == D(21)
    assert point.unit == 'instance'
    assert dict(point.groupby) == {
        'id': dataset['ids']['vm-a'], 'user_id': U1, 'project_id': P1,
        'week_of_the_year': '00', 'day_of_the_year': '1', 'month': '1',
        'year': '2025'}
    assert dict(point.metadata) == {'flavor_name': 'm1.small'}
    assert by_id[dataset['ids']['vm-b']].metadata['flavor_name'] == \
        'm1.large'


def test_mean_and_mutate(gn_conf, dataset):
    defs = _defs(dataset['type'], extra_args={'aggregation_method': 'mean'})
    coll = gnocchi.GnocchiCollector(gn_conf, metrics=defs)
    _, points = coll.retrieve('instance', T0, T0 + HOUR, P2)
    assert [p.qty for p in points] == [D('5.5')]
    defs = _defs(dataset['type'], mutate='NUMBOOL')
    coll = gnocchi.GnocchiCollector(gn_conf, metrics=defs)
    _, points = coll.retrieve('instance', T0, T0 + HOUR, P2)
    assert [p.qty for p in points] == [D(1)]


def test_finer_granularity_is_re_aggregated(gn_conf, dataset):
    defs = _defs(dataset['type'], extra_args={
        'aggregation_method': 'mean', 'force_granularity': 300,
        're_aggregation_method': 'sum'})
    coll = gnocchi.GnocchiCollector(gn_conf, metrics=defs)
    _, points = coll.retrieve('instance', T0 + HOUR, T0 + 2 * HOUR, P2)
    assert [p.qty for p in points] == [D(sum(range(10, 22)))]


def test_factor_on_real_values(gn_conf, dataset):
    document = {'metrics': {'vcpus': {
        'unit': 'vcpu', 'factor': '1/2', 'offset': 1, 'groupby': ['id'],
        'extra_args': {'resource_type': dataset['type'],
                       'aggregation_method': 'mean'}}}}
    coll = gnocchi.GnocchiCollector(gn_conf,
                                    metrics=metrics.validate(document))
    _, points = coll.retrieve('vcpus', T0, T0 + HOUR, P2)
    assert [p.qty for p in points] == [D('2.25')]


def test_ended_resource_and_no_data(gn_conf, dataset):
    coll = gnocchi.GnocchiCollector(gn_conf,
                                    metrics=_defs(dataset['type']))
    _, points = coll.retrieve('instance', T0 + 3 * HOUR, T0 + 4 * HOUR, P1)
    assert [p.groupby['id'] for p in points] == [dataset['ids']['vm-a']]
    assert coll.retrieve('instance', T0 + 10 * HOUR, T0 + 11 * HOUR,
                         P1) == ('instance', [])
    assert coll.retrieve('instance', T0, T0 + HOUR, 'nobody') == (
        'instance', [])


def test_custom_query(gn_conf, dataset):
    defs = _defs(dataset['type'], extra_args={
        'custom_query': "flavor_name='m1.large'"})
    coll = gnocchi.GnocchiCollector(gn_conf, metrics=defs)
    _, points = coll.retrieve('instance', T0, T0 + HOUR, P1)
    assert [p.groupby['id'] for p in points] == [dataset['ids']['vm-b']]


def test_unknown_metric_is_no_data(gn_conf, dataset):
    document = {'metrics': {'nosuchmetric': {
        'unit': 'u', 'extra_args': {'resource_type': dataset['type']}}}}
    coll = gnocchi.GnocchiCollector(gn_conf,
                                    metrics=metrics.validate(document))
    assert coll.retrieve('nosuchmetric', T0, T0 + HOUR, P1) == (
        'nosuchmetric', [])


def test_unreachable_gnocchi_is_collect_error(gn_conf, dataset):
    from cloudkitty.tests import services
    gn_conf.set_override('gnocchi_endpoint', 'http://127.0.0.1:%d'
                         % services.free_port(), group='collector_gnocchi')
    coll = gnocchi.GnocchiCollector(gn_conf,
                                    metrics=_defs(dataset['type']))
    with pytest.raises(collector.CollectError):
        coll.retrieve('instance', T0, T0 + HOUR, P1)


def test_extra_args_validation(gn_conf):
    defs = metrics.validate({'metrics': {'cpu': {'unit': 'u'}}})
    with pytest.raises(exception.ConfigError) as err:
        gnocchi.GnocchiCollector(gn_conf, metrics=defs)
    assert "extra_args invalid for the gnocchi collector: required key " \
        "not provided @ data['resource_type']" in str(err.value)


def test_basic_auth_requires_endpoint(gn_conf):
    gn_conf.set_override('gnocchi_endpoint', '', group='collector_gnocchi')
    with pytest.raises(exception.ConfigError) as err:
        gnocchi.make_client(gn_conf, 'collector_gnocchi')
    assert '[collector_gnocchi] gnocchi_endpoint' in str(err.value)


def test_gnocchi_fetcher(conf, gnocchi_server, dataset):
    conf.set_override('backend', 'gnocchi', group='fetcher')
    conf.set_override('gnocchi_auth_type', 'basic', group='fetcher_gnocchi')
    conf.set_override('gnocchi_endpoint', gnocchi_server.url,
                      group='fetcher_gnocchi')
    conf.set_override('resource_types', [dataset['type']],
                      group='fetcher_gnocchi')
    assert fetcher.get_fetcher(conf).get_scopes() == sorted([P1, P2])
    conf.set_override('scope_attribute', 'user_id', group='fetcher_gnocchi')
    assert fetcher.get_fetcher(conf).get_scopes() == [U1]
    conf.set_override('gnocchi_endpoint', 'http://127.0.0.1:1',
                      group='fetcher_gnocchi')
    with pytest.raises(fetcher.FetchError):
        fetcher.get_fetcher(conf).get_scopes()
