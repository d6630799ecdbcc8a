"""JSON bodies: what no database can store is refused while parsing.

JSON allows ``NaN`` and ``Infinity`` (Python's parser accepts them), the
escape ``\\u0000`` and lone surrogates (``\\ud800``). None of these can be
stored or read back as valid JSON or text (PostgreSQL refuses NUL in text
and in JSON; a surrogate cannot be encoded as UTF-8), so they are refused
at the door, with a message, before anything is written. (Paths and query
strings are checked once for both APIs by the fault middleware,
:func:`cloudkitty.api.middleware._unreadable`.)
"""

import json
import math
import re

# NOTE(ck): a JSON text holds NUL only through a \u escape (raw control
# characters are invalid JSON) and a surrogate through an escape or, in
# bytes, its UTF-8 form (json.loads decodes bytes with 'surrogatepass'):
# the parsed strings are looked at only when the text has one of these.
_SUSPECT_ESCAPE = re.compile(r'\\u(?:0000|[dD][89a-fA-F])')
_SUSPECT_BYTES = re.compile(rb'\\u(?:0000|[dD][89a-fA-F])|\xed[\xa0-\xbf]')


class BadText(ValueError):
    """A text no database stores (NUL character, lone surrogate)."""


def _reject_constant(name):
    raise ValueError('%s is not a number JSON allows' % name)


def _finite_float(text):
    value = float(text)
    if math.isinf(value):
        raise ValueError('%s is too large for a JSON number' % text)
    return value


def check_text(text):
    """Raise :class:`BadText` when ``text`` (a str) cannot be stored."""
    if '\x00' in text:
        raise BadText('text must not contain NUL characters')
    try:
        text.encode('utf-8')
    except UnicodeEncodeError:
        raise BadText('text must be valid Unicode (no lone surrogates)')


def check_tree(value):
    """:func:`check_text` on every string (keys included) of a parsed
    JSON value."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            check_text(item)
        elif isinstance(item, dict):
            for key, inner in item.items():
                if isinstance(key, str):
                    check_text(key)
                stack.append(inner)
        elif isinstance(item, list):
            stack.extend(item)


def loads(text):
    """``json.loads`` refusing ``NaN``/``Infinity`` and unstorable text.

    :raises ValueError: invalid JSON (:class:`json.JSONDecodeError`), a
        non-finite number, or :class:`BadText`.
    """
    data = json.loads(text, parse_constant=_reject_constant,
                      parse_float=_finite_float)
    if isinstance(text, bytes | bytearray):
        suspect = _SUSPECT_BYTES.search(text)
    else:
        suspect = _SUSPECT_ESCAPE.search(text)
    if suspect:
        check_tree(data)
    return data
