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


def is_id(value):
    """Whether ``value`` can be looked up (a non-empty string): anything
    else is simply "not found", never a database type error."""
    return isinstance(value, str) and bool(value)


def lookup(session, column, value):
    """The row whose ``column`` (a mapped attribute) equals ``value``."""
    if not is_id(value):
        return None
    return session.scalars(sa.select(column.class_).where(
        column == value)).first()


def service_row(session, service_id, error=errors.NoSuchService):
    row = lookup(session, S.service_id, service_id)
    if row is None:
        raise error(uuid=service_id)
    return row


def field_row(session, field_id, error=errors.NoSuchField):
    row = lookup(session, F.field_id, field_id)
    if row is None:
        raise error(uuid=field_id)
    return row


def group_row(session, group_id, error=errors.NoSuchGroup):
    row = lookup(session, G.group_id, group_id)
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
    """WHERE clauses shared by mapping and threshold lists (§3.4.6).

    Values are compared as text (a stray number is just "unknown").
    """
    clauses = []
    if service_id:
        clauses.append(table.service_id == str(service_id))
    elif field_id:
        clauses.append(table.field_id == str(field_id))
    if group_id:
        clauses.append(table.group_id == str(group_id))
    elif no_group:
        clauses.append(table.group_id.is_(None))
    if filter_tenant:
        clauses.append(table.tenant_id.is_(None) if not tenant_id
                       else table.tenant_id == str(tenant_id))
    return clauses
