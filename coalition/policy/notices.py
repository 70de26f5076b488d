"""Tell the followers of an instrument or a state what happened: one `policy-update` message each.

A person who follows both the instrument and its state gets one message (the dedupe key is the event and
the person); the one who made the change is not told of it. The message is rendered once per language;
followers are read and queued a batch at a time.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from coalition.auth.models import User
from coalition.extensions import db
from coalition.institutions.models import state_label
from coalition.notifications import services as outbox
from coalition.policy.models import Follow, PolicyEvent

KIND = "policy-update"
BATCH = 1_000


def dedupe_key(event: PolicyEvent, user_id: int) -> str:
    return f"{KIND}:event{event.id}:user{user_id}"


def followers_of(event: PolicyEvent) -> sa.Select:
    """The ids of the people following what the event is about (its instrument or its state)."""
    targets = []
    if event.instrument_id is not None:
        targets.append(Follow.instrument_id == event.instrument_id)
    if event.state is not None:
        targets.append(Follow.state == event.state)
    if not targets:
        return sa.select(Follow.user_id).where(sa.false())
    return sa.select(Follow.user_id).where(sa.or_(*targets)).distinct()


def link_for(event: PolicyEvent) -> str:
    base = current_app.config["BASE_URL"].rstrip("/")
    if event.kind == "engagement" and event.engagement_id is not None:
        return f"{base}/engagements/{event.engagement_id}"
    if event.instrument_id is not None:
        return f"{base}/instruments/{event.instrument_id}"
    return f"{base}/states/{(event.state or '').lower()}"


def describe(event: PolicyEvent, language: str) -> dict:
    """What the message and the digest say of the event, in `language`."""
    with force_locale(language):
        context = {"event_kind": event.kind, "state": state_label(event.state) if event.state else "",
                   "link": link_for(event), "title": "", "stage": "", "on": None, "note": "", "degree": "",
                   "recommendation": "", "engagement": ""}
        if event.instrument is not None:
            context["title"] = event.instrument.title_in(language)
        if event.stage is not None:
            context.update(stage=event.stage.stage_label, on=event.stage.on_date, note=event.stage.note)
        if event.uptake is not None:
            context.update(degree=event.uptake.degree_label,
                           recommendation=event.uptake.recommendation.title_in(language))
        if event.engagement is not None:
            context.update(engagement=event.engagement.title, on=event.engagement.held_on,
                           body=event.engagement.body, engagement_kind=event.engagement.kind_label)
    return context


def queue_policy_update(event: PolicyEvent, batch: int = BATCH) -> int:
    """Queue the message to every active follower but the actor; count the messages added. Safe to call
    again: the dedupe key skips people already told."""
    rendered: dict[str, tuple[str, str, str]] = {}
    followers = followers_of(event).subquery()
    written, last_id = 0, 0
    while True:
        rows = db.session.execute(
            sa.select(User.id, User.email, User.language).join(followers, followers.c.user_id == User.id)
            .where(User.active.is_(True), User.id > last_id, User.id != (event.actor_id or 0))
            .order_by(User.id).limit(batch)).all()
        if not rows:
            return written
        messages = []
        for user_id, email, language in rows:
            language = language if language in ("es", "en") else "es"
            if language not in rendered:
                rendered[language] = outbox.render(KIND, language, language_code=language,
                                                   **describe(event, language))
            subject, text, html = rendered[language]
            messages.append({"kind": KIND, "recipient": email, "recipient_id": user_id, "subject": subject,
                             "text_body": text, "html_body": html, "dedupe_key": dedupe_key(event, user_id)})
        written += outbox.enqueue_many(messages)
        last_id = rows[-1][0]
        if len(rows) < batch:
            return written
