"""Who may read, draft, edit and decide on recommendations (SPEC "Consultation and agenda", Roles)."""
from __future__ import annotations

from coalition.groups.permissions import is_lead

# The states only a coordinator may set: the coalition's decision on a recommendation.
DECISION_STATES = ("adopted", "merged", "rejected")


def can_read(actor) -> bool:
    """Every logged-in member reads every recommendation, published or not."""
    return True


def can_edit(actor, group_id: int) -> bool:
    """Create and edit the group's recommendations: their text, sources, splits and deliverables."""
    return actor.is_coordinator or is_lead(actor, group_id)


def can_decide(actor) -> bool:
    """Adopt, reject, merge and publish; write the public answer."""
    return actor.is_coordinator


def can_create_any(actor) -> bool:
    return actor.is_coordinator or "lead" in actor.group_roles().values()
