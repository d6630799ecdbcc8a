"""The sandbox worker process: runs pyscripts on frames under OS limits.

Started by :mod:`cloudkitty.rating.pyscripts.pool` as
``python -I -S -c <boot> <cpu_time_limit> <memory_limit_mb>`` with only the
standard library and :mod:`sandbox` importable. Before serving it imports
what scripts may need, then closes the door behind it: address-space limit
(``RLIMIT_AS``), no new file descriptors (``RLIMIT_NOFILE``), no child
processes (``RLIMIT_NPROC``), no file writes (``RLIMIT_FSIZE``), no core
dumps. Each run of a script on a frame has a CPU budget: ticks of
``ITIMER_PROF`` raise :class:`TimeLimitExceeded` in a script that has used
it up (see :class:`Runner`), and ``RLIMIT_CPU`` (between the budget plus a
second and twice that) kills the process if the script is stuck in C code
or keeps catching the exception; the parent then reports the failure and
starts a new worker.

Protocol (stdin/stdout, each message = 4-byte big-endian length + body):

* request (:mod:`marshal`, trusted): ``(reset, scripts, defs, frames,
  columns, tagged)``; ``reset`` empties the worker's caches first;
  ``scripts`` = ``[(checksum, name, source or None)]`` (source only when
  this worker has not compiled that checksum yet); ``defs`` = ``[(slot,
  mapping)]``, the groupby/metadata mappings the worker keeps from now on
  (until a reset), Decimals and datetimes in them tagged when ``tagged``;
  ``frames`` = ``[(begin_iso, end_iso, [(type, count), ...]), ...]``;
  ``columns`` = ``(units, qtys, prices, groupby_slots, metadata_slots)``
  holds the points of every frame, frame after frame and type after type:
  ``units`` and the slots are lists, ``qtys`` and ``prices`` the texts of
  the Decimals joined by commas. Input points are numbered in that order,
  from 0, within each frame.
* reply (JSON, validated by the parent, which trusts nothing in it): a list
  with one entry per frame: ``0`` when the scripts left the frame exactly
  as it came (period, types and points), else
  ``[0, begin_iso, end_iso, [[type, items]...], tagged]``
  (the last element is 1 when values are tagged, see below)
  or ``[1, script_index, message]``. ``items`` is 0 when the type holds
  exactly its input points, unchanged and in order; otherwise a list
  whose items are the index of an input point left unchanged,
  ``[index, price]`` for an input point whose price alone changed, or
  ``[index or -1, unit, qty, price, groupby or null, metadata or null,
  description or null]`` (null: same as input point).
  Decimals and datetimes inside groupby/metadata are tagged objects
  (``{"\\u0000d": "1.5"}``, ``{"\\u0000t": iso}``), in both directions.
"""

import datetime
import decimal
import gc
import itertools
import json
import json.encoder
import marshal
import operator
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


class _Batch:
    """The points of one request, as columns (see the protocol above)."""

    def __init__(self, columns, maps):
        units, qtys, prices, gslots, mslots = columns
        self.units = units
        if units:
            # NOTE(ck): a Decimal parsed for each text, although texts
            # repeat (a resource over the periods of a batch): a memo of
            # them made fewer instructions but took 5 % longer in all
            # (fresh Decimals side by side in memory, no Python call)
            self.qtys = list(map(_Decimal, qtys.split(',')))
            self.prices = list(map(_Decimal, prices.split(',')))
        else:
            self.qtys = self.prices = []
        self.groupbys = list(map(maps.__getitem__, gslots))
        self.metadatas = list(map(maps.__getitem__, mslots))
        self.times = {}

    def period(self, begin, end):
        """A fresh ``data["period"]`` for ``begin``/``end`` (ISO texts),
        their datetimes parsed once per request: the frames of a request
        share a few periods."""
        times = self.times
        first = times.get(begin)
        if first is None:
            first = times[begin] = datetime.datetime.fromisoformat(begin)
        last = times.get(end)
        if last is None:
            last = times[end] = datetime.datetime.fromisoformat(end)
        return {'begin': first, 'end': last}

    def records(self, span, base):
        """The records of the points ``span`` (a ``(start, stop)`` pair)
        of the frame whose first point is ``base``."""
        start, stop = span
        return list(zip(range(start - base, stop - base),
                        self.units[start:stop], self.qtys[start:stop],
                        self.prices[start:stop], self.groupbys[start:stop],
                        self.metadatas[start:stop],
                        itertools.repeat(None, stop - start), strict=True))


class _Frame:
    """One frame of a request: its period and where its points are."""

    __slots__ = ('batch', 'begin', 'end', 'types', 'base', 'stop',
                 '_spans', '_records')

    def __init__(self, batch, meta, base):
        self.batch = batch
        self.begin, self.end, self.types = meta
        self.base = base
        self.stop = base + sum(map(_COUNT, self.types))
        self._spans = None
        self._records = None

    @property
    def spans(self):
        """``[(type, (start, stop))...]``: where each type's points are in
        the request (made when needed: not for a frame left untouched)."""
        if self._spans is None:
            spans = []
            base = self.base
            for mtype, count in self.types:
                spans.append((mtype, (base, base + count)))
                base += count
            self._spans = spans
        return self._spans

    def resolve(self, source):
        """The records of ``source``: a span of this frame or records."""
        if type(source) is tuple:
            start, stop = source
            base = self.base
            return self.originals()[start - base:stop - base]
        return source

    def originals(self):
        """Every input record of the frame, by input index."""
        if self._records is None:
            self._records = self.batch.records((self.base, self.stop),
                                               self.base)
        return self._records

    def first_data(self):
        """The ``data`` of the first script and what read_back needs.

        Each point gets two dicts: the script's (with its own copies of
        the groupby/metadata mappings) and a snapshot equal to it that the
        script never sees (the worker's mappings themselves, not copied),
        against which :func:`read_back` tells what the script changed.
        They are built frame by frame: the dicts of a few points are
        recycled while still in the processor's cache, where those of a
        whole request would not be.
        """
        batch = self.batch
        lo, hi = self.base, self.stop
        points, snapshots = _dicts(batch.units[lo:hi], batch.qtys[lo:hi],
                                   batch.prices[lo:hi],
                                   batch.groupbys[lo:hi],
                                   batch.metadatas[lo:hi])
        usage = {}
        at = 0
        for mtype, count in self.types:
            usage[mtype] = points[at:at + count]
            at += count
        # NOTE(ck): what each type was is only worked out (made_by_type)
        # when the frame did not come back as it went
        made = {_WHOLE: (self, list(usage.values()), snapshots)}
        return batch.period(self.begin, self.end), usage, made

    def made_by_type(self, given, snapshots):
        """``made`` entries of each type handed to the first script (see
        :func:`read_back`); ``given`` are the lists handed out."""
        made = {}
        lo = self.base
        for (mtype, span), points in zip(self.spans, given, strict=True):
            made[mtype] = (span, points,
                           snapshots[span[0] - lo:span[1] - lo], mtype)
        return made


_COUNT = operator.itemgetter(1)


def _dicts(units, qtys, prices, groupbys, metadatas):
    """The point dicts a script gets (with their own copies of the
    groupby/metadata mappings) and their snapshots (the mappings
    themselves), from columns."""
    # NOTE(ck): the columns are slices of one range: equal lengths
    copy = dict.copy
    points = [
        {'vol': {'unit': unit, 'qty': qty}, 'rating': {'price': price},
         'groupby': copy(groupby), 'metadata': copy(metadata)}
        for unit, qty, price, groupby, metadata in zip(
            units, qtys, prices, groupbys, metadatas, strict=False)]
    snapshots = [
        {'vol': {'unit': unit, 'qty': qty}, 'rating': {'price': price},
         'groupby': groupby, 'metadata': metadata}
        for unit, qty, price, groupby, metadata in zip(
            units, qtys, prices, groupbys, metadatas, strict=False)]
    return points, snapshots


def _data_from(period, current):
    """The ``data`` of a later script, built from the records the previous
    one left (``current`` = ``[(type, records)...]``); ``period`` is its
    ``data["period"]``."""
    usage = {}
    made = {}
    for mtype, records in current:
        # records as columns: index, unit, qty, price, groupby, metadata...
        columns = list(zip(*records, strict=True)) or [()] * 7
        given, snapshots = _dicts(*columns[1:6])
        usage[mtype] = given
        for record, point, snapshot in zip(records, given, snapshots,
                                           strict=True):
            if record[6] is not None:
                point['description'] = snapshot['description'] = record[6]
        made[mtype] = (records, given, snapshots, mtype)
    return period, usage, made


def _period_out(out, given, begin, end):
    if not isinstance(out, dict):
        raise ValueError('data must be a dict, got %s' % type(out).__name__)
    period = out.get('period')
    if not isinstance(period, dict):
        raise ValueError('data["period"] must be a dict')
    first, last = period.get('begin'), period.get('end')
    # NOTE(ck): the datetimes given, still there: the texts they came from
    if first is given[0] and last is given[1]:
        return begin, end
    return (_to_datetime(first, 'data["period"]["begin"]'),
            _to_datetime(last, 'data["period"]["end"]'))


# NOTE(ck): key of ``made`` that holds what the first script received as
# a whole; an object, so no script-made key can equal it
_WHOLE = object()
# what read_back() returns for a frame the first script left as it came
UNTOUCHED = object()


def read_back(out, made, resolve):
    """Check the ``data`` a script left (spec §5.2 step 3) and turn it into
    records.

    A record is ``(input index or -1, unit, qty, price, groupby, metadata,
    description)``. ``made`` maps each type the script received to
    ``(source, points, snapshots, type)``: where its records come from
    (``resolve(source)`` gives them), the point dicts handed to the script
    and, for each, an equal dict the script never saw. A type whose list
    still equals its snapshots is taken as it came in (its very
    ``source``, checked in one comparison done in C); in a changed list,
    each point still equal to the snapshot of the dict it is keeps its
    record, and only the others are validated one by one.

    Equality is the test, so a value the script replaced by an equal one
    (``Decimal("1.0")`` for ``Decimal("1")``, ``1`` for ``Decimal(1)``)
    counts as unchanged and keeps its input form.

    When ``made`` describes the frame as a whole (the first script: see
    :meth:`_Frame.first_data`), a frame left exactly as it came in is
    recognised by a few comparisons in C over the whole frame, and what
    each type was is only worked out when it was not.

    :returns: ``[(type, source or records)...]``, or :data:`UNTOUCHED`.
    :raises ValueError: naming what is wrong.
    """
    usage = out.get('usage', {})
    if not isinstance(usage, dict):
        raise ValueError('data["usage"] must be a dict')
    whole = made.get(_WHOLE)
    if whole is not None:
        frame, given, snapshots = whole
        if _untouched(usage, frame.types, snapshots):
            return UNTOUCHED
        made = frame.made_by_type(given, snapshots)
    for mtype in usage:
        if not isinstance(mtype, str):
            raise ValueError('data["usage"] keys must be strings: %r'
                             % (mtype,))
    result = []
    lookup = None
    for mtype in sorted(usage):
        entries = usage[mtype]
        known = made.get(mtype)
        if known is not None and known[2] == entries:
            result.append((known[3], known[0]))
            continue
        if not isinstance(entries, list | tuple):
            raise ValueError('data["usage"][%r] must be a list' % (mtype,))
        if (known is not None and len(entries) == len(known[1])
                and all(map(operator.is_, entries, known[1]))):
            # NOTE(ck): the very dicts handed out, in their places (the
            # script changed some in place): no lookup needed
            result.append((str(mtype), _changed_in_place(
                mtype, entries, known[2], resolve(known[0]))))
            continue
        if lookup is None:
            # NOTE(ck): id() of the dicts handed out is stable: ``made``
            # keeps them alive until the script's output is read.
            lookup = {id(point): (snapshot, record)
                      for key, (source, points, snapshots, _) in made.items()
                      if key is not _WHOLE
                      for point, snapshot, record
                      in zip(points, snapshots, resolve(source),
                             strict=True)}
        records = []
        append = records.append
        for n, point in enumerate(entries):
            hit = lookup.get(id(point))
            if hit is not None and hit[0] == point:
                append(hit[1])
                continue
            try:
                append(_point_record(point, -1 if hit is None else hit[1][0]))
            except ValueError as err:
                raise ValueError('data["usage"][%r][%d]: %s' % (mtype, n, err))
        result.append((str(mtype), records))
    return result


def _changed_in_place(mtype, entries, snapshots, originals):
    records = []
    append = records.append
    for n, (point, snapshot, record) in enumerate(zip(
            entries, snapshots, originals, strict=True)):
        if point == snapshot:
            append(record)
            continue
        try:
            append(_repriced(point, snapshot, record)
                   or _point_record(point, record[0]))
        except ValueError as err:
            raise ValueError('data["usage"][%r][%d]: %s' % (mtype, n, err))
    return records


def _repriced(point, snapshot, record):
    """The record of ``point`` when the script changed its price and
    nothing else (the usual change), else None; ``snapshot`` and
    ``record`` are what the point was.

    The other fields are equal to what they were, so they keep their input
    form, as unchanged points do.
    """
    if type(point) is not dict or len(point) != 4:
        return None
    rating = point.get('rating')
    if (type(rating) is not dict or len(rating) != 1
            or 'price' not in rating
            or point.get('vol') != snapshot['vol']
            or point.get('groupby') != snapshot['groupby']
            or point.get('metadata') != snapshot['metadata']):
        return None
    return (record[0], record[1], record[2],
            _to_decimal(rating['price'], 'rating.price'), record[4],
            record[5], record[6])


def _untouched(usage, types, snapshots):
    """True when ``usage`` still holds, type after type, dicts equal to
    ``snapshots`` (the types and counts of ``types``): a few C loops."""
    if type(usage) is not dict:
        return False
    try:
        if list(zip(usage, map(len, usage.values()), strict=True)) != types:
            return False
    except TypeError:
        return False
    return snapshots == list(itertools.chain.from_iterable(usage.values()))


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
    return (index, str(unit),
            _to_decimal(vol['qty'], 'vol.qty'),
            _to_decimal(rating.get('price', 0), 'rating.price'),
            groupby, metadata, desc if isinstance(desc, str) else None)


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
    """Compiles and runs scripts; keeps compiled code by checksum.

    The CPU budget of a run is kept without a system call per run: the
    profiling timer (``ITIMER_PROF``, process CPU time) ticks every
    ``1/TICKS`` of the budget for as long as the worker lives, each run gets
    a number, and a run that several consecutive ticks have seen has used
    at least ``TICKS`` ticks: it gets :class:`TimeLimitExceeded` on the
    next one. A run therefore stops after between its budget and
    ``1 + 1/TICKS`` times it. The same ticks keep ``RLIMIT_CPU`` between the
    budget plus a second and twice that ahead of the CPU used, except while
    a run is over its budget: a script that keeps catching the exception,
    or is stuck in C code where no signal handler runs, is killed by the
    kernel.
    """

    TICKS = 4

    def __init__(self, cpu_time_limit, memory_limit_mb, kernel_limits=True):
        self.cpu_time_limit = float(cpu_time_limit)
        self.memory_limit_mb = memory_limit_mb
        self.kernel_limits = kernel_limits
        self.codes = {}
        # slot -> groupby/metadata mapping (never handed to a script: runs
        # get copies)
        self.maps = {}
        self._armed = False
        self._run = 0       # number of the current (or last) run
        self._seen = -1     # the run the last tick saw running
        self._ticks = 0     # how many consecutive ticks saw it
        self._cpu_soft = 0
        # what every run reaches and could change for the next ones
        self.shared = sandbox.SharedObjects()

    def start_timer(self):
        """Install the SIGPROF handler and start the ticks (once)."""
        signal.signal(signal.SIGPROF, self.on_sigprof)
        if self.kernel_limits:
            self._keep_cpu_headroom()
        tick = self.cpu_time_limit / self.TICKS
        signal.setitimer(signal.ITIMER_PROF, tick, tick)

    def on_sigprof(self, signum, frame):
        if not self._armed:
            self._seen = -1
        elif self._seen != self._run:
            self._seen = self._run
            self._ticks = 1
        else:
            self._ticks += 1
        over = self._seen >= 0 and self._ticks > self.TICKS
        if self.kernel_limits and not over:
            self._keep_cpu_headroom()
        if over:
            raise TimeLimitExceeded()

    def _keep_cpu_headroom(self):
        usage = resource.getrusage(resource.RUSAGE_SELF)
        used = usage.ru_utime + usage.ru_stime
        if self._cpu_soft < used + self.cpu_time_limit + 1:
            self._cpu_soft = int(used + 2 * self.cpu_time_limit) + 2
            resource.setrlimit(resource.RLIMIT_CPU,
                               (self._cpu_soft, resource.RLIM_INFINITY))

    def _arm(self):
        self._run += 1
        self._armed = True

    def _disarm(self):
        self._armed = False

    def _compile(self, checksum, name, source):
        filename = '<pyscript %s>' % name
        try:
            code = sandbox.compile_script(source, filename)
        except (SyntaxError, ValueError, sandbox.SandboxViolation,
                RecursionError, MemoryError) as err:
            code = _describe(err, filename)
        self.codes[checksum] = (code, filename)

    def run_job(self, job):
        reset, scripts, defs, metas, columns, tagged = job
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
        batch = _Batch(columns, maps)
        replies = []
        base = 0
        for meta in metas:
            frame = _Frame(batch, meta, base)
            base = frame.stop
            replies.append(self.run_frame(programs, frame))
        return '[' + ','.join(replies) + ']'

    def run_frame(self, programs, frame):
        begin, end = frame.begin, frame.end
        current = None
        last = len(programs) - 1
        for n, (code, filename) in enumerate(programs):
            if isinstance(code, str):
                return _encode([1, n, code])
            if current is None:
                period, usage, made = frame.first_data()
            else:
                if current is UNTOUCHED:
                    current = frame.spans
                period, usage, made = _data_from(
                    frame.batch.period(begin, end),
                    [(mtype, frame.resolve(source))
                     for mtype, source in current])
            given = (period['begin'], period['end'])
            data = {'period': period, 'usage': usage}
            namespace = sandbox.make_globals(data)
            # the modules the run imports, by name (see SharedObjects)
            imported = namespace[sandbox.MODULES]
            try:
                self._arm()
                try:
                    try:
                        decimal.setcontext(sandbox.fresh_context())
                        exec(code, namespace)
                        if 'data' not in namespace:
                            raise ValueError('the script removed the global '
                                             '"data"')
                        out = namespace['data']
                        begin, end = _period_out(out, given, begin, end)
                        current = read_back(out, made, frame.resolve)
                    finally:
                        # NOTE(ck): a function the script defined and its
                        # globals refer to each other: break the cycle, so
                        # that the run's objects are freed now, by
                        # reference counting, not by the cyclic collector.
                        namespace.clear()
                    del data, usage, made, out
                    if n == last:
                        return _encode_result(begin, end, current, frame)
                finally:
                    self._disarm()
                    # NOTE(ck): disarmed first, so that no time-limit
                    # signal can cut the repair short
                    self.shared.restore(imported)
            except TimeLimitExceeded:
                return _encode([1, n, 'CPU time limit exceeded (%ss)'
                                % self.cpu_time_limit])
            except MemoryError:
                return _encode([1, n, 'memory limit exceeded (%s MiB)'
                                % self.memory_limit_mb])
            except BaseException as err:  # noqa: B902 - reported per frame
                return _encode([1, n, _describe(err, filename)])
        return _encode_result(begin, end, UNTOUCHED, frame)


def _encode_result(begin, end, current, frame):
    """The reply entry of a rated frame (see the protocol above)."""
    if current is UNTOUCHED:
        if begin is frame.begin and end is frame.end:
            return '0'
        current = frame.spans
    as_sent = dict(frame.spans)
    out = []
    for mtype, source in current:
        span = as_sent.get(mtype)
        if source is span:
            out.append([mtype, 0])
            continue
        originals = frame.originals()
        items = []
        append = items.append
        for record in frame.resolve(source):
            index = record[0]
            if index < 0:
                append([-1, record[1], str(record[2]), str(record[3]),
                        record[4], record[5], record[6]])
                continue
            orig = originals[index]
            # NOTE(ck): equal counts as unchanged, as in read_back()
            if record is orig or record == orig:
                append(index)
                continue
            if (record[1] is orig[1] and record[2] is orig[2]
                    and record[4] is orig[4] and record[5] is orig[5]
                    and record[6] is orig[6]):
                # only the price changed
                append([index, str(record[3])])
                continue
            append([index, record[1], str(record[2]), str(record[3]),
                    None if record[4] == orig[4] else record[4],
                    None if record[5] == orig[5] else record[5], record[6]])
        if span is not None and items == list(range(
                span[0] - frame.base, span[1] - frame.base)):
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
    runner.start_timer()
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
