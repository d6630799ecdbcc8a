"""``/v1/report``: tenants, total and summary of rated data (§3.6, §7).

Windows default to the current UTC month; a row counts when its whole
period lies in ``[begin, end]``. Amounts are exact decimals.
"""

import decimal

import pecan
from pecan import rest
import webob

from cloudkitty.api.expose import expose
from cloudkitty.api import types as ck_types
from cloudkitty.api.v1 import scope
from cloudkitty.api.v1 import types as v1_types
from cloudkitty import exception
from cloudkitty import export
from cloudkitty.export import formats as export_formats
from cloudkitty.policies import report as policies
from cloudkitty import storage as ck_storage
from cloudkitty.storage import window as ck_window

# v1 summary group words -> storage grouping columns.
GROUPS = {'tenant_id': 'scope_id', 'res_type': 'type'}
ALL = 'ALL'


def get_storage():
    """The storage driver of this application (loaded on first use)."""
    services = pecan.request.services
    found = services.get('storage')
    if found is None:
        found = services.setdefault(
            'storage', ck_storage.get_storage(pecan.request.conf))
    return found


def summary_rate(value):
    """Upstream's summary rendering: 5 decimals, float-like text (§1.8)."""
    value = value.quantize(decimal.Decimal('0.00001'),
                           rounding=decimal.ROUND_HALF_EVEN)
    if value == 0:
        return '0'
    text = ck_types.plain(value)
    if '.' not in text:
        text += '.0'
    return text


class ReportController(rest.RestController):
    """``/v1/report``."""

    _custom_actions = {
        'tenants': ['GET'],
        'total': ['GET'],
        'summary': ['GET'],
        'export': ['GET'],
    }

    @expose([ck_types.Text], ck_types.DateTime, ck_types.DateTime)
    def tenants(self, begin=None, end=None):
        """Scopes with rated rows in the window (markers included)."""
        ctx = pecan.request.context
        ctx.can(policies.LIST_TENANTS)
        begin, end = ck_window.window(begin, end)
        return get_storage().tenants(ctx, begin, end)

    @expose(ck_types.Decimal, ck_types.DateTime, ck_types.DateTime,
            ck_types.Text, ck_types.Text, ck_types.Boolean)
    def total(self, begin=None, end=None, tenant_id=None, service=None,
              all_tenants=False):
        """Sum of prices (deprecated upstream in favour of summary)."""
        ctx = pecan.request.context
        scope_ids = scope.report_scopes(ctx, policies.GET_TOTAL, tenant_id,
                                        all_tenants)
        begin, end = ck_window.window(begin, end)
        return get_storage().total(ctx, begin, end, scope_ids=scope_ids,
                                   types=[service] if service else None)

    @expose(v1_types.SummaryCollection, ck_types.DateTime,
            ck_types.DateTime, ck_types.Text, ck_types.Text, ck_types.Text,
            ck_types.Boolean)
    def summary(self, begin=None, end=None, tenant_id=None, service=None,
                groupby=None, all_tenants=False):
        """Sums grouped by ``tenant_id`` and/or ``res_type``."""
        ctx = pecan.request.context
        scope_ids = scope.report_scopes(ctx, policies.GET_SUMMARY,
                                        tenant_id, all_tenants)
        begin, end = ck_window.window(begin, end)
        words = [w.strip() for w in (groupby or '').split(',')]
        columns = [GROUPS[w] for w in dict.fromkeys(words) if w in GROUPS]
        result = get_storage().summary(
            ctx, begin, end, groupby=columns, scope_ids=scope_ids,
            types=[service] if service else None)
        default_tenant = scope_ids[0] if scope_ids and len(
            scope_ids) == 1 else ALL
        default_type = service or ALL
        rows = sorted(result.rows, key=lambda row: row.price)
        entries = [v1_types.SummaryEntry(
            begin=begin, end=end,
            tenant_id=row.groups.get('scope_id', default_tenant),
            res_type=row.groups.get('type', default_type),
            rate=summary_rate(row.price)) for row in rows]
        if not entries and not columns:
            entries = [v1_types.SummaryEntry(
                begin=begin, end=end, tenant_id=default_tenant,
                res_type=default_type, rate='0')]
        return v1_types.SummaryCollection(summary=entries)

    @expose(None, ck_types.Text, ck_types.DateTime, ck_types.DateTime,
            ck_types.Text, ck_types.Text, ck_types.Text, ck_types.Text,
            ck_types.Boolean, ck_types.Text)
    def export(self, format='csv', begin=None, end=None, tenant_id=None,
               service=None, filters=None, columns=None, all_tenants=False,
               currency='USD'):
        """Rated points of the window as CSV, JSON Lines or FOCUS, streamed
        (see doc/source/admin/exports.rst)."""
        ctx = pecan.request.context
        scope_ids = scope.report_scopes(ctx, policies.EXPORT, tenant_id,
                                        all_tenants)
        export.check_format(format)
        cols = export_formats.parse_columns(columns)
        query_filters = parse_filters(filters)
        begin, end = ck_window.window(begin, end)
        if end <= begin:
            raise InvalidWindow()
        points = get_storage().iter_dataframes(
            ctx, begin, end, scope_ids=scope_ids,
            types=[t for t in (service or '').split(',') if t] or None,
            filters=query_filters)
        response = webob.Response(content_type=export.CONTENT_TYPES[format],
                                  charset='utf-8')
        name = export.filename(format, scope_ids[0] if scope_ids and len(
            scope_ids) == 1 else None, begin, end)
        response.content_disposition = 'attachment; filename="%s"' % name
        response.app_iter = (chunk.encode('utf-8') for chunk in
                             export_formats.render(format, points, cols,
                                                   currency or 'USD'))
        return response


class InvalidFilters(exception.Invalid):
    msg_fmt = ('Invalid filters %(value)r: expected key:value pairs, '
               'comma-separated.')


class InvalidWindow(exception.Invalid):
    msg_fmt = 'Invalid window: end must be after begin.'


def parse_filters(value):
    """``{key: [values]}`` of ``k:v[,k:v]`` (a repeated key is OR-ed)."""
    result = {}
    for token in (value or '').split(','):
        token = token.strip()
        if not token:
            continue
        key, sep, item = token.partition(':')
        if not sep or not key or not item:
            raise InvalidFilters(value=value)
        result.setdefault(key, []).append(item)
    return result
