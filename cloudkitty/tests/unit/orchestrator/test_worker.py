"""The per-scope loop of the worker, with tiny in-test collaborators.

The collaborators below are minimal stand-ins written for these unit
tests of the loop logic only; the functional tests run the real file
collector, pipeline and storage.
"""

import datetime
import decimal
import threading
import types

import pytest

from cloudkitty import dataframe
from cloudkitty import exception
from cloudkitty.orchestrator import timing
from cloudkitty.orchestrator import worker as ck_worker

UTC = datetime.UTC
H = datetime.timedelta(hours=1)
T0 = datetime.datetime(2026, 1, 1, tzinfo=UTC)


class Failure(Exception):
    pass


class Collector:
    """Serves ``data[(metric, scope, start)] -> [qty]``; ``fail`` holds
    the (metric, start) that raise."""

    def __init__(self, metrics, data, fail=(), block=None):
        self.metrics = {name: types.SimpleNamespace(
            skip_datapoints_expression=expr) for name, expr in
            metrics.items()}
        self.data = data
        self.fail = set(fail)
        self.block = block
        self.calls = []

    def retrieve(self, name, start, end, scope_id):
        self.calls.append((name, start, scope_id))
        if self.block is not None and name in self.block[0]:
            self.block[1].wait(5)
        if (name, start) in self.fail:
            raise Failure('backend down')
        qtys = self.data.get((name, scope_id, start), [])
        return name, [dataframe.DataPoint('u', q, 0, {'id': str(i)}, {})
                      for i, q in enumerate(qtys)]


class Pipeline:
    def __init__(self, fail_at=None):
        self.fail_at = fail_at
        self.refreshes = 0

    def refresh(self, context):
        self.refreshes += 1

    def notify_rules_changed(self):
        self.notified = True

    def rate(self, context, frame, scope_id):
        if frame.start == self.fail_at:
            raise exception.RatingError(module='pyscripts',
                                        reason='boom.py: ZeroDivisionError')
        return frame.with_usage({
            t: [p.with_price(p.qty * 2) for p in pts]
            for t, pts in frame.usage.items()})


class BatchingPipeline(Pipeline):
    """A pipeline with a module that rates many frames at once: the worker
    must collect a batch's periods, then rate them in one call."""

    batches = True

    def __init__(self, fail_at=None):
        super().__init__(fail_at)
        self.many_calls = []

    def rate(self, context, frame, scope_id):
        raise AssertionError('rate_many is the path of batching pipelines')

    def rate_many(self, context, items):
        self.many_calls.append([frame.start for frame, _scope in items])
        results = []
        for frame, scope_id in items:
            try:
                results.append(super().rate(context, frame, scope_id))
            except exception.RatingError as err:
                results.append(err)
        return results


class Storage:
    """Records pushes; the state is the start of the last pushed frame."""

    def __init__(self, states=None):
        self.states = states or {}
        self.pushed = []

    def push(self, context, scope_id, frame, scope_key='project_id',
             fetcher=None, collector=None, mark_empty=False):
        self.pushed.append((scope_id, frame, scope_key, fetcher, collector))
        self.marked = getattr(self, 'marked', []) + [mark_empty]
        state = self.states.setdefault(scope_id, types.SimpleNamespace(
            active=True, last_processed_timestamp=None))
        state.last_processed_timestamp = frame.start.replace(tzinfo=None)

    def push_many(self, context, frames, mark_empty=False,
                  expected_state=None, **kwargs):
        # the guard of the real storage: the states must be as expected
        for scope_id, expected in (expected_state or {}).items():
            state = self.states.get(scope_id)
            current = None if state is None else \
                state.last_processed_timestamp
            if timing.aware(current) != timing.aware(expected):
                raise exception.StateConflict(scope_id=scope_id,
                                              expected=expected)
        self.batches = getattr(self, 'batches', []) + [len(frames)]
        for scope_id, frame in frames:
            self.push(context, scope_id, frame, mark_empty=mark_empty,
                      **kwargs)

    def get_state(self, context, scope_id):
        return self.states.get(scope_id)


@pytest.fixture(params=[Pipeline, BatchingPipeline],
                ids=['frame_by_frame', 'batched'])
def pipeline_cls(request):
    """Every loop test runs with both kinds of pipeline: the results must
    be the same."""
    return request.param


@pytest.fixture
def make(conf, pipeline_cls):
    conf.set_override('first_period_start', T0.isoformat(), 'collect')
    conf.set_override('collector', 'gnocchi', 'collect')
    conf.set_override('backend', 'file', 'fetcher')

    def _make(collector, pipeline=None, storage=None, now=T0 + 5 * H,
              overrides=None):
        for (group, name), value in (overrides or {}).items():
            conf.set_override(name, value, group)
        storage = storage or Storage()
        pipeline = pipeline or pipeline_cls()
        w = ck_worker.Worker(conf, None, collector, pipeline, storage,
                             storage.get_state, clock=lambda: now)
        return w, pipeline, storage
    return _make


def test_rates_every_ready_period_then_stops(make):
    coll = Collector({'cpu': None}, {('cpu', 's1', T0): [1, 2],
                                     ('cpu', 's1', T0 + H): [3]})
    w, pipe, storage = make(coll)
    result = w.process_scope('s1')
    # now = T0+5h, wait_periods=2: starts T0..T0+2h are ready.
    assert result.periods == 3 and result.points == 3
    starts = [f.start for _, f, *_ in storage.pushed]
    assert starts == [T0, T0 + H, T0 + 2 * H]
    # No data for the third period: an empty frame still advances state.
    assert storage.pushed[2][1].point_count() == 0
    assert [p.price for p in storage.pushed[0][1].usage['cpu']] == [2, 4]
    assert storage.pushed[0][2:] == ('project_id', 'file', 'gnocchi')
    assert w.process_scope('s1').periods == 0


def test_inactive_scope_is_skipped(make):
    coll = Collector({'cpu': None}, {})
    storage = Storage({'s1': types.SimpleNamespace(
        active=False, last_processed_timestamp=None)})
    w, _, storage = make(coll, storage=storage)
    result = w.process_scope('s1')
    assert result.inactive and result.periods == 0
    assert storage.pushed == [] and coll.calls == []


def test_collect_error_stores_nothing_and_keeps_state(make):
    coll = Collector({'cpu': None, 'ram': None},
                     {('cpu', 's1', T0): [1], ('ram', 's1', T0 + H): [1]},
                     fail={('ram', T0 + H)})
    w, _, storage = make(coll)
    with pytest.raises(ck_worker.ScopeFailed) as err:
        w.process_scope('s1')
    assert err.value.metric == 'ram' and err.value.start == T0 + H
    assert [f.start for _, f, *_ in storage.pushed] == [T0]
    assert storage.states['s1'].last_processed_timestamp == \
        T0.replace(tzinfo=None)


def test_local_collector_collects_serially(make, conf):
    coll = Collector({'cpu': None, 'ram': None}, {})
    assert make(coll)[0].threads == 2
    coll.io_bound = False
    assert make(coll)[0].threads == 1


def test_collect_error_serial(make):
    coll = Collector({'cpu': None}, {}, fail={('cpu', T0)})
    w, _, storage = make(coll, overrides={('orchestrator', 'max_threads'):
                                          1})
    assert w.threads == 1
    with pytest.raises(ck_worker.ScopeFailed):
        w.process_scope('s1')
    assert storage.pushed == []


def test_rating_error_stores_nothing(make, pipeline_cls):
    coll = Collector({'cpu': None}, {('cpu', 's1', T0 + H): [1]})
    w, _, storage = make(coll, pipeline=pipeline_cls(fail_at=T0 + H))
    with pytest.raises(ck_worker.ScopeFailed) as err:
        w.process_scope('s1')
    assert 'boom.py' in str(err.value)
    assert [f.start for _, f, *_ in storage.pushed] == [T0]


def test_collection_timeout(make, conf):
    release = threading.Event()
    coll = Collector({'cpu': None, 'ram': None}, {}, block=({'ram'},
                                                           release))
    w, _, storage = make(coll)
    w.timeout = 0.2
    try:
        with pytest.raises(ck_worker.ScopeFailed) as err:
            w.process_scope('s1')
    finally:
        release.set()
        w.close()
    assert isinstance(err.value.cause, ck_worker.CollectTimeout)
    assert 'ram' in str(err.value)
    assert storage.pushed == []


def test_skip_expressions_per_metric_and_default(make):
    coll = Collector({'cpu': 'datapoint["vol"]["qty"] == 1', 'ram': None},
                     {('cpu', 's1', T0): [1, 2], ('ram', 's1', T0): [0, 5]})
    w, _, storage = make(
        coll, now=T0 + 3 * H,
        overrides={('orchestrator', 'skip_datapoints_expression'):
                   'datapoint["rating"]["price"] == 0'})
    w.process_scope('s1')
    frame = storage.pushed[0][1]
    assert [p.qty for p in frame.usage['cpu']] == [2]
    assert [p.qty for p in frame.usage['ram']] == [5]
    assert storage.marked == [False]


def test_all_points_skipped_marks_the_period(make):
    coll = Collector({'cpu': 'True'}, {('cpu', 's1', T0): [1]})
    w, _, storage = make(coll, now=T0 + 4 * H)
    w.process_scope('s1')
    assert [f.point_count() for _, f, *_ in storage.pushed] == [0, 0]
    # Data all skipped -> marker; no data at all -> state only.
    assert storage.marked == [True, False]


def test_batches_bound_transactions(make, conf):
    coll = Collector({'cpu': None}, {('cpu', 's1', T0 + n * H): [1, 2]
                                     for n in range(8)})
    w, pipe, storage = make(coll, now=T0 + 10 * H,
                            overrides={('orchestrator', 'batch_points'): 5})
    result = w.process_scope('s1')
    # 2 points per period: a batch closes at 6 points (3 periods).
    assert storage.batches == [3, 3, 2]
    assert result.periods == 8 and result.points == 16
    assert pipe.refreshes == 3


def test_failure_stores_the_rated_part_of_the_batch(make):
    coll = Collector({'cpu': None}, {('cpu', 's1', T0 + n * H): [1]
                                     for n in range(4)},
                     fail={('cpu', T0 + 3 * H)})
    w, _, storage = make(coll, now=T0 + 10 * H)
    with pytest.raises(ck_worker.ScopeFailed) as err:
        w.process_scope('s1')
    assert storage.batches == [3]
    assert err.value.result.periods == 3
    assert storage.states['s1'].last_processed_timestamp == \
        (T0 + 2 * H).replace(tzinfo=None)


def test_invalid_skip_expression_stops_at_start(make):
    coll = Collector({'cpu': '__import__("os")'}, {})
    with pytest.raises(exception.Invalid):
        make(coll)


def test_stop_between_periods(make):
    coll = Collector({'cpu': None}, {('cpu', 's1', T0): [1]})
    w, _, storage = make(coll)
    calls = []

    def should_stop():
        calls.append(1)
        return len(calls) > 1
    result = w.process_scope('s1', should_stop)
    assert result.interrupted and result.periods == 1
    assert len(storage.pushed) == 1


def test_until_bounds_backfill(make):
    coll = Collector({'cpu': None}, {})
    w, _, storage = make(coll)
    assert w.process_scope('s1', until=T0 + 2 * H).periods == 2


def test_refresh_policy(make):
    coll = Collector({'cpu': None}, {('cpu', 's1', T0): [1],
                                     ('cpu', 's1', T0 + H): [1]})
    w, pipe, _ = make(coll)
    w.process_scope('s1')
    assert pipe.refreshes == 1  # before each batch
    w2, pipe2, _ = make(coll)
    w2.refresh_each_period = False
    w2.process_scope('s2')
    assert pipe2.refreshes == 1  # once per scope run (RPC does the rest)


def test_decimal_prices_preserved(make):
    coll = Collector({'cpu': None}, {('cpu', 's1', T0): ['0.1']})
    w, _, storage = make(coll)
    w.process_scope('s1')
    assert storage.pushed[0][1].usage['cpu'][0].price == \
        decimal.Decimal('0.2')


def test_batched_rating_rates_a_batch_in_one_call(make, pipeline_cls):
    coll = Collector({'cpu': None}, {('cpu', 's1', T0 + n * H): [1, 2]
                                     for n in range(8) if n != 4})
    w, pipe, storage = make(coll, now=T0 + 10 * H,
                            overrides={('orchestrator', 'batch_points'): 5})
    result = w.process_scope('s1')
    # 2 points per period but none in the fifth: 6, 4 + 0 + 2, 2
    assert storage.batches == [3, 4, 1]
    assert result.periods == 8 and result.points == 14
    assert [f.start for _, f, *_ in storage.pushed] == [
        T0 + n * H for n in range(8)]
    assert all(p.price == 2 * p.qty for _, f, *_ in storage.pushed
               for p in f.usage.get('cpu', ()))
    if pipeline_cls is BatchingPipeline:
        # the period without data is not sent to the modules
        assert pipe.many_calls == [
            [T0, T0 + H, T0 + 2 * H], [T0 + 3 * H, T0 + 5 * H, T0 + 6 * H],
            [T0 + 7 * H]]


def test_rating_error_in_a_batch_stores_the_periods_before(make,
                                                           pipeline_cls):
    coll = Collector({'cpu': None}, {('cpu', 's1', T0 + n * H): [1]
                                     for n in range(6)})
    w, _, storage = make(coll, pipeline=pipeline_cls(fail_at=T0 + 4 * H),
                         now=T0 + 10 * H,
                         overrides={('orchestrator', 'batch_points'): 3})
    with pytest.raises(ck_worker.ScopeFailed) as err:
        w.process_scope('s1')
    assert err.value.start == T0 + 4 * H
    assert 'boom.py' in str(err.value)
    assert [f.start for _, f, *_ in storage.pushed] == [
        T0 + n * H for n in range(4)]
    assert err.value.result.periods == 4
    assert storage.states['s1'].last_processed_timestamp == \
        (T0 + 3 * H).replace(tzinfo=None)


def test_a_scope_rated_meanwhile_by_another_worker_is_left_to_it(make):
    """Two workers believe they hold the scope (a lost lock): the one whose
    state is stale when it stores gets nothing stored, and says so."""
    data = {('cpu', 's1', T0): [1, 2], ('cpu', 's1', T0 + H): [3]}
    storage = Storage()
    other, _, _ = make(Collector({'cpu': None}, data), storage=storage)

    class Racing(Collector):
        """The first collect of the slow worker lets the other rate the
        whole scope."""

        raced = False

        def retrieve(self, *args, **kwargs):
            if not self.raced:
                self.raced = True
                assert not other.process_scope('s1').superseded
            return super().retrieve(*args, **kwargs)

    slow, _, _ = make(Racing({'cpu': None}, data), storage=storage)
    result = slow.process_scope('s1')
    assert result.superseded and result.periods == 0
    # every ready period (T0 .. T0+2h) stored once, by the other worker
    starts = [frame.start for _scope, frame, *_ in storage.pushed]
    assert starts == [T0, T0 + H, T0 + 2 * H]
    assert storage.states['s1'].last_processed_timestamp == (
        T0 + 2 * H).replace(tzinfo=None)


def test_skip_period_moves_the_state_only_if_still_next(make):
    coll = Collector({'cpu': None}, {('cpu', 's1', T0 + H): [5]})
    w, _, storage = make(coll)
    # not the next period of the scope: refused, nothing stored
    assert w.skip_period('s1', T0 + H) is False
    assert storage.pushed == []
    assert w.skip_period('s1', T0) is True
    (scope, frame, *_), = storage.pushed
    assert (scope, frame.start, frame.usage) == ('s1', T0, {})
    assert storage.states['s1'].last_processed_timestamp == \
        T0.replace(tzinfo=None)
    # the state moved: skipping T0 again is refused
    assert w.skip_period('s1', T0) is False
    assert w.process_scope('s1').periods >= 1
    assert storage.pushed[1][1].start == T0 + H
