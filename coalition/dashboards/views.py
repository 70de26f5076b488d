"""The coordinators' dashboard and each group's dashboard."""
from __future__ import annotations

from flask import Blueprint, render_template

from coalition.dashboards import services
from coalition.groups import services as group_services
from coalition.web import current_actor

bp = Blueprint("dashboards", __name__)


@bp.route("/dashboard")
def coalition():
    actor = current_actor()
    return render_template("dashboards/dashboard.html", board=services.dashboard(actor))


@bp.route("/groups/<slug>/dashboard")
def group(slug: str):
    actor = current_actor()
    group = group_services.get_group(actor, slug)
    return render_template("dashboards/dashboard.html", board=services.dashboard(actor, group))
