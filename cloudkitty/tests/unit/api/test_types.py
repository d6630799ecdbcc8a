"""Wire renderings and parsings of the shared API types (§1.7, §1.8)."""

import datetime
import decimal

import pytest

from cloudkitty.api import types as ck_types
from cloudkitty.api.v1 import report

D = decimal.Decimal


@pytest.mark.parametrize('value,text', [
    (D('100'), '100'), (D('1E+2'), '100'), (D('0.500'), '0.5'),
    (D('0'), '0'), (D('0E-28'), '0'), (D('-1.25'), '-1.25'),
    (D('244.944'), '244.944'), (D('1E-7'), '0.0000001'),
])
def test_plain_never_uses_exponents(value, text):
    assert ck_types.plain(value) == text


@pytest.mark.parametrize('value,text', [
    (D('81.648'), '81.648'), (D('5'), '5.0'), (D('0'), '0'),
    (D('224.616000'), '224.616'), (D('1.123456'), '1.12346'),
    (D('1.123455'), '1.12346'), (D('1.123445'), '1.12344'),
    (D('0.000001'), '0'),
])
def test_summary_rate_like_upstream(value, text):
    assert report.summary_rate(value) == text


def test_fixed_places():
    cost = ck_types.DecimalType(places=28)
    assert cost.tobasetype(D('0.2')) == '0.2000000000000000000000000000'
    assert ck_types.DecimalType(places=8).tobasetype(D(2)) == '2.00000000'


@pytest.mark.parametrize('raw,expected', [
    ('0.01', D('0.01')), (0.01, D('0.01')), (3, D(3)), ('1e3', D(1000)),
    (' 2 ', D(2)),
])
def test_decimal_inputs(raw, expected):
    assert ck_types.Decimal.validate(raw) == expected


@pytest.mark.parametrize('raw', ['abc', True, None, 'NaN', 'Infinity', [1],
                                 {'a': 1}])
def test_decimal_refusals(raw):
    with pytest.raises(ValueError):
        ck_types.Decimal.validate(raw)


def test_decimal_integer_digits():
    cost = ck_types.DecimalType(places=28, max_int_digits=12)
    assert cost.validate('999999999999.5') == D('999999999999.5')
    with pytest.raises(ValueError):
        cost.validate('1e999999')


@pytest.mark.parametrize('raw,expected', [
    ('2015-01-04T13:00:00', datetime.datetime(2015, 1, 4, 13)),
    ('2015-01-04 13:00:00', datetime.datetime(2015, 1, 4, 13)),
    ('2015-01-04T13:00:00.5', datetime.datetime(2015, 1, 4, 13, 0, 0,
                                                500000)),
    ('2015-01-04T14:00:00+01:00', datetime.datetime(2015, 1, 4, 13)),
    ('2015-01-04T13:00:00Z', datetime.datetime(2015, 1, 4, 13)),
    ('2015-01-04', datetime.datetime(2015, 1, 4)),
])
def test_datetime_inputs(raw, expected):
    assert ck_types.DateTime.validate(raw) == expected


def test_end_of_day_for_bare_dates():
    assert ck_types.EndDateTime.validate('3000-01-01') == datetime.datetime(
        3000, 1, 1, 23, 59, 59)
    assert ck_types.EndDateTime.validate('3000-01-01T10:00:00') == \
        datetime.datetime(3000, 1, 1, 10)


@pytest.mark.parametrize('raw', ['notadate', '2015-13-01', 42, ''])
def test_datetime_refusals(raw):
    with pytest.raises(ValueError, match='Unknown string format'):
        ck_types.DateTime.validate(raw)


def test_datetime_output():
    assert ck_types.format_datetime(datetime.datetime(
        2015, 1, 4, 13)) == '2015-01-04T13:00:00'
    assert ck_types.format_datetime(datetime.datetime(
        2026, 11, 26, 19, 13, 18, 621814)) == '2026-11-26T19:13:18.621814'
    aware = datetime.datetime(2015, 1, 4, 14, tzinfo=datetime.timezone(
        datetime.timedelta(hours=1)))
    assert ck_types.format_datetime(aware) == '2015-01-04T13:00:00'


@pytest.mark.parametrize('raw,expected', [
    ('true', True), ('True', True), ('1', True), ('yes', True),
    ('on', True), ('false', False), ('FALSE', False), ('0', False),
    ('no', False), ('off', False), ('', False), (True, True), (0, False),
])
def test_booleans(raw, expected):
    assert ck_types.Boolean.validate(raw) is expected


@pytest.mark.parametrize('raw', ['perhaps', '2', 2, 'tru', None, [True]])
def test_boolean_refusals(raw):
    with pytest.raises(ValueError):
        ck_types.Boolean.validate(raw)


def test_uuid():
    assert ck_types.Uuid.validate('6A0A707C45EF4758B533E55ADDDBA8CE') == \
        '6a0a707c-45ef-4758-b533-e55adddba8ce'
    with pytest.raises(ValueError, match="Invalid UUID, got 'xyz'"):
        ck_types.Uuid.validate('xyz')


def test_enum_lists_values_in_order():
    with pytest.raises(ValueError) as err:
        ck_types.EnumType('flat', 'rate').validate('fail')
    assert str(err.value) == 'Value should be one of: flat, rate'


@pytest.mark.parametrize('raw', [1.5, True, 'high', '1.5'])
def test_integer_refusals(raw):
    with pytest.raises(ValueError, match='invalid literal for int'):
        ck_types.Integer.frombasetype(raw)
