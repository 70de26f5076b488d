"""What a person sees first: their deliverables by due date, their groups, their next meetings."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from coalition.auth.permissions import require_actor
from coalition.deliverables.models import Deliverable
from coalition.deliverables.services import DeliverableView, describe
from coalition.deliverables.health import coalition_clock
from coalition.extensions import db
from coalition.groups.services import GroupSummary, list_groups
from coalition.meetings import services as meeting_services


@dataclass
class Home:
    deliverables: list[DeliverableView]
    groups: list[GroupSummary]
    meetings: list


def home_for(actor, limit: int = 20) -> Home:
    require_actor(actor)
    clock = coalition_clock()
    mine = db.session.execute(
        sa.select(Deliverable).where(Deliverable.owner_id == actor.id, Deliverable.status != "done",
                                     Deliverable.archived_at.is_(None))
        .options(joinedload(Deliverable.group), joinedload(Deliverable.owner))
        .order_by(Deliverable.due_date, Deliverable.id).limit(limit)
    ).scalars()
    groups = [g for g in list_groups(actor) if g.my_role]
    return Home(deliverables=[describe(d, clock) for d in mine], groups=groups,
                meetings=meeting_services.upcoming_for(actor, limit=5))
