"""Authentication middleware.

``keystone``: keystonemiddleware's ``auth_token``, wrapped so that the
version documents (``/``, ``/v1``, ``/v2``) stay public.
``noauth``: no token; the caller is an administrator without a project.
"""

import json

from keystonemiddleware import auth_token

PUBLIC_PATHS = ('/', '/v1', '/v2')

_UNAUTHORIZED = json.dumps({'error': {
    'code': 401, 'title': 'Unauthorized',
    'message': 'The request you have made requires authentication.'}}
).encode('ascii')


class _IdentityRequired:
    """Refuse what ``auth_token`` let through without a valid user token.

    With ``[keystone_authtoken] delay_auth_decision = true`` the middleware
    passes such requests on, marked ``X-Identity-Status: Invalid``, and
    leaves the decision to the service: ours is the middleware's own 401.
    """

    def __init__(self, app):
        self._app = app

    def __call__(self, environ, start_response):
        if environ.get('HTTP_X_IDENTITY_STATUS') != 'Confirmed':
            start_response('401 Unauthorized', [
                ('Content-Type', 'application/json'),
                ('Content-Length', str(len(_UNAUTHORIZED)))])
            return [_UNAUTHORIZED]
        return self._app(environ, start_response)


class KeystoneAuth:
    """auth_token for every path but the public version documents."""

    def __init__(self, app, conf):
        self._app = app
        self._auth = auth_token.AuthProtocol(
            _IdentityRequired(app), {'oslo_config_config': conf,
                                     'oslo_config_project': 'cloudkitty'})

    def __call__(self, environ, start_response):
        path = environ.get('PATH_INFO', '') or '/'
        if path != '/':
            path = path.rstrip('/')
        if path in PUBLIC_PATHS:
            return self._app(environ, start_response)
        return self._auth(environ, start_response)


class NoAuth:
    """Mark every request as coming from an administrator (tests, demos)."""

    def __init__(self, app):
        self._app = app

    def __call__(self, environ, start_response):
        # NOTE(ck): drop identity headers a client might send: under noauth
        # nobody is anybody, and the context hook must not trust them.
        for key in list(environ):
            if key.startswith('HTTP_X_') and key[7:] in (
                    'ROLES', 'ROLE', 'USER_ID', 'PROJECT_ID', 'TENANT_ID',
                    'IDENTITY_STATUS', 'USER', 'TENANT'):
                del environ[key]
        environ['cloudkitty.noauth'] = True
        return self._app(environ, start_response)
