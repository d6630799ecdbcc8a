"""Parent side of the sandbox: worker processes, batching, watchdog.

:class:`SandboxPool` keeps ``workers`` long-lived worker processes
(:mod:`cloudkitty.rating.pyscripts.worker`), sends them frames in batches
(one round trip for many frames), and turns their replies back into
:class:`~cloudkitty.dataframe.DataFrame` objects. Replies are treated as
untrusted: they are parsed as JSON and every value is validated again, so
a compromised worker can at worst produce wrong prices, never run code
here.

A worker that dies (CPU limit signal, crash) or does not answer in time
(wall-clock watchdog) is killed and replaced by a new one on next use; its
batch is retried frame by frame, then script by script, so that only the
frame and the script at fault fail.
"""

import concurrent.futures
import dataclasses
import itertools
import json
import marshal
import operator
import os
import queue
import select
import signal
import struct
import subprocess
import sys
import threading
import types

from oslo_log import log as logging

from cloudkitty import dataframe as ck_dataframe
from cloudkitty.rating.pyscripts import worker as ck_worker

LOG = logging.getLogger(__name__)

_LEN = struct.Struct('>I')
_HERE = os.path.dirname(os.path.abspath(__file__))
_BOOT = ('import sys; sys.path.insert(0, %r); import worker; '
         'sys.exit(worker.main())' % _HERE)
# NOTE(ck): beyond this many compiled scripts, or attribute mappings, a
# worker starts afresh (keeps its caches bounded without a second protocol
# message). 32768 mappings are a few tens of MiB in the worker.
_MAX_KNOWN = 256
_MAX_MAPS = 32768


@dataclasses.dataclass(frozen=True)
class Script:
    """What the sandbox needs of a stored script."""

    script_id: str
    name: str
    checksum: str
    data: str


@dataclasses.dataclass(frozen=True)
class Failure:
    """A frame the scripts could not rate.

    ``script`` is the index of the failing script in the list run (None
    when it cannot be told), ``message`` the error.
    """

    script: int | None
    message: str


class WorkerDied(Exception):
    """The worker stopped answering (killed, crashed, timed out)."""


class _Worker:
    def __init__(self, cpu_time_limit, memory_limit_mb):
        self.cpu_time_limit = cpu_time_limit
        self.memory_limit_mb = memory_limit_mb
        self.proc = None
        self.known = set()
        # id(mapping) -> slot of the groupby/metadata mappings this worker
        # holds; kept[slot] keeps each mapping alive, so its id stays unique
        self.maps = {}
        self.kept = []
        self.must_reset = False

    def _start(self):
        self.proc = subprocess.Popen(
            [sys.executable, '-I', '-S', '-c', _BOOT,
             repr(self.cpu_time_limit), str(self.memory_limit_mb)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, close_fds=True, cwd='/', env={})
        self.known = set()
        self.maps = {}
        self.kept = []
        self.must_reset = False
        LOG.debug('Started pyscripts sandbox worker %s', self.proc.pid)

    def stop(self):
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()

    def _kill(self, reason):
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            proc.kill()
        code = proc.wait()
        for stream in (proc.stdin, proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        if code == -signal.SIGXCPU:
            reason = 'CPU time limit exceeded (%ss)' % self.cpu_time_limit
        elif code == 3:
            reason = 'memory limit exceeded (%s MiB)' % self.memory_limit_mb
        elif reason is None:
            reason = 'sandbox worker died (exit status %s)' % code
        LOG.warning('pyscripts sandbox worker %s stopped: %s', proc.pid,
                    reason)
        raise WorkerDied(reason)

    def call(self, scripts, frames, timeout):
        """One round trip for ``frames`` (DataFrames); returns the decoded
        reply list.

        :raises TypeError: an attribute value that cannot be sent.
        :raises WorkerDied: the worker was killed (and will be restarted).
        """
        if self.proc is None:
            self._start()
        reset = (self.must_reset or len(self.known) > _MAX_KNOWN
                 or len(self.maps) > _MAX_MAPS)
        if reset:
            self.known = set()
            self.maps = {}
            self.kept = []
        # NOTE(ck): until the request is written, the worker may not get the
        # mappings registered below: if anything fails, both sides restart
        # their tables with the next request.
        self.must_reset = True
        wire_scripts = [(s.checksum, s.name,
                         None if s.checksum in self.known else s.data)
                        for s in scripts]
        defs = []
        metas, columns = encode_frames(frames, self.maps, self.kept, defs)
        try:
            body = marshal.dumps(
                (reset, wire_scripts, defs, metas, columns, False))
        except ValueError:
            # NOTE(ck): some attribute value marshal cannot carry (Decimal,
            # datetime): tag the mappings (slow path).
            defs = [(slot, _tag_tree(mapping)) for slot, mapping in defs]
            body = marshal.dumps(
                (reset, wire_scripts, defs, metas, columns, True))
        try:
            self.proc.stdin.write(_LEN.pack(len(body)) + body)
            self.proc.stdin.flush()
            header = self._read(_LEN.size, timeout)
            size = _LEN.unpack(header)[0]
            if size > self.memory_limit_mb * 1024 * 1024 * 4:
                self._kill('sandbox reply too large')
            reply = self._read(size, timeout)
        except (OSError, ValueError):
            self._kill(None)
        self.must_reset = False
        self.known.update(s.checksum for s in scripts)
        try:
            return json.loads(reply)
        except (ValueError, RecursionError):
            self._kill('invalid reply from the sandbox worker')

    def _read(self, size, timeout):
        fd = self.proc.stdout.fileno()
        chunks = []
        while size:
            ready, _, _ = select.select([fd], [], [], timeout)
            if not ready:
                self._kill('wall-clock time limit exceeded (%ss)' % timeout)
            chunk = os.read(fd, min(size, 1 << 20))
            if not chunk:
                self._kill(None)
            chunks.append(chunk)
            size -= len(chunk)
        return b''.join(chunks)


def encode_frames(frames, maps, kept, defs):
    """The marshal-able form of ``frames``: ``(frames, columns)`` (see the
    worker protocol).

    ``frames`` is ``[(begin_iso, end_iso, [(type, point count)...])...]``
    and the points of every frame, type after type, are sent as five
    columns: units (a list), quantities and prices (the ``str`` of each
    Decimal, joined by commas) and the slots of their groupby and metadata
    mappings. A slot refers to the worker's table of mappings: ``maps``
    (``id(mapping) -> slot``, the mapping kept alive in ``kept[slot]``)
    says what the worker holds already; the mappings it lacks are given
    slots and appended to ``defs`` as ``(slot, dict)``. Collectors share one
    mapping per resource (:class:`~cloudkitty.dataframe.MappingInterner`),
    so a mapping crosses the pipe once per worker, not once per point.
    """
    # NOTE(ck): hot path. A frame holds a few points per type, so the
    # columns are built over the whole batch by C loops: the points of
    # every frame flattened (chain), then transposed in one pass (zip)
    # along the tuple layout of DataPoint (unit, qty, price, groupby,
    # metadata, description): no Python bytecode runs per point.
    metas = []
    # NOTE(ck): the frames of a batch share a few periods
    iso = {}
    for frame in frames:
        start, end = frame.start, frame.end
        begin_iso = iso.get(start)
        if begin_iso is None:
            begin_iso = iso[start] = start.isoformat()
        end_iso = iso.get(end)
        if end_iso is None:
            end_iso = iso[end] = end.isoformat()
        usage = frame.usage
        metas.append((begin_iso, end_iso,
                      list(zip(usage, map(len, usage.values()), strict=True))))
    points = list(_chain(_chain(map(_VALUES, map(_USAGE, frames)))))
    if not points:
        return metas, ([], '', '', [], [])
    units, qtys, prices, groupbys, metadatas, _ = zip(*points, strict=True)
    columns = (list(units), ','.join(map(str, qtys)),
               ','.join(map(str, prices)),
               _slots(groupbys, maps, kept, defs),
               _slots(metadatas, maps, kept, defs))
    return metas, columns


_chain = itertools.chain.from_iterable
_USAGE = operator.attrgetter('usage')
_VALUES = types.MappingProxyType.values


def _slots(mappings, maps, kept, defs):
    try:
        return list(map(maps.__getitem__, map(id, mappings)))
    except KeyError:
        pass
    for mapping in mappings:
        if id(mapping) not in maps:
            _register(mapping, maps, kept, defs)
    return list(map(maps.__getitem__, map(id, mappings)))


def _register(mapping, maps, kept, defs):
    slot = maps[id(mapping)] = len(kept)
    kept.append(mapping)
    defs.append((slot, mapping.copy()))
    return slot


def _tag_tree(value):
    if isinstance(value, dict | types.MappingProxyType):
        return {k: _tag_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_tag_tree(v) for v in value]
    if isinstance(value, str | int | float | bool | type(None)):
        return value
    return ck_worker._tag(value)


class InvalidReply(Exception):
    pass


def _mapping(value, fallback, tagged):
    if value is None:
        return fallback
    if not isinstance(value, dict):
        raise InvalidReply('groupby/metadata must be objects')
    return ck_worker.untag(value) if tagged else value


_DataPoint = ck_dataframe.DataPoint
_new_point = tuple.__new__


def decode_frame(reply, frame):
    """Build the priced frame from one reply entry (validating it)."""
    try:
        if type(reply) is int:
            if reply != 0:
                raise InvalidReply('bad status')
            # NOTE(ck): the frame left exactly as it came
            return frame
        status = reply[0]
        if status == 1:
            script, message = reply[1], reply[2]
            if not isinstance(script, int) or not isinstance(message, str):
                raise InvalidReply('bad failure entry')
            return Failure(script, message)
        if status != 0:
            raise InvalidReply('bad status')
        _, begin, end, usage, tagged = reply
        originals = None
        result = {}
        as_sent = len(usage) == len(frame.usage)
        for mtype, items in usage:
            if not isinstance(mtype, str):
                raise InvalidReply('bad usage entry')
            if items == 0:
                # every point of this input type, unchanged
                result[mtype] = frame.usage[mtype]
                continue
            as_sent = False
            if not isinstance(items, list):
                raise InvalidReply('bad usage entry')
            if originals is None:
                originals = list(itertools.chain.from_iterable(
                    frame.usage.values()))
            points = []
            append = points.append
            for item in items:
                if type(item) is int:
                    if item < 0:
                        raise InvalidReply('bad point index')
                    append(originals[item])
                    continue
                if len(item) == 2:
                    # an input point with a new price, nothing else
                    index, text = item
                    if (type(index) is not int or index < 0
                            or type(text) is not str):
                        raise InvalidReply('bad repriced point')
                    orig = originals[index]
                    append(_new_point(_DataPoint, (
                        orig[0], orig[1], ck_dataframe.to_decimal(text),
                        orig[3], orig[4], orig[5])))
                    continue
                index, unit, qty, price, groupby, metadata, desc = item
                if not isinstance(unit, str) or not (
                        desc is None or isinstance(desc, str)):
                    raise InvalidReply('bad point')
                orig = originals[index] if index >= 0 else None
                points.append(ck_dataframe.DataPoint(
                    unit, qty, price,
                    _mapping(groupby, orig and orig.groupby, tagged),
                    _mapping(metadata, orig and orig.metadata, tagged),
                    desc if desc is not None or orig is None
                    else orig.description))
            result[mtype] = points
        if begin == frame.start.isoformat() and end == frame.end.isoformat():
            # NOTE(ck): the frame left as it came: the very same object
            if as_sent and len(result) == len(frame.usage):
                return frame
            return frame.with_usage(result)
        return ck_dataframe.DataFrame(begin, end, result)
    except (InvalidReply, ValueError, TypeError, IndexError, KeyError,
            RecursionError) as err:
        return Failure(None, 'invalid reply from the sandbox: %s' % (err,))


class SandboxPool:
    """Runs scripts on frames in ``workers`` sandboxed processes.

    :param cpu_time_limit: CPU seconds one script may use on one frame.
    :param memory_limit_mb: address-space limit of a worker.
    :param workers: number of worker processes.
    :param batch_points: frames are sent in batches of about this many
        points (one round trip each).
    :param watchdog_grace: wall-clock seconds allowed to a batch on top of
        twice the CPU budget of its runs.
    """

    def __init__(self, cpu_time_limit=1.0, memory_limit_mb=256, workers=1,
                 batch_points=2000, watchdog_grace=10.0):
        self.cpu_time_limit = cpu_time_limit
        self.watchdog_grace = watchdog_grace
        self.batch_points = max(1, batch_points)
        self._workers = [_Worker(cpu_time_limit, memory_limit_mb)
                         for _ in range(max(1, workers))]
        self._idle = queue.LifoQueue()
        for w in self._workers:
            self._idle.put(w)
        self._executor = None
        self._lock = threading.Lock()

    def worker_pids(self):
        """Process ids of the running workers (diagnostics, tests)."""
        return [w.proc.pid for w in self._workers if w.proc is not None]

    def close(self):
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        for w in self._workers:
            w.stop()

    def _timeout(self, runs):
        # NOTE(ck): a backstop only: CPU limits act first inside the worker;
        # this catches a worker that is stopped or blocked.
        return self.watchdog_grace + runs * (2 * self.cpu_time_limit + 0.1)

    def run(self, scripts, frames):
        """Run ``scripts`` in order on each frame.

        :returns: one DataFrame or :class:`Failure` per frame, in order.
        """
        if not frames:
            return []
        batches = []
        current, count = [], 0
        for frame in frames:
            current.append(frame)
            count += frame.point_count()
            if count >= self.batch_points:
                batches.append(current)
                current, count = [], 0
        if current:
            batches.append(current)
        if len(batches) == 1 or len(self._workers) == 1:
            results = []
            for batch in batches:
                results.extend(self._run_batch(scripts, batch))
            return results
        with self._lock:
            if self._executor is None:
                self._executor = concurrent.futures.ThreadPoolExecutor(
                    len(self._workers), thread_name_prefix='pyscripts')
        futures = [self._executor.submit(self._run_batch, scripts, b)
                   for b in batches]
        results = []
        for future in futures:
            results.extend(future.result())
        return results

    def _run_batch(self, scripts, frames):
        timeout = self._timeout(len(frames) * len(scripts))
        worker = self._idle.get()
        try:
            replies = worker.call(scripts, frames, timeout)
        except WorkerDied as died:
            # NOTE(ck): the worker goes back first: the retry needs one.
            self._idle.put(worker)
            return self._retry(scripts, frames, died)
        except BaseException:
            self._idle.put(worker)
            raise
        self._idle.put(worker)
        if not isinstance(replies, list) or len(replies) != len(frames):
            return [Failure(None, 'invalid reply from the sandbox')
                    for _ in frames]
        return [decode_frame(r, f)
                for r, f in zip(replies, frames, strict=True)]

    def _retry(self, scripts, frames, died):
        if len(frames) > 1:
            results = []
            for frame in frames:
                results.extend(self._run_batch(scripts, [frame]))
            return results
        if len(scripts) > 1:
            # NOTE(ck): running the scripts one at a time is equivalent
            # (each one's validated output is the next one's input) and
            # tells which one kills the worker.
            frame = frames[0]
            for n, script in enumerate(scripts):
                result = self._run_batch([script], [frame])[0]
                if isinstance(result, Failure):
                    return [Failure(n, result.message)]
                frame = result
            return [frame]
        return [Failure(0, str(died))]
