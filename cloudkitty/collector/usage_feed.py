"""Random access to a JSON Lines usage feed (the benchmark format).

One line per data point::

    {"scope_id": "...", "begin": "2025-01-01T00:00:00+00:00",
     "end": "...", "service": "instance", "unit": "instance", "qty": 1,
     "groupby": {"id": "...", "project_id": "...", ...},
     "metadata": {"flavor_name": "m1.small", ...}}

The processor asks for one (metric, period, scope) at a time, scope after
scope, so the feed must answer "the lines of scope S in period P" quickly
without holding the file in memory. :class:`UsageFeed` scans the file once
and keeps only an offset index: for every (period start, scope) the byte
ranges of its lines (contiguous lines share one range, so a feed sorted by
period and scope costs one small entry per (period, scope), whatever the
number of lines). Lines are parsed on demand with exact decimals, and the
last few (scope, period) blocks stay parsed in a small LRU cache, since
every metric of one frame reads the same block.

A ``.gz`` feed is decompressed once into a private temporary file.
The index is rebuilt when the file changes (size or modification time).
"""

import atexit
import bisect
import collections
import datetime
import decimal
import gzip
import json
import os
import re
import shutil
import tempfile
import threading

# NOTE(ck): the benchmark writer always puts scope_id then begin first;
# such lines are indexed with a regex instead of a full JSON parse.
_FAST_HEAD = re.compile(
    rb'\{\s*"scope_id"\s*:\s*"([^"\\]*)"\s*,\s*"begin"\s*:\s*"([^"\\]*)"')

_CACHE_SIZE = 256

# NOTE(ck): one decoder for every line (json.loads would build a new one
# per call); floats become exact Decimals.
_DECODER = json.JSONDecoder(parse_float=decimal.Decimal)
#: exact types of a valid ``qty`` (bool, an int subclass, is not one).
_QTY_TYPES = (int, decimal.Decimal)

_FEEDS = {}
_FEEDS_LOCK = threading.Lock()


def shared_feed(path):
    """The process-wide :class:`UsageFeed` of ``path`` (the file
    collector and the file fetcher share one index)."""
    with _FEEDS_LOCK:
        feed = _FEEDS.get(path)
        if feed is None:
            feed = _FEEDS[path] = UsageFeed(path)
        return feed


class FeedError(Exception):
    """The feed cannot be read or holds an invalid line."""


def parse_time(text):
    """Aware UTC datetime of an ISO 8601 string (naive = UTC)."""
    value = datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))
    if value.tzinfo is None:
        return value.replace(tzinfo=datetime.UTC)
    return value.astimezone(datetime.UTC)


def _epoch(value):
    return int(value.timestamp())


class UsageFeed:
    """Indexed, thread-safe reader of one usage feed file.

    :param path: the ``.jsonl`` (or ``.jsonl.gz``) file.
    """

    def __init__(self, path):
        self.path = path
        self._lock = threading.Lock()
        self._signature = None
        self._fd = None
        self._tmpdir = None
        self._index = {}          # begin epoch -> {scope: [[start, end]]}
        self._begins = []         # sorted begin epochs
        self._cache = collections.OrderedDict()

    # -- index -------------------------------------------------------------

    def _signature_of(self):
        try:
            stat = os.stat(self.path)
        except OSError as err:
            raise FeedError('cannot read usage feed %s: %s'
                            % (self.path, err.strerror))
        return (stat.st_ino, stat.st_size, stat.st_mtime_ns)

    def _refresh(self):
        """Rebuild the index if the file changed. Caller holds the lock."""
        signature = self._signature_of()
        if signature == self._signature:
            return
        data_path = self._plain_copy() if self.path.endswith('.gz') \
            else self.path
        try:
            fd = os.open(data_path, os.O_RDONLY)
        except OSError as err:
            raise FeedError('cannot read usage feed %s: %s'
                            % (self.path, err.strerror))
        try:
            index = self._scan(fd)
        except BaseException:
            os.close(fd)
            raise
        if self._fd is not None:
            os.close(self._fd)
        self._fd = fd
        self._index = index
        self._begins = sorted(index)
        self._cache.clear()
        self._signature = signature

    def _plain_copy(self):
        if self._tmpdir is None:
            self._tmpdir = tempfile.mkdtemp(prefix='ck-feed-')
            atexit.register(shutil.rmtree, self._tmpdir, True)
        target = os.path.join(self._tmpdir, 'feed.jsonl')
        try:
            with gzip.open(self.path, 'rb') as src, \
                    open(target + '.tmp', 'wb') as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        except (OSError, EOFError) as err:
            raise FeedError('cannot decompress usage feed %s: %s'
                            % (self.path, err))
        os.replace(target + '.tmp', target)
        return target

    def _scan(self, fd):
        index = {}
        epochs = {}
        offset = 0
        last = None   # (begin, scope, run) of the previous line
        head = None   # its fast head, when it had one
        with os.fdopen(os.dup(fd), 'rb') as handle:
            for number, line in enumerate(handle, 1):
                length = len(line)
                # NOTE(ck): a feed sorted by period and scope repeats the
                # previous line's head (which ends with the closing quote
                # of "begin", so same scope and begin): extend its run
                # without a regex nor a decode.
                if head is not None and line.startswith(head):
                    offset += length
                    last[2][1] = offset
                    continue
                head = None
                if line.strip():
                    match = _FAST_HEAD.match(line)
                    if match:
                        scope = match.group(1).decode()
                        begin_text = match.group(2).decode()
                    else:
                        record = self._decode(line, number)
                        scope, begin_text = record['scope_id'], \
                            record['begin']
                    begin = epochs.get(begin_text)
                    if begin is None:
                        try:
                            begin = _epoch(parse_time(begin_text))
                        except ValueError:
                            raise FeedError('%s line %d: invalid begin %r'
                                            % (self.path, number,
                                               begin_text))
                        epochs[begin_text] = begin
                    if (last is not None and last[0] == begin
                            and last[1] == scope and last[2][1] == offset):
                        last[2][1] = offset + length
                    else:
                        run = [offset, offset + length]
                        index.setdefault(begin, {}).setdefault(
                            scope, []).append(run)
                        last = (begin, scope, run)
                    if match:
                        head = match.group(0)
                offset += length
        return index

    def _decode(self, line, where):
        try:
            record = _DECODER.decode(line.decode('utf-8'))
        except ValueError as err:
            raise FeedError('%s %s: invalid JSON: %s' % (self.path, where,
                                                         err))
        if not isinstance(record, dict):
            raise FeedError('%s %s: a line must be a JSON object'
                            % (self.path, where))
        for key, kind in (('scope_id', str), ('begin', str),
                          ('service', str), ('groupby', dict),
                          ('metadata', dict)):
            if not isinstance(record.get(key), kind):
                raise FeedError('%s %s: "%s" missing or not a %s'
                                % (self.path, where, key, kind.__name__))
        if 'qty' not in record:
            raise FeedError('%s %s: "qty" missing' % (self.path, where))
        return record

    # -- queries -----------------------------------------------------------

    def scopes(self):
        """Sorted scope ids present anywhere in the feed."""
        with self._lock:
            self._refresh()
            found = set()
            for by_scope in self._index.values():
                found.update(by_scope)
        return sorted(found)

    def periods(self, start, end):
        """Period starts (aware datetimes) within ``[start, end)``."""
        with self._lock:
            self._refresh()
            begins = self._begins
            low = bisect.bisect_left(begins, _epoch(start))
            high = bisect.bisect_left(begins, _epoch(end))
            return [datetime.datetime.fromtimestamp(b, datetime.UTC)
                    for b in begins[low:high]]

    def usage(self, scope_id, start, end, service):
        """``[(attributes, qty), ...]`` of one service for one scope, for
        the lines whose ``begin`` lies in ``[start, end)``.

        ``attributes`` = the line's metadata overlaid by its groupby;
        ``qty`` is an exact Decimal (or int).
        """
        result = []
        with self._lock:
            self._refresh()
            begins = self._begins
            low = bisect.bisect_left(begins, _epoch(start))
            high = bisect.bisect_left(begins, _epoch(end))
            for begin in begins[low:high]:
                block = self._block(scope_id, begin)
                result.extend(block.get(service, ()))
        return result

    def _block(self, scope_id, begin):
        key = (scope_id, begin)
        block = self._cache.get(key)
        if block is not None:
            self._cache.move_to_end(key)
            return block
        block = {}
        scan = _DECODER.scan_once
        for run_start, run_end in self._index[begin].get(scope_id, ()):
            data = os.pread(self._fd, run_end - run_start, run_start)
            for line in data.splitlines():
                # NOTE(ck): the hot path of the file collector (one call
                # per data point): the C scanner on the bare line, exact
                # type checks (JSON decodes to plain dict/str/int/Decimal).
                # Anything unusual (surrounding blanks, an invalid or
                # incomplete line) takes the checked path below, which
                # accepts the same lines and names the error.
                try:
                    text = line.decode('utf-8')
                    record, end = scan(text, 0)
                except (ValueError, StopIteration):
                    record = end = None
                if (end != len(text) or type(record) is not dict
                        or type(record.get('groupby')) is not dict
                        or type(record.get('metadata')) is not dict
                        or type(record.get('service')) is not str
                        or type(record.get('scope_id')) is not str
                        or type(record.get('begin')) is not str
                        or type(record.get('qty')) not in _QTY_TYPES):
                    if not line.strip():
                        continue
                    record = self._decode(line, 'byte %d' % run_start)
                    qty = record['qty']
                    if isinstance(qty, bool) or not isinstance(
                            qty, int | decimal.Decimal):
                        raise FeedError('%s byte %d: qty %r is not a '
                                        'number' % (self.path, run_start,
                                                    qty))
                attributes = {**record['metadata'], **record['groupby']}
                service = record['service']
                points = block.get(service)
                if points is None:
                    points = block[service] = []
                points.append((attributes, record['qty']))
        self._cache[key] = block
        if len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return block

    def close(self):
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            self._signature = None
            if self._tmpdir is not None:
                shutil.rmtree(self._tmpdir, True)
                self._tmpdir = None
