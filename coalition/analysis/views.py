"""Pages of the analysis: a consultation's themes, its coding queue, the search over its contributions,
one contribution (with the hide form) and its figures."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, gettext as _

from coalition.analysis import figures as figures_module
from coalition.analysis import permissions, services
from coalition.analysis.forms import CodingForm, HideForm, ThemeForm, UnhideForm
from coalition.auth.permissions import require, require_actor
from coalition.consultations.models import AGE_BANDS, CHANNELS, MIN_CELL, PROFILE_SECTORS, PROFILE_STATES
from coalition.dashboards import charts
from coalition.errors import NotFound, ValidationError
from coalition.institutions.models import state_label
from coalition.pagination import clamp
from coalition.web import apply_errors, current_actor, int_arg

bp = Blueprint("analysis", __name__)


def _consultation(slug: str):
    return services.get_consultation(require_actor(current_actor()), slug)


# --- themes ----------------------------------------------------------------------------------

def _render_themes(consultation, form, status=200):
    actor = current_actor()
    return render_template("analysis/themes.html", consultation=consultation,
                           rows=services.theme_rows(actor, consultation), form=form,
                           can_keep=permissions.can_keep_themes(actor, consultation)), status


@bp.route("/consultations/<slug>/themes", methods=["GET", "POST"])
def themes(slug: str):
    actor = require_actor(current_actor())
    consultation = _consultation(slug)
    form = ThemeForm()
    if request.method == "POST":
        require(permissions.can_keep_themes(actor, consultation))
        if form.validate_on_submit():
            try:
                services.create_theme(actor, consultation, **_theme_data(form))
            except ValidationError as error:
                apply_errors(form, error)
            else:
                flash(_("The theme is added."), "success")
                return redirect(url_for("analysis.themes", slug=slug))
        return _render_themes(consultation, form, 422)
    return _render_themes(consultation, form)


def _theme_data(form: ThemeForm) -> dict:
    return {name: (getattr(form, name).data or "") for name in ("name_es", "name_en", "description_es",
                                                                 "description_en")}


@bp.route("/consultations/<slug>/themes/<int:theme_id>/edit", methods=["GET", "POST"])
def edit_theme(slug: str, theme_id: int):
    actor = require_actor(current_actor())
    consultation = _consultation(slug)
    theme = services.get_theme(actor, theme_id)
    if theme.consultation_id != consultation.id:
        raise NotFound()
    require(permissions.can_keep_themes(actor, consultation))
    form = ThemeForm(obj=theme)
    if form.validate_on_submit():
        try:
            services.edit_theme(actor, theme.id, **_theme_data(form))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("The theme is saved."), "success")
            return redirect(url_for("analysis.themes", slug=slug))
    return render_template("analysis/theme_form.html", consultation=consultation, theme=theme,
                           form=form), 422 if form.errors else 200


# --- the coding queue ------------------------------------------------------------------------

@bp.route("/consultations/<slug>/coding", methods=["GET", "POST"])
def coding(slug: str):
    actor = require_actor(current_actor())
    consultation = _consultation(slug)
    require(permissions.can_code(actor, consultation))
    group_slug = (request.values.get("group") or "")[:80] or None
    group = services.queue_group(actor, consultation, group_slug)
    form = CodingForm()
    errors: list[str] = []
    if request.method == "POST":
        contribution_id = int_arg(request.form.get("contribution_id"))
        if form.validate_on_submit() and contribution_id is not None:
            if request.form.get("action") != "skip":
                theme_ids = [int_arg(v) for v in request.form.getlist("themes")]
                try:
                    added, removed = services.set_themes(actor, contribution_id, [t for t in theme_ids if t])
                except ValidationError as error:
                    from coalition.transaction import safe_rollback
                    safe_rollback()
                    errors = [str(m) for messages in error.fields.values() for m in messages] or [str(error)]
                else:
                    if added or removed:
                        flash(_("Saved. Here is the next contribution."), "success")
            if not errors:
                args = {"after": contribution_id}
                if group_slug:
                    args["group"] = group_slug
                return redirect(url_for("analysis.coding", slug=slug, **args), 303)
        else:
            errors = [_("This form is out of date. Reload the page and try again.")]
    after = int_arg(request.args.get("after"))
    queue = services.next_in_queue(actor, consultation, group=group, after=after)
    return render_template(
        "analysis/coding.html", consultation=consultation, queue=queue, form=form, errors=errors,
        themes=services.themes_of(consultation), questions={q.id: q for q in services.questions_of(consultation)},
        group_slug=group_slug,
        skip_url=url_for("analysis.coding", slug=slug, **({"group": group_slug} if group_slug else {}),
                         **({"after": queue.contribution.id} if queue.contribution else {})),
    ), 422 if errors else 200


# --- the search and one contribution ----------------------------------------------------------

def _filters(args, can_see_hidden: bool) -> services.SearchFilters:
    """Read the search's filters from the query string; an unknown value is simply not applied."""
    def one_of(name, allowed):
        value = args.get(name) or None
        return value if value in allowed else None

    theme = args.get("theme") or None
    theme = "uncoded" if theme == "uncoded" else int_arg(theme)
    question = int_arg(args.get("question"))
    return services.SearchFilters(
        question=question if question and question <= services.QUESTION_POSITION_MAX else None,
        answer=(args.get("answer") or "").strip()[:services.QUERY_MAX] or None,
        sector=one_of("sector", PROFILE_SECTORS), state=one_of("state", PROFILE_STATES),
        channel=one_of("channel", CHANNELS), age_band=one_of("age_band", AGE_BANDS), theme=theme,
        hidden=one_of("hidden", services.HIDDEN_CHOICES) if can_see_hidden else None,
        q=(args.get("q") or "").strip()[:services.QUERY_MAX].replace("\x00", "") or None)


@bp.route("/consultations/<slug>/contributions")
def contributions(slug: str):
    actor = require_actor(current_actor())
    consultation = _consultation(slug)
    can_see_hidden = permissions.can_see_hidden(actor, consultation)
    filters = _filters(request.args, can_see_hidden)
    page, per_page = clamp(request.args.get("page"), request.args.get("per_page"))
    questions = services.questions_of(consultation)
    themes = services.themes_of(consultation)
    try:
        result = services.search(actor, consultation, filters, page, per_page, questions=questions)
    except ValidationError:
        filters = services.SearchFilters()
        result = services.search(actor, consultation, filters, page, per_page, questions=questions)
    return render_template(
        "analysis/contributions.html", consultation=consultation, page=result, filters=filters,
        questions=questions, questions_by_id={q.id: q for q in questions}, themes=themes,
        themes_by_id={t.id: t for t in themes}, can_see_hidden=can_see_hidden,
        can_code=permissions.can_code(actor, consultation),
        channels=CHANNELS, sectors=PROFILE_SECTORS, states=PROFILE_STATES, age_bands=AGE_BANDS)


def _render_contribution(consultation, contribution, hide_form=None, status=200):
    actor = current_actor()
    themes = services.themes_of(consultation)
    return render_template(
        "analysis/contribution.html", consultation=consultation, contribution=contribution,
        questions={q.id: q for q in services.questions_of(consultation)}, themes_by_id={t.id: t for t in themes},
        can_hide=permissions.can_hide(actor, consultation), can_code=permissions.can_code(actor, consultation),
        hide_form=hide_form or HideForm(formdata=None, reason=contribution.hidden_reason or ""),
        unhide_form=UnhideForm(formdata=None)), status


@bp.route("/consultations/<slug>/contributions/<int:contribution_id>")
def contribution(slug: str, contribution_id: int):
    actor = require_actor(current_actor())
    consultation = _consultation(slug)
    item = services.get_contribution(actor, contribution_id, consultation=consultation)
    return _render_contribution(consultation, item)


@bp.route("/consultations/<slug>/contributions/<int:contribution_id>/hide", methods=["POST"])
def hide(slug: str, contribution_id: int):
    actor = require_actor(current_actor())
    consultation = _consultation(slug)
    item = services.get_contribution(actor, contribution_id, consultation=consultation)
    require(permissions.can_hide(actor, consultation))
    form = HideForm()
    if form.validate_on_submit():
        try:
            services.hide(actor, item.id, form.reason.data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("The contribution is hidden. It is kept, with your reason."), "success")
            return redirect(url_for("analysis.contribution", slug=slug, contribution_id=item.id))
    return _render_contribution(consultation, item, hide_form=form, status=422)


@bp.route("/consultations/<slug>/contributions/<int:contribution_id>/unhide", methods=["POST"])
def unhide(slug: str, contribution_id: int):
    actor = require_actor(current_actor())
    consultation = _consultation(slug)
    item = services.get_contribution(actor, contribution_id, consultation=consultation)
    require(permissions.can_hide(actor, consultation))
    if UnhideForm().validate_on_submit():
        services.unhide(actor, item.id)
        flash(_("The contribution is shown again."), "success")
        return redirect(url_for("analysis.contribution", slug=slug, contribution_id=item.id))
    return _render_contribution(consultation, item, status=400)


# --- figures ---------------------------------------------------------------------------------

def breakdown_label(name: str, key: str) -> str:
    if key == figures_module.NOT_GIVEN:
        return _("Not given")
    vocab = {"channel": CHANNELS, "sector": PROFILE_SECTORS, "age_band": AGE_BANDS}.get(name)
    if vocab is not None:
        return str(vocab.get(key, key))
    if name == "state":
        return state_label(key)
    return key


def breakdown_titles() -> dict[str, str]:
    return {"channel": _("By channel"), "sector": _("By sector"), "state": _("By state"),
            "age_band": _("By age band"), "gender": _("By gender")}


def figure_charts(figures) -> dict:
    """The figures' SVG charts, in the page's language."""
    count = format_decimal
    empty = _("No contributions yet.")
    titles = breakdown_titles()
    result = {"by_day": charts.line_chart(
        figures.by_day, chart_id="chart-by-day", title=_("Contributions by day"),
        description=_("How many contributions arrived each day, in the coalition's timezone."),
        empty_text=empty, value_format=count, y_max=0)}
    for name, breakdown in figures.breakdowns.items():
        result[name] = charts.bar_chart(
            [(breakdown_label(name, key), n) for key, n in breakdown.shown],
            chart_id=f"chart-{name.replace('_', '-')}", title=titles[name],
            description=_("Groups of fewer than %(n)s people are not shown.", n=MIN_CELL),
            empty_text=_("No group reaches %(n)s people yet.", n=MIN_CELL), value_format=count)
    return result


@bp.route("/consultations/<slug>/figures")
def figures(slug: str):
    actor = require_actor(current_actor())
    consultation = _consultation(slug)
    require(permissions.can_read(actor, consultation))
    data = figures_module.consultation_figures(consultation)
    return render_template("analysis/figures.html", consultation=consultation, figures=data,
                           charts=figure_charts(data), titles=breakdown_titles(), label=breakdown_label,
                           min_cell=MIN_CELL)


@bp.context_processor
def _labels():
    return {"PROFILE_SECTORS_LABELS": PROFILE_SECTORS, "CHANNEL_LABELS": CHANNELS}
