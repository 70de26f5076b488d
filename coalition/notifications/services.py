"""The outbox: write an email as a row (idempotently), then deliver queued rows over SMTP.

Rows are written in the same transaction as the event that causes them; a unique `dedupe_key`
makes writing the same message twice harmless. After that transaction commits, the new rows are
handed to a worker (and if the broker is down, the minute sweep finds them). Delivery claims a
batch of rows by pushing their `next_attempt_at` forward in one conditional UPDATE (with SKIP
LOCKED on PostgreSQL), so two workers never send the same row at the same time, then sends the
batch over one SMTP connection, recording each outcome as it goes.
"""
from __future__ import annotations

import base64
import logging
import random
import smtplib
import ssl
from datetime import datetime, timedelta
from email import encoders
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email._policybase import Compat32
from email.utils import formatdate, parseaddr
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session
from flask import current_app, has_app_context, render_template
from flask_babel import force_locale

from coalition.database import utcnow
from coalition.extensions import db
from coalition.notifications.models import OutboxMessage

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6


class _WirePolicy(Compat32):
    """compat32 with CRLF line ends (smtplib sends bytes as they are), writing short ASCII headers
    as they are instead of running each through the Header folding machinery (most of the cost
    of flattening a message)."""

    def fold_binary(self, name, value):
        if isinstance(value, str) and value.isascii() and len(name) + len(value) < 76 and "\n" not in value \
                and "\r" not in value:
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


SMTP_POLICY = _WirePolicy(linesep="\r\n")


# --- writing ---------------------------------------------------------------------------------

def render(kind: str, language: str, **context) -> tuple[str, str, str]:
    """Subject, text and HTML of an email of `kind`, in `language`."""
    with force_locale(language):
        subject = " ".join(render_template(f"email/{kind}/subject.txt", **context).split())
        text = render_template(f"email/{kind}/body.txt", **context)
        html = render_template(f"email/{kind}/body.html", email_subject=subject, **context)
    return subject, text, html


def enqueue(*, kind: str, recipient: str, subject: str, text_body: str, html_body: str = "",
            dedupe_key: str, recipient_id: int | None = None, attachments: list | None = None,
            headers: dict | None = None) -> bool:
    """Add a message to the outbox unless one with the same `dedupe_key` exists; True if added."""
    return enqueue_many([dict(kind=kind, recipient=recipient, subject=subject, text_body=text_body,
                              html_body=html_body, dedupe_key=dedupe_key, recipient_id=recipient_id,
                              attachments=attachments, headers=headers)]) == 1


def enqueue_many(messages: list[dict]) -> int:
    """Add messages (each as `enqueue`'s arguments) in one INSERT, skipping known `dedupe_key`s; count added."""
    if not messages:
        return 0
    now = utcnow()
    rows = [{
        "kind": m["kind"], "recipient": m["recipient"], "recipient_id": m.get("recipient_id"),
        "subject": m["subject"][:300], "text_body": m["text_body"], "html_body": m.get("html_body") or "",
        "attachments": m.get("attachments") or [],
        "headers": {"X-Coalition-Kind": m["kind"], **(m.get("headers") or {})},
        "dedupe_key": m["dedupe_key"][:200], "status": "queued", "attempts": 0, "next_attempt_at": now,
        "created_at": now,
    } for m in messages]
    table = OutboxMessage.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(table.c.id)
    # Executed as "insertmanyvalues": one multi-row INSERT per page, compiled once and cached.
    # RETURNING says which rows went in on every driver (rowcount is not reliable for this).
    written = db.session.execute(statement, rows).scalars().all()
    for message_id in written:
        _remember_for_dispatch(message_id)
    return len(written)


def attachment(filename: str, content_type: str, data: bytes) -> dict:
    return {"filename": filename, "content_type": content_type, "data": base64.b64encode(data).decode()}


# --- dispatching ------------------------------------------------------------------------------
# A new row is handed to a worker right after its transaction commits; if the broker is down the
# row simply waits for the minute sweep. Nothing is lost either way: the row is the message.

_NEW_IDS = "outbox_new_ids"
DISPATCH_CHUNK = 100


def _remember_for_dispatch(message_id: int) -> None:
    db.session.info.setdefault(_NEW_IDS, []).append(message_id)


@sa.event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session: Session) -> None:
    ids = session.info.pop(_NEW_IDS, None)
    if not ids or not has_app_context():
        return
    if not current_app.config.get("OUTBOX_DISPATCH", True):
        return
    celery = current_app.extensions["celery"]
    for start in range(0, len(ids), DISPATCH_CHUNK):
        try:
            celery.send_task("workers.tasks.send_batch", args=[ids[start:start + DISPATCH_CHUNK]], retry=False,
                             ignore_result=True)
        except Exception as error:  # noqa: BLE001 - any broker failure: the sweep sends these later
            log.warning("outbox: broker unavailable (%s); %d messages wait for the sweep",
                        type(error).__name__, len(ids) - start)
            return


@sa.event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_NEW_IDS, None)


# --- delivering ------------------------------------------------------------------------------

def _due(now: datetime):
    table = OutboxMessage.__table__
    return sa.and_(table.c.status == "queued", table.c.next_attempt_at <= now)


def claim_batch(now: datetime | None = None, limit: int = 100, ids: list[int] | None = None) -> list[int]:
    """Take up to `limit` due rows (only among `ids` when given) for sending; return their ids. Commits.

    One UPDATE pushes the rows' `next_attempt_at` past a lease, so no other worker offers them
    meanwhile; on PostgreSQL the rows are picked with FOR UPDATE SKIP LOCKED so concurrent
    workers take different rows instead of waiting on each other. A worker that dies mid-send
    leaves its rows to be taken again when the lease ends.
    """
    now = now or utcnow()
    table = OutboxMessage.__table__
    chosen = sa.select(table.c.id).where(_due(now))
    if ids is not None:
        chosen = chosen.where(table.c.id.in_(ids))
    chosen = chosen.order_by(table.c.next_attempt_at, table.c.id).limit(limit).with_for_update(skip_locked=True)
    claimed = db.session.execute(
        sa.update(table).where(table.c.id.in_(chosen.scalar_subquery()), _due(now))
        .values(next_attempt_at=now + claim_lease()).returning(table.c.id)).scalars().all()
    db.session.commit()
    return sorted(claimed)


def claim(message_id: int, now: datetime | None = None) -> OutboxMessage | None:
    """Take one row for sending, or None if it is not due or someone else has it. Commits."""
    if not claim_batch(now, 1, ids=[message_id]):
        return None
    return db.session.get(OutboxMessage, message_id)


def claim_lease() -> timedelta:
    """How long a claimed row is not offered again: longer than any batch takes to send."""
    return timedelta(seconds=current_app.config["OUTBOX_CLAIM_LEASE_SECONDS"])


def build_email(message) -> Message:
    """The MIME message of an outbox row (a model instance or a plain row).

    Built with the compat32 classes of `email.mime`: the modern Message API parses every
    header it is given and costs several times more per message, which a digest run for
    thousands of people would feel.
    """
    config = current_app.config
    text = MIMEText(message.text_body, "plain", "utf-8")
    body: Message = text
    if message.html_body:
        body = MIMEMultipart("alternative", _subparts=[text, MIMEText(message.html_body, "html", "utf-8")],
                             boundary=_boundary(message.id, "alt"))
    if message.attachments:
        parts = [body]
        for item in message.attachments:
            mime, *parameters = [part.strip() for part in item["content_type"].split(";")]
            maintype, _, subtype = mime.partition("/")
            params = dict(p.split("=", 1) for p in parameters if "=" in p)
            part = MIMEBase(maintype, subtype, **params)
            part.set_payload(base64.b64decode(item["data"]))
            encoders.encode_base64(part)
            part.add_header("Content-Disposition", "attachment", filename=item["filename"])
            parts.append(part)
        body = MIMEMultipart("mixed", _subparts=parts, boundary=_boundary(message.id, "mix"))
    body["From"] = _header(config["MAIL_FROM"])
    body["To"] = message.recipient
    body["Subject"] = _header(message.subject)
    body["Date"] = formatdate(localtime=False)
    # Stable per row: a re-sent row carries the same id, so mail systems can drop the copy.
    domain = (config.get("BASE_URL") or "coalition.local").split("//")[-1].split("/")[0].split(":")[0]
    body["Message-ID"] = f"<outbox-{message.id}@{domain or 'coalition.local'}>"
    for name, value in (message.headers or {}).items():
        body[name] = _header(value)
    return body


def _boundary(message_id: int, kind: str) -> str:
    # Given, so the generator need not search the parts for a free one; base64 parts never
    # contain "=_" followed by letters, and text parts are base64 too.
    return f"=_coalition_{kind}_{message_id}_{random.getrandbits(48):012x}"


def _header(value: str) -> str | Header:
    """ASCII as is; anything else encoded (RFC 2047), as compat32 leaves that to the caller."""
    return value if value.isascii() else Header(value, "utf-8")


class PermanentFailure(Exception):
    """The server refused the message for good (a 5xx): trying again would not help."""


class ServerUnreachable(Exception):
    """No connection to the SMTP server: the rest of a run would fail the same way."""


class Mailer:
    """One SMTP connection for a run of messages, opened when first needed, reopened after an error.

    With no SMTP_HOST configured, messages are written as .eml files under instance/mail/.
    """

    def __init__(self):
        self.config = current_app.config
        self.folder = Path(current_app.instance_path) / "mail"
        self.sender = parseaddr(self.config["MAIL_FROM"])[1]
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> "Mailer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        try:
            smtp = smtplib.SMTP(config["SMTP_HOST"], config.get("SMTP_PORT", 25), timeout=30)
        except (OSError, smtplib.SMTPConnectError) as error:
            raise ServerUnreachable(f"{type(error).__name__}: {error}") from error
        if config.get("SMTP_STARTTLS"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("SMTP_USERNAME"):
            smtp.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")
        return smtp

    def send(self, email: Message) -> None:
        if not self.config.get("SMTP_HOST"):
            self.folder.mkdir(parents=True, exist_ok=True)
            name = email["Message-ID"].strip("<>").replace("@", "_").replace("/", "_")
            (self.folder / f"{name}.eml").write_bytes(bytes(email))
            return
        if self.smtp is None:
            self.smtp = self._connect()
        # The envelope comes from config and the row, not from re-parsing the headers just built.
        data = email.as_bytes(policy=SMTP_POLICY)
        try:
            self.smtp.sendmail(self.sender, [str(email["To"])], data)
        except smtplib.SMTPRecipientsRefused as error:
            self._reset()
            codes = [code for code, _text in error.recipients.values()]
            if codes and all(500 <= code < 600 for code in codes):
                raise PermanentFailure(f"recipients refused: {error.recipients!r}") from error
            raise
        except smtplib.SMTPResponseException as error:
            self._reset()
            if 500 <= error.smtp_code < 600:
                raise PermanentFailure(f"{error.smtp_code} {error.smtp_error!r}") from error
            raise
        except (OSError, smtplib.SMTPException):
            self.close()
            raise

    def _reset(self) -> None:
        # After a refusal the connection is still usable once the transaction is reset.
        try:
            self.smtp.rset()
        except (OSError, smtplib.SMTPException):
            self.close()


def backoff(attempts: int) -> timedelta:
    """Exponential, with jitter so a crowd of retries does not arrive together."""
    seconds = min(60 * 2 ** (attempts - 1), 6 * 3600)
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


def _record(message_id: int, **values) -> None:
    table = OutboxMessage.__table__
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        # Not waiting for the WAL flush: only a crash of PostgreSQL itself (not of this worker)
        # could undo the last fraction of a second of outcomes, and that would re-send, not lose.
        connection.execute(sa.text("SET LOCAL synchronous_commit TO OFF"))
    # Core, not the ORM's bulk UPDATE: nothing in the session needs synchronising, and this runs per message.
    connection.execute(sa.update(table).where(table.c.id == message_id)
                                    .values(attempts=table.c.attempts + 1, **values))
    # One commit per message: a worker that dies later in the run never sends this one again.
    db.session.commit()


# Kinds whose address and bodies are dropped the moment they are sent: a consultation receipt goes to
# people who may have asked us not to keep their address, and its body holds the receipt code.
FORGOTTEN_ONCE_SENT = ("receipt",)


def _send_claimed(ids: list[int], now: datetime | None, outcome: dict[str, int]) -> bool:
    """Send claimed rows over one connection, recording each outcome; False if the server was unreachable."""
    # Plain rows, not ORM objects: the commit after each send then has nothing to expire.
    table = OutboxMessage.__table__
    messages = db.session.execute(sa.select(table).where(table.c.id.in_(ids)).order_by(table.c.id)).all()
    emails = [(m.id, m.attempts, build_email(m)) for m in messages]
    forget = {m.id for m in messages if m.kind in FORGOTTEN_ONCE_SENT}
    db.session.commit()
    with Mailer() as mailer:
        for position, (message_id, attempts, email) in enumerate(emails):
            try:
                mailer.send(email)
            except PermanentFailure as error:
                _record(message_id, status="failed", last_error=str(error)[:2000])
                status = "failed"
            except (ServerUnreachable, OSError, smtplib.SMTPException) as error:
                attempts += 1
                error_text = f"{type(error).__name__}: {error}"[:2000]
                if attempts >= MAX_ATTEMPTS:
                    _record(message_id, status="failed", last_error=error_text)
                    status = "failed"
                else:
                    _record(message_id, last_error=error_text,
                            next_attempt_at=(now or utcnow()) + backoff(attempts))
                    status = "queued"
                if isinstance(error, ServerUnreachable):
                    _release([m for m, _a, _e in emails[position + 1:]], now)
                    outcome[status] = outcome.get(status, 0) + 1
                    log.warning("outbox: SMTP server unreachable; %d messages wait", len(emails) - position)
                    return False
            else:
                sent_at = utcnow()
                gone = ({"recipient": "", "text_body": "", "html_body": "", "attachments": [], "pruned_at": sent_at}
                        if message_id in forget else {})
                _record(message_id, status="sent", sent_at=sent_at, last_error=None, **gone)
                status = "sent"
            outcome[status] = outcome.get(status, 0) + 1
    log.info("outbox: %s", outcome)
    return True


def _release(ids: list[int], now: datetime | None) -> None:
    """Give claimed rows back without counting an attempt (the server was down before their turn)."""
    if ids:
        table = OutboxMessage.__table__
        db.session.execute(sa.update(table).where(table.c.id.in_(ids))
                           .values(next_attempt_at=(now or utcnow()) + backoff(1)))
        db.session.commit()


def deliver(message_id: int, now: datetime | None = None) -> str | None:
    """Send one queued message if it is due; return its new status (None if not taken). Commits."""
    outcome: dict[str, int] = {}
    deliver_ids([message_id], now, outcome)
    return next(iter(outcome), None)


def deliver_ids(ids: list[int], now: datetime | None = None, outcome: dict | None = None) -> dict[str, int]:
    """Send those of `ids` that are still due (a dispatched batch). Commits."""
    outcome = {} if outcome is None else outcome
    claimed = claim_batch(now, len(ids), ids=ids)
    if claimed:
        _send_claimed(claimed, now, outcome)
    return outcome


def deliver_due(now: datetime | None = None, limit: int = 10_000, batch: int = 200) -> dict[str, int]:
    """Send every message that is due, up to `limit`, in claimed batches (the sweep); count outcomes."""
    outcome: dict[str, int] = {}
    taken = 0
    while taken < limit:
        claimed = claim_batch(now, min(batch, limit - taken))
        if not claimed:
            break
        taken += len(claimed)
        if not _send_claimed(claimed, now, outcome):
            break  # the server is down: the rest waits for the next sweep
    return outcome


def counts() -> dict[str, int]:
    rows = db.session.execute(sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status))
    return {"queued": 0, "sent": 0, "failed": 0, **dict(rows.all())}


PRUNE_BATCH = 1000


def prune(now: datetime | None = None, batch: int = PRUNE_BATCH, progress=None) -> int:
    """Drop the bodies and attachments of messages sent over OUTBOX_KEEP_BODIES_DAYS ago; count them. Commits.

    The rows stay (recipient, subject, kind, dedupe_key, status, sent_at): the dedupe keys still
    stop a second send, and the log of what was sent to whom is kept. Each batch is one UPDATE
    and its own commit, so a large backlog never holds a long transaction; pruned rows are
    stamped `pruned_at` and never taken again.
    """
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["OUTBOX_KEEP_BODIES_DAYS"])
    table = OutboxMessage.__table__
    old = sa.and_(table.c.pruned_at.is_(None), table.c.sent_at < cutoff, table.c.status == "sent")
    total = 0
    while True:
        chosen = sa.select(table.c.id).where(old).order_by(table.c.id).limit(batch).scalar_subquery()
        pruned = db.session.execute(
            sa.update(table).where(table.c.id.in_(chosen), old)
            .values(text_body="", html_body="", attachments=[], pruned_at=now)).rowcount
        db.session.commit()
        total += pruned
        if progress is not None and pruned:
            progress(total)
        if pruned < batch:
            return total


def retry_failed() -> int:
    """Put failed messages back in the queue; return how many."""
    result = db.session.execute(
        sa.update(OutboxMessage).where(OutboxMessage.status == "failed")
        .values(status="queued", attempts=0, next_attempt_at=utcnow()))
    return result.rowcount
