"""The agenda's recommendations, their sources and their trace (SPEC "Consultation and agenda").

Every endpoint calls the same services as the pages (`coalition.recommendations.services`): members
read every recommendation; leads of a group draft and edit its recommendations; coordinators also
adopt, reject, publish and write the public answer. `title`, `text` and `answer` are in the request's
language (`Accept-Language`, Spanish by default); the `_es` and `_en` keys carry both.
"""
from __future__ import annotations


from flask import request, url_for
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from coalition.api.common import refuse_too_deep_json
from coalition.api.common import (
    ID_RANGE, PageArgsSchema, api_actor, documents_errors, page_body, page_of, plain_text)
from coalition.api.common import text as _text
from coalition.auth.permissions import require
from coalition.errors import Conflict, NotFound, ValidationError
from coalition.extensions import db
from coalition.groups.models import GROUP_SLUGS, SLUG_MAX
from coalition.groups import services as group_services
from coalition.recommendations import permissions, services, trace
from coalition.recommendations.models import (
    ANSWER_MAX, AREAS, HORIZONS, RECOMMENDATION_STATES, SOURCES_MAX, TEXT_MAX, THEME_SOURCES_MAX, TITLE_MAX)
from coalition.validation import QUERY_MAX

blp = Blueprint("api_recommendations", __name__, url_prefix="/api/v1",
                description="The agenda: recommendations with their sources, deliverables and trace. Members read "
                            "them; leads of a group draft and edit the group's; coordinators adopt, reject, "
                            "publish and answer.")

AREA = validate.OneOf(list(AREAS))
HORIZON = validate.OneOf(list(HORIZONS))
STATE = validate.OneOf(list(RECOMMENDATION_STATES))


def _language() -> str:
    return request.accept_languages.best_match(["es", "en"], default="es") or "es"




@blp.before_request
def _check_access_first():
    """401, then 404, then 403 before the body is read, so a 422 is only ever about the body."""
    actor = api_actor()
    refuse_too_deep_json()
    recommendation_id = (request.view_args or {}).get("recommendation_id")
    if recommendation_id is None:
        if request.method == "POST":
            require(permissions.can_create_any(actor))
        return
    recommendation = services.get_recommendation(actor, recommendation_id)
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        require(permissions.can_edit(actor, recommendation.group_id))


# --- schemas: what the API returns ---------------------------------------------------------

class RecommendationSourcesSchema(Schema):
    contributions = fields.List(fields.Integer(), required=True, metadata={"example": [101, 257]})
    themes = fields.List(fields.Integer(), required=True, metadata={"example": [3, 7]})


class RecommendationSchema(Schema):
    id = fields.Integer(required=True, metadata={"example": 42})
    group = fields.String(required=True, metadata={"description": "The working group's slug.", "example": "ethics"})
    area = fields.String(required=True, validate=AREA, metadata={"example": "ethics"})
    horizon = fields.String(required=True, validate=HORIZON, metadata={"example": "short"})
    title = fields.String(required=True, metadata={
        "description": "In the request's language (Accept-Language; Spanish by default).",
        "example": "Evaluaciones de impacto algorítmico en el sector público"})
    text = fields.String(required=True, metadata={"description": "Markdown, in the request's language.",
                                                  "example": "Toda dependencia que adopte un sistema de IA…"})
    state = fields.String(required=True, validate=STATE, metadata={"example": "adopted"})
    answer = fields.String(required=True, metadata={
        "description": "The public answer, in the request's language (empty when none).",
        "example": "La coalición la adopta en su agenda 2025."})
    published = fields.Boolean(required=True, metadata={"example": True})
    version = fields.Integer(required=True, metadata={"description": "Send it back in PATCH.", "example": 3})
    sources = fields.Nested(RecommendationSourcesSchema, required=True)
    deliverables = fields.List(fields.Integer(), required=True, metadata={
        "description": "Deliverables carrying it out (archived ones left out).", "example": [12]})
    title_es = fields.String(required=True, metadata={"example": "Evaluaciones de impacto algorítmico"})
    title_en = fields.String(required=True, metadata={"example": "Algorithmic impact assessments"})
    text_es = fields.String(required=True, metadata={"example": "Toda dependencia…"})
    text_en = fields.String(required=True, metadata={"example": "Every agency…"})
    answer_es = fields.String(required=True, metadata={"example": "La coalición la adopta."})
    answer_en = fields.String(required=True, metadata={"example": "The coalition adopts it."})
    published_at = fields.AwareDateTime(required=True, allow_none=True, metadata={
        "example": "2031-03-04T16:00:00+00:00"})
    merged_into = fields.Integer(required=True, allow_none=True, metadata={
        "description": "The recommendation that absorbed this one, when merged.", "example": None})
    url = fields.String(required=True, metadata={"example": "https://coalition.example.org/recommendations/42"})


class RecommendationCountsSchema(Schema):
    shown = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, metadata={
        "description": "Cells of at least 5 people.", "example": {"academia": 412, "industry": 120}})
    hidden = fields.Integer(required=True, metadata={
        "description": "People in the cells of fewer than 5, together; 0 unless they reach 5 themselves.",
        "example": 7})


class RecommendationTraceThemeSchema(Schema):
    id = fields.Integer(required=True, metadata={"example": 3})
    consultation = fields.String(required=True, metadata={"example": "consulta-nacional-ia"})
    name = fields.String(required=True, metadata={"example": "Transparencia"})
    contributions = fields.Integer(required=True, metadata={"example": 85})


class RecommendationTraceSchema(Schema):
    recommendation = fields.Integer(required=True, metadata={"example": 42})
    total = fields.Integer(required=True, metadata={
        "description": "Visible contributions behind it, cited directly or through a theme.", "example": 540})
    direct = fields.Integer(required=True, metadata={"example": 12})
    sectors = fields.Nested(RecommendationCountsSchema, required=True)
    states = fields.Nested(RecommendationCountsSchema, required=True)
    channels = fields.Nested(RecommendationCountsSchema, required=True)
    themes = fields.List(fields.Nested(RecommendationTraceThemeSchema), required=True)


# --- schemas: what the API accepts ---------------------------------------------------------

class RecommendationSourcesInSchema(Schema):
    contributions = fields.List(fields.Integer(strict=True, validate=ID_RANGE), load_default=list,
                                validate=validate.Length(max=SOURCES_MAX), metadata={
                                    "description": "Ids of visible contributions, e.g. `[101, 257]`; an unknown "
                                                   "or hidden one is a 422.", "example": []})
    themes = fields.List(fields.Integer(strict=True, validate=ID_RANGE), load_default=list,
                         validate=validate.Length(max=THEME_SOURCES_MAX), metadata={
                             "description": "Theme ids, e.g. `[3, 7]`; an unknown one is a 422.", "example": []})


class RecommendationListArgsSchema(PageArgsSchema):
    group = fields.String(validate=[validate.Length(max=SLUG_MAX), plain_text], metadata={"example": "ethics"})
    area = fields.String(validate=AREA, metadata={"example": "ethics"})
    horizon = fields.String(validate=HORIZON, metadata={"example": "short"})
    state = fields.String(validate=STATE, metadata={"example": "adopted"})
    q = _text(QUERY_MAX, metadata={"description": "Words in the title or text.", "example": "algoritmos"})


def _content_fields(required: bool) -> dict:
    return {
        "title": _text(TITLE_MAX, min_length=1, required=required, metadata={
            "description": "In the request's language; fills the other language too when that one is not given.",
            "example": "Evaluaciones de impacto algorítmico"}),
        "text": _text(TEXT_MAX, metadata={"description": "Markdown, in the request's language.",
                                          "example": "Toda dependencia que adopte un sistema de IA…"}),
        "title_es": _text(TITLE_MAX, metadata={"example": "Evaluaciones de impacto algorítmico"}),
        "title_en": _text(TITLE_MAX, metadata={"example": "Algorithmic impact assessments"}),
        "text_es": _text(TEXT_MAX, metadata={"example": "Toda dependencia…"}),
        "text_en": _text(TEXT_MAX, metadata={"example": "Every agency…"}),
        "group": fields.String(required=required, validate=[validate.Length(min=1, max=SLUG_MAX), plain_text],
                               metadata={"enum": list(GROUP_SLUGS), "example": "ethics"}),
        "area": fields.String(required=required, validate=AREA, metadata={"example": "ethics"}),
        "horizon": fields.String(required=required, validate=HORIZON, metadata={"example": "short"}),
        "sources": fields.Nested(RecommendationSourcesInSchema, metadata={
            "description": "What it stands on: contribution and theme ids, e.g. "
                           "`{\"contributions\": [101], \"themes\": [3, 7]}` (PATCH replaces them)."}),
    }


RecommendationCreateSchema = type("RecommendationCreateSchema", (Schema,), _content_fields(True))


class _PatchBase(Schema):
    version = fields.Integer(required=True, strict=True, metadata={
        "description": "The version you read; a stale one is answered 409 with the current recommendation.",
        "example": 3})
    state = fields.String(validate=validate.OneOf([s for s in RECOMMENDATION_STATES if s != "merged"]), metadata={
        "description": "Leads move it between draft and in_consultation; adopted and rejected are for "
                       "coordinators, and rejected needs an answer (422 without one). A recommendation is "
                       "merged on its page, not here.", "example": "adopted"})
    answer = _text(ANSWER_MAX, metadata={"description": "The public answer in the request's language "
                                                        "(coordinators).", "example": "La adoptamos."})
    answer_es = _text(ANSWER_MAX, metadata={"example": "La adoptamos."})
    answer_en = _text(ANSWER_MAX, metadata={"example": "We adopted it."})
    published = fields.Boolean(truthy={True}, falsy={False}, metadata={
        "description": "Coordinators publish; publishing an answer tells the contributors behind it.",
        "example": True})


RecommendationPatchSchema = type("RecommendationPatchSchema", (_PatchBase,), _content_fields(False))


# --- bodies --------------------------------------------------------------------------------

def recommendation_body(rec, lang: str, sources: dict, deliverables: list[int]) -> dict:
    return {
        "id": rec.id, "group": rec.group.slug, "area": rec.area, "horizon": rec.horizon,
        "title": rec.title_in(lang), "text": rec.text_in(lang), "state": rec.state,
        "answer": rec.answer_in(lang), "published": rec.published, "version": rec.version,
        "sources": sources, "deliverables": deliverables,
        "title_es": rec.title_es, "title_en": rec.title_en, "text_es": rec.text_es, "text_en": rec.text_en,
        "answer_es": rec.answer_es, "answer_en": rec.answer_en, "published_at": rec.published_at,
        "merged_into": rec.merged_into_id,
        "url": url_for("recommendations.detail", recommendation_id=rec.id, _external=True),
    }


def _bodies(recs: list, lang: str) -> list[dict]:
    ids = [r.id for r in recs]
    sources, deliverables = services.source_ids(ids), services.deliverable_ids(ids)
    return [recommendation_body(r, lang, sources[r.id], deliverables[r.id]) for r in recs]


def _fresh(actor, recommendation_id: int) -> dict:
    return _bodies([services.get_recommendation(actor, recommendation_id)], _language())[0]


def _in_languages(body: dict, lang: str) -> dict:
    """`title`, `text` and `answer` in the request's language, as the _es/_en values the services take."""
    values = {}
    for base in ("title", "text", "answer"):
        if base in body:
            values[f"{base}_{lang}"] = body[base]
        for code in ("es", "en"):
            if f"{base}_{code}" in body:
                values[f"{base}_{code}"] = body[f"{base}_{code}"]
    return values


def _group(actor, slug: str):
    try:
        return group_services.get_group(actor, slug)
    except NotFound:
        raise ValidationError(fields={"group": [_l("Unknown working group.")]}) from None


# --- endpoints -----------------------------------------------------------------------------

@blp.route("/recommendations")
class Recommendations(MethodView):
    @blp.arguments(RecommendationListArgsSchema, location="query")
    @blp.response(200, page_of(RecommendationSchema))
    @documents_errors(blp, 401, 422)
    def get(self, args):
        """List recommendations by group, area, horizon and id; filter by `group`, `area`, `horizon`, `state`.

        An unknown group is a 422.
        """
        actor = api_actor()
        group = args.get("group")
        if group is not None and group not in {g.slug for g in services.all_groups()}:
            raise ValidationError(fields={"group": [_l("Unknown working group.")]})
        filters = services.RecommendationFilters(group=group, area=args.get("area"), horizon=args.get("horizon"),
                                                 state=args.get("state"), q=args.get("q"))
        page = services.list_recommendations(actor, filters, args["page"], args["per_page"])
        body = page_body(page)
        body["items"] = _bodies(page.items, _language())
        return body

    @blp.arguments(RecommendationCreateSchema)
    @blp.response(201, RecommendationSchema)
    @documents_errors(blp, 400, 401, 403, 415, 422)
    def post(self, body):
        """Draft a recommendation of a group you lead (any group, for coordinators).

        `title` and `text` are in the request's language and stand for both languages until the other is
        given (send `title_es`/`title_en` to give both). `sources` lists contribution and theme ids.
        """
        actor = api_actor()
        group = _group(actor, body["group"])
        sources = body.get("sources") or {}
        values = _in_languages(body, _language())
        recommendation = services.create_recommendation(
            actor, group, area=body["area"], horizon=body["horizon"], contributions=sources.get("contributions"),
            themes=sources.get("themes"), **values)
        return _fresh(actor, recommendation.id)


@blp.route("/recommendations/<int:recommendation_id>")
class RecommendationById(MethodView):
    @blp.response(200, RecommendationSchema)
    @documents_errors(blp, 401, 404)
    def get(self, recommendation_id):
        """One recommendation, with its sources, deliverables and version."""
        return _fresh(api_actor(), recommendation_id)

    @blp.arguments(RecommendationPatchSchema)
    @blp.response(200, RecommendationSchema)
    @documents_errors(blp, 400, 401, 403, 404, 409, 415, 422)
    def patch(self, body, recommendation_id):
        """Change any of its text, group, area, horizon, sources, state, answer and publication; `version` is
        required.

        Leads of its group edit the text and sources and move it between `draft` and `in_consultation`;
        adopting, rejecting, publishing and answering are for coordinators (403). Rejecting needs an answer
        (422). A stale `version` is answered 409 with the recommendation as it is now in `current`.
        """
        actor = api_actor()
        version = body.pop("version")
        values = _in_languages(body, _language())
        for name in ("area", "horizon", "state", "published"):
            if name in body:
                values[name] = body[name]
        group = _group(actor, body["group"]) if "group" in body else None
        sources = body.get("sources")
        try:
            services.update_recommendation(
                actor, recommendation_id, version=version, group=group,
                contributions=sources.get("contributions") if sources else None,
                themes=sources.get("themes") if sources else None, **values)
        except Conflict:
            db.session.rollback()
            raise Conflict(current=RecommendationSchema().dump(_fresh(actor, recommendation_id))) from None
        return _fresh(actor, recommendation_id)


@blp.route("/recommendations/<int:recommendation_id>/trace")
class RecommendationTrace(MethodView):
    @blp.response(200, RecommendationTraceSchema)
    @documents_errors(blp, 401, 404)
    def get(self, recommendation_id):
        """The people behind a recommendation as counts by sector, state and channel (cells of fewer than 5
        hidden), its themes and its totals."""
        actor = api_actor()
        services.get_recommendation(actor, recommendation_id)
        result = trace.trace(recommendation_id)
        lang = _language()
        return {
            "recommendation": recommendation_id, "total": result.total, "direct": result.direct,
            "sectors": {"shown": result.by_sector.shown, "hidden": result.by_sector.hidden},
            "states": {"shown": result.by_state.shown, "hidden": result.by_state.hidden},
            "channels": {"shown": result.by_channel.shown, "hidden": result.by_channel.hidden},
            "themes": [{"id": t.theme.id, "consultation": t.theme.consultation.slug, "name": t.theme.name_in(lang),
                        "contributions": t.contributions} for t in result.themes],
        }
