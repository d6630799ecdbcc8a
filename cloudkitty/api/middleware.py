"""FaultWrapper: every error leaves the API as a JSON fault body (§1.4);
under ``/v2`` the body is v2's ``{"message": ...}`` (v2 §1.4).

Handlers already answer errors as ``{"faultcode", "faultstring",
"debuginfo"}`` (:mod:`cloudkitty.api.expose`). Some errors are produced
before a handler runs: Pecan's routing (404 unknown path, 405 method not
allowed), oslo.middleware's size limit (413) and unexpected exceptions. This
middleware rewrites those non-JSON error answers into the same JSON fault,
keeping the status code, and turns an escaping exception into a logged 500
that says nothing internal.
"""

import json
import logging
import urllib.parse

import webob

LOG = logging.getLogger(__name__)


def fault_body(status, message):
    return json.dumps({'faultcode': 'Client' if status < 500 else 'Server',
                       'faultstring': message,
                       'debuginfo': None}).encode('utf-8')


#: /v2 errors are ``{"message": ...}`` with upstream's texts (v2 §1.2).
V2_MESSAGES = {404: 'Not Found',
               405: 'The method is not allowed for the requested URL.'}


def _is_v2(environ):
    path = environ.get('PATH_INFO', '')
    return path == '/v2' or path.startswith('/v2/')


def _unreadable(environ):
    """The 400 message of a path or query string that no handler can read
    or store, else None: not UTF-8 once percent-decoded (WSGI gives the
    path as latin-1 text; an encoded surrogate is not UTF-8 either), or
    holding a NUL character (PostgreSQL refuses it in text). Checked here
    for the v1 and v2 APIs alike; JSON bodies are checked where they are
    parsed (:mod:`cloudkitty.api.input_checks`)."""
    query = environ.get('QUERY_STRING', '')
    for part, raw in (('path', environ.get('PATH_INFO', '').encode(
            'latin-1')), ('query string', urllib.parse.unquote_to_bytes(
                query) if query else b'')):
        try:
            text = raw.decode('utf-8')
        except UnicodeError:
            return 'Invalid request: the %s is not valid UTF-8' % part
        if '\x00' in text:
            return ('Invalid request: the %s holds a NUL character'
                    % part)
    return None


class FaultWrapper:
    """Rewrite non-JSON error responses as JSON faults."""

    def __init__(self, app):
        self._app = app

    def __call__(self, environ, start_response):
        unreadable = _unreadable(environ)
        if unreadable:
            return self._answer(start_response, 400, [], unreadable,
                                _is_v2(environ))
        captured = {}

        def _start_response(status, headers, exc_info=None):
            captured['status'] = status
            captured['headers'] = headers
            code = int(status.split(' ', 1)[0])
            content_type = ''
            for name, value in headers:
                if name.lower() == 'content-type':
                    content_type = value
            if code >= 400 and 'json' not in content_type:
                captured['rewrite'] = code
                # Delay: the body is replaced below.
                return lambda data: None
            return start_response(status, headers, exc_info)

        try:
            result = self._app(environ, _start_response)
            if 'rewrite' not in captured:
                return result
            try:
                original = b''.join(result)
            finally:
                if hasattr(result, 'close'):
                    result.close()
        except Exception:
            LOG.exception('Unexpected error while serving %s %s',
                          environ.get('REQUEST_METHOD'),
                          environ.get('PATH_INFO'))
            return self._answer(start_response, 500, [],
                                'Internal Server Error', _is_v2(environ))
        code = captured['rewrite']
        headers = [(n, v) for n, v in captured['headers']
                   if n.lower() not in ('content-type', 'content-length')]
        if _is_v2(environ):
            if code == 405 and environ.get('REQUEST_METHOD') == 'GET':
                # NOTE(ck): every /v2 resource answers GET; Pecan's 405
                # for a GET means an unknown path there.
                code = 404
            return self._answer(start_response, code, headers,
                                V2_MESSAGES.get(code) or self._message(
                                    code, original), v2=True)
        return self._answer(start_response, code, headers,
                            self._message(code, original))

    @staticmethod
    def _message(code, original):
        """A short human message for a routing/middleware error."""
        status = webob.Response(status=code)
        default = status.status.split(' ', 1)[1]
        if code == 404:
            return 'Resource not found.'
        if code == 405:
            return 'Method not allowed.'
        if code == 413:
            return 'Request is larger than the limit this server accepts.'
        if code >= 500:
            return 'Internal Server Error'
        text = original.decode('utf-8', 'replace').strip()
        if text and '<' not in text and len(text) < 300:
            return text
        return default

    @staticmethod
    def _answer(start_response, code, headers, message, v2=False):
        body = (json.dumps({'message': message}).encode('utf-8') if v2
                else fault_body(code, message))
        status = webob.Response(status=code).status
        start_response(status, headers + [
            ('Content-Type', 'application/json'),
            ('Content-Length', str(len(body)))])
        return [body]
