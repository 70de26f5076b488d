"""A small consultation to import contributions into and export them from (built on the models)."""
from __future__ import annotations

from datetime import timedelta

from coalition.consultations.models import (
    Choice,
    Consultation,
    ConsultationRecommendation,
    Question,
)
from coalition.database import utcnow
from coalition.extensions import db
from coalition.recommendations.models import Recommendation
from tests import factories


def consultation(slug: str = "foros-ia", phase: str = "open", closed: bool = True, comments: bool = True,
                 recommendation: Recommendation | None = None) -> Consultation:
    """q1 free text (required), q2 one choice (Sí/No), q3 several choices; comments on one recommendation."""
    now = utcnow()
    found = Consultation(slug=slug, title_es="Foros estatales de IA", title_en="State AI forums",
                         kind="both" if comments else "questions", phase=phase,
                         opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=1) if closed
                         else now + timedelta(days=30))
    db.session.add(found)
    db.session.flush()
    q1 = Question(consultation_id=found.id, position=1, kind="text", required=True,
                  prompt_es="¿Qué debe priorizar México?", prompt_en="What should Mexico prioritise?")
    q2 = Question(consultation_id=found.id, position=2, kind="single", prompt_es="¿Usas IA en tu trabajo?",
                  prompt_en="Do you use AI at work?")
    q3 = Question(consultation_id=found.id, position=3, kind="multiple", prompt_es="¿Qué te preocupa?",
                  prompt_en="What worries you?")
    db.session.add_all([q1, q2, q3])
    db.session.flush()
    db.session.add_all([
        Choice(question_id=q2.id, position=1, label_es="Sí", label_en="Yes"),
        Choice(question_id=q2.id, position=2, label_es="No", label_en="No"),
        Choice(question_id=q3.id, position=1, label_es="Empleo", label_en="Jobs"),
        Choice(question_id=q3.id, position=2, label_es="Privacidad", label_en="Privacy"),
        Choice(question_id=q3.id, position=3, label_es="Sesgos", label_en="Bias"),
    ])
    if comments:
        if recommendation is None:
            recommendation = Recommendation(group_id=factories.group("ethics").id, area="ethics", horizon="short",
                                            title_es="Evaluar riesgos", title_en="Assess risks",
                                            state="in_consultation")
            db.session.add(recommendation)
            db.session.flush()
        db.session.add(ConsultationRecommendation(consultation_id=found.id, recommendation_id=recommendation.id))
    db.session.flush()
    return found


def comment_column(found: Consultation) -> str:
    return f"r{found.recommendations[0].id}"
