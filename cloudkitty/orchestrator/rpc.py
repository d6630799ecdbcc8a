"""The processor side of the "rules changed" broadcast.

Each processor process runs one oslo.messaging RPC server on topic
:data:`cloudkitty.common.messaging.TOPIC` (server name ``<host>-<pid>``);
the API's fanout cast reaches all of them, and the endpoint marks the
process's pipeline stale so that it refreshes its compiled rules before
the next period.
"""

import os

import oslo_messaging
from oslo_log import log

from cloudkitty.common import messaging

LOG = log.getLogger(__name__)


class RulesEndpoint:
    """RPC endpoint: ``rules_changed()`` calls ``on_change()``."""

    target = oslo_messaging.Target(namespace=messaging.NAMESPACE,
                                   version=messaging.VERSION)

    def __init__(self, on_change):
        self._on_change = on_change

    def rules_changed(self, ctxt):
        LOG.info('Rating rules changed: refreshing before the next period')
        self._on_change()


class RulesListener:
    """Start/stop the RPC server of one processor process.

    Without ``transport_url`` it only registers an in-process listener.
    """

    def __init__(self, conf, on_change):
        self.conf = conf
        self.on_change = on_change
        self.server = None

    @property
    def remote(self):
        """True when changes arrive over a real transport."""
        return self.server is not None

    def start(self):
        messaging.add_local_listener(self.on_change)
        transport = messaging.get_transport(self.conf)
        if transport is None:
            return self
        name = '%s-%d' % (self.conf.host, os.getpid())
        self.server = oslo_messaging.get_rpc_server(
            transport, messaging.target(server=name),
            [RulesEndpoint(self.on_change)], executor='threading')
        self.server.start()
        LOG.debug('Listening for rules changes as %s', name)
        return self

    def stop(self):
        messaging.remove_local_listener(self.on_change)
        if self.server is not None:
            try:
                self.server.stop()
                self.server.wait()
            finally:
                self.server.transport.cleanup()
                self.server = None
