"""Keeping ``storage_daily`` equal to the sums of ``storage_points``.

Every write to the points goes through these helpers, inside the writer's
transaction: :class:`Deltas` accumulates what is added and removed per
(scope, day, type) bucket, :meth:`Deltas.apply` upserts the differences,
and :func:`delete_rows` removes points and keeps the rollup exact.

``max_end`` (latest period end of a bucket) only ever grows: after a
deletion it may overstate the real maximum, which only makes the query
planner read that day from the points (still exact), never the reverse.
"""

import sqlalchemy as sa

from cloudkitty.storage import dialects
from cloudkitty.storage import models
from cloudkitty.storage import window as st_window

CTX = dialects.CTX
_KEYS = ('scope_id', 'day', 'type')


class Deltas:
    """Pending changes of the daily buckets."""

    def __init__(self):
        self.buckets = {}
        self.removed = False

    def add(self, scope_id, begin, end, type_, n, qty, price):
        """Account ``n`` points (negative: removed) of one bucket."""
        key = (scope_id, begin.date(), type_)
        bucket = self.buckets.get(key)
        if bucket is None:
            self.buckets[key] = [n, qty, price, end]
            return
        bucket[0] += n
        bucket[1] = CTX.add(bucket[1], qty)
        bucket[2] = CTX.add(bucket[2], price)
        if end > bucket[3]:
            bucket[3] = end

    def remove(self, scope_id, begin, end, type_, n, qty, price):
        self.removed = True
        self.add(scope_id, begin, end, type_, -n, -qty, -price)

    def apply(self, session, dialect):
        """Upsert every bucket; drop buckets left empty by removals."""
        rows = [{'scope_id': key[0], 'day': key[1], 'type': key[2],
                 'n': b[0], 'qty': b[1], 'price': b[2], 'max_end': b[3]}
                for key, b in self.buckets.items()]
        table = models.daily
        dialects.upsert(session, dialect, table, rows, _KEYS, {
            'n': lambda old, new: old + new,
            'qty': lambda old, new: dialects.dadd(dialect, old, new),
            'price': lambda old, new: dialects.dadd(dialect, old, new),
            'max_end': lambda old, new: dialects.greatest(dialect, old, new),
        })
        if self.removed and rows:
            scopes = sorted({key[0] for key in self.buckets})
            days = sorted({key[1] for key in self.buckets})
            session.execute(table.delete().where(
                table.c.n <= 0, table.c.scope_id.in_(scopes),
                table.c.day.in_(days)))


def _scope_filter(column, scope_ids):
    return sa.true() if scope_ids is None else column.in_(list(scope_ids))


def subtract_rows(session, dialect, deltas, where):
    """Account as removed the points matching ``where`` (grouped in SQL).

    :returns: True when some points matched.
    """
    p = models.points
    query = (sa.select(p.c.scope_id, p.c.begin, p.c.type,
                       sa.func.count().label('n'),
                       sa.func.max(p.c.end).label('max_end'),
                       dialects.dsum(dialect, p.c.qty).label('qty'),
                       dialects.dsum(dialect, p.c.price).label('price'))
             .where(where)
             .group_by(p.c.scope_id, p.c.begin, p.c.type))
    found = False
    for row in session.execute(query):
        found = True
        deltas.remove(row.scope_id, row.begin, row.max_end, row.type, row.n,
                      row.qty, row.price)
    return found


def delete_rows(session, dialect, scope_ids=None, begin=None, end=None):
    """Delete points of ``scope_ids`` whose period begins in ``[begin,
    end)`` (None: unbounded) and fix the rollup; returns the count.

    Whole days inside the range lose their buckets outright; the points of
    partial days at the edges are summed and subtracted.
    """
    p, d = models.points, models.daily
    first_full = st_window.ceil_day(begin) if begin is not None else None
    end_full = st_window.floor_day(end) if end is not None else None
    if (first_full is not None and end_full is not None
            and first_full >= end_full):
        partial = [(begin, end)]
        full = None
    else:
        partial = []
        if begin is not None and st_window.day_start(first_full) > begin:
            partial.append((begin, st_window.day_start(first_full)))
        if end is not None and st_window.day_start(end_full) < end:
            partial.append((st_window.day_start(end_full), end))
        full = (first_full, end_full)
    deltas = Deltas()
    for low, high in partial:
        subtract_rows(session, dialect, deltas, sa.and_(
            _scope_filter(p.c.scope_id, scope_ids),
            p.c.begin >= low, p.c.begin < high))
    deltas.apply(session, dialect)
    if full is not None:
        conds = [_scope_filter(d.c.scope_id, scope_ids)]
        if full[0] is not None:
            conds.append(d.c.day >= full[0])
        if full[1] is not None:
            conds.append(d.c.day < full[1])
        session.execute(d.delete().where(*conds))
    conds = [_scope_filter(p.c.scope_id, scope_ids)]
    if begin is not None:
        conds.append(p.c.begin >= begin)
    if end is not None:
        conds.append(p.c.begin < end)
    return session.execute(p.delete().where(*conds)).rowcount
