"""Re-authentication before sensitive changes (managing people's roles and access).

A session remembers when its owner last typed their password. A sensitive page asks for it again
when that was more than REAUTH_MINUTES ago, or never (a session restored from the remember-me
cookie), before showing the form, so nothing typed is lost.
"""
from __future__ import annotations

import time
from functools import wraps

from flask import current_app, redirect, request, session, url_for

KEY = "authenticated_at"


def mark_authenticated() -> None:
    session[KEY] = int(time.time())


def is_recent() -> bool:
    at = session.get(KEY)
    limit = current_app.config.get("REAUTH_MINUTES", 15) * 60
    return isinstance(at, int) and 0 <= time.time() - at <= limit


def recent_login_required(view):
    @wraps(view)
    def guarded(*args, **kwargs):
        if not is_recent():
            target = request.full_path if request.method == "GET" else request.path
            return redirect(url_for("auth.reauthenticate", next=target.rstrip("?")))
        return view(*args, **kwargs)

    return guarded
