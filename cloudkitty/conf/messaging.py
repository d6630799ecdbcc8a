"""[DEFAULT] host: the node name used as RPC server name.

The oslo.messaging options themselves (``transport_url``,
``[oslo_messaging_rabbit]``...) belong to that library: they appear in the
sample through its own ``oslo.messaging`` namespace and are registered at
run time by :func:`cloudkitty.common.messaging.register_opts`.
"""

import socket

from oslo_config import cfg

OPTS = [
    cfg.StrOpt('host',
               default=socket.getfqdn(),
               sample_default='localhost',
               help='Name of this node: the RPC server name of its '
                    'processors (suffixed by the process id).'),
]


def register_opts(conf):
    conf.register_opts(OPTS)


def list_opts():
    return [('DEFAULT', OPTS)]
