"""Reprocessing schedules: table, validation rules and queries (v2 §3.6).

A schedule asks the processor to re-rate the periods of one scope whose
start lies in the closed window ``[start, end]`` and that were already
rated, with the rules in force for each period. Its progress is
``current_reprocess_time``: the start of the last period re-rated (NULL
before the first one); a finished schedule has ``current = end``.

Times are naive UTC in the database and in the API (v2 §1.7).
:func:`schedule` applies the spec's checks, in the spec's order, with its
messages; the executor lives in :mod:`cloudkitty.orchestrator.reprocess`.
"""

import dataclasses
import datetime

import sqlalchemy as sa

from cloudkitty.db import api as db_api
from cloudkitty.db import models
from cloudkitty import exception

ALL = 'ALL'
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


class ReprocessingTask(models.TimestampMixin, models.Base):
    """One schedule of one scope."""

    __tablename__ = 'reprocessing_tasks'
    __table_args__ = (
        sa.Index('reprocessing_tasks_identifier_idx', 'identifier'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    identifier = sa.Column(sa.String(255), nullable=False)
    reason = sa.Column(sa.Text, nullable=False)
    start_reprocess_time = sa.Column(sa.DateTime, nullable=False)
    end_reprocess_time = sa.Column(sa.DateTime, nullable=False)
    current_reprocess_time = sa.Column(sa.DateTime, nullable=True)


_TABLE = ReprocessingTask.__table__


@dataclasses.dataclass(frozen=True)
class Task:
    """A schedule; datetimes are aware UTC (current: None until started)."""

    id: int
    scope_id: str
    reason: str
    start: datetime.datetime
    end: datetime.datetime
    current: datetime.datetime | None

    @property
    def finished(self):
        return self.current is not None and self.current >= self.end


def _aware(value):
    if value is None:
        return None
    return value.replace(tzinfo=datetime.UTC)


def _naive(value):
    return value.astimezone(datetime.UTC).replace(tzinfo=None)


def _task(row):
    return Task(id=row.id, scope_id=row.identifier, reason=row.reason,
                start=_aware(row.start_reprocess_time),
                end=_aware(row.end_reprocess_time),
                current=_aware(row.current_reprocess_time))


class InvalidSchedule(exception.Invalid):
    """A schedule refused by one of the §3.6.1 rules (message given)."""


def _stamp(value):
    return str(value.astimezone(datetime.UTC))


def _compact(value):
    return value.astimezone(datetime.UTC).strftime('%Y-%m-%dT%H:%M:%S+0000')


def _scope_text(scope):
    # upstream prints the scope's row: {'id': 4, 'identifier': 'p2', ...}
    return str({'id': scope.row_id, 'identifier': scope.scope_id,
                'active': scope.active})


def _floor(value, period):
    seconds = int((value - EPOCH).total_seconds())
    return EPOCH + datetime.timedelta(seconds=seconds - seconds % period)


def check_window(scope_ids, start, end, reason, period):
    """Rules 1 to 4 (no database needed)."""
    if ALL in scope_ids and len(scope_ids) > 1:
        raise InvalidSchedule(
            "Cannot use 'ALL' with scope ID [%s]. Either schedule a "
            "reprocessing for all active scopes using 'ALL' option, or "
            "inform only the scopes you desire to schedule a reprocessing."
            % (scope_ids,))
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidSchedule(
            'Empty or blank reason text is not allowed. Please, do '
            'inform/register the reason for the reprocessing of a '
            'previously processed timestamp.')
    if end < start:
        # NOTE(ck): upstream prints the two values swapped [BUG-UP].
        raise InvalidSchedule(
            'End reprocessing timestamp [%s] cannot be less than start '
            'reprocessing timestamp [%s].' % (_stamp(end), _stamp(start)))
    if _floor(start, period) != start or _floor(end, period) != end:
        near_start, near_end = _floor(start, period), _floor(end, period)
        if near_start == near_end:
            near_end += datetime.timedelta(seconds=period)
        raise InvalidSchedule(
            'The provided reprocess time window does not comply with the '
            'configured collector period. A valid time window near the '
            'provided one is [%r, %r]' % (_stamp(near_start),
                                          _stamp(near_end)))


def schedule(context, scope_ids, start, end, reason, period):
    """Validate and record one schedule per selected scope (rules 1-7).

    :param scope_ids: list of ids, ``['ALL']`` or ``[]`` (every active
        scope).
    :param start: aware datetime; ``end`` likewise.
    :param period: ``[collect] period`` in seconds.
    :returns: the scope ids scheduled.
    :raises InvalidSchedule: with the spec's message.
    """
    from cloudkitty.storage import state

    check_window(scope_ids, start, end, reason, period)
    every = not scope_ids or scope_ids == [ALL]
    delta = datetime.timedelta(seconds=period)
    with db_api.context_manager.writer.using(context) as session:
        active = state.list_states(context, active=True)
        by_id = {s.scope_id: s for s in active}
        if every:
            selected = active
        else:
            missing = [sid for sid in scope_ids if sid not in by_id]
            if missing:
                raise InvalidSchedule(
                    'Scopes %s scheduled to reprocess [start=%s, end=%s] do '
                    'not exist.' % (missing, _stamp(start), _stamp(end)))
            selected = [by_id[sid] for sid in dict.fromkeys(scope_ids)]
        for scope in selected:
            stored = scope.last_processed_timestamp
            # The API's last_processed_timestamp: end of the last rated
            # period (see cloudkitty.api.v2.scope).
            lpt = stored + delta if stored is not None else None
            if lpt is None or start > lpt:
                raise InvalidSchedule(
                    'Cannot execute a reprocessing [start=%s] for scope [%s] '
                    'starting after the last possible timestamp [%s].'
                    % (_stamp(start), _scope_text(scope),
                       _stamp(lpt) if lpt else None))
            if end > lpt:
                raise InvalidSchedule(
                    'Cannot execute a reprocessing [end=%s] for scope [%s] '
                    'ending after the last possible timestamp [%s].'
                    % (_stamp(end), _scope_text(scope), _stamp(lpt)))
        ids = [s.scope_id for s in selected]
        if not ids:
            return []
        overlapping = session.execute(
            sa.select(_TABLE).where(
                _TABLE.c.identifier.in_(ids),
                _TABLE.c.start_reprocess_time <= _naive(end),
                _TABLE.c.end_reprocess_time >= _naive(start))
            .order_by(_TABLE.c.id)).first()
        if overlapping is not None:
            other = _task(overlapping)
            raise InvalidSchedule(
                'Cannot schedule a reprocessing for scope [%s] for '
                'reprocessing time [%s - %s], because it already has a '
                'schedule for a similar time range [%s - %s].'
                % (_scope_text(by_id[other.scope_id]), _compact(start),
                   _compact(end), _compact(other.start),
                   _compact(other.end)))
        now = models.utcnow()
        session.execute(_TABLE.insert(), [
            {'identifier': sid, 'reason': reason,
             'start_reprocess_time': _naive(start),
             'end_reprocess_time': _naive(end),
             'current_reprocess_time': None, 'created_at': now}
            for sid in ids])
    return ids


@db_api.context_manager.reader
def list_tasks(context, scope_ids=None, offset=0, limit=None, order='desc'):
    """Schedules (finished ones too) by creation, ``asc`` or ``desc``."""
    query = sa.select(_TABLE)
    if scope_ids:
        query = query.where(_TABLE.c.identifier.in_(list(scope_ids)))
    query = query.order_by(_TABLE.c.id.desc() if order == 'desc'
                           else _TABLE.c.id)
    if offset:
        query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [_task(row) for row in context.session.execute(query)]


@db_api.context_manager.reader
def pending(context):
    """Unfinished schedules, oldest first."""
    query = (sa.select(_TABLE)
             .where(sa.or_(_TABLE.c.current_reprocess_time.is_(None),
                           _TABLE.c.current_reprocess_time
                           < _TABLE.c.end_reprocess_time))
             .order_by(_TABLE.c.id))
    return [_task(row) for row in context.session.execute(query)]


def set_current(context, task_id, current):
    """Record progress (joins the caller's transaction, if any)."""
    with db_api.context_manager.writer.using(context) as session:
        session.execute(_TABLE.update().where(_TABLE.c.id == task_id).values(
            current_reprocess_time=_naive(current),
            updated_at=models.utcnow()))
