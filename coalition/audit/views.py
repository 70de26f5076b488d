"""The audit log, for administrators: security events and every recorded change."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from coalition.audit import services
from coalition.pagination import clamp
from coalition.web import current_actor

bp = Blueprint("audit", __name__)


@bp.route("/admin/audit")
def index():
    page, per_page = clamp(request.args.get("page"), request.args.get("per_page"), default_per_page=50)
    family = request.args.get("family") or None
    q = (request.args.get("q") or "").strip()[:100]
    entries = services.list_entries(current_actor(), family=family, q=q or None, page=page, per_page=per_page)
    return render_template("audit/index.html", page=entries, family=family, q=q, families=services.FAMILIES)
