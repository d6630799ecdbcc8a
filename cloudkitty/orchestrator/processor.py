"""The processing loop over scopes (spec v1 §8.2, steps 1, 2 and 4).

One :class:`Processor` lives in each worker process. A round fetches the
scopes, shuffles them and, for each one, takes a non-blocking tooz lock
(``[orchestrator] coordination_url``) named as in the spec, so that any
number of processes on any number of hosts share the work without rating
a scope twice; a scope held by someone else is skipped this round.

Between rounds (OUR CHOICE, upstream slept ``period`` seconds and drifted)
a processor sleeps until the next period boundary, or ~1 s when it skipped
scopes held by others or has failing scopes to retry (per-scope
exponential backoff, :class:`~cloudkitty.orchestrator.timing.Backoff`).

:class:`ProcessorService` is the cotyledon service
(``[orchestrator] max_workers`` processes); :func:`run_once` is the
``cloudkitty-processor --once`` backfill in the calling process.
"""

import dataclasses
import hashlib
import os
import random
import threading
import time

import cotyledon
from oslo_db import exception as db_exc
from oslo_log import log
from sqlalchemy import exc as sqla_exc
from tooz import coordination

from cloudkitty import context as ck_context
from cloudkitty.db import api as db_api
from cloudkitty.orchestrator import reprocess
from cloudkitty.orchestrator import timing
from cloudkitty.orchestrator import worker as ck_worker

LOG = log.getLogger(__name__)

#: seconds between rounds while scopes are held by others or being retried.
SHORT_WAIT = 1.0


# What a lost or refused database connection (or a deadlock, retried like
# an outage) raises while rating a scope.
_DB_UNAVAILABLE = (db_exc.DBConnectionError, db_exc.DBDeadlock,
                   sqla_exc.OperationalError, sqla_exc.InterfaceError)


def lock_name(scope_id, collector, fetcher, scope_key):
    """The tooz lock name of a scope (spec §8.2): SHA-256 hex of
    ``cloudkitty-<scope>-<collector>-<fetcher backend>-<scope_key>``."""
    text = 'cloudkitty-%s-%s-%s-%s' % (scope_id, collector, fetcher,
                                       scope_key)
    return hashlib.sha256(text.encode('utf-8')).hexdigest().encode('ascii')


@dataclasses.dataclass
class RoundResult:
    """What one round over the scopes did."""

    scopes: int = 0
    done: list = dataclasses.field(default_factory=list)
    failed: dict = dataclasses.field(default_factory=dict)
    locked: list = dataclasses.field(default_factory=list)
    waiting: list = dataclasses.field(default_factory=list)
    #: ``(scope_id, period start, last error)`` of the periods given up
    #: (``[orchestrator] skip_period_after_failures``)
    skipped: list = dataclasses.field(default_factory=list)
    periods: int = 0
    points: int = 0
    interrupted: bool = False
    fetch_error: str | None = None


class Components:
    """The fetcher, collector, pipeline and storage of a processor, loaded
    from the configuration (each plugin family's ``get_*(conf)``)."""

    def __init__(self, conf):
        from cloudkitty import collector
        from cloudkitty import fetcher
        from cloudkitty.rating import pipeline
        from cloudkitty import storage
        from cloudkitty.storage import state
        self.fetcher = fetcher.get_fetcher(conf)
        self.collector = collector.get_collector(conf)
        self.pipeline = pipeline.Pipeline(conf)
        self.storage = storage.get_storage(conf)
        self.get_state = state.get_state


class Processor:
    """Rate every scope of the fetcher, sharing them through tooz.

    :param conf: the service configuration.
    :param member: tooz member id suffix (worker id).
    :param components: a :class:`Components` (default: from ``conf``).
    :param clock: current aware UTC datetime (tests).
    :param listen: run the "rules changed" RPC listener (not needed by a
        one-shot ``--once`` run).
    """

    def __init__(self, conf, member=0, components=None,
                 clock=timing.utcnow, listen=True):
        self.conf = conf
        self.listen = listen
        self.member = member
        self.clock = clock
        self.context = ck_context.get_admin_context()
        self._components = components
        self.coordinator = None
        self.listener = None
        self.worker = None
        self.backoff = timing.Backoff(base=SHORT_WAIT * 2,
                                      cap=max(60.0, conf.collect.period))
        #: scope -> (start of its failing period, failures in a row)
        self._period_failures = {}

    def setup(self):
        """Connect to the database, the coordination backend and RPC."""
        db_api.configure(self.conf)
        comps = self._components or Components(self.conf)
        self.fetcher = comps.fetcher
        self.pipeline = comps.pipeline
        if self.listen:
            # NOTE(ck): imported here: oslo.messaging (and the eventlet it
            # drags in through oslo.service) costs ~0.3 s of start-up that a
            # --once run, which never listens, does not need.
            from cloudkitty.orchestrator import rpc
            self.listener = rpc.RulesListener(
                self.conf, self.pipeline.notify_rules_changed).start()
        # NOTE(ck): the rules are refreshed before each batch of periods
        # (cheap: one query for the module states, one for the rules
        # generation); a notification marks the pipeline stale so that a
        # change is also seen inside a batch, before the next period.
        self.worker = ck_worker.Worker(
            self.conf, self.context, comps.collector, comps.pipeline,
            comps.storage, comps.get_state,
            fetcher_name=self.conf.fetcher.backend, clock=self.clock)
        member_id = ('cloudkitty-processor-%s-%d-%s' % (
            self.conf.host, os.getpid(), self.member)).encode('utf-8')
        self.coordinator = coordination.get_coordinator(
            self.conf.orchestrator.coordination_url, member_id)
        self.coordinator.start(start_heart=True)
        return self

    def close(self):
        if self.worker is not None:
            self.worker.close()
        if self.listener is not None:
            self.listener.stop()
            self.listener = None
        if self.coordinator is not None:
            try:
                self.coordinator.stop()
            except coordination.ToozError as err:
                LOG.warning('Cannot leave the coordination backend: %s', err)
            self.coordinator = None

    def _lock(self, scope_id):
        return self.coordinator.get_lock(lock_name(
            scope_id, self.conf.collect.collector,
            self.conf.fetcher.backend, self.conf.collect.scope_key))

    def run_round(self, stop=None, until=None, on_scope=None):
        """One pass over the scopes.

        :param stop: a threading.Event; set = finish the current period
            and return.
        :param until: do not rate periods starting at/after this instant.
        :param on_scope: ``on_scope(ScopeResult)`` after each rated scope.
        """
        stop = stop or threading.Event()
        result = RoundResult()
        try:
            scopes = list(self.fetcher.get_scopes())
        except Exception as err:  # noqa: B902 - retried next round
            LOG.error('Cannot fetch the scopes to rate: %s', err)
            result.fetch_error = str(err)
            return result
        random.shuffle(scopes)
        result.scopes = len(scopes)
        for scope_id in scopes:
            if stop.is_set():
                result.interrupted = True
                break
            if self.backoff.waiting(scope_id, time.monotonic()):
                result.waiting.append(scope_id)
                continue
            try:
                lock = self._lock(scope_id)
                acquired = lock.acquire(blocking=False)
            except coordination.ToozError as err:
                # NOTE(ck): without the coordination backend no scope can
                # be rated safely: end the round, retry after a short wait.
                LOG.error('Coordination backend unavailable (%s): round '
                          'aborted', err)
                result.fetch_error = 'coordination: %s' % err
                break
            if not acquired:
                LOG.debug('Scope %s is being rated by another processor',
                          scope_id)
                result.locked.append(scope_id)
                continue
            try:
                self._rate_scope(scope_id, stop, until, result, on_scope)
            finally:
                try:
                    lock.release()
                except coordination.ToozError as err:
                    LOG.warning('Cannot release the lock of scope %s: %s',
                                scope_id, err)
        # NOTE(ck): reprocessing schedules (v2 API), same locks; see there.
        reprocess.run_pending(self, stop)
        return result

    def _rate_scope(self, scope_id, stop, until, result, on_scope):
        # NOTE(ck): a period given up (skip_period_after_failures) lets
        # the scope go on with the next ones at once
        while self._rate_scope_once(scope_id, stop, until, result,
                                    on_scope) and not stop.is_set():
            pass

    def _rate_scope_once(self, scope_id, stop, until, result, on_scope):
        """Rate the ready periods of a scope; True when a failing period
        was given up and the scope can go on."""
        # NOTE(ck): kept here, so that the periods stored before a failure
        # count, whatever the failure
        scope = ck_worker.ScopeResult(scope_id)
        failure = None
        try:
            self.worker.process_scope(scope_id, stop.is_set, until=until,
                                      result=scope)
        except ck_worker.ScopeFailed as err:
            failure = err
        except _DB_UNAVAILABLE as err:
            # NOTE(ck): an outage, not a bug: one line, no traceback (it
            # repeats for every scope until the database is back)
            LOG.warning('Database unavailable while rating scope %s: %s',
                        scope_id, str(err).splitlines()[0])
            failure = err
        except Exception as err:  # noqa: B902 - a scope must not kill us
            LOG.exception('Unexpected error while rating scope %s',
                          scope_id)
            failure = err
        if failure is not None:
            self._count(scope, result, on_scope)
            if self._give_up(scope_id, failure, result):
                return True
            delay = self.backoff.failed(scope_id, time.monotonic())
            LOG.warning('Scope %s will be retried in %.0f s: %s',
                        scope_id, delay, failure)
            result.failed[scope_id] = str(failure)
            return False
        self.backoff.succeeded(scope_id)
        self._period_failures.pop(scope_id, None)
        result.done.append(scope_id)
        result.interrupted = result.interrupted or scope.interrupted
        self._count(scope, result, on_scope)
        return False

    def _give_up(self, scope_id, failure, result):
        """Skip the failing period once it failed ``[orchestrator]
        skip_period_after_failures`` times in a row; True if skipped."""
        limit = self.conf.orchestrator.skip_period_after_failures
        if not limit or not isinstance(failure, ck_worker.ScopeFailed):
            return False
        start = failure.start
        previous = self._period_failures.get(scope_id)
        count = previous[1] + 1 if previous and previous[0] == start else 1
        self._period_failures[scope_id] = (start, count)
        if count < limit:
            return False
        try:
            if not self.worker.skip_period(scope_id, start):
                return False
        except Exception as err:  # noqa: B902 - retried as a failure
            LOG.warning('Scope %s: period %s could not be skipped: %s',
                        scope_id, start.isoformat(), err)
            return False
        self._period_failures.pop(scope_id, None)
        self.backoff.succeeded(scope_id)
        LOG.error('Scope %s: period %s skipped after %d failure(s) in a '
                  'row, nothing stored for it ([orchestrator] '
                  'skip_period_after_failures = %d); last error: %s',
                  scope_id, start.isoformat(), count, limit, failure)
        result.skipped.append((scope_id, start, str(failure)))
        return True

    @staticmethod
    def _count(scope, result, on_scope):
        result.periods += scope.periods
        result.points += scope.points
        if scope.periods:
            LOG.info('Scope %s: %d period(s), %d point(s) rated',
                     scope.scope_id, scope.periods, scope.points)
        if on_scope is not None:
            on_scope(scope)

    def idle_wait(self, result):
        """Seconds to sleep after ``result`` before the next round."""
        if result.locked or result.interrupted:
            return SHORT_WAIT * random.uniform(0.5, 1.5)
        period = self.conf.collect.period
        now = self.clock()
        anchor = timing.first_period_start(self.conf, now)
        elapsed = (now - anchor).total_seconds() % period
        wait = period - elapsed + 1.0
        retry = self.backoff.next_attempt()
        if retry is not None:
            wait = min(wait, max(SHORT_WAIT, retry - time.monotonic()))
        if result.fetch_error:
            wait = min(wait, 10.0)
        # NOTE(ck): v2 API work (reprocessing, resets); see reprocess.py.
        wait = min(wait, float(self.conf.reprocessing.poll_interval))
        return max(SHORT_WAIT, min(wait, float(period)))

    def run_forever(self, stop):
        """Rounds until ``stop`` is set."""
        while not stop.is_set():
            result = self.run_round(stop)
            if stop.is_set():
                break
            stop.wait(self.idle_wait(result))


class ProcessorService(cotyledon.Service):
    """One rating worker process (cotyledon)."""

    name = 'cloudkitty-processor'

    def __init__(self, worker_id, conf):
        super().__init__(worker_id)
        self.conf = conf
        self._stop = threading.Event()
        self._finished = threading.Event()

    def run(self):
        processor = Processor(self.conf, member=self.worker_id)
        try:
            processor.setup()
            LOG.info('Processor worker %s started', self.worker_id)
            processor.run_forever(self._stop)
        finally:
            processor.close()
            self._finished.set()

    def terminate(self):
        # NOTE(ck): the current period is stored in one transaction; we
        # let it finish (or fail) and stop before the next one.
        LOG.info('Processor worker %s stopping', self.worker_id)
        self._stop.set()
        self._finished.wait(
            self.conf.orchestrator.collector_request_timeout + 30)


def serve(conf):
    """Run ``[orchestrator] max_workers`` processor processes (cotyledon)."""
    workers = max(1, conf.orchestrator.max_workers)
    manager = cotyledon.ServiceManager(
        graceful_shutdown_timeout=(
            conf.orchestrator.collector_request_timeout + 60))
    manager.add(ProcessorService, workers=workers, args=(conf,))
    manager.run()
