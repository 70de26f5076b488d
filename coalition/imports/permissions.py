"""Who may import and export spreadsheets: coordinators and admins (SPEC's Roles table)."""
from __future__ import annotations


def can_import(actor) -> bool:
    return actor.is_coordinator
