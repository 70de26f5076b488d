"""The home page and the health check."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify, redirect, render_template, url_for

from coalition import redis_store
from coalition.extensions import db
from coalition.home import services
from coalition.transaction import safe_rollback
from coalition.web import current_actor

bp = Blueprint("home", __name__)


@bp.route("/")
def index():
    actor = current_actor()
    if actor is None:
        return redirect(url_for("auth.login"))
    return render_template("home/index.html", home=services.home_for(actor))


def _database_answers() -> bool:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure to reach the database means "not healthy"
        safe_rollback()
        return False
    return True


def _redis_state() -> str:
    client = redis_store.client("health")
    if client is None:
        return "not_configured"
    import redis

    try:
        client.ping()
    except (redis.RedisError, OSError, ValueError):
        return "unavailable"
    return "ok"


@bp.route("/healthz")
def healthz():
    if not _database_answers():
        return jsonify({"status": "unavailable"}), 503
    return jsonify({"status": "ok"})


@bp.route("/readyz")
def readyz():
    """Readiness: the database answers. Redis is reported but not required: without it the app keeps
    working (mail waits for the sweep, the cache is computed), so a load balancer must not drop us."""
    database = "ok" if _database_answers() else "unavailable"
    body = {"status": "ok" if database == "ok" else "unavailable", "database": database, "redis": _redis_state()}
    return jsonify(body), 200 if database == "ok" else 503
