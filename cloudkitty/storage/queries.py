"""Read side of the SQL backend: windows, filters, rollup/points planning.

A :class:`Query` holds one request's window and filters. Sums are read
from two sources and added up in Python (exact decimals):

* ``storage_monthly`` for the whole UTC months, and ``storage_daily`` for
  the other whole UTC days, inside the window whose buckets are known to be
  entirely in it;
* ``storage_points`` for the rest (window edges, days the rollup cannot
  vouch for, and any query the rollup cannot answer: filters or groupings
  on other attributes than the type and the scope, or ``time`` grouping).

Why a day is usable: the rollup buckets points by the UTC day of their
period begin. For the v2 rule (``begin <= row.begin < end``) every day
``D`` with ``begin <= D`` and ``D + 1 day <= end`` is entirely in. For the
v1 rule (row begin **and** end in ``[begin, end]``) the bucket's
``max_end`` must also be ``<= end``; the first day failing that (a period
crossing the end of the window) and every later day are read from the
points.
"""

import datetime
import decimal
import json
import operator

import sqlalchemy as sa

from cloudkitty import storage
from cloudkitty.storage import dialects
from cloudkitty.storage import models
from cloudkitty.storage import rollup
from cloudkitty.storage import window as st_window

CTX = dialects.CTX
P = models.points
D = models.daily
M = models.monthly


def _values(value):
    if isinstance(value, list | tuple | set | frozenset):
        return [str(v) for v in value]
    return [str(value)]


def _point(row):
    return storage.RatedPoint(
        id=row.id, scope_id=row.scope_id,
        begin=st_window.aware(row.begin), end=st_window.aware(row.end),
        type=row.type, unit=row.unit, qty=dialects.normalize(row.qty),
        price=dialects.normalize(row.price),
        groupby=json.loads(row.groupby) if row.groupby else {},
        metadata=json.loads(row.metadata) if row.metadata else {})


_MEAN_QUANTUM = decimal.Decimal(1).scaleb(-models.AMOUNT_SCALE)


class _Aggregate:
    """Running aggregates of one summary group over ``qty`` and
    ``price`` (index 0 and 1 of each pair)."""

    __slots__ = ('count', 'sums', 'highs', 'lows', 'first', 'last')

    def __init__(self):
        self.count = 0
        self.sums = [dialects.ZERO, dialects.ZERO]
        self.highs = [None, None]
        self.lows = [None, None]
        self.first = self.last = None

    def add(self, begin, row_id, qty, price):
        self.count += 1
        order = (begin, row_id)
        for n, value in enumerate((qty, price)):
            if value is None:
                continue
            self.sums[n] = CTX.add(self.sums[n], value)
            if self.highs[n] is None or value > self.highs[n]:
                self.highs[n] = value
            if self.lows[n] is None or value < self.lows[n]:
                self.lows[n] = value
        if self.first is None or order < self.first[0]:
            self.first = (order, qty, price)
        if self.last is None or order > self.last[0]:
            self.last = (order, qty, price)

    def value(self, func, field):
        n = storage.AGGREGATED_FIELDS.index(field)
        if func == 'COUNT':
            return self.count
        if func == 'SUM':
            value = self.sums[n]
        elif func == 'MAX':
            value = self.highs[n]
        elif func == 'MIN':
            value = self.lows[n]
        elif func == 'MEAN':
            value = CTX.divide(self.sums[n], self.count).quantize(
                _MEAN_QUANTUM, context=CTX)
        elif func == 'FIRST':
            value = self.first[1 + n]
        elif func == 'LAST':
            value = self.last[1 + n]
        else:
            raise storage.InvalidQuery(reason='unknown aggregate %r'
                                       % (func,))
        return dialects.normalize(value)

    def values(self, aggregates):
        return tuple(self.value(func, field) for func, field in aggregates)


def _page(groups, offset, limit):
    """``(total, [(key, value)...])``: the groups sorted by key, then
    paged.

    NOTE(ck): group values are strings (NULLs became ''), then the period
    datetimes: plain tuple order is the spec's order.
    """
    ordered = sorted(groups.items(), key=operator.itemgetter(0))
    ordered = ordered[offset or 0:]
    if limit is not None:
        ordered = ordered[:limit]
    return len(groups), ordered


class Query:
    """One query's window and filters (see the module docstring).

    :param filters: key -> value or list of values.
    :raises cloudkitty.storage.InvalidDate: malformed begin/end.
    :raises cloudkitty.storage.InvalidQuery: unknown window.
    """

    def __init__(self, begin, end, window=storage.WINDOW_V1, scope_ids=None,
                 types=None, filters=None, scope_key='project_id',
                 include_markers=False):
        if window not in storage.WINDOWS:
            raise storage.InvalidQuery(reason='unknown window %r' % (window,))
        self.begin, self.end = st_window.window(begin, end)
        self.window = window
        self.scope_key = scope_key
        self.scopes = None if scope_ids is None else _values(scope_ids)
        self.types = None if types is None else _values(types)
        self.attrs = {}
        for key, value in (filters or {}).items():
            values = _values(value)
            if key == 'type':
                self.types = self._narrow(self.types, values)
            elif key in ('scope_id', scope_key):
                self.scopes = self._narrow(self.scopes, values)
            else:
                self.attrs[key] = values
        self.include_markers = include_markers or (
            self.types is not None and storage.NO_DATA_TYPE in self.types)

    @staticmethod
    def _narrow(current, values):
        return values if current is None else [v for v in current
                                               if v in values]

    @property
    def empty(self):
        return self.scopes == [] or self.types == []

    # -- predicates ----------------------------------------------------------

    def _common(self, table):
        conds = []
        if self.scopes is not None:
            conds.append(table.c.scope_id.in_(self.scopes))
        if self.types is not None:
            conds.append(table.c.type.in_(self.types))
        if not self.include_markers:
            conds.append(table.c.type != storage.NO_DATA_TYPE)
        return conds

    def _begin_range(self, low, high):
        """Point periods beginning in ``[low, high)``, or ``[low, high]``
        when ``high`` is the end of a v1 window."""
        if high is self.end and self.window == storage.WINDOW_V1:
            return sa.and_(P.c.begin >= low, P.c.begin <= high)
        return sa.and_(P.c.begin >= low, P.c.begin < high)

    def _point_conds(self, dialect, days=None):
        """Conditions on the points; ``days`` = ``(first, end)`` days
        answered by the rollup, excluded here.

        NOTE(ck): the begin ranges are spelled out (not "window AND NOT
        rollup days") so that the (begin, end) index bounds the scan to
        the window edges.
        """
        if days is None:
            conds = [self._begin_range(self.begin, self.end)]
        else:
            conds = [sa.or_(
                self._begin_range(self.begin, st_window.day_start(days[0])),
                self._begin_range(st_window.day_start(days[1]), self.end))]
        if self.window == storage.WINDOW_V1:
            conds.append(P.c.end <= self.end)
        conds.extend(self._common(P))
        for key, values in self.attrs.items():
            conds.append(sa.or_(
                dialects.json_text(dialect, P.c.groupby, key).in_(values),
                dialects.json_text(dialect, P.c.metadata, key).in_(values)))
        return conds

    def _rollup(self, session, names, aggregates, usable):
        """Run the rollup part of a query.

        Whole months inside the rollup days are read from
        ``storage_monthly``, the other days from ``storage_daily``.

        :param names: group columns (``scope_id``, ``type``).
        :param aggregates: ``f(table) -> [aggregate expressions]``.
        :returns: ``(rows, days)``; rows hold the group columns then the
            aggregates; ``days`` = ``(first, end)`` days the rows cover,
            None (and no rows) when the rollup cannot help.

        NOTE(ck): for the v1 rule, the first day whose bucket ends after
        the window is found by an extra aggregate of the same queries; in
        the rare case there is one, the queries run again without the
        days from it on (they are read from the points).
        """
        if not usable or self.attrs:
            return [], None
        first = st_window.ceil_day(self.begin)
        last = st_window.floor_day(self.end)
        check = self.window == storage.WINDOW_V1
        while first < last:
            month_lo = (first if first.day == 1
                        else rollup.next_month(rollup.month_of(first)))
            month_hi = rollup.month_of(last)
            if month_lo < month_hi:
                parts = [(M, [sa.and_(M.c.day >= month_lo,
                                      M.c.day < month_hi)]),
                         (D, [sa.or_(
                             sa.and_(D.c.day >= first, D.c.day < month_lo),
                             sa.and_(D.c.day >= month_hi, D.c.day < last))])]
            else:
                parts = [(D, [D.c.day >= first, D.c.day < last])]
            rows, bad = [], []
            for table, conds in parts:
                exprs = [table.c[name] for name in names]
                extra = [sa.func.min(sa.case(
                    (table.c.max_end > self.end, table.c.day)))
                ] if check else []
                query = sa.select(*exprs, *aggregates(table), *extra).where(
                    table.c.n > 0, *conds, *self._common(table))
                if exprs:
                    query = query.group_by(*exprs)
                found = session.execute(query).all()
                if check:
                    bad.extend(row[-1] for row in found
                               if row[-1] is not None)
                rows.extend(found)
            if not bad:
                return rows, (first, last)
            last = min(datetime.date.fromisoformat(b) if isinstance(b, str)
                       else b for b in bad)
        return [], None

    # -- summary -------------------------------------------------------

    def _group_columns(self, dialect, groupby):
        """``[(column name or None, points expr, rollup expr or None)]``."""
        groups = []
        seen = set()
        for key in groupby or ():
            if key in seen:
                continue
            seen.add(key)
            if key == 'type':
                groups.append(('type', P.c.type, 'type'))
            elif key in ('scope_id', self.scope_key):
                groups.append((key, P.c.scope_id, 'scope_id'))
            elif key == 'time':
                groups.append((None, None, None))
            else:
                if key.startswith('time-') and key.count('-') == 1:
                    if key not in storage.TIME_KEYS:
                        raise storage.InvalidGroupBy(key=key)
                    key = storage.TIME_KEYS[key]
                expr = sa.func.coalesce(
                    dialects.json_text(dialect, P.c.groupby, key), '')
                groups.append((key, expr, None))
        return groups

    def summary(self, session, groupby=(), offset=0, limit=None,
                aggregates=None):
        """:class:`cloudkitty.storage.Summary` of this query
        (``aggregates``: see :meth:`cloudkitty.storage.BaseStorage.summary`).
        """
        dialect = dialects.prepare(session)
        groups = self._group_columns(dialect, groupby)
        by_time = any(name is None for name, _, _ in groups)
        columns = [name for name, _, _ in groups if name is not None]
        if self.empty:
            return storage.Summary(0, columns, [])
        keyed = [(n, p, r) for n, p, r in groups if n is not None]
        if aggregates and any(func != 'SUM' for func, _ in aggregates):
            return self._aggregated(session, dialect, keyed, by_time,
                                    aggregates, offset, limit)
        usable = not by_time and all(r is not None for _, _, r in groups)
        width = len(keyed)
        sums = {}

        def _add(rows, size):
            zero, add, get = dialects.ZERO, CTX.add, sums.get
            for row in rows:
                if not row[size]:
                    continue
                key = row[:size]
                if None in key:
                    key = tuple('' if v is None else v for v in key)
                # NOTE(ck): "is None", not "or": Decimal zero is falsy
                qty = row[size + 1]
                price = row[size + 2]
                if qty is None:
                    qty = zero
                if price is None:
                    price = zero
                entry = get(key)
                # NOTE(ck): tuples, not lists: the garbage collector stops
                # tracking tuples of strings and decimals, and a summary may
                # hold thousands of groups.
                sums[key] = ((qty, price) if entry is None else
                             (add(entry[0], qty), add(entry[1], price)))

        # NOTE(ck): COUNT of the buckets, not SUM(n): only buckets with
        # points are read (n > 0), and the servers' SUM of an integer is a
        # NUMERIC (a Decimal per row to build and throw away).
        rollup_rows, days = self._rollup(
            session, [r for _, _, r in keyed],
            lambda t: [sa.func.count(), dialects.dsum(dialect, t.c.qty),
                       dialects.dsum(dialect, t.c.price)], usable)
        _add(rollup_rows, width)
        exprs = [p for _, p, _ in keyed] + (
            [P.c.begin, P.c.end] if by_time else [])
        query = sa.select(*exprs, sa.func.count(),
                          dialects.dsum(dialect, P.c.qty),
                          dialects.dsum(dialect, P.c.price)).where(
            *self._point_conds(dialect, days))
        if exprs:
            query = query.group_by(*exprs)
        _add(session.execute(query).all(), len(exprs))
        total, ordered = _page(sums, offset, limit)
        rows = self._summary_rows(ordered, [name for name, _, _ in keyed],
                                  by_time)
        if aggregates:
            # only sums were asked: each value is the row's qty or price
            rows = [row._replace(values=tuple(
                row.qty if field == 'qty' else row.price
                for _, field in aggregates)) for row in rows]
        return storage.Summary(total, columns, rows)

    def _aggregated(self, session, dialect, keyed, by_time, aggregates,
                    offset, limit):
        """The summary with ``aggregates`` other than sums: read from the
        points alone (the rollup only holds sums), one pass over them in
        Python, so that every function is exact and the same on every
        database (SQLite keeps amounts as text, on which ``MAX`` would
        compare characters)."""
        exprs = [p for _, p, _ in keyed] + (
            [P.c.begin, P.c.end] if by_time else [])
        width = len(exprs)
        query = sa.select(*exprs, P.c.begin, P.c.id, P.c.qty,
                          P.c.price).where(*self._point_conds(dialect))
        states = {}
        get = states.get
        rows = session.execute(query.execution_options(yield_per=5000))
        for row in rows:
            key = row[:width]
            if None in key:
                key = tuple('' if v is None else v for v in key)
            state = get(key)
            if state is None:
                state = states[key] = _Aggregate()
            state.add(row[width], row[width + 1], row[width + 2],
                      row[width + 3])
        total, ordered = _page(states, offset, limit)
        names = [name for name, _, _ in keyed]
        rows = self._summary_rows(
            [(key, state.sums) for key, state in ordered], names, by_time)
        return storage.Summary(total, names, [
            row._replace(values=state.values(aggregates))
            for row, (_, state) in zip(rows, ordered, strict=True)])

    def _summary_rows(self, ordered, names, by_time):
        """:class:`cloudkitty.storage.SummaryRow` of each ``(key, (qty,
        price))`` of ``ordered``.

        NOTE(ck): a summary over scopes x types may return thousands of
        rows: the loop builds them with as few calls as possible (the
        named tuple through ``tuple.__new__``, the groups as a literal for
        one or two keys).
        """
        width = len(names)
        begin, end = st_window.aware(self.begin), st_window.aware(self.end)
        normalize = dialects.normalize
        new = tuple.__new__
        cls = storage.SummaryRow
        rows = []
        append = rows.append
        for key, (qty, price) in ordered:
            if by_time:
                begin = st_window.aware(key[width])
                end = st_window.aware(key[width + 1])
            if width == 2:
                groups = {names[0]: key[0], names[1]: key[1]}
            elif width == 1:
                groups = {names[0]: key[0]}
            else:
                groups = dict(zip(names, key[:width], strict=True))
            append(new(cls, (begin, end, normalize(qty), normalize(price),
                             groups, ())))
        return rows

    # -- tenants, points ------------------------------------------------

    def tenants(self, session):
        """Sorted scope ids having rows in the window."""
        dialect = dialects.prepare(session)
        rows, days = self._rollup(session, ['scope_id'], lambda t: [],
                                  True)
        found = {row[0] for row in rows}
        found.update(session.execute(
            sa.select(P.c.scope_id).where(*self._point_conds(dialect, days))
            .distinct()).scalars())
        return sorted(found)

    def count(self, session):
        if self.empty:
            return 0
        dialect = dialects.prepare(session)
        return session.execute(sa.select(sa.func.count()).select_from(P).where(
            *self._point_conds(dialect))).scalar()

    def points(self, session, order=storage.ORDER_V1, offset=0, limit=None,
               after=None):
        """Page of :class:`cloudkitty.storage.RatedPoint`.

        :param after: ``(begin, scope_id, id)`` keyset (v1 order only).
        """
        if self.empty:
            return []
        dialect = dialects.prepare(session)
        conds = self._point_conds(dialect)
        if order == storage.ORDER_V2:
            sort = (P.c.begin, P.c.type, P.c.id)
        else:
            sort = (P.c.begin, P.c.scope_id, P.c.id)
        if after is not None:
            conds.append(sa.tuple_(*sort) > sa.tuple_(*after))
        query = sa.select(P).where(*conds).order_by(*sort)
        if offset:
            query = query.offset(offset)
        if limit is not None:
            query = query.limit(limit)
        return [_point(row) for row in session.execute(query)]
