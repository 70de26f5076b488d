"""Institution pages: the searchable list, one institution, and the create/edit form."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from coalition.auth.permissions import require, require_actor
from coalition.errors import ValidationError
from coalition.institutions import permissions, services
from coalition.institutions.forms import InstitutionForm, ListingForm
from coalition.institutions.models import ABROAD, SECTORS, STATES
from coalition.pagination import clamp
from coalition.web import apply_errors, current_actor

bp = Blueprint("institutions", __name__, url_prefix="/institutions")


@bp.route("")
def index():
    actor = current_actor()
    page, per_page = clamp(request.args.get("page"), request.args.get("per_page"))
    sector = request.args.get("sector")
    state = request.args.get("state")
    filters = services.InstitutionFilters(
        q=(request.args.get("q") or "").strip()[:100] or None,
        sector=sector if sector in SECTORS else None,
        state=state if state in STATES or state == ABROAD else None,
    )
    result = services.list_institutions(actor, filters, page, per_page)
    return render_template("institutions/index.html", page=result, filters=filters,
                           can_manage=permissions.can_manage_institutions(actor))


def _render_detail(actor, institution, listing_form=None, status: int = 200):
    can_list = permissions.can_set_listed(actor, institution)
    if listing_form is None and can_list:
        listing_form = ListingForm(formdata=None, obj=institution)
    return render_template("institutions/detail.html", institution=institution,
                           people=services.people_of(institution), groups=services.groups_of(institution),
                           can_manage=permissions.can_manage_institutions(actor),
                           listing_form=listing_form if can_list else None,
                           listing_history=services.listing_history(institution)), status


@bp.route("/<int:institution_id>")
def detail(institution_id: int):
    actor = current_actor()
    return _render_detail(actor, services.get_institution(actor, institution_id))


@bp.route("/<int:institution_id>/listing", methods=["POST"])
def listing(institution_id: int):
    """Name the institution on the public portal, or stop naming it (its own people or a coordinator)."""
    actor = current_actor()
    institution = services.get_institution(actor, institution_id)
    require(permissions.can_set_listed(actor, institution))
    form = ListingForm()
    if form.validate_on_submit():
        try:
            services.set_listed(actor, institution, bool(form.listed.data))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("The institution is listed on the public portal.") if institution.listed
                  else _("The institution is not listed on the public portal."), "success")
            return redirect(url_for("institutions.detail", institution_id=institution.id) + "#listing")
    return _render_detail(actor, services.get_institution(actor, institution_id), listing_form=form, status=422)


def _values(form: InstitutionForm) -> dict:
    return {name: getattr(form, name).data for name in services.FIELDS}


@bp.route("/new", methods=["GET", "POST"])
def create():
    actor = require_actor(current_actor())
    require(permissions.can_manage_institutions(actor))
    form = InstitutionForm()
    if form.validate_on_submit():
        try:
            institution = services.create_institution(actor, **_values(form))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("The institution is added."), "success")
            return redirect(url_for("institutions.detail", institution_id=institution.id))
    return render_template("institutions/form.html", form=form, institution=None), 422 if form.errors else 200


@bp.route("/<int:institution_id>/edit", methods=["GET", "POST"])
def edit(institution_id: int):
    actor = current_actor()
    institution = services.get_institution(actor, institution_id)
    require(permissions.can_manage_institutions(actor))
    form = InstitutionForm(obj=institution if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.edit_institution(actor, institution.id, **_values(form))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("institutions.detail", institution_id=institution.id))
    return render_template("institutions/form.html", form=form, institution=institution), \
        422 if form.errors else 200
