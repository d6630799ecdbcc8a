"""python-cloudkittyclient 6.2 CLI: the deprecated collector commands."""

import pytest

from cloudkitty.tests.functional.client import conftest


def test_collector_mappings(cli):
    assert cli('collector-mapping', 'list', '-f', 'json') == []
    # positional arguments: service, collector
    created = cli('collector-mapping', 'create', 'compute', 'gnocchi',
                  '-f', 'json')
    assert created == [{'Service': 'compute', 'Collector': 'gnocchi'}]
    cli('collector-mapping', 'create', 'volume', 'prometheus', '-f', 'json')
    listed = cli('collector-mapping', 'list', '-f', 'json')
    assert [m['Service'] for m in listed] == ['compute', 'volume']
    filtered = cli('collector-mapping', 'list', '--collector', 'gnocchi',
                   '-f', 'json')
    assert [m['Service'] for m in filtered] == ['compute']
    got = cli('collector-mapping', 'get', 'volume', '-f', 'json')
    assert got == [{'Service': 'volume', 'Collector': 'prometheus'}]
    cli('collector-mapping', 'delete', 'volume')
    with pytest.raises(conftest.CLIError):
        cli('collector-mapping', 'get', 'volume', '-f', 'json')


def test_collector_states(cli):
    def state(*args):
        return cli('collector', *args, '-f', 'json')

    assert state('state', 'get', 'gnocchi') == [
        {'Collector': 'gnocchi', 'State': False}]
    assert state('enable', 'gnocchi') == [
        {'Collector': 'gnocchi', 'State': True}]
    assert state('state', 'get', 'gnocchi')[0]['State'] is True
    assert state('state', 'get', 'prometheus')[0]['State'] is False
    assert state('disable', 'gnocchi')[0]['State'] is False
    assert state('state', 'get', 'gnocchi')[0]['State'] is False

