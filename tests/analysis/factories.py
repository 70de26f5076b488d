"""Consultation test data built with the models directly (the public form is another piece's)."""
from __future__ import annotations

import hashlib
import itertools
from datetime import datetime, timedelta, timezone

from coalition.consultations.models import (
    Answer, Choice, Coding, Comment, Consultation, ConsultationRecommendation, Contribution, Question, Theme)
from coalition.extensions import db
from coalition.recommendations.models import Recommendation
from tests import factories

_seq = itertools.count(1)


def consultation(groups=("ethics",), *, slug: str | None = None, questions: bool = True, **values) -> Consultation:
    """A closed consultation with a free-text question and a one-choice question."""
    n = next(_seq)
    now = datetime.now(timezone.utc)
    item = Consultation(**{"slug": slug or f"consulta-{n}", "title_es": f"Consulta {n}",
                           "title_en": f"Consultation {n}", "kind": "both", "phase": "open",
                           "opens_at": now - timedelta(days=30), "closes_at": now - timedelta(days=1), **values})
    item.groups = [factories.group(slug) for slug in groups]
    db.session.add(item)
    db.session.flush()
    if questions:
        text = Question(consultation_id=item.id, position=1, kind="text", prompt_es="¿Qué le preocupa de la IA?",
                        prompt_en="What worries you about AI?")
        single = Question(consultation_id=item.id, position=2, kind="single", prompt_es="¿Qué área importa más?",
                          prompt_en="Which area matters most?")
        db.session.add_all([text, single])
        db.session.flush()
        db.session.add_all([Choice(question_id=single.id, position=1, label_es="Educación", label_en="Education"),
                            Choice(question_id=single.id, position=2, label_es="Salud", label_en="Health")])
        db.session.flush()
    return item


def recommendation(group_slug: str = "ethics", **values) -> Recommendation:
    n = next(_seq)
    item = Recommendation(**{"group_id": factories.group(group_slug).id, "area": "ethics", "horizon": "short",
                             "title_es": f"Recomendación {n}", "title_en": f"Recommendation {n}",
                             "state": "in_consultation", **values})
    db.session.add(item)
    db.session.flush()
    return item


def put_up_for_comment(consultation_: Consultation, rec: Recommendation) -> None:
    db.session.add(ConsultationRecommendation(consultation_id=consultation_.id, recommendation_id=rec.id))
    db.session.flush()


def contribution(consultation_: Consultation, text: str = "Me preocupa la educación digital", *, choice: int = 1,
                 comment: tuple | None = None, **values) -> Contribution:
    """A contribution answering q1 with `text` and q2 with choice `choice`; `comment` = (recommendation, text)."""
    n = next(_seq)
    item = Contribution(**{"consultation_id": consultation_.id,
                           "receipt_hash": hashlib.sha256(f"receipt-{n}".encode()).hexdigest(),
                           "sector": "academia", "state": "JAL", "channel": "online", "age_band": "30_44",
                           "gender": "mujer", "email": f"persona{n}@example.org", "institution": "Universidad X",
                           "source_hash": "s" * 64, "text_hash": f"{n:064d}", "search_text": text, **values})
    db.session.add(item)
    db.session.flush()
    questions = {q.position: q for q in consultation_.questions}
    if 1 in questions:
        db.session.add(Answer(contribution_id=item.id, question_id=questions[1].id, text=text))
    if 2 in questions and choice:
        chosen = next(c for c in questions[2].choices if c.position == choice)
        db.session.add(Answer(contribution_id=item.id, question_id=questions[2].id, choice_id=chosen.id))
    if comment:
        rec, comment_text = comment
        db.session.add(Comment(contribution_id=item.id, recommendation_id=rec.id, text=comment_text))
    db.session.flush()
    return item


def theme(consultation_: Consultation, name: str | None = None, **values) -> Theme:
    n = next(_seq)
    item = Theme(**{"consultation_id": consultation_.id, "name_es": name or f"Tema {n}",
                    "name_en": name or f"Theme {n}", **values})
    db.session.add(item)
    db.session.flush()
    return item


def code(contribution_: Contribution, *themes: Theme, by=None) -> None:
    for t in themes:
        db.session.add(Coding(contribution_id=contribution_.id, theme_id=t.id, coded_by_id=by.id if by else None))
    db.session.flush()


def world(people: dict) -> dict:
    """What the permission matrices need: an ethics consultation, a theme, a contribution, a hidden one."""
    item = consultation(("ethics",), slug="consulta-matriz")
    t = theme(item, "Educación")
    visible = contribution(item)
    hidden = contribution(item, "Texto ofensivo", hidden_at=factories.days_ago(1), hidden_reason="Insultos",
                          hidden_by_id=people["lead"].id)
    contribution(item, "Otra opinión")
    return {"consultation": item.slug, "theme": t.id, "contribution": visible.id, "hidden_contribution": hidden.id}
