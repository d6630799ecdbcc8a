"""The processor end to end: real file collector and fetcher, real rating
pipeline with the benchmark rules, real storage, real databases, Redis
locks, processes started as ``cloudkitty-processor`` commands.

Every (scope, period) must be stored exactly once (no duplicate row) and
the totals must equal the benchmark's reference calculator.
"""

import decimal
import os
import signal
import time

import pytest

from cloudkitty.tests.functional.orchestrator import services
from cloudkitty.tests.functional.orchestrator import workload

TOLERANCE = decimal.Decimal('0.005')


#: local development only: run without the rating modules (prices are
#: then not compared with the reference; rows and quantities still are).
NO_RULES = os.environ.get('CK_TEST_PROCESSING_NO_RULES') == '1'


def _prepare(conf, admin_context):
    """Load the rules; returns the key of the reference figures."""
    services.require('cloudkitty.storage.state', 'storage')
    services.require('cloudkitty.collector.file', 'file collector')
    services.require('cloudkitty.rating.pipeline', 'rating pipeline')
    if NO_RULES:
        return None
    services.require('cloudkitty.rating.hashmap.db', 'hashmap module')
    return workload.load_rules(conf, admin_context)


def _check(conf, admin_context, feed, key):
    """Rows, quantities and prices against the feed and the reference."""
    per_period, identities, totals, qtys = workload.stored(
        conf, admin_context, feed.start, feed.last + workload.HOUR)
    duplicates = {k: n for k, n in identities.items() if n != 1}
    assert not duplicates, 'duplicate rows: %s' % list(duplicates)[:5]
    assert per_period == feed.counts
    assert qtys == feed.qtys
    if key is None:
        return totals
    ref = feed.ref[key]
    expected = ref['per_scope']
    assert sorted(totals) == sorted(expected)
    for scope_id, total in expected.items():
        assert abs(totals[scope_id] - decimal.Decimal(total)) < TOLERANCE, \
            scope_id
    grand = sum(totals.values())
    assert abs(grand - decimal.Decimal(ref['total'])) < TOLERANCE
    return totals


def _config(tmp_path, conf, feed, name, coordination_url, workers=1,
            **kwargs):
    return workload.write_config(
        str(tmp_path / ('%s.conf' % name)), conf.database.connection,
        feed.path, coordination_url, feed.start, host=name, workers=workers,
        log_file=str(tmp_path / ('%s.log' % name)), **kwargs)


@pytest.mark.integration
def test_once_single_process_sqlite_wal(conf, wal_db, admin_context, feed,
                                        tmp_path):
    key = _prepare(conf, admin_context)
    config = _config(tmp_path, conf, feed, 'once',
                     'file://%s' % (tmp_path / 'locks'))
    status, out = workload.ProcessorCommand(config, '--once').run()
    assert status == 0, out
    assert 'Rated %d scope(s)' % len(feed.scopes) in out, out
    assert '0 scope(s) failed' in out
    _check(conf, admin_context, feed, key)
    # A second --once finds nothing left to do (and stores nothing twice).
    status, out = workload.ProcessorCommand(config, '--once').run()
    assert status == 0 and 'Rated 0 scope(s)' in out, out
    _check(conf, admin_context, feed, key)


@pytest.mark.integration
def test_three_processors_share_scopes_exactly_once(
        conf, pg_db, admin_context, feed, tmp_path):
    key = _prepare(conf, admin_context)
    url = services.redis_tooz_url()
    # Two commands: one with two worker processes, one with one.
    procs = [workload.ProcessorCommand(_config(
        tmp_path, conf, feed, 'node%d' % i, url, workers=workers)).start()
        for i, workers in enumerate((2, 1))]
    try:
        workload.wait_for_states(admin_context, feed.scopes, feed.last,
                                 procs=procs)
    finally:
        results = [p.stop() for p in procs]
    for status, out in results:
        assert status == 0, out
    _check(conf, admin_context, feed, key)
    # Work was shared: every process rated something.
    logs = [(tmp_path / ('node%d.log' % i)).read_text() for i in (0, 1)]
    workers = set()
    for text in logs:
        for line in text.splitlines():
            if 'period(s)' in line and 'rated' in line:
                workers.add(line.split()[2])  # the pid column
    assert len(workers) >= 2, workers


@pytest.mark.integration
def test_kill_9_then_restart_rates_exactly_once(
        conf, pg_db, admin_context, feed, tmp_path):
    key = _prepare(conf, admin_context)
    url = services.redis_tooz_url(lock_timeout=3)
    config = _config(tmp_path, conf, feed, 'victim', url, workers=2)
    proc = workload.ProcessorCommand(config).start()
    try:
        deadline = time.monotonic() + 60
        while True:
            rated = [s for s in workload.states(admin_context).values()
                     if s.last_processed_timestamp is not None]
            if len(rated) >= 5 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert rated, 'nothing rated before the kill'
    finally:
        proc.signal(signal.SIGKILL)
        proc.kill()
    partial = workload.states(admin_context)
    assert any(s.last_processed_timestamp is None
               or s.last_processed_timestamp < feed.last
               for s in partial.values()) or len(partial) < len(
                   feed.scopes), 'killed too late to test anything'
    restarted = workload.ProcessorCommand(config).start()
    try:
        workload.wait_for_states(admin_context, feed.scopes, feed.last,
                                 procs=[restarted])
    finally:
        status, out = restarted.stop()
    assert status == 0, out
    _check(conf, admin_context, feed, key)
    assert os.path.exists(tmp_path / 'victim.log')
