"""Server sessions: every login is a `user_sessions` row, so the server can end it.

The browser's cookie carries only a random key; the row holds its SHA-256, the person, the
browser and network it came from, and when it was created, last seen and ends. A session ends at
logout, a password change, deactivation, when its owner or an admin ends it, or when it expires:
12 idle hours (PERMANENT_SESSION_LIFETIME), or 14 days for "remember me"
(REMEMBER_COOKIE_DURATION), whose key is replaced each time the remember cookie opens a new
browser session. `last_seen_at` is written at most once a SESSION_TOUCH_SECONDS.

With REDIS_URL, open sessions are cached in Redis as signed JSON (a value that fails its HMAC is
ignored, never trusted), so most requests read no session row. The database stays the truth: an
ended session's cache entry is deleted at once and again after the commit, and every touch re-reads
the row, so even an entry left behind while Redis was unreachable is refused within a minute.
With Redis down, everything works from the database.
"""
from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from coalition.audit import services as audit
from coalition.auth.models import User, UserSession
from coalition.database import utcnow
from coalition import redis_store
from coalition.extensions import db
from coalition.validation import is_id

log = logging.getLogger(__name__)

KEY_BYTES = 32
CACHE_PREFIX = "coalition:session:"
_FORGET = "coalition_forget_sessions"
# After a Redis failure, each process leaves Redis alone this long rather than wait on it per request.
REDIS_BACKOFF_SECONDS = 30


@dataclass
class Current:
    """The server session a request was opened with."""

    id: int
    key: str
    user_id: int
    remember: bool
    expires_at: datetime
    last_seen_at: datetime


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def idle_limit() -> timedelta:
    lifetime = current_app.config.get("PERMANENT_SESSION_LIFETIME", 12 * 3600)
    return lifetime if isinstance(lifetime, timedelta) else timedelta(seconds=lifetime)


def remember_limit() -> timedelta:
    duration = current_app.config.get("REMEMBER_COOKIE_DURATION", 14 * 24 * 3600)
    return duration if isinstance(duration, timedelta) else timedelta(seconds=duration)


def touch_interval() -> timedelta:
    return timedelta(seconds=current_app.config.get("SESSION_TOUCH_SECONDS", 60))


# --- what a session is shown as --------------------------------------------------------------

_BROWSERS = (  # order matters: Edge and Opera also say "Chrome", Chrome also says "Safari"
    ("Edge", r"Edg(e|A|iOS)?/"), ("Opera", r"OPR/|Opera"), ("Samsung Internet", r"SamsungBrowser/"),
    ("Firefox", r"Firefox/|FxiOS/"), ("Chrome", r"Chrome/|CriOS/|Chromium/"), ("Safari", r"Safari/"),
    ("curl", r"^curl/"), ("Python", r"python-requests|^Python"),
)
_PLATFORMS = (
    ("iOS", r"iPhone|iPad|iPod"), ("Android", r"Android"), ("ChromeOS", r"CrOS"), ("Windows", r"Windows"),
    ("macOS", r"Macintosh|Mac OS X"), ("Linux", r"Linux|X11"),
)


def describe_agent(user_agent: str | None) -> tuple[str, str]:
    """Name the browser family and platform of a User-Agent ("Firefox", "Linux"); "" when unknown."""
    agent = (user_agent or "")[:512]
    browser = next((name for name, pattern in _BROWSERS if re.search(pattern, agent)), "")
    platform = next((name for name, pattern in _PLATFORMS if re.search(pattern, agent)), "")
    return browser, platform


def network_of(address: str | None) -> str:
    """The network an address belongs to (IPv4 /24, IPv6 /48): enough to recognise, not to locate."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


# --- the cache -------------------------------------------------------------------------------

_redis_down_until = 0.0


def _redis():
    if time.monotonic() < _redis_down_until:
        return None
    return redis_store.client("sessions", timeout=0.5)


def _redis_failed(error: Exception) -> None:
    global _redis_down_until
    _redis_down_until = time.monotonic() + REDIS_BACKOFF_SECONDS
    log.warning("session cache unavailable (%s); using the database", type(error).__name__)


def _cache_get(hashed: str) -> Current | None:
    import redis

    client = _redis()
    if client is None:
        return None
    try:
        raw = client.get(CACHE_PREFIX + hashed)
    except redis.RedisError as error:
        _redis_failed(error)
        return None
    if raw is None:
        return None
    payload = redis_store.unseal("sessions", CACHE_PREFIX + hashed, raw)
    if payload is None:
        log.warning("session cache entry with a bad signature ignored")
        return None
    try:
        data = json.loads(payload)
        return Current(id=int(data["id"]), key="", user_id=int(data["user_id"]), remember=bool(data["remember"]),
                       expires_at=datetime.fromisoformat(data["expires_at"]),
                       last_seen_at=datetime.fromisoformat(data["last_seen_at"]))
    except (ValueError, KeyError, TypeError):
        return None


def _cache_set(hashed: str, current: Current) -> None:
    import redis

    client = _redis()
    if client is None:
        return
    payload = json.dumps({"id": current.id, "user_id": current.user_id, "remember": current.remember,
                          "expires_at": current.expires_at.isoformat(),
                          "last_seen_at": current.last_seen_at.isoformat()}, separators=(",", ":")).encode()
    ttl = int((current.expires_at - utcnow()).total_seconds())
    if ttl <= 0:
        return
    try:
        client.set(CACHE_PREFIX + hashed, redis_store.seal("sessions", CACHE_PREFIX + hashed, payload),
                   ex=min(ttl, 3600))
    except redis.RedisError as error:
        _redis_failed(error)


def _cache_forget(hashes) -> None:
    import redis

    hashes = list(hashes)
    client = _redis()
    if client is None or not hashes:
        return
    try:
        client.delete(*(CACHE_PREFIX + h for h in hashes))
    except redis.RedisError as error:
        _redis_failed(error)


def _forget(hashes: list[str]) -> None:
    """Drop these sessions from the cache now, and again once the ending commits (a request that
    read the row before the commit may have cached it afresh)."""
    _cache_forget(hashes)
    db.session.info.setdefault(_FORGET, set()).update(hashes)


@sa.event.listens_for(Session, "after_commit")
def _forget_after_commit(session: Session) -> None:
    hashes = session.info.pop(_FORGET, None)
    if hashes:
        _cache_forget(hashes)


@sa.event.listens_for(Session, "after_rollback")
def _nothing_to_forget(session: Session) -> None:
    session.info.pop(_FORGET, None)


# --- starting, resolving, ending -------------------------------------------------------------

def start(user: User, *, remember: bool, user_agent: str | None, address: str | None) -> tuple[UserSession, str]:
    """Open a server session for `user` and return it with its key (the cookie's only content)."""
    key = secrets.token_urlsafe(KEY_BYTES)
    now = utcnow()
    browser, platform = describe_agent(user_agent)
    record = UserSession(key_hash=key_hash(key), user_id=user.id, browser=browser, platform=platform,
                         network=network_of(address), remember=bool(remember), created_at=now, last_seen_at=now,
                         expires_at=now + (remember_limit() if remember else idle_limit()))
    db.session.add(record)
    db.session.flush()
    return record, key


def _current_of(record: UserSession, key: str) -> Current:
    return Current(id=record.id, key=key, user_id=record.user_id, remember=record.remember,
                   expires_at=record.expires_at, last_seen_at=record.last_seen_at)


def resolve(key) -> tuple[User, Current] | None:
    """The active person and open session a cookie's key names, or None.

    An expired session is marked ended here; `last_seen_at` (and an idle session's end) moves at
    most once a touch interval. The caller commits what this wrote when `pending_write()` says so.
    """
    if not isinstance(key, str) or not 20 <= len(key) <= 100:
        return None
    hashed = key_hash(key)
    now = utcnow()
    current = _cache_get(hashed)
    if current is None:
        record = db.session.execute(
            sa.select(UserSession).where(UserSession.key_hash == hashed)).scalar_one_or_none()
        if record is None or record.ended_at is not None:
            return None
        current = _current_of(record, key)
        if current.expires_at > now:
            _cache_set(hashed, current)
    current.key = key
    if current.expires_at <= now:
        _end_rows([current.id], "expired")
        _forget([hashed])
        return None
    user = db.session.get(User, current.user_id)
    if user is None or not user.active:
        return None
    if now - current.last_seen_at >= touch_interval():
        expires_at = current.expires_at if current.remember else now + idle_limit()
        table = UserSession.__table__
        touched = db.session.execute(
            table.update().where(table.c.id == current.id, table.c.ended_at.is_(None))
            .values(last_seen_at=now, expires_at=expires_at)).rowcount
        db.session.info["coalition_session_touched"] = True
        if not touched:  # ended since it was cached
            _forget([hashed])
            return None
        current.last_seen_at, current.expires_at = now, expires_at
        _cache_set(hashed, current)
    return user, current


def pending_write() -> bool:
    """Whether resolving wrote something (a touch, an expiry) the request must commit."""
    return bool(db.session.info.pop("coalition_session_touched", False))


def rotate(current: Current, user: User, *, user_agent: str | None, address: str | None) -> tuple[UserSession, str] | None:
    """End a remembered session and open its successor (the remember cookie opened a new browser
    session); None when another request rotated it first."""
    if not _end_rows([current.id], "rotated"):
        return None
    _forget([key_hash(current.key)])
    record, key = start(user, remember=True, user_agent=user_agent, address=address)
    db.session.info["coalition_session_touched"] = True
    return record, key


def _end_rows(ids, reason: str) -> int:
    """Mark these open sessions ended; return how many were open."""
    ids = list(ids)
    if not ids:
        return 0
    table = UserSession.__table__
    ended = db.session.execute(
        table.update().where(table.c.id.in_(ids), table.c.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)).rowcount
    db.session.info["coalition_session_touched"] = True
    return ended


def open_sessions(user: User) -> list[UserSession]:
    """The person's sessions that still work, the most recently seen first."""
    return list(db.session.execute(
        sa.select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None),
                                     UserSession.expires_at > utcnow())
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())).scalars())


def end(actor, user: User, session_id, reason: str) -> UserSession | None:
    """End one of `user`'s sessions; None when it is not theirs or already over."""
    if not is_id(session_id):
        return None
    record = db.session.get(UserSession, session_id)
    if record is None or record.user_id != user.id or not _end_rows([record.id], reason):
        return None
    _forget([record.key_hash])
    audit.record(actor, "auth.session_ended", user, {"session": record.id, "reason": reason})
    return record


def end_all(actor, user: User, reason: str, *, keep: int | None = None) -> int:
    """End every open session of `user` (but `keep`); return how many ended."""
    table = UserSession.__table__
    stmt = sa.select(table.c.id, table.c.key_hash).where(table.c.user_id == user.id, table.c.ended_at.is_(None))
    if keep is not None:
        stmt = stmt.where(table.c.id != keep)
    rows = db.session.execute(stmt).all()
    count = _end_rows([r.id for r in rows], reason)
    _forget([r.key_hash for r in rows])
    if count:
        audit.record(actor, "auth.sessions_ended", user, {"count": count, "reason": reason})
    return count
