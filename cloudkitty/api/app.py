"""Build the WSGI application: Pecan app plus middleware, in code."""

import pecan
from oslo_middleware import cors
from oslo_middleware import healthcheck
from oslo_middleware.healthcheck import opts as hc_opts
from oslo_middleware import http_proxy_to_wsgi
from oslo_middleware import request_id
from oslo_middleware import sizelimit

from cloudkitty.api import auth
from cloudkitty.api import hooks
from cloudkitty.api import middleware
from cloudkitty.api import root
from cloudkitty.db import api as db_api
from cloudkitty import policy

CORS_DEFAULTS = {
    'allow_headers': ['X-Auth-Token', 'X-Subject-Token', 'X-Roles',
                      'X-User-Id', 'X-Domain-Id', 'X-Project-Id',
                      'X-Tenant-Id', 'X-OpenStack-Request-ID'],
    'expose_headers': ['X-Auth-Token', 'X-Subject-Token',
                       'X-Service-Token', 'X-OpenStack-Request-ID'],
    'allow_methods': ['GET', 'PUT', 'POST', 'DELETE', 'PATCH'],
}


def setup_pecan_app(conf):
    """The bare Pecan application (no middleware)."""
    return pecan.make_app(
        root.RootController(),
        hooks=[hooks.ConfigHook(conf), hooks.ContextHook(),
               hooks.ErrorHook()],
        debug=conf.api.pecan_debug,
        force_canonical=False,
        guess_content_type_from_ext=False,
    )


def setup_app(conf, auth_middleware=None):
    """The complete WSGI application for ``conf``.

    ``auth_middleware`` (a callable ``app -> app``) replaces the one chosen
    by ``[DEFAULT] auth_strategy``; functional tests use it to put a
    header-trusting identity in front of the application.

    Middleware, outermost first (a request meets them in this order):

    1. healthcheck  -- answers /healthcheck before anything else, so load
       balancers never need a token;
    2. cors         -- must see preflight requests before auth rejects them;
    3. http_proxy_to_wsgi -- fixes scheme/host for Location headers and
       version links behind a TLS-terminating proxy;
    4. request_id   -- every response (errors included) carries
       x-openstack-request-id;
    5. faults       -- turns the HTML/text errors of routing and of the
       middleware below, and escaping exceptions, into JSON fault bodies;
    6. sizelimit    -- refuses huge bodies (413) before they are parsed;
    7. auth         -- keystonemiddleware auth_token or noauth;
    8. the Pecan application.
    """
    db_api.configure(conf)
    policy.set_conf(conf)
    app = setup_pecan_app(conf)
    if auth_middleware is not None:
        app = auth_middleware(app)
    elif conf.auth_strategy == 'keystone':
        app = auth.KeystoneAuth(app, conf)
    else:
        app = auth.NoAuth(app)
    app = sizelimit.RequestBodySizeLimiter(app, conf)
    app = middleware.FaultWrapper(app)
    app = request_id.RequestId(app)
    app = http_proxy_to_wsgi.HTTPProxyToWSGI(app, conf)
    cors.set_defaults(**CORS_DEFAULTS)
    app = cors.CORS(app, conf)
    return HealthcheckDispatcher(app, _healthcheck_app(conf))


def _healthcheck_app(conf):
    # NOTE(ck): the middleware registers these itself; registering them
    # first lets us give CloudKitty's defaults (an operator's
    # [healthcheck] section still wins).
    conf.register_opts(hc_opts.HEALTHCHECK_OPTS, group='healthcheck')
    conf.register_opts(hc_opts.DISABLE_BY_FILE_OPTS, group='healthcheck')
    conf.set_default('backends', ['disable_by_file'], group='healthcheck')
    conf.set_default('disable_by_file_path',
                     '/etc/cloudkitty/healthcheck_disable',
                     group='healthcheck')
    return healthcheck.Healthcheck(None, conf)


class HealthcheckDispatcher:
    """Send ``/healthcheck`` to oslo.middleware, everything else on.

    The health check sits outside every other middleware: no token, no
    CORS, no request id, as upstream's paste ``urlmap`` had it.
    """

    PATH = '/healthcheck'

    def __init__(self, app, check):
        self._app = app
        self._check = check

    def __call__(self, environ, start_response):
        if environ.get('PATH_INFO', '').rstrip('/') == self.PATH:
            return self._check(environ, start_response)
        return self._app(environ, start_response)
