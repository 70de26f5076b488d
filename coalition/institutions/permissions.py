"""Who may manage member institutions."""
from __future__ import annotations


def can_manage_institutions(actor) -> bool:
    return actor.is_coordinator


def can_set_listed(actor, institution) -> bool:
    """Whether the actor may say if the institution appears on the public portal: a coordinator, or one
    of its own people (the institution agrees to be named)."""
    return actor.is_coordinator or (actor.institution_id is not None and actor.institution_id == institution.id)
