"""collector:* rules (deprecated v1 collector API)."""

from cloudkitty.policies import base

LIST_MAPPINGS = 'collector:list_mappings'
GET_MAPPING = 'collector:get_mapping'
MANAGE_MAPPING = 'collector:manage_mapping'
GET_STATE = 'collector:get_state'
UPDATE_STATE = 'collector:update_state'

rules = [
    base.rule(LIST_MAPPINGS, base.ROLE_ADMIN, 'List collector mappings.',
              [('GET', '/v1/collector/mappings')]),
    base.rule(GET_MAPPING, base.ROLE_ADMIN, 'Get a collector mapping.',
              [('GET', '/v1/collector/mappings/{service}')]),
    base.rule(MANAGE_MAPPING, base.ROLE_ADMIN,
              'Create or delete a collector mapping.',
              [('POST', '/v1/collector/mappings'),
               ('DELETE', '/v1/collector/mappings/{service}')]),
    base.rule(GET_STATE, base.ROLE_ADMIN, 'Get a collector state.',
              [('GET', '/v1/collector/states')]),
    base.rule(UPDATE_STATE, base.ROLE_ADMIN,
              'Enable or disable a collector.',
              [('PUT', '/v1/collector/states')]),
]


def list_rules():
    return rules
