"""Fast paths of the write hot spot: building and bulk-inserting points,
bulk upserts.

The ORM/Core layer costs more per row than the database itself at tens of
thousands of rows per second (parameter processing of every row), so the
statements a push runs per row or per bucket go to the DBAPI cursor of the
session's own connection -- inside the same transaction:

* points: :class:`PointRows` turns frames straight into what the driver
  takes (the ``COPY ... FROM STDIN`` text on PostgreSQL; parameter tuples
  of one prepared INSERT given to ``executemany`` on SQLite -- a C loop --
  and MariaDB, where PyMySQL rewrites it into multi-row INSERTs);
* upserts (rollup, scope states): the SQLAlchemy statement built and
  compiled once per process, then ``execute_values`` pages on PostgreSQL
  (psycopg2's executemany would run one round trip per row); plain
  ``executemany`` elsewhere.
"""

import decimal
import io
import json

import sqlalchemy as sa

from cloudkitty import storage
from cloudkitty.storage import models

#: Column order of the rows of ``storage_points`` written by
#: :class:`PointRows`.
POINT_COLUMNS = ('scope_id', 'begin', 'end', 'type', 'unit', 'qty', 'price',
                 'groupby', 'metadata')

_COPY = 'COPY storage_points (%s) FROM STDIN' % ', '.join(
    '"%s"' % c for c in POINT_COLUMNS)
_INSERT_SQLITE = 'INSERT INTO storage_points (%s) VALUES (%s)' % (
    ', '.join('"%s"' % c for c in POINT_COLUMNS),
    ', '.join('?' for _ in POINT_COLUMNS))
_INSERT_MYSQL = 'INSERT INTO storage_points (%s) VALUES (%s)' % (
    ', '.join('`%s`' % c for c in POINT_COLUMNS),
    ', '.join('%s' for _ in POINT_COLUMNS))
_COPY_ESCAPES = str.maketrans({'\\': '\\\\', '\t': '\\t', '\n': '\\n',
                               '\r': '\\r'})

_QUANTUM = decimal.Decimal(1).scaleb(-models.AMOUNT_SCALE)
_INT_DIGITS = models.AMOUNT_PRECISION - models.AMOUNT_SCALE
#: Decimal arithmetic of the amounts added up while building rows (see
#: :data:`cloudkitty.storage.dialects.CTX`, which imports this module).
CTX = decimal.Context(prec=100, rounding=decimal.ROUND_HALF_EVEN)
ZERO = decimal.Decimal(0)


def amount(value, name):
    """``(value, text)``: ``value`` at the column scale (half-even) and its
    fixed-point text; exact values are kept as given.

    :raises cloudkitty.storage.InvalidAmount: not a finite number, or more
        than 20 integer digits.
    """
    if not value.is_finite() or (value and value.adjusted() >= _INT_DIGITS):
        raise storage.InvalidAmount(name=name, value=value)
    rounded = value.quantize(_QUANTUM, context=CTX)
    if rounded != value:
        if rounded and rounded.adjusted() >= _INT_DIGITS:
            raise storage.InvalidAmount(name=name, value=value)
        value = rounded
    return value, format(value, 'f')


def checked_amount(value, name):
    """:func:`amount`, with a shortcut for the usual values.

    NOTE(ck): ``str()`` of a Decimal that is a plain non-negative integer
    of at most 20 digits, or a fixed-point number with at most 20 integer
    and 18 fractional digits (the column's scale), is already the stored
    text of an exact value: only other texts need the exact path.
    """
    text = str(value)
    dot = text.find('.')
    if (not (text.isdigit() and len(text) < 21) if dot < 0 else
            (dot > 20 or len(text) - dot > 19 or 'E' in text)):
        return amount(value, name)
    return value, text


def _json_default(value):
    if isinstance(value, decimal.Decimal):
        as_float = float(value)
        # NOTE(ck): keep numbers numbers when the float is exact enough to
        # give the same text back; otherwise the exact text.
        if decimal.Decimal(repr(as_float)) == value:
            return as_float
        return str(value)
    return str(value)


# NOTE(ck): one encoder for every call; json.dumps() with options builds a
# new encoder each time, a visible cost at tens of thousands of rows/s.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(',', ':'),
                            default=_json_default)
# NOTE(ck): JSONEncoder.encode() still builds the C encoder on every call
# (a third of the time of a small mapping): build it once, with the same
# options (ASCII output, sorted keys, compact separators). Attribute maps
# are flat and never circular: no reference tracking.
_C_ENCODER = (json.encoder.c_make_encoder(
    None, _json_default, json.encoder.encode_basestring_ascii, None, ':',
    ',', True, False, True) if json.encoder.c_make_encoder else None)


def dumps(mapping):
    """Compact, key-sorted JSON text of a point's groupby/metadata."""
    if _C_ENCODER is None:
        return _ENCODER.encode(dict(mapping))
    return ''.join(_C_ENCODER(dict(mapping), 0))


# NOTE(ck): the checks of the hot loop below, spelled out. str() of a
# Decimal is its fixed-point text unless it uses an exponent ("E"); it is
# three times cheaper than format(value, 'f'). A text is stored as is when
# it is a plain integer of at most 20 digits, or has at most 18 fractional
# digits and at most 20 characters before the point (20 digits, or a sign
# and 19): within the column's range and scale. Anything else (exponent,
# negative integer, longer text, NaN) goes to amount(), which decides.


class PointRows:
    """The ``storage_points`` rows of one write, in the driver's form.

    :param dialect: ``sqlite``, ``postgresql`` or ``mysql``.
    :param sa_dialect: the SQLAlchemy dialect of the connection.

    A point's ``groupby`` and ``metadata`` mappings are JSON-encoded once
    per distinct mapping object: collectors hand out one shared read-only
    mapping per resource (:class:`cloudkitty.dataframe.MappingInterner`),
    so the points of a resource in every period of a write encode their
    attributes once. The mappings are kept referenced until the write ends
    (their ``id`` is the memo key).
    """

    def __init__(self, dialect, sa_dialect):
        self.dialect = dialect
        self.count = 0
        #: the rows so far: COPY text lines on PostgreSQL, parameter
        #: tuples elsewhere (columns in :data:`POINT_COLUMNS` order)
        self.items = []
        self._texts = {}
        self._kept = []
        self._stamps = {}
        if dialect == 'sqlite':
            self._stamp = sa.DateTime().dialect_impl(
                sa_dialect).bind_processor(sa_dialect)
        else:
            self._stamp = str if dialect == 'postgresql' else None
        self._escape = dialect == 'postgresql'

    def __len__(self):
        return self.count

    def _encode(self, mapping):
        text = dumps(mapping)
        if self._escape:
            text = text.translate(_COPY_ESCAPES)
        self._texts[id(mapping)] = text
        self._kept.append(mapping)
        return text

    def _period(self, value):
        if self._stamp is None:
            return value
        text = self._stamps.get(value)
        if text is None:
            text = self._stamps[value] = self._stamp(value)
        return text

    def add_frame(self, scope_id, begin, end, usage, deltas):
        """Add the points of ``usage`` (type -> points) of one (scope,
        period) and account them in ``deltas``
        (:class:`cloudkitty.storage.rollup.Deltas`); returns their count.

        ``begin``/``end`` are naive UTC datetimes.

        :raises cloudkitty.storage.InvalidAmount: see :func:`amount`.
        """
        pg = self.dialect == 'postgresql'
        texts = self._texts
        encode = self._encode
        items = self.items
        append = items.append
        start = len(items)
        period = (self._period(begin), self._period(end))
        if pg:
            escape = _COPY_ESCAPES
            head = '%s\t%s\t%s\t' % (scope_id.translate(escape), *period)
        with decimal.localcontext(CTX):
            for type_, points in usage.items():
                if not points:
                    continue
                qty_sum = price_sum = ZERO
                if pg:
                    prefixes = {}
                    typed = head + type_.translate(escape) + '\t'
                else:
                    row_head = (scope_id, *period, type_)
                for point in points:
                    qty, qty_text = checked_amount(point.qty, 'qty')
                    price, price_text = checked_amount(point.price,
                                                       'price')
                    qty_sum += qty
                    price_sum += price
                    mapping = point.groupby
                    groupby = texts.get(id(mapping)) or encode(mapping)
                    mapping = point.metadata
                    metadata = texts.get(id(mapping)) or encode(mapping)
                    if pg:
                        unit = point.unit
                        prefix = prefixes.get(unit)
                        if prefix is None:
                            prefix = prefixes[unit] = (
                                typed + unit.translate(escape) + '\t')
                        append('%s%s\t%s\t%s\t%s\n' % (
                            prefix, qty_text, price_text, groupby, metadata))
                    else:
                        append((*row_head, point.unit, qty_text, price_text,
                                groupby, metadata))
                deltas.add(scope_id, begin, end, type_, len(points),
                           qty_sum, price_sum)
        count = len(items) - start
        self.count += count
        return count

    def add_marker(self, scope_id, begin, end, deltas):
        """The ``_NO_DATA_`` row of a period whose points were all
        filtered away."""
        self.add_frame(scope_id, begin, end, {storage.NO_DATA_TYPE: [
            _Marker]}, deltas)

    def insert(self, session):
        """Insert the rows in the session's transaction."""
        if not self.items:
            return
        cursor = _cursor(session)
        try:
            if self.dialect == 'postgresql':
                cursor.copy_expert(_COPY, io.StringIO(''.join(self.items)),
                                   size=1 << 20)
            elif self.dialect == 'sqlite':
                cursor.executemany(_INSERT_SQLITE, self.items)
            else:
                cursor.executemany(_INSERT_MYSQL, self.items)
        finally:
            cursor.close()


class _Marker:
    """The point of a ``_NO_DATA_`` row."""

    unit = 'None'
    qty = price = ZERO
    groupby = metadata = {}


def _cursor(session):
    return session.connection().connection.dbapi_connection.cursor()


#: (cache key, columns, dialect) -> how to run an upsert (see below).
_PLANS = {}


def _plan(session, build, columns, cache_key):
    """Compile the statement ``build()`` once per (cache key, columns,
    dialect): building an INSERT ... ON CONFLICT with SQLAlchemy (its
    ``excluded`` alias copies every column) costs about a millisecond."""
    dialect = session.bind.dialect
    key = (cache_key, columns, dialect.name)
    plan = _PLANS.get(key)
    if plan is not None:
        return plan
    stmt = build()
    stmt = stmt.values({c: sa.bindparam(c) for c in columns})
    if dialect.name == 'postgresql':
        compiled = str(stmt.compile(dialect=dialect))
        values = 'VALUES (%s)' % ', '.join('%%(%s)s' % c for c in columns)
        sql = compiled.replace(values, 'VALUES %s')
        if values not in compiled or '%(' in sql:
            # NOTE(ck): execute_values needs the rows as the only
            # placeholder; merge expressions must not bind parameters.
            raise RuntimeError('unexpected upsert SQL: %s' % compiled)
        template = '(%s)' % ', '.join('%%(%s)s' % c for c in columns)
        plan = (sql, template, None)
    else:
        compiled = stmt.compile(dialect=dialect)
        names = compiled.positiontup if compiled.positional else columns
        if sorted(names) != sorted(columns):
            raise RuntimeError('unexpected upsert SQL: %s' % compiled.string)
        table = stmt.table
        # NOTE(ck): (column, processor, repeats) in placeholder order;
        # dates and datetimes repeat across the rows of a write (days,
        # period ends): their conversions are memoised.
        order = []
        for name in names:
            type_ = table.c[name].type
            order.append((name, type_.dialect_impl(dialect).bind_processor(
                dialect), isinstance(type_, sa.Date | sa.DateTime)))
        plan = (compiled.string, tuple(order),
                None if compiled.positional else tuple(names))
    _PLANS[key] = plan
    return plan


def execute_upsert(session, dialect, build, rows, cache_key):
    """Run the single-row upsert statement ``build()`` (cached under
    ``cache_key``) for every dict of ``rows`` (all with the same keys)."""
    columns = tuple(rows[0])
    sql, extra, named = _plan(session, build, columns, cache_key)
    cursor = _cursor(session)
    try:
        if dialect == 'postgresql':
            from psycopg2 import extras
            extras.execute_values(cursor, sql, rows, template=extra,
                                  page_size=1000)
            return
        values = []
        for name, process, repeats in extra:
            column = [row[name] for row in rows]
            if process is not None:
                if repeats:
                    memo = {v: process(v) for v in set(column)}
                    column = [memo[v] for v in column]
                else:
                    column = list(map(process, column))
            values.append(column)
        params = zip(*values, strict=True)
        if named:
            params = (dict(zip(named, p, strict=True)) for p in params)
        cursor.executemany(sql, list(params))
    finally:
        cursor.close()


_REPLACED_SQL = {
    'sqlite': ('"%s"', '?', 'ck_dsum'),
    'postgresql': ('"%s"', '%s', 'SUM'),
    'mysql': ('`%s`', '%s', 'SUM'),
}


def _periods_where(dialect, sa_dialect, periods):
    """``WHERE`` text and parameters of the points of the pushed
    ``{naive begin: {scope ids}}`` periods.

    NOTE(ck): periods sharing the same scopes make one ``scope_id IN (..)
    AND begin IN (..)`` term (exact: every pair of the product is pushed);
    a write pushes one scope's periods (processor) or one period of many
    scopes: one term. Both columns lead the (scope_id, begin) index.
    """
    quote, mark, _ = _REPLACED_SQL[dialect]
    stamp = (sa.DateTime().dialect_impl(sa_dialect).bind_processor(
        sa_dialect) if dialect == 'sqlite' else None) or (lambda v: v)
    groups = {}
    for begin, scopes in periods.items():
        groups.setdefault(frozenset(scopes), []).append(begin)
    terms, params = [], []
    for begins, scopes in sorted((sorted(b), sorted(s))
                                 for s, b in groups.items()):
        terms.append('(scope_id IN (%s) AND %s IN (%s))' % (
            ', '.join([mark] * len(scopes)), quote % 'begin',
            ', '.join([mark] * len(begins))))
        params.extend(scopes)
        params.extend(stamp(b) for b in begins)
    return ' OR '.join(terms), params


def remove_periods(session, dialect, periods, deltas):
    """Delete the stored points of the pushed ``{naive begin: {scope
    ids}}`` periods and account them as removed in ``deltas``.

    The write hot path's own statements (see the module docstring): the
    sums are grouped in SQL; on PostgreSQL one ``DELETE ... RETURNING``
    feeds them, elsewhere a ``SELECT`` does, followed by the ``DELETE``
    only when something matched (not on the first write of a period).

    :returns: True when points were removed.
    """
    sa_dialect = session.bind.dialect
    quote, _, dsum = _REPLACED_SQL[dialect]
    where, params = _periods_where(dialect, sa_dialect, periods)
    begin, end = quote % 'begin', quote % 'end'
    sums = ('scope_id, %s, type, COUNT(*), MAX(%s), %s(qty), %s(price)'
            % (begin, end, dsum, dsum))
    cursor = _cursor(session)
    try:
        if dialect == 'postgresql':
            # NOTE(ck): one statement (and round trip) deletes and sums.
            cursor.execute(
                'WITH gone AS (DELETE FROM storage_points WHERE %s '
                'RETURNING scope_id, %s, type, %s, qty, price) SELECT %s '
                'FROM gone GROUP BY scope_id, %s, type'
                % (where, begin, end, sums, begin), params)
            found = cursor.fetchall()
        else:
            cursor.execute(
                'SELECT %s FROM storage_points WHERE %s GROUP BY scope_id, '
                '%s, type' % (sums, where, begin), params)
            found = cursor.fetchall()
            if found:
                cursor.execute('DELETE FROM storage_points WHERE %s'
                               % where, params)
        if not found:
            return False
        if dialect == 'sqlite':
            stamp = sa.DateTime().dialect_impl(sa_dialect).result_processor(
                sa_dialect, None)
            number = decimal.Decimal
        else:
            stamp = number = None
        for scope_id, begin_at, type_, n, max_end, qty, price in found:
            if stamp is not None:
                begin_at, max_end = stamp(begin_at), stamp(max_end)
                qty, price = number(qty), number(price)
            deltas.remove(scope_id, begin_at, max_end, type_, n, qty, price)
        return True
    finally:
        cursor.close()
