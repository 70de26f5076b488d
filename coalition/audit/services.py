"""Record changes in the audit log; every service that changes shared records calls this."""
from __future__ import annotations

import datetime as dt
from typing import Any

from coalition.audit.models import AuditEntry
from coalition.extensions import db


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def record(actor, action: str, subject, changes: dict | None = None) -> AuditEntry:
    """Add an audit entry for `action` on `subject` by `actor` (None for the system)."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        subject_type=type(subject).__tablename__ if hasattr(type(subject), "__tablename__") else str(subject),
        subject_id=getattr(subject, "id", None),
        changes={k: _plain(v) for k, v in (changes or {}).items()},
    )
    db.session.add(entry)
    return entry


def diff(obj, values: dict) -> dict:
    """Set `values` on `obj` and return {field: [before, after]} for those that changed."""
    changed = {}
    for field, new in values.items():
        old = getattr(obj, field)
        if old != new:
            changed[field] = [_plain(old), _plain(new)]
            setattr(obj, field, new)
    return changed
