"""Hashmap rules in the database: CRUD with the spec's validations.

Every function takes a :class:`cloudkitty.context.RequestContext` first and
returns value objects (:mod:`.objects`); errors are the classes of
:mod:`.errors` (re-exported here). Ids are the public UUID strings; path ids
are not validated (an unknown or malformed id is simply "not found").
Every write bumps the rules generation stamp in the same transaction, so
that rating processes reload their rules (:mod:`cloudkitty.rating.modules`).

Mappings live in :mod:`.mapping_db` and are re-exported here, so callers
only need ``from cloudkitty.rating.hashmap import db as hashmap_db``.
"""

import sqlalchemy as sa
from oslo_db import exception as db_exc

from cloudkitty.db import api as db_api
from cloudkitty.rating import modules
from cloudkitty.rating.hashmap import errors
from cloudkitty.rating.hashmap import models
from cloudkitty.rating.hashmap import objects
from cloudkitty.rating.hashmap import queries
from cloudkitty.rating.hashmap import rules
from cloudkitty.rating.hashmap.errors import *  # noqa: F401,F403
from cloudkitty.rating.hashmap.mapping_db import (  # noqa: F401
    create_mapping, delete_mapping, get_mapping, get_mapping_group,
    list_group_mappings, list_mappings, update_mapping)
from cloudkitty.rating.hashmap.objects import (  # noqa: F401
    Field, Group, Mapping, Service, Threshold)

S = models.HashMapService
F = models.HashMapField
G = models.HashMapGroup
MP = models.HashMapMapping
TH = models.HashMapThreshold


# -- services ---------------------------------------------------------------

@db_api.context_manager.reader
def list_services(context):
    return [objects.service_of(row) for row in context.session.scalars(
        sa.select(S).order_by(S.id))]


@db_api.context_manager.reader
def get_service(context, service_id=None, name=None):
    """By id, or by name when ``name`` is given.

    :raises errors.NoSuchService:
    """
    if name is not None:
        row = context.session.scalars(sa.select(S).where(
            S.name == name)).first()
        if row is None:
            raise errors.NoSuchService(uuid=service_id)
        return objects.service_of(row)
    return objects.service_of(queries.service_row(context.session, service_id))


@db_api.context_manager.writer
def _create_service(context, name):
    name = objects.text('name', name, required=True)
    existing = context.session.scalars(sa.select(S).where(
        S.name == name)).first()
    if existing is not None:
        raise errors.ServiceAlreadyExists(name=name,
                                          uuid=existing.service_id)
    row = S(service_id=queries.new_id(), name=name)
    context.session.add(row)
    context.session.flush()
    modules.bump_rules_generation(context)
    return objects.service_of(row)


def create_service(context, name):
    """:raises errors.ServiceAlreadyExists: duplicate name (409)."""
    try:
        return _create_service(context, name)
    except db_exc.DBDuplicateEntry:
        existing = get_service(context, name=name)
        raise errors.ServiceAlreadyExists(name=name,
                                          uuid=existing.service_id)


def _delete_rules(session, column, values):
    if not values:
        return
    for table in (MP, TH):
        session.execute(sa.delete(table).where(column(table).in_(values)))


@db_api.context_manager.writer
def delete_service(context, service_id):
    """Delete a service, its fields and every rule below them (physical,
    soft-deleted mappings included).

    :raises errors.NoSuchService:
    """
    session = context.session
    row = queries.service_row(session, service_id)
    field_ids = list(session.scalars(sa.select(F.field_id).where(
        F.service_id == service_id)))
    _delete_rules(session, lambda t: t.field_id, field_ids)
    _delete_rules(session, lambda t: t.service_id, [service_id])
    session.execute(sa.delete(F).where(F.service_id == service_id))
    session.delete(row)
    modules.bump_rules_generation(context)


# -- fields -----------------------------------------------------------------

@db_api.context_manager.reader
def list_fields(context, service_id):
    """Fields of a service (unknown service: empty list)."""
    return [objects.field_of(row) for row in context.session.scalars(
        sa.select(F).where(F.service_id == str(service_id))
        .order_by(F.id))]


@db_api.context_manager.reader
def get_field(context, field_id):
    """:raises errors.NoSuchField:"""
    return objects.field_of(queries.field_row(context.session, field_id))


@db_api.context_manager.writer
def _create_field(context, service_id, name):
    name = objects.text('name', name, required=True)
    session = context.session
    queries.service_row(session, service_id, errors.InvalidService)
    existing = session.scalars(sa.select(F).where(
        F.service_id == service_id, F.name == name)).first()
    if existing is not None:
        raise errors.FieldAlreadyExists(name=name, uuid=existing.field_id)
    row = F(field_id=queries.new_id(), name=name, service_id=service_id)
    session.add(row)
    session.flush()
    modules.bump_rules_generation(context)
    return objects.field_of(row)


@db_api.context_manager.reader
def _field_by_name(context, service_id, name):
    return context.session.scalars(sa.select(F).where(
        F.service_id == service_id, F.name == name)).first()


def create_field(context, service_id, name):
    """:raises errors.InvalidService: unknown service (400).
    :raises errors.FieldAlreadyExists: duplicate in the service (409)."""
    try:
        return _create_field(context, service_id, name)
    except db_exc.DBDuplicateEntry:
        existing = _field_by_name(context, service_id, name)
        raise errors.FieldAlreadyExists(name=name, uuid=existing.field_id)


@db_api.context_manager.writer
def delete_field(context, field_id):
    """Delete a field and its rules (physical).

    :raises errors.NoSuchField:
    """
    session = context.session
    row = queries.field_row(session, field_id)
    _delete_rules(session, lambda t: t.field_id, [field_id])
    session.delete(row)
    modules.bump_rules_generation(context)


# -- groups -----------------------------------------------------------------

@db_api.context_manager.reader
def list_groups(context):
    return [objects.group_of(row) for row in context.session.scalars(
        sa.select(G).order_by(G.id))]


@db_api.context_manager.reader
def get_group(context, group_id):
    """:raises errors.NoSuchGroup:"""
    return objects.group_of(queries.group_row(context.session, group_id))


@db_api.context_manager.writer
def _create_group(context, name):
    name = objects.text('name', name, required=True)
    existing = context.session.scalars(sa.select(G).where(
        G.name == name)).first()
    if existing is not None:
        raise errors.GroupAlreadyExists(name=name, uuid=existing.group_id)
    row = G(group_id=queries.new_id(), name=name)
    context.session.add(row)
    context.session.flush()
    modules.bump_rules_generation(context)
    return objects.group_of(row)


@db_api.context_manager.reader
def _group_by_name(context, name):
    return context.session.scalars(sa.select(G).where(G.name == name)).first()


def create_group(context, name):
    """:raises errors.GroupAlreadyExists: duplicate name (409)."""
    try:
        return _create_group(context, name)
    except db_exc.DBDuplicateEntry:
        existing = _group_by_name(context, name)
        raise errors.GroupAlreadyExists(name=name, uuid=existing.group_id)


@db_api.context_manager.writer
def delete_group(context, group_id, recursive=False):
    """Delete a group. ``recursive``: its mappings and thresholds are
    deleted (physical); otherwise they move to the default group.

    :raises errors.NoSuchGroup:
    """
    session = context.session
    row = queries.group_row(session, group_id)
    for table in (MP, TH):
        if recursive:
            session.execute(sa.delete(table).where(
                table.group_id == group_id))
        else:
            session.execute(sa.update(table).where(
                table.group_id == group_id).values(group_id=None))
    session.delete(row)
    modules.bump_rules_generation(context)


@db_api.context_manager.reader
def list_group_thresholds(context, group_id):
    return list_thresholds(context, group_id=group_id)


# -- thresholds -------------------------------------------------------------

@db_api.context_manager.reader
def list_thresholds(context, service_id=None, field_id=None, group_id=None,
                    no_group=False, tenant_id=None, filter_tenant=False):
    """Thresholds of a service, a field and/or a group (one required).

    :raises errors.ThresholdFilterRequired: no service/field/group (400).
    """
    if not (service_id or field_id or group_id):
        raise errors.ThresholdFilterRequired()
    clauses = queries.parent_filters(TH, service_id, field_id, group_id,
                                     no_group, tenant_id, filter_tenant)
    return [objects.threshold_of(row) for row in context.session.scalars(
        sa.select(TH).where(*clauses).order_by(TH.id))]


def _threshold_row(session, threshold_id):
    row = queries.lookup(session, TH.threshold_id, threshold_id)
    if row is None:
        raise errors.NoSuchThreshold(uuid=threshold_id)
    return row


@db_api.context_manager.reader
def get_threshold(context, threshold_id):
    """:raises errors.NoSuchThreshold:"""
    return objects.threshold_of(_threshold_row(context.session,
                                               threshold_id))


@db_api.context_manager.reader
def get_threshold_group(context, threshold_id):
    """:raises errors.ThresholdHasNoGroup: no group or unknown threshold."""
    row = context.session.execute(
        sa.select(G).join(TH, TH.group_id == G.group_id).where(
            TH.threshold_id == threshold_id)).scalars().first()
    if row is None:
        raise errors.ThresholdHasNoGroup(uuid=threshold_id)
    return objects.group_of(row)


def _check_threshold_unique(session, row_id, level, service_id, field_id,
                            tenant_id, sent_level):
    """Same parent + level + tenant (null = null: OUR CHOICE, §12.1 #8)."""
    query = sa.select(TH.threshold_id).where(
        TH.level == level,
        TH.tenant_id.is_(None) if tenant_id is None
        else TH.tenant_id == tenant_id,
        TH.field_id == field_id if field_id else TH.service_id == service_id)
    if row_id is not None:
        query = query.where(TH.id != row_id)
    if session.scalars(query).first() is not None:
        raise errors.ThresholdAlreadyExists(
            level=sent_level,
            parent_type='field' if field_id else 'service',
            parent_id=field_id or service_id, tenant_id=tenant_id)


@db_api.context_manager.writer
def create_threshold(context, level, cost, type=rules.FLAT, service_id=None,
                     field_id=None, group_id=None, tenant_id=None):
    """Create a threshold (spec §3.4.7).

    :raises errors.InvalidAttribute, errors.InvalidType: bad values.
    :raises errors.OneParentOnly, errors.ParentRequired,
        errors.InvalidField, errors.InvalidService, errors.InvalidGroup:
    :raises errors.ThresholdAlreadyExists: same parent, level, tenant.
    """
    stored_level = objects.level(level)
    stored_cost = objects.cost(cost)
    objects.map_type(type)
    tenant_id = objects.text('tenant_id', tenant_id or None)
    session = context.session
    queries.check_parents(session, service_id, field_id, group_id)
    _check_threshold_unique(session, None, stored_level, service_id,
                            field_id, tenant_id, level)
    row = TH(threshold_id=queries.new_id(), level=stored_level,
             cost=stored_cost,
             map_type=type, service_id=None if field_id else service_id,
             field_id=field_id or None, group_id=group_id or None,
             tenant_id=tenant_id)
    session.add(row)
    session.flush()
    modules.bump_rules_generation(context)
    return objects.threshold_of(row)


@db_api.context_manager.writer
def update_threshold(context, threshold_id, level=None, cost=None,
                     type=None, tenant_id=None, group_id=None):
    """Replace level, cost, type (None: ``flat``) and tenant_id (None:
    null); ``group_id`` changes only when given; parents never change.
    An omitted ``level`` keeps the stored one (OUR CHOICE).

    :raises errors.NoSuchThreshold: (404)
    :raises errors.ThresholdAlreadyExists: (409)
    """
    session = context.session
    row = _threshold_row(session, threshold_id)
    stored_level = row.level if level is None else objects.level(level)
    stored_cost = row.cost if cost is None else objects.cost(cost)
    type = objects.map_type(type or rules.FLAT)
    tenant_id = objects.text('tenant_id', tenant_id or None)
    if group_id:
        queries.group_row(session, group_id, errors.InvalidGroup)
    _check_threshold_unique(session, row.id, stored_level, row.service_id,
                            row.field_id, tenant_id,
                            row.level if level is None else level)
    row.level = stored_level
    row.cost = stored_cost
    row.map_type = type
    row.tenant_id = tenant_id
    if group_id:
        row.group_id = group_id
    session.flush()
    modules.bump_rules_generation(context)
    return objects.threshold_of(row)


@db_api.context_manager.writer
def delete_threshold(context, threshold_id):
    """:raises errors.NoSuchThreshold:"""
    session = context.session
    session.delete(_threshold_row(session, threshold_id))
    modules.bump_rules_generation(context)


# -- rating -----------------------------------------------------------------

@db_api.context_manager.reader
def load_ruleset(context):
    """Every rule, for rating: a :class:`rules.RuleSet` (4 queries).

    Soft-deleted mappings are left out; validity windows and tenants are
    kept (the rating index resolves them per period and scope).
    """
    session = context.session
    mappings = {}
    for row in session.execute(sa.select(
            MP.id, MP.mapping_id, MP.value, MP.cost, MP.map_type,
            MP.service_id, MP.field_id, MP.group_id, MP.tenant_id, MP.start,
            MP.end).where(MP.deleted.is_(None)).order_by(MP.id)):
        parent = ('f', row.field_id) if row.field_id else ('s',
                                                          row.service_id)
        mappings.setdefault(parent, []).append(rules.Mapping(
            cost=row.cost, type=row.map_type,
            value=row.value if row.field_id else None,
            group_id=row.group_id, tenant_id=row.tenant_id, start=row.start,
            end=row.end, mapping_id=row.mapping_id, order=row.id))
    thresholds = {}
    for row in session.execute(sa.select(
            TH.id, TH.threshold_id, TH.level, TH.cost, TH.map_type,
            TH.service_id, TH.field_id, TH.group_id, TH.tenant_id).order_by(
            TH.id)):
        parent = ('f', row.field_id) if row.field_id else ('s',
                                                          row.service_id)
        thresholds.setdefault(parent, []).append(rules.Threshold(
            level=row.level, cost=row.cost, type=row.map_type,
            group_id=row.group_id, tenant_id=row.tenant_id,
            threshold_id=row.threshold_id, order=row.id))
    fields = {}
    for row in session.execute(sa.select(F.field_id, F.name, F.service_id)
                               .order_by(F.id)):
        key = ('f', row.field_id)
        fields.setdefault(row.service_id, []).append(rules.Field(
            name=row.name, field_id=row.field_id,
            mappings=tuple(mappings.get(key, ())),
            thresholds=tuple(thresholds.get(key, ()))))
    services = []
    for row in session.execute(sa.select(S.service_id, S.name)
                               .order_by(S.id)):
        key = ('s', row.service_id)
        services.append(rules.Service(
            name=row.name, service_id=row.service_id,
            mappings=tuple(mappings.get(key, ())),
            thresholds=tuple(thresholds.get(key, ())),
            fields=tuple(fields.get(row.service_id, ()))))
    return rules.RuleSet(services=tuple(services))
