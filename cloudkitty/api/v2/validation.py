"""Voluptuous validators of v2 query strings and bodies (v2 §1.5, §1.6).

Query arguments arrive as lists of strings. :func:`single` takes exactly one
occurrence; :func:`multi` concatenates repeated and comma-separated values;
:func:`filters` parses ``k:v[,k:v]`` tokens. Datetimes accept what the
client and dashboard send (``T`` or a space, optional fraction, ``Z`` or an
offset, compact forms, bare dates); naive values are UTC (OUR CHOICE) and
the result is an aware UTC datetime. Unparsable values are 400s (upstream
answers 500 for most of them).
"""

import datetime

import voluptuous

from cloudkitty.api import types as ck_types

_TRUE = ('true', '1', 'yes', 'on')
_FALSE = ('false', '0', 'no', 'off')


def parse_datetime(value):
    """Aware UTC datetime of an ISO 8601 text (or a datetime)."""
    if isinstance(value, datetime.datetime):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            parsed = datetime.datetime.fromisoformat(text)
        except ValueError:
            raise voluptuous.Invalid('invalid datetime %r' % (value,))
    else:
        raise voluptuous.Invalid('expected a datetime, got %r' % (value,))
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=datetime.UTC)
    try:
        return parsed.astimezone(datetime.UTC)
    except OverflowError:
        raise voluptuous.Invalid('datetime out of range %r' % (value,))


def single(validator=None):
    """Exactly one occurrence of a query parameter, then ``validator``."""
    inner = voluptuous.Schema(validator) if validator is not None else None

    def _single(values):
        if not isinstance(values, list) or len(values) != 1:
            raise voluptuous.Invalid('length of value must be 1')
        value = values[0]
        return inner(value) if inner is not None else value
    return _single


def multi(validator=None):
    """Every value of a repeated and/or comma-separated parameter."""
    inner = voluptuous.Schema(validator) if validator is not None else None

    def _multi(values):
        if isinstance(values, str):
            values = [values]
        result = []
        for value in values:
            for item in str(value).split(','):
                item = item.strip()
                if not item:
                    continue
                result.append(inner(item) if inner is not None else item)
        return result
    return _multi


def filters(unique_keys=False):
    """``filters=k:v[,k:v]`` (repeatable) -> ``{key: [values]}``.

    :param unique_keys: a key may appear once (dataframes); otherwise the
        values of a repeated key are OR-ed (summary).
    """
    def _filters(values):
        result = {}
        for value in values:
            for token in str(value).split(','):
                if not token:
                    continue
                parts = token.split(':')
                if len(parts) != 2:
                    raise voluptuous.Invalid(
                        'invalid key:value association %s' % token)
                key, item = parts
                if key in result and unique_keys:
                    raise voluptuous.Invalid('key %s already provided' % key)
                result.setdefault(key, []).append(item)
        return result
    return _filters


def strict_bool(value):
    """JSON booleans and ``true/false/1/0/yes/no/on/off``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    raise voluptuous.Invalid('expected boolean')


def json_int(value):
    """A JSON integer (not a boolean, not a string)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise voluptuous.Invalid('expected int')
    return value


def text(value):
    if not isinstance(value, str):
        raise voluptuous.Invalid('expected str')
    return value


#: the size of the identifier columns (scope ids, keys, fetchers...)
MAX_NAME = 255


def name(value):
    """A text that fits an identifier column (:data:`MAX_NAME`)."""
    value = text(value)
    if len(value) > MAX_NAME:
        raise voluptuous.Invalid('length of value must be at most %d'
                                 % MAX_NAME)
    return value


def str_or_list(value):
    """One string or a list of strings -> list of strings."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise voluptuous.Invalid('expected a string or a list of strings')


def decimal_value(value):
    """A JSON number or numeric string -> Decimal."""
    try:
        return ck_types.to_decimal(value)
    except ValueError:
        raise voluptuous.Invalid('not a valid value')


# NOTE(ck): the largest offset or limit every database takes (a signed
# 64-bit integer: PostgreSQL's bigint, SQLite's integer)
MAX_PAGING = 2 ** 63 - 1


def paging():
    """``offset`` (>= 0, default 0) and ``limit`` (>= 1, default 100), both
    at most :data:`MAX_PAGING`."""
    return {
        voluptuous.Optional('offset', default=['0']): single(voluptuous.All(
            voluptuous.Coerce(int), voluptuous.Range(min=0,
                                                     max=MAX_PAGING))),
        voluptuous.Optional('limit', default=['100']): single(voluptuous.All(
            voluptuous.Coerce(int), voluptuous.Range(min=1,
                                                     max=MAX_PAGING))),
    }
