"""[collect] options: what is collected, for which periods."""

from oslo_config import cfg

GROUP = 'collect'

OPTS = [
    cfg.StrOpt('collector',
               default='gnocchi',
               help='Collector backend (entry point of '
                    'cloudkitty.collector.backends): gnocchi, prometheus, '
                    'ceilometer or file.'),
    cfg.IntOpt('period',
               default=3600,
               min=1,
               help='Length of a rating period, in seconds.'),
    cfg.IntOpt('wait_periods',
               default=2,
               min=0,
               help='Periods to wait after the end of a period before '
                    'rating it, so that late usage is collected.'),
    cfg.StrOpt('metrics_conf',
               default='/etc/cloudkitty/metrics.yml',
               help='Path of the metrics definition file (YAML).'),
    cfg.StrOpt('scope_key',
               default='project_id',
               help='Attribute of the usage that identifies the rated '
                    'scope.'),
    cfg.StrOpt('first_period_start',
               help='ISO 8601 instant at which a scope with no state starts '
                    'to be rated. Default: the first instant of the current '
                    'UTC month.'),
]


def register_opts(conf):
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return [(GROUP, OPTS)]
