"""WSGI module for uwsgi, gunicorn or mod_wsgi: ``application``."""

from cloudkitty import wsgi

application = wsgi.init_application()
