"""Deliverables, their progress updates and milestones, through the same services as the pages."""
from __future__ import annotations

from flask import request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate

from coalition.api.common import ID_RANGE, PageArgsSchema, api_actor, documents_errors, page_body, page_of, text
from coalition.auth.permissions import require
from coalition.deliverables import permissions, services
from coalition.deliverables.models import (
    COMPLETION_NOTE_MAX, COMPLETIONS, PUBLIC_SUMMARY_MAX, DESCRIPTION_MAX, HEALTHS, INSTITUTIONS_MAX, NOTE_MAX, PROGRESS_MAX, PROGRESS_MIN, STATUSES, TITLE_MAX,
    UPDATE_KINDS, WEIGHT_MAX, WEIGHT_MIN)
from coalition.errors import Conflict, NotFound
from coalition.extensions import db
from coalition.groups import services as group_services
from coalition.groups.models import GROUP_SLUGS, SLUG_MAX
from coalition.pagination import paginate
from coalition.validation import QUERY_MAX

blp = Blueprint("api_deliverables", __name__, url_prefix="/api/v1/deliverables",
                description="Deliverables of the working groups, their updates and milestones.")

STATUS = validate.OneOf(list(STATUSES))
PROGRESS = validate.Range(min=PROGRESS_MIN, max=PROGRESS_MAX)
WEIGHT = validate.Range(min=WEIGHT_MIN, max=WEIGHT_MAX)
TITLE_HELP = "Not blank; surrounding spaces are dropped."
OWNER_HELP = "The id of an active person (see `GET /api/v1/people`)."
INSTITUTIONS_HELP = "Ids of existing institutions (see `GET /api/v1/institutions`), each once."
DATES_HELP = "YYYY-MM-DD; `start_date` (default: today) may not come after `due_date`."


@blp.before_request
def _check_access_first():
    """Answer 404, then 403, before the body is read, so a 422 is only ever about the body.

    The services check all of this again (and leads-only changes there); this orders the answers.
    """
    deliverable_id = (request.view_args or {}).get("deliverable_id")
    if deliverable_id is None:
        return
    actor = api_actor()
    deliverable = services.get_deliverable(actor, deliverable_id)
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        require(permissions.can_post_update(actor, deliverable.group_id))


COMPLETION = validate.OneOf(list(COMPLETIONS))
COMPLETION_HELP = ("On the public portal, in OGP's words: `not_started`, `limited`, `substantial` or `complete`; "
                   "derived from status and progress unless a coordinator set `completion_override`.")


class PublicSummarySchema(Schema):
    es = fields.String(required=True, metadata={"example": "Una guía para evaluar los riesgos de un sistema."})
    en = fields.String(required=True, metadata={"example": "A guide to assessing a system's risks."})


class PublicSummaryPatchSchema(Schema):
    es = text(PUBLIC_SUMMARY_MAX, metadata={"example": "Una guía para evaluar los riesgos de un sistema."})
    en = text(PUBLIC_SUMMARY_MAX, metadata={"example": "A guide to assessing a system's risks."})


class DeliverableSchema(Schema):
    id = fields.Integer(required=True, metadata={"example": 4})
    group = fields.String(required=True, metadata={"example": "ethics"})
    title = fields.String(required=True, metadata={"example": "Guía de evaluación de impacto algorítmico"})
    description = fields.String(required=True)
    status = fields.String(required=True, validate=STATUS, metadata={"example": "in_progress"})
    progress = fields.Integer(required=True, metadata={"example": 40})
    health = fields.String(required=True, validate=validate.OneOf(list(HEALTHS)), metadata={"example": "on_track"})
    overdue = fields.Boolean(required=True)
    stale = fields.Boolean(required=True)
    start_date = fields.Date(required=True)
    due_date = fields.Date(required=True, metadata={"example": "2027-03-31"})
    owner_id = fields.Integer(required=True)
    owner_name = fields.String(required=True)
    institution_ids = fields.List(fields.Integer(), required=True)
    version = fields.Integer(required=True, metadata={"example": 3})
    last_update_at = fields.AwareDateTime(required=True)
    created_at = fields.AwareDateTime(required=True)
    url = fields.String(required=True, metadata={"description": "The deliverable's page."})
    archived_at = fields.AwareDateTime(required=True, allow_none=True, metadata={
        "description": "When it was archived (deleted); null while it is active. Only coordinators see archived ones."})
    public = fields.Boolean(required=True, metadata={"description": "On the public portal (a coordinator published it)."})
    public_summary = fields.Nested(PublicSummarySchema, required=True, metadata={
        "description": "What the public portal says of it, per language (empty when not written)."})
    published_at = fields.AwareDateTime(required=True, allow_none=True)
    completion = fields.String(required=True, validate=COMPLETION, metadata={"description": COMPLETION_HELP,
                                                                              "example": "limited"})
    completion_override = fields.String(required=True, allow_none=True, validate=COMPLETION, metadata={
        "description": "The completion a coordinator set by hand; null: derived."})
    completion_note = fields.String(required=True, metadata={"description": "Why the completion was set by hand."})


class DeliverableListArgsSchema(PageArgsSchema):
    group = fields.String(validate=validate.Length(max=SLUG_MAX), metadata={"example": "ethics"})
    status = fields.String(validate=STATUS)
    health = fields.String(validate=validate.OneOf(list(HEALTHS)))
    owner = fields.String(validate=validate.OneOf(["me"]), metadata={"description": "`me`: only yours."})
    overdue = fields.Boolean(metadata={"description": "`true`: past their due date and not done."})
    stale = fields.Boolean(metadata={"description": "`true`: in progress with no update for 14 days."})
    q = text(QUERY_MAX, metadata={"description": "Words in the title."})
    due_from = fields.Date(metadata={"description": "Due on or after this date."})
    due_to = fields.Date(metadata={"description": "Due on or before this date."})
    archived = fields.Boolean(metadata={"description": "`true`: only the archived (deleted) ones; coordinators only."})


class DeliverableCreateSchema(Schema):
    # An unknown slug is a 404 (as for every group); the document lists the six that exist.
    group = fields.String(required=True, validate=validate.Length(min=1, max=SLUG_MAX), metadata={
        "enum": list(GROUP_SLUGS), "description": "The working group's slug.", "example": "ethics"})
    title = text(TITLE_MAX, min_length=1, required=True, metadata={
        "description": TITLE_HELP, "example": "Recomendaciones sobre IA en salud"})
    description = text(DESCRIPTION_MAX, load_default="", metadata={"example": "Alcance y fuentes."})
    owner_id = fields.Integer(required=True, strict=True, validate=ID_RANGE, metadata={
        "description": OWNER_HELP, "example": 4})
    due_date = fields.Date(required=True, metadata={"description": DATES_HELP, "example": "2027-06-30"})
    start_date = fields.Date(load_default=None, allow_none=True, metadata={"example": "2027-01-15"})
    institution_ids = fields.List(fields.Integer(strict=True, validate=ID_RANGE), load_default=list,
                                  validate=validate.Length(max=INSTITUTIONS_MAX),
                                  metadata={"description": INSTITUTIONS_HELP, "example": [12, 40]})


class DeliverablePatchSchema(Schema):
    version = fields.Integer(required=True, strict=True, validate=ID_RANGE, metadata={
        "description": "The `version` you read (a new deliverable's is 1); a stale one is answered 409 with "
                       "the current deliverable.", "example": 1})
    title = text(TITLE_MAX, min_length=1, metadata={"description": TITLE_HELP, "example": "Guía actualizada"})
    description = text(DESCRIPTION_MAX, metadata={"example": "Alcance revisado."})
    owner_id = fields.Integer(strict=True, validate=ID_RANGE, metadata={"description": OWNER_HELP, "example": 4})
    due_date = fields.Date(metadata={"description": DATES_HELP, "example": "2027-09-30"})
    start_date = fields.Date(allow_none=True, metadata={"example": "2027-01-15"})
    institution_ids = fields.List(fields.Integer(strict=True, validate=ID_RANGE),
                                  validate=validate.Length(max=INSTITUTIONS_MAX),
                                  metadata={"description": INSTITUTIONS_HELP, "example": [12]})
    status = fields.String(validate=STATUS, metadata={"description": "Recorded as an update, like the page's form.",
                                                      "example": "in_progress"})
    progress = fields.Integer(strict=True, validate=PROGRESS, metadata={"example": 50})
    note = text(NOTE_MAX, metadata={"description": "With status or progress.", "example": "Primer borrador."})
    public = fields.Boolean(metadata={"description": "Coordinators: publish it on the public portal (a public "
                                                     "summary in at least one language is required) or take it off.",
                                      "example": True})
    public_summary = fields.Nested(PublicSummaryPatchSchema, metadata={
        "description": "Coordinators: the public summary per language; a language left out keeps its text."})
    completion_override = fields.String(allow_none=True, validate=COMPLETION, metadata={
        "description": "Coordinators: set the portal's completion by hand (with `completion_note`), or null to "
                       "derive it again.", "example": "substantial"})
    completion_note = text(COMPLETION_NOTE_MAX, metadata={
        "description": "Why the completion was set by hand; required with an override.",
        "example": "Entregado, pero aún no adoptado."})


class UpdateSchema(Schema):
    id = fields.Integer(required=True)
    deliverable_id = fields.Integer(required=True)
    author_id = fields.Integer(allow_none=True)
    author_name = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(UPDATE_KINDS))
    subject = fields.String(allow_none=True, metadata={"description": "The milestone, for milestone kinds."})
    status_before = fields.String(required=True, validate=STATUS)
    status_after = fields.String(required=True, validate=STATUS)
    progress_before = fields.Integer(required=True)
    progress_after = fields.Integer(required=True)
    note = fields.String(required=True)


class UpdateCreateSchema(Schema):
    status = fields.String(required=True, validate=STATUS, metadata={"example": "in_review"})
    progress = fields.Integer(required=True, strict=True, validate=PROGRESS, metadata={"example": 80})
    note = text(NOTE_MAX, load_default="", metadata={"example": "Borrador listo para revisión"})
    version = fields.Integer(strict=True, metadata={
        "description": "Optional: the version you read; if someone saved since, the update is refused with 409."})


class MilestoneSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    weight = fields.Integer(allow_none=True)
    progress = fields.Integer(required=True)
    due_date = fields.Date(allow_none=True)


class MilestoneCreateSchema(Schema):
    title = text(TITLE_MAX, min_length=1, required=True, metadata={"description": TITLE_HELP, "example": "Borrador"})
    weight = fields.Integer(strict=True, allow_none=True, load_default=None, validate=WEIGHT)
    progress = fields.Integer(strict=True, load_default=0, validate=PROGRESS)
    due_date = fields.Date(allow_none=True, load_default=None)


class MilestonePatchSchema(Schema):
    title = text(TITLE_MAX, min_length=1, metadata={"description": TITLE_HELP})
    weight = fields.Integer(strict=True, allow_none=True, validate=WEIGHT)
    progress = fields.Integer(strict=True, validate=PROGRESS)
    due_date = fields.Date(allow_none=True)


class UpdateListArgsSchema(PageArgsSchema):
    class Meta:
        unknown = EXCLUDE


def deliverable_body(deliverable, view=None) -> dict:
    view = view or services.describe(deliverable)
    d = deliverable
    return {
        "id": d.id, "group": d.group.slug, "title": d.title, "description": d.description, "status": d.status,
        "progress": d.progress, "health": view.health, "overdue": view.overdue, "stale": view.stale,
        "start_date": d.start_date, "due_date": d.due_date, "owner_id": d.owner_id, "owner_name": d.owner.name,
        "institution_ids": [i.id for i in d.institutions], "version": d.version,
        "last_update_at": d.last_update_at, "created_at": d.created_at,
        "url": url_for("deliverables.detail", deliverable_id=d.id, _external=True),
        "archived_at": d.archived_at,
        "public": d.public, "public_summary": {"es": d.public_summary_es, "en": d.public_summary_en},
        "published_at": d.published_at, "completion": d.completion, "completion_override": d.completion_override,
        "completion_note": d.completion_note,
    }


def update_body(update) -> dict:
    return {
        "id": update.id, "deliverable_id": update.deliverable_id, "author_id": update.author_id,
        "author_name": update.author.name if update.author else None, "created_at": update.created_at,
        "kind": update.kind, "subject": update.subject, "status_before": update.status_before,
        "status_after": update.status_after, "progress_before": update.progress_before,
        "progress_after": update.progress_after, "note": update.note,
    }


def _with_current(actor, deliverable_id: int):
    """Re-raise a conflict carrying the deliverable as it is now."""
    db.session.rollback()
    return Conflict(current=DeliverableSchema().dump(deliverable_body(services.get_deliverable(actor, deliverable_id))))


def _publish(actor, deliverable_id: int, values: dict, version: int) -> None:
    """What the public portal shows of the deliverable (coordinators): publication, summary, completion."""
    deliverable = services.get_deliverable(actor, deliverable_id)
    if {"public", "public_summary"} & set(values):
        summary = values.get("public_summary", {})
        services.publish(actor, deliverable, public=values.get("public", deliverable.public),
                         summary_es=summary.get("es", deliverable.public_summary_es),
                         summary_en=summary.get("en", deliverable.public_summary_en), version=version)
        version = deliverable.version
    if {"completion_override", "completion_note"} & set(values):
        override = values.get("completion_override", deliverable.completion_override)
        services.set_completion(actor, deliverable, override=override,
                                note=values.get("completion_note", deliverable.completion_note), version=version)


@blp.route("")
class Deliverables(MethodView):
    @blp.arguments(DeliverableListArgsSchema, location="query")
    @blp.response(200, page_of(DeliverableSchema))
    @documents_errors(blp, 401, 403, 422)
    def get(self, args):
        """List deliverables (every group's: all members may read), ordered by due date.

        Archived (deleted) deliverables are left out; `archived=true` lists only them (coordinators).
        """
        actor = api_actor()
        filters = services.DeliverableFilters(
            group=args.get("group"), status=args.get("status"), health=args.get("health"),
            owner_id=actor.id if args.get("owner") == "me" else None, overdue=bool(args.get("overdue")),
            stale=bool(args.get("stale")), q=args.get("q"), due_from=args.get("due_from"), due_to=args.get("due_to"),
            archived=bool(args.get("archived")))
        page = services.list_deliverables(actor, filters, args["page"], args["per_page"])
        body = page_body(page)
        body["items"] = [deliverable_body(d) for d in page.items]
        return body

    @blp.arguments(DeliverableCreateSchema)
    @blp.response(201, DeliverableSchema)
    @documents_errors(blp, 400, 401, 403, 404, 415, 422)
    def post(self, body):
        """Create a deliverable in a group you lead (or any group, for coordinators)."""
        actor = api_actor()
        group = group_services.get_group(actor, body.pop("group"))
        deliverable = services.create_deliverable(actor, group, **body)
        return deliverable_body(services.get_deliverable(actor, deliverable.id))


@blp.route("/<int:deliverable_id>")
class DeliverableById(MethodView):
    @blp.response(200, DeliverableSchema)
    @documents_errors(blp, 401, 404)
    def get(self, deliverable_id):
        """One deliverable, with its health and version."""
        return deliverable_body(services.get_deliverable(api_actor(), deliverable_id))

    @blp.arguments(DeliverablePatchSchema)
    @blp.response(200, DeliverableSchema)
    @documents_errors(blp, 400, 401, 403, 404, 409, 415, 422)
    def patch(self, body, deliverable_id):
        """Change fields (leads) and/or record status and progress (members); `version` is required."""
        actor = api_actor()
        version = body.pop("version")
        progress_fields = {k: body.pop(k) for k in ("status", "progress", "note") if k in body}
        portal_fields = {k: body.pop(k) for k in ("public", "public_summary", "completion_override",
                                                  "completion_note") if k in body}
        try:
            if progress_fields:
                current = services.get_deliverable(actor, deliverable_id)
                services.post_update(actor, deliverable_id, status=progress_fields.get("status", current.status),
                                     progress=progress_fields.get("progress", current.progress),
                                     note=progress_fields.get("note", ""), version=version)
                # The update bumped the version; an edit in the same request builds on it.
                version = current.version
            if body:
                services.edit_deliverable(actor, deliverable_id, version=version, **body)
                version = services.get_deliverable(actor, deliverable_id).version
            elif not progress_fields and not portal_fields:
                services.edit_deliverable(actor, deliverable_id, version=version)
            if portal_fields:
                _publish(actor, deliverable_id, portal_fields, version)
        except Conflict:
            raise _with_current(actor, deliverable_id) from None
        return deliverable_body(services.get_deliverable(actor, deliverable_id))

    @blp.response(204)
    @documents_errors(blp, 401, 403, 404)
    def delete(self, deliverable_id):
        """Delete a deliverable (leads and coordinators): it is archived, never erased.

        It leaves every list, dashboard, digest and reminder and is 404 to everyone but coordinators,
        who can still read it with its history and restore it (`POST …/restore`). Deleting it again
        changes nothing.
        """
        services.archive_deliverable(api_actor(), deliverable_id)
        return None


@blp.route("/<int:deliverable_id>/restore")
class DeliverableRestore(MethodView):
    @blp.response(200, DeliverableSchema)
    @documents_errors(blp, 401, 403, 404, 415)
    def post(self, deliverable_id):
        """Restore an archived deliverable (coordinators; no body); restoring an active one changes nothing."""
        actor = api_actor()
        services.restore_deliverable(actor, deliverable_id)
        return deliverable_body(services.get_deliverable(actor, deliverable_id))


@blp.route("/<int:deliverable_id>/updates")
class Updates(MethodView):
    @blp.arguments(UpdateListArgsSchema, location="query")
    @blp.response(200, page_of(UpdateSchema))
    @documents_errors(blp, 401, 404, 422)
    def get(self, args, deliverable_id):
        """The deliverable's update history, newest first."""
        actor = api_actor()
        deliverable = services.get_deliverable(actor, deliverable_id)
        page = paginate(services.history_select(deliverable), args["page"], args["per_page"])
        body = page_body(page)
        body["items"] = [update_body(u) for u in page.items]
        return body

    @blp.arguments(UpdateCreateSchema)
    @blp.response(201, UpdateSchema)
    @documents_errors(blp, 400, 401, 403, 404, 409, 415, 422)
    def post(self, body, deliverable_id):
        """Record progress on a deliverable of a group you belong to."""
        actor = api_actor()
        try:
            update = services.post_update(actor, deliverable_id, status=body["status"], progress=body["progress"],
                                          note=body.get("note", ""), version=body.get("version"))
        except Conflict:
            raise _with_current(actor, deliverable_id) from None
        return update_body(update)


@blp.route("/<int:deliverable_id>/milestones")
class Milestones(MethodView):
    @blp.response(200, MilestoneSchema(many=True))
    @documents_errors(blp, 401, 404)
    def get(self, deliverable_id):
        """The deliverable's milestones, in order."""
        return services.get_deliverable(api_actor(), deliverable_id).milestones

    @blp.arguments(MilestoneCreateSchema)
    @blp.response(201, MilestoneSchema)
    @documents_errors(blp, 400, 401, 403, 404, 409, 415, 422)
    def post(self, body, deliverable_id):
        """Add a milestone (leads); its progress rolls up into the deliverable's."""
        milestone = services.add_milestone(api_actor(), deliverable_id, **body)
        return milestone


@blp.route("/<int:deliverable_id>/milestones/<int:milestone_id>")
class MilestoneById(MethodView):
    @blp.arguments(MilestonePatchSchema)
    @blp.response(200, MilestoneSchema)
    @documents_errors(blp, 400, 401, 403, 404, 409, 415, 422)
    def patch(self, body, deliverable_id, milestone_id):
        """Record a milestone's progress (members) or rename and reweigh it (leads)."""
        actor = api_actor()
        deliverable = services.get_deliverable(actor, deliverable_id)
        milestone = next((m for m in deliverable.milestones if m.id == milestone_id), None)
        if milestone is None:
            raise NotFound()
        values = {"title": milestone.title, "weight": milestone.weight, "progress": milestone.progress,
                  "due_date": milestone.due_date, **body}
        milestone = services.update_milestone(actor, deliverable_id, milestone_id, **values)
        return milestone

    @blp.response(204)
    @documents_errors(blp, 401, 403, 404, 409)
    def delete(self, deliverable_id, milestone_id):
        """Remove a milestone (leads)."""
        services.delete_milestone(api_actor(), deliverable_id, milestone_id)
        return None
