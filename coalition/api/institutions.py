"""Member institutions: search, read, create and edit them through the same services as the pages."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import request, url_for
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate
from marshmallow import ValidationError as SchemaValidationError

from coalition.api.common import (
    PageArgsSchema,
    api_actor,
    documents_errors,
    page_body,
    page_of,
    plain_text,
)
from coalition.api.groups import checked_first, signed_in
from coalition.auth.permissions import require
from coalition.errors import NotFound
from coalition.institutions import permissions, services
from coalition.database import MAX_ID
from coalition.institutions.models import (
    ABROAD, ACRONYM_MAX, COUNTRY_MAX, DESCRIPTION_MAX, NAME_MAX, SECTORS, STATES, WEBSITE_MAX, state_label)
from coalition.validation import QUERY_MAX

blp = Blueprint("api_institutions", __name__, url_prefix="/api/v1/institutions",
                description="Member institutions of the coalition: industry, civil society, academia, "
                            "government and international cooperation.")

SECTOR = validate.OneOf(list(SECTORS))
STATE = validate.OneOf([*STATES, ABROAD])
STATE_HELP = ("A Mexican federal entity by its ISO 3166-2:MX code without the `MX-` prefix "
              "(`CMX`, `JAL`, `NLE`…), or `abroad` (then `country` is required).")


def web_address(value: str) -> bool:
    """A full http(s) address; checked here too because some malformed ones make `urlsplit` raise."""
    if not value:
        return True
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        raise SchemaValidationError(str(_l("Give a full web address starting with https://"))) from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SchemaValidationError(str(_l("Give a full web address starting with https://")))
    return True


class InstitutionSchema(Schema):
    id = fields.Integer(required=True, metadata={"example": 12})
    name = fields.String(required=True, metadata={"example": "Universidad Nacional Autónoma de México"})
    acronym = fields.String(required=True, allow_none=True, metadata={"example": "UNAM"})
    sector = fields.String(required=True, validate=SECTOR, metadata={"example": "academia"})
    sector_name = fields.String(required=True, metadata={"description": "In the request's language.",
                                                         "example": "Academia"})
    state = fields.String(required=True, validate=STATE, metadata={"description": STATE_HELP, "example": "CMX"})
    state_name = fields.String(required=True, metadata={"example": "Ciudad de México"})
    country = fields.String(required=True, allow_none=True, metadata={
        "description": "Only for institutions abroad.", "example": None})
    website = fields.String(required=True, allow_none=True, metadata={"example": "https://www.unam.mx"})
    joined_on = fields.Date(required=True, metadata={"example": "2019-06-15"})
    active = fields.Boolean(required=True, metadata={"example": True})
    description = fields.String(required=True, metadata={"example": "Universidad pública."})
    url = fields.String(required=True, metadata={"description": "The institution's page.",
                                                 "example": "http://127.0.0.1:5000/institutions/12"})
    listed = fields.Boolean(required=True, metadata={
        "description": "Named on the public portal's members page (its own people or a coordinator agreed).",
        "example": True})


class InstitutionListArgsSchema(PageArgsSchema):
    class Meta:
        unknown = EXCLUDE

    q = fields.String(validate=[validate.Length(max=QUERY_MAX), plain_text], metadata={
        "description": "Words in the name or acronym (`%` and `_` match themselves).", "example": "UNAM"})
    sector = fields.String(validate=SECTOR, metadata={"example": "academia"})
    state = fields.String(validate=STATE, metadata={"description": STATE_HELP, "example": "JAL"})
    active = fields.Boolean(metadata={"description": "`true`: only active institutions; `false`: only former.",
                                      "example": True})


def _text(max_length: int, example, description: str | None = None, required: bool = False, extra=(), **kwargs):
    metadata = {"example": example}
    if description:
        metadata["description"] = description
    lengths = validate.Length(min=1 if required else 0, max=max_length)
    return fields.String(required=required, validate=[lengths, plain_text, *extra], metadata=metadata, **kwargs)


class InstitutionCreateSchema(Schema):
    name = _text(NAME_MAX, "Centro de Investigación en Ciencias de la Información",
                 "Unique, whatever the case.", required=True)
    acronym = _text(ACRONYM_MAX, "CICI", allow_none=True)
    sector = fields.String(required=True, validate=SECTOR, metadata={"example": "academia"})
    state = fields.String(required=True, validate=STATE, metadata={"description": STATE_HELP, "example": "NLE"})
    country = _text(COUNTRY_MAX, None, "Required when `state` is `abroad`; ignored otherwise.", allow_none=True)
    website = _text(WEBSITE_MAX, "https://cici.example.mx", "A full http(s) address.", extra=[web_address], allow_none=True)
    joined_on = fields.Date(allow_none=True, metadata={"description": "Default: today.", "example": "2026-01-15"})
    active = fields.Boolean(metadata={"description": "Default: true.", "example": True})
    description = _text(DESCRIPTION_MAX, "Centro público de investigación.", allow_none=True)


class InstitutionPatchSchema(Schema):
    name = _text(NAME_MAX, "Centro de Investigación en Ciencias de la Información", "Unique, whatever the case.")
    acronym = _text(ACRONYM_MAX, "CICI", allow_none=True)
    sector = fields.String(validate=SECTOR, metadata={"example": "academia"})
    state = fields.String(validate=STATE, metadata={"description": STATE_HELP, "example": "NLE"})
    country = _text(COUNTRY_MAX, None, "Required when `state` is `abroad`; ignored otherwise.", allow_none=True)
    website = _text(WEBSITE_MAX, "https://cici.example.mx", "A full http(s) address.", extra=[web_address], allow_none=True)
    joined_on = fields.Date(metadata={"example": "2026-01-15"})
    active = fields.Boolean(metadata={"description": "`false` marks a former member.", "example": False})
    description = _text(DESCRIPTION_MAX, "Centro público de investigación.", allow_none=True)
    listed = fields.Boolean(metadata={
        "description": "Name it on the public portal (`true`) or not: coordinators, or one of the institution's "
                       "own people (who may change only this field).",
        "example": True})


def institution_body(institution) -> dict:
    i = institution
    return {
        "id": i.id, "name": i.name, "acronym": i.acronym, "sector": i.sector, "sector_name": i.sector_label,
        "state": i.state, "state_name": state_label(i.state), "country": i.country, "website": i.website,
        "joined_on": i.joined_on, "active": i.active, "description": i.description or "",
        "url": url_for("institutions.detail", institution_id=i.id, _external=True),
        "listed": i.listed,
    }


def _may_manage(actor, **_kwargs) -> None:
    require(permissions.can_manage_institutions(actor))


def _may_change(actor, institution_id: int, **_kwargs) -> None:
    """Coordinators change any field; an institution's own people may change only whether it is listed
    (anything else they send is refused before the body is checked, as for anyone who may not)."""
    if permissions.can_manage_institutions(actor):
        return
    body = request.get_json(silent=True)
    require(isinstance(body, dict) and set(body) == {"listed"})
    institution = services.get_institution(actor, institution_id)
    require(permissions.can_set_listed(actor, institution))


@blp.route("")
class Institutions(MethodView):
    @checked_first(signed_in)
    @blp.arguments(InstitutionListArgsSchema, location="query")
    @blp.response(200, page_of(InstitutionSchema))
    @documents_errors(blp, 401, 422)
    def get(self, args):
        """Search the member institutions (every member may), ordered by name."""
        q = (args.get("q") or "").strip()
        filters = services.InstitutionFilters(q=q or None, sector=args.get("sector"), state=args.get("state"),
                                              active=args.get("active"))
        page = services.list_institutions(api_actor(), filters, args["page"], args["per_page"])
        body = page_body(page)
        body["items"] = [institution_body(i) for i in page.items]
        return body

    @checked_first(_may_manage)
    @blp.arguments(InstitutionCreateSchema)
    @blp.response(201, InstitutionSchema)
    @documents_errors(blp, 400, 401, 403, 415, 422)
    def post(self, body):
        """Add a member institution (coordinators and admins); the audit log records it."""
        institution = services.create_institution(api_actor(), **body)
        return institution_body(institution)


@blp.route("/<int:institution_id>", parameters=[
    {"in": "path", "name": "institution_id", "description": "The institution's id.", "example": 12}])
class InstitutionById(MethodView):
    @blp.response(200, InstitutionSchema)
    @documents_errors(blp, 401, 404)
    def get(self, institution_id):
        """One institution."""
        actor = api_actor()
        if institution_id > MAX_ID:
            raise NotFound()
        return institution_body(services.get_institution(actor, institution_id))

    @checked_first(_may_change)
    @blp.arguments(InstitutionPatchSchema)
    @blp.response(200, InstitutionSchema)
    @documents_errors(blp, 400, 401, 403, 404, 415, 422)
    def patch(self, body, institution_id):
        """Change some of an institution's fields (coordinators and admins), or whether the public portal
        lists it (also its own people); the audit log records the change."""
        actor = api_actor()
        if institution_id > MAX_ID:
            raise NotFound()
        listed = body.pop("listed", None)
        if body or listed is None:
            institution = services.edit_institution(actor, institution_id, **body)
        else:
            institution = services.get_institution(actor, institution_id)
        if listed is not None:
            services.set_listed(actor, institution, listed)
        return institution_body(institution)
