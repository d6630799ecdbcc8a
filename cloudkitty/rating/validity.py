"""Validity windows of rating rules (spec v1 §4.6).

Hashmap mappings and pyscripts share the same life cycle: a rule has a
``start`` (default: its creation time) and an optional ``end``; a rule that
has started can only be given an ``end``, and a rule that has started and has
an end can no longer change. This module holds those checks, with the exact
upstream messages, as pure functions: the caller passes ``now``.

Every datetime handled here is naive UTC (what the database stores); aware
datetimes are converted. Messages render datetimes as ``str()`` of a naive
datetime, i.e. ``YYYY-MM-DD HH:MM:SS[.ffffff]``.
"""

import dataclasses
import datetime
import decimal
import re

from cloudkitty import exception

_DATE_ONLY = re.compile(r'^\s*\d{4}-\d{2}-\d{2}\s*$')
_END_OF_DAY = datetime.time(23, 59, 59)


class StartInPast(exception.Invalid):
    msg_fmt = ('Cannot create a rule with start in the past. '
               'start=[%(start)s] current time=[%(now)s].')


class StartAfterEnd(exception.Invalid):
    msg_fmt = ('Cannot create a rule with start after end. '
               'start=[%(start)s] end=[%(end)s].')


class RuleRunning(exception.Invalid):
    msg_fmt = ('You are allowed to update only the attribute [end] as this '
               'rule is already running as it started on [%(start)s]')


class EndInPast(exception.Invalid):
    msg_fmt = ('End date must be in the future. end=[%(end)s] '
               'current time=[%(now)s]')


class RuleFinished(exception.Invalid):
    msg_fmt = ('Cannot update a rule that was already processed and has a '
               'defined end date.')


def naive_utc(value):
    """``value`` as a naive UTC datetime (None stays None)."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return value
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time())
    raise TypeError('not a datetime: %r' % (value,))


def utcnow():
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def end_of_day(day):
    """The last second of ``day`` (an ``end`` given as a bare date)."""
    if isinstance(day, datetime.datetime):
        day = day.date()
    return datetime.datetime.combine(day, _END_OF_DAY)


def is_date_only(text):
    """True when ``text`` is a bare ``YYYY-MM-DD`` (no time part)."""
    return isinstance(text, str) and bool(_DATE_ONLY.match(text))


def normalize_end(value, raw=None):
    """The stored form of an ``end`` input.

    :param value: the parsed datetime/date (or None).
    :param raw: the text the caller sent, when known: a bare date there
        means the end of that day (``"3000-01-01"`` -> ``23:59:59``).
    """
    if value is None:
        return None
    if is_date_only(raw) or (isinstance(value, datetime.date)
                             and not isinstance(value, datetime.datetime)):
        return end_of_day(value)
    return naive_utc(value)


def check_create(start, end, now=None, force=False):
    """Validate the window of a new rule; return ``(start, end)``.

    ``start`` defaults to ``now``; ``force`` skips only the "start in the
    past" check. NOTE(ck): upstream fails with a 500 when ``end`` comes
    without ``start``; we compare with the defaulted start instead.

    :raises StartInPast: ``start < now`` without ``force``.
    :raises StartAfterEnd: ``end < start``.
    """
    now = naive_utc(now) or utcnow()
    start = naive_utc(start)
    end = naive_utc(end)
    if start is None:
        start = now
    elif not force and start < now:
        raise StartInPast(start=start, now=now)
    if end is not None and end < start:
        raise StartAfterEnd(start=start, end=end)
    return start, end


@dataclasses.dataclass(frozen=True)
class UpdatePlan:
    """What an update may write.

    ``only_end`` True: the rule is running; write ``end`` (and the audit
    fields) only. False: the rule has not started; write the new data with
    ``start``/``end``.
    """

    only_end: bool
    start: datetime.datetime
    end: datetime.datetime | None


def _same(new, old):
    if isinstance(new, decimal.Decimal) or isinstance(old, decimal.Decimal):
        try:
            return decimal.Decimal(str(new)) == decimal.Decimal(str(old))
        except (decimal.InvalidOperation, ValueError, TypeError):
            return False
    if isinstance(new, datetime.datetime) or isinstance(
            old, datetime.datetime):
        try:
            return naive_utc(new) == naive_utc(old)
        except TypeError:
            return False
    return new == old


def changed_attributes(sent, stored):
    """Names of attributes that count as "changed" on a running rule.

    :param sent: mapping of the attributes explicitly sent (absent ones are
        simply not in it), ``end`` excluded by the caller or ignored here.
    :param stored: mapping of the stored values.

    Only a truthy sent value different from the stored one counts (spec
    §4.6 rule 2; omitted attributes are "unchanged", OUR CHOICE #25).
    """
    return sorted(name for name, value in sent.items()
                  if name != 'end' and value
                  and not _same(value, stored.get(name)))


def check_update(cur_start, cur_end, changed=(), start=None, end=None,
                 now=None):
    """Validate an update of a rule whose window is ``[cur_start, cur_end)``.

    :param changed: names returned by :func:`changed_attributes`.
    :param start: new start if sent (None: keep ``cur_start``).
    :param end: new end (None: no end).
    :returns: :class:`UpdatePlan`.
    :raises RuleRunning, EndInPast, RuleFinished, StartInPast,
        StartAfterEnd: with the spec's messages.
    """
    now = naive_utc(now) or utcnow()
    cur_start = naive_utc(cur_start)
    cur_end = naive_utc(cur_end)
    start = naive_utc(start)
    end = naive_utc(end)
    if cur_start < now:
        if cur_end is not None:
            raise RuleFinished()
        if changed:
            raise RuleRunning(start=cur_start)
        if end is not None and end < now:
            raise EndInPast(end=end, now=now)
        return UpdatePlan(only_end=True, start=cur_start, end=end)
    new_start = start if start is not None else cur_start
    new_start, end = check_create(new_start, end, now=now)
    return UpdatePlan(only_end=False, start=new_start, end=end)


def is_active(start, end, deleted, at):
    """True when a rule with this window applies to a period starting at
    ``at``: ``start <= at``, ``end`` null or ``end > at``, not deleted."""
    at = naive_utc(at)
    return (deleted is None and (start is None or naive_utc(start) <= at)
            and (end is None or naive_utc(end) > at))
