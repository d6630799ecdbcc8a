"""Core tables: module states, collector mappings, scope states.

Revision ID: c0de00000001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = 'c0de00000001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'modules_state',
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('state', sa.Boolean(), nullable=False),
        sa.Column('priority', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('name', name='pk_modules_state'),
    )
    op.create_table(
        'collector_mappings',
        sa.Column('service', sa.String(255), nullable=False),
        sa.Column('collector', sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint('service', name='pk_collector_mappings'),
    )
    op.create_table(
        'scope_state',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('identifier', sa.String(255), nullable=False),
        sa.Column('scope_key', sa.String(255), nullable=False),
        sa.Column('fetcher', sa.String(255), nullable=True),
        sa.Column('collector', sa.String(255), nullable=True),
        sa.Column('last_processed_timestamp', sa.DateTime(), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('scope_activation_toggle_date', sa.DateTime(),
                  nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name='pk_scope_state'),
        sa.UniqueConstraint('identifier', name='uniq_scope_state0identifier'),
    )
