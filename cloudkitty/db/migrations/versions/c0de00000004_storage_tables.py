"""Rated storage: one row per rated point, daily and monthly rollups.

Revision ID: c0de00000004
Revises: c0de00000001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from cloudkitty.storage import models as storage_models

revision = 'c0de00000004'
down_revision = 'c0de00000001'
branch_labels = None
depends_on = None

# NOTE(ck): the Amount column type is imported rather than copied: it is a
# storage format (NUMERIC(38,18), plain decimal text on SQLite) that this
# revision and the models must share exactly.
_AMOUNT = storage_models.Amount


def upgrade():
    op.create_table(
        'storage_points',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  autoincrement=True, nullable=False),
        sa.Column('scope_id', sa.String(255), nullable=False),
        sa.Column('begin', sa.DateTime(), nullable=False),
        sa.Column('end', sa.DateTime(), nullable=False),
        sa.Column('type', sa.String(255), nullable=False),
        sa.Column('unit', sa.String(255), nullable=False),
        sa.Column('qty', _AMOUNT(), nullable=False),
        sa.Column('price', _AMOUNT(), nullable=False),
        sa.Column('groupby', sa.Text(), nullable=False),
        sa.Column('metadata', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_storage_points'),
    )
    op.create_index('storage_points_scope_id_begin_idx', 'storage_points',
                    ['scope_id', 'begin'])
    op.create_index('storage_points_begin_end_idx', 'storage_points',
                    ['begin', 'end'])
    for name in ('storage_daily', 'storage_monthly'):
        op.create_table(
            name,
            sa.Column('scope_id', sa.String(255), nullable=False),
            sa.Column('day', sa.Date(), nullable=False),
            sa.Column('type', sa.String(255), nullable=False),
            sa.Column('n', sa.BigInteger(), nullable=False),
            sa.Column('qty', _AMOUNT(), nullable=False),
            sa.Column('price', _AMOUNT(), nullable=False),
            sa.Column('max_end', sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint('scope_id', 'day', 'type',
                                    name='pk_%s' % name),
        )
        op.create_index('%s_day_idx' % name, name, ['day'])
