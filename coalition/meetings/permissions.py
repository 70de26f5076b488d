"""Who may run a group's meetings."""
from __future__ import annotations

from coalition.groups.permissions import is_lead


def can_manage(actor, group_id: int) -> bool:
    """Schedule, edit, cancel; record attendance, minutes, decisions and action items."""
    return actor.is_coordinator or is_lead(actor, group_id)
