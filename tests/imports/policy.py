"""Instruments, engagements and liaisons for the import tests, recorded through the policy services."""
from __future__ import annotations

import csv
import io

import sqlalchemy as sa

from coalition.extensions import db
from coalition.policy import services as policy
from coalition.policy.models import Engagement, EngagementInstitution, Instrument, InstrumentStage, PolicyEvent, Uptake
from coalition.states.models import StateLiaison
from tests import factories


def liaison(state: str = "JAL"):
    person = factories.user()
    db.session.add(StateLiaison(state=state, user_id=person.id))
    db.session.flush()
    person.forget_liaison_states()
    return person


def instrument(actor, **values) -> Instrument:
    fields = {"kind": "strategy", "jurisdiction": "JAL", "branch": "executive",
              "title_es": "Estrategia Estatal de IA de Jalisco", "title_en": "Jalisco State AI Strategy",
              "summary_es": "Una **estrategia**.", "source_url": "https://jalisco.gob.mx/ia", **values}
    return policy.create_instrument(actor, **fields)


def counts() -> dict:
    """How many rows each policy table holds: a round trip must leave them all as they were."""
    return {model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Instrument, InstrumentStage, Uptake, Engagement, EngagementInstitution, PolicyEvent)}


def versions(model) -> dict:
    return dict(db.session.execute(sa.select(model.id, model.version)).all())


def read_csv(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))
