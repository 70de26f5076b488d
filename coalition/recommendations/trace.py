"""A recommendation's trace: the people behind it (by sector, state and channel), its themes, its total.

The same few queries whatever the numbers: one GROUP BY over the contributions behind it, one over its
themes, one count of its direct sources. Profile breakdowns follow the small-cell rule (k ≥ 5).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa

from coalition.consultations.cells import hide_small_cells
from sqlalchemy.orm import contains_eager

from coalition.consultations.models import Coding, Consultation, Contribution, Theme
from coalition.extensions import db
from coalition.pagination import Page, paginate
from coalition.recommendations.models import SourceContribution, SourceTheme
from coalition.recommendations.reach import contributions_behind


@dataclass
class Breakdown:
    """Counts shown (each at least MIN_CELL), and how many people the hidden cells held together."""

    shown: dict = field(default_factory=dict)
    hidden: int = 0


@dataclass
class ThemeCount:
    theme: Theme
    contributions: int


@dataclass
class Trace:
    total: int
    direct: int
    by_sector: Breakdown
    by_state: Breakdown
    by_channel: Breakdown
    themes: list[ThemeCount]


def _breakdown(counter: Counter) -> Breakdown:
    shown, hidden = hide_small_cells(dict(counter))
    return Breakdown(shown=dict(sorted(shown.items(), key=lambda kv: (-kv[1], kv[0]))), hidden=hidden)


def trace(recommendation_id: int) -> Trace:
    """The trace of one recommendation, in three queries."""
    behind = contributions_behind([recommendation_id]).subquery()
    rows = db.session.execute(
        sa.select(Contribution.sector, Contribution.state, Contribution.channel, sa.func.count())
        .join(behind, behind.c.contribution_id == Contribution.id)
        .group_by(Contribution.sector, Contribution.state, Contribution.channel)).all()
    sectors, states, channels = Counter(), Counter(), Counter()
    for sector, state, channel, n in rows:
        sectors[sector] += n
        states[state] += n
        channels[channel] += n
    theme_rows = db.session.execute(
        sa.select(Theme, sa.func.count(Contribution.id))
        .join(SourceTheme, SourceTheme.theme_id == Theme.id)
        .join(Consultation, Consultation.id == Theme.consultation_id)
        .options(contains_eager(Theme.consultation))
        .outerjoin(Coding, Coding.theme_id == Theme.id)
        .outerjoin(Contribution, sa.and_(Contribution.id == Coding.contribution_id, Contribution.hidden_at.is_(None)))
        .where(SourceTheme.recommendation_id == recommendation_id)
        .group_by(Theme.id, Consultation.id).order_by(Theme.consultation_id, Theme.name_es)).all()
    direct = db.session.scalar(
        sa.select(sa.func.count()).select_from(SourceContribution)
        .join(Contribution, Contribution.id == SourceContribution.contribution_id)
        .where(SourceContribution.recommendation_id == recommendation_id, Contribution.hidden_at.is_(None)))
    return Trace(total=sum(sectors.values()), direct=direct or 0, by_sector=_breakdown(sectors),
                 by_state=_breakdown(states), by_channel=_breakdown(channels),
                 themes=[ThemeCount(theme=theme, contributions=n) for theme, n in theme_rows])


def contributions_page(recommendation_id: int, page: int, per_page: int) -> Page:
    """The visible contributions behind a recommendation, newest first: for members, never their addresses."""
    behind = contributions_behind([recommendation_id]).subquery()
    stmt = (sa.select(Contribution.id, Contribution.consultation_id, Contribution.submitted_at, Contribution.sector,
                      Contribution.state, Contribution.channel, Contribution.search_text)
            .join(behind, behind.c.contribution_id == Contribution.id)
            .order_by(Contribution.submitted_at.desc(), Contribution.id.desc()))
    return paginate(stmt, page, per_page, scalars=False)
