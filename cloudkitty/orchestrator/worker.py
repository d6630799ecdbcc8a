"""Rate one scope, period after period (spec v1 §8.2, step 3).

For each ready period: collect every metric (a bounded thread pool, the
whole batch bounded by ``[orchestrator] collector_request_timeout``), build
the frame, rate it with the pipeline, drop the points matching the
``skip_datapoints_expression``, then push rows and state to storage in ONE
transaction (the storage's contract), so a period is stored exactly once
whatever fails.

Failure semantics:

* a :class:`~cloudkitty.collector.CollectError` (or a timeout) aborts the
  scope run: nothing is stored for that period (the periods rated before
  it in the run are), the state does not move past them;
  the processor retries the scope later with a backoff;
* a :class:`~cloudkitty.exception.RatingError` (a failing module or
  script, a failing skip expression) does the same;
* no data at all for a period: the empty frame is pushed, which advances
  the state (the storage decides on the ``_NO_DATA_`` marker).
"""

import concurrent.futures
import dataclasses
import datetime

from oslo_log import log

from cloudkitty import dataframe
from cloudkitty import exception
from cloudkitty.orchestrator import skip
from cloudkitty.orchestrator import timing

LOG = log.getLogger(__name__)


class CollectTimeout(exception.CloudKittyException):
    msg_fmt = ('Collection of scope %(scope)s for %(start)s took more than '
               '%(timeout)s s (metrics still running: %(metrics)s)')


class ScopeFailed(exception.CloudKittyException):
    """A period of a scope could not be rated (retry later)."""

    msg_fmt = 'Scope %(scope)s, period %(start)s: %(reason)s'

    def __init__(self, scope, start, cause, metric=None):
        super().__init__(scope=scope, start=start.isoformat(),
                         reason=cause)
        self.scope = scope
        self.start = start
        self.cause = cause
        self.metric = metric
        #: the :class:`ScopeResult` of the periods stored before failing.
        self.result = None


class _Batch:
    """Rated frames of one scope waiting to be stored together."""

    def __init__(self, worker, scope_id, result):
        self.worker = worker
        self.scope_id = scope_id
        self.result = result
        self.frames = []
        self.points = 0
        #: the scope's ``last_processed_timestamp`` when the periods of this
        #: batch were found ready: storing requires it unchanged (see
        #: BaseStorage.push_many ``expected_state``)
        self.expected = None

    def add(self, frame):
        self.frames.append(frame)
        self.points += frame.point_count()

    def full(self):
        conf = self.worker.conf.orchestrator
        return (self.points >= conf.batch_points
                or len(self.frames) >= conf.batch_periods)

    def flush(self, mark_empty=False):
        """Store the frames and the state in ONE transaction."""
        if not self.frames:
            return
        w = self.worker
        # NOTE(ck): a period whose collected points were all skipped is
        # marked (_NO_DATA_ row); one with no data at all only moves the
        # state (spec §2.6).
        w.storage.push_many(
            w.context, [(self.scope_id, f) for f in self.frames],
            scope_key=w.scope_key, fetcher=w.fetcher_name,
            collector=w.collector_name, mark_empty=mark_empty,
            expected_state={self.scope_id: self.expected})
        self.expected = max(f.start for f in self.frames)
        self.result.periods += len(self.frames)
        self.result.points += self.points
        self.frames = []
        self.points = 0


class _Pending:
    """Collected periods of one scope waiting to be rated together."""

    def __init__(self):
        self.periods = []
        self.points = 0

    def add(self, start, end, usage):
        self.periods.append((start, end, usage))
        self.points += sum(len(points) for points in usage.values())

    def fills(self, batch):
        """Would ``batch`` be full with these periods added?"""
        conf = batch.worker.conf.orchestrator
        return (batch.points + self.points >= conf.batch_points
                or len(batch.frames) + len(self.periods)
                >= conf.batch_periods)


@dataclasses.dataclass
class ScopeResult:
    """What one :meth:`Worker.process_scope` call did."""

    scope_id: str
    periods: int = 0
    points: int = 0
    skipped_points: int = 0
    inactive: bool = False
    interrupted: bool = False
    #: the scope's state changed under us (another processor, a reset):
    #: the batch being stored was discarded, the scope left alone
    superseded: bool = False


def _field(state, name, default=None):
    if state is None:
        return default
    if isinstance(state, dict):
        return state.get(name, default)
    return getattr(state, name, default)


class Worker:
    """Rates scopes with one collector, pipeline and storage.

    :param conf: the service configuration.
    :param context: admin RequestContext used for DB access.
    :param collector: a ``BaseCollector`` (``retrieve`` and ``metrics``).
    :param pipeline: a ``rating.pipeline.Pipeline``.
    :param storage: a ``BaseStorage`` (``push``).
    :param get_state: ``get_state(context, scope_id)`` of
        ``storage.state`` (None or an object with ``last_processed_timestamp``
        and ``active``).
    :param fetcher_name: ``[fetcher] backend`` (recorded in the state).
    :param clock: returns the current aware UTC datetime (tests).
    :param refresh_each_period: refresh the rules before every batch of
        periods (True when no RPC tells the processor that rules changed;
        with RPC, once per scope run and whenever notified).
    """

    def __init__(self, conf, context, collector, pipeline, storage,
                 get_state, fetcher_name=None, clock=timing.utcnow,
                 refresh_each_period=True):
        self.conf = conf
        self.context = context
        self.collector = collector
        self.pipeline = pipeline
        self.storage = storage
        self.get_state = get_state
        self.fetcher_name = fetcher_name or conf.fetcher.backend
        self.collector_name = conf.collect.collector
        self.scope_key = conf.collect.scope_key
        self.period = conf.collect.period
        self.wait_periods = conf.collect.wait_periods
        self.clock = clock
        self.refresh_each_period = refresh_each_period
        self.timeout = conf.orchestrator.collector_request_timeout
        self.metric_names = sorted(collector.metrics)
        self.default_skip = skip.SkipExpression(
            conf.orchestrator.skip_datapoints_expression)
        self.skips = {}
        for name, metric in collector.metrics.items():
            text = getattr(metric, 'skip_datapoints_expression', None)
            if text not in (None, ''):
                self.skips[name] = skip.SkipExpression(text)
        self.threads = max(1, min(conf.orchestrator.max_threads,
                                  len(self.metric_names) or 1))
        # NOTE(ck): threads only pay off when collecting waits on the
        # network; a collector that computes locally (the file collector
        # reads an indexed local file) is faster serially under the GIL.
        # A collector may say so with ``io_bound = False``.
        if not getattr(collector, 'io_bound',
                       self.collector_name != 'file'):
            self.threads = 1
        self._pool = None
        # Validated now so that a bad value stops the processor at start.
        timing.first_period_start(conf, clock())

    # -- periods -----------------------------------------------------------

    def next_period(self, scope_id, now=None):
        """``(start, end)`` of the next ready period, or None (nothing
        ready, or the scope is known and inactive)."""
        status, period, _last = self._next(scope_id, now)
        return period if status == 'ready' else None

    def _next(self, scope_id, now=None):
        """``(status, period, last)``: 'inactive', 'waiting' or 'ready',
        the ready period, and the state's ``last_processed_timestamp`` as
        read (what storing the period requires unchanged)."""
        now = now or self.clock()
        state = self.get_state(self.context, scope_id)
        last = timing.aware(_field(state, 'last_processed_timestamp'))
        if state is not None and not _field(state, 'active', True):
            return 'inactive', None, last
        start = timing.next_period_start(
            last, timing.first_period_start(self.conf, now), self.period)
        if not timing.is_ready(start, self.period, self.wait_periods, now):
            return 'waiting', None, last
        return 'ready', (start, start + datetime.timedelta(
            seconds=self.period)), last

    def skip_period(self, scope_id, start):
        """Give up the period of ``scope_id`` starting at ``start``: the
        state moves past it, nothing stored for it (``[orchestrator]
        skip_period_after_failures``).

        :returns: True when skipped; False when ``start`` is no longer the
            scope's next ready period (rated or reset meanwhile).
        """
        status, period, last = self._next(scope_id)
        if status != 'ready' or period[0] != start:
            return False
        # an empty period stored like any other: the state moves, guarded
        batch = _Batch(self, scope_id, ScopeResult(scope_id))
        batch.expected = last
        batch.add(dataframe.DataFrame(period[0], period[1], {}))
        try:
            batch.flush()
        except exception.StateConflict:
            return False
        return True

    def process_scope(self, scope_id, should_stop=lambda: False,
                      until=None, result=None):
        """Rate every ready period of ``scope_id``.

        Rated periods are stored in batches (``[orchestrator]
        batch_points`` / ``batch_periods``), each batch in one transaction
        with the state: after a crash the scope resumes after the last
        stored batch, and nothing is stored twice.

        :param should_stop: checked between periods (graceful shutdown:
            what was rated is stored, then the run stops).
        :param until: do not rate periods starting at or after this
            instant (``--once --until``).
        :param result: the :class:`ScopeResult` to fill (a new one when
            None): a caller that keeps it still knows what was stored when
            an unexpected error (a database outage) ends the scope.
        :returns: :class:`ScopeResult`.
        :raises ScopeFailed: a period failed (collect or rating); the
            periods rated before it are stored first.
        """
        if result is None:
            result = ScopeResult(scope_id)
        batch = _Batch(self, scope_id, result)
        conflict = None
        try:
            self._process(scope_id, should_stop, until, result, batch)
        except exception.StateConflict as err:
            # NOTE(ck): the storage refused the batch: the scope's state is
            # no longer what it was when its periods were found ready, so
            # someone else rated (or reset) it meanwhile -- its lock was
            # lost. Nothing of the batch was stored.
            conflict = err
        if conflict is not None:
            # (logged outside the handler: oslo.log would append the
            # exception being handled to the line)
            LOG.warning('%s; another processor or a state reset moved it: '
                        'scope left to it', conflict)
            result.superseded = True
        return result

    def _process(self, scope_id, should_stop, until, result, batch):
        if not self.refresh_each_period:
            self.pipeline.refresh(self.context)
        status, period, batch.expected = self._next(scope_id)
        # NOTE(ck): when a module rates many frames at once better than one
        # by one (pyscripts: one sandbox round trip), the periods of a
        # batch are collected first, then rated together (``pending``);
        # what is stored, and when, stays the same.
        pending = _Pending()
        try:
            while True:
                if status == 'inactive':
                    LOG.debug('Scope %s is inactive, skipped', scope_id)
                    result.inactive = True
                    break
                if period is None:
                    break
                start, end = period
                if until is not None and start >= until:
                    break
                if should_stop():
                    result.interrupted = True
                    break
                if (self.refresh_each_period and not batch.frames
                        and not pending.periods):
                    self.pipeline.refresh(self.context)
                if getattr(self.pipeline, 'batches', False):
                    try:
                        usage = self.collect(scope_id, start, end)
                    except ScopeFailed:
                        self._rate_pending(scope_id, pending, batch)
                        raise
                    pending.add(start, end, usage)
                else:
                    self._add(batch, *self.rate_period(scope_id, start,
                                                       end))
                status, period = self._advance(start)
                if period is not None and until is not None \
                        and period[0] >= until:
                    period = None
                if pending.periods and (period is None
                                        or pending.fills(batch)):
                    self._rate_pending(scope_id, pending, batch)
                if batch.full():
                    batch.flush()
                    if period is not None:
                        # The state may have been changed meanwhile (v2
                        # scope API: reset, deactivation): follow it.
                        status, period, batch.expected = self._next(
                            scope_id)
            self._rate_pending(scope_id, pending, batch)
        except ScopeFailed as err:
            batch.flush()
            err.result = result
            raise
        batch.flush()
        return result

    @staticmethod
    def _add(batch, frame, skipped, mark):
        batch.result.skipped_points += skipped
        if mark:
            # NOTE(ck): a marker row is asked per push call: store this
            # period on its own.
            batch.flush()
            batch.add(frame)
            batch.flush(mark_empty=True)
        else:
            batch.add(frame)

    def _rate_pending(self, scope_id, pending, batch):
        """Rate the collected periods together and add them to the batch,
        in order; the first that fails raises (those before it are in the
        batch)."""
        periods, pending.periods, pending.points = pending.periods, [], 0
        if not periods:
            return
        frames = [dataframe.DataFrame(start, end, usage)
                  for start, end, usage in periods]
        try:
            outcomes = iter(self.pipeline.rate_many(
                self.context, [(frame, scope_id) for frame in frames
                               if frame.usage]))
        except exception.CloudKittyException as err:
            raise self._rating_failed(scope_id, periods[0][0], err)
        for frame in frames:
            rated = next(outcomes) if frame.usage else None
            self._add(batch, *self._finish(scope_id, frame, rated))

    def _finish(self, scope_id, frame, rated):
        """``(frame, skipped points, mark_empty)`` of one period.

        :param frame: the collected frame.
        :param rated: what the pipeline made of it (the rated frame, or the
            error it failed with); None when the period had no data.
        :raises ScopeFailed: the rating or a skip expression failed.
        """
        if rated is None:
            LOG.warning('No data collected for scope %s over [%s, %s): '
                        'the period is recorded as rated', scope_id,
                        frame.start.isoformat(), frame.end.isoformat())
            return frame, 0, False
        if isinstance(rated, exception.CloudKittyException):
            raise self._rating_failed(scope_id, frame.start, rated)
        try:
            kept, skipped = skip.filter_frame(rated, self.skips,
                                              self.default_skip)
        except exception.CloudKittyException as err:
            raise self._rating_failed(scope_id, frame.start, err)
        return kept, skipped, not kept.usage

    @staticmethod
    def _rating_failed(scope_id, start, err):
        LOG.error('Rating of scope %s failed for period %s: %s',
                  scope_id, start.isoformat(), err)
        return ScopeFailed(scope_id, start, err)

    def _advance(self, start):
        """The period after ``start`` if ready (state kept locally inside
        a batch: we hold the scope's lock)."""
        nxt = start + datetime.timedelta(seconds=self.period)
        if not timing.is_ready(nxt, self.period, self.wait_periods,
                               self.clock()):
            return 'waiting', None
        return 'ready', (nxt, nxt + datetime.timedelta(seconds=self.period))

    def rate_period(self, scope_id, start, end):
        """Collect, rate and filter one period (nothing stored).

        :returns: ``(frame, skipped points, mark_empty)``; ``mark_empty``
            when the period had data but every point was skipped.
        :raises ScopeFailed: the period cannot be rated now.
        """
        usage = self.collect(scope_id, start, end)
        frame = dataframe.DataFrame(start, end, usage)
        rated = None
        if usage:
            try:
                rated = self.pipeline.rate(self.context, frame, scope_id)
            except exception.CloudKittyException as err:
                rated = err
        return self._finish(scope_id, frame, rated)

    # -- collection ----------------------------------------------------------

    def _retrieve(self, name, scope_id, start, end):
        return self.collector.retrieve(name, start, end, scope_id)

    def collect(self, scope_id, start, end):
        """``{type: [points]}`` of every metric with data.

        :raises ScopeFailed: a metric failed or the batch timed out.
        """
        usage = {}
        if self.threads == 1:
            for name in self.metric_names:
                try:
                    published, points = self._retrieve(name, scope_id,
                                                       start, end)
                except Exception as err:  # noqa: B902 - CollectError or bug
                    self._log_collect_error(scope_id, name, start, err)
                    raise ScopeFailed(scope_id, start, err, metric=name)
                if points:
                    usage[published] = points
            return usage
        pool = self._executor()
        futures = {pool.submit(self._retrieve, name, scope_id, start, end):
                   name for name in self.metric_names}
        # NOTE(ck): FIRST_EXCEPTION returns as soon as a metric fails (the
        # run is aborted anyway) or when the timeout bounds the batch.
        done, pending = concurrent.futures.wait(
            futures, timeout=self.timeout,
            return_when=concurrent.futures.FIRST_EXCEPTION)
        results = {}
        for future in done:
            name = futures[future]
            err = future.exception()
            if err is not None:
                for other in pending:
                    other.cancel()
                self._log_collect_error(scope_id, name, start, err)
                raise ScopeFailed(scope_id, start, err, metric=name)
            results[name] = future.result()
        if pending:
            for other in pending:
                other.cancel()
            names = sorted(futures[f] for f in pending)
            err = CollectTimeout(scope=scope_id, start=start.isoformat(),
                                 timeout=self.timeout,
                                 metrics=', '.join(names))
            LOG.error('%s', err)
            raise ScopeFailed(scope_id, start, err, metric=names[0])
        for name in self.metric_names:
            published, points = results[name]
            if points:
                usage[published] = points
        return usage

    def _log_collect_error(self, scope_id, metric, start, err):
        LOG.error('Collection failed for scope %s, metric %s, period %s: '
                  '%s', scope_id, metric, start.isoformat(), err)

    def _executor(self):
        if self._pool is None:
            self._pool = concurrent.futures.ThreadPoolExecutor(
                max_workers=self.threads,
                thread_name_prefix='ck-collect')
        return self._pool

    def close(self):
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
