"""dashboard moves by step: an index that covers what the dashboard reads of a window's first day
(the step, group, moves and updates), so those steps are read from the index alone; the log of
stale-kind deliverables' changes by data version, so a cached stale count is brought up to date
instead of counted again

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-09 10:00:00

"""
from alembic import op
import sqlalchemy as sa

import coalition.database


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('dashboard_moves_by_step', schema=None) as batch_op:
        batch_op.create_index('ix_dashboard_moves_by_step_at_moved', ['at', 'group_id', 'moved', 'updates'],
                              unique=False)
        batch_op.drop_index('ix_dashboard_moves_by_step_at')
    op.create_table('dashboard_stale_changes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('band', sa.SmallInteger(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('last_update_at', coalition.database.UTCDateTime(), nullable=True),
    sa.Column('sign', sa.SmallInteger(), nullable=False),
    sa.Column('created_at', coalition.database.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dashboard_stale_changes'))
    )
    with op.batch_alter_table('dashboard_stale_changes', schema=None) as batch_op:
        batch_op.create_index('ix_dashboard_stale_changes_version', ['version'], unique=False)
        batch_op.create_index('ix_dashboard_stale_changes_created_at', ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('dashboard_stale_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_dashboard_stale_changes_created_at')
        batch_op.drop_index('ix_dashboard_stale_changes_version')
    op.drop_table('dashboard_stale_changes')
    with op.batch_alter_table('dashboard_moves_by_step', schema=None) as batch_op:
        batch_op.create_index('ix_dashboard_moves_by_step_at', ['at'], unique=False)
        batch_op.drop_index('ix_dashboard_moves_by_step_at_moved')
