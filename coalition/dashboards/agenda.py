"""The dashboards' consultation and agenda section: the current (or latest) consultation's figures and
the recommendations by area × horizon × group and by state. A fixed number of queries (eight at most)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa

from coalition.analysis.figures import Figures, consultation_figures
from coalition.consultations.models import Consultation, Contribution, consultation_groups
from coalition.dashboards import cache
from coalition.database import utcnow
from coalition.extensions import db
from coalition.recommendations.models import AREAS, HORIZONS, RECOMMENDATION_STATES, Recommendation

# The consultation's breakdowns a dashboard shows (the consultation's own page shows all of them).
DASHBOARD_BREAKDOWNS = ("channel", "sector")


@dataclass
class AgendaSection:
    consultation: Consultation | None = None
    figures: Figures | None = None
    # (area, horizon, group_id) → number of recommendations
    cells: Counter = field(default_factory=Counter)
    by_state: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_state.values())

    def count(self, area: str, horizon: str, group_id: int | None = None) -> int:
        if group_id is not None:
            return self.cells.get((area, horizon, group_id), 0)
        return sum(n for (a, h, _g), n in self.cells.items() if a == area and h == horizon)


def _current_statement(group_id: int | None):
    now = utcnow()
    stmt = sa.select(Consultation).where(Consultation.phase != "draft")
    if group_id is not None:
        stmt = stmt.where(Consultation.id.in_(sa.select(consultation_groups.c.consultation_id)
                                              .where(consultation_groups.c.group_id == group_id)))
    is_open = sa.and_(Consultation.phase == "open", Consultation.opens_at <= now, Consultation.closes_at > now)
    return stmt.order_by(sa.case((is_open, 0), else_=1), Consultation.closes_at.desc(),
                         Consultation.id.desc()).limit(1)


def current_consultation(group_id: int | None = None) -> Consultation | None:
    """The open consultation closing first, else the one that closed last; of the group when given."""
    return db.session.execute(_current_statement(group_id)).scalar_one_or_none()


def current(group_id: int | None = None) -> tuple[Consultation | None, int]:
    """The section's consultation and the newest contribution's id (0 without a consultation): what,
    with the context version, decides everything the section shows (one small query)."""
    # A new contribution bumps no version: its id stands for it.
    newest = sa.select(sa.func.max(Contribution.id)).scalar_subquery()
    row = db.session.execute(_current_statement(group_id).add_columns(newest)).first()
    return (row[0], row[1] or 0) if row is not None else (None, 0)


def agenda_section(group_id: int | None = None,
                   current_one: tuple[Consultation | None, int] | None = None) -> AgendaSection:
    """What the dashboard of the coalition (or of one group) shows of the consultation and the agenda.
    `current_one`: `current(group_id)`, when the caller already read it."""
    consultation, newest = current_one if current_one is not None else current(group_id)
    section = AgendaSection(consultation=consultation)
    if consultation is not None:
        # Counting every contribution takes most of a dashboard at 100,000 of them: once per context
        # version (a progress update leaves it) and newest contribution.
        section.figures = cache.cached(
            ("agenda", consultation.id, newest, DASHBOARD_BREAKDOWNS),
            lambda: consultation_figures(consultation, DASHBOARD_BREAKDOWNS), at_version=cache.context_version())
    stmt = (sa.select(Recommendation.area, Recommendation.horizon, Recommendation.group_id, Recommendation.state,
                      sa.func.count())
            .group_by(Recommendation.area, Recommendation.horizon, Recommendation.group_id, Recommendation.state))
    if group_id is not None:
        stmt = stmt.where(Recommendation.group_id == group_id)
    by_state: Counter = Counter()
    for area, horizon, g_id, state, n in db.session.execute(stmt):
        section.cells[(area, horizon, g_id)] += n
        by_state[state] += n
    section.by_state = {state: by_state[state] for state in RECOMMENDATION_STATES if by_state[state]}
    return section


AREA_KEYS = tuple(AREAS)
HORIZON_KEYS = tuple(HORIZONS)
