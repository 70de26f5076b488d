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


# The most entries a page's history panel shows (the audit page has them all).
HISTORY_MAX = 50


def history_of(subject, actions: tuple[str, ...], limit: int = HISTORY_MAX) -> list[AuditEntry]:
    """The entries of `actions` on `subject` with their actors, newest first, in one query."""
    import sqlalchemy as sa
    from sqlalchemy.orm import joinedload

    return list(db.session.scalars(
        sa.select(AuditEntry).options(joinedload(AuditEntry.actor))
        .where(AuditEntry.subject_type == type(subject).__tablename__, AuditEntry.subject_id == subject.id,
               AuditEntry.action.in_(actions))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(limit)))


# Families of actions, for the audit page's filter. Security events are the `auth.` and `token.`
# ones and the changes of people's roles and access (`user.`).
FAMILIES = ("auth", "token", "user", "invitation", "institution", "membership", "deliverable", "meeting",
            "consultation", "contribution", "theme", "coding", "recommendation")


def list_entries(actor, *, family: str | None = None, q: str | None = None, page: int = 1,
                 per_page: int = 50):
    """Newest first, optionally one family of actions, or entries by a person matching `q`."""
    import sqlalchemy as sa
    from sqlalchemy.orm import joinedload

    from coalition.audit import permissions
    from coalition.audit.models import AuditEntry
    from coalition.auth.models import User
    from coalition.auth.permissions import require, require_actor
    from coalition.database import contains_pattern
    from coalition.pagination import paginate

    require_actor(actor)
    require(permissions.can_view_audit(actor))
    stmt = sa.select(AuditEntry).options(joinedload(AuditEntry.actor)).order_by(
        AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if family in FAMILIES:
        stmt = stmt.where(AuditEntry.action.like(f"{family}.%"))
    if q:
        pattern = contains_pattern(q)
        stmt = stmt.where(AuditEntry.actor_id.in_(sa.select(User.id).where(
            User.email.ilike(pattern, escape="\\") | User.name.ilike(pattern, escape="\\"))))
    return paginate(stmt, page, per_page)
