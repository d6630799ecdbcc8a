"""A rule change reaches running processors over RabbitMQ.

Two processor processes (one ``cloudkitty-processor`` with
``max_workers=2``) rate a feed of 1-second periods as they become due,
with hashmap pricing instances at 1 per unit. The test then disables
hashmap with ``PUT /v1/rating/modules/hashmap`` on the real v1 API, which
broadcasts the change (``notify_rules_changed``) over the same RabbitMQ.
Both processes must log the notification, and every period starting
after it was received must be priced without hashmap.
"""

import datetime
import decimal
import json
import re
import time

import pytest
import webob

from cloudkitty.common import messaging
from cloudkitty.tests.functional.orchestrator import services
from cloudkitty.tests.functional.orchestrator import workload

UTC = datetime.UTC
SCOPES = ('a' * 32, 'b' * 32)
PERIODS = 14


def _feed(path, first):
    with open(path, 'w') as f:
        for n in range(PERIODS):
            begin = first + datetime.timedelta(seconds=n)
            for scope in SCOPES:
                f.write(json.dumps({
                    'scope_id': scope, 'begin': begin.isoformat(),
                    'end': (begin + datetime.timedelta(
                        seconds=1)).isoformat(),
                    'service': 'instance', 'unit': 'instance', 'qty': 1,
                    'groupby': {'id': 'vm-' + scope[:4], 'project_id': scope,
                                'user_id': 'u'},
                    'metadata': {'flavor_name': 'm1.small'}}) + '\n')


def _receipts(log_text):
    """{pid: receipt time (aware UTC)} of the rules-changed log lines."""
    found = {}
    for line in log_text.splitlines():
        if 'Rating rules changed' not in line:
            continue
        match = re.match(r'(\S+ \S+) (\d+) ', line)
        # oslo.log writes local time.
        when = datetime.datetime.strptime(
            match.group(1), '%Y-%m-%d %H:%M:%S.%f').astimezone(UTC)
        found[int(match.group(2))] = when
    return found


@pytest.mark.integration
def test_rule_change_reaches_running_processors(conf, pg_db, admin_context,
                                                tmp_path):
    services.require('cloudkitty.storage.state', 'storage')
    hashmap_db = services.require('cloudkitty.rating.hashmap.db',
                                  'hashmap module')
    from cloudkitty.rating import modules
    url = services.rabbit_url()
    modules.update_module(admin_context, conf, 'hashmap', enabled=True,
                          priority=1)
    service = hashmap_db.create_service(admin_context, 'instance')
    hashmap_db.create_mapping(admin_context, decimal.Decimal(1),
                              type='flat', service_id=service.service_id,
                              start=datetime.datetime(2024, 12, 1),
                              force=True)

    now = datetime.datetime.now(UTC)
    first = now.replace(microsecond=0) + datetime.timedelta(seconds=2)
    feed = str(tmp_path / 'usage.jsonl')
    _feed(feed, first)
    log_file = tmp_path / 'proc.log'
    config = workload.write_config(
        str(tmp_path / 'proc.conf'), conf.database.connection, feed,
        'file://%s' % (tmp_path / 'locks'), first, host='rpc-node',
        workers=2, transport_url=url, log_file=str(log_file),
        extra={'collect': {'period': 1, 'wait_periods': 0}})
    proc = workload.ProcessorCommand(config).start()
    try:
        # Let a few periods be rated with hashmap on.
        workload.wait_for_states(admin_context, SCOPES,
                                 first + datetime.timedelta(seconds=3),
                                 timeout=30, procs=[proc])
        # Both RPC servers (started in the background) must listen.
        deadline = time.monotonic() + 30
        while log_file.read_text().count('Listening for rules changes') < 2:
            assert time.monotonic() < deadline, log_file.read_text()
            time.sleep(0.2)
        # The API, configured with the same bus, disables hashmap; the
        # write itself broadcasts the change.
        messaging.register_opts(conf)
        conf.set_override('transport_url', url)
        conf.set_override('auth_strategy', 'noauth')
        from cloudkitty.api import app as api_app
        req = webob.Request.blank('/v1/rating/modules/hashmap',
                                  method='PUT')
        req.headers['Content-Type'] = 'application/json'
        req.body = json.dumps({'module_id': 'hashmap', 'enabled': False,
                               'priority': 1}).encode()
        resp = req.get_response(api_app.setup_app(conf))
        assert resp.status_int == 302, resp.text  # spec §3.2.4
        workload.wait_for_states(
            admin_context, SCOPES,
            first + datetime.timedelta(seconds=PERIODS - 1), timeout=40,
            procs=[proc])
    finally:
        status, out = proc.stop()
        messaging.cleanup()
    assert status == 0, out
    receipts = _receipts(log_file.read_text())
    assert len(receipts) == 2, receipts  # both worker processes
    received = max(receipts.values())
    from cloudkitty import storage
    rows = list(storage.get_storage(conf).iter_dataframes(
        admin_context, first, first + datetime.timedelta(seconds=PERIODS)))
    assert len(rows) == PERIODS * len(SCOPES)
    before = [r for r in rows if r.price > 0]
    after = [r for r in rows
             if workload._aware(r.begin) >= received]
    assert before, 'no period was rated with hashmap on'
    assert after, 'no period was rated after the change'
    assert all(r.price == decimal.Decimal(0) for r in after), [
        (r.begin, r.price) for r in after]
