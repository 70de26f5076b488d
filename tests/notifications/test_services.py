"""The outbox against a real SMTP server (aiosmtpd on loopback)."""
from __future__ import annotations

import email
import socket
from datetime import timedelta
from email import policy

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from coalition.database import utcnow
from coalition.extensions import db
from coalition.notifications import services
from coalition.notifications.models import OutboxMessage
from tests import factories


class Recorder:
    """An SMTP handler that keeps what it receives, or answers with a chosen failure."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []
        self.reply: str | None = None

    async def handle_DATA(self, server, session, envelope):
        if self.reply:
            return self.reply
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(app):
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_STARTTLS=False)
    yield recorder
    controller.stop()


def queue(n: int = 1, kind: str = "reminder", key: str = "k") -> None:
    for i in range(n):
        services.enqueue(kind=kind, recipient=f"persona{i}@example.org", subject="Asunto ñ",
                         text_body="Texto", html_body="<p>Texto</p>", dedupe_key=f"{key}:{i}",
                         attachments=[services.attachment("reunion.ics", "text/calendar", b"BEGIN:VCALENDAR")])
    db.session.commit()


def rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.execute(sa.select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def test_a_queued_message_arrives_once_with_its_parts_and_headers(app, smtp):
    queue()
    assert services.deliver_due() == {"sent": 1}
    assert services.deliver_due() == {}
    [received] = smtp.messages
    [row] = rows()
    assert row.status == "sent" and row.sent_at is not None and row.attempts == 1
    assert received["X-Coalition-Kind"] == "reminder"
    assert received["To"] == "persona0@example.org" and received["Subject"] == "Asunto ñ"
    assert received["Message-ID"] == f"<outbox-{row.id}@127.0.0.1>"
    assert received.get_body(("plain",)).get_content().strip() == "Texto"
    assert "<p>Texto</p>" in received.get_body(("html",)).get_content()
    [ics] = list(received.iter_attachments())
    assert ics.get_filename() == "reunion.ics" and ics.get_content_type() == "text/calendar"


def test_the_same_dedupe_key_is_written_once(app):
    assert services.enqueue(kind="digest", recipient="a@example.org", subject="s", text_body="t",
                            dedupe_key="digest:1:2026-W48")
    assert not services.enqueue(kind="digest", recipient="a@example.org", subject="s", text_body="t",
                                dedupe_key="digest:1:2026-W48")
    db.session.commit()
    assert len(rows()) == 1


def test_smtp_down_then_back_delivers_later_exactly_once(app, smtp):
    server_port = app.config["SMTP_PORT"]
    app.config["SMTP_PORT"] = free_port()  # nothing listens there: the server is "down"
    queue()
    assert services.deliver_due() == {"queued": 1}
    [row] = rows()
    assert row.attempts == 1 and row.last_error and row.next_attempt_at > utcnow()
    assert services.deliver_due() == {}  # not due again before its backoff
    app.config["SMTP_PORT"] = server_port  # back up
    assert services.deliver_due(now=utcnow() + timedelta(hours=1)) == {"sent": 1}
    assert services.deliver_due(now=utcnow() + timedelta(hours=2)) == {}
    assert len(smtp.messages) == 1


def test_a_temporary_refusal_is_retried_with_growing_backoff_then_failed(app, smtp):
    smtp.reply = "451 Try again later"
    queue()
    waits = []
    now = utcnow()
    for _attempt in range(services.MAX_ATTEMPTS):
        services.deliver_due(now=now)
        [row] = rows()
        waits.append(row.next_attempt_at - now)
        now = row.next_attempt_at + timedelta(seconds=1)
    [row] = rows()
    assert row.status == "failed" and row.attempts == services.MAX_ATTEMPTS and "451" in row.last_error
    assert waits[1] > waits[0] and waits[3] > waits[2]
    assert services.retry_failed() == 1
    db.session.commit()
    smtp.reply = None
    assert services.deliver_due() == {"sent": 1}


def test_a_permanent_refusal_is_not_retried(app, smtp):
    smtp.reply = "550 No such user here"
    queue()
    assert services.deliver_due() == {"failed": 1}
    [row] = rows()
    assert row.status == "failed" and row.attempts == 1 and "550" in row.last_error


def test_a_claimed_message_is_not_taken_twice(app, smtp):
    queue()
    [row] = rows()
    assert services.claim(row.id) is not None
    assert services.claim(row.id) is None
    assert services.deliver(row.id) is None
    assert smtp.messages == []


def test_without_smtp_host_mail_is_written_as_eml_files(app, tmp_path):
    app.config["SMTP_HOST"] = None
    queue(2)
    assert services.deliver_due() == {"sent": 2}
    files = sorted((tmp_path / "instance" / "mail").glob("*.eml"))
    assert len(files) == 2
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert parsed["X-Coalition-Kind"] == "reminder"


def test_an_invitation_is_emailed_in_the_inviters_language_with_its_link(app, smtp):
    from coalition.auth import services as auth_services

    coordinator = factories.user(role="coordinator", language="en")
    invitation, token = auth_services.invite(coordinator, email="nueva@example.org", name="Ana Nueva")
    db.session.commit()
    services.deliver_due()
    [received] = smtp.messages
    assert received["X-Coalition-Kind"] == "join-invitation"
    assert received["To"] == "nueva@example.org"
    text = received.get_body(("plain",)).get_content()
    assert f"/invitations/{token}" in text and "Hello Ana Nueva" in text


# --- pruning old bodies ------------------------------------------------------------------------

def _aged(key: str, status: str, sent_days_ago: int | None) -> None:
    """A message with bodies and an attachment, in `status`, sent that many days ago (None: never)."""
    queue(1, key=key)
    sent_at = utcnow() - timedelta(days=sent_days_ago) if sent_days_ago is not None else None
    db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.dedupe_key == f"{key}:0")
                       .values(status=status, sent_at=sent_at, created_at=utcnow() - timedelta(days=200)))
    db.session.commit()


def _by_key() -> dict[str, OutboxMessage]:
    return {row.dedupe_key.split(":")[0]: row for row in rows()}


def test_prune_drops_old_sent_bodies_and_keeps_everything_else(app):
    _aged("old", "sent", 91)
    _aged("recent", "sent", 89)
    _aged("queued", "queued", None)
    _aged("failed", "failed", None)
    assert services.prune() == 1
    messages = _by_key()
    old = messages.pop("old")
    assert (old.text_body, old.html_body, old.attachments) == ("", "", [])
    assert old.pruned_at is not None and old.status == "sent" and old.sent_at is not None
    assert (old.recipient, old.subject, old.kind, old.dedupe_key) == ("persona0@example.org", "Asunto ñ", "reminder",
                                                                      "old:0")
    for row in messages.values():
        assert row.pruned_at is None and row.text_body == "Texto" and row.html_body == "<p>Texto</p>"
        assert len(row.attachments) == 1


def test_prune_again_changes_nothing(app):
    _aged("old", "sent", 120)
    assert services.prune() == 1
    first = _by_key()["old"].pruned_at
    assert services.prune() == 0
    assert _by_key()["old"].pruned_at == first


def test_prune_works_in_batches_and_follows_the_setting(app):
    for n in range(5):
        _aged(f"m{n}", "sent", 40)
    assert services.prune() == 0
    app.config["OUTBOX_KEEP_BODIES_DAYS"] = 30
    seen = []
    assert services.prune(batch=2, progress=seen.append) == 5
    assert seen == [2, 4, 5]
    assert all(row.pruned_at is not None for row in rows())


def test_outbox_prune_command_prints_the_count(app):
    _aged("old", "sent", 100)
    _aged("other", "sent", 100)
    result = app.test_cli_runner().invoke(args=["outbox", "--prune"])
    assert result.exit_code == 0, result.output
    assert "Pruned 2 messages sent over 90 days ago" in result.output and "sent  2" in result.output
    result = app.test_cli_runner().invoke(args=["outbox", "--prune"])
    assert "Pruned 0 messages" in result.output


def test_beat_prunes_the_outbox_daily():
    from workers import tasks
    from workers.schedule import BEAT_SCHEDULE

    entry = BEAT_SCHEDULE["prune-outbox"]
    assert entry["task"] == tasks.prune_outbox.name
    assert entry["schedule"].hour == {4} and len(entry["schedule"].minute) == 1
