"""[api] options: the REST API server."""

from oslo_config import cfg

GROUP = 'api'

OPTS = [
    cfg.HostAddressOpt('host_ip',
                       default='127.0.0.1',
                       help='Address the development server '
                            '(cloudkitty-api) listens on. Production '
                            'deployments run cloudkitty.wsgi.api under a '
                            'WSGI server instead.'),
    cfg.PortOpt('port',
                default=8889,
                help='Port the development server (cloudkitty-api) '
                     'listens on.'),
    cfg.BoolOpt('pecan_debug',
                default=False,
                help='Turn on Pecan debug mode (never in production).'),
    cfg.IntOpt('max_limit',
               default=1000,
               min=1,
               help='Largest page size a v2 listing accepts.'),
]


def register_opts(conf):
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return [(GROUP, OPTS)]
