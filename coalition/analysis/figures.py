"""A consultation's figures, all counted in SQL over its visible contributions (hidden ones never count).

Breakdowns by profile go through the small-cell rule: no cell of fewer than MIN_CELL people is shown.
The number of queries is the same whatever the number of contributions.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from coalition.consultations.cells import hide_small_cells
from coalition.consultations.models import AGE_BANDS, CHANNELS, PROFILE_SECTORS, Coding, Consultation, Contribution
from coalition.database import local_bucket
from coalition.extensions import db
from coalition.recommendations.reach import reached_contributions

BREAKDOWNS = ("channel", "sector", "state", "age_band", "gender")
# Order of the keys in a breakdown where the vocabulary has one; others by count.
_ORDERS = {"channel": tuple(CHANNELS), "sector": tuple(PROFILE_SECTORS), "age_band": tuple(AGE_BANDS)}
NOT_GIVEN = ""  # the key of "not given" (no age band, no gender)


@dataclass
class Breakdown:
    shown: list[tuple[str, int]]  # (key, count), cells of at least MIN_CELL
    hidden: int  # people in the cells not shown, when that total itself reaches MIN_CELL; else 0


@dataclass
class Figures:
    total: int = 0
    coded: int = 0
    reached: int = 0
    by_day: list[tuple[str, int]] = field(default_factory=list)
    breakdowns: dict[str, Breakdown] = field(default_factory=dict)

    @property
    def share_coded(self) -> float:
        return self.coded / self.total if self.total else 0.0

    @property
    def share_reached(self) -> float:
        return self.reached / self.total if self.total else 0.0


def _visible(consultation_id: int):
    return sa.and_(Contribution.consultation_id == consultation_id, Contribution.hidden_at.is_(None))


def _breakdown(name: str, consultation_id: int) -> Breakdown:
    if name == "gender":
        # Self-described: "Mujer" and " mujer " are one cell.
        key = sa.func.coalesce(sa.func.lower(sa.func.trim(Contribution.gender)), NOT_GIVEN)
    else:
        key = sa.func.coalesce(getattr(Contribution, name), NOT_GIVEN)
    rows = db.session.execute(sa.select(key, sa.func.count()).where(_visible(consultation_id)).group_by(key))
    counts = {k: n for k, n in rows}
    shown, hidden = hide_small_cells(counts)
    order = _ORDERS.get(name)
    if order:
        keys = [k for k in order if k in shown] + sorted(k for k in shown if k not in order)
    else:
        keys = sorted(shown, key=lambda k: (-shown[k], k))
    return Breakdown(shown=[(k, shown[k]) for k in keys], hidden=hidden)


def consultation_figures(consultation: Consultation, breakdowns=BREAKDOWNS) -> Figures:
    """The figures of one consultation: two queries, and one per breakdown asked for."""
    cid = consultation.id
    reached = reached_contributions(cid).subquery()
    total, coded, reached_n = db.session.execute(
        sa.select(sa.func.count(),
                  sa.func.count(sa.case((sa.exists().where(Coding.contribution_id == Contribution.id), 1))),
                  sa.func.count(sa.case((Contribution.id.in_(sa.select(reached.c.contribution_id)), 1))))
        .select_from(Contribution).where(_visible(cid))).one()
    day = local_bucket(Contribution.submitted_at, "%Y-%m-%d", db.session.get_bind().dialect.name)
    by_day = [(d, n) for d, n in db.session.execute(
        sa.select(day, sa.func.count()).where(_visible(cid)).group_by(day).order_by(day))]
    return Figures(total=total, coded=coded, reached=reached_n, by_day=by_day,
                   breakdowns={name: _breakdown(name, cid) for name in breakdowns})
