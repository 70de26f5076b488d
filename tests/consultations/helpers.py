"""Consultations for tests: rows built directly, flushed, returned (like tests/factories.py)."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

from coalition.consultations.models import Choice, Consultation, ConsultationRecommendation, Question
from coalition.extensions import db
from coalition.recommendations.models import Recommendation
from tests import factories

_seq = itertools.count(1)


def now() -> datetime:
    return datetime.now(timezone.utc)


def consultation(phase: str = "open", kind: str = "both", opens_in_days: float = -1, closes_in_days: float = 10,
                 **values) -> Consultation:
    n = next(_seq)
    item = Consultation(**{"slug": f"consulta-{n}", "title_es": f"Consulta {n}", "title_en": f"Consultation {n}",
                           "description_es": "Queremos **escucharte**.", "description_en": "We want to **hear you**.",
                           "kind": kind, "phase": phase, "opens_at": now() + timedelta(days=opens_in_days),
                           "closes_at": now() + timedelta(days=closes_in_days), **values})
    item.groups = [factories.group("ethics")]
    db.session.add(item)
    db.session.flush()
    return item


def question(item: Consultation, kind: str = "text", required: bool = False, choices=()) -> Question:
    position = max((q.position for q in item.questions), default=0) + 1
    q = Question(consultation_id=item.id, position=position, kind=kind, required=required,
                 prompt_es=f"Pregunta {position}", prompt_en=f"Question {position}")
    db.session.add(q)
    db.session.flush()
    for number, label in enumerate(choices, start=1):
        db.session.add(Choice(question_id=q.id, position=number, label_es=f"{label} (es)", label_en=f"{label} (en)"))
    db.session.flush()
    db.session.expire(item, ["questions"])
    return q


def recommendation(group_slug: str = "ethics", state: str = "draft", **values) -> Recommendation:
    n = next(_seq)
    rec = Recommendation(**{"group_id": factories.group(group_slug).id, "area": "ethics", "horizon": "short",
                            "title_es": f"Recomendación {n}", "title_en": f"Recommendation {n}",
                            "text_es": "Texto", "text_en": "Text", "state": state, **values})
    db.session.add(rec)
    db.session.flush()
    return rec


def put_up(item: Consultation, *recs: Recommendation) -> None:
    for position, rec in enumerate(recs, start=1):
        db.session.add(ConsultationRecommendation(consultation_id=item.id, recommendation_id=rec.id,
                                                  position=position))
    db.session.flush()
    db.session.expire(item, ["recommendations"])


def full_consultation(**values) -> tuple[Consultation, Recommendation]:
    """An open consultation asking a required text question (q1), a one-choice (q2) and a several-choice
    question (q3), with one recommendation up for comment."""
    item = consultation(**values)
    question(item, "text", required=True)
    question(item, "single", choices=("Sí", "No"))
    question(item, "multiple", choices=("Salud", "Educación", "Empleo"))
    rec = recommendation(state="in_consultation")
    put_up(item, rec)
    return item, rec


def good_data(rec: Recommendation | None = None, **changes) -> dict:
    """A valid contribution as the service takes it (SPEC's API body)."""
    n = next(_seq)
    data = {"answers": {"q1": f"Mi opinión número {n}", "q2": "1", "q3": ["1", "3"]},
            "comments": {str(rec.id): f"Comentario {n}"} if rec else {},
            "sector": "academia", "state": "JAL", "institution": "UdeG", "age_band": "30_44", "gender": "mujer",
            "email": None, "notify": False, "consent": True}
    data.update(changes)
    return data


def form_data(rec: Recommendation | None = None, **changes) -> dict:
    """The same contribution as the public form posts it."""
    n = next(_seq)
    data = {"q1": f"Mi opinión del formulario {n}", "q2": "2", "q3": ["1", "2"], "sector": "industry", "state": "NLE",
            "institution": "", "age_band": "", "gender": "", "email": "", "consent": "yes"}
    if rec is not None:
        data[f"r{rec.id}"] = f"Comentario del formulario {n}"
    data.update(changes)
    return data


def matrix_world() -> dict:
    """For the route matrices: an open consultation with a contribution (and its receipt code) and a draft
    one with two questions, committed; flat keys so API paths can be formatted with them."""
    from coalition.consultations import services

    open_item, rec = full_consultation(slug="abierta")
    draft = consultation(phase="draft", kind="questions", slug="borrador")
    first = question(draft, "text")
    question(draft, "text")
    spare = recommendation()
    _, code = services.submit_contribution(open_item, good_data(rec), source="192.0.2.1")
    db.session.commit()
    return {"consultation_slug": open_item.slug, "draft_slug": draft.slug, "receipt_code": code,
            "draft_question": first.id, "commented_recommendation": rec.id, "spare_recommendation": spare.id}


def html_world(world: dict) -> dict:
    """For the HTML validity check, once per run: the matrix world plus a closed consultation and a receipt
    whose contribution was coded and cited by a published recommendation."""
    if "_consultations" not in world:
        from coalition.consultations import services
        from coalition.consultations.models import Coding, Theme
        from coalition.recommendations.models import SourceTheme

        found = matrix_world()
        closed, rec = full_consultation(slug="cerrada")
        contribution, code = services.submit_contribution(closed, good_data(rec), source="192.0.2.2")
        closed.opens_at, closed.closes_at = now() - timedelta(days=30), now() - timedelta(days=1)
        theme = Theme(consultation_id=closed.id, name_es="Transparencia", name_en="Transparency")
        db.session.add(theme)
        db.session.flush()
        db.session.add(Coding(contribution_id=contribution.id, theme_id=theme.id))
        adopted = recommendation(state="adopted", published=True, answer_es="La **adoptamos**.",
                                 answer_en="We **adopted** it.")
        db.session.add(SourceTheme(recommendation_id=adopted.id, theme_id=theme.id))
        db.session.commit()
        world["_consultations"] = {**found, "closed_slug": closed.slug, "traced_code": code}
    return world["_consultations"]


def schemathesis_data() -> dict:
    """For tests/api/test_schemathesis.py: an open consultation and a receipt the generated requests can reach."""
    found = matrix_world()
    return {"consultation_slug": found["consultation_slug"], "receipt_code": found["receipt_code"],
            "commented_recommendation": found["commented_recommendation"]}


def schemathesis_config(data: dict) -> str:
    """The consultation operations' part of schemathesis.toml: a real slug and receipt (the answers that fit
    the consultation's questions come from tests/api/schemathesis_hooks.py)."""
    return f"""
[dictionaries.consultations]
values = ["{data['consultation_slug']}"]

[dictionaries.receipts]
values = ["{data['receipt_code']}"]

[[operations]]
include-path-regex = "^/api/v1/consultations/\\\\{{slug\\\\}}"
parameters = {{ "path.slug" = {{ dictionary = "consultations", probability = 0.9 }} }}

[[operations]]
include-path-regex = "^/api/v1/receipts/"
parameters = {{ "path.code" = {{ dictionary = "receipts", probability = 0.9 }} }}
"""
