"""Language and timezone choice: ?lang=, then the person's setting, then Accept-Language, then Spanish."""
from __future__ import annotations

from zoneinfo import ZoneInfo, available_timezones

from flask import Flask, current_app, g, has_request_context, request, session
from flask_login import current_user

from coalition.portal.http import chosen_language, is_portal_path


def _valid_language(value) -> str | None:
    return value if value in current_app.config["LANGUAGES"] else None


def select_locale() -> str:
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = _valid_language(request.args.get("lang"))
    if chosen:
        return chosen
    if is_portal_path(request.path):
        return chosen_language()
    api_user = g.get("api_user")
    if api_user is not None:
        return api_user.language
    if request.path.startswith("/api/"):
        # The API ignores cookies: only the token's owner or the request's own headers count.
        return request.accept_languages.best_match(current_app.config["LANGUAGES"]) or \
            current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user.is_authenticated:
        return current_user.language
    chosen = _valid_language(session.get("lang"))
    if chosen:
        return chosen
    return request.accept_languages.best_match(current_app.config["LANGUAGES"]) or \
        current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    if has_request_context() and not is_portal_path(request.path) and current_user.is_authenticated:
        return current_user.timezone
    return current_app.config["COALITION_TIMEZONE"]


def is_valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return False
    return name in common_timezones()


_TIMEZONES: list[str] = []


def common_timezones() -> list[str]:
    """The IANA zones a person can pick, Mexico's first."""
    if not _TIMEZONES:
        zones = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
        mexico = [z for z in zones if z.startswith("America/") and z in MEXICAN_ZONES]
        _TIMEZONES.extend(mexico + [z for z in zones if z not in mexico] + ["UTC"])
    return _TIMEZONES


MEXICAN_ZONES = {
    "America/Mexico_City", "America/Cancun", "America/Merida", "America/Monterrey", "America/Matamoros",
    "America/Chihuahua", "America/Ciudad_Juarez", "America/Ojinaga", "America/Mazatlan",
    "America/Bahia_Banderas", "America/Hermosillo", "America/Tijuana",
}


def init_app(app: Flask) -> None:
    @app.before_request
    def remember_anonymous_language():
        chosen = request.args.get("lang")
        if chosen in app.config["LANGUAGES"] and not is_portal_path(request.path) and \
                not current_user.is_authenticated:
            session["lang"] = chosen
