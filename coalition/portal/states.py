"""The coalition in each state, for the public: the map of Mexico by a chosen measure, and one page per
federal entity (and one for Mexicans abroad).

Only what is public counts (coalition/portal/publication.py): listed, active institutions; published
instruments and engagements; uptakes where both the instrument and the recommendation are published;
contributions to consultations whose results are public, under the small-cell rule
(states.services.chapter_counts(public=True): a state's figure under MIN_CELL, or one that would let a
smaller one be worked out, is not shown). People are never counted here. An engagement's position shows
only once a coordinator approved it, rendered through the Markdown sanitiser. Each page issues a fixed
number of queries whatever the data size; long lists are cut at a fixed length, with the total.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from coalition.consultations.models import MIN_CELL
from coalition.database import coalition_today
from coalition.errors import NotFound
from coalition.extensions import db
from coalition.institutions.models import SECTORS, Institution
from coalition.policy.models import Engagement, EngagementInstitution, Instrument
from coalition.portal import publication
from coalition.portal.http import portal_url
from coalition.portal.instruments import public_uptakes
from coalition.states.map import MEASURES, PER_MILLION, figure
from coalition.states.models import ABROAD, chapter_code
from coalition.states.services import chapter_counts

DEFAULT_MEASURE = "members"
# Where each measure of the map comes from in a chapter's public counts.
MEASURE_COUNTS = {"members": "institutions", "contributions": "contributions", "instruments": "instruments",
                  PER_MILLION: "institutions"}
INSTITUTIONS_PER_SECTOR = 25  # named on a state's page; the members page lists them all
INSTRUMENTS_SHOWN = 50
ENGAGEMENTS_SHOWN = 20


def url_code(code: str) -> str:
    """A chapter's code as its address spells it: `JAL`, `abroad`."""
    return code if code == ABROAD else code.upper()


def state_href(code: str) -> str:
    return portal_url("portal.state", code=url_code(code))


def measure_of(args) -> str:
    """The measure asked for with ?measure=, else member institutions: an unknown value is ignored."""
    value = args.get("measure")
    return value if isinstance(value, str) and value in MEASURES else DEFAULT_MEASURE


# --- the map ---------------------------------------------------------------------------------------

def states(args) -> dict:
    """Every chapter's public counts, and the map of Mexico shaded by the chosen measure with its table."""
    measure = measure_of(args)
    counts = chapter_counts(public=True)
    column = MEASURE_COUNTS[measure]
    values = {code: getattr(chapter, column) for code, chapter in counts.items()}
    drawn = figure(values, measure=measure, href=state_href, chart_id="states-map")
    if measure == "contributions":
        # The map draws a hidden figure as none; its table says it is hidden, never a false 0.
        hidden = {code for code, value in values.items() if value is None}
        drawn = drawn._replace(rows=[row._replace(value_text=_("not shown")) if row.code in hidden else row
                                     for row in drawn.rows])
    return {"measure": measure, "measures": MEASURES, "map": drawn, "chapters": list(counts.values()),
            "min_cell": MIN_CELL, "state_href": state_href}


# --- one state -------------------------------------------------------------------------------------

def state(code) -> dict:
    """A chapter's public page: its listed institutions by sector, its contributions (k ≥ 5), its
    published instruments and engagements (upcoming and past) and the recommendations taken up there."""
    chapter = chapter_code(code)
    if chapter is None:
        raise NotFound()
    counts = chapter_counts(public=True)[chapter]
    today = coalition_today()
    upcoming = _engagements(chapter, Engagement.held_on >= today, Engagement.held_on.asc())
    past = _engagements(chapter, Engagement.held_on < today, Engagement.held_on.desc())
    representatives = _representatives([item["engagement"].id for item in upcoming + past])
    return {"code": chapter, "counts": counts, "min_cell": MIN_CELL, "sectors": _institutions(chapter),
            "instruments": _instruments(chapter), "upcoming": upcoming, "past": past,
            "representatives": representatives, "uptakes": public_uptakes(Instrument.state == chapter),
            "url_code": url_code(chapter), "today": today}


def _institutions(chapter: str) -> list[dict]:
    """The chapter's listed institutions by sector, each sector with its count and its first names, in one query."""
    rank = sa.func.row_number().over(partition_by=Institution.sector,
                                     order_by=(Institution.name, Institution.id)).label("rank")
    in_sector = sa.func.count().over(partition_by=Institution.sector).label("in_sector")
    ranked = (sa.select(Institution.id, Institution.name, Institution.acronym, Institution.sector,
                        Institution.website, rank, in_sector)
              .where(Institution.state == chapter, publication.institution_listed()).subquery())
    rows = db.session.execute(sa.select(ranked).where(ranked.c.rank <= INSTITUTIONS_PER_SECTOR)
                              .order_by(ranked.c.sector, ranked.c.rank)).mappings()
    by_sector: dict[str, dict] = {}
    for row in rows:
        entry = by_sector.setdefault(row["sector"], {"sector": row["sector"], "total": int(row["in_sector"]),
                                                     "institutions": []})
        entry["institutions"].append(row)
    return [by_sector[key] for key in SECTORS if key in by_sector]


def _instruments(chapter: str) -> list[Instrument]:
    return list(db.session.execute(
        sa.select(Instrument).where(Instrument.state == chapter, publication.instrument_public())
        .order_by(Instrument.stage_on.desc().nulls_last(), Instrument.id.desc())
        .limit(INSTRUMENTS_SHOWN)).scalars())


def _engagements(chapter: str, when, order) -> list[dict]:
    """Published engagements of the chapter, with the instrument they concern when it is published too."""
    concerned = aliased(Instrument)
    rows = db.session.execute(
        sa.select(Engagement, concerned.id, concerned.title_es, concerned.title_en)
        .outerjoin(concerned, sa.and_(concerned.id == Engagement.instrument_id,
                                      publication.instrument_public(concerned)))
        .where(Engagement.state == chapter, publication.engagement_public(), when)
        .order_by(order, Engagement.id).limit(ENGAGEMENTS_SHOWN)).all()
    return [{"engagement": engagement,
             "instrument": {"id": inst_id, "title_es": es, "title_en": en} if inst_id is not None else None}
            for engagement, inst_id, es, en in rows]


def _representatives(engagement_ids: list[int]) -> dict[int, list]:
    """The listed institutions that represented the coalition at each engagement (asked even for none,
    so the page's query count never depends on the data)."""
    found: dict[int, list] = {}
    for engagement_id, name, acronym in db.session.execute(
            sa.select(EngagementInstitution.engagement_id, Institution.name, Institution.acronym)
            .join(Institution, Institution.id == EngagementInstitution.institution_id)
            .where(EngagementInstitution.engagement_id.in_(engagement_ids), publication.institution_listed())
            .order_by(Institution.name)):
        found.setdefault(engagement_id, []).append({"name": name, "acronym": acronym})
    return found
