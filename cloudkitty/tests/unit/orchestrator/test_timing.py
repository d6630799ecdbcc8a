"""Period readiness, first period and backoff (spec v1 §8.2)."""

import datetime

import pytest

from cloudkitty import exception
from cloudkitty.orchestrator import timing

UTC = datetime.UTC
H = 3600


def at(text):
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_spec_example_ready_after_two_waiting_periods():
    start = at('2026-03-04T10:00:00')
    assert not timing.is_ready(start, H, 2, at('2026-03-04T11:30:00'))
    assert not timing.is_ready(start, H, 2, at('2026-03-04T12:00:00'))
    assert timing.is_ready(start, H, 2, at('2026-03-04T12:00:01'))


def test_open_period_never_ready_even_without_waiting():
    start = at('2026-03-04T10:00:00')
    assert not timing.is_ready(start, H, 0, at('2026-03-04T10:59:59'))
    assert timing.is_ready(start, H, 0, at('2026-03-04T11:00:00'))


def test_first_period_default_is_month_start_and_is_tested(conf):
    now = at('2026-03-01T01:30:00')
    first = timing.first_period_start(conf, now)
    assert first == at('2026-03-01T00:00:00')
    # OUR CHOICE: the readiness test applies to the first period too.
    assert not timing.is_ready(first, H, 2, now)
    assert timing.is_ready(first, H, 2, at('2026-03-01T02:00:01'))


def test_first_period_configured(conf):
    conf.set_override('first_period_start', '2025-01-01T00:00:00Z',
                      group='collect')
    assert timing.first_period_start(conf, at('2026-01-01T00:00:00')) == \
        at('2025-01-01T00:00:00')
    conf.set_override('first_period_start', '2025-01-01T02:00:00+02:00',
                      group='collect')
    assert timing.first_period_start(conf, at('2026-01-01T00:00:00')) == \
        at('2025-01-01T00:00:00')


def test_first_period_invalid_names_option(conf):
    conf.set_override('first_period_start', 'yesterday', group='collect')
    with pytest.raises(exception.ConfigError) as err:
        timing.first_period_start(conf, at('2026-01-01T00:00:00'))
    assert '[collect] first_period_start' in str(err.value)


def test_next_period_start():
    first = at('2026-01-01T00:00:00')
    assert timing.next_period_start(None, first, H) == first
    naive_last = datetime.datetime(2026, 1, 1, 5)
    assert timing.next_period_start(naive_last, first, H) == \
        at('2026-01-01T06:00:00')


def test_backoff_grows_and_caps():
    backoff = timing.Backoff(base=2, cap=10)
    assert [backoff.delay(n) for n in range(6)] == [0, 2, 4, 8, 10, 10]
    assert backoff.failed('s', 100.0) == 2
    assert backoff.waiting('s', 101.0)
    assert not backoff.waiting('s', 102.0)
    assert backoff.failed('s', 102.0) == 4
    assert backoff.next_attempt() == 106.0
    assert backoff.failures('s') == 2
    backoff.succeeded('s')
    assert not backoff.waiting('s', 102.5)
    assert backoff.next_attempt() is None


def test_boundary_index():
    anchor = at('2026-01-01T00:00:00')
    assert timing.boundary_index(at('2026-01-01T00:59:59'), anchor, H) == 0
    assert timing.boundary_index(at('2026-01-01T01:00:00'), anchor, H) == 1
    assert timing.boundary_index(at('2026-01-02T00:30:00'), anchor, H) == 24
