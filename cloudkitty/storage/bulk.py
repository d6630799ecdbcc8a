"""Fast paths of the write hot spot: bulk insert of points, bulk upserts.

The ORM/Core layer costs more per row than the database itself at tens of
thousands of rows per second (parameter processing of every row), so the
two statements a push runs per row or per bucket go to the DBAPI cursor of
the session's own connection -- inside the same transaction:

* points: ``COPY ... FROM STDIN`` on PostgreSQL; ``executemany`` of one
  prepared INSERT on SQLite (C loop) and MariaDB (PyMySQL rewrites it into
  multi-row INSERTs);
* upserts (rollup, scope states): the SQLAlchemy statement compiled once,
  then ``execute_values`` pages on PostgreSQL (psycopg2's executemany would
  run one round trip per row); plain ``executemany`` elsewhere.
"""

import io

import sqlalchemy as sa


#: Column order of the tuples given to :func:`insert_points`.
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


def _cursor(session):
    return session.connection().connection.dbapi_connection.cursor()


def _copy_text(rows):
    """COPY text format of ``rows``.

    NOTE(ck): the rows of one frame share scope, period and type, so
    their escaped prefix is built once per frame, not once per row.
    """
    out = io.StringIO()
    write = out.write
    last_key = prefix = None
    for row in rows:
        key = row[:5]
        if key != last_key:
            last_key = key
            prefix = '\t'.join((
                row[0].translate(_COPY_ESCAPES), str(row[1]), str(row[2]),
                row[3].translate(_COPY_ESCAPES),
                row[4].translate(_COPY_ESCAPES)))
        write('%s\t%s\t%s\t%s\t%s\n' % (
            prefix, format(row[5], 'f'), format(row[6], 'f'),
            row[7].translate(_COPY_ESCAPES),
            row[8].translate(_COPY_ESCAPES)))
    out.seek(0)
    return out


def insert_points(session, dialect, rows):
    """Insert ``rows`` (tuples in :data:`POINT_COLUMNS` order) into
    ``storage_points`` in the session's transaction."""
    if not rows:
        return
    cursor = _cursor(session)
    try:
        if dialect == 'postgresql':
            cursor.copy_expert(_COPY, _copy_text(rows))
        elif dialect == 'sqlite':
            process = sa.DateTime().dialect_impl(
                session.bind.dialect).bind_processor(session.bind.dialect)
            stamps = {}

            def stamp(value):
                # NOTE(ck): the rows of a frame share their period
                text = stamps.get(value)
                if text is None:
                    text = stamps[value] = process(value)
                return text
            cursor.executemany(_INSERT_SQLITE, [
                (r[0], stamp(r[1]), stamp(r[2]), r[3], r[4],
                 format(r[5], 'f'), format(r[6], 'f'), r[7], r[8])
                for r in rows])
        else:
            cursor.executemany(_INSERT_MYSQL, rows)
    finally:
        cursor.close()


_COMPILED = {}


def _executemany(session, stmt, rows, cache_key):
    """``executemany`` of the compiled ``stmt`` on the DBAPI cursor, with
    the columns' own bind processors applied (SQLite, MariaDB)."""
    dialect = session.bind.dialect
    columns = list(rows[0])
    key = (cache_key, tuple(columns), dialect.name)
    plan = _COMPILED.get(key)
    if plan is None:
        compiled = stmt.values({c: sa.bindparam(c) for c in columns}).compile(
            dialect=dialect)
        table = stmt.table
        processors = {c: table.c[c].type.dialect_impl(dialect)
                      .bind_processor(dialect) for c in columns}
        names = compiled.positiontup if compiled.positional else None
        plan = _COMPILED[key] = (compiled.string, processors, names)
    sql, processors, names = plan
    params = []
    for row in rows:
        values = {c: (p(row[c]) if p is not None else row[c])
                  for c, p in processors.items()}
        params.append(tuple(values[n] for n in names) if names else values)
    cursor = _cursor(session)
    try:
        cursor.executemany(sql, params)
    finally:
        cursor.close()


def execute_upsert(session, dialect, stmt, rows, cache_key):
    """Run the single-row upsert ``stmt`` for every dict of ``rows``."""
    if dialect != 'postgresql':
        _executemany(session, stmt, rows, cache_key)
        return
    from psycopg2 import extras
    columns = list(rows[0])
    key = (cache_key, tuple(columns))
    sql = _COMPILED.get(key)
    if sql is None:
        compiled = str(stmt.values({c: sa.bindparam(c) for c in columns})
                       .compile(dialect=session.bind.dialect))
        values = 'VALUES (%s)' % ', '.join('%%(%s)s' % c for c in columns)
        sql = compiled.replace(values, 'VALUES %s')
        if values not in compiled or '%(' in sql:
            # NOTE(ck): execute_values needs the rows as the only
            # placeholder; merge expressions must not bind parameters.
            raise RuntimeError('unexpected upsert SQL: %s' % compiled)
        _COMPILED[key] = sql
    template = '(%s)' % ', '.join('%%(%s)s' % c for c in columns)
    cursor = _cursor(session)
    try:
        extras.execute_values(cursor, sql, rows, template=template,
                              page_size=1000)
    finally:
        cursor.close()

