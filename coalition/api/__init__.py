"""The JSON API under /api/v1, documented by a generated OpenAPI 3 document at /api/openapi.json."""
from __future__ import annotations

from flask import Flask, g, request
from flask_smorest import Api

from coalition.api.common import ErrorSchema, document_idempotency
from coalition.auth import services as auth_services
from coalition.extensions import csrf, db

API_PREFIX = "/api/"
BODY_METHODS = ("POST", "PATCH", "PUT")


class CoalitionApi(Api):
    # flask-smorest documents its default error responses with this schema: make it SPEC's shape.
    ERROR_SCHEMA = ErrorSchema


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _is_public(app: Flask, endpoint: str | None, method: str) -> bool:
    """Whether the view answers `method` without a token: its class lists it in `public_methods`."""
    view = app.view_functions.get(endpoint or "")
    view_class = getattr(view, "view_class", None)
    allowed = getattr(view_class, "public_methods", None) or getattr(view, "public_methods", ())
    return method.upper() in allowed or (method.upper() == "HEAD" and "GET" in allowed)


def init_app(app: Flask) -> None:
    from coalition.api import (
        analysis, consultations, dashboard, deliverables, groups, institutions, invitations, me, meetings, people,
        recommendations, tokens)
    from coalition.api import engagements, instruments, states  # issue 15: states and policy uptake

    app.config.update(
        API_TITLE="Coalition API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "info": {"description": (
                "The coalition's deliverables, meetings, institutions and working groups. "
                "Get a token with `POST /api/v1/tokens`, then send `Authorization: Bearer <token>`. "
                "Errors always have the shape `{\"error\": {\"status\", \"code\", \"message\", \"fields\"}}`. "
                "Changes that grant privilege (inviting an admin or coordinator, and the like) need a fresh "
                "token: one created with `POST /api/v1/tokens` in the last 15 minutes (`REAUTH_MINUTES`). "
                "An older token gets a 403 whose `code` is `reauthentication_required`: create a new token "
                "and send the request again."
            )},
            "security": [{"bearerAuth": []}],
        },
    )
    api = CoalitionApi(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for module in (tokens, me, groups, institutions, people, invitations, deliverables, meetings, dashboard,
                   consultations, analysis, recommendations,
                   states, instruments, engagements):
        api.register_blueprint(module.blp)
        # Bearer tokens only, never cookies: cross-site forgery has nothing to ride on.
        csrf.exempt(module.blp)
    document_idempotency(api.spec)
    app.extensions["coalition_api"] = api

    @app.before_request
    def authenticate_api_request():
        if not request.path.startswith(API_PREFIX):
            return None
        g.api_user = g.api_token = None
        token = _bearer_token()
        if token:
            found = auth_services.authenticate_token(token)
            if found is not None:
                # The token row tells coalition.auth.reauth whether this counts as a fresh login.
                g.api_user, g.api_token = found
            db.session.commit()
        return None

    @app.before_request
    def refuse_anonymous_calls_first():
        # 401 comes before anything about the body: only the token exchange and the views that
        # declare `public_methods` (the open consultation, receipts) are open.
        if request.path.startswith("/api/v1/") and not (request.path == "/api/v1/tokens" and
                                                         request.method == "POST"):
            if (request.url_rule is not None and request.method != "OPTIONS" and g.get("api_user") is None
                    and not _is_public(app, request.endpoint, request.method)):
                from coalition.api.common import api_actor

                api_actor()
        return None

    @app.before_request
    def require_json_bodies():
        if request.path.startswith(API_PREFIX) and request.method in BODY_METHODS:
            has_body = (request.content_length or 0) > 0 or request.headers.get("Transfer-Encoding")
            if has_body and not request.is_json:
                from werkzeug.exceptions import UnsupportedMediaType

                raise UnsupportedMediaType()
        return None
