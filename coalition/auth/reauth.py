"""Re-authentication: every path to privilege asks for a fresh proof of the password.

A privilege path is anything that makes someone an admin or coordinator (inviting or creating
them), changes anyone's role or active flag, ends someone else's sessions or revokes their tokens,
or imports people in bulk. Each such view is marked with `@privilege_path` (the one registry:
tests/auth/test_reauth_routes.py walks the URL map, finds every marked view and checks it refuses a
stale actor; it also finds, by reading the views, any that calls a privileged service without
the mark) and calls `require_fresh()` before it acts.

Fresh means: on the pages, the person typed their password (login or /reauthenticate) within
REAUTH_MINUTES, never a session restored from the remember-me cookie; on the API, the bearer
token was created (POST /api/v1/tokens, which takes the password) within REAUTH_MINUTES. A stale
page request is sent to /reauthenticate and back; a stale API request gets a 403 whose code is
`reauthentication_required`.
"""
from __future__ import annotations

import time
from datetime import timedelta
from urllib.parse import urlsplit

from flask import (
    current_app,
    g,
    jsonify,
    make_response,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l

from coalition.database import utcnow
from coalition.errors import PermissionDenied

KEY = "authenticated_at"
CODE = "reauthentication_required"

# The qualified names of the views marked with @privilege_path: the one registry of privilege paths.
PRIVILEGE_PATHS: set[str] = set()

# The services that grant or take away privilege. A view that reaches one of them (directly or
# through other functions of the app) must be a privilege path: tests/auth/test_reauth_routes.py
# reads every view to check it. A new such service (the people import) adds its name here.
PRIVILEGED_SERVICES: set[str] = {
    "coalition.auth.services.create_user",
    "coalition.auth.services.invite",
    "coalition.auth.services.manage_user",
    "coalition.auth.services.sign_out_everywhere",
}


class ReauthenticationRequired(PermissionDenied):
    code = CODE
    default_message = _l("This change needs a recent proof of your password. On the API, create a new token with "
                         "POST /api/v1/tokens: a token counts for this only in the minutes after it is created.")


def mark_authenticated() -> None:
    session[KEY] = int(time.time())


def _limit_seconds() -> int:
    return int(current_app.config.get("REAUTH_MINUTES", 15)) * 60


def is_recent() -> bool:
    """Whether the request's authentication is fresh (see the module's docstring)."""
    if request.path.startswith("/api/"):
        token = g.get("api_token")
        return token is not None and utcnow() - token.created_at <= timedelta(seconds=_limit_seconds())
    at = session.get(KEY)
    return isinstance(at, int) and 0 <= time.time() - at <= _limit_seconds()


def require_fresh() -> None:
    """Refuse with ReauthenticationRequired unless the request's authentication is fresh.

    Pages and API handlers (and the people import) call it before a privileged change, after
    their permission check, so that someone without the right gets a plain 403.
    """
    g.coalition_reauth_checked = True
    if not is_recent():
        raise ReauthenticationRequired()


def privilege_path(view):
    """Mark a view (or a MethodView's method) as a path to privilege; it must call require_fresh()."""
    view.privilege_path = True
    PRIVILEGE_PATHS.add(f"{view.__module__}.{view.__qualname__}")
    return view


def _return_path() -> str:
    if request.method == "GET":
        return request.full_path.rstrip("?")
    # A refused POST goes back to the page its form was on, typed values and all re-shown there.
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc and referrer.netloc != request.host:
        return url_for("home.index")
    return (referrer.path + ("?" + referrer.query if referrer.query else "")) or url_for("home.index")


def handle(error: ReauthenticationRequired):
    """Send a page to /reauthenticate and back; answer the API with a 403 in the error shape."""
    from coalition.errors import error_body
    from coalition.transaction import safe_rollback

    safe_rollback()
    if request.path.startswith("/api/"):
        return make_response(jsonify(error_body(403, CODE, str(error.message))), 403)
    return redirect(url_for("auth.reauthenticate", next=_return_path()))
