"""Test data with sequences: each factory adds rows, flushes, and returns the object."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa

from coalition.auth.models import User
from coalition.auth.services import hash_password
from coalition.deliverables.models import Deliverable
from coalition.extensions import db
from coalition.groups.models import GroupMembership, WorkingGroup
from coalition.institutions.models import Institution
from coalition.meetings.models import Attendance, Meeting

PASSWORD = "correct horse battery"
_seq = itertools.count(1)
_password_hash = None


def _hash() -> str:
    global _password_hash
    if _password_hash is None:
        _password_hash = hash_password(PASSWORD)
    return _password_hash


def group(slug: str) -> WorkingGroup:
    return db.session.execute(sa.select(WorkingGroup).where(WorkingGroup.slug == slug)).scalar_one()


def institution(**values) -> Institution:
    n = next(_seq)
    inst = Institution(**{"name": f"Instituto de Prueba {n}", "acronym": f"IP{n}", "sector": "academia",
                          "state": "JAL", "joined_on": date(2020, 1, 1), **values})
    db.session.add(inst)
    db.session.flush()
    return inst


def user(role: str = "member", groups: dict[str, str] | None = None, **values) -> User:
    """A person; `groups` maps group slugs to their role there, e.g. {"ethics": "lead"}."""
    n = next(_seq)
    person = User(**{"email": f"person{n}@example.org", "name": f"Persona {n}", "role": role,
                     "password_hash": _hash(), **values})
    db.session.add(person)
    db.session.flush()
    for slug, membership_role in (groups or {}).items():
        db.session.add(GroupMembership(group_id=group(slug).id, user_id=person.id, role=membership_role))
    db.session.flush()
    return person


def deliverable(group_slug: str = "ethics", owner: User | None = None, **values) -> Deliverable:
    n = next(_seq)
    owner = owner or user(groups={group_slug: "member"})
    item = Deliverable(**{"group_id": group(group_slug).id, "title": f"Entregable {n}", "owner_id": owner.id,
                          "due_date": today() + timedelta(days=60), "status": "in_progress",
                          "progress": 10, **values})
    db.session.add(item)
    db.session.flush()
    return item


def meeting(group_slug: str = "ethics", invitees=(), **values) -> Meeting:
    n = next(_seq)
    item = Meeting(**{"group_id": group(group_slug).id, "title": f"Reunión {n}",
                      "starts_at": datetime.now(timezone.utc) + timedelta(days=3), "duration_minutes": 60,
                      "location": "Ciudad de México", **values})
    db.session.add(item)
    db.session.flush()
    for person in invitees:
        db.session.add(Attendance(meeting_id=item.id, user_id=person.id, institution_id=person.institution_id))
    db.session.flush()
    return item


def today() -> date:
    """The coalition's today (Mexico City), which the app's due-date rules use; UTC's differs at night."""
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("America/Mexico_City")).date()


def days_ago(days: int) -> datetime:
    return datetime.now(timezone.utc) - timedelta(days=days)
