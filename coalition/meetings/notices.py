"""Meeting invitations and cancellations by email, each with the meeting's .ics attached."""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from coalition.auth.models import User
from coalition.extensions import db
from coalition.meetings.ics import meeting_calendar
from coalition.meetings.models import Attendance, Meeting
from coalition.notifications import services as outbox


def queue_meeting_notices(meeting: Meeting) -> int:
    """Write an invitation (or, once cancelled, a cancellation) to every active invitee.

    One message per invitee and calendar SEQUENCE: saving the same version again sends nothing new,
    and a moved meeting goes out again with the new time.
    """
    kind = "cancellation" if meeting.status == "cancelled" else "invitation"
    method = "CANCEL" if kind == "cancellation" else "REQUEST"
    invitees = db.session.execute(
        sa.select(User).join(Attendance, Attendance.user_id == User.id)
        .where(Attendance.meeting_id == meeting.id, User.active.is_(True))
    ).scalars().all()
    if not invitees:
        return 0
    calendar = meeting_calendar(meeting, method=method)
    link = f"{current_app.config['BASE_URL'].rstrip('/')}/meetings/{meeting.id}"
    written = 0
    for person in invitees:
        subject, text, html = outbox.render(kind, person.language, meeting=meeting, person=person, link=link,
                                            tz=person.timezone)
        written += outbox.enqueue(
            kind=kind, recipient=person.email, recipient_id=person.id, subject=subject, text_body=text,
            html_body=html, dedupe_key=f"meeting:{meeting.id}:{kind}:seq{meeting.ical_sequence}:user{person.id}",
            attachments=[outbox.attachment(f"meeting-{meeting.id}.ics", f"text/calendar; method={method}",
                                           calendar)])
    return written
