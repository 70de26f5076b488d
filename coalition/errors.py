"""Domain errors, and the one place that turns them (and HTTP errors) into pages or JSON."""
from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from coalition.extensions import login_manager


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
    return request.path.startswith("/api/") or request.path == "/healthz"


def error_body(status: int, code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"status": status, "code": code, "message": str(message),
                      "fields": {k: [str(m) for m in v] if isinstance(v, (list, tuple)) else str(v)
                                 for k, v in (fields or {}).items()}}}


def _render(status: int, code: str, message, fields=None):
    if wants_json():
        body = jsonify(error_body(status, code, str(message), fields))
    else:
        body = render_template("errors/error.html", status=status, message=message)
    return make_response(body, status)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        if isinstance(error, NotAuthenticated) and not wants_json() and request.method == "GET":
            return login_manager.unauthorized()
        return _render(error.status, error.code, error.message, error.fields)

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
        response = _render(status, code, messages.get(status, error.description or ""))
        if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _render(500, "server_error", _l("Something went wrong on our side. It has been logged."))
