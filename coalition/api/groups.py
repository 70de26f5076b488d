"""Working groups: their progress, members and lead institutions, through the same services as the pages."""
from __future__ import annotations

import functools

import sqlalchemy as sa
from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate

from coalition.api.common import ID_RANGE, PageArgsSchema, api_actor, documents_errors, page_of
from coalition.auth.permissions import require
from coalition.errors import NotFound
from coalition.extensions import db
from coalition.groups import permissions, services
from coalition.database import MAX_ID
from coalition.groups.models import GROUP_SLUGS, LEAD_INSTITUTIONS_MAX, MEMBERSHIP_ROLES, SLUG_MAX, GroupMembership
from coalition.pagination import Page
from coalition.templating import group_name, language

blp = Blueprint("api_groups", __name__, url_prefix="/api/v1/working-groups",
                description="The six working groups, their progress, members and lead institutions.")

MEMBERSHIP_ROLE = validate.OneOf(list(MEMBERSHIP_ROLES))


def checked_first(check):
    """Run `check(actor, **view_args)` before the body is read, so 401 and 403 come before 422.

    Place it above `blp.arguments`; the OpenAPI documentation travels with `functools.wraps`.
    """
    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            check(api_actor(), **kwargs)
            return func(*args, **kwargs)
        return wrapper
    return decorator


def signed_in(actor, **_kwargs) -> None:
    """For `checked_first`: a valid token is all it takes (so a bad query gets 401 before 422)."""


def page_in_memory(items: list, page: int, per_page: int) -> dict:
    """A page of an already loaded (short) list, in the API's list shape."""
    start = (page - 1) * per_page
    result = Page(items=items[start:start + per_page], page=page, per_page=per_page, total=len(items))
    return {"items": result.items, "page": result.page, "per_page": result.per_page, "total": result.total}


# --- schemas ----------------------------------------------------------------------------------

class LeadInstitutionSchema(Schema):
    id = fields.Integer(required=True, metadata={"example": 12})
    name = fields.String(required=True, metadata={"example": "Universidad Nacional Autónoma de México"})
    acronym = fields.String(allow_none=True, metadata={"example": "UNAM"})


class GroupSchema(Schema):
    slug = fields.String(required=True, metadata={"example": "ethics"})
    name = fields.String(required=True, metadata={
        "description": "In the request's language (`?lang=`, then the token owner's language).",
        "example": "Ética de la IA"})
    name_en = fields.String(required=True, metadata={"example": "AI Ethics"})
    name_es = fields.String(required=True, metadata={"example": "Ética de la IA"})
    description = fields.String(required=True, metadata={
        "description": "In the request's language.", "example": "Principios y guías para una IA responsable."})
    progress = fields.Integer(required=True, metadata={
        "description": "Average progress of the group's deliverables, 0–100.", "example": 46})
    deliverables = fields.Integer(required=True, metadata={"description": "How many deliverables.", "example": 9})
    members = fields.Integer(required=True, metadata={"description": "How many people (leads included).",
                                                      "example": 23})
    lead_institution_ids = fields.List(fields.Integer(), required=True, metadata={"example": [12, 40]})
    lead_institutions = fields.List(fields.Nested(LeadInstitutionSchema), required=True)
    my_role = fields.String(required=True, allow_none=True, validate=MEMBERSHIP_ROLE, metadata={
        "description": "Your role in the group: `lead`, `member`, or null when you are not in it.",
        "example": "member"})
    url = fields.String(required=True, metadata={"description": "The group's page.",
                                                 "example": "http://127.0.0.1:5000/groups/ethics"})


class MembershipSchema(Schema):
    id = fields.Integer(required=True, metadata={"description": "The membership's id (to remove it).",
                                                 "example": 31})
    user_id = fields.Integer(required=True, metadata={"example": 4})
    name = fields.String(required=True, metadata={"example": "Mario Miembro"})
    institution_id = fields.Integer(required=True, allow_none=True, metadata={"example": 12})
    institution_name = fields.String(required=True, allow_none=True,
                                     metadata={"example": "Universidad Nacional Autónoma de México"})
    institution_acronym = fields.String(required=True, allow_none=True, metadata={"example": "UNAM"})
    role = fields.String(required=True, validate=MEMBERSHIP_ROLE, metadata={"example": "member"})
    since = fields.Date(required=True, metadata={"example": "2025-02-01"})


class GroupListArgsSchema(PageArgsSchema):
    class Meta:
        unknown = EXCLUDE


class MembershipListArgsSchema(PageArgsSchema):
    class Meta:
        unknown = EXCLUDE

    role = fields.String(validate=MEMBERSHIP_ROLE, metadata={"description": "Only leads, or only members.",
                                                             "example": "lead"})


class MembershipCreateSchema(Schema):
    user_id = fields.Integer(required=True, strict=True, validate=ID_RANGE, metadata={
        "description": "An active person's id (see `GET /api/v1/people`).", "example": 4})
    role = fields.String(load_default="member", validate=MEMBERSHIP_ROLE, metadata={
        "description": "Their role in the group; a person already in it has their role changed.",
        "example": "member"})


class LeadInstitutionsSchema(Schema):
    institution_ids = fields.List(
        fields.Integer(strict=True, validate=ID_RANGE), required=True, validate=validate.Length(max=LEAD_INSTITUTIONS_MAX),
        metadata={"description": "The complete list of lead institutions (an empty list clears it).",
                  "example": [12, 40]})


# --- bodies -----------------------------------------------------------------------------------

def group_body(summary: services.GroupSummary) -> dict:
    group = summary.group
    return {
        "slug": group.slug, "name": group_name(group), "name_en": group.name_en, "name_es": group.name_es,
        "description": group.description_in(language()), "progress": summary.progress,
        "deliverables": summary.deliverables, "members": summary.members,
        "lead_institution_ids": [i.id for i in group.lead_institutions],
        "lead_institutions": [{"id": i.id, "name": i.name, "acronym": i.acronym} for i in group.lead_institutions],
        "my_role": summary.my_role,
        "url": url_for("groups.detail", slug=group.slug, _external=True),
    }


def membership_body(membership) -> dict:
    user = membership.user
    institution = user.institution
    return {
        "id": membership.id, "user_id": user.id, "name": user.name,
        "institution_id": institution.id if institution else None,
        "institution_name": institution.name if institution else None,
        "institution_acronym": institution.acronym if institution else None,
        "role": membership.role, "since": membership.since,
    }


def get_group(actor, slug: str):
    """The group by slug, as the pages get it; a slug no database could hold is simply unknown."""
    if not isinstance(slug, str) or "\x00" in slug or len(slug) > SLUG_MAX:
        raise NotFound()
    return services.get_group(actor, slug)


def _summary(actor, slug: str) -> services.GroupSummary:
    group = get_group(actor, slug)
    for summary in services.list_groups(actor):
        if summary.group.id == group.id:
            return summary
    raise NotFound()


def _may_manage_members(actor, slug, **_kwargs) -> None:
    group = get_group(actor, slug)
    require(permissions.can_manage_memberships(actor, group.id))


def _may_set_lead_institutions(actor, slug, **_kwargs) -> None:
    get_group(actor, slug)
    require(permissions.can_manage_lead_institutions(actor))


SLUG_PARAMETER = {"in": "path", "name": "slug", "description": "The working group's fixed slug.",
                  "schema": {"type": "string", "enum": list(GROUP_SLUGS)},
                  "example": "ethics"}
MEMBERSHIP_PARAMETER = {"in": "path", "name": "membership_id", "example": 31,
                        "description": "The membership's `id`, from the group's member list."}

# --- endpoints --------------------------------------------------------------------------------

@blp.route("")
class Groups(MethodView):
    @checked_first(signed_in)
    @blp.arguments(GroupListArgsSchema, location="query")
    @blp.response(200, page_of(GroupSchema))
    @documents_errors(blp, 401, 422)
    def get(self, args):
        """List the working groups, in their fixed order, with progress and your role in each."""
        summaries = services.list_groups(api_actor())
        return page_in_memory([group_body(s) for s in summaries], args["page"], args["per_page"])


@blp.route("/<slug>", parameters=[SLUG_PARAMETER])
class GroupBySlug(MethodView):
    @blp.response(200, GroupSchema)
    @documents_errors(blp, 401, 404)
    def get(self, slug):
        """One working group, by its slug (`ethics`, `governance`, `research`, `skills`, `data`, `abroad`)."""
        return group_body(_summary(api_actor(), slug))


@blp.route("/<slug>/members", parameters=[SLUG_PARAMETER])
class Members(MethodView):
    @checked_first(signed_in)
    @blp.arguments(MembershipListArgsSchema, location="query")
    @blp.response(200, page_of(MembershipSchema))
    @documents_errors(blp, 401, 404, 422)
    def get(self, args, slug):
        """The group's people with their role and institution, leads first, then by name."""
        group = get_group(api_actor(), slug)
        memberships = services.memberships(group)
        if args.get("role"):
            memberships = [m for m in memberships if m.role == args["role"]]
        return page_in_memory([membership_body(m) for m in memberships], args["page"], args["per_page"])

    @checked_first(_may_manage_members)
    @blp.arguments(MembershipCreateSchema)
    @blp.response(201, MembershipSchema, description="The person is added to the group.")
    @blp.alt_response(200, schema=MembershipSchema, success=True,
                      description="The person was already in the group: their role is now the one sent.")
    @documents_errors(blp, 400, 401, 403, 404, 415, 422)
    def post(self, body, slug):
        """Add a person to the group, or change their role in it (the group's leads, coordinators, admins)."""
        actor = api_actor()
        group = get_group(actor, slug)
        existed = db.session.execute(
            sa.select(GroupMembership.id).where(GroupMembership.group_id == group.id,
                                                GroupMembership.user_id == body["user_id"])
        ).first() is not None
        membership = services.add_member(actor, group, body["user_id"], body["role"])
        return membership_body(membership), 200 if existed else 201


@blp.route("/<slug>/members/<int:membership_id>", parameters=[SLUG_PARAMETER, MEMBERSHIP_PARAMETER])
class MemberById(MethodView):
    @blp.response(204, description="The person is no longer in the group.")
    @documents_errors(blp, 401, 403, 404)
    def delete(self, slug, membership_id):
        """Remove a membership (the group's leads, coordinators, admins); the audit log keeps a record."""
        actor = api_actor()
        group = get_group(actor, slug)
        if membership_id > MAX_ID:
            require(permissions.can_manage_memberships(actor, group.id))
            raise NotFound()
        services.remove_member(actor, group, membership_id)


@blp.route("/<slug>/lead-institutions", parameters=[SLUG_PARAMETER])
class LeadInstitutions(MethodView):
    @checked_first(_may_set_lead_institutions)
    @blp.arguments(LeadInstitutionsSchema)
    @blp.response(200, GroupSchema)
    @documents_errors(blp, 400, 401, 403, 404, 415, 422)
    def put(self, body, slug):
        """Replace the institutions that co-chair the group (coordinators and admins)."""
        actor = api_actor()
        group = get_group(actor, slug)
        services.set_lead_institutions(actor, group, body["institution_ids"])
        return group_body(_summary(actor, slug))
