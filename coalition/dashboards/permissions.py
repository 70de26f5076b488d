"""Who sees which dashboard."""
from __future__ import annotations

from coalition.groups.permissions import is_lead


def can_view_coalition_dashboard(actor) -> bool:
    return actor.is_coordinator


def can_view_group_dashboard(actor, group_id: int) -> bool:
    return actor.is_coordinator or is_lead(actor, group_id)
