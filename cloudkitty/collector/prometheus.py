"""Prometheus collector: one PromQL instant query per metric, scope and
period.

For a metric ``M`` with ``extra_args`` aggregation ``A`` the query is::

    <query_prefix>A by (<groupby + metadata labels>) (
        <query_function>(<range_function>(M{<scope_key>="<scope>"}[<period>s]))
    )<query_suffix>

evaluated at ``end - 1 ms``. ``range_function`` defaults to
``A_over_time``; ``query_function`` is optional. Each series of the answer
is one point: its labels give the groupby and metadata attributes, its
value (an exact decimal string) the raw quantity. NaN and infinite values
are skipped with a warning.

NOTE(ck): Prometheus range selectors include both ends of the window;
evaluating 1 ms before the period end makes the window ``[start, end)``
for samples on whole milliseconds, so that a sample lying exactly on a
period boundary is counted once (upstream evaluated at ``end``).
"""

import datetime
import decimal

from oslo_log import log
import voluptuous as vol

from cloudkitty import collector
from cloudkitty.collector import prometheus_api

LOG = log.getLogger(__name__)

GROUP = 'collector_prometheus'

AGGREGATIONS = ('avg', 'count', 'max', 'min', 'stddev', 'stdvar', 'sum')
RANGE_FUNCTIONS = ('changes', 'delta', 'deriv', 'idelta', 'increase',
                   'irate', 'rate')
QUERY_FUNCTIONS = ('abs', 'ceil', 'exp', 'floor', 'ln', 'log2', 'log10',
                   'round', 'sqrt')

_ONE_MS = datetime.timedelta(milliseconds=1)


def _choice(values, name):
    return vol.In(values, msg='%s must be one of %s'
                  % (name, ', '.join(values)))


class PrometheusCollector(collector.BaseCollector):
    """Collector querying a Prometheus server."""

    collector_name = 'prometheus'
    extra_args_schema = {
        vol.Optional('aggregation_method', default='max'): _choice(
            AGGREGATIONS, 'aggregation_method'),
        vol.Optional('range_function'): vol.Any(None, _choice(
            RANGE_FUNCTIONS, 'range_function')),
        vol.Optional('query_function'): vol.Any(None, _choice(
            QUERY_FUNCTIONS, 'query_function')),
        vol.Optional('query_prefix', default=''): str,
        vol.Optional('query_suffix', default=''): str,
    }

    def __init__(self, conf, metrics=None):
        super().__init__(conf, metrics)
        self._api = prometheus_api.PrometheusAPI(conf[GROUP], GROUP)

    def build_query(self, metric, start, end, scope_id):
        """The PromQL text for one metric, scope and period."""
        extra = metric.extra_args
        method = extra['aggregation_method']
        range_function = extra.get('range_function') or (
            method + '_over_time')
        period = int((end - start).total_seconds())
        selector = '%s{%s="%s"}[%ds]' % (
            metric.name, self.scope_key,
            prometheus_api.escape_label_value(scope_id), period)
        inner = '%s(%s)' % (range_function, selector)
        if extra.get('query_function'):
            inner = '%s(%s)' % (extra['query_function'], inner)
        labels = ', '.join(metric.groupby + metric.metadata)
        return '%s%s by (%s) (%s)%s' % (extra['query_prefix'], method,
                                         labels, inner,
                                         extra['query_suffix'])

    def fetch_all(self, metric, start, end, scope_id):
        query = self.build_query(metric, start, end, scope_id)
        try:
            series = self._api.query(query, end - _ONE_MS)
        except prometheus_api.PrometheusError as err:
            raise collector.CollectError(metric=metric.published_name,
                                         reason=str(err))
        result = []
        for item in series:
            value = decimal.Decimal(item['value'][1])
            if not value.is_finite():
                LOG.warning('Prometheus returned %s for %s (%s): skipped',
                            item['value'][1], metric.name, item['metric'])
                continue
            result.append((item['metric'], value))
        return result
