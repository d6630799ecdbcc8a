"""``/v2/dataframes``: read and push rated points (v2 §3.2, §3.3).

``GET`` pages over points (ordered by begin, type, insertion) and regroups
the page into frames; ``POST`` validates every frame first, then stores all
of them in one transaction (:meth:`BaseStorage.append`): nothing is stored
when one frame is invalid.
"""

import voluptuous
from pecan import rest

from cloudkitty.api.v2 import base
from cloudkitty.api.v2 import validation
from cloudkitty import dataframe
from cloudkitty import exception
from cloudkitty.policies import v2 as policies
from cloudkitty import storage

GET_QUERY = voluptuous.Schema({
    voluptuous.Optional('begin'): validation.single(
        validation.parse_datetime),
    voluptuous.Optional('end'): validation.single(validation.parse_datetime),
    voluptuous.Optional('filters', default=[]): validation.filters(
        unique_keys=True),
    **validation.paging(),
})

_POINT = voluptuous.Schema({
    voluptuous.Required('vol'): {
        voluptuous.Required('unit'): validation.text,
        voluptuous.Required('qty'): validation.decimal_value,
    },
    voluptuous.Optional('rating'): {
        voluptuous.Optional('price'): validation.decimal_value,
    },
    voluptuous.Required('groupby'): {str: object},
    voluptuous.Required('metadata'): {str: object},
    # NOTE(ck): upstream stores the metric description too (never shown).
    voluptuous.Optional('description'): voluptuous.Any(None, str),
})

_FRAME = voluptuous.Schema({
    voluptuous.Required('period'): {
        voluptuous.Required('begin'): validation.parse_datetime,
        voluptuous.Required('end'): validation.parse_datetime,
    },
    voluptuous.Required('usage'): {str: [_POINT]},
})


class EmptyDataframes(exception.Invalid):
    msg_fmt = 'Parameter dataframes must not be empty.'


class NoDataframes(exception.NotFound):
    msg_fmt = base.NO_RESOURCE


def _frame(index, data, body):
    try:
        frame = _FRAME(data)
    except voluptuous.Invalid:
        raise base.V2Invalid("Invalid data '%s' : not a valid value (path: "
                             "'%s')" % (body, ['dataframes', index]))
    usage = {}
    for metric_type, points in frame['usage'].items():
        usage[metric_type] = [dataframe.DataPoint(
            point['vol']['unit'], point['vol']['qty'],
            point.get('rating', {}).get('price', 0), point['groupby'],
            point['metadata'], point.get('description'))
            for point in points]
    return dataframe.DataFrame(frame['period']['begin'],
                               frame['period']['end'], usage)


def _body(data):
    body = voluptuous.Schema({voluptuous.Required('dataframes'): list})
    args = base.validate(body, data)
    if not args['dataframes']:
        raise EmptyDataframes()
    return {'frames': [_frame(i, f, data)
                       for i, f in enumerate(args['dataframes'])]}


def _point_json(point):
    return {'vol': {'unit': point.unit, 'qty': point.qty},
            'rating': {'price': point.price},
            'groupby': point.groupby, 'metadata': point.metadata}


def regroup(points):
    """Frames of a page of points: by (begin, end) in ascending order,
    then by type in order of first appearance."""
    frames = {}
    for point in points:
        usage = frames.setdefault((point.begin, point.end), {})
        usage.setdefault(point.type, []).append(_point_json(point))
    return [{'period': {'begin': begin, 'end': end}, 'usage': usage}
            for (begin, end), usage in sorted(frames.items(),
                                              key=lambda item: item[0])]


class DataframesController(rest.RestController):
    """``/v2/dataframes``."""

    @base.expose_v2(policies.DATAFRAMES_GET, query=GET_QUERY)
    def get_all(self, **args):
        ctx = base.context()
        conf = base.pecan.request.conf
        filters = dict(args['filters'])
        confined, project = base.scope_filter()
        if confined:
            if project is None:
                return {'total': 0, 'dataframes': []}
            filters.pop('scope_id', None)
            filters[conf.collect.scope_key] = [project]
        driver = base.get_storage()
        begin, end = args.get('begin'), args.get('end')
        total = driver.count_dataframes(ctx, begin, end, filters=filters,
                                        window=storage.WINDOW_V2)
        if not total:
            raise NoDataframes()
        points = driver.dataframes(ctx, begin, end, filters=filters,
                                   offset=args['offset'],
                                   limit=args['limit'],
                                   window=storage.WINDOW_V2,
                                   order=storage.ORDER_V2)
        return {'total': total, 'dataframes': regroup(points)}

    @base.expose_v2(policies.DATAFRAMES_ADD, body=_body, status=204)
    def post(self, frames):
        ctx = base.context()
        base.get_storage().append(ctx, frames)
