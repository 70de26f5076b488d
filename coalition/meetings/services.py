"""Meetings: schedule, move and cancel them; keep their minutes, attendance, decisions and actions."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from coalition.audit import services as audit
from coalition.auth.models import User
from coalition.auth.permissions import require, require_actor
from coalition.database import DuplicateKey, contains_pattern, unique_key, utcnow
from coalition.errors import Conflict, NotFound, ValidationError
from coalition.extensions import db
from coalition.groups.models import SLUG_MAX, GroupMembership, WorkingGroup
from coalition.institutions.models import SECTORS, Institution
from coalition.meetings import notices, permissions
from coalition.meetings.models import (
    ATTENDANCE_STATUSES, DURATION_MAX, DURATION_MIN, FIRST_YEAR, ITEM_MAX, LAST_YEAR, LOCATION_MAX, MEETING_STATUSES,
    TEXT_MAX, TITLE_MAX, ActionItem, Attendance, Decision, Meeting, MinutesRevision)
from coalition.pagination import Page, paginate
from coalition.validation import QUERY_MAX, check_text, is_id


# Changing one of these moves the meeting in people's calendars: the iCalendar SEQUENCE grows.
CALENDAR_FIELDS = ("starts_at", "duration_minutes", "location")
EDITABLE_FIELDS = ("title", "starts_at", "duration_minutes", "location", "agenda")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- reading ---------------------------------------------------------------------------------

@dataclass
class MeetingFilters:
    """What the meetings list selects; `starts_from` and `starts_to` are aware and inclusive."""

    group: str | None = None
    status: str | None = None
    starts_from: datetime | None = None
    starts_to: datetime | None = None
    q: str | None = None
    newest_first: bool = False


def _check_filters(filters: MeetingFilters) -> None:
    errors: dict = {}
    if filters.group is not None and (not isinstance(filters.group, str) or len(filters.group) > SLUG_MAX):
        errors["group"] = [_l("Unknown working group.")]
    if filters.status is not None and filters.status not in MEETING_STATUSES:
        errors["status"] = [_l("Choose one of: %(choices)s.", choices=", ".join(MEETING_STATUSES))]
    for name in ("starts_from", "starts_to"):
        value = getattr(filters, name)
        if value is not None and (not _is_aware(value) or not FIRST_YEAR - 1 <= value.year <= LAST_YEAR + 1):
            errors[name] = [_l("Give a date and time with its UTC offset.")]
    if filters.q is not None and (not isinstance(filters.q, str) or len(filters.q) > QUERY_MAX):
        errors["q"] = [_l("At most %(n)s characters.", n=QUERY_MAX)]
    if errors:
        raise ValidationError(fields=errors)


def filtered_select(filters: MeetingFilters, stmt: sa.Select | None = None) -> sa.Select:
    """`stmt` (default: the meetings with their groups) narrowed and ordered by the filters."""
    if stmt is None:
        stmt = sa.select(Meeting).options(joinedload(Meeting.group))
    if filters.group:
        stmt = stmt.join(WorkingGroup, WorkingGroup.id == Meeting.group_id).where(WorkingGroup.slug == filters.group)
    if filters.status:
        stmt = stmt.where(Meeting.status == filters.status)
    if filters.starts_from is not None:
        stmt = stmt.where(Meeting.starts_at >= filters.starts_from)
    if filters.starts_to is not None:
        stmt = stmt.where(Meeting.starts_at <= filters.starts_to)
    if filters.q and filters.q.strip():
        q = filters.q.strip()
        pattern = contains_pattern(q)
        stmt = stmt.where(Meeting.title.ilike(pattern, escape="\\"))
    if filters.newest_first:
        return stmt.order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    return stmt.order_by(Meeting.starts_at, Meeting.id)


def list_meetings(actor, filters: MeetingFilters, page: int, per_page: int) -> Page:
    """Every meeting the filters select (all members may read every group's meetings)."""
    require_actor(actor)
    _check_filters(filters)
    return paginate(filtered_select(filters), page, per_page)


class ListedMeeting(NamedTuple):
    """A meeting as a list shows it: read as a plain row, with its group from the groups in hand."""

    id: int
    title: str
    starts_at: datetime
    location: str
    status: str
    group: WorkingGroup | None

    @property
    def is_online(self) -> bool:
        return self.location.startswith(("https://", "http://"))


def listed_meetings(actor, filters: MeetingFilters, page: int, per_page: int,
                    groups: list[WorkingGroup]) -> Page:
    """The page of `list_meetings` as plain rows and their total in one query; `groups` are all the
    working groups (the page has them for its filter), so no group is loaded again."""
    require_actor(actor)
    _check_filters(filters)
    columns = (Meeting.id, Meeting.title, Meeting.starts_at, Meeting.location, Meeting.status, Meeting.group_id)
    stmt = filtered_select(filters, sa.select(*columns, sa.func.count().over().label("total")))
    rows = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    if rows:
        total = rows[0].total
    else:  # past the last page (or nothing at all): the window had no row to count on
        total = db.session.execute(sa.select(sa.func.count()).select_from(
            filtered_select(filters, sa.select(Meeting.id)).order_by(None).subquery())).scalar_one()
    by_id = {group.id: group for group in groups}
    items = [ListedMeeting(row.id, row.title, row.starts_at, row.location, row.status, by_id.get(row.group_id))
             for row in rows]
    return Page(items=items, page=page, per_page=per_page, total=total)


def all_groups() -> list[WorkingGroup]:
    """The working groups in their usual order, for filters."""
    return list(db.session.execute(sa.select(WorkingGroup).order_by(WorkingGroup.position, WorkingGroup.id)).scalars())


def get_meeting(actor, meeting_id: int, *, for_update: bool = False) -> Meeting:
    """Return the meeting; any logged-in person may read it."""
    require_actor(actor)
    if not is_id(meeting_id):
        raise NotFound()
    stmt = (sa.select(Meeting).where(Meeting.id == meeting_id)
            .options(joinedload(Meeting.group), joinedload(Meeting.organiser)))
    if for_update:
        stmt = stmt.with_for_update(of=Meeting)
    meeting = db.session.execute(stmt).unique().scalar_one_or_none()
    if meeting is None:
        raise NotFound()
    return meeting


def _get_managed(actor, meeting_id: int) -> Meeting:
    """The meeting, locked for the change, if the actor runs its group."""
    require_actor(actor)
    meeting = get_meeting(actor, meeting_id, for_update=True)
    require(permissions.can_manage(actor, meeting.group_id))
    return meeting


def can_manage(actor, meeting: Meeting) -> bool:
    """Whether pages should offer the actor the controls that run this meeting."""
    return actor is not None and actor.is_authenticated and permissions.can_manage(actor, meeting.group_id)


def current_minutes(meeting: Meeting) -> MinutesRevision | None:
    """The newest revision of the minutes, or None when none were written."""
    return db.session.execute(
        sa.select(MinutesRevision).where(MinutesRevision.meeting_id == meeting.id)
        .order_by(MinutesRevision.id.desc()).limit(1)
    ).scalar_one_or_none()


def minutes_revisions(meeting: Meeting) -> list[MinutesRevision]:
    """Every saved revision of the minutes, newest first, with their authors."""
    return list(db.session.execute(
        sa.select(MinutesRevision).where(MinutesRevision.meeting_id == meeting.id)
        .options(joinedload(MinutesRevision.author))
        .order_by(MinutesRevision.id.desc())
    ).scalars())


def attendance_of(meeting: Meeting) -> list[Attendance]:
    """The meeting's invitees with their people and institutions, by name."""
    return list(db.session.execute(
        sa.select(Attendance).where(Attendance.meeting_id == meeting.id)
        .join(User, User.id == Attendance.user_id)
        .options(joinedload(Attendance.user), joinedload(Attendance.institution))
        .order_by(User.name, User.id)
    ).scalars())


@dataclass
class AttendanceSummary:
    total: int = 0
    by_status: dict = field(default_factory=dict)
    # Sector → number of people who attended for an institution of that sector.
    attended_by_sector: dict = field(default_factory=dict)
    attended_without_institution: int = 0


def attendance_summary(rows: list[Attendance]) -> AttendanceSummary:
    """Count invitees by status, and attendees by their institution's sector."""
    return summarise_attendance((row.status, row.institution.sector if row.institution is not None else None)
                                for row in rows)


def summarise_attendance(pairs) -> AttendanceSummary:
    """The summary of (status, sector of the person's institution or None) pairs, one per invitee."""
    summary = AttendanceSummary(by_status={status: 0 for status in ATTENDANCE_STATUSES})
    for status, sector in pairs:
        summary.total += 1
        summary.by_status[status] = summary.by_status.get(status, 0) + 1
        if status == "attended":
            if sector is None:
                summary.attended_without_institution += 1
            else:
                summary.attended_by_sector[sector] = summary.attended_by_sector.get(sector, 0) + 1
    summary.attended_by_sector = {s: summary.attended_by_sector[s] for s in SECTORS
                                  if s in summary.attended_by_sector}
    return summary


class AttendanceRow(NamedTuple):
    """An invitee as the meeting's page shows them, read as a plain row."""

    user_id: int
    name: str
    status: str
    institution_id: int | None
    institution_name: str | None
    short_name: str | None
    sector: str | None


def attendance_rows(meeting: Meeting) -> list[AttendanceRow]:
    """The meeting's invitees by name with their institutions, as plain rows (one query)."""
    return [AttendanceRow(*row) for row in db.session.execute(
        sa.select(Attendance.user_id, User.name, Attendance.status, Institution.id, Institution.name,
                  sa.func.coalesce(sa.func.nullif(Institution.acronym, ""), Institution.name), Institution.sector)
        .join(User, User.id == Attendance.user_id)
        .outerjoin(Institution, Institution.id == Attendance.institution_id)
        .where(Attendance.meeting_id == meeting.id)
        .order_by(User.name, User.id))]


def decisions_of(meeting: Meeting) -> list[Decision]:
    return list(db.session.execute(
        sa.select(Decision).where(Decision.meeting_id == meeting.id).order_by(Decision.id)).scalars())


def action_items_of(meeting: Meeting) -> list[ActionItem]:
    """The meeting's action items with their assignees (one query)."""
    return list(db.session.execute(
        sa.select(ActionItem).where(ActionItem.meeting_id == meeting.id)
        .options(joinedload(ActionItem.assignee)).order_by(ActionItem.id)).scalars())


def invite_candidates(meeting: Meeting, limit: int = 500) -> list[sa.Row]:
    """Active people not yet invited, the group's members first, for the add-invitee picker: rows of
    (id, name, short_name of their institution), read as plain rows since the picker needs no more."""
    in_group = sa.exists().where(GroupMembership.group_id == meeting.group_id,
                                 GroupMembership.user_id == User.id)
    return list(db.session.execute(
        sa.select(User.id, User.name,
                  sa.func.coalesce(sa.func.nullif(Institution.acronym, ""), Institution.name).label("short_name"))
        .outerjoin(Institution, Institution.id == User.institution_id)
        .where(User.active.is_(True))
        .where(~User.id.in_(sa.select(Attendance.user_id).where(Attendance.meeting_id == meeting.id)))
        .order_by(sa.case((in_group, 0), else_=1), User.name, User.id).limit(limit)
    ).all())


def assignee_candidates(meeting: Meeting) -> list[sa.Row]:
    """People an action item may be given to, the invitees and the group's members: rows of (id, name)."""
    invitees = sa.select(Attendance.user_id).where(Attendance.meeting_id == meeting.id)
    members = sa.select(GroupMembership.user_id).where(GroupMembership.group_id == meeting.group_id)
    return list(db.session.execute(
        sa.select(User.id, User.name).where(User.active.is_(True))
        .where(User.id.in_(invitees) | User.id.in_(members))
        .order_by(User.name, User.id)
    ).all())


def upcoming_for(user: User, limit: int = 5, now: datetime | None = None) -> list[Meeting]:
    """The next scheduled meetings of the user's groups, or that they are invited to (one query)."""
    now = now or utcnow()
    groups = sa.select(GroupMembership.group_id).where(GroupMembership.user_id == user.id)
    invited = sa.select(Attendance.meeting_id).where(Attendance.user_id == user.id)
    return list(db.session.execute(
        sa.select(Meeting).options(joinedload(Meeting.group))
        .where(Meeting.status == "scheduled", Meeting.starts_at >= now)
        .where(Meeting.group_id.in_(groups) | Meeting.id.in_(invited))
        .order_by(Meeting.starts_at, Meeting.id).limit(limit)
    ).scalars())


@dataclass
class GroupMeetings:
    upcoming: list[Meeting]
    past: list[Meeting]

    def __iter__(self):
        # So callers may unpack it: `upcoming, past = meetings_of_group(group)`.
        return iter((self.upcoming, self.past))


def meetings_of_group(group: WorkingGroup, upcoming_limit: int = 5, past_limit: int = 5,
                      now: datetime | None = None) -> GroupMeetings:
    """The group's next meetings (soonest first) and its last ones (latest first)."""
    now = now or utcnow()
    base = sa.select(Meeting).where(Meeting.group_id == group.id)
    upcoming = db.session.execute(
        base.where(Meeting.starts_at >= now).order_by(Meeting.starts_at, Meeting.id).limit(upcoming_limit)
    ).scalars()
    past = db.session.execute(
        base.where(Meeting.starts_at < now).order_by(Meeting.starts_at.desc(), Meeting.id.desc()).limit(past_limit)
    ).scalars()
    return GroupMeetings(upcoming=list(upcoming), past=list(past))


# --- validation ------------------------------------------------------------------------------

def _is_aware(value) -> bool:
    return isinstance(value, datetime) and value.tzinfo is not None and value.utcoffset() is not None


def _check_starts_at(value, errors: dict) -> None:
    if not _is_aware(value):
        errors["starts_at"] = [_l("Give a date and time with its timezone.")]
    elif not FIRST_YEAR <= value.year <= LAST_YEAR:
        errors["starts_at"] = [_l("Give a date between the years %(first)s and %(last)s.",
                                  first=FIRST_YEAR, last=LAST_YEAR)]


def _check_duration(value, errors: dict) -> None:
    if not _is_int(value) or not DURATION_MIN <= value <= DURATION_MAX:
        errors["duration_minutes"] = [_l("The duration must be a whole number of minutes from %(min)s to %(max)s.",
                                         min=DURATION_MIN, max=DURATION_MAX)]


def _validate(values: dict) -> None:
    errors: dict = {}
    check_text(values.get("title"), "title", TITLE_MAX, errors, required=True)
    _check_starts_at(values.get("starts_at"), errors)
    _check_duration(values.get("duration_minutes"), errors)
    check_text(values.get("location"), "location", LOCATION_MAX, errors)
    check_text(values.get("agenda"), "agenda", TEXT_MAX, errors)
    if errors:
        raise ValidationError(fields=errors)


def _clean(values: dict) -> dict:
    """Normalise validated values the way they are stored."""
    return {
        "title": values["title"].strip(),
        "starts_at": values["starts_at"].astimezone(timezone.utc),
        "duration_minutes": values["duration_minutes"],
        "location": (values.get("location") or "").strip(),
        "agenda": _normalise_text(values.get("agenda") or ""),
    }


def _normalise_text(text: str) -> str:
    # Browsers send CRLF; store LF so an unchanged text compares equal.
    return text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")


def _refuse_if_cancelled(meeting: Meeting, message=None) -> None:
    if meeting.status == "cancelled":
        raise ValidationError(message or _l("This meeting is cancelled."))


def _flush() -> None:
    try:
        db.session.flush()
    except StaleDataError:
        # Another transaction changed the row between our read and our write.
        raise Conflict() from None


# --- scheduling ------------------------------------------------------------------------------

def create_meeting(actor, group: WorkingGroup, *, title: str, starts_at: datetime, duration_minutes: int = 60,
                   location: str = "", agenda: str = "") -> Meeting:
    """Schedule a meeting of the group and invite every member of it."""
    require_actor(actor)
    if not isinstance(group, WorkingGroup):
        raise NotFound()
    require(permissions.can_manage(actor, group.id))
    values = {"title": title, "starts_at": starts_at, "duration_minutes": duration_minutes,
              "location": location, "agenda": agenda}
    _validate(values)
    meeting = Meeting(group_id=group.id, organiser_id=actor.id, status="scheduled", **_clean(values))
    db.session.add(meeting)
    db.session.flush()
    members = db.session.execute(
        sa.select(User.id, User.institution_id).join(GroupMembership, GroupMembership.user_id == User.id)
        .where(GroupMembership.group_id == group.id, User.active.is_(True))
    ).all()
    for user_id, institution_id in members:
        db.session.add(Attendance(meeting_id=meeting.id, user_id=user_id, institution_id=institution_id,
                                  status="invited"))
    audit.record(actor, "meeting.create", meeting, {
        "group": group.slug, "title": meeting.title, "starts_at": meeting.starts_at,
        "duration_minutes": meeting.duration_minutes, "location": meeting.location,
        "invitees": len(members)})
    db.session.flush()
    notices.queue_meeting_notices(meeting)
    return meeting


def edit_meeting(actor, meeting_id: int, *, version: int, **values) -> Meeting:
    """Change a meeting's details; refuse if someone else saved it since `version` was read."""
    meeting = _get_managed(actor, meeting_id)
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(fields={name: [_l("Unknown field.")] for name in sorted(unknown)})
    _refuse_if_cancelled(meeting, _l("A cancelled meeting cannot be edited."))
    merged = {name: getattr(meeting, name) for name in EDITABLE_FIELDS}
    merged.update(values)
    _validate(merged)
    if not _is_int(version):
        raise ValidationError(fields={"version": [_l("The version you edited is required.")]})
    if version != meeting.version:
        raise Conflict(current=meeting)
    changes = audit.diff(meeting, _clean(merged))
    if changes:
        moved = any(name in changes for name in CALENDAR_FIELDS)
        if moved:
            meeting.ical_sequence += 1
            changes["ical_sequence"] = [meeting.ical_sequence - 1, meeting.ical_sequence]
        audit.record(actor, "meeting.edit", meeting, changes)
        _flush()
        if moved:
            notices.queue_meeting_notices(meeting)
    _flush()
    return meeting


def cancel_meeting(actor, meeting_id: int) -> Meeting:
    """Cancel a scheduled meeting; calendars learn of it through a higher SEQUENCE."""
    meeting = _get_managed(actor, meeting_id)
    if meeting.status == "cancelled":
        return meeting
    if meeting.status == "held":
        raise ValidationError(_l("A meeting that was held cannot be cancelled."))
    meeting.status = "cancelled"
    meeting.ical_sequence += 1
    audit.record(actor, "meeting.cancel", meeting, {"status": ["scheduled", "cancelled"],
                                                    "ical_sequence": [meeting.ical_sequence - 1,
                                                                      meeting.ical_sequence]})
    _flush()
    notices.queue_meeting_notices(meeting)
    return meeting


def has_history(meeting: Meeting) -> bool:
    """Whether the meeting has minutes, decisions, action items or recorded attendance (one query)."""
    def any_of(model, *conditions):
        return sa.exists().where(model.meeting_id == meeting.id, *conditions)

    return bool(db.session.scalar(sa.select(sa.or_(
        any_of(MinutesRevision), any_of(Decision), any_of(ActionItem),
        any_of(Attendance, Attendance.status != "invited")))))


def delete_meeting(actor, meeting_id: int) -> None:
    """Delete a meeting scheduled by mistake; one with any history is part of the record: cancel it instead."""
    meeting = _get_managed(actor, meeting_id)
    if has_history(meeting):
        if meeting.status == "scheduled":
            raise Conflict(_l("This meeting has minutes, decisions, action items or recorded attendance: "
                              "it is part of the record and cannot be deleted. Cancel it instead."))
        raise Conflict(_l("This meeting has minutes, decisions, action items or recorded attendance: "
                          "it is part of the record and cannot be deleted."))
    audit.record(actor, "meeting.delete", meeting, {
        "group_id": meeting.group_id, "title": meeting.title, "starts_at": meeting.starts_at,
        "status": meeting.status})
    # Only invitations are left (nothing was recorded about them); the database refuses anything more.
    db.session.execute(sa.delete(Attendance).where(Attendance.meeting_id == meeting.id,
                                                   Attendance.status == "invited"))
    db.session.delete(meeting)
    _flush()


def mark_held(actor, meeting_id: int, now: datetime | None = None) -> Meeting:
    """Record that a meeting took place (once it has started)."""
    meeting = _get_managed(actor, meeting_id)
    if meeting.status == "held":
        return meeting
    _refuse_if_cancelled(meeting, _l("A cancelled meeting cannot be marked as held."))
    if meeting.starts_at > (now or utcnow()):
        raise ValidationError(_l("A meeting can be marked as held only once it has started."))
    meeting.status = "held"
    audit.record(actor, "meeting.held", meeting, {"status": ["scheduled", "held"]})
    _flush()
    return meeting


# --- minutes ---------------------------------------------------------------------------------

def save_minutes(actor, meeting_id: int, body: str) -> MinutesRevision | None:
    """Keep a new revision of the minutes; nothing is added when the text did not change."""
    meeting = _get_managed(actor, meeting_id)
    _refuse_if_cancelled(meeting, _l("A cancelled meeting has no minutes."))
    if meeting.minutes_published_at is not None:
        raise ValidationError(fields={"body": [_l("The minutes are published and can no longer be changed.")]})
    errors: dict = {}
    check_text(body, "body", TEXT_MAX, errors, required=True)
    if errors:
        raise ValidationError(fields=errors)
    body = _normalise_text(body)
    current = current_minutes(meeting)
    if current is not None and current.body == body:
        return current
    revision = MinutesRevision(meeting_id=meeting.id, body=body, author_id=actor.id)
    db.session.add(revision)
    db.session.flush()
    audit.record(actor, "meeting.minutes", meeting, {"revision_id": revision.id, "length": len(body)})
    db.session.flush()
    return revision


def publish_minutes(actor, meeting_id: int) -> Meeting:
    """Publish the current minutes; from now on they are locked."""
    meeting = _get_managed(actor, meeting_id)
    if meeting.minutes_published_at is not None:
        return meeting
    _refuse_if_cancelled(meeting, _l("A cancelled meeting has no minutes."))
    current = current_minutes(meeting)
    if current is None or not current.body.strip():
        raise ValidationError(fields={"body": [_l("Write the minutes before publishing them.")]})
    meeting.minutes_published_at = utcnow()
    audit.record(actor, "meeting.minutes_publish", meeting, {"revision_id": current.id})
    _flush()
    return meeting


# --- attendance ------------------------------------------------------------------------------

def record_attendance(actor, meeting_id: int, statuses: dict) -> list[Attendance]:
    """Set the status of some invitees ({user_id: status}); return the rows that changed."""
    meeting = _get_managed(actor, meeting_id)
    _refuse_if_cancelled(meeting, _l("Attendance cannot be recorded for a cancelled meeting."))
    if not isinstance(statuses, dict):
        raise ValidationError(fields={"statuses": [_l("Give each invitee's status.")]})
    rows = {row.user_id: row for row in db.session.execute(
        sa.select(Attendance).where(Attendance.meeting_id == meeting.id)).scalars()}
    errors = []
    for user_id, status in statuses.items():
        if not is_id(user_id) or user_id not in rows:
            errors.append(_l("Only invitees' attendance can be recorded."))
        elif status not in ATTENDANCE_STATUSES:
            errors.append(_l("Choose one of: %(choices)s.", choices=", ".join(ATTENDANCE_STATUSES)))
    if errors:
        raise ValidationError(fields={"statuses": list(dict.fromkeys(str(e) for e in errors))})
    changed, changes = [], {}
    for user_id, status in statuses.items():
        row = rows[user_id]
        if row.status != status:
            changes[str(user_id)] = [row.status, status]
            row.status = status
            changed.append(row)
    if changes:
        audit.record(actor, "meeting.attendance", meeting, changes)
    db.session.flush()
    return changed


def invite_person(actor, meeting_id: int, user_id: int) -> Attendance:
    """Add a person to the meeting's invitees (no change if they already are)."""
    meeting = _get_managed(actor, meeting_id)
    _refuse_if_cancelled(meeting)
    if not is_id(user_id):
        raise ValidationError(fields={"user_id": [_l("Choose a person.")]})
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        raise ValidationError(fields={"user_id": [_l("No active person has that id.")]})
    existing = sa.select(Attendance).where(Attendance.meeting_id == meeting.id, Attendance.user_id == user.id)
    row = db.session.execute(existing).scalar_one_or_none()
    if row is not None:
        return row
    row = Attendance(meeting_id=meeting.id, user_id=user.id, institution_id=user.institution_id, status="invited")
    try:
        # The meeting's row lock serialises this on PostgreSQL; SQLite has only the unique key.
        with unique_key(Attendance.meeting_id, Attendance.user_id):
            db.session.add(row)
    except DuplicateKey:
        return db.session.execute(existing).scalar_one()
    audit.record(actor, "meeting.invite", meeting, {"user_id": user.id})
    db.session.flush()
    return row


# --- decisions and action items --------------------------------------------------------------

def add_decision(actor, meeting_id: int, text: str) -> Decision:
    meeting = _get_managed(actor, meeting_id)
    _refuse_if_cancelled(meeting)
    errors: dict = {}
    check_text(text, "text", ITEM_MAX, errors, required=True)
    if errors:
        raise ValidationError(fields=errors)
    decision = Decision(meeting_id=meeting.id, text=_normalise_text(text).strip(), author_id=actor.id)
    db.session.add(decision)
    db.session.flush()
    audit.record(actor, "meeting.decision", meeting, {"decision_id": decision.id, "text": decision.text})
    db.session.flush()
    return decision


def add_action_item(actor, meeting_id: int, text: str, assignee_id: int | None = None,
                    due_date: date | None = None) -> ActionItem:
    meeting = _get_managed(actor, meeting_id)
    _refuse_if_cancelled(meeting)
    errors: dict = {}
    check_text(text, "text", ITEM_MAX, errors, required=True)
    if assignee_id is not None:
        assignee = db.session.get(User, assignee_id) if is_id(assignee_id) else None
        if assignee is None or not assignee.active:
            errors["assignee_id"] = [_l("No active person has that id.")]
    if due_date is not None and (not isinstance(due_date, date) or isinstance(due_date, datetime)):
        errors["due_date"] = [_l("Give a date as YYYY-MM-DD.")]
    if errors:
        raise ValidationError(fields=errors)
    item = ActionItem(meeting_id=meeting.id, text=_normalise_text(text).strip(), assignee_id=assignee_id,
                      due_date=due_date)
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "meeting.action_add", meeting, {
        "action_item_id": item.id, "text": item.text, "assignee_id": assignee_id, "due_date": due_date})
    db.session.flush()
    return item


def set_action_item_done(actor, meeting_id: int, item_id: int, done: bool) -> ActionItem:
    meeting = _get_managed(actor, meeting_id)
    if not isinstance(done, bool):
        raise ValidationError(fields={"done": [_l("Must be true or false.")]})
    item = db.session.get(ActionItem, item_id) if is_id(item_id) else None
    if item is None or item.meeting_id != meeting.id:
        raise NotFound()
    if item.done != done:
        audit.record(actor, "meeting.action_done", meeting, {"action_item_id": item.id, "done": [item.done, done]})
        item.done = done
    db.session.flush()
    return item
