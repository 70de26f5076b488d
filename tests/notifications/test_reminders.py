"""Reminders as SPEC lists them, computed as of an instant, never doubled."""
from __future__ import annotations

import base64
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa

from coalition.extensions import db
from coalition.meetings import services as meetings
from coalition.meetings.models import Meeting
from coalition.notifications.models import OutboxMessage
from coalition.notifications.reminders import queue_reminders
from tests import factories

# 08:00 in Mexico City on Monday 7 December 2026.
AT = datetime(2026, 12, 7, 14, 0, tzinfo=timezone.utc)
TODAY = date(2026, 12, 7)


def sent(reason_word: str | None = None) -> list[OutboxMessage]:
    db.session.expire_all()
    rows = db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.kind == "reminder")
                              .order_by(OutboxMessage.id)).scalars().all()
    return [r for r in rows if reason_word is None or reason_word in r.dedupe_key]


def test_due_in_seven_and_one_day_remind_the_owner_once_each(app):
    owner = factories.user(groups={"ethics": "member"}, language="en")
    factories.deliverable(owner=owner, due_date=TODAY + timedelta(days=7), last_update_at=AT)
    factories.deliverable(owner=owner, due_date=TODAY + timedelta(days=1), last_update_at=AT)
    factories.deliverable(owner=owner, due_date=TODAY + timedelta(days=20), last_update_at=AT)
    db.session.commit()
    assert queue_reminders(AT) == {"due_7": 1, "due_1": 1}
    db.session.commit()
    assert queue_reminders(AT) == {}  # a second run, or a second scheduler, writes nothing
    db.session.commit()
    subjects = sorted(m.subject for m in sent())
    assert subjects[0].startswith("Due in a week") and subjects[1].startswith("Due tomorrow")
    assert all(m.recipient == owner.email for m in sent())


def test_overdue_reminds_owner_and_leads_then_weekly(app):
    owner = factories.user(groups={"ethics": "member"})
    lead = factories.user(groups={"ethics": "lead"})
    factories.deliverable(owner=owner, due_date=TODAY - timedelta(days=2), last_update_at=AT)
    db.session.commit()
    assert queue_reminders(AT) == {"overdue": 2}
    db.session.commit()
    assert queue_reminders(AT + timedelta(days=3)) == {}
    db.session.commit()
    assert queue_reminders(AT + timedelta(days=6)) == {"overdue": 2}  # a week after it fell due
    db.session.commit()
    assert {m.recipient for m in sent("overdue")} == {owner.email, lead.email}


def test_stale_escalates_owner_then_leads_then_coordinators(app):
    owner = factories.user(groups={"ethics": "member"})
    lead = factories.user(groups={"ethics": "lead"})
    coordinator = factories.user(role="coordinator")
    item = factories.deliverable(owner=owner, status="in_progress", due_date=TODAY + timedelta(days=90),
                                 last_update_at=AT - timedelta(days=15))
    db.session.commit()
    assert queue_reminders(AT) == {"stale_owner": 1}
    db.session.commit()
    assert queue_reminders(AT + timedelta(days=7)) == {"stale_leads": 1}
    db.session.commit()
    assert queue_reminders(AT + timedelta(days=14)) == {"stale_coordinators": 1}
    db.session.commit()
    assert [m.recipient for m in sent("stale")] == [owner.email, lead.email, coordinator.email]
    # An update resets the clock: nothing more until it goes stale again.
    item.last_update_at = AT + timedelta(days=14)
    db.session.commit()
    assert queue_reminders(AT + timedelta(days=15)) == {}


def test_meeting_in_24_hours_reminds_invitees_once_and_again_at_its_new_time(app):
    lead = factories.user(groups={"ethics": "lead"}, timezone="Europe/Madrid", language="es")
    member = factories.user(groups={"ethics": "member"})
    db.session.commit()
    meeting = meetings.create_meeting(lead, factories.group("ethics"), title="Sesión",
                                      starts_at=AT + timedelta(hours=20))
    db.session.commit()
    assert queue_reminders(AT) == {"meeting_24h": 2}
    db.session.commit()
    assert queue_reminders(AT + timedelta(hours=1)) == {}
    meeting = db.session.get(Meeting, meeting.id)
    meetings.edit_meeting(lead, meeting.id, version=meeting.version, starts_at=AT + timedelta(hours=22))
    db.session.commit()
    assert queue_reminders(AT + timedelta(hours=2)) == {"meeting_24h": 2}
    db.session.commit()
    reminder = sent("meeting")[-1]
    assert reminder.attachments and reminder.attachments[0]["filename"].endswith(".ics")
    madrid = next(m for m in sent("meeting") if m.recipient == lead.email)
    assert "Europe/Madrid" in madrid.subject or "Europe/Madrid" in madrid.text_body
    assert {m.recipient for m in sent("meeting")} == {lead.email, member.email}


def test_held_meeting_without_minutes_reminds_its_organiser_at_3_and_7_days(app):
    lead = factories.user(groups={"ethics": "lead"})
    db.session.commit()
    meeting = factories.meeting("ethics", starts_at=AT - timedelta(days=4), status="held", organiser_id=lead.id)
    done = factories.meeting("ethics", starts_at=AT - timedelta(days=4), status="held", organiser_id=lead.id)
    db.session.commit()
    meetings.save_minutes(lead, done.id, "Acuerdos")
    db.session.commit()
    assert queue_reminders(AT) == {"minutes_missing": 1}
    db.session.commit()
    assert queue_reminders(AT + timedelta(days=1)) == {}
    assert queue_reminders(AT + timedelta(days=3)) == {"minutes_missing": 1}
    db.session.commit()
    assert [m.dedupe_key.split(":")[1] for m in sent("minutes")] == ["minutes3", "minutes7"]
    assert all(f"m{meeting.id}" in m.dedupe_key for m in sent("minutes"))


def test_cli_reminders_inline_with_at(app):
    owner = factories.user(groups={"ethics": "member"})
    factories.deliverable(owner=owner, due_date=TODAY + timedelta(days=1), last_update_at=AT)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["reminders", "--inline", "--at", "2026-12-07T08:00:00-06:00"])
    assert result.exit_code == 0, result.output
    assert "Queued 1 reminders" in result.output and "due_1" in result.output
    result = app.test_cli_runner().invoke(args=["reminders", "--inline", "--at", "yesterday"])
    assert result.exit_code != 0 and "ISO 8601" in result.output


def test_a_meeting_across_the_european_dst_change_is_told_in_each_persons_local_time(app):
    lead = factories.user(groups={"ethics": "lead"}, timezone="Europe/Madrid", language="es")
    member = factories.user(groups={"ethics": "member"}, language="en")  # Mexico City
    db.session.commit()
    # Monday 26 October 2026, 09:00 UTC: 10:00 in Madrid (its first day back on UTC+1), 03:00 in Mexico City.
    starts = datetime(2026, 10, 26, 9, 0, tzinfo=timezone.utc)
    meetings.create_meeting(lead, factories.group("ethics"), title="Sesión de otoño", starts_at=starts)
    db.session.commit()
    before_change = datetime(2026, 10, 24, 12, 0, tzinfo=timezone.utc)  # Madrid still on UTC+2
    assert queue_reminders(before_change) == {}
    assert queue_reminders(starts - timedelta(hours=23)) == {"meeting_24h": 2}
    db.session.commit()
    by_person = {m.recipient: m for m in sent("meeting")}
    assert "10:00" in by_person[lead.email].text_body and "Europe/Madrid" in by_person[lead.email].text_body
    assert "3:00" in by_person[member.email].text_body and "10:00" not in by_person[member.email].text_body
    calendar = base64.b64decode(by_person[lead.email].attachments[0]["data"]).decode()
    # The calendar entry is anchored in the coalition's zone, with its VTIMEZONE: 03:00 Mexico City.
    assert "DTSTART;TZID=America/Mexico_City:20261026T030000" in calendar and "BEGIN:VTIMEZONE" in calendar


# --- intervals from settings ---------------------------------------------------------------------

def test_stale_steps_follow_the_settings_and_health_agrees(app):
    from coalition.dashboards.services import Filters, compute_figures

    app.config.update(STALE_AFTER_DAYS=10, STALE_ESCALATION_DAYS=3)
    owner = factories.user(groups={"ethics": "member"})
    lead = factories.user(groups={"ethics": "lead"})
    coordinator = factories.user(role="coordinator")
    factories.deliverable(owner=owner, status="in_progress", due_date=TODAY + timedelta(days=90),
                          last_update_at=AT - timedelta(days=9, hours=23))
    db.session.commit()
    assert queue_reminders(AT) == {}
    assert compute_figures(None, Filters(), AT).stale == []
    assert queue_reminders(AT + timedelta(hours=2)) == {"stale_owner": 1}
    assert len(compute_figures(None, Filters(), AT + timedelta(hours=2)).stale) == 1
    db.session.commit()
    assert queue_reminders(AT + timedelta(days=3, hours=2)) == {"stale_leads": 1}
    db.session.commit()
    assert queue_reminders(AT + timedelta(days=6, hours=2)) == {"stale_coordinators": 1}
    db.session.commit()
    assert [m.recipient for m in sent("stale")] == [owner.email, lead.email, coordinator.email]
    assert [m.dedupe_key.split(":")[1] for m in sent("stale")] == ["stale10", "stale13", "stale16"]


def test_due_soon_steps_follow_the_settings(app):
    app.config["DUE_SOON_DAYS"] = (10, 2)
    owner = factories.user(groups={"ethics": "member"})
    factories.deliverable(owner=owner, due_date=TODAY + timedelta(days=10), last_update_at=AT)
    factories.deliverable(owner=owner, due_date=TODAY + timedelta(days=2), last_update_at=AT)
    factories.deliverable(owner=owner, due_date=TODAY + timedelta(days=11), last_update_at=AT)
    db.session.commit()
    assert queue_reminders(AT) == {"due_7": 1, "due_1": 1}
    db.session.commit()
    assert sorted(m.dedupe_key.split(":")[1] for m in sent()) == ["due10", "due2"]


def test_minutes_reminders_follow_the_settings(app):
    app.config["MINUTES_REMINDER_DAYS"] = (2, 5)
    lead = factories.user(groups={"ethics": "lead"})
    factories.meeting("ethics", starts_at=AT - timedelta(days=2, hours=1), status="held", organiser_id=lead.id)
    db.session.commit()
    assert queue_reminders(AT) == {"minutes_missing": 1}
    db.session.commit()
    assert queue_reminders(AT + timedelta(days=2)) == {}
    assert queue_reminders(AT + timedelta(days=3)) == {"minutes_missing": 1}
    db.session.commit()
    assert [m.dedupe_key.split(":")[1] for m in sent("minutes")] == ["minutes2", "minutes5"]
