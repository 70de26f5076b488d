"""Bearer tokens: exchange credentials for one, list yours, revoke one."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from coalition.api.common import api_actor, documents_errors
from coalition.auth import services, throttle
from coalition.auth.models import EMAIL_MAX, PASSWORD_MAX, TOKEN_NAME_MAX
from coalition.errors import NotAuthenticated
from coalition.extensions import db

blp = Blueprint("api_tokens", __name__, url_prefix="/api/v1/tokens", description="Bearer tokens for this API.")


class TokenRequestSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(max=EMAIL_MAX),
                          metadata={"example": "member@example.org"})
    password = fields.String(required=True, validate=validate.Length(max=PASSWORD_MAX), load_only=True,
                             metadata={"example": "coalition-demo"})
    name = fields.String(load_default="", validate=validate.Length(max=TOKEN_NAME_MAX),
                         metadata={"description": "A label to recognise the token by.", "example": "reporting script"})


class NewTokenSchema(Schema):
    id = fields.Integer(required=True)
    token = fields.String(required=True, metadata={"description": "Shown once; only its hash is kept.",
                                                   "example": "coa_3q2xZ..."})
    expires_at = fields.AwareDateTime(required=True)


class TokenSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    expires_at = fields.AwareDateTime(required=True)
    last_used_at = fields.AwareDateTime(allow_none=True)
    revoked_at = fields.AwareDateTime(allow_none=True)


@blp.route("")
class Tokens(MethodView):
    # The same throttle as the login page: per address, and per account on failures.
    decorators = [throttle.login_limits]

    @blp.doc(security=[])
    @blp.arguments(TokenRequestSchema)
    @blp.response(201, NewTokenSchema)
    @documents_errors(blp, 400, 401, 415, 422)
    def post(self, body):
        """Exchange an email and password for a bearer token."""
        try:
            token, raw = services.create_api_token(body["email"], body["password"], body.get("name", ""))
        except NotAuthenticated:
            db.session.commit()  # the failure's audit entry
            raise
        return {"id": token.id, "token": raw, "expires_at": token.expires_at}

    @blp.response(200, TokenSchema(many=True))
    @documents_errors(blp, 401)
    def get(self):
        """List your tokens, newest first."""
        return services.list_api_tokens(api_actor())


@blp.route("/<int:token_id>")
class TokenById(MethodView):
    @blp.response(204)
    @documents_errors(blp, 401, 404)
    def delete(self, token_id):
        """Revoke one of your tokens."""
        services.revoke_api_token(api_actor(), token_id)
        return None
