"""The sandbox worker process: runs pyscripts on frames under OS limits.

Started by :mod:`cloudkitty.rating.pyscripts.pool` as
``python -I -S -c <boot> <cpu_time_limit> <memory_limit_mb>`` with only the
standard library and :mod:`sandbox` importable. Before serving it imports
what scripts may need, then closes the door behind it: address-space limit
(``RLIMIT_AS``), no new file descriptors (``RLIMIT_NOFILE``), no child
processes (``RLIMIT_NPROC``), no file writes (``RLIMIT_FSIZE``), no core
dumps. Each run of a script on a frame has a CPU budget: ``ITIMER_PROF``
raises :class:`TimeLimitExceeded` in the script, and ``RLIMIT_CPU`` (a little
above) kills the process if the script is stuck in C code or keeps catching
the exception; the parent then reports the failure and starts a new worker.

Protocol (stdin/stdout, each message = 4-byte big-endian length + body):

* request (:mod:`marshal`, trusted): ``(reset, scripts, defs, frames,
  tagged)``; ``reset`` empties the worker's caches first; ``scripts`` =
  ``[(checksum, name, source or None)]`` (source only when this worker has
  not compiled that checksum yet); ``defs`` = ``[(slot, mapping)]``, the
  groupby/metadata mappings the worker keeps from now on (until a reset),
  Decimals and datetimes in them tagged when ``tagged``; ``frames`` =
  ``[(begin_iso, end_iso, usage)]`` with ``usage`` = ``[(type, [(unit,
  qty_str, price_str, groupby_slot, metadata_slot), ...]), ...]``. Input
  points are numbered in that order, from 0.
* reply (JSON, validated by the parent, which trusts nothing in it): a list
  with one entry per frame:
  ``[0, begin_iso, end_iso, [[type, items]...], tagged]``
  (the last element is 1 when values are tagged, see below)
  or ``[1, script_index, message]``. ``items`` is 0 when the type holds
  exactly its input points, unchanged and in order; otherwise a list
  whose items are the index of an input point left unchanged, or
  ``[index or -1, unit, qty, price, groupby or null, metadata or null,
  description or null]`` (null: same as input point).
  Decimals and datetimes inside groupby/metadata are tagged objects
  (``{"\\u0000d": "1.5"}``, ``{"\\u0000t": iso}``), in both directions.
"""

import datetime
import decimal
import gc
import json
import json.encoder
import marshal
import os
import resource
import signal
import struct
import sys

if __package__:
    from cloudkitty.rating.pyscripts import sandbox
else:  # started by the pool: only this directory is on sys.path
    import sandbox

_LEN = struct.Struct('>I')
_DEC_TAG = '\x00d'
_DT_TAG = '\x00t'
_DATE_TAG = '\x00D'
_MAX_CACHE = 512


class TimeLimitExceeded(BaseException):
    """The CPU budget of one run is spent (raised by the SIGPROF handler)."""


_TAGGED = [0]


def _tag(value):
    _TAGGED[0] += 1
    if isinstance(value, decimal.Decimal):
        return {_DEC_TAG: str(value)}
    if isinstance(value, datetime.datetime):
        return {_DT_TAG: value.isoformat()}
    if isinstance(value, datetime.date):
        return {_DATE_TAG: value.isoformat()}
    raise TypeError('value %r of type %s cannot be stored'
                    % (value, type(value).__name__))


def untag(value):
    """Inverse of the tagging of Decimal/datetime/date values."""
    if isinstance(value, dict):
        if len(value) == 1:
            key, inner = next(iter(value.items()))
            if key == _DEC_TAG:
                return decimal.Decimal(inner)
            if key == _DT_TAG:
                return datetime.datetime.fromisoformat(inner)
            if key == _DATE_TAG:
                return datetime.date.fromisoformat(inner)
        return {k: untag(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [untag(v) for v in value]
    return value


# NOTE(ck): the C encoder built once, from references taken before any
# script runs: scripts cannot reach (or patch) what encodes their output.
_ENCODER = json.encoder.c_make_encoder(
    None, _tag, json.encoder.encode_basestring_ascii, None, ':', ',',
    False, False, True)


def _encode(obj):
    return ''.join(_ENCODER(obj, 0))


_Decimal = decimal.Decimal


def _to_decimal(value, what):
    if type(value) is _Decimal:
        if not value.is_finite():
            raise ValueError('%s: not a finite number: %r' % (what, value))
        return value
    if isinstance(value, bool) or value is None:
        raise ValueError('%s: not a number: %r' % (what, value))
    if isinstance(value, int):
        return decimal.Decimal(int(value))
    try:
        result = decimal.Decimal(str(value).strip())
    except (decimal.InvalidOperation, ValueError, TypeError):
        raise ValueError('%s: not a number: %r' % (what, value))
    if not result.is_finite():
        raise ValueError('%s: not a finite number: %r' % (what, value))
    return result


def _to_datetime(value, what):
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(
                value.replace('Z', '+00:00'))
        except ValueError:
            raise ValueError('%s: not an ISO datetime: %r' % (what, value))
    if not isinstance(value, datetime.datetime):
        raise ValueError('%s: not a datetime: %r' % (what, value))
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value.isoformat()


def validate(out, index):
    """Check the ``data`` a script left (spec §5.2 step 3).

    :returns: ``(begin_iso, end_iso, [(type, [record...])...])`` with
        record = ``(input index or -1, unit, qty, price, groupby, metadata,
        description)``.
    :raises ValueError: naming what is wrong.
    """
    if not isinstance(out, dict):
        raise ValueError('data must be a dict, got %s' % type(out).__name__)
    period = out.get('period')
    if not isinstance(period, dict):
        raise ValueError('data["period"] must be a dict')
    begin = _to_datetime(period.get('begin'), 'data["period"]["begin"]')
    end = _to_datetime(period.get('end'), 'data["period"]["end"]')
    usage = out.get('usage', {})
    if not isinstance(usage, dict):
        raise ValueError('data["usage"] must be a dict')
    result = []
    index_get = index.get
    for mtype in sorted(usage):
        if not isinstance(mtype, str):
            raise ValueError('data["usage"] keys must be strings: %r'
                             % (mtype,))
        entries = usage[mtype]
        if not isinstance(entries, list | tuple):
            raise ValueError('data["usage"][%r] must be a list' % (mtype,))
        records = []
        append = records.append
        for n, point in enumerate(entries):
            # NOTE(ck): fast path for the usual shape (exact types, Decimal
            # numbers, no extra keys); anything else takes the checking
            # path, which accepts every form the spec allows.
            if type(point) is dict and len(point) == 4:
                try:
                    vol = point['vol']
                    rating = point['rating']
                    groupby = point['groupby']
                    metadata = point['metadata']
                    unit = vol['unit']
                    qty = vol['qty']
                    price = rating['price']
                except (KeyError, TypeError):
                    pass
                else:
                    if (type(vol) is dict and type(rating) is dict
                            and type(groupby) is dict
                            and type(metadata) is dict
                            and type(unit) is str and type(qty) is _Decimal
                            and type(price) is _Decimal and qty.is_finite()
                            and price.is_finite()):
                        append((index_get(id(point), -1), unit, qty, price,
                                groupby, metadata, None))
                        continue
            try:
                append(_point_record(point, index))
            except ValueError as err:
                raise ValueError('data["usage"][%r][%d]: %s' % (mtype, n, err))
        result.append((mtype, records))
    return begin, end, result


def _point_record(point, index):
    if not isinstance(point, dict):
        raise ValueError('a point must be a dict')
    vol = point.get('vol')
    if not isinstance(vol, dict) or 'unit' not in vol or 'qty' not in vol:
        raise ValueError('vol.unit and vol.qty are required')
    unit = vol['unit']
    if not isinstance(unit, str):
        raise ValueError('vol.unit must be a string')
    rating = point.get('rating') or {}
    if not isinstance(rating, dict):
        raise ValueError('rating must be a dict')
    groupby = point.get('groupby')
    metadata = point.get('metadata')
    if not isinstance(groupby, dict) or not isinstance(metadata, dict):
        raise ValueError('groupby and metadata must be dicts')
    desc = point.get('description')
    return (index.get(id(point), -1), str(unit),
            _to_decimal(vol['qty'], 'vol.qty'),
            _to_decimal(rating.get('price', 0), 'rating.price'),
            groupby, metadata, desc if isinstance(desc, str) else None)


def _as_data(begin, end, usage):
    """The mutable dict a script receives, its point dicts (kept alive so
    that their ids stay unique) and id(point dict) -> input index."""
    inputs = []
    index = {}
    dusage = {}
    for mtype, records in usage:
        points = []
        for record in records:
            point = {'vol': {'unit': record[1], 'qty': record[2]},
                     'rating': {'price': record[3]},
                     'groupby': dict.copy(record[4]),
                     'metadata': dict.copy(record[5])}
            if record[6] is not None:
                point['description'] = record[6]
            points.append(point)
            index[id(point)] = record[0]
        dusage[mtype] = points
        inputs.extend(points)
    data = {'period': {'begin': datetime.datetime.fromisoformat(begin),
                       'end': datetime.datetime.fromisoformat(end)},
            'usage': dusage}
    return data, inputs, index


def _describe(err, filename):
    line = None
    tb = err.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    text = '%s: %s' % (type(err).__name__, err)
    if isinstance(err, SyntaxError) and err.lineno:
        line = None
    return text + (' (line %d)' % line if line else '')


class Runner:
    """Compiles and runs scripts; keeps compiled code by checksum."""

    def __init__(self, cpu_time_limit, memory_limit_mb, kernel_limits=True):
        self.cpu_time_limit = float(cpu_time_limit)
        self.memory_limit_mb = memory_limit_mb
        self.kernel_limits = kernel_limits
        self.codes = {}
        # slot -> groupby/metadata mapping (never handed to a script: runs
        # get copies)
        self.maps = {}
        self._armed = False

    def on_sigprof(self, signum, frame):
        if self._armed:
            raise TimeLimitExceeded()

    def _arm(self):
        if self.kernel_limits:
            usage = resource.getrusage(resource.RUSAGE_SELF)
            used = usage.ru_utime + usage.ru_stime
            soft = int(used + self.cpu_time_limit) + 1
            resource.setrlimit(resource.RLIMIT_CPU,
                               (soft, resource.RLIM_INFINITY))
        self._armed = True
        signal.setitimer(signal.ITIMER_PROF, self.cpu_time_limit, 0.05)

    def _disarm(self):
        self._armed = False
        signal.setitimer(signal.ITIMER_PROF, 0, 0)

    def _compile(self, checksum, name, source):
        filename = '<pyscript %s>' % name
        try:
            code = sandbox.compile_script(source, filename)
        except (SyntaxError, ValueError, sandbox.SandboxViolation,
                RecursionError, MemoryError) as err:
            code = _describe(err, filename)
        self.codes[checksum] = (code, filename)

    def run_job(self, job):
        reset, scripts, defs, frames, tagged = job
        if reset:
            self.codes.clear()
            self.maps.clear()
        maps = self.maps
        for slot, mapping in defs:
            maps[slot] = untag(mapping) if tagged else mapping
        programs = []
        for checksum, name, source in scripts:
            if source is not None:
                self._compile(checksum, name, source)
            programs.append(self.codes.get(
                checksum, ('internal error: unknown script', '')))
        return '[' + ','.join(self.run_frame(programs, f)
                              for f in frames) + ']'

    def run_frame(self, programs, frame):
        begin, end, usage = frame
        maps = self.maps
        to_decimal = _Decimal
        originals = []
        records_usage = []
        spans = {}
        for mtype, points in usage:
            start = len(originals)
            records = [(start + n, unit, to_decimal(qty), to_decimal(price),
                        maps[groupby], maps[metadata], None)
                       for n, (unit, qty, price, groupby, metadata)
                       in enumerate(points)]
            originals.extend(records)
            records_usage.append((mtype, records))
            spans[mtype] = (start, len(records))
        last = len(programs) - 1
        for n, (code, filename) in enumerate(programs):
            if isinstance(code, str):
                return _encode([1, n, code])
            data, inputs, index = _as_data(begin, end, records_usage)
            try:
                self._arm()
                try:
                    namespace = sandbox.make_globals(data)
                    decimal.setcontext(sandbox.fresh_context())
                    exec(code, namespace)
                    if 'data' not in namespace:
                        raise ValueError('the script removed the global '
                                         '"data"')
                    begin, end, records_usage = validate(
                        namespace['data'], index)
                    del namespace, data, inputs, index
                    if n == last:
                        return self._encode_result(begin, end, records_usage,
                                                   originals, spans)
                finally:
                    self._disarm()
            except TimeLimitExceeded:
                return _encode([1, n, 'CPU time limit exceeded (%ss)'
                                % self.cpu_time_limit])
            except MemoryError:
                return _encode([1, n, 'memory limit exceeded (%s MiB)'
                                % self.memory_limit_mb])
            except BaseException as err:  # noqa: B902 - reported per frame
                return _encode([1, n, _describe(err, filename)])
        return self._encode_result(begin, end, records_usage, originals,
                                   spans)

    @staticmethod
    def _encode_result(begin, end, records_usage, originals, spans):
        out = []
        for mtype, records in records_usage:
            items = []
            append = items.append
            span = spans.get(mtype)
            for index, unit, qty, price, groupby, metadata, desc in records:
                if index >= 0:
                    orig = originals[index]
                    # NOTE(ck): cheapest tests first: most points come back
                    # as they were sent
                    if (price is orig[3] and qty is orig[2] and desc is None
                            and unit == orig[1] and groupby == orig[4]
                            and metadata == orig[5]):
                        append(index)
                        continue
                    same_gb = groupby == orig[4]
                    same_md = metadata == orig[5]
                    append([index, unit, str(qty), str(price),
                            None if same_gb else groupby,
                            None if same_md else metadata, desc])
                else:
                    append([-1, unit, str(qty), str(price), groupby,
                            metadata, desc])
            if span is not None and len(items) == span[1] and (
                    items == list(range(span[0], span[0] + span[1]))):
                items = 0
            out.append([mtype, items])
        before = _TAGGED[0]
        body = _encode(out)
        # NOTE(ck): the last element tells the parent whether tagged values
        # (Decimal, datetime) need restoring: usually not, which is faster.
        return '%s,%s,%d]' % (_encode([0, begin, end])[:-1], body,
                              _TAGGED[0] != before)


def _read_exact(fd, size):
    chunks = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b''.join(chunks)


def _write_all(fd, payload):
    view = memoryview(payload)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _apply_limits(memory_limit_mb, keep_fds):
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    limit = memory_limit_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    top = max(keep_fds) + 1
    resource.setrlimit(resource.RLIMIT_NOFILE, (top, top))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    cpu_time_limit, memory_limit_mb = float(argv[0]), int(argv[1])
    # NOTE(ck): the protocol moves off 0/1 so that print() and any stray
    # output go to /dev/null instead of corrupting the replies.
    rfd, wfd = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    os.closerange(max(rfd, wfd) + 1, 1 << 16)
    sandbox.preload()
    # NOTE(ck): what exists now lives as long as the worker: keep it out of
    # the collector's way. The default thresholds stay: a batch's point
    # dicts are freed by reference counting, and a high gen-0 threshold
    # only made each collection walk the whole live batch (measured: 30 %
    # slower than the default at 50,000).
    gc.freeze()
    runner = Runner(cpu_time_limit, memory_limit_mb)
    signal.signal(signal.SIGPROF, runner.on_sigprof)
    _apply_limits(memory_limit_mb, (0, 1, 2, rfd, wfd))
    while True:
        header = _read_exact(rfd, _LEN.size)
        if header is None:
            return 0
        body = _read_exact(rfd, _LEN.unpack(header)[0])
        if body is None:
            return 0
        try:
            reply = runner.run_job(marshal.loads(body)).encode('ascii')
        except MemoryError:
            # NOTE(ck): no memory left even for the reply: die, the parent
            # reports it and starts a fresh worker.
            return 3
        _write_all(wfd, _LEN.pack(len(reply)) + reply)
