"""Deliverable pages: the list, one deliverable with its update form and history, and the editors."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from coalition.auth.permissions import require, require_actor
from coalition.deliverables import permissions, services
from coalition.deliverables.forms import DeleteForm, DeliverableForm, MilestoneForm, PortalForm, UpdateForm
from coalition.deliverables.health import rolled_up_progress
from coalition.deliverables.models import COMPLETIONS, HEALTHS, STATUSES
from coalition.errors import Conflict, ValidationError
from coalition.extensions import db
from coalition.groups import services as group_services
from coalition.institutions.services import institution_choices
from coalition.pagination import clamp
from coalition.recommendations import services as recommendation_services
from coalition.web import apply_errors, current_actor, int_arg

bp = Blueprint("deliverables", __name__)


@bp.route("/deliverables")
def index():
    actor = require_actor(current_actor())
    args = request.args
    page, per_page = clamp(args.get("page"), args.get("per_page"))
    filters = services.DeliverableFilters(
        group=(args.get("group") or None),
        status=args.get("status") if args.get("status") in STATUSES else None,
        health=args.get("health") if args.get("health") in HEALTHS else None,
        owner_id=actor.id if args.get("owner") == "me" else int_arg(args.get("owner")),
        overdue=args.get("overdue") == "true",
        stale=args.get("stale") == "true",
        q=(args.get("q") or "").strip()[:100] or None,
        archived=args.get("archived") in ("1", "true"),
    )
    result = services.list_deliverables(actor, filters, page, per_page)
    views = [services.describe(d) for d in result.items]
    groups = group_services.list_groups(actor)
    return render_template("deliverables/index.html", page=result, views=views, filters=filters,
                           groups=[g.group for g in groups],
                           can_see_archived=permissions.can_see_archived(actor))


def _derived_completion(deliverable) -> str:
    from coalition.portal.completion import completion_of

    return str(COMPLETIONS[completion_of(deliverable.status, deliverable.progress)])


def _portal_form(deliverable, formdata=None) -> PortalForm:
    form = PortalForm(formdata=formdata, obj=deliverable if formdata is None else None,
                      derived_label=_derived_completion(deliverable))
    if formdata is None:
        form.completion_override.data = deliverable.completion_override or ""
        form.version.data = deliverable.version
    return form


def _render_detail(actor, deliverable, form=None, conflict=None, status=200, portal_form=None,
                   portal_conflict=False):
    if form is None:
        form = UpdateForm(formdata=None, obj=deliverable)
        form.version.data = deliverable.version
    can_publish = permissions.can_publish(actor)
    return render_template(
        "deliverables/detail.html",
        view=services.describe(deliverable),
        deliverable=deliverable,
        form=form,
        conflict=conflict,
        history=services.history(actor, deliverable),
        # Issue 13: the recommendations this deliverable carries out.
        recommendations=recommendation_services.carried_out_by(deliverable.id),
        milestone_form=MilestoneForm(formdata=None),
        delete_form=DeleteForm(formdata=None),
        suggested=rolled_up_progress(deliverable.milestones),
        # An archived deliverable is shown as it was: no form changes it until it is restored.
        can_update=not deliverable.archived and permissions.can_post_update(actor, deliverable.group_id),
        can_manage=not deliverable.archived and permissions.can_manage(actor, deliverable.group_id),
        can_restore=deliverable.archived and permissions.can_restore(actor),
        # The public portal: coordinators publish; everyone sees whether it is public and since when.
        can_publish=can_publish,
        portal_form=(portal_form or _portal_form(deliverable)) if can_publish else None,
        portal_conflict=portal_conflict,
        derived_completion=_derived_completion(deliverable), COMPLETIONS=COMPLETIONS,
        publication_history=services.publication_history(deliverable),
    ), status


@bp.route("/deliverables/<int:deliverable_id>", methods=["GET", "POST"])
def detail(deliverable_id: int):
    actor = current_actor()
    deliverable = services.get_deliverable(actor, deliverable_id)
    if request.method == "GET":
        return _render_detail(actor, deliverable)
    require(permissions.can_post_update(actor, deliverable.group_id))
    form = UpdateForm()
    if not form.validate_on_submit() or form.version_number() is None:
        if form.version_number() is None:
            # The page always sends the version it showed; without it a save could overwrite blindly.
            form.version.errors = list(form.version.errors) + [_("Reload the page and try again.")]
        return _render_detail(actor, deliverable, form=form, status=422)
    try:
        services.post_update(actor, deliverable.id, status=form.status.data, progress=form.progress.data,
                             note=form.note.data or "", version=form.version_number())
    except Conflict:
        db.session.rollback()
        current = services.get_deliverable(actor, deliverable_id)
        # Keep what this person typed, but against the version they have now seen.
        form.version.data = current.version
        return _render_detail(actor, current, form=form, conflict=current, status=409)
    except ValidationError as error:
        apply_errors(form, error)
        return _render_detail(actor, services.get_deliverable(actor, deliverable_id), form=form, status=422)
    flash(_("Your update is recorded."), "success")
    return redirect(url_for("deliverables.detail", deliverable_id=deliverable.id))


def _edit_form(group, deliverable=None, formdata=None) -> DeliverableForm:
    form = DeliverableForm(formdata=formdata, obj=deliverable if formdata is None else None)
    people = [(m.user.id, m.user.name) for m in group_services.memberships(group) if m.user.active]
    if deliverable is not None and deliverable.owner_id not in {pid for pid, _name in people}:
        people.append((deliverable.owner_id, deliverable.owner.name))
    form.owner_id.choices = [("", "—")] + sorted(people, key=lambda p: p[1])
    form.institution_ids.choices = institution_choices()
    if deliverable is not None and formdata is None:
        form.institution_ids.data = [i.id for i in deliverable.institutions]
        form.version.data = deliverable.version
    return form


def _form_values(form: DeliverableForm) -> dict:
    return {"title": form.title.data, "description": form.description.data or "", "owner_id": form.owner_id.data,
            "start_date": form.start_date.data, "due_date": form.due_date.data,
            "institution_ids": form.institution_ids.data or []}


@bp.route("/groups/<slug>/deliverables/new", methods=["GET", "POST"])
def create(slug: str):
    actor = current_actor()
    group = group_services.get_group(actor, slug)
    require(permissions.can_manage(actor, group.id))
    form = _edit_form(group, formdata=request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate_on_submit():
        try:
            deliverable = services.create_deliverable(actor, group, **_form_values(form))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("The deliverable is created."), "success")
            return redirect(url_for("deliverables.detail", deliverable_id=deliverable.id))
    return render_template("deliverables/form.html", form=form, group=group, deliverable=None), \
        422 if form.errors else 200


@bp.route("/deliverables/<int:deliverable_id>/edit", methods=["GET", "POST"])
def edit(deliverable_id: int):
    actor = current_actor()
    deliverable = services.get_deliverable(actor, deliverable_id)
    require(permissions.can_manage(actor, deliverable.group_id))
    if deliverable.archived:
        flash(_("This deliverable is archived: restore it before editing it."), "warning")
        return redirect(url_for("deliverables.detail", deliverable_id=deliverable.id))
    form = _edit_form(deliverable.group, deliverable, formdata=request.form if request.method == "POST" else None)
    conflict = None
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.edit_deliverable(actor, deliverable.id, version=int_arg(form.version.data), **_form_values(form))
        except Conflict:
            db.session.rollback()
            conflict = services.get_deliverable(actor, deliverable_id)
            form.version.data = conflict.version
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("deliverables.detail", deliverable_id=deliverable.id))
    status = 409 if conflict else (422 if form.errors else 200)
    return render_template("deliverables/form.html", form=form, group=deliverable.group,
                           deliverable=deliverable, conflict=conflict), status


@bp.route("/deliverables/<int:deliverable_id>/delete", methods=["POST"])
def delete(deliverable_id: int):
    """Deleting archives: the deliverable leaves the lists, and its page and history stay."""
    actor = current_actor()
    if not DeleteForm().validate_on_submit():
        abort(400)
    deliverable = services.archive_deliverable(actor, deliverable_id)
    flash(_("The deliverable is archived: it no longer appears in lists, dashboards or reminders. "
            "Its history is kept, and a coordinator can restore it."), "success")
    return redirect(url_for("groups.detail", slug=deliverable.group.slug))


@bp.route("/deliverables/<int:deliverable_id>/restore", methods=["POST"])
def restore(deliverable_id: int):
    actor = current_actor()
    if not DeleteForm().validate_on_submit():
        abort(400)
    deliverable = services.restore_deliverable(actor, deliverable_id)
    flash(_("The deliverable is restored."), "success")
    return redirect(url_for("deliverables.detail", deliverable_id=deliverable.id))


@bp.route("/deliverables/<int:deliverable_id>/milestones", methods=["POST"])
def add_milestone(deliverable_id: int):
    actor = current_actor()
    deliverable = services.get_deliverable(actor, deliverable_id)
    require(permissions.can_manage(actor, deliverable.group_id))
    form = MilestoneForm()
    if form.validate_on_submit():
        try:
            services.add_milestone(actor, deliverable.id, title=form.title.data, weight=form.weight.data,
                                   progress=form.progress.data, due_date=form.due_date.data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("The milestone is added."), "success")
            return redirect(url_for("deliverables.detail", deliverable_id=deliverable.id) + "#milestones")
    return render_template("deliverables/milestone_error.html", deliverable=deliverable, form=form), 422


@bp.route("/deliverables/<int:deliverable_id>/milestones/<int:milestone_id>", methods=["POST"])
def update_milestone(deliverable_id: int, milestone_id: int):
    actor = current_actor()
    deliverable = services.get_deliverable(actor, deliverable_id)
    require(permissions.can_post_update(actor, deliverable.group_id))
    form = MilestoneForm()
    if form.validate_on_submit():
        try:
            services.update_milestone(actor, deliverable.id, milestone_id, title=form.title.data,
                                      weight=form.weight.data, progress=form.progress.data,
                                      due_date=form.due_date.data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("The milestone is saved."), "success")
            return redirect(url_for("deliverables.detail", deliverable_id=deliverable.id) + "#milestones")
    return render_template("deliverables/milestone_error.html", deliverable=deliverable, form=form), 422


@bp.route("/deliverables/<int:deliverable_id>/milestones/<int:milestone_id>/delete", methods=["POST"])
def delete_milestone(deliverable_id: int, milestone_id: int):
    actor = current_actor()
    if not DeleteForm().validate_on_submit():
        abort(400)
    services.delete_milestone(actor, deliverable_id, milestone_id)
    flash(_("The milestone is removed."), "success")
    return redirect(url_for("deliverables.detail", deliverable_id=deliverable_id) + "#milestones")


@bp.route("/deliverables/<int:deliverable_id>/portal", methods=["POST"])
def portal(deliverable_id: int):
    """Publish the deliverable on the public portal (or take it off), with its summary and completion."""
    actor = current_actor()
    deliverable = services.get_deliverable(actor, deliverable_id)
    require(permissions.can_publish(actor))
    form = _portal_form(deliverable, formdata=request.form)
    if not form.validate_on_submit() or form.version_number() is None:
        if form.version_number() is None:
            form.version.errors = list(form.version.errors) + [_("Reload the page and try again.")]
        return _render_detail(actor, deliverable, portal_form=form, status=422)
    try:
        services.publish(actor, deliverable, public=form.public.data,
                         summary_es=form.public_summary_es.data or "", summary_en=form.public_summary_en.data or "",
                         version=form.version_number())
        # Publishing moved the version on; the completion builds on it.
        services.set_completion(actor, deliverable, override=form.completion_override.data or None,
                                note=form.completion_note.data or "",
                                version=deliverable.version)
    except Conflict:
        db.session.rollback()
        current = services.get_deliverable(actor, deliverable_id)
        form.version.data = current.version
        return _render_detail(actor, current, portal_form=form, portal_conflict=True, status=409)
    except ValidationError as error:
        apply_errors(form, error)
        return _render_detail(actor, services.get_deliverable(actor, deliverable_id), portal_form=form, status=422)
    flash(_("The public portal is updated.") if deliverable.public else _("Saved: it is not on the public portal."),
          "success")
    return redirect(url_for("deliverables.detail", deliverable_id=deliverable.id) + "#portal")
