"""Jinja filters and globals shared by every page: dates in the viewer's timezone, labels, Markdown."""
from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import urlencode

from jinja2 import pass_context
from flask import Flask, request, url_for
from flask_babel import format_date, format_datetime, format_time, get_locale

from coalition.deliverables.models import HEALTHS, STATUSES
from coalition.institutions.models import SECTORS, STATES, state_label
from coalition.markup import render_markdown
from coalition.portal.http import PAGE_ARGUMENTS, is_portal_path
from coalition.meetings.models import ATTENDANCE_STATUSES, MEETING_STATUSES


def language() -> str:
    return str(get_locale() or "es")


def group_name(group) -> str:
    return group.name_in(language()) if group is not None else ""


def local_datetime(value: datetime | None, fmt: str = "medium") -> str:
    """Format an aware UTC datetime in the viewer's timezone and language."""
    if value is None:
        return ""
    if fmt == "medium":
        # Minutes, not seconds: "3 dic 2026, 17:00" / "Dec 3, 2026, 5:00 PM".
        return f"{format_date(value, 'medium')}, {format_time(value, 'short')}"
    return format_datetime(value, fmt)


def machine_datetime(value: datetime | None) -> str:
    """An instant for a `datetime` attribute: UTC to the second, as HTML allows (no microseconds)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # SQLite hands back naive UTC
    return value.astimezone(UTC).isoformat(timespec="seconds")


def local_date(value: date | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return format_date(value, fmt)


def in_timezone(value: datetime | None, tz: str) -> str:
    """A datetime for someone who is not the viewer (an email's recipient), in their timezone."""
    if value is None:
        return ""
    from zoneinfo import ZoneInfo

    from babel.dates import format_date as babel_date, format_time as babel_time

    local = value.astimezone(ZoneInfo(tz))
    locale = language()
    return f"{babel_date(local, 'full', locale=locale)}, {babel_time(local, 'short', locale=locale)} ({tz})"


def url_with(**changes) -> str:
    """The current URL with some query arguments changed (None removes one), for filters and pages.

    The query is encoded separately, so no query key can act as a `url_for` option.
    """
    args = request.args.to_dict()
    if is_portal_path(request.path):
        # A portal page is cached under the arguments it reads: its links carry no other.
        args = {key: value for key, value in args.items() if key in PAGE_ARGUMENTS}
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    base = request.path
    if request.endpoint and request.url_rule is not None:
        base = url_for(request.endpoint, **(request.view_args or {}))
    return f"{base}?{urlencode(args)}" if args else base


def web_address(value: str | None) -> str | None:
    """The address if it is an http(s) one, else None: a stored value is never trusted as a link."""
    if isinstance(value, str) and value.strip().lower().startswith(("https://", "http://")):
        return value.strip()
    return None


@pass_context
def text_of(context, name: str) -> str:
    """A .txt partial rendered as plain text with the current variables. An HTML template shows it
    escaped: Jinja compiles .txt templates without autoescaping, so {% include %} would not."""
    return str(context.environment.get_template(name).render(context.get_all()))


def sector_label(key: str) -> str:
    return str(SECTORS.get(key, key))


def format_number(value) -> str:
    """A number as the page's language writes it (12,345 or 12 345)."""
    from flask_babel import format_decimal

    return format_decimal(value or 0)


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        markdown=render_markdown,
        localdt=local_datetime,
        localdate=local_date,
        machine_datetime=machine_datetime,
        in_timezone=in_timezone,
        group_name=group_name,
        state_label=state_label,
        sector_label=sector_label,
        web_address=web_address,
        number=format_number,
    )
    app.jinja_env.globals.update(
        url_with=url_with,
        text_of=text_of,
        language=language,
        STATUSES=STATUSES,
        HEALTHS=HEALTHS,
        SECTORS=SECTORS,
        STATES=STATES,
        MEETING_STATUSES=MEETING_STATUSES,
        ATTENDANCE_STATUSES=ATTENDANCE_STATUSES,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
