"""PyScripts table.

Revision ID: c0de00000003
Revises: c0de00000005
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = 'c0de00000003'
down_revision = 'c0de00000005'
branch_labels = None
depends_on = None


def upgrade():
    # NOTE(ck): microseconds kept on MariaDB too.
    dt = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql')
    op.create_table(
        'pyscripts_scripts',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('script_id', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('live_name', sa.String(255), nullable=True),
        sa.Column('data', sa.Text().with_variant(mysql.LONGTEXT(), 'mysql'),
                  nullable=False),
        sa.Column('checksum', sa.String(128), nullable=False),
        sa.Column('created_at', dt, nullable=False),
        sa.Column('start', dt, nullable=False),
        sa.Column('end', dt, nullable=True),
        sa.Column('description', sa.String(256), nullable=True),
        sa.Column('deleted', dt, nullable=True),
        sa.Column('created_by', sa.String(255), nullable=True),
        sa.Column('updated_by', sa.String(255), nullable=True),
        sa.Column('deleted_by', sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint('id', name='pk_pyscripts_scripts'),
        sa.UniqueConstraint('script_id',
                            name='uniq_pyscripts_scripts0script_id'),
        sa.UniqueConstraint('live_name',
                            name='uniq_pyscripts_scripts0live_name'),
    )
