"""Who may update and manage a group's deliverables."""
from __future__ import annotations

from coalition.groups.permissions import is_lead, is_member


def can_post_update(actor, group_id: int) -> bool:
    return actor.is_coordinator or is_member(actor, group_id)


def can_manage(actor, group_id: int) -> bool:
    """Create, edit and archive ("delete") deliverables (and their milestones) of the group."""
    return actor.is_coordinator or is_lead(actor, group_id)


def can_see_archived(actor) -> bool:
    """Archived deliverables are hidden from everyone else (a 404, as if they did not exist)."""
    return actor.is_coordinator


def can_restore(actor) -> bool:
    return actor.is_coordinator


def can_publish(actor) -> bool:
    """Put a deliverable on the public portal (or take it off) and set its completion."""
    return actor.is_coordinator
