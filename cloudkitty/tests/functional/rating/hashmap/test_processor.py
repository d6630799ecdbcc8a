"""Worked examples of spec §4.4 through the DB layer, the HashMap processor
and the pipeline (quotes and scope rating), plus reload behaviour."""

import datetime
import decimal

import pytest

from cloudkitty import dataframe
from cloudkitty import rating
from cloudkitty.rating import hashmap
from cloudkitty.rating import modules
from cloudkitty.rating import noop
from cloudkitty.rating import pipeline
from cloudkitty.rating.hashmap import db as hashmap_db

D = decimal.Decimal
PAST = datetime.datetime(2014, 1, 1)


@pytest.fixture
def pipe(sqlite_db, admin_context, conf):
    modules.update_module(admin_context, conf, 'hashmap', enabled=True)
    return pipeline.Pipeline(conf)


class Rules:
    """Small helper creating rules with force=True (start in the past)."""

    def __init__(self, ctx):
        self.ctx = ctx

    def service(self, name):
        return hashmap_db.create_service(self.ctx, name).service_id

    def field(self, service_id, name):
        return hashmap_db.create_field(self.ctx, service_id, name).field_id

    def group(self, name):
        return hashmap_db.create_group(self.ctx, name).group_id

    def mapping(self, cost, **kwargs):
        kwargs.setdefault('start', PAST)
        return hashmap_db.create_mapping(self.ctx, cost, force=True,
                                         **kwargs)

    def threshold(self, level, cost, **kwargs):
        return hashmap_db.create_threshold(self.ctx, level, cost, **kwargs)


@pytest.fixture
def make(admin_context):
    return Rules(admin_context)


def quote(pipe, ctx, service, volume, metadata=None, nested=True):
    desc = {'metadata': metadata or {}} if nested else dict(metadata or {})
    return pipe.quote(ctx, [{'service': service, 'volume': volume,
                             'desc': desc}])


def rate(pipe, ctx, service, qty, metadata, scope):
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    frame = dataframe.DataFrame(start, start + datetime.timedelta(hours=1), {
        service: [dataframe.DataPoint('u', qty, 0, {'project_id': scope},
                                      metadata)]})
    return pipe.rate(ctx, frame, scope).usage[service][0].price


def e2(make):
    s = make.service('instance')
    f = make.field(s, 'flavor')
    make.mapping(2, service_id=s)
    make.mapping(5, field_id=f, value='m1.tiny')
    return s, f


def test_e1_e2(pipe, admin_context, make):
    s, f = e2(make)
    assert quote(pipe, admin_context, 'instance', 3, {'flavor': 'm1.tiny'}) \
        == 15
    assert quote(pipe, admin_context, 'instance', 3,
                 {'flavor': 'm1.small'}) == 6
    g1 = make.group('g1')
    make.mapping('1.5', type='rate', service_id=s, group_id=g1)
    make.mapping(10, field_id=f, value='m1.small', group_id=g1)
    assert quote(pipe, admin_context, 'instance', 3,
                 {'flavor': 'm1.small'}) == 51
    assert quote(pipe, admin_context, 'instance', 3,
                 {'flavor': 'm1.tiny'}) == 15


def e3(make):
    s = make.service('volume')
    make.mapping(1, service_id=s)
    make.threshold(2, 100, service_id=s)
    make.threshold(5, '0.5', type='rate', service_id=s)
    return s


def test_e3_e4(pipe, admin_context, make):
    s = e3(make)
    for qty, price in ((1, 1), (2, 102), (4, 104), (6, 3)):
        assert quote(pipe, admin_context, 'volume', qty) == price
    f = make.field(s, 'size')
    make.threshold(10, 7, field_id=f)
    assert quote(pipe, admin_context, 'volume', 1, {'size': '12'}) == 8
    assert quote(pipe, admin_context, 'volume', 6, {'size': '12'}) == 48
    assert quote(pipe, admin_context, 'volume', 1, {'size': 3}) == 1


def test_e5_with_tenant(pipe, admin_context, make):
    s = make.service('volume')
    g = make.group('volume_thresholds')
    make.mapping('0.001', service_id=s, group_id=g)
    make.threshold(50, '0.98', type='rate', service_id=s, group_id=g)
    make.threshold(200, '0.95', type='rate', service_id=s, group_id=g)
    make.threshold(50, '0.97', type='rate', service_id=s, group_id=g,
                   tenant_id='2d5b')
    for qty, generic, tenant in ((20, '0.02', '0.02'), (50, '0.049', '0.0485'),
                                 (80, '0.0784', '0.0776'),
                                 (250, '0.2375', '0.2375')):
        assert quote(pipe, admin_context, 'volume', qty) == D(generic)
        assert rate(pipe, admin_context, 'volume', qty, {}, 'x') == D(generic)
        assert rate(pipe, admin_context, 'volume', qty, {},
                    '2d5b') == D(tenant)


def test_e6_tenant_mapping(pipe, admin_context, make):
    s = make.service('instance')
    f = make.field(s, 'flavor')
    make.mapping(10, field_id=f, value='m1.small')
    make.mapping(8, field_id=f, value='m1.small', tenant_id='T')
    small = {'flavor': 'm1.small'}
    assert rate(pipe, admin_context, 'instance', 2, small, 'T') == 16
    assert rate(pipe, admin_context, 'instance', 2, small, 'U') == 20
    # tenant rules never apply to quotes
    assert quote(pipe, admin_context, 'instance', 2, small) == 20


def test_e7_e8_e9(pipe, admin_context, make):
    s = make.service('instance')
    g = make.group('g')
    for name, value, cost, kind in (('flavor', 'm1.large', 4, 'flat'),
                                    ('az', 'eu', '1.25', 'rate'),
                                    ('os', 'windows', '1.1', 'rate')):
        make.mapping(cost, type=kind, field_id=make.field(s, name),
                     value=value, group_id=g)
    assert quote(pipe, admin_context, 'instance', 2, {
        'flavor': 'm1.large', 'az': 'eu', 'os': 'windows'}) == 11
    ip = make.service('ip.floating')
    make.threshold(0, '0.5', service_id=ip)
    assert quote(pipe, admin_context, 'ip.floating', 3) == D('0.5')
    disk = make.service('disk')
    g2 = make.group('g2')
    make.mapping('0.01', service_id=disk, group_id=g2)
    make.threshold(100, '0.8', type='rate', group_id=g2,
                   field_id=make.field(disk, 'disk_gb'))
    assert quote(pipe, admin_context, 'disk', 1, {'disk_gb': '120'}) == D(
        '0.008')


def test_appendix_b_quote_flat_and_nested(pipe, admin_context, make):
    s = make.service('instance')
    f = make.field(s, 'flavor_name')
    g = make.group('instance_uptime')
    hashmap_db.create_mapping(admin_context, '0.05', field_id=f,
                              value='m1.small', group_id=g)
    hashmap_db.create_mapping(admin_context, '0.01', service_id=s)
    # created "now": in force for a quote made a moment later
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(
        seconds=1)
    flat = pipe.quote(admin_context, [{'service': 'instance', 'volume': '2',
                                       'desc': {'flavor_name': 'm1.small'}}],
                      now=later)
    nested = pipe.quote(admin_context, [{
        'service': 'instance', 'volume': '2',
        'desc': {'metadata': {'flavor_name': 'm1.small'}}}], now=later)
    assert flat == nested == D('0.12')
    assert format(flat.normalize(), 'f') == '0.12'


def test_rules_reload_only_on_change(pipe, admin_context, make):
    s = make.service('instance')
    mapping = make.mapping(2, service_id=s)
    assert quote(pipe, admin_context, 'instance', 1) == 2
    processor = pipe._processors['hashmap']
    index = processor.index
    assert quote(pipe, admin_context, 'instance', 1) == 2
    assert processor.index is index      # nothing changed: no reload
    hashmap_db.delete_mapping(admin_context, mapping.mapping_id)
    assert quote(pipe, admin_context, 'instance', 1) == 0
    assert processor.index is not index


def test_validity_windows_follow_the_period(pipe, admin_context, make):
    s = make.service('instance')
    make.mapping(1, service_id=s, start=PAST,
                 end=datetime.datetime(2026, 1, 1))
    make.mapping(3, service_id=s, start=datetime.datetime(2026, 1, 1))

    def at(day):
        start = datetime.datetime(2025, 12, day, 23, tzinfo=datetime.UTC)
        frame = dataframe.DataFrame(start, start, {
            'instance': [dataframe.DataPoint('u', 1)]})
        return pipe.rate(admin_context, frame, 'p').usage['instance'][0]
    assert at(31).price == 1
    assert at(30).price == 1
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    frame = dataframe.DataFrame(start, start, {
        'instance': [dataframe.DataPoint('u', 1)]})
    assert pipe.rate(admin_context, frame, 'p').usage[
        'instance'][0].price == 3


def test_disabled_hashmap_does_not_rate(pipe, admin_context, conf, make):
    s = make.service('instance')
    make.mapping(2, service_id=s)
    modules.update_module(admin_context, conf, 'hashmap', enabled=False)
    assert quote(pipe, admin_context, 'instance', 1) == 0


class AddHundredPerUnit(rating.RatingProcessor):
    """Stand-in for E10's pyscript: adds qty x 100 to every price."""

    module_id = 'stand_in'

    def process(self, frame, scope_id, at):
        return frame.with_usage({
            key: [p.with_price(p.price + p.qty * 100) for p in points]
            for key, points in frame.usage.items()})


@pytest.mark.parametrize('priorities', [(2, 1), (1, 2)])
def test_e10_prices_accumulate_across_modules(sqlite_db, admin_context,
                                              conf, make, priorities):
    saved = modules._classes
    modules._classes = {'hashmap': hashmap.HashMap, 'noop': noop.Noop,
                        'stand_in': AddHundredPerUnit}
    try:
        modules.update_module(admin_context, conf, 'hashmap', enabled=True,
                              priority=priorities[0])
        modules.update_module(admin_context, conf, 'stand_in', enabled=True,
                              priority=priorities[1])
        pipe = pipeline.Pipeline(conf, {name: cls(conf) for name, cls
                                        in modules._classes.items()})
        s, f = e2(make)
        g1 = make.group('g1')
        make.mapping('1.5', type='rate', service_id=s, group_id=g1)
        make.mapping(10, field_id=f, value='m1.small', group_id=g1)
        assert quote(pipe, admin_context, 'instance', 2,
                     {'flavor': 'm1.small'}) == 234
    finally:
        modules._classes = saved
