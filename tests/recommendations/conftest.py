"""Test data for the agenda, made with the models directly (the consultation services are another piece)."""
from __future__ import annotations

import itertools

from coalition.consultations.models import Coding, Consultation, Contribution, Theme
from coalition.extensions import db
from coalition.recommendations.models import Recommendation, SourceContribution, SourceTheme
from tests import factories

_seq = itertools.count(1)


def consultation(**values) -> Consultation:
    n = next(_seq)
    item = Consultation(**{"slug": f"consulta-{n}", "title_es": f"Consulta {n}", "title_en": f"Consultation {n}",
                           "opens_at": factories.days_ago(30), "closes_at": factories.days_ago(1), "phase": "open",
                           **values})
    db.session.add(item)
    db.session.flush()
    return item


def contribution(consultation_: Consultation, **values) -> Contribution:
    n = next(_seq)
    item = Contribution(**{"consultation_id": consultation_.id, "receipt_hash": f"{n:064x}", "sector": "academia",
                           "state": "JAL", "channel": "online", "search_text": f"Opinión número {n}",
                           "submitted_at": factories.days_ago(2), **values})
    db.session.add(item)
    db.session.flush()
    return item


def theme(consultation_: Consultation, **values) -> Theme:
    n = next(_seq)
    item = Theme(**{"consultation_id": consultation_.id, "name_es": f"Tema {n}", "name_en": f"Theme {n}", **values})
    db.session.add(item)
    db.session.flush()
    return item


def code(contribution_: Contribution, theme_: Theme) -> None:
    db.session.add(Coding(contribution_id=contribution_.id, theme_id=theme_.id))
    db.session.flush()


def recommendation(group_slug: str = "ethics", *, contributions=(), themes=(), **values) -> Recommendation:
    n = next(_seq)
    item = Recommendation(**{"group_id": factories.group(group_slug).id, "area": "ethics", "horizon": "short",
                             "title_es": f"Recomendación {n}", "title_en": f"Recommendation {n}",
                             "text_es": "Texto", "text_en": "Text", **values})
    db.session.add(item)
    db.session.flush()
    for c in contributions:
        db.session.add(SourceContribution(recommendation_id=item.id, contribution_id=c.id))
    for t in themes:
        db.session.add(SourceTheme(recommendation_id=item.id, theme_id=t.id))
    db.session.flush()
    return item


def matrix_world(people: dict) -> dict:
    """What the permission matrices need: an ethics recommendation with a source, a deliverable, another one."""
    c = consultation()
    t = theme(c)
    source = contribution(c, email="persona@example.org")
    code(source, t)
    rec = recommendation("ethics", themes=[t])
    other = recommendation("governance")
    linked = factories.deliverable("ethics", owner=people["member"])
    from coalition.recommendations.models import RecommendationDeliverable
    db.session.add(RecommendationDeliverable(recommendation_id=rec.id, deliverable_id=linked.id))
    db.session.flush()
    return {"recommendation": rec.id, "recommendation_version": rec.version, "other_recommendation": other.id,
            "rec_theme": t.id, "rec_contribution": source.id, "rec_deliverable": linked.id,
            "rec_consultation": c.slug}


def html_world(w: dict) -> dict:
    """Recommendations for the HTML validity check, made once: one with a full trace, one merged, one split."""
    if "rec_full" in w:
        return w
    from coalition.auth.models import User
    from coalition.recommendations.models import RecommendationDeliverable, RecommendationSplit
    import sqlalchemy as sa

    c = consultation(slug="consulta-html")
    t = theme(c)
    for n in range(7):
        code(contribution(c, sector=("academia", "industry")[n % 2], email=f"html{n}@example.org"), t)
    full = recommendation("ethics", themes=[t], state="adopted", published=True, answer_es="La adoptamos.",
                          answer_en="We adopted it.", published_at=factories.days_ago(1),
                          published_by_id=db.session.scalar(sa.select(User.id).where(User.role == "admin")))
    merged = recommendation("ethics", state="merged", merged_into_id=full.id, answer_es="Se une", answer_en="Joined")
    child = recommendation("ethics")
    db.session.add(RecommendationSplit(parent_id=full.id, child_id=child.id))
    deliverable = db.session.scalar(sa.select(factories.Deliverable.id).order_by(factories.Deliverable.id).limit(1))
    if deliverable:
        db.session.add(RecommendationDeliverable(recommendation_id=full.id, deliverable_id=deliverable))
    db.session.commit()
    w.update(rec_full=full.id, rec_merged=merged.id, rec_child=child.id, rec_consultation=c.slug, rec_theme=t.id)
    return w
