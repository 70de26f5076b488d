"""Test data for policy uptake: liaisons, instruments with stages and uptakes, engagements; and the worlds the
shared matrices (tests/test_permissions_matrix.py, tests/test_html_valid.py) build from them."""
from __future__ import annotations

import itertools
from datetime import date, timedelta

import sqlalchemy as sa

from coalition.database import utcnow
from coalition.extensions import db
from coalition.institutions.models import Institution
from coalition.policy import administrations
from coalition.policy.models import (
    Engagement, EngagementInstitution, FollowUp, Instrument, InstrumentStage, Uptake)
from coalition.states.models import StateLiaison
from tests import factories

_seq = itertools.count(1)


def liaison(person, state: str = "JAL"):
    """Make `person` a liaison of `state`."""
    db.session.add(StateLiaison(state=state, user_id=person.id))
    db.session.flush()
    person.forget_liaison_states()
    return person


def instrument(**values) -> Instrument:
    n = next(_seq)
    jurisdiction = values.get("jurisdiction", "JAL")
    item = Instrument(**{"kind": "strategy", "jurisdiction": jurisdiction,
                         "state": jurisdiction if len(jurisdiction) == 3 else None, "branch": "executive",
                         "title_es": f"Estrategia de prueba {n}", "title_en": f"Test strategy {n}",
                         "summary_es": "Una estrategia **estatal**.", "summary_en": "A **state** strategy.",
                         **values})
    db.session.add(item)
    db.session.flush()
    return item


def stage(item: Instrument, name: str, on: date, note: str = "", by=None) -> InstrumentStage:
    """A stage as add_stage would leave it: the row, and the instrument's latest stage and administration."""
    row = InstrumentStage(instrument_id=item.id, stage=name, on_date=on, note=note,
                          recorded_by_id=by.id if by is not None else None)
    db.session.add(row)
    if item.administration is None:
        office = administrations.in_office(on)
        item.administration = office.key if office else None
    item.stage, item.stage_on = name, on
    db.session.flush()
    return row


def uptake(item: Instrument, recommendation, degree: str = "partial", by=None, **values) -> Uptake:
    row = Uptake(**{"instrument_id": item.id, "recommendation_id": recommendation.id, "degree": degree,
                    "evidence_url": "https://congreso.example.org/dictamen.pdf", "quote": "Se adopta la recomendación.",
                    "verified_by_id": by.id if by is not None else None, "verified_at": utcnow(), **values})
    db.session.add(row)
    db.session.flush()
    return row


def engagement(institutions=(), **values) -> Engagement:
    n = next(_seq)
    jurisdiction = values.get("jurisdiction", "JAL")
    item = Engagement(**{"kind": "forum", "title": f"Foro estatal {n}", "held_on": factories.today() - timedelta(days=3),
                         "jurisdiction": jurisdiction, "state": jurisdiction if len(jurisdiction) == 3 else None,
                         "body": "Congreso del Estado", "position": "La coalición propone *datos abiertos*.",
                         **values})
    db.session.add(item)
    db.session.flush()
    for institution in institutions:
        db.session.add(EngagementInstitution(engagement_id=item.id, institution_id=institution.id))
    db.session.flush()
    return item


def follow_up(item: Engagement, text: str = "Enviar la minuta al Congreso") -> FollowUp:
    row = FollowUp(engagement_id=item.id, text=text)
    db.session.add(row)
    db.session.flush()
    return row


def matrix_world(people: dict) -> dict:
    """The permission matrix's policy records: the "member" is a liaison of Jalisco (so recording Jalisco's
    records reads OK for them and 403 for the other roles), a Jalisco instrument at `proposed`, and a Jalisco
    engagement with a draft position and a follow-up."""
    liaison(people["member"], "JAL")
    item = instrument(jurisdiction="JAL")
    stage(item, "proposed", factories.today() - timedelta(days=30), by=people["coordinator"])
    meeting = engagement(institutions=[factories.institution(state="JAL")], instrument_id=item.id)
    todo = follow_up(meeting)
    return {"instrument": item.id, "instrument_version": item.version, "engagement": meeting.id,
            "engagement_version": meeting.version, "follow_up": todo.id}


def html_world(w: dict) -> dict:
    """Policy records for the HTML validity check, made once unless the demo already has them: an instrument
    with stages, uptakes and an engagement, and an engagement whose position a coordinator approved."""
    if "policy_instrument" in w:
        return w
    from coalition.auth.models import User
    from coalition.recommendations.models import Recommendation

    coordinator = db.session.scalar(sa.select(User).where(User.role.in_(("coordinator", "admin"))).limit(1))
    found = db.session.scalar(sa.select(Instrument.id).join(Uptake, Uptake.instrument_id == Instrument.id)
                              .join(Engagement, Engagement.instrument_id == Instrument.id).limit(1))
    if found is None:
        item = instrument(jurisdiction="JAL", source_url="https://jalisco.example.org/estrategia")
        stage(item, "proposed", date(2023, 3, 1), by=coordinator)
        stage(item, "approved", date(2024, 11, 5), note="Aprobada por el Congreso", by=coordinator)
        for rec in db.session.scalars(sa.select(Recommendation).order_by(Recommendation.id).limit(2)):
            uptake(item, rec, by=coordinator)
        institutions = list(db.session.scalars(sa.select(Institution).order_by(Institution.id).limit(3)))
        meeting = engagement(institutions=institutions, instrument_id=item.id)
        follow_up(meeting)
        engagement(institutions=institutions[:1], jurisdiction="municipal", state="JAL",
                              place="Zapopan", position_approved_at=utcnow(),
                              position_approved_by_id=coordinator.id if coordinator else None)
        db.session.commit()
        found = item.id
    approved_id = db.session.scalar(sa.select(Engagement.id).where(Engagement.position_approved_at.is_not(None))
                                    .limit(1))
    draft_id = db.session.scalar(sa.select(Engagement.id).where(Engagement.instrument_id == found).limit(1))
    w.update(policy_instrument=found, policy_engagement=draft_id, policy_approved_engagement=approved_id or draft_id)
    return w
