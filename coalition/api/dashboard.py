"""The dashboard's figures: the coalition's (coordinators, admins) or one group's (also its leads)."""
from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate

from coalition.api.common import api_actor, documents_errors
from coalition.api.groups import checked_first, get_group, plain_text, signed_in
from coalition.dashboards import services
from coalition.deliverables.models import HEALTHS, STATUSES
from coalition.templating import group_name

blp = Blueprint("api_dashboard", __name__, url_prefix="/api/v1/dashboard",
                description="The figures the dashboard pages show, for scripts and reports.")

STATUS_EXAMPLE = {"not_started": 3, "in_progress": 12, "in_review": 4, "done": 9, "blocked": 2}
HEALTH_EXAMPLE = {"on_track": 21, "at_risk": 6, "off_track": 3}

StatusCountsSchema = type("StatusCountsSchema", (Schema,), {
    status: fields.Integer(required=True, metadata={"example": STATUS_EXAMPLE.get(status, 0)}) for status in STATUSES})
HealthCountsSchema = type("HealthCountsSchema", (Schema,), {
    health: fields.Integer(required=True, metadata={"example": HEALTH_EXAMPLE.get(health, 0)}) for health in HEALTHS})


class DashboardArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    group = fields.String(validate=[validate.Length(min=1), plain_text], metadata={
        "description": "A working group's slug: that group's figures (its leads may read them too). "
                       "Without it: the whole coalition's (coordinators and admins).",
        "example": "ethics"})
    limit = fields.Integer(load_default=15, validate=validate.Range(min=1, max=100), metadata={
        "description": "How many overdue and stale deliverables to list, at most.", "example": 15})


class GroupProgressSchema(Schema):
    slug = fields.String(required=True, metadata={"example": "ethics"})
    name = fields.String(required=True, metadata={"description": "In the request's language.",
                                                  "example": "Ética de la IA"})
    progress = fields.Integer(required=True, metadata={"description": "Average deliverable progress, 0–100.",
                                                       "example": 46})
    deliverables = fields.Integer(required=True, metadata={"example": 9})


class DashboardDeliverableSchema(Schema):
    id = fields.Integer(required=True, metadata={"example": 4})
    title = fields.String(required=True, metadata={"example": "Guía de evaluación de impacto algorítmico"})
    group = fields.String(required=True, metadata={"example": "ethics"})
    status = fields.String(required=True, validate=validate.OneOf(list(STATUSES)),
                           metadata={"example": "in_progress"})
    progress = fields.Integer(required=True, metadata={"example": 40})
    owner_id = fields.Integer(required=True, metadata={"example": 4})
    owner_name = fields.String(required=True, metadata={"example": "Mario Miembro"})
    due_date = fields.Date(required=True, metadata={"example": "2026-03-31"})
    last_update_at = fields.AwareDateTime(required=True, metadata={"example": "2026-01-10T17:00:00+00:00"})
    url = fields.String(required=True, metadata={"description": "The deliverable's page.",
                                                 "example": "http://127.0.0.1:5000/deliverables/4"})


class DashboardSchema(Schema):
    group = fields.String(required=True, allow_none=True, metadata={
        "description": "The group's slug, or null for the whole coalition.", "example": None})
    progress = fields.List(fields.Nested(GroupProgressSchema), required=True, metadata={
        "description": "Each group's progress (only the chosen group's with `group`)."})
    by_status = fields.Nested(StatusCountsSchema, required=True,
                              metadata={"description": "Deliverables by status; every status is present."})
    by_health = fields.Nested(HealthCountsSchema, required=True,
                              metadata={"description": "Deliverables by health; every health is present."})
    overdue = fields.List(fields.Nested(DashboardDeliverableSchema), required=True, metadata={
        "description": "Past their due date and not done, earliest first, at most `limit`."})
    stale = fields.List(fields.Nested(DashboardDeliverableSchema), required=True, metadata={
        "description": "In progress or in review with no update for 14 days, earliest due first, at most `limit`."})
    total = fields.Integer(required=True, metadata={"description": "How many deliverables.", "example": 30})


def _deliverable(d) -> dict:
    return {
        "id": d.id, "title": d.title, "group": d.group.slug, "status": d.status, "progress": d.progress,
        "owner_id": d.owner_id, "owner_name": d.owner.name if d.owner else "", "due_date": d.due_date,
        "last_update_at": d.last_update_at,
        "url": url_for("deliverables.detail", deliverable_id=d.id, _external=True),
    }


def dashboard_body(board: services.Dashboard) -> dict:
    return {
        "group": board.group.slug if board.group is not None else None,
        "progress": [{"slug": g.slug, "name": group_name(g), "progress": progress, "deliverables": count}
                     for g, progress, count in board.progress],
        "by_status": board.by_status, "by_health": board.by_health,
        "overdue": [_deliverable(d) for d in board.overdue],
        "stale": [_deliverable(d) for d in board.stale],
        "total": board.total,
    }


@blp.route("")
class Dashboard(MethodView):
    @checked_first(signed_in)
    @blp.arguments(DashboardArgsSchema, location="query")
    @blp.response(200, DashboardSchema)
    @documents_errors(blp, 401, 403, 404, 422)
    def get(self, args):
        """The coalition's dashboard figures, or one group's with `?group=<slug>`."""
        actor = api_actor()
        group = get_group(actor, args["group"]) if args.get("group") else None
        return dashboard_body(services.dashboard(actor, group, list_limit=args["limit"]))
