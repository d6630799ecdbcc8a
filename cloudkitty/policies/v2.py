"""Rules of the v2 API (summary, dataframes, scopes, tasks, modules)."""

from cloudkitty.policies import base

DATAFRAMES_ADD = 'dataframes:add'
DATAFRAMES_GET = 'dataframes:get'
LIST_MODULES = 'v2_rating:list_modules'
GET_MODULE = 'v2_rating:get_module'
UPDATE_MODULE = 'v2_rating:update_module'
SCOPE_GET_STATE = 'scope:get_state'
SCOPE_RESET_STATE = 'scope:reset_state'
SCOPE_PATCH_STATE = 'scope:patch_state'
SCOPE_POST_STATE = 'scope:post_state'
SUMMARY_GET = 'summary:get_summary'
TASK_REPROCESSES = 'schedule:task_reprocesses'
GET_TASK_REPROCESSES = 'schedule:get_task_reprocesses'

rules = [
    base.rule(DATAFRAMES_ADD, base.ROLE_ADMIN, 'Push rated data frames.',
              [('POST', '/v2/dataframes')]),
    base.rule(DATAFRAMES_GET, base.PROJECT_READER_OR_ADMIN,
              'Read rated data frames.', [('GET', '/v2/dataframes')]),
    base.rule(LIST_MODULES, base.ROLE_ADMIN, 'List the rating modules.',
              [('GET', '/v2/rating/modules')]),
    base.rule(GET_MODULE, base.ROLE_ADMIN, 'Get a rating module.',
              [('GET', '/v2/rating/modules/{module_id}')]),
    base.rule(UPDATE_MODULE, base.ROLE_ADMIN, 'Update a rating module.',
              [('PUT', '/v2/rating/modules/{module_id}')]),
    base.rule(SCOPE_GET_STATE, base.ROLE_ADMIN, 'List scope states.',
              [('GET', '/v2/scope')]),
    base.rule(SCOPE_RESET_STATE, base.ROLE_ADMIN, 'Reset scope states.',
              [('PUT', '/v2/scope')]),
    base.rule(SCOPE_PATCH_STATE, base.ROLE_ADMIN, 'Update a scope state.',
              [('PATCH', '/v2/scope')]),
    base.rule(SCOPE_POST_STATE, base.ROLE_ADMIN, 'Create a scope state.',
              [('POST', '/v2/scope')]),
    base.rule(SUMMARY_GET, base.PROJECT_READER_OR_ADMIN,
              'Summary of rated data.', [('GET', '/v2/summary')]),
    base.rule(TASK_REPROCESSES, base.ROLE_ADMIN,
              'Schedule reprocessing tasks.',
              [('POST', '/v2/task/reprocesses')]),
    base.rule(GET_TASK_REPROCESSES, base.ROLE_ADMIN,
              'List reprocessing tasks.',
              [('GET', '/v2/task/reprocesses')]),
]


def list_rules():
    return rules
