"""Tell the people behind a recommendation what became of it: one `consultation-update` message each.

Only contributors who asked to be told left an address (Contribution.email is kept only then). The
message is the same for everyone of one language and consultation, so it is rendered once per pair;
contributors are read and queued a batch at a time, so ten thousand of them never sit in memory at once.
"""
from __future__ import annotations

import hashlib

import sqlalchemy as sa
from flask import current_app

from coalition.consultations import receipts
from coalition.consultations.models import Consultation, Contribution
from coalition.extensions import db
from coalition.notifications import services as outbox
from coalition.recommendations.models import Recommendation
from coalition.recommendations.reach import contributions_behind

KIND = "consultation-update"
BATCH = 1_000


# The states that are a decision the public hears about; a published answer in any other state is
# announced as "still open", so moving a draft back and forth tells nobody anything new.
DECISIONS = ("adopted", "merged", "rejected")


def announced(recommendation: Recommendation) -> str:
    """A fingerprint of what the message says: the decision and the public answer in both languages."""
    decision = recommendation.state if recommendation.state in DECISIONS else "open"
    text = "\x1f".join((decision, recommendation.answer_es or "", recommendation.answer_en or ""))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def dedupe_key(recommendation: Recommendation, email: str) -> str:
    """One message per recommendation, address and announced answer: a person with three contributions
    behind it gets one, republishing the same answer sends nothing, a new answer sends one more. The
    address is keyed (never written in the key)."""
    return f"{KIND}:rec{recommendation.id}:{receipts.source_hash('to:' + email.casefold())[:32]}:" \
           f"{announced(recommendation)}"


def is_announced(recommendation: Recommendation) -> bool:
    """Whether the recommendation has something to tell: published, with a public answer."""
    return bool(recommendation.published and ((recommendation.answer_es or "").strip()
                                              or (recommendation.answer_en or "").strip()))


def queue_consultation_updates(recommendation: Recommendation, contribution_ids=None, batch: int = BATCH) -> int:
    """Queue the message to every contributor behind the recommendation who left an address (or only to
    those of `contribution_ids`, newly behind it); count the messages added. Safe to call again: people
    already told about this answer are skipped by the dedupe key."""
    if not is_announced(recommendation):
        return 0
    behind = contributions_behind([recommendation.id]).subquery()
    base = current_app.config["BASE_URL"].rstrip("/")
    rendered: dict[tuple[str, str], tuple[str, str, str]] = {}
    written, last_id = 0, 0
    while True:
        stmt = (sa.select(Contribution.id, Contribution.email, Contribution.language, Consultation.slug)
                .join(behind, behind.c.contribution_id == Contribution.id)
                .join(Consultation, Consultation.id == Contribution.consultation_id)
                .where(Contribution.email.is_not(None), Contribution.email != "", Contribution.id > last_id)
                .order_by(Contribution.id).limit(batch))
        if contribution_ids is not None:
            stmt = stmt.where(Contribution.id.in_(list(contribution_ids)))
        rows = db.session.execute(stmt).all()
        if not rows:
            return written
        messages = {}
        for _contribution_id, email, language, slug in rows:
            language = language if language in ("es", "en") else "es"
            if (language, slug) not in rendered:
                rendered[(language, slug)] = outbox.render(
                    KIND, language, recommendation=recommendation, language_code=language,
                    title=recommendation.title_in(language), answer=recommendation.answer_in(language),
                    state=_state_label(recommendation, language), link=f"{base}/consultations/{slug}")
            subject, text, html = rendered[(language, slug)]
            key = dedupe_key(recommendation, email)
            messages.setdefault(key, {"kind": KIND, "recipient": email, "subject": subject, "text_body": text,
                                      "html_body": html, "dedupe_key": key})
        written += outbox.enqueue_many(list(messages.values()))
        last_id = rows[-1][0]
        if len(rows) < batch:
            return written


def queue_for_new_sources(contribution_ids, theme_ids=()) -> int:
    """Contributions that have just come to stand behind published, answered recommendations (coded under
    a theme they cite): tell their authors too. One query finds those recommendations."""
    from coalition.recommendations.models import SourceTheme

    if not theme_ids:
        return 0
    found = db.session.execute(
        sa.select(Recommendation).join(SourceTheme, SourceTheme.recommendation_id == Recommendation.id)
        .where(SourceTheme.theme_id.in_(list(theme_ids)), Recommendation.published.is_(True))
        .distinct()).scalars().all()
    return sum(queue_consultation_updates(recommendation, contribution_ids) for recommendation in found)


def _state_label(recommendation: Recommendation, language: str) -> str:
    from flask_babel import force_locale

    with force_locale(language):
        return str(recommendation.state_label)
