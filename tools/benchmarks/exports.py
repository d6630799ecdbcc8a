"""Exports benchmark: peak memory of a whole-window export vs its size.

Usage (not a default benchmark: it takes minutes)::

    python tools/bench.py exports --rows 1000000,5000000 [--format csv]

For each size, on a fresh PostgreSQL database, bulk-loads N rated rows with
the storage benchmark's ``generate_series`` generator (1000 scopes, 20000
points per hourly period, :data:`storage.HUGE_SQL`), then runs the export
of every scope over the whole window -- the code path of ``GET
/v1/report/export?all_tenants=true`` (storage ``iter_dataframes`` +
``cloudkitty.export.formats.render``) -- in a child process writing to a
file, and reports the child's max RSS (``ru_maxrss``), rows, bytes and
seconds. Flat memory means the max RSS does not grow with N.
"""

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time

import sqlalchemy as sa

from benchmarks import storage as st_bench

CHILD = r'''
import sys, time
from cloudkitty import context as ck_context
from cloudkitty.db import api as db_api
from cloudkitty.export import formats
from cloudkitty.storage import sqlalchemy as sql_storage

class Collect:
    scope_key = 'project_id'

class Conf:
    collect = Collect

db_api.context_manager.configure(connection=sys.argv[1])
db_api._configured = True
store = sql_storage.SQLAlchemyStorage(Conf)
ctx = ck_context.get_admin_context()
points = store.iter_dataframes(ctx, '2024-12-31', '2026-01-01')
start = time.perf_counter()
size = 0
with open(sys.argv[3], 'w', encoding='utf-8', newline='') as out:
    for chunk in formats.render(sys.argv[2], points):
        size += len(chunk)
        out.write(chunk)
print(size, time.perf_counter() - start)
'''


def measure(url, fmt):
    with tempfile.NamedTemporaryFile(suffix='.' + fmt) as target:
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        proc = subprocess.run([sys.executable, '-c', CHILD, url, fmt,
                               target.name], capture_output=True, text=True,
                              check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        with open(target.name, encoding='utf-8') as handle:
            lines = sum(1 for _ in handle)
    size, seconds = proc.stdout.split()
    # NOTE(ck): RUSAGE_CHILDREN is the max over finished children; each
    # size runs in a fresh bench process to keep it per export.
    return {'max_rss_mib': round(max(before, after) / 1024, 1),
            'lines': lines, 'bytes': int(size),
            'seconds': round(float(seconds), 1)}


def run(rows, fmt):
    engine = st_bench.fresh_engine('postgresql')
    try:
        start = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(sa.text(st_bench.HUGE_SQL.replace('%%', '%')),
                         {'scopes': 1000, 'per_period': 20000, 'rows': rows})
        with engine.connect().execution_options(
                isolation_level='AUTOCOMMIT') as conn:
            conn.execute(sa.text('VACUUM ANALYZE'))
        load = time.perf_counter() - start
        url = engine.url.render_as_string(hide_password=False)
        result = {'rows': rows, 'format': fmt, 'load_s': round(load, 1)}
        result.update(measure(url, fmt))
        return result
    finally:
        st_bench.drop(engine)


def add_arguments(parser):
    parser.add_argument('--rows', default='1000000',
                        help='comma-separated row counts')
    parser.add_argument('--format', default='csv',
                        choices=['csv', 'jsonl', 'focus'])


def run_all(args):
    results = [run(int(n), args.format) for n in args.rows.split(',')]
    print(json.dumps({'machine': {'python': platform.python_version(),
                                  'cpus': os.cpu_count()},
                      'results': results}, indent=2))


def register(subparsers):
    """Hook of ``tools/bench.py`` (not run by default)."""
    parser = subparsers.add_parser(
        'exports', help='max RSS of a whole-window export vs row count')
    add_arguments(parser)
    parser.set_defaults(func=run_all)
    return []
