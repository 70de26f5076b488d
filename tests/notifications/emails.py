"""One sample of every e-mail kind, in each language, rendered from the demo coalition the way the services
render them: for the HTML checker (test_email_html.py) and the screenshots of docs/EMAILS.md
(tests/e2e/test_emails.py)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from coalition.extensions import db

LANGUAGES = ("es", "en")
# Every kind, in the order docs/EMAILS.md shows them.
KINDS = ("digest-member", "digest-lead", "digest-coordinator", "reminder", "invitation", "join-invitation",
         "password-reset", "cancellation", "receipt", "consultation-update", "policy-update")
DEMO = {"digest-member": "member@example.org", "digest-lead": "lead@example.org",
        "digest-coordinator": "coordinator@example.org"}


def _now() -> datetime:
    return datetime.now(timezone.utc)


def every_email(language: str) -> dict[str, tuple[str, str, str]]:
    """Per kind: (subject, text, HTML) in `language`, from the demo coalition in the current database."""
    from flask import current_app

    from coalition.auth.models import Invitation, User
    from coalition.deliverables.models import Deliverable
    from coalition.meetings.models import Meeting
    from coalition.notifications import digests
    from coalition.notifications import services as outbox
    from coalition.policy.models import PolicyEvent
    from coalition.policy.notices import describe
    from coalition.recommendations.models import Recommendation

    base = current_app.config["BASE_URL"].rstrip("/")
    person = db.session.scalar(sa.select(User).where(User.email == DEMO["digest-member"]))
    inviter = db.session.scalar(sa.select(User).where(User.email == "admin@example.org"))
    samples: dict[str, tuple[str, str, str]] = {}
    for kind, email in DEMO.items():
        someone = db.session.scalar(sa.select(User).where(User.email == email))
        _content, rendered = digests.preview(someone, _now(), language)
        assert rendered is not None, f"the demo's {kind} has nothing to say"
        samples[kind] = rendered
    deliverable = db.session.scalar(sa.select(Deliverable).where(Deliverable.owner_id == person.id)
                                    .order_by(Deliverable.id).limit(1))
    samples["reminder"] = outbox.render(
        "reminder", language, person=person, reason="due_7", tz=person.timezone, deliverable=deliverable,
        link=f"{base}/deliverables/{deliverable.id}")
    meeting = db.session.scalar(sa.select(Meeting).where(Meeting.status == "scheduled").order_by(Meeting.starts_at)
                                .limit(1))
    for kind in ("invitation", "cancellation"):
        samples[kind] = outbox.render(kind, language, meeting=meeting, person=person, tz=person.timezone,
                                      link=f"{base}/meetings/{meeting.id}")
    invitation = Invitation(email="nueva.persona@example.org", name="Nueva Persona")
    samples["join-invitation"] = outbox.render(
        "join-invitation", language, invitation=invitation, inviter=inviter, link=f"{base}/invitations/TOKEN",
        days=7)
    samples["password-reset"] = outbox.render("password-reset", language, person=person,
                                              link=f"{base}/password/reset/TOKEN", minutes=60)
    samples["receipt"] = outbox.render("receipt", language, code="K7QM-2XRP", link=f"{base}/receipts/K7QM-2XRP",
                                       title="Consulta Nacional sobre Inteligencia Artificial", notify=True)
    recommendation = db.session.scalar(sa.select(Recommendation).order_by(Recommendation.id).limit(1))
    samples["consultation-update"] = outbox.render(
        "consultation-update", language, recommendation=recommendation, language_code=language,
        title=recommendation.title_in(language), answer="La recomendación se adoptó con cambios.\nVer anexo.",
        state="Adoptada", link=f"{base}/consultations/consulta-nacional-ia")
    event = db.session.scalar(sa.select(PolicyEvent).order_by(PolicyEvent.id.desc()).limit(1))
    samples["policy-update"] = outbox.render("policy-update", language, language_code=language,
                                             **describe(event, language))
    return samples


def make_digests_due() -> None:
    """Let the demo's people hear of the past week (their last digest a week ago)."""
    from coalition.auth.models import User

    db.session.execute(sa.update(User).values(last_digest_at=_now() - timedelta(days=7)))
    db.session.flush()
