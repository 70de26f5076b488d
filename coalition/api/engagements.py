"""The coalition's engagements with public bodies: events, hearings, forums, submissions and meetings with
officials (SPEC "States and policy uptake").

Every endpoint calls the same services as the pages (`coalition.policy.services`): every member reads
every engagement; coordinators record any of them, a chapter's liaisons (a state's, or Mexicans abroad's)
record that chapter's; federal and international ones are for coordinators.
"""
from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from coalition.api.common import (
    ID_RANGE, PageArgsSchema, api_actor, documents_errors, page_body, page_of, refuse_too_deep_json)
from coalition.api.common import text as _text
from coalition.auth.permissions import require
from coalition.institutions.models import ABROAD, STATES
from coalition.policy import permissions, services
from coalition.policy.models import (
    BODY_MAX, ENGAGEMENT_KINDS, JURISDICTIONS, PLACE_MAX, POSITION_MAX, REPRESENTATIVES_MAX, TITLE_MAX)
from coalition.validation import QUERY_MAX

blp = Blueprint("api_engagements", __name__, url_prefix="/api/v1/engagements",
                description="Engagements: events, hearings, forums, submissions and meetings with officials where "
                            "the coalition spoke, with the member institutions that represented it. Every member "
                            "reads them; coordinators record any, a state's liaisons that state's.")

KIND = validate.OneOf(list(ENGAGEMENT_KINDS))
JURISDICTION = validate.OneOf([*JURISDICTIONS, *STATES, ABROAD])
STATE = validate.OneOf(list(STATES))
CHAPTER = validate.OneOf([*STATES, ABROAD])
JURISDICTION_HELP = ("`federal`, `international`, `abroad`, `municipal` (then `state` and `place` name it), or a "
                     "state's ISO 3166-2:MX code without the `MX-` prefix (`JAL`, `CMX`…).")


@blp.before_request
def _check_access_first():
    """401, then 404, then 403 before the body is read, so a 422 is only ever about the body."""
    actor = api_actor()
    refuse_too_deep_json()
    engagement_id = (request.view_args or {}).get("engagement_id")
    if engagement_id is not None:
        services.get_engagement(actor, engagement_id)
    elif request.method == "POST":
        require(permissions.can_record_somewhere(actor))


# --- schemas -------------------------------------------------------------------------------

class EngagementSchema(Schema):
    id = fields.Integer(required=True, metadata={"example": 5})
    kind = fields.String(required=True, validate=KIND, metadata={"example": "forum"})
    title = fields.String(required=True, metadata={"example": "Foro estatal de inteligencia artificial"})
    held_on = fields.Date(required=True, metadata={"example": "2025-03-20"})
    jurisdiction = fields.String(required=True, validate=JURISDICTION, metadata={
        "description": JURISDICTION_HELP, "example": "JAL"})
    jurisdiction_name = fields.String(required=True, metadata={"example": "Jalisco"})
    state = fields.String(required=True, allow_none=True, validate=CHAPTER, metadata={
        "description": "The state chapter it belongs to (a state's code or `abroad`); null for federal and "
                       "international ones.", "example": "JAL"})
    place = fields.String(required=True, metadata={"example": "Guadalajara"})
    body = fields.String(required=True, metadata={"description": "The public body engaged.",
                                                  "example": "Congreso del Estado de Jalisco"})
    instrument_id = fields.Integer(required=True, allow_none=True, metadata={
        "description": "The instrument it was about, if any.", "example": 7})
    institution_ids = fields.List(fields.Integer(), required=True, metadata={
        "description": "The member institutions that represented the coalition.", "example": [12, 40, 41]})
    position = fields.String(required=True, metadata={"description": "The coalition's position (Markdown).",
                                                      "example": "La coalición propone…"})
    position_approved = fields.Boolean(required=True, metadata={
        "description": "A coordinator approved the position as the coalition's voice (a changed position needs "
                       "approving again).", "example": True})
    position_approved_at = fields.AwareDateTime(required=True, allow_none=True, metadata={
        "example": "2025-03-18T17:00:00+00:00"})
    published = fields.Boolean(required=True, metadata={"description": "Shown on the public portal.",
                                                        "example": False})
    version = fields.Integer(required=True, metadata={"example": 1})
    url = fields.String(required=True, metadata={"description": "The engagement's page.",
                                                 "example": "https://coalition.example.org/engagements/5"})


class EngagementListArgsSchema(PageArgsSchema):
    kind = fields.String(validate=KIND, metadata={"example": "forum"})
    state = fields.String(validate=CHAPTER, metadata={"description": "The state chapter (or `abroad`).",
                                                      "example": "JAL"})
    instrument_id = fields.Integer(validate=ID_RANGE, metadata={"description": "Only those about this instrument.",
                                                                "example": 7})
    upcoming = fields.Boolean(metadata={"description": "`true`: only those held today or later, soonest first.",
                                        "example": True})
    q = _text(QUERY_MAX, metadata={"description": "Words in the title, body or place.", "example": "foro"})


class EngagementCreateSchema(Schema):
    kind = fields.String(required=True, validate=KIND, metadata={"example": "forum"})
    title = _text(TITLE_MAX, min_length=1, required=True, metadata={
        "description": "Not blank.", "example": "Foro estatal de inteligencia artificial"})
    held_on = fields.Date(required=True, metadata={"description": "YYYY-MM-DD; past or upcoming.",
                                                   "example": "2025-03-20"})
    jurisdiction = fields.String(required=True, validate=JURISDICTION, metadata={
        "description": JURISDICTION_HELP, "example": "JAL"})
    state = fields.String(allow_none=True, validate=STATE, metadata={
        "description": "For a `municipal` engagement: the state the municipality is in (required then). For a "
                       "state's engagement it may only repeat that state; otherwise ignored.", "example": None})
    place = _text(PLACE_MAX, load_default="", metadata={
        "description": "Where (required for `municipal`: the municipality).", "example": "Guadalajara"})
    body = _text(BODY_MAX, min_length=1, required=True, metadata={
        "description": "The public body engaged; not blank.", "example": "Congreso del Estado de Jalisco"})
    instrument_id = fields.Integer(strict=True, allow_none=True, validate=ID_RANGE, metadata={
        "description": "The instrument it was about (see `GET /api/v1/instruments`); an unknown one is a 422.",
        "example": None})
    position = _text(POSITION_MAX, load_default="", metadata={
        "description": "The coalition's position (Markdown); a coordinator approves it on the engagement's page.",
        "example": "La coalición propone…"})
    institution_ids = fields.List(fields.Integer(strict=True, validate=ID_RANGE), load_default=list,
                                  validate=validate.Length(max=REPRESENTATIVES_MAX), metadata={
                                      "description": "Active member institutions that represented the coalition "
                                                     "(see `GET /api/v1/institutions`); another id is a 422.",
                                      "example": []})


# --- bodies --------------------------------------------------------------------------------

def engagement_body(engagement, representatives: list) -> dict:
    e = engagement
    return {
        "id": e.id, "kind": e.kind, "title": e.title, "held_on": e.held_on, "jurisdiction": e.jurisdiction,
        "jurisdiction_name": e.jurisdiction_label, "state": e.state, "place": e.place or "", "body": e.body,
        "instrument_id": e.instrument_id, "institution_ids": [i.id for i in representatives],
        "position": e.position or "", "position_approved": e.position_approved_at is not None,
        "position_approved_at": e.position_approved_at, "published": e.published, "version": e.version,
        # SPEC fixes the page's path (/engagements/<id>); the pages are a sibling the API does not import.
        "url": f"{request.url_root.rstrip('/')}/engagements/{e.id}",
    }


def _bodies(engagements: list) -> list[dict]:
    representatives = services.representatives_of([e.id for e in engagements])
    return [engagement_body(e, representatives[e.id]) for e in engagements]


# --- endpoints -----------------------------------------------------------------------------

@blp.route("")
class Engagements(MethodView):
    @blp.arguments(EngagementListArgsSchema, location="query")
    @blp.response(200, page_of(EngagementSchema))
    @documents_errors(blp, 401, 422)
    def get(self, args):
        """List engagements, latest first (with `upcoming=true`: those to come, soonest first); filter by
        `kind`, `state`, `instrument_id` and words (`q`)."""
        filters = services.EngagementFilters(q=args.get("q"), kind=args.get("kind"), state=args.get("state"),
                                             instrument_id=args.get("instrument_id"),
                                             upcoming=args.get("upcoming"))
        page = services.list_engagements(api_actor(), filters, args["page"], args["per_page"])
        body = page_body(page)
        body["items"] = _bodies(page.items)
        return body

    @blp.arguments(EngagementCreateSchema)
    @blp.response(201, EngagementSchema)
    @documents_errors(blp, 400, 401, 403, 415, 422)
    def post(self, body):
        """Record an engagement with the member institutions that represented the coalition: coordinators
        anywhere, a chapter's liaisons in their chapter (a state, or `abroad`); federal and international
        ones are for coordinators (403). Followers of its state and instrument hear of it."""
        actor = api_actor()
        engagement = services.create_engagement(actor, **body)
        return _bodies([services.get_engagement(actor, engagement.id)])[0]


@blp.route("/<int:engagement_id>", parameters=[
    {"in": "path", "name": "engagement_id", "description": "The engagement's id.", "example": 5}])
class EngagementById(MethodView):
    @blp.response(200, EngagementSchema)
    @documents_errors(blp, 401, 404)
    def get(self, engagement_id):
        """One engagement, with the institutions that represented the coalition."""
        return _bodies([services.get_engagement(api_actor(), engagement_id)])[0]
