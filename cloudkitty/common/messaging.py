"""oslo.messaging helpers: transport, the "rules changed" broadcast.

The API calls :func:`notify_rules_changed` after every write to rating
rules or module states. Every processor process listens (see
:mod:`cloudkitty.orchestrator.rpc`) and makes its pipeline refresh its
compiled rules before its next period.

* ``[DEFAULT] transport_url`` set (production: ``rabbit://...``): a fanout
  cast on topic :data:`TOPIC` reaches every processor of the deployment.
* not set (embedded default): nothing leaves the process; only listeners
  registered in this very process (:func:`add_local_listener`) are called.
  Processors in other processes still see the change before their next
  batch of periods: they refresh their rules before each batch anyway.

NOTE(ck): oslo.messaging 18.x registers its ``oslo_messaging_tracing`` and
``oslo_messaging_metrics`` groups on the global ``cfg.CONF`` only, at
import time; CloudKitty uses private ``ConfigOpts``, so
:func:`register_opts` registers those groups on it too (otherwise casting
fails with NoSuchOptError).
"""

import threading

import oslo_messaging
from oslo_log import log
from oslo_messaging import opts as om_opts

LOG = log.getLogger(__name__)

TOPIC = 'cloudkitty-rating'
NAMESPACE = 'rating'
VERSION = '1.0'
#: RPC method name of the broadcast.
RULES_CHANGED = 'rules_changed'
#: retries of a cast before giving up (never block an API write forever).
CAST_RETRY = 2

_lock = threading.Lock()
_clients = {}
_local_listeners = []


def register_opts(conf):
    """Register oslo.messaging's options on ``conf`` (idempotent)."""
    for group, opts in om_opts.list_opts():
        conf.register_opts(opts, group=group)
    extra = []
    try:
        from oslo_messaging._tracing import client as tracing
        extra.append(('oslo_messaging_tracing',
                      tracing.oslo_messaging_tracing))
    except (ImportError, AttributeError):
        pass
    try:
        from oslo_messaging._metrics import client as metrics
        extra.append(('oslo_messaging_metrics',
                      metrics.oslo_messaging_metrics))
    except (ImportError, AttributeError):
        pass
    for group, opts in extra:
        conf.register_opts(opts, group=group)
    # NOTE(ck): oslo.messaging defaults transport_url to rabbit://; the
    # embedded default of CloudKitty is in-process (no broker), so the
    # broadcast only goes over the network when an operator sets it.
    conf.set_default('transport_url', None)


def transport_url(conf):
    """``[DEFAULT] transport_url`` or None."""
    register_opts(conf)
    return conf.transport_url or None


def get_transport(conf):
    """An RPC transport, or None when no ``transport_url`` is set."""
    url = transport_url(conf)
    if url is None:
        return None
    return oslo_messaging.get_rpc_transport(conf, url=url)


def target(server=None, fanout=False):
    return oslo_messaging.Target(topic=TOPIC, namespace=NAMESPACE,
                                 version=VERSION, server=server,
                                 fanout=fanout)


def _client(conf):
    key = (id(conf), conf.transport_url)
    with _lock:
        client = _clients.get(key)
        if client is None:
            transport = get_transport(conf)
            client = oslo_messaging.get_rpc_client(
                transport, target(fanout=True), retry=CAST_RETRY)
            _clients[key] = client
    return client


def add_local_listener(callback):
    """Call ``callback()`` on every :func:`notify_rules_changed` of this
    process (whatever the transport)."""
    with _lock:
        _local_listeners.append(callback)


def remove_local_listener(callback):
    with _lock:
        if callback in _local_listeners:
            _local_listeners.remove(callback)


def notify_rules_changed(conf):
    """Tell every processor that rating rules or modules changed.

    Never raises: a broadcast that cannot be sent is logged (processors
    still refresh at their next scope run).
    """
    with _lock:
        listeners = list(_local_listeners)
    for callback in listeners:
        try:
            callback()
        except Exception:  # noqa: B902 - a listener must not break writes
            LOG.exception('Local rules-changed listener failed')
    if transport_url(conf) is None:
        return False
    try:
        _client(conf).cast({}, RULES_CHANGED)
    except Exception as err:  # noqa: B902 - best effort broadcast
        LOG.warning('Cannot broadcast the rules change over %s: %s',
                    TOPIC, err)
        return False
    return True


def cleanup():
    """Drop cached clients and local listeners (tests, shutdown)."""
    with _lock:
        for client in _clients.values():
            try:
                client.transport.cleanup()
            except Exception:  # noqa: B902 - best effort
                pass
        _clients.clear()
        _local_listeners.clear()
