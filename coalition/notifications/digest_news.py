"""What a digest reports, read in SQL in a fixed number of statements whatever the data size.

`changes` nets each deliverable's updates over a period into one line (progress and status before and
after, the people who updated it, its last note), for every period start a batch of people has; the
leads' lists (members silent for a month, held meetings awaiting minutes) are read once per run.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from coalition.auth.models import User
from coalition.database import UTCDateTime
from coalition.deliverables.models import Deliverable, DeliverableUpdate
from coalition.extensions import db
from coalition.groups.models import GroupMembership
from coalition.meetings.models import Meeting, MinutesRevision
from coalition.notifications.models import (
    DIGEST_AWAITING_MINUTES_PER_GROUP, DIGEST_CHANGES_PER_GROUP, DIGEST_SILENT_AFTER_DAYS, DIGEST_SILENT_PER_GROUP)


@dataclass
class Change:
    """One deliverable's net change over a period."""

    deliverable_id: int
    group_id: int
    title: str
    progress_before: int
    progress_after: int
    status_before: str
    status_after: str
    note: str
    last_at: datetime
    updates: int
    authors: list[tuple[int, str]] = field(default_factory=list)  # (id, name), the latest first

    @property
    def delta(self) -> int:
        return self.progress_after - self.progress_before

    @property
    def status_changed(self) -> bool:
        return self.status_before != self.status_after


@dataclass
class GroupChanges:
    """A group's changed deliverables over one period: the largest changes first, and how many there were."""

    changes: list[Change] = field(default_factory=list)
    total: int = 0


def changes(starts: list[datetime], at: datetime, group_ids=None) -> dict[tuple[datetime, int], GroupChanges]:
    """Per (period start, group): its deliverables with a net change in (start, at], one line each, ordered by
    the size of the change then recency, at most DIGEST_CHANGES_PER_GROUP (two statements).

    A line whose progress ended where it began is dropped unless its status changed.
    """
    found: dict[tuple[datetime, int], GroupChanges] = defaultdict(GroupChanges)
    starts = sorted(set(starts))
    if not starts:
        return found
    windows = sa.union_all(*(
        sa.select(sa.literal(n).label("w"), sa.bindparam(f"start_{n}", start, type_=UTCDateTime).label("since"))
        for n, start in enumerate(starts))).subquery("windows")
    u = DeliverableUpdate
    order_first = (u.created_at, u.id)
    order_last = (u.created_at.desc(), u.id.desc())
    per = (windows.c.w, u.deliverable_id)
    conditions = [u.created_at > windows.c.since, u.created_at <= at, Deliverable.archived_at.is_(None)]
    if group_ids is not None:
        conditions.append(Deliverable.group_id.in_(list(group_ids)))
    ranked = (
        sa.select(windows.c.w, Deliverable.group_id, u.deliverable_id, u.created_at, u.progress_before,
                  u.progress_after, u.status_before, u.status_after, u.note,
                  sa.func.row_number().over(partition_by=per, order_by=order_first).label("first"),
                  sa.func.row_number().over(partition_by=per, order_by=order_last).label("last"),
                  # The last update that says something.
                  sa.func.row_number().over(partition_by=per, order_by=(
                      sa.case((u.note == "", 1), else_=0), *order_last)).label("noted"))
        .select_from(u).join(Deliverable, Deliverable.id == u.deliverable_id)
        .join(windows, sa.true()).where(*conditions)).subquery("ranked")
    r = ranked.c
    netted = (
        sa.select(r.w, r.group_id, r.deliverable_id,
                  sa.func.max(sa.case((r.first == 1, r.progress_before))).label("p0"),
                  sa.func.max(sa.case((r.last == 1, r.progress_after))).label("p1"),
                  sa.func.max(sa.case((r.first == 1, r.status_before))).label("s0"),
                  sa.func.max(sa.case((r.last == 1, r.status_after))).label("s1"),
                  sa.func.max(sa.case((r.noted == 1, r.note))).label("note"),
                  sa.func.max(r.created_at).label("last_at"),
                  sa.func.count().label("updates"))
        .group_by(r.w, r.group_id, r.deliverable_id)).subquery("netted")
    n = netted.c
    ordered = (
        sa.select(n.w, n.group_id, n.deliverable_id, n.p0, n.p1, n.s0, n.s1, n.note, n.last_at, n.updates,
                  sa.func.row_number().over(partition_by=(n.w, n.group_id), order_by=(
                      sa.func.abs(n.p1 - n.p0).desc(), n.last_at.desc(), n.deliverable_id)).label("rank"),
                  sa.func.count().over(partition_by=(n.w, n.group_id)).label("total"))
        .where(sa.or_(n.p0 != n.p1, n.s0 != n.s1))).subquery("ordered")
    o = ordered.c
    rows = db.session.execute(
        sa.select(o.w, o.group_id, o.deliverable_id, Deliverable.title, o.p0, o.p1, o.s0, o.s1, o.note,
                  sa.type_coerce(o.last_at, UTCDateTime), o.updates, o.total)
        .join(Deliverable, Deliverable.id == o.deliverable_id)
        .where(o.rank <= DIGEST_CHANGES_PER_GROUP)
        .order_by(o.w, o.group_id, o.rank)).all()
    by_key: dict[tuple[int, int], Change] = {}
    for w, group_id, deliverable_id, title, p0, p1, s0, s1, note, last_at, updates, total in rows:
        change = Change(deliverable_id, group_id, title, p0, p1, s0, s1, note or "", last_at, updates)
        bucket = found[(starts[w], group_id)]
        bucket.changes.append(change)
        bucket.total = int(total)
        by_key[(w, deliverable_id)] = change
    # Always asked, even with nothing changed: a run costs the same statements whatever the content.
    latest = sa.func.max(u.created_at).label("latest")
    for w, deliverable_id, author_id, name, _latest in db.session.execute(
            sa.select(windows.c.w, u.deliverable_id, u.author_id, User.name, latest)
            .select_from(u).join(User, User.id == u.author_id).join(windows, sa.true())
            .where(u.created_at > windows.c.since, u.created_at <= at,
                   u.deliverable_id.in_({d for _w, d in by_key}))
            .group_by(windows.c.w, u.deliverable_id, u.author_id, User.name)
            .order_by(windows.c.w, u.deliverable_id, latest.desc(), User.name)):
        change = by_key.get((w, deliverable_id))
        if change is not None:
            change.authors.append((author_id, name))
    return found


@dataclass
class LeadLists:
    """Per group: members silent for DIGEST_SILENT_AFTER_DAYS and held meetings awaiting minutes (with totals)."""

    silent: dict[int, list[tuple[int, str]]] = field(default_factory=dict)
    silent_total: dict[int, int] = field(default_factory=dict)
    awaiting: dict[int, list[tuple[int, str, datetime]]] = field(default_factory=dict)
    awaiting_total: dict[int, int] = field(default_factory=dict)


def lead_lists(at: datetime, group_ids: list[int] | None = None) -> LeadLists:
    """Every group's (or only `group_ids`') silent members and meetings awaiting minutes, the first few of
    each (two statements)."""
    lists = LeadLists()
    if group_ids is not None and not group_ids:
        return lists
    cutoff = at - timedelta(days=DIGEST_SILENT_AFTER_DAYS)
    spoke = sa.exists().where(DeliverableUpdate.author_id == GroupMembership.user_id,
                              DeliverableUpdate.created_at > cutoff)
    silent = (sa.select(GroupMembership.group_id, User.id.label("user_id"), User.name,
                        sa.func.row_number().over(partition_by=GroupMembership.group_id,
                                                  order_by=(User.name, User.id)).label("rank"),
                        sa.func.count().over(partition_by=GroupMembership.group_id).label("total"))
              .join(User, User.id == GroupMembership.user_id)
              .where(User.active.is_(True), GroupMembership.role == "member", GroupMembership.created_at <= cutoff,
                     ~spoke, *_in_groups(GroupMembership.group_id, group_ids))).subquery()
    for group_id, user_id, name, total in db.session.execute(
            sa.select(silent.c.group_id, silent.c.user_id, silent.c.name, silent.c.total)
            .where(silent.c.rank <= DIGEST_SILENT_PER_GROUP).order_by(silent.c.group_id, silent.c.rank)):
        lists.silent.setdefault(group_id, []).append((user_id, name))
        lists.silent_total[group_id] = int(total)
    has_minutes = sa.exists().where(MinutesRevision.meeting_id == Meeting.id)
    awaiting = (sa.select(Meeting.group_id, Meeting.id, Meeting.title, Meeting.starts_at,
                          sa.func.row_number().over(partition_by=Meeting.group_id,
                                                    order_by=(Meeting.starts_at.desc(), Meeting.id)).label("rank"),
                          sa.func.count().over(partition_by=Meeting.group_id).label("total"))
                .where(Meeting.status == "held", Meeting.starts_at <= at, ~has_minutes,
                       *_in_groups(Meeting.group_id, group_ids))).subquery()
    for group_id, meeting_id, title, starts_at, total in db.session.execute(
            sa.select(awaiting.c.group_id, awaiting.c.id, awaiting.c.title,
                      sa.type_coerce(awaiting.c.starts_at, UTCDateTime), awaiting.c.total)
            .where(awaiting.c.rank <= DIGEST_AWAITING_MINUTES_PER_GROUP)
            .order_by(awaiting.c.group_id, awaiting.c.rank)):
        lists.awaiting.setdefault(group_id, []).append((meeting_id, title, starts_at))
        lists.awaiting_total[group_id] = int(total)
    return lists


def _in_groups(column, group_ids: list[int] | None) -> tuple:
    return () if group_ids is None else (column.in_(group_ids),)
