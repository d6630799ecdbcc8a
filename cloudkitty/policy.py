"""oslo.policy enforcement: one Enforcer per configuration."""

from oslo_policy import opts as policy_opts
from oslo_policy import policy as oslo_policy

from cloudkitty import exception
from cloudkitty import policies

_ENFORCERS = {}


def get_enforcer(conf=None):
    """Entry point of ``oslo.policy.enforcer`` (and our own accessor).

    :param conf: the service configuration; when called by the oslo.policy
        tools without one, a fresh configuration parsed from the command
        line is used.
    """
    if conf is None:
        import sys

        from oslo_config import cfg
        conf = cfg.ConfigOpts()
        policy_opts.set_defaults(conf)
        conf(sys.argv[1:], project='cloudkitty')
    key = id(conf)
    enforcer = _ENFORCERS.get(key)
    if enforcer is None:
        policy_opts.set_defaults(conf)
        enforcer = oslo_policy.Enforcer(conf)
        enforcer.register_defaults(policies.list_rules())
        _ENFORCERS[key] = enforcer
    return enforcer


def init(conf):
    """Create the enforcer of ``conf`` and load the policy file now."""
    enforcer = get_enforcer(conf)
    enforcer.load_rules()
    return enforcer


_CURRENT = {'conf': None}


def set_conf(conf):
    """Make ``conf`` the configuration whose enforcer contexts use."""
    _CURRENT['conf'] = conf
    init(conf)


def reset():
    """Forget every enforcer (tests)."""
    _ENFORCERS.clear()
    _CURRENT['conf'] = None


def is_admin(context):
    """Whether ``context`` passes the ``context_is_admin`` rule (v1 spec
    §9.1; ``role:admin`` by default): who is an administrator is the
    policy's to say, not the name of a role."""
    conf = _CURRENT['conf']
    if conf is None:
        raise RuntimeError('policy.set_conf() was not called')
    credentials = context.to_policy_values()
    try:
        return bool(get_enforcer(conf).enforce('context_is_admin', {},
                                               credentials))
    except oslo_policy.InvalidScope:
        return False


def authorize(context, action, target, fatal=True):
    """Check ``action`` on ``target`` for ``context``.

    ``context.is_admin`` set without roles (noauth, the processor) passes
    every rule.
    """
    if context.is_admin and not context.roles:
        return True
    conf = _CURRENT['conf']
    if conf is None:
        raise RuntimeError('policy.set_conf() was not called')
    enforcer = get_enforcer(conf)
    credentials = context.to_policy_values()
    try:
        return enforcer.authorize(action, target, credentials,
                                  do_raise=fatal,
                                  exc=exception.Forbidden,
                                  message="Policy doesn't allow %s to be "
                                          "performed." % action)
    except oslo_policy.InvalidScope:
        if fatal:
            raise exception.Forbidden(
                message="Policy doesn't allow %s to be performed." % action)
        return False
