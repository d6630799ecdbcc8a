"""Lookups shared by the hashmap DB modules (inside their sessions)."""

import uuid

import sqlalchemy as sa

from cloudkitty.rating.hashmap import errors
from cloudkitty.rating.hashmap import models

S = models.HashMapService
F = models.HashMapField
G = models.HashMapGroup


def new_id():
    return str(uuid.uuid4())


def service_row(session, service_id, error=errors.NoSuchService):
    row = session.scalars(sa.select(S).where(
        S.service_id == service_id)).first() if service_id else None
    if row is None:
        raise error(uuid=service_id)
    return row


def field_row(session, field_id, error=errors.NoSuchField):
    row = session.scalars(sa.select(F).where(
        F.field_id == field_id)).first() if field_id else None
    if row is None:
        raise error(uuid=field_id)
    return row


def group_row(session, group_id, error=errors.NoSuchGroup):
    row = session.scalars(sa.select(G).where(
        G.group_id == group_id)).first() if group_id else None
    if row is None:
        raise error(uuid=group_id)
    return row


def check_parents(session, service_id, field_id, group_id):
    """Exactly one parent, existing, and an existing group if any.

    :raises errors.OneParentOnly, errors.ParentRequired,
        errors.InvalidField, errors.InvalidService, errors.InvalidGroup.
    """
    if service_id and field_id:
        raise errors.OneParentOnly()
    if not service_id and not field_id:
        raise errors.ParentRequired()
    if field_id:
        field_row(session, field_id, errors.InvalidField)
    else:
        service_row(session, service_id, errors.InvalidService)
    if group_id:
        group_row(session, group_id, errors.InvalidGroup)


def parent_filters(table, service_id, field_id, group_id, no_group,
                    tenant_id, filter_tenant):
    """WHERE clauses shared by mapping and threshold lists (§3.4.6)."""
    clauses = []
    if service_id:
        clauses.append(table.service_id == service_id)
    elif field_id:
        clauses.append(table.field_id == field_id)
    if group_id:
        clauses.append(table.group_id == group_id)
    elif no_group:
        clauses.append(table.group_id.is_(None))
    if filter_tenant:
        clauses.append(table.tenant_id.is_(None) if tenant_id is None
                       else table.tenant_id == tenant_id)
    return clauses
