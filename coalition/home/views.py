"""The home page and the health check."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, redirect, render_template, url_for

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


@bp.route("/readyz")
def readyz():
    """Readiness: the database answers, and Redis too when one is configured (a load balancer
    sends no traffic to a web process that cannot work). `/healthz` stays the liveness check."""
    checks = {"database": "ok"}
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception:  # any failure to reach the database
        db.session.rollback()
        checks["database"] = "unavailable"
    url = current_app.config.get("REDIS_URL")
    if url:
        import redis

        try:
            redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
            checks["redis"] = "ok"
        except redis.RedisError:
            checks["redis"] = "unavailable"
    ready = all(value == "ok" for value in checks.values())
    return jsonify({"status": "ready" if ready else "unavailable", **checks}), 200 if ready else 503
