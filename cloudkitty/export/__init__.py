"""Exports of rated data: CSV, JSON Lines and the FinOps FOCUS layout.

Framework-free: :func:`rows` turns an iterator of
:class:`cloudkitty.storage.RatedPoint` into an iterator of text chunks, one
point at a time, so an export never holds the window in memory. The API
(``GET /v1/report/export``) and ``cloudkitty-writer`` both use it.
"""

from cloudkitty import exception

FORMATS = ('csv', 'jsonl', 'focus')

CONTENT_TYPES = {'csv': 'text/csv', 'jsonl': 'application/x-ndjson',
                 'focus': 'text/csv'}
EXTENSIONS = {'csv': 'csv', 'jsonl': 'jsonl', 'focus': 'focus.csv'}


class InvalidFormat(exception.Invalid):
    msg_fmt = ('Invalid export format %(value)r: expected one of '
               '%(formats)s.')


class InvalidColumns(exception.Invalid):
    msg_fmt = 'Invalid export columns %(value)r: %(reason)s'


def check_format(value):
    """``value`` if it is a known format.

    :raises InvalidFormat: anything else.
    """
    if value not in FORMATS:
        raise InvalidFormat(value=value, formats=', '.join(FORMATS))
    return value


def filename(fmt, scope, begin, end):
    """Download/file name of one export (no path separators)."""
    def stamp(value):
        return value.strftime('%Y%m%dT%H%M%SZ')
    safe = ''.join(c if c.isalnum() or c in '-_.' else '_'
                   for c in (scope or 'all'))
    return 'cloudkitty-%s-%s-%s.%s' % (safe, stamp(begin), stamp(end),
                                       EXTENSIONS[fmt])
