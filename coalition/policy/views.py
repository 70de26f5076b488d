"""Members' pages of policy uptake: instruments with their stages and uptakes, and the coalition's engagements."""
from __future__ import annotations

from functools import partial

from flask import (
    Blueprint, abort, current_app, flash, get_template_attribute, redirect, render_template, request, url_for)
from flask_babel import gettext as _
from markupsafe import Markup

from coalition.auth.permissions import require, require_actor
from coalition.dashboards import cache as dashboard_cache
from coalition.errors import Conflict, NotFound, ValidationError
from coalition.extensions import db
from coalition.i18n import select_timezone
from coalition.institutions.models import STATES
from coalition.pagination import clamp
from coalition.policy import administrations, permissions, pickers, services
from coalition.policy.forms import (
    EngagementForm, FollowUpForm, InstrumentForm, StageForm, ToggleForm, UptakeForm, VersionForm,
    states_by_name)
from coalition.policy.models import BRANCHES, DEGREES, ENGAGEMENT_KINDS, JURISDICTIONS, KINDS, STAGES
from coalition.states.models import chapter_code
from coalition.templating import language
from coalition.validation import QUERY_MAX
from coalition.web import apply_errors, current_actor, int_arg

bp = Blueprint("policy", __name__)

LABELS = {"KINDS": KINDS, "BRANCHES": BRANCHES, "STAGES": STAGES, "DEGREES": DEGREES,
          "ENGAGEMENT_KINDS": ENGAGEMENT_KINDS, "JURISDICTIONS": JURISDICTIONS,
          "ADMINISTRATIONS": administrations.BY_KEY}


@bp.app_context_processor
def _navigation():
    # base.html links to pages of blueprints that may not be registered yet (the states chapters).
    return {"has_endpoint": lambda endpoint: endpoint in current_app.view_functions}


def _lang() -> str:
    return "en" if language().startswith("en") else "es"


def _choice(value, allowed):
    return value if isinstance(value, str) and value in allowed else None


def _query(args) -> str | None:
    return (args.get("q") or "").strip()[:QUERY_MAX] or None


# --- instruments: the list ---------------------------------------------------------------------

@bp.route("/instruments")
def index():
    actor = require_actor(current_actor())
    args = request.args
    filters = services.InstrumentFilters(
        q=_query(args), kind=_choice(args.get("kind"), KINDS),
        jurisdiction=_choice(args.get("jurisdiction"), (*JURISDICTIONS, *STATES)),
        state=chapter_code(args.get("state")), branch=_choice(args.get("branch"), BRANCHES),
        stage=_choice(args.get("stage"), STAGES), administration=_choice(args.get("administration"),
                                                                         administrations.BY_KEY))
    page, per_page = clamp(args.get("page"), args.get("per_page"))
    result = services.list_instruments(actor, filters, page, per_page)
    filtered = any((filters.q, filters.kind, filters.jurisdiction, filters.state, filters.branch, filters.stage,
                    filters.administration))
    return render_template("policy/index.html", page=result, filters=filters, filtered=filtered, lang=_lang(),
                           can_record=permissions.can_record_somewhere(actor), state_choices=states_by_name(), **LABELS)


# --- one instrument -----------------------------------------------------------------------------

def _uptake_form(formdata=None) -> UptakeForm:
    form = UptakeForm(formdata=formdata)
    form.recommendation_id.choices = [("", "—")] + pickers.recommendations_for_picking(_lang())
    return form


def _instrument_sections(view: services.InstrumentView) -> dict:
    """The stages, uptakes and engagements every member sees alike, rendered once per data version,
    language and timezone (the times in them are the viewer's), and kept in the exact cache."""
    lang = _lang()

    def render():
        services.fill_instrument_body(view)
        recorders = pickers.names_of(stage.recorded_by_id for stage in view.stages)
        macro = partial(get_template_attribute, "policy/_instrument_sections.html")
        return (Markup(macro("stages")(view, recorders)), Markup(macro("uptakes")(view, lang)),
                Markup(macro("engagements")(view)))

    parts = dashboard_cache.cached(("instrument-page", view.instrument.id, lang, select_timezone()), render)
    return dict(zip(("stages", "uptakes", "engagements"), parts))


def _render_instrument(actor, instrument_id, *, status: int = 200, stage_form=None, uptake_form=None):
    view = services.instrument_view(actor, instrument_id, body=False)
    context = {"view": view, "instrument": view.instrument, "lang": _lang(), "sections": _instrument_sections(view),
               "administration": administrations.BY_KEY.get(view.instrument.administration or ""),
               **LABELS}
    if view.can_record:
        context["stage_form"] = stage_form or StageForm(formdata=None)
        context["uptake_form"] = uptake_form or _uptake_form()
    return render_template("policy/instrument.html", **context), status


@bp.route("/instruments/<int:instrument_id>")
def instrument(instrument_id: int):
    return _render_instrument(require_actor(current_actor()), instrument_id)


@bp.route("/instruments/new", methods=["GET", "POST"])
def new_instrument():
    actor = require_actor(current_actor())
    require(permissions.can_record_somewhere(actor))
    form = InstrumentForm()
    if request.method == "GET":
        # `?state=` starts from a chapter's page; a liaison starts from their own state.
        start = chapter_code(request.args.get("state"))
        if start not in STATES or not permissions.can_record(actor, start):
            start = next((code for code in sorted(actor.liaison_states()) if code in STATES), None)
        form.jurisdiction.data = start or "federal"
    if form.validate_on_submit():
        try:
            created = services.create_instrument(actor, **form.values())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("The instrument is recorded. Add its stages below."), "success")
            return redirect(url_for("policy.instrument", instrument_id=created.id))
    return render_template("policy/instrument_form.html", form=form, instrument=None, conflict=None, lang=_lang()), \
        422 if form.errors else 200


@bp.route("/instruments/<int:instrument_id>/edit", methods=["GET", "POST"])
def edit_instrument(instrument_id: int):
    actor = require_actor(current_actor())
    found = services.get_instrument(actor, instrument_id)
    require(permissions.can_record(actor, found.state))
    if request.method == "GET":
        form = InstrumentForm(obj=found)
        form.state.data = found.state if found.jurisdiction == "municipal" else ""
        form.version.data = found.version
    else:
        form = InstrumentForm()
    conflict = None
    if form.validate_on_submit():
        try:
            services.update_instrument(actor, instrument_id, version=int_arg(form.version.data), **form.values())
        except Conflict:
            db.session.rollback()
            conflict = services.get_instrument(actor, instrument_id)
            form.version.data = conflict.version
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("The instrument is saved."), "success")
            return redirect(url_for("policy.instrument", instrument_id=instrument_id))
    status = 409 if conflict else (422 if form.errors else 200)
    return render_template("policy/instrument_form.html", form=form, instrument=conflict or found,
                           conflict=conflict, lang=_lang()), status


@bp.route("/instruments/<int:instrument_id>/stages", methods=["POST"])
def add_stage(instrument_id: int):
    actor = require_actor(current_actor())
    require(permissions.can_record(actor, services.get_instrument(actor, instrument_id).state))
    form = StageForm()
    if form.validate_on_submit():
        try:
            services.add_stage(actor, instrument_id, stage=form.stage.data, on=form.on.data, note=form.note.data or "")
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("The stage is recorded; followers will hear of it."), "success")
            return redirect(url_for("policy.instrument", instrument_id=instrument_id) + "#stages")
    return _render_instrument(actor, instrument_id, status=422, stage_form=form)


@bp.route("/instruments/<int:instrument_id>/uptakes", methods=["POST"])
def link_uptake(instrument_id: int):
    actor = require_actor(current_actor())
    require(permissions.can_record(actor, services.get_instrument(actor, instrument_id).state))
    form = _uptake_form(formdata=request.form)
    if form.validate_on_submit():
        try:
            services.link_uptake(actor, instrument_id, recommendation_id=form.recommendation_id.data,
                                 degree=form.degree.data, evidence_url=form.evidence_url.data or "",
                                 quote=form.quote.data or "")
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("The uptake is recorded, with you as the one who verified it."), "success")
            return redirect(url_for("policy.instrument", instrument_id=instrument_id) + "#uptakes")
    return _render_instrument(actor, instrument_id, status=422, uptake_form=form)


@bp.route("/instruments/<int:instrument_id>/publish", methods=["POST"])
def publish_instrument(instrument_id: int):
    actor = require_actor(current_actor())
    published = ToggleForm().choice()
    if published is None:
        abort(400)
    services.set_instrument_published(actor, instrument_id, published=published)
    flash(_("The instrument is on the public portal.") if published else
          _("The instrument is no longer on the public portal."), "success")
    return redirect(url_for("policy.instrument", instrument_id=instrument_id) + "#portal")


@bp.route("/instruments/<int:instrument_id>/follow", methods=["POST"])
def follow_instrument(instrument_id: int):
    actor = require_actor(current_actor())
    following = ToggleForm().choice()
    if following is None:
        abort(400)
    services.follow(actor, instrument_id=instrument_id, following=following)
    flash(_("You follow this instrument: its stage changes, uptakes and engagements reach you by e-mail.")
          if following else _("You no longer follow this instrument."), "success")
    return redirect(url_for("policy.instrument", instrument_id=instrument_id))


# --- engagements ---------------------------------------------------------------------------------

@bp.route("/engagements")
def engagements():
    actor = require_actor(current_actor())
    args = request.args
    filters = services.EngagementFilters(
        q=_query(args), kind=_choice(args.get("kind"), ENGAGEMENT_KINDS), state=chapter_code(args.get("state")),
        instrument_id=int_arg(args.get("instrument")), upcoming=args.get("upcoming") in ("1", "true"))
    page, per_page = clamp(args.get("page"), args.get("per_page"))
    result = services.list_engagements(actor, filters, page, per_page)
    return render_template(
        "policy/engagements.html", page=result, filters=filters, lang=_lang(), state_choices=states_by_name(),
        representatives=services.representatives_of([e.id for e in result.items]),
        filtered=any((filters.q, filters.kind, filters.state, filters.instrument_id, filters.upcoming)),
        can_record=permissions.can_record_somewhere(actor), **LABELS)


def _engagement_form(formdata=None, obj=None, instrument_id=None) -> EngagementForm:
    form = EngagementForm(formdata=formdata, obj=obj)
    form.institution_ids.choices = pickers.active_institutions_by_state()
    form.instrument_id.choices = [("", "—")] + pickers.instruments_for_picking(_lang(), include=instrument_id)
    return form


@bp.route("/engagements/new", methods=["GET", "POST"])
def new_engagement():
    actor = require_actor(current_actor())
    require(permissions.can_record_somewhere(actor))
    if request.method == "GET":
        # `?instrument=` starts from an instrument's page, `?state=` from a chapter's.
        concerned = None
        if int_arg(request.args.get("instrument")) is not None:
            try:
                concerned = services.get_instrument(actor, int_arg(request.args.get("instrument")))
            except NotFound:
                concerned = None
        form = _engagement_form(instrument_id=concerned.id if concerned else None)
        state = chapter_code(request.args.get("state")) or next(iter(sorted(actor.liaison_states())), None)
        if concerned is not None:
            form.instrument_id.data = concerned.id
            form.jurisdiction.data = concerned.jurisdiction
            form.state.data = concerned.state if concerned.jurisdiction == "municipal" else ""
            form.place.data = concerned.place
        elif state is not None:
            form.jurisdiction.data = state
    else:
        form = _engagement_form(formdata=request.form)
    if form.validate_on_submit():
        try:
            created = services.create_engagement(actor, **form.values())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("The engagement is recorded. A coordinator approves its position before it speaks for the "
                    "coalition."), "success")
            return redirect(url_for("policy.engagement", engagement_id=created.id))
    return render_template("policy/engagement_form.html", form=form, engagement=None, conflict=None), \
        422 if form.errors else 200


def _render_engagement(actor, engagement_id, *, status: int = 200, follow_up_form=None, approve_form=None,
                       conflict: bool = False):
    view = services.engagement_view(actor, engagement_id)
    approve_form = approve_form or VersionForm(formdata=None)
    approve_form.version.data = view.engagement.version
    return render_template(
        "policy/engagement.html", view=view, engagement=view.engagement, lang=_lang(), conflict=conflict,
        follow_up_form=follow_up_form or FollowUpForm(formdata=None), approve_form=approve_form,
        **LABELS), status


@bp.route("/engagements/<int:engagement_id>")
def engagement(engagement_id: int):
    return _render_engagement(require_actor(current_actor()), engagement_id)


@bp.route("/engagements/<int:engagement_id>/edit", methods=["GET", "POST"])
def edit_engagement(engagement_id: int):
    actor = require_actor(current_actor())
    found = services.get_engagement(actor, engagement_id)
    require(permissions.can_record(actor, found.state))
    if request.method == "GET":
        form = _engagement_form(obj=found, instrument_id=found.instrument_id)
        form.state.data = found.state if found.jurisdiction == "municipal" else ""
        form.institution_ids.data = [i.id for i in services.representatives_of([found.id])[found.id]]
        form.version.data = found.version
    else:
        form = _engagement_form(formdata=request.form, instrument_id=found.instrument_id)
    conflict = None
    if form.validate_on_submit():
        try:
            services.update_engagement(actor, engagement_id, version=int_arg(form.version.data), **form.values())
        except Conflict:
            db.session.rollback()
            conflict = services.get_engagement(actor, engagement_id)
            form.version.data = conflict.version
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("The engagement is saved."), "success")
            return redirect(url_for("policy.engagement", engagement_id=engagement_id))
    status = 409 if conflict else (422 if form.errors else 200)
    return render_template("policy/engagement_form.html", form=form, engagement=conflict or found,
                           conflict=conflict), status


@bp.route("/engagements/<int:engagement_id>/approve", methods=["POST"])
def approve(engagement_id: int):
    actor = require_actor(current_actor())
    form = VersionForm()
    try:
        services.approve_position(actor, engagement_id, version=int_arg(form.version.data))
    except Conflict:
        db.session.rollback()
        return _render_engagement(actor, engagement_id, status=409, conflict=True)
    except ValidationError as error:
        apply_errors(form, error)
        return _render_engagement(actor, engagement_id, status=422, approve_form=form)
    flash(_("The position is approved: it is now the coalition's voice."), "success")
    return redirect(url_for("policy.engagement", engagement_id=engagement_id) + "#position")


@bp.route("/engagements/<int:engagement_id>/publish", methods=["POST"])
def publish_engagement(engagement_id: int):
    actor = require_actor(current_actor())
    published = ToggleForm().choice()
    if published is None:
        abort(400)
    services.set_engagement_published(actor, engagement_id, published=published)
    flash(_("The engagement is on the public portal.") if published else
          _("The engagement is no longer on the public portal."), "success")
    return redirect(url_for("policy.engagement", engagement_id=engagement_id))


@bp.route("/engagements/<int:engagement_id>/follow-ups", methods=["POST"])
def add_follow_up(engagement_id: int):
    actor = require_actor(current_actor())
    require(permissions.can_record(actor, services.get_engagement(actor, engagement_id).state))
    form = FollowUpForm()
    if form.validate_on_submit():
        try:
            services.add_follow_up(actor, engagement_id, text=form.text.data, due_on=form.due_on.data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("The follow-up is added."), "success")
            return redirect(url_for("policy.engagement", engagement_id=engagement_id) + "#follow-ups")
    return _render_engagement(actor, engagement_id, status=422, follow_up_form=form)


@bp.route("/engagements/<int:engagement_id>/follow-ups/<int:follow_up_id>/done", methods=["POST"])
def follow_up_done(engagement_id: int, follow_up_id: int):
    actor = require_actor(current_actor())
    view = services.engagement_view(actor, engagement_id)
    # A follow-up of another engagement is not found here.
    if follow_up_id not in {f.id for f in view.follow_ups}:
        raise NotFound()
    services.complete_follow_up(actor, follow_up_id)
    flash(_("The follow-up is done."), "success")
    return redirect(url_for("policy.engagement", engagement_id=engagement_id) + "#follow-ups")
