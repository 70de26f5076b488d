"""A meeting as an iCalendar file: one VEVENT with a stable UID, in the coalition's timezone.

Building the file with the icalendar library costs milliseconds (folding, escaping, the zone's
transitions), while what it says changes rarely. So the file is built once per distinct content:
everything it is made from (the meeting's fields, its organiser and invitees, the base URL, the
zone, the method) is read on each request and hashed, and the bytes built from exactly those
inputs are kept under that hash. Only DTSTAMP, the moment the file is produced, is written per
request. An entry can never be stale: different inputs make a different key.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from icalendar import Calendar, Event, Timezone, vCalAddress, vText

from coalition.auth.models import User
from coalition.database import coalition_timezone_name, utcnow
from coalition.extensions import db
from coalition.meetings.models import Attendance, Meeting
from coalition.meetings.rendered import ContentCache

PRODID = "-//Coalition//Meetings//ES"
METHODS = ("PUBLISH", "REQUEST", "CANCEL")
CONTENT_TYPE = "text/calendar; charset=utf-8"
# Built files kept per process, by their inputs' hash (a file is about 10-20 KB).
CACHE_FILES = 256
# Written in place of DTSTAMP while building, then replaced by the real moment (same length).
_STAMP_PLACEHOLDER = datetime(1970, 1, 1, tzinfo=timezone.utc)
_STAMP_LINE = b"DTSTAMP:19700101T000000Z\r\n"

_built: ContentCache[tuple[bytes, bytes]] = ContentCache(CACHE_FILES)


@lru_cache(maxsize=8)
def _vtimezone(tzid: str, last_year: int) -> bytes:
    # Building the transitions takes a few milliseconds: do it once per process.
    component = Timezone.from_tzid(tzid, first_date=date(1970, 1, 1), last_date=date(last_year, 1, 1))
    component.pop("COMMENT", None)
    return component.to_ical()


def _address(email: str, name: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = vText(name)
    return address


def meeting_url(meeting: Meeting) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}/meetings/{meeting.id}"


def _invitees(meeting: Meeting) -> tuple[tuple[int, str, str], ...]:
    """(user id, email, name) of every invitee with an email address, by user id (one query)."""
    state = sa.inspect(meeting)
    if "attendance" not in state.unloaded:
        # Already loaded (a caller built the meeting with its invitees): no query.
        rows = ((row.user.id, row.user.email, row.user.name) for row in meeting.attendance if row.user is not None)
    else:
        rows = db.session.execute(
            sa.select(User.id, User.email, User.name).join(Attendance, Attendance.user_id == User.id)
            .where(Attendance.meeting_id == meeting.id)).all()
    return tuple(sorted((user_id, email, name) for user_id, email, name in rows if email))


def meeting_calendar(meeting: Meeting, method: str = "PUBLISH") -> bytes:
    """Render the meeting as an iCalendar file; a cancelled meeting always goes out as CANCEL."""
    if meeting.status == "cancelled":
        method = "CANCEL"
    if method not in METHODS:
        raise ValueError(f"unknown iCalendar method {method!r}")
    organiser = meeting.organiser
    inputs = (
        method, coalition_timezone_name(), meeting_url(meeting), meeting.ical_uid, meeting.ical_sequence,
        meeting.starts_at, meeting.duration_minutes, meeting.title, meeting.location, meeting.agenda,
        meeting.status, meeting.updated_at,
        (organiser.email, organiser.name) if organiser is not None and organiser.email else None,
        _invitees(meeting),
    )
    parts = _built.get(inputs, lambda: _build(*inputs))
    head, tail = parts
    return b"".join((head, utcnow().strftime("DTSTAMP:%Y%m%dT%H%M%SZ\r\n").encode(), tail))


def _build(method, tzid, url, uid, sequence, starts_at, duration_minutes, title, location, agenda, status,
           updated_at, organiser, invitees) -> tuple[bytes, bytes]:
    """The file built from exactly these inputs, split where its DTSTAMP line goes."""
    zone = ZoneInfo(tzid)
    ends_at = starts_at + timedelta(minutes=duration_minutes)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    last_year = max(2038, ends_at.year + 2)
    calendar.add_component(Timezone.from_ical(_vtimezone(tzid, last_year)))

    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", _STAMP_PLACEHOLDER)
    event.add("dtstart", starts_at.astimezone(zone))
    event.add("dtend", ends_at.astimezone(zone))
    event.add("summary", title)
    if location:
        event.add("location", location)
    if agenda:
        event.add("description", agenda)
    event.add("url", url)
    event.add("status", "CANCELLED" if status == "cancelled" else "CONFIRMED")
    if updated_at is not None:
        event.add("last-modified", updated_at)
    if organiser is not None:
        event.add("organizer", _address(*organiser))
    for _user_id, email, name in invitees:
        attendee = _address(email, name)
        attendee.params["ROLE"] = vText("REQ-PARTICIPANT")
        attendee.params["PARTSTAT"] = vText("NEEDS-ACTION")
        attendee.params["CUTYPE"] = vText("INDIVIDUAL")
        event.add("attendee", attendee, encode=0)
    calendar.add_component(event)
    data = calendar.to_ical()
    head, found, tail = data.partition(_STAMP_LINE)
    if not found:
        raise RuntimeError("the DTSTAMP placeholder is missing from the built calendar")
    return head, tail


def forget_calendars() -> None:
    """Empty the built-file cache (tests)."""
    _built.clear()
