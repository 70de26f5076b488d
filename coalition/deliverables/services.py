"""Deliverables: read, create, edit, archive and restore, record progress, and roll milestones up."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from coalition.audit import services as audit
from coalition.auth.models import User
from coalition.auth.permissions import require, require_actor
from coalition.database import contains_pattern, utcnow
from coalition.deliverables import permissions
from coalition.deliverables.health import (
    coalition_clock, health_of, health_sql, is_overdue, is_stale, overdue_sql, rolled_up_progress, stale_sql)
from coalition.deliverables.models import (
    COMPLETION_NOTE_MAX, COMPLETIONS, DESCRIPTION_MAX, NOTE_MAX, PROGRESS_MAX, PROGRESS_MIN, PUBLIC_SUMMARY_MAX, STATUSES,
    TITLE_MAX, WEIGHT_MAX, WEIGHT_MIN, Deliverable, DeliverableUpdate, Milestone)
from coalition.audit.models import AuditEntry
from coalition.errors import Conflict, DomainError, NotFound, ValidationError
from coalition.extensions import db
from coalition.groups.models import GroupMembership, WorkingGroup
from coalition.institutions.models import Institution
from coalition.pagination import Page, paginate
from coalition.validation import check_text, is_id

class Archived(DomainError):
    """A change to an archived deliverable: it is kept as it was until a coordinator restores it."""

    status = 409
    code = "archived"
    default_message = _l("This deliverable is archived: it can be read but not changed. "
                         "A coordinator can restore it.")


@dataclass
class DeliverableView:
    """A deliverable with what the pages show beside it."""

    deliverable: Deliverable
    health: str
    overdue: bool
    stale: bool


def describe(deliverable: Deliverable, clock=None) -> DeliverableView:
    clock = clock or coalition_clock()
    d = deliverable
    return DeliverableView(
        deliverable=d,
        health=health_of(d.status, d.progress, d.due_date, d.last_update_at, clock),
        overdue=is_overdue(d.status, d.due_date, clock),
        stale=is_stale(d.status, d.last_update_at, clock),
    )


# --- reading ---------------------------------------------------------------------------------

def get_deliverable(actor, deliverable_id: int, *, for_update: bool = False) -> Deliverable:
    """Return the deliverable if the actor may see it (an archived one: coordinators only)."""
    require_actor(actor)
    if not is_id(deliverable_id):
        raise NotFound()
    stmt = (sa.select(Deliverable).where(Deliverable.id == deliverable_id)
            .options(joinedload(Deliverable.group), joinedload(Deliverable.owner),
                     selectinload(Deliverable.institutions), selectinload(Deliverable.milestones)))
    if for_update:
        stmt = stmt.with_for_update(of=Deliverable)
    deliverable = db.session.execute(stmt).unique().scalar_one_or_none()
    if deliverable is None or (deliverable.archived and not permissions.can_see_archived(actor)):
        raise NotFound()
    return deliverable


def _refuse_if_archived(deliverable: Deliverable) -> None:
    if deliverable.archived:
        raise Archived()


def history_select(deliverable: Deliverable) -> sa.Select:
    """The deliverable's updates with their authors, newest first."""
    return (sa.select(DeliverableUpdate).where(DeliverableUpdate.deliverable_id == deliverable.id)
            .options(joinedload(DeliverableUpdate.author))
            .order_by(DeliverableUpdate.created_at.desc(), DeliverableUpdate.id.desc()))


def history(actor, deliverable: Deliverable) -> list[DeliverableUpdate]:
    require_actor(actor)
    return list(db.session.execute(history_select(deliverable)).scalars())


@dataclass
class DeliverableFilters:
    group: str | None = None
    status: str | None = None
    health: str | None = None
    owner_id: int | None = None
    member_id: int | None = None  # deliverables of the groups this person belongs to
    overdue: bool = False
    stale: bool = False
    q: str | None = None
    due_from: date | None = None
    due_to: date | None = None
    archived: bool = False  # only the archived ones (coordinators), instead of only the others


def filtered_select(filters: DeliverableFilters, clock=None) -> sa.Select:
    clock = clock or coalition_clock()
    stmt = sa.select(Deliverable).options(joinedload(Deliverable.group), joinedload(Deliverable.owner))
    stmt = stmt.where(Deliverable.archived_at.is_not(None) if filters.archived else Deliverable.archived_at.is_(None))
    if filters.group:
        stmt = stmt.join(WorkingGroup, WorkingGroup.id == Deliverable.group_id).where(
            WorkingGroup.slug == filters.group)
    if filters.status:
        stmt = stmt.where(Deliverable.status == filters.status)
    if filters.health:
        stmt = stmt.where(health_sql(Deliverable, clock) == filters.health)
    if filters.owner_id:
        stmt = stmt.where(Deliverable.owner_id == filters.owner_id)
    if filters.member_id:
        stmt = stmt.where(Deliverable.group_id.in_(
            sa.select(GroupMembership.group_id).where(GroupMembership.user_id == filters.member_id)))
    if filters.overdue:
        stmt = stmt.where(overdue_sql(Deliverable, clock))
    if filters.stale:
        stmt = stmt.where(stale_sql(Deliverable, clock))
    if filters.q:
        pattern = contains_pattern(filters.q)
        stmt = stmt.where(Deliverable.title.ilike(pattern, escape="\\"))
    if filters.due_from:
        stmt = stmt.where(Deliverable.due_date >= filters.due_from)
    if filters.due_to:
        stmt = stmt.where(Deliverable.due_date <= filters.due_to)
    return stmt.order_by(Deliverable.due_date, Deliverable.id)


def list_deliverables(actor, filters: DeliverableFilters, page: int, per_page: int) -> Page:
    """Every deliverable the filters select (all members may read every group); archived ones apart."""
    require_actor(actor)
    if filters.archived:
        require(permissions.can_see_archived(actor))
    return paginate(filtered_select(filters), page, per_page)


# --- validation ------------------------------------------------------------------------------

def _check_status_progress(status, progress, errors: dict) -> None:
    if status not in STATUSES:
        errors["status"] = [_l("Choose one of: %(values)s.", values=", ".join(STATUSES))]
    if isinstance(progress, bool) or not isinstance(progress, int) or not PROGRESS_MIN <= progress <= PROGRESS_MAX:
        errors["progress"] = [_l("Progress must be a whole number from 0 to 100.")]


def _check_version(deliverable: Deliverable, version) -> None:
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValidationError(fields={"version": [_l("The version you edited is required.")]})
    if version != deliverable.version:
        raise Conflict(current=deliverable)


# --- writing ---------------------------------------------------------------------------------

def post_update(actor, deliverable_id: int, *, status: str, progress: int, note: str = "",
                version: int | None = None) -> DeliverableUpdate:
    """Record a progress update; refuse it if someone else saved since `version` was read."""
    require_actor(actor)
    deliverable = get_deliverable(actor, deliverable_id, for_update=True)
    require(permissions.can_post_update(actor, deliverable.group_id))
    _refuse_if_archived(deliverable)
    errors: dict = {}
    _check_status_progress(status, progress, errors)
    check_text(note, "note", NOTE_MAX, errors)
    if errors:
        raise ValidationError(fields=errors)
    if version is not None:
        _check_version(deliverable, version)
    update = DeliverableUpdate(
        deliverable_id=deliverable.id, author_id=actor.id,
        status_before=deliverable.status, status_after=status,
        progress_before=deliverable.progress, progress_after=progress,
        note=(note or "").strip(),
    )
    deliverable.status = status
    deliverable.progress = progress
    deliverable.last_update_at = utcnow()
    db.session.add(update)
    db.session.flush()
    return update


def _resolve_owner(owner_id, errors: dict) -> User | None:
    if not is_id(owner_id):
        errors["owner_id"] = [_l("Choose the person who owns this deliverable.")]
        return None
    owner = db.session.get(User, owner_id)
    if owner is None or not owner.active:
        errors["owner_id"] = [_l("No active person has that id.")]
    return owner


def _resolve_institutions(ids, errors: dict) -> list[Institution]:
    ids = list(ids or [])
    if not all(is_id(i) for i in ids):
        errors["institution_ids"] = [_l("Unknown institution.")]
        return []
    found = list(db.session.execute(sa.select(Institution).where(Institution.id.in_(ids))).scalars()) if ids else []
    if len(found) != len(set(ids)):
        errors["institution_ids"] = [_l("Unknown institution.")]
    return found


def _validate_fields(data: dict, errors: dict) -> None:
    check_text(data.get("title"), "title", TITLE_MAX, errors, required=True)
    check_text(data.get("description", ""), "description", DESCRIPTION_MAX, errors)
    due = data.get("due_date")
    if not isinstance(due, date):
        errors["due_date"] = [_l("Give a due date as YYYY-MM-DD.")]
    start = data.get("start_date")
    if start is not None and not isinstance(start, date):
        errors["start_date"] = [_l("Give a start date as YYYY-MM-DD.")]
    elif isinstance(start, date) and isinstance(due, date) and start > due:
        errors["start_date"] = [_l("The start date must come before the due date.")]


def create_deliverable(actor, group: WorkingGroup, *, title: str, owner_id: int, due_date: date,
                       description: str = "", start_date: date | None = None,
                       status: str = "not_started", progress: int = 0,
                       institution_ids=()) -> Deliverable:
    require_actor(actor)
    require(permissions.can_manage(actor, group.id))
    errors: dict = {}
    data = {"title": title, "description": description, "due_date": due_date, "start_date": start_date}
    _validate_fields(data, errors)
    _check_status_progress(status, progress, errors)
    owner = _resolve_owner(owner_id, errors)
    institutions = _resolve_institutions(institution_ids, errors)
    if errors:
        raise ValidationError(fields=errors)
    now = utcnow()
    deliverable = Deliverable(
        group_id=group.id, title=title.strip(), description=description or "", owner_id=owner.id,
        start_date=start_date or coalition_clock(now).today, due_date=due_date, status=status,
        progress=progress, created_by_id=actor.id, last_update_at=now, institutions=institutions,
    )
    db.session.add(deliverable)
    db.session.flush()
    audit.record(actor, "deliverable.create", deliverable, {
        "group": group.slug, "title": deliverable.title, "owner_id": owner.id, "due_date": due_date})
    return deliverable


def edit_deliverable(actor, deliverable_id: int, *, version: int, **values) -> Deliverable:
    """Change a deliverable's fields (not its progress: that goes through updates)."""
    require_actor(actor)
    deliverable = get_deliverable(actor, deliverable_id, for_update=True)
    require(permissions.can_manage(actor, deliverable.group_id))
    _refuse_if_archived(deliverable)
    allowed = {"title", "description", "owner_id", "due_date", "start_date", "institution_ids"}
    unknown = set(values) - allowed
    if unknown:
        raise ValidationError(fields={name: [_l("Unknown field.")] for name in sorted(unknown)})
    errors: dict = {}
    merged = {"title": deliverable.title, "description": deliverable.description,
              "due_date": deliverable.due_date, "start_date": deliverable.start_date}
    merged.update({k: v for k, v in values.items() if k in merged})
    _validate_fields(merged, errors)
    owner = _resolve_owner(values["owner_id"], errors) if "owner_id" in values else deliverable.owner
    institutions = (_resolve_institutions(values["institution_ids"], errors)
                    if "institution_ids" in values else None)
    if errors:
        raise ValidationError(fields=errors)
    _check_version(deliverable, version)
    changes = audit.diff(deliverable, {
        "title": merged["title"].strip(), "description": merged["description"] or "",
        "due_date": merged["due_date"], "start_date": merged["start_date"] or deliverable.start_date,
        "owner_id": owner.id,
    })
    if institutions is not None:
        before = sorted(i.id for i in deliverable.institutions)
        after = sorted(i.id for i in institutions)
        if before != after:
            deliverable.institutions = institutions
            changes["institution_ids"] = [before, after]
    if changes:
        # Bump the version even when only the association changed.
        deliverable.updated_at = utcnow()
        audit.record(actor, "deliverable.edit", deliverable, changes)
    db.session.flush()
    return deliverable


def archive_deliverable(actor, deliverable_id: int) -> Deliverable:
    """What deleting a deliverable does: hide it from every list, keeping it and its history whole."""
    require_actor(actor)
    deliverable = get_deliverable(actor, deliverable_id, for_update=True)
    require(permissions.can_manage(actor, deliverable.group_id))
    if deliverable.archived:
        return deliverable
    deliverable.archived_at = utcnow()
    deliverable.archived_by_id = actor.id
    audit.record(actor, "deliverable.archive", deliverable, {
        "group": deliverable.group.slug, "title": deliverable.title, "status": deliverable.status,
        "progress": deliverable.progress, "due_date": deliverable.due_date, "owner_id": deliverable.owner_id})
    db.session.flush()
    return deliverable


def restore_deliverable(actor, deliverable_id: int) -> Deliverable:
    """Bring an archived deliverable back into the lists, dashboards and reminders (coordinators)."""
    require_actor(actor)
    deliverable = get_deliverable(actor, deliverable_id, for_update=True)
    require(permissions.can_restore(actor))
    if not deliverable.archived:
        return deliverable
    audit.record(actor, "deliverable.restore", deliverable, {
        "archived_at": [deliverable.archived_at, None], "archived_by_id": [deliverable.archived_by_id, None]})
    deliverable.archived_at = None
    deliverable.archived_by_id = None
    db.session.flush()
    return deliverable


# --- milestones ------------------------------------------------------------------------------

def _check_milestone(title, weight, progress, due_date, errors: dict) -> None:
    check_text(title, "title", TITLE_MAX, errors, required=True)
    if weight is not None and (isinstance(weight, bool) or not isinstance(weight, int)
                               or not WEIGHT_MIN <= weight <= WEIGHT_MAX):
        errors["weight"] = [_l("The weight must be a whole number from 1 to 1000, or empty.")]
    if isinstance(progress, bool) or not isinstance(progress, int) or not PROGRESS_MIN <= progress <= PROGRESS_MAX:
        errors["progress"] = [_l("Progress must be a whole number from 0 to 100.")]
    if due_date is not None and not isinstance(due_date, date):
        errors["due_date"] = [_l("Give a date as YYYY-MM-DD.")]


def _roll_up(actor, deliverable: Deliverable, kind: str, milestone_title: str) -> None:
    """Record the milestones' roll-up as an update when it moves the deliverable's progress."""
    db.session.flush()
    db.session.refresh(deliverable, ["milestones"])
    progress = rolled_up_progress(deliverable.milestones)
    if progress is None or progress == deliverable.progress:
        return
    db.session.add(DeliverableUpdate(
        deliverable_id=deliverable.id, author_id=actor.id,
        status_before=deliverable.status, status_after=deliverable.status,
        progress_before=deliverable.progress, progress_after=progress, kind=kind, subject=milestone_title,
    ))
    deliverable.progress = progress
    deliverable.last_update_at = utcnow()


def add_milestone(actor, deliverable_id: int, *, title: str, weight: int | None = None,
                  progress: int = 0, due_date: date | None = None) -> Milestone:
    require_actor(actor)
    deliverable = get_deliverable(actor, deliverable_id, for_update=True)
    require(permissions.can_manage(actor, deliverable.group_id))
    _refuse_if_archived(deliverable)
    errors: dict = {}
    _check_milestone(title, weight, progress, due_date, errors)
    if errors:
        raise ValidationError(fields=errors)
    milestone = Milestone(deliverable_id=deliverable.id, title=title.strip(), weight=weight,
                          progress=progress, due_date=due_date, position=len(deliverable.milestones))
    db.session.add(milestone)
    audit.record(actor, "deliverable.milestone_add", deliverable, {"milestone": title.strip()})
    _roll_up(actor, deliverable, "milestone_added", title.strip())
    db.session.flush()
    return milestone


def _get_milestone(actor, deliverable_id: int, milestone_id: int) -> tuple[Deliverable, Milestone]:
    deliverable = get_deliverable(actor, deliverable_id, for_update=True)
    milestone = next((m for m in deliverable.milestones if m.id == milestone_id), None)
    if milestone is None:
        raise NotFound()
    _refuse_if_archived(deliverable)
    return deliverable, milestone


def update_milestone(actor, deliverable_id: int, milestone_id: int, *, title: str, weight: int | None,
                     progress: int, due_date: date | None = None) -> Milestone:
    """Members record milestone progress; leads may also rename and reweigh."""
    require_actor(actor)
    deliverable, milestone = _get_milestone(actor, deliverable_id, milestone_id)
    require(permissions.can_post_update(actor, deliverable.group_id))
    errors: dict = {}
    _check_milestone(title, weight, progress, due_date, errors)
    if errors:
        raise ValidationError(fields=errors)
    structural = {"title": title.strip(), "weight": weight, "due_date": due_date}
    if any(getattr(milestone, k) != v for k, v in structural.items()):
        require(permissions.can_manage(actor, deliverable.group_id))
    changes = audit.diff(milestone, {**structural, "progress": progress})
    if changes:
        audit.record(actor, "deliverable.milestone_edit", deliverable,
                     {"milestone_id": milestone.id, **changes})
    _roll_up(actor, deliverable, "milestone_progress", milestone.title)
    db.session.flush()
    return milestone


def delete_milestone(actor, deliverable_id: int, milestone_id: int) -> None:
    require_actor(actor)
    deliverable, milestone = _get_milestone(actor, deliverable_id, milestone_id)
    require(permissions.can_manage(actor, deliverable.group_id))
    audit.record(actor, "deliverable.milestone_delete", deliverable, {"milestone": milestone.title})
    deliverable.milestones.remove(milestone)
    _roll_up(actor, deliverable, "milestone_removed", milestone.title)
    db.session.flush()


# --- the public portal (coordinators) -----------------------------------------------------------

# The audit actions that make a deliverable's publication history.
PUBLICATION_ACTIONS = ("deliverable.publish", "deliverable.unpublish", "deliverable.public_summary",
                       "deliverable.completion")


def publish(actor, deliverable: Deliverable, *, public: bool, summary_es: str, summary_en: str,
            version) -> Deliverable:
    """Show the deliverable on the public portal with its public summary, or take it off (coordinators)."""
    require_actor(actor)
    require(permissions.can_publish(actor))
    errors: dict = {}
    if not isinstance(public, bool):
        errors["public"] = [_l("Must be true or false.")]
    check_text(summary_es, "public_summary_es", PUBLIC_SUMMARY_MAX, errors)
    check_text(summary_en, "public_summary_en", PUBLIC_SUMMARY_MAX, errors)
    summary_es, summary_en = (summary_es or "").strip(), (summary_en or "").strip()
    if public is True and not errors and not (summary_es or summary_en):
        errors["public_summary_es"] = [_l("Write a public summary, in at least one language, to publish it.")]
    if errors:
        raise ValidationError(fields=errors)
    # An archived deliverable may only be taken off the portal.
    if deliverable.archived and (public or summary_es != deliverable.public_summary_es
                                 or summary_en != deliverable.public_summary_en):
        raise Archived()
    _check_version(deliverable, version)
    was_public = deliverable.public
    changes = audit.diff(deliverable, {"public": public, "public_summary_es": summary_es,
                                       "public_summary_en": summary_en})
    if not changes:
        return deliverable
    if public != was_public:
        deliverable.published_at = utcnow() if public else None
        deliverable.published_by_id = actor.id if public else None
    action = ("deliverable.publish" if public and not was_public else
              "deliverable.unpublish" if was_public and not public else "deliverable.public_summary")
    audit.record(actor, action, deliverable, changes)
    db.session.flush()
    return deliverable


def set_completion(actor, deliverable: Deliverable, *, override: str | None, note: str, version) -> Deliverable:
    """Set the portal's completion by hand, with a note saying why, or go back to the derived one (coordinators)."""
    require_actor(actor)
    require(permissions.can_publish(actor))
    errors: dict = {}
    if override == "":
        override = None
    if override is not None and override not in COMPLETIONS:
        errors["completion_override"] = [_l("Choose one of: %(values)s.", values=", ".join(COMPLETIONS))]
    check_text(note, "completion_note", COMPLETION_NOTE_MAX, errors)
    note = (note or "").strip() if isinstance(note, str) else ""
    if override is not None and "completion_override" not in errors and "completion_note" not in errors \
            and not note:
        errors["completion_note"] = [_l("Say why the completion differs from the one derived from the progress.")]
    if errors:
        raise ValidationError(fields=errors)
    _check_version(deliverable, version)
    # The note explains an override; without one there is nothing to explain.
    values = {"completion_override": override, "completion_note": note if override else ""}
    if any(getattr(deliverable, k) != v for k, v in values.items()):
        _refuse_if_archived(deliverable)
    changes = audit.diff(deliverable, values)
    if changes:
        changes["completion"] = deliverable.completion
        audit.record(actor, "deliverable.completion", deliverable, changes)
        db.session.flush()
    return deliverable


def publication_history(deliverable: Deliverable) -> list[AuditEntry]:
    """Who published, unpublished or re-described the deliverable for the portal, and when (newest first)."""
    return audit.history_of(deliverable, PUBLICATION_ACTIONS)
