#!/usr/bin/env python3
"""Processing benchmark: ``cloudkitty-processor --once`` end to end.

Usage (runnable alone, or as ``tools/bench.py processing ...``)::

    python tools/bench/processing.py [--size medium] [--runs 3]
        [--rules full|hashmap|none] [--memory-periods 24,96,384]

For each run, on a fresh SQLite database (default rollback journal,
durable commits) holding the current schema and the benchmark rules
(``rules.json`` replayed through the v1 API in-process):

* **end to end**: ``cloudkitty-processor --once --until <last period>``
  over the shared workload with the file collector and fetcher: parse,
  collect, rate (hashmap + pyscripts), filter, store. Points/s = points
  stored / wall time of the command (process start included);
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

SHARED = os.environ.get('CK_BENCH_DIR', '/work/shared/bench')
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


def _resolve(value, refs, base):
    if isinstance(value, str) and value.startswith('$ref:'):
        return refs[value[5:]]
    if isinstance(value, dict):
        if set(value) == {'$file'}:
            with open(os.path.join(base, value['$file'])) as f:
                return f.read()
        return {k: _resolve(v, refs, base) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, refs, base) for v in value]
    return value


def prepare(config, rules_mode):
    """Create the schema and load the rules (runs in a child process)."""
    import webob

    from cloudkitty.api import app as api_app
    from cloudkitty.db import api as db_api
    from cloudkitty.db import migration
    from cloudkitty import service
    conf = service.prepare_service(['--config-file', config])
    db_api.configure(conf)
    migration.upgrade('head', db_api.get_engine())
    if rules_mode == 'none':
        return
    conf.set_override('auth_strategy', 'noauth')
    app = api_app.setup_app(conf)
    rules_path = _bench_file('rules.json')
    with open(rules_path) as f:
        rules = json.load(f)
    sections = ['modules', 'hashmap']
    if rules_mode == 'full':
        sections.append('pyscripts')
    refs = {}
    for section in sections:
        for request in rules.get(section, []):
            body = _resolve(request.get('body'), refs,
                            os.path.dirname(rules_path))
            if (rules_mode == 'hashmap' and section == 'modules'
                    and body.get('module_id') == 'pyscripts'):
                body = dict(body, enabled=False)
            path = request['path']
            if request.get('query'):
                path += '?' + '&'.join('%s=%s' % kv for kv in
                                       request['query'].items())
            req = webob.Request.blank(path, method=request['method'])
            req.headers['Content-Type'] = 'application/json'
            if body is not None:
                req.body = json.dumps(body).encode()
            resp = req.get_response(app)
            if resp.status_int >= 300:
                raise SystemExit('%s %s: %s %s' % (
                    request['method'], path, resp.status, resp.text))
            if request.get('ref'):
                refs[request['ref']] = resp.json[request['returns']]


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
        subprocess.run([sys.executable, __file__, '_prepare', config,
                        rules_mode], check=True)
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
        match = re.search(r'(\d+) point\(s\) in ([\d.]+) s', output)
        points = int(match.group(1))
        return {'points': points, 'wall_s': wall,
                'points_per_s': points / wall,
                'loop_points_per_s': points / float(match.group(2)),
                'cpu_s': usage_.ru_utime + usage_.ru_stime,
                'max_rss_mib': usage_.ru_maxrss / 1024.0}


def stats(values):
    return {'median': statistics.median(values), 'min': min(values),
            'max': max(values)}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == '_prepare':
        return prepare(argv[1], argv[2])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size', choices=sorted(SIZES), default='medium')
    parser.add_argument('--runs', type=int, default=3)
    parser.add_argument('--rules', choices=('full', 'hashmap', 'none'),
                        default='full')
    parser.add_argument('--memory-periods', default='24,96,384',
                        help='feed lengths (periods) of the memory runs, '
                             'with 10 scopes x 20 resources')
    args = parser.parse_args(argv)
    scopes, resources, periods = SIZES[args.size]
    usage = feed(scopes, resources, periods)
    runs = [one_run(usage, periods, args.rules) for _ in range(args.runs)]
    result = {
        'machine': {'python': platform.python_version(),
                    'platform': platform.platform(),
                    'cpus': os.cpu_count()},
        'workload': {'size': args.size, 'scopes': scopes,
                     'resources': resources, 'periods': periods,
                     'rules': args.rules, 'points': runs[0]['points']},
        'end_to_end_points_per_s': stats([r['points_per_s'] for r in runs]),
        'loop_points_per_s': stats([r['loop_points_per_s'] for r in runs]),
        'cpu_points_per_s': stats([r['points'] / r['cpu_s'] for r in runs]),
        'wall_s': stats([r['wall_s'] for r in runs]),
        'max_rss_mib': stats([r['max_rss_mib'] for r in runs]),
        'memory': {},
    }
    for count in [int(p) for p in args.memory_periods.split(',') if p]:
        run = one_run(feed(10, 20, count), count, args.rules)
        result['memory'][count] = {
            'points': run['points'], 'max_rss_mib': run['max_rss_mib'],
            'points_per_s': run['points_per_s']}
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
