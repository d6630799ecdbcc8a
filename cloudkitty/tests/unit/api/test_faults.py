"""Unexpected failures answer a bare JSON 500 and log the traceback;
routing/middleware errors become JSON faults (§1.4)."""

import json
import logging

import webob

from cloudkitty.api import middleware


def _boom(environ, start_response):
    raise RuntimeError('secret internal detail')


def _html_404(environ, start_response):
    body = b'<html><body>Not here</body></html>'
    start_response('404 Not Found', [('Content-Type', 'text/html'),
                                     ('Content-Length', str(len(body)))])
    return [body]


def _json_ok(environ, start_response):
    start_response('200 OK', [('Content-Type', 'application/json')])
    return [b'{}']


def test_escaping_exception_is_a_bare_500(caplog):
    app = middleware.FaultWrapper(_boom)
    with caplog.at_level(logging.ERROR):
        response = webob.Request.blank('/v1/x').get_response(app)
    assert response.status_int == 500
    assert json.loads(response.body) == {
        'faultcode': 'Server', 'faultstring': 'Internal Server Error',
        'debuginfo': None}
    assert 'secret' not in response.text
    assert 'secret internal detail' in caplog.text


def test_html_error_becomes_json():
    response = webob.Request.blank('/x').get_response(
        middleware.FaultWrapper(_html_404))
    assert response.status_int == 404
    assert response.content_type == 'application/json'
    assert json.loads(response.body)['faultstring'] == 'Resource not found.'


def test_success_passes_through():
    response = webob.Request.blank('/').get_response(
        middleware.FaultWrapper(_json_ok))
    assert response.status_int == 200
    assert response.body == b'{}'


def test_handler_errors_are_translated_in_one_place(caplog):
    import pecan
    from pecan import rest

    from cloudkitty.api.expose import expose
    from cloudkitty import exception

    errors = {
        'notfound': exception.NotFound('No such thing: 1'),
        'conflict': exception.Conflict('Already there'),
        'invalid': exception.Invalid('Bad value'),
        'forbidden': exception.Forbidden('Nope'),
        'unavailable': exception.ServiceUnavailable(reason='down'),
        'bug': KeyError('internal'),
    }

    class Controller(rest.RestController):
        @expose(None, str)
        def get_one(self, name):
            raise errors[name]

    class Root:
        things = Controller()

    app = middleware.FaultWrapper(pecan.make_app(Root()))
    expected = {'notfound': (404, 'No such thing: 1'),
                'conflict': (409, 'Already there'),
                'invalid': (400, 'Bad value'),
                'forbidden': (403, 'Nope'),
                'unavailable': (503, 'Service unavailable: down'),
                'bug': (500, 'Internal Server Error')}
    with caplog.at_level(logging.ERROR):
        for name, (status, message) in expected.items():
            response = webob.Request.blank(
                '/things/' + name).get_response(app)
            assert response.status_int == status, name
            fault = json.loads(response.body)
            assert fault['faultstring'] == message
            assert fault['faultcode'] == ('Client' if status < 500
                                          else 'Server')
    assert "KeyError: 'internal'" in caplog.text
