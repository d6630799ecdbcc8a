"""WSME types shared by every API controller.

The wire conventions they implement (v1 spec §1.5, §1.7, §1.8):

* decimals travel as JSON strings; inputs may be strings or numbers, and a
  JSON number is read through its shortest ``repr`` (``0.01`` stays
  ``Decimal('0.01')``, never the binary expansion);
* datetimes are read as ISO-8601 with ``T`` or a space, optional fraction and
  offset (converted to UTC), or a bare date (midnight); they are written as
  naive UTC ISO-8601 with ``.ffffff`` only when microseconds are not zero;
* booleans in query strings accept ``true/1/yes/on`` and ``false/0/no/off``
  and the empty string (case-insensitive); anything else is a 400;
* identifiers typed as UUID give ``Invalid UUID, got '<value>'``.

Conversion errors are raised as ``ValueError`` from ``validate()``: WSME then
reports them against the attribute name
(``Invalid input for field/attribute <name>. Value: '<v>'. <message>``).
"""

import datetime
import decimal
import uuid

from wsme import types as wtypes

# NOTE(ck): prices and costs are summed with many digits; 60 significant
# digits is far above the 40 a cost column holds, so nothing we compute is
# rounded by the context.
DECIMAL_CONTEXT = decimal.Context(prec=60)

_TRUE = ('true', '1', 'yes', 'on', 'y', 't')
_FALSE = ('false', '0', 'no', 'off', 'n', 'f', '')


def given(value):
    """``value``, or None when the attribute was absent (WSME ``Unset``)."""
    if value is wtypes.Unset:
        return None
    return value


def to_decimal(value):
    """Decimal of a JSON string or number; ValueError when not a number."""
    if isinstance(value, bool) or value is None:
        raise ValueError('Value should be a decimal number')
    if isinstance(value, decimal.Decimal):
        result = value
    elif isinstance(value, (int, float, str)):
        try:
            result = decimal.Decimal(str(value).strip())
        except decimal.InvalidOperation:
            raise ValueError('Value should be a decimal number')
    else:
        raise ValueError('Value should be a decimal number')
    if not result.is_finite():
        raise ValueError('Value should be a finite decimal number')
    return result


def plain(value):
    """Normalized decimal string in plain notation (``100``, ``0.5``)."""
    value = value.normalize(DECIMAL_CONTEXT)
    if value == 0:
        return '0'
    text = format(value, 'f')
    return text


def fixed(value, places):
    """Decimal string with exactly ``places`` fractional digits."""
    quantum = decimal.Decimal(1).scaleb(-places)
    return format(value.quantize(quantum, rounding=decimal.ROUND_HALF_EVEN,
                                 context=DECIMAL_CONTEXT), 'f')


class DecimalType(wtypes.UserType):
    """A decimal carried as a JSON string.

    :param places: render with exactly this many fractional digits (hashmap
        ``cost`` 28, ``level`` 8); None renders a plain normalized decimal.
    :param max_int_digits: largest number of integer digits accepted.
    """

    basetype = wtypes.text
    name = 'decimal'

    def __init__(self, places=None, max_int_digits=None):
        self.places = places
        self.max_int_digits = max_int_digits

    def frombasetype(self, value):
        # NOTE(ck): conversion happens in validate() so that errors name
        # the attribute; here the raw JSON value passes through.
        return value

    def validate(self, value):
        if isinstance(value, decimal.Decimal):
            result = value
        else:
            result = to_decimal(value)
        # NOTE(ck): ``places`` only shapes the output; the value is kept as
        # sent (the domain quantizes it to its column and quotes it as sent
        # in messages).
        if self.max_int_digits is not None:
            # NOTE(ck): adjusted() is the exponent of the leading digit,
            # computed without a context (no overflow on 1e+3000000)
            if result and result.adjusted() >= self.max_int_digits:
                raise ValueError('Value should have at most %d integer '
                                 'digits' % self.max_int_digits)
        return result

    def tobasetype(self, value):
        if value is None:
            return None
        value = to_decimal(value)
        if self.places is not None:
            return fixed(value, self.places)
        return plain(value)


def parse_datetime(value):
    """Naive UTC datetime from an ISO-8601 string (§1.7).

    :raises ValueError: ``Unknown string format: <value>``.
    """
    if isinstance(value, datetime.datetime):
        parsed = value
    elif isinstance(value, datetime.date):
        parsed = datetime.datetime.combine(value, datetime.time())
    elif isinstance(value, str):
        text = value.strip()
        try:
            parsed = datetime.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError('Unknown string format: %s' % value)
    else:
        raise ValueError('Unknown string format: %s' % value)
    if parsed.tzinfo is not None:
        try:
            parsed = parsed.astimezone(datetime.UTC).replace(tzinfo=None)
        except OverflowError:
            raise ValueError('Datetime out of range: %s' % value)
    return parsed


def is_bare_date(value):
    """True when ``value`` is a date without a time part (``2015-01-04``)."""
    return isinstance(value, str) and len(value.strip()) == 10


def format_datetime(value):
    """Naive UTC ISO-8601; ``.ffffff`` only when microseconds are set."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value.isoformat()


class DateTimeType(wtypes.UserType):
    """ISO-8601 datetime, naive UTC inside (§1.7, §1.8).

    Set ``end_of_day`` for attributes where a bare date means the last
    second of that day (rule ``end`` dates, §4.6).
    """

    basetype = wtypes.text
    name = 'datetime'

    def __init__(self, end_of_day=False):
        self.end_of_day = end_of_day

    def frombasetype(self, value):
        return value

    def validate(self, value):
        parsed = parse_datetime(value)
        if self.end_of_day and is_bare_date(value):
            parsed = parsed.replace(hour=23, minute=59, second=59)
        return parsed

    def tobasetype(self, value):
        return format_datetime(value)


class BooleanType(wtypes.UserType):
    """Boolean of a query string or a JSON body (§1.7)."""

    basetype = wtypes.text
    name = 'boolean'

    def frombasetype(self, value):
        return value

    def validate(self, value):
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in _TRUE:
                return True
            if lowered in _FALSE:
                return False
        raise ValueError('Value should be a boolean (true or false), got '
                         '%r' % (value,))

    def tobasetype(self, value):
        return value


class UuidType(wtypes.UserType):
    """A UUID given as text; rendered in canonical dashed form."""

    basetype = wtypes.text
    name = 'uuid'

    def frombasetype(self, value):
        return value

    def validate(self, value):
        try:
            return str(uuid.UUID(str(value)))
        except (TypeError, ValueError, AttributeError):
            raise ValueError("Invalid UUID, got '%s'" % value)

    def tobasetype(self, value):
        return value


class EnumType(wtypes.UserType):
    """Text restricted to a list of values, listed in a stable order.

    (WSME's ``Enum`` keeps its values in a set, so its error message lists
    them in a random order.)
    """

    basetype = wtypes.text

    def __init__(self, *values):
        self.values = values
        self.name = 'enum(%s)' % ', '.join(values)

    def frombasetype(self, value):
        return value

    def validate(self, value):
        if value not in self.values:
            raise ValueError('Value should be one of: %s'
                             % ', '.join(self.values))
        return value


class TextType(wtypes.UserType):
    """Text with an optional maximum length (names, descriptions)."""

    basetype = wtypes.text
    name = 'text'

    def __init__(self, max_length=None):
        self.max_length = max_length

    def frombasetype(self, value):
        return value

    def validate(self, value):
        if not isinstance(value, str):
            raise ValueError('Value should be a string')
        if self.max_length is not None and len(value) > self.max_length:
            raise ValueError('Value should have at most %d characters'
                             % self.max_length)
        return value


#: the largest value of the integer columns (32-bit: module priorities)
MAX_INT32 = 2 ** 31 - 1


class IntegerType(wtypes.UserType):
    """A JSON integer (or integer text); ``1.5`` and booleans are refused.

    Conversion errors are raised while the body is read, so they name the
    body argument as WSME's ``int`` does (``invalid literal for int() with
    base 10: 'high'``).
    """

    basetype = wtypes.text
    name = 'integer'

    def frombasetype(self, value):
        if value is None:
            return None
        if isinstance(value, bool) or (
                isinstance(value, float) and not value.is_integer()):
            raise ValueError("invalid literal for int() with base 10: '%s'"
                             % (value,))
        return int(value)

    def validate(self, value):
        value = self.frombasetype(value)
        if value is not None and not -MAX_INT32 - 1 <= value <= MAX_INT32:
            raise ValueError('Value out of range: %s (at most %d)'
                             % (value, MAX_INT32))
        return value

    def tobasetype(self, value):
        return value


class JsonType(wtypes.UserType):
    """Any JSON value (objects, lists, strings, numbers, booleans)."""

    basetype = wtypes.text
    name = 'json'

    def frombasetype(self, value):
        return value

    def validate(self, value):
        return value

    def tobasetype(self, value):
        return value


Decimal = DecimalType()
DateTime = DateTimeType()
EndDateTime = DateTimeType(end_of_day=True)
Boolean = BooleanType()
Uuid = UuidType()
Text = TextType()
Json = JsonType()
Integer = IntegerType()
