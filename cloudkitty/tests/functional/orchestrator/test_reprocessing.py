"""Reprocessing and scope resets under running processors (PostgreSQL,
Redis locks, two ``cloudkitty-processor`` worker processes).

Scenario: every period of the feed is rated with the rule "instance costs
1 per unit". Then a rule "volume.size costs 0.5 per unit" is added for the
whole feed, and, through the v2 API while the processors run:

* scope S1 gets a reprocessing schedule over periods 10..30 (closed);
* scope S1 is also reset to period 40 (the normal loop re-rates 40..47);
* scope S2 is left alone.

Afterwards every (scope, period) has exactly the feed's points (nothing
lost, nothing stored twice), re-rated periods carry the new rule and the
others the old one, S1's state is back at the last period, and the
schedule reports itself finished.
"""

import datetime
import decimal
import json
import time

import pytest
import webob

from cloudkitty.tests.functional.orchestrator import services
from cloudkitty.tests.functional.orchestrator import workload

SCOPES, RESOURCES, PERIODS = 4, 6, 48


def _api(conf):
    from cloudkitty.api import app as api_app
    conf.set_override('auth_strategy', 'noauth')
    app = api_app.setup_app(conf)

    def call(method, path, body=None):
        req = webob.Request.blank(path, method=method)
        if body is not None:
            req.body = json.dumps(body).encode()
            req.content_type = 'application/json'
        resp = req.get_response(app)
        assert resp.status_int < 300, (method, path, resp.status, resp.text)
        return resp.json if resp.body else None
    return call


def _rule(context, service, cost, start):
    from cloudkitty.rating.hashmap import db as hashmap_db
    svc = hashmap_db.create_service(context, service)
    hashmap_db.create_mapping(context, decimal.Decimal(cost),
                              service_id=svc.service_id,
                              start=start.replace(tzinfo=None), force=True)


def _stamp(value):
    return value.isoformat()


@pytest.mark.integration
def test_reprocess_and_reset_while_processors_run(
        conf, pg_db, admin_context, tmp_path):
    services.require('cloudkitty.rating.hashmap', 'hashmap module')
    services.require('cloudkitty.collector.file', 'file collector')
    start = workload.due_start(PERIODS)
    feed = str(tmp_path / 'usage.jsonl')
    counts = workload.generate_feed(feed, SCOPES, RESOURCES, PERIODS,
                                    start)[0]
    scopes = sorted({scope for scope, _ in counts})
    s1 = scopes[0]
    hour = workload.HOUR
    last = start + (PERIODS - 1) * hour  # the last period with data
    from cloudkitty.rating import modules
    modules.update_module(admin_context, conf, 'hashmap', enabled=True)
    _rule(admin_context, 'instance', '1', start)
    url = services.redis_tooz_url()
    config = workload.write_config(
        str(tmp_path / 'proc.conf'), conf.database.connection, feed, url,
        start, host='rep', workers=2, log_file=str(tmp_path / 'proc.log'),
        extra={'reprocessing': {'poll_interval': 1}})
    conf.set_override('coordination_url', url, group='orchestrator')
    api = _api(conf)
    proc = workload.ProcessorCommand(config).start()
    try:
        workload.wait_for_states(admin_context, scopes, last, procs=[proc])
        _rule(admin_context, 'volume.size', '0.5', start)
        window = (start + 10 * hour, start + 30 * hour)
        api('POST', '/v2/task/reprocesses', {
            'scope_ids': [s1], 'start_reprocess_time': _stamp(window[0]),
            'end_reprocess_time': _stamp(window[1]), 'reason': 'new rule'})
        reset_to = start + 40 * hour
        api('PUT', '/v2/scope', {'scope_id': s1,
                                 'last_processed_timestamp':
                                     _stamp(reset_to)})
        deadline = time.monotonic() + 120
        while True:
            task = api('GET', '/v2/task/reprocesses/%s' % s1)['results'][0]
            state = api('GET', '/v2/scope?scope_id=%s' % s1)['results'][0]
            done = (task['current_reprocess_time']
                    == window[1].replace(tzinfo=None).isoformat())
            if done and state['last_processed_timestamp'] == _stamp(
                    last + 2 * hour):
                break
            assert proc.proc.poll() is None, proc.proc.communicate()[0]
            assert time.monotonic() < deadline, '%s\n%s\n%s\n%s' % (
                task, state, _stamp(last + hour),
                (tmp_path / 'proc.log').read_text()[-3000:])
            time.sleep(0.5)
    finally:
        status, out = proc.stop()
    assert status == 0, out[-3000:]
    per_period, identities = workload.stored(
        conf, admin_context, start, last + hour)[:2]
    duplicates = {k: n for k, n in identities.items() if n != 1}
    assert not duplicates, list(duplicates)[:5]
    assert per_period == counts
    from cloudkitty import storage
    backend = storage.get_storage(conf)
    rerated = {start + i * hour for i in range(10, 31)} | {
        start + i * hour for i in range(40, PERIODS)}
    seen = set()
    for row in backend.iter_dataframes(admin_context, start, last + hour):
        begin = row.begin.astimezone(datetime.UTC)
        if row.type == 'instance':
            assert row.price == row.qty, row
        elif row.type == 'volume.size':
            new = row.scope_id == s1 and begin in rerated
            expected = row.qty * decimal.Decimal('0.5') if new else 0
            assert row.price == expected, (row, new)
            if new:
                seen.add(begin)
        else:
            assert row.price == 0, row
    assert seen == rerated, sorted(rerated - seen)[:3]
