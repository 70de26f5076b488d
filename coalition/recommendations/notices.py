"""Tell the people behind a recommendation what became of it: one `consultation-update` message each.

Only contributors who asked to be told left an address (Contribution.email is kept only then). The
message is the same for everyone of one language and consultation, so it is rendered once per pair;
contributors are read and queued a batch at a time, so ten thousand of them never sit in memory at once.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from coalition.consultations.models import Consultation, Contribution
from coalition.extensions import db
from coalition.notifications import services as outbox
from coalition.recommendations.models import Recommendation
from coalition.recommendations.reach import contributions_behind

KIND = "consultation-update"
BATCH = 1_000


def dedupe_key(recommendation: Recommendation, contribution_id: int) -> str:
    """One message per recommendation, contribution and published answer."""
    return f"{KIND}:rec{recommendation.id}:c{contribution_id}:a{recommendation.answer_revision}"


def queue_consultation_updates(recommendation: Recommendation, batch: int = BATCH) -> int:
    """Queue the message to every contributor behind the recommendation who left an address; count them."""
    behind = contributions_behind([recommendation.id]).subquery()
    base = current_app.config["BASE_URL"].rstrip("/")
    rendered: dict[tuple[str, str], tuple[str, str, str]] = {}
    written, last_id = 0, 0
    while True:
        rows = db.session.execute(
            sa.select(Contribution.id, Contribution.email, Contribution.language, Consultation.slug)
            .join(behind, behind.c.contribution_id == Contribution.id)
            .join(Consultation, Consultation.id == Contribution.consultation_id)
            .where(Contribution.email.is_not(None), Contribution.email != "", Contribution.id > last_id)
            .order_by(Contribution.id).limit(batch)).all()
        if not rows:
            return written
        messages = []
        for contribution_id, email, language, slug in rows:
            language = language if language in ("es", "en") else "es"
            if (language, slug) not in rendered:
                rendered[(language, slug)] = outbox.render(
                    KIND, language, recommendation=recommendation, language_code=language,
                    title=recommendation.title_in(language), answer=recommendation.answer_in(language),
                    state=_state_label(recommendation, language), link=f"{base}/consultations/{slug}")
            subject, text, html = rendered[(language, slug)]
            messages.append({"kind": KIND, "recipient": email, "subject": subject, "text_body": text,
                             "html_body": html, "dedupe_key": dedupe_key(recommendation, contribution_id)})
        written += outbox.enqueue_many(messages)
        last_id = rows[-1][0]
        if len(rows) < batch:
            return written


def _state_label(recommendation: Recommendation, language: str) -> str:
    from flask_babel import force_locale

    with force_locale(language):
        return str(recommendation.state_label)
