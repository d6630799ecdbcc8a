"""Scope states (storage/state.py) on SQLite, PostgreSQL and MariaDB."""

import datetime
import threading

from oslo_db import exception as db_exc
import pytest
import sqlalchemy

from cloudkitty import context as ck_context
from cloudkitty import dataframe
from cloudkitty import exception
from cloudkitty import storage
from cloudkitty.storage import state

UTC = datetime.UTC


def test_ensure_scope_creates_once(db, admin_context):
    assert state.get_state(admin_context, 'p1') is None
    created = state.ensure_scope(admin_context, 'p1', 'project_id', 'src',
                                 'gnocchi')
    assert (created.scope_id, created.scope_key, created.fetcher,
            created.collector, created.active) == (
        'p1', 'project_id', 'src', 'gnocchi', True)
    assert created.last_processed_timestamp is None
    assert created.scope_activation_toggle_date.tzinfo is UTC
    again = state.ensure_scope(admin_context, 'p1', 'other', 'x', 'y')
    assert again == created


def test_create_scope_refuses_an_existing_id(db, admin_context):
    made = state.create_scope(admin_context, 's1', '2019-01-01T00:00:00Z',
                              'key1', 'fet1', 'col1')
    assert made.last_processed_timestamp == datetime.datetime(
        2019, 1, 1, tzinfo=UTC)
    with pytest.raises(state.ScopeExists) as err:
        state.create_scope(admin_context, 's1', None)
    assert isinstance(err.value, exception.NotFound)
    assert str(err.value) == ('Cannot create a scope with an already '
                              'existing scope_id: s1.')


def test_list_states_filters_and_pages(db, admin_context):
    for name, fetcher in (('a', 'f1'), ('b', 'f2'), ('c', 'f1')):
        state.ensure_scope(admin_context, name, 'project_id', fetcher, 'c')
    state.set_active(admin_context, 'b', False)
    assert [s.scope_id for s in state.list_states(admin_context)] == [
        'a', 'b', 'c']
    assert [s.scope_id for s in state.list_states(
        admin_context, fetcher='f1')] == ['a', 'c']
    assert [s.scope_id for s in state.list_states(
        admin_context, scope_ids=['c', 'b'], active=True)] == ['c']
    assert [s.scope_id for s in state.list_states(
        admin_context, offset=1, limit=1)] == ['b']
    assert state.list_states(admin_context, collector='nope') == []


def test_update_scope_toggles_date_only_on_change(db, admin_context):
    first = state.ensure_scope(admin_context, 'a')
    same = state.update_scope(admin_context, 'a', active=True,
                              collector='prometheus')
    assert same.collector == 'prometheus'
    assert same.scope_activation_toggle_date == \
        first.scope_activation_toggle_date
    off = state.set_active(admin_context, 'a', False)
    assert off.active is False
    assert off.scope_activation_toggle_date >= \
        first.scope_activation_toggle_date
    with pytest.raises(state.ScopeNotFound) as err:
        state.update_scope(admin_context, 'nosuch', active=False)
    assert str(err.value) == 'No resource found for provided filters.'


def test_reset_selects_by_filters(db, admin_context):
    state.ensure_scope(admin_context, 'a', fetcher='f1')
    state.ensure_scope(admin_context, 'b', fetcher='f2')
    assert state.reset(admin_context, None, '2025-02-04T00:00:00Z',
                       period=3600, fetcher='f2') == ['b']
    assert state.get_state(admin_context, 'b').last_processed_timestamp \
        == datetime.datetime(2025, 2, 3, 23, tzinfo=UTC)
    assert state.get_state(admin_context, 'a').last_processed_timestamp \
        is None


# -- the processor's guard: storing requires the state it started from --

def _frame(start, price='1'):
    return dataframe.DataFrame(
        start, start + datetime.timedelta(hours=1),
        {'cpu': [dataframe.DataPoint('u', 1, price, {'project_id': 's1'},
                                     {})]})


def _stored(admin_context, conf):
    backend = storage.get_storage(conf)
    return backend.total(admin_context, T0, T0 + datetime.timedelta(days=1),
                         scope_ids=['s1'])


T0 = datetime.datetime(2025, 1, 1, tzinfo=UTC)


def test_expected_state_must_still_hold(db, admin_context, conf):
    backend = storage.get_storage(conf)
    naive = T0.replace(tzinfo=None)
    # a new scope: expected "no state"
    backend.push_many(admin_context, [('s1', _frame(T0))],
                      expected_state={'s1': None})
    assert state.get_state(admin_context, 's1').last_processed_timestamp \
        == T0
    # the state moved: "no state" is stale now
    with pytest.raises(exception.StateConflict):
        backend.push_many(admin_context, [('s1', _frame(T0, '5'))],
                          expected_state={'s1': None})
    later = T0 + datetime.timedelta(hours=1)
    with pytest.raises(exception.StateConflict):
        backend.push_many(admin_context, [('s1', _frame(later, '7'))],
                          expected_state={'s1': naive - datetime.timedelta(
                              hours=1)})
    # nothing of the refused batches was stored, the state did not move
    assert _stored(admin_context, conf) == 1
    assert state.get_state(admin_context, 's1').last_processed_timestamp \
        == T0
    backend.push_many(admin_context, [('s1', _frame(later, '2'))],
                      expected_state={'s1': naive})
    assert _stored(admin_context, conf) == 3
    assert state.get_state(admin_context, 's1').last_processed_timestamp \
        == later


@pytest.mark.parametrize('db', ['postgresql', 'mysql'], indirect=True)
def test_a_concurrent_writer_of_the_scope_wins_once(db, admin_context,
                                                    conf):
    """A writer holding the scope's state row (another processor storing
    the same period) makes a second writer wait, then give up: the period
    is stored once."""
    backend = storage.get_storage(conf)
    backend.push_many(admin_context, [('s1', _frame(T0))],
                      expected_state={'s1': None})
    naive = T0.replace(tzinfo=None)
    later = T0 + datetime.timedelta(hours=1)
    outcome = {}

    def second_writer():
        try:
            backend.push_many(ck_context.get_admin_context(),
                              [('s1', _frame(later, '5'))],
                              expected_state={'s1': naive})
            outcome['stored'] = True
        except exception.StateConflict:
            outcome['conflict'] = True

    with db.connect() as first:
        transaction = first.begin()
        # the first writer: its periods and the moved state, uncommitted
        first.exec_driver_sql(
            "UPDATE scope_state SET last_processed_timestamp = %s "
            "WHERE identifier = 's1'", (later.replace(tzinfo=None),))
        thread = threading.Thread(target=second_writer)
        thread.start()
        thread.join(0.5)
        transaction.commit()
    thread.join(60)
    assert outcome == {'conflict': True}
    assert _stored(admin_context, conf) == 1


@pytest.mark.parametrize('error', [
    db_exc.DBDeadlock(),
    sqlalchemy.exc.OperationalError(
        'INSERT', {}, Exception(1213, 'Deadlock found')),
    sqlalchemy.exc.IntegrityError('INSERT', {}, Exception('duplicate')),
], ids=['oslo_db', 'mariadb_raw', 'duplicate'])
def test_losing_the_race_to_create_the_state_is_a_conflict(
        sqlite_db, admin_context, conf, monkeypatch, error):
    """Two processors storing the first batch of a new scope: the one whose
    insert of the state row fails (duplicate, or MariaDB's deadlock
    victim) gets a StateConflict, not an unexpected error."""
    def insert(*args, **kwargs):
        raise error

    monkeypatch.setattr(state, '_insert', insert)
    backend = storage.get_storage(conf)
    with pytest.raises(exception.StateConflict):
        backend.push_many(admin_context, [('s1', _frame(T0))],
                          expected_state={'s1': None})


def test_other_database_errors_are_not_conflicts(sqlite_db, admin_context,
                                                 conf, monkeypatch):
    def insert(*args, **kwargs):
        raise sqlalchemy.exc.OperationalError(
            'INSERT', {}, Exception(2006, 'MySQL server has gone away'))

    monkeypatch.setattr(state, '_insert', insert)
    backend = storage.get_storage(conf)
    with pytest.raises(sqlalchemy.exc.OperationalError):
        backend.push_many(admin_context, [('s1', _frame(T0))],
                          expected_state={'s1': None})
