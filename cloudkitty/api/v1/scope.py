"""Which scopes a v1 report or storage query may cover (§7.2, §9.4).

The scope filter is decided here from the caller's token and the request,
never trusted from the query alone:

* an administrator (or noauth) gets what was asked: ``all_tenants``,
  ``tenant_id``, else (total/summary) the token's own project, or every
  scope when the token has none (noauth);
* any other caller is confined to the token's project: another
  ``tenant_id`` or ``all_tenants`` fails the policy check (403); a token
  without a project gets 403 on total/summary (upstream would show every
  scope) and nothing on dataframes.
"""

from cloudkitty import exception


def _denied(rule):
    return exception.Forbidden(
        message="Policy doesn't allow %s to be performed." % rule)


def report_scopes(ctx, rule, tenant_id=None, all_tenants=False):
    """Scope ids a total/summary covers (None: every scope).

    :raises cloudkitty.exception.Forbidden: policy refusal.
    """
    if not ctx.is_admin and not ctx.project_id:
        raise _denied(rule)
    if all_tenants:
        ctx.can(rule, {'project_id': None})
        return None
    scope = tenant_id or ctx.project_id
    ctx.can(rule, {'project_id': scope})
    return [scope] if scope else None


def storage_scopes(ctx, rule, tenant_id=None):
    """Scope ids a dataframes listing covers (None: every scope; []:
    nothing).

    :raises cloudkitty.exception.Forbidden: policy refusal.
    """
    if ctx.is_admin:
        ctx.can(rule, {'project_id': tenant_id})
        return [tenant_id] if tenant_id else None
    if not ctx.project_id:
        return []
    ctx.can(rule, {'project_id': tenant_id or ctx.project_id})
    return [ctx.project_id]
