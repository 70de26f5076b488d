"""The home page and the health check."""
from __future__ import annotations

import hashlib

import sqlalchemy as sa
from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_babel import get_locale, get_timezone
from markupsafe import Markup

from coalition import redis_store
from coalition.dashboards import cache
from coalition.dashboards import permissions as dashboard_permissions
from coalition.dashboards.tables import describe as describe_activity
from coalition.database import utcnow
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
    at = utcnow()
    stamp = services.stamp(actor, at)
    now = cache.clock(at)
    coalition = dashboard_permissions.can_view_coalition_dashboard(actor)

    def render() -> Markup:
        return Markup(render_template(
            "home/_sections.html", home=services.home_for(actor, now=now), imports=stamp.imports,
            glance=services.glance(actor, now, stamp.newest_contribution, stamp.version) if coalition else None,
            describe=describe_activity, limit=services.DASHBOARD_LIST, shown=services.GLANCE_ITEMS,
            activity_shown=services.ACTIVITY_ITEMS))

    # The sections depend on the person (their deliverables, groups, role), the data version, the clock's
    # step, their pending imports, the newest contribution (coordinators), language and timezone: nothing
    # else, so they are rendered once per change of any of these.
    # The imports by a digest of their ids: an id opens its preview, so it is never written into a key.
    imports = hashlib.sha256(" ".join(i.id for i in stamp.imports).encode()).hexdigest()[:16]
    key = ("home", actor.id, coalition, stamp.newest_contribution if coalition else 0, imports, now.isoformat(),
           get_locale(), get_timezone())
    sections = cache.cached(key, render, at_version=stamp.version)
    return render_template("home/index.html", sections=sections)


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
