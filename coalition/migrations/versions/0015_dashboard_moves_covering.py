"""dashboard moves by step: an index that covers what the dashboard reads of a window's first day
(the step, group, moves and updates), so those steps are read from the index alone

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-09 10:00:00

"""
from alembic import op


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('dashboard_moves_by_step', schema=None) as batch_op:
        batch_op.create_index('ix_dashboard_moves_by_step_at_moved', ['at', 'group_id', 'moved', 'updates'],
                              unique=False)
        batch_op.drop_index('ix_dashboard_moves_by_step_at')


def downgrade():
    with op.batch_alter_table('dashboard_moves_by_step', schema=None) as batch_op:
        batch_op.create_index('ix_dashboard_moves_by_step_at', ['at'], unique=False)
        batch_op.drop_index('ix_dashboard_moves_by_step_at_moved')
