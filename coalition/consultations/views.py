"""Consultation pages: the public list, a consultation with its form, receipts; and, for coordinators,
creating, editing and publishing consultations, their questions and the recommendations up for comment."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from coalition.auth.permissions import require, require_actor
from coalition.consultations import permissions, services
from coalition.consultations.forms import (
    ActionForm, ConsultationForm, PhaseForm, QuestionForm, RecommendationsForm, ResultsForm)
from coalition.consultations.models import AGE_BANDS, CONSULTATION_STATES, PROFILE_SECTORS, PROFILE_STATES
from coalition.consultations.throttle import contribution_limits
from coalition.database import coalition_timezone, coalition_timezone_name
from coalition.errors import Conflict, ValidationError
from coalition.institutions.models import state_label
from coalition.pagination import clamp
from coalition.templating import language
from coalition.web import apply_errors, current_actor

bp = Blueprint("consultations", __name__)

FIRST_YEAR, LAST_YEAR = 2000, 2100
PROFILE_KEYS = ("sector", "state", "institution", "age_band", "gender", "email", "notify", "consent")


# --- dates in the coalition's timezone --------------------------------------------------------

def _to_utc(local: datetime | None) -> datetime | None:
    if local is None or not FIRST_YEAR <= local.year <= LAST_YEAR:
        return None
    return local.replace(tzinfo=coalition_timezone()).astimezone(timezone.utc)


def _to_local(value: datetime) -> datetime:
    return value.astimezone(coalition_timezone()).replace(tzinfo=None)


def _manager():
    actor = require_actor(current_actor())
    require(permissions.can_manage(actor))
    return actor


# --- the public list -------------------------------------------------------------------------

@bp.route("/consultations")
def index():
    actor = current_actor()
    page, per_page = clamp(request.args.get("page"), request.args.get("per_page"))
    result = services.list_consultations(actor, page, per_page)
    return render_template("consultations/index.html", page=result, manage=services.can_manage(actor),
                           STATES=CONSULTATION_STATES)


# --- one consultation and its form -----------------------------------------------------------

def _form_values(form) -> dict:
    """What the person sent, as the service's `data` (SPEC's keys), from the form's inputs."""
    answers, comments = {}, {}
    for key in form:
        if key.startswith("q") and key[1:].isdigit():
            values = form.getlist(key)
            answers[key] = values if len(values) > 1 else values[0]
        elif key.startswith("r") and key[1:].isdigit():
            comments[key[1:]] = form.get(key)
    data = {key: form.get(key) for key in PROFILE_KEYS}
    data[services.HONEYPOT] = form.get(services.HONEYPOT)
    return {**data, "answers": answers, "comments": comments}


def _kept(consultation, data: dict) -> dict:
    """The values to show again in the form: multiple choices as lists of strings."""
    kept = {}
    for question in consultation.questions:
        value = data.get("answers", {}).get(question.name)
        if question.kind == "multiple":
            kept[question.name] = [str(v) for v in (value if isinstance(value, list) else [value] if value else [])]
        else:
            kept[question.name] = value if isinstance(value, str) else ""
    for rec in consultation.recommendations:
        kept[f"r{rec.id}"] = data.get("comments", {}).get(str(rec.id)) or ""
    for key in PROFILE_KEYS:
        kept[key] = data.get(key) or ""
    return kept


def _render_detail(consultation, status: int = 200, values: dict | None = None, errors: dict | None = None,
                   results_form: ResultsForm | None = None):
    actor = current_actor()
    state = consultation.state
    manage = services.can_manage(actor)
    if manage and results_form is None:
        results_form = ResultsForm(formdata=None, obj=consultation)
    return render_template(
        "consultations/detail.html", consultation=consultation, state=state, state_label=CONSULTATION_STATES[state],
        lang=language(), values=values or {}, errors={k: [str(m) for m in (v if isinstance(v, list) else [v])]
                                                        for k, v in (errors or {}).items()},
        sectors=PROFILE_SECTORS, states=[(code, state_label(code)) for code in PROFILE_STATES],
        age_bands=AGE_BANDS, manage=services.can_manage(actor), honeypot=services.HONEYPOT,
        # Errors on inputs the page has are shown beside them; any other (a hand-made request) at the top.
        field_names={q.name for q in consultation.questions} | {f"r{r.id}" for r in consultation.recommendations}
        | set(PROFILE_KEYS),
        results_form=results_form if manage else None, results_closed=state in services.RESULTS_STATES,
        # Who published the results is internal: members see it, the public page does not.
        results_history=services.results_history(consultation) if actor is not None and getattr(
            actor, "is_authenticated", False) else [],
        phase_form=PhaseForm(formdata=None), frozen=services.has_contributions(consultation) if services.can_manage(
            actor) else None), status


def _closed_page(consultation=None):
    return render_template("consultations/closed.html", consultation=consultation), 410


@bp.route("/consultations/<slug>", methods=["GET", "POST"])
@contribution_limits
def detail(slug: str):
    if request.method == "GET":
        return _render_detail(services.get_consultation(current_actor(), slug))
    data = _form_values(request.form)
    try:
        consultation = services.resolve(slug)
        contribution, code = services.submit_contribution(
            consultation, data, channel="online", source=request.remote_addr, language=language())
    except services.ConsultationClosed:
        return _closed_page()
    except services.NotStored as refused:
        return render_template("consultations/thanks.html", reason=refused.reason), 200
    except ValidationError as error:
        from coalition.transaction import safe_rollback

        safe_rollback()
        consultation = services.get_consultation(current_actor(), slug)
        return _render_detail(consultation, 422, _kept(consultation, data), error.fields)
    return redirect(url_for("consultations.receipt", code=code), 303)


@bp.route("/receipts/<code>")
def receipt(code: str):
    found = services.get_receipt(code)
    response = make_response(render_template("consultations/receipt.html", receipt=found, lang=language()))
    _private(response)
    return response


def _private(response):
    # The code in the address is the only key to this page: keep it out of caches, indexes and referrers.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# --- running consultations (coordinators) --------------------------------------------------

def _consultation_form(formdata=None, **kwargs) -> ConsultationForm:
    form = ConsultationForm(formdata=formdata, **kwargs) if formdata is not None else ConsultationForm(**kwargs)
    form.group_ids.choices = [(g.id, g.name_in(language())) for g in services.all_groups()]
    return form


def _values(form: ConsultationForm) -> dict | None:
    opens_at, closes_at = _to_utc(form.opens_at.data), _to_utc(form.closes_at.data)
    for field, value in ((form.opens_at, opens_at), (form.closes_at, closes_at)):
        if value is None:
            field.errors = list(field.errors) + [_("Give a date between the years %(first)s and %(last)s.",
                                                   first=FIRST_YEAR, last=LAST_YEAR)]
    if opens_at is None or closes_at is None:
        return None
    return {"slug": (form.slug.data or "").strip(), "title_es": form.title_es.data, "title_en": form.title_en.data,
            "description_es": form.description_es.data or "", "description_en": form.description_en.data or "",
            "kind": form.kind.data, "opens_at": opens_at, "closes_at": closes_at,
            "group_ids": list(form.group_ids.data or [])}


@bp.route("/consultations/new", methods=["GET", "POST"])
def new():
    actor = _manager()
    form = _consultation_form()
    if form.validate_on_submit():
        values = _values(form)
        if values is not None:
            try:
                consultation = services.create_consultation(actor, **values)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                flash(_("The consultation is saved as a draft. Add its questions, then publish it."), "success")
                return redirect(url_for("consultations.questions", slug=consultation.slug))
    return render_template("consultations/form.html", form=form, consultation=None,
                           zone=coalition_timezone_name()), 422 if form.errors else 200


@bp.route("/consultations/<slug>/edit", methods=["GET", "POST"])
def edit(slug: str):
    actor = _manager()
    consultation = services.get_consultation(actor, slug)
    if request.method == "GET":
        form = _consultation_form(obj=consultation, version=consultation.version)
        form.opens_at.data, form.closes_at.data = _to_local(consultation.opens_at), _to_local(consultation.closes_at)
        form.group_ids.data = [g.id for g in consultation.groups]
    else:
        form = _consultation_form()
    if form.validate_on_submit():
        values = _values(form)
        if values is not None:
            version = int(form.version.data) if (form.version.data or "").isdigit() else None
            try:
                services.update_consultation(actor, consultation, version=version, **values)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                flash(_("The consultation is saved."), "success")
                return redirect(url_for("consultations.detail", slug=consultation.slug))
    return render_template("consultations/form.html", form=form, consultation=consultation,
                           zone=coalition_timezone_name()), 422 if form.errors else 200


@bp.route("/consultations/<slug>/phase", methods=["POST"])
def phase(slug: str):
    actor = _manager()
    consultation = services.get_consultation(actor, slug)
    form = PhaseForm()
    try:
        if not form.validate_on_submit():
            raise ValidationError(fields={"phase": [_("Choose what to do with the consultation.")]})
        services.set_phase(actor, consultation, form.phase.data)
    except ValidationError as error:
        from coalition.transaction import safe_rollback

        safe_rollback()
        for messages in error.fields.values():
            for message in messages if isinstance(messages, list) else [messages]:
                flash(str(message), "error")
        consultation = services.get_consultation(actor, slug)
        return _render_detail(consultation, 422)
    flash(_("The consultation is now “%(state)s”.", state=consultation.state_label), "success")
    return redirect(url_for("consultations.detail", slug=consultation.slug))


@bp.route("/consultations/<slug>/results", methods=["POST"])
def results(slug: str):
    """Publish the consultation's results on the public portal, or take them off (coordinators)."""
    actor = _manager()
    consultation = services.get_consultation(actor, slug)
    form = ResultsForm()
    if form.validate_on_submit():
        version = int(form.version.data) if (form.version.data or "").isdigit() else None
        try:
            services.publish_results(actor, consultation, bool(form.results_published.data), version)
        except Conflict:
            from coalition.transaction import safe_rollback

            safe_rollback()
            consultation = services.get_consultation(actor, slug)
            form.results_published.errors = [_("Someone else changed this consultation meanwhile: check and save again.")]
            form.version.data = consultation.version
            return _render_detail(consultation, 409, results_form=form)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("The results are published on the public portal.") if consultation.results_published
                  else _("The results are no longer on the public portal."), "success")
            return redirect(url_for("consultations.detail", slug=consultation.slug) + "#results")
    return _render_detail(services.get_consultation(actor, slug), 422, results_form=form)


def _questions_page(consultation, form: QuestionForm | None = None, status: int = 200, editing=None):
    return render_template(
        "consultations/questions.html", consultation=consultation, form=form or QuestionForm(formdata=None),
        editing=editing, action_form=ActionForm(formdata=None), lang=language(),
        frozen=services.has_contributions(consultation)), status


@bp.route("/consultations/<slug>/questions", methods=["GET", "POST"])
def questions(slug: str):
    actor = _manager()
    consultation = services.get_consultation(actor, slug)
    if request.method == "GET":
        return _questions_page(consultation)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            services.add_question(actor, consultation, kind=form.kind.data, prompt_es=form.prompt_es.data,
                                  prompt_en=form.prompt_en.data, required=form.required.data,
                                  choices=form.choice_pairs())
        except ValidationError as error:
            apply_errors(form, _question_errors(error))
            consultation = services.get_consultation(actor, slug)
        else:
            flash(_("The question is added."), "success")
            return redirect(url_for("consultations.questions", slug=consultation.slug))
    return _questions_page(consultation, form, 422)


def _question_errors(error: ValidationError) -> ValidationError:
    """The service's `choices` (and `questions`) errors, shown beside the form's choice boxes."""
    fields = dict(error.fields)
    if "choices" in fields:
        fields["choices_es"] = fields.pop("choices")
    return ValidationError(fields=fields)


@bp.route("/consultations/<slug>/questions/<int:question_id>", methods=["GET", "POST"])
def edit_question(slug: str, question_id: int):
    actor = _manager()
    consultation = services.get_consultation(actor, slug)
    question = services.get_question(actor, consultation, question_id)
    if request.method == "GET":
        form = QuestionForm(obj=question)
        form.choices_es.data = "\n".join(c.label_es for c in question.choices)
        form.choices_en.data = "\n".join(c.label_en for c in question.choices)
        return render_template("consultations/question_form.html", consultation=consultation, question=question,
                               form=form)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            services.update_question(actor, consultation, question, kind=form.kind.data,
                                     prompt_es=form.prompt_es.data, prompt_en=form.prompt_en.data,
                                     required=form.required.data, choices=form.choice_pairs())
        except ValidationError as error:
            apply_errors(form, _question_errors(error))
        else:
            flash(_("The question is saved."), "success")
            return redirect(url_for("consultations.questions", slug=consultation.slug))
    return render_template("consultations/question_form.html", consultation=consultation, question=question,
                           form=form), 422


def _question_action(slug: str, question_id: int, action):
    actor = _manager()
    consultation = services.get_consultation(actor, slug)
    question = services.get_question(actor, consultation, question_id)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            action(actor, consultation, question)
        except ValidationError as error:
            from coalition.transaction import safe_rollback

            safe_rollback()
            for messages in error.fields.values():
                for message in messages if isinstance(messages, list) else [messages]:
                    flash(str(message), "error")
            return _questions_page(services.get_consultation(actor, slug), status=422)
    return redirect(url_for("consultations.questions", slug=consultation.slug))


@bp.route("/consultations/<slug>/questions/<int:question_id>/move", methods=["POST"])
def move_question(slug: str, question_id: int):
    direction = request.form.get("direction")
    return _question_action(slug, question_id, lambda actor, c, q: services.move_question(actor, c, q, direction))


@bp.route("/consultations/<slug>/questions/<int:question_id>/delete", methods=["POST"])
def delete_question(slug: str, question_id: int):
    def delete(actor, consultation, question):
        services.delete_question(actor, consultation, question)
        flash(_("The question is deleted."), "success")

    return _question_action(slug, question_id, delete)


@bp.route("/consultations/<slug>/recommendations", methods=["GET", "POST"])
def recommendations(slug: str):
    actor = _manager()
    consultation = services.get_consultation(actor, slug)
    current = [r.id for r in consultation.recommendations]
    candidates = services.commentable_recommendations()
    # Those up for comment first, in their order, then the others.
    listed = {r.id: r for r in candidates}
    listed.update({r.id: r for r in consultation.recommendations})
    ordered = [listed[i] for i in current] + [r for r in candidates if r.id not in current]
    form = RecommendationsForm(formdata=None if request.method == "GET" else request.form)
    form.recommendation_ids.choices = [(r.id, f"#{r.id} · {r.title_in(language())} ({r.group.name_in(language())}, "
                                              f"{r.state_label})") for r in ordered]
    if request.method == "GET":
        form.recommendation_ids.data = current
    elif form.validate_on_submit():
        try:
            services.set_recommendations(actor, consultation, list(form.recommendation_ids.data or []))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("The recommendations up for comment are saved."), "success")
            return redirect(url_for("consultations.detail", slug=consultation.slug))
    return render_template("consultations/recommendations.html", consultation=consultation, form=form,
                           frozen=services.has_contributions(consultation)), 422 if form.errors else 200

