"""Published things for the portal's tests, made with the models directly (the publishing services
are tested on their own): a published recommendation, a public deliverable, a listed institution."""
from __future__ import annotations

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
