"""Who may import and export spreadsheets: coordinators and admins (SPEC's Roles table)."""
from __future__ import annotations


def can_import(actor) -> bool:
    return actor.is_coordinator


def can_export_contributions(actor) -> bool:
    """Members read contributions (SPEC's Roles): the export holds no names, e-mails or receipt codes."""
    return actor.active
