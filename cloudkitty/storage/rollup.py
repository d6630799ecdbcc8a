"""Keeping the rollups equal to the sums of ``storage_points``.

Two rollup levels exist, with the same columns: ``storage_daily`` (per
scope, UTC day of the period begin, type) and ``storage_monthly`` (per
scope, UTC month, type; ``day`` holds the first day of the month).

Every write to the points goes through these helpers, inside the writer's
transaction: :class:`Deltas` accumulates what is added and removed per
bucket, :meth:`Deltas.apply` upserts the differences on both levels, and
:func:`delete_rows` removes points and keeps both levels exact.

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
LEVELS = (models.daily, models.monthly)


def month_of(day):
    """First day of the month holding ``day`` (a date)."""
    return day.replace(day=1)


def _merge(buckets, key, n, qty, price, end):
    bucket = buckets.get(key)
    if bucket is None:
        buckets[key] = [n, qty, price, end]
        return
    bucket[0] += n
    bucket[1] = CTX.add(bucket[1], qty)
    bucket[2] = CTX.add(bucket[2], price)
    if end > bucket[3]:
        bucket[3] = end


class Deltas:
    """Pending changes of the rollup buckets, per level.

    Changes of the points are accounted per daily bucket; their months get
    them when the deltas are applied (one merge per daily bucket, not one
    per accounted group of points).
    """

    def __init__(self):
        self.daily = {}
        self.monthly = {}
        self.removed = False

    def add(self, scope_id, begin, end, type_, n, qty, price):
        """Account ``n`` points (negative: removed) of one bucket."""
        _merge(self.daily, (scope_id, begin.date(), type_), n, qty, price,
               end)

    def remove(self, scope_id, begin, end, type_, n, qty, price):
        self.removed = True
        self.add(scope_id, begin, end, type_, -n, -qty, -price)

    def remove_monthly(self, scope_id, day, end, type_, n, qty, price):
        """Subtract a whole daily bucket from its month only (the daily
        row itself is deleted by the caller)."""
        self.removed = True
        _merge(self.monthly, (scope_id, month_of(day), type_), -n, -qty,
               -price, end)

    def _levels(self):
        monthly = {key: list(bucket) for key, bucket in self.monthly.items()}
        for (scope_id, day, type_), (n, qty, price, end) in \
                self.daily.items():
            _merge(monthly, (scope_id, month_of(day), type_), n, qty, price,
                   end)
        return ((models.daily, self.daily), (models.monthly, monthly))

    def apply(self, session, dialect):
        """Upsert every bucket; drop buckets left empty by removals."""
        merge = {
            'n': lambda old, new: old + new,
            'qty': lambda old, new: dialects.dadd(dialect, old, new),
            'price': lambda old, new: dialects.dadd(dialect, old, new),
            'max_end': lambda old, new: dialects.greatest(dialect, old, new),
        }
        for table, buckets in self._levels():
            if not buckets:
                continue
            rows = [{'scope_id': key[0], 'day': key[1], 'type': key[2],
                     'n': b[0], 'qty': b[1], 'price': b[2], 'max_end': b[3]}
                    for key, b in buckets.items()]
            dialects.upsert(session, dialect, table, rows, _KEYS, merge)
            if self.removed:
                session.execute(table.delete().where(
                    table.c.n <= 0,
                    table.c.scope_id.in_(sorted({k[0] for k in buckets})),
                    table.c.day.in_(sorted({k[1] for k in buckets}))))


def _scope_filter(column, scope_ids):
    if scope_ids is None:
        return sa.true()
    if isinstance(scope_ids, str):
        scope_ids = [scope_ids]
    return column.in_(list(scope_ids))


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


def next_month(day):
    return (day.replace(year=day.year + 1, month=1) if day.month == 12
            else day.replace(month=day.month + 1))


def _drop_full_days(session, deltas, scope_ids, first, end):
    """Delete the daily buckets of days ``[first, end)`` (None: open) and
    their months' share: whole months inside the range lose their monthly
    rows outright, the other days are subtracted from their month."""
    d, m = models.daily, models.monthly
    month_lo = (first if first is None or first.day == 1
                else next_month(month_of(first)))
    month_hi = month_of(end) if end is not None else None
    whole = month_lo is None or month_hi is None or month_lo < month_hi
    if whole:
        session.execute(m.delete().where(
            *_bucket_range(m, scope_ids, month_lo, month_hi)))
        partial = [(first, month_lo), (month_hi, end)]
    else:
        partial = [(first, end)]
    for low, high in partial:
        if low is None or high is None or low >= high:
            continue
        for row in session.execute(sa.select(d).where(
                *_bucket_range(d, scope_ids, low, high))):
            deltas.remove_monthly(row.scope_id, row.day, row.max_end,
                                  row.type, row.n, row.qty, row.price)
    session.execute(d.delete().where(*_bucket_range(d, scope_ids, first,
                                                     end)))


def _bucket_range(table, scope_ids, low, high):
    """Conditions selecting the buckets of ``scope_ids`` with ``low <= day
    < high`` (None: unbounded)."""
    conds = [_scope_filter(table.c.scope_id, scope_ids)]
    if low is not None:
        conds.append(table.c.day >= low)
    if high is not None:
        conds.append(table.c.day < high)
    return conds


def delete_rows(session, dialect, scope_ids=None, begin=None, end=None):
    """Delete points of ``scope_ids`` whose period begins in ``[begin,
    end)`` (None: unbounded) and fix the rollups; returns the count.

    Whole days inside the range lose their daily buckets outright (and
    whole months their monthly ones); the points of partial days at the
    edges are summed and subtracted.
    """
    p = models.points
    first_full = st_window.ceil_day(begin) if begin is not None else None
    end_full = st_window.floor_day(end) if end is not None else None
    deltas = Deltas()
    if (first_full is not None and end_full is not None
            and first_full >= end_full):
        partial = [(begin, end)]
    else:
        partial = []
        if begin is not None and st_window.day_start(first_full) > begin:
            partial.append((begin, st_window.day_start(first_full)))
        if end is not None and st_window.day_start(end_full) < end:
            partial.append((st_window.day_start(end_full), end))
        _drop_full_days(session, deltas, scope_ids, first_full, end_full)
    for low, high in partial:
        subtract_rows(session, dialect, deltas, sa.and_(
            _scope_filter(p.c.scope_id, scope_ids),
            p.c.begin >= low, p.c.begin < high))
    deltas.apply(session, dialect)
    conds = [_scope_filter(p.c.scope_id, scope_ids)]
    if begin is not None:
        conds.append(p.c.begin >= begin)
    if end is not None:
        conds.append(p.c.begin < end)
    return session.execute(p.delete().where(*conds)).rowcount
