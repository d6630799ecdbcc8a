"""``/v1/info``: the metrics configuration as collected (§3.1).

``config`` shows the metrics file as written; ``metrics`` (and the
deprecated ``services`` alias) list the validated metric definitions under
their published names (``alt_name`` or key), in configuration order.
"""

import pecan
from pecan import rest

from cloudkitty.api.expose import expose
from cloudkitty.api import types as ck_types
from cloudkitty.api.v1 import types as v1_types
from cloudkitty.collector import metrics as ck_metrics
from cloudkitty import exception
from cloudkitty.policies import info as policies


class NoMetrics(exception.CloudKittyException):
    """Upstream answers 405 when the metrics conf does not validate."""

    msg_fmt = 'Invalid endpoint: no metrics in current configuration.'
    code = 405


class MetricNotFound(exception.NotFound):
    msg_fmt = '%(name)s'


def _metric(definition):
    metadata = []
    for name in definition.metadata or ():
        if name not in metadata:
            metadata.append(name)
    return v1_types.MetricInfo(metric_id=definition.published_name,
                               unit=definition.unit, metadata=metadata)


def _definitions():
    try:
        loaded = ck_metrics.load(pecan.request.conf)
    except exception.ConfigError:
        raise NoMetrics()
    return [_metric(d) for d in loaded.values()]


class MetricsController(rest.RestController):
    """``/v1/info/metrics[/<metric_id>]``."""

    @expose(v1_types.MetricInfoCollection)
    def get_all(self):
        pecan.request.context.can(policies.LIST_METRICS_INFO)
        return v1_types.MetricInfoCollection(metrics=_definitions())

    @expose(v1_types.MetricInfo, ck_types.Text)
    def get_one(self, metric_id):
        pecan.request.context.can(policies.GET_METRIC_INFO)
        for metric in _definitions():
            if metric.metric_id == metric_id:
                return metric
        raise MetricNotFound(name=metric_id)


class InfoController(rest.RestController):
    """``/v1/info``."""

    metrics = MetricsController()
    # NOTE(ck): deprecated alias; upstream checks the metrics rules there.
    services = MetricsController()

    _custom_actions = {'config': ['GET']}

    @expose(ck_types.Json)
    def config(self):
        """The metrics configuration file, as written."""
        pecan.request.context.can(policies.GET_CONFIG)
        try:
            return ck_metrics.load_raw(pecan.request.conf)
        except exception.ConfigError as error:
            raise exception.ServiceUnavailable(reason=str(error))
