"""Policy instruments, their dated stages and the recommendations they take up (SPEC "States and policy
uptake").

Every endpoint calls the same services as the pages (`coalition.policy.services`): every member reads
every instrument; coordinators record any of them, a state's liaisons record that state's (and its
municipalities'); federal and international ones are for coordinators. `title` and `summary` are in the
request's language (`Accept-Language`, Spanish by default); the `_es` and `_en` keys carry both.
"""
from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as SchemaValidationError

from coalition.api.common import (
    ID_RANGE, PageArgsSchema, api_actor, documents_errors, page_body, page_of, plain_text, refuse_too_deep_json)
from coalition.api.common import text as _text
from coalition.auth.permissions import require
from coalition.errors import Conflict
from coalition.extensions import db
from coalition.institutions.models import ABROAD, STATES
from coalition.policy import administrations, permissions, services
from coalition.policy.models import (
    BRANCHES, DEGREES, JURISDICTIONS, KINDS, NOTE_MAX, PLACE_MAX, QUOTE_MAX, STAGES, SUMMARY_MAX, TITLE_MAX,
    URL_MAX)
from coalition.validation import QUERY_MAX

blp = Blueprint("api_instruments", __name__, url_prefix="/api/v1/instruments",
                description="Policy instruments (strategies, bills, laws, regulations, guidelines, programmes, "
                            "budget lines, declarations), their dated stages and the recommendations they take "
                            "up. Every member reads them; coordinators record any, a state's liaisons that "
                            "state's; federal and international ones are for coordinators.")

KIND = validate.OneOf(list(KINDS))
BRANCH = validate.OneOf(list(BRANCHES))
STAGE = validate.OneOf(list(STAGES))
DEGREE = validate.OneOf(list(DEGREES))
JURISDICTION = validate.OneOf([*JURISDICTIONS, *STATES])
STATE = validate.OneOf(list(STATES))
CHAPTER = validate.OneOf([*STATES, ABROAD])
ADMINISTRATION = validate.OneOf(list(administrations.BY_KEY))


class _WebAddress(validate.Regexp):
    """What services.check_url accepts, said in the document: empty, or http(s) with a host and no spaces."""

    def __init__(self):
        super().__init__(r"^(https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?([/?#]\S*)?)?$")

    def _format_error(self, value) -> str:
        return str(_l("Give a full web address starting with https://"))


WEB_ADDRESS = _WebAddress()
JURISDICTION_HELP = ("`federal`, `international`, `municipal` (then `state` and `place` name it), or a state's "
                     "ISO 3166-2:MX code without the `MX-` prefix (`JAL`, `CMX`…).")
STATE_HELP = ("The state chapter it belongs to: a state's own code, a municipality's state; null for federal and "
              "international instruments.")


def web_address(**kwargs) -> fields.String:
    """An http(s) address of at most URL_MAX characters, or empty, as the services accept."""
    return fields.String(validate=[validate.Length(max=URL_MAX), plain_text, WEB_ADDRESS], **kwargs)


def _language() -> str:
    return request.accept_languages.best_match(["es", "en"], default="es") or "es"


@blp.before_request
def _check_access_first():
    """401, then 404, then 403 before the body is read, so a 422 is only ever about the body."""
    actor = api_actor()
    refuse_too_deep_json()
    instrument_id = (request.view_args or {}).get("instrument_id")
    if instrument_id is None:
        if request.method == "POST":
            require(permissions.can_record_somewhere(actor))
        return
    instrument = services.get_instrument(actor, instrument_id)
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        require(permissions.can_record(actor, instrument.state))


# --- schemas: what the API returns ---------------------------------------------------------

class StageSchema(Schema):
    id = fields.Integer(required=True, metadata={"example": 31})
    instrument_id = fields.Integer(required=True, metadata={"example": 7})
    stage = fields.String(required=True, validate=STAGE, metadata={"example": "approved"})
    on = fields.Date(required=True, metadata={"example": "2024-05-14"})
    note = fields.String(required=True, metadata={"example": "Aprobada por el Congreso del Estado."})
    recorded_by_id = fields.Integer(required=True, allow_none=True, metadata={"example": 4})
    recorded_at = fields.AwareDateTime(required=True, metadata={"example": "2024-05-15T16:00:00+00:00"})


class UptakeSchema(Schema):
    instrument_id = fields.Integer(required=True, metadata={"example": 7})
    recommendation_id = fields.Integer(required=True, metadata={"example": 42})
    degree = fields.String(required=True, validate=DEGREE, metadata={"example": "partial"})
    evidence_url = fields.String(required=True, metadata={"example": "https://congresoweb.congresojal.gob.mx/"})
    quote = fields.String(required=True, metadata={"example": "El Estado promoverá evaluaciones de impacto…"})
    verified_by_id = fields.Integer(required=True, allow_none=True, metadata={
        "description": "Who recorded (verified) it last.", "example": 4})
    verified_at = fields.AwareDateTime(required=True, metadata={"example": "2024-05-15T16:00:00+00:00"})


class InstrumentSchema(Schema):
    id = fields.Integer(required=True, metadata={"example": 7})
    kind = fields.String(required=True, validate=KIND, metadata={"example": "strategy"})
    jurisdiction = fields.String(required=True, validate=JURISDICTION, metadata={
        "description": JURISDICTION_HELP, "example": "JAL"})
    jurisdiction_name = fields.String(required=True, metadata={"example": "Jalisco"})
    state = fields.String(required=True, allow_none=True, validate=STATE, metadata={
        "description": STATE_HELP, "example": "JAL"})
    place = fields.String(required=True, metadata={
        "description": "The municipality, or the international body; empty otherwise.", "example": ""})
    branch = fields.String(required=True, validate=BRANCH, metadata={"example": "executive"})
    title = fields.String(required=True, metadata={
        "description": "In the request's language (Accept-Language; Spanish by default).",
        "example": "Estrategia de Inteligencia Artificial de Jalisco"})
    summary = fields.String(required=True, metadata={"description": "Markdown, in the request's language.",
                                                     "example": "Ejes de gobernanza, talento y datos."})
    title_es = fields.String(required=True, metadata={"example": "Estrategia de Inteligencia Artificial de Jalisco"})
    title_en = fields.String(required=True, metadata={"example": "Jalisco Artificial Intelligence Strategy"})
    summary_es = fields.String(required=True, metadata={"example": "Ejes de gobernanza, talento y datos."})
    summary_en = fields.String(required=True, metadata={"example": "Governance, talent and data."})
    source_url = fields.String(required=True, metadata={"example": "https://jalisco.gob.mx/estrategia-ia"})
    stage = fields.String(required=True, allow_none=True, validate=STAGE, metadata={
        "description": "The latest stage; null before the first one is recorded.", "example": "in_force"})
    stage_on = fields.Date(required=True, allow_none=True, metadata={"example": "2024-05-14"})
    stages = fields.List(fields.Nested(StageSchema), required=True, metadata={"description": "Oldest first."})
    uptakes = fields.List(fields.Nested(UptakeSchema), required=True)
    administration = fields.String(required=True, allow_none=True, validate=ADMINISTRATION, metadata={
        "description": "The federal administration in office on its first stage.", "example": "2018-2024"})
    published = fields.Boolean(required=True, metadata={"description": "Shown on the public portal.",
                                                        "example": False})
    version = fields.Integer(required=True, metadata={"description": "Send it back in PATCH.", "example": 3})
    url = fields.String(required=True, metadata={"description": "The instrument's page.",
                                                 "example": "https://coalition.example.org/instruments/7"})


# --- schemas: what the API accepts ---------------------------------------------------------

class InstrumentListArgsSchema(PageArgsSchema):
    kind = fields.String(validate=KIND, metadata={"example": "strategy"})
    jurisdiction = fields.String(validate=JURISDICTION, metadata={"description": JURISDICTION_HELP,
                                                                  "example": "federal"})
    state = fields.String(validate=CHAPTER, metadata={
        "description": "The state chapter: a state's own instruments and its municipalities'.", "example": "JAL"})
    stage = fields.String(validate=STAGE, metadata={"description": "The latest stage.", "example": "in_force"})
    branch = fields.String(validate=BRANCH, metadata={"example": "legislative"})
    administration = fields.String(validate=ADMINISTRATION, metadata={"example": "2024-2030"})
    q = _text(QUERY_MAX, metadata={"description": "Words in the title, summary or place.", "example": "datos"})


def _content_fields(required: bool) -> dict:
    return {
        "kind": fields.String(required=required, validate=KIND, metadata={"example": "strategy"}),
        "jurisdiction": fields.String(required=required, validate=JURISDICTION, metadata={
            "description": JURISDICTION_HELP, "example": "JAL"}),
        "state": fields.String(allow_none=True, validate=STATE, metadata={
            "description": "For a `municipal` instrument: the state the municipality is in (required then). "
                           "For a state's instrument it may only repeat that state; otherwise ignored.",
            "example": None}),
        "place": _text(PLACE_MAX, metadata={
            "description": "The municipality (required for `municipal`), or the international body (OECD, "
                           "UNESCO…).", "example": ""}),
        "branch": fields.String(required=required, validate=BRANCH, metadata={"example": "executive"}),
        "title": _text(TITLE_MAX, min_length=1, metadata={
            "description": "In the request's language; on creation it fills the other language too when that "
                           "one is not given. A title in at least one language is required.",
            "example": "Estrategia de Inteligencia Artificial de Jalisco"}),
        "summary": _text(SUMMARY_MAX, metadata={"description": "Markdown, in the request's language.",
                                                "example": "Ejes de gobernanza, talento y datos."}),
        "title_es": _text(TITLE_MAX, metadata={"example": "Estrategia de Inteligencia Artificial de Jalisco"}),
        "title_en": _text(TITLE_MAX, metadata={"example": "Jalisco Artificial Intelligence Strategy"}),
        "summary_es": _text(SUMMARY_MAX, metadata={"example": "Ejes de gobernanza, talento y datos."}),
        "summary_en": _text(SUMMARY_MAX, metadata={"example": "Governance, talent and data."}),
        "source_url": web_address(metadata={
            "description": "A full http(s) address, or empty.", "example": "https://jalisco.gob.mx/estrategia-ia"}),
    }


class _CreateBase(Schema):
    @validates_schema
    def _a_title(self, data, **kwargs):
        if not any((data.get(name) or "").strip() for name in ("title", "title_es", "title_en")):
            raise SchemaValidationError(str(_l("Give a title in at least one language.")), "title")


InstrumentCreateSchema = type("InstrumentCreateSchema", (_CreateBase,), _content_fields(True))


class _PatchBase(Schema):
    version = fields.Integer(required=True, strict=True, validate=ID_RANGE, metadata={
        "description": "The version you read; a stale one is answered 409 with the current instrument.",
        "example": 1})
    published = fields.Boolean(truthy={True}, falsy={False}, metadata={
        "description": "Show it on the public portal, or not (coordinators).", "example": True})


InstrumentPatchSchema = type("InstrumentPatchSchema", (_PatchBase,), _content_fields(False))


class StageCreateSchema(Schema):
    stage = fields.String(required=True, validate=STAGE, metadata={
        "description": "Not the stage it is at now. Moving back (e.g. from `approved` to `in_committee`) or to "
                       "`abandoned` needs a `note`.", "example": "approved"})
    on = fields.Date(required=True, metadata={
        "description": "YYYY-MM-DD: not in the future, nor before the latest stage's date.",
        "example": "2024-05-14"})
    note = _text(NOTE_MAX, load_default="", metadata={"example": "Aprobada por el Congreso del Estado."})


class UptakeCreateSchema(Schema):
    recommendation_id = fields.Integer(required=True, strict=True, validate=ID_RANGE, metadata={
        "description": "A recommendation's id (see `GET /api/v1/recommendations`); an unknown one is a 422.",
        "example": 42})
    degree = fields.String(required=True, validate=DEGREE, metadata={"example": "partial"})
    evidence_url = web_address(load_default="", metadata={
        "description": "A full http(s) address, or empty.", "example": "https://congresoweb.congresojal.gob.mx/"})
    quote = _text(QUOTE_MAX, load_default="", metadata={"example": "El Estado promoverá evaluaciones de impacto…"})


# --- bodies --------------------------------------------------------------------------------

def stage_body(stage) -> dict:
    return {"id": stage.id, "instrument_id": stage.instrument_id, "stage": stage.stage, "on": stage.on_date,
            "note": stage.note or "", "recorded_by_id": stage.recorded_by_id, "recorded_at": stage.recorded_at}


def uptake_body(uptake) -> dict:
    return {"instrument_id": uptake.instrument_id, "recommendation_id": uptake.recommendation_id,
            "degree": uptake.degree, "evidence_url": uptake.evidence_url or "", "quote": uptake.quote or "",
            "verified_by_id": uptake.verified_by_id, "verified_at": uptake.verified_at}


def instrument_body(instrument, lang: str, stages: list, uptakes: list) -> dict:
    i = instrument
    return {
        "id": i.id, "kind": i.kind, "jurisdiction": i.jurisdiction, "jurisdiction_name": i.jurisdiction_label,
        "state": i.state, "place": i.place or "", "branch": i.branch,
        "title": i.title_in(lang), "summary": i.summary_in(lang) or "",
        "title_es": i.title_es, "title_en": i.title_en, "summary_es": i.summary_es or "",
        "summary_en": i.summary_en or "", "source_url": i.source_url or "",
        "stage": i.stage, "stage_on": i.stage_on, "stages": [stage_body(s) for s in stages],
        "uptakes": [uptake_body(u) for u in uptakes], "administration": i.administration,
        "published": i.published, "version": i.version,
        # SPEC fixes the page's path (/instruments/<id>); the pages are a sibling the API does not import.
        "url": f"{request.url_root.rstrip('/')}/instruments/{i.id}",
    }


def _bodies(instruments: list, lang: str) -> list[dict]:
    ids = [i.id for i in instruments]
    stages, uptakes = services.stages_of(ids), services.uptakes_of(ids)
    return [instrument_body(i, lang, stages[i.id], uptakes[i.id]) for i in instruments]


def _fresh(actor, instrument_id: int) -> dict:
    return _bodies([services.get_instrument(actor, instrument_id)], _language())[0]


def _in_languages(body: dict, lang: str) -> dict:
    """`title` and `summary` in the request's language, as the _es/_en values the services take; the
    per-language keys win over them."""
    values = {}
    for base in ("title", "summary"):
        if base in body:
            values[f"{base}_{lang}"] = body[base]
        for code in ("es", "en"):
            if f"{base}_{code}" in body:
                values[f"{base}_{code}"] = body[f"{base}_{code}"]
    return values


def _values(body: dict) -> dict:
    values = _in_languages(body, _language())
    for name in ("kind", "jurisdiction", "state", "place", "branch", "source_url"):
        if name in body:
            values[name] = body[name]
    if "jurisdiction" in body and "state" not in body and body["jurisdiction"] != "municipal":
        values["state"] = None  # the chapter follows the new jurisdiction, not the one it had
    return values


# --- endpoints -----------------------------------------------------------------------------

@blp.route("")
class Instruments(MethodView):
    @blp.arguments(InstrumentListArgsSchema, location="query")
    @blp.response(200, page_of(InstrumentSchema))
    @documents_errors(blp, 401, 422)
    def get(self, args):
        """List instruments, latest stage change first; filter by `kind`, `jurisdiction`, `state`, `stage`,
        `branch`, `administration` and words (`q`)."""
        actor = api_actor()
        filters = services.InstrumentFilters(
            q=args.get("q"), kind=args.get("kind"), jurisdiction=args.get("jurisdiction"), state=args.get("state"),
            branch=args.get("branch"), stage=args.get("stage"), administration=args.get("administration"))
        page = services.list_instruments(actor, filters, args["page"], args["per_page"])
        body = page_body(page)
        body["items"] = _bodies(page.items, _language())
        return body

    @blp.arguments(InstrumentCreateSchema)
    @blp.response(201, InstrumentSchema)
    @documents_errors(blp, 400, 401, 403, 415, 422)
    def post(self, body):
        """Record an instrument: coordinators anywhere, a state's liaisons in their state (its own
        instruments and its municipalities'); federal and international ones are for coordinators (403).

        `title` and `summary` are in the request's language and stand for both languages until the other is
        given (send `title_es`/`title_en` to give both). Its stages come after, one by one.
        """
        actor = api_actor()
        instrument = services.create_instrument(actor, **_values(body))
        return _fresh(actor, instrument.id)


@blp.route("/<int:instrument_id>", parameters=[
    {"in": "path", "name": "instrument_id", "description": "The instrument's id.", "example": 7}])
class InstrumentById(MethodView):
    @blp.response(200, InstrumentSchema)
    @documents_errors(blp, 401, 404)
    def get(self, instrument_id):
        """One instrument, with its stages, uptakes and version."""
        return _fresh(api_actor(), instrument_id)

    @blp.arguments(InstrumentPatchSchema)
    @blp.response(200, InstrumentSchema)
    @documents_errors(blp, 400, 401, 403, 404, 409, 415, 422)
    def patch(self, body, instrument_id):
        """Change some of an instrument's fields, or publish it; `version` is required.

        Who may record it may change it (a liaison may not move it out of their state); publishing is for
        coordinators. A stale `version` is answered 409 with the instrument as it is now in `current`.
        """
        actor = api_actor()
        version = body.pop("version")
        published = body.pop("published", None)
        try:
            services.update_instrument(actor, instrument_id, version=version, **_values(body))
        except Conflict:
            db.session.rollback()
            raise Conflict(current=InstrumentSchema().dump(_fresh(actor, instrument_id))) from None
        if published is not None:
            services.set_instrument_published(actor, instrument_id, published=published)
        return _fresh(actor, instrument_id)


@blp.route("/<int:instrument_id>/stages", parameters=[
    {"in": "path", "name": "instrument_id", "description": "The instrument's id.", "example": 7}])
class InstrumentStages(MethodView):
    @blp.arguments(StageCreateSchema)
    @blp.response(201, StageSchema)
    @documents_errors(blp, 400, 401, 403, 404, 415, 422)
    def post(self, body, instrument_id):
        """Record the instrument's next stage (who may record the instrument); its followers hear of it.

        A stage is never dated in the future (422 on `on`) nor before the latest one; moving back or to
        `abandoned` needs a `note`; the stage it is at already is a 422. Every stage is kept.
        """
        stage = services.add_stage(api_actor(), instrument_id, stage=body["stage"], on=body["on"],
                                   note=body.get("note", ""))
        return stage_body(stage)


@blp.route("/<int:instrument_id>/uptakes", parameters=[
    {"in": "path", "name": "instrument_id", "description": "The instrument's id.", "example": 7}])
class InstrumentUptakes(MethodView):
    @blp.arguments(UptakeCreateSchema)
    @blp.response(201, UptakeSchema, description="The uptake was recorded.")
    @blp.alt_response(200, schema=UptakeSchema, success=True, description=(
        "The instrument already took up that recommendation: its degree, evidence and quote were corrected."))
    @documents_errors(blp, 400, 401, 403, 404, 409, 415, 422)
    def post(self, body, instrument_id):
        """Record that the instrument takes up a recommendation, to a degree (`cited`, `partial`, `adopted`),
        with the evidence; you are recorded as who verified it. Followers hear of a new uptake.

        One uptake per recommendation and instrument: sending it again corrects it (200 instead of 201).
        """
        actor = api_actor()
        linked = {u.recommendation_id for u in services.uptakes_of([instrument_id])[instrument_id]}
        uptake = services.link_uptake(actor, instrument_id, **body)
        return uptake_body(uptake), 200 if uptake.recommendation_id in linked else 201
