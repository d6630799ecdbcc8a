"""The rules-changed broadcast over a real RabbitMQ (and in-process)."""

import threading

import pytest

from cloudkitty.common import messaging
from cloudkitty.orchestrator import rpc
from cloudkitty.tests.functional.orchestrator import services


@pytest.fixture(autouse=True)
def _cleanup():
    yield
    messaging.cleanup()


def _listener(conf):
    event = threading.Event()
    listener = rpc.RulesListener(conf, event.set).start()
    return listener, event


def test_without_transport_only_local_listeners(conf):
    messaging.register_opts(conf)
    listener, event = _listener(conf)
    try:
        assert not listener.remote
        assert messaging.notify_rules_changed(conf) is False
        assert event.is_set()
    finally:
        listener.stop()
    event.clear()
    messaging.notify_rules_changed(conf)
    assert not event.is_set()


def test_fanout_reaches_every_listener_over_rabbitmq(conf):
    url = services.rabbit_url()
    messaging.register_opts(conf)
    listen_conf = conf
    listen_conf.set_override('transport_url', url)
    first, first_event = _listener(listen_conf)
    second = rpc.RulesListener(listen_conf, None)
    second_event = threading.Event()
    second.on_change = second_event.set
    # A second process-like server: distinct server name.
    listen_conf.set_override('host', 'other-node')
    second.start()
    try:
        assert first.remote and second.remote
        assert first.wait_started(20) and second.wait_started(20)
        # NOTE(ck): local listeners fire too; clear them to observe the
        # network delivery only.
        messaging.remove_local_listener(first.on_change)
        messaging.remove_local_listener(second.on_change)
        assert messaging.notify_rules_changed(conf) is True
        assert first_event.wait(20), 'first processor not notified'
        assert second_event.wait(20), 'second processor not notified'
    finally:
        first.stop()
        second.stop()


def test_unreachable_broker_does_not_raise(conf):
    messaging.register_opts(conf)
    conf.set_override('transport_url',
                      'rabbit://guest:guest@127.0.0.1:1/')
    assert messaging.notify_rules_changed(conf) is False
