"""rating:* rules (v1 modules, quote and module configuration)."""

from cloudkitty.policies import base

LIST_MODULES = 'rating:list_modules'
GET_MODULE = 'rating:get_module'
UPDATE_MODULE = 'rating:update_module'
QUOTE = 'rating:quote'
MODULE_CONFIG = 'rating:module_config'

rules = [
    base.rule(LIST_MODULES, base.ROLE_ADMIN, 'List the rating modules.',
              [('GET', '/v1/rating/modules')]),
    base.rule(GET_MODULE, base.ROLE_ADMIN, 'Get a rating module.',
              [('GET', '/v1/rating/modules/{module_id}')]),
    base.rule(UPDATE_MODULE, base.ROLE_ADMIN,
              'Enable, disable or reprioritise a rating module.',
              [('PUT', '/v1/rating/modules/{module_id}')]),
    base.rule(QUOTE, base.UNPROTECTED, 'Price a resource description.',
              [('POST', '/v1/rating/quote')]),
    base.rule(MODULE_CONFIG, base.ROLE_ADMIN,
              'Configure the rating modules (hashmap and pyscripts rules) '
              'and reload them.',
              [('GET', '/v1/rating/reload_modules'),
               ('GET', '/v1/rating/module_config/*'),
               ('POST', '/v1/rating/module_config/*'),
               ('PUT', '/v1/rating/module_config/*'),
               ('DELETE', '/v1/rating/module_config/*')]),
]


def list_rules():
    return rules
