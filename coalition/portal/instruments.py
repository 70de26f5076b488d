"""A published policy instrument on the portal: what it is, where and by whom, its dated stages, and
the published recommendations it takes up; and, on a recommendation's page, where it was taken up.

Only published instruments exist here: an unpublished one is the same NotFound as an unknown id,
found by the same single query. An uptake shows only when its recommendation is published too
(publication.uptake_public). The stages' notes are shown: a note is required exactly when an
instrument moves back or is abandoned, and why a law was repealed or a bill dropped is the public
interest a portal serves (the members' stage form should say a note is public). Who recorded a stage or
verified an uptake is not shown (a person, not a publication). Three queries whatever the size.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from coalition.errors import NotFound
from coalition.extensions import db
from coalition.policy import administrations
from coalition.policy.models import STAGES, Instrument, InstrumentStage, Uptake
from coalition.policy.services import uptakes_of_recommendation
from coalition.portal import publication
from coalition.portal.agenda import first_sentence
from coalition.recommendations.models import Recommendation
from coalition.validation import is_id


@dataclass(frozen=True)
class PublicUptake:
    """A published recommendation taken up by a published instrument, as the portal shows it."""
    recommendation_id: int
    recommendation_title_es: str
    recommendation_title_en: str
    instrument_id: int
    instrument_title_es: str
    instrument_title_en: str
    instrument_stage: str | None
    degree: str
    degree_label: str
    evidence_url: str
    quote: str

    def recommendation_title(self, language: str) -> str:
        return _either(self.recommendation_title_es, self.recommendation_title_en, language)

    def instrument_title(self, language: str) -> str:
        return _either(self.instrument_title_es, self.instrument_title_en, language)


def _either(es: str, en: str, language: str) -> str:
    return (es if language == "es" else en) or es or en


def published_instrument(instrument_id) -> Instrument:
    """The published instrument with this id, else NotFound (unknown and unpublished alike)."""
    if not is_id(instrument_id):
        raise NotFound()
    found = db.session.execute(sa.select(Instrument).where(
        Instrument.id == instrument_id, publication.instrument_public())).scalar_one_or_none()
    if found is None:
        raise NotFound()
    return found


def public_uptakes(where) -> list[PublicUptake]:
    """The uptakes `where` selects (over Uptake, Instrument, Recommendation), public ones only, in one query."""
    rows = db.session.execute(
        sa.select(Uptake, Recommendation.title_es, Recommendation.title_en, Instrument.title_es,
                  Instrument.title_en, Instrument.stage)
        .join(Instrument, Instrument.id == Uptake.instrument_id)
        .join(Recommendation, Recommendation.id == Uptake.recommendation_id)
        .where(where, publication.uptake_public())
        .order_by(Uptake.recommendation_id, Instrument.stage_on.desc().nulls_last(), Uptake.id)).all()
    return [PublicUptake(recommendation_id=uptake.recommendation_id, recommendation_title_es=rec_es,
                         recommendation_title_en=rec_en, instrument_id=uptake.instrument_id,
                         instrument_title_es=inst_es, instrument_title_en=inst_en, instrument_stage=stage,
                         degree=uptake.degree, degree_label=uptake.degree_label,
                         evidence_url=uptake.evidence_url, quote=uptake.quote)
            for uptake, rec_es, rec_en, inst_es, inst_en, stage in rows]


def instrument(instrument_id) -> dict:
    """A published instrument's page: its facts, dated stages (with their notes) and public uptakes."""
    item = published_instrument(instrument_id)
    # Asked directly, not through policy.services.stages_of: the page's query count never depends on the data.
    stages = list(db.session.execute(
        sa.select(InstrumentStage.stage, InstrumentStage.on_date, InstrumentStage.note)
        .where(InstrumentStage.instrument_id == item.id)
        .order_by(InstrumentStage.on_date, InstrumentStage.id)).mappings())
    return {"instrument": item, "stages": stages, "stage_labels": STAGES, "first_sentence": first_sentence,
            "administration": administrations.BY_KEY.get(item.administration or ""),
            "uptakes": public_uptakes(Uptake.instrument_id == item.id)}


def taken_up_in(recommendation_id: int) -> list[Uptake]:
    """Where a published recommendation was taken up: published instruments only, in one query (the
    recommendation's page, which has already found the recommendation published)."""
    return uptakes_of_recommendation(recommendation_id, published_only=True)
