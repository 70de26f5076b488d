"""Coding and analysis: a consultation's contributions (without personal data), its themes, coding a
contribution, hiding one, and the consultation's figures.

Every endpoint calls the services the analysis pages use (`coalition.analysis.services`), so the rules
are the same: every member of the coalition reads contributions and figures; members of the
consultation's groups code; their leads and the coordinators keep the themes and hide contributions.
"""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from coalition.analysis import figures as figures_module
from coalition.analysis import permissions, services
from coalition.api.common import ID_RANGE, PageArgsSchema, api_actor, documents_errors, page_body, page_of, plain_text
from coalition.api.common import text as _text
from coalition.consultations.models import (
    SLUG_MAX, AGE_BANDS, CHANNELS, HIDE_REASON_MAX, MIN_CELL, PROFILE_SECTORS, PROFILE_STATES, THEME_DESCRIPTION_MAX,
    THEME_NAME_MAX, THEMES_MAX)
from coalition.auth.permissions import require
from coalition.validation import QUERY_MAX

blp = Blueprint("api_analysis", __name__, url_prefix="/api/v1",
                description="Coding and analysis of a consultation: its contributions (members; no personal data), "
                            "themes, coding, hiding a contribution (kept, with a reason), and figures.")

QUESTION_POSITION_MAX = services.QUESTION_POSITION_MAX
SLUG_DESCRIPTION = "The consultation's slug."
SLUG_PARAMETER = {"in": "path", "name": "slug", "description": SLUG_DESCRIPTION,
                  "schema": {"type": "string", "minLength": 1, "maxLength": SLUG_MAX},
                  "example": "consulta-nacional-ia"}


@blp.before_request
def _check_access_first():
    """Answer 401, then 404, then 403 before the body is read, so a 422 is only ever about the body.

    The services check all of this again; this only puts the answers in the order a client expects.
    """
    from flask import request

    actor = api_actor()
    args = request.view_args or {}
    writes = request.method not in ("GET", "HEAD", "OPTIONS")
    if "slug" in args:
        consultation = services.get_consultation(actor, args["slug"])
        if writes:
            require(permissions.can_keep_themes(actor, consultation))
    elif "theme_id" in args:
        theme = services.get_theme(actor, args["theme_id"])
        require(permissions.can_keep_themes(actor, theme.consultation))
    elif "contribution_id" in args:
        contribution = services.get_contribution(actor, args["contribution_id"])
        if request.path.endswith("/themes"):
            require(permissions.can_code(actor, contribution.consultation))
        else:
            require(permissions.can_hide(actor, contribution.consultation))


# --- schemas: what the API returns ---------------------------------------------------------

class ContributionSchema(Schema):
    id = fields.Integer(required=True, metadata={"example": 1502})
    submitted_at = fields.AwareDateTime(required=True, metadata={"example": "2031-03-04T16:00:00+00:00"})
    channel = fields.String(required=True, metadata={"enum": list(CHANNELS), "example": "online"})
    sector = fields.String(required=True, metadata={"enum": list(PROFILE_SECTORS), "example": "academia"})
    state = fields.String(required=True, metadata={"enum": list(PROFILE_STATES), "example": "JAL"})
    age_band = fields.String(required=True, allow_none=True, metadata={"enum": list(AGE_BANDS), "example": "30_44"})
    answers = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True, metadata={
        "description": "By question (`q<position>`): the text of a free-text answer, the position of the "
                       "chosen choice, or a list of positions for a multiple choice.",
        "example": {"q1": "Me preocupa la educación digital", "q2": 1, "q3": [1, 3]}})
    comments = fields.Dict(keys=fields.String(), values=fields.String(), required=True, metadata={
        "description": "By the id of the draft recommendation commented on.", "example": {"41": "De acuerdo"}})
    themes = fields.List(fields.Integer(), required=True, metadata={
        "description": "The ids of the themes it is coded under.", "example": [3, 7]})
    hidden = fields.Boolean(required=True, metadata={
        "description": "Hidden by a moderator (only leads and coordinators see hidden ones).", "example": False})


class ThemeSchema(Schema):
    id = fields.Integer(required=True, metadata={"example": 3})
    consultation = fields.String(required=True, metadata={"description": SLUG_DESCRIPTION,
                                                          "example": "consulta-nacional-ia"})
    name_es = fields.String(required=True, metadata={"example": "Educación"})
    name_en = fields.String(required=True, metadata={"example": "Education"})
    description_es = fields.String(required=True, metadata={"example": ""})
    description_en = fields.String(required=True, metadata={"example": ""})
    coded = fields.Integer(required=True, metadata={
        "description": "Visible contributions coded under it.", "example": 212})


class ThemeListSchema(Schema):
    items = fields.List(fields.Nested(ThemeSchema), required=True)


class CodingResultSchema(Schema):
    id = fields.Integer(required=True, metadata={"description": "The contribution's id.", "example": 1502})
    themes = fields.List(fields.Integer(), required=True, metadata={"example": [3, 7]})
    added = fields.List(fields.Integer(), required=True, metadata={"example": [7]})
    removed = fields.List(fields.Integer(), required=True, metadata={"example": [5]})


class HiddenSchema(Schema):
    id = fields.Integer(required=True, metadata={"example": 1502})
    hidden = fields.Boolean(required=True, metadata={"example": True})
    hidden_at = fields.AwareDateTime(required=True, allow_none=True, metadata={"example": "2031-03-05T10:00:00+00:00"})
    reason = fields.String(required=True, allow_none=True, metadata={"example": "Insultos"})


class BreakdownSchema(Schema):
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, metadata={
        "description": f"Cells of at least {MIN_CELL} people; the key \"\" means not given.",
        "example": {"academia": 412, "industry": 230}})
    hidden = fields.Integer(required=True, metadata={
        "description": f"People in the cells of fewer than {MIN_CELL} together, when that itself reaches "
                       f"{MIN_CELL}; else 0.", "example": 7})


class DayCountSchema(Schema):
    day = fields.String(required=True, metadata={"description": "YYYY-MM-DD in the coalition's timezone.",
                                                 "example": "2031-03-04"})
    count = fields.Integer(required=True, metadata={"example": 83})


class FiguresSchema(Schema):
    total = fields.Integer(required=True, metadata={"description": "Visible contributions.", "example": 1534})
    coded = fields.Integer(required=True, metadata={"example": 1320})
    reached = fields.Integer(required=True, metadata={
        "description": "Contributions behind at least one recommendation.", "example": 880})
    share_coded = fields.Float(required=True, metadata={"example": 0.86})
    share_reached = fields.Float(required=True, metadata={"example": 0.57})
    by_day = fields.List(fields.Nested(DayCountSchema), required=True)
    breakdowns = fields.Dict(keys=fields.String(), values=fields.Nested(BreakdownSchema), required=True, metadata={
        "description": "By channel, sector, state, age_band and gender."})


# --- schemas: what the API accepts ---------------------------------------------------------

class ContributionArgsSchema(PageArgsSchema):
    q = _text(QUERY_MAX, metadata={"description": "Words anywhere in the answers and comments (full text).",
                                   "example": "educación"})
    question = fields.Integer(validate=validate.Range(min=1, max=QUESTION_POSITION_MAX), metadata={
        "description": "Only contributions answering question q<position>.", "example": 1})
    answer = _text(QUERY_MAX, metadata={
        "description": "With `question`: the answer contains this text, or is this choice (its position).",
        "example": "salud"})
    sector = fields.String(validate=validate.OneOf(list(PROFILE_SECTORS)), metadata={"example": "academia"})
    state = fields.String(validate=validate.OneOf(list(PROFILE_STATES)), metadata={"example": "JAL"})
    channel = fields.String(validate=validate.OneOf(list(CHANNELS)), metadata={"example": "workshop"})
    age_band = fields.String(validate=validate.OneOf(list(AGE_BANDS)), metadata={"example": "18_29"})
    theme = fields.String(validate=[validate.Regexp(r"^(uncoded|[1-9][0-9]{0,17})$"), plain_text], metadata={
        "description": "A theme id, or `uncoded`.", "example": "uncoded"})
    hidden = fields.String(validate=validate.OneOf(list(services.HIDDEN_CHOICES)), metadata={
        "description": "`include` or `only` the hidden ones (leads of its groups and coordinators; 403 "
                       "otherwise). Left out by default.", "example": "include"})


class ThemeCreateSchema(Schema):
    name_es = _text(THEME_NAME_MAX, required=True, min_length=1, metadata={"example": "Educación"})
    name_en = _text(THEME_NAME_MAX, required=True, min_length=1, metadata={"example": "Education"})
    description_es = _text(THEME_DESCRIPTION_MAX, load_default="", metadata={"example": ""})
    description_en = _text(THEME_DESCRIPTION_MAX, load_default="", metadata={"example": ""})


class ThemePatchSchema(Schema):
    name_es = _text(THEME_NAME_MAX, min_length=1, metadata={"example": "Educación digital"})
    name_en = _text(THEME_NAME_MAX, min_length=1, metadata={"example": "Digital education"})
    description_es = _text(THEME_DESCRIPTION_MAX, metadata={"example": ""})
    description_en = _text(THEME_DESCRIPTION_MAX, metadata={"example": ""})


class CodingSchema(Schema):
    themes = fields.List(fields.Integer(strict=True, validate=ID_RANGE), required=True,
                         validate=validate.Length(max=THEMES_MAX), metadata={
                             "description": "Every theme the contribution is coded under from now on (of its "
                                            "consultation); [] removes them all.", "example": [3, 7]})


class HideSchema(Schema):
    reason = _text(HIDE_REASON_MAX, required=True, min_length=1, metadata={"example": "Insultos"})


# --- bodies --------------------------------------------------------------------------------

def contribution_bodies(items, questions) -> list[dict]:
    kinds = {q.id: (q.name, q.kind) for q in questions}
    themes = services.themes_by_contribution([c.id for c in items])
    bodies = []
    for c in items:
        answers: dict = {}
        for answer in c.answers:
            name, kind = kinds.get(answer.question_id, (f"question-{answer.question_id}", "text"))
            if answer.choice is None:
                answers[name] = answer.text or ""
            elif kind == "multiple":
                answers.setdefault(name, []).append(answer.choice.position)
            else:
                answers[name] = answer.choice.position
        bodies.append({"id": c.id, "submitted_at": c.submitted_at, "channel": c.channel, "sector": c.sector,
                       "state": c.state, "age_band": c.age_band, "answers": answers,
                       "comments": {str(m.recommendation_id): m.text for m in c.comments},
                       "themes": themes.get(c.id, []), "hidden": c.is_hidden})
    return bodies


def theme_body(theme, coded: int) -> dict:
    return {"id": theme.id, "consultation": theme.consultation.slug, "name_es": theme.name_es,
            "name_en": theme.name_en, "description_es": theme.description_es or "",
            "description_en": theme.description_en or "", "coded": coded}


def _theme_with_count(actor, theme) -> dict:
    counts = {row.theme.id: row.coded for row in services.theme_rows(actor, theme.consultation)}
    return theme_body(theme, counts.get(theme.id, 0))


def figures_body(data) -> dict:
    return {"total": data.total, "coded": data.coded, "reached": data.reached,
            "share_coded": round(data.share_coded, 4), "share_reached": round(data.share_reached, 4),
            "by_day": [{"day": day, "count": n} for day, n in data.by_day],
            "breakdowns": {name: {"counts": dict(b.shown), "hidden": b.hidden} for name, b in data.breakdowns.items()}}


# --- endpoints -----------------------------------------------------------------------------

@blp.route("/consultations/<slug>/contributions", parameters=[SLUG_PARAMETER])
class Contributions(MethodView):
    @blp.arguments(ContributionArgsSchema, location="query")
    @blp.response(200, page_of(ContributionSchema))
    @documents_errors(blp, 401, 403, 404, 422)
    def get(self, args, slug):
        """The consultation's contributions, newest first, without personal data (members).

        No e-mail, receipt, institution, gender or source hashes. The filters are those of the
        search page; `q` is a full-text search (Spanish stemming on PostgreSQL).
        """
        actor = api_actor()
        consultation = services.get_consultation(actor, slug)
        theme = args.get("theme")
        filters = services.SearchFilters(
            question=args.get("question"), answer=args.get("answer"), sector=args.get("sector"),
            state=args.get("state"), channel=args.get("channel"), age_band=args.get("age_band"),
            theme=theme if theme in (None, "uncoded") else int(theme), hidden=args.get("hidden"), q=args.get("q"))
        questions = services.questions_of(consultation)
        page = services.search(actor, consultation, filters, args["page"], args["per_page"], questions=questions)
        body = page_body(page)
        body["items"] = contribution_bodies(page.items, questions)
        return body


@blp.route("/consultations/<slug>/themes", parameters=[SLUG_PARAMETER])
class Themes(MethodView):
    @blp.response(200, ThemeListSchema)
    @documents_errors(blp, 401, 404)
    def get(self, slug):
        """The consultation's themes, with how many visible contributions each codes."""
        actor = api_actor()
        consultation = services.get_consultation(actor, slug)
        return {"items": [theme_body(row.theme, row.coded) for row in services.theme_rows(actor, consultation)]}

    @blp.arguments(ThemeCreateSchema)
    @blp.response(201, ThemeSchema)
    @documents_errors(blp, 400, 401, 403, 404, 415, 422)
    def post(self, body, slug):
        """Add a theme (leads of the consultation's groups, coordinators). A name already used is a 422."""
        actor = api_actor()
        consultation = services.get_consultation(actor, slug)
        theme = services.create_theme(actor, consultation, **body)
        return theme_body(theme, 0)


@blp.route("/themes/<int:theme_id>")
class ThemeById(MethodView):
    @blp.arguments(ThemePatchSchema)
    @blp.response(200, ThemeSchema)
    @documents_errors(blp, 400, 401, 403, 404, 415, 422)
    def patch(self, body, theme_id):
        """Rename or describe a theme (leads of the consultation's groups, coordinators); codings stay."""
        actor = api_actor()
        theme = services.edit_theme(actor, theme_id, **body)
        return _theme_with_count(actor, theme)


@blp.route("/contributions/<int:contribution_id>/themes")
class ContributionThemes(MethodView):
    @blp.arguments(CodingSchema)
    @blp.response(200, CodingResultSchema)
    @documents_errors(blp, 400, 401, 403, 404, 415, 422)
    def put(self, body, contribution_id):
        """Code a contribution under exactly these themes (members of the consultation's groups, coordinators).

        Who coded and when is kept; each change (`added`, `removed`) goes to the audit log.
        A theme of another consultation is a 422.
        """
        actor = api_actor()
        added, removed = services.set_themes(actor, contribution_id, body["themes"])
        return {"id": contribution_id, "themes": services.themes_by_contribution([contribution_id])[contribution_id],
                "added": added, "removed": removed}


def _hidden_body(c) -> dict:
    return {"id": c.id, "hidden": c.is_hidden, "hidden_at": c.hidden_at, "reason": c.hidden_reason}


@blp.route("/contributions/<int:contribution_id>/hide")
class HideContribution(MethodView):
    @blp.arguments(HideSchema)
    @blp.response(200, HiddenSchema)
    @documents_errors(blp, 400, 401, 403, 404, 415, 422)
    def post(self, body, contribution_id):
        """Hide a contribution with a reason (leads of its groups, coordinators). It is kept, never deleted;
        hiding a hidden one changes its reason."""
        return _hidden_body(services.hide(api_actor(), contribution_id, body["reason"]))


@blp.route("/contributions/<int:contribution_id>/unhide")
class UnhideContribution(MethodView):
    @blp.response(200, HiddenSchema)
    @documents_errors(blp, 401, 403, 404)
    def post(self, contribution_id):
        """Show a hidden contribution again (no body); a visible one stays as it is."""
        return _hidden_body(services.unhide(api_actor(), contribution_id))


@blp.route("/consultations/<slug>/figures", parameters=[SLUG_PARAMETER])
class Figures(MethodView):
    @blp.response(200, FiguresSchema)
    @documents_errors(blp, 401, 404)
    def get(self, slug):
        """The consultation's figures over its visible contributions; no cell of fewer than 5 people."""
        actor = api_actor()
        consultation = services.get_consultation(actor, slug)
        require(permissions.can_read(actor, consultation))
        return figures_body(figures_module.consultation_figures(consultation))
