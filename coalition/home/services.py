"""What a person sees first: their deliverables by due date, their groups, their next meetings; and for
coordinators and admins, what needs them this week across the coalition and its latest activity.

Everything but the stamp is computed only when the home's cached rendering misses (see views).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from coalition.auth.permissions import require, require_actor
from coalition.consultations.models import Coding, Consultation, Contribution
from coalition.dashboards import cache
from coalition.dashboards import permissions as dashboard_permissions
from coalition.dashboards import services as dashboard_services
from coalition.dashboards.models import DataVersion
from coalition.deliverables.health import coalition_clock
from coalition.deliverables.models import Deliverable
from coalition.deliverables.services import DeliverableView, describe
from coalition.extensions import db
from coalition.groups.services import GroupSummary, list_groups
from coalition.imports.models import PendingImport
from coalition.meetings import services as meeting_services

# Items of each "needs you" list shown on the home; the dashboard lists the rest.
GLANCE_ITEMS = 5
# How many of each the dashboard lists: the home says "15+" when a list is full.
DASHBOARD_LIST = 15
# The latest activity shown on a coordinator's home.
ACTIVITY_ITEMS = 10
# A person's pending imports shown (each expires within hours, so there are rarely more).
PENDING_IMPORTS_SHOWN = 10


@dataclass
class Home:
    deliverables: list[DeliverableView]
    groups: list[GroupSummary]
    meetings: list


def home_for(actor, limit: int = 20, now: datetime | None = None) -> Home:
    """The actor's open deliverables, groups and next meetings, as of `now` (default: this instant)."""
    require_actor(actor)
    clock = coalition_clock(now)
    mine = db.session.execute(
        sa.select(Deliverable).where(Deliverable.owner_id == actor.id, Deliverable.status != "done",
                                     Deliverable.archived_at.is_(None))
        .options(joinedload(Deliverable.group), joinedload(Deliverable.owner))
        .order_by(Deliverable.due_date, Deliverable.id).limit(limit)
    ).scalars()
    # Most coordinators are in no group: then there is nothing to list (and four queries saved).
    groups = [g for g in list_groups(actor) if g.my_role] if actor.group_roles() else []
    return Home(deliverables=[describe(d, clock) for d in mine], groups=groups,
                meetings=meeting_services.upcoming_for(actor, limit=5, now=now))


@dataclass(frozen=True)
class PendingUpload:
    """A spreadsheet its owner previewed and has not imported yet."""

    id: str
    kind: str
    filename: str
    consultation: str | None  # the slug, for contributions
    expires_at: datetime


@dataclass(frozen=True)
class Stamp:
    """What a cached home is keyed by: the data version (None without its row), the newest contribution's id
    (a new contribution does not bump the version), and the person's pending imports (not versioned)."""

    version: int | None
    newest_contribution: int
    imports: tuple[PendingUpload, ...]


def stamp(actor, now: datetime) -> Stamp:
    """The home's stamp for `actor` at `now`, in one query."""
    require_actor(actor)
    version = DataVersion.__table__
    pending = PendingImport.__table__
    newest = sa.select(sa.func.max(Contribution.id)).scalar_subquery()
    # One round trip: the version row, outer-joined to the actor's unexpired imports (usually none).
    rows = db.session.connection().execute(
        sa.select(version.c.value, newest, pending.c.id, pending.c.kind, pending.c.filename, pending.c.options,
                  pending.c.expires_at)
        .select_from(version.outerjoin(pending, sa.and_(pending.c.owner_id == actor.id,
                                                        pending.c.expires_at > now)))
        .where(version.c.id == 1)
        .order_by(pending.c.created_at.desc(), pending.c.id).limit(PENDING_IMPORTS_SHOWN)).all()
    if not rows:
        return Stamp(None, 0, ())
    imports = tuple(PendingUpload(row.id, row.kind, row.filename or "", (row.options or {}).get("consultation"),
                                  row.expires_at)
                    for row in rows if row.id is not None)
    return Stamp(rows[0][0], rows[0][1] or 0, imports)


@dataclass(frozen=True)
class Uncoded:
    """A consultation taking or done taking contributions, with its visible contributions not coded yet."""

    slug: str
    title_es: str
    title_en: str
    count: int

    def title_in(self, language: str) -> str:
        return self.title_es if language == "es" else self.title_en


@dataclass
class Glance:
    """The coalition at a glance: the dashboard's figures and the consultations with contributions to code."""

    board: dashboard_services.Dashboard
    uncoded: list[Uncoded]

    @property
    def needs_nothing(self) -> bool:
        return not (self.board.overdue or self.board.stale or self.board.without_minutes or self.uncoded)


def uncoded(now: datetime) -> list[Uncoded]:
    """Open and closed consultations (published, opened by `now`) with visible uncoded contributions (one query)."""
    coded = sa.exists().where(Coding.contribution_id == Contribution.id)
    rows = db.session.execute(
        sa.select(Consultation.slug, Consultation.title_es, Consultation.title_en, sa.func.count(Contribution.id))
        .join(Contribution, Contribution.consultation_id == Consultation.id)
        .where(Consultation.phase == "open", Consultation.opens_at <= now, Contribution.hidden_at.is_(None), ~coded)
        .group_by(Consultation.id, Consultation.slug, Consultation.title_es, Consultation.title_en)
        .order_by(Consultation.closes_at.desc(), Consultation.id)).all()
    return [Uncoded(*row) for row in rows]


def glance(actor, now: datetime, newest_contribution: int, version: int | None = None) -> Glance:
    """What needs a coordinator across the coalition as of `now`, and its latest activity (`version`: the
    data version the request already read)."""
    require_actor(actor)
    require(dashboard_permissions.can_view_coalition_dashboard(actor))
    # The coalition dashboard's own figures, from its exact cache (the same entry its page reads).
    board = dashboard_services.dashboard(actor, list_limit=DASHBOARD_LIST)
    # Exact under the data version (codings, hiding, consultations bump it) and the newest contribution; a
    # contribution committed after a higher id was counted waits at most for the clock's next step.
    counts = cache.cached(("home-uncoded", newest_contribution, now.isoformat()),
                          lambda: [(u.slug, u.title_es, u.title_en, u.count) for u in uncoded(now)],
                          at_version=version)
    return Glance(board=board, uncoded=[Uncoded(*row) for row in counts])
