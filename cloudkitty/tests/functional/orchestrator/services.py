"""Reachability of the external services the orchestrator tests use.

Missing services skip locally and FAIL under CI=true
(:func:`cloudkitty.tests.db_backends.unavailable`).
"""

import os
import socket
import uuid

from cloudkitty.tests import db_backends

RABBIT_URL = os.environ.get('CK_TEST_RABBIT_URL',
                            'rabbit://guest:guest@127.0.0.1:5672/')
REDIS_URL = os.environ.get('CK_TEST_REDIS_URL', 'redis://127.0.0.1:6379')


def _reachable(host, port):
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def rabbit_url():
    if not _reachable('127.0.0.1', 5672):
        db_backends.unavailable('RabbitMQ not reachable on 127.0.0.1:5672')
    return RABBIT_URL


def redis_tooz_url(lock_timeout=5):
    """A tooz Redis URL with a private namespace (parallel runs)."""
    if not _reachable('127.0.0.1', 6379):
        db_backends.unavailable('Redis not reachable on 127.0.0.1:6379')
    try:
        import redis
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except Exception as err:  # noqa: B902 - any client error
        db_backends.unavailable('Redis unusable: %s' % err)
    return '%s?namespace=ck-test-%s&lock_timeout=%d' % (
        REDIS_URL, uuid.uuid4().hex[:8], lock_timeout)


def require(module, what):
    """Import ``module`` or skip/fail: a component another helper owns."""
    import importlib
    try:
        return importlib.import_module(module)
    except ImportError as err:
        db_backends.unavailable('%s not available (%s): %s'
                                % (what, module, err))
