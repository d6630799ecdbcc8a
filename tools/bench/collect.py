#!/usr/bin/env python3
"""Collection benchmark: the file collector over the shared workload.

Usage::

    python tools/bench/collect.py [--size small|medium|large] [--runs 3]

Each run builds a fresh file collector and file fetcher on the usage feed
of ``--size`` (``tools/bench/gen_usage.py``, generated once into a
temporary directory) and collects every point the way the processor asks
for them: scope after scope, period after period, metric after metric
(``etc/cloudkitty/metrics-file.yml``). Timed: the feed scan (index and
scope list) and the collection. Prints one JSON document with medians,
minimums and maximums, and the machine.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
sys.path.insert(0, ROOT)

SIZES = {'small': (10, 10, 24), 'medium': (100, 20, 24),
         'large': (1000, 20, 24)}


def _conf(feed):
    from oslo_config import cfg

    from cloudkitty import conf as ck_conf
    conf = cfg.ConfigOpts()
    ck_conf.register_opts(conf)
    conf([], project='cloudkitty', default_config_files=[])
    conf.set_override('collector', 'file', group='collect')
    conf.set_override('metrics_conf', os.path.join(
        ROOT, 'etc', 'cloudkitty', 'metrics-file.yml'), group='collect')
    conf.set_override('path', feed, group='collector_file')
    return conf


def run_once(feed, periods):
    from cloudkitty import collector
    from cloudkitty.collector import usage_feed
    from cloudkitty.fetcher import file as file_fetcher
    usage_feed._FEEDS.clear()   # a cold start for every run
    conf = _conf(feed)
    began = time.perf_counter()
    coll = collector.get_collector(conf)
    scopes = file_fetcher.FileFetcher(conf).get_scopes()
    indexed = time.perf_counter()
    start = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    hour = datetime.timedelta(hours=1)
    points = 0
    for scope in scopes:
        for p in range(periods):
            begin = start + p * hour
            for name in coll.metrics:
                points += len(coll.retrieve(name, begin, begin + hour,
                                            scope)[1])
    done = time.perf_counter()
    return points, indexed - began, done - indexed


def _stats(values):
    return {'median': statistics.median(values), 'min': min(values),
            'max': max(values)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size', choices=sorted(SIZES), default='medium')
    parser.add_argument('--runs', type=int, default=3)
    args = parser.parse_args(argv)
    scopes, resources, periods = SIZES[args.size]
    with tempfile.TemporaryDirectory() as tmp:
        feed = os.path.join(tmp, 'usage.jsonl')
        subprocess.run([sys.executable, os.path.join(ROOT, 'tools', 'bench',
                                                     'gen_usage.py'),
                        '--size', args.size, '--out', feed], check=True)
        runs = [run_once(feed, periods) for _ in range(args.runs)]
    points = runs[0][0]
    print(json.dumps({
        'size': args.size, 'points': points, 'runs': args.runs,
        'scan_s': _stats([r[1] for r in runs]),
        'collect_s': _stats([r[2] for r in runs]),
        'points_per_s': _stats([points / (r[1] + r[2]) for r in runs]),
        'machine': '%s, %d CPU, Python %s, load %.2f' % (
            platform.machine(), os.cpu_count() or 0,
            platform.python_version(), os.getloadavg()[0]),
    }, indent=1))


if __name__ == '__main__':
    main()
