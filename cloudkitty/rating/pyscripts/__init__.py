"""PyScripts rating module: operator-written Python run on every frame.

Scripts are stored in the database (:mod:`.db`), selected by validity
window at the frame start, and run in order (storage order) in sandboxed
worker processes (:mod:`.sandbox`, :mod:`.worker`, :mod:`.pool`), following
the calling convention of spec v1 §5.2. Compiled code is cached in the
workers by script checksum, so a script is compiled once per worker
whatever the number of frames.

Besides :meth:`PyScripts.process` (one frame), :meth:`PyScripts.process_many`
rates many frames with one sandbox round trip per batch, which is what
makes scripts cheap enough for bulk rating.
"""

import os
import threading

from oslo_log import log as logging

from cloudkitty import exception
from cloudkitty import rating
from cloudkitty.rating import modules
from cloudkitty.rating.pyscripts import db
from cloudkitty.rating.pyscripts import pool as ck_pool

LOG = logging.getLogger(__name__)


class _State:
    """The stored scripts as last read, and what was worked out of them:
    ``active`` (instant -> the scripts in force then) and ``lists`` (each
    distinct list of scripts in force as one tuple object, so that frames
    can be grouped by identity)."""

    __slots__ = ('listing', 'texts', 'active', 'lists')

    def __init__(self, listing, texts):
        self.listing = listing
        self.texts = texts
        self.active = {}
        self.lists = {}


class PyScripts(rating.RatingProcessor):
    """Runs the active scripts on each frame (hot-config)."""

    module_id = 'pyscripts'
    description = 'PyScripts rating module.'
    hot_config = True

    def __init__(self, conf):
        super().__init__(conf)
        self._state = _State([], {})
        self._generation = None
        self._pool = None
        self._pool_pid = None
        self._lock = threading.Lock()

    # -- rules ---------------------------------------------------------

    def reload(self, context, at=None):
        """Re-read the script list (and the text of new checksums)."""
        generation = modules.rules_generation(context)
        if generation == self._generation:
            return
        listing = db.rating_scripts(context)
        wanted = {s.checksum for s in listing}
        known = self._state.texts
        missing = wanted - known.keys()
        texts = {c: t for c, t in known.items() if c in wanted}
        if missing:
            texts.update(db.script_texts(context, missing))
        # NOTE(ck): one assignment: a thread rating meanwhile (quotes) sees
        # the old list, texts and memo or the new ones, never a mix
        self._state = _State(listing, texts)
        self._generation = generation

    # NOTE(ck): the periods of a batch are few; beyond this many distinct
    # instants the memo starts afresh.
    _MAX_ACTIVE = 4096

    def active_scripts(self, at):
        """The scripts in force at ``at``, in run order.

        Remembered per instant until the script list changes; equal lists
        are the very same tuple, so callers may group frames by identity.
        """
        state = self._state
        scripts = state.active.get(at)
        if scripts is None:
            scripts = tuple(ck_pool.Script(s.script_id, s.name, s.checksum,
                                           state.texts.get(s.checksum, ''))
                            for s in state.listing if s.is_active(at))
            if len(state.active) >= self._MAX_ACTIVE:
                state.active.clear()
                state.lists.clear()
            scripts = state.lists.setdefault(scripts, scripts)
            state.active[at] = scripts
        return scripts

    # -- rating ----------------------------------------------------------

    def _get_pool(self):
        with self._lock:
            if self._pool is not None and self._pool_pid != os.getpid():
                # NOTE(ck): forked (cotyledon, uwsgi): the workers and their
                # pipes belong to the parent; this process starts its own.
                self._pool = None
            if self._pool is None:
                self._pool_pid = os.getpid()
                opts = self.conf.pyscripts
                self._pool = ck_pool.SandboxPool(
                    cpu_time_limit=opts.cpu_time_limit,
                    memory_limit_mb=opts.memory_limit_mb,
                    workers=opts.workers, batch_points=opts.batch_points)
            return self._pool

    def close(self):
        """Stop the sandbox workers (they are restarted on demand)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    def process(self, frame, scope_id, at):
        result = self.process_many([(frame, scope_id, at)])[0]
        if isinstance(result, exception.RatingError):
            raise result
        return result

    def process_many(self, items):
        """Rate many frames, batching the round trips to the sandbox.

        :param items: sequence of ``(frame, scope_id, at)``.
        :returns: one entry per item, in order: the rated DataFrame, or the
            :class:`~cloudkitty.exception.RatingError` that frame failed
            with (one frame failing does not fail the others).
        """
        results = [None] * len(items)
        # id(scripts) -> (scripts, frame indexes): active_scripts() gives
        # one object per distinct list, alive in its memo meanwhile
        groups = {}
        for n, (frame, _scope_id, at) in enumerate(items):
            scripts = self.active_scripts(at)
            if not scripts:
                results[n] = frame
                continue
            group = groups.get(id(scripts))
            if group is None:
                group = groups[id(scripts)] = (scripts, [])
            group[1].append(n)
        for scripts, indexes in groups.values():
            outcomes = self._get_pool().run(
                list(scripts), [items[n][0] for n in indexes])
            for n, outcome in zip(indexes, outcomes, strict=True):
                if isinstance(outcome, ck_pool.Failure):
                    outcome = self._error(scripts, outcome, items[n][0])
                results[n] = outcome
        return results

    @staticmethod
    def _error(scripts, failure, frame):
        if failure.script is None:
            reason = 'sandbox failure: %s' % failure.message
        else:
            script = scripts[failure.script]
            reason = '%s: %s (script UUID: %s)' % (
                script.name, failure.message, script.script_id)
        LOG.error('PyScripts failed on the frame starting at %s: %s',
                  frame.start.isoformat(), reason)
        return exception.RatingError(module='pyscripts', reason=reason)
