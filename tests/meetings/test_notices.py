"""Invitations and cancellations reach each invitee, in their language and timezone, with the .ics."""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa

from coalition.extensions import db
from coalition.meetings import services
from coalition.notifications import services as outbox
from coalition.notifications.models import OutboxMessage
from tests import factories
from tests.notifications.test_services import smtp  # noqa: F401  (the aiosmtpd fixture)

START = datetime(2031, 3, 4, 16, 0, tzinfo=timezone.utc)


def messages(kind: str) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.execute(
        sa.select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)).scalars())


def test_new_meeting_invites_each_member_in_their_language_and_timezone(app, smtp):  # noqa: F811
    lead = factories.user(groups={"ethics": "lead"}, language="es", timezone="America/Mexico_City")
    member = factories.user(groups={"ethics": "member"}, language="en", timezone="Europe/Madrid")
    db.session.commit()
    meeting = services.create_meeting(lead, factories.group("ethics"), title="Sesión de marzo", starts_at=START,
                                      duration_minutes=90)
    db.session.commit()
    assert len(messages("invitation")) == 2
    outbox.deliver_due()
    received = {m["To"]: m for m in smtp.messages}
    spanish, english = received[lead.email], received[member.email]
    assert spanish["Subject"].startswith("Invitación") and "10:00" in spanish["Subject"]
    assert english["Subject"].startswith("Invitation") and "5:00 PM" in english["Subject"]
    assert english["X-Coalition-Kind"] == "invitation"
    [ics] = list(english.iter_attachments())
    assert ics.get_content_type() == "text/calendar" and ics.get_param("method") == "REQUEST"
    body = ics.get_content()
    body = body.decode() if isinstance(body, bytes) else body
    assert "METHOD:REQUEST" in body and f"UID:{meeting.ical_uid}" in body and "SEQUENCE:0" in body
    assert "BEGIN:VTIMEZONE" in body


def test_moving_a_meeting_sends_it_again_once_with_a_higher_sequence(app):
    lead = factories.user(groups={"ethics": "lead"})
    db.session.commit()
    meeting = services.create_meeting(lead, factories.group("ethics"), title="Sesión", starts_at=START)
    db.session.commit()
    services.edit_meeting(lead, meeting.id, version=meeting.version, title="Sesión (orden del día nuevo)")
    db.session.commit()
    assert len(messages("invitation")) == 1  # a new title alone does not move anyone's calendar
    services.edit_meeting(lead, meeting.id, version=meeting.version,
                          starts_at=START.replace(hour=18))
    db.session.commit()
    invitations = messages("invitation")
    assert len(invitations) == 2 and invitations[-1].dedupe_key.endswith(f"seq1:user{lead.id}")
    assert "12:00" in invitations[-1].subject  # 18:00 UTC is noon in Mexico City


def test_cancelling_sends_a_cancel_with_the_same_uid(app, smtp):  # noqa: F811
    lead = factories.user(groups={"ethics": "lead"})
    db.session.commit()
    meeting = services.create_meeting(lead, factories.group("ethics"), title="Sesión", starts_at=START)
    db.session.commit()
    services.cancel_meeting(lead, meeting.id)
    services.cancel_meeting(lead, meeting.id)  # twice: still one cancellation
    db.session.commit()
    assert len(messages("cancellation")) == 1
    outbox.deliver_due()
    cancellation = next(m for m in smtp.messages if m["X-Coalition-Kind"] == "cancellation")
    [ics] = list(cancellation.iter_attachments())
    body = ics.get_content()
    body = body.decode() if isinstance(body, bytes) else body
    assert "METHOD:CANCEL" in body and f"UID:{meeting.ical_uid}" in body and "SEQUENCE:1" in body
