"""policy-update messages: one per follower and event, in their language, never to the actor, deduped."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from coalition.extensions import db
from coalition.notifications import services as outbox
from coalition.notifications.models import OutboxMessage
from coalition.policy import notices, services
from coalition.policy.models import Follow, PolicyEvent
from tests import factories
from tests.notifications.test_services import smtp  # noqa: F401  (the aiosmtpd fixture)
from tests.policy.records import coordinator, instrument, liaison, recommendation


def policy_rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.kind == notices.KIND)
                                   .order_by(OutboxMessage.id)).scalars())


def test_followers_of_the_instrument_and_of_its_state_get_one_message_each_in_their_language(app):
    boss = coordinator()
    item = instrument(boss)
    by_instrument = factories.user(language="es")
    by_state = factories.user(language="en")
    by_both = factories.user(language="en")
    other_state = factories.user()
    services.follow(by_instrument, instrument_id=item.id)
    services.follow(by_state, state="JAL")
    services.follow(by_both, instrument_id=item.id)
    services.follow(by_both, state="JAL")
    services.follow(other_state, state="SON")
    services.add_stage(boss, item.id, stage="proposed", on=date(2025, 1, 10))
    db.session.commit()
    rows = {r.recipient: r for r in policy_rows()}
    assert sorted(rows) == sorted([by_instrument.email, by_state.email, by_both.email])
    assert len(policy_rows()) == 3
    spanish, english = rows[by_instrument.email], rows[by_both.email]
    assert "Estrategia Estatal de IA de Jalisco" in spanish.subject and "Hola:" in spanish.text_body and "10 ene 2025" in spanish.text_body
    assert '<html lang="es">' in spanish.html_body
    assert "Jalisco State AI Strategy" in english.subject and "Hello," in english.text_body
    assert '<html lang="en">' in english.html_body
    assert f"/instruments/{item.id}" in english.text_body and "Jan 10, 2025" in english.text_body  # the date as the reader writes it
    assert all(r.headers["X-Coalition-Kind"] == "policy-update" for r in rows.values())


def test_the_actor_and_inactive_people_are_not_told(app):
    boss = coordinator()
    item = instrument(boss)
    gone = factories.user(active=False)
    active = factories.user()
    for person in (boss, active):
        services.follow(person, instrument_id=item.id)
    db.session.add(Follow(user_id=gone.id, instrument_id=item.id))  # followed before being deactivated
    db.session.flush()
    services.add_stage(boss, item.id, stage="proposed", on=date(2025, 1, 10))
    db.session.commit()
    assert [r.recipient for r in policy_rows()] == [active.email]


def test_queueing_an_event_again_sends_nothing_more(app):
    boss = coordinator()
    item = instrument(boss)
    follower = factories.user()
    services.follow(follower, instrument_id=item.id)
    services.add_stage(boss, item.id, stage="proposed", on=date(2025, 1, 10))
    db.session.commit()
    event = db.session.execute(sa.select(PolicyEvent)).scalar_one()
    assert notices.queue_policy_update(event) == 0
    db.session.commit()
    assert len(policy_rows()) == 1
    assert policy_rows()[0].dedupe_key == notices.dedupe_key(event, follower.id)


def test_batches_reach_every_follower(app):
    boss = coordinator()
    item = instrument(boss)
    people = [factories.user() for _ in range(5)]
    for person in people:
        services.follow(person, state="JAL")
    services.add_stage(boss, item.id, stage="proposed", on=date(2025, 1, 10))
    db.session.commit()
    event = db.session.execute(sa.select(PolicyEvent)).scalar_one()
    db.session.execute(sa.delete(OutboxMessage))
    assert notices.queue_policy_update(event, batch=2) == 5
    assert sorted(r.recipient for r in policy_rows()) == sorted(p.email for p in people)


def test_uptakes_and_engagements_are_told_too_and_engagements_reach_their_states_followers(app):
    boss, person = coordinator(), liaison("JAL")
    item = instrument(boss)
    follower = factories.user(language="en")
    services.follow(follower, state="JAL")
    rec = recommendation(title_en="Open public data")
    services.link_uptake(boss, item.id, recommendation_id=rec.id, degree="adopted")
    engagement = services.create_engagement(person, kind="forum", title="Foro estatal", held_on=date(2025, 3, 1),
                                            jurisdiction="JAL", body="Congreso de Jalisco")
    db.session.commit()
    uptake, forum = policy_rows()
    assert "Open public data" in uptake.text_body and "Adopted" in uptake.text_body
    assert "Foro estatal" in forum.subject and "Congreso de Jalisco" in forum.text_body
    assert f"/engagements/{engagement.id}" in forum.text_body


def test_the_messages_go_out_with_their_kind_and_escaped_html(app, smtp):  # noqa: F811
    boss = coordinator()
    item = instrument(boss, title_en="Strategy <script>alert(1)</script>")
    follower = factories.user(language="en")
    services.follow(follower, instrument_id=item.id)
    services.add_stage(boss, item.id, stage="proposed", on=date(2025, 1, 10))
    db.session.commit()
    outbox.deliver_due()
    [message] = smtp.messages
    assert message["To"] == follower.email and message["X-Coalition-Kind"] == "policy-update"
    html = message.get_body(("html",)).get_content()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Strategy <script>alert(1)</script>" in message.get_body(("plain",)).get_content()
