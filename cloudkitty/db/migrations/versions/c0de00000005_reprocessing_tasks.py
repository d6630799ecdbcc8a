"""Reprocessing schedules (``/v2/task/reprocesses``).

Revision ID: c0de00000005
Revises: c0de00000002
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = 'c0de00000005'
down_revision = 'c0de00000002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reprocessing_tasks',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('identifier', sa.String(255), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('start_reprocess_time', sa.DateTime(), nullable=False),
        sa.Column('end_reprocess_time', sa.DateTime(), nullable=False),
        sa.Column('current_reprocess_time', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name='pk_reprocessing_tasks'),
    )
    op.create_index('reprocessing_tasks_identifier_idx',
                    'reprocessing_tasks', ['identifier'])
