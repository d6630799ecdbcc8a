"""[fetcher_file] options: scopes present in a usage feed."""

from oslo_config import cfg

GROUP = 'fetcher_file'

OPTS = [
    cfg.StrOpt('path',
               help='Usage feed whose scope ids are rated by the file '
                    'fetcher. Default: [collector_file] path.'),
]


def register_opts(conf):
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return [(GROUP, OPTS)]
