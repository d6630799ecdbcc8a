"""A stand-in for the retired Ceilometer v2 REST API (tests only).

The Ceilometer v2 API was removed from Ceilometer in 2017 and its last
release does not run on a current Python, so no real server can be started
for the ceilometer collector's tests. This module serves the same wire
format, following ``ceilometer-v2.md`` (the project's specification of what
the real API put on the wire, observed against the last release): the
versions document, ``/v2/meters/{meter}/statistics``, ``/v2/resources[/id]``,
``/v2/meters``, ``/v2/meters/{meter}`` (GET old-style samples, POST to
store samples) and ``/v2/capabilities``, with the same query decoding,
validation messages, error bodies and statistics semantics (grouping by
unit, periods anchored at the lower bound, clamped durations).

Samples live in memory; seed them with :meth:`CeilometerStandIn.add_sample`
or through the real python-ceilometerclient (``samples.create``).
"""

import threading
from wsgiref import simple_server

from cloudkitty.tests.ceilometer_standin.app import CeilometerStandIn
from cloudkitty.tests.ceilometer_standin.query import ApiError

__all__ = ['ApiError', 'CeilometerStandIn', 'Server']


class _QuietHandler(simple_server.WSGIRequestHandler):
    def log_message(self, *args):
        pass


class _ThreadingServer(simple_server.WSGIServer):
    daemon_threads = True

    def process_request(self, request, client_address):
        thread = threading.Thread(target=self._handle,
                                  args=(request, client_address),
                                  daemon=True)
        thread.start()

    def _handle(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        except Exception:  # noqa: B902 - one broken connection only
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)


class Server:
    """Serve a :class:`CeilometerStandIn` on 127.0.0.1 (ephemeral port)."""

    def __init__(self, app=None):
        self.app = app or CeilometerStandIn()
        self._httpd = simple_server.make_server(
            '127.0.0.1', 0, self.app, server_class=_ThreadingServer,
            handler_class=_QuietHandler)
        self.url = 'http://127.0.0.1:%d' % self._httpd.server_port
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        if self._thread.is_alive():
            self._httpd.shutdown()
        self._httpd.server_close()
