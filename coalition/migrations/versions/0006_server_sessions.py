"""server sessions: every login is a user_sessions row the server can end

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 10:00:00

"""
import sqlalchemy as sa
from alembic import op

from coalition.database import UTCDateTime

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    # Cookies signed before this migration name no server session: their holders log in again.
    op.create_table(
        'user_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('browser', sa.String(length=40), nullable=False),
        sa.Column('platform', sa.String(length=40), nullable=False),
        sa.Column('network', sa.String(length=64), nullable=False),
        sa.Column('remember', sa.Boolean(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('last_seen_at', UTCDateTime(), nullable=False),
        sa.Column('expires_at', UTCDateTime(), nullable=False),
        sa.Column('ended_at', UTCDateTime(), nullable=True),
        sa.Column('end_reason', sa.String(length=20), nullable=True),
        sa.CheckConstraint(
            "end_reason IS NULL OR end_reason IN ('logout', 'ended', 'others_ended', 'password_change', "
            "'password_reset', 'deactivated', 'admin', 'expired', 'rotated')",
            name=op.f('ck_user_sessions_end_reason')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
        sa.UniqueConstraint('key_hash', name=op.f('uq_user_sessions_key_hash')),
    )
    op.create_index('ix_user_sessions_user_open', 'user_sessions', ['user_id', 'ended_at'], unique=False)


def downgrade():
    op.drop_index('ix_user_sessions_user_open', table_name='user_sessions')
    op.drop_table('user_sessions')
