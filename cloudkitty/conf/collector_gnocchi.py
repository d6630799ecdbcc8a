"""[collector_gnocchi] options: the Gnocchi collector.

With ``gnocchi_auth_type = keystone`` the group also holds the keystoneauth
session and auth options (``auth_type``, ``auth_url``...) used to find
Gnocchi (service type ``metric``) in the catalog; with ``basic`` CloudKitty
talks to ``gnocchi_endpoint`` as ``gnocchi_user``.
"""

from oslo_config import cfg

from cloudkitty.collector import session

GROUP = 'collector_gnocchi'


def gnocchi_opts():
    """Connection options shared by [collector_gnocchi] and
    [fetcher_gnocchi]."""
    return [
        cfg.StrOpt('gnocchi_auth_type',
                   default='keystone',
                   choices=['keystone', 'basic'],
                   help='How to authenticate to Gnocchi: keystone (the '
                        'keystoneauth options of this group) or basic '
                        '(gnocchi_user at gnocchi_endpoint).'),
        cfg.StrOpt('gnocchi_user',
                   default='',
                   help='Gnocchi user (basic auth only).'),
        cfg.StrOpt('gnocchi_endpoint',
                   default='',
                   help='Gnocchi endpoint URL (basic auth only).'),
        cfg.StrOpt('interface',
                   default='internalURL',
                   help='Endpoint interface in the Keystone catalog '
                        '(keystone auth only).'),
        cfg.StrOpt('region_name',
                   default='RegionOne',
                   help='Region of the Gnocchi endpoint.'),
        cfg.IntOpt('http_pool_maxsize',
                   default=10,
                   min=1,
                   help='Maximum number of HTTP connections kept open to '
                        'Gnocchi.'),
    ]


OPTS = gnocchi_opts()


def register_opts(conf):
    conf.register_opts(OPTS, group=GROUP)
    session.register_opts(conf, GROUP)


def list_opts():
    return [(GROUP, OPTS + session.list_opts())]
