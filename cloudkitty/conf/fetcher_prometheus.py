"""[fetcher_prometheus] options: scopes as values of a Prometheus label."""

from oslo_config import cfg

from cloudkitty.conf import collector_prometheus

GROUP = 'fetcher_prometheus'

OPTS = [
    cfg.StrOpt('metric',
               help='Metric whose series carry the scope label (required '
                    'by the prometheus fetcher).'),
    cfg.StrOpt('scope_attribute',
               default='project_id',
               help='Label whose distinct values are the scopes.'),
    cfg.DictOpt('filters',
                default={},
                help='Extra label matchers (label:value,...) selecting the '
                     'series of the metric.'),
] + collector_prometheus.prometheus_opts()


def register_opts(conf):
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return [(GROUP, OPTS)]
