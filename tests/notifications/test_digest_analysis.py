"""The digest lines of the consultation: a lead's uncoded contributions, the coordinators' week of
contributions and adopted recommendations; in both languages, in the digest's fixed queries."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from coalition.extensions import db
from coalition.notifications import digests
from coalition.notifications.models import OutboxMessage
from coalition.recommendations.models import RecommendationRevision
from tests import factories
from tests.analysis import factories as consult
from tests.notifications.test_digests import MONDAY_8_MEXICO


def body_for(person) -> OutboxMessage:
    db.session.expire_all()
    return db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == person.email)).one()


def test_a_leads_digest_counts_their_groups_uncoded_contributions_with_the_queue_link(app):
    lead = factories.user(groups={"ethics": "lead"}, language="en")
    lead_es = factories.user(groups={"ethics": "lead"}, language="es")
    member = factories.user(groups={"ethics": "member"})
    consultation = consult.consultation(("ethics",))
    theme = consult.theme(consultation)
    items = [consult.contribution(consultation, submitted_at=MONDAY_8_MEXICO - timedelta(days=2)) for _ in range(3)]
    consult.contribution(consultation, hidden_at=factories.days_ago(1), hidden_reason="spam")
    consult.code(items[0], theme)
    db.session.commit()
    outcome = digests.queue_digests(MONDAY_8_MEXICO)
    assert outcome == {"sent": 2, "empty": 1}  # the member has nothing to hear about
    text = body_for(lead).text_body
    assert "2 uncoded contributions" in text
    assert f"/consultations/{consultation.slug}/coding?group=ethics" in text
    assert f"/consultations/{consultation.slug}/coding?group=ethics" in body_for(lead).html_body
    assert "2 aportaciones sin codificar" in body_for(lead_es).text_body
    assert member.email not in {m.recipient for m in db.session.scalars(sa.select(OutboxMessage))}


def test_the_coordinators_digest_has_the_weeks_contributions_and_adopted_recommendations(app):
    coordinator = factories.user(role="coordinator", language="en")
    consultation = consult.consultation(("ethics",))
    for days in (1, 3, 9):
        consult.contribution(consultation, submitted_at=MONDAY_8_MEXICO - timedelta(days=days))
    adopted = consult.recommendation(state="adopted", title_en="Open data for health")
    old = consult.recommendation(state="adopted", title_en="Long adopted")
    db.session.add_all([
        RecommendationRevision(recommendation_id=adopted.id, action="state",
                               changes={"state": ["in_consultation", "adopted"]},
                               created_at=MONDAY_8_MEXICO - timedelta(days=2)),
        RecommendationRevision(recommendation_id=old.id, action="state", changes={"state": ["draft", "adopted"]},
                               created_at=MONDAY_8_MEXICO - timedelta(days=20))])
    db.session.commit()
    digests.queue_digests(MONDAY_8_MEXICO)
    message = body_for(coordinator)
    assert "Contributions to consultations this week: 2" in message.text_body
    assert "Open data for health" in message.text_body and f"/recommendations/{adopted.id}" in message.html_body
    assert "Long adopted" not in message.text_body


def test_the_digest_lines_add_no_query_per_person_or_consultation(app):
    from tests.test_query_counts import count_queries

    def run() -> int:
        with count_queries() as statements:
            digests.queue_digests(MONDAY_8_MEXICO)
        db.session.rollback()
        return len(statements)

    def grow():
        consultation = consult.consultation(("ethics", "governance"))
        for _ in range(3):
            consult.contribution(consultation)
        factories.user(groups={"ethics": "lead"})
        factories.user(groups={"governance": "lead"})
        db.session.commit()

    factories.user(role="coordinator")
    grow()
    small = run()
    grow()
    grow()
    assert run() == small
