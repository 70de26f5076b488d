"""Domain errors, and the one place that turns them (and HTTP errors) into pages or JSON."""
from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from sqlalchemy import exc as sa_exc
from sqlalchemy.orm.exc import StaleDataError

from coalition.extensions import login_manager
from coalition.portal.http import is_portal_path


class DomainError(Exception):
    status = 400
    code = "bad_request"
    default_message = _l("The request could not be processed.")

    def __init__(self, message=None, fields: dict | None = None, current=None):
        super().__init__(str(message or self.default_message))
        self.message = message or self.default_message
        self.fields = fields or {}
        # For conflicts: the resource as it is now.
        self.current = current


class NotAuthenticated(DomainError):
    status = 401
    code = "unauthenticated"
    default_message = _l("Please log in to continue.")


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"
    default_message = _l("You do not have permission to do that.")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = _l("We could not find that.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _l("Someone else changed this in the meantime.")


class ValidationError(DomainError):
    status = 422
    code = "validation_error"
    default_message = _l("Some values are not valid.")


HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    500: "server_error",
    503: "unavailable",
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path in ("/healthz", "/readyz")


def error_body(status: int, code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"status": status, "code": code, "message": str(message),
                      "fields": {k: [str(m) for m in v] if isinstance(v, (list, tuple)) else str(v)
                                 for k, v in (fields or {}).items()}}}


def _flatten(messages, prefix: str = "") -> dict:
    """Webargs/marshmallow messages ({"json": {"a": {"b": [..]}}}) as {"a.b": [..]}."""
    flat: dict = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict):
                flat.update(_flatten(value, name))
            else:
                flat[name] = [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]
    elif messages:
        flat[prefix or "_schema"] = [str(m) for m in messages] if isinstance(messages, list) else [str(messages)]
    return flat


def _request_fields(error: HTTPException) -> dict:
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(messages, dict):
        return {}
    fields: dict = {}
    for location_messages in messages.values():  # json, query, path…
        fields.update(_flatten(location_messages))
    return fields


def _render(status: int, code: str, message, fields=None, current=None):
    if wants_json():
        payload = error_body(status, code, str(message), fields)
        if current is not None:
            payload["current"] = current
        body = jsonify(payload)
    elif is_portal_path(request.path):
        body = render_template("portal/error.html", status=status, message=message)
    else:
        body = render_template("errors/error.html", status=status, message=message)
    return make_response(body, status)


def _safe_rollback() -> None:
    from coalition.transaction import safe_rollback

    safe_rollback()


def database_unavailable(error: BaseException | None) -> bool:
    """True when the database itself is gone (down, restarting, failing over, a killed connection),
    not when it refused a statement (a constraint, bad data): that one is the client's 409/422.

    The whole chain counts (`raise … from`, an error met while handling another), so an error handler
    that trips over the same dead connection is still recognised.
    """
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, (sa_exc.IntegrityError, sa_exc.DataError)):
            return False
        if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
            return True
        if isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError,
                              sa_exc.TimeoutError)):
            return True
        if _driver_connection_error(error) or _driver_connection_error(getattr(error, "orig", None)):
            return True
        error = error.__cause__ or error.__context__
    return False


def _driver_connection_error(error) -> bool:
    """A driver's own OperationalError/InterfaceError (psycopg's AdminShutdown is one), or a socket error."""
    if error is None:
        return False
    if isinstance(error, (ConnectionError, TimeoutError)) or type(error) is OSError:
        return True
    return any(cls.__name__ in ("OperationalError", "InterfaceError") and cls.__module__.split(".")[0] in
               ("psycopg", "psycopg2", "sqlite3", "pg8000")
               for cls in type(error).__mro__)


UNAVAILABLE_PAGE = """<!doctype html>
<html lang="{lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title></head>
<body><main><h1>{title}</h1><p>{message}</p></main></body>
</html>
"""


def unavailable_response(error: BaseException | None = None):
    """503 for a database that is gone, built without the database: no user, no template, no session."""
    from flask import current_app, g
    from flask_babel import force_locale, gettext
    from markupsafe import escape

    if error is not None:
        current_app.logger.error("database unavailable on %s %s: %s", request.method, request.path,
                                 getattr(error, "orig", None) or error)
    # Whatever was loaded is expired by the rollback and would reload from the dead database.
    g._login_user = login_manager.anonymous_user()
    g.api_user = None
    _safe_rollback()
    languages = current_app.config.get("LANGUAGES", ("es", "en"))
    lang = request.args.get("lang") if request.args.get("lang") in languages else \
        (request.accept_languages.best_match(languages) or current_app.config.get("BABEL_DEFAULT_LOCALE", "es"))
    with force_locale(lang):
        message = gettext("The service is briefly unavailable. Please try again in a minute.")
        title = gettext("Service unavailable")
    if wants_json():
        response = make_response(jsonify(error_body(503, "unavailable", message)), 503)
    else:
        page = UNAVAILABLE_PAGE.format(lang=lang, title=escape(title), message=escape(message))
        response = make_response(page, 503, {"Content-Type": "text/html; charset=utf-8"})
    response.headers["Retry-After"] = "5"
    response.headers["Cache-Control"] = "no-store"
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        if isinstance(error, NotAuthenticated) and not wants_json() and request.method == "GET":
            return login_manager.unauthorized()
        if isinstance(error, NotAuthenticated) and wants_json():
            message = error.message if error.message is not NotAuthenticated.default_message else \
                _l("Send a valid bearer token: Authorization: Bearer <token>.")
            response = _render(401, error.code, message)
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        _safe_rollback()
        current = error.current if isinstance(error.current, dict) else None
        return _render(error.status, error.code, error.message, error.fields, current)

    @app.errorhandler(CSRFError)
    def handle_csrf(error: CSRFError):
        return _render(400, "csrf_failed", _l("The form expired or was sent from elsewhere. Please try again."))

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        status = error.code or 500
        code = HTTP_CODES.get(status, "error")
        messages = {
            400: _l("The request could not be understood."),
            401: _l("Please log in to continue."),
            403: _l("You do not have permission to do that."),
            404: _l("We could not find that page."),
            405: _l("That method is not allowed here."),
            413: _l("The request is too large."),
            415: _l("That content type is not supported."),
            429: _l("Too many requests. Please wait and try again."),
        }
        fields = _request_fields(error)
        if status == 422 and fields:
            message = _l("Some values are not valid.")
        elif status == 400 and fields:
            message = " ".join(m for ms in fields.values() for m in ms)
        else:
            message = messages.get(status, error.description or "")
        response = _render(status, code, message, fields)
        if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(StaleDataError)
    def handle_stale(error: StaleDataError):
        # The version check in SQL caught a concurrent save the service could not see.
        _safe_rollback()
        return _render(409, "conflict", Conflict.default_message)

    @app.errorhandler(RecursionError)
    def handle_too_deep(error):
        return _render(400, "bad_request", _l("The request could not be understood."))

    @app.errorhandler(sa_exc.IntegrityError)
    def handle_integrity(error):
        # A race the service's own checks could not see (two clicks, two clients): the loser is told.
        app.logger.info("constraint refused on %s %s: %s", request.method, request.path, error.orig)
        _safe_rollback()
        return _render(409, "conflict", _l("That already exists, or someone changed it at the same moment. "
                                           "Reload and try again."))

    @app.errorhandler(sa_exc.DBAPIError)
    def handle_database_error(error):
        if not database_unavailable(error):
            return handle_unexpected(error)
        return unavailable_response(error)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        if database_unavailable(error):
            return unavailable_response(error)
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        _safe_rollback()
        return _render(500, "server_error", _l("Something went wrong on our side. It has been logged."))
