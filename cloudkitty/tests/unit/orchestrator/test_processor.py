"""Rounds over scopes: tooz locks (real file:// driver), backoff, --once."""

import contextlib
import hashlib
import io
import types

import pytest
from tooz import coordination

from cloudkitty.orchestrator import once
from cloudkitty.orchestrator import processor as ck_processor
from cloudkitty.tests.unit.orchestrator import test_worker as tw


def test_lock_name_is_spec_sha256():
    expected = hashlib.sha256(
        b'cloudkitty-abc-gnocchi-keystone-project_id').hexdigest().encode()
    assert ck_processor.lock_name('abc', 'gnocchi', 'keystone',
                                  'project_id') == expected


class Fetcher:
    def __init__(self, scopes):
        self.scopes = scopes

    def get_scopes(self):
        return list(self.scopes)


@pytest.fixture
def build(conf, tmp_path):
    conf.set_override('first_period_start', tw.T0.isoformat(), 'collect')
    conf.set_override('collector', 'file', 'collect')
    conf.set_override('backend', 'file', 'fetcher')
    conf.set_override('coordination_url', 'file://%s' % tmp_path,
                      'orchestrator')
    conf.set_override('connection', 'sqlite://', 'database')
    from cloudkitty.common import messaging
    messaging.register_opts(conf)
    made = []

    def _build(scopes, collector, now=tw.T0 + 5 * tw.H):
        clock = now if callable(now) else (lambda: now)
        storage = tw.Storage()
        comps = types.SimpleNamespace(
            fetcher=Fetcher(scopes), collector=collector,
            pipeline=tw.Pipeline(), storage=storage,
            get_state=storage.get_state)
        proc = ck_processor.Processor(conf, components=comps,
                                      clock=clock).setup()
        made.append(proc)
        return proc, storage
    yield _build
    for proc in made:
        proc.close()


def test_round_rates_all_scopes_and_backs_off_failures(build):
    coll = tw.Collector({'cpu': None}, {('cpu', 'a', tw.T0): [1],
                                        ('cpu', 'b', tw.T0): [2]},
                        fail={('cpu', tw.T0 + tw.H)})
    proc, storage = build(['a', 'b'], coll)
    result = proc.run_round()
    # Both scopes stored their first period then failed on the second.
    assert sorted(result.failed) == ['a', 'b']
    assert sorted(s for s, *_ in storage.pushed) == ['a', 'b']
    again = proc.run_round()
    assert sorted(again.waiting) == ['a', 'b'] and not again.failed
    assert proc.backoff.failures('a') == 1


@contextlib.contextmanager
def held_elsewhere(conf, scope_id):
    """The lock of ``scope_id`` held by another coordination member."""
    other = coordination.get_coordinator(
        conf.orchestrator.coordination_url, b'other')
    other.start()
    lock = other.get_lock(ck_processor.lock_name(
        scope_id, 'file', 'file', 'project_id'))
    assert lock.acquire(blocking=False)
    try:
        yield
    finally:
        lock.release()
        other.stop()


def test_scope_locked_elsewhere_is_skipped(build, conf):
    coll = tw.Collector({'cpu': None}, {})
    proc, storage = build(['a', 'b'], coll)
    with held_elsewhere(conf, 'a'):
        result = proc.run_round()
        assert result.locked == ['a'] and result.done == ['b']
        assert {s for s, *_ in storage.pushed} == {'b'}
        assert proc.idle_wait(result) < 2
    result = proc.run_round()
    assert 'a' in result.done


def test_idle_wait_until_next_boundary(build):
    now = tw.T0 + 5 * tw.H + tw.H / 4
    proc, _ = build([], tw.Collector({'cpu': None}, {}), now=now)
    proc.conf.set_override('poll_interval', 3600, group='reprocessing')
    wait = proc.idle_wait(ck_processor.RoundResult())
    assert wait == pytest.approx(45 * 60 + 1)
    # v2 API work (reprocessing, resets) is polled more often.
    proc.conf.set_override('poll_interval', 60, group='reprocessing')
    assert proc.idle_wait(ck_processor.RoundResult()) == 60


def test_once_reports_and_exit_status(build):
    coll = tw.Collector({'cpu': None}, {('cpu', 'a', tw.T0): [1, 1]},
                        fail={('cpu', tw.T0 + 2 * tw.H)})
    proc, storage = build(['a', 'b'], coll)
    proc.backoff.base = 0.01
    out = io.StringIO()
    status = once.run_once(proc.conf, out, processor=proc)
    text = out.getvalue()
    assert status == 1
    assert 'FAILED scope a' in text and 'FAILED scope b' in text
    assert 'Rated 2 scope(s): 4 period(s), 2 point(s)' in text
    # Each scope was tried ATTEMPTS times on the failing period.
    failing = [c for c in coll.calls if c[1] == tw.T0 + 2 * tw.H]
    assert len(failing) == 2 * once.ATTEMPTS


def test_once_success(build):
    coll = tw.Collector({'cpu': None}, {('cpu', 'a', tw.T0): [1]})
    proc, storage = build(['a'], coll)
    out = io.StringIO()
    assert once.run_once(proc.conf, out, processor=proc) == 0
    assert 'Rated 1 scope(s): 3 period(s), 1 point(s)' in out.getvalue()
    assert 'failed' in out.getvalue()


def test_once_says_which_scopes_another_processor_kept(build, conf,
                                                        monkeypatch):
    """A scope whose lock stays held (a busy or dead processor) is not
    verified rated: listed, and the exit status is 2, not 0."""
    monkeypatch.setattr(once, 'LOCKED_ROUNDS', 1)
    monkeypatch.setattr(ck_processor, 'SHORT_WAIT', 0.01)
    coll = tw.Collector({'cpu': None}, {('cpu', 'b', tw.T0): [1]})
    proc, storage = build(['a', 'b'], coll)
    out = io.StringIO()
    with held_elsewhere(conf, 'a'):
        assert once.run_once(proc.conf, out, processor=proc) == 2
    text = out.getvalue()
    assert '0 scope(s) failed; 1 scope(s) held by another processor' in text
    assert 'LOCKED scope a: held by another processor' in text
    assert 'LOCKED scope b' not in text
    assert {s for s, *_ in storage.pushed} == {'b'}


def test_once_catches_periods_that_became_ready_meanwhile(build):
    coll = tw.Collector({'cpu': None}, {})
    now = [tw.T0 + 5 * tw.H]
    proc, storage = build(['a'], coll, now=lambda: now[0])
    rounds = []
    real_round = proc.run_round

    def run_round(*args, **kwargs):
        result = real_round(*args, **kwargs)
        rounds.append(result.periods)
        now[0] = tw.T0 + 6 * tw.H  # the clock crossed a boundary
        return result
    proc.run_round = run_round
    out = io.StringIO()
    assert once.run_once(proc.conf, out, processor=proc) == 0
    # 3 periods ready at 05:00; the 4th became ready during the first
    # round and is rated by a second one, started after the boundary.
    assert rounds == [3, 1]
    assert [f.start for _, f, *_ in storage.pushed] == [
        tw.T0 + n * tw.H for n in range(4)]


def test_once_single_round_when_no_boundary_crossed(build):
    coll = tw.Collector({'cpu': None}, {})
    proc, storage = build(['a'], coll)
    rounds = []
    real_round = proc.run_round

    def run_round(*args, **kwargs):
        rounds.append(1)
        return real_round(*args, **kwargs)
    proc.run_round = run_round
    assert once.run_once(proc.conf, io.StringIO(), processor=proc) == 0
    assert len(rounds) == 1


def test_coordination_failure_aborts_the_round(build):
    coll = tw.Collector({'cpu': None}, {})
    proc, storage = build(['a', 'b'], coll)

    def broken(scope_id):
        raise coordination.ToozConnectionError('redis down')
    proc._lock = broken
    result = proc.run_round()
    assert 'redis down' in result.fetch_error
    assert storage.pushed == [] and result.done == []
    assert proc.idle_wait(result) <= 10


def test_once_calls_on_ready_before_the_first_round(build):
    coll = tw.Collector({'cpu': None}, {('cpu', 'a', tw.T0): [1]})
    proc, storage = build(['a'], coll)
    events = []
    real_round = proc.run_round

    def run_round(*args, **kwargs):
        events.append('round')
        return real_round(*args, **kwargs)
    proc.run_round = run_round
    assert once.run_once(proc.conf, io.StringIO(), processor=proc,
                         on_ready=lambda: events.append('ready')) == 0
    assert events == ['ready', 'round']


def test_a_database_outage_is_one_warning_per_scope(build, caplog):
    """Storing fails because the database is gone: the scope is retried
    later, and the log says so in one line, without a traceback."""
    from sqlalchemy import exc as sqla_exc
    coll = tw.Collector({'cpu': None}, {('cpu', 'a', tw.T0): [1]})
    proc, storage = build(['a'], coll)

    def push_many(*args, **kwargs):
        raise sqla_exc.OperationalError(
            'INSERT ...', {}, Exception('server closed the connection'))

    storage.push_many = push_many
    with caplog.at_level('WARNING'):
        result = proc.run_round()
    assert list(result.failed) == ['a']
    outage = [r for r in caplog.records
              if 'Database unavailable while rating scope a' in r.message]
    assert len(outage) == 1 and outage[0].exc_info is None
    assert not [r for r in caplog.records
                if 'Unexpected error' in r.message]


def test_once_names_a_scope_another_processor_rated_meanwhile(build):
    """The storage refused the batch (the state moved): not a failure,
    but said on the terminal."""
    from cloudkitty import exception
    coll = tw.Collector({'cpu': None}, {('cpu', 'a', tw.T0): [1]})
    proc, storage = build(['a'], coll)

    def push_many(context, frames, expected_state=None, **kwargs):
        raise exception.StateConflict(scope_id='a',
                                      expected=expected_state['a'])

    storage.push_many = push_many
    out = io.StringIO()
    assert once.run_once(proc.conf, out, processor=proc) == 0
    text = out.getvalue()
    assert 'SUPERSEDED scope a: rated meanwhile by another processor' in text
    assert '0 scope(s) failed' in text


def test_periods_stored_before_an_outage_count(build, conf, caplog):
    """The database goes away after the first batch was stored: the scope
    is retried later, and the round still counts the period it stored."""
    from sqlalchemy import exc as sqla_exc
    conf.set_override('batch_periods', 1, 'orchestrator')
    coll = tw.Collector({'cpu': None}, {('cpu', 'a', tw.T0): [1],
                                        ('cpu', 'a', tw.T0 + tw.H): [2]})
    proc, storage = build(['a'], coll)
    stored = storage.push_many

    def push_many(*args, **kwargs):
        if getattr(storage, 'batches', None):
            raise sqla_exc.OperationalError(
                'INSERT ...', {}, Exception('server closed the connection'))
        return stored(*args, **kwargs)

    storage.push_many = push_many
    seen = []
    with caplog.at_level('INFO'):
        result = proc.run_round(on_scope=seen.append)
    assert list(result.failed) == ['a']
    assert len(storage.pushed) == 1
    assert (result.periods, result.points) == (1, 1)
    assert [(s.scope_id, s.periods) for s in seen] == [('a', 1)]
    assert any('Scope a: 1 period(s), 1 point(s) rated' in r.message
               for r in caplog.records)


def test_failing_period_is_retried_forever_by_default(build):
    coll = tw.Collector({'cpu': None}, {('cpu', 'a', tw.T0): [1]},
                        fail={('cpu', tw.T0 + tw.H)})
    proc, storage = build(['a'], coll)
    proc.backoff.base = 0
    for _ in range(5):
        result = proc.run_round()
        assert list(result.failed) == ['a'] and result.skipped == []
    assert [f.start for _, f, *_ in storage.pushed] == [tw.T0]


def test_failing_period_given_up_after_n_failures(build, conf, caplog):
    """skip_period_after_failures = 3: the third failure of the same
    period moves the state past it (nothing stored for it) and the scope
    goes on with the next periods in the same round."""
    conf.set_override('skip_period_after_failures', 3, 'orchestrator')
    data = {('cpu', 'a', tw.T0 + n * tw.H): [n + 1] for n in range(4)}
    coll = tw.Collector({'cpu': None}, data, fail={('cpu', tw.T0 + tw.H)})
    proc, storage = build(['a'], coll)
    proc.backoff.base = 0
    for _ in range(2):
        result = proc.run_round()
        assert list(result.failed) == ['a'] and result.skipped == []
    with caplog.at_level('ERROR'):
        result = proc.run_round()
    assert result.skipped == [('a', tw.T0 + tw.H, result.skipped[0][2])]
    assert 'backend down' in result.skipped[0][2]
    assert result.failed == {} and result.done == ['a']
    stored = [(f.start, [p.qty for p in f.usage.get('cpu', ())])
              for _, f, *_ in storage.pushed]
    # T0 first, the skipped period as an empty frame (state only), then
    # the period after it (the last one ready at T0 + 5 h)
    assert stored == [(tw.T0, [1]), (tw.T0 + tw.H, []),
                      (tw.T0 + 2 * tw.H, [3])]
    assert storage.states['a'].last_processed_timestamp == (
        tw.T0 + 2 * tw.H).replace(tzinfo=None)
    assert any('period %s skipped after 3 failure(s)'
               % (tw.T0 + tw.H).isoformat() in r.message
               for r in caplog.records)
    # the count restarts for another period
    assert proc._period_failures == {}


def test_failures_of_different_periods_do_not_add_up(build, conf):
    conf.set_override('skip_period_after_failures', 2, 'orchestrator')
    coll = tw.Collector({'cpu': None}, {}, fail={('cpu', tw.T0)})
    proc, storage = build(['a'], coll)
    proc.backoff.base = 0
    proc.run_round()
    # T0 now works, T0+H fails: one failure of T0, one of T0+H
    coll.fail = {('cpu', tw.T0 + tw.H)}
    result = proc.run_round()
    assert result.skipped == [] and list(result.failed) == ['a']
    assert proc._period_failures['a'] == (tw.T0 + tw.H, 1)


def test_once_reports_skipped_periods(build, conf):
    conf.set_override('skip_period_after_failures', 1, 'orchestrator')
    coll = tw.Collector({'cpu': None}, {('cpu', 'a', tw.T0): [1]},
                        fail={('cpu', tw.T0 + tw.H),
                              ('cpu', tw.T0 + 2 * tw.H)})
    proc, storage = build(['a'], coll)
    out = io.StringIO()
    assert once.run_once(proc.conf, out, processor=proc) == 0
    text = out.getvalue()
    assert 'SKIPPED scope a, period %s (nothing stored)' % (
        tw.T0 + tw.H).isoformat() in text
    assert 'SKIPPED scope a, period %s' % (
        tw.T0 + 2 * tw.H).isoformat() in text
    assert 'failed' in text and 'FAILED' not in text


def test_a_skip_that_fails_is_one_more_failure(build, conf):
    from sqlalchemy import exc as sqla_exc
    conf.set_override('skip_period_after_failures', 1, 'orchestrator')
    coll = tw.Collector({'cpu': None}, {}, fail={('cpu', tw.T0)})
    proc, storage = build(['a'], coll)

    def push_many(*args, **kwargs):
        raise sqla_exc.OperationalError('UPDATE ...', {}, Exception('gone'))

    storage.push_many = push_many
    result = proc.run_round()
    assert list(result.failed) == ['a'] and result.skipped == []
    assert proc.backoff.failures('a') == 1
