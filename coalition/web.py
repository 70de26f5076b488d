"""What every HTML view needs: the acting person, and service errors shown beside form fields."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import request
from flask_login import current_user
from wtforms import Form

from coalition.errors import ValidationError
from coalition.transaction import safe_rollback
from coalition.validation import is_id

# The WSGI environ key of a request the web master serves to itself while starting (coalition.wsgi.warm_up).
WARM_UP_ENVIRON = "coalition.warm_up"


def is_warm_up_request() -> bool:
    """Whether this request is the master's own warm-up: nobody's traffic (GETs only: no limit applies)."""
    return bool(request.environ.get(WARM_UP_ENVIRON))


def current_actor():
    """The logged-in person, or None; views pass it to services explicitly."""
    return current_user._get_current_object() if current_user.is_authenticated else None


def apply_errors(form: Form, error: ValidationError) -> None:
    """Undo what the refused service call began, and put its errors beside the matching form fields."""
    safe_rollback()
    for name, messages in error.fields.items():
        messages = list(messages) if isinstance(messages, (list, tuple)) else [messages]
        field = getattr(form, name, None) or getattr(form, name.removesuffix("_id"), None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + messages
        else:
            form.form_errors = list(getattr(form, "form_errors", [])) + messages


def safe_next(target: str | None, default: str) -> str:
    """Only follow local paths after login, never another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def int_arg(value, default=None):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if is_id(number) else default

