"""Processing state of the rated scopes (core table ``scope_state``).

``last_processed_timestamp`` is the **start** of the last period rated for
a scope (None: nothing rated yet). The storage backend moves it in the same
transaction as the rated rows (:func:`advance`), which makes rating
exactly-once per (scope, period); :func:`reset` moves it back and deletes
the rated rows it uncovers, also in one transaction.

Functions taking ``context`` open their own enginefacade transaction (or
join the caller's).
"""

import dataclasses
import datetime

import sqlalchemy as sa
from oslo_db import exception as db_exc

from cloudkitty.db import api as db_api
from cloudkitty.db import models as db_models
from cloudkitty import exception
from cloudkitty.storage import dialects
from cloudkitty.storage import rollup
from cloudkitty.storage import window as st_window

_TABLE = db_models.ScopeState.__table__


class ScopeNotFound(exception.NotFound):
    msg_fmt = 'No resource found for provided filters.'


class ScopeExists(exception.NotFound):
    # NOTE(ck): 404, not 409: what upstream answers (v2 §3.5.2), kept.
    msg_fmt = ('Cannot create a scope with an already existing scope_id: '
               '%(scope_id)s.')


@dataclasses.dataclass(frozen=True)
class ScopeState:
    """One scope's state; datetimes are aware UTC."""

    scope_id: str
    scope_key: str
    fetcher: str
    collector: str
    last_processed_timestamp: datetime.datetime
    active: bool
    scope_activation_toggle_date: datetime.datetime
    created_at: datetime.datetime
    #: the row's number (printed in reprocessing messages, as upstream)
    row_id: int | None = None


def _state(row):
    return ScopeState(
        row_id=row.id, scope_id=row.identifier, scope_key=row.scope_key,
        fetcher=row.fetcher, collector=row.collector,
        last_processed_timestamp=st_window.aware(
            row.last_processed_timestamp),
        active=bool(row.active),
        scope_activation_toggle_date=st_window.aware(
            row.scope_activation_toggle_date),
        created_at=st_window.aware(row.created_at))


def _as_list(value):
    if value is None:
        return None
    if isinstance(value, str | bool | int):
        return [value]
    return list(value)


def _filters(scope_ids=None, fetcher=None, collector=None, scope_key=None,
             active=None):
    conds = []
    for column, values in ((_TABLE.c.identifier, scope_ids),
                           (_TABLE.c.fetcher, fetcher),
                           (_TABLE.c.collector, collector),
                           (_TABLE.c.scope_key, scope_key)):
        values = _as_list(values)
        if values is not None:
            conds.append(column.in_(values))
    if active is not None:
        conds.append(_TABLE.c.active == bool(active))
    return conds


@db_api.context_manager.reader
def get_state(context, scope_id):
    """The :class:`ScopeState` of ``scope_id``, or None when unknown."""
    row = context.session.execute(
        sa.select(_TABLE).where(_TABLE.c.identifier == scope_id)).first()
    return _state(row) if row is not None else None


@db_api.context_manager.reader
def list_states(context, scope_ids=None, fetcher=None, collector=None,
                scope_key=None, active=None, offset=0, limit=None):
    """States matching every given filter (a value or a list of values,
    OR-ed), in creation order, paged."""
    query = (sa.select(_TABLE)
             .where(*_filters(scope_ids, fetcher, collector, scope_key,
                              active))
             .order_by(_TABLE.c.id))
    if offset:
        query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [_state(row) for row in context.session.execute(query)]


def _insert(session, scope_id, scope_key, fetcher, collector,
            last_processed=None, active=True):
    now = db_models.utcnow()
    session.execute(_TABLE.insert().values(
        identifier=scope_id, scope_key=scope_key or 'project_id',
        fetcher=fetcher, collector=collector,
        last_processed_timestamp=last_processed, active=active,
        scope_activation_toggle_date=now, created_at=now))


def ensure_scope(context, scope_id, scope_key='project_id', fetcher=None,
                 collector=None):
    """The scope's state, created (nothing rated, active) when missing.

    Safe against a concurrent creation of the same scope.
    """
    state = get_state(context, scope_id)
    if state is not None:
        return state
    try:
        with db_api.context_manager.writer.using(context) as session:
            _insert(session, scope_id, scope_key, fetcher, collector)
    except db_exc.DBDuplicateEntry:
        pass
    return get_state(context, scope_id)


def create_scope(context, scope_id, last_processed_timestamp,
                 scope_key='project_id', fetcher=None, collector=None,
                 active=True):
    """Create a scope state (POST /v2/scope).

    :raises ScopeExists: a state with that ``scope_id`` exists.
    """
    stamp = (st_window.naive(last_processed_timestamp,
                             'last_processed_timestamp')
             if last_processed_timestamp is not None else None)
    try:
        with db_api.context_manager.writer.using(context) as session:
            if session.execute(sa.select(_TABLE.c.id).where(
                    _TABLE.c.identifier == scope_id)).first():
                raise ScopeExists(scope_id=scope_id)
            _insert(session, scope_id, scope_key, fetcher, collector,
                    stamp, active)
    except db_exc.DBDuplicateEntry:
        raise ScopeExists(scope_id=scope_id)
    return get_state(context, scope_id)


def update_scope(context, scope_id, scope_key=None, fetcher=None,
                 collector=None, active=None):
    """Change the given attributes of one scope (PATCH /v2/scope).

    ``scope_activation_toggle_date`` moves only when ``active`` changes.

    :raises ScopeNotFound: unknown scope.
    """
    with db_api.context_manager.writer.using(context) as session:
        row = session.execute(sa.select(_TABLE).where(
            _TABLE.c.identifier == scope_id).with_for_update()).first()
        if row is None:
            raise ScopeNotFound()
        values = {key: value for key, value in (
            ('scope_key', scope_key), ('fetcher', fetcher),
            ('collector', collector)) if value is not None}
        if active is not None and bool(active) != bool(row.active):
            values['active'] = bool(active)
            values['scope_activation_toggle_date'] = db_models.utcnow()
        if values:
            values['updated_at'] = db_models.utcnow()
            session.execute(_TABLE.update().where(
                _TABLE.c.id == row.id).values(**values))
    return get_state(context, scope_id)


def set_active(context, scope_id, active):
    """Mark a scope (in)active; see :func:`update_scope`."""
    return update_scope(context, scope_id, active=active)


def reset(context, scope_ids, to, period, scope_key=None, fetcher=None,
          collector=None):
    """Re-rate the selected scopes from ``to`` on.

    Deletes their rated rows whose period begins at or after ``to`` and
    sets ``last_processed_timestamp = to - period``, so that the next
    period the processor rates is the one starting at ``to``. One
    transaction.

    :param scope_ids: scope ids, or None for every scope (``all_scopes``).
    :param period: ``[collect] period`` in seconds.
    :returns: the reset scope ids.
    :raises ScopeNotFound: no scope matches.
    """
    to = st_window.naive(to, 'last_processed_timestamp')
    with db_api.context_manager.writer.using(context) as session:
        dialect = dialects.prepare(session)
        ids = [row.identifier for row in session.execute(
            sa.select(_TABLE.c.identifier)
            .where(*_filters(scope_ids, fetcher, collector, scope_key))
            .order_by(_TABLE.c.id))]
        if not ids:
            raise ScopeNotFound()
        rollup.delete_rows(session, dialect, scope_ids=ids, begin=to)
        session.execute(_TABLE.update().where(
            _TABLE.c.identifier.in_(ids)).values(
                last_processed_timestamp=to - datetime.timedelta(
                    seconds=period),
                updated_at=db_models.utcnow()))
    return ids


def claim(session, scope_id, expected, stamp, scope_key='project_id',
          fetcher=None, collector=None):
    """Move the state of ``scope_id`` from ``expected`` to ``stamp`` (naive
    UTC), or raise :class:`~cloudkitty.exception.StateConflict` when it is
    no longer ``expected`` (None: no state, or nothing rated yet).

    The first statement of the storage writer's transaction: the update
    locks the state row until the transaction ends (a second writer waits
    for it, then finds the new value and gives up), so two processors that
    both believe they hold a scope can never both store its periods.
    """
    now = db_models.utcnow()
    column = _TABLE.c.last_processed_timestamp
    moved = session.execute(
        _TABLE.update()
        .where(_TABLE.c.identifier == scope_id,
               column.is_(None) if expected is None else column == expected)
        .values(last_processed_timestamp=stamp, updated_at=now))
    if moved.rowcount == 1:
        return
    if expected is None:
        try:
            _insert(session, scope_id, scope_key, fetcher, collector,
                    last_processed=stamp)
            return
        except (db_exc.DBDuplicateEntry, db_exc.DBDeadlock,
                sa.exc.IntegrityError):
            # NOTE(ck): created meanwhile (MariaDB may also pick one of two
            # concurrent inserts of the row as a deadlock victim); the
            # transaction is lost anyway
            pass
        except sa.exc.OperationalError as err:
            if not _is_deadlock(err):
                raise
    raise exception.StateConflict(scope_id=scope_id, expected=expected)


def _is_deadlock(err):
    """A MySQL/MariaDB deadlock (1213) or lock wait timeout (1205) not
    translated by oslo.db (engines built without its filters)."""
    code = getattr(err.orig, 'args', (None,))[:1]
    return code in ((1213,), (1205,))


def advance(session, dialect, stamps, scope_key='project_id', fetcher=None,
            collector=None):
    """Set ``last_processed_timestamp`` of each scope of ``stamps``
    (scope id -> naive UTC period start), creating missing states. Runs in
    the caller's (storage writer's) transaction."""
    now = db_models.utcnow()
    rows = [{'identifier': scope_id, 'scope_key': scope_key or 'project_id',
             'fetcher': fetcher, 'collector': collector,
             'last_processed_timestamp': stamp, 'active': True,
             'scope_activation_toggle_date': now, 'created_at': now,
             'updated_at': now}
            for scope_id, stamp in sorted(stamps.items())]
    dialects.upsert(session, dialect, _TABLE, rows, ('identifier',), {
        'last_processed_timestamp': lambda old, new: new,
        'updated_at': lambda old, new: new,
    })
