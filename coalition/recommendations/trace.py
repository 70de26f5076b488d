"""A recommendation's trace: the people behind it (by sector, state and channel), its themes, its total.

The same few queries whatever the numbers: one GROUP BY over the contributions behind it, one over its
themes, one count of its direct sources. Profile breakdowns follow the small-cell rule (k ≥ 5).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa

from sqlalchemy.orm import contains_eager

from coalition.consultations.cells import hide_small_cells
from coalition.consultations.models import Coding, Consultation, Contribution, Theme
from coalition.dashboards import cache
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


def trace(recommendation_id: int, public: bool = False) -> Trace:
    """The trace of one recommendation: its counts come from the exact cache (`dashboards.cache`, keyed by
    the data version every coding, citation or hiding bumps), computed in three queries on a miss.
    `public`: only contributions and themes of consultations whose results are public (the portal)."""
    counts = cache.cached(("trace", recommendation_id, public), lambda: _counts(recommendation_id, public))
    sectors, states, channels = Counter(), Counter(), Counter()
    for sector, state, channel, n in counts["rows"]:
        sectors[sector] += n
        states[state] += n
        channels[channel] += n
    themes = {theme.id: theme for theme in db.session.execute(
        sa.select(Theme).join(Consultation, Consultation.id == Theme.consultation_id)
        .options(contains_eager(Theme.consultation))
        .where(Theme.id.in_([theme_id for theme_id, _n in counts["themes"]]))).scalars()}
    return Trace(total=sum(sectors.values()), direct=counts["direct"], by_sector=_breakdown(sectors),
                 by_state=_breakdown(states), by_channel=_breakdown(channels),
                 themes=[ThemeCount(theme=themes[theme_id], contributions=n)
                         for theme_id, n in counts["themes"] if theme_id in themes])


def _counts(recommendation_id: int, public: bool = False) -> dict:
    """The trace's figures as plain data (what the cache keeps)."""
    behind = contributions_behind([recommendation_id]).subquery()
    published = sa.select(Consultation.id).where(Consultation.results_public())
    contributions_in = Contribution.consultation_id.in_(published) if public else sa.true()
    rows = db.session.execute(
        sa.select(Contribution.sector, Contribution.state, Contribution.channel, sa.func.count())
        .join(behind, behind.c.contribution_id == Contribution.id)
        .where(contributions_in)
        .group_by(Contribution.sector, Contribution.state, Contribution.channel)).all()
    theme_rows = db.session.execute(
        sa.select(Theme.id, sa.func.count(Contribution.id))
        .join(SourceTheme, SourceTheme.theme_id == Theme.id)
        .outerjoin(Coding, Coding.theme_id == Theme.id)
        .outerjoin(Contribution, sa.and_(Contribution.id == Coding.contribution_id, Contribution.hidden_at.is_(None)))
        .where(SourceTheme.recommendation_id == recommendation_id,
               Theme.consultation_id.in_(published) if public else sa.true())
        .group_by(Theme.id, Theme.consultation_id, Theme.name_es)
        .order_by(Theme.consultation_id, Theme.name_es)).all()
    direct = db.session.scalar(
        sa.select(sa.func.count()).select_from(SourceContribution)
        .join(Contribution, Contribution.id == SourceContribution.contribution_id)
        .where(SourceContribution.recommendation_id == recommendation_id, Contribution.hidden_at.is_(None),
               contributions_in))
    return {"rows": [[sector, state, channel, n] for sector, state, channel, n in rows],
            "themes": [[theme_id, n] for theme_id, n in theme_rows], "direct": direct or 0}


CONTRIBUTION_COLUMNS = (Contribution.id, Contribution.consultation_id, Contribution.submitted_at, Contribution.sector,
                        Contribution.state, Contribution.channel, Contribution.search_text)


def contributions_page(recommendation_id: int, page: int, per_page: int) -> Page:
    """The visible contributions behind a recommendation, newest first: for members, never their addresses.

    Which ids make the page (and the total) come from the exact cache; the rows are then read by id."""
    def chosen() -> dict:
        behind = contributions_behind([recommendation_id]).subquery()
        stmt = (sa.select(Contribution.id).join(behind, behind.c.contribution_id == Contribution.id)
                .order_by(Contribution.submitted_at.desc(), Contribution.id.desc()))
        found = paginate(stmt, page, per_page)
        return {"ids": list(found.items), "total": found.total}

    picked = cache.cached(("trace-page", recommendation_id, page, per_page), chosen)
    rows = {row.id: row for row in db.session.execute(
        sa.select(*CONTRIBUTION_COLUMNS).where(Contribution.id.in_(picked["ids"]))).all()} if picked["ids"] else {}
    return Page(items=[rows[i] for i in picked["ids"] if i in rows], page=page, per_page=per_page,
                total=picked["total"])
