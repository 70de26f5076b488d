"""A state chapter's page: what the coalition has and does in one federal entity (or abroad), read in a
fixed number of queries whatever the data size. Lists are paged or capped; nothing is read per row.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from coalition.auth.models import User
from coalition.auth.permissions import require_actor
from coalition.auth.services import normalise_email
from coalition.consultations.cells import hide_small_cells
from coalition.consultations.models import MIN_CELL, Consultation, Contribution
from coalition.database import coalition_today, contains_pattern
from coalition.errors import NotFound, ValidationError
from coalition.extensions import db
from coalition.institutions.models import SECTORS, Institution
from coalition.pagination import Page, paginate
from coalition.policy import permissions as policy_permissions
from coalition.policy.models import Engagement, Follow, Instrument, Uptake
from coalition.states import permissions
from coalition.states.models import StateLiaison, chapter_code, state_label
from coalition.states.services import liaisons_of
from coalition.validation import QUERY_MAX, is_id

PEOPLE_PER_PAGE = 25
INSTRUMENTS_PER_PAGE = 25
UPTAKES_PER_PAGE = 25
ENGAGEMENTS_PER_PAGE = 10
UPCOMING_LIMIT = 10
# The liaison picker lists this many people by name; a larger coalition searches rather than scrolls.
CANDIDATES_LIMIT = 200

# Why a consultation's count from a state is not shown.
FEWER_THAN_MIN = "fewer"      # fewer than MIN_CELL people
HIDDEN_WITH_OTHERS = "hidden"  # hidden with a smaller cell, so subtraction gives nobody away


def get_chapter(actor, code) -> str:
    """The canonical chapter code a URL names (`jal`, `JAL`, `ABROAD`…), or NotFound."""
    require_actor(actor)
    chapter = chapter_code(code)
    if chapter is None:
        raise NotFound()
    return chapter


@dataclass
class ConsultationCount:
    consultation: Consultation
    count: int | None        # None: not shown (see `hidden`)
    hidden: str | None = None  # FEWER_THAN_MIN or HIDDEN_WITH_OTHERS

    @property
    def fewer_than_min(self) -> bool:
        return self.hidden == FEWER_THAN_MIN


@dataclass
class Chapter:
    code: str
    name: str
    institutions_by_sector: list[tuple[str, str, list[Institution]]]  # (sector, label, institutions)
    institutions_total: int
    people: Page | None     # None until fill_body
    contributions: list[ConsultationCount]
    instruments: Page | None
    uptakes: Page | None
    engagements: Page | None  # past ones, latest first
    upcoming: list[Engagement]  # held today or later, soonest first
    upcoming_total: int
    liaisons: list[StateLiaison]
    following: bool
    followers: int
    can_record: bool
    can_appoint: bool


def _page_number(value) -> int:
    return value if isinstance(value, int) and 1 <= value <= 1_000_000 else 1


def institutions_by_sector(state: str) -> tuple[list[tuple[str, str, list[Institution]]], int]:
    """The state's active member institutions, grouped by sector in the sectors' order, by name; one query."""
    rows = db.session.execute(
        sa.select(Institution).where(Institution.state == state, Institution.active.is_(True))
        .order_by(Institution.name)).scalars().all()
    groups = [(sector, str(label), [i for i in rows if i.sector == sector]) for sector, label in SECTORS.items()]
    return [group for group in groups if group[2]], len(rows)


def people_of(state: str, page: int = 1, per_page: int = PEOPLE_PER_PAGE) -> Page:
    """The active people of the state's active member institutions, by name, with their institution."""
    stmt = (sa.select(User).join(Institution, Institution.id == User.institution_id)
            .where(Institution.state == state, Institution.active.is_(True), User.active.is_(True))
            .options(joinedload(User.institution)).order_by(User.name, User.id))
    return paginate(stmt, _page_number(page), per_page)


def contributions_by_consultation(state: str) -> list[ConsultationCount]:
    """How many people of the state contributed to each consultation, newest consultation first; two queries.

    Each consultation's counts by state follow the small-cell rule exactly as its figures page does
    (`hide_small_cells` over all its states), so no page can be subtracted from another to single anyone out.
    """
    with_state = sa.select(Contribution.consultation_id).where(
        Contribution.state == state, Contribution.hidden_at.is_(None))
    rows = db.session.execute(
        sa.select(Contribution.consultation_id, Contribution.state, sa.func.count())
        .where(Contribution.hidden_at.is_(None), Contribution.consultation_id.in_(with_state))
        .group_by(Contribution.consultation_id, Contribution.state)).all()
    by_consultation: dict[int, dict[str, int]] = {}
    for consultation_id, code, n in rows:
        by_consultation.setdefault(consultation_id, {})[code] = n
    if not by_consultation:
        return []
    consultations = db.session.execute(
        sa.select(Consultation).where(Consultation.id.in_(list(by_consultation)))
        .order_by(Consultation.opens_at.desc().nulls_last(), Consultation.id.desc())).scalars().all()
    found = []
    for consultation in consultations:
        counts = by_consultation[consultation.id]
        shown, _hidden = hide_small_cells(counts)
        n = counts.get(state, 0)
        if state in shown:
            found.append(ConsultationCount(consultation, n))
        else:
            found.append(ConsultationCount(consultation, None,
                                           FEWER_THAN_MIN if n < MIN_CELL else HIDDEN_WITH_OTHERS))
    return found


def instruments_of(state: str, page: int = 1, per_page: int = INSTRUMENTS_PER_PAGE) -> Page:
    """The state's instruments (its own and its municipalities'), latest stage change first."""
    stmt = (sa.select(Instrument).where(Instrument.state == state)
            .order_by(Instrument.stage_on.desc().nulls_last(), Instrument.id.desc()))
    return paginate(stmt, _page_number(page), per_page)


def uptakes_in(state: str, page: int = 1, per_page: int = UPTAKES_PER_PAGE) -> Page:
    """The recommendations taken up by the state's instruments, with the degree and the instrument."""
    stmt = (sa.select(Uptake).join(Instrument, Instrument.id == Uptake.instrument_id)
            .where(Instrument.state == state)
            .options(joinedload(Uptake.recommendation), joinedload(Uptake.instrument))
            .order_by(Uptake.verified_at.desc(), Uptake.id.desc()))
    return paginate(stmt, _page_number(page), per_page)


def past_engagements(state: str, page: int = 1, per_page: int = ENGAGEMENTS_PER_PAGE,
                     today: date | None = None) -> Page:
    stmt = (sa.select(Engagement).where(Engagement.state == state, Engagement.held_on < (today or coalition_today()))
            .order_by(Engagement.held_on.desc(), Engagement.id.desc()))
    return paginate(stmt, _page_number(page), per_page)


def upcoming_engagements(state: str, limit: int = UPCOMING_LIMIT,
                         today: date | None = None) -> tuple[list[Engagement], int]:
    """The soonest engagements held today or later, and how many there are in all; one query."""
    total = sa.func.count().over().label("total")
    rows = db.session.execute(
        sa.select(Engagement, total).where(Engagement.state == state, Engagement.held_on >= (today or coalition_today()))
        .order_by(Engagement.held_on, Engagement.id).limit(limit)).all()
    return [row[0] for row in rows], (rows[0][1] if rows else 0)


def follow_status(actor, state: str) -> tuple[bool, int]:
    """Whether the actor follows the state, and how many people do; one query."""
    followers, mine = db.session.execute(
        sa.select(sa.func.count(Follow.id), sa.func.count(Follow.id).filter(Follow.user_id == actor.id))
        .where(Follow.state == state)).one()
    return bool(mine), followers


def chapter_view(actor, code, *, people_page: int = 1, instruments_page: int = 1, uptakes_page: int = 1,
                 engagements_page: int = 1, today: date | None = None, body: bool = True) -> Chapter:
    """Everything a chapter's page shows, in a fixed number of queries. Without `body`, only what is the
    actor's own (following, rights) and the liaisons: the page takes the rest from the exact cache."""
    state = get_chapter(actor, code)
    following, followers = follow_status(actor, state)
    chapter = Chapter(
        code=state, name=state_label(state), institutions_by_sector=[], institutions_total=0, people=None,
        contributions=[], instruments=None, uptakes=None, engagements=None, upcoming=[], upcoming_total=0,
        liaisons=liaisons_of(state), following=following, followers=followers,
        can_record=policy_permissions.can_record(actor, state),
        can_appoint=permissions.can_appoint_liaisons(actor))
    if body:
        fill_body(chapter, people_page=people_page, instruments_page=instruments_page, uptakes_page=uptakes_page,
                  engagements_page=engagements_page, today=today)
    return chapter


def fill_body(chapter: Chapter, *, people_page: int = 1, instruments_page: int = 1, uptakes_page: int = 1,
              engagements_page: int = 1, today: date | None = None) -> Chapter:
    """Read what every member sees alike on the chapter's page: its institutions, people, contributions,
    instruments, uptakes and engagements."""
    state, today = chapter.code, today or coalition_today()
    chapter.institutions_by_sector, chapter.institutions_total = institutions_by_sector(state)
    chapter.upcoming, chapter.upcoming_total = upcoming_engagements(state, today=today)
    chapter.people = people_of(state, people_page)
    chapter.contributions = contributions_by_consultation(state)
    chapter.instruments = instruments_of(state, instruments_page)
    chapter.uptakes = uptakes_in(state, uptakes_page)
    chapter.engagements = past_engagements(state, engagements_page, today=today)
    return chapter


# --- choosing a liaison ---------------------------------------------------------------------------

@dataclass
class Candidate:
    id: int
    name: str
    institution: str | None  # its acronym or name

    @property
    def label(self) -> str:
        return f"{self.name} · {self.institution}" if self.institution else self.name


def liaison_candidates(state: str, *, q: str | None = None, ids: list[int] | None = None,
                       limit: int = CANDIDATES_LIMIT) -> list[Candidate]:
    """Active people not yet liaisons of the state, for the picker: the first `limit` by name, those whose
    name or e-mail matches `q`, or exactly those of `ids` (to check a submitted choice); one plain query
    (the picker is on every page a coordinator opens: no ORM objects for two hundred names)."""
    stmt = (sa.select(User.id, User.name, sa.func.coalesce(Institution.acronym, Institution.name))
            .outerjoin(Institution, Institution.id == User.institution_id)
            .where(User.active.is_(True))
            .where(~User.id.in_(sa.select(StateLiaison.user_id).where(StateLiaison.state == state)))
            .order_by(User.name, User.id).limit(limit))
    if q and q.strip():
        pattern = contains_pattern(q.strip()[:QUERY_MAX])
        stmt = stmt.where(User.name.ilike(pattern, escape="\\") | User.email.ilike(pattern, escape="\\"))
    if ids is not None:
        stmt = stmt.where(User.id.in_([i for i in ids if is_id(i)]))
    return [Candidate(*row) for row in db.session.execute(stmt).all()]


def person_by_email(email) -> User:
    """The active person with this e-mail address (any case), or a ValidationError on `email`."""
    address = normalise_email(email)  # ValidationError on `email` when it is no address at all
    person = db.session.execute(
        sa.select(User).where(User.email == address, User.active.is_(True))).scalar_one_or_none()
    if person is None:
        raise ValidationError(fields={"email": [_l("No active member has this e-mail address.")]})
    return person
