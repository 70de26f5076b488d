"""Who may manage member institutions."""
from __future__ import annotations


def can_manage_institutions(actor) -> bool:
    return actor.is_coordinator
