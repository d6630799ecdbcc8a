"""Storage benchmark: write throughput and report latency of the SQL backend.

Usage (``tools/bench/storage.py`` runs it alone with the same options)::

    python tools/bench.py storage [--backend sqlite|postgresql|mysql]
        [--size small|medium|large] [--runs 3]
        [--modes frame,batch,scope] [--no-intern] [--huge ROWS]

The workload's points share one groupby and one metadata mapping per
resource, as collectors hand them out (``dataframe.MappingInterner``;
``--no-intern`` gives every point its own). For each run, on a fresh
database holding the current schema:

* **write/frame** -- every (scope, hour) of the shared workload
  (``/work/shared/bench/gen_usage.py``) priced and pushed in its own
  transaction (the processor with ``batch_periods = 1``);
* **write/batch** -- the same rows pushed one period (all scopes) per
  transaction (``push_many``);
* **write/scope** -- what the processor does by default: each scope's
  periods pushed together, up to ``[orchestrator] batch_periods`` (24)
  per transaction (``push_many``);
* **reports** over the loaded data: storage ``total`` and ``summary``
  (scope x type) next to the raw ``GROUP BY`` over ``storage_points``
  (the floor the rollup must beat), and one scope's total.

``--huge N`` (PostgreSQL) bulk-loads N rows with ``generate_series`` (plus
their rollup, computed by SQL) and times the scope x type summary. It is a
benchmark only: it takes minutes and never runs in CI.

Commits are durable: SQLite in its default rollback journal with
``synchronous=FULL``, PostgreSQL with ``synchronous_commit=on``.
Prints one JSON document with medians, minimums and maximums.
"""

import argparse
import datetime
import decimal
import json
import os
import platform
import statistics
import tempfile
import time

import sqlalchemy as sa

from cloudkitty import context as ck_context
from cloudkitty import dataframe
from cloudkitty.db import api as db_api
from cloudkitty.db import migration
from cloudkitty import storage
from cloudkitty.storage import sqlalchemy as sql_storage

ADMIN_URLS = {
    'postgresql': os.environ.get(
        'CK_TEST_POSTGRESQL_URL',
        'postgresql+psycopg2://root@127.0.0.1:5432/test'),
    'mysql': os.environ.get('CK_TEST_MYSQL_URL',
                            'mysql+pymysql://root@127.0.0.1:3306/test'),
}
# NOTE(bench): a flat unit price per service, so every row carries a price
# with up to 8 fractional digits (qty has up to 6).
RATES = {'instance': '0.05', 'volume.size': '0.0003',
         'image.size': '0.00001', 'ip.floating': '0.01',
         'network.outgoing.bytes': '0.0002',
         'radosgw.objects.size': '0.00002'}


#: ``[orchestrator] batch_periods`` default: periods of one scope per
#: transaction in ``scope`` mode.
BATCH_PERIODS = 24


def load_frames(size, intern=True):
    """``[(begin, [(scope_id, frame)])]`` of the workload, priced.

    :param intern: share one groupby/metadata mapping per distinct dict,
        as collectors do.
    """
    from benchmarks import common
    path = common.usage_file(size)
    rates = {k: decimal.Decimal(v) for k, v in RATES.items()}
    periods = {}
    share = dataframe.MappingInterner() if intern else (lambda m: m)
    with open(path) as stream:
        for line in stream:
            item = json.loads(line, parse_float=decimal.Decimal)
            qty = decimal.Decimal(item['qty'])
            point = dataframe.DataPoint(
                item['unit'], qty, qty * rates[item['service']],
                share(item['groupby']), share(item['metadata']))
            key = (item['begin'], item['end'])
            scopes = periods.setdefault(key, {})
            scopes.setdefault(item['scope_id'], {}).setdefault(
                item['service'], []).append(point)
    result = []
    for (begin, end), scopes in sorted(periods.items()):
        result.append((begin, [
            (scope, dataframe.DataFrame(begin, end, usage))
            for scope, usage in scopes.items()]))
    return result


def fresh_engine(backend):
    """Engine on a new database holding the schema (dropped at exit)."""
    if backend == 'sqlite':
        url = 'sqlite:///%s' % os.path.join(
            tempfile.mkdtemp(prefix='ck-bench-'), 'ck.sqlite')
    else:
        name = 'ck_bench_%d_%d' % (os.getpid(), time.monotonic_ns())
        admin = sa.create_engine(ADMIN_URLS[backend],
                                 isolation_level='AUTOCOMMIT')
        with admin.connect() as conn:
            conn.execute(sa.text('CREATE DATABASE %s' % name))
        admin.dispose()
        url = sa.engine.make_url(ADMIN_URLS[backend]).set(database=name)
    engine = sa.create_engine(url)
    migration.upgrade('head', engine)
    return engine


def drop(engine):
    if engine.dialect.name == 'sqlite':
        engine.dispose()
        os.unlink(engine.url.database)
        os.rmdir(os.path.dirname(engine.url.database))
        return
    name = engine.url.database
    engine.dispose()
    backend = 'postgresql' if engine.dialect.name == 'postgresql' else 'mysql'
    admin = sa.create_engine(ADMIN_URLS[backend],
                             isolation_level='AUTOCOMMIT')
    with admin.connect() as conn:
        extra = ' WITH (FORCE)' if backend == 'postgresql' else ''
        conn.execute(sa.text('DROP DATABASE IF EXISTS %s%s' % (name, extra)))
    admin.dispose()


class _Conf:
    class collect:  # noqa: N801 - mimics conf.collect
        scope_key = 'project_id'


def bind(engine):
    """Point the enginefacade at ``engine``; returns the restore callable."""
    if not db_api._configured:
        db_api.context_manager.configure(connection='sqlite://')
        db_api._configured = True
    return db_api.context_manager.patch_engine(engine)


def timed(func, repeat):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return samples


def stats(samples, scale=1.0, unit='s'):
    values = [s * scale for s in samples]
    return {'median': round(statistics.median(values), 4),
            'min': round(min(values), 4), 'max': round(max(values), 4),
            'unit': unit, 'n': len(values)}


def transactions(periods, mode):
    """The ``push_many`` calls of a write ``mode``: lists of
    ``(scope_id, frame)``, one per transaction."""
    if mode == 'frame':
        return [[item] for _, frames in periods for item in frames]
    if mode == 'batch':
        return [list(frames) for _, frames in periods]
    by_scope = {}
    for _, frames in periods:
        for scope_id, frame in frames:
            by_scope.setdefault(scope_id, []).append((scope_id, frame))
    return [items[i:i + BATCH_PERIODS] for items in by_scope.values()
            for i in range(0, len(items), BATCH_PERIODS)]


def durability(engine):
    """The settings that make a commit durable, as the database reports
    them (checked, not assumed)."""
    with engine.connect() as conn:
        if engine.dialect.name == 'sqlite':
            return {name: conn.exec_driver_sql('PRAGMA %s' % name).scalar()
                    for name in ('journal_mode', 'synchronous')}
        if engine.dialect.name == 'postgresql':
            return {name: conn.exec_driver_sql('SHOW %s' % name).scalar()
                    for name in ('synchronous_commit', 'fsync')}
        return {'innodb_flush_log_at_trx_commit': conn.exec_driver_sql(
            'SELECT @@innodb_flush_log_at_trx_commit').scalar()}


def run_writes(backend, periods, mode):
    engine = fresh_engine(backend)
    restore = bind(engine)
    store = sql_storage.SQLAlchemyStorage(_Conf)
    ctx = ck_context.get_admin_context()
    settings = durability(engine)
    durable = (settings.get('synchronous', 2) >= 2
               and settings.get('synchronous_commit', 'on') != 'off'
               and settings.get('fsync', 'on') == 'on'
               and settings.get('innodb_flush_log_at_trx_commit', 1) == 1)
    if not durable:
        raise SystemExit('commits are not durable: %s' % settings)
    calls = transactions(periods, mode)
    rows = 0
    start = time.perf_counter()
    cpu = time.process_time()
    for frames in calls:
        rows += store.push_many(ctx, frames)
    cpu = time.process_time() - cpu
    elapsed = time.perf_counter() - start
    return engine, restore, store, rows, elapsed, cpu, settings


def raw_group_by(engine, by_scope):
    columns = 'scope_id, type, ' if by_scope else ''
    group = ' GROUP BY scope_id, type' if by_scope else ''
    sql = sa.text('SELECT %sSUM(price) FROM storage_points%s'
                  % (columns, group))

    def run():
        with engine.connect() as conn:
            conn.execute(sql).all()
    return run


def run_queries(engine, store, periods, repeat):
    ctx = ck_context.get_admin_context()
    begin = periods[0][0]
    end = datetime.datetime.fromisoformat(periods[-1][1][0][1].end
                                          .isoformat())
    scopes = sorted({scope for _, frames in periods for scope, _ in frames})
    one = scopes[len(scopes) // 2]
    result = {
        'total': stats(timed(lambda: store.total(ctx, begin, end), repeat),
                       1000, 'ms'),
        'raw_total': stats(timed(raw_group_by(engine, False), repeat),
                           1000, 'ms'),
        'summary_scope_type': stats(timed(lambda: store.summary(
            ctx, begin, end, groupby=['scope_id', 'type']), repeat),
            1000, 'ms'),
        'raw_group_by_scope_type': stats(timed(raw_group_by(engine, True),
                                               repeat), 1000, 'ms'),
        'one_scope_total': stats(timed(lambda: store.total(
            ctx, begin, end, scope_ids=[one]), repeat * 10), 1000, 'ms'),
    }
    # NOTE(bench): the summary must agree with the raw GROUP BY (summed
    # here in Python from the stored decimals, exactly).
    expected = {}
    with engine.connect() as conn:
        for scope, type_, price in conn.execute(sa.text(
                'SELECT scope_id, type, price FROM storage_points')):
            key = (scope, type_)
            expected[key] = expected.get(key, 0) + decimal.Decimal(
                str(price))
    summary = store.summary(ctx, begin, end, groupby=['scope_id', 'type'])
    got = {(r.groups['scope_id'], r.groups['type']): r.price
           for r in summary.rows}
    if got != expected:
        raise SystemExit('summary differs from the raw GROUP BY')
    result['rows'] = sum(1 for _ in expected)
    return result


HUGE_SQL = """
INSERT INTO storage_points (scope_id, "begin", "end", type, unit, qty,
                            price, groupby, metadata)
SELECT 'scope-' || (g %% :scopes),
       TIMESTAMP '2025-01-01' + ((g / :per_period) * INTERVAL '1 hour'),
       TIMESTAMP '2025-01-01' + ((g / :per_period + 1) * INTERVAL '1 hour'),
       'type-' || (g %% 7), 'u', (g %% 100) / 10.0, (g %% 997) / 1000.0,
       '{"id":"r' || (g %% :per_period) || '","project_id":"scope-'
           || (g %% :scopes) || '","day_of_the_year":"'
           || EXTRACT(DOY FROM TIMESTAMP '2025-01-01'
                      + ((g / :per_period) * INTERVAL '1 hour'))
           || '"}', '{}'
FROM generate_series(0, :rows - 1) AS g
"""

HUGE_ROLLUP = """
INSERT INTO storage_daily (scope_id, day, type, n, qty, price, max_end)
SELECT scope_id, CAST("begin" AS DATE), type, COUNT(*), SUM(qty),
       SUM(price), MAX("end")
FROM storage_points GROUP BY scope_id, CAST("begin" AS DATE), type
"""

HUGE_MONTHLY = """
INSERT INTO storage_monthly (scope_id, day, type, n, qty, price, max_end)
SELECT scope_id, CAST(date_trunc('month', day) AS DATE), type, SUM(n),
       SUM(qty), SUM(price), MAX(max_end)
FROM storage_daily GROUP BY scope_id, date_trunc('month', day), type
"""


def run_huge(rows, repeat):
    engine = fresh_engine('postgresql')
    restore = bind(engine)
    scopes = 1000
    per_period = scopes * 20
    try:
        start = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(sa.text(HUGE_SQL.replace('%%', '%')),
                         {'scopes': scopes, 'per_period': per_period,
                          'rows': rows})
            conn.execute(sa.text(HUGE_ROLLUP))
            conn.execute(sa.text(HUGE_MONTHLY))
        with engine.connect().execution_options(
                isolation_level='AUTOCOMMIT') as conn:
            conn.execute(sa.text('VACUUM ANALYZE'))
            # NOTE(bench): write the loaded gigabytes out now, not while
            # the queries are timed (the checkpointer would compete).
            conn.execute(sa.text('CHECKPOINT'))
        load = time.perf_counter() - start
        store = sql_storage.SQLAlchemyStorage(_Conf)
        ctx = ck_context.get_admin_context()
        hours = rows // per_period
        begin = datetime.datetime(2025, 1, 1)
        last = begin + datetime.timedelta(hours=hours)
        days_end = datetime.datetime(last.year, last.month, last.day)
        month_end = datetime.datetime(2025, 2, 1)
        result = {'rows': rows, 'load_s': round(load, 1),
                  'last_period': last.isoformat()}
        for name, func in (
                ('summary_scope_type_month', lambda: store.summary(
                    ctx, begin, month_end, groupby=['scope_id', 'type'])),
                ('summary_scope_type_days', lambda: store.summary(
                    ctx, begin, days_end, groupby=['scope_id', 'type'])),
                ('total_month', lambda: store.total(ctx, begin, month_end)),
                ('one_scope_total_month', lambda: store.total(
                    ctx, begin, month_end, scope_ids=['scope-500'])),
                ('raw_group_by_scope_type', raw_group_by(engine, True)),
                # What GET /v2/summary runs (window rule v2).
                ('v2_summary_project_type_month', lambda: store.summary(
                    ctx, begin, month_end, groupby=['project_id', 'type'],
                    window=storage.WINDOW_V2, limit=100)),
                ('v2_summary_one_project_time_d_month',
                 lambda: store.summary(
                     ctx, begin, month_end, groupby=['time-d'],
                     filters={'project_id': ['scope-1']},
                     window=storage.WINDOW_V2, limit=100))):
            # NOTE(bench): the first call (cold caches, statement
            # compilation) is reported on its own; the others are the
            # steady state a report API serves.
            first = timed(func, 1)[0]
            result[name] = stats(timed(func, repeat), 1000, 'ms')
            result[name]['first'] = round(first * 1000, 4)
        return result
    finally:
        restore()
        drop(engine)


def add_arguments(parser):
    parser.add_argument('--backend', default='sqlite',
                        choices=('sqlite', 'postgresql', 'mysql'))
    parser.add_argument('--size', default='medium',
                        choices=('small', 'medium', 'large'))
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--modes', default='frame,batch,scope',
                        help='comma-separated write modes: frame, batch, '
                             'scope')
    parser.add_argument('--no-intern', action='store_true',
                        help='every point gets its own groupby/metadata '
                             'mappings (default: shared per resource, as '
                             'collectors do)')
    parser.add_argument('--huge', type=int, default=0,
                        help='PostgreSQL only: rows of the bulk-loaded '
                             'summary benchmark (e.g. 10000000)')


def run(args):
    report = {'backend': args.backend, 'size': args.size,
              'machine': '%s, %d CPUs, Python %s, load %.1f' % (
                  platform.processor() or platform.machine(),
                  os.cpu_count(), platform.python_version(),
                  os.getloadavg()[0])}
    if args.huge:
        report['huge'] = run_huge(args.huge, max(args.runs, 3))
        print(json.dumps(report, indent=2))
        return 0
    periods = load_frames(args.size, intern=not args.no_intern)
    report['rows'] = sum(f.point_count() for _, fr in periods
                         for _, f in fr)
    report['interned'] = not args.no_intern
    modes = args.modes.split(',')
    for mode in modes:
        if mode not in ('frame', 'batch', 'scope'):
            raise SystemExit('unknown write mode %r' % mode)
        rates, cpu_us, queries = [], [], []
        for _ in range(args.runs):
            engine, restore, store, rows, elapsed, cpu, settings = \
                run_writes(args.backend, periods, mode)
            report['durability'] = settings
            try:
                rates.append(rows / elapsed)
                cpu_us.append(cpu / rows * 1e6)
                if mode == 'batch' or len(modes) == 1:
                    queries.append(run_queries(engine, store, periods, 5))
            finally:
                restore()
                drop(engine)
        report['write_%s' % mode] = stats(rates, 1, 'rows/s')
        # NOTE(bench): CPU time of this process (SQLite runs in it; a
        # server's own work is not counted), per row: steadier than the
        # wall clock on a shared machine.
        report['write_%s_cpu' % mode] = stats(cpu_us, 1, 'us/row')
        if queries:
            report['queries_%s' % mode] = {
                key: stats([q[key]['median'] for q in queries], 1, 'ms')
                for key in queries[0] if key != 'rows'}
    print(json.dumps(report, indent=2))
    return 0


def register(subparsers):
    """Hook of ``tools/bench.py``."""
    parser = subparsers.add_parser(
        'storage', help='storage writes (rows/s) and report latency')
    add_arguments(parser)
    parser.set_defaults(func=run)
    return ['storage']


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))
