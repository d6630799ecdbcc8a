"""Helpers shared by the benchmark modules: workload files, timing,
machine description, a throwaway database."""

import atexit
import datetime
import gc
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from oslo_config import cfg

SHA256 = {
    'small':
        '29f31202b6563a099676e45cfef540cc6c63e30d25f79eaa4791b0160b5b89dd',
    'medium':
        '5dea6d2eae0aa478ee4e02edc109daca1b64d139ba1e967c3b6286987b94f5a9',
    'large':
        '42985e0cd9d0ddc8363e6c66d2c75ac0d6be70f18a30c067b9b502ad2fb84f58',
}


def bench_dir():
    from cloudkitty.tests import bench_rules
    return bench_rules.bench_dir()


def cache_dir():
    path = os.environ.get('CK_BENCH_CACHE') or os.path.join(
        os.path.expanduser('~'), '.cache', 'cloudkitty-bench')
    os.makedirs(path, exist_ok=True)
    return path


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for block in iter(lambda: handle.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def usage_file(size):
    """Path of the usage file of ``size`` (generated once, then cached)."""
    path = os.path.join(cache_dir(), 'usage-%s.jsonl' % size)
    if os.path.exists(path) and _sha256(path) == SHA256.get(size):
        return path
    subprocess.run([sys.executable, os.path.join(bench_dir(), 'gen_usage.py'),
                    '--size', size, '--out', path], check=True)
    return path


def parsed_workload(size):
    """``(frames, points, parse seconds)`` of a workload size, parsed as a
    collector would (shared mappings), then moved out of the garbage
    collector's reach (``gc.freeze()``; ``gc.unfreeze()`` when done)."""
    from cloudkitty.tests import bench_rules
    path = usage_file(size)
    start = time.perf_counter()
    frames = bench_rules.read_frames(path)
    parse_s = time.perf_counter() - start
    points = sum(frame.point_count() for _scope, frame in frames)
    gc.collect()
    gc.freeze()
    return frames, points, parse_s


def expected(size, extra=(), points=None):
    """Reference totals for a run: one of the ``extra`` files whose
    ``hashmap.points`` equals ``points``, else the shared expected.json
    for the small size, else None."""
    for path in extra:
        with open(path, encoding='utf-8') as handle:
            document = json.load(handle)
        if document.get('hashmap', {}).get('points') == points:
            return document
    path = os.path.join(bench_dir(), 'expected.json')
    if size != 'small' or not os.path.exists(path):
        return None
    with open(path, encoding='utf-8') as handle:
        return json.load(handle)


def machine():
    """One line describing where the figures come from."""
    model = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as handle:
            for line in handle:
                if line.startswith('model name'):
                    model = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, 'getloadavg') else None
    from cloudkitty.rating.hashmap import index
    return ('%s, %d CPU, Python %s, %s; load %.2f; hashmap loop: %s' % (
        model, os.cpu_count() or 0, platform.python_version(),
        platform.platform(terse=True), load or 0,
        'python' if index.NATIVE is None else 'C'))


class Timings(list):
    """Wall-clock durations of runs, with their CPU times in ``cpu``."""

    def __init__(self):
        super().__init__()
        self.cpu = []


def repeat(func, runs, no_gc=False):
    """Run ``func`` ``runs`` times; return (Timings, last result).

    CPU time (this process) is recorded beside wall time: on a shared
    machine it shows the code's own cost when other load steals the CPU.
    ``no_gc``: collect before each run and keep the cyclic garbage
    collector off while it runs, as :mod:`timeit` does.
    """
    seconds = Timings()
    result = None
    for _ in range(runs):
        result = None
        if no_gc:
            gc.collect()
            gc.disable()
        try:
            start_cpu = time.process_time()
            start = time.perf_counter()
            result = func()
            seconds.append(time.perf_counter() - start)
            seconds.cpu.append(time.process_time() - start_cpu)
        finally:
            if no_gc:
                gc.enable()
    return seconds, result


def _stats(values, items, prefix):
    out = {prefix + 'median_s': statistics.median(values),
           prefix + 'min_s': min(values), prefix + 'max_s': max(values)}
    if items:
        rates = sorted(items / s for s in values)
        out.update({prefix + 'median_per_s': round(statistics.median(rates)),
                    prefix + 'min_per_s': round(rates[0]),
                    prefix + 'max_per_s': round(rates[-1])})
    return out


def summary(seconds, items=None):
    """median/min/max of durations (and of items/s when ``items``), wall
    clock first, then CPU time (``cpu_*``)."""
    out = {'runs': len(seconds), 'items': items}
    out.update(_stats(seconds, items, ''))
    if getattr(seconds, 'cpu', None):
        out.update(_stats(seconds.cpu, items, 'cpu_'))
    return out


def database(conf=None):
    """A fresh SQLite database with the schema, bound to the
    enginefacade; returns (conf, admin context)."""
    from cloudkitty import conf as ck_conf
    from cloudkitty import context as ck_context
    from cloudkitty.db import api as db_api
    from cloudkitty.db import migration
    if conf is None:
        conf = cfg.ConfigOpts()
        ck_conf.register_opts(conf)
        conf([], project='cloudkitty', default_config_files=[])
    directory = tempfile.mkdtemp(prefix='ck-bench-')
    # NOTE(ck): the rules database lives as long as the benchmark process
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    url = 'sqlite:///%s/ck.sqlite' % directory
    conf.set_override('connection', url, group='database')
    db_api.configure(conf)
    migration.upgrade('head', db_api.get_engine())
    return conf, ck_context.get_admin_context()


def report(title, figures, out=None):
    """Print a result block (and append it as JSON to ``out``)."""
    record = {'benchmark': title, 'machine': machine(),
              'when': datetime.datetime.now(datetime.UTC).isoformat(
                  timespec='seconds'), **figures}
    print(json.dumps(record, indent=2, default=str))
    if out:
        with open(out, 'a', encoding='utf-8') as handle:
            handle.write(json.dumps(record, default=str) + '\n')
    return record
