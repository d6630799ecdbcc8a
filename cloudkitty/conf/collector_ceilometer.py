"""[collector_ceilometer] options: the Ceilometer v2 API collector.

Besides the options below, the group holds the keystoneauth session and
auth options: ``auth_type = password`` (with ``auth_url``, ``username``...)
finds the ``metering`` endpoint in the Keystone catalog;
``auth_type = admin_token`` (``endpoint``, ``token``) or ``none``
(``endpoint``) talk to a fixed endpoint.
"""

from oslo_config import cfg

from cloudkitty.collector import session

GROUP = 'collector_ceilometer'

OPTS = [
    cfg.StrOpt('interface',
               default='internalURL',
               help='Endpoint interface of the metering service in the '
                    'Keystone catalog.'),
    cfg.StrOpt('region_name',
               help='Region of the metering endpoint.'),
    cfg.IntOpt('resource_cache_ttl',
               default=3600,
               min=0,
               help='Seconds during which resource details (metadata) are '
                    'reused instead of asked again; 0 disables the '
                    'cache.'),
]


def register_opts(conf):
    conf.register_opts(OPTS, group=GROUP)
    session.register_opts(conf, GROUP)


def list_opts():
    return [(GROUP, OPTS + session.list_opts())]
