"""The data version, and the running tallies the dashboards read instead of every deliverable.

The data version is one counter, bumped in the transaction of every change a dashboard reads; its
`context_value` is bumped only by the changes that are not a deliverable's, its updates' or its
milestones' own, so the figures that do not read deliverables survive a progress update.

The tallies are kept by `coalition/dashboards/tallies.py` in the same transaction as the write
they follow, so they are always exactly what a count of the deliverables would give.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from coalition.database import UTCDateTime
from coalition.deliverables.health import CLOSE, NEAR, STALE_STATUSES
from coalition.deliverables.models import Deliverable
from coalition.extensions import db

# A deliverable's progress band: under NEAR's threshold, under CLOSE's, or above both. The health
# rules compare progress with nothing else, so the band stands in for the exact progress.
BANDS = (NEAR[1], CLOSE[1])
assert BANDS[0] < BANDS[1]


class DataVersion(db.Model):
    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    # When the value last grew: the public portal's Last-Modified.
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Grows with every change `value` counts except a deliverable's, its updates' and milestones'.
    context_value: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")


class DeliverableTally(db.Model):
    """How many deliverables not archived share a group, status, due date and progress band."""

    __tablename__ = "dashboard_deliverable_tallies"

    group_id: Mapped[int] = mapped_column(sa.ForeignKey("working_groups.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    due_date: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    band: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    count: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    progress: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # the sum of their progress


class ProgressMoveDay(db.Model):
    """The progress moved by the updates of a group's deliverables not archived, per UTC day of `step`
    (the update's instant rounded up to the dashboard clock's step)."""

    __tablename__ = "dashboard_moves_by_day"

    group_id: Mapped[int] = mapped_column(sa.ForeignKey("working_groups.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    moved: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    updates: Mapped[int] = mapped_column(sa.BigInteger, default=0)


# A window reads the steps of its first day only, and the windows reach 30 days back: older steps are never
# read. They are kept twice that long (a clock a month back still reads them), then pruned daily.
MOVE_STEPS_KEPT_DAYS = 62


class ProgressMoveStep(db.Model):
    """The same per clock step: a window that starts inside a day reads that day's steps."""

    __tablename__ = "dashboard_moves_by_step"
    # Covering: a window's first day is read from the index alone (one range per window).
    __table_args__ = (sa.Index("ix_dashboard_moves_by_step_at_moved", "at", "group_id", "moved", "updates"),)

    group_id: Mapped[int] = mapped_column(sa.ForeignKey("working_groups.id", ondelete="CASCADE"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    moved: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    updates: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class StaleChange(db.Model):
    """A not archived, stale-kind deliverable as it was before (-1) or after (+1) a write, by the data
    version the write committed as: the stale count cached for a clock step is brought up to date
    from these rows instead of counted again (`services._stale_on_track`). A row of sign 0 (a bulk
    load: `tallies.rebuild`) says "count again". Rows older than STALE_LOG_HOURS are pruned."""

    __tablename__ = "dashboard_stale_changes"
    __table_args__ = (sa.Index("ix_dashboard_stale_changes_version", "version"),
                      sa.Index("ix_dashboard_stale_changes_created_at", "created_at"))

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    # NULL until the writing transaction bumps the data version, just before it commits.
    version: Mapped[int | None] = mapped_column(sa.BigInteger)
    group_id: Mapped[int | None] = mapped_column(sa.Integer)
    band: Mapped[int | None] = mapped_column(sa.SmallInteger)
    due_date: Mapped[date | None] = mapped_column(sa.Date)
    last_update_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sign: Mapped[int] = mapped_column(sa.SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


# Kept this long: far longer than a cached stale count lives (its clock step; its entry's TTL).
STALE_LOG_HOURS = 3


# Partial indexes on the deliverables, declared here because only the dashboards read them: the
# first rows of the overdue and stale lists, and the stale ones counted, without visiting the rest.
_open = sa.and_(Deliverable.archived_at.is_(None), Deliverable.status != sa.literal_column("'done'"))
_stale_kind = sa.and_(Deliverable.archived_at.is_(None),
                      Deliverable.status.in_([sa.literal_column(f"'{s}'") for s in STALE_STATUSES]))
sa.Index("ix_deliverables_open_due", Deliverable.due_date, Deliverable.id,
         postgresql_where=_open, sqlite_where=_open)
sa.Index("ix_deliverables_open_group_due", Deliverable.group_id, Deliverable.due_date, Deliverable.id,
         postgresql_where=_open, sqlite_where=_open)
sa.Index("ix_deliverables_stale_kind_due", Deliverable.due_date, Deliverable.id, Deliverable.last_update_at,
         postgresql_where=_stale_kind, sqlite_where=_stale_kind)
sa.Index("ix_deliverables_stale_kind_group_due", Deliverable.group_id, Deliverable.due_date, Deliverable.id,
         Deliverable.last_update_at, postgresql_where=_stale_kind, sqlite_where=_stale_kind)
sa.Index("ix_deliverables_stale_kind_updated", Deliverable.last_update_at, Deliverable.group_id,
         Deliverable.due_date, Deliverable.progress, postgresql_where=_stale_kind, sqlite_where=_stale_kind)
