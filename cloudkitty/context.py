"""Request context: who is calling, and the enginefacade transaction state."""

from oslo_context import context as oslo_context
from oslo_db.sqlalchemy import enginefacade


@enginefacade.transaction_context_provider
class RequestContext(oslo_context.RequestContext):
    """oslo.context RequestContext that can run policy checks and DB work."""

    def can(self, action, target=None, fatal=True):
        """Check ``action`` for this caller.

        :param action: policy rule name, e.g. ``report:get_total``.
        :param target: policy target; ``{"project_id": <scope>}`` for
            report and storage rules, ``{}`` otherwise.
        :param fatal: raise instead of returning False.
        :raises cloudkitty.exception.Forbidden: when denied and ``fatal``.
        """
        # NOTE(ck): imported on first use: oslo.policy and the rule
        # defaults cost ~60 ms of start-up to the processor and commands,
        # which only use admin contexts and never check a rule.
        from cloudkitty import policy
        return policy.authorize(self, action, target or {}, fatal=fatal)

    @property
    def audit_user(self):
        """User id recorded in created_by/updated_by/deleted_by."""
        return self.user_id or 'unknown'


def get_admin_context():
    """Context of the service itself (processor, commands)."""
    return RequestContext(is_admin=True, overwrite=False)
