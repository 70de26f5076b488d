"""The dashboard's figures: the coalition's (coordinators, admins) or one group's (also its leads)."""
from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate

from coalition.api.common import api_actor, documents_errors
from coalition.api.common import plain_text
from coalition.api.groups import checked_first, get_group, signed_in
from coalition.dashboards import services
from coalition.deliverables.models import HEALTHS, STATUSES
from coalition.dashboards.tables import describe, percent
from coalition.institutions.models import SECTORS, state_label
from coalition.pagination import MAX_PER_PAGE
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
    sector = fields.String(validate=validate.OneOf(list(SECTORS)), metadata={
        "description": "Only this sector: deliverables by their owner's institution, attendance, institutions, activity.",
        "example": "academia"})
    start = fields.Date(metadata={"description": "First day (Mexico City) of attendance and activity; "
                                                 "default a year ago.", "example": "2026-01-01"})
    end = fields.Date(metadata={"description": "Last day (Mexico City) of attendance and activity; default today.",
                                "example": "2026-12-31"})
    limit = fields.Integer(load_default=15, validate=validate.Range(min=1, max=MAX_PER_PAGE), metadata={
        "description": "How many overdue and stale deliverables to list, at most.", "example": 15})


class GroupProgressSchema(Schema):
    slug = fields.String(required=True, metadata={"example": "ethics"})
    name = fields.String(required=True, metadata={"description": "In the request's language.",
                                                  "example": "Ética de la IA"})
    progress = fields.Integer(required=True, metadata={"description": "Average deliverable progress, 0–100.",
                                                       "example": 46})
    deliverables = fields.Integer(required=True, metadata={"example": 9})
    change_7d = fields.Float(required=True, metadata={
        "description": "Change of the average progress over the last 7 days, in points.", "example": 2.5})
    change_30d = fields.Float(required=True, metadata={
        "description": "Change of the average progress over the last 30 days, in points.", "example": 8.0})


class MeetingItemSchema(Schema):
    id = fields.Integer(required=True, metadata={"example": 3})
    title = fields.String(required=True, metadata={"example": "Sesión ordinaria 4"})
    group = fields.String(required=True, metadata={"example": "ethics"})
    starts_at = fields.AwareDateTime(required=True, metadata={"example": "2026-12-02T17:00:00+00:00"})
    url = fields.String(required=True, metadata={"example": "http://127.0.0.1:5000/meetings/3"})


class RateSchema(Schema):
    attended = fields.Integer(required=True, metadata={"example": 18})
    expected = fields.Integer(required=True, metadata={
        "description": "Invitees whose attendance was recorded (attended, absent or excused).", "example": 24})
    rate = fields.Integer(required=True, allow_none=True, metadata={"description": "Percent; null with no one expected.",
                                                                    "example": 75})


class MonthRateSchema(RateSchema):
    month = fields.String(required=True, metadata={"example": "2026-10"})


class GroupRateSchema(RateSchema):
    group = fields.String(required=True, metadata={"example": "ethics"})


class SectorRateSchema(RateSchema):
    sector = fields.String(required=True, metadata={"example": "academia"})


class InstitutionRateSchema(RateSchema):
    institution_id = fields.Integer(required=True, metadata={"example": 7})
    name = fields.String(required=True, metadata={"example": "Universidad Nacional"})
    sector = fields.String(required=True, metadata={"example": "academia"})


class DashboardAttendanceSchema(Schema):
    by_month = fields.List(fields.Nested(MonthRateSchema), required=True)
    by_group = fields.List(fields.Nested(GroupRateSchema), required=True)
    by_sector = fields.List(fields.Nested(SectorRateSchema), required=True)
    by_institution = fields.List(fields.Nested(InstitutionRateSchema), required=True, metadata={
        "description": "The institutions with the best attendance, at most `limit`."})


SectorCounts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                           metadata={"example": {"academia": 4, "industry": 2}})


class DashboardBalanceSchema(Schema):
    group = fields.String(required=True, metadata={"example": "ethics"})
    institutions = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, metadata={
        "description": "Member institutions per sector.", "example": {"academia": 4, "industry": 2}})
    people = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, metadata={
        "description": "Active people per sector.", "example": {"academia": 6, "industry": 2}})
    attendance = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, metadata={
        "description": "Attendances at held meetings per sector.", "example": {"academia": 12}})
    absent = fields.List(fields.String(), required=True, metadata={"example": ["international"]})
    dominant = fields.List(fields.String(), required=True, metadata={
        "description": "Sectors with over 60 % of the member institutions.", "example": []})


class StateCountSchema(Schema):
    state = fields.String(required=True, metadata={"example": "CMX"})
    name = fields.String(required=True, metadata={"example": "Ciudad de México"})
    institutions = fields.Integer(required=True, metadata={"example": 31})


class InstitutionsSchema(Schema):
    by_state = fields.List(fields.Nested(StateCountSchema), required=True)
    by_sector = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                            metadata={"example": {"academia": 30, "industry": 25}})


class DashboardActivitySchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["update", "member", "meeting"]),
                         metadata={"example": "update"})
    at = fields.AwareDateTime(required=True, metadata={"example": "2026-11-20T16:00:00+00:00"})
    group = fields.String(required=True, metadata={"example": "ethics"})
    text = fields.String(required=True, metadata={"description": "In the request's language.",
                                                  "example": "Ana Pérez actualizó «Guía de evaluación»"})
    url = fields.String(required=True, allow_none=True, metadata={"example": "http://127.0.0.1:5000/deliverables/4"})


class FiltersSchema(Schema):
    sector = fields.String(required=True, allow_none=True, metadata={"example": None})
    start = fields.Date(required=True, allow_none=True, metadata={"example": None})
    end = fields.Date(required=True, allow_none=True, metadata={"example": None})


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
    filters = fields.Nested(FiltersSchema, required=True)
    upcoming_meetings = fields.List(fields.Nested(MeetingItemSchema), required=True)
    meetings_without_minutes = fields.List(fields.Nested(MeetingItemSchema), required=True)
    attendance = fields.Nested(DashboardAttendanceSchema, required=True)
    balance = fields.List(fields.Nested(DashboardBalanceSchema), required=True, metadata={
        "description": "Each group's multi-stakeholder balance."})
    institutions = fields.Nested(InstitutionsSchema, required=True)
    activity = fields.List(fields.Nested(DashboardActivitySchema), required=True)


def dashboard_body(board: services.Dashboard) -> dict:
    slug = {g_id: g.slug for g_id, g in board.groups.items()}

    def deliverable(d) -> dict:
        return {"id": d.id, "title": d.title, "group": slug[d.group_id], "status": d.status, "progress": d.progress,
                "owner_id": d.owner_id, "owner_name": d.owner_name, "due_date": d.due_date,
                "last_update_at": d.last_update_at,
                "url": url_for("deliverables.detail", deliverable_id=d.id, _external=True)}

    def meeting(m) -> dict:
        return {"id": m.id, "title": m.title, "group": slug[m.group_id], "starts_at": m.starts_at,
                "url": url_for("meetings.detail", meeting_id=m.id, _external=True)}

    def rate(attended: int, expected: int) -> dict:
        return {"attended": attended, "expected": expected, "rate": percent(attended, expected)}

    def activity(item) -> dict:
        endpoint = {"update": ("deliverables.detail", "deliverable_id"), "meeting": ("meetings.detail", "meeting_id")}
        url = None
        if item.kind in endpoint and item.link_id:
            name, key = endpoint[item.kind]
            url = url_for(name, _external=True, **{key: item.link_id})
        return {"kind": item.kind, "at": item.at, "group": slug[item.group_id], "text": describe(item), "url": url}

    return {
        "group": board.group.slug if board.group is not None else None,
        "filters": {"sector": board.filters.sector, "start": board.filters.start, "end": board.filters.end},
        "progress": [{"slug": g.slug, "name": group_name(g), "progress": progress, "deliverables": count,
                      "change_7d": board.change.get(g.id, (0.0, 0.0))[0],
                      "change_30d": board.change.get(g.id, (0.0, 0.0))[1]}
                     for g, progress, count in board.progress],
        "by_status": board.by_status, "by_health": board.by_health,
        "overdue": [deliverable(d) for d in board.overdue],
        "stale": [deliverable(d) for d in board.stale],
        "total": board.total,
        "upcoming_meetings": [meeting(m) for m in board.upcoming],
        "meetings_without_minutes": [meeting(m) for m in board.without_minutes],
        "attendance": {
            "by_month": [{"month": m, **rate(a, t)} for m, a, t in board.attendance_by_month],
            "by_group": [{"group": slug[g], **rate(a, t)} for g, (a, t) in board.attendance_by_group.items()],
            "by_sector": [{"sector": s, **rate(a, t)} for s, (a, t) in board.attendance_by_sector.items()],
            "by_institution": [{"institution_id": i, "name": n, "sector": s, **rate(a, t)}
                               for i, n, s, a, t in board.attendance_by_institution],
        },
        "balance": [{"group": slug[b.group_id], "institutions": b.institutions, "people": b.people,
                     "attendance": b.attendance, "absent": b.absent, "dominant": b.dominant} for b in board.balance],
        "institutions": {
            "by_state": [{"state": state, "name": state_label(state), "institutions": n}
                         for state, n in board.institutions_by_state],
            "by_sector": board.institutions_by_sector,
        },
        "activity": [activity(item) for item in board.activity],
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
        filters = services.Filters.parse(args.get("sector"), args.get("start"), args.get("end"))
        return dashboard_body(services.dashboard(actor, group, filters, list_limit=args["limit"]))
