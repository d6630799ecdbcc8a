"""Prometheus collector and fetcher against a real Prometheus server whose
history was backfilled with promtool."""

import datetime
import decimal

import pytest

from cloudkitty import collector
from cloudkitty.collector import metrics
from cloudkitty.collector import prometheus
from cloudkitty import exception
from cloudkitty import fetcher
from cloudkitty.tests import db_backends
from cloudkitty.tests import services

D = decimal.Decimal
UTC = datetime.UTC
T0 = datetime.datetime(2025, 1, 1, tzinfo=UTC)
HOUR = datetime.timedelta(hours=1)
P1, P2 = 'proj-1', 'proj-2'


def _history():
    """One sample per minute from T0-10min to T0+3h (exclusive)."""
    lines = ['# HELP ck_instance_up instance is up',
             '# TYPE ck_instance_up gauge']
    egress = ['# HELP ck_egress_bytes egress', '# TYPE ck_egress_bytes '
              'counter']
    ratio = ['# HELP ck_ratio ratio', '# TYPE ck_ratio gauge']
    base = int(T0.timestamp()) - 600
    for i in range(190):
        stamp = base + 60 * i
        minute = i - 10      # minutes since T0
        lines.append('ck_instance_up{project_id="%s",id="vm-a",'
                     'flavor="m1.small"} 1 %d' % (P1, stamp))
        if minute < 120:
            lines.append('ck_instance_up{project_id="%s",id="vm-b",'
                         'flavor="m1.large"} %d %d'
                         % (P1, 1 if minute < 60 else 0, stamp))
        lines.append('ck_instance_up{project_id="%s",id="vm-c",'
                     'flavor="m1.small"} 1 %d' % (P2, stamp))
        egress.append('ck_egress_bytes_total{project_id="%s",'
                      'instance="vm-a"} %d %d' % (P1, 1000 * i, stamp))
        ratio.append('ck_ratio{project_id="%s",id="vm-a"} 2.5 %d'
                     % (P1, stamp))
    return '\n'.join(lines + egress + ratio + ['# EOF', ''])


@pytest.fixture(scope='module')
def prometheus_server():
    server = services.PrometheusServer(_history())
    try:
        server.start()
    except services.ServiceError as err:
        server.stop()
        db_backends.unavailable('Prometheus: %s' % err)
    yield server
    server.stop()


@pytest.fixture
def prom_conf(conf, prometheus_server):
    conf.set_override('collector', 'prometheus', group='collect')
    conf.set_override('prometheus_url', prometheus_server.url,
                      group='collector_prometheus')
    return conf


def _collector(conf, **definitions):
    return prometheus.PrometheusCollector(
        conf, metrics=metrics.validate({'metrics': definitions}))


INSTANCE = {'unit': 'instance', 'alt_name': 'instance',
            'groupby': ['id', 'project_id'], 'metadata': ['flavor']}


def test_point_shape(prom_conf):
    coll = collector.get_collector(prom_conf, metrics=metrics.validate(
        {'metrics': {'ck_instance_up': INSTANCE}}))
    assert isinstance(coll, prometheus.PrometheusCollector)
    name, points = coll.retrieve('instance', T0, T0 + HOUR, P1)
    assert name == 'instance'
    by_id = {p.groupby['id']: p for p in points}
    assert set(by_id) == {'vm-a', 'vm-b'}
    point = by_id['vm-b']
    assert point.qty == D(1)
    assert point.unit == 'instance'
    assert dict(point.groupby) == {
        'id': 'vm-b', 'project_id': P1, 'week_of_the_year': '00',
        'day_of_the_year': '1', 'month': '1', 'year': '2025'}
    assert dict(point.metadata) == {'flavor': 'm1.large'}


def test_max_over_the_period_and_mutate(prom_conf):
    coll = _collector(prom_conf, ck_instance_up=dict(INSTANCE))
    _, points = coll.retrieve('instance', T0 + HOUR, T0 + 2 * HOUR, P1)
    assert {p.groupby['id']: p.qty for p in points} == {'vm-a': D(1),
                                                        'vm-b': D(0)}
    _, points = coll.retrieve('instance', T0 + 2 * HOUR, T0 + 3 * HOUR, P1)
    assert [p.groupby['id'] for p in points] == ['vm-a']
    coll = _collector(prom_conf, ck_instance_up=dict(
        INSTANCE, mutate='NOTNUMBOOL'))
    _, points = coll.retrieve('instance', T0 + HOUR, T0 + 2 * HOUR, P1)
    assert {p.groupby['id']: p.qty for p in points} == {'vm-a': D(0),
                                                        'vm-b': D(1)}


def test_window_is_half_open(prom_conf):
    coll = _collector(prom_conf, ck_ratio={
        'unit': 'sample', 'groupby': ['id'],
        'extra_args': {'aggregation_method': 'sum'}})
    # samples of 2.5 on every whole minute: exactly 60 of them lie in
    # [start, end) (61 if the end were included)
    _, points = coll.retrieve('ck_ratio', T0 + HOUR, T0 + 2 * HOUR, P1)
    assert [p.qty for p in points] == [D(150)]


def test_factor_and_decimal_values(prom_conf):
    coll = _collector(
        prom_conf,
        ck_egress_bytes_total={'unit': 'kB', 'alt_name': 'egress',
                               'factor': '1/1000', 'groupby': ['instance']},
        ck_ratio={'unit': 'r', 'factor': 3, 'offset': '0.25'})
    _, points = coll.retrieve('egress', T0 + HOUR, T0 + 2 * HOUR, P1)
    # last sample of the hour: minute 119 -> i = 129
    assert [p.qty for p in points] == [D(129)]
    assert points[0].groupby['instance'] == 'vm-a'
    _, points = coll.retrieve('ck_ratio', T0, T0 + HOUR, P1)
    assert [p.qty for p in points] == [D('7.75')]


def test_functions_and_query_text(prom_conf):
    coll = _collector(prom_conf, ck_egress_bytes_total={
        'unit': 'B', 'groupby': ['instance'],
        'extra_args': {'aggregation_method': 'sum',
                       'range_function': 'changes',
                       'query_function': 'abs'}})
    metric = coll.metrics['ck_egress_bytes_total']
    assert coll.build_query(metric, T0, T0 + HOUR, 'p"1') == (
        'sum by (instance, project_id) (abs(changes(ck_egress_bytes_total'
        '{project_id="p\\"1"}[3600s])))')
    _, points = coll.retrieve('ck_egress_bytes_total', T0, T0 + HOUR, P1)
    # 60 samples in the window, each different from the previous one
    assert [p.qty for p in points] == [D(59)]


def test_no_data(prom_conf):
    coll = _collector(prom_conf, ck_instance_up=dict(INSTANCE))
    assert coll.retrieve('instance', T0, T0 + HOUR, 'nobody') == (
        'instance', [])
    later = T0 + 30 * HOUR
    assert coll.retrieve('instance', later, later + HOUR, P1) == (
        'instance', [])


def test_query_error_is_collect_error(prom_conf):
    coll = _collector(prom_conf, ck_ratio={
        'unit': 'r', 'extra_args': {'query_prefix': '('}})
    with pytest.raises(collector.CollectError) as err:
        coll.retrieve('ck_ratio', T0, T0 + HOUR, P1)
    assert 'Prometheus error (HTTP 400): bad_data' in str(err.value)


def test_unreachable_is_collect_error(prom_conf):
    prom_conf.set_override('prometheus_url', 'http://127.0.0.1:%d'
                           % services.free_port(),
                           group='collector_prometheus')
    coll = _collector(prom_conf, ck_ratio={'unit': 'r'})
    with pytest.raises(collector.CollectError) as err:
        coll.retrieve('ck_ratio', T0, T0 + HOUR, P1)
    assert 'Prometheus unreachable' in str(err.value)


def test_configuration_errors(conf):
    with pytest.raises(exception.ConfigError) as err:
        _collector(conf, ck_ratio={'unit': 'r'})
    assert str(err.value) == ('Invalid configuration: '
                              '[collector_prometheus] prometheus_url: must '
                              'be set')
    conf.set_override('prometheus_url', 'http://x',
                      group='collector_prometheus')
    with pytest.raises(exception.ConfigError) as err:
        _collector(conf, ck_ratio={'unit': 'r', 'extra_args': {
            'aggregation_method': 'median'}})
    assert 'aggregation_method must be one of avg, count, max, min, ' \
        'stddev, stdvar, sum' in str(err.value)


def test_prometheus_fetcher(conf, prometheus_server):
    conf.set_override('backend', 'prometheus', group='fetcher')
    conf.set_override('prometheus_url', prometheus_server.url,
                      group='fetcher_prometheus')
    conf.set_override('metric', 'ck_instance_up', group='fetcher_prometheus')
    assert fetcher.get_fetcher(conf).get_scopes() == [P1, P2]
    conf.set_override('filters', {'flavor': 'm1.large'},
                      group='fetcher_prometheus')
    assert fetcher.get_fetcher(conf).get_scopes() == [P1]
    conf.set_override('scope_attribute', 'id', group='fetcher_prometheus')
    assert fetcher.get_fetcher(conf).get_scopes() == ['vm-b']


def test_prometheus_fetcher_errors(conf):
    conf.set_override('backend', 'prometheus', group='fetcher')
    with pytest.raises(exception.ConfigError) as err:
        fetcher.get_fetcher(conf)
    assert '[fetcher_prometheus] metric: must be set' in str(err.value)
    conf.set_override('metric', 'm', group='fetcher_prometheus')
    conf.set_override('prometheus_url', 'http://127.0.0.1:%d'
                      % services.free_port(), group='fetcher_prometheus')
    with pytest.raises(fetcher.FetchError):
        fetcher.get_fetcher(conf).get_scopes()
