"""Meeting pages: the list, one meeting with its minutes and attendance, scheduling and editing."""
from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import (Blueprint, abort, flash, get_template_attribute, make_response, redirect, render_template, request,
                   url_for)
from flask_babel import get_locale, get_timezone, gettext as _
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from coalition.auth.permissions import require, require_actor
from coalition.database import coalition_timezone, coalition_timezone_name, utcnow
from coalition.errors import Conflict, ValidationError
from coalition.extensions import db
from coalition.groups import services as groups
from coalition.meetings import ics, permissions, services
from coalition.meetings.forms import (
    ActionForm, ActionItemForm, ActionItemToggleForm, DecisionForm, InviteForm, MeetingForm, MinutesForm)
from coalition.meetings.models import ATTENDANCE_STATUSES, MEETING_STATUSES
from coalition.meetings.rendered import ContentCache
from coalition.pagination import clamp
from coalition.web import apply_errors, current_actor, int_arg

bp = Blueprint("meetings", __name__)

WHEN_CHOICES = ("upcoming", "past", "all")
# Rendered tables of the meetings list and of a meeting's invitees, by their content (see coalition/meetings/rendered.py).
_tables: ContentCache[Markup] = ContentCache(128)
# The list's whole content (filters, table, pagination) by everything it is rendered from.
_list_bodies: ContentCache[Markup] = ContentCache(128)
# A meeting's whole content by everything it is rendered from, with _TOKEN_SLOT where its forms' CSRF token goes:
# random per process, so that no meeting's text can contain it.
_detail_bodies: ContentCache[str] = ContentCache(32)
_TOKEN_SLOT = f"csrf-slot-{secrets.token_hex(16)}"


# --- time in the viewer's zone ---------------------------------------------------------------

def _zone(actor) -> ZoneInfo:
    try:
        return ZoneInfo(getattr(actor, "timezone", None) or coalition_timezone_name())
    except (ValueError, KeyError, OSError):
        return coalition_timezone()


def _to_utc(local: datetime, zone: ZoneInfo) -> datetime | None:
    """Read a wall-clock time from a datetime-local input in the viewer's zone; None if out of range."""
    if not services.FIRST_YEAR <= local.year <= services.LAST_YEAR:
        return None
    return local.replace(tzinfo=zone).astimezone(timezone.utc)


def _to_local(value: datetime, zone: ZoneInfo) -> datetime:
    return value.astimezone(zone).replace(tzinfo=None)


def _parse_day(value: str | None) -> date | None:
    try:
        day = date.fromisoformat((value or "").strip()[:10])
    except ValueError:
        return None
    return day if services.FIRST_YEAR <= day.year <= services.LAST_YEAR else None


# --- the list --------------------------------------------------------------------------------

@bp.route("/meetings")
def index():
    actor = current_actor()
    zone = _zone(actor)
    args = request.args
    group = args.get("group") or None
    status = args.get("status") if args.get("status") in MEETING_STATUSES else None
    q = (args.get("q") or "").strip()[:services.QUERY_MAX]
    day_from, day_to = _parse_day(args.get("from")), _parse_day(args.get("to"))
    bad_dates = bool((args.get("from") and not day_from) or (args.get("to") and not day_to))
    default_when = "all" if (day_from or day_to) else "upcoming"
    when = args.get("when") if args.get("when") in WHEN_CHOICES else default_when

    filters = services.MeetingFilters(group=group, status=status, q=q or None)
    today = datetime.combine(datetime.now(zone).date(), time.min, tzinfo=zone)
    if when == "upcoming":
        filters.starts_from = today
    elif when == "past":
        filters.starts_to = today - timedelta(microseconds=1)
        filters.newest_first = True
    if day_from:
        start = datetime.combine(day_from, time.min, tzinfo=zone)
        filters.starts_from = max(start, filters.starts_from) if filters.starts_from else start
    if day_to:
        end = datetime.combine(day_to + timedelta(days=1), time.min, tzinfo=zone) - timedelta(microseconds=1)
        filters.starts_to = min(end, filters.starts_to) if filters.starts_to else end

    page, per_page = clamp(args.get("page"), args.get("per_page"))
    all_groups = services.all_groups()
    try:
        result = services.listed_meetings(actor, filters, page, per_page, all_groups)
    except ValidationError:
        # A hand-edited URL (an overlong group slug, say): show the upcoming meetings instead.
        filters = services.MeetingFilters(starts_from=today)
        group = status = day_from = day_to = None
        q, when = "", "upcoming"
        result = services.listed_meetings(actor, filters, page, per_page, all_groups)
    manageable = [g for g in all_groups if permissions.can_manage(actor, g.id)]
    context = dict(page=result, groups=all_groups, manageable=manageable, group=group, status=status, q=q, when=when,
                   when_chosen=args.get("when") in WHEN_CHOICES, day_from=day_from, day_to=day_to,
                   bad_dates=bad_dates, filtered=bool(group or status or q or day_from or day_to or when != "upcoming"))
    # Everything the content is rendered from: the rows, their count, the groups and which ones the viewer
    # may schedule for, the filters, the query its links keep (url_with), the language, timezone and mount.
    language = str(get_locale())
    parts = ("meetings_body", language, str(get_timezone()), request.script_root, request.path,
             tuple(sorted(args.to_dict().items())),
             tuple((g.id, g.slug, g.name_in(language)) for g in all_groups), tuple(g.id for g in manageable),
             tuple(context[name] for name in ("group", "status", "q", "when", "when_chosen", "day_from", "day_to",
                                              "bad_dates", "filtered")),
             result.page, result.per_page, result.total,
             tuple((m.id, m.title, m.starts_at, m.location, m.status, m.group.id if m.group else None)
                   for m in result.items))
    body = _list_bodies.get(parts, lambda: Markup(render_template(
        "meetings/_index_body.html", table=_meeting_table(result.items, all_groups), **context)))
    return render_template("meetings/index.html", body=body)


def _meeting_table(items: list, all_groups: list) -> Markup:
    """The list's table, rendered once per distinct content: its rows, the groups' names, the
    viewer's language and timezone (the times are theirs) and where the app is mounted."""
    if not items:
        return Markup("")
    language = str(get_locale())
    parts = ("meeting_table", language, str(get_timezone()), request.script_root,
             tuple((g.id, g.name_in(language)) for g in all_groups),
             tuple((m.id, m.title, m.starts_at, m.location, m.status, m.group.id if m.group else None)
                   for m in items))
    macro = get_template_attribute("meetings/_list.html", "meeting_table")
    return _tables.get(parts, lambda: Markup(macro(items, caption=_("Meetings"))))


# --- one meeting -----------------------------------------------------------------------------

def _action_item_form(meeting, formdata=None, candidates=None) -> ActionItemForm:
    form = ActionItemForm(formdata=formdata)
    candidates = services.assignee_candidates(meeting) if candidates is None else candidates
    form.assignee_id.choices = [(0, "—")] + [(u.id, u.name) for u in candidates]
    return form


def _invite_form(meeting, formdata=None, candidates=None) -> InviteForm:
    form = InviteForm(formdata=formdata)
    candidates = services.invite_candidates(meeting) if candidates is None else candidates
    form.user_id.choices = [(row.id, row.name + (f" ({row.short_name})" if row.short_name else ""))
                            for row in candidates]
    return form


def _render_detail(meeting, status: int = 200, errors=(), **forms):
    """Render a meeting's page; a failed sub-form passes itself in to show its errors.

    Without errors the page's content is rendered once per input (everything it shows, whether the viewer
    manages the meeting, their language and timezone) and kept, with the viewer's CSRF token put in afresh
    on each request; a page with a failed form is rendered as it is.
    """
    actor = current_actor()
    manage = services.can_manage(actor, meeting)
    rows = services.attendance_rows(meeting)
    labels = {status: str(label) for status, label in ATTENDANCE_STATUSES.items()}
    revisions = services.minutes_revisions(meeting)
    decisions, action_items = services.decisions_of(meeting), services.action_items_of(meeting)
    invitable = services.invite_candidates(meeting) if manage else []
    assignable = services.assignee_candidates(meeting) if manage else []
    now = utcnow()
    context = {
        "meeting": meeting,
        "manage": manage,
        # The newest revision is the current text (what services.current_minutes reads on its own).
        "minutes": revisions[0] if revisions else None,
        "revisions": revisions,
        "decisions": decisions,
        "action_items": action_items,
        # The same rule as services.has_history, from what the page loads anyway.
        "deletable": manage and not (revisions or decisions or action_items
                                     or any(row.status != "invited" for row in rows)),
        "attendance": rows,
        "summary": services.summarise_attendance((row.status, row.sector) for row in rows),
        # Labels translated once, not once per invitee and option.
        "attendance_labels": labels,
        "attendance_table": _attendance_table(rows, manage and meeting.status != "cancelled", labels),
        "errors": [str(e) for e in errors],
        "now": now,
    }

    def render() -> str:
        if manage:
            minutes_form = forms.get("minutes_form") or MinutesForm(formdata=None)
            if "minutes_form" not in forms and context["minutes"] is not None:
                minutes_form.body.data = context["minutes"].body
            context.update(
                minutes_form=minutes_form,
                decision_form=forms.get("decision_form") or DecisionForm(formdata=None),
                item_form=forms.get("item_form") or _action_item_form(meeting, candidates=assignable),
                invite_form=forms.get("invite_form") or _invite_form(meeting, candidates=invitable),
            )
        return render_template("meetings/_detail_body.html", **context)

    if errors or forms:
        body = Markup(render())
    else:
        language = str(get_locale())
        organiser, group = meeting.organiser, meeting.group
        # Everything the content shows; what is derived from these (the labels, whether it may be deleted) is not.
        parts = ("meeting_body", language, str(get_timezone()), getattr(actor, "timezone", None),
                 request.script_root, manage, meeting.starts_at <= now,
                 (meeting.id, meeting.title, meeting.status, meeting.starts_at, meeting.duration_minutes,
                  meeting.location, meeting.agenda, meeting.minutes_published_at,
                  organiser.name if organiser else None, group.slug, group.name_in(language)),
                 tuple((r.id, r.created_at, r.author.name if r.author else None, r.body) for r in revisions),
                 tuple((d.id, d.text) for d in decisions),
                 tuple((i.id, i.text, i.done, i.assignee.name if i.assignee else None, i.due_date)
                       for i in action_items),
                 tuple(rows), tuple(tuple(row) for row in invitable), tuple(tuple(row) for row in assignable))
        # Only a manager's page has forms; its token is the viewer's own, so it is never kept.
        token = generate_csrf() if manage else None
        kept = _detail_bodies.get(parts, lambda: render().replace(token, _TOKEN_SLOT) if token else render())
        body = Markup(kept.replace(_TOKEN_SLOT, token) if token else kept)
    return render_template("meetings/detail.html", meeting=meeting, body=body), status


def _attendance_table(rows: list, editable: bool, labels: dict) -> Markup:
    """The invitees' table, rendered once per distinct content (the rows, whether it is a form, the language)."""
    if not rows:
        return Markup("")
    macro = get_template_attribute("meetings/_attendance.html", "attendance_table")
    parts = ("attendance_table", str(get_locale()), editable, tuple(labels.items()), tuple(rows))
    return _tables.get(parts, lambda: Markup(macro(rows, editable, labels)))


@bp.route("/meetings/<int:meeting_id>")
def detail(meeting_id: int):
    meeting = services.get_meeting(current_actor(), meeting_id)
    return _render_detail(meeting)


@bp.route("/meetings/<int:meeting_id>.ics")
def calendar_file(meeting_id: int):
    meeting = services.get_meeting(current_actor(), meeting_id)
    response = make_response(ics.meeting_calendar(meeting))
    response.headers["Content-Type"] = ics.CONTENT_TYPE
    response.headers["Content-Disposition"] = f"attachment; filename=meeting-{meeting.id}.ics"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


# --- scheduling and editing ------------------------------------------------------------------

def _meeting_values(form: MeetingForm, zone: ZoneInfo) -> dict | None:
    starts_at = _to_utc(form.starts_at.data, zone)
    if starts_at is None:
        form.starts_at.errors = list(form.starts_at.errors) + [
            _("Give a date between the years %(first)s and %(last)s.",
              first=services.FIRST_YEAR, last=services.LAST_YEAR)]
        return None
    return {"title": form.title.data, "starts_at": starts_at, "duration_minutes": form.duration_minutes.data,
            "location": form.location.data or "", "agenda": form.agenda.data or ""}


@bp.route("/groups/<slug>/meetings/new", methods=["GET", "POST"])
def new(slug: str):
    actor = current_actor()
    group = groups.get_group(actor, slug)
    require(permissions.can_manage(actor, group.id))
    zone = _zone(actor)
    form = MeetingForm()
    if form.validate_on_submit():
        values = _meeting_values(form, zone)
        if values is not None:
            try:
                meeting = services.create_meeting(actor, group, **values)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                flash(_("The meeting is scheduled and the group's members are invited."), "success")
                return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    return render_template("meetings/form.html", form=form, group=group, meeting=None,
                           zone=zone.key), 422 if form.errors else 200


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
def edit(meeting_id: int):
    actor = require_actor(current_actor())
    meeting = services.get_meeting(actor, meeting_id)
    require(permissions.can_manage(actor, meeting.group_id))
    zone = _zone(actor)
    if meeting.status == "cancelled":
        flash(_("A cancelled meeting cannot be edited."), "warning")
        return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    if request.method == "GET":
        form = MeetingForm(obj=meeting)
        form.starts_at.data = _to_local(meeting.starts_at, zone)
        form.version.data = meeting.version
    else:
        form = MeetingForm()
    conflict = None
    status = 200
    if form.validate_on_submit():
        values = _meeting_values(form, zone)
        if values is not None and values["starts_at"] == meeting.starts_at.replace(second=0, microsecond=0):
            # The form shows minutes only: an untouched time must not count as a move.
            values["starts_at"] = meeting.starts_at
        if values is not None:
            try:
                services.edit_meeting(actor, meeting.id, version=int_arg(form.version.data), **values)
            except Conflict as error:
                db.session.rollback()
                conflict = error.current or services.get_meeting(actor, meeting_id)
                # Saving again now overwrites their change knowingly.
                form.version.data = conflict.version
                status = 409
            except ValidationError as error:
                apply_errors(form, error)
                if not error.fields:
                    form.form_errors = list(form.form_errors) + [error.message]
            else:
                flash(_("The meeting is updated."), "success")
                return redirect(url_for("meetings.detail", meeting_id=meeting_id))
    if status == 200 and form.errors:
        status = 422
    return render_template("meetings/form.html", form=form, group=meeting.group, meeting=meeting,
                           conflict=conflict, zone=zone.key), status


# --- what managers do to a meeting -----------------------------------------------------------

def _managed(meeting_id: int):
    """The actor and the meeting, refusing early anyone who does not run its group."""
    actor = current_actor()
    meeting = services.get_meeting(actor, meeting_id)
    require(permissions.can_manage(actor, meeting.group_id))
    return actor, meeting


def _simple_action(meeting_id: int, action, message: str):
    """Run a one-button action; on a refusal show the meeting with the reason."""
    actor, meeting = _managed(meeting_id)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            action(actor, meeting.id)
        except ValidationError as error:
            db.session.rollback()
            messages = [error.message] + [m for ms in error.fields.values() for m in ms]
            return _render_detail(services.get_meeting(actor, meeting_id), 422, errors=messages)
        flash(message, "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id))


@bp.route("/meetings/<int:meeting_id>/cancel", methods=["POST"])
def cancel(meeting_id: int):
    return _simple_action(meeting_id, services.cancel_meeting,
                          _("The meeting is cancelled. Calendars will show it as cancelled."))


@bp.route("/meetings/<int:meeting_id>/delete", methods=["POST"])
def delete(meeting_id: int):
    actor, meeting = _managed(meeting_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    slug = meeting.group.slug
    try:
        services.delete_meeting(actor, meeting.id)
    except (Conflict, ValidationError) as error:
        # A meeting with history stays (409): the page says why, and offers to cancel it instead.
        db.session.rollback()
        status = 409 if isinstance(error, Conflict) else 422
        return _render_detail(services.get_meeting(actor, meeting_id), status, errors=[error.message])
    flash(_("The meeting is deleted. The audit log keeps a record of it."), "success")
    return redirect(url_for("groups.detail", slug=slug))


@bp.route("/meetings/<int:meeting_id>/held", methods=["POST"])
def held(meeting_id: int):
    return _simple_action(meeting_id, services.mark_held, _("The meeting is marked as held."))


@bp.route("/meetings/<int:meeting_id>/minutes/publish", methods=["POST"])
def publish(meeting_id: int):
    return _simple_action(meeting_id, services.publish_minutes,
                          _("The minutes are published. They can no longer be changed."))


@bp.route("/meetings/<int:meeting_id>/minutes", methods=["POST"])
def minutes(meeting_id: int):
    actor, meeting = _managed(meeting_id)
    form = MinutesForm()
    if form.validate_on_submit():
        try:
            before = services.current_minutes(meeting)
            revision = services.save_minutes(actor, meeting.id, form.body.data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if before is not None and revision is not None and revision.id == before.id:
                flash(_("The minutes did not change."), "info")
            else:
                flash(_("The minutes are saved. Earlier versions are kept."), "success")
            return redirect(url_for("meetings.detail", meeting_id=meeting.id, _anchor="minutes"))
    return _render_detail(services.get_meeting(actor, meeting_id), 422, minutes_form=form)


@bp.route("/meetings/<int:meeting_id>/attendance", methods=["POST"])
def attendance(meeting_id: int):
    actor, meeting = _managed(meeting_id)
    form = ActionForm()
    if form.validate_on_submit():
        statuses = {}
        for key, value in request.form.items():
            if key.startswith("status-"):
                raw = key.removeprefix("status-")
                statuses[int_arg(raw, raw)] = value
        try:
            services.record_attendance(actor, meeting.id, statuses)
        except ValidationError as error:
            db.session.rollback()
            messages = [m for ms in error.fields.values() for m in ms] or [error.message]
            return _render_detail(services.get_meeting(actor, meeting_id), 422, errors=messages)
        flash(_("Attendance is saved."), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id, _anchor="attendance"))


@bp.route("/meetings/<int:meeting_id>/invitees", methods=["POST"])
def invite(meeting_id: int):
    actor, meeting = _managed(meeting_id)
    form = _invite_form(meeting, request.form)
    if form.validate_on_submit():
        try:
            row = services.invite_person(actor, meeting.id, form.user_id.data)
        except ValidationError as error:
            apply_errors(form, error)
            if not error.fields:
                form.form_errors = list(form.form_errors) + [error.message]
        else:
            flash(_("%(name)s is invited.", name=row.user.name), "success")
            return redirect(url_for("meetings.detail", meeting_id=meeting.id, _anchor="attendance"))
    return _render_detail(services.get_meeting(actor, meeting_id), 422, invite_form=form)


@bp.route("/meetings/<int:meeting_id>/decisions", methods=["POST"])
def decisions(meeting_id: int):
    actor, meeting = _managed(meeting_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            services.add_decision(actor, meeting.id, form.text.data)
        except ValidationError as error:
            apply_errors(form, error)
            if not error.fields:
                form.form_errors = list(form.form_errors) + [error.message]
        else:
            flash(_("The decision is recorded."), "success")
            return redirect(url_for("meetings.detail", meeting_id=meeting.id, _anchor="decisions"))
    return _render_detail(services.get_meeting(actor, meeting_id), 422, decision_form=form)


@bp.route("/meetings/<int:meeting_id>/actions", methods=["POST"])
def actions(meeting_id: int):
    actor, meeting = _managed(meeting_id)
    form = _action_item_form(meeting, request.form)
    if form.validate_on_submit():
        try:
            services.add_action_item(actor, meeting.id, form.text.data, assignee_id=form.assignee_id.data or None,
                                     due_date=form.due_date.data)
        except ValidationError as error:
            apply_errors(form, error)
            if not error.fields:
                form.form_errors = list(form.form_errors) + [error.message]
        else:
            flash(_("The action item is added."), "success")
            return redirect(url_for("meetings.detail", meeting_id=meeting.id, _anchor="actions"))
    return _render_detail(services.get_meeting(actor, meeting_id), 422, item_form=form)


@bp.route("/meetings/<int:meeting_id>/actions/<int:item_id>/done", methods=["POST"])
def action_done(meeting_id: int, item_id: int):
    actor, meeting = _managed(meeting_id)
    form = ActionItemToggleForm()
    if not form.validate_on_submit() or form.done.data not in ("0", "1"):
        return _render_detail(meeting, 422, errors=[_("The action item could not be updated.")])
    services.set_action_item_done(actor, meeting.id, item_id, form.done.data == "1")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id, _anchor=f"action-{item_id}"))

