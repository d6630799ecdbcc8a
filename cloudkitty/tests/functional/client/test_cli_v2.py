"""python-cloudkittyclient 6.2 CLI in its default mode (API v2) against a
live server: every v2 command (v2 spec §5).

The client defects we live with are asserted as such (``scope patch``
exits 1 on success, ``scope state get`` shows an empty State column).
"""

import json

import pytest

from cloudkitty.tests.functional.client import conftest


@pytest.fixture
def v2(cli, conf, tmp_path):
    """``cloudkitty --os-rating-api-version 2 <args> -f json``."""
    # The scope reset takes the processors' tooz locks.
    conf.set_override('coordination_url', 'file://%s' % (tmp_path / 'locks'),
                      group='orchestrator')

    def _v2(*args):
        return cli(*args, version='2')
    return _v2


def _point(project, qty, price, day, vm):
    return {'vol': {'unit': 'instance', 'qty': qty},
            'rating': {'price': price},
            'groupby': {'id': vm, 'project_id': project,
                        'day_of_the_year': day, 'week_of_the_year': '05',
                        'month': '2', 'year': '2025'},
            'metadata': {'flavor_name': 'm1.small'}}


FRAMES = {'dataframes': [
    {'period': {'begin': '2025-02-03T00:00:00+00:00',
                'end': '2025-02-03T01:00:00+00:00'},
     'usage': {'instance': [_point('p1', 1, 0.5, '34', 'vm-1'),
                            _point('p2', 2, 1.25, '34', 'vm-2')]}},
    {'period': {'begin': '2025-02-04T00:00:00+00:00',
                'end': '2025-02-04T01:00:00+00:00'},
     'usage': {'instance': [_point('p1', 1, 0.5, '35', 'vm-1')],
               'image.size': [_point('p1', 10, 0.1, '35', 'img-1')]}},
]}

WINDOW = ('-b', '2025-02-01T00:00:00Z', '-e', '2025-03-01T00:00:00Z')


@pytest.fixture
def pushed(v2, tmp_path):
    path = tmp_path / 'frames.json'
    path.write_text(json.dumps(FRAMES))
    assert v2('dataframes', 'add', str(path)) is None
    return v2


def test_dataframes_add_and_get(pushed):
    rows = pushed('dataframes', 'get', *WINDOW, '-f', 'json')
    assert len(rows) == 4
    assert [r['Metric Type'] for r in rows] == [
        'instance', 'instance', 'image.size', 'instance']
    assert rows[0]['Begin'] == '2025-02-03T00:00:00+00:00'
    assert float(rows[1]['Price']) == 1.25
    assert 'project_id="p2"' in rows[1]['Group By']
    p1 = pushed('dataframes', 'get', *WINDOW, '--filter', 'project_id:p1',
                '--offset', '1', '--limit', '5', '-f', 'json')
    assert len(p1) == 2
    assert {r['Metric Type'] for r in p1} == {'image.size', 'instance'}
    with pytest.raises(conftest.CLIError, match='404'):
        pushed('dataframes', 'get', '--filter', 'project_id:nope',
               *WINDOW, '-f', 'json')


def test_summary_get(pushed):
    rows = pushed('summary', 'get', *WINDOW, '-g', 'type', '-g',
                  'project_id', '-f', 'json')
    by_key = {(r['Type'], r['Project id']): r for r in rows}
    assert set(by_key) == {('image.size', 'p1'), ('instance', 'p1'),
                           ('instance', 'p2')}
    assert float(by_key[('instance', 'p1')]['Rate']) == 1.0
    assert float(by_key[('instance', 'p1')]['Qty']) == 2
    assert float(by_key[('instance', 'p2')]['Rate']) == 1.25
    days = pushed('summary', 'get', *WINDOW, '-g', 'time-d', '--filter',
                  'project_id:p1', '-f', 'json')
    assert [(r['Day of the year'], float(r['Rate'])) for r in days] == [
        ('34', 0.5), ('35', 0.6)]
    paged = pushed('summary', 'get', *WINDOW, '-g', 'id', '--offset', '1',
                   '--limit', '1', '-f', 'json')
    assert [r['Id'] for r in paged] == ['vm-1']


def test_summary_library_object_format(pushed, live_api):
    from cloudkittyclient import client as ck_client
    from keystoneauth1 import session

    from cloudkittyclient.auth import CloudKittyNoAuthPlugin
    auth = CloudKittyNoAuthPlugin(endpoint=live_api)
    client = ck_client.Client('2', session=session.Session(auth=auth))
    answer = client.summary.get_summary(
        groupby=['type'], filters={'project_id': 'p1'},
        begin='2025-02-01T00:00:00+00:00', end='2025-03-01T00:00:00+00:00',
        response_format='object')
    assert answer['format'] == 'object'
    rates = {row['type']: row['rate'] for row in answer['results']}
    # The dashboard sums these with Python: they must be numbers.
    assert rates == {'image.size': 0.1, 'instance': 1.0}


def test_scope_state_get_patch_and_reset(pushed):
    v2 = pushed
    # No scope state yet: the API answers 404.
    with pytest.raises(conftest.CLIError, match='404'):
        v2('scope', 'state', 'get', '-f', 'json')
    from cloudkitty import context as ck_context
    from cloudkitty.storage import state
    ctx = ck_context.get_admin_context()
    for scope_id in ('p1', 'p2'):
        state.create_scope(ctx, scope_id, '2025-02-04T00:00:00Z',
                           fetcher='keystone', collector='gnocchi')
    rows = v2('scope', 'state', 'get', '--scope-id', 'p1', '--scope-id',
              'p2', '-f', 'json')
    assert [r['Scope ID'] for r in rows] == ['p1', 'p2']
    assert rows[0]['Collector'] == 'gnocchi'
    # [BUG-CLIENT] the client reads a "state" key the server never sends.
    assert rows[0]['State'] in ('', None)
    # [BUG-CLIENT] scope patch prints the object and exits 1 on success.
    try:
        v2('scope', 'patch', '-id', 'p2', '--collector', 'prometheus',
           '--active', 'false')
    except conftest.CLIError as err:
        assert "'collector': 'prometheus'" in str(err)
    rows = v2('scope', 'state', 'get', '--collector', 'prometheus',
              '-f', 'json')
    assert [r['Scope ID'] for r in rows] == ['p2']
    assert state.get_state(ctx, 'p2').active is False
    # The client sends the timestamp as "state"; accepted (v2 §3.5.3).
    assert v2('scope', 'state', 'reset', '--scope-id', 'p1',
              '2025-02-04T00:00:00Z') is None
    left = v2('dataframes', 'get', *WINDOW, '--filter', 'project_id:p1',
              '-f', 'json')
    assert [r['Begin'] for r in left] == ['2025-02-03T00:00:00+00:00']
    assert v2('scope', 'state', 'reset', '-a', '2025-02-03T00:00:00Z') is None
    with pytest.raises(conftest.CLIError, match='404'):
        v2('dataframes', 'get', *WINDOW, '-f', 'json')


def test_tasks_reprocessing(v2):
    from cloudkitty import context as ck_context
    from cloudkitty.storage import state
    ctx = ck_context.get_admin_context()
    for scope_id in ('p1', 'p2'):
        state.create_scope(ctx, scope_id, '2025-02-03T23:00:00Z')
    assert v2('tasks', 'reprocessing', 'get', '-f', 'json') == []
    created = v2('tasks', 'reprocessing', 'create', '--scope-id', 'p2',
                 '--scope-id', 'p1', '--start-reprocess-time',
                 '2025-02-03T07:00:00Z', '--end-reprocess-time',
                 '2025-02-03T08:00:00Z', '--reason', 'cli', '-f', 'json')
    assert created == []
    with pytest.raises(conftest.CLIError, match='400'):
        v2('tasks', 'reprocessing', 'create', '--scope-id', 'p1',
           '--start-reprocess-time', '2025-02-03T08:00:00Z',
           '--end-reprocess-time', '2025-02-03T09:00:00Z', '--reason', 'x',
           '-f', 'json')
    rows = v2('tasks', 'reprocessing', 'get', '-f', 'json')
    assert [r['Scope ID'] for r in rows] == ['p1', 'p2']
    assert rows[0]['Reason'] == 'cli'
    assert rows[0]['Start reprocessing time'] == '2025-02-03T07:00:00'
    assert rows[0]['Current reprocessing time'] == ''
    asc = v2('tasks', 'reprocessing', 'get', '--order', 'ASC',
             '--scope-id', 'p2', '--scope-id', 'p1', '-f', 'json')
    assert [r['Scope ID'] for r in asc] == ['p2', 'p1']
    one = v2('tasks', 'reprocessing', 'get', '--scope-id', 'p1', '--limit',
             '1', '-f', 'json')
    assert [r['Scope ID'] for r in one] == ['p1']


def test_modules(v2, cli):
    listed = v2('module', 'list', '-f', 'json')
    assert [m['Module'] for m in listed] == sorted(m['Module']
                                                   for m in listed)
    assert {'hashmap', 'noop'} <= {m['Module'] for m in listed}
    got = v2('module', 'get', 'hashmap', '-f', 'json')
    assert got == [{'Module': 'hashmap', 'Enabled': False, 'Priority': 1}]
    assert v2('module', 'enable', 'hashmap', '-f', 'json')[0]['Enabled']
    assert v2('module', 'get', 'hashmap', '-f', 'json')[0]['Enabled'] is True
    assert v2('module', 'set', 'priority', 'hashmap', '3',
              '-f', 'json')[0]['Priority'] == 3
    disabled = v2('module', 'disable', 'hashmap', '-f', 'json')[0]
    assert disabled == {'Module': 'hashmap', 'Enabled': False,
                        'Priority': 3}
    # One module state behind both APIs.
    assert cli('module', 'get', 'hashmap', '-f', 'json')[0]['Priority'] == 3
    with pytest.raises(conftest.CLIError, match='404'):
        v2('module', 'get', 'nope', '-f', 'json')
    with pytest.raises(conftest.CLIError, match='400'):
        v2('module', 'set', 'priority', 'hashmap', '0', '-f', 'json')
