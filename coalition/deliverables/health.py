"""A deliverable's health, derived from its due date, progress and staleness.

The same rules exist twice: in Python for one deliverable, and as a SQL CASE for counting
thousands at once. A test checks that the two agree.

  done                                   -> on track
  past its due date                      -> off track
  blocked, due within 14 days            -> off track
  due within 7 days and under 75 %       -> off track
  blocked                                -> at risk
  stale (in progress or in review, no
  update for STALE_AFTER_DAYS)           -> at risk
  due within 30 days and under 50 %      -> at risk
  otherwise                              -> on track
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

STALE_STATUSES = ("in_progress", "in_review")
# The thresholds of the rules above, used by both versions: (days before the due date, progress under).
BLOCKED_OFF_TRACK_DAYS = 14
CLOSE = (7, 75)
NEAR = (30, 50)


@dataclass(frozen=True)
class HealthClock:
    """The instants the rules compare against."""

    today: date
    stale_before: datetime

    @classmethod
    def at(cls, now: datetime, today: date, stale_after_days: int) -> "HealthClock":
        return cls(today=today, stale_before=now - timedelta(days=stale_after_days))


def is_stale(status: str, last_update_at: datetime, clock: HealthClock) -> bool:
    return status in STALE_STATUSES and last_update_at < clock.stale_before


def is_overdue(status: str, due_date: date, clock: HealthClock) -> bool:
    return status != "done" and due_date < clock.today


def health_of(status: str, progress: int, due_date: date, last_update_at: datetime, clock: HealthClock) -> str:
    if status == "done":
        return "on_track"
    if due_date < clock.today:
        return "off_track"
    if status == "blocked" and due_date <= clock.today + timedelta(days=BLOCKED_OFF_TRACK_DAYS):
        return "off_track"
    if due_date <= clock.today + timedelta(days=CLOSE[0]) and progress < CLOSE[1]:
        return "off_track"
    if status == "blocked":
        return "at_risk"
    if is_stale(status, last_update_at, clock):
        return "at_risk"
    if due_date <= clock.today + timedelta(days=NEAR[0]) and progress < NEAR[1]:
        return "at_risk"
    return "on_track"


def health_sql(deliverable, clock: HealthClock):
    """The same rules as a SQL expression over the Deliverable columns."""
    d = deliverable
    return sa.case(
        (d.status == "done", "on_track"),
        (d.due_date < clock.today, "off_track"),
        (sa.and_(d.status == "blocked", d.due_date <= clock.today + timedelta(days=BLOCKED_OFF_TRACK_DAYS)),
         "off_track"),
        (sa.and_(d.due_date <= clock.today + timedelta(days=CLOSE[0]), d.progress < CLOSE[1]), "off_track"),
        (d.status == "blocked", "at_risk"),
        (stale_sql(d, clock), "at_risk"),
        (sa.and_(d.due_date <= clock.today + timedelta(days=NEAR[0]), d.progress < NEAR[1]), "at_risk"),
        else_="on_track",
    )


def stale_sql(deliverable, clock: HealthClock):
    return sa.and_(deliverable.status.in_(STALE_STATUSES), deliverable.last_update_at < clock.stale_before)


def overdue_sql(deliverable, clock: HealthClock):
    return sa.and_(deliverable.status != "done", deliverable.due_date < clock.today)


def rolled_up_progress(milestones) -> int | None:
    """Weighted sum of milestone progress (plain average when no weights); None without milestones."""
    milestones = list(milestones)
    if not milestones:
        return None
    if any(m.weight for m in milestones):
        total_weight = sum(m.weight or 0 for m in milestones)
        value = sum((m.weight or 0) * m.progress for m in milestones) / total_weight
    else:
        value = sum(m.progress for m in milestones) / len(milestones)
    return round(value)


def coalition_clock(now: datetime | None = None) -> HealthClock:
    """The clock of the coalition's home timezone (COALITION_TIMEZONE), for rules that speak of 'today'."""
    from flask import current_app

    from coalition.database import coalition_timezone, utcnow

    now = now or utcnow()
    today = now.astimezone(coalition_timezone()).date()
    return HealthClock.at(now, today, current_app.config["STALE_AFTER_DAYS"])
