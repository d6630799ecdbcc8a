"""[fetcher_gnocchi] options: scopes found on Gnocchi resources."""

from oslo_config import cfg

from cloudkitty.collector import session
from cloudkitty.conf import collector_gnocchi

GROUP = 'fetcher_gnocchi'

OPTS = [
    cfg.StrOpt('scope_attribute',
               default='project_id',
               help='Resource attribute whose distinct values are the '
                    'scopes to rate.'),
    cfg.ListOpt('resource_types',
                default=['generic'],
                help='Gnocchi resource types searched for scopes.'),
] + collector_gnocchi.gnocchi_opts()


def register_opts(conf):
    conf.register_opts(OPTS, group=GROUP)
    session.register_opts(conf, GROUP)


def list_opts():
    return [(GROUP, OPTS + session.list_opts())]
