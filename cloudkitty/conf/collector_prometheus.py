"""[collector_prometheus] options: the Prometheus HTTP API collector."""

from oslo_config import cfg

GROUP = 'collector_prometheus'


def prometheus_opts():
    """Connection options shared by [collector_prometheus] and
    [fetcher_prometheus]."""
    return [
        cfg.StrOpt('prometheus_url',
                   default='',
                   help='Prometheus base URL, e.g. http://prometheus:9090 '
                        '(the HTTP API is under /api/v1).'),
        cfg.StrOpt('prometheus_user',
                   help='User name (HTTP basic auth only).'),
        cfg.StrOpt('prometheus_password',
                   secret=True,
                   help='Password (HTTP basic auth only).'),
        cfg.StrOpt('cafile',
                   help='CA bundle verifying the Prometheus certificate.'),
        cfg.BoolOpt('insecure',
                    default=False,
                    help='Do not verify the Prometheus certificate.'),
        cfg.IntOpt('timeout',
                   default=60,
                   min=1,
                   help='Seconds to wait for a Prometheus answer.'),
    ]


OPTS = prometheus_opts()


def register_opts(conf):
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return [(GROUP, OPTS)]
