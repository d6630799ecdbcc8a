"""[fetcher] options: which scopes are rated."""

from oslo_config import cfg

GROUP = 'fetcher'

OPTS = [
    cfg.StrOpt('backend',
               default='keystone',
               help='Scope fetcher (entry point of cloudkitty.fetchers): '
                    'keystone, source, gnocchi, prometheus or file.'),
]

SOURCE_OPTS = [
    cfg.ListOpt('sources',
                default=[],
                help='Static list of scope ids rated by the source '
                     'fetcher.'),
]


def register_opts(conf):
    conf.register_opts(OPTS, group=GROUP)
    conf.register_opts(SOURCE_OPTS, group='fetcher_source')


def list_opts():
    return [(GROUP, OPTS), ('fetcher_source', SOURCE_OPTS)]
