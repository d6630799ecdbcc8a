"""python-cloudkittyclient 6.2 CLI: info, modules, report, dataframes (v1).
"""

import datetime

import pytest

from cloudkitty import context as ck_context
from cloudkitty import dataframe
from cloudkitty import storage as ck_storage
from cloudkitty.tests.functional.client import conftest


def test_info(cli):
    config = cli('info', 'config', 'get', '-f', 'json')
    assert config[0]['Section'] == 'metrics'
    assert config[0]['Value']['cpu']['alt_name'] == 'instance'
    metrics = cli('info', 'metric', 'list', '-f', 'json')
    assert [m['Metric'] for m in metrics] == ['instance', 'image.size']
    assert metrics[1]['Unit'] == 'MiB'
    one = cli('info', 'metric', 'get', 'instance', '-f', 'json')
    assert one[0]['Unit'] == 'instance'
    with pytest.raises(conftest.CLIError, match='404'):
        cli('info', 'metric', 'get', 'nope', '-f', 'json')


def test_modules(cli):
    modules = cli('module', 'list', '-f', 'json')
    assert 'noop' in [m['Module'] for m in modules]
    got = cli('module', 'get', 'noop', '-f', 'json')
    assert got[0]['Enabled'] is True
    # enable/set priority go through GET + PUT (302 loop) + GET.
    cli('module', 'enable', 'noop', '-f', 'json')
    cli('module', 'set', 'priority', 'noop', '5', '-f', 'json')
    assert cli('module', 'get', 'noop', '-f', 'json')[0]['Priority'] == 1
    with pytest.raises(conftest.CLIError):
        cli('module', 'get', 'nope', '-f', 'json')


@pytest.fixture
def seeded(conf, live_api):
    scope = '8f82cc70-e50c-466e-8624-24bdea811375'
    start = datetime.datetime(2015, 1, 4, 13, tzinfo=datetime.UTC)
    frames = []
    for hour in range(3):
        begin = start + datetime.timedelta(hours=hour)
        point = dataframe.DataPoint('nothing', '2', '1.337',
                                    {'project_id': scope}, {'dummy': True})
        frames.append((scope, dataframe.DataFrame(
            begin, begin + datetime.timedelta(hours=1),
            {'cpu': [point]})))
    ck_storage.get_storage(conf).push_many(
        ck_context.get_admin_context(), frames)
    return scope


def test_report_and_dataframes(cli, seeded):
    window = ['-b', '2015-01-04T00:00:00', '-e', '2015-01-05T00:00:00']
    tenants = cli('report', 'tenant', 'list', *window, '-f', 'json')
    assert [t['Tenant ID'] for t in tenants] == [seeded]
    # The CLI prints float(total).
    total = cli('total', 'get', *window, '-a', '-f', 'json')
    assert total == {'Total': 4.011}
    total = cli('total', 'get', *window, '-t', seeded, '-f', 'json')
    assert total == {'Total': 4.011}
    summary = cli('summary', 'get', *window, '-g', 'res_type', 'tenant_id',
                  '-f', 'json')
    assert summary == [{
        'Tenant ID': seeded, 'Resource Type': 'cpu', 'Rate': '4.011',
        'Begin Time': '2015-01-04T00:00:00',
        'End Time': '2015-01-05T00:00:00'}]
    frames = cli('dataframes', 'get', *window, '-p', seeded, '-f', 'json')
    assert [f['Begin'] for f in frames] == [
        '2015-01-04T13:00:00', '2015-01-04T14:00:00', '2015-01-04T15:00:00']
    resource = frames[0]['Resources'][0]
    assert (resource['rating'], resource['volume']) == ('1.337', '2')
    assert resource['desc']['tenant_id'] == seeded
