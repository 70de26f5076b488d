"""Meetings of a working group: agenda, minutes with every revision, attendance, decisions, actions."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.database import UTCDateTime, utcnow
from coalition.extensions import db

MEETING_STATUSES = {
    "scheduled": _l("Scheduled"),
    "held": _l("Held"),
    "cancelled": _l("Cancelled"),
}
# Field limits, declared once: the columns, the forms, the API schemas and the services read them here.
TITLE_MAX = 200
LOCATION_MAX = 300
TEXT_MAX = 50_000  # agenda and minutes
ITEM_MAX = 2_000  # decisions and action items
DURATION_MIN, DURATION_MAX = 1, 1440
# Far enough either side for any real meeting, near enough that time arithmetic never overflows.
FIRST_YEAR, LAST_YEAR = 1990, 2099
ATTENDANCE_BATCH_MAX = 5_000  # invitees' statuses recorded in one request

ATTENDANCE_STATUSES = {
    "invited": _l("Invited"),
    "attended": _l("Attended"),
    "absent": _l("Absent"),
    "excused": _l("Excused"),
}


class Meeting(db.Model):
    __tablename__ = "meetings"
    __table_args__ = (
        sa.CheckConstraint("status IN ('scheduled', 'held', 'cancelled')", name="status"),
        sa.CheckConstraint(f"duration_minutes BETWEEN {DURATION_MIN} AND {DURATION_MAX}", name="duration"),
        sa.Index("ix_meetings_group_starts", "group_id", "starts_at"),
        sa.Index("ix_meetings_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # RESTRICT here and on every history row below: the database refuses to delete the record.
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("working_groups.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(sa.String(TITLE_MAX))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(default=60)
    location: Mapped[str] = mapped_column(sa.String(LOCATION_MAX), default="")
    agenda: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(20), default="scheduled")
    organiser_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Calendar identity: the UID never changes, SEQUENCE grows with every change sent out.
    ical_uid: Mapped[str] = mapped_column(sa.String(80), unique=True, default=lambda: f"{uuid.uuid4()}@coalition")
    ical_sequence: Mapped[int] = mapped_column(default=0)
    minutes_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    group = relationship("WorkingGroup")
    organiser = relationship("User")
    # passive_deletes="all": deleting a meeting never deletes these through the ORM; the database decides.
    attendance = relationship("Attendance", back_populates="meeting", passive_deletes="all")
    decisions = relationship("Decision", back_populates="meeting", passive_deletes="all", order_by="Decision.id")
    action_items = relationship("ActionItem", back_populates="meeting", passive_deletes="all",
                                order_by="ActionItem.id")

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def status_label(self) -> str:
        return str(MEETING_STATUSES.get(self.status, self.status))

    @property
    def is_online(self) -> bool:
        return self.location.startswith(("https://", "http://"))

    def __repr__(self) -> str:
        return f"<Meeting {self.id} {self.title!r}>"


class MinutesRevision(db.Model):
    """One saved version of a meeting's minutes; the newest is the current text."""

    __tablename__ = "minutes_revisions"
    __table_args__ = (sa.Index("ix_minutes_revisions_meeting_id_id", "meeting_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id", ondelete="RESTRICT"))
    body: Mapped[str] = mapped_column(sa.Text)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author = relationship("User")


class Attendance(db.Model):
    __tablename__ = "attendance"
    __table_args__ = (
        sa.UniqueConstraint("meeting_id", "user_id"),
        sa.CheckConstraint("status IN ('invited', 'attended', 'absent', 'excused')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    # The institution the person represented at the time, so sector roll-ups stay true later.
    institution_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("institutions.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="invited")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    meeting = relationship("Meeting", back_populates="attendance")
    user = relationship("User")
    institution = relationship("Institution")

    @property
    def status_label(self) -> str:
        return str(ATTENDANCE_STATUSES.get(self.status, self.status))


class Decision(db.Model):
    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id", ondelete="RESTRICT"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting = relationship("Meeting", back_populates="decisions")


class ActionItem(db.Model):
    __tablename__ = "action_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id", ondelete="RESTRICT"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    due_date: Mapped[date | None] = mapped_column(sa.Date)
    done: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting = relationship("Meeting", back_populates="action_items")
    assignee = relationship("User")
