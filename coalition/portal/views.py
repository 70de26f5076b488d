"""The public portal: the agenda, its progress and the coalition's open data, for anyone.

No login and no cookie (coalition/portal/http.py); every view is wrapped in `public`, which answers
304 when the client's copy is current and otherwise serves the page from the exact cache.
Everything shown is published by a coordinator; anything else is the same 404 as a missing id.
"""
from __future__ import annotations

from flask import Blueprint, render_template, request

from coalition.portal import agenda, feed, instruments, opendata, overview, states
from coalition.portal.http import public

bp = Blueprint("portal", __name__)


# --- home, members, groups (coalition/portal/overview.py) ------------------------------------------

@bp.get("/public")
@public
def home():
    return render_template("portal/home.html", **overview.home())


@bp.get("/public/members")
@public
def members():
    return render_template("portal/members.html", **overview.members(request.args))


@bp.get("/public/groups/<slug>")
@public
def group(slug: str):
    return render_template("portal/group.html", **overview.group(slug))


# --- the agenda, a recommendation, a consultation's results (coalition/portal/agenda.py) ----------

@bp.get("/public/agenda", endpoint="agenda")
@public
def agenda_page():
    return render_template("portal/agenda.html", **agenda.agenda(request.args))


@bp.get("/public/recommendations/<int:recommendation_id>")
@public
def recommendation(recommendation_id: int):
    page = agenda.recommendation(recommendation_id)  # NotFound first: nothing more is read for a hidden one
    return render_template("portal/recommendation.html", **page,
                           taken_up_in=instruments.taken_up_in(page["rec"].id))


@bp.get("/public/consultations/<slug>")
@public
def consultation(slug: str):
    return render_template("portal/consultation.html", **agenda.consultation(slug))


# --- states and policy instruments (coalition/portal/states.py, instruments.py) -----------------

@bp.get("/public/states", endpoint="states")
@public
def states_map():
    return render_template("portal/states.html", **states.states(request.args))


@bp.get("/public/states/<code>")
@public
def state(code: str):
    return render_template("portal/state.html", **states.state(code))


@bp.get("/public/instruments/<int:instrument_id>")
@public
def instrument(instrument_id: int):
    return render_template("portal/instrument.html", **instruments.instrument(instrument_id))


# --- open data, the feed, sitemap and robots (coalition/portal/opendata.py, feed.py) --------------

@bp.get("/public/data")
@public
def data():
    return render_template("portal/data.html", **opendata.page())


@bp.get("/public/data/<name>.<extension>")
@public
def data_file(name: str, extension: str):
    return opendata.download(name, extension)


@bp.get("/public/data/schema/<name>.json")
@public
def schema(name: str):
    return opendata.schema(name)


@bp.get("/public/feed.atom", endpoint="feed")
@public
def feed_atom():
    return feed.atom()


@bp.get("/sitemap.xml")
@public
def sitemap():
    return feed.sitemap()


@bp.get("/robots.txt")
@public
def robots():
    return feed.robots()
