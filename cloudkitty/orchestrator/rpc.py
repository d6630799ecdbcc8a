"""The processor side of the "rules changed" broadcast.

Each processor process runs one oslo.messaging RPC server on topic
:data:`cloudkitty.common.messaging.TOPIC` (server name ``<host>-<pid>``);
the API's fanout cast reaches all of them, and the endpoint marks the
process's pipeline stale so that it refreshes its compiled rules before
the next period.
"""

import os
import threading

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
    The server starts in a background thread: a broker that is down must
    never hold up rating (the processor refreshes its rules before each
    batch of periods anyway; notifications only make changes visible
    sooner, inside a batch).
    """

    def __init__(self, conf, on_change):
        self.conf = conf
        self.on_change = on_change
        self.server = None
        self._thread = None
        self._started = threading.Event()

    @property
    def remote(self):
        """True when changes can arrive over a real transport."""
        return self.server is not None

    def wait_started(self, timeout=None):
        """True once the RPC server listens (tests)."""
        return self._started.wait(timeout)

    def start(self):
        messaging.add_local_listener(self.on_change)
        transport = messaging.get_transport(self.conf)
        if transport is None:
            return self
        name = '%s-%d' % (self.conf.host, os.getpid())
        self.server = oslo_messaging.get_rpc_server(
            transport, messaging.target(server=name),
            [RulesEndpoint(self.on_change)], executor='threading')

        def _run():
            try:
                self.server.start()
            except Exception as err:  # noqa: B902 - logged, rating goes on
                LOG.error('Cannot listen for rules changes on %s: %s',
                          messaging.TOPIC, err)
                return
            self._started.set()
            LOG.info('Listening for rules changes as %s', name)
        self._thread = threading.Thread(target=_run, daemon=True,
                                        name='ck-rules-listener')
        self._thread.start()
        return self

    def stop(self):
        messaging.remove_local_listener(self.on_change)
        if self.server is None:
            return
        server, self.server = self.server, None
        if self._thread is not None:
            self._thread.join(5)
        try:
            if self._started.is_set():
                server.stop()
                server.wait()
        finally:
            server.transport.cleanup()
