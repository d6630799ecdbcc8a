"""Shared check strings and the base rules other rules refer to."""

from oslo_policy import policy

ROLE_ADMIN = 'role:admin'
UNPROTECTED = ''
PROJECT_READER_OR_ADMIN = 'rule:project_reader_or_admin'
PROJECT_MEMBER_OR_ADMIN = 'rule:project_member_or_admin'

SCOPE_TYPES = ['project']

rules = [
    policy.RuleDefault('context_is_admin', ROLE_ADMIN,
                       description='Decides who is an administrator.'),
    policy.RuleDefault(
        'admin_or_owner',
        'is_admin:True or (role:admin and is_admin_project:True) or '
        'project_id:%(project_id)s',
        description='Deprecated: administrator or owner of the project.'),
    policy.RuleDefault('default', UNPROTECTED,
                       description='Rule used when none is defined.'),
    policy.RuleDefault('project_member_api',
                       'role:member and project_id:%(project_id)s',
                       description='Member of the target project.'),
    policy.RuleDefault('project_reader_api',
                       'role:reader and project_id:%(project_id)s',
                       description='Reader of the target project.'),
    policy.RuleDefault('project_member_or_admin',
                       'rule:project_member_api or rule:context_is_admin',
                       description='Member of the project or administrator.'),
    policy.RuleDefault('project_reader_or_admin',
                       'rule:project_reader_api or rule:context_is_admin',
                       description='Reader of the project or administrator.'),
]


def rule(name, check_str, description, operations):
    """A DocumentedRuleDefault scoped to projects."""
    return policy.DocumentedRuleDefault(
        name=name, check_str=check_str, description=description,
        operations=[{'path': p, 'method': m} for m, p in operations],
        scope_types=SCOPE_TYPES)


def list_rules():
    return rules
