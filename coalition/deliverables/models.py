"""Deliverables, their append-only update history and their milestones."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.database import UTCDateTime, coalition_today, utcnow
from coalition.extensions import db

STATUSES = {
    "not_started": _l("Not started"),
    "in_progress": _l("In progress"),
    "in_review": _l("In review"),
    "done": _l("Done"),
    "blocked": _l("Blocked"),
}
# Field limits, declared once: the columns, the forms, the API schemas and the services read them here.
TITLE_MAX = 200  # deliverables and milestones
DESCRIPTION_MAX = 20_000
NOTE_MAX = 5_000
PROGRESS_MIN, PROGRESS_MAX = 0, 100
WEIGHT_MIN, WEIGHT_MAX = 1, 1000
INSTITUTIONS_MAX = 200  # contributing institutions of one deliverable

# The public portal's completion of a deliverable, in the words of OGP action plans (SPEC "Public portal").
COMPLETIONS = {
    "not_started": _l("Not started"),
    "limited": _l("Limited"),
    "substantial": _l("Substantial"),
    "complete": _l("Complete"),
}
PUBLIC_SUMMARY_MAX = 2_000
COMPLETION_NOTE_MAX = 1_000

HEALTHS = {
    "on_track": _l("On track"),
    "at_risk": _l("At risk"),
    "off_track": _l("Off track"),
}

deliverable_institutions = sa.Table(
    "deliverable_institutions",
    db.metadata,
    sa.Column("deliverable_id", sa.ForeignKey("deliverables.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("institution_id", sa.ForeignKey("institutions.id", ondelete="CASCADE"), primary_key=True,
              index=True),
)


class Deliverable(db.Model):
    __tablename__ = "deliverables"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('not_started', 'in_progress', 'in_review', 'done', 'blocked')", name="status"),
        sa.CheckConstraint(f"progress BETWEEN {PROGRESS_MIN} AND {PROGRESS_MAX}", name="progress"),
        sa.Index("ix_deliverables_group_status", "group_id", "status"),
        sa.Index("ix_deliverables_owner_due", "owner_id", "due_date"),
        sa.Index("ix_deliverables_due_date", "due_date"),
        # Progress per group of the deliverables not archived (every page with the groups' bars), read
        # from the index alone.
        sa.Index("ix_deliverables_group_progress", "group_id", "archived_at", "progress"),
        # A group's deliverables in due order, a page at a time, without sorting them all.
        sa.Index("ix_deliverables_group_due", "group_id", "due_date", "id"),
        sa.CheckConstraint(
            "completion_override IS NULL OR completion_override IN "
            "('not_started', 'limited', 'substantial', 'complete')", name="completion_override"),
        # The portal reads public deliverables only, by group.
        sa.Index("ix_deliverables_public_group", "public", "group_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # RESTRICT: a deliverable carries history; removing a group must not take it along.
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("working_groups.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(sa.String(TITLE_MAX))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    start_date: Mapped[date] = mapped_column(sa.Date, default=coalition_today)
    due_date: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(20), default="not_started")
    progress: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    version: Mapped[int] = mapped_column(default=1)
    # When someone last recorded progress; staleness is measured from here.
    last_update_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Deleting a deliverable archives it: it leaves every list, its page and history stay.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # The public portal shows a deliverable only once a coordinator publishes it, with a summary
    # written for the public (the description is the group's working text).
    public: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    public_summary_es: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    public_summary_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Completion is derived from status and progress (coalition/portal/completion.py) unless a
    # coordinator sets it, with a note saying why.
    completion_override: Mapped[str | None] = mapped_column(sa.String(20))
    completion_note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    # The database refuses an UPDATE whose version changed under it: a second line of defence.
    __mapper_args__ = {"version_id_col": version}

    group = relationship("WorkingGroup")
    owner = relationship("User", foreign_keys=[owner_id])
    archived_by = relationship("User", foreign_keys=[archived_by_id])
    institutions = relationship("Institution", secondary=deliverable_institutions, order_by="Institution.name")
    milestones = relationship("Milestone", back_populates="deliverable", order_by="Milestone.position",
                              cascade="all, delete-orphan")

    @property
    def status_label(self) -> str:
        return str(STATUSES.get(self.status, self.status))

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    @property
    def completion(self) -> str:
        from coalition.portal.completion import completion_of

        return completion_of(self.status, self.progress, self.completion_override)

    @property
    def completion_label(self) -> str:
        return str(COMPLETIONS[self.completion])

    def public_summary_in(self, language: str) -> str:
        return ((self.public_summary_es if language == "es" else self.public_summary_en)
                or self.public_summary_es or self.public_summary_en)

    def __repr__(self) -> str:
        return f"<Deliverable {self.id} {self.title!r}>"


UPDATE_KINDS = ("update", "milestone_added", "milestone_progress", "milestone_removed")


class DeliverableUpdate(db.Model):
    """One recorded change of a deliverable's status or progress; never edited or deleted."""

    __tablename__ = "deliverable_updates"
    __table_args__ = (
        sa.CheckConstraint(
            "kind IN ('update', 'milestone_added', 'milestone_progress', 'milestone_removed')", name="kind"),
        sa.Index("ix_deliverable_updates_deliverable_created", "deliverable_id", "created_at"),
        # Covers the dashboards' "change over the last 7 and 30 days" (read from the index alone)
        # and the newest-first activity feed.
        sa.Index("ix_deliverable_updates_created_progress", "created_at", "deliverable_id", "progress_before",
                 "progress_after"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # RESTRICT: history never goes with its deliverable (which is archived, not deleted).
    deliverable_id: Mapped[int] = mapped_column(sa.ForeignKey("deliverables.id", ondelete="RESTRICT"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_before: Mapped[str] = mapped_column(sa.String(20))
    status_after: Mapped[str] = mapped_column(sa.String(20))
    progress_before: Mapped[int] = mapped_column(sa.SmallInteger)
    progress_after: Mapped[int] = mapped_column(sa.SmallInteger)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    # A person's update, or a milestone change the system recorded (its title in `subject`).
    kind: Mapped[str] = mapped_column(sa.String(20), default="update", server_default="update")
    subject: Mapped[str | None] = mapped_column(sa.String(TITLE_MAX))

    author = relationship("User")


class Milestone(db.Model):
    __tablename__ = "milestones"
    __table_args__ = (
        sa.CheckConstraint(f"progress BETWEEN {PROGRESS_MIN} AND {PROGRESS_MAX}", name="progress"),
        sa.CheckConstraint("weight IS NULL OR weight > 0", name="weight"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deliverable_id: Mapped[int] = mapped_column(
        sa.ForeignKey("deliverables.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(sa.String(TITLE_MAX))
    weight: Mapped[int | None] = mapped_column(sa.SmallInteger)
    progress: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    due_date: Mapped[date | None] = mapped_column(sa.Date)
    position: Mapped[int] = mapped_column(default=0)

    deliverable = relationship("Deliverable", back_populates="milestones")
