"""Dashboard figures, aggregated in SQL: a fixed number of queries whatever the data size.

Everything a dashboard shows is plain data (numbers, strings, dates, small dataclasses), so the
same figures feed the HTML page, its CSV exports and the JSON API.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from coalition.auth.models import User
from coalition.auth.permissions import require, require_actor
from coalition.dashboards import cache, permissions, tallies
from coalition.database import coalition_timezone, local_bucket, utcnow
from coalition.deliverables.health import STALE_STATUSES, coalition_clock, health_sql
from coalition.deliverables.models import HEALTHS, STATUSES, Deliverable, DeliverableUpdate
from coalition.errors import ValidationError
from coalition.extensions import db
from coalition.groups.models import GroupMembership, WorkingGroup
from coalition.institutions.models import SECTORS, Institution
from coalition.meetings.models import Attendance, Meeting, MinutesRevision

# A sector is "dominant" in a group above this share, and "absent" at zero.
DOMINANT_SHARE = 0.6


@dataclass(frozen=True)
class Filters:
    """What a dashboard is narrowed to. Dates are Mexico City days, both ends included."""

    sector: str | None = None
    start: date | None = None
    end: date | None = None

    @classmethod
    def parse(cls, sector: str | None = None, start: str | date | None = None, end: str | date | None = None) -> "Filters":
        errors: dict[str, list[str]] = {}
        if sector in ("", None):
            sector = None
        elif sector not in SECTORS:
            errors["sector"] = [str(_l("Unknown sector."))]

        def day(name: str, value):
            if value in ("", None) or isinstance(value, date):
                return value or None
            try:
                return date.fromisoformat(str(value))
            except ValueError:
                errors[name] = [str(_l("Give a date as YYYY-MM-DD."))]
                return None

        start_day, end_day = day("start", start), day("end", end)
        if start_day and end_day and start_day > end_day:
            errors["end"] = [str(_l("The end comes before the start."))]
        if errors:
            raise ValidationError(fields=errors)
        return cls(sector=sector, start=start_day, end=end_day)

    def as_args(self) -> dict[str, str]:
        args = {"sector": self.sector, "start": self.start.isoformat() if self.start else None,
                "end": self.end.isoformat() if self.end else None}
        return {k: v for k, v in args.items() if v}


@dataclass(frozen=True)
class ListedDeliverable:
    id: int
    title: str
    group_id: int
    status: str
    progress: int
    owner_id: int
    owner_name: str
    due_date: date
    last_update_at: datetime


@dataclass(frozen=True)
class ListedMeeting:
    id: int
    title: str
    group_id: int
    starts_at: datetime


@dataclass(frozen=True)
class Activity:
    kind: str  # "update", "member" or "meeting"
    at: datetime
    group_id: int
    who: str
    what: str
    link_id: int | None  # the deliverable's or meeting's id


@dataclass
class Balance:
    """A group's sector mix: member institutions, active people and attendance, each {sector: n}."""

    group_id: int
    institutions: dict[str, int]
    people: dict[str, int]
    attendance: dict[str, int]
    absent: list[str] = field(default_factory=list)
    dominant: list[str] = field(default_factory=list)


@dataclass
class Dashboard:
    group: WorkingGroup | None
    filters: Filters
    groups: dict[int, WorkingGroup]
    progress: list[tuple[WorkingGroup, int, int]]
    change: dict[int, tuple[float, float]]
    by_status: dict[str, int]
    by_health: dict[str, int]
    overdue: list[ListedDeliverable]
    stale: list[ListedDeliverable]
    total: int
    upcoming: list[ListedMeeting]
    without_minutes: list[ListedMeeting]
    attendance_by_month: list[tuple[str, int, int]]
    attendance_by_group: dict[int, tuple[int, int]]
    attendance_by_sector: dict[str, tuple[int, int]]
    attendance_by_institution: list[tuple[int, str, str, int, int]]
    balance: list[Balance]
    institutions_by_state: list[tuple[str, int]]
    institutions_by_sector: dict[str, int]
    activity: list[Activity]
    # What the figures depend on besides the data version: a rendering of them may be cached under it.
    cache_key: tuple = ()
    # The context version they were read at (None without a version row): what reads no deliverable
    # may be cached under it with `cache_key`.
    context_version: int | None = None

    @property
    def behind(self) -> WorkingGroup | None:
        """The group with the lowest progress (among those with deliverables)."""
        rows = [(progress, g) for g, progress, count in self.progress if count]
        return min(rows, key=lambda row: row[0])[1] if rows else None


def _local_month(column):
    """The coalition's local year-month of a UTC timestamp column, as 'YYYY-MM', on either database."""
    return local_bucket(column, "%Y-%m", db.session.get_bind().dialect.name)


def _instant(day: date, end: bool = False) -> datetime:
    return datetime.combine(day + timedelta(days=1) if end else day, datetime.min.time(),
                            tzinfo=coalition_timezone())


def _rate(attended, total) -> tuple[int, int]:
    return int(attended or 0), int(total or 0)


def dashboard(actor, group: WorkingGroup | None = None, filters: Filters | None = None,
              list_limit: int = 15) -> Dashboard:
    """The coalition's figures, or one group's when `group` is given, narrowed by `filters`."""
    require_actor(actor)
    if group is None:
        require(permissions.can_view_coalition_dashboard(actor))
    else:
        require(permissions.can_view_group_dashboard(actor, group.id))
    filters = filters or Filters()
    now = cache.clock(utcnow())
    group_id = group.id if group is not None else None
    key = (group_id, filters.sector, filters.start, filters.end, list_limit, now.isoformat())
    groups = _groups()
    versions = cache.versions()
    figures = cache.cached(key, lambda: current_figures(group_id, filters, now, list_limit, groups=groups,
                                                        context_version=versions[1] if versions else None,
                                                        version=versions[0] if versions else None),
                           at_version=versions[0] if versions else None)
    return replace(figures, group=group, groups=groups, cache_key=key,
                   context_version=versions[1] if versions else None,
                   progress=[(groups[g_id], progress, count) for g_id, progress, count in figures.progress])


def current_figures(group_id: int | None, filters: Filters, now: datetime, list_limit: int = 15, *,
                    groups: dict[int, WorkingGroup] | None = None, context_version: int | None = None,
                    version: int | None = None) -> Dashboard:
    """The same figures as `compute_figures`, from the running tallies (a write away from a cached
    board costs a few small queries); narrowed to a sector, or off the clock's grid, from scratch.
    `groups`, `context_version` and `version` (the data version): what the caller already read."""
    if filters.sector or cache.clock(now) != now:
        return compute_figures(group_id, filters, now, list_limit, groups=groups)
    clock = coalition_clock(now)
    groups = groups if groups is not None else _groups()
    counted = tallies.deliverable_figures(db.session, group_id, now, clock,
                                          stale=_stale_on_track(group_id, clock, version))
    progress_of = {g: (round(progress / count) if count else 0, count)
                   for g, (count, progress) in counted["per_group"].items()}
    work = {
        "progress": [(g.id, *progress_of.get(g.id, (0, 0))) for g in groups.values()
                     if group_id is None or g.id == group_id],
        "change": _change(counted["moves"], progress_of),
        "by_status": counted["by_status"], "by_health": counted["by_health"],
    }
    start, end = _period(filters, now)
    work["overdue"], work["stale"], updates = _lists(group_id, clock, start, end, list_limit)
    # What does not read deliverables is cached under the context version, which a progress
    # update leaves alone: meetings, attendance, balance, institutions, and the activity of members
    # and meetings (merged here with the latest updates').

    def context_figures() -> dict:
        return {**_context_figures(group_id, filters, start, end, now, list_limit, groups),
                "activity": _activity(group_id, filters, start, end, list_limit, kinds=("member", "meeting"))}

    context = dict(cache.cached(
        ("context-figures", group_id, filters.start, filters.end, list_limit, now.isoformat()), context_figures,
        at_version=context_version if context_version is not None else cache.context_version()))
    # Updates first, as `_activity` lists them: the same order among items of the same instant.
    activity = _newest(updates + context.pop("activity"), list_limit)
    return _assemble(work, context, activity, filters)


def _stale_on_track(group_id: int | None, clock, version: int | None) -> int | None:
    """The deliverables stale and otherwise on track as of `clock` (None: let the tallies' statement
    count them). Counting them reads a partial index, 150,000 entries at a million deliverables: the
    count is kept per clock step with the data version it is exact for, and brought up to the current
    version from the log of stale-kind changes (`tallies.log_version`)."""
    if version is None or not current_app.config.get("DASHBOARD_CACHE", True):
        return None
    parts = ("stale", group_id, clock.stale_before.isoformat(), clock.today.isoformat())
    kept = cache.fetch(parts)
    if kept is not None and kept[0] == version:
        return kept[1]
    if kept is not None and kept[0] < version:
        changes = tallies.stale_changes(db.session, kept[0], version)
        if changes is not None:
            count = kept[1] + sum(row.sign for row in changes if tallies.counts_as_stale(group_id, row, clock))
            cache.store(parts, (version, count))
            return count
    counted_at, count = tallies.stale_count(db.session, group_id, clock)
    if counted_at is not None:
        cache.store(parts, (counted_at, count))
    return count


def _groups() -> dict[int, WorkingGroup]:
    return {g.id: g for g in db.session.execute(
        sa.select(WorkingGroup).order_by(WorkingGroup.position, WorkingGroup.id)).scalars()}


def _period(filters: Filters, now: datetime) -> tuple[datetime, datetime]:
    start = _instant(filters.start) if filters.start else now - timedelta(days=365)
    # No end by default: anything recorded since the clock's rounded instant counts too (it bumped
    # the data version, so the figures are recomputed with it).
    end = _instant(filters.end, end=True) if filters.end else datetime.max.replace(tzinfo=now.tzinfo)
    return start, end


def _deliverable_scope(group_id: int | None, filters: Filters) -> list:
    deliverable_scope = [Deliverable.archived_at.is_(None)]
    if group_id is not None:
        deliverable_scope.append(Deliverable.group_id == group_id)
    if filters.sector:
        # correlate(None): the outer queries join institutions too, and must not swallow this one's.
        deliverable_scope.append(Deliverable.owner_id.in_(
            sa.select(User.id).join(Institution, Institution.id == User.institution_id)
            .where(Institution.sector == filters.sector).correlate(None)))
    return deliverable_scope


def _change(moves: dict[int, tuple[int, int]], progress_of: dict[int, tuple[int, int]]) -> dict:
    change = {}
    for row_group, (week, month) in moves.items():
        count = progress_of.get(row_group, (0, 0))[1]
        if count:
            change[row_group] = (round(float(week or 0) / count, 1), round(float(month or 0) / count, 1))
    return change


# Literal, not bound: PostgreSQL and SQLite use a partial index only for a condition they can see.
_NOT_DONE = Deliverable.status != sa.literal_column("'done'")
_STALE_KIND = Deliverable.status.in_([sa.literal_column(f"'{s}'") for s in STALE_STATUSES])


def _listings(group_id: int | None, deliverable_scope: list, clock, list_limit: int) -> dict:
    """The first overdue and stale deliverables in due order (partial indexes: a few rows read)."""
    def listing(*condition) -> list[ListedDeliverable]:
        rows = db.session.execute(
            sa.select(Deliverable.id, Deliverable.title, Deliverable.group_id, Deliverable.status,
                      Deliverable.progress, Deliverable.owner_id, User.name, Deliverable.due_date,
                      Deliverable.last_update_at)
            .join(User, User.id == Deliverable.owner_id)
            .where(*condition, *deliverable_scope)
            .order_by(Deliverable.due_date, Deliverable.id).limit(list_limit)).all()
        return [ListedDeliverable(*row) for row in rows]

    return {"overdue": listing(_NOT_DONE, Deliverable.due_date < clock.today),
            "stale": listing(_STALE_KIND, Deliverable.last_update_at < clock.stale_before)}


@functools.cache
def _lists_statement(scoped: bool):
    """The statement of `_lists`, built once (its values are bound at each run)."""
    owner = aliased(User)
    columns = (Deliverable.id, Deliverable.title, Deliverable.group_id, Deliverable.status, Deliverable.progress,
               Deliverable.owner_id, owner.name, Deliverable.due_date)
    scope = [Deliverable.archived_at.is_(None), *([Deliverable.group_id == sa.bindparam("group_id")] if scoped else [])]
    limit = sa.bindparam("limit", type_=sa.Integer)

    def listing(name: str, *condition):
        return (sa.select(sa.literal(name).label("list"), *columns, Deliverable.last_update_at.label("at"))
                .join(owner, owner.id == Deliverable.owner_id).where(*condition, *scope)
                .order_by(Deliverable.due_date, Deliverable.id).limit(limit).subquery())

    author = aliased(User)
    blank = [sa.cast(sa.null(), kind).label(name) for name, kind in (
        ("status", sa.String), ("progress", sa.Integer), ("owner_id", sa.Integer))]
    updates = (sa.select(sa.literal("update").label("list"), Deliverable.id, Deliverable.title, Deliverable.group_id,
                         *blank, author.name, sa.cast(sa.null(), sa.Date).label("due_date"),
                         DeliverableUpdate.created_at.label("at"))
               .join(Deliverable, Deliverable.id == DeliverableUpdate.deliverable_id)
               .outerjoin(author, author.id == DeliverableUpdate.author_id)
               .where(DeliverableUpdate.created_at >= sa.bindparam("start"),
                      DeliverableUpdate.created_at < sa.bindparam("end"), *scope)
               .order_by(DeliverableUpdate.created_at.desc()).limit(limit).subquery())
    return sa.union_all(*(sa.select(sub) for sub in (
        listing("overdue", _NOT_DONE, Deliverable.due_date < sa.bindparam("today")),
        listing("stale", _STALE_KIND, Deliverable.last_update_at < sa.bindparam("stale_before")), updates)))


def _lists(group_id: int | None, clock, start: datetime, end: datetime,
           list_limit: int) -> tuple[list[ListedDeliverable], list[ListedDeliverable], list[Activity]]:
    """`_listings`' overdue and stale deliverables and `_activity`'s latest updates (no sector), in
    one statement: each list its own ordered, limited subquery, told apart by its first column."""
    values = {"today": clock.today, "stale_before": clock.stale_before, "start": start, "end": end,
              "limit": list_limit, **({"group_id": group_id} if group_id is not None else {})}
    lists: dict[str, list] = {"overdue": [], "stale": [], "update": []}
    for name, *row in db.session.execute(_lists_statement(group_id is not None), values):
        lists[name].append(row)
    # Each list in its subquery's order, whatever order the union returns them in.
    listed = {name: [ListedDeliverable(*row) for row in sorted(lists[name], key=lambda row: (row[7], row[0]))]
              for name in ("overdue", "stale")}
    activity = [Activity("update", at, g, who or "", title, link) for link, title, g, _s, _p, _o, who, _d, at
                in sorted(lists["update"], key=lambda row: row[8], reverse=True)]
    return listed["overdue"], listed["stale"], activity


def compute_figures(group_id: int | None, filters: Filters, now: datetime, list_limit: int = 15, *,
                    groups: dict[int, WorkingGroup] | None = None) -> Dashboard:
    """Every figure as of `now`, from scratch, as plain data (group ids, not objects), so it can be cached.

    No permission check: `dashboard()` makes it for people; the coordinators' digest calls this
    directly, as the system. The tallies' figures are checked against this one.
    """
    clock = coalition_clock(now)
    start, end = _period(filters, now)
    groups = groups if groups is not None else _groups()
    deliverable_scope = _deliverable_scope(group_id, filters)

    # Progress per group, and its change: the sum of the progress moves in each window over the
    # group's deliverables (an exact change of the average for the deliverables that exist now).
    progress_rows = db.session.execute(
        sa.select(Deliverable.group_id, sa.func.sum(Deliverable.progress), sa.func.count())
        .where(*deliverable_scope).group_by(Deliverable.group_id)).all()
    progress_of = {g: (round(int(total or 0) / n) if n else 0, n) for g, total, n in progress_rows}
    progress = [(g.id, *progress_of.get(g.id, (0, 0))) for g in groups.values() if group_id is None or g.id == group_id]
    moved = sa.func.coalesce(DeliverableUpdate.progress_after, 0) - sa.func.coalesce(DeliverableUpdate.progress_before, 0)
    week_ago, month_ago = now - timedelta(days=7), now - timedelta(days=30)
    change_rows = db.session.execute(
        sa.select(Deliverable.group_id,
                  sa.func.sum(sa.case((DeliverableUpdate.created_at > week_ago, moved), else_=0)),
                  sa.func.sum(moved))
        .join(Deliverable, Deliverable.id == DeliverableUpdate.deliverable_id)
        .where(DeliverableUpdate.created_at > month_ago, *deliverable_scope)
        .group_by(Deliverable.group_id)).all()
    change = _change({g: (week, month) for g, week, month in change_rows}, progress_of)

    health = health_sql(Deliverable, clock).label("health")
    by_status = {key: 0 for key in STATUSES}
    by_health = {key: 0 for key in HEALTHS}
    for status, health_value, count in db.session.execute(
            sa.select(Deliverable.status, health, sa.func.count()).where(*deliverable_scope)
            .group_by(Deliverable.status, health)).all():
        by_status[status] += count
        by_health[health_value] += count
    work = {"progress": progress, "change": change, "by_status": by_status, "by_health": by_health,
            **_listings(group_id, deliverable_scope, clock, list_limit)}
    context = _context_figures(group_id, filters, start, end, now, list_limit, groups)
    return _assemble(work, context, _activity(group_id, filters, start, end, list_limit), filters)


def _assemble(work: dict, context: dict, activity: list, filters: Filters) -> Dashboard:
    return Dashboard(group=None, filters=filters, groups={}, total=sum(work["by_status"].values()),
                     activity=activity, **work, **context)


def _context_figures(group_id: int | None, filters: Filters, start: datetime, end: datetime, now: datetime,
                     list_limit: int, groups: dict[int, WorkingGroup]) -> dict:
    """What a dashboard shows besides the deliverables: meetings, attendance, balance, institutions."""
    in_sector = (Institution.sector == filters.sector) if filters.sector else sa.true()
    meeting_scope = [Meeting.group_id == group_id] if group_id is not None else []

    def meetings(*conditions, order, limit=list_limit) -> list[ListedMeeting]:
        rows = db.session.execute(
            sa.select(Meeting.id, Meeting.title, Meeting.group_id, Meeting.starts_at)
            .where(*conditions, *meeting_scope).order_by(order).limit(limit)).all()
        return [ListedMeeting(*row) for row in rows]

    has_minutes = sa.exists().where(MinutesRevision.meeting_id == Meeting.id)
    upcoming = meetings(Meeting.status == "scheduled", Meeting.starts_at > now, order=Meeting.starts_at)
    without_minutes = meetings(Meeting.status == "held", ~has_minutes, order=Meeting.starts_at.desc())

    # Attendance of held meetings in the period: by month, and by group x sector x institution
    # in one pass, rolled up here (a few hundred rows at most).
    held = [Meeting.status == "held", Meeting.starts_at >= start, Meeting.starts_at < end, *meeting_scope]
    attended = sa.func.sum(sa.case((Attendance.status == "attended", 1), else_=0))
    counted = sa.func.sum(sa.case((Attendance.status.in_(("attended", "absent", "excused")), 1), else_=0))
    month = _local_month(Meeting.starts_at).label("month")
    attendance_by_month = [(m, *_rate(a, t)) for m, a, t in db.session.execute(
        sa.select(month, attended, counted).join(Meeting, Meeting.id == Attendance.meeting_id)
        .outerjoin(Institution, Institution.id == Attendance.institution_id)
        .where(*held, in_sector).group_by(month).order_by(month)).all()]
    attendance_rows = db.session.execute(
        sa.select(Meeting.group_id, Institution.id, Institution.name, Institution.sector, attended, counted)
        .join(Meeting, Meeting.id == Attendance.meeting_id)
        .join(Institution, Institution.id == Attendance.institution_id)
        .where(*held, in_sector)
        .group_by(Meeting.group_id, Institution.id, Institution.name, Institution.sector)).all()
    by_group: dict[int, list[int]] = {}
    by_sector: dict[str, list[int]] = {}
    by_institution: dict[int, list] = {}
    balance_attendance: dict[int, dict[str, int]] = {}
    for row_group, institution_id, name, sector, a, t in attendance_rows:
        a, t = _rate(a, t)
        for bucket, key in ((by_group, row_group), (by_sector, sector)):
            bucket.setdefault(key, [0, 0])
            bucket[key][0] += a
            bucket[key][1] += t
        by_institution.setdefault(institution_id, [institution_id, name, sector, 0, 0])
        by_institution[institution_id][3] += a
        by_institution[institution_id][4] += t
        shares = balance_attendance.setdefault(row_group, {})
        shares[sector] = shares.get(sector, 0) + a
    attendance_by_institution = sorted(
        (tuple(row) for row in by_institution.values() if row[4]),
        key=lambda row: (-row[3] / row[4], -row[4], row[1]))[:list_limit]

    # Multi-stakeholder balance: sectors of each group's member institutions and active people.
    membership_scope = [GroupMembership.group_id == group_id] if group_id is not None else []
    mix = db.session.execute(
        sa.select(GroupMembership.group_id, Institution.sector,
                  sa.func.count(sa.distinct(Institution.id)), sa.func.count(sa.distinct(User.id)))
        .join(User, User.id == GroupMembership.user_id)
        .join(Institution, Institution.id == User.institution_id)
        .where(User.active.is_(True), *membership_scope)
        .group_by(GroupMembership.group_id, Institution.sector)).all()
    balance_of: dict[int, Balance] = {
        g.id: Balance(g.id, {}, {}, balance_attendance.get(g.id, {}))
        for g in groups.values() if group_id is None or g.id == group_id}
    for row_group, sector, institutions, people in mix:
        if row_group in balance_of:
            balance_of[row_group].institutions[sector] = int(institutions)
            balance_of[row_group].people[sector] = int(people)
    for item in balance_of.values():
        total_institutions = sum(item.institutions.values())
        if total_institutions:
            item.absent = [s for s in SECTORS if not item.institutions.get(s)]
            item.dominant = [s for s, n in item.institutions.items() if n / total_institutions > DOMINANT_SHARE]

    institution_scope = [Institution.active.is_(True), in_sector]
    if group_id is not None:
        institution_scope.append(Institution.id.in_(
            sa.select(User.institution_id).join(GroupMembership, GroupMembership.user_id == User.id)
            .where(GroupMembership.group_id == group_id).correlate(None)))
    places = db.session.execute(
        sa.select(Institution.state, Institution.sector, sa.func.count())
        .where(*institution_scope).group_by(Institution.state, Institution.sector)).all()
    by_state: dict[str, int] = {}
    institutions_by_sector = {key: 0 for key in SECTORS}
    for state, sector, count in places:
        by_state[state] = by_state.get(state, 0) + count
        institutions_by_sector[sector] = institutions_by_sector.get(sector, 0) + count
    institutions_by_state = sorted(by_state.items(), key=lambda item: (-item[1], item[0]))

    return {"upcoming": upcoming, "without_minutes": without_minutes, "attendance_by_month": attendance_by_month,
            "attendance_by_group": {g: (a, t) for g, (a, t) in by_group.items()},
            "attendance_by_sector": {s: (a, t) for s, (a, t) in by_sector.items()},
            "attendance_by_institution": attendance_by_institution, "balance": list(balance_of.values()),
            "institutions_by_state": institutions_by_state, "institutions_by_sector": institutions_by_sector}


ACTIVITY_KINDS = ("update", "member", "meeting")


def _activity(group_id: int | None, filters: Filters, start: datetime, end: datetime, limit: int,
              kinds: tuple[str, ...] = ACTIVITY_KINDS) -> list[Activity]:
    """The latest updates, new members and held meetings (or only `kinds` of them), newest first
    (a small query each)."""
    sector_people = (sa.select(User.id).join(Institution, Institution.id == User.institution_id)
                     .where(Institution.sector == filters.sector).correlate(None)) if filters.sector else None
    author = aliased(User)
    updates = (sa.select(DeliverableUpdate.created_at, Deliverable.group_id, author.name, Deliverable.title,
                         Deliverable.id)
               .join(Deliverable, Deliverable.id == DeliverableUpdate.deliverable_id)
               .outerjoin(author, author.id == DeliverableUpdate.author_id)
               .where(DeliverableUpdate.created_at >= start, DeliverableUpdate.created_at < end,
                      Deliverable.archived_at.is_(None)))
    members = (sa.select(GroupMembership.created_at, GroupMembership.group_id, User.name)
               .join(User, User.id == GroupMembership.user_id)
               .where(GroupMembership.created_at >= start, GroupMembership.created_at < end))
    held = (sa.select(Meeting.starts_at, Meeting.group_id, Meeting.title, Meeting.id)
            .where(Meeting.status == "held", Meeting.starts_at >= start, Meeting.starts_at < end))
    if group_id is not None:
        updates = updates.where(Deliverable.group_id == group_id)
        members = members.where(GroupMembership.group_id == group_id)
        held = held.where(Meeting.group_id == group_id)
    if sector_people is not None:
        updates = updates.where(DeliverableUpdate.author_id.in_(sector_people))
        members = members.where(GroupMembership.user_id.in_(sector_people))
    items = []
    if "update" in kinds:
        items += [Activity("update", at, g, who or "", title, link) for at, g, who, title, link in db.session.execute(
            updates.order_by(DeliverableUpdate.created_at.desc()).limit(limit)).all()]
    if "member" in kinds:
        items += [Activity("member", at, g, who, "", None) for at, g, who in db.session.execute(
            members.order_by(GroupMembership.created_at.desc()).limit(limit)).all()]
    if "meeting" in kinds:
        items += [Activity("meeting", at, g, "", title, link) for at, g, title, link in db.session.execute(
            held.order_by(Meeting.starts_at.desc()).limit(limit)).all()]
    return _newest(items, limit)


def _newest(items: list[Activity], limit: int) -> list[Activity]:
    return sorted(items, key=lambda item: item.at, reverse=True)[:limit]
