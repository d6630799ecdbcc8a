"""``openstack rating ...``: python-cloudkittyclient 6.2 through its
python-openstackclient plugin, against a live API (v1 and v2).

The ``cloudkitty`` shell tests cover every command; these check what only
the ``openstack`` shell adds: its option names (``--rating-api-version``),
the noauth plugin loaded by osc-lib, and output through its formatters.
Each call is a real ``openstack`` process.
"""

import json
import os
import subprocess
import sys

import datetime

import pytest

from cloudkitty import context as ck_context
from cloudkitty import dataframe
from cloudkitty import storage as ck_storage

OPENSTACK = os.path.join(os.path.dirname(sys.executable), 'openstack')


@pytest.fixture
def osc(live_api):
    if not os.path.exists(OPENSTACK):
        from cloudkitty.tests import db_backends
        db_backends.unavailable('python-openstackclient is not installed')

    def _osc(*args, version='1'):
        argv = [OPENSTACK, '--os-auth-type', 'cloudkitty-noauth',
                '--os-endpoint', live_api, '--rating-api-version', version,
                *args]
        done = subprocess.run(argv, capture_output=True, text=True,
                              timeout=120, env={**os.environ,
                                                'OS_CLOUD': ''})
        assert done.returncode == 0, (argv, done.stdout, done.stderr)
        text = done.stdout.strip()
        return json.loads(text) if text else None
    return _osc


@pytest.fixture
def stored_usage(conf, live_api):
    """Three rated hours of one scope; (begin, end, total)."""
    start = datetime.datetime(2015, 1, 4, 13, tzinfo=datetime.UTC)
    frames = []
    for hour in range(3):
        begin = start + datetime.timedelta(hours=hour)
        point = dataframe.DataPoint('instance', '2', '1.337',
                                    {'project_id': 'project-a'}, {})
        frames.append(('project-a', dataframe.DataFrame(
            begin, begin + datetime.timedelta(hours=1),
            {'instance': [point]})))
    ck_storage.get_storage(conf).push_many(
        ck_context.get_admin_context(), frames)
    return '2015-01-04T00:00:00', '2015-01-05T00:00:00', '4.011'


def test_rules_through_the_openstack_shell(osc):
    modules = osc('rating', 'module', 'list', '-f', 'json')
    assert {m['Module'] for m in modules} >= {'hashmap', 'noop'}
    osc('rating', 'module', 'enable', 'hashmap', '-f', 'json')
    service = osc('rating', 'hashmap', 'service', 'create', 'osc.svc',
                  '-f', 'json')
    service_id = service[0]['Service ID']
    field = osc('rating', 'hashmap', 'field', 'create', service_id,
                'flavor', '-f', 'json')
    mapping = osc('rating', 'hashmap', 'mapping', 'create', '--field-id',
                  field[0]['Field ID'], '--value', 'm1.tiny', '-t', 'flat',
                  '1.25', '-f', 'json')
    assert mapping[0]['Value'] == 'm1.tiny'
    listed = osc('rating', 'hashmap', 'mapping', 'list', '--field-id',
                 field[0]['Field ID'], '-f', 'json')
    assert [(m['Value'], float(m['Cost']), m['Type']) for m in listed] == [
        ('m1.tiny', 1.25, 'flat')]
    script = osc('rating', 'pyscript', 'create', 'osc_script',
                 'data = data', '-f', 'json')
    assert osc('rating', 'pyscript', 'get', script[0]['Script ID'],
               '-f', 'json')[0]['Data'] == 'data = data'
    osc('rating', 'pyscript', 'delete', script[0]['Script ID'])
    osc('rating', 'hashmap', 'service', 'delete', service_id)
    assert 'osc.svc' not in [s['Name'] for s in osc(
        'rating', 'hashmap', 'service', 'list', '-f', 'json')]


def test_reports_through_the_openstack_shell(osc, stored_usage):
    begin, end, total = stored_usage
    summary = osc('rating', 'summary', 'get', '-b', begin, '-e', end,
                  '-f', 'json')
    assert float(summary[0]['Rate']) == pytest.approx(float(total))
    tenants = osc('rating', 'report', 'tenant', 'list', '-b', begin, '-e',
                  end, '-f', 'json')
    assert [t['Tenant ID'] for t in tenants] == ['project-a']
    by_type = osc('rating', 'summary', 'get', '-b', begin, '-e', end,
                  '-g', 'type', '-f', 'json', version='2')
    assert [(row['Type'], row['Qty'], row['Rate']) for row in by_type] == [
        ('instance', 6, 4.011)]
    scopes = osc('rating', 'scope', 'state', 'get', '-f', 'json',
                 version='2')
    # (the client's State column reads a key no server sends: always None)
    assert [(s['Scope ID'], s['Scope Key']) for s in scopes] == [
        ('project-a', 'project_id')]
