"""Property test: the compiled engine agrees with a deliberately simple
reference of spec §4.2-§4.3 written here, on random rule sets (groups,
tenant rules, validity windows, thresholds, odd attribute values)."""

import datetime
import decimal

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from cloudkitty import dataframe
from cloudkitty.rating.hashmap import index
from cloudkitty.rating.hashmap import rules

D = decimal.Decimal
AT = datetime.datetime(2026, 6, 1)
GROUPS = [None, 'g1', 'g2']
TENANTS = [None, None, 'T1', 'T2']
FIELDS = ['flavor', 'size', 'az', 'os']
VALUES = ['a', 'b', '1', '2.5', '10', 'x y']
RAW_VALUES = VALUES + [1, 2.5, 10, True, None, -3]


def reference_price(all_rules, service, qty, desc, scope, at):
    """Plain re-statement of the spec, sharing no code with the engine."""
    def active(rule):
        if rule['kind'] == 'threshold':
            return True
        return rule['start'] <= at and (rule['end'] is None
                                        or rule['end'] > at)

    def key(rule):
        if rule['kind'] == 'mapping':
            value = rule['value'] if rule['field'] else None
            return ('m', rule['field'], rule['group'], value)
        return ('t', rule['field'], rule['group'], rule['level'])

    chosen = {}
    for tenant in ([None] if scope is None else [None, scope]):
        for rule in sorted(all_rules, key=lambda r: r['order']):
            if (rule['service'] == service and rule['tenant'] == tenant
                    and active(rule)):
                chosen[key(rule)] = rule
    groups = {}

    def group(name):
        return groups.setdefault(name, {'flat': D(0), 'rate': D(1),
                                        'thr': (D(-1), None, None, None)})

    def consider(rule, scope_name):
        g = group(rule['group'])
        if rule['level'] > g['thr'][0]:
            g['thr'] = (rule['level'], scope_name, rule['type'],
                        rule['cost'])

    def apply(rule):
        g = group(rule['group'])
        if rule['type'] == 'rate':
            g['rate'] *= rule['cost']
        elif rule['cost'] > g['flat']:
            g['flat'] = rule['cost']

    ordered = sorted(chosen.values(), key=lambda r: (
        r['field'] is not None, FIELDS.index(r['field']) if r['field']
        else 0, r['kind'] == 'threshold'))
    for rule in ordered:
        if rule['field'] is None:
            if rule['kind'] == 'mapping':
                apply(rule)
            elif rule['level'] <= qty:
                consider(rule, 'service')
            continue
        if rule['field'] not in desc:
            continue
        raw = desc[rule['field']]
        if rule['kind'] == 'mapping':
            if str(raw) == rule['value']:
                apply(rule)
            continue
        try:
            number = D(str(raw))
        except decimal.InvalidOperation:
            continue
        if number.is_finite() and not isinstance(raw, bool) and \
                rule['level'] <= number:
            consider(rule, 'field')
    total = D(0)
    for g in groups.values():
        flat, rate, (_level, where, kind, cost) = g['flat'], g['rate'], \
            g['thr']
        if where == 'field':
            if kind == 'flat':
                flat += cost
            else:
                rate *= cost
        price = flat * rate * qty
        if where == 'service':
            price = price + cost if kind == 'flat' else price * cost
        total += price
    return total


costs = st.decimals(min_value=D('-5'), max_value=D('20'), places=3,
                    allow_nan=False, allow_infinity=False)
levels = st.sampled_from([D(-2), D(-1), D('-0.5'), D(0), D(1), D('2.5'),
                          D(5), D(10), D(100)])
days = st.integers(min_value=-3, max_value=3).map(
    lambda n: AT + datetime.timedelta(days=n))


@st.composite
def rule_sets(draw):
    rules_list = []
    count = draw(st.integers(min_value=0, max_value=14))
    for order in range(count):
        kind = draw(st.sampled_from(['mapping', 'mapping', 'threshold']))
        field = draw(st.sampled_from([None] + FIELDS))
        rule = {'kind': kind, 'order': order,
                'service': draw(st.sampled_from(['s1', 's1', 's2'])),
                'field': field, 'group': draw(st.sampled_from(GROUPS)),
                'tenant': draw(st.sampled_from(TENANTS)),
                'type': draw(st.sampled_from(['flat', 'rate'])),
                'cost': draw(costs), 'value': None, 'level': None,
                'start': None, 'end': None}
        if kind == 'mapping':
            rule['value'] = draw(st.sampled_from(VALUES)) if field else None
            rule['start'] = draw(days)
            end = draw(st.one_of(st.none(), days))
            rule['end'] = end if end is None or end > rule['start'] else None
        else:
            rule['level'] = draw(levels)
        rules_list.append(rule)
    return rules_list


def to_ruleset(rules_list):
    services = []
    for name in ('s1', 's2'):
        def of(field, kind, name=name):
            return [r for r in rules_list if r['service'] == name
                    and r['field'] == field and r['kind'] == kind]

        def mappings(field):
            return tuple(rules.Mapping(
                cost=r['cost'], type=r['type'], value=r['value'],
                group_id=r['group'], tenant_id=r['tenant'], start=r['start'],
                end=r['end'], order=r['order']) for r in of(field, 'mapping'))

        def thresholds(field):
            return tuple(rules.Threshold(
                level=r['level'], cost=r['cost'], type=r['type'],
                group_id=r['group'], tenant_id=r['tenant'], order=r['order'])
                for r in of(field, 'threshold'))
        services.append(rules.Service(
            name=name, mappings=mappings(None), thresholds=thresholds(None),
            fields=tuple(rules.Field(name=f, mappings=mappings(f),
                                     thresholds=thresholds(f))
                         for f in FIELDS)))
    return rules.RuleSet(tuple(services))


points = st.lists(st.tuples(
    st.sampled_from(['s1', 's2', 's3']),
    st.decimals(min_value=D(0), max_value=D(200), places=2,
                allow_nan=False, allow_infinity=False),
    st.dictionaries(st.sampled_from(FIELDS), st.sampled_from(RAW_VALUES),
                    max_size=4),
    st.dictionaries(st.sampled_from(FIELDS), st.sampled_from(RAW_VALUES),
                    max_size=1)), min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(rule_sets(), points, st.sampled_from([None, 'T1', 'T2', 'T3']),
       st.integers(min_value=-4, max_value=4))
def test_engine_matches_reference(rules_list, pts, scope, day):
    at = AT + datetime.timedelta(days=day, hours=1)
    ruleset = to_ruleset(rules_list)
    usage = {}
    for service, qty, metadata, groupby in pts:
        usage.setdefault(service, []).append(dataframe.DataPoint(
            'u', qty, '0.5', groupby, metadata))
    frame = dataframe.DataFrame(at, at + datetime.timedelta(hours=1), usage)
    engine = index.Index(ruleset)
    rated = engine.rate_frame(frame, scope)
    again = engine.rate_frame(frame, scope)      # warm caches agree too
    resolved = ruleset.in_force(at, scope)
    for service, priced in rated.usage.items():
        for point, repeat, source in zip(priced, again.usage[service],
                                         frame.usage[service], strict=True):
            desc = source.desc
            expected = D('0.5') + reference_price(
                rules_list, service, source.qty, desc, scope, at)
            assert point.price == expected
            assert repeat.price == expected
            plain = resolved.service(service)
            if plain is not None:
                assert D('0.5') + rules.price(plain, source.qty,
                                              desc) == expected
