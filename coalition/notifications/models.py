"""The outbox: every email is a row first, written in the same transaction as its cause."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from coalition.database import UTCDateTime, utcnow
from coalition.extensions import db

OUTBOX_STATUSES = ("queued", "sent", "failed")


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        sa.CheckConstraint("status IN ('queued', 'sent', 'failed')", name="status"),
        sa.Index("ix_outbox_messages_status_next_attempt", "status", "next_attempt_at"),
        # What the daily prune looks for: sent long ago and not pruned yet.
        sa.Index("ix_outbox_messages_unpruned_sent", "pruned_at", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    recipient_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    subject: Mapped[str] = mapped_column(sa.String(300))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str] = mapped_column(sa.Text, default="")
    # [{"filename", "content_type", "data" (base64)}]
    attachments: Mapped[list] = mapped_column(sa.JSON, default=list)
    headers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    dedupe_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the bodies and attachments of this sent message were dropped (its metadata stays).
    pruned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# What a digest lists (shown at most, the rest counted with a link to see them).
DIGEST_DUE_SOON_DAYS = 7  # a person's own deliverables due within this many days come first
DIGEST_CHANGES_PER_GROUP = 10  # changed deliverables per group
DIGEST_SILENT_AFTER_DAYS = 30  # a lead hears of members with no update for this long
DIGEST_SILENT_PER_GROUP = 8
DIGEST_AWAITING_MINUTES_PER_GROUP = 5
DIGEST_MEETINGS_SHOWN = 5
DIGEST_NOTE_SHOWN = 140  # characters of a deliverable's last note


class DigestMute(db.Model):
    """A group whose news a person does not want in their digest (their own work and duties still come)."""

    __tablename__ = "digest_mutes"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("working_groups.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
