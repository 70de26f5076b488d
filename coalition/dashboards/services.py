"""Dashboard figures, aggregated in SQL: a fixed number of queries whatever the data size."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from coalition.auth.permissions import require, require_actor
from coalition.dashboards import permissions
from coalition.deliverables.health import coalition_clock, health_sql, overdue_sql, stale_sql
from coalition.deliverables.models import HEALTHS, STATUSES, Deliverable
from coalition.extensions import db
from coalition.groups.models import WorkingGroup
from coalition.groups.services import progress_by_group


@dataclass
class Dashboard:
    group: WorkingGroup | None
    progress: list[tuple[WorkingGroup, int, int]]
    by_status: dict[str, int]
    by_health: dict[str, int]
    overdue: list[Deliverable]
    stale: list[Deliverable]
    total: int


def dashboard(actor, group: WorkingGroup | None = None, list_limit: int = 15) -> Dashboard:
    """The coalition's figures, or one group's when `group` is given."""
    require_actor(actor)
    if group is None:
        require(permissions.can_view_coalition_dashboard(actor))
    else:
        require(permissions.can_view_group_dashboard(actor, group.id))
    clock = coalition_clock()
    scope = [Deliverable.group_id == group.id] if group is not None else []
    groups = list(db.session.execute(sa.select(WorkingGroup).order_by(WorkingGroup.position)).scalars())
    progress = progress_by_group()
    rows = [(g, *progress.get(g.id, (0, 0))) for g in groups if group is None or g.id == group.id]
    health = health_sql(Deliverable, clock).label("health")
    counts = db.session.execute(
        sa.select(Deliverable.status, health, sa.func.count()).where(*scope).group_by(Deliverable.status, health)
    ).all()
    by_status = {key: 0 for key in STATUSES}
    by_health = {key: 0 for key in HEALTHS}
    for status, health_value, count in counts:
        by_status[status] += count
        by_health[health_value] += count

    def listing(condition):
        return list(db.session.execute(
            sa.select(Deliverable).where(condition, *scope)
            .options(joinedload(Deliverable.owner), joinedload(Deliverable.group))
            .order_by(Deliverable.due_date, Deliverable.id).limit(list_limit)
        ).scalars())

    return Dashboard(group=group, progress=rows, by_status=by_status, by_health=by_health,
                     overdue=listing(overdue_sql(Deliverable, clock)), stale=listing(stale_sql(Deliverable, clock)),
                     total=sum(by_status.values()))
