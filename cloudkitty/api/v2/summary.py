"""``GET /v2/summary``: sums of qty and price, grouped (v2 §3.4).

The sums are computed by the database (:meth:`BaseStorage.summary`, window
rule v2: ``begin <= point.begin < end``); this module only validates the
request, confines non-administrators to their project and shapes the
answer (``table`` or ``object``).
"""

import re

import voluptuous
from pecan import rest

from cloudkitty.api.v2 import base
from cloudkitty.api.v2 import validation
from cloudkitty import exception
from cloudkitty.policies import v2 as policies
from cloudkitty import storage

FORMATS = ['table', 'object']

DEFAULT_FIELDS = (('SUM', 'qty', 'qty'), ('SUM', 'price', 'rate'))

_FIELD = re.compile(r'^\s*(\w+)\s*\(\s*(\w+)\s*\)\s+AS\s+(\w+)\s*$', re.I)


class InvalidFormat(exception.Invalid):
    msg_fmt = ("Invalid response format [%(value)s]. Valid format are "
               "[%(formats)s].")


class InvalidCustomFields(exception.Invalid):
    msg_fmt = ('Invalid custom_fields [%(value)s]: expected a comma-separated '
               'list of "FUNC(field) AS alias", FUNC one of %(functions)s, '
               'field qty or price, aliases distinct words other than '
               'begin and end.')

    def __init__(self, **kwargs):
        super().__init__(functions=', '.join(storage.AGGREGATES), **kwargs)


def parse_custom_fields(value):
    """``[(func, field, alias)]`` of a ``custom_fields`` text.

    OUR CHOICE (v2 §3.4.5): upstream passes the text to InfluxQL; we
    accept the functions of :data:`cloudkitty.storage.AGGREGATES` (any
    case) over ``qty`` and ``price``, each under its own alias.
    """
    fields = []
    aliases = {'begin', 'end'}
    for part in value.split(','):
        match = _FIELD.match(part)
        if match is None:
            raise InvalidCustomFields(value=value)
        func, field, alias = match.groups()
        func = func.upper()
        if (func not in storage.AGGREGATES
                or field not in storage.AGGREGATED_FIELDS
                or alias in aliases):
            raise InvalidCustomFields(value=value)
        aliases.add(alias)
        fields.append((func, field, alias))
    return fields


QUERY = voluptuous.Schema({
    voluptuous.Optional('begin'): validation.single(
        validation.parse_datetime),
    voluptuous.Optional('end'): validation.single(validation.parse_datetime),
    voluptuous.Optional('groupby', default=[]): validation.multi(),
    voluptuous.Optional('filters', default=[]): validation.filters(),
    voluptuous.Optional('response_format', default=['table']):
        validation.single(),
    voluptuous.Optional('custom_fields'): validation.single(),
    **validation.paging(),
})


def _forced_filters(filters, conf):
    """Confine a non-admin to its project (v2 §3.4.3, §4); None when the
    caller has no project (nothing to see)."""
    confined, project = base.scope_filter()
    if not confined:
        return filters
    if not project:
        # NOTE(ck): never everyone's data for a token without a project:
        # an empty summary, as upstream answers (v2 §3.4.2, §4)
        return None
    filters = dict(filters)
    filters.pop('scope_id', None)
    filters[conf.collect.scope_key] = [project]
    return filters


class SummaryController(rest.RestController):
    """``/v2/summary``."""

    @base.expose_v2(policies.SUMMARY_GET, query=QUERY)
    def get_all(self, **args):
        ctx = base.context()
        conf = base.pecan.request.conf
        fmt = args['response_format']
        if fmt not in FORMATS:
            raise InvalidFormat(value=fmt, formats=FORMATS)
        fields, aggregates = DEFAULT_FIELDS, None
        if 'custom_fields' in args:
            fields = parse_custom_fields(args['custom_fields'])
            aggregates = [(func, field) for func, field, _ in fields]
        filters = _forced_filters(args['filters'], conf)
        if filters is None:
            return render(storage.Summary(0, [], []), fields, fmt)
        summary = base.get_storage().summary(
            ctx, args.get('begin'), args.get('end'), groupby=args['groupby'],
            filters=filters, window=storage.WINDOW_V2,
            offset=args['offset'], limit=args['limit'],
            aggregates=aggregates)
        if aggregates and {alias for _, _, alias in fields} & set(
                summary.columns):
            # an alias naming a group column: ambiguous, in objects above all
            raise InvalidCustomFields(value=args['custom_fields'])
        return render(summary, fields, fmt)


def render(summary, fields, fmt):
    """The ``table``/``object`` answer of a :class:`storage.Summary`."""
    answer = {'total': summary.total}
    if not summary.total:
        if fmt == 'table':
            answer['columns'] = []
        answer['results'] = []
        answer['format'] = fmt
        return answer
    columns = ['begin', 'end'] + [alias for _, _, alias in fields]
    columns += summary.columns
    results = []
    for row in summary.rows:
        # the custom fields' values, else the default qty and rate
        values = [row.begin, row.end, *(row.values or (row.qty, row.price))]
        values.extend(row.groups[name] for name in summary.columns)
        results.append(values if fmt == 'table'
                       else dict(zip(columns, values, strict=True)))
    if fmt == 'table':
        answer['columns'] = columns
    answer['results'] = results
    answer['format'] = fmt
    return answer
