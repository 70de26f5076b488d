"""outbox: pruned_at, stamped when an old sent message's bodies and attachments are dropped

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 10:00:00

"""
import sqlalchemy as sa
from alembic import op

import coalition.database

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pruned_at', coalition.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_outbox_messages_unpruned_sent', ['pruned_at', 'sent_at'], unique=False)


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_unpruned_sent')
        batch_op.drop_column('pruned_at')
