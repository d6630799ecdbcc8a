"""``/v1/storage/dataframes`` streams large windows as one valid JSON
document, in period-then-scope order (§3.7)."""

import datetime
import json

import pytest
import webob

from cloudkitty.api import app as api_app
from cloudkitty.api.v1 import storage as v1_storage
from cloudkitty import context as ck_context
from cloudkitty import dataframe
from cloudkitty import policy
from cloudkitty import storage as ck_storage

SCOPES = ('scope-b', 'scope-a')
HOURS = 3
POINTS = 2 * v1_storage.BATCH + 7   # crosses two write batches per scope


@pytest.fixture
def app(conf, db):
    conf.set_override('auth_strategy', 'noauth')
    start = datetime.datetime(2015, 1, 4, tzinfo=datetime.UTC)
    frames = []
    for hour in range(HOURS):
        begin = start + datetime.timedelta(hours=hour)
        for scope in SCOPES:
            points = [dataframe.DataPoint(
                'GiB', index, '0.001', {'project_id': scope,
                                        'id': str(index)}, {'n': index})
                for index in range(POINTS // HOURS)]
            frames.append((scope, dataframe.DataFrame(
                begin, begin + datetime.timedelta(hours=1),
                {'volume.size': points})))
    ck_storage.get_storage(conf).push_many(ck_context.get_admin_context(),
                                           frames)
    policy.reset()
    yield api_app.setup_app(conf)
    policy.reset()


def test_large_listing_is_one_valid_document(app):
    request = webob.Request.blank(
        '/v1/storage/dataframes?begin=2015-01-04&end=2015-01-05')
    response = request.get_response(app)
    assert response.status_int == 200
    assert response.content_type == 'application/json'
    frames = json.loads(response.body)['dataframes']
    per_period = POINTS // HOURS
    assert len(frames) == HOURS * len(SCOPES) * per_period
    keys = [(f['begin'], f['tenant_id']) for f in frames]
    assert keys == sorted(keys)
    first = frames[0]['resources'][0]
    assert first['service'] == 'volume.size'
    assert first['rating'] == '0.001'
    assert first['desc']['tenant_id'] == first['desc']['project_id']
    volumes = sorted(int(f['resources'][0]['volume']) for f in frames
                     if f['begin'] == '2015-01-04T00:00:00'
                     and f['tenant_id'] == 'scope-a')
    assert volumes == list(range(per_period))
