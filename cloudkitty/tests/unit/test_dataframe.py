"""DataPoint / DataFrame: immutability, exact decimals, serialisation."""

import datetime
import decimal

import pytest

from cloudkitty import dataframe

D = decimal.Decimal


def test_point_is_exact_and_immutable():
    point = dataframe.DataPoint('GiB', 0.1, '0.3', {'id': 'a'}, {'x': 1})
    assert point.qty == D('0.1')
    assert point.price == D('0.3')
    with pytest.raises(AttributeError):
        point.qty = D(2)
    with pytest.raises(TypeError):
        point.groupby['id'] = 'b'


def test_empty_unit_defaults():
    assert dataframe.DataPoint('', 1).unit == 'undefined'


@pytest.mark.parametrize('bad', ['abc', None, True, 'NaN', 'Infinity'])
def test_bad_quantity_rejected(bad):
    with pytest.raises(ValueError):
        dataframe.DataPoint('u', bad)


def test_desc_groupby_wins():
    point = dataframe.DataPoint('u', 1, groupby={'k': 'g'},
                                metadata={'k': 'm', 'o': 1})
    assert point.desc == {'k': 'g', 'o': 1}


def test_with_price_keeps_the_rest():
    point = dataframe.DataPoint('u', 2, 1, {'a': 1}, {'b': 2})
    priced = point.with_price(D('3.5'))
    assert priced.price == D('3.5') and point.price == D(1)
    assert priced.groupby is point.groupby and priced.qty == point.qty


def test_frame_round_trip_sorted_and_utc():
    frame = dataframe.DataFrame.from_dict({
        'period': {'begin': '2026-11-01T01:00:00+01:00',
                   'end': '2026-11-01T01:00:00Z'},
        'usage': {'b': [{'vol': {'unit': 'u', 'qty': '1'},
                         'groupby': {}, 'metadata': {}}],
                  'a': []}})
    assert list(frame.usage) == ['a', 'b']
    assert frame.start == datetime.datetime(2026, 11, 1, 0, 0,
                                            tzinfo=datetime.UTC)
    assert frame.usage['b'][0].price == 0
    again = dataframe.DataFrame.from_dict(frame.as_dict())
    assert again.as_dict() == frame.as_dict()


@pytest.mark.parametrize('point', [
    {'vol': {'unit': 'u'}, 'groupby': {}, 'metadata': {}},
    {'vol': {'unit': 1, 'qty': 1}, 'groupby': {}, 'metadata': {}},
    {'vol': {'unit': 'u', 'qty': 1}, 'groupby': [], 'metadata': {}},
    {'vol': {'unit': 'u', 'qty': 'x'}, 'groupby': {}, 'metadata': {}},
])
def test_invalid_points_named(point):
    with pytest.raises(ValueError, match='point'):
        dataframe.DataPoint.from_dict(point)


def test_point_make_and_pickle():
    import pickle
    point = dataframe.DataPoint('u', 2, 1, {'a': 1}, {'b': 2}, 'text')
    clone = dataframe.DataPoint.make((point.unit, point.qty, D('4'),
                                      point.groupby, point.metadata,
                                      point.description))
    assert clone.price == D(4) and clone.description == 'text'
    assert clone != point and clone == point.with_price(D(4))
    again = pickle.loads(pickle.dumps(point))
    assert again == point and again.description == 'text'
    with pytest.raises(AttributeError):
        point.foo = 1


def test_with_usage_keeps_period():
    frame = dataframe.DataFrame('2026-11-01T00:00:00Z',
                                '2026-11-01T01:00:00Z')
    point = dataframe.DataPoint('u', 1)
    other = frame.with_usage({'a': [point]})
    assert other.start == frame.start and other.end == frame.end
    assert other.usage['a'] == (point,)
    with pytest.raises(TypeError):
        other.usage['b'] = ()
