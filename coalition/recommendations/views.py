"""Pages of the agenda: the recommendations list, one recommendation with its trace, drafting and deciding."""
from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from coalition.auth.permissions import require, require_actor
from coalition.consultations.models import CHANNELS, PROFILE_SECTORS
from coalition.dashboards import charts
from coalition.errors import Conflict, NotFound, ValidationError
from coalition.extensions import db
from coalition.institutions.models import state_label
from coalition.pagination import clamp
from coalition.policy import services as policy_services
from coalition.recommendations import permissions, services, trace
from coalition.recommendations.forms import (
    ActionForm, DecisionForm, DeliverableLinkForm, LeadStateForm, MergeForm, RecommendationForm, SourcesForm,
    SplitForm)
from coalition.recommendations.models import AREAS, HORIZONS, RECOMMENDATION_STATES, TITLE_MAX
from coalition.web import apply_errors, current_actor, int_arg

bp = Blueprint("recommendations", __name__)

# What the history says each change was.
ACTIONS = {
    "create": _l("created"), "edit": _l("edited"), "state": _l("state changed"), "answer": _l("answer changed"),
    "publish": _l("published"), "unpublish": _l("unpublished"), "sources": _l("sources changed"),
    "merge": _l("merged"), "absorb": _l("absorbed another"), "split": _l("split"),
    "deliverable_link": _l("deliverable linked"), "deliverable_unlink": _l("deliverable unlinked"),
}

# What the history calls each field it says changed.
FIELDS = {
    "group": _l("working group"), "area": _l("area"), "horizon": _l("horizon"), "state": _l("status"),
    "title_es": _l("title (Spanish)"), "title_en": _l("title (English)"), "text_es": _l("text (Spanish)"),
    "text_en": _l("text (English)"), "answer_es": _l("answer (Spanish)"), "answer_en": _l("answer (English)"),
    "published": _l("published"), "contributions": _l("contributions"), "themes": _l("themes"),
    "merged_into_id": _l("merged into"), "absorbed": _l("absorbed"), "published_at": _l("published on"),
    "split_from": _l("came from"), "into": _l("gave rise to"), "deliverable_id": _l("deliverable"),
}

_ID_TOKEN = re.compile(r"[\s,;]+")


def _parse_ids(text: str | None, form_field) -> list[int] | None:
    """"12, 15 40" → [12, 15, 40]; a word that is not an id is shown beside the field."""
    tokens = [t.removeprefix("#") for t in _ID_TOKEN.split(text or "") if t]
    ids = [int_arg(t) for t in tokens]
    if any(i is None for i in ids):
        form_field.errors = list(form_field.errors) + [_("Write contribution ids separated by commas or spaces.")]
        return None
    return ids


# --- the list --------------------------------------------------------------------------------

@bp.route("/recommendations")
def index():
    actor = require_actor(current_actor())
    args = request.args
    published = {"yes": True, "no": False}.get(args.get("published") or "")
    filters = services.RecommendationFilters(
        group=args.get("group") or None,
        area=args.get("area") if args.get("area") in AREAS else None,
        horizon=args.get("horizon") if args.get("horizon") in HORIZONS else None,
        state=args.get("state") if args.get("state") in RECOMMENDATION_STATES else None,
        published=published, q=(args.get("q") or "").strip()[:services.QUERY_MAX] or None)
    page, per_page = clamp(args.get("page"), args.get("per_page"))
    try:
        result = services.list_recommendations(actor, filters, page, per_page)
    except ValidationError:
        filters = services.RecommendationFilters()
        result = services.list_recommendations(actor, filters, page, per_page)
    grid = services.grid_counts(actor, filters)
    return render_template(
        "recommendations/index.html", page=result, filters=filters, grid=grid, groups=services.all_groups(),
        AREAS=AREAS, HORIZONS=HORIZONS, STATES=RECOMMENDATION_STATES,
        published=args.get("published") if published is not None else "",
        can_create=permissions.can_create_any(actor),
        filtered=any((filters.group, filters.area, filters.horizon, filters.state, filters.q,
                      filters.published is not None)))


# --- one recommendation ----------------------------------------------------------------------

def _deliverable_form(recommendation, formdata=None) -> DeliverableLinkForm:
    form = DeliverableLinkForm(formdata=formdata)
    form.deliverable_id.choices = [(d.id, f"{d.title} ({d.progress}%)")
                                   for d in services.deliverables_for_linking(recommendation)]
    return form


def _merge_form(recommendation, formdata=None) -> MergeForm:
    form = MergeForm(formdata=formdata)
    form.into.choices = [(r.id, f"#{r.id} {r.title_in(_lang())}") for r in services.merge_targets(recommendation)]
    return form


def _sources_form(recommendation, formdata=None, sources=None) -> SourcesForm:
    form = SourcesForm(formdata=formdata)
    form.themes.choices = _theme_choices(services.themes_for_picking())
    if formdata is None:
        sources = sources or services.source_ids([recommendation.id])[recommendation.id]
        form.themes.data = sources["themes"]
        form.contributions.data = ", ".join(map(str, sources["contributions"]))
    return form


def _decision_form(recommendation, formdata=None) -> DecisionForm:
    form = DecisionForm(formdata=formdata)
    if formdata is None:
        form.state.data = recommendation.state if recommendation.state != "merged" else "adopted"
        form.answer_es.data, form.answer_en.data = recommendation.answer_es, recommendation.answer_en
        form.published.data = recommendation.published
    form.version.data = recommendation.version
    return form


def _lang() -> str:
    from flask_babel import get_locale

    return "en" if str(get_locale() or "es").startswith("en") else "es"


def _theme_choices(themes) -> list[tuple[int, str]]:
    lang = _lang()
    return [(t.id, f"{t.consultation.title_in(lang)} — {t.name_in(lang)}") for t in themes]


def _render_detail(recommendation, status: int = 200, errors=(), **forms):
    actor = current_actor()
    edit = services.can_edit(actor, recommendation)
    decide = services.can_decide(actor)
    page, per_page = clamp(request.args.get("page"), request.args.get("per_page"), 20)
    # Every cited id is only needed by the form that edits them (thousands of them at scale).
    sources = services.source_ids([recommendation.id])[recommendation.id] if edit else None
    context = {
        "rec": recommendation, "lang": _lang(), "edit": edit, "decide": decide,
        "trace": trace.trace(recommendation.id),
        "contributions": trace.contributions_page(recommendation.id, page, per_page),
        "related": services.related(recommendation),
        "deliverables": services.deliverables_of(recommendation),
        # Issue 15: the instruments that took it up.
        "uptakes": policy_services.uptakes_of_recommendation(recommendation.id),
        "history": services.history(recommendation, clamp(request.args.get("history"), None)[0]),
        "sources": sources,
        "errors": [str(e) for e in errors],
        "AREAS": AREAS, "HORIZONS": HORIZONS,
        "sector_label": lambda key: str(PROFILE_SECTORS.get(key, key)),
        "state_name": state_label,
        "channel_label": lambda key: str(CHANNELS.get(key, key)),
        "action_label": lambda key: str(ACTIONS.get(key, key)),
        "field_label": lambda key: str(FIELDS.get(key, key.replace("_", " "))),
    }
    context["sector_chart"] = charts.bar_chart(
        [(context["sector_label"](key), n) for key, n in context["trace"].by_sector.shown.items()],
        chart_id="trace-sector-chart", title=_("People behind it, by sector"),
        description=_("Groups of fewer than 5 people are not shown, so nobody can be singled out."),
        empty_text=_("No group of 5 people or more."))
    if edit:
        context.update(
            sources_form=forms.get("sources_form") or _sources_form(recommendation, sources=sources),
            split_form=forms.get("split_form") or SplitForm(formdata=None),
            deliverable_form=forms.get("deliverable_form") or _deliverable_form(recommendation),
            action_form=ActionForm(formdata=None),
        )
        if not decide and recommendation.state in ("draft", "in_consultation"):
            state_form = forms.get("state_form") or LeadStateForm(formdata=None)
            state_form.state.data = state_form.state.data or recommendation.state
            state_form.version.data = recommendation.version
            context["state_form"] = state_form
    if decide:
        context["decision_form"] = forms.get("decision_form") or _decision_form(recommendation)
        if recommendation.state != "merged":
            context["merge_form"] = forms.get("merge_form") or _merge_form(recommendation)
    return render_template("recommendations/detail.html", **context), status


@bp.route("/recommendations/<int:recommendation_id>")
def detail(recommendation_id: int):
    recommendation = services.get_recommendation(current_actor(), recommendation_id)
    return _render_detail(recommendation)


# --- drafting and editing --------------------------------------------------------------------

def _content(form: RecommendationForm) -> dict:
    return {"area": form.area.data, "horizon": form.horizon.data, "title_es": form.title_es.data or "",
            "title_en": form.title_en.data or "", "text_es": form.text_es.data or "", "text_en": form.text_en.data or ""}


@bp.route("/recommendations/new", methods=["GET", "POST"])
def new():
    actor = require_actor(current_actor())
    require(permissions.can_create_any(actor))
    editable = services.editable_groups(actor)
    slug = (request.args.get("consultation") or "")[:services.SLUG_MAX] or None
    themes = services.themes_for_picking(slug)
    form = RecommendationForm()
    form.group.choices = [(g.slug, g.name_in(_lang())) for g in editable]
    form.themes.choices = _theme_choices(themes)
    if request.method == "GET":
        chosen = {int_arg(t) for t in request.args.getlist("theme")} - {None}
        form.themes.data = [t.id for t in themes if t.id in chosen]
        if request.args.get("group") in {g.slug for g in editable}:
            form.group.data = request.args.get("group")
    if form.validate_on_submit():
        contributions = _parse_ids(form.contributions.data, form.contributions)
        group = next((g for g in editable if g.slug == form.group.data), None)
        if group is None:
            form.group.errors = list(form.group.errors) + [_("Choose a working group you lead.")]
        elif contributions is not None:
            try:
                recommendation = services.create_recommendation(
                    actor, group, contributions=contributions, themes=form.themes.data or [], **_content(form))
            except ValidationError as error:
                apply_errors(form, error)
            else:
                flash(_("The recommendation is drafted."), "success")
                return redirect(url_for("recommendations.detail", recommendation_id=recommendation.id))
    return render_template("recommendations/form.html", form=form, rec=None, consultation=slug,
                           conflict=None), 422 if form.errors else 200


@bp.route("/recommendations/<int:recommendation_id>/edit", methods=["GET", "POST"])
def edit(recommendation_id: int):
    actor = require_actor(current_actor())
    recommendation = services.get_recommendation(actor, recommendation_id)
    require(permissions.can_edit(actor, recommendation.group_id))
    editable = services.editable_groups(actor)
    if request.method == "GET":
        form = RecommendationForm(obj=recommendation)
        form.group.data = recommendation.group.slug
        form.version.data = recommendation.version
    else:
        form = RecommendationForm()
    form.group.choices = [(g.slug, g.name_in(_lang())) for g in editable]
    # Sources have their own form on the recommendation's page.
    del form.themes, form.contributions
    conflict, status = None, 200
    if form.validate_on_submit():
        group = next((g for g in editable if g.slug == form.group.data), None)
        if group is None:
            form.group.errors = list(form.group.errors) + [_("Choose a working group you lead.")]
        else:
            try:
                services.update_recommendation(actor, recommendation.id, version=int_arg(form.version.data),
                                               group=group, **_content(form))
            except Conflict:
                db.session.rollback()
                conflict = services.get_recommendation(actor, recommendation_id)
                form.version.data = conflict.version
                status = 409
            except ValidationError as error:
                apply_errors(form, error)
            else:
                flash(_("The recommendation is updated."), "success")
                return redirect(url_for("recommendations.detail", recommendation_id=recommendation_id))
    if status == 200 and form.errors:
        status = 422
    return render_template("recommendations/form.html", form=form, rec=recommendation, consultation=None,
                           conflict=conflict), status


# --- what leads and coordinators do to one ---------------------------------------------------

def _refused(recommendation_id: int, error: Exception, form_name: str, form, status: int = 422):
    """Show the recommendation again with the refused form's errors."""
    db.session.rollback()
    actor = current_actor()
    recommendation = services.get_recommendation(actor, recommendation_id)
    messages = []
    if isinstance(error, ValidationError):
        apply_errors(form, error)
        # Errors about no field of this form (a split's parts, say) go to the top of the page.
        messages += [str(m) for m in getattr(form, "form_errors", [])]
        if not error.fields:
            messages.append(error.message)
    else:
        messages.append(getattr(error, "message", str(error)))
    return _render_detail(recommendation, status, errors=messages, **{form_name: form})


@bp.route("/recommendations/<int:recommendation_id>/decision", methods=["POST"])
def decision(recommendation_id: int):
    actor = require_actor(current_actor())
    recommendation = services.get_recommendation(actor, recommendation_id)
    require(permissions.can_decide(actor))
    form = DecisionForm()
    form.state.choices = list(form.state.choices) + ([("merged", "")] if recommendation.state == "merged" else [])
    if not form.validate_on_submit():
        return _render_detail(recommendation, 422, decision_form=form)
    try:
        services.update_recommendation(
            actor, recommendation.id, version=int_arg(form.version.data), state=form.state.data,
            answer_es=form.answer_es.data or "", answer_en=form.answer_en.data or "",
            published=bool(form.published.data))
    except Conflict as error:
        return _refused(recommendation_id, error, "decision_form", form, 409)
    except ValidationError as error:
        return _refused(recommendation_id, error, "decision_form", form)
    flash(_("The decision is saved."), "success")
    return redirect(url_for("recommendations.detail", recommendation_id=recommendation_id))


@bp.route("/recommendations/<int:recommendation_id>/state", methods=["POST"])
def state(recommendation_id: int):
    actor = require_actor(current_actor())
    recommendation = services.get_recommendation(actor, recommendation_id)
    require(permissions.can_edit(actor, recommendation.group_id))
    form = LeadStateForm()
    if not form.validate_on_submit():
        return _render_detail(recommendation, 422, state_form=form)
    try:
        services.update_recommendation(actor, recommendation.id, version=int_arg(form.version.data),
                                       state=form.state.data)
    except Conflict as error:
        return _refused(recommendation_id, error, "state_form", form, 409)
    except ValidationError as error:
        return _refused(recommendation_id, error, "state_form", form)
    flash(_("The state is saved."), "success")
    return redirect(url_for("recommendations.detail", recommendation_id=recommendation_id))


@bp.route("/recommendations/<int:recommendation_id>/sources", methods=["POST"])
def sources(recommendation_id: int):
    actor = require_actor(current_actor())
    recommendation = services.get_recommendation(actor, recommendation_id)
    require(permissions.can_edit(actor, recommendation.group_id))
    form = _sources_form(recommendation, formdata=request.form)
    if not form.validate_on_submit():
        return _render_detail(recommendation, 422, sources_form=form)
    contributions = _parse_ids(form.contributions.data, form.contributions)
    if contributions is None:
        return _render_detail(recommendation, 422, sources_form=form)
    try:
        services.update_recommendation(actor, recommendation.id, contributions=contributions,
                                       themes=form.themes.data or [])
    except ValidationError as error:
        return _refused(recommendation_id, error, "sources_form", form)
    flash(_("The sources are saved."), "success")
    return redirect(url_for("recommendations.detail", recommendation_id=recommendation_id))


@bp.route("/recommendations/<int:recommendation_id>/merge", methods=["POST"])
def merge(recommendation_id: int):
    actor = require_actor(current_actor())
    recommendation = services.get_recommendation(actor, recommendation_id)
    require(permissions.can_decide(actor))
    form = _merge_form(recommendation, formdata=request.form)
    if not form.validate_on_submit():
        return _render_detail(recommendation, 422, merge_form=form)
    try:
        services.merge(actor, recommendation.id, form.into.data, answer_es=form.answer_es.data or "",
                       answer_en=form.answer_en.data or "")
    except (ValidationError, Conflict) as error:
        return _refused(recommendation_id, error, "merge_form", form,
                        409 if isinstance(error, Conflict) else 422)
    flash(_("The recommendation is merged."), "success")
    return redirect(url_for("recommendations.detail", recommendation_id=recommendation_id))


@bp.route("/recommendations/<int:recommendation_id>/split", methods=["POST"])
def split(recommendation_id: int):
    actor = require_actor(current_actor())
    recommendation = services.get_recommendation(actor, recommendation_id)
    require(permissions.can_edit(actor, recommendation.group_id))
    form = SplitForm()
    if not form.validate_on_submit():
        return _render_detail(recommendation, 422, split_form=form)
    lines = [line.strip() for line in (form.titles.data or "").splitlines() if line.strip()]
    if any(len(line) > TITLE_MAX for line in lines):
        form.titles.errors = list(form.titles.errors) + [_("Each title may have at most %(n)s characters.",
                                                            n=TITLE_MAX)]
        return _render_detail(recommendation, 422, split_form=form)
    lang = _lang()
    try:
        children = services.split(actor, recommendation.id, [{f"title_{lang}": line} for line in lines])
    except ValidationError as error:
        return _refused(recommendation_id, error, "split_form", form)
    flash(_("%(n)s new recommendations are drafted from this one.", n=len(children)), "success")
    return redirect(url_for("recommendations.detail", recommendation_id=recommendation_id))


@bp.route("/recommendations/<int:recommendation_id>/deliverables", methods=["POST"])
def link_deliverable(recommendation_id: int):
    actor = require_actor(current_actor())
    recommendation = services.get_recommendation(actor, recommendation_id)
    require(permissions.can_edit(actor, recommendation.group_id))
    form = _deliverable_form(recommendation, formdata=request.form)
    if not form.validate_on_submit():
        return _render_detail(recommendation, 422, deliverable_form=form)
    try:
        services.link_deliverable(actor, recommendation.id, form.deliverable_id.data)
    except ValidationError as error:
        return _refused(recommendation_id, error, "deliverable_form", form)
    flash(_("The deliverable is linked."), "success")
    return redirect(url_for("recommendations.detail", recommendation_id=recommendation_id))


@bp.route("/recommendations/<int:recommendation_id>/deliverables/<int:deliverable_id>/remove", methods=["POST"])
def unlink_deliverable(recommendation_id: int, deliverable_id: int):
    actor = require_actor(current_actor())
    recommendation = services.get_recommendation(actor, recommendation_id)
    require(permissions.can_edit(actor, recommendation.group_id))
    if ActionForm().validate_on_submit():
        try:
            services.unlink_deliverable(actor, recommendation.id, deliverable_id)
        except NotFound:
            db.session.rollback()
            raise
        flash(_("The deliverable is no longer linked."), "success")
    return redirect(url_for("recommendations.detail", recommendation_id=recommendation_id))
