"""``/v1/storage/dataframes``: the stored rated points (§2.7, §3.7).

One API dataframe per stored point. The answer is streamed: the rows are
read from the database in chunks and written out as they come, so a large
window never sits in memory as one document.
"""

import json

import pecan
from pecan import rest
import webob

from cloudkitty.api.expose import expose
from cloudkitty.api import types as ck_types
from cloudkitty.api.v1 import report
from cloudkitty.api.v1 import scope
from cloudkitty.policies import storage as policies
from cloudkitty.storage import window as ck_window

UNDEFINED_SCOPE = '__UNDEF__'
# Points per write when streaming.
BATCH = 500


def dataframe(point, scope_key):
    """The v1 dataframe object of one stored point."""
    desc = point.desc
    desc['tenant_id'] = point.scope_id
    return {
        'begin': ck_types.format_datetime(point.begin),
        'end': ck_types.format_datetime(point.end),
        'tenant_id': point.groupby.get(scope_key,
                                       point.metadata.get(scope_key,
                                                          UNDEFINED_SCOPE)),
        'resources': [{
            'rating': ck_types.plain(point.price),
            'service': point.type,
            'desc': desc,
            'volume': ck_types.plain(point.qty),
        }],
    }


def _stream(points, scope_key):
    yield b'{"dataframes": ['
    first = True
    batch = []
    for point in points:
        text = json.dumps(dataframe(point, scope_key))
        batch.append(text if first else ', ' + text)
        first = False
        if len(batch) >= BATCH:
            yield ''.join(batch).encode('utf-8')
            batch = []
    if batch:
        yield ''.join(batch).encode('utf-8')
    yield b']}'


class DataFramesController(rest.RestController):
    """``/v1/storage/dataframes``."""

    @expose(None, ck_types.DateTime, ck_types.DateTime, ck_types.Text,
            ck_types.Text)
    def get_all(self, begin=None, end=None, tenant_id=None,
                resource_type=None):
        ctx = pecan.request.context
        scope_ids = scope.storage_scopes(ctx, policies.LIST_DATA_FRAMES,
                                         tenant_id)
        begin, end = ck_window.window(begin, end)
        response = webob.Response(content_type='application/json',
                                  charset=None)
        if scope_ids == []:
            response.body = b'{"dataframes": []}'
            return response
        storage = report.get_storage()
        points = storage.iter_dataframes(
            ctx, begin, end, scope_ids=scope_ids,
            types=[resource_type] if resource_type else None)
        response.app_iter = _stream(points,
                                    pecan.request.conf.collect.scope_key)
        return response


class StorageController(rest.RestController):
    """``/v1/storage``."""

    dataframes = DataFramesController()
