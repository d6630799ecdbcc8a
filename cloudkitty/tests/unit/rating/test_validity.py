"""Validity windows of rating rules (spec v1 §4.6)."""

import datetime
import decimal

import pytest

from cloudkitty import exception
from cloudkitty.rating import validity

NOW = datetime.datetime(2026, 11, 26, 19, 14, 3, 639454)
D = datetime.datetime


def test_create_defaults_start_to_now():
    assert validity.check_create(None, None, now=NOW) == (NOW, None)


def test_create_start_in_past_message():
    with pytest.raises(validity.StartInPast) as err:
        validity.check_create(D(2020, 1, 1), None, now=NOW)
    assert str(err.value) == (
        'Cannot create a rule with start in the past. '
        'start=[2020-01-01 00:00:00] '
        'current time=[2026-11-26 19:14:03.639454].')
    assert isinstance(err.value, exception.Invalid)


def test_create_force_allows_past_start():
    assert validity.check_create(D(2014, 1, 1), D(2014, 1, 2), now=NOW,
                                 force=True) == (D(2014, 1, 1),
                                                 D(2014, 1, 2))


def test_create_end_before_start_message():
    with pytest.raises(validity.StartAfterEnd) as err:
        validity.check_create(D(3000, 1, 5), D(3000, 1, 1, 23, 59, 59),
                              now=NOW)
    assert str(err.value) == (
        'Cannot create a rule with start after end. '
        'start=[3000-01-05 00:00:00] end=[3000-01-01 23:59:59].')


def test_create_end_without_start_uses_now():
    with pytest.raises(validity.StartAfterEnd):
        validity.check_create(None, D(2026, 1, 1), now=NOW)


def test_aware_datetimes_are_converted():
    start = datetime.datetime(3000, 1, 1, 1, tzinfo=datetime.timezone(
        datetime.timedelta(hours=1)))
    assert validity.check_create(start, None, now=NOW)[0] == D(3000, 1, 1)


def test_end_as_bare_date_is_end_of_day():
    assert validity.normalize_end(D(3000, 1, 1), raw='3000-01-01') == D(
        3000, 1, 1, 23, 59, 59)
    assert validity.normalize_end(datetime.date(3000, 1, 1)) == D(
        3000, 1, 1, 23, 59, 59)
    assert validity.normalize_end(D(3000, 1, 1),
                                  raw='3000-01-01T00:00:00') == D(3000, 1, 1)
    assert validity.normalize_end(None) is None


def test_update_not_started_replaces_window():
    plan = validity.check_update(D(3000, 1, 1), None, changed=['cost'],
                                 end=D(3000, 2, 1), now=NOW)
    assert plan == validity.UpdatePlan(False, D(3000, 1, 1), D(3000, 2, 1))


def test_update_not_started_rejects_past_start():
    with pytest.raises(validity.StartInPast):
        validity.check_update(D(3000, 1, 1), None, start=D(2020, 1, 1),
                              now=NOW)


def test_update_running_only_end():
    with pytest.raises(validity.RuleRunning) as err:
        validity.check_update(D(2014, 1, 1), None, changed=['cost'],
                              now=NOW)
    assert str(err.value) == (
        'You are allowed to update only the attribute [end] as this rule '
        'is already running as it started on [2014-01-01 00:00:00]')
    plan = validity.check_update(D(2014, 1, 1), None, end=D(3000, 1, 1),
                                 now=NOW)
    assert plan.only_end and plan.end == D(3000, 1, 1)


def test_update_running_end_in_past():
    with pytest.raises(validity.EndInPast) as err:
        validity.check_update(D(2014, 1, 1), None, end=D(2020, 1, 1),
                              now=NOW)
    assert str(err.value) == (
        'End date must be in the future. end=[2020-01-01 00:00:00] '
        'current time=[2026-11-26 19:14:03.639454]')


def test_update_finished_rule():
    with pytest.raises(validity.RuleFinished) as err:
        validity.check_update(D(2014, 1, 1), D(2014, 1, 2), now=NOW)
    assert str(err.value) == ('Cannot update a rule that was already '
                              'processed and has a defined end date.')


def test_changed_attributes_only_truthy_different_values():
    stored = {'cost': decimal.Decimal('1.0000'), 'type': 'rate',
              'description': None, 'start': D(2014, 1, 1)}
    assert validity.changed_attributes(
        {'cost': '1', 'description': '', 'end': D(3000, 1, 1),
         'start': D(2014, 1, 1)}, stored) == []
    assert validity.changed_attributes(
        {'cost': '2', 'type': 'flat', 'value': None}, stored) == [
        'cost', 'type']


def test_is_active():
    assert validity.is_active(D(2014, 1, 1), None, None, D(2014, 1, 1))
    assert not validity.is_active(D(2014, 1, 1), D(2014, 1, 2), None,
                                  D(2014, 1, 2))
    assert not validity.is_active(D(2014, 1, 2), None, None, D(2014, 1, 1))
    assert not validity.is_active(D(2014, 1, 1), None, D(2014, 1, 1),
                                  D(2015, 1, 1))
