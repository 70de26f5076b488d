"""The person behind the token: read and change their own profile and preferences."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from coalition.api.common import api_actor, documents_errors
from coalition.auth import services
from coalition.auth.models import (
    DIGEST_FREQUENCIES, HOUR_MAX, LANGUAGES, NAME_MAX, ROLES, TIMEZONE_MAX, WEEKDAY_MAX)
from coalition.groups.services import memberships_of

blp = Blueprint("api_me", __name__, url_prefix="/api/v1/me", description="Your own account.")


class MyGroupSchema(Schema):
    slug = fields.String(required=True, metadata={"example": "ethics"})
    role = fields.String(required=True, validate=validate.OneOf(["lead", "member"]))


class MeSchema(Schema):
    id = fields.Integer(required=True)
    email = fields.Email(required=True, metadata={"example": "member@example.org"})
    name = fields.String(required=True, metadata={"example": "Mario Miembro"})
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    institution_id = fields.Integer(allow_none=True)
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    timezone = fields.String(required=True, metadata={"example": "America/Mexico_City"})
    digest_frequency = fields.String(required=True, validate=validate.OneOf(DIGEST_FREQUENCIES))
    digest_weekday = fields.Integer(required=True, metadata={"description": "0 is Monday.", "example": 0})
    digest_hour = fields.Integer(required=True, metadata={"description": "In your timezone.", "example": 8})
    groups = fields.List(fields.Nested(MyGroupSchema), required=True)


class MePatchSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=NAME_MAX))
    language = fields.String(validate=validate.OneOf(LANGUAGES))
    timezone = fields.String(validate=validate.Length(max=TIMEZONE_MAX), metadata={"example": "America/Tijuana"})
    digest_frequency = fields.String(validate=validate.OneOf(DIGEST_FREQUENCIES))
    digest_weekday = fields.Integer(strict=True, validate=validate.Range(min=0, max=WEEKDAY_MAX))
    digest_hour = fields.Integer(strict=True, validate=validate.Range(min=0, max=HOUR_MAX))


def me_body(user) -> dict:
    return {
        "id": user.id, "email": user.email, "name": user.name, "role": user.role,
        "institution_id": user.institution_id, "language": user.language, "timezone": user.timezone,
        "digest_frequency": user.digest_frequency, "digest_weekday": user.digest_weekday,
        "digest_hour": user.digest_hour,
        "groups": [{"slug": slug, "role": role} for slug, role in memberships_of(user)],
    }


@blp.route("")
class Me(MethodView):
    @blp.response(200, MeSchema)
    @documents_errors(blp, 401)
    def get(self):
        """Your account, with your working groups and your role in each."""
        return me_body(api_actor())

    @blp.arguments(MePatchSchema)
    @blp.response(200, MeSchema)
    @documents_errors(blp, 400, 401, 415, 422)
    def patch(self, body):
        """Change your name, language, timezone or digest settings."""
        actor = api_actor()
        services.update_settings(actor, **body)
        return me_body(actor)
