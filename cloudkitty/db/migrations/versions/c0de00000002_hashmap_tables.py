"""Hashmap rating module tables.

Revision ID: c0de00000002
Revises: c0de00000004
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from cloudkitty.rating.hashmap import models as hashmap_models

revision = 'c0de00000002'
down_revision = 'c0de00000004'
branch_labels = None
depends_on = None

# NOTE(ck): the column types come from the models module on purpose: the
# exact-decimal type and the microsecond DATETIME variant must be the same
# objects on both sides for the models/migrations comparison.
DateTime = hashmap_models.DateTime


def _parents(table):
    return [
        sa.Column('service_id', sa.String(36), nullable=True),
        sa.Column('field_id', sa.String(36), nullable=True),
        sa.Column('group_id', sa.String(36), nullable=True),
        sa.ForeignKeyConstraint(['service_id'],
                                ['hashmap_services.service_id'],
                                name='fk_%s_service_id' % table,
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['field_id'], ['hashmap_fields.field_id'],
                                name='fk_%s_field_id' % table,
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['group_id'], ['hashmap_groups.group_id'],
                                name='fk_%s_group_id' % table,
                                ondelete='SET NULL'),
    ]


def upgrade():
    op.create_table(
        'hashmap_services',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('service_id', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_hashmap_services'),
        sa.UniqueConstraint('service_id',
                            name='uniq_hashmap_services0service_id'),
        sa.UniqueConstraint('name', name='uniq_hashmap_services0name'),
    )
    op.create_table(
        'hashmap_groups',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('group_id', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_hashmap_groups'),
        sa.UniqueConstraint('group_id', name='uniq_hashmap_groups0group_id'),
        sa.UniqueConstraint('name', name='uniq_hashmap_groups0name'),
    )
    op.create_table(
        'hashmap_fields',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('field_id', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('service_id', sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_hashmap_fields'),
        sa.UniqueConstraint('field_id', name='uniq_hashmap_fields0field_id'),
        sa.UniqueConstraint('service_id', 'name',
                            name='uniq_hashmap_fields0service_id0name'),
        sa.ForeignKeyConstraint(['service_id'],
                                ['hashmap_services.service_id'],
                                name='fk_hashmap_fields_service_id',
                                ondelete='CASCADE'),
    )
    op.create_table(
        'hashmap_mappings',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('mapping_id', sa.String(36), nullable=False),
        sa.Column('value', sa.String(255), nullable=True),
        sa.Column('cost', hashmap_models.Cost(), nullable=False),
        sa.Column('map_type', sa.String(8), nullable=False),
        *_parents('hashmap_mappings'),
        sa.Column('tenant_id', sa.String(255), nullable=True),
        sa.Column('created_at', DateTime, nullable=False),
        sa.Column('start', DateTime, nullable=False),
        sa.Column('end', DateTime, nullable=True),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('description', sa.String(256), nullable=True),
        sa.Column('deleted', DateTime, nullable=True),
        sa.Column('created_by', sa.String(255), nullable=False),
        sa.Column('updated_by', sa.String(255), nullable=True),
        sa.Column('deleted_by', sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint('id', name='pk_hashmap_mappings'),
        sa.UniqueConstraint('mapping_id',
                            name='uniq_hashmap_mappings0mapping_id'),
    )
    op.create_table(
        'hashmap_thresholds',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('threshold_id', sa.String(36), nullable=False),
        sa.Column('level', hashmap_models.Level(), nullable=False),
        sa.Column('cost', hashmap_models.Cost(), nullable=False),
        sa.Column('map_type', sa.String(8), nullable=False),
        *_parents('hashmap_thresholds'),
        sa.Column('tenant_id', sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint('id', name='pk_hashmap_thresholds'),
        sa.UniqueConstraint('threshold_id',
                            name='uniq_hashmap_thresholds0threshold_id'),
    )
    for table in ('hashmap_mappings', 'hashmap_thresholds'):
        for column in ('service_id', 'field_id', 'group_id'):
            op.create_index('%s_%s_idx' % (table, column), table, [column])
