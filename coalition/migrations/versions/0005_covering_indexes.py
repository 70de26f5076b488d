"""covering indexes for the dashboards' progress change and progress per group

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 01:50:00

"""
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.create_index('ix_deliverables_group_progress', ['group_id', 'progress'], unique=False)
        batch_op.create_index('ix_deliverables_group_due', ['group_id', 'due_date', 'id'], unique=False)
    with op.batch_alter_table('deliverable_updates', schema=None) as batch_op:
        batch_op.drop_index('ix_deliverable_updates_created_at')
        batch_op.create_index('ix_deliverable_updates_created_progress',
                              ['created_at', 'deliverable_id', 'progress_before', 'progress_after'], unique=False)


def downgrade():
    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.drop_index('ix_deliverables_group_progress')
        batch_op.drop_index('ix_deliverables_group_due')
    with op.batch_alter_table('deliverable_updates', schema=None) as batch_op:
        batch_op.drop_index('ix_deliverable_updates_created_progress')
        batch_op.create_index('ix_deliverable_updates_created_at', ['created_at'], unique=False)
