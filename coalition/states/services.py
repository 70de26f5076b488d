"""State chapters: what the coalition has in each federal entity (and abroad), counted in SQL with a
fixed number of queries whatever the data size; and the liaisons a coordinator names for a state.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from coalition.audit import services as audit
from coalition.auth.models import User
from coalition.auth.permissions import require, require_actor
from coalition.consultations.cells import hide_small_cells
from coalition.consultations.models import Consultation, Contribution
from coalition.database import DuplicateKey, unique_key
from coalition.errors import NotFound, ValidationError
from coalition.extensions import db
from coalition.institutions.models import Institution
from coalition.policy.models import Engagement, Instrument
from coalition.states import permissions
from coalition.states.models import CHAPTERS, StateLiaison, chapter_code, state_label
from coalition.validation import is_id

MEASURES = ("institutions", "people", "contributions", "instruments", "engagements")


@dataclass
class ChapterCounts:
    code: str
    name: str
    institutions: int = 0
    people: int = 0
    contributions: int | None = 0  # None: fewer than MIN_CELL people, not shown
    instruments: int = 0
    engagements: int = 0


def _grouped(stmt) -> dict[str, int]:
    return {code: n for code, n in db.session.execute(stmt).all() if code is not None}


def _shown_contributions(rows) -> dict[str, int | None]:
    """Each state's contributions, adding up only the cells each consultation's own figures show: the
    small-cell rule applied per consultation first, so no total can be set against a consultation's page
    to work out a hidden cell. A state whose every cell is hidden is None (not shown)."""
    by_consultation: dict[int, dict[str, int]] = {}
    for consultation_id, state, n in rows:
        if state is not None:
            by_consultation.setdefault(consultation_id, {})[state] = n
    totals: dict[str, int | None] = {}
    for cells in by_consultation.values():
        shown, _hidden = hide_small_cells(cells)
        for state in cells:
            if state in shown:
                totals[state] = (totals.get(state) or 0) + shown[state]
            else:
                totals.setdefault(state, None)
    return totals


def chapter_counts(*, public: bool = False) -> dict[str, ChapterCounts]:
    """Every chapter's counts, in five grouped queries. On the portal (`public`) only listed institutions,
    published instruments and engagements, and consultations whose results are public count; people are
    never counted there. Contributions follow the small-cell rule (fewer than MIN_CELL: None)."""
    institutions = sa.select(Institution.state, sa.func.count()).where(Institution.active.is_(True))
    if public:
        institutions = institutions.where(Institution.listed.is_(True))
    counts_institutions = _grouped(institutions.group_by(Institution.state))
    counts_people = {} if public else _grouped(
        sa.select(Institution.state, sa.func.count(User.id)).join(User, User.institution_id == Institution.id)
        .where(User.active.is_(True), Institution.active.is_(True)).group_by(Institution.state))
    contributions = (sa.select(Contribution.consultation_id, Contribution.state, sa.func.count())
                     .where(Contribution.hidden_at.is_(None)))
    if public:
        contributions = contributions.join(Consultation, Consultation.id == Contribution.consultation_id).where(
            Consultation.results_public())
    counts_contributions = _shown_contributions(db.session.execute(
        contributions.group_by(Contribution.consultation_id, Contribution.state)).all())
    instruments = sa.select(Instrument.state, sa.func.count())
    engagements = sa.select(Engagement.state, sa.func.count())
    if public:
        instruments = instruments.where(Instrument.published.is_(True))
        engagements = engagements.where(Engagement.published.is_(True))
    counts_instruments = _grouped(instruments.group_by(Instrument.state))
    counts_engagements = _grouped(engagements.group_by(Engagement.state))
    return {code: ChapterCounts(
        code=code, name=state_label(code), institutions=counts_institutions.get(code, 0),
        people=counts_people.get(code, 0),
        contributions=counts_contributions.get(code, 0),
        instruments=counts_instruments.get(code, 0), engagements=counts_engagements.get(code, 0))
        for code in CHAPTERS}


def counts_for(actor, code) -> ChapterCounts:
    """One chapter's counts (SPEC's state resource), or NotFound for an unknown code."""
    require_actor(actor)
    chapter = chapter_code(code)
    if chapter is None:
        raise NotFound()
    return chapter_counts()[chapter]


def all_counts(actor) -> list[ChapterCounts]:
    require_actor(actor)
    return list(chapter_counts().values())


# --- liaisons ------------------------------------------------------------------------------------

def liaisons_of(state: str) -> list[StateLiaison]:
    return list(db.session.execute(
        sa.select(StateLiaison).join(User, User.id == StateLiaison.user_id)
        .where(StateLiaison.state == state).order_by(User.name)).scalars())


def appoint_liaison(actor, *, state, user_id) -> StateLiaison:
    """Name a person liaison of a state: they may record its instruments and engagements."""
    require_actor(actor)
    require(permissions.can_appoint_liaisons(actor))
    chapter = chapter_code(state)
    if chapter is None:
        raise NotFound()
    person = db.session.get(User, user_id) if is_id(user_id) else None
    if person is None or not person.active:
        raise ValidationError(fields={"user_id": [_l("Choose an active member.")]})
    existing = db.session.execute(sa.select(StateLiaison).where(
        StateLiaison.state == chapter, StateLiaison.user_id == person.id)).scalar_one_or_none()
    if existing is not None:
        return existing
    try:
        with unique_key(StateLiaison.__table__.c.state, StateLiaison.__table__.c.user_id):
            liaison = StateLiaison(state=chapter, user_id=person.id, appointed_by_id=actor.id)
            db.session.add(liaison)
            db.session.flush()
    except DuplicateKey:
        return db.session.execute(sa.select(StateLiaison).where(
            StateLiaison.state == chapter, StateLiaison.user_id == person.id)).scalar_one()
    audit.record(actor, "liaison.appoint", person, {"state": [None, chapter]})
    person.forget_liaison_states()
    return liaison


def remove_liaison(actor, *, state, user_id) -> None:
    require_actor(actor)
    require(permissions.can_appoint_liaisons(actor))
    chapter = chapter_code(state)
    if chapter is None or not is_id(user_id):
        raise NotFound()
    # Lock the liaison row only: PostgreSQL refuses FOR UPDATE on the outer-joined person it loads.
    liaison = db.session.execute(sa.select(StateLiaison).where(
        StateLiaison.state == chapter, StateLiaison.user_id == user_id)
        .with_for_update(of=StateLiaison)).scalar_one_or_none()
    if liaison is None:
        return
    person = liaison.user
    db.session.delete(liaison)
    audit.record(actor, "liaison.remove", person, {"state": [chapter, None]})
    person.forget_liaison_states()
    db.session.flush()
