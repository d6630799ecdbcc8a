"""The API works in UTC whatever the host's time zone (v1 §1.6 "UTC
always, whatever TZ says"): windows without an offset are UTC, offsets are
honoured, and datetimes are rendered with +00:00."""

import json
import os
import time

import pytest
import webob

from cloudkitty.api import app as api_app
from cloudkitty import policy

FRAME = {'dataframes': [{
    'period': {'begin': '2025-02-03T00:00:00Z',
               'end': '2025-02-03T01:00:00Z'},
    'usage': {'cpu': [{'vol': {'unit': 'u', 'qty': 1},
                       'rating': {'price': 2.5},
                       'groupby': {'project_id': 'P1'}, 'metadata': {}}]}}]}


@pytest.fixture
def tokyo():
    before = os.environ.get('TZ')
    os.environ['TZ'] = 'Asia/Tokyo'
    time.tzset()
    assert time.localtime(0).tm_hour == 9
    yield
    if before is None:
        os.environ.pop('TZ')
    else:
        os.environ['TZ'] = before
    time.tzset()


@pytest.fixture
def app(conf, sqlite_db):
    conf.set_override('auth_strategy', 'noauth')
    policy.reset()
    yield api_app.setup_app(conf)
    policy.reset()


def _call(app, method, path, body=None):
    request = webob.Request.blank(path, method=method)
    if body is not None:
        request.body = json.dumps(body).encode()
        request.content_type = 'application/json'
    response = request.get_response(app)
    return response.status_int, (json.loads(response.body)
                                 if response.body else None)


def test_windows_and_renderings_are_utc_under_another_zone(app, tokyo):
    assert _call(app, 'POST', '/v2/dataframes', FRAME)[0] == 204
    inside = ('/v1/report/total?begin=2025-02-03T00:00:00'
              '&end=2025-02-03T01:00:00')
    assert _call(app, 'GET', inside) == (200, '2.5')
    # the same hour written in Tokyo time
    tokyo_hour = ('/v1/report/total?begin=2025-02-03T09:00:00%2B09:00'
                  '&end=2025-02-03T10:00:00%2B09:00')
    assert _call(app, 'GET', tokyo_hour) == (200, '2.5')
    # nine hours later in UTC: the local reading of a naive time would
    # have found the point there
    later = ('/v1/report/total?begin=2025-02-03T09:00:00'
             '&end=2025-02-03T10:00:00')
    assert _call(app, 'GET', later) == (200, '0')
    status, body = _call(app, 'GET', '/v2/summary?begin=2025-02-03T00:00:00'
                         '&end=2025-02-04T00:00:00&groupby=time')
    assert status == 200
    assert body['results'][0][:2] == ['2025-02-03T00:00:00+00:00',
                                      '2025-02-03T01:00:00+00:00']
