"""State chapter pages: the map of Mexico with every chapter's counts, one chapter, following it, and its
liaisons (SPEC "States and policy uptake": `/states`, `/states/<code>`)."""
from __future__ import annotations

import hashlib

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from markupsafe import Markup

from coalition.auth.permissions import require, require_actor
from coalition.consultations.models import MIN_CELL, Contribution
from coalition.extensions import db
from coalition.dashboards import cache as dashboard_cache
from coalition.database import coalition_today
from coalition.errors import ValidationError
from coalition.institutions.models import ABROAD
from coalition.pagination import clamp
from coalition.policy import services as policy_services
from coalition.states import chapters, permissions, services
from coalition.states import map as state_map
from coalition.states.forms import FollowForm, LiaisonForm, RemoveLiaisonForm
from coalition.states.models import CHAPTERS, state_label
from coalition.validation import QUERY_MAX
from coalition.web import apply_errors, current_actor

bp = Blueprint("states", __name__, url_prefix="/states")

DEFAULT_MEASURE = "members"


def _map_counts(counts: dict, measure: str) -> dict:
    """Each chapter's figure the map shades by: member institutions, contributions or instruments."""
    if measure == "contributions":
        return {code: row.contributions for code, row in counts.items()}
    if measure == "instruments":
        return {code: row.instruments for code, row in counts.items()}
    return {code: row.institutions for code, row in counts.items()}  # members, and members per million


def _detail_href(code: str) -> str:
    return url_for("states.detail", code=code)


@bp.route("")
def index():
    actor = require_actor(current_actor())
    require(permissions.can_read(actor))
    measure = request.args.get("measure")
    measure = measure if measure in state_map.MEASURES else DEFAULT_MEASURE

    def render():
        counts = services.chapter_counts()
        figure = state_map.figure(_map_counts(counts, measure), measure=measure, href=_detail_href)
        return Markup(render_template("states/_index_body.html", figure=figure, measure=measure,
                                      measures=state_map.MEASURES, chapters=[counts[code] for code in CHAPTERS],
                                      min_cell=MIN_CELL))

    body = dashboard_cache.cached(("states-map", measure, *_cache_parts()), render)
    return render_template("states/index.html", body=body)


def _cache_parts() -> tuple:
    """What a cached part of these pages depends on besides the data version: the language, the query (its
    links repeat it; hashed, so a key stays short) and the newest contribution (a new one does not move the
    data version: see dashboards/cache.py)."""
    newest = db.session.scalar(sa.select(sa.func.max(Contribution.id))) or 0
    return str(get_locale()), hashlib.sha256(request.query_string).hexdigest()[:16], newest


def _page(name: str) -> int:
    return clamp(request.args.get(name), None)[0]


def _chapter_body(chapter, pages: dict) -> tuple[Markup, Markup]:
    """The figures and the sections every member sees alike, rendered once per data version, language,
    day (upcoming events turn past) and page, and kept in the exact cache."""
    today = coalition_today()

    def render():
        chapters.fill_body(chapter, today=today, **pages)
        context = {"chapter": chapter, "min_cell": MIN_CELL, "fewer": chapters.FEWER_THAN_MIN, "abroad": ABROAD}
        return (Markup(render_template("states/_chapter_figures.html", **context)),
                Markup(render_template("states/_chapter_body.html", **context)))

    return tuple(dashboard_cache.cached(("state-chapter", chapter.code, today.isoformat(), *_cache_parts()),
                                        render))


def _render_detail(actor, code, liaison_form=None, status: int = 200):
    chapter = chapters.chapter_view(actor, code, body=False)
    figures, body = _chapter_body(chapter, {
        "people_page": _page("people_page"), "instruments_page": _page("instruments_page"),
        "uptakes_page": _page("uptakes_page"), "engagements_page": _page("engagements_page")})
    person_q = (request.args.get("person_q") or "").strip()[:QUERY_MAX]
    if chapter.can_appoint:
        if liaison_form is None:
            liaison_form = LiaisonForm(formdata=None)
        # Up to CANDIDATES_LIMIT people by name, or those matching the search.
        liaison_form.user_id.choices = [("", "—")] + [
            (person.id, person.label) for person in chapters.liaison_candidates(chapter.code, q=person_q or None)]
    return render_template(
        "states/detail.html", chapter=chapter, figures=figures, body=body, liaison_form=liaison_form if chapter.can_appoint else None,
        person_q=person_q, follow_form=FollowForm(formdata=None, data={"following": "0" if chapter.following else "1"}), remove_form=RemoveLiaisonForm(formdata=None),
        min_cell=MIN_CELL, fewer=chapters.FEWER_THAN_MIN, abroad=ABROAD,
        candidates_limit=chapters.CANDIDATES_LIMIT), status


@bp.route("/<code>")
def detail(code: str):
    actor = current_actor()
    state = chapters.get_chapter(actor, code)
    # Links built from the URL (pages, searches) name the chapter as it is spelled: `jal` and `JAL` are one page.
    request.view_args["code"] = state
    return _render_detail(actor, state)


@bp.route("/<code>/follow", methods=["POST"])
def follow(code: str):
    """Follow the chapter (be told of its stage changes, uptakes and engagements), or stop."""
    actor = current_actor()
    state = chapters.get_chapter(actor, code)
    form = FollowForm()
    if not form.validate_on_submit():
        abort(400)
    following = policy_services.follow(actor, state=state, following=form.following.data == "1")
    name = state_label(state)
    flash(_("You follow %(state)s: you will hear of its instruments and engagements.", state=name) if following
          else _("You no longer follow %(state)s.", state=name), "success")
    return redirect(url_for("states.detail", code=state))


@bp.route("/<code>/liaisons", methods=["POST"])
def appoint_liaison(code: str):
    """Name a liaison of the state: a person chosen from the list or found by e-mail address."""
    actor = current_actor()
    state = chapters.get_chapter(actor, code)
    require(permissions.can_appoint_liaisons(actor))
    form = LiaisonForm()
    form.user_id.choices = [("", "—")]
    if form.validate_on_submit():
        try:
            user_id = form.user_id.data
            if user_id is None:
                user_id = chapters.person_by_email(form.email.data).id
            liaison = services.appoint_liaison(actor, state=state, user_id=user_id)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(_("%(person)s is now a liaison of %(state)s.", person=liaison.user.name,
                    state=state_label(state)), "success")
            return redirect(url_for("states.detail", code=state) + "#liaisons")
    return _render_detail(actor, state, liaison_form=form, status=422)


@bp.route("/<code>/liaisons/<int:user_id>/remove", methods=["POST"])
def remove_liaison(code: str, user_id: int):
    actor = current_actor()
    state = chapters.get_chapter(actor, code)
    require(permissions.can_appoint_liaisons(actor))
    if not RemoveLiaisonForm().validate_on_submit():
        abort(400)
    services.remove_liaison(actor, state=state, user_id=user_id)
    flash(_("The person is no longer a liaison of %(state)s.", state=state_label(state)), "success")
    return redirect(url_for("states.detail", code=state) + "#liaisons")

