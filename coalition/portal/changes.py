"""The latest published changes: what the home page lists and the Atom feed carries.

Read from the real history, never written by hand: a published recommendation's revisions since it
was (last) published, a public deliverable's updates since it was published, and consultation
results as they are published. Only what is published now counts: unpublish a recommendation and
its entries are gone on the next request. A revision says which kind of change it was, never what
a draft said; an update gives status and progress, never the member's note.
Four small queries whatever the history's size, each walking an index newest first.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from coalition.consultations.models import Consultation
from coalition.deliverables.models import Deliverable, DeliverableUpdate
from coalition.extensions import db
from coalition.portal import publication
from coalition.recommendations.models import Recommendation, RecommendationRevision

# Revisions that change what the portal shows of a recommendation. Not "absorb" nor "split": they
# would tell of another recommendation, which may not be published.
PUBLIC_ACTIONS = ("publish", "state", "answer", "edit", "sources", "merge", "deliverable_link",
                  "deliverable_unlink")


@dataclass(frozen=True)
class Change:
    key: str  # stable and unique: the feed's entry id
    at: datetime
    kind: str  # "recommendation", "deliverable" or "consultation"
    subject_id: int | str  # a recommendation's or deliverable's id, a consultation's slug
    title_es: str
    title_en: str
    action: str  # a PUBLIC_ACTIONS item, "progress" (a deliverable's update), "results" or "published"
    state: str | None = None  # a recommendation's state after the change
    status: str | None = None  # a deliverable's status after the update
    progress: int | None = None  # a deliverable's progress after the update

    def title_in(self, language: str) -> str:
        return (self.title_es if language == "es" else self.title_en) or self.title_es or self.title_en


def latest(limit: int = 20) -> list[Change]:
    """The `limit` newest published changes, newest first."""
    changes = _recommendations(limit) + _deliverables(limit) + _consultations(limit)
    changes.sort(key=lambda change: (change.at, change.key), reverse=True)
    return changes[:limit]


def _recommendations(limit: int) -> list[Change]:
    rows = db.session.execute(
        sa.select(RecommendationRevision.id, RecommendationRevision.created_at, RecommendationRevision.action,
                  Recommendation.id, Recommendation.title_es, Recommendation.title_en, Recommendation.state)
        .join(Recommendation, Recommendation.id == RecommendationRevision.recommendation_id)
        .where(publication.recommendation_public(), RecommendationRevision.action.in_(PUBLIC_ACTIONS),
               RecommendationRevision.created_at >= Recommendation.published_at)
        .order_by(RecommendationRevision.created_at.desc(), RecommendationRevision.id.desc())
        .limit(limit))
    return [Change(key=f"recommendation-revision-{rid}", at=at, kind="recommendation", subject_id=rec_id,
                   title_es=title_es, title_en=title_en, action=action, state=state)
            for rid, at, action, rec_id, title_es, title_en, state in rows]


def _deliverables(limit: int) -> list[Change]:
    visible = publication.deliverable_public()
    updates = db.session.execute(
        sa.select(DeliverableUpdate.id, DeliverableUpdate.created_at, DeliverableUpdate.status_after,
                  DeliverableUpdate.progress_after, Deliverable.id, Deliverable.title)
        .join(Deliverable, Deliverable.id == DeliverableUpdate.deliverable_id)
        .where(visible, DeliverableUpdate.created_at >= Deliverable.published_at)
        .order_by(DeliverableUpdate.created_at.desc(), DeliverableUpdate.id.desc())
        .limit(limit))
    changes = [Change(key=f"deliverable-update-{uid}", at=at, kind="deliverable", subject_id=did,
                      title_es=title, title_en=title, action="progress", status=status, progress=progress)
               for uid, at, status, progress, did, title in updates]
    published = db.session.execute(
        sa.select(Deliverable.id, Deliverable.published_at, Deliverable.title, Deliverable.status,
                  Deliverable.progress)
        .where(visible, Deliverable.published_at.is_not(None))
        .order_by(Deliverable.published_at.desc(), Deliverable.id.desc()).limit(limit))
    changes += [Change(key=f"deliverable-published-{did}-{int(at.timestamp())}", at=at, kind="deliverable",
                       subject_id=did, title_es=title, title_en=title, action="published", status=status,
                       progress=progress)
                for did, at, title, status, progress in published]
    return changes


def _consultations(limit: int) -> list[Change]:
    rows = db.session.execute(
        sa.select(Consultation.slug, Consultation.results_published_at, Consultation.title_es,
                  Consultation.title_en)
        .where(publication.results_public())
        .order_by(Consultation.results_published_at.desc()).limit(limit))
    return [Change(key=f"consultation-results-{slug}-{int(at.timestamp())}", at=at, kind="consultation",
                   subject_id=slug, title_es=title_es, title_en=title_en, action="results")
            for slug, at, title_es, title_en in rows]
