"""Throttling of the doors an attacker knocks on: login, API tokens, password reset.

Two counters per door: one per client address (a crowd of guesses from one place) and one per
account (a slow guess at one person from many places). The account counter only counts failures,
so a person who types their password right is never held up by their own earlier typos once the
window passes. Counters live in Redis when REDIS_URL is set (shared by every web process), in
memory otherwise; if Redis fails, each process falls back to memory rather than refusing everyone.
A refusal is a 429 with Retry-After, and a lockout of an account is written to the audit log.
"""
from __future__ import annotations

import hashlib

from flask import Flask, current_app, request
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, key_prefix="coalition", headers_enabled=True,
                  swallow_errors=True, in_memory_fallback_enabled=True)

PER_ADDRESS = "30 per minute;300 per hour"
PER_ACCOUNT_FAILURES = "5 per 5 minutes;20 per day"
RESET_PER_ADDRESS = "5 per minute;30 per hour"
RESET_PER_ACCOUNT = "3 per hour"


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 1}
                          if app.config.get("REDIS_URL") else {})
    # Always set up fully (hooks and storage): with RATELIMIT_ENABLED false, init_app registers nothing.
    app.config["RATELIMIT_ENABLED"] = True
    limiter.enabled = True
    limiter.init_app(app)
    # The limiter is one object for the process; the test suite switches it off (and tests of
    # throttling back on) through this flag rather than RATELIMIT_ENABLED, which would leave it
    # without storage.
    limiter.enabled = app.config.get("THROTTLE", True)


def _submitted_email() -> str:
    if request.is_json:
        body = request.get_json(silent=True)
        value = body.get("email") if isinstance(body, dict) else None
    else:
        value = request.form.get("email")
    return value.strip().lower()[:254] if isinstance(value, str) else ""


def account_key() -> str:
    """The account being tried, hashed: the counter's key never holds an address in clear."""
    email = _submitted_email()
    return "account:" + hashlib.sha256(email.encode()).hexdigest()[:32] if email else get_remote_address()


def failed(response) -> bool:
    """A refused login (422 page, 401 API) or a malformed one counts against the account."""
    return response.status_code in (400, 401, 422)


def record_lockout(limit: RequestLimit) -> None:
    from coalition.audit import services as audit
    from coalition.extensions import db

    try:
        audit.record(None, "auth.locked", "account", {
            "path": request.path, "address": get_remote_address(), "limit": str(limit.limit),
            "account": account_key()})
        db.session.commit()
    except Exception:  # noqa: BLE001 - auditing must never turn a 429 into a 500
        db.session.rollback()
        current_app.logger.exception("could not record a lockout")


def login_limits(view):
    """Per address, and per account on failures only: for the login page and the token endpoint."""
    view = limiter.limit(PER_ACCOUNT_FAILURES, key_func=account_key, methods=["POST"], deduct_when=failed,
                         scope="login-account", on_breach=record_lockout)(view)
    return limiter.limit(PER_ADDRESS, methods=["POST"], scope="login-address")(view)


def reset_limits(view):
    view = limiter.limit(RESET_PER_ACCOUNT, key_func=account_key, methods=["POST"], scope="reset-account",
                         on_breach=record_lockout)(view)
    return limiter.limit(RESET_PER_ADDRESS, methods=["POST"], scope="reset-address")(view)
