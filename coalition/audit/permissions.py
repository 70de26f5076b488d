"""Who reads the audit log: administrators, who answer for security."""
from __future__ import annotations


def can_view_audit(actor) -> bool:
    return actor.role == "admin"
