"""``/v1/info`` when the metrics file cannot be used (§3.1)."""

import json

import pytest
import webob

from cloudkitty.api import app as api_app
from cloudkitty import policy


@pytest.fixture
def make_app(conf, sqlite_db):
    def _make(metrics_conf):
        conf.set_override('auth_strategy', 'noauth')
        conf.set_override('metrics_conf', metrics_conf, group='collect')
        policy.reset()
        return api_app.setup_app(conf)
    yield _make
    policy.reset()


def _get(app, path):
    response = webob.Request.blank(path).get_response(app)
    return response.status_int, json.loads(response.body)


def test_unreadable_file(make_app, tmp_path):
    app = make_app(str(tmp_path / 'missing.yml'))
    status, body = _get(app, '/v1/info/config')
    assert status == 503
    assert body['faultcode'] == 'Server'
    assert 'missing.yml' in body['faultstring']
    status, body = _get(app, '/v1/info/metrics')
    assert (status, body['faultstring']) == (
        405, 'Invalid endpoint: no metrics in current configuration.')


def test_invalid_definitions(make_app, tmp_path):
    path = tmp_path / 'metrics.yml'
    path.write_text('metrics:\n  cpu:\n    alt_name: instance\n')
    app = make_app(str(path))
    status, body = _get(app, '/v1/info/config')
    assert status == 200
    assert body == {'metrics': {'cpu': {'alt_name': 'instance'}}}
    status, body = _get(app, '/v1/info/metrics/instance')
    assert status == 405
