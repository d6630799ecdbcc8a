"""Period arithmetic of the processing loop (spec v1 §8.2) and backoff.

Everything here is pure: "now" is always passed in, so the readiness rules
are unit-tested without clocks.

Readiness (OUR CHOICE, spec §8.2): the period starting at ``start`` is
ready when ``start + wait_periods * period < now`` (upstream's test, so the
spec example holds: with ``period=3600, wait_periods=2`` the period
``[10:00, 11:00)`` is ready after 12:00) **and** the period is over
(``start + period <= now``), which only matters for ``wait_periods=0``:
a period still open is never rated. The test applies to the very first
period of a scope as well (upstream skipped it).
"""

import datetime

from cloudkitty import exception

UTC = datetime.UTC


def aware(value):
    """``value`` as an aware UTC datetime (naive values are UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def utcnow():
    return datetime.datetime.now(UTC)


def month_start(now):
    """First instant of the UTC month of ``now``."""
    now = aware(now)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def parse_instant(text, group='collect', option='first_period_start'):
    """Parse an ISO 8601 instant (``Z`` accepted, naive = UTC).

    :raises cloudkitty.exception.ConfigError: naming the option.
    """
    try:
        value = datetime.datetime.fromisoformat(text.strip().replace(
            'Z', '+00:00'))
    except (ValueError, AttributeError) as err:
        raise exception.ConfigError(group=group, option=option,
                                    reason='not an ISO 8601 instant: %r '
                                           '(%s)' % (text, err))
    return aware(value)


def first_period_start(conf, now):
    """Where a scope without state starts: ``[collect] first_period_start``
    or the first instant of the current UTC month."""
    configured = conf.collect.first_period_start
    if configured:
        return parse_instant(configured)
    return month_start(now)


def next_period_start(last_processed, first_start, period):
    """Start of the period after ``last_processed`` (the start of the last
    rated period), or ``first_start`` when the scope has no state."""
    if last_processed is None:
        return first_start
    return aware(last_processed) + datetime.timedelta(seconds=period)


def is_ready(start, period, wait_periods, now):
    """True when the period starting at ``start`` may be rated at ``now``."""
    length = datetime.timedelta(seconds=period)
    if start + wait_periods * length >= now:
        return False
    return start + length <= now


def ready_at(start, period, wait_periods):
    """Earliest instant at which :func:`is_ready` turns true (approx.: the
    readiness test is strict, callers add a margin)."""
    length = datetime.timedelta(seconds=period)
    return max(start + wait_periods * length, start + length)


def boundary_index(now, anchor, period):
    """Number of period boundaries (counted from ``anchor``) up to ``now``.

    Readiness only changes when ``now`` crosses a boundary (periods start
    on them), so two instants with the same index see the same ready
    periods.
    """
    return (aware(now) - aware(anchor)) // datetime.timedelta(
        seconds=period)


class Backoff:
    """Exponential backoff per key (a scope): ``base * 2**(failures-1)``
    seconds, capped at ``cap``.

    Used after a collect or rating failure: the scope is retried when the
    delay has passed, nothing of the failed period having been stored.
    """

    def __init__(self, base=1.0, cap=300.0):
        self.base = base
        self.cap = cap
        self._failures = {}

    def delay(self, failures):
        if failures <= 0:
            return 0.0
        return min(self.cap, self.base * (2 ** (failures - 1)))

    def failed(self, key, now):
        """Record a failure of ``key`` at ``now`` (seconds, monotonic);
        returns the delay before the next attempt."""
        count, _ = self._failures.get(key, (0, 0.0))
        count += 1
        delay = self.delay(count)
        self._failures[key] = (count, now + delay)
        return delay

    def succeeded(self, key):
        self._failures.pop(key, None)

    def failures(self, key):
        return self._failures.get(key, (0, 0.0))[0]

    def waiting(self, key, now):
        """True while ``key`` must not be retried yet."""
        entry = self._failures.get(key)
        return entry is not None and now < entry[1]

    def next_attempt(self):
        """Earliest retry instant among failing keys (None if none)."""
        if not self._failures:
            return None
        return min(when for _, when in self._failures.values())
