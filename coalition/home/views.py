"""The home page and the health check."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, redirect, render_template, url_for

from coalition.extensions import db
from coalition.home import services
from coalition.web import current_actor

bp = Blueprint("home", __name__)


@bp.route("/")
def index():
    actor = current_actor()
    if actor is None:
        return redirect(url_for("auth.login"))
    return render_template("home/index.html", home=services.home_for(actor))


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception:  # any failure to reach the database means "not healthy"
        db.session.rollback()
        return jsonify({"status": "unavailable"}), 503
    return jsonify({"status": "ok"})
