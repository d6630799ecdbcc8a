"""Pecan hooks: request context and services on ``pecan.request``."""

import json

import webob
from pecan import hooks

from cloudkitty.api import expose
from cloudkitty import context as ck_context
from cloudkitty import exception
from cloudkitty import policy


class ContextHook(hooks.PecanHook):
    """Build ``request.context`` from the auth middleware's headers."""

    def before(self, state):
        environ = state.request.environ
        if environ.get('cloudkitty.noauth'):
            ctx = ck_context.RequestContext(is_admin=True, overwrite=False)
        else:
            ctx = ck_context.RequestContext.from_environ(environ,
                                                         overwrite=False)
            ctx.is_admin = policy.is_admin(ctx)
        state.request.context = ctx


class ConfigHook(hooks.PecanHook):
    """Expose the configuration as ``request.conf`` and the per-application
    services as ``request.services``."""

    def __init__(self, conf):
        self.conf = conf
        # Per-application objects built on first use (the quote pipeline).
        self.services = {}

    def before(self, state):
        state.request.conf = self.conf
        state.request.services = self.services


class ErrorHook(hooks.PecanHook):
    """Domain exceptions raised outside a handler (``_lookup``) as faults.

    Handlers translate their own errors (:mod:`cloudkitty.api.expose`);
    this catches those raised while Pecan is still routing.
    """

    def on_error(self, state, error):
        if isinstance(error, exception.CloudKittyException):
            status, message = expose.translate(error)
            return webob.Response(
                status=status, content_type='application/json',
                body=json.dumps(expose.fault(status, message)).encode())
        return None
