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


def test_with_tuples_is_an_immutable_frame_of_the_same_period():
    frame = dataframe.DataFrame('2026-11-01T00:00:00Z',
                                '2026-11-01T01:00:00Z')
    points = (dataframe.DataPoint('u', 1), dataframe.DataPoint('u', 2))
    other = frame.with_tuples({'a': points, 'b': ()})
    assert isinstance(other, dataframe.DataFrame)
    assert (other.start, other.end) == (frame.start, frame.end)
    assert other.usage['a'] is points and other.point_count() == 2
    assert repr(other) == repr(frame.with_usage({'a': points, 'b': []}))
    with pytest.raises(TypeError):
        other.usage['c'] = ()
    with pytest.raises(AttributeError):
        other.start = None


def test_interner_shares_equal_mappings_and_copies_them():
    intern = dataframe.MappingInterner()
    source = {'flavor': 'm1.small', 'vcpus': 1, 'public': True, 'az': None}
    first = intern(source)
    second = intern(dict(source))
    assert first is second
    assert dict(first) == source
    source['flavor'] = 'changed'            # the caller's dict is not kept
    assert first['flavor'] == 'm1.small'
    with pytest.raises(TypeError):
        first['flavor'] = 'x'
    assert intern(source) is not first


@pytest.mark.parametrize('left, right', [
    ({'x': 1}, {'x': True}),                # equal values, other types
    ({'x': 1}, {'x': '1'}),
    ({'a': '1', 'b': '2'}, {'b': '2', 'a': '1'}),   # other key order
])
def test_interner_keeps_mappings_of_other_types_apart(left, right):
    intern = dataframe.MappingInterner()
    a, b = intern(left), intern(right)
    assert a is not b
    assert [(k, type(v)) for k, v in a.items()] == [
        (k, type(v)) for k, v in left.items()]
    assert [(k, type(v)) for k, v in b.items()] == [
        (k, type(v)) for k, v in right.items()]


@pytest.mark.parametrize('value', [1.0, -0.0, D('1.0'), ['a'], {'b': 1}])
def test_interner_never_shares_values_whose_text_may_differ(value):
    # 1.0 == 1 == Decimal('1.0') and 0.0 == -0.0, with other texts; lists
    # and dicts are mutable: such mappings are copied, never shared.
    intern = dataframe.MappingInterner()
    first = intern({'x': value})
    second = intern({'x': value})
    assert first is not second
    assert first['x'] == value and type(first['x']) is type(value)
    assert len(intern) == 0


def test_interner_is_bounded():
    intern = dataframe.MappingInterner(max_size=3)
    kept = [intern({'id': str(n)}) for n in range(3)]
    assert len(intern) == 3
    assert intern({'id': '0'}) is kept[0]
    intern({'id': 'new'})                   # full: emptied, then stored
    assert len(intern) == 1
    again = intern({'id': '0'})
    assert again is not kept[0] and dict(again) == {'id': '0'}
