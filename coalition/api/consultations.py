"""The consultations endpoints of the API: public reading, public contributions, public receipts.

No token is needed for any of these (a coordinator's token also shows drafts in the list). A
contribution goes through `coalition.consultations.services.submit_contribution`, the same door as
the public form, with the same limits per address.
"""
from __future__ import annotations

from flask import request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from coalition.api.common import (
    ErrorSchema, PageArgsSchema, api_actor_or_none, documents_errors, page_body, page_of, plain_text)
from coalition.api.common import text as _text
from coalition.consultations import services
from coalition.errors import NotFound
from coalition.consultations.models import (
    AGE_BANDS, ANSWER_MAX, CONSULTATION_KINDS, CONSULTATION_STATES, EMAIL_MAX, GENDER_MAX, INSTITUTION_MAX,
    PROFILE_SECTORS, PROFILE_STATES, QUESTION_KINDS, QUESTIONS_MAX, SLUG_MAX)
from coalition.consultations.throttle import contribution_limits
from coalition.templating import language

blp = Blueprint("api_consultations", __name__, url_prefix="/api/v1",
                description="The public consultations: read them, contribute without an account, follow a receipt. "
                            "None of these needs a token.")

CLOSED_DESCRIPTION = ("The consultation is not open (closed, not yet open, or not published): nothing was stored. "
                      "`code` is `consultation_closed`.")


# --- what the API returns --------------------------------------------------------------------

class GroupRefSchema(Schema):
    slug = fields.String(required=True, metadata={"example": "ethics"})
    name_es = fields.String(required=True, metadata={"example": "Ética"})
    name_en = fields.String(required=True, metadata={"example": "Ethics"})


class ConsultationSummarySchema(Schema):
    slug = fields.String(required=True, metadata={"example": "principios-ia"})
    title_es = fields.String(required=True, metadata={"example": "Principios generales de IA"})
    title_en = fields.String(required=True, metadata={"example": "General AI principles"})
    kind = fields.String(required=True, validate=validate.OneOf(list(CONSULTATION_KINDS)),
                         metadata={"example": "both"})
    state = fields.String(required=True, validate=validate.OneOf(list(CONSULTATION_STATES)), metadata={
        "description": "`draft`, `scheduled` (published, not yet open), `open`, `closed`, `analysed` or "
                       "`reported`.", "example": "open"})
    opens_at = fields.AwareDateTime(required=True, metadata={"example": "2031-03-01T06:00:00+00:00"})
    closes_at = fields.AwareDateTime(required=True, metadata={"example": "2031-04-01T06:00:00+00:00"})
    groups = fields.List(fields.Nested(GroupRefSchema), required=True)
    url = fields.String(required=True, metadata={"example": "https://coalition.example.org/consultations/principios-ia"})
    results_published = fields.Boolean(required=True, metadata={
        "description": "Whether a coordinator published its results on the public portal (once it closed)."})


class ChoiceSchema(Schema):
    position = fields.Integer(required=True, metadata={"description": "The value to send for this choice.",
                                                       "example": 1})
    label_es = fields.String(required=True, metadata={"example": "Sí"})
    label_en = fields.String(required=True, metadata={"example": "Yes"})


class QuestionSchema(Schema):
    name = fields.String(required=True, metadata={"description": "The key of its answer in `answers`.",
                                                  "example": "q1"})
    position = fields.Integer(required=True, metadata={"example": 1})
    kind = fields.String(required=True, validate=validate.OneOf(list(QUESTION_KINDS)), metadata={
        "description": "`text` (send a string), `single` (one choice position) or `multiple` (a list of them).",
        "example": "single"})
    prompt_es = fields.String(required=True, metadata={"example": "¿Debe regularse la IA de alto riesgo?"})
    prompt_en = fields.String(required=True, metadata={"example": "Should high-risk AI be regulated?"})
    required = fields.Boolean(required=True, metadata={"example": True})
    choices = fields.List(fields.Nested(ChoiceSchema), required=True)


class CommentableSchema(Schema):
    id = fields.Integer(required=True, metadata={"description": "The key of a comment on it in `comments`.",
                                                 "example": 31})
    title_es = fields.String(required=True, metadata={"example": "Crear un registro de algoritmos públicos"})
    title_en = fields.String(required=True, metadata={"example": "Create a register of public algorithms"})
    text_es = fields.String(required=True, metadata={"description": "Markdown.", "example": "El gobierno…"})
    text_en = fields.String(required=True, metadata={"description": "Markdown.", "example": "The government…"})


class ConsultationSchema(ConsultationSummarySchema):
    description_es = fields.String(required=True, metadata={"description": "Markdown.", "example": "Queremos…"})
    description_en = fields.String(required=True, metadata={"description": "Markdown.", "example": "We want…"})
    questions = fields.List(fields.Nested(QuestionSchema), required=True)
    recommendations = fields.List(fields.Nested(CommentableSchema), required=True, metadata={
        "description": "The draft recommendations up for comment, in order."})


class ContributionCreateSchema(Schema):
    answers = fields.Dict(keys=fields.String(validate=validate.Length(max=SLUG_MAX)), values=fields.Raw(allow_none=True),
                          validate=validate.Length(max=QUESTIONS_MAX), load_default=dict, metadata={
        "description": "Keyed by question name (`q1`, `q2`, …): a string for a free-text question, a choice "
                       "position for a one-choice question, a list of positions for a several-choice one.",
        "example": {"q1": "Que se publique cómo decide cada algoritmo.", "q2": 1, "q3": [1, 3]}})
    comments = fields.Dict(keys=fields.String(validate=validate.Length(max=SLUG_MAX)),
                           values=_text(ANSWER_MAX, allow_none=True), load_default=dict, metadata={
        "description": "Keyed by the id of a recommendation up for comment.",
        "example": {"31": "Incluir a los gobiernos estatales."}})
    sector = fields.String(required=True, validate=validate.OneOf(list(PROFILE_SECTORS)),
                           metadata={"example": "academia"})
    state = fields.String(required=True, validate=validate.OneOf(list(PROFILE_STATES)), metadata={
        "description": "An ISO 3166-2:MX code without the country, or `abroad`.", "example": "JAL"})
    institution = _text(INSTITUTION_MAX, allow_none=True, metadata={"example": "Universidad de Guadalajara"})
    age_band = fields.String(allow_none=True, validate=validate.OneOf(list(AGE_BANDS)), metadata={"example": "30_44"})
    gender = _text(GENDER_MAX, allow_none=True, metadata={"description": "Self-described.", "example": "mujer"})
    email = fields.Email(allow_none=True, validate=[validate.Length(max=EMAIL_MAX), plain_text], metadata={
        "description": "Optional: the receipt is mailed there. Kept only when `notify` is true.",
        "example": "persona@example.org"})
    notify = fields.Boolean(load_default=False, metadata={
        "description": "Tell me what happens to my input (needs `email`).", "example": True})
    consent = fields.Boolean(required=True, validate=validate.Equal(True), metadata={
        "description": "Must be true: nothing is stored without consent.", "example": True})


class ContributionCreatedSchema(Schema):
    receipt = fields.String(required=True, allow_none=True, metadata={
        "description": "The receipt code, shown only this once; follow it at /receipts/<code>.",
        "example": "K7QX-M2PA-9WRT"})
    id = fields.Integer(required=True, allow_none=True, metadata={"example": 1542})
    duplicate = fields.Boolean(metadata={"description": "Present (true) only on the 200 answer to a duplicate.",
                                         "example": True})


class DuplicateSchema(ContributionCreatedSchema):
    duplicate = fields.Boolean(required=True, metadata={"example": True})


class ThemeRefSchema(Schema):
    id = fields.Integer(required=True, metadata={"example": 7})
    name = fields.String(required=True, metadata={"example": "Transparencia algorítmica"})


class ReachedSchema(Schema):
    id = fields.Integer(required=True, metadata={"example": 31})
    title = fields.String(required=True, metadata={"example": "Crear un registro de algoritmos públicos"})
    state = fields.String(required=True, metadata={"example": "adopted"})
    state_label = fields.String(required=True, metadata={"example": "Adoptada"})
    answer = fields.String(required=True, metadata={"description": "The public answer (Markdown).",
                                                    "example": "La adoptamos y la llevará el grupo de ética."})


class ReceiptSchema(Schema):
    code = fields.String(required=True, metadata={"example": "K7QX-M2PA-9WRT"})
    language = fields.String(required=True, metadata={
        "description": "The language of the texts (`?lang=` or Accept-Language).", "example": "es"})
    received_at = fields.AwareDateTime(required=True, metadata={"example": "2031-03-04T16:00:00+00:00"})
    consultation = fields.Dict(required=True, metadata={"example": {"slug": "principios-ia",
                                                                    "title": "Principios generales de IA"}})
    themes = fields.List(fields.Nested(ThemeRefSchema), required=True, metadata={
        "description": "The themes it was coded under (never who coded it)."})
    recommendations = fields.List(fields.Nested(ReachedSchema), required=True, metadata={
        "description": "The published recommendations that cite it."})


class ReceiptArgsSchema(Schema):
    lang = fields.String(validate=validate.OneOf(["es", "en"]), metadata={"example": "en"})


# --- bodies ----------------------------------------------------------------------------------

def _group_body(group) -> dict:
    return {"slug": group.slug, "name_es": group.name_in("es"), "name_en": group.name_in("en")}


def summary_body(consultation) -> dict:
    return {"slug": consultation.slug, "title_es": consultation.title_es, "title_en": consultation.title_en,
            "kind": consultation.kind, "state": consultation.state, "opens_at": consultation.opens_at,
            "closes_at": consultation.closes_at, "groups": [_group_body(g) for g in consultation.groups],
            "url": url_for("consultations.detail", slug=consultation.slug, _external=True),
            "results_published": consultation.results_published}


def consultation_body(consultation) -> dict:
    return {**summary_body(consultation), "description_es": consultation.description_es,
            "description_en": consultation.description_en,
            "questions": [{"name": q.name, "position": q.position, "kind": q.kind, "prompt_es": q.prompt_es,
                           "prompt_en": q.prompt_en, "required": q.required,
                           "choices": [{"position": c.position, "label_es": c.label_es, "label_en": c.label_en}
                                       for c in q.choices]}
                          for q in (consultation.questions if consultation.asks_questions else [])],
            "recommendations": [{"id": r.id, "title_es": r.title_es, "title_en": r.title_en, "text_es": r.text_es,
                                 "text_en": r.text_en}
                                for r in (consultation.recommendations if consultation.takes_comments else [])]}


def receipt_body(receipt, lang: str) -> dict:
    return {"code": receipt.code, "language": lang, "received_at": receipt.received_at,
            "consultation": {"slug": receipt.consultation.slug, "title": receipt.consultation.title_in(lang)},
            "themes": [{"id": t.id, "name": t.name_in(lang)} for t in receipt.themes],
            "recommendations": [{"id": r.id, "title": r.title_in(lang), "state": r.state,
                                 "state_label": r.state_label, "answer": r.answer_in(lang)}
                                for r in receipt.recommendations]}


# --- endpoints -------------------------------------------------------------------------------

@blp.before_request
def _answer_closed_before_the_body():
    """404 for no such consultation and 410 for a closed one come before anything about the body, so a
    422 is only ever about what was sent (the service checks all of this again)."""
    if request.method == "POST" and request.endpoint == "api_consultations.Contributions":
        consultation = services.resolve((request.view_args or {}).get("slug"))
        if consultation.phase == "draft":
            raise NotFound()
        if consultation.state != "open":
            raise services.ConsultationClosed()


@blp.route("/consultations")
class Consultations(MethodView):
    public_methods = ("GET",)

    @blp.doc(security=[])
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, page_of(ConsultationSummarySchema))
    @documents_errors(blp, 422)
    def get(self, args):
        """The consultations, open ones first (drafts only for coordinators' tokens)."""
        page = services.list_consultations(api_actor_or_none(), args["page"], args["per_page"])
        body = page_body(page)
        body["items"] = [summary_body(c) for c in page.items]
        return body


@blp.route("/consultations/<slug>")
class ConsultationBySlug(MethodView):
    public_methods = ("GET",)

    @blp.doc(security=[])
    @blp.response(200, ConsultationSchema)
    @documents_errors(blp, 404)
    def get(self, slug):
        """One consultation: its questions with their choices, and the recommendations up for comment."""
        return consultation_body(services.get_consultation(api_actor_or_none(), slug))


@blp.route("/consultations/<slug>/contributions")
class Contributions(MethodView):
    public_methods = ("POST",)
    decorators = [contribution_limits]

    @blp.doc(security=[])
    @blp.arguments(ContributionCreateSchema, example={
        "answers": {"q1": "Que se publique cómo decide cada algoritmo.", "q2": 1, "q3": [1, 3]},
        "comments": {"31": "Incluir a los gobiernos estatales."}, "sector": "academia", "state": "JAL",
        "institution": "Universidad de Guadalajara", "age_band": "30_44", "gender": "mujer",
        "email": "persona@example.org", "notify": True, "consent": True})
    @blp.response(201, ContributionCreatedSchema, description="Stored. The receipt code is shown only this once.")
    @blp.alt_response(200, schema=DuplicateSchema, description=(
        "The same text already came from this address within a day: nothing stored, no new receipt."))
    @blp.alt_response(410, schema=ErrorSchema, description=CLOSED_DESCRIPTION)
    @documents_errors(blp, 400, 404, 415, 422, 429)
    def post(self, body, slug):
        """Contribute to an open consultation (no token needed; the same rules as the public form).

        A 422's `fields` are keyed like the form's inputs: `q1`, `r31` (a comment on recommendation 31),
        `sector`, `state`, `email`, `consent`…"""
        try:
            contribution, code = services.submit_contribution(
                slug, body, channel="online", source=request.remote_addr, language=language())
        except services.NotStored:
            return {"receipt": None, "id": None, "duplicate": True}, 200
        return {"receipt": code, "id": contribution.id}, 201


@blp.route("/receipts/<code>")
class ReceiptByCode(MethodView):
    public_methods = ("GET",)

    @blp.doc(security=[])
    @blp.arguments(ReceiptArgsSchema, location="query")
    @blp.response(200, ReceiptSchema)
    @documents_errors(blp, 404, 422)
    def get(self, args, code):
        """A receipt's timeline: received, the themes it was coded under, the published recommendations citing it."""
        lang = language()
        return receipt_body(services.get_receipt(code), lang), 200, {
            "Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}
