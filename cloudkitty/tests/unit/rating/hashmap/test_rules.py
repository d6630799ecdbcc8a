"""Worked examples E1-E9 of spec §4.4 on the pure rules, through both the
plain :func:`rules.price` and the compiled index."""

import datetime
import decimal
import logging

import pytest

from cloudkitty import dataframe
from cloudkitty.rating.hashmap import index
from cloudkitty.rating.hashmap import rules

D = decimal.Decimal
AT = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
M = rules.Mapping
T = rules.Threshold


def svc(name, mappings=(), thresholds=(), fields=()):
    return rules.Service(name=name, mappings=tuple(mappings),
                         thresholds=tuple(thresholds), fields=tuple(fields))


def fld(name, mappings=(), thresholds=()):
    return rules.Field(name=name, mappings=tuple(mappings),
                       thresholds=tuple(thresholds))


def both(ruleset, service, qty, metadata=None, scope=None, groupby=None):
    """Price by the plain function and by the index; they must agree."""
    resolved = ruleset.in_force(AT, scope).service(service)
    desc = dict(metadata or {})
    desc.update(groupby or {})
    plain = rules.price(resolved, D(qty), desc)
    frame = dataframe.DataFrame(AT, AT + datetime.timedelta(hours=1), {
        service: [dataframe.DataPoint('u', qty, 0, groupby, metadata)]})
    rated = index.Index(ruleset).rate_frame(frame, scope)
    fast = rated.usage[service][0].price
    assert plain == fast, (plain, fast)
    return fast


def e1():
    return svc('instance', mappings=[M(D(2))],
               fields=[fld('flavor', [M(D(5), value='m1.tiny')])])


def test_e1_max_flat_wins():
    ruleset = rules.RuleSet((e1(),))
    assert both(ruleset, 'instance', 3, {'flavor': 'm1.tiny'}) == 15
    assert both(ruleset, 'instance', 3, {'flavor': 'm1.small'}) == 6


def e2():
    return svc('instance',
               mappings=[M(D(2)), M(D('1.5'), type='rate', group_id='g1')],
               fields=[fld('flavor', [M(D(5), value='m1.tiny'),
                                      M(D(10), value='m1.small',
                                        group_id='g1')])])


def test_e2_second_group():
    ruleset = rules.RuleSet((e2(),))
    assert both(ruleset, 'instance', 3, {'flavor': 'm1.small'}) == 51
    assert both(ruleset, 'instance', 3, {'flavor': 'm1.tiny'}) == 15


def e3(fields=()):
    return svc('volume', mappings=[M(D(1))],
               thresholds=[T(D(2), D(100)), T(D(5), D('0.5'), type='rate')],
               fields=fields)


@pytest.mark.parametrize('qty,expected', [(1, 1), (2, 102), (4, 104),
                                          (6, 3)])
def test_e3_service_thresholds(qty, expected):
    assert both(rules.RuleSet((e3(),)), 'volume', qty) == expected


@pytest.mark.parametrize('qty,size,expected', [(1, '12', 8), (6, '12', 48),
                                               (1, 3, 1)])
def test_e4_field_threshold_beats_service(qty, size, expected):
    ruleset = rules.RuleSet((e3([fld('size', thresholds=[T(D(10),
                                                           D(7))])]),))
    assert both(ruleset, 'volume', qty, {'size': size}) == expected


def e5():
    group = 'volume_thresholds'
    return svc('volume', mappings=[M(D('0.001'), group_id=group)],
               thresholds=[
                   T(D(50), D('0.98'), type='rate', group_id=group),
                   T(D(200), D('0.95'), type='rate', group_id=group),
                   T(D(50), D('0.97'), type='rate', group_id=group,
                     tenant_id='2d5b')])


@pytest.mark.parametrize('qty,generic,tenant', [
    (20, '0.02', '0.02'), (50, '0.049', '0.0485'), (80, '0.0784', '0.0776'),
    (250, '0.2375', '0.2375')])
def test_e5_volume_discounts_and_tenant(qty, generic, tenant):
    ruleset = rules.RuleSet((e5(),))
    assert both(ruleset, 'volume', qty) == D(generic)
    assert both(ruleset, 'volume', qty, scope='other') == D(generic)
    assert both(ruleset, 'volume', qty, scope='2d5b') == D(tenant)


def test_e6_tenant_mapping_overrides_same_key():
    ruleset = rules.RuleSet((svc('instance', fields=[fld('flavor', [
        M(D(10), value='m1.small'),
        M(D(8), value='m1.small', tenant_id='T')])]),))
    assert both(ruleset, 'instance', 2, {'flavor': 'm1.small'},
                scope='T') == 16
    assert both(ruleset, 'instance', 2, {'flavor': 'm1.small'},
                scope='U') == 20
    assert both(ruleset, 'instance', 2, {'flavor': 'm1.small'}) == 20


def test_e6_tenant_mapping_in_other_group_adds_up():
    ruleset = rules.RuleSet((svc('instance', fields=[fld('flavor', [
        M(D(10), value='m1.small'),
        M(D(8), value='m1.small', tenant_id='T', group_id='g')])]),))
    assert both(ruleset, 'instance', 2, {'flavor': 'm1.small'},
                scope='T') == 36


def test_e7_rates_multiply():
    ruleset = rules.RuleSet((svc('instance', fields=[
        fld('flavor', [M(D(4), value='m1.large', group_id='g')]),
        fld('az', [M(D('1.25'), type='rate', value='eu', group_id='g')]),
        fld('os', [M(D('1.1'), type='rate', value='windows',
                     group_id='g')])]),))
    assert both(ruleset, 'instance', 2, {'flavor': 'm1.large', 'az': 'eu',
                                         'os': 'windows'}) == 11


@pytest.mark.parametrize('qty', [0, 1, '7.5'])
def test_e8_per_resource_fee(qty):
    ruleset = rules.RuleSet((svc('ip.floating',
                                 thresholds=[T(D(0), D('0.5'))]),))
    assert both(ruleset, 'ip.floating', qty) == D('0.5')


def test_e9_field_rate_threshold():
    ruleset = rules.RuleSet((svc('instance', mappings=[
        M(D('0.01'), group_id='g')], fields=[
        fld('disk_gb', thresholds=[T(D(100), D('0.8'), type='rate',
                                     group_id='g')])]),))
    assert both(ruleset, 'instance', 1, {'disk_gb': '120'}) == D('0.008')


def test_rate_alone_is_zero_and_unknown_service_untouched():
    ruleset = rules.RuleSet((svc('instance',
                                 mappings=[M(D(2), type='rate')]),))
    assert both(ruleset, 'instance', 3) == 0
    frame = dataframe.DataFrame(AT, AT, {
        'other': [dataframe.DataPoint('u', 1, '0.5')]})
    assert index.Index(ruleset).rate_frame(frame, None) is frame


def test_incoming_price_is_kept():
    ruleset = rules.RuleSet((e1(),))
    frame = dataframe.DataFrame(AT, AT, {
        'instance': [dataframe.DataPoint('u', 3, '0.25', None,
                                         {'flavor': 'm1.tiny'})]})
    rated = index.Index(ruleset).rate_frame(frame, None)
    assert rated.usage['instance'][0].price == D('15.25')


@pytest.mark.parametrize('value,matches', [
    (1, '1'), (1.0, '1.0'), (True, 'True'), ('1', '1')])
def test_mapping_value_is_text_comparison(value, matches):
    ruleset = rules.RuleSet((svc('s', fields=[fld('k', [
        M(D(1), value='1'), M(D(2), value='1.0', group_id='a'),
        M(D(4), value='True', group_id='b')])]),))
    expected = {'1': 1, '1.0': 2, 'True': 4}[matches]
    assert both(ruleset, 's', 1, {'k': value}) == expected


def test_cached_value_types_do_not_collide():
    ruleset = rules.RuleSet((svc('s', fields=[fld('k', [
        M(D(1), value='1'), M(D(2), value='1.0', group_id='a')])]),))
    idx = index.Index(ruleset)
    frame = dataframe.DataFrame(AT, AT, {'s': [
        dataframe.DataPoint('u', 1, 0, None, {'k': v})
        for v in (1, 1.0, True, '1')]})
    prices = [p.price for p in idx.rate_frame(frame, None).usage['s']]
    assert prices == [1, 2, 0, 1]


def test_groupby_wins_over_metadata():
    ruleset = rules.RuleSet((e1(),))
    assert both(ruleset, 'instance', 1, {'flavor': 'm1.small'},
                groupby={'flavor': 'm1.tiny'}) == 5


def test_non_numeric_threshold_value_skipped_with_warning(caplog):
    ruleset = rules.RuleSet((svc('s', mappings=[M(D(1))], fields=[
        fld('size', [M(D(3), value='big')], [T(D(1), D(100))])]),))
    with caplog.at_level(logging.WARNING):
        assert both(ruleset, 's', 2, {'size': 'big'}) == 6
    assert 'not a number' in caplog.text


@pytest.mark.parametrize('level,applies', [
    (D(0), True), (D('-0.5'), True), (D(-1), False), (D(-3), False)])
def test_threshold_level_minus_one_never_applies(level, applies):
    ruleset = rules.RuleSet((svc('s', thresholds=[T(level, D(5))]),))
    assert both(ruleset, 's', 1) == (5 if applies else 0)


def test_equal_levels_service_threshold_stays():
    ruleset = rules.RuleSet((svc('s', mappings=[M(D(1))],
                                 thresholds=[T(D(5), D(100))],
                                 fields=[fld('k', thresholds=[
                                     T(D(5), D(7))])]),))
    assert both(ruleset, 's', 6, {'k': '9'}) == 106


def test_validity_windows():
    day = datetime.timedelta(days=1)
    naive = AT.replace(tzinfo=None)
    ruleset = rules.RuleSet((svc('s', mappings=[
        M(D(1), start=naive - day, end=naive),
        M(D(2), start=naive, end=naive + day)]),))
    idx = index.Index(ruleset)
    for at, expected in ((AT - day, 1), (AT, 2), (AT + day, 0),
                         (AT - 2 * day, 0)):
        frame = dataframe.DataFrame(at, at, {
            's': [dataframe.DataPoint('u', 1)]})
        assert idx.rate_frame(frame, None).usage['s'][0].price == expected


def test_unhashable_and_tuple_values():
    ruleset = rules.RuleSet((svc('s', fields=[fld('k', [
        M(D(1), value='1'), M(D(2), value="('1',)", group_id='a'),
        M(D(4), value="['1']", group_id='b')])]),))
    idx = index.Index(ruleset)
    frame = dataframe.DataFrame(AT, AT, {'s': [
        dataframe.DataPoint('u', 1, 0, None, {'k': v})
        for v in ('1', ('1',), ['1'], '1', ['1'])]})
    prices = [p.price for p in idx.rate_frame(frame, None).usage['s']]
    assert prices == [1, 2, 4, 1, 4]


def test_exact_with_long_costs_and_context_restored():
    cost = D('999999999999.1234567890123456789012345678')
    rate = D('1.0000000000000000000000000001')
    ruleset = rules.RuleSet((svc('s', mappings=[M(cost)], fields=[
        fld('k', [M(rate, type='rate', value='v')])]),))
    before = decimal.getcontext()
    price = both(ruleset, 's', '123456.123456', {'k': 'v'})
    assert decimal.getcontext() is before and before.prec == 28
    with decimal.localcontext(rules.CONTEXT):
        assert price == cost * rate * D('123456.123456')
    assert len(price.as_tuple().digits) > 28
