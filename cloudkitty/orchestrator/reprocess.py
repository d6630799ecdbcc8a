"""Executing reprocessing schedules (``/v2/task/reprocesses``, v2 §3.6).

The processor calls :func:`run_pending` once per round, after the normal
pass over the scopes (the one-line hook in
:meth:`cloudkitty.orchestrator.processor.Processor.run_round`). For each
unfinished schedule it takes the scope's tooz lock -- the SAME lock the
normal loop takes (:func:`cloudkitty.orchestrator.processor.lock_name`) --
without blocking (a scope being rated is retried next round), then re-rates
the schedule's periods one by one:

* collect the period again, rate it with the pipeline (rules in force at
  the period start), apply the skip expressions, exactly as the normal loop;
* in ONE transaction: replace the scope's stored points of that period
  (``storage.push(..., set_state=False)``: the scope's state does not move)
  and record the period as the schedule's ``current_reprocess_time``.

So a period is never counted twice nor lost: the normal loop only rates
periods after the scope's state, reprocessing only periods at or before it,
both under the scope's lock, and each re-rated period replaces the old rows
atomically with the progress. After a crash the schedule resumes after the
last recorded period (re-rating one period twice is harmless: it replaces).

:func:`scope_locks` lets the API hold the same locks (``PUT /v2/scope``).
"""

import contextlib
import datetime
import uuid

from oslo_log import log
from tooz import coordination

from cloudkitty import dataframe
from cloudkitty.db import api as db_api
from cloudkitty.db import reprocessing
from cloudkitty import exception
from cloudkitty.orchestrator import skip
from cloudkitty.storage import state as st_state

LOG = log.getLogger(__name__)

#: seconds the API waits for a scope's lock before answering 409.
API_LOCK_TIMEOUT = 30


class ScopeBusy(exception.Conflict):
    msg_fmt = ('Scope %(scope)s is being processed; retry in a few '
               'seconds.')


def _lock_name(conf, scope_id):
    from cloudkitty.orchestrator import processor
    return processor.lock_name(scope_id, conf.collect.collector,
                               conf.fetcher.backend, conf.collect.scope_key)


@contextlib.contextmanager
def scope_locks(conf, scope_ids, timeout=API_LOCK_TIMEOUT):
    """Hold the processor's tooz locks of ``scope_ids`` (sorted order).

    :raises ScopeBusy: a lock was not obtained within ``timeout`` seconds.
    """
    member = ('cloudkitty-api-%s' % uuid.uuid4().hex).encode('ascii')
    coordinator = coordination.get_coordinator(
        conf.orchestrator.coordination_url, member)
    coordinator.start()
    held = []
    try:
        for scope_id in sorted(set(scope_ids)):
            lock = coordinator.get_lock(_lock_name(conf, scope_id))
            if not lock.acquire(blocking=timeout):
                raise ScopeBusy(scope=scope_id)
            held.append(lock)
        yield
    finally:
        for lock in reversed(held):
            try:
                lock.release()
            except coordination.ToozError as err:
                LOG.warning('Cannot release a scope lock: %s', err)
        coordinator.stop()


class Reprocessor:
    """Runs schedules with a processor's worker (collector, pipeline,
    storage) and locks."""

    def __init__(self, conf, context, worker, get_lock):
        self.conf = conf
        self.context = context
        self.worker = worker
        self.get_lock = get_lock
        self.period = datetime.timedelta(seconds=conf.collect.period)

    def run(self, stop=None):
        """Work on every unfinished schedule; returns the periods done."""
        done = 0
        for task in reprocessing.pending(self.context):
            if stop is not None and stop.is_set():
                break
            lock = self.get_lock(task.scope_id)
            if not lock.acquire(blocking=False):
                continue
            try:
                done += self.run_task(task, stop)
            except Exception as err:  # noqa: B902 - retried next round
                LOG.error('Reprocessing of scope %s [%s, %s] stopped at %s, '
                          'retried later: %s', task.scope_id,
                          task.start.isoformat(), task.end.isoformat(),
                          task.current, err)
            finally:
                try:
                    lock.release()
                except coordination.ToozError as err:
                    LOG.warning('Cannot release the lock of scope %s: %s',
                                task.scope_id, err)
        return done

    def run_task(self, task, stop=None):
        """Re-rate the periods of ``task`` (under its scope's lock)."""
        scope = st_state.get_state(self.context, task.scope_id)
        if scope is not None and not scope.active:
            LOG.debug('Scope %s is inactive: its reprocessing waits',
                      task.scope_id)
            return 0
        self.worker.pipeline.refresh(self.context)
        current, done = task.current, 0
        while stop is None or not stop.is_set():
            start = task.start if current is None else current + self.period
            scope = st_state.get_state(self.context, task.scope_id)
            last = scope.last_processed_timestamp if scope else None
            if start > task.end or last is None or start > last:
                # NOTE(ck): nothing rated is left in the window (the state
                # may also have been reset below it): finished.
                reprocessing.set_current(self.context, task.id, task.end)
                LOG.info('Reprocessing of scope %s [%s, %s] finished (%d '
                         'period(s) this run)', task.scope_id,
                         task.start.isoformat(), task.end.isoformat(), done)
                return done
            self._rate(task, start)
            current, done = start, done + 1
        return done

    def _rate(self, task, start):
        end = start + self.period
        worker = self.worker
        usage = worker.collect(task.scope_id, start, end)
        frame = dataframe.DataFrame(start, end, usage)
        if usage:
            frame = worker.pipeline.rate(self.context, frame, task.scope_id)
            frame, _skipped = skip.filter_frame(frame, worker.skips,
                                                worker.default_skip)
        with db_api.context_manager.writer.using(self.context):
            worker.storage.push(
                self.context, task.scope_id, frame,
                scope_key=worker.scope_key, fetcher=worker.fetcher_name,
                collector=worker.collector_name,
                mark_empty=bool(usage) and not frame.usage, set_state=False)
            reprocessing.set_current(self.context, task.id, start)
        LOG.debug('Scope %s: period %s re-rated', task.scope_id,
                  start.isoformat())


def run_pending(processor, stop=None):
    """The processor's hook: run the schedules with its worker and locks.

    :param processor: a set-up
        :class:`cloudkitty.orchestrator.processor.Processor`.
    """
    reprocessor = getattr(processor, '_reprocessor', None)
    if reprocessor is None:
        reprocessor = Reprocessor(processor.conf, processor.context,
                                  processor.worker, processor._lock)
        processor._reprocessor = reprocessor
    try:
        return reprocessor.run(stop)
    except Exception as err:  # noqa: B902 - must not stop the processor
        LOG.error('Cannot run the reprocessing schedules: %s', err)
        return 0
