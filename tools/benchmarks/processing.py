#!/usr/bin/env python3
"""Processing benchmark: ``cloudkitty-processor --once`` end to end.

Usage::

    python tools/bench.py processing [--size medium] [--runs 3]
        [--rules full|hashmap|none] [--memory-periods 24,96,384]
    python tools/bench/processing.py ...      # the same, standalone

For each run, on a fresh SQLite database (default rollback journal,
durable commits) holding the current schema and the benchmark rules
(``rules.json`` applied by :mod:`cloudkitty.tests.bench_rules`):

* **end to end**: ``cloudkitty-processor --once --until <last period>``
  over the shared workload with the file collector and fetcher: parse,
  collect, rate (hashmap + pyscripts), filter, store. Points/s = points
  stored / wall time of the command (process start included);
  ``outside_loop_s`` is that wall time minus the loop's own (as printed by
  the command): interpreter start, imports, configuration and exit;
* **memory**: the maximum RSS of the command for feeds of growing length
  (same scopes and resources, more periods): it must stay flat, the
  processor holding one scope's batch at a time.

Prints one JSON document with medians, minimums and maximums.
"""

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
sys.path.insert(0, ROOT)

from cloudkitty.tests import bench_rules  # noqa: E402

SHARED = bench_rules.bench_dir()
CACHE = os.environ.get('CK_BENCH_CACHE',
                       os.path.join(tempfile.gettempdir(), 'ck-bench'))
SIZES = {'small': (10, 10, 24), 'medium': (100, 20, 24),
         'large': (1000, 20, 24)}
START = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)


def _bench_file(name):
    for directory in (os.path.join(ROOT, 'tools', 'bench'), SHARED):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            return path
    raise SystemExit('benchmark file %s not found' % name)


def feed(scopes, resources, periods):
    os.makedirs(CACHE, exist_ok=True)
    path = os.path.join(CACHE, 'usage-%dx%dx%d.jsonl' % (scopes, resources,
                                                        periods))
    if not os.path.exists(path):
        with open(path + '.tmp', 'wb') as out:
            subprocess.run([sys.executable, _bench_file('gen_usage.py'),
                            '--scopes', str(scopes), '--resources',
                            str(resources), '--periods', str(periods)],
                           check=True, stdout=out)
        os.replace(path + '.tmp', path)
    return path


def prepare(config, rules_mode):
    """Create the schema and load the rules (runs in a child process)."""
    from cloudkitty import context as ck_context
    from cloudkitty.db import api as db_api
    from cloudkitty.db import migration
    from cloudkitty.rating import modules
    from cloudkitty import service
    from cloudkitty.tests import bench_rules
    conf = service.prepare_service(['--config-file', config])
    db_api.configure(conf)
    migration.upgrade('head', db_api.get_engine())
    if rules_mode == 'none':
        return
    ctx = ck_context.get_admin_context()
    parts = ['modules', 'hashmap']
    if rules_mode == 'full':
        if 'pyscripts' not in bench_rules.HANDLERS:
            raise SystemExit('the pyscripts module is not in this build: '
                             'use --rules hashmap')
        parts.append('pyscripts')
    bench_rules.load_rules(ctx, conf, parts=parts)
    if rules_mode == 'hashmap':
        for info in modules.list_modules(ctx, conf):
            if info.module_id != 'hashmap':
                modules.update_module(ctx, conf, info.module_id,
                                      enabled=False)


def write_config(directory, usage, periods):
    db = os.path.join(directory, 'ck.sqlite')
    config = os.path.join(directory, 'cloudkitty.conf')
    with open(config, 'w') as f:
        f.write('\n'.join([
            '[DEFAULT]', 'log_file = %s' % os.path.join(directory, 'ck.log'),
            'use_stderr = false', 'host = bench',
            '[database]', 'connection = sqlite:///%s' % db,
            '[collect]', 'collector = file', 'metrics_conf = %s'
            % os.path.join(ROOT, 'etc', 'cloudkitty', 'metrics-file.yml'),
            'period = 3600', 'wait_periods = 2',
            'first_period_start = %s' % START.isoformat(),
            '[collector_file]', 'path = %s' % usage,
            '[fetcher]', 'backend = file',
            '[storage]', 'backend = sqlalchemy',
            '[orchestrator]', 'coordination_url = file://%s'
            % os.path.join(directory, 'locks'),
        ]) + '\n')
    return config


def one_run(usage, periods, rules_mode):
    """Prepare a fresh DB, run --once; returns the figures of the run."""
    with tempfile.TemporaryDirectory(prefix='ck-bench-proc-') as directory:
        config = write_config(directory, usage, periods)
        subprocess.run([sys.executable, os.path.abspath(__file__),
                        '_prepare', config, rules_mode], check=True)
        until = START + datetime.timedelta(hours=periods)
        out_path = os.path.join(directory, 'out.txt')
        with open(out_path, 'w') as out:
            started = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, '-m', 'cloudkitty.cmd.processor',
                 '--config-file', config, '--once', '--quiet', '--until',
                 until.isoformat()], stdout=out, stderr=subprocess.STDOUT)
            # NOTE(ck): wait4 gives this child's own rusage (max RSS),
            # not the maximum over every child of the benchmark.
            _, status, usage_ = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - started
            proc.returncode = os.waitstatus_to_exitcode(status)
        with open(out_path) as f:
            output = f.read()
        if proc.returncode != 0:
            raise SystemExit('processor failed:\n%s' % output)
        match = re.search(r'(\d+) point\(s\) in ([\d.]+) s .*; '
                          r'([\d.]+) s CPU', output)
        points = int(match.group(1))
        return {'points': points, 'wall_s': wall,
                # start-up, set-up and exit: the command minus its loop
                'outside_loop_s': wall - float(match.group(2)),
                'points_per_s': points / wall,
                'loop_points_per_s': points / float(match.group(2)),
                'loop_cpu_points_per_s': points / float(match.group(3)),
                'cpu_s': usage_.ru_utime + usage_.ru_stime,
                'max_rss_mib': usage_.ru_maxrss / 1024.0}


def stats(values):
    return {'median': statistics.median(values), 'min': min(values),
            'max': max(values)}


def run(args):
    scopes, resources, periods = SIZES[args.size]
    usage = feed(scopes, resources, periods)
    runs = [one_run(usage, periods, args.rules) for _ in range(args.runs)]
    result = {
        'machine': {'python': platform.python_version(),
                    'platform': platform.platform(),
                    'cpus': os.cpu_count(),
                    'load': os.getloadavg()[0]},
        'workload': {'size': args.size, 'scopes': scopes,
                     'resources': resources, 'periods': periods,
                     'rules': args.rules, 'points': runs[0]['points']},
        'end_to_end_points_per_s': stats([r['points_per_s'] for r in runs]),
        'loop_points_per_s': stats([r['loop_points_per_s'] for r in runs]),
        'cpu_points_per_s': stats([r['points'] / r['cpu_s'] for r in runs]),
        'loop_cpu_points_per_s': stats([r['loop_cpu_points_per_s']
                                        for r in runs]),
        'wall_s': stats([r['wall_s'] for r in runs]),
        'outside_loop_s': stats([r['outside_loop_s'] for r in runs]),
        'max_rss_mib': stats([r['max_rss_mib'] for r in runs]),
        'memory': {},
    }
    for count in [int(p) for p in args.memory_periods.split(',') if p]:
        one = one_run(feed(10, 20, count), count, args.rules)
        result['memory'][count] = {
            'points': one['points'], 'max_rss_mib': one['max_rss_mib'],
            'points_per_s': one['points_per_s'],
            'loop_cpu_points_per_s': one['loop_cpu_points_per_s']}
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write('\n')
    if getattr(args, 'out', None):
        with open(args.out, 'a') as out:
            out.write(json.dumps(result, sort_keys=True) + '\n')
    return 0


def _add_arguments(parser):
    parser.add_argument('--size', choices=sorted(SIZES), default='medium')
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--rules', choices=('full', 'hashmap', 'none'),
                        default='full')
    parser.add_argument('--memory-periods', default='24,96,384',
                        help='feed lengths (periods) of the memory runs, '
                             'with 10 scopes x 20 resources')
    parser.add_argument('--out', help='append the result (JSON) here')


def register(subparsers):
    parser = subparsers.add_parser(
        'processing', help='cloudkitty-processor --once end to end')
    _add_arguments(parser)
    parser.set_defaults(func=run)
    return ['processing']


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == '_prepare':
        return prepare(argv[1], argv[2])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    _add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == '__main__':
    sys.exit(main())
