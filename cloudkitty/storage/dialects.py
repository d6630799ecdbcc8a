"""The few SQL constructs that differ between SQLite, PostgreSQL and MariaDB.

* exact sums and additions of amounts: native ``SUM``/``+`` on servers;
  on SQLite, where amounts are decimal text, the Python functions
  ``ck_dsum``/``ck_dadd`` registered on the connection by :func:`prepare`;
* the text of one key of a JSON column (``groupby``/``metadata``);
* multi-row upserts (``ON CONFLICT`` / ``ON DUPLICATE KEY``).
"""

import decimal

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from cloudkitty.storage import bulk
from cloudkitty.storage import models

#: Context of every Python-side amount addition: sums of NUMERIC(38, 18)
#: values need more than the default 28 significant digits.
CTX = bulk.CTX
ZERO = bulk.ZERO


def _dadd(left, right):
    if left is None or right is None:
        return None
    return format(CTX.add(decimal.Decimal(left), decimal.Decimal(right)),
                  'f')


class _DecimalSum:
    """SQLite aggregate: exact sum of decimal texts (NULL when empty)."""

    def __init__(self):
        self.total = None

    def step(self, value):
        if value is None:
            return
        value = decimal.Decimal(value if isinstance(value, str)
                                else str(value))
        self.total = value if self.total is None else CTX.add(self.total,
                                                              value)

    def finalize(self):
        return None if self.total is None else format(self.total, 'f')


def prepare(session):
    """Name of the session's dialect; on SQLite, register the functions.

    NOTE(ck): registering on every call (a few microseconds) is simpler and
    safer than tracking which pooled DBAPI connections already have them.
    """
    connection = session.connection()
    name = connection.dialect.name
    if name == 'mariadb':
        name = 'mysql'
    if name == 'sqlite':
        raw = connection.connection.dbapi_connection
        raw.create_function('ck_dadd', 2, _dadd, deterministic=True)
        raw.create_aggregate('ck_dsum', 1, _DecimalSum)
        # NOTE(ck): the default page cache (2 MB) makes index inserts of a
        # few hundred thousand rows hit the disk; 64 MB per connection.
        raw.execute('PRAGMA cache_size = -65536')
    return name


#: Type of the servers' sums: their drivers return exact Decimals, which
#: SQLAlchemy then passes through untouched (a TypeDecorator would call
#: Python code twice per value: thousands of calls in a large summary).
_SERVER_SUM = sa.Numeric(60, models.AMOUNT_SCALE, asdecimal=True)


def dsum(dialect, column):
    """Exact SUM of an amount column (NULL over no row): a Decimal."""
    if dialect == 'sqlite':
        return sa.type_coerce(sa.func.ck_dsum(column), models.Amount())
    return sa.type_coerce(sa.func.sum(column), _SERVER_SUM)


def dadd(dialect, left, right):
    """Exact ``left + right`` of two amount expressions."""
    if dialect == 'sqlite':
        return sa.type_coerce(sa.func.ck_dadd(left, right), models.Amount())
    return left + right


def json_text(dialect, column, key):
    """Text of ``column[key]`` (a JSON object in a TEXT column).

    Strings come back unquoted, other values as their JSON text
    (``1.0``, ``true``); a missing key and a JSON ``null`` give NULL.
    """
    if dialect == 'postgresql':
        return sa.func.json_extract_path_text(
            sa.cast(column, postgresql.JSON), sa.literal(key, sa.Text))
    path = sa.literal('$."%s"' % key.replace('\\', '\\\\').replace('"', '\\"'),
                      sa.Text)
    if dialect == 'sqlite':
        # NOTE(ck): json_extract gives SQL values (1.0 -> REAL, true -> 1);
        # ``->`` gives the JSON text, which is what filters compare with.
        kind = sa.func.json_type(column, path)
        return sa.case(
            (kind == 'text', sa.func.json_extract(column, path)),
            (kind == 'null', sa.null()),
            else_=column.op('->')(path))
    extracted = sa.func.json_extract(column, path)
    return sa.case(
        (sa.func.json_type(extracted) == 'NULL', sa.null()),
        else_=sa.func.json_unquote(extracted))


def upsert(session, dialect, table, rows, keys, merge, cache_key=None):
    """Insert ``rows`` or, on a key conflict, update the existing row.

    :param keys: names of the conflict (primary/unique) key columns.
    :param merge: ``{column: f(existing, new) -> expression}`` for the
        columns updated on conflict.
    :param cache_key: names the (table, keys, merge) statement, which is
        built and compiled once per process and dialect (default: the
        table, key and merged column names: the same names must always
        come with the same merge expressions).
    """
    if not rows:
        return

    def build():
        # NOTE(ck): one statement executed with many parameter sets,
        # built and compiled once per process (see bulk.execute_upsert);
        # the drivers batch it (SQLite's C loop, psycopg2 execute_values
        # pages, PyMySQL's multi-row rewrite).
        if dialect == 'mysql':
            stmt = mysql.insert(table)
            return stmt.on_duplicate_key_update(
                {col: fn(table.c[col], stmt.inserted[col])
                 for col, fn in merge.items()})
        module = postgresql if dialect == 'postgresql' else sqlite
        stmt = module.insert(table)
        return stmt.on_conflict_do_update(
            index_elements=list(keys),
            set_={col: fn(table.c[col], stmt.excluded[col])
                  for col, fn in merge.items()})
    bulk.execute_upsert(session, dialect, build, rows,
                        cache_key or (table.name, tuple(keys),
                                      tuple(sorted(merge))))


def greatest(dialect, left, right):
    """The larger of two expressions of the same type."""
    if dialect == 'sqlite':
        return sa.func.max(left, right)
    return sa.func.greatest(left, right)


def normalize(value):
    """``value`` without trailing zeros and never in exponent form for
    integers (``100``, not ``1E+2``); None -> 0. Backends return amounts
    with the column scale (``1.337000000000000000``): results are given
    in this one form whatever the backend."""
    if value is None:
        return ZERO
    value = value.normalize(CTX)
    # NOTE(ck): cheaper than reading the exponent through as_tuple(). A
    # positive exponent needs a coefficient without trailing zeros times
    # 10 or more: only values of 10 or more can have one.
    if value.adjusted() > 0 and value == value.to_integral_value():
        value = value.quantize(1, context=CTX)
    return value


#: Compact, key-sorted JSON text of a point's groupby/metadata.
dumps = bulk.dumps
