"""Row formatting of exports (pure)."""

import csv
import datetime
import decimal
import io
import json

import pytest

from cloudkitty import export
from cloudkitty.export import focus
from cloudkitty.export import formats
from cloudkitty import storage

D = decimal.Decimal
UTC = datetime.UTC


def _point(price='0.10', qty='2', **desc):
    return storage.RatedPoint(
        id=1, scope_id='p1',
        begin=datetime.datetime(2026, 12, 31, 23, tzinfo=UTC),
        end=datetime.datetime(2027, 1, 1, tzinfo=UTC), type='instance',
        unit='instance', qty=D(qty), price=D(price),
        groupby={'id': 'vm-1', 'project_id': 'p1'},
        metadata=dict(desc))


def _text(chunks):
    return ''.join(chunks)


def test_plain_decimals_never_floats():
    assert formats.plain(D('1E-7')) == '0.0000001'
    assert formats.plain(D('1.2300')) == '1.23'
    assert formats.plain(D('1E+3')) == '1000'
    assert formats.plain(D('-0.000')) == '0'
    assert formats.plain(D('0.1') + D('0.2')) == '0.3'


def test_csv_defaults_and_columns():
    rows = list(csv.reader(io.StringIO(_text(formats.render(
        'csv', [_point('0.0000001', flavor_name='m1.tiny')],
        formats.parse_columns('price,resource_id,meta:flavor_name'))))))
    assert rows == [['price', 'resource_id', 'meta:flavor_name'],
                    ['0.0000001', 'vm-1', 'm1.tiny']]
    rows = list(csv.reader(io.StringIO(_text(formats.render(
        'csv', [_point()])))))
    assert rows[0] == list(formats.BASE_COLUMNS)
    assert rows[1] == ['2026-12-31T23:00:00Z', '2027-01-01T00:00:00Z', 'p1',
                       'instance', 'vm-1', 'instance', '2', '0.1']


def test_jsonl_keeps_decimal_strings():
    [line] = _text(formats.render('jsonl', [_point('1.337')])).splitlines()
    record = json.loads(line)
    assert record['price'] == '1.337' and record['qty'] == '2'
    assert record['groupby'] == {'id': 'vm-1', 'project_id': 'p1'}


def test_focus_row():
    text = _text(formats.render('focus', [_point('3.5', region='r1')],
                                currency='EUR'))
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert list(row) == list(focus.COLUMNS)
    assert row['BilledCost'] == row['EffectiveCost'] == '3.5'
    assert row['BillingCurrency'] == 'EUR'
    assert row['BillingPeriodStart'] == '2026-12-01T00:00:00Z'
    assert row['BillingPeriodEnd'] == '2027-01-01T00:00:00Z'
    assert row['ChargePeriodStart'] == '2026-12-31T23:00:00Z'
    assert row['SubAccountId'] == 'p1' and row['ResourceId'] == 'vm-1'
    assert row['ServiceName'] == 'instance' and row['RegionName'] == 'r1'
    assert row['ConsumedQuantity'] == '2'


def test_streams_in_chunks():
    chunks = list(formats.render('csv', (_point() for _ in range(1200))))
    assert len(chunks) == 3
    assert _text(chunks).count('\r\n') == 1201


@pytest.mark.parametrize('value', ['price,', 'cost', 'meta:', 'qty,qty'])
def test_bad_columns(value):
    with pytest.raises(export.InvalidColumns):
        formats.parse_columns(value)


def test_bad_format():
    with pytest.raises(export.InvalidFormat) as err:
        export.check_format('xlsx')
    assert 'csv, jsonl, focus' in str(err.value)
