"""Datetime helpers of the storage queries: parsing, UTC, windows, days.

The database keeps naive UTC datetimes; queries accept aware or naive
(= UTC) datetimes or ISO 8601 strings, and return aware UTC datetimes.
"""

import datetime

from cloudkitty import storage

UTC = datetime.UTC
DAY = datetime.timedelta(days=1)


def parse(value, name='datetime'):
    """Aware UTC datetime from a datetime, a date or an ISO 8601 string.

    :param name: what the value is, for the error message.
    :raises cloudkitty.storage.InvalidDate: unparsable value.
    """
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(('Z', 'z')):
            text = text[:-1] + '+00:00'
        try:
            value = datetime.datetime.fromisoformat(text)
        except ValueError:
            raise storage.InvalidDate(name=name, value=value)
    elif (isinstance(value, datetime.date)
          and not isinstance(value, datetime.datetime)):
        value = datetime.datetime(value.year, value.month, value.day)
    if not isinstance(value, datetime.datetime):
        raise storage.InvalidDate(name=name, value=value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def naive(value, name='datetime'):
    """Naive UTC datetime (the database form) of ``value`` (see parse)."""
    return parse(value, name).replace(tzinfo=None)


def aware(value):
    """Aware UTC datetime of a naive UTC datetime read from the database."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def month_bounds(now=None):
    """``(first instant of the current UTC month, of the next month)`` --
    the default report window of both APIs."""
    now = parse(now) if now is not None else datetime.datetime.now(UTC)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if start.month == 12:
        end = start.replace(year=start.year + 1, month=1)
    else:
        end = start.replace(month=start.month + 1)
    return start, end


def window(begin, end, default_now=None):
    """Naive UTC ``(begin, end)`` with the month defaults for None."""
    if begin is None or end is None:
        month_start, month_end = month_bounds(default_now)
        begin = month_start if begin is None else begin
        end = month_end if end is None else end
    return naive(begin, 'begin'), naive(end, 'end')


def floor_day(value):
    """The UTC day (a date) holding the naive datetime ``value``."""
    return value.date()


def ceil_day(value):
    """The first UTC day starting at or after the naive ``value``."""
    day = value.date()
    if value != datetime.datetime(day.year, day.month, day.day):
        day += DAY
    return day


def day_start(day):
    """Naive datetime of midnight starting ``day``."""
    return datetime.datetime(day.year, day.month, day.day)
