"""digest mutes: the groups whose news a person leaves out of their digest

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 10:00:00

"""
from alembic import op
import sqlalchemy as sa

import coalition.database


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('digest_mutes',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('created_at', coalition.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['working_groups.id'], name=op.f('fk_digest_mutes_group_id_working_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_digest_mutes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'group_id', name=op.f('pk_digest_mutes'))
    )


def downgrade():
    op.drop_table('digest_mutes')
