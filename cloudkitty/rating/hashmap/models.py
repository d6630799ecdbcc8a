"""Tables of the hashmap module (spec v1 §3.4.1, §4.5).

Each table has an integer ``id`` (creation order, the "DB order" of the
spec) and a public UUID (``service_id``, ``field_id``...). Children refer to
their parents by that public UUID, so an API object is one row without
joins. Physical deletes of children are done explicitly by
:mod:`.db` (SQLite does not enforce foreign keys by default).

Costs are ``NUMERIC(40, 28)`` and levels ``NUMERIC(20, 8)``, through the
shared :class:`cloudkitty.db.models.ExactDecimal` (exact text on SQLite).
"""


import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from cloudkitty.db import models

# NOTE(ck): MySQL DATETIME drops microseconds unless asked; creation times
# and validity windows are shown to the microsecond.
DateTime = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql')


def Cost():
    return models.ExactDecimal(40, 28)


def Level():
    return models.ExactDecimal(20, 8)


class HashMapService(models.Base):
    __tablename__ = 'hashmap_services'
    __table_args__ = (
        sa.UniqueConstraint('service_id',
                            name='uniq_hashmap_services0service_id'),
        sa.UniqueConstraint('name', name='uniq_hashmap_services0name'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    service_id = sa.Column(sa.String(36), nullable=False)
    name = sa.Column(sa.String(255), nullable=False)


class HashMapField(models.Base):
    __tablename__ = 'hashmap_fields'
    __table_args__ = (
        sa.UniqueConstraint('field_id', name='uniq_hashmap_fields0field_id'),
        sa.UniqueConstraint('service_id', 'name',
                            name='uniq_hashmap_fields0service_id0name'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    field_id = sa.Column(sa.String(36), nullable=False)
    name = sa.Column(sa.String(255), nullable=False)
    service_id = sa.Column(
        sa.String(36),
        sa.ForeignKey('hashmap_services.service_id', ondelete='CASCADE',
                      name='fk_hashmap_fields_service_id'),
        nullable=False)


class HashMapGroup(models.Base):
    __tablename__ = 'hashmap_groups'
    __table_args__ = (
        sa.UniqueConstraint('group_id', name='uniq_hashmap_groups0group_id'),
        sa.UniqueConstraint('name', name='uniq_hashmap_groups0name'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    group_id = sa.Column(sa.String(36), nullable=False)
    name = sa.Column(sa.String(255), nullable=False)


def _parents(table):
    """service_id / field_id / group_id columns of a rule table."""
    return (
        sa.Column('service_id', sa.String(36), sa.ForeignKey(
            'hashmap_services.service_id', ondelete='CASCADE',
            name='fk_%s_service_id' % table), nullable=True),
        sa.Column('field_id', sa.String(36), sa.ForeignKey(
            'hashmap_fields.field_id', ondelete='CASCADE',
            name='fk_%s_field_id' % table), nullable=True),
        sa.Column('group_id', sa.String(36), sa.ForeignKey(
            'hashmap_groups.group_id', ondelete='SET NULL',
            name='fk_%s_group_id' % table), nullable=True),
    )


class HashMapMapping(models.Base):
    """A flat/rate cost with a validity window; soft-deleted."""

    __tablename__ = 'hashmap_mappings'
    __table_args__ = (
        sa.UniqueConstraint('mapping_id',
                            name='uniq_hashmap_mappings0mapping_id'),
        sa.Index('hashmap_mappings_service_id_idx', 'service_id'),
        sa.Index('hashmap_mappings_field_id_idx', 'field_id'),
        sa.Index('hashmap_mappings_group_id_idx', 'group_id'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    mapping_id = sa.Column(sa.String(36), nullable=False)
    value = sa.Column(sa.String(255), nullable=True)
    cost = sa.Column(Cost(), nullable=False)
    map_type = sa.Column(sa.String(8), nullable=False)
    service_id, field_id, group_id = _parents('hashmap_mappings')
    tenant_id = sa.Column(sa.String(255), nullable=True)
    created_at = sa.Column(DateTime, nullable=False)
    start = sa.Column(DateTime, nullable=False)
    end = sa.Column(DateTime, nullable=True)
    name = sa.Column(sa.String(255), nullable=False)
    description = sa.Column(sa.String(256), nullable=True)
    deleted = sa.Column(DateTime, nullable=True)
    created_by = sa.Column(sa.String(255), nullable=False)
    updated_by = sa.Column(sa.String(255), nullable=True)
    deleted_by = sa.Column(sa.String(255), nullable=True)


class HashMapThreshold(models.Base):
    """A cost applying from a level on; no validity window."""

    __tablename__ = 'hashmap_thresholds'
    __table_args__ = (
        sa.UniqueConstraint('threshold_id',
                            name='uniq_hashmap_thresholds0threshold_id'),
        sa.Index('hashmap_thresholds_service_id_idx', 'service_id'),
        sa.Index('hashmap_thresholds_field_id_idx', 'field_id'),
        sa.Index('hashmap_thresholds_group_id_idx', 'group_id'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    threshold_id = sa.Column(sa.String(36), nullable=False)
    level = sa.Column(Level(), nullable=False)
    cost = sa.Column(Cost(), nullable=False)
    map_type = sa.Column(sa.String(8), nullable=False)
    service_id, field_id, group_id = _parents('hashmap_thresholds')
    tenant_id = sa.Column(sa.String(255), nullable=True)
