"""Storage of the deprecated v1 collector API (§3.8).

Service-to-collector mappings (table ``collector_mappings``) and collector
enabled flags (table ``modules_state`` under ``collector_<name>``, so a
collector named like a rating module never collides with it). Neither
influences rating: the collector is chosen by ``[collect] collector``. They
are kept because CLI commands still read and write them.
"""

import dataclasses

import sqlalchemy as sa

from cloudkitty.db import api as db_api
from cloudkitty.db import models
from cloudkitty import exception

STATE_PREFIX = 'collector_'


class NoSuchMapping(exception.NotFound):
    msg_fmt = 'No mapping for service: %(service)s'


@dataclasses.dataclass(frozen=True)
class Mapping:
    service: str
    collector: str


@db_api.context_manager.reader
def list_mappings(context, collector=None):
    """Every mapping, sorted by service; only ``collector``'s if given."""
    query = sa.select(models.CollectorMapping).order_by(
        models.CollectorMapping.service)
    if collector is not None:
        query = query.where(models.CollectorMapping.collector == collector)
    return [Mapping(row.service, row.collector)
            for row in context.session.scalars(query)]


@db_api.context_manager.reader
def get_mapping(context, service):
    """:raises NoSuchMapping:"""
    row = context.session.get(models.CollectorMapping, service)
    if row is None:
        raise NoSuchMapping(service=service)
    return Mapping(row.service, row.collector)


@db_api.context_manager.writer
def set_mapping(context, service, collector):
    """Create the mapping of ``service`` or re-point it (upsert)."""
    row = context.session.get(models.CollectorMapping, service)
    if row is None:
        context.session.add(models.CollectorMapping(service=service,
                                                    collector=collector))
    else:
        row.collector = collector
    return Mapping(service, collector)


@db_api.context_manager.writer
def delete_mapping(context, service):
    """:raises NoSuchMapping:"""
    deleted = context.session.execute(
        sa.delete(models.CollectorMapping).where(
            models.CollectorMapping.service == service)).rowcount
    if not deleted:
        raise NoSuchMapping(service=service)


@db_api.context_manager.reader
def get_state(context, name):
    """Enabled flag of collector ``name`` (False when never set)."""
    row = context.session.get(models.ModuleState, STATE_PREFIX + name)
    return bool(row.state) if row is not None else False


@db_api.context_manager.writer
def set_state(context, name, enabled):
    """Set the enabled flag of collector ``name``; returns it."""
    row = context.session.get(models.ModuleState, STATE_PREFIX + name)
    if row is None:
        context.session.add(models.ModuleState(name=STATE_PREFIX + name,
                                               state=bool(enabled)))
    else:
        row.state = bool(enabled)
    return bool(enabled)
