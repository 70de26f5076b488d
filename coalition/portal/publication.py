"""What is public, declared once: every portal query filters with these, in SQL.

A recommendation a coordinator published; a deliverable a coordinator made public and nobody has
archived; an institution one of its own people or a coordinator listed, while it is active; a
consultation's results a coordinator published after it closed (a consultation reopened since
— its closing moved past the publication — is not public again until it is published again); a policy
instrument or an engagement a coordinator published, and an uptake only where both its instrument and
its recommendation are published. None of
these depends on the clock, so a cached page stays exact until the data version moves.
"""
from __future__ import annotations

import sqlalchemy as sa

from coalition.consultations.models import Consultation
from coalition.deliverables.models import Deliverable
from coalition.institutions.models import Institution
from coalition.policy.models import Engagement, Instrument
from coalition.recommendations.models import Recommendation


def recommendation_public(model=Recommendation):
    """`model`: Recommendation or an alias of it (a merged-into target, say)."""
    return model.published.is_(True)


def deliverable_public():
    return sa.and_(Deliverable.public.is_(True), Deliverable.archived_at.is_(None))


def institution_listed():
    return sa.and_(Institution.listed.is_(True), Institution.active.is_(True))


def results_public():
    return Consultation.results_public()


def consultations_with_public_results() -> sa.Select:
    return sa.select(Consultation.id).where(results_public())


def instrument_public(model=Instrument):
    return model.published.is_(True)


def engagement_public():
    return Engagement.published.is_(True)


def uptake_public(instrument=Instrument, recommendation=Recommendation):
    """An uptake shows where both ends do: `instrument` and `recommendation` are the joined models (or aliases)."""
    return sa.and_(instrument_public(instrument), recommendation_public(recommendation))
