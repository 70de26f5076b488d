"""Policy records for tests, made through the services as a person would make them."""
from __future__ import annotations

from datetime import date

from coalition.extensions import db
from coalition.policy import services
from coalition.recommendations.models import Recommendation
from coalition.states.models import StateLiaison
from tests import factories


def coordinator(**values):
    return factories.user(role="coordinator", **values)


def liaison(state: str = "JAL", **values):
    """A member who is liaison of `state`."""
    person = factories.user(**values)
    db.session.add(StateLiaison(state=state, user_id=person.id))
    db.session.flush()
    person.forget_liaison_states()
    return person


def recommendation(**values) -> Recommendation:
    item = Recommendation(**{"group_id": factories.group("ethics").id, "area": "ethics", "horizon": "short",
                             "title_es": "Recomendación de prueba", "title_en": "Test recommendation",
                             "state": "adopted", **values})
    db.session.add(item)
    db.session.flush()
    return item


def instrument(actor, **values):
    """A state instrument of Jalisco unless told otherwise."""
    fields = {"kind": "strategy", "jurisdiction": "JAL", "branch": "executive",
              "title_es": "Estrategia Estatal de IA de Jalisco", "title_en": "Jalisco State AI Strategy",
              "source_url": "https://jalisco.gob.mx/ia", **values}
    return services.create_instrument(actor, **fields)


def stages(actor, item, *steps: tuple[str, date] | tuple[str, date, str]):
    """Add each (stage, date[, note]) in turn."""
    for step in steps:
        stage, on, note = (*step, "")[:3]
        services.add_stage(actor, item.id, stage=stage, on=on, note=note)
    return item
