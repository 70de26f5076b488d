"""Reminders, found by scanning the database as of an instant and written to the outbox.

Each reminder's `dedupe_key` names what it is about and the fact that makes it due (the due date,
the week of lateness, the last update, the meeting's calendar SEQUENCE), so running the scan again,
or from two schedulers at once, writes nothing new, and a changed fact reminds afresh.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from coalition.auth.models import User
from coalition.deliverables.health import coalition_clock
from coalition.deliverables.models import Deliverable
from coalition.extensions import db
from coalition.groups.models import GroupMembership
from coalition.meetings.ics import meeting_calendar
from coalition.meetings.models import Attendance, Meeting, MinutesRevision
from coalition.notifications import services as outbox

# Intervals come from settings (config: STALE_AFTER_DAYS, STALE_ESCALATION_DAYS, DUE_SOON_DAYS,
# MINUTES_REMINDER_DAYS), shared with the health rules and digests. A held meeting's minutes are
# chased within this window at least.
MINUTES_WINDOW_DAYS = 30


def stale_steps() -> tuple[tuple[int, str], ...]:
    """(days without an update, who is told): the owner, then the leads, then the coordinators."""
    first, more = current_app.config["STALE_AFTER_DAYS"], current_app.config["STALE_ESCALATION_DAYS"]
    return ((first, "owner"), (first + more, "leads"), (first + 2 * more, "coordinators"))


def _two_steps(name: str) -> tuple[int, int]:
    """A setting of two day counts, as (smaller, larger)."""
    low, high = sorted(int(days) for days in current_app.config[name])
    return low, high


def _link(path: str) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}{path}"


def _leads_by_group() -> dict[int, list[User]]:
    leads: dict[int, list[User]] = defaultdict(list)
    for group_id, person in db.session.execute(
        sa.select(GroupMembership.group_id, User).join(User, User.id == GroupMembership.user_id)
        .where(GroupMembership.role == "lead", User.active.is_(True))
    ).all():
        leads[group_id].append(person)
    return leads


def _coordinators() -> list[User]:
    return list(db.session.execute(
        sa.select(User).where(User.role.in_(("coordinator", "admin")), User.active.is_(True))).scalars())


def _send(person: User, reason: str, key: str, attachments=None, **context) -> int:
    subject, text, html = outbox.render("reminder", person.language, person=person, reason=reason,
                                        tz=person.timezone, **context)
    return int(outbox.enqueue(kind="reminder", recipient=person.email, recipient_id=person.id, subject=subject,
                              text_body=text, html_body=html, dedupe_key=f"{key}:user{person.id}",
                              attachments=attachments))


def queue_reminders(at: datetime) -> dict[str, int]:
    """Write every reminder due as of `at`; return how many of each reason were new."""
    clock = coalition_clock(at)
    today = clock.today
    written: dict[str, int] = defaultdict(int)
    leads = _leads_by_group()
    coordinators = None
    steps = stale_steps()
    due_last, due_first = _two_steps("DUE_SOON_DAYS")  # SPEC: 1 and 7 (the reasons keep those names)
    minutes_first, minutes_second = _two_steps("MINUTES_REMINDER_DAYS")

    open_deliverables = db.session.execute(
        sa.select(Deliverable).options(joinedload(Deliverable.owner), joinedload(Deliverable.group))
        .where(Deliverable.status != "done", Deliverable.archived_at.is_(None),
               sa.or_(Deliverable.due_date <= today + timedelta(days=due_first),
                      sa.and_(Deliverable.status.in_(("in_progress", "in_review")),
                              Deliverable.last_update_at < at - timedelta(days=steps[0][0]))))
    ).scalars()
    for d in open_deliverables:
        context = {"deliverable": d, "link": _link(f"/deliverables/{d.id}")}
        owner = d.owner if d.owner.active else None
        if d.due_date < today:
            weeks_late = (today - d.due_date).days // 7
            key = f"reminder:overdue:d{d.id}:{d.due_date}:w{weeks_late}"
            for person in ([owner] if owner else []) + [p for p in leads[d.group_id] if p.id != d.owner_id]:
                written["overdue"] += _send(person, "overdue", key, days_late=(today - d.due_date).days, **context)
        elif d.due_date <= today + timedelta(days=due_last):
            if owner:
                written["due_1"] += _send(owner, "due_1", f"reminder:due{due_last}:d{d.id}:{d.due_date}", **context)
        elif d.due_date <= today + timedelta(days=due_first):
            if owner:
                written["due_7"] += _send(owner, "due_7", f"reminder:due{due_first}:d{d.id}:{d.due_date}", **context)
        if d.status in ("in_progress", "in_review"):
            idle = (at - d.last_update_at).days
            for days, audience in steps:
                if idle < days:
                    break
                key = f"reminder:stale{days}:d{d.id}:{d.last_update_at.date()}"
                if audience == "owner":
                    people = [owner] if owner else []
                elif audience == "leads":
                    people = leads[d.group_id]
                else:
                    coordinators = coordinators if coordinators is not None else _coordinators()
                    people = coordinators
                for person in people:
                    written[f"stale_{audience}"] += _send(person, f"stale_{audience}", key, idle_days=idle,
                                                          **context)

    # Meetings starting within 24 hours: each invitee, once per calendar SEQUENCE (a moved meeting again).
    rows = db.session.execute(
        sa.select(Meeting, User).join(Attendance, Attendance.meeting_id == Meeting.id)
        .join(User, User.id == Attendance.user_id)
        .options(joinedload(Meeting.group))
        .where(Meeting.status == "scheduled", Meeting.starts_at > at, Meeting.starts_at <= at + timedelta(hours=24),
               User.active.is_(True), Attendance.status != "excused")
    ).all()
    calendars: dict[int, bytes] = {}
    for meeting, person in rows:
        if meeting.id not in calendars:
            calendars[meeting.id] = meeting_calendar(meeting, method="REQUEST")
        ics = [outbox.attachment(f"meeting-{meeting.id}.ics", "text/calendar; method=REQUEST", calendars[meeting.id])]
        written["meeting_24h"] += _send(person, "meeting_24h", f"reminder:meeting:m{meeting.id}:seq{meeting.ical_sequence}",
                                        attachments=ics, meeting=meeting, link=_link(f"/meetings/{meeting.id}"))

    # Held meetings still without minutes: the organiser, 3 and 7 days after (MINUTES_REMINDER_DAYS).
    has_minutes = sa.exists().where(MinutesRevision.meeting_id == Meeting.id)
    for meeting in db.session.execute(
        sa.select(Meeting).options(joinedload(Meeting.organiser), joinedload(Meeting.group))
        .where(Meeting.status == "held", ~has_minutes, Meeting.starts_at <= at - timedelta(days=minutes_first),
               Meeting.starts_at > at - timedelta(days=max(MINUTES_WINDOW_DAYS, 2 * minutes_second)))
    ).scalars():
        organiser = meeting.organiser
        if organiser is None or not organiser.active:
            continue
        step = minutes_second if meeting.starts_at <= at - timedelta(days=minutes_second) else minutes_first
        written["minutes_missing"] += _send(organiser, "minutes_missing", f"reminder:minutes{step}:m{meeting.id}",
                                            meeting=meeting, link=_link(f"/meetings/{meeting.id}"))
    return {reason: n for reason, n in written.items() if n}
