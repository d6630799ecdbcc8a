"""Compiled, immutable hashmap rules: the rating hot path.

:class:`Index` wraps a :class:`~.rules.RuleSet` loaded once per rules
generation. For a (validity interval, tenant) pair it resolves the rules in
force once, and compiles each service into a :class:`CompiledService`:

* the names of the fields that carry rules;
* a cache ``field values -> pricer`` (:func:`.rules.pricer`), so that pricing
  a point costs a few dict lookups, one bisect when the service has
  thresholds, and one multiplication (plus one addition per non-zero term);
* a loop specialised for the number of fields (generated once per service,
  see :func:`_make_loop`), so no per-point function call or temporary
  object is needed besides the priced point itself; or, when the optional
  C module ``_pricing`` was built, the same steps compiled (55-65 % more
  points per second; the generated loop stays the reference the tests
  hold it to, and the fallback).

Nothing here reads the database: the processor rebuilds the Index when the
rules generation stamp changes.
"""

import bisect
import datetime
import decimal
import functools
import os
import sys
import threading

from cloudkitty import dataframe
from cloudkitty.rating.hashmap import rules

try:
    from cloudkitty.rating.hashmap import _pricing
except ImportError:  # not built (no compiler at install time)
    _pricing = None

#: The compiled pricing loop, or None: the generated Python loop then
#: prices. ``CLOUDKITTY_PURE_PYTHON=1`` in the environment turns it off
#: (a way back, should it ever misbehave); tests switch it per case.
NATIVE = None if os.environ.get('CLOUDKITTY_PURE_PYTHON', '').lower() in (
    '1', 'true', 'yes') else _pricing

# NOTE(ck): bounds of the memo caches; cleared (not evicted one by one)
# when full, which keeps the hot path free of bookkeeping.
MAX_PRICERS = 65536
MAX_RESOLVED = 256

_MISSING = rules._MISSING

# NOTE(ck): the loop body is generated per number of fields so that field
# names are closure constants and the key is built without a helper call or
# a temporary list. Field names are never pasted into the source: they are
# passed as arguments (f0, f1, ...) of the factory.
_FETCH = '''
            if f{i} in gb:
                v{i} = gb[f{i}]
            else:
                try:
                    v{i} = md[f{i}]
                except KeyError:
                    v{i} = M'''

# NOTE(ck): ``mappingproxy.get`` is a slow generic method call; ``in`` and
# ``[]`` on the proxy are direct slot calls, several times faster (and a
# ``try`` costs nothing when the attribute is there, the common case).
# The key holds the raw values: see CompiledService for why this is safe.
_LOOKUP = '''
            try:
                pr = cache_get({key}, M)
            except TypeError:
                pr = M
            if pr is M:
                pr = miss({key_tuple})'''

_LOOP = '''
def factory({names}cache, miss, new, DP, bisect, M):
    cache_get = cache.get

    def rate_points(points):
        out = []
        append = out.append
        pr = cache_get((), M) if {constant} else None
        if pr is M:
            pr = miss(())
        if {constant}:
            if pr is None:
                return points
            if not pr[0] and pr[2] is None:
                # one price per unit for every point: the commonest case
                a = pr[1]
                for pt in points:
                    unit, q, p0, gb, md, d = pt
                    price = a * q
                    if p0:
                        price = price + p0
                    append(new(DP, (unit, q, price, gb, md, d)))
                return out
        for pt in points:
            unit, q, p0, gb, md, d = pt{fetch}{lookup}
            if pr is None:
                append(pt)
                continue
            levels, a, b, segs = pr
            if levels:
                a, b = segs[bisect(levels, q)]
            price = a * q
            if b is not None:
                price = price + b
            if p0:
                price = price + p0
            append(new(DP, (unit, q, price, gb, md, d)))
        return out
    return rate_points
'''

_FACTORIES = {}


def _make_loop(count):
    """A factory of point loops for services with ``count`` fields."""
    factory = _FACTORIES.get(count)
    if factory is None:
        names = ''.join('f%d, ' % i for i in range(count))
        fetch = ''.join(_FETCH.format(i=i) for i in range(count))
        values = ', '.join('v%d' % i for i in range(count))
        if count == 0:
            lookup = ''
        elif count == 1:
            lookup = _LOOKUP.format(key='v0', key_tuple='(v0,)')
        else:
            lookup = _LOOKUP.format(key='(%s)' % values,
                                    key_tuple='(%s)' % values)
        source = _LOOP.format(names=names, fetch=fetch, lookup=lookup,
                              constant=count == 0)
        namespace = {}
        exec(compile(source, '<hashmap loop %d>' % count, 'exec'),
             namespace)
        factory = _FACTORIES[count] = namespace['factory']
    return factory


class CompiledService:
    """One resolved service, ready to price points."""

    __slots__ = ('service', 'fields', 'cache', 'by_text', 'rate_points')

    def __init__(self, service):
        self.service = service
        # NOTE(ck): interned names let dict lookups succeed on identity when
        # the collector interns attribute names too.
        self.fields = tuple(sys.intern(name)
                            for name in rules.relevant_fields(service))
        self.cache = {}
        self.by_text = {}
        if NATIVE is not None:
            self.rate_points = functools.partial(
                NATIVE.rate_points, self.fields, self.cache, self._miss,
                dataframe.DataPoint, _MISSING)
        else:
            factory = _make_loop(len(self.fields))
            self.rate_points = factory(*self.fields, self.cache, self._miss,
                                       tuple.__new__, dataframe.DataPoint,
                                       bisect.bisect_right, _MISSING)

    def _miss(self, values):
        """Pricer of raw field values (cache miss).

        NOTE(ck): the hot loop looks up the *raw* values, and only keys made
        of plain ``str`` values are stored under their raw form: a mapping
        compares ``str(value)``, and ``1``, ``1.0`` and ``True`` are equal
        dict keys with different texts, but no non-``str`` value is ever
        equal to a ``str``, so a raw lookup can only hit an entry built from
        the very same texts. Other keys are memoised under their texts in
        a separate dict.
        """
        cache = self.cache
        if len(cache) >= MAX_PRICERS:
            cache.clear()
        by_text = self.by_text
        if len(by_text) >= MAX_PRICERS:
            by_text.clear()
        texts = tuple(value if value is _MISSING else rules.text_of(value)
                      for value in values)
        result = by_text.get(texts, _MISSING)
        if result is _MISSING:
            result = by_text[texts] = rules.pricer(self.service, texts)
        if texts == values and all(type(v) is str or v is _MISSING
                                   for v in values):
            cache[values[0] if len(values) == 1 else values] = result
        return result


_local = threading.local()
_getcontext = decimal.getcontext
_setcontext = decimal.setcontext


def _wide_context():
    """This thread's copy of :data:`rules.CONTEXT`.

    NOTE(ck): swapping the thread's context object in and out costs a third
    of ``decimal.localcontext()``, which copies a context on every call;
    the copy is per thread so that no two threads share flags.
    """
    context = getattr(_local, 'context', None)
    if context is None:
        context = _local.context = rules.CONTEXT.copy()
    return context


def _utc(at):
    if at.tzinfo is None:
        return at.replace(tzinfo=datetime.UTC)
    return at


class Index:
    """Every hashmap rule, compiled lazily per (interval, tenant)."""

    def __init__(self, ruleset):
        self.ruleset = ruleset
        self.boundaries = ruleset.boundaries()
        self.tenants = ruleset.tenants()
        self._resolved = {}

    def services(self, at, scope_id):
        """``{service name: CompiledService}`` in force for ``scope_id``
        at ``at``."""
        interval = bisect.bisect_right(self.boundaries, _utc(at))
        tenant = scope_id if scope_id in self.tenants else None
        key = (interval, tenant)
        found = self._resolved.get(key)
        if found is None:
            resolved = self.ruleset.in_force(_utc(at), tenant)
            found = {service.name: CompiledService(service)
                     for service in resolved.services}
            if len(self._resolved) >= MAX_RESOLVED:
                self._resolved.clear()
            self._resolved[key] = found
        return found

    def rate_frame(self, frame, scope_id, at=None):
        """The frame with hashmap prices added to every point."""
        services = self.services(frame.start if at is None else at,
                                 scope_id)
        usage = {}
        changed = False
        previous = _getcontext()
        _setcontext(_wide_context())
        try:
            for metric_type, points in frame.usage.items():
                compiled = services.get(metric_type)
                if compiled is None or not points:
                    usage[metric_type] = points
                else:
                    usage[metric_type] = tuple(compiled.rate_points(points))
                    changed = True
        finally:
            _setcontext(previous)
        return frame.with_tuples(usage) if changed else frame
