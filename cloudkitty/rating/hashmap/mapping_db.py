"""Hashmap mappings in the database (spec v1 §3.4.6, §4.6, §4.7).

Mappings carry a validity window, audit fields and a soft delete: a
deleted mapping keeps its row (``deleted``/``deleted_by`` set), disappears
from lists and from rating, and can still be read by id.
"""

import uuid

import sqlalchemy as sa

from cloudkitty.db import api as db_api
from cloudkitty.rating import modules
from cloudkitty.rating import validity
from cloudkitty.rating.hashmap import errors
from cloudkitty.rating.hashmap import models
from cloudkitty.rating.hashmap import objects
from cloudkitty.rating.hashmap import queries
from cloudkitty.rating.hashmap import rules

MP = models.HashMapMapping
G = models.HashMapGroup
MAX_DESCRIPTION = 256

# attributes of a mapping as the API shows them (comparisons on update)
_ATTRIBUTES = frozenset(
    field.name for field in objects.Mapping.__dataclass_fields__.values())


def _description(value):
    return objects.text('description', value, MAX_DESCRIPTION)


def _conflict(value, service_id, field_id, tenant_id):
    return errors.MappingAlreadyExists(
        value=value or '', parent_type='field' if field_id else 'service',
        parent_id=field_id or service_id, tenant_id=tenant_id)


def _overlaps(start, end, other_start, other_end):
    """The upstream overlap test (spec §4.7), reproduced exactly: the new
    rule is ``[start, end)``, the existing one ``[other_start, other_end)``;
    None is open."""
    if end is not None:
        return other_start < end and (other_end is None
                                      or other_end >= start)
    return other_start > start or other_end is None


def _check_unique(session, row_id, name, value, service_id, field_id,
                  group_id, tenant_id, start, end):
    """Global name uniqueness and same-key overlap among live mappings.

    :raises errors.MappingAlreadyExists:
    """
    live = [MP.deleted.is_(None)]
    if row_id is not None:
        live.append(MP.id != row_id)
    if name is not None and session.scalars(sa.select(MP.id).where(
            MP.name == name, *live)).first() is not None:
        raise _conflict(value, service_id, field_id, tenant_id)
    query = sa.select(MP.start, MP.end).where(
        *live,
        MP.field_id == field_id if field_id
        else MP.service_id == service_id,
        MP.value == value if value is not None else MP.value.is_(None),
        MP.tenant_id == tenant_id if tenant_id is not None
        else MP.tenant_id.is_(None),
        MP.group_id == group_id if group_id is not None
        else MP.group_id.is_(None))
    for other_start, other_end in session.execute(query):
        if _overlaps(start, end, other_start, other_end):
            raise _conflict(value, service_id, field_id, tenant_id)


@db_api.context_manager.writer
def create_mapping(context, cost, type=rules.FLAT, value=None,
                   service_id=None, field_id=None, group_id=None,
                   tenant_id=None, start=None, end=None, name=None,
                   description=None, force=False, user=None, now=None):
    """Create a mapping; checks in the order of spec §3.4.6.

    :param value: ``""`` and None both mean "no value".
    :param start: default now; in the past only with ``force``.
    :param end: already normalised (a bare date is 23:59:59, see
        :func:`cloudkitty.rating.validity.normalize_end`).
    :param user: audit user (default: the context's).
    :raises errors.InvalidAttribute, errors.InvalidType: bad values (400).
    :raises validity.StartInPast, validity.StartAfterEnd: (400).
    :raises errors.OneParentOnly, errors.ParentRequired,
        errors.ValueWithService, errors.ValueRequired: (400).
    :raises errors.InvalidField, errors.InvalidService,
        errors.InvalidGroup: unknown parent/group (400).
    :raises errors.MappingAlreadyExists: (409).
    """
    stored_cost = objects.cost(cost)
    objects.map_type(type)
    _description(description)
    for attr, text in (('value', value), ('tenant_id', tenant_id),
                       ('name', name)):
        objects.text(attr, text or None)
    now = validity.naive_utc(now) or validity.utcnow()
    start, end = validity.check_create(start, end, now=now, force=force)
    if service_id and field_id:
        raise errors.OneParentOnly()
    if not service_id and not field_id:
        raise errors.ParentRequired()
    if service_id and value:
        raise errors.ValueWithService()
    if field_id and not value:
        raise errors.ValueRequired()
    value = value or None
    # NOTE(ck): an empty project id would make a rule no scope can match.
    tenant_id = tenant_id or None
    session = context.session
    if field_id:
        queries.field_row(session, field_id, errors.InvalidField)
    else:
        queries.service_row(session, service_id, errors.InvalidService)
    if group_id:
        queries.group_row(session, group_id, errors.InvalidGroup)
    name = name or uuid.uuid4().hex
    _check_unique(session, None, name, value, service_id, field_id,
                  group_id or None, tenant_id, start, end)
    row = MP(mapping_id=queries.new_id(), value=value, cost=stored_cost,
             map_type=type, service_id=None if field_id else service_id,
             field_id=field_id or None, group_id=group_id or None,
             tenant_id=tenant_id, created_at=now, start=start, end=end,
             name=name, description=description,
             created_by=user or context.audit_user)
    session.add(row)
    session.flush()
    modules.bump_rules_generation(context)
    return objects.mapping_of(row)


def _live_row(session, mapping_id):
    row = queries.lookup(session, MP.mapping_id, mapping_id)
    if row is None or row.deleted is not None:
        raise errors.NoSuchMapping(uuid=mapping_id)
    return row


@db_api.context_manager.writer
def update_mapping(context, mapping_id, sent, user=None, now=None):
    """Update a mapping following its validity window (spec §4.6).

    :param sent: the attributes the caller sent, by API name (absent ones
        left out); ``cost`` is required when the mapping has not started.
    :returns: the updated mapping.
    :raises errors.NoSuchMapping: unknown or deleted (404).
    :raises validity.RuleRunning, validity.EndInPast,
        validity.RuleFinished, validity.StartInPast,
        validity.StartAfterEnd: (400).
    :raises errors.MappingAlreadyExists: the new window overlaps (409).
    """
    session = context.session
    row = _live_row(session, mapping_id)
    now = validity.naive_utc(now) or validity.utcnow()
    current = objects.mapping_of(row)
    stored = {name: getattr(current, name) for name in _ATTRIBUTES}
    relevant = {key: val for key, val in sent.items() if key in _ATTRIBUTES}
    changed = validity.changed_attributes(relevant, stored)
    plan = validity.check_update(row.start, row.end, changed,
                                 start=sent.get('start'),
                                 end=sent.get('end'), now=now)
    if plan.only_end:
        row.end = plan.end
    else:
        if sent.get('cost') is None:
            raise errors.InvalidAttribute(attr='cost', value=None,
                                          reason='Mandatory field missing.')
        stored_cost = objects.cost(sent['cost'])
        description = _description(sent.get('description'))
        _check_unique(session, row.id, None, row.value, row.service_id,
                      row.field_id, row.group_id, row.tenant_id,
                      plan.start, plan.end)
        row.cost = stored_cost
        row.start = plan.start
        row.end = plan.end
        row.description = description
    row.updated_by = user or context.audit_user
    session.flush()
    modules.bump_rules_generation(context)
    return objects.mapping_of(row)


@db_api.context_manager.writer
def delete_mapping(context, mapping_id, user=None, now=None):
    """Soft delete.

    :raises errors.NoSuchMapping: unknown or already deleted (404).
    """
    row = _live_row(context.session, mapping_id)
    row.deleted = validity.naive_utc(now) or validity.utcnow()
    row.deleted_by = user or context.audit_user
    context.session.flush()
    modules.bump_rules_generation(context)


@db_api.context_manager.reader
def get_mapping(context, mapping_id):
    """A mapping by id, soft-deleted ones included.

    :raises errors.NoSuchMapping:
    """
    row = queries.lookup(context.session, MP.mapping_id, mapping_id)
    if row is None:
        raise errors.NoSuchMapping(uuid=mapping_id)
    return objects.mapping_of(row)


@db_api.context_manager.reader
def get_mapping_group(context, mapping_id):
    """:raises errors.MappingHasNoGroup: no group or unknown mapping."""
    row = context.session.execute(
        sa.select(G).join(MP, MP.group_id == G.group_id).where(
            MP.mapping_id == mapping_id)).scalars().first()
    if row is None:
        raise errors.MappingHasNoGroup(uuid=mapping_id)
    return objects.group_of(row)


def _like(text):
    escaped = (text.replace('\\', '\\\\').replace('%', '\\%')
               .replace('_', '\\_'))
    return '%' + escaped + '%'


@db_api.context_manager.reader
def list_mappings(context, service_id=None, field_id=None, group_id=None,
                  no_group=False, tenant_id=None, filter_tenant=False,
                  deleted=False, start=None, end=None, created_by=None,
                  updated_by=None, deleted_by=None, description=None,
                  is_active=None, now=None):
    """Mappings matching every given filter (spec §3.4.6), one query.

    ``service_id`` wins over ``field_id``; ``no_group`` is ignored with
    ``group_id``; ``filter_tenant`` compares ``tenant_id`` including null;
    ``start``: ``start >= start``; ``end``: ``end < end``; ``description``:
    case-insensitive substring; ``is_active`` True: in force now and not
    deleted, False: the others.
    """
    clauses = queries.parent_filters(MP, service_id, field_id, group_id,
                                     no_group, tenant_id, filter_tenant)
    if not deleted:
        clauses.append(MP.deleted.is_(None))
    if start is not None:
        clauses.append(MP.start >= validity.naive_utc(start))
    if end is not None:
        clauses.append(MP.end < validity.naive_utc(end))
    for column, wanted in ((MP.created_by, created_by),
                           (MP.updated_by, updated_by),
                           (MP.deleted_by, deleted_by)):
        if wanted is not None:
            clauses.append(column == wanted)
    if description:
        clauses.append(MP.description.ilike(_like(description),
                                            escape='\\'))
    if is_active is not None:
        now = validity.naive_utc(now) or validity.utcnow()
        active = sa.and_(MP.start <= now,
                         sa.or_(MP.end.is_(None), MP.end > now),
                         MP.deleted.is_(None))
        clauses.append(active if is_active else sa.not_(active))
    return [objects.mapping_of(row) for row in context.session.scalars(
        sa.select(MP).where(*clauses).order_by(MP.id))]


@db_api.context_manager.reader
def list_group_mappings(context, group_id):
    """Live mappings of a group."""
    return list_mappings(context, group_id=group_id)
