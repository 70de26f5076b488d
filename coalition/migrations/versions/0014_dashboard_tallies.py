"""dashboard tallies: running counts of the deliverables by group, status, due date and progress
band, and of the progress their updates moved by day and by clock step, kept in the transaction of
every write; the data version's context counter; partial indexes for the overdue and stale lists

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 10:00:00

"""
from alembic import op
import sqlalchemy as sa

import coalition.database


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

OPEN = "archived_at IS NULL AND status <> 'done'"
STALE_KIND = "archived_at IS NULL AND status IN ('in_progress', 'in_review')"
INDEXES = (
    ('ix_deliverables_open_due', ['due_date', 'id'], OPEN),
    ('ix_deliverables_open_group_due', ['group_id', 'due_date', 'id'], OPEN),
    ('ix_deliverables_stale_kind_due', ['due_date', 'id', 'last_update_at'], STALE_KIND),
    ('ix_deliverables_stale_kind_group_due', ['group_id', 'due_date', 'id', 'last_update_at'], STALE_KIND),
    ('ix_deliverables_stale_kind_updated', ['last_update_at', 'group_id', 'due_date', 'progress'], STALE_KIND),
)


def upgrade():
    with op.batch_alter_table('data_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('context_value', sa.BigInteger(), server_default='0', nullable=False))
    op.create_table('dashboard_deliverable_tallies',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('band', sa.SmallInteger(), nullable=False),
    sa.Column('count', sa.BigInteger(), nullable=False),
    sa.Column('progress', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['working_groups.id'], name=op.f('fk_dashboard_deliverable_tallies_group_id_working_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'status', 'due_date', 'band', name=op.f('pk_dashboard_deliverable_tallies'))
    )
    op.create_table('dashboard_moves_by_day',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('moved', sa.BigInteger(), nullable=False),
    sa.Column('updates', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['working_groups.id'], name=op.f('fk_dashboard_moves_by_day_group_id_working_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'day', name=op.f('pk_dashboard_moves_by_day'))
    )
    op.create_table('dashboard_moves_by_step',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('at', coalition.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('moved', sa.BigInteger(), nullable=False),
    sa.Column('updates', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['working_groups.id'], name=op.f('fk_dashboard_moves_by_step_group_id_working_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'at', name=op.f('pk_dashboard_moves_by_step'))
    )
    with op.batch_alter_table('dashboard_moves_by_step', schema=None) as batch_op:
        batch_op.create_index('ix_dashboard_moves_by_step_at', ['at'], unique=False)
    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        for name, columns, where in INDEXES:
            batch_op.create_index(name, columns, unique=False, postgresql_where=sa.text(where),
                                  sqlite_where=sa.text(where))
    # Count what is already there (the application's own rebuild: the same code keeps them after).
    from coalition.dashboards.tallies import rebuild

    rebuild(op.get_bind())


def downgrade():
    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        for name, _, _ in INDEXES:
            batch_op.drop_index(name)
    with op.batch_alter_table('dashboard_moves_by_step', schema=None) as batch_op:
        batch_op.drop_index('ix_dashboard_moves_by_step_at')
    op.drop_table('dashboard_moves_by_step')
    op.drop_table('dashboard_moves_by_day')
    op.drop_table('dashboard_deliverable_tallies')
    with op.batch_alter_table('data_version', schema=None) as batch_op:
        batch_op.drop_column('context_value')
