"""public portal: what a coordinator publishes (deliverables with a public summary and completion,
consultation results, listed institutions) and when the data version last grew

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 06:40:00

"""
from alembic import op
import sqlalchemy as sa

import coalition.database


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('public_summary_es', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('public_summary_en', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('published_at', coalition.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('published_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('completion_override', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('completion_note', sa.Text(), server_default='', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_deliverables_published_by_id_users'), 'users',
                                    ['published_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint(
            batch_op.f('ck_deliverables_completion_override'),
            "completion_override IS NULL OR completion_override IN "
            "('not_started', 'limited', 'substantial', 'complete')")
        batch_op.create_index('ix_deliverables_public_group', ['public', 'group_id'], unique=False)

    with op.batch_alter_table('institutions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('listed', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('listed_at', coalition.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_institutions_listed_sector_state', ['listed', 'sector', 'state'], unique=False)

    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('results_published', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('results_published_at', coalition.database.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('results_published_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_consultations_results_published_by_id_users'), 'users',
                                    ['results_published_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('data_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changed_at', coalition.database.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('data_version', schema=None) as batch_op:
        batch_op.drop_column('changed_at')

    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_consultations_results_published_by_id_users'), type_='foreignkey')
        batch_op.drop_column('results_published_by_id')
        batch_op.drop_column('results_published_at')
        batch_op.drop_column('results_published')

    with op.batch_alter_table('institutions', schema=None) as batch_op:
        batch_op.drop_index('ix_institutions_listed_sector_state')
        batch_op.drop_column('listed_at')
        batch_op.drop_column('listed')

    with op.batch_alter_table('deliverables', schema=None) as batch_op:
        batch_op.drop_index('ix_deliverables_public_group')
        batch_op.drop_constraint(batch_op.f('ck_deliverables_completion_override'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_deliverables_published_by_id_users'), type_='foreignkey')
        batch_op.drop_column('completion_note')
        batch_op.drop_column('completion_override')
        batch_op.drop_column('published_by_id')
        batch_op.drop_column('published_at')
        batch_op.drop_column('public_summary_en')
        batch_op.drop_column('public_summary_es')
        batch_op.drop_column('public')
