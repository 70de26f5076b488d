"""Who may import and export spreadsheets: coordinators and admins (SPEC's Roles table)."""
from __future__ import annotations


def can_import(actor) -> bool:
    return actor.is_coordinator


def needs_reauthentication(kind: str) -> bool:
    """Bulk imports of people reach people's roles: the password is asked again first (issue 12)."""
    return kind == "people"
