"""python-cloudkittyclient 6.2 CLI: every pyscript command (v1)."""

import hashlib

import pytest

from cloudkitty.tests.functional.client import conftest
from cloudkitty.tests.functional.client import test_cli_hashmap

SCRIPT = '''\
import decimal
for points in data['usage'].values():
    for point in points:
        point['rating'] = {'price': decimal.Decimal(point['vol']['qty'])
                           * decimal.Decimal('100')}
'''


def _one(rows):
    assert len(rows) == 1, rows
    return rows[0]


def test_pyscript_commands(cli, live_api, tmp_path):
    def ps(*args):
        return cli('pyscript', *args, '-f', 'json')

    assert ps('list') == []
    path = tmp_path / 'script.py'
    path.write_text(SCRIPT)
    created = _one(ps('create', 'policy', str(path)))
    script_id = created['Script ID']
    assert created['Checksum'] == hashlib.sha512(
        SCRIPT.encode()).hexdigest()
    assert created['Data'] == SCRIPT
    listed = ps('list', '--no-data')
    assert [s['Script ID'] for s in listed] == [script_id]
    assert _one(ps('get', script_id))['Name'] == 'policy'
    with pytest.raises(conftest.CLIError, match='409'):
        ps('create', 'policy', 'a = 1')

    # A running script can only get an end date.
    with pytest.raises(conftest.CLIError, match='400'):
        ps('update', script_id, '-d', 'a = 2')
    ended = _one(ps('update', script_id, '--end', '3000-01-01'))
    assert ended['Script ID'] == script_id

    future = _one(ps('create', 'future', 'a = 1', '--start',
                     '2999-01-01T00:00:00', '--description', 'later'))
    changed = _one(ps('update', future['Script ID'], '-d', 'a = 2'))
    assert changed['Data'] == 'a = 2'
    assert changed['Checksum'] == hashlib.sha512(b'a = 2').hexdigest()

    cli('pyscript', 'delete', future['Script ID'])
    with pytest.raises(conftest.CLIError, match='404'):
        ps('get', future['Script ID'])


def test_prices_accumulate_across_modules(cli, live_api):
    """E10: hashmap (priority 1) then a script overwriting prices with
    qty x 100 (priority 2 runs first, so hashmap adds to it)."""
    def hm(*args):
        return cli('hashmap', *args, '-f', 'json')

    service_id = _one(hm('service', 'create', 'instance'))['Service ID']
    hm('mapping', 'create', '2', '-s', service_id)
    cli('pyscript', 'create', 'hundred', SCRIPT, '-f', 'json')
    cli('module', 'enable', 'hashmap', '-f', 'json')
    cli('module', 'enable', 'pyscripts', '-f', 'json')
    cli('module', 'set', 'priority', 'pyscripts', '2', '-f', 'json')
    client = test_cli_hashmap._client(live_api)
    quote = client.rating.get_quotation(res_data=[{
        'service': 'instance', 'volume': 2, 'desc': {}}])
    # pyscripts: 2 x 100 = 200, then hashmap adds 2 x 2 = 4.
    assert quote == '204'
