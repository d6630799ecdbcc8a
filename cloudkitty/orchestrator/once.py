"""``cloudkitty-processor --once``: rate everything due, then exit.

Runs the same rounds as the service, in the calling process (no fork, no
sleep between periods), with the same tooz locks, so it is safe next to
running processors: scopes they hold are left to them. A failing scope is
retried :data:`ATTEMPTS` times with backoff; the exit status is 1 when a
scope still failed (or the scopes could not be fetched), else 0.

Progress goes to ``out`` (the terminal): one line per rated scope and a
summary with points/s.
"""

import signal
import threading
import time

from oslo_log import log

from cloudkitty.orchestrator import processor as ck_processor
from cloudkitty.orchestrator import timing

LOG = log.getLogger(__name__)

#: attempts of a failing scope before --once gives up on it.
ATTEMPTS = 3
#: rounds a scope held by another processor is waited for.
LOCKED_ROUNDS = 10


class _Progress:
    def __init__(self, out, quiet=False):
        self.out = out
        self.quiet = quiet
        self.scopes = set()
        self.superseded = set()
        self.periods = 0
        self.points = 0
        self.started = time.monotonic()
        self.cpu_started = time.process_time()

    def elapsed(self):
        return max(time.monotonic() - self.started, 1e-9)

    def scope_done(self, scope):
        if getattr(scope, 'superseded', False):
            self.superseded.add(scope.scope_id)
        if not scope.periods:
            return
        self.scopes.add(scope.scope_id)
        self.periods += scope.periods
        self.points += scope.points
        if not self.quiet:
            self.out.write('scope %s: %d period(s), %d point(s) '
                           '[%d scopes, %d points, %.0f points/s]\n' % (
                               scope.scope_id, scope.periods, scope.points,
                               len(self.scopes), self.points,
                               self.points / self.elapsed()))
            self.out.flush()


def run_once(conf, out, until=None, processor=None, quiet=False,
             on_ready=None):
    """Rate every period due (starting before ``until`` if given).

    :param on_ready: called once the processor is set up, before the
        first round (the command tunes the garbage collector there).
    :returns: the exit status (0 ok, 1 some scope failed, 2 some scope
        still held by another processor when the run gave up waiting).
    """
    stop = threading.Event()
    previous = {}

    def _stop(signum, frame):
        stop.set()

    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, _stop)
    # NOTE(ck): no RPC listener: a backfill refreshes its rules before
    # each batch, and must not depend on the message bus being up.
    proc = processor or ck_processor.Processor(conf, listen=False)
    progress = _Progress(out, quiet)
    failed = {}
    skipped = []
    locked = []
    locked_rounds = 0
    fetch_error = None
    try:
        if processor is None:
            proc.setup()
        if on_ready is not None:
            on_ready()
        attempts = {}
        anchor = None
        while not stop.is_set():
            started = proc.clock()
            if anchor is None:
                anchor = timing.first_period_start(conf, started)
            result = proc.run_round(stop, until=until,
                                    on_scope=progress.scope_done)
            fetch_error = result.fetch_error
            skipped.extend(result.skipped)
            if fetch_error:
                break
            for scope_id in result.done:
                failed.pop(scope_id, None)
            for scope_id, reason in result.failed.items():
                attempts[scope_id] = attempts.get(scope_id, 0) + 1
                failed[scope_id] = reason
            retry = [s for s in failed if attempts[s] < ATTEMPTS]
            locked = sorted(set(result.locked) - set(result.done))
            locked_rounds = locked_rounds + 1 if result.locked else 0
            if not retry and (not result.locked
                              or locked_rounds > LOCKED_ROUNDS):
                if not (result.periods and not result.failed):
                    break
                # NOTE(ck): a long backfill may cross a period boundary:
                # periods that became ready meanwhile need one more round.
                # Otherwise the round saw everything due.
                period = conf.collect.period
                if timing.boundary_index(started, anchor, period) == \
                        timing.boundary_index(proc.clock(), anchor, period):
                    break
                continue
            delay = ck_processor.SHORT_WAIT
            next_retry = proc.backoff.next_attempt()
            if retry and next_retry is not None:
                delay = max(delay, next_retry - time.monotonic())
            stop.wait(delay)
    finally:
        if processor is None:
            proc.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    elapsed = progress.elapsed()
    cpu = max(time.process_time() - progress.cpu_started, 1e-9)
    out.write('Rated %d scope(s): %d period(s), %d point(s) in %.2f s '
              '(%.0f points/s; %.2f s CPU, %.0f points/CPU-s); %d scope(s) '
              'failed%s%s\n' % (
                  len(progress.scopes), progress.periods, progress.points,
                  elapsed, progress.points / elapsed, cpu,
                  progress.points / cpu, len(failed),
                  '; %d scope(s) held by another processor' % len(locked)
                  if locked else '',
                  ', interrupted' if stop.is_set() else ''))
    for scope_id, reason in sorted(failed.items()):
        out.write('FAILED scope %s: %s\n' % (scope_id, reason))
    for scope_id, start, reason in skipped:
        out.write('SKIPPED scope %s, period %s (nothing stored): %s\n'
                  % (scope_id, start.isoformat(), reason))
    for scope_id in sorted(progress.superseded):
        # NOTE(ck): its state moved while this run rated it: another
        # processor stored those periods (or the scope was reset)
        out.write('SUPERSEDED scope %s: rated meanwhile by another '
                  'processor (or reset), this run\'s batch discarded\n'
                  % scope_id)
    for scope_id in locked:
        # NOTE(ck): a live processor may still be rating it, or a dead one
        # holds its lock until the lock expires: not verified rated.
        out.write('LOCKED scope %s: held by another processor, not rated '
                  'by this run\n' % scope_id)
        LOG.warning('Scope %s still held by another processor: not rated '
                    'by this run', scope_id)
    if fetch_error:
        out.write('FAILED round (scopes or locks unavailable): %s\n'
                  % fetch_error)
    out.flush()
    if failed or fetch_error:
        return 1
    return 2 if locked else 0
