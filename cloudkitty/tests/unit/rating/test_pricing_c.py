"""The C pricing loop of hashmap (``_pricing``) on its own: the same
prices as the Python loop it mirrors, errors instead of crashes on
malformed input, and no reference leaked.

The rules themselves are tested through both loops in
``unit/rating/hashmap`` (the ``pricing_loop`` fixture); this file covers
what only the C function can get wrong.
"""

import decimal
import sys
import types

import pytest

from cloudkitty import dataframe
from cloudkitty.rating.hashmap import index
from cloudkitty.tests import db_backends

D = decimal.Decimal
M = index._MISSING
DP = dataframe.DataPoint


@pytest.fixture
def native():
    if index._pricing is None:
        db_backends.unavailable('the C pricing loop was not built')
    return index._pricing.rate_points


def python_loop(fields, cache, miss):
    return index._make_loop(len(fields))(
        *fields, cache, miss, tuple.__new__, DP,
        __import__('bisect').bisect_right, M)


def point(qty, price='0', groupby=None, metadata=None):
    return DP('u', D(qty), D(price), groupby or {}, metadata or {})


# (levels, a, b, segments): 2/unit up to 10, then 1/unit + 5 (tiered)
TIERED = ((D(10),), None, None, ((D(2), None), (D(1), D(5))))
LINEAR = ((), D('0.5'), D('0.25'), None)


def table_miss(table, calls=None):
    def miss(values):
        if calls is not None:
            calls.append(values)
        return table.get(values)
    return miss


@pytest.mark.parametrize('qty,expected', [
    ('3', '6'), ('9.99', '19.98'), ('10', '15'), ('250', '255')])
def test_tiered_and_linear_match_python(native, qty, expected):
    table = {('a',): TIERED, ('b',): LINEAR}
    pts = (point(qty, '1', {'f': 'a'}), point(qty, '0', {}, {'f': 'b'}),
           point(qty, '0', {}, {'f': 'zzz'}))
    got = native(('f',), {}, table_miss(table), DP, M, pts)
    want = python_loop(('f',), {}, table_miss(table))(pts)
    assert type(got) is tuple
    assert list(got) == want
    assert got[0].price == D(expected) + 1
    assert got[1].price == D('0.5') * D(qty) + D('0.25')
    assert got[2] is pts[2]          # no rule: the point itself
    assert all(type(p) is DP for p in got)


def test_cache_filled_by_miss_is_used(native):
    calls = []
    cache = {}

    def miss(values):
        calls.append(values)
        cache[values[0]] = LINEAR
        return LINEAR
    pts = [point('2', metadata={'f': 'x'}) for _ in range(5)]
    got = native(('f',), cache, miss, DP, M, pts)
    assert calls == [('x',)]
    assert [p.price for p in got] == [D('1.25')] * 5


def test_groupby_wins_and_missing_field(native):
    calls = []
    native(('f', 'g'), {}, table_miss({}, calls), DP, M,
           [point('1', '0', {'f': 'gb'}, {'f': 'md', 'h': 1})])
    assert calls == [('gb', M)]


def test_two_fields_key_is_the_tuple(native):
    cache = {('a', 'b'): LINEAR}
    got = native(('f', 'g'), cache, pytest.fail, DP, M,
                 [point('4', '0', {'f': 'a'}, {'g': 'b'})])
    assert got[0].price == D('2.25')


def test_unhashable_value_goes_to_miss(native):
    calls = []

    def miss(values):
        calls.append(values)
        return None
    got = native(('f',), {}, miss, DP, M,
                 [point('1', metadata={'f': ['not', 'hashable']})])
    assert calls == [(['not', 'hashable'],)]
    assert got[0].price == 0


def test_no_field_constant_pricer(native):
    pts = (point('2', '1'), point('3'))
    got = native((), {}, lambda values: LINEAR, DP, M, pts)
    assert [p.price for p in got] == [D('2.25'), D('1.75')]
    untouched = native((), {}, lambda values: None, DP, M, pts)
    assert untouched == pts


def test_decimal_context_of_the_caller(native):
    pts = [point('1.23456789')]
    pricer = ((), D('3.33333333'), None, None)
    with decimal.localcontext(decimal.Context(prec=4)):
        got = native((), {}, lambda values: pricer, DP, M, pts)
        want = python_loop((), {}, lambda values: pricer)(pts)
    assert got[0].price == want[0].price == D('4.115')


def test_decimal_traps_raise(native):
    pricer = ((), D('1E+999999'), None, None)
    with decimal.localcontext(decimal.Context(Emax=999999,
                                              traps=[decimal.Overflow])):
        with pytest.raises(decimal.Overflow):
            native((), {}, lambda values: pricer, DP, M,
                   [point('1E+10')])


@pytest.mark.parametrize('points,error', [
    ([('u', D(1))], ValueError),
    (['not a point'], ValueError),
    ([None], ValueError),
    (42, TypeError),
])
def test_malformed_points(native, points, error):
    with pytest.raises(error):
        native((), {}, lambda values: LINEAR, DP, M, points)


@pytest.mark.parametrize('pricer', [
    'not a tuple', (1, 2, 3), ((D(1),), None, None, ((D(1), None),)),
    ((D(1),), None, None, ('xx', 'yy')), ((D(1),), None, None, 5)])
def test_malformed_pricers(native, pricer):
    with pytest.raises((TypeError, IndexError)):
        native((), {}, lambda values: pricer, DP, M, [point('5')])


@pytest.mark.parametrize('args', [
    (), ('f', {}, len, DP, M, []), ((), [], len, DP, M, []),
    ((), {}, 'not callable', DP, M, []), ((), {}, len, dict, M, []),
    ((), {}, len, DP, M, [], 'extra')])
def test_bad_arguments(native, args):
    with pytest.raises(TypeError):
        native(*args)


class Hostile(dict):
    def __getitem__(self, key):
        raise RuntimeError('boom')


def test_errors_of_lookups_and_miss_propagate(native):
    with pytest.raises(RuntimeError, match='boom'):
        native(('f',), {}, len, DP, M,
               [DP.make(('u', D(1), D(0), {}, Hostile(), None))])

    def failing(values):
        raise LookupError('no pricer')
    with pytest.raises(LookupError):
        native(('f',), {}, failing, DP, M, [point('1')])


def test_no_reference_leaked(native):
    groupby = types.MappingProxyType({'f': 'a'})
    qty = D('12.5')
    pts = [DP.make(('u', qty, D(0), groupby, groupby, None))] * 50
    cache = {'a': TIERED}
    before = (sys.getrefcount(groupby), sys.getrefcount(qty),
              sys.getrefcount(TIERED), sys.getrefcount(M))
    for _ in range(200):
        native(('f',), cache, len, DP, M, pts)
        native(('f',), {}, lambda values: None, DP, M, pts)
        with pytest.raises(TypeError):
            native(('f',), {'a': 'bad'}, len, DP, M, pts)
    after = (sys.getrefcount(groupby), sys.getrefcount(qty),
             sys.getrefcount(TIERED), sys.getrefcount(M))
    assert after == before


def test_environment_turns_it_off(native):
    import subprocess
    code = ('from cloudkitty.rating.hashmap import index; '
            'print(index.NATIVE is None, index._pricing is None)')
    for env, expected in (({'CLOUDKITTY_PURE_PYTHON': '1'}, 'True False'),
                          ({'CLOUDKITTY_PURE_PYTHON': 'true'}, 'True False'),
                          ({'CLOUDKITTY_PURE_PYTHON': '0'}, 'False False'),
                          ({}, 'False False')):
        out = subprocess.run(
            [sys.executable, '-c', code], capture_output=True, text=True,
            check=True, env={'PATH': '/usr/bin:/bin', **env}).stdout
        assert out.split() == expected.split()


# -- anything at all: an exception, never a crash -------------------------

from hypothesis import given  # noqa: E402
from hypothesis import HealthCheck  # noqa: E402
from hypothesis import settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_atoms = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.text(max_size=3),
    st.decimals(allow_nan=True, allow_infinity=True, places=2),
    st.floats(allow_nan=True), st.just(M))
_junk = st.recursive(_atoms, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.tuples(inner, inner),
    st.tuples(inner, inner, inner, inner),
    st.dictionaries(st.text(max_size=2), inner, max_size=3)), max_leaves=8)
_mapping = st.dictionaries(st.sampled_from(['f', 'g', 'x']), _junk,
                           max_size=3)
_points = st.lists(st.one_of(
    st.tuples(st.text(max_size=2), _junk, _junk, _mapping, _mapping,
              st.none()),
    st.tuples(st.text(max_size=2), st.decimals(places=2, allow_nan=False),
              st.decimals(places=2, allow_nan=False), _mapping, _mapping,
              st.none()),
    _junk), max_size=5)
_pricers = st.one_of(
    _junk,
    st.tuples(st.one_of(st.just(()), st.lists(_junk, max_size=3)), _junk,
              _junk, st.one_of(st.none(), st.lists(_junk, max_size=3))))


# (the fixture only hands over the function: nothing to reset per input)
@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(['f', 'g']), max_size=2).map(tuple),
       _points, _pricers)
def test_junk_raises_or_prices_never_crashes(native, fields, points,
                                             pricer):
    cache = {}

    def miss(values):
        return pricer

    try:
        got = native(fields, cache, miss, DP, M, points)
    except Exception:  # noqa: B902 - any exception is fine, a crash is not
        return
    assert type(got) is tuple and len(got) == len(points)
