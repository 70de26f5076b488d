"""/settings/digest: a preview of what the person would receive now, in the page's language, and the
digest's settings (how often, when, which groups' news to leave out)."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from coalition.auth.models import User
from coalition.deliverables.models import DeliverableUpdate
from coalition.extensions import db
from coalition.notifications.models import DigestMute
from tests import factories
from tests.conftest import csrf_token


def log_in(client, person) -> None:
    response = client.post("/login", data={"email": person.email, "password": factories.PASSWORD,
                                           "csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 302


def with_news():
    reader = factories.user(groups={"ethics": "member", "governance": "member"}, language="es")
    item = factories.deliverable(title="Guía de datos abiertos")
    db.session.add(DeliverableUpdate(deliverable_id=item.id, author_id=item.owner_id, status_before="in_progress",
                                     status_after="in_progress", progress_before=10, progress_after=60,
                                     created_at=factories.days_ago(1)))
    db.session.commit()
    return reader, item


def test_the_preview_shows_what_would_be_sent_now_in_the_pages_language(app, client):
    reader, item = with_news()
    log_in(client, reader)
    page = client.get("/settings/digest?lang=en").get_data(as_text=True)
    assert "This is what you would receive now" in page and "What changed in AI Ethics" in page
    assert "Guía de datos abiertos: 10% → 60%" in page and f"/deliverables/{item.id}" in page
    assert "1 change in AI Ethics" in page  # the subject
    assert "settings/digest" in client.get("/settings").get_data(as_text=True)  # linked from the settings page


def test_with_nothing_to_say_the_preview_says_no_digest_would_be_sent(app, client):
    reader = factories.user(groups={"ethics": "member"})
    db.session.commit()
    log_in(client, reader)
    page = client.get("/settings/digest?lang=en").get_data(as_text=True)
    assert "no digest would be sent" in page


def test_switching_to_daily_at_another_hour_and_muting_a_group_is_saved(app, client):
    reader, _item = with_news()
    log_in(client, reader)
    ethics = factories.group("ethics").id
    response = client.post("/settings/digest", data={
        "csrf_token": csrf_token(client, "/settings/digest"), "digest_frequency": "daily", "digest_weekday": "3",
        "digest_hour": "18", "muted": [str(ethics)]})
    assert response.status_code == 302 and response.headers["Location"].endswith("/settings/digest")
    db.session.expire_all()
    person = db.session.get(User, reader.id)
    assert (person.digest_frequency, person.digest_weekday, person.digest_hour) == ("daily", 3, 18)
    assert set(db.session.scalars(sa.select(DigestMute.group_id).where(DigestMute.user_id == reader.id))) == {ethics}
    page = client.get("/settings/digest?lang=en").get_data(as_text=True)
    # Its only news was in the muted group: nothing would be sent now.
    assert "Guía de datos abiertos" not in page and "no digest would be sent" in page
    client.post("/settings/digest", data={"csrf_token": csrf_token(client, "/settings/digest"),
                                          "digest_frequency": "daily", "digest_weekday": "3", "digest_hour": "18"})
    assert db.session.scalars(sa.select(DigestMute).where(DigestMute.user_id == reader.id)).all() == []


def test_a_group_the_person_is_not_in_cannot_be_muted(app, client):
    reader = factories.user(groups={"ethics": "member"})
    db.session.commit()
    log_in(client, reader)
    response = client.post("/settings/digest", data={
        "csrf_token": csrf_token(client, "/settings/digest"), "digest_frequency": "weekly", "digest_weekday": "0",
        "digest_hour": "8", "muted": [str(factories.group("governance").id)]})
    assert response.status_code == 422
    assert db.session.scalars(sa.select(DigestMute)).all() == []


def test_someone_in_no_group_who_sends_a_mute_is_told_why_it_was_refused(app, client):
    loner = factories.user()
    db.session.commit()
    log_in(client, loner)
    response = client.post("/settings/digest?lang=en", data={
        "csrf_token": csrf_token(client, "/settings/digest"), "digest_frequency": "weekly", "digest_weekday": "0",
        "digest_hour": "8", "muted": [str(factories.group("ethics").id)]})
    assert response.status_code == 422
    assert 'id="muted-error"' in response.get_data(as_text=True)
    assert db.session.scalars(sa.select(DigestMute)).all() == []


def test_the_form_needs_its_csrf_token(app, client):
    reader = factories.user(groups={"ethics": "member"})
    db.session.commit()
    log_in(client, reader)
    response = client.post("/settings/digest", data={"digest_frequency": "off", "digest_weekday": "0",
                                                     "digest_hour": "8"})
    assert response.status_code in (400, 422)
    db.session.expire_all()
    assert db.session.get(User, reader.id).digest_frequency == "weekly"
    assert timedelta
