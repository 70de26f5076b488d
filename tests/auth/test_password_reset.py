"""Password reset by email: same answer for every address, single-use expiring links."""
from __future__ import annotations

import re

import sqlalchemy as sa

from coalition.auth import services
from coalition.extensions import db
from coalition.notifications.models import OutboxMessage
from tests import factories
from tests.conftest import csrf_token, login, post_form


def reset_link() -> str:
    db.session.expire_all()
    message = db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.kind == "password-reset")).scalar_one()
    return re.search(r"http://[^\s]+/password/reset/\S+", message.text_body).group(0).split("5000", 1)[-1]


def test_the_answer_is_the_same_whether_or_not_the_address_exists(app, client):
    person = factories.user()
    db.session.commit()
    known = post_form(client, "/password/forgot", {"email": person.email.upper()})
    unknown = post_form(client, "/password/forgot", {"email": "nadie@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1


def test_a_reset_link_sets_the_password_once_and_ends_other_sessions(app, client):
    person = factories.user(language="en")
    db.session.commit()
    other = app.test_client()
    login(other, person)
    post_form(client, "/password/forgot", {"email": person.email})
    link = reset_link()
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": "una frase nueva y larga", "confirm": "una frase nueva y larga",
                                       "csrf_token": csrf_token(client, link)})
    assert response.status_code == 302
    assert client.get(link).status_code == 404  # spent
    assert other.get("/settings").status_code == 302  # the old session ended
    db.session.expire_all()
    assert services.authenticate(person.email, "una frase nueva y larga") is not None


def test_a_forged_or_expired_token_is_404(app, client, monkeypatch):
    person = factories.user()
    db.session.commit()
    assert client.get("/password/reset/" + "x" * 60).status_code == 404
    post_form(client, "/password/forgot", {"email": person.email})
    link = reset_link()
    monkeypatch.setattr(services, "RESET_MAX_AGE", -1)
    assert client.get(link).status_code == 404


def test_a_short_new_password_is_refused_beside_the_field(app, client):
    person = factories.user()
    db.session.commit()
    post_form(client, "/password/forgot", {"email": person.email})
    link = reset_link()
    response = client.post(link, data={"password": "corta", "confirm": "corta", "csrf_token": csrf_token(client, link)})
    assert response.status_code == 422 and 'id="password-error"' in response.get_data(as_text=True)
