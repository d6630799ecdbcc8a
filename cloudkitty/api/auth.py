"""Authentication middleware.

``keystone``: keystonemiddleware's ``auth_token``, wrapped so that the
version documents (``/``, ``/v1``, ``/v2``) stay public.
``noauth``: no token; the caller is an administrator without a project.
"""

from keystonemiddleware import auth_token

PUBLIC_PATHS = ('/', '/v1', '/v2')


class KeystoneAuth:
    """auth_token for every path but the public version documents."""

    def __init__(self, app, conf):
        self._app = app
        self._auth = auth_token.AuthProtocol(
            app, {'oslo_config_config': conf, 'oslo_config_project':
                  'cloudkitty'})

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
