"""[fetcher_keystone] options: projects rated because of a Keystone role.

The group also holds the keystoneauth session and auth options of the
CloudKitty service user (``auth_type = password``, ``auth_url``,
``username``, ``password``, ``project_name``...).
"""

from oslo_config import cfg

from cloudkitty.collector import session

GROUP = 'fetcher_keystone'

OPTS = [
    cfg.IntOpt('keystone_version',
               default=3,
               choices=[3],
               help='Identity API version (only 3 exists today).'),
    cfg.BoolOpt('ignore_rating_role',
                default=False,
                help='Rate every project, not only those on which the '
                     'CloudKitty user has the "rating" role.'),
    cfg.BoolOpt('ignore_disabled_tenants',
                default=False,
                help='Skip disabled projects.'),
    cfg.StrOpt('interface',
               default='public',
               help='Interface of the identity endpoint in the catalog.'),
    cfg.StrOpt('region_name',
               help='Region of the identity endpoint.'),
]


def register_opts(conf):
    conf.register_opts(OPTS, group=GROUP)
    session.register_opts(conf, GROUP)


def list_opts():
    return [(GROUP, OPTS + session.list_opts())]
