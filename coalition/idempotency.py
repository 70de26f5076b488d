"""Safe retries: an API POST's `Idempotency-Key`, and the one-time token every HTML form carries.

Both are rows of `idempotency_keys`, unique by (scope, key), written by the transaction edge
(`coalition.transaction`) in the SAME transaction as the write they acknowledge: a commit that went
through while its answer was lost still answers the retry, and a retry can never write twice.

- API: a POST with `Idempotency-Key` (1–255 visible ASCII characters) by a token's owner. The first
  answer below 400 is stored with a fingerprint of the method, path and body; a retry within 24 hours
  gets that answer again (`Idempotent-Replayed: true`) and runs nothing. The same key with another
  body is a 422; the same key while the first request is still running is a 409 on PostgreSQL (an
  advisory lock), while SQLite, which writes one at a time, makes it wait and replays the first
  answer; the unique index is the last guard either way. An answer of 400 or more wrote nothing and is not
  stored, so its retry runs again. Anonymous POSTs (today only the token exchange, whose answer is a
  secret that is never stored) accept the header but are not remembered: retrying them is harmless.
- Forms: every `<form method="post">` in an HTML page gets a hidden `once_token` input (added to the
  response, so no template can forget it). A submission that wrote something consumes its token; a
  second submission of the same token (a double click, a resubmit after a network error) runs nothing
  and is redirected where the first one went, with the flash "This form was already sent". A form
  without the token (a tab opened before this existed, a script) is accepted as before.
"""
from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, Response, current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, Session, mapped_column

from coalition.database import UTCDateTime, utcnow
from coalition.errors import DomainError
from coalition.extensions import db

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
FORM_FIELD = "once_token"
DEFAULT_TTL_HOURS = 24
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")
FORM_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{20,64}")
# Headers a replay repeats; the others (request id, security headers) belong to the new answer.
STORED_HEADERS = ("Content-Type", "Location", "ETag", "Last-Modified", "Link", "Content-Language")
_POST_FORM = re.compile(rb"<form\b[^>]*?\bmethod\s*=\s*[\"']?post\b[^>]*>", re.IGNORECASE)
_WROTE = "coalition_request_wrote"


class IdempotencyKey(db.Model):
    """One acknowledged write: its key, the request's fingerprint, and the answer it got."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (sa.UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "api:<person id>" for the API, "form:<person id>" or "form:-" (anonymous) for HTML forms.
    scope: Mapped[str] = mapped_column(sa.String(40))
    key: Mapped[str] = mapped_column(sa.String(255))
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int] = mapped_column(sa.SmallInteger)
    headers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    body: Mapped[bytes] = mapped_column(sa.LargeBinary, default=b"")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class InvalidIdempotencyKey(DomainError):
    status = 400
    code = "invalid_idempotency_key"
    default_message = _l("The Idempotency-Key header must be 1 to 255 visible ASCII characters.")


class IdempotencyKeyReused(DomainError):
    status = 422
    code = "idempotency_key_reused"
    default_message = _l("This Idempotency-Key was already used for a different request.")


class IdempotencyKeyInUse(DomainError):
    status = 409
    code = "idempotency_key_in_use"
    default_message = _l("A request with this Idempotency-Key is still being processed. Retry in a moment.")


@dataclass(frozen=True)
class Claim:
    """A write request that must be remembered when it commits."""

    kind: str  # "api" or "form"
    scope: str
    key: str
    fingerprint: str


def ttl() -> timedelta:
    return timedelta(hours=current_app.config.get("IDEMPOTENCY_TTL_HOURS", DEFAULT_TTL_HOURS))


def claim() -> Claim | Response | None:
    """Before a write runs: the claim to remember it by, a stored answer to give instead, or None.

    Raises InvalidIdempotencyKey, IdempotencyKeyReused or IdempotencyKeyInUse (answered by errors.py).
    """
    if request.path.startswith("/api/"):
        outcome = _api_claim() if request.method == "POST" else None
    else:
        outcome = _form_claim()
    db.session.info[_WROTE] = False  # from here on, only the view's writes count
    return outcome


def _api_claim() -> Claim | Response | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not KEY_PATTERN.fullmatch(key):
        raise InvalidIdempotencyKey(fields={HEADER: [InvalidIdempotencyKey.default_message]})
    actor = g.get("api_user")
    if actor is None:
        return None  # anonymous: nobody to scope the key to, and the answer is a secret (see above)
    scope = f"api:{actor.id}"
    if not _lock(scope, key, wait=False):
        raise IdempotencyKeyInUse()
    fingerprint = _fingerprint()
    row = _stored(scope, key)
    if row is not None:
        if row.fingerprint != fingerprint:
            raise IdempotencyKeyReused(fields={HEADER: [IdempotencyKeyReused.default_message]})
        return replay(row)
    return Claim("api", scope, key, fingerprint)


def _form_claim() -> Claim | Response | None:
    token = request.form.get(FORM_FIELD) if request.mimetype in (
        "application/x-www-form-urlencoded", "multipart/form-data") else None
    if not token or not FORM_TOKEN_PATTERN.fullmatch(token):
        return None  # no token (an old tab, a script): accepted as before
    from coalition.web import current_actor

    actor = current_actor()
    scope = f"form:{actor.id if actor is not None else '-'}"
    if actor is None:
        # Anyone without an account shares one scope, and a public page (the consultation form) may sit
        # in a shared browser's history: only the very same form, sent again, is the same request. A
        # double click still gets the first answer; someone else's answers in a cached form are new.
        # The CSRF token is left out: it is re-signed with the time, so a double click a second apart
        # would otherwise look like new answers.
        sent = json.dumps(sorted((name, value) for name, value in request.form.items(multi=True)
                                 if name != "csrf_token"), separators=(",", ":"))
        token = hashlib.sha256(f"{token}\0{sent}".encode()).hexdigest()
    # A double click's second request waits for the first, then answers as it did.
    _lock(scope, token, wait=True)
    row = _stored(scope, token)
    if row is not None:
        return already_sent(row)
    return Claim("form", scope, token, _fingerprint(with_body=False))


def _fingerprint(with_body: bool = True) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.full_path}".encode())
    if with_body:
        data = request.get_json(silent=True) if request.is_json else None
        digest.update(b"\0")
        # Parsed JSON is compared, not its bytes: a retry may order keys or space them differently.
        digest.update(json.dumps(data, sort_keys=True, separators=(",", ":")).encode() if data is not None
                      else request.get_data(cache=True))
    return digest.hexdigest()


def _lock(scope: str, key: str, wait: bool) -> bool:
    """Hold the key until this transaction ends, so that a twin request waits (or is told) instead of
    running too.

    PostgreSQL: a transaction-scoped advisory lock. SQLite writes one at a time: a first write
    statement (dropping an expired row of this key) takes the database's write lock, waiting for a
    twin that holds it to commit, so the look-up that follows sees the twin's answer.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(sa.delete(IdempotencyKey).where(
            IdempotencyKey.scope == scope, IdempotencyKey.key == key, IdempotencyKey.created_at <= utcnow() - ttl()))
        return True
    number = int.from_bytes(hashlib.sha256(f"{scope}\0{key}".encode()).digest()[:8], "big", signed=True)
    if wait:
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(number)))
        return True
    return bool(db.session.execute(sa.select(sa.func.pg_try_advisory_xact_lock(number))).scalar())


def _stored(scope: str, key: str) -> IdempotencyKey | None:
    row = db.session.execute(
        sa.select(IdempotencyKey).where(IdempotencyKey.scope == scope, IdempotencyKey.key == key)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if row is not None and row.created_at <= utcnow() - ttl():
        # Expired: forgotten, and out of the way of this request's own row.
        db.session.delete(row)
        db.session.flush()
        return None
    return row


def remember(claim: Claim, response: Response) -> None:
    """Store the answer in the write's transaction. Raises AlreadyDone if a twin request won the key."""
    db.session.flush()  # the view's own changes first, so their errors stay theirs
    if claim.kind == "form" and not db.session.info.get(_WROTE):
        return  # nothing was written (a preview, a failed login): resubmitting it is harmless
    headers = {name: response.headers[name] for name in STORED_HEADERS if name in response.headers}
    row = IdempotencyKey(scope=claim.scope, key=claim.key, fingerprint=claim.fingerprint,
                         status_code=response.status_code, headers=headers,
                         body=response.get_data() if claim.kind == "api" else b"", created_at=utcnow())
    db.session.add(row)
    try:
        db.session.flush()
    except sa.exc.IntegrityError as error:
        raise AlreadyDone() from error


class AlreadyDone(Exception):
    """A concurrent request with the same key committed first; this one must roll back."""


def answer_again(claim: Claim) -> Response:
    """After losing the race for a key (and rolling back): the winner's answer."""
    row = _stored(claim.scope, claim.key)
    if claim.kind == "form":
        return already_sent(row)
    if row is None or row.fingerprint != claim.fingerprint:
        raise IdempotencyKeyInUse()
    return replay(row)


def replay(row: IdempotencyKey) -> Response:
    response = Response(row.body, status=row.status_code, headers=dict(row.headers or {}))
    response.headers[REPLAYED_HEADER] = "true"
    return response


def already_sent(row: IdempotencyKey | None) -> Response:
    flash(_("This form was already sent."), "info")
    location = (row.headers or {}).get("Location") if row is not None else None
    return redirect(location or _referrer() or url_for("home.index"), 303)


def _referrer() -> str | None:
    from urllib.parse import urlsplit

    from coalition.web import safe_next

    if not request.referrer:
        return None
    parts = urlsplit(request.referrer)
    if parts.netloc != request.host:
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return safe_next(path, "") or None


@sa.event.listens_for(Session, "after_flush")
def _note_orm_write(session, flush_context):
    session.info[_WROTE] = True


@sa.event.listens_for(Session, "do_orm_execute")
def _note_statement_write(state):
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


def stamp_forms(response: Response) -> Response:
    """Give every POST form of an HTML page its own one-time token (a hidden input, no id)."""
    if (response.mimetype != "text/html" or response.direct_passthrough or response.is_streamed
            or (response.cache_control.public)):
        return response  # a page shared through caches must not share its tokens
    page = response.get_data()
    if b"<form" not in page and b"<FORM" not in page:
        return response

    def add_token(match: re.Match) -> bytes:
        token = secrets.token_urlsafe(24)
        return match.group(0) + f'<input type="hidden" name="{FORM_FIELD}" value="{token}">'.encode()

    stamped = _POST_FORM.sub(add_token, page)
    if stamped is not page:
        response.set_data(stamped)
    return response


def prune(now: datetime | None = None) -> int:
    """Forget keys older than the retention window; the caller commits."""
    cutoff = (now or utcnow()) - ttl()
    result = db.session.execute(sa.delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff))
    return result.rowcount or 0


def init_app(app: Flask) -> None:
    app.after_request(stamp_forms)
