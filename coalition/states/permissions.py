"""Who may name state liaisons."""
from __future__ import annotations


def can_read(actor) -> bool:
    """Every logged-in member reads every state chapter."""
    return True


def can_appoint_liaisons(actor) -> bool:
    return actor.is_coordinator
