"""Who may run consultations, and who may see one before it is published."""
from __future__ import annotations


def can_manage(actor) -> bool:
    """Create, edit, publish consultations and set their phase: coordinators and admins."""
    return actor is not None and getattr(actor, "is_authenticated", False) and actor.is_coordinator


def can_see_drafts(actor) -> bool:
    return can_manage(actor)
