"""[storage] options: where rated data goes."""

from oslo_config import cfg

GROUP = 'storage'

OPTS = [
    cfg.StrOpt('backend',
               default='sqlalchemy',
               help='Storage backend (entry point of '
                    'cloudkitty.storage.backends).'),
    cfg.IntOpt('retention_period',
               default=2400,
               min=0,
               help='Hours of rated data kept by the purge command; 0 keeps '
                    'everything.'),
]


def register_opts(conf):
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return [(GROUP, OPTS)]
