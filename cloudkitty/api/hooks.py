"""Pecan hooks: request context and services on ``pecan.request``."""

from pecan import hooks

from cloudkitty import context as ck_context


class ContextHook(hooks.PecanHook):
    """Build ``request.context`` from the auth middleware's headers."""

    def before(self, state):
        environ = state.request.environ
        if environ.get('cloudkitty.noauth'):
            ctx = ck_context.RequestContext(is_admin=True, overwrite=False)
        else:
            ctx = ck_context.RequestContext.from_environ(environ,
                                                         overwrite=False)
            ctx.is_admin = 'admin' in (ctx.roles or [])
        state.request.context = ctx


class ConfigHook(hooks.PecanHook):
    """Expose the service configuration as ``request.conf``."""

    def __init__(self, conf):
        self.conf = conf

    def before(self, state):
        state.request.conf = self.conf
