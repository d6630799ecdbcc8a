"""cloudkitty-api: development WSGI server on [api] host_ip:port.

Production deployments run ``cloudkitty.wsgi.api:application`` under
uwsgi, gunicorn or mod_wsgi instead.
"""

import socketserver
import sys
from wsgiref import simple_server

from oslo_log import log

from cloudkitty.api import app as api_app
from cloudkitty import cmd
from cloudkitty import service

LOG = log.getLogger(__name__)


class _ThreadingWSGIServer(socketserver.ThreadingMixIn,
                           simple_server.WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(simple_server.WSGIRequestHandler):
    def log_message(self, fmt, *args):
        LOG.info('%s %s', self.address_string(), fmt % args)


def build_server(conf, app=None):
    """A threaded development server for ``conf`` (not yet serving)."""
    app = app if app is not None else api_app.setup_app(conf)
    return simple_server.make_server(
        conf.api.host_ip, conf.api.port, app,
        server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)


@cmd.one_line_errors
def main(argv=None):
    conf = service.prepare_service(argv if argv is not None
                                   else sys.argv[1:])
    server = build_server(conf)
    LOG.info('CloudKitty API listening on http://%s:%s',
             conf.api.host_ip, server.server_port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == '__main__':
    main()
