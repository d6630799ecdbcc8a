"""The in-tree storage backend: SQLite, PostgreSQL, MariaDB/MySQL.

Writes (:meth:`SQLAlchemyStorage.push_many`) run in ONE transaction per
call: look up what is already stored for the pushed (scope, period) pairs,
delete it, bulk-insert the new points (``COPY`` or one ``executemany``,
see :mod:`cloudkitty.storage.bulk`), apply the
rollup differences (one multi-row upsert) and move the scopes' states (one
upsert). Nothing is visible, or changed, unless all of it commits.

Reads live in :mod:`cloudkitty.storage.queries`.
"""

from oslo_log import log

from cloudkitty.db import api as db_api
from cloudkitty import storage
from cloudkitty.storage import bulk
from cloudkitty.storage import dialects
from cloudkitty.storage import queries
from cloudkitty.storage import rollup
from cloudkitty.storage import state
from cloudkitty.storage import window as st_window

LOG = log.getLogger(__name__)


def _check_scope(scope_id):
    if not isinstance(scope_id, str) or not scope_id:
        raise storage.InvalidQuery(reason='scope_id must be a non-empty '
                                          'string, got %r' % (scope_id,))


class SQLAlchemyStorage(storage.BaseStorage):
    """Rated points in ``storage_points`` + the ``storage_daily`` rollup."""

    def __init__(self, conf):
        super().__init__(conf)
        self.scope_key = conf.collect.scope_key

    # -- writes ------------------------------------------------------------

    def push(self, context, scope_id, frame, scope_key='project_id',
             fetcher=None, collector=None, mark_empty=False,
             set_state=True):
        return self.push_many(context, [(scope_id, frame)],
                              scope_key=scope_key, fetcher=fetcher,
                              collector=collector, mark_empty=mark_empty,
                              set_state=set_state)

    def push_many(self, context, frames, scope_key='project_id',
                  fetcher=None, collector=None, mark_empty=False,
                  set_state=True, expected_state=None):
        """See :meth:`BaseStorage.push_many`; returns the stored row count."""
        pushed = []
        periods = {}
        stamps = {}
        for scope_id, frame in frames:
            _check_scope(scope_id)
            begin = frame.start.replace(tzinfo=None)
            end = frame.end.replace(tzinfo=None)
            pushed.append((scope_id, begin, end, frame.usage))
            periods.setdefault(begin, set()).add(scope_id)
            if stamps.get(scope_id) is None or stamps[scope_id] < begin:
                stamps[scope_id] = begin
        if not periods:
            return 0
        with db_api.context_manager.writer.using(context) as session:
            dialect = dialects.prepare(session)
            if set_state and expected_state is not None:
                # NOTE(ck): first, so that a second writer of the same
                # scope waits on the state row, then gives up (see claim)
                for scope_id in sorted(set(stamps) & set(expected_state)):
                    expected = expected_state[scope_id]
                    state.claim(session, scope_id, None if expected is None
                                else st_window.naive(expected),
                                stamps.pop(scope_id), scope_key, fetcher,
                                collector)
            # NOTE(ck): rows are built inside the transaction (in the
            # driver's form, which depends on the dialect) but before any
            # statement: no lock is held meanwhile.
            rows = bulk.PointRows(dialect, session.bind.dialect)
            deltas = rollup.Deltas()
            for scope_id, begin, end, usage in pushed:
                if not rows.add_frame(scope_id, begin, end, usage,
                                      deltas) and mark_empty:
                    rows.add_marker(scope_id, begin, end, deltas)
            bulk.remove_periods(session, dialect, periods, deltas)
            rows.insert(session)
            deltas.apply(session, dialect)
            if set_state and stamps:
                state.advance(session, dialect, stamps, scope_key, fetcher,
                              collector)
        return len(rows)

    def append(self, context, frames):
        with db_api.context_manager.writer.using(context) as session:
            dialect = dialects.prepare(session)
            rows = bulk.PointRows(dialect, session.bind.dialect)
            deltas = rollup.Deltas()
            for frame in frames:
                begin = frame.start.replace(tzinfo=None)
                end = frame.end.replace(tzinfo=None)
                for type_, point in frame.iterpoints():
                    # NOTE(ck): point by point, to keep the posted order as
                    # the insertion order (the v2 listing's last sort key).
                    scope_id = point.groupby.get(self.scope_key)
                    scope_id = '' if scope_id is None else str(scope_id)
                    rows.add_frame(scope_id, begin, end, {type_: [point]},
                                   deltas)
            if not len(rows):
                return 0
            rows.insert(session)
            deltas.apply(session, dialect)
        return len(rows)

    def delete(self, context, scope_ids=None, begin=None, end=None):
        begin = st_window.naive(begin, 'begin') if begin is not None else None
        end = st_window.naive(end, 'end') if end is not None else None
        with db_api.context_manager.writer.using(context) as session:
            dialect = dialects.prepare(session)
            return rollup.delete_rows(session, dialect, scope_ids, begin, end)

    def purge(self, context, before):
        count = self.delete(context, end=before)
        LOG.info('Purged %d rated rows whose period began before %s',
                 count, before)
        return count

    # -- reads -------------------------------------------------------------

    def _query(self, begin, end, window, scope_ids, types, filters,
               include_markers=False):
        return queries.Query(begin, end, window=window, scope_ids=scope_ids,
                             types=types, filters=filters,
                             scope_key=self.scope_key,
                             include_markers=include_markers)

    def total(self, context, begin, end, scope_ids=None, types=None,
              window=storage.WINDOW_V1):
        result = self.summary(context, begin, end, scope_ids=scope_ids,
                              types=types, window=window)
        return result.rows[0].price if result.rows else dialects.ZERO

    def summary(self, context, begin, end, groupby=(), filters=None,
                scope_ids=None, types=None, window=storage.WINDOW_V1,
                offset=0, limit=None, aggregates=None):
        query = self._query(begin, end, window, scope_ids, types, filters)
        with db_api.context_manager.reader.using(context) as session:
            return query.summary(session, groupby, offset, limit,
                                 aggregates=aggregates)

    def tenants(self, context, begin, end, window=storage.WINDOW_V1):
        query = self._query(begin, end, window, None, None, None,
                            include_markers=True)
        with db_api.context_manager.reader.using(context) as session:
            return query.tenants(session)

    def dataframes(self, context, begin, end, scope_ids=None, types=None,
                   filters=None, offset=0, limit=None,
                   window=storage.WINDOW_V1, order=storage.ORDER_V1):
        query = self._query(begin, end, window, scope_ids, types, filters)
        with db_api.context_manager.reader.using(context) as session:
            return query.points(session, order, offset, limit)

    def count_dataframes(self, context, begin, end, scope_ids=None,
                         types=None, filters=None, window=storage.WINDOW_V1):
        query = self._query(begin, end, window, scope_ids, types, filters)
        with db_api.context_manager.reader.using(context) as session:
            return query.count(session)

    def iter_dataframes(self, context, begin, end, scope_ids=None,
                        types=None, filters=None, window=storage.WINDOW_V1,
                        chunk=5000):
        query = self._query(begin, end, window, scope_ids, types, filters)
        after = None
        while True:
            with db_api.context_manager.reader.using(context) as session:
                page = query.points(session, storage.ORDER_V1, 0, chunk,
                                    after=after)
            yield from page
            if len(page) < chunk:
                return
            last = page[-1]
            after = (last.begin.replace(tzinfo=None), last.scope_id, last.id)
