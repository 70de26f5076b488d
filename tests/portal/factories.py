"""Published things for the portal's tests, made with the models directly (the publishing services
are tested on their own): a published recommendation, a public deliverable, a listed institution."""
from __future__ import annotations

import itertools

from coalition.database import utcnow
from coalition.extensions import db
from coalition.recommendations.models import RecommendationDeliverable
from tests import factories
from tests.recommendations import conftest as make


def published_recommendation(group_slug: str = "ethics", **values):
    values = {"state": "adopted", "published": True, "published_at": utcnow(), "answer_es": "Adoptada",
              "answer_en": "Adopted", **values}
    return make.recommendation(group_slug, **values)


def public_deliverable(group_slug: str = "ethics", recommendations=(), **values):
    values = {"public": True, "published_at": utcnow(), "public_summary_es": "Resumen público",
              "public_summary_en": "Public summary", **values}
    item = factories.deliverable(group_slug, **values)
    for rec in recommendations:
        db.session.add(RecommendationDeliverable(recommendation_id=rec.id, deliverable_id=item.id))
    db.session.flush()
    return item


def listed_institution(**values):
    return factories.institution(listed=True, listed_at=utcnow(), **values)


# --- states and policy uptake (issue 15): instruments, stages, uptakes and engagements ---------------

def instrument(published: bool = True, **values):
    """A policy instrument of Jalisco's executive, published unless asked otherwise."""
    from coalition.policy.models import Instrument

    n = next(_instrument_numbers)
    values = {"kind": "strategy", "jurisdiction": "JAL", "state": values.get("jurisdiction", "JAL"),
              "branch": "executive", "title_es": f"Estrategia estatal de IA {n}",
              "title_en": f"State AI strategy {n}", "summary_es": "Resumen del instrumento.",
              "summary_en": "The instrument's summary.", "source_url": "https://example.org/fuente",
              "published": published, "published_at": utcnow() if published else None, **values}
    item = Instrument(**values)
    db.session.add(item)
    db.session.flush()
    return item


_instrument_numbers = itertools.count(1)


def stage(item, stage: str, on, note: str = ""):
    """A dated stage of `item`, kept as its latest (as policy.services.add_stage does)."""
    from coalition.policy.models import InstrumentStage

    record = InstrumentStage(instrument_id=item.id, stage=stage, on_date=on, note=note)
    db.session.add(record)
    item.stage, item.stage_on = stage, on
    db.session.flush()
    return record


def uptake(item, recommendation, degree: str = "adopted", **values):
    from coalition.policy.models import Uptake

    values = {"evidence_url": "https://example.org/evidencia", "quote": "El texto lo dice.", **values}
    record = Uptake(instrument_id=item.id, recommendation_id=recommendation.id, degree=degree, **values)
    db.session.add(record)
    db.session.flush()
    return record


def engagement(published: bool = True, institutions=(), **values):
    """A published forum in Jalisco, unless asked otherwise; `institutions` represented the coalition."""
    from coalition.policy.models import Engagement, EngagementInstitution

    values = {"kind": "forum", "title": "Foro estatal de IA", "held_on": factories.today(), "jurisdiction": "JAL",
              "state": values.get("jurisdiction", "JAL"), "body": "Congreso de Jalisco", "published": published,
              **values}
    item = Engagement(**values)
    db.session.add(item)
    db.session.flush()
    for institution in institutions:
        db.session.add(EngagementInstitution(engagement_id=item.id, institution_id=institution.id))
    db.session.flush()
    return item
