"""Meetings of the working groups, their attendance, minutes, decisions and action items.

Every endpoint calls the same services as the meeting pages (`coalition.meetings.services`), so the
rules are the same: every logged-in person reads every group's meetings; the group's leads,
coordinators and admins schedule, edit, cancel and record them.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timezone

import sqlalchemy as sa
from flask import request, url_for
from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as SchemaError

from coalition.api.common import refuse_too_deep_json
from coalition.api.common import (
    ID_RANGE, PageArgsSchema, api_actor, documents_errors, page_body, page_of, plain_text)
from coalition.api.common import text as _text
from coalition.auth.permissions import require
from coalition.errors import Conflict, NotFound, ValidationError
from coalition.extensions import db
from coalition.groups import services as group_services
from coalition.institutions.models import SECTORS
from coalition.meetings import services
from coalition.groups.models import GROUP_SLUGS, SLUG_MAX
from coalition.meetings.models import (
    ATTENDANCE_BATCH_MAX, ATTENDANCE_STATUSES, DURATION_MAX, DURATION_MIN, FIRST_YEAR, ITEM_MAX, LAST_YEAR,
    LOCATION_MAX, MEETING_STATUSES, TEXT_MAX, TITLE_MAX, MinutesRevision)
from coalition.validation import QUERY_MAX
from coalition.pagination import Page

blp = Blueprint("api_meetings", __name__, url_prefix="/api/v1/meetings",
                description="Meetings of the working groups: scheduling, attendance, minutes, decisions and "
                            "action items. Everyone logged in reads every group's meetings; the group's leads, "
                            "coordinators and admins run them.")




@blp.before_request
def _check_access_first():
    """Answer 401, then 404, then 403 before the body is read, so a 422 is only ever about the body.

    The services check all of this again; this only puts the answers in the order a client expects.
    """
    actor = api_actor()
    refuse_too_deep_json()
    meeting_id = (request.view_args or {}).get("meeting_id")
    if meeting_id is None:
        return
    meeting = services.get_meeting(actor, meeting_id)
    item_id = request.view_args.get("item_id")
    if item_id is not None and not any(item.id == item_id for item in meeting.action_items):
        raise NotFound()
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        require(services.can_manage(actor, meeting))


# --- field helpers ---------------------------------------------------------------------------

def _in_years(first: int, last: int):
    def check(value) -> None:
        if not first <= value.year <= last:
            raise SchemaError(str(_l("Give a date between the years %(first)s and %(last)s.", first=first, last=last)))
    return check


class StrictBoolean(fields.Boolean):
    """JSON `true` or `false` only: no "yes", no 1."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


_PLUS_AS_SPACE = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?) (\d{2}:?\d{2})$")


class DayOrAwareDateTime(fields.String):
    """An ISO 8601 date-time with its UTC offset, or a plain date YYYY-MM-DD.

    A plain date means the start of that day in UTC (`end_of_day=False`) or its last instant (`True`).
    """

    default_error_messages = {
        "invalid": "Give a date (YYYY-MM-DD) or a date and time with its UTC offset "
                   "(YYYY-MM-DDTHH:MM:SS+00:00).",
        "range": "Give a date between the years {first} and {last}.",
    }

    def __init__(self, *, end_of_day: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.end_of_day = end_of_day

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or len(value) > 40:
            raise self.make_error("invalid")
        text = value.strip()
        first, last = FIRST_YEAR - 1, LAST_YEAR + 1
        if len(text) == 10:
            try:
                day = date.fromisoformat(text)
            except ValueError:
                raise self.make_error("invalid") from None
            if not first <= day.year <= last:
                raise self.make_error("range", first=first, last=last)
            if self.end_of_day:
                return datetime.combine(day, time.max, tzinfo=timezone.utc)
            return datetime.combine(day, time.min, tzinfo=timezone.utc)
        # An unencoded "+" in a query string arrives as a space: read "10:00:00 06:00" as "10:00:00+06:00".
        text = _PLUS_AS_SPACE.sub(r"\1+\2", text)
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise self.make_error("invalid") from None
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise self.make_error("invalid")
        if not first <= moment.year <= last:
            raise self.make_error("range", first=first, last=last)
        return moment


STARTS_AT_YEARS = _in_years(FIRST_YEAR, LAST_YEAR)
MEETING_STATUS = validate.OneOf(list(MEETING_STATUSES))
ATTENDANCE_STATUS = validate.OneOf(list(ATTENDANCE_STATUSES))


# --- schemas: what the API returns ---------------------------------------------------------

class MeetingSchema(Schema):
    id = fields.Integer(required=True, metadata={"example": 12})
    group = fields.String(required=True, metadata={"description": "The working group's slug.", "example": "ethics"})
    title = fields.String(required=True, metadata={"example": "Sesión ordinaria de marzo"})
    starts_at = fields.AwareDateTime(required=True, metadata={
        "description": "ISO 8601 in UTC.", "example": "2031-03-04T16:00:00+00:00"})
    ends_at = fields.AwareDateTime(required=True, metadata={"example": "2031-03-04T17:30:00+00:00"})
    duration_minutes = fields.Integer(required=True, metadata={"example": 90})
    location = fields.String(required=True, metadata={
        "description": "A place, or an online link (http/https).", "example": "https://meet.example.org/etica"})
    agenda = fields.String(required=True, metadata={
        "description": "Markdown.", "example": "1. Bienvenida\n2. Avance de entregables"})
    minutes = fields.String(required=True, allow_none=True, metadata={
        "description": "The current text of the minutes (Markdown), or null when none were written.",
        "example": "Se acordó publicar la guía en abril."})
    minutes_published_at = fields.AwareDateTime(required=True, allow_none=True, metadata={
        "description": "When the minutes were published (then locked); null while they are a draft.",
        "example": "2031-03-06T15:00:00+00:00"})
    status = fields.String(required=True, validate=MEETING_STATUS, metadata={"example": "scheduled"})
    organiser_id = fields.Integer(required=True, allow_none=True, metadata={"example": 3})
    version = fields.Integer(required=True, metadata={
        "description": "Send it back in PATCH; it grows with every change.", "example": 2})
    ical_uid = fields.String(required=True, metadata={"example": "0b6f7c1e-3a0d-4e7a-9d43-3f1c2b9a8e10@coalition"})
    ical_sequence = fields.Integer(required=True, metadata={
        "description": "iCalendar SEQUENCE: grows when the meeting moves or is cancelled.", "example": 1})
    created_at = fields.AwareDateTime(required=True, metadata={"example": "2031-02-20T17:12:09+00:00"})
    url = fields.String(required=True, metadata={
        "description": "The meeting's page.", "example": "https://coalition.example.org/meetings/12"})
    ics_url = fields.String(required=True, metadata={
        "description": "The meeting as an iCalendar file (needs a logged-in browser session).",
        "example": "https://coalition.example.org/meetings/12.ics"})


class AttendanceSchema(Schema):
    user_id = fields.Integer(required=True, metadata={"example": 7})
    name = fields.String(required=True, metadata={"example": "María López"})
    institution_id = fields.Integer(required=True, allow_none=True, metadata={
        "description": "The institution the person represented at the meeting.", "example": 21})
    institution_name = fields.String(required=True, allow_none=True, metadata={"example": "Universidad de Guadalajara"})
    institution_acronym = fields.String(required=True, allow_none=True, metadata={"example": "UdeG"})
    sector = fields.String(required=True, allow_none=True, validate=validate.OneOf(list(SECTORS)),
                           metadata={"example": "academia"})
    status = fields.String(required=True, validate=ATTENDANCE_STATUS, metadata={"example": "attended"})


class AttendanceSummarySchema(Schema):
    total = fields.Integer(required=True, metadata={"example": 14})
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, metadata={
        "example": {"invited": 2, "attended": 10, "absent": 1, "excused": 1}})
    attended_by_sector = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, metadata={
        "description": "People who attended, by their institution's sector.",
        "example": {"academia": 5, "industry": 3, "government": 2}})
    attended_without_institution = fields.Integer(required=True, metadata={"example": 0})


class AttendanceListSchema(page_of(AttendanceSchema)):
    summary = fields.Nested(AttendanceSummarySchema, required=True, metadata={
        "description": "Counts over every invitee, not only this page."})


class AttendanceResultSchema(Schema):
    items = fields.List(fields.Nested(AttendanceSchema), required=True, metadata={
        "description": "The rows you sent, as they are now."})
    changed = fields.List(fields.Integer(), required=True, metadata={
        "description": "The user ids whose status changed.", "example": [7]})


class MinutesRevisionSchema(Schema):
    id = fields.Integer(required=True, metadata={"example": 31})
    body = fields.String(required=True, metadata={"example": "## Acuerdos\n\n- Publicar la guía en abril."})
    author_id = fields.Integer(required=True, allow_none=True, metadata={"example": 3})
    author_name = fields.String(required=True, allow_none=True, metadata={"example": "Ana Pérez"})
    created_at = fields.AwareDateTime(required=True, metadata={"example": "2031-03-04T18:05:00+00:00"})


class MinutesListSchema(page_of(MinutesRevisionSchema)):
    published_at = fields.AwareDateTime(required=True, allow_none=True, metadata={
        "description": "When the minutes were published; from then on they cannot change; null for a draft.",
        "example": None})


class DecisionSchema(Schema):
    id = fields.Integer(required=True, metadata={"example": 5})
    text = fields.String(required=True, metadata={"example": "Se aprueba el calendario de consultas regionales."})
    author_id = fields.Integer(required=True, allow_none=True, metadata={"example": 3})
    created_at = fields.AwareDateTime(required=True, metadata={"example": "2031-03-04T17:40:00+00:00"})


class ActionItemSchema(Schema):
    id = fields.Integer(required=True, metadata={"example": 8})
    text = fields.String(required=True, metadata={"example": "Enviar la minuta a los miembros"})
    assignee_id = fields.Integer(required=True, allow_none=True, metadata={"example": 7})
    assignee_name = fields.String(required=True, allow_none=True, metadata={"example": "María López"})
    due_date = fields.Date(required=True, allow_none=True, metadata={"example": "2031-03-11"})
    done = fields.Boolean(required=True, metadata={"example": False})
    created_at = fields.AwareDateTime(required=True, metadata={"example": "2031-03-04T17:45:00+00:00"})


# --- schemas: what the API accepts ---------------------------------------------------------

class MeetingListArgsSchema(PageArgsSchema):
    group = fields.String(validate=[validate.Length(max=SLUG_MAX), plain_text], metadata={
        "description": "A working group's slug.", "example": "ethics"})
    status = fields.String(validate=MEETING_STATUS, metadata={"example": "scheduled"})
    starts_from = DayOrAwareDateTime(data_key="from", metadata={
        "description": "Meetings starting at or after this instant: an ISO 8601 date-time with its UTC offset "
                       "(encode `+` as `%2B`; an unencoded one, read as a space, is understood too), "
                       "or a plain date YYYY-MM-DD meaning 00:00 UTC that day.",
        "example": "2031-03-01"})
    starts_to = DayOrAwareDateTime(data_key="to", end_of_day=True, metadata={
        "description": "Meetings starting at or before this instant: an ISO 8601 date-time with its UTC offset, "
                       "or a plain date YYYY-MM-DD meaning the end of that day (23:59:59.999999 UTC).",
        "example": "2031-03-31T23:59:59-06:00"})
    q = _text(QUERY_MAX, metadata={"description": "Words in the title.", "example": "consulta"})


class MeetingCreateSchema(Schema):
    group = fields.String(required=True, validate=[validate.Length(min=1, max=SLUG_MAX), plain_text], metadata={
        "enum": list(GROUP_SLUGS), "description": "The working group's slug (another is a 422).",
        "example": "ethics"})
    title = _text(TITLE_MAX, required=True, min_length=1,
                  metadata={"example": "Sesión ordinaria de marzo"})
    starts_at = fields.AwareDateTime(required=True, validate=STARTS_AT_YEARS, metadata={
        "description": "ISO 8601 with its UTC offset (a time without one is refused).",
        "example": "2031-03-04T10:00:00-06:00"})
    duration_minutes = fields.Integer(
        strict=True, load_default=60, validate=validate.Range(min=DURATION_MIN, max=DURATION_MAX),
        metadata={"example": 90})
    location = _text(LOCATION_MAX, load_default="",
                     metadata={"example": "https://meet.example.org/etica"})
    agenda = _text(TEXT_MAX, load_default="",
                   metadata={"description": "Markdown.", "example": "1. Bienvenida\n2. Avance de entregables"})


class MeetingPatchSchema(Schema):
    version = fields.Integer(required=True, strict=True, metadata={
        "description": "The version you read; a stale one is answered 409 with the current meeting.",
        "example": 2})
    title = _text(TITLE_MAX, min_length=1, metadata={"example": "Sesión extraordinaria"})
    starts_at = fields.AwareDateTime(validate=STARTS_AT_YEARS, metadata={
        "description": "ISO 8601 with its UTC offset. Moving the meeting bumps its iCalendar SEQUENCE.",
        "example": "2031-03-05T10:00:00-06:00"})
    duration_minutes = fields.Integer(
        strict=True, validate=validate.Range(min=DURATION_MIN, max=DURATION_MAX),
        metadata={"example": 60})
    location = _text(LOCATION_MAX, metadata={"example": "Sala 3, Torre de Rectoría"})
    agenda = _text(TEXT_MAX, metadata={"example": "1. Bienvenida"})


class AttendanceEntrySchema(Schema):
    user_id = fields.Integer(required=True, strict=True, validate=ID_RANGE, metadata={"example": 7})
    status = fields.String(required=True, validate=ATTENDANCE_STATUS, metadata={"example": "attended"})


class AttendanceUpdateSchema(Schema):
    attendance = fields.List(fields.Nested(AttendanceEntrySchema), required=True,
                             validate=validate.Length(min=1, max=ATTENDANCE_BATCH_MAX), metadata={
                                 "description": "Invitees of this meeting (see its `attendance`; invite someone "
                                                "first with `POST …/invitees`) and their status, each once; "
                                                "people left out keep theirs.",
                                 "example": [{"user_id": 7, "status": "attended"},
                                             {"user_id": 9, "status": "excused"}]})

    @validates_schema
    def _one_status_each(self, data, **kwargs):
        seen: set = set()
        for entry in data.get("attendance") or []:
            if entry["user_id"] in seen:
                raise SchemaError(str(_l("Each person may appear only once.")), "attendance")
            seen.add(entry["user_id"])


class InviteSchema(Schema):
    user_id = fields.Integer(required=True, strict=True, validate=ID_RANGE, metadata={"example": 15})


class MinutesCreateSchema(Schema):
    body = _text(TEXT_MAX, required=True, min_length=1, metadata={
        "description": "The whole text of the minutes (Markdown); every saved revision is kept.",
        "example": "## Asistentes\n\n…\n\n## Acuerdos\n\n- Publicar la guía en abril."})


class DecisionCreateSchema(Schema):
    text = _text(ITEM_MAX, required=True, min_length=1,
                 metadata={"example": "Se aprueba el calendario de consultas regionales."})


class ActionItemCreateSchema(Schema):
    text = _text(ITEM_MAX, required=True, min_length=1,
                 metadata={"example": "Enviar la minuta a los miembros"})
    assignee_id = fields.Integer(strict=True, allow_none=True, load_default=None, validate=ID_RANGE, metadata={
        "description": "An active person, or null.", "example": 7})
    due_date = fields.Date(allow_none=True, load_default=None, metadata={"example": "2031-03-11"})


class ActionItemPatchSchema(Schema):
    done = StrictBoolean(required=True, metadata={"example": True})


class SubListArgsSchema(PageArgsSchema):
    pass


# --- bodies --------------------------------------------------------------------------------

def _latest_minutes(meeting_ids: list[int]) -> dict[int, str]:
    """The current minutes text of each meeting, in one query (what services.current_minutes gives one by one)."""
    if not meeting_ids:
        return {}
    newest = (sa.select(sa.func.max(MinutesRevision.id))
              .where(MinutesRevision.meeting_id.in_(meeting_ids))
              .group_by(MinutesRevision.meeting_id))
    rows = db.session.execute(
        sa.select(MinutesRevision.meeting_id, MinutesRevision.body).where(MinutesRevision.id.in_(newest)))
    return {meeting_id: body for meeting_id, body in rows}


def meeting_body(meeting, minutes: str | None = ...) -> dict:
    if minutes is ...:
        current = services.current_minutes(meeting)
        minutes = current.body if current is not None else None
    m = meeting
    return {
        "id": m.id, "group": m.group.slug, "title": m.title, "starts_at": m.starts_at, "ends_at": m.ends_at,
        "duration_minutes": m.duration_minutes, "location": m.location, "agenda": m.agenda, "minutes": minutes,
        "minutes_published_at": m.minutes_published_at, "status": m.status, "organiser_id": m.organiser_id,
        "version": m.version, "ical_uid": m.ical_uid, "ical_sequence": m.ical_sequence, "created_at": m.created_at,
        "url": url_for("meetings.detail", meeting_id=m.id, _external=True),
        "ics_url": url_for("meetings.calendar_file", meeting_id=m.id, _external=True),
    }


def attendance_body(row) -> dict:
    institution = row.institution
    return {
        "user_id": row.user_id, "name": row.user.name,
        "institution_id": row.institution_id,
        "institution_name": institution.name if institution else None,
        "institution_acronym": (institution.acronym or None) if institution else None,
        "sector": institution.sector if institution else None,
        "status": row.status,
    }


def revision_body(revision) -> dict:
    return {"id": revision.id, "body": revision.body, "author_id": revision.author_id,
            "author_name": revision.author.name if revision.author else None, "created_at": revision.created_at}


def decision_body(decision) -> dict:
    return {"id": decision.id, "text": decision.text, "author_id": decision.author_id,
            "created_at": decision.created_at}


def action_item_body(item) -> dict:
    return {"id": item.id, "text": item.text, "assignee_id": item.assignee_id,
            "assignee_name": item.assignee.name if item.assignee else None, "due_date": item.due_date,
            "done": item.done, "created_at": item.created_at}


def _page_of_list(rows: list, args: dict, to_body) -> dict:
    """Page a list the services return whole (a meeting's rows are few)."""
    page, per_page = args["page"], args["per_page"]
    start = (page - 1) * per_page
    return page_body(Page(items=[to_body(r) for r in rows[start:start + per_page]], page=page,
                          per_page=per_page, total=len(rows)))


def _fresh(actor, meeting_id: int) -> dict:
    return meeting_body(services.get_meeting(actor, meeting_id))


def _with_current(actor, meeting_id: int) -> Conflict:
    """A conflict carrying the meeting as it is now."""
    db.session.rollback()
    return Conflict(current=MeetingSchema().dump(_fresh(actor, meeting_id)))


# --- endpoints -----------------------------------------------------------------------------

@blp.route("")
class Meetings(MethodView):
    @blp.arguments(MeetingListArgsSchema, location="query")
    @blp.response(200, page_of(MeetingSchema))
    @documents_errors(blp, 401, 422)
    def get(self, args):
        """List meetings of every group, ordered by start time (then id).

        `from` and `to` take an ISO 8601 date-time with its UTC offset, or a plain date (YYYY-MM-DD)
        meaning the start (`from`) or the end (`to`) of that day in UTC. An unknown group is a 422.
        """
        actor = api_actor()
        group = args.get("group")
        if group is not None and group not in {g.slug for g in services.all_groups()}:
            raise ValidationError(fields={"group": [_l("Unknown working group.")]})
        filters = services.MeetingFilters(group=group, status=args.get("status"),
                                          starts_from=args.get("starts_from"), starts_to=args.get("starts_to"),
                                          q=args.get("q"))
        page = services.list_meetings(actor, filters, args["page"], args["per_page"])
        minutes = _latest_minutes([m.id for m in page.items])
        body = page_body(page)
        body["items"] = [meeting_body(m, minutes.get(m.id)) for m in page.items]
        return body

    @blp.arguments(MeetingCreateSchema)
    @blp.response(201, MeetingSchema)
    @documents_errors(blp, 400, 401, 403, 415, 422)
    def post(self, body):
        """Schedule a meeting of a group you lead (any group, for coordinators); its members are invited."""
        actor = api_actor()
        try:
            group = group_services.get_group(actor, body.pop("group"))
        except NotFound:
            raise ValidationError(fields={"group": [_l("Unknown working group.")]}) from None
        meeting = services.create_meeting(actor, group, **body)
        return _fresh(actor, meeting.id)


@blp.route("/<int:meeting_id>")
class MeetingById(MethodView):
    @blp.response(200, MeetingSchema)
    @documents_errors(blp, 401, 404)
    def get(self, meeting_id):
        """One meeting, with its current minutes and version."""
        return _fresh(api_actor(), meeting_id)

    @blp.arguments(MeetingPatchSchema)
    @blp.response(200, MeetingSchema)
    @documents_errors(blp, 400, 401, 403, 404, 409, 415, 422)
    def patch(self, body, meeting_id):
        """Change a meeting's title, time, duration, place or agenda; `version` is required.

        A stale `version` is answered 409 with the meeting as it is now in `current`.
        A cancelled meeting cannot be edited (422).
        """
        actor = api_actor()
        version = body.pop("version")
        try:
            services.edit_meeting(actor, meeting_id, version=version, **body)
        except Conflict:
            raise _with_current(actor, meeting_id) from None
        return _fresh(actor, meeting_id)

    @blp.response(204)
    @documents_errors(blp, 401, 403, 404, 409)
    def delete(self, meeting_id):
        """Delete a meeting scheduled by mistake.

        One with minutes, decisions, action items or recorded attendance is part of the record: it
        cannot be deleted (409, the message says so); cancel it instead (`POST …/cancel`).
        """
        services.delete_meeting(api_actor(), meeting_id)
        return None


def _run_meeting_action(action, meeting_id: int):
    """Run a one-step change (cancel, held, publish), answering a concurrent save with 409 and `current`."""
    actor = api_actor()
    try:
        action(actor, meeting_id)
    except Conflict:
        raise _with_current(actor, meeting_id) from None
    return _fresh(actor, meeting_id)


@blp.route("/<int:meeting_id>/cancel")
class MeetingCancel(MethodView):
    @blp.response(200, MeetingSchema)
    @documents_errors(blp, 401, 403, 404, 409, 415, 422)
    def post(self, meeting_id):
        """Cancel a scheduled meeting (no body); calendars receive a cancellation.

        Cancelling a cancelled meeting changes nothing; a held meeting cannot be cancelled (422).
        """
        return _run_meeting_action(services.cancel_meeting, meeting_id)


@blp.route("/<int:meeting_id>/held")
class MeetingHeld(MethodView):
    @blp.response(200, MeetingSchema)
    @documents_errors(blp, 401, 403, 404, 409, 415, 422)
    def post(self, meeting_id):
        """Record that a meeting took place (no body); only once it has started, never when cancelled (422)."""
        return _run_meeting_action(services.mark_held, meeting_id)


@blp.route("/<int:meeting_id>/attendance")
class MeetingAttendance(MethodView):
    @blp.arguments(SubListArgsSchema, location="query")
    @blp.response(200, AttendanceListSchema)
    @documents_errors(blp, 401, 404, 422)
    def get(self, args, meeting_id):
        """The invitees by name, with their institution, sector and attendance, and a summary."""
        meeting = services.get_meeting(api_actor(), meeting_id)
        rows = services.attendance_of(meeting)
        body = _page_of_list(rows, args, attendance_body)
        summary = services.attendance_summary(rows)
        body["summary"] = {"total": summary.total, "by_status": summary.by_status,
                           "attended_by_sector": summary.attended_by_sector,
                           "attended_without_institution": summary.attended_without_institution}
        return body

    @blp.arguments(AttendanceUpdateSchema)
    @blp.response(200, AttendanceResultSchema)
    @documents_errors(blp, 400, 401, 403, 404, 415, 422)
    def put(self, body, meeting_id):
        """Record invitees' attendance; people left out keep their status. Only invitees may be listed."""
        actor = api_actor()
        statuses = {entry["user_id"]: entry["status"] for entry in body["attendance"]}
        try:
            changed = services.record_attendance(actor, meeting_id, statuses)
        except ValidationError as error:
            if "statuses" in error.fields:
                error.fields["attendance"] = error.fields.pop("statuses")
            raise
        changed_ids = sorted(row.user_id for row in changed)
        rows = services.attendance_of(services.get_meeting(actor, meeting_id))
        return {"items": [attendance_body(r) for r in rows if r.user_id in statuses], "changed": changed_ids}


@blp.route("/<int:meeting_id>/invitees")
class MeetingInvitees(MethodView):
    @blp.arguments(InviteSchema)
    @blp.response(201, AttendanceSchema, description="The person is invited.")
    @blp.alt_response(200, schema=AttendanceSchema, description="The person was already invited: nothing changed.")
    @documents_errors(blp, 400, 401, 403, 404, 415, 422)
    def post(self, body, meeting_id):
        """Invite one more active person (201; 200 if they already were)."""
        actor = api_actor()
        meeting = services.get_meeting(actor, meeting_id)
        already = any(r.user_id == body["user_id"] for r in services.attendance_of(meeting))
        row = services.invite_person(actor, meeting_id, body["user_id"])
        row = next(r for r in services.attendance_of(services.get_meeting(actor, meeting_id))
                   if r.user_id == body["user_id"])
        return (attendance_body(row), 200) if already else attendance_body(row)


@blp.route("/<int:meeting_id>/minutes")
class MeetingMinutes(MethodView):
    @blp.arguments(SubListArgsSchema, location="query")
    @blp.response(200, MinutesListSchema)
    @documents_errors(blp, 401, 404, 422)
    def get(self, args, meeting_id):
        """Every saved revision of the minutes, newest first (the first is the current text)."""
        meeting = services.get_meeting(api_actor(), meeting_id)
        body = _page_of_list(services.minutes_revisions(meeting), args, revision_body)
        body["published_at"] = meeting.minutes_published_at
        return body

    @blp.arguments(MinutesCreateSchema)
    @blp.response(201, MinutesRevisionSchema, description="A new revision is kept.")
    @blp.alt_response(200, schema=MinutesRevisionSchema,
                      description="The text is the current one: nothing is added; the current revision is returned.")
    @documents_errors(blp, 400, 401, 403, 404, 415, 422)
    def post(self, body, meeting_id):
        """Save the minutes as a new revision (201), or 200 with the current one when the text did not change.

        Published minutes are locked and a cancelled meeting has none (422).
        """
        actor = api_actor()
        before = services.current_minutes(services.get_meeting(actor, meeting_id))
        revision = services.save_minutes(actor, meeting_id, body["body"])
        unchanged = before is not None and revision is not None and revision.id == before.id
        revision_id = revision.id
        revision = next(r for r in services.minutes_revisions(services.get_meeting(actor, meeting_id))
                        if r.id == revision_id)
        return (revision_body(revision), 200) if unchanged else revision_body(revision)


@blp.route("/<int:meeting_id>/minutes/publish")
class MeetingMinutesPublish(MethodView):
    @blp.response(200, MeetingSchema)
    @documents_errors(blp, 401, 403, 404, 409, 415, 422)
    def post(self, meeting_id):
        """Publish the current minutes (no body); from then on they are locked. Returns the meeting."""
        return _run_meeting_action(services.publish_minutes, meeting_id)


@blp.route("/<int:meeting_id>/decisions")
class MeetingDecisions(MethodView):
    @blp.arguments(SubListArgsSchema, location="query")
    @blp.response(200, page_of(DecisionSchema))
    @documents_errors(blp, 401, 404, 422)
    def get(self, args, meeting_id):
        """The decisions taken at the meeting, in the order they were recorded."""
        meeting = services.get_meeting(api_actor(), meeting_id)
        return _page_of_list(list(meeting.decisions), args, decision_body)

    @blp.arguments(DecisionCreateSchema)
    @blp.response(201, DecisionSchema)
    @documents_errors(blp, 400, 401, 403, 404, 415, 422)
    def post(self, body, meeting_id):
        """Record a decision (not on a cancelled meeting)."""
        decision = services.add_decision(api_actor(), meeting_id, body["text"])
        return decision_body(decision)


@blp.route("/<int:meeting_id>/action-items")
class MeetingActionItems(MethodView):
    @blp.arguments(SubListArgsSchema, location="query")
    @blp.response(200, page_of(ActionItemSchema))
    @documents_errors(blp, 401, 404, 422)
    def get(self, args, meeting_id):
        """The meeting's action items, in the order they were added."""
        meeting = services.get_meeting(api_actor(), meeting_id)
        return _page_of_list(list(meeting.action_items), args, action_item_body)

    @blp.arguments(ActionItemCreateSchema)
    @blp.response(201, ActionItemSchema)
    @documents_errors(blp, 400, 401, 403, 404, 415, 422)
    def post(self, body, meeting_id):
        """Add an action item, optionally assigned to an active person and due on a date."""
        item = services.add_action_item(api_actor(), meeting_id, body["text"], assignee_id=body["assignee_id"],
                                        due_date=body["due_date"])
        return action_item_body(item)


@blp.route("/<int:meeting_id>/action-items/<int:item_id>")
class MeetingActionItemById(MethodView):
    @blp.arguments(ActionItemPatchSchema)
    @blp.response(200, ActionItemSchema)
    @documents_errors(blp, 400, 401, 403, 404, 415, 422)
    def patch(self, body, meeting_id, item_id):
        """Mark an action item done (`true`) or not done (`false`)."""
        item = services.set_action_item_done(api_actor(), meeting_id, item_id, body["done"])
        return action_item_body(item)
