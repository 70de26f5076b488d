"""The outbox: write an email as a row (idempotently), then deliver queued rows over SMTP.

Rows are written in the same transaction as the event that causes them; a unique `dedupe_key`
makes writing the same message twice harmless. Delivery claims a row by pushing its
`next_attempt_at` forward in one conditional UPDATE (with SKIP LOCKED on PostgreSQL), so two
workers never send the same row at the same time.
"""
from __future__ import annotations

import base64
import logging
import random
import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale

from coalition.database import utcnow
from coalition.extensions import db
from coalition.notifications.models import OutboxMessage

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
# A claimed row is not offered again for this long: longer than any single send takes.
CLAIM_LEASE = timedelta(minutes=5)


# --- writing ---------------------------------------------------------------------------------

def render(kind: str, language: str, **context) -> tuple[str, str, str]:
    """Subject, text and HTML of an email of `kind`, in `language`."""
    with force_locale(language):
        subject = render_template(f"email/{kind}/subject.txt", **context).strip()
        text = render_template(f"email/{kind}/body.txt", **context)
        html = render_template(f"email/{kind}/body.html", **context)
    return " ".join(subject.split()), text, html


def enqueue(*, kind: str, recipient: str, subject: str, text_body: str, html_body: str = "",
            dedupe_key: str, recipient_id: int | None = None, attachments: list | None = None,
            headers: dict | None = None) -> bool:
    """Add a message to the outbox unless one with the same `dedupe_key` exists; True if added."""
    values = {
        "kind": kind, "recipient": recipient, "recipient_id": recipient_id, "subject": subject[:300],
        "text_body": text_body, "html_body": html_body, "attachments": attachments or [],
        "headers": {"X-Coalition-Kind": kind, **(headers or {})}, "dedupe_key": dedupe_key[:200],
        "status": "queued", "attempts": 0, "next_attempt_at": utcnow(), "created_at": utcnow(),
    }
    table = OutboxMessage.__table__
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    # RETURNING says whether the row went in on every driver (rowcount is not reliable for this).
    return db.session.execute(statement.returning(table.c.id)).first() is not None


def attachment(filename: str, content_type: str, data: bytes) -> dict:
    return {"filename": filename, "content_type": content_type, "data": base64.b64encode(data).decode()}


# --- delivering ------------------------------------------------------------------------------

def due_ids(now: datetime | None = None, limit: int = 100) -> list[int]:
    """Ids of queued rows whose time has come, oldest first."""
    now = now or utcnow()
    return list(db.session.execute(
        sa.select(OutboxMessage.id)
        .where(OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
    ).scalars())


def claim(message_id: int, now: datetime | None = None) -> OutboxMessage | None:
    """Take the row for sending, or None if it is not due or someone else has it. Commits."""
    now = now or utcnow()
    table = OutboxMessage.__table__
    condition = sa.and_(table.c.id == message_id, table.c.status == "queued", table.c.next_attempt_at <= now)
    if db.session.get_bind().dialect.name == "postgresql":
        locked = db.session.execute(
            sa.select(table.c.id).where(condition).with_for_update(skip_locked=True)).first()
        if locked is None:
            db.session.rollback()
            return None
    result = db.session.execute(sa.update(table).where(condition).values(next_attempt_at=now + CLAIM_LEASE))
    db.session.commit()
    if result.rowcount != 1:
        return None
    return db.session.get(OutboxMessage, message_id)


def build_email(message: OutboxMessage) -> EmailMessage:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    # Stable per row: a re-sent row carries the same id, so mail systems can drop the copy.
    domain = (config.get("BASE_URL") or "coalition.local").split("//")[-1].split("/")[0].split(":")[0]
    email["Message-ID"] = f"<outbox-{message.id}@{domain or 'coalition.local'}>"
    for name, value in (message.headers or {}).items():
        email[name] = value
    email.set_content(message.text_body)
    if message.html_body:
        email.add_alternative(message.html_body, subtype="html")
    for item in message.attachments or []:
        mime, *parameters = [part.strip() for part in item["content_type"].split(";")]
        maintype, _, subtype = mime.partition("/")
        params = dict(p.split("=", 1) for p in parameters if "=" in p)
        email.add_attachment(base64.b64decode(item["data"]), maintype=maintype, subtype=subtype,
                             filename=item["filename"], params=params)
    return email


class PermanentFailure(Exception):
    """The server refused the message for good (a 5xx): trying again would not help."""


def transmit(email: EmailMessage) -> None:
    """Hand the message to the SMTP server, or write it under instance/mail/ when none is set."""
    config = current_app.config
    if not config.get("SMTP_HOST"):
        folder = Path(current_app.instance_path) / "mail"
        folder.mkdir(parents=True, exist_ok=True)
        name = email["Message-ID"].strip("<>").replace("@", "_").replace("/", "_")
        (folder / f"{name}.eml").write_bytes(bytes(email))
        return
    try:
        with smtplib.SMTP(config["SMTP_HOST"], config.get("SMTP_PORT", 25), timeout=30) as smtp:
            if config.get("SMTP_STARTTLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("SMTP_USERNAME"):
                smtp.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")
            smtp.send_message(email)
    except smtplib.SMTPResponseException as error:
        if 500 <= error.smtp_code < 600:
            raise PermanentFailure(f"{error.smtp_code} {error.smtp_error!r}") from error
        raise


def backoff(attempts: int) -> timedelta:
    """Exponential, with jitter so a crowd of retries does not arrive together."""
    seconds = min(60 * 2 ** (attempts - 1), 6 * 3600)
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


def deliver(message_id: int, now: datetime | None = None) -> str | None:
    """Send one queued message if it is due; return its new status (None if not taken). Commits."""
    message = claim(message_id, now)
    if message is None:
        return None
    try:
        transmit(build_email(message))
    except PermanentFailure as error:
        message.status, message.last_error = "failed", str(error)[:2000]
        message.attempts += 1
    except (OSError, smtplib.SMTPException) as error:
        message.attempts += 1
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
        if message.attempts >= MAX_ATTEMPTS:
            message.status = "failed"
        else:
            message.next_attempt_at = (now or utcnow()) + backoff(message.attempts)
    else:
        message.status, message.sent_at = "sent", utcnow()
        message.attempts += 1
        message.last_error = None
    db.session.commit()
    log.info("outbox message %s: %s", message.id, message.status)
    return message.status


def deliver_due(now: datetime | None = None, limit: int = 100) -> dict[str, int]:
    """Send every message that is due (the periodic sweep); count the outcomes."""
    outcome: dict[str, int] = {}
    for message_id in due_ids(now, limit):
        status = deliver(message_id, now)
        if status:
            outcome[status] = outcome.get(status, 0) + 1
    return outcome


def counts() -> dict[str, int]:
    rows = db.session.execute(sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status))
    return {"queued": 0, "sent": 0, "failed": 0, **dict(rows.all())}


def retry_failed() -> int:
    """Put failed messages back in the queue; return how many."""
    result = db.session.execute(
        sa.update(OutboxMessage).where(OutboxMessage.status == "failed")
        .values(status="queued", attempts=0, next_attempt_at=utcnow()))
    return result.rowcount
