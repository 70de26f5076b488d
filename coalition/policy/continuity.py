"""Continuity: per federal administration, the instruments approved under it and how many were still in
force after the next administration took office (the policy brief's lesson: a change of government can
stall what the last one adopted).

An instrument is approved under the administration in office on its first `approved` or `in_force`
stage; it survived the change when the next administration has started and no `repealed` or `abandoned`
stage after its approval is dated on or before that start. One grouped statement reads every approved
instrument's first approval and first end; mapping dates to terms is done here, from the table of
administrations.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from coalition.database import coalition_today
from coalition.extensions import db
from coalition.policy.administrations import ADMINISTRATIONS, Administration, following, in_office
from coalition.policy.models import ADOPTED_STAGES, ENDED_STAGES, InstrumentStage


@dataclass(frozen=True)
class Continuity:
    administration: Administration
    approved: int
    # Approved under it and not ended by the day the next administration took office; None while the
    # next one has not started (nothing to tell yet).
    survived: int | None

    @property
    def ended(self) -> int | None:
        return None if self.survived is None else self.approved - self.survived

    @property
    def share(self) -> int | None:
        """The survivors as a whole percentage of those approved (None: unknown or nothing approved)."""
        if self.survived is None or not self.approved:
            return None
        return round(100 * self.survived / self.approved)


def approvals() -> list[tuple[date, date | None]]:
    """Every approved instrument's first approval and its first end after that, in one statement."""
    stages = InstrumentStage.__table__
    first = (sa.select(stages.c.instrument_id, sa.func.min(stages.c.on_date).label("approved_on"))
             .where(stages.c.stage.in_(ADOPTED_STAGES)).group_by(stages.c.instrument_id).subquery())
    later = stages.alias("later")
    ended_on = sa.func.min(sa.case((sa.and_(later.c.stage.in_(ENDED_STAGES), later.c.on_date >= first.c.approved_on),
                                    later.c.on_date)))
    rows = db.session.execute(
        sa.select(first.c.approved_on, ended_on.label("ended_on"))
        .join_from(first, later, later.c.instrument_id == first.c.instrument_id)
        .group_by(first.c.instrument_id, first.c.approved_on)).all()
    return [(_day(approved), _day(ended)) for approved, ended in rows]


def _day(value) -> date | None:
    # SQLite hands back a MIN() over a CASE as text.
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def continuity(today: date | None = None) -> list[Continuity]:
    """Each administration of the table, oldest first, with its approved instruments and survivors."""
    today = today or coalition_today()
    approved: dict[str, int] = {a.key: 0 for a in ADMINISTRATIONS}
    survived: dict[str, int] = {a.key: 0 for a in ADMINISTRATIONS}
    for approved_on, ended_on in approvals():
        office = in_office(approved_on)
        if office is None:
            continue
        approved[office.key] += 1
        successor = following(office)
        if successor is not None and successor.starts_on <= today and (
                ended_on is None or ended_on > successor.starts_on):
            survived[office.key] += 1
    rows = []
    for administration in ADMINISTRATIONS:
        successor = following(administration)
        known = successor is not None and successor.starts_on <= today
        rows.append(Continuity(administration, approved[administration.key],
                               survived[administration.key] if known else None))
    return rows
