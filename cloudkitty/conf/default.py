"""[DEFAULT] options owned by CloudKitty."""

from oslo_config import cfg

OPTS = [
    cfg.StrOpt('auth_strategy',
               default='keystone',
               choices=[('keystone', 'Validate tokens with keystonemiddleware '
                                     'and apply the policy rules.'),
                        ('noauth', 'No authentication: every caller is an '
                                   'administrator. For tests and demos.')],
               help='Authentication strategy of the API.'),
]


def register_opts(conf):
    conf.register_opts(OPTS)


def list_opts():
    return [('DEFAULT', OPTS)]
