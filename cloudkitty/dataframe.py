"""The value types flowing collector -> rating -> storage -> API.

A :class:`DataPoint` is one resource's usage for one period; a
:class:`DataFrame` is every point of one scope for one period, by metric
type. Both are immutable: a rating module returns new points
(:meth:`DataPoint.with_price`) rather than changing them. Quantities and
prices are :class:`decimal.Decimal`, never floats.

This module imports no web framework and no database code.
"""

import datetime
import decimal
import operator
import types

_EMPTY = types.MappingProxyType({})


def to_decimal(value):
    """Exact Decimal of ``value`` (floats go through their shortest repr).

    :raises ValueError: when ``value`` is not a number.
    """
    if isinstance(value, decimal.Decimal):
        return value
    # NOTE(ck): texts first: the commonest input after Decimals (wire and
    # API values), with no other type check in their way
    if type(value) is not str:
        if isinstance(value, bool):
            raise ValueError('not a number: %r' % (value,))
        if isinstance(value, int):
            return decimal.Decimal(value)
    try:
        result = decimal.Decimal(str(value).strip())
    except (decimal.InvalidOperation, ValueError, TypeError):
        raise ValueError('not a number: %r' % (value,))
    if not result.is_finite():
        raise ValueError('not a finite number: %r' % (value,))
    return result


def _frozen(mapping):
    if mapping is None:
        return _EMPTY
    if isinstance(mapping, types.MappingProxyType):
        return mapping
    return types.MappingProxyType(dict(mapping))


# NOTE(ck): values whose equality implies the same text: for these, two
# equal attribute mappings are interchangeable (a hashmap field matches on
# ``str(value)``). 1.0 == 1 (float, Decimal) and 0.0 == -0.0 are equal with
# different texts, so mappings holding other types are never shared.
_INTERNABLE = frozenset((str, int, bool, type(None)))


class MappingInterner:
    """Hands out one shared read-only mapping per distinct attribute dict.

    A resource reports the same groupby and metadata period after period;
    a collector that interns them keeps one mapping per resource instead
    of one per point, which makes frames several times smaller (and rating
    them faster: fewer objects to walk through the CPU caches) and lets
    storage and the pyscripts sandbox encode a mapping once.

    Mappings are equal when they hold the same keys, in the same order,
    with equal values of the same types among ``str``, ``int``, ``bool``
    and ``None``; others are copied as usual, never shared. The memo is
    bounded: it is emptied when it holds ``max_size`` mappings.
    """

    __slots__ = ('_memo', 'max_size')

    def __init__(self, max_size=65536):
        self._memo = {}
        self.max_size = max_size

    def __len__(self):
        return len(self._memo)

    def __call__(self, mapping):
        """A read-only mapping equal to ``mapping`` (shared when possible).

        :param mapping: a dict (or mapping) of attribute values; it is
            copied, never kept.
        """
        values = tuple(mapping.values())
        value_types = tuple(map(type, values))
        if not _INTERNABLE.issuperset(value_types):
            return types.MappingProxyType(dict(mapping))
        key = (tuple(mapping), values, value_types)
        memo = self._memo
        shared = memo.get(key)
        if shared is None:
            if len(memo) >= self.max_size:
                memo.clear()
            shared = memo[key] = types.MappingProxyType(dict(mapping))
        return shared


class DataPoint(tuple):
    """One rated (or not yet rated) measurement.

    :param unit: unit of ``qty`` (``"undefined"`` when empty).
    :param qty: quantity over the period (Decimal or convertible).
    :param price: price so far (modules add to it); default 0.
    :param groupby: attributes the measurement is grouped by (always
        holding the scope key once collected).
    :param metadata: other descriptive attributes.
    :param description: optional text from the metric definition.

    NOTE(ck): a point is a tuple underneath (fields in the order above) so
    that a rating module can build a priced copy with one
    ``tuple.__new__`` call (see :meth:`make`): rating creates one new point
    per rated point and per module, and a slotted object with a guarded
    ``__setattr__`` costs six times as much to build. Use the attributes;
    the tuple layout is an implementation detail of the rating hot path.
    """

    __slots__ = ()

    def __new__(cls, unit, qty, price=0, groupby=None, metadata=None,
                description=None):
        return tuple.__new__(cls, (unit or 'undefined', to_decimal(qty),
                                   to_decimal(price), _frozen(groupby),
                                   _frozen(metadata), description))

    @classmethod
    def make(cls, fields):
        """Build a point from already validated fields, without checks.

        :param fields: ``(unit, qty, price, groupby, metadata,
            description)`` with Decimal ``qty``/``price`` and read-only
            mappings (e.g. taken from another point).
        """
        return tuple.__new__(cls, fields)

    unit = property(operator.itemgetter(0), doc='unit of qty')
    qty = property(operator.itemgetter(1), doc='quantity (Decimal)')
    price = property(operator.itemgetter(2), doc='price so far (Decimal)')
    groupby = property(operator.itemgetter(3), doc='read-only mapping')
    metadata = property(operator.itemgetter(4), doc='read-only mapping')
    description = property(operator.itemgetter(5), doc='optional text')

    def __setattr__(self, name, value):
        raise AttributeError('DataPoint is immutable')

    def __eq__(self, other):
        if not isinstance(other, DataPoint):
            return NotImplemented
        return (self[0] == other[0] and self[1] == other[1]
                and self[2] == other[2]
                and dict(self[3]) == dict(other[3])
                and dict(self[4]) == dict(other[4]))

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self):
        return hash((self[0], self[1], self[2]))

    def __repr__(self):
        return ('DataPoint(unit=%r, qty=%s, price=%s, groupby=%r, '
                'metadata=%r)' % (self.unit, self.qty, self.price,
                                  dict(self.groupby), dict(self.metadata)))

    def __reduce__(self):
        return (DataPoint, (self[0], self[1], self[2], dict(self[3]),
                            dict(self[4]), self[5]))

    @property
    def desc(self):
        """metadata overlaid by groupby (groupby wins on a collision)."""
        merged = dict(self.metadata)
        merged.update(self.groupby)
        return merged

    def with_price(self, price):
        """A copy of this point with ``price`` (a Decimal)."""
        return tuple.__new__(DataPoint, (self[0], self[1], price, self[3],
                                         self[4], self[5]))

    def as_dict(self, legacy=False, mutable=False):
        """Serialized form (§2.2 of the spec).

        :param legacy: merge groupby and metadata into one ``desc``.
        :param mutable: plain dicts (as pyscripts receive them).
        """
        if legacy:
            return {'vol': {'unit': self.unit, 'qty': self.qty},
                    'rating': {'price': self.price},
                    'desc': self.desc}
        return {'vol': {'unit': self.unit, 'qty': self.qty},
                'rating': {'price': self.price},
                'groupby': dict(self.groupby),
                'metadata': dict(self.metadata)}

    @classmethod
    def from_dict(cls, data):
        """Build a point from its serialized form.

        :raises ValueError: with a message naming what is wrong.
        """
        if not isinstance(data, dict):
            raise ValueError('a point must be a dict, got %r' % (data,))
        vol = data.get('vol')
        if not isinstance(vol, dict) or 'unit' not in vol or 'qty' not in vol:
            raise ValueError('point %r: vol.unit and vol.qty are required'
                             % (data,))
        if not isinstance(vol['unit'], str):
            raise ValueError('point %r: vol.unit must be a string' % (data,))
        rating = data.get('rating') or {}
        if not isinstance(rating, dict):
            raise ValueError('point %r: rating must be a dict' % (data,))
        groupby = data.get('groupby')
        metadata = data.get('metadata')
        if not isinstance(groupby, dict) or not isinstance(metadata, dict):
            raise ValueError('point %r: groupby and metadata must be dicts'
                             % (data,))
        try:
            return cls(vol['unit'], vol['qty'], rating.get('price', 0),
                       groupby, metadata, data.get('description'))
        except ValueError as err:
            raise ValueError('point %r: %s' % (data, err))


def _aware(value):
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value.replace('Z', '+00:00'))
    if not isinstance(value, datetime.datetime):
        raise ValueError('not a datetime: %r' % (value,))
    if value.tzinfo is None:
        return value.replace(tzinfo=datetime.UTC)
    return value.astimezone(datetime.UTC)


class DataFrame:
    """Every point of one scope for one period ``[start, end)``.

    :param start: aware datetime (naive is taken as UTC).
    :param end: aware datetime.
    :param usage: mapping of metric type -> sequence of DataPoint.
    """

    __slots__ = ('start', 'end', 'usage')

    def __init__(self, start, end, usage=None):
        setter = object.__setattr__
        setter(self, 'start', _aware(start))
        setter(self, 'end', _aware(end))
        setter(self, 'usage', types.MappingProxyType(
            {k: tuple(v) for k, v in (usage or {}).items()}))

    def __setattr__(self, name, value):
        raise AttributeError('DataFrame is immutable')

    def __repr__(self):
        return 'DataFrame(%s, %s, %d types, %d points)' % (
            self.start.isoformat(), self.end.isoformat(), len(self.usage),
            self.point_count())

    def point_count(self):
        return sum(map(len, self.usage.values()))

    def iterpoints(self):
        """Yield ``(metric_type, point)`` for every point."""
        for metric_type, points in self.usage.items():
            for point in points:
                yield metric_type, point

    def with_usage(self, usage):
        """A frame of the same period holding ``usage`` instead.

        :param usage: mapping of metric type -> sequence of DataPoint
            (tuples are kept as they are, not copied).
        """
        # NOTE(ck): start/end are already normalised; skipping __init__
        # keeps this cheap for rating modules, which call it once per frame.
        return self.with_tuples({k: v if type(v) is tuple else tuple(v)
                                 for k, v in usage.items()})

    def with_tuples(self, usage):
        """Like :meth:`with_usage` for a fresh dict whose values are all
        tuples of DataPoint: the frame takes the dict as it is (no copy,
        no check: what rating modules use, once per frame)."""
        new = _new_frame(DataFrame)
        _set_start(new, self.start)
        _set_end(new, self.end)
        _set_usage(new, types.MappingProxyType(usage))
        return new

    def as_dict(self, legacy=False, mutable=False):
        return {'period': {'begin': self.start, 'end': self.end},
                'usage': {k: [p.as_dict(legacy=legacy, mutable=mutable)
                              for p in v]
                          for k, v in self.usage.items()}}

    @classmethod
    def from_dict(cls, data):
        """Build a frame from its serialized form (usage keys sorted).

        :raises ValueError: with a message naming what is wrong.
        """
        if not isinstance(data, dict):
            raise ValueError('a frame must be a dict')
        period = data.get('period')
        if not isinstance(period, dict):
            raise ValueError('frame: period must be a dict')
        usage = data.get('usage', {})
        if not isinstance(usage, dict):
            raise ValueError('frame: usage must be a dict')
        points = {}
        for metric_type in sorted(usage):
            entries = usage[metric_type]
            if not isinstance(entries, list | tuple):
                raise ValueError('frame: usage[%r] must be a list'
                                 % (metric_type,))
            points[metric_type] = [DataPoint.from_dict(p) for p in entries]
        return cls(period.get('begin'), period.get('end'), points)


# NOTE(ck): the slots' own setters: what with_tuples() needs to fill a new
# frame past the guarded __setattr__, cheaper than object.__setattr__.
_new_frame = object.__new__
_set_start = DataFrame.start.__set__
_set_end = DataFrame.end.__set__
_set_usage = DataFrame.usage.__set__
