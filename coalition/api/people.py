"""People of the coalition: the directory coordinators and leads pick members from."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate

from coalition.api.common import (
    PageArgsSchema,
    api_actor,
    documents_errors,
    page_body,
    page_of,
)
from coalition.api.common import ID_RANGE, plain_text
from coalition.api.groups import MEMBERSHIP_ROLE, checked_first
from coalition.auth.models import ROLES
from coalition.groups.models import SLUG_MAX
from coalition.validation import QUERY_MAX
from coalition.auth.permissions import require
from coalition.groups import services

blp = Blueprint("api_people", __name__, url_prefix="/api/v1/people",
                description="People of the coalition (coordinators, admins and group leads; "
                            "anyone may read themselves).")


class PersonGroupSchema(Schema):
    slug = fields.String(required=True, metadata={"example": "ethics"})
    role = fields.String(required=True, validate=MEMBERSHIP_ROLE, metadata={"example": "member"})


class PersonSchema(Schema):
    id = fields.Integer(required=True, metadata={"example": 4})
    name = fields.String(required=True, metadata={"example": "Mario Miembro"})
    email = fields.Email(required=True, metadata={"example": "member@example.org"})
    institution_id = fields.Integer(required=True, allow_none=True, metadata={"example": 12})
    institution_name = fields.String(required=True, allow_none=True,
                                     metadata={"example": "Universidad Nacional Autónoma de México"})
    role = fields.String(required=True, validate=validate.OneOf(ROLES), metadata={
        "description": "The coalition role.", "example": "member"})
    active = fields.Boolean(required=True, metadata={"example": True})
    groups = fields.List(fields.Nested(PersonGroupSchema), required=True, metadata={
        "description": "The person's working groups and their role in each, in the groups' order.",
        "example": [{"slug": "ethics", "role": "member"}]})


class PeopleListArgsSchema(PageArgsSchema):
    class Meta:
        unknown = EXCLUDE

    q = fields.String(validate=[validate.Length(max=QUERY_MAX), plain_text], metadata={
        "description": "Words in the name or email (`%` and `_` match themselves).", "example": "mario"})
    group = fields.String(validate=[validate.Length(max=SLUG_MAX), plain_text], metadata={
        "description": "Only people in this working group (its slug); an unknown slug is a 422.",
        "example": "ethics"})
    group_role = fields.String(validate=MEMBERSHIP_ROLE, metadata={
        "description": "Only people with this role in `group` (or in any group without `group`).",
        "example": "lead"})
    institution_id = fields.Integer(validate=ID_RANGE, metadata={"example": 12})
    role = fields.String(validate=validate.OneOf(ROLES), metadata={
        "description": "The coalition role.", "example": "coordinator"})
    active = fields.Boolean(metadata={"description": "`true`: only active accounts; `false`: only deactivated.",
                                      "example": True})


def _may_list(actor, **_kwargs) -> None:
    require(services.can_list_people(actor))


def person_body(person, groups: list[tuple[str, str]]) -> dict:
    institution = person.institution
    return {
        "id": person.id, "name": person.name, "email": person.email,
        "institution_id": person.institution_id,
        "institution_name": institution.name if institution else None,
        "role": person.role, "active": person.active,
        "groups": [{"slug": slug, "role": role} for slug, role in groups],
    }


@blp.route("")
class People(MethodView):
    @checked_first(_may_list)
    @blp.arguments(PeopleListArgsSchema, location="query")
    @blp.response(200, page_of(PersonSchema))
    @documents_errors(blp, 401, 403, 422)
    def get(self, args):
        """List people by name (coordinators, admins and the leads of any group)."""
        page = services.list_people(
            api_actor(), q=args.get("q"), group=args.get("group"), institution_id=args.get("institution_id"),
            page=args["page"], per_page=args["per_page"], role=args.get("role"),
            group_role=args.get("group_role"), active=args.get("active"))
        groups = services.groups_by_person(p.id for p in page.items)
        body = page_body(page)
        body["items"] = [person_body(p, groups.get(p.id, [])) for p in page.items]
        return body


@blp.route("/<int:person_id>", parameters=[
    {"in": "path", "name": "person_id", "description": "The person's id.", "example": 4}])
class PersonById(MethodView):
    @blp.response(200, PersonSchema)
    @documents_errors(blp, 401, 403, 404)
    def get(self, person_id):
        """One person (coordinators, admins and leads; anyone may read themselves)."""
        person = services.get_person(api_actor(), person_id)
        return person_body(person, services.groups_by_person([person.id]).get(person.id, []))
