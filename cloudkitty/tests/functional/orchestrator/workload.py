"""The benchmark workload as a test fixture: feed, rules, reference, and
processor processes.

* :func:`generate_feed` runs the shared generator (``gen_usage.py``) and
  shifts its timestamps so that the last periods are just due now (the
  real ``now``: processors run as separate commands);
* :func:`load_rules` applies ``rules.json`` through the rating modules'
  DB layer;
* :func:`reference` runs ``reference_rate.py`` on the shifted feed;
* :class:`ProcessorCommand` starts ``cloudkitty-processor`` as a process
  group from a generated configuration file;
* :func:`stored` reads back every rated row through the storage API.
"""

import collections
import datetime
import decimal
import json
import os
import re
import signal
import subprocess
import sys
import time

from cloudkitty.tests import bench_rules
from cloudkitty.tests import db_backends

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))))
_BENCH_DIRS = (os.path.join(ROOT, 'tools', 'bench'),
               bench_rules.bench_dir())
UTC = datetime.UTC
HOUR = datetime.timedelta(hours=1)
#: start of the generator's first period.
GEN_START = datetime.datetime(2025, 1, 1, tzinfo=UTC)


def bench_file(name):
    for directory in _BENCH_DIRS:
        path = os.path.join(directory, name)
        if os.path.exists(path):
            return path
    db_backends.unavailable('benchmark file %s not found in %s'
                            % (name, ', '.join(_BENCH_DIRS)))


def metrics_file():
    path = os.path.join(ROOT, 'etc', 'cloudkitty', 'metrics-file.yml')
    if not os.path.exists(path):
        db_backends.unavailable('file collector metrics %s missing' % path)
    return path


def due_start(periods, now=None):
    """First period start such that ``periods`` hourly periods are all
    due now with ``wait_periods=2`` (and the period after them too)."""
    now = now or datetime.datetime.now(UTC)
    floor = now.replace(minute=0, second=0, microsecond=0)
    return floor - (periods + 2) * HOUR


def generate_feed(path, scopes, resources, periods, start):
    """Write the generator's feed to ``path`` with periods from ``start``.

    :returns: ``({(scope_id, begin): points}, {scope_id: total qty})``.
    """
    raw = subprocess.run(
        [sys.executable, bench_file('gen_usage.py'), '--scopes',
         str(scopes), '--resources', str(resources), '--periods',
         str(periods)], check=True, capture_output=True).stdout
    shift = start - GEN_START
    stamps = {}

    def _shift(match):
        text = match.group(1).decode()
        new = stamps.get(text)
        if new is None:
            value = datetime.datetime.fromisoformat(text) + shift
            new = stamps[text] = value.isoformat().encode()
        return b'"' + new + b'"'
    shifted = re.sub(rb'"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00)"', _shift,
                     raw)
    with open(path, 'wb') as out:
        out.write(shifted)
    counts = collections.Counter()
    qtys = collections.defaultdict(decimal.Decimal)
    for line in shifted.splitlines():
        record = json.loads(line, parse_float=decimal.Decimal)
        counts[(record['scope_id'], datetime.datetime.fromisoformat(
            record['begin']))] += 1
        qtys[record['scope_id']] += decimal.Decimal(record['qty'])
    return counts, qtys


def reference(feed_path, out_dir):
    """``reference_rate.py`` figures of ``feed_path`` (Decimals)."""
    out = os.path.join(out_dir, 'reference.json')
    subprocess.run([sys.executable, bench_file('reference_rate.py'),
                    '--usage', feed_path, '--rules',
                    bench_file('rules.json'), '--out', out], check=True)
    with open(out) as f:
        return json.load(f, parse_float=decimal.Decimal)


def load_rules(conf, context):
    """Apply ``rules.json`` through the rating modules' DB layer
    (:mod:`cloudkitty.tests.bench_rules`).

    :returns: the key of the reference figures these rules must match:
        ``"hashmap+pyscripts"``, or ``"hashmap"`` when the pyscripts module
        is not part of this build.
    """
    from cloudkitty.tests import bench_rules
    parts = [part for part in ('modules', 'hashmap', 'pyscripts')
             if part in bench_rules.HANDLERS]
    bench_rules.load_rules(context, conf, parts=parts)
    return 'hashmap+pyscripts' if 'pyscripts' in parts else 'hashmap'


def write_config(path, db_url, feed, coordination_url, start, host,
                 workers=1, transport_url=None, log_file=None, extra=None):
    lines = ['[DEFAULT]', 'host = %s' % host]
    if transport_url:
        lines.append('transport_url = %s' % transport_url)
    if log_file:
        lines += ['log_file = %s' % log_file, 'use_stderr = false']
    lines += [
        '[database]', 'connection = %s' % db_url,
        '[collect]', 'collector = file', 'metrics_conf = %s'
        % metrics_file(), 'period = 3600', 'wait_periods = 2',
        'first_period_start = %s' % start.isoformat(),
        '[collector_file]', 'path = %s' % feed,
        '[fetcher]', 'backend = file',
        '[storage]', 'backend = sqlalchemy',
        '[orchestrator]', 'coordination_url = %s' % coordination_url,
        'max_workers = %d' % workers, 'max_threads = 4',
    ]
    for group, options in (extra or {}).items():
        lines.append('[%s]' % group)
        lines += ['%s = %s' % kv for kv in options.items()]
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return path


class ProcessorCommand:
    """``cloudkitty-processor`` in its own process group."""

    def __init__(self, config, *args):
        self.config = config
        self.args = args
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [sys.executable, '-m', 'cloudkitty.cmd.processor',
             '--config-file', self.config, *self.args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True)
        return self

    def run(self, timeout=120):
        self.start()
        out, _ = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out.decode(errors='replace')

    def signal(self, signum):
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signum)

    def stop(self, timeout=60):
        """SIGTERM (graceful), wait; returns (exit status, output)."""
        if self.proc is None:
            return None, ''
        self.signal(signal.SIGTERM)
        try:
            out, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            out, _ = self.proc.communicate()
        return self.proc.returncode, out.decode(errors='replace')

    def kill(self):
        """SIGKILL the whole group (the parent and every worker)."""
        self.signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.communicate()


def states(context):
    from cloudkitty.storage import state
    return {s.scope_id: s for s in state.list_states(context)}


def wait_for_states(context, scopes, last_start, timeout=120,
                    procs=()):
    """Wait until every scope's state reached ``last_start``."""
    deadline = time.monotonic() + timeout
    while True:
        current = states(context)
        late = [s for s in scopes if s not in current
                or current[s].last_processed_timestamp is None
                or current[s].last_processed_timestamp < last_start]
        if not late:
            return current
        for proc in procs:
            if proc.proc.poll() is not None:
                raise AssertionError('processor exited early: %s'
                                     % proc.proc.communicate()[0][-3000:])
        if time.monotonic() > deadline:
            raise AssertionError('%d scopes not rated up to %s in %s s'
                                 % (len(late), last_start, timeout))
        time.sleep(0.5)


def stored(conf, context, begin, end):
    """Rated rows in ``[begin, end)``: (counts per (scope, begin), rows
    per identity, price totals per scope, qty totals per scope)."""
    from cloudkitty import storage
    backend = storage.get_storage(conf)
    per_period = collections.Counter()
    identities = collections.Counter()
    totals = collections.defaultdict(decimal.Decimal)
    qtys = collections.defaultdict(decimal.Decimal)
    for row in backend.iter_dataframes(context, begin, end):
        if row.type == '_NO_DATA_':
            continue
        key = (row.scope_id, _aware(row.begin))
        per_period[key] += 1
        identities[key + (row.type, row.groupby.get('id'))] += 1
        totals[row.scope_id] += row.price
        qtys[row.scope_id] += row.qty
    return per_period, identities, totals, qtys


def _aware(value):
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
