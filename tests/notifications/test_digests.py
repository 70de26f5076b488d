"""Digests at each person's own hour, never empty, never doubled, with one-click unsubscribe."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa

from coalition.auth.models import User
from coalition.deliverables.models import DeliverableUpdate
from coalition.extensions import db
from coalition.notifications import digests
from coalition.notifications import services as outbox
from coalition.notifications.models import OutboxMessage
from tests import factories
from tests.notifications.test_services import smtp  # noqa: F401  (the aiosmtpd fixture)

# Monday 7 December 2026, 08:00 in Mexico City (14:00 UTC); 15:00 in Madrid.
MONDAY_8_MEXICO = datetime(2026, 12, 7, 14, 0, tzinfo=timezone.utc)


def digest_rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.kind == "digest")).scalars())


def member_with_news(**values) -> User:
    member = factories.user(groups={"ethics": "member"}, **values)
    factories.deliverable(owner=member, due_date=date(2026, 12, 12), last_update_at=MONDAY_8_MEXICO)
    return member


def test_weekly_digest_goes_out_at_each_persons_own_hour_and_once(app):
    mexico = member_with_news(language="es")
    madrid = member_with_news(language="en", timezone="Europe/Madrid")  # 08:00 there is 07:00 UTC
    db.session.commit()
    assert digests.queue_digests(MONDAY_8_MEXICO) == {"sent": 1, "empty": 0}
    db.session.commit()
    assert digests.queue_digests(MONDAY_8_MEXICO + timedelta(minutes=15))["sent"] == 0  # same hour, later run
    madrid_8 = datetime(2026, 12, 7, 7, 0, tzinfo=timezone.utc)
    assert digests.queue_digests(madrid_8) == {"sent": 1, "empty": 0}
    db.session.commit()
    assert {r.recipient for r in digest_rows()} == {mexico.email, madrid.email}


def test_no_digest_when_there_is_nothing_to_say(app):
    factories.user(groups={"ethics": "member"})
    db.session.commit()
    assert digests.queue_digests(MONDAY_8_MEXICO) == {"sent": 0, "empty": 1}
    assert digest_rows() == []


def test_daily_and_off_follow_the_persons_setting(app):
    member_with_news(digest_frequency="daily", digest_hour=8)
    member_with_news(digest_frequency="off")
    db.session.commit()
    tuesday = MONDAY_8_MEXICO + timedelta(days=1)
    assert digests.queue_digests(tuesday, "daily")["sent"] == 1
    assert digests.queue_digests(tuesday, "weekly")["sent"] == 0


def test_member_digest_shows_what_changed_since_the_last_one(app, smtp):  # noqa: F811
    member = member_with_news(language="es")
    colleague = factories.user(groups={"ethics": "member"})
    item = factories.deliverable(owner=colleague, title="Guía de datos abiertos", last_update_at=MONDAY_8_MEXICO)
    db.session.add(DeliverableUpdate(deliverable_id=item.id, author_id=colleague.id, status_before="in_progress",
                                     status_after="in_progress", progress_before=10, progress_after=60,
                                     created_at=MONDAY_8_MEXICO - timedelta(days=2)))
    db.session.commit()
    digests.queue_digests(MONDAY_8_MEXICO)
    db.session.commit()
    outbox.deliver_due()
    [message] = smtp.messages
    assert message["To"] == member.email and message["Subject"] == "Tu semana en la coalición"
    text = message.get_body(("plain",)).get_content()
    assert "Guía de datos abiertos: 10% → 60%" in text and "TUS ENTREGABLES" in text
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].strip().startswith("<http") and "/unsubscribe/" in message["List-Unsubscribe"]


def test_coordinator_digest_compiles_the_coalitions_figures(app):
    coordinator = factories.user(role="coordinator", language="en")
    owner = factories.user(groups={"ethics": "member"})
    factories.deliverable(owner=owner, title="Vencido uno", due_date=date(2026, 11, 1), progress=30,
                          last_update_at=MONDAY_8_MEXICO)
    db.session.commit()
    assert digests.queue_digests(MONDAY_8_MEXICO)["sent"] >= 1
    db.session.commit()
    message = next(r for r in digest_rows() if r.recipient == coordinator.email)
    assert message.subject == "Coalition progress: the week in figures"
    assert "PROGRESS BY WORKING GROUP" in message.text_body and "AI Ethics" in message.text_body
    assert "Vencido uno" in message.text_body and "Off track: 1" in message.text_body


def test_one_click_unsubscribe_needs_no_login_and_get_only_confirms(app, client):
    member = member_with_news()
    db.session.commit()
    path = f"/unsubscribe/{digests.unsubscribe_token(member.id)}"
    assert client.get(path).status_code == 200
    db.session.expire_all()
    assert db.session.get(User, member.id).digest_frequency == "weekly"
    response = client.post(path, data="List-Unsubscribe=One-Click",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(User, member.id).digest_frequency == "off"
    assert client.post("/unsubscribe/forged-token").status_code == 404


def test_cli_digests_inline(app):
    member_with_news()
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["digests", "--inline", "--at", "2026-12-07T08:00:00-06:00"])
    assert result.exit_code == 0, result.output
    assert "1 queued" in result.output


def test_a_digest_run_issues_the_same_queries_for_few_and_many_people(app):
    from tests.test_query_counts import count_queries

    def run_with(people: int) -> int:
        db.session.execute(sa.delete(OutboxMessage))
        for _ in range(people):
            member_with_news()
        db.session.commit()
        with count_queries() as statements:
            digests.queue_digests(MONDAY_8_MEXICO)
        db.session.rollback()
        return len([s for s in statements if not s.lstrip().upper().startswith("INSERT")])

    assert run_with(5) == run_with(60)
