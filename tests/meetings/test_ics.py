from datetime import datetime, timedelta, timezone

from icalendar import Calendar

from coalition.extensions import db
from coalition.meetings import services
from coalition.meetings.ics import meeting_calendar
from tests import factories

STARTS = datetime(2031, 5, 6, 16, 0, tzinfo=timezone.utc)  # 10:00 in Mexico City


def _parse(data: bytes):
    calendar = Calendar.from_ical(data)
    (event,) = calendar.events
    return calendar, event


def test_ics_has_stable_uid_and_vtimezone(app):
    lead = factories.user(groups={"ethics": "lead"}, name="Ana Líder")
    meeting = factories.meeting("ethics", invitees=[lead], organiser_id=lead.id, starts_at=STARTS,
                                duration_minutes=90, title="Sesión; ética, IA", agenda="1. Bienvenida\n2. Cierre",
                                location="Sala 2")
    db.session.commit()
    first = meeting_calendar(meeting)
    calendar, event = _parse(first)
    assert calendar["VERSION"] == "2.0" and calendar["METHOD"] == "PUBLISH" and "Coalition" in calendar["PRODID"]
    assert [tz.tz_name for tz in calendar.timezones] == ["America/Mexico_City"]
    assert str(event["UID"]) == meeting.ical_uid
    assert event["SEQUENCE"] == 0
    assert b"DTSTART;TZID=America/Mexico_City:20310506T100000" in first
    assert b"DTEND;TZID=America/Mexico_City:20310506T113000" in first
    assert event.start == STARTS and event.end == STARTS + timedelta(minutes=90)
    assert str(event["SUMMARY"]) == "Sesión; ética, IA"
    assert str(event["DESCRIPTION"]) == "1. Bienvenida\n2. Cierre"
    assert str(event["LOCATION"]) == "Sala 2"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["URL"]).endswith(f"/meetings/{meeting.id}")
    assert "DTSTAMP" in event
    assert str(event["ORGANIZER"]) == f"mailto:{lead.email}"
    assert str(event["ORGANIZER"].params["CN"]) == "Ana Líder"
    assert str(event["ATTENDEE"]) == f"mailto:{lead.email}"

    services.edit_meeting(lead, meeting.id, version=meeting.version, starts_at=STARTS + timedelta(days=1))
    db.session.commit()
    _, moved = _parse(meeting_calendar(meeting, method="REQUEST"))
    assert str(moved["UID"]) == meeting.ical_uid
    assert moved["SEQUENCE"] == 1
    assert moved.start == STARTS + timedelta(days=1)


def test_url_uses_the_configured_base_url(app):
    app.config["BASE_URL"] = "https://coalicion.example.mx/"
    meeting = factories.meeting()
    _, event = _parse(meeting_calendar(meeting))
    assert str(event["URL"]) == f"https://coalicion.example.mx/meetings/{meeting.id}"


def test_cancelled_meeting_is_sent_as_cancel(app):
    lead = factories.user(groups={"ethics": "lead"})
    meeting = factories.meeting("ethics", invitees=[lead], starts_at=STARTS)
    services.cancel_meeting(lead, meeting.id)
    db.session.commit()
    calendar, event = _parse(meeting_calendar(meeting, method="REQUEST"))
    assert calendar["METHOD"] == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 1
    assert str(event["UID"]) == meeting.ical_uid


def test_meeting_without_organiser_place_or_agenda_still_renders(app):
    meeting = factories.meeting(location="", agenda="", organiser_id=None)
    _, event = _parse(meeting_calendar(meeting))
    assert "ORGANIZER" not in event and "LOCATION" not in event and "DESCRIPTION" not in event
    assert "ATTENDEE" not in event


def test_times_across_the_old_daylight_saving_rules_are_right(app):
    # Mexico City kept summer time until 2022: 2019-07-01 16:00 UTC was 11:00 there.
    meeting = factories.meeting(starts_at=datetime(2019, 7, 1, 16, 0, tzinfo=timezone.utc))
    data = meeting_calendar(meeting)
    assert b"DTSTART;TZID=America/Mexico_City:20190701T110000" in data
    _, event = _parse(data)
    assert event.start == datetime(2019, 7, 1, 16, 0, tzinfo=timezone.utc)


def test_a_kept_file_follows_every_change_it_depends_on(app):
    lead = factories.user(groups={"ethics": "lead"}, name="Ana Líder")
    guest = factories.user(name="Beto Invitado")
    meeting = factories.meeting("ethics", invitees=[lead], organiser_id=lead.id, starts_at=STARTS, title="Plenaria")
    db.session.commit()
    first = meeting_calendar(meeting)
    assert meeting_calendar(meeting).replace(b"\r\n ", b"").count(b"mailto:") == 2  # organiser and one attendee

    services.invite_person(lead, meeting.id, guest.id)
    db.session.commit()
    _, event = _parse(meeting_calendar(db.session.get(type(meeting), meeting.id)))
    assert sorted(str(a) for a in event["ATTENDEE"]) == sorted([f"mailto:{lead.email}", f"mailto:{guest.email}"])

    guest.name = "Beto Renombrado"
    db.session.commit()
    assert b"Beto Renombrado" in meeting_calendar(meeting).replace(b"\r\n ", b"")

    services.edit_meeting(lead, meeting.id, version=meeting.version, title="Plenaria anual")
    db.session.commit()
    _, event = _parse(meeting_calendar(meeting))
    assert str(event["SUMMARY"]) == "Plenaria anual"
    assert first != meeting_calendar(meeting)


def test_each_file_is_stamped_when_it_is_made(app, monkeypatch):
    from coalition.meetings import ics

    meeting = factories.meeting(starts_at=STARTS)
    db.session.commit()
    monkeypatch.setattr(ics, "utcnow", lambda: datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc))
    one = meeting_calendar(meeting)
    monkeypatch.setattr(ics, "utcnow", lambda: datetime(2030, 1, 2, 3, 4, 6, tzinfo=timezone.utc))
    two = meeting_calendar(meeting)
    assert b"DTSTAMP:20300102T030405Z\r\n" in one and b"DTSTAMP:20300102T030406Z\r\n" in two
    assert one.replace(b"030405Z", b"030406Z") == two
    assert b"DTSTAMP:19700101" not in two
    _, event = _parse(two)
    assert event["DTSTAMP"].dt == datetime(2030, 1, 2, 3, 4, 6, tzinfo=timezone.utc)


def test_the_file_is_built_once_per_content_and_read_in_a_fixed_number_of_queries(app, monkeypatch):
    import sqlalchemy as sa

    from coalition.meetings import ics

    lead = factories.user(groups={"ethics": "lead"})
    meeting = factories.meeting("ethics", invitees=[lead] + [factories.user() for _ in range(12)],
                                organiser_id=lead.id, starts_at=STARTS)
    db.session.commit()
    builds = []
    real = ics._build
    monkeypatch.setattr(ics, "_build", lambda *inputs: builds.append(inputs) or real(*inputs))
    ics.forget_calendars()
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    db.session.expire_all()
    fresh = db.session.get(type(meeting), meeting.id)
    fresh.organiser  # noqa: B018 - loaded as the page's query loads it
    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        meeting_calendar(fresh)
        meeting_calendar(fresh)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)
    assert len(builds) == 1
    assert len(statements) == 2  # the invitees, once per file: not once per invitee
