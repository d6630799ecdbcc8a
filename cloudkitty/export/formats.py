"""Row formatting of exports: CSV (configurable columns) and JSON Lines.

Amounts are written from the exact decimals as plain decimal strings
(``0.608``, never ``6.08E-1`` and never through a float); datetimes are
ISO 8601 UTC with ``Z``.
"""

import csv
import datetime
import io
import json

from cloudkitty import export

#: Built-in CSV columns, in the default order.
BASE_COLUMNS = ('begin', 'end', 'scope_id', 'type', 'resource_id', 'unit',
                'qty', 'price')
#: Prefix naming a groupby/metadata key as a column (``meta:flavor_name``).
META_PREFIX = 'meta:'
#: Point attributes that may hold the resource id, in order of preference.
RESOURCE_KEYS = ('id', 'resource_id')


def plain(value):
    """Plain decimal text of a Decimal (no exponent, no float)."""
    text = format(value, 'f')
    if '.' in text:
        text = text.rstrip('0').rstrip('.')
    return '0' if text in ('', '-0') else text


def isotime(value):
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value.astimezone(datetime.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')


def resource_id(point):
    desc = point.desc
    for key in RESOURCE_KEYS:
        if desc.get(key) not in (None, ''):
            return str(desc[key])
    return ''


def parse_columns(value):
    """CSV columns of a comma-separated text (None/empty: the defaults).

    :raises cloudkitty.export.InvalidColumns: unknown or empty column.
    """
    if not value:
        return list(BASE_COLUMNS)
    columns = [c.strip() for c in value.split(',')]
    for column in columns:
        if column in BASE_COLUMNS:
            continue
        if column.startswith(META_PREFIX) and column[len(META_PREFIX):]:
            continue
        raise export.InvalidColumns(
            value=value, reason='%r is neither one of %s nor %s<key>'
            % (column, ', '.join(BASE_COLUMNS), META_PREFIX))
    if len(set(columns)) != len(columns):
        raise export.InvalidColumns(value=value, reason='duplicate column')
    return columns


def _cell(point, column):
    if column == 'begin':
        return isotime(point.begin)
    if column == 'end':
        return isotime(point.end)
    if column == 'scope_id':
        return point.scope_id
    if column == 'type':
        return point.type
    if column == 'resource_id':
        return resource_id(point)
    if column == 'unit':
        return point.unit
    if column == 'qty':
        return plain(point.qty)
    if column == 'price':
        return plain(point.price)
    value = point.desc.get(column[len(META_PREFIX):])
    if value is None:
        return ''
    return value if isinstance(value, str) else json.dumps(value)


def csv_lines(header, records, batch=500):
    """Text chunks of a CSV (header then rows), ``batch`` rows a chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator='\r\n')
    writer.writerow(header)
    count = 0
    for record in records:
        writer.writerow(record)
        count += 1
        if count % batch == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def to_csv(points, columns=None):
    """CSV text chunks of ``points`` with ``columns`` (default set)."""
    columns = columns or list(BASE_COLUMNS)
    return csv_lines(columns, ([_cell(p, c) for c in columns]
                               for p in points))


def record(point):
    """The JSON Lines object of one point (amounts as decimal strings)."""
    return {'begin': isotime(point.begin), 'end': isotime(point.end),
            'scope_id': point.scope_id, 'type': point.type,
            'resource_id': resource_id(point), 'unit': point.unit,
            'qty': plain(point.qty), 'price': plain(point.price),
            'groupby': point.groupby, 'metadata': point.metadata}


def to_jsonl(points, batch=500):
    """JSON Lines text chunks of ``points``."""
    lines = []
    for point in points:
        lines.append(json.dumps(record(point), sort_keys=True) + '\n')
        if len(lines) >= batch:
            yield ''.join(lines)
            lines = []
    if lines:
        yield ''.join(lines)


def render(fmt, points, columns=None, currency='USD'):
    """Text chunks of ``points`` in ``fmt`` (see :data:`export.FORMATS`)."""
    from cloudkitty.export import focus
    export.check_format(fmt)
    if fmt == 'csv':
        return to_csv(points, columns)
    if fmt == 'jsonl':
        return to_jsonl(points)
    return focus.to_focus(points, currency)
