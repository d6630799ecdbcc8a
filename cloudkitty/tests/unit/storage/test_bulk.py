"""Row building of the storage write path (no database): the amount text
check of the hot loop agrees with the exact slow path, attribute maps are
encoded as the reference encoder does, once per mapping object."""

import datetime
import decimal
import json
import types

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from cloudkitty import dataframe
from cloudkitty import storage
from cloudkitty.storage import bulk
from cloudkitty.storage import rollup

D = decimal.Decimal
BEGIN = datetime.datetime(2025, 1, 1, 10)
END = datetime.datetime(2025, 1, 1, 11)
DIALECTS = {'sqlite': sqlite.dialect(), 'postgresql': postgresql.dialect(),
            'mysql': None}


def _rows(dialect, points, scope='S'):
    rows = bulk.PointRows(dialect, DIALECTS[dialect])
    deltas = rollup.Deltas()
    count = rows.add_frame(scope, BEGIN, END, {'cpu': points}, deltas)
    assert count == len(points) == len(rows)
    return rows, deltas


def _amounts(rows):
    """(qty text, price text) of each row, whatever the dialect."""
    if rows.dialect == 'postgresql':
        return [tuple(line.split('\t')[5:7]) for line in rows.items]
    return [item[5:7] for item in rows.items]


# Decimals of every shape: plain texts with up to 22 integer and 22
# fractional digits (the column holds 20 and 18), any coefficient with any
# exponent, both signs, -0, and the special values.
DIGITS = st.text('0123456789', min_size=1, max_size=22)
AMOUNTS = st.one_of(
    st.builds(lambda sign, whole, point, fraction: D(
        sign + whole + point + fraction), st.sampled_from(['', '-']),
        DIGITS, st.sampled_from(['', '.']), DIGITS),
    st.builds(lambda c, e: D(c).scaleb(e),
              st.integers(-10 ** 40, 10 ** 40), st.integers(-45, 25)),
    st.builds(lambda c, e: D(c).scaleb(e),
              st.integers(-10 ** 21, 10 ** 21), st.integers(-20, 2)),
    st.sampled_from([D('NaN'), D('sNaN'), D('Infinity'), D('-Infinity'),
                     D('-0'), D('0E-30'), D('0E+30'), D('1E+19'),
                     D('-1E+19'), D('99999999999999999999'),
                     D('99999999999999999999.9999999999999999995')]))


@pytest.mark.parametrize('dialect', sorted(DIALECTS))
@pytest.mark.parametrize('field', ['qty', 'price'])
@settings(max_examples=300)
@given(value=AMOUNTS)
def test_text_check_agrees_with_the_exact_path(dialect, field, value):
    qty, price = (value, D(1)) if field == 'qty' else (D(1), value)
    point = dataframe.DataPoint('u', qty, price)
    try:
        exact, text = bulk.amount(value, field)
    except storage.InvalidAmount:
        with pytest.raises(storage.InvalidAmount, match=field):
            _rows(dialect, [point])
        return
    rows, deltas = _rows(dialect, [point])
    assert _amounts(rows) == [(text, '1') if field == 'qty' else ('1', text)]
    assert D(text) == exact
    assert 'E' not in text and 'e' not in text
    n, qty, price, end = deltas.daily[('S', BEGIN.date(), 'cpu')]
    assert (n, qty if field == 'qty' else price, end) == (1, exact, END)


def test_amount_rounds_half_even_and_keeps_exact_forms():
    assert bulk.amount(D('0.0000000000000000005'), 'p') == (
        D(0), '0.' + '0' * 18)
    assert bulk.amount(D('0.0000000000000000015'), 'p')[1] == \
        '0.' + '0' * 17 + '2'
    assert bulk.amount(D('1.50'), 'p') == (D('1.50'), '1.50')
    assert bulk.amount(D('1E+2'), 'p') == (D(100), '100')
    for value in ('1E+20', '99999999999999999999.9999999999999999995',
                  'NaN', '-Infinity'):
        with pytest.raises(storage.InvalidAmount):
            bulk.amount(D(value), 'p')
    assert bulk.amount(D('99999999999999999999.999999999999999999'), 'p')[
        1] == '99999999999999999999.999999999999999999'


MAPPINGS = [
    {},
    {'project_id': 'p1', 'id': 'r1'},
    {'b': 1, 'a': True, 'c': None, 'd': 1.5},
    {'odd': 'tab\there, new\nline, cr\r, back\\slash, "q", \u00e9'},
    {'n': D('1.5'), 'x': D('0.1000000000000000055511151231257827'),
     'l': [1, 'two', {'z': 1, 'a': 2}]},
]


@pytest.mark.parametrize('mapping', MAPPINGS)
def test_dumps_is_the_compact_sorted_ascii_json(mapping):
    expected = json.dumps(mapping, sort_keys=True, separators=(',', ':'),
                          default=bulk._json_default)
    assert bulk.dumps(mapping) == expected
    assert bulk.dumps(types.MappingProxyType(dict(mapping))) == expected


def test_each_mapping_object_is_encoded_once(monkeypatch):
    calls = []
    real = bulk.dumps

    def counting(mapping):
        calls.append(dict(mapping))
        return real(mapping)
    monkeypatch.setattr(bulk, 'dumps', counting)
    shared = types.MappingProxyType({'id': 'r1', 'note': 'a\tb'})
    other = types.MappingProxyType({'id': 'r1', 'note': 'a\tb'})
    meta = types.MappingProxyType({})
    for dialect in ('sqlite', 'postgresql'):
        calls.clear()
        rows = bulk.PointRows(dialect, DIALECTS[dialect])
        deltas = rollup.Deltas()
        for hour in range(3):
            begin = BEGIN + datetime.timedelta(hours=hour)
            rows.add_frame('S', begin, begin + datetime.timedelta(hours=1), {
                'cpu': [dataframe.DataPoint('u', 1, 1, shared, meta),
                        dataframe.DataPoint('u', 1, 1, other, meta)]},
                deltas)
        # shared, other (equal but distinct objects) and meta: once each
        assert len(calls) == 3
        if dialect == 'postgresql':
            texts = {line.split('\t', 7)[7] for line in rows.items}
            assert texts == {'{"id":"r1","note":"a\\\\tb"}\t{}\n'}
        else:
            assert {item[7:] for item in rows.items} == {
                ('{"id":"r1","note":"a\\tb"}', '{}')}
