"""Who may import and export spreadsheets: coordinators and admins (SPEC's Roles table)."""
from __future__ import annotations


def can_import(actor) -> bool:
    return actor.is_coordinator


def can_export_contributions(actor) -> bool:
    """Members read contributions (SPEC's Roles): the export holds no names, e-mails or receipt codes."""
    return actor.active


def can_import_policy(actor) -> bool:
    """Instruments and engagements: coordinators, and state liaisons (each row then only of their states)."""
    from coalition.policy.permissions import can_record_somewhere

    return can_record_somewhere(actor)


def can_export_policy(actor) -> bool:
    """Every member reads every instrument and engagement (policy.permissions.can_read): so the export."""
    from coalition.policy.permissions import can_read

    return actor.active and can_read(actor)
