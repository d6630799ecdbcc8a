"""python-cloudkittyclient 6.2 CLI: every hashmap command (v1), end to end
against the live API; the rules it creates then price a quote."""

import pytest
import requests

from cloudkitty.tests.functional.client import conftest


def _one(rows):
    assert len(rows) == 1, rows
    return rows[0]


def test_hashmap_commands(cli, live_api):
    def hm(*args):
        return cli('hashmap', *args, '-f', 'json')

    assert [t['Mapping types'] for t in hm('mapping-types', 'list')] == [
        'flat', 'rate']
    assert hm('service', 'list') == []
    service = _one(hm('service', 'create', 'instance'))
    service_id = service['Service ID']
    assert _one(hm('service', 'get', service_id))['Name'] == 'instance'
    with pytest.raises(conftest.CLIError, match='409'):
        hm('service', 'create', 'instance')

    field = _one(hm('field', 'create', service_id, 'flavor_name'))
    field_id = field['Field ID']
    assert _one(hm('field', 'list', service_id))['Name'] == 'flavor_name'
    assert _one(hm('field', 'get', field_id))['Service ID'] == service_id

    group = _one(hm('group', 'create', 'instance_uptime'))
    group_id = group['Group ID']
    assert [g['Name'] for g in hm('group', 'list')] == ['instance_uptime']

    # The CLI sends cost as a JSON number and a random 24-hex name.
    field_mapping = _one(hm('mapping', 'create', '0.05', '--field-id',
                            field_id, '--value', 'm1.small', '-g',
                            group_id))
    field_mapping_id = field_mapping['Mapping ID']
    assert float(field_mapping['Cost']) == 0.05
    service_mapping = _one(hm('mapping', 'create', '0.01', '-s',
                              service_id))
    service_mapping_id = service_mapping['Mapping ID']
    tenant_mapping = _one(hm('mapping', 'create', '0.02', '-s', service_id,
                             '-p', 'project-a', '-g', group_id))
    listed = hm('mapping', 'list', '-s', service_id)
    assert {m['Mapping ID'] for m in listed} == {
        service_mapping_id, tenant_mapping['Mapping ID']}
    generic = hm('mapping', 'list', '-s', service_id, '--filter-tenant')
    assert [m['Mapping ID'] for m in generic] == [service_mapping_id]
    orphans = hm('mapping', 'list', '-s', service_id, '--no-group')
    assert [m['Mapping ID'] for m in orphans] == [service_mapping_id]
    assert [m['Mapping ID'] for m in hm('mapping', 'list', '--field-id',
                                        field_id)] == [field_mapping_id]
    assert _one(hm('mapping', 'get', field_mapping_id))['Value'] == \
        'm1.small'
    assert {m['Mapping ID'] for m in hm('group', 'mappings', 'get',
                                        group_id)} == {
        field_mapping_id, tenant_mapping['Mapping ID']}

    # Update: GET, PUT of the whole object to the collection URL (302
    # loop), GET. The mapping has started, so only a new end is allowed.
    updated = _one(hm('mapping', 'update', service_mapping_id, '--end',
                      '3000-01-01'))
    assert updated['Mapping ID'] == service_mapping_id
    # The CLI does not show the end: read it from the API.
    raw = requests.get('%s/v1/rating/module_config/hashmap/mappings/%s'
                       % (live_api, service_mapping_id), timeout=10).json()
    assert raw['end'] == '3000-01-01T23:59:59'
    assert raw['updated_by'] == 'unknown'
    with pytest.raises(conftest.CLIError, match='400'):
        hm('mapping', 'update', service_mapping_id, '--cost', '9')

    threshold = _one(hm('threshold', 'create', '2', '100', '-s', service_id,
                        '-t', 'flat'))
    threshold_id = threshold['Threshold ID']
    assert float(threshold['Level']) == 2
    assert [t['Threshold ID'] for t in hm('threshold', 'list', '-s',
                                          service_id)] == [threshold_id]
    updated = _one(hm('threshold', 'update', threshold_id, '-l', '5',
                      '--cost', '50'))
    assert float(updated['Level']) == 5
    assert float(updated['Cost']) == 50
    assert hm('group', 'thresholds', 'get', group_id) == []
    assert _one(hm('threshold', 'get', threshold_id))['Level'] == \
        '5.00000000'

    cli('hashmap', 'threshold', 'delete', threshold_id)
    with pytest.raises(conftest.CLIError, match='404'):
        hm('threshold', 'get', threshold_id)
    cli('hashmap', 'mapping', 'delete', tenant_mapping['Mapping ID'])
    cli('hashmap', 'group', 'delete', group_id)
    assert _one(hm('mapping', 'get', field_mapping_id))['Group ID'] is None
    cli('hashmap', 'field', 'delete', field_id)
    assert hm('mapping', 'list', '--field-id', field_id) == []
    cli('hashmap', 'service', 'delete', service_id)
    assert hm('service', 'list') == []


def test_group_recursive_delete(cli):
    def hm(*args):
        return cli('hashmap', *args, '-f', 'json')

    service_id = _one(hm('service', 'create', 'volume'))['Service ID']
    group_id = _one(hm('group', 'create', 'g'))['Group ID']
    mapping_id = _one(hm('mapping', 'create', '1', '-s', service_id, '-g',
                         group_id))['Mapping ID']
    cli('hashmap', 'group', 'delete', '--recursive', group_id)
    listed = hm('mapping', 'list', '-s', service_id)
    assert mapping_id not in [m['Mapping ID'] for m in listed]


def _client(url):
    """The python client (v1) with its noauth plugin; quote and
    reload_modules have no CLI command."""
    from cloudkittyclient import auth
    from cloudkittyclient import client
    from keystoneauth1 import session
    plugin = auth.CloudKittyNoAuthPlugin(endpoint=url)
    return client.Client('1', session=session.Session(auth=plugin))


def test_quote_with_hashmap_rules(cli, live_api):
    """Appendix B: the rules of the example price a dashboard quote."""
    def hm(*args):
        return cli('hashmap', *args, '-f', 'json')

    cli('module', 'enable', 'hashmap', '-f', 'json')
    assert _one(cli('module', 'get', 'hashmap', '-f', 'json'))[
        'Enabled'] is True
    service_id = _one(hm('service', 'create', 'instance'))['Service ID']
    field_id = _one(hm('field', 'create', service_id,
                       'flavor_name'))['Field ID']
    group_id = _one(hm('group', 'create', 'instance_uptime'))['Group ID']
    hm('mapping', 'create', '0.05', '--field-id', field_id, '--value',
       'm1.small', '-g', group_id)
    hm('mapping', 'create', '0.01', '-s', service_id)
    client = _client(live_api)
    client.rating.reload_modules()
    flat = client.rating.get_quotation(res_data=[{
        'service': 'instance', 'volume': 2,
        'desc': {'flavor_name': 'm1.small', 'vcpus': 1}}])
    assert flat == '0.12'
    nested = client.rating.get_quotation(res_data=[{
        'service': 'instance', 'volume': '2',
        'desc': {'metadata': {'flavor_name': 'm1.small'}}}])
    assert nested == '0.12'
    other = client.rating.get_quotation(res_data=[{
        'service': 'instance', 'volume': 2,
        'desc': {'flavor_name': 'm1.tiny'}}])
    assert other == '0.02'
    cli('module', 'disable', 'hashmap', '-f', 'json')
    assert client.rating.get_quotation(res_data=[{
        'service': 'instance', 'volume': 2, 'desc': {}}]) == '0'
