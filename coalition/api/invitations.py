"""Invitations: a single-use, expiring link for a new person to join the coalition."""
from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from coalition.api.common import ID_RANGE, api_actor, documents_errors
from coalition.auth import reauth, services
from coalition.auth.models import EMAIL_MAX, NAME_MAX, ROLES
from coalition.groups.models import SLUG_MAX
from coalition.groups import services as group_services

blp = Blueprint("api_invitations", __name__, url_prefix="/api/v1/invitations",
                description="Invite new people (coordinators anyone; leads into their own group).")


class InvitationCreateSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=EMAIL_MAX), metadata={"example": "nueva@example.org"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=NAME_MAX), metadata={"example": "Ana Nueva"})
    role = fields.String(load_default="member", validate=validate.OneOf(ROLES),
                         metadata={"description": "Only administrators may invite coordinators or admins, and only "
                                                  "with a token created in the last 15 minutes (otherwise 403 "
                                                  "`reauthentication_required`)."})
    institution_id = fields.Integer(strict=True, allow_none=True, load_default=None, validate=ID_RANGE, metadata={
        "description": "An existing institution (see `GET /api/v1/institutions`), or null.", "example": 12})
    group = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=SLUG_MAX),
                          metadata={"description": "Slug of the group the person joins (required for leads).",
                                    "example": "ethics"})


class InvitationSchema(Schema):
    id = fields.Integer(required=True)
    email = fields.Email(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True)
    group = fields.String(allow_none=True)
    expires_at = fields.AwareDateTime(required=True)
    accept_url = fields.String(required=True, metadata={
        "description": "The single-use link to send to the person; shown only now."})


@blp.route("")
class Invitations(MethodView):
    @blp.arguments(InvitationCreateSchema)
    @blp.response(201, InvitationSchema)
    @documents_errors(blp, 400, 401, 403, 404, 415, 422)
    @reauth.privilege_path
    def post(self, body):
        """Create an invitation and get its single-use link (valid for 7 days).

        Inviting a coordinator or an admin needs a fresh token (created in the last 15 minutes).
        """
        actor = api_actor()
        if body["role"] != "member":
            reauth.require_fresh()
        group = group_services.get_group(actor, body["group"]) if body.get("group") else None
        invitation, token = services.invite(actor, email=body["email"], name=body["name"], role=body["role"],
                                            institution_id=body.get("institution_id"), group=group)
        return {"id": invitation.id, "email": invitation.email, "name": invitation.name, "role": invitation.role,
                "group": group.slug if group else None, "expires_at": invitation.expires_at,
                "accept_url": url_for("auth.accept_invitation", token=token, _external=True)}
