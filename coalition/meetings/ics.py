"""A meeting as an iCalendar file: one VEVENT with a stable UID, in the coalition's timezone."""
from __future__ import annotations

from datetime import date
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app
from icalendar import Calendar, Event, Timezone, vCalAddress, vText

from coalition.database import coalition_timezone_name, utcnow
from coalition.meetings.models import Meeting

PRODID = "-//Coalition//Meetings//ES"
METHODS = ("PUBLISH", "REQUEST", "CANCEL")
CONTENT_TYPE = "text/calendar; charset=utf-8"


@lru_cache(maxsize=8)
def _vtimezone(tzid: str, last_year: int) -> bytes:
    # Building the transitions takes a few milliseconds: do it once per process.
    component = Timezone.from_tzid(tzid, first_date=date(1970, 1, 1), last_date=date(last_year, 1, 1))
    component.pop("COMMENT", None)
    return component.to_ical()


def _address(user) -> vCalAddress:
    address = vCalAddress(f"mailto:{user.email}")
    address.params["CN"] = vText(user.name)
    return address


def meeting_url(meeting: Meeting) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}/meetings/{meeting.id}"


def meeting_calendar(meeting: Meeting, method: str = "PUBLISH") -> bytes:
    """Render the meeting as an iCalendar file; a cancelled meeting always goes out as CANCEL."""
    if meeting.status == "cancelled":
        method = "CANCEL"
    if method not in METHODS:
        raise ValueError(f"unknown iCalendar method {method!r}")
    tzid = coalition_timezone_name()
    zone = ZoneInfo(tzid)

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    last_year = max(2038, meeting.ends_at.year + 2)
    calendar.add_component(Timezone.from_ical(_vtimezone(tzid, last_year)))

    event = Event()
    event.add("uid", meeting.ical_uid)
    event.add("sequence", meeting.ical_sequence)
    event.add("dtstamp", utcnow())
    event.add("dtstart", meeting.starts_at.astimezone(zone))
    event.add("dtend", meeting.ends_at.astimezone(zone))
    event.add("summary", meeting.title)
    if meeting.location:
        event.add("location", meeting.location)
    if meeting.agenda:
        event.add("description", meeting.agenda)
    event.add("url", meeting_url(meeting))
    event.add("status", "CANCELLED" if meeting.status == "cancelled" else "CONFIRMED")
    if meeting.updated_at is not None:
        event.add("last-modified", meeting.updated_at)
    if meeting.organiser is not None and meeting.organiser.email:
        event.add("organizer", _address(meeting.organiser))
    for row in sorted(meeting.attendance, key=lambda r: r.user_id):
        if row.user is None or not row.user.email:
            continue
        attendee = _address(row.user)
        attendee.params["ROLE"] = vText("REQ-PARTICIPANT")
        attendee.params["PARTSTAT"] = vText("NEEDS-ACTION")
        attendee.params["CUTYPE"] = vText("INDIVIDUAL")
        event.add("attendee", attendee, encode=0)
    calendar.add_component(event)
    return calendar.to_ical()
