"""Datetime helpers of the storage queries (no database)."""

import datetime

import pytest

from cloudkitty import exception
from cloudkitty.storage import window

UTC = datetime.UTC


@pytest.mark.parametrize('text,expected', [
    ('2015-01-04T13:00:00', datetime.datetime(2015, 1, 4, 13, tzinfo=UTC)),
    ('2015-01-04 13:00:00', datetime.datetime(2015, 1, 4, 13, tzinfo=UTC)),
    ('2015-01-04T13:00:00Z', datetime.datetime(2015, 1, 4, 13, tzinfo=UTC)),
    ('2015-01-04T15:00:00+02:00',
     datetime.datetime(2015, 1, 4, 13, tzinfo=UTC)),
    ('2015-01-04', datetime.datetime(2015, 1, 4, tzinfo=UTC)),
    ('20190723T122810Z', datetime.datetime(2019, 7, 23, 12, 28, 10,
                                           tzinfo=UTC)),
    (datetime.date(2015, 1, 4), datetime.datetime(2015, 1, 4, tzinfo=UTC)),
])
def test_parse(text, expected):
    assert window.parse(text) == expected


@pytest.mark.parametrize('bad', ['yesterday', '2015-13-01', '', 42, None])
def test_parse_rejects(bad):
    with pytest.raises(exception.Invalid) as err:
        window.parse(bad, 'begin')
    assert 'begin' in str(err.value)


@pytest.mark.parametrize('now,start,end', [
    ('2026-11-27T01:02:03Z', '2026-11-01', '2026-12-01'),
    ('2026-12-31T23:59:59Z', '2026-12-01', '2027-01-01'),
    ('2027-01-01T00:00:00+01:00', '2026-12-01', '2027-01-01'),
])
def test_month_bounds_are_utc(now, start, end):
    assert window.month_bounds(now) == (window.parse(start),
                                        window.parse(end))


def test_day_helpers():
    noon = datetime.datetime(2025, 1, 1, 12)
    midnight = datetime.datetime(2025, 1, 1)
    assert window.floor_day(noon) == datetime.date(2025, 1, 1)
    assert window.ceil_day(noon) == datetime.date(2025, 1, 2)
    assert window.ceil_day(midnight) == datetime.date(2025, 1, 1)
    assert window.day_start(datetime.date(2025, 1, 2)) == \
        datetime.datetime(2025, 1, 2)
    assert window.window(None, '2025-01-02')[1] == datetime.datetime(
        2025, 1, 2)
