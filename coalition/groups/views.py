"""Working group pages: the six groups, and one group with its people, deliverables and meetings."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from coalition.auth.permissions import require
from coalition.deliverables import permissions as deliverable_permissions
from coalition.deliverables import services as deliverable_services
from coalition.errors import ValidationError
from coalition.groups import permissions, services
from coalition.groups.forms import AddMemberForm, LeadInstitutionsForm, RemoveMemberForm
from coalition.institutions.services import institution_choices
from coalition.meetings import permissions as meeting_permissions
from coalition.meetings import services as meeting_services
from coalition.web import apply_errors, current_actor, int_arg

# The first ones by due date; the page links to the full, filterable list.
GROUP_PAGE_DELIVERABLES = 25

bp = Blueprint("groups", __name__, url_prefix="/groups")


@bp.route("")
def index():
    actor = current_actor()
    return render_template("groups/index.html", summaries=services.list_groups(actor))


def _render_detail(actor, group, add_form=None, status=200):
    memberships = services.memberships(group)
    deliverables = deliverable_services.list_deliverables(
        actor, deliverable_services.DeliverableFilters(group=group.slug), 1, GROUP_PAGE_DELIVERABLES)
    can_manage_members = permissions.can_manage_memberships(actor, group.id)
    if add_form is None and can_manage_members:
        add_form = AddMemberForm(formdata=None)
    person_q = (request.args.get("person_q") or "").strip()[:100]
    if add_form is not None:
        # Up to 200 people by name, or those matching the search: a large coalition is searched, not scrolled.
        add_form.user_id.choices = [("", "—")] + [
            (u.id, f"{u.name} · {u.institution.short_name}" if u.institution else u.name)
            for u in services.candidates_for(group, q=person_q or None)]
    lead_form = None
    if permissions.can_manage_lead_institutions(actor):
        lead_form = LeadInstitutionsForm(formdata=None)
        lead_form.institution_ids.choices = institution_choices()
        lead_form.institution_ids.data = [i.id for i in group.lead_institutions]
    upcoming, past = meeting_services.meetings_of_group(group, upcoming_limit=5, past_limit=5)
    progress = services.progress_by_group().get(group.id, (0, 0))[0]
    return render_template(
        "groups/detail.html", group=group, memberships=memberships,
        institutions=services.member_institutions(group),
        views=[deliverable_services.describe(d) for d in deliverables.items], deliverables_total=deliverables.total,
        upcoming=upcoming, past=past, progress=progress,
        my_role=actor.group_roles().get(group.id),
        add_form=add_form, lead_form=lead_form, person_q=person_q, remove_form=RemoveMemberForm(formdata=None),
        can_manage_members=can_manage_members,
        can_manage_deliverables=deliverable_permissions.can_manage(actor, group.id),
        can_manage_meetings=meeting_permissions.can_manage(actor, group.id),
    ), status


@bp.route("/<slug>")
def detail(slug: str):
    actor = current_actor()
    return _render_detail(actor, services.get_group(actor, slug))


@bp.route("/<slug>/members", methods=["POST"])
def add_member(slug: str):
    actor = current_actor()
    group = services.get_group(actor, slug)
    require(permissions.can_manage_memberships(actor, group.id))
    form = AddMemberForm()
    chosen = int_arg(request.form.get("user_id"))
    # The choice is checked against that one person, whoever was on the page's list.
    form.user_id.choices = [(u.id, u.name) for u in services.candidates_for(group, ids=[chosen] if chosen else [])] + [
        (m.user_id, m.user.name) for m in services.memberships(group)]
    if form.validate_on_submit():
        try:
            services.add_member(actor, group, form.user_id.data, form.role.data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("The person is added to the group."), "success")
            return redirect(url_for("groups.detail", slug=group.slug) + "#people")
    return _render_detail(actor, group, add_form=form, status=422)


@bp.route("/<slug>/members/<int:membership_id>/remove", methods=["POST"])
def remove_member(slug: str, membership_id: int):
    actor = current_actor()
    group = services.get_group(actor, slug)
    if not RemoveMemberForm().validate_on_submit():
        abort(400)
    services.remove_member(actor, group, membership_id)
    flash(_("The person is no longer in the group."), "success")
    return redirect(url_for("groups.detail", slug=group.slug) + "#people")


@bp.route("/<slug>/leads", methods=["POST"])
def set_leads(slug: str):
    actor = current_actor()
    group = services.get_group(actor, slug)
    require(permissions.can_manage_lead_institutions(actor))
    form = LeadInstitutionsForm()
    form.institution_ids.choices = institution_choices()
    if not form.validate_on_submit():
        abort(400)
    services.set_lead_institutions(actor, group, form.institution_ids.data)
    flash(_("The lead institutions are saved."), "success")
    return redirect(url_for("groups.detail", slug=group.slug))
