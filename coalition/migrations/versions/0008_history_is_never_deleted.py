"""history is never deleted: deliverables are archived, and no foreign key cascades over history

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 10:00:00

Deliverables gain `archived_at` and `archived_by_id` (deleting one archives it). Every foreign key
that could remove a history row with its parent becomes RESTRICT: working groups no longer take
their deliverables and meetings along, a deliverable its updates and milestones, a meeting its
minutes, attendance, decisions and action items, a person or an institution their attendance.

On SQLite the tables are rebuilt (batch mode, rows copied); env.py turns foreign-key enforcement
off for the run, so dropping the old `deliverables` and `meetings` tables cannot set off their
children's ON DELETE actions, and checks every reference afterwards. Downgrading drops the archive
columns: archived deliverables would show again.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


# (table, column, referred table, ON DELETE before, ON DELETE now)
FOREIGN_KEYS = (
    ('deliverables', 'group_id', 'working_groups', 'CASCADE', 'RESTRICT'),
    ('meetings', 'group_id', 'working_groups', 'CASCADE', 'RESTRICT'),
    ('deliverable_updates', 'deliverable_id', 'deliverables', 'CASCADE', 'RESTRICT'),
    ('milestones', 'deliverable_id', 'deliverables', 'CASCADE', 'RESTRICT'),
    ('minutes_revisions', 'meeting_id', 'meetings', 'CASCADE', 'RESTRICT'),
    ('attendance', 'meeting_id', 'meetings', 'CASCADE', 'RESTRICT'),
    ('attendance', 'user_id', 'users', 'CASCADE', 'RESTRICT'),
    ('attendance', 'institution_id', 'institutions', 'SET NULL', 'RESTRICT'),
    ('decisions', 'meeting_id', 'meetings', 'CASCADE', 'RESTRICT'),
    ('action_items', 'meeting_id', 'meetings', 'CASCADE', 'RESTRICT'),
)


def _fk_name(table: str, column: str, referred: str) -> str:
    return f'fk_{table}_{column}_{referred}'


def _set_on_delete(which: int) -> None:
    tables: dict[str, list] = {}
    for spec in FOREIGN_KEYS:
        tables.setdefault(spec[0], []).append(spec)
    for table, specs in tables.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for _table, column, referred, *rules in specs:
                name = _fk_name(table, column, referred)
                batch_op.drop_constraint(name, type_='foreignkey')
                batch_op.create_foreign_key(name, referred, [column], ['id'], ondelete=rules[which])


def upgrade():
    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('archived_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_deliverables_archived_by_id_users'), 'users', ['archived_by_id'], ['id'],
                                    ondelete='SET NULL')
        # Progress per group counts only the deliverables not archived, still from the index alone.
        batch_op.drop_index('ix_deliverables_group_progress')
        batch_op.create_index('ix_deliverables_group_progress', ['group_id', 'archived_at', 'progress'], unique=False)
    _set_on_delete(1)


def downgrade():
    _set_on_delete(0)
    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.drop_index('ix_deliverables_group_progress')
        batch_op.create_index('ix_deliverables_group_progress', ['group_id', 'progress'], unique=False)
        batch_op.drop_constraint(op.f('fk_deliverables_archived_by_id_users'), type_='foreignkey')
        batch_op.drop_column('archived_by_id')
        batch_op.drop_column('archived_at')
