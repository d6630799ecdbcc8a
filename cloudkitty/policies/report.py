"""report:* rules."""

from cloudkitty.policies import base

LIST_TENANTS = 'report:list_tenants'
GET_TOTAL = 'report:get_total'
GET_SUMMARY = 'report:get_summary'
EXPORT = 'report:export'

rules = [
    base.rule(LIST_TENANTS, base.ROLE_ADMIN,
              'List the scopes with rated data in a window.',
              [('GET', '/v1/report/tenants')]),
    base.rule(GET_TOTAL, base.PROJECT_READER_OR_ADMIN,
              'Total price of a scope (or of all scopes, admin).',
              [('GET', '/v1/report/total')]),
    base.rule(GET_SUMMARY, base.PROJECT_READER_OR_ADMIN,
              'Prices grouped by scope and/or type.',
              [('GET', '/v1/report/summary')]),
    base.rule(EXPORT, base.PROJECT_READER_OR_ADMIN,
              'Export rated points (CSV, JSON Lines, FOCUS) of a scope '
              '(or of all scopes, admin).',
              [('GET', '/v1/report/export')]),
]


def list_rules():
    return rules
