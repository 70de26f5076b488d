"""Throttled logins, re-authentication before sensitive changes, and security events in the audit log."""
from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from coalition.audit.models import AuditEntry
from coalition.auth import throttle
from coalition.extensions import db
from tests import factories
from tests.conftest import csrf_token, login, post_form


@pytest.fixture
def throttled(app):
    throttle.limiter.enabled = True
    throttle.limiter.reset()
    yield app
    throttle.limiter.reset()
    throttle.limiter.enabled = False


def actions() -> list[str]:
    db.session.expire_all()
    return [e.action for e in db.session.execute(sa.select(AuditEntry).order_by(AuditEntry.id)).scalars()]


def try_login(client, email: str, password: str):
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_token(client)})


def test_five_failures_lock_the_account_with_429_and_retry_after(throttled, client):
    person = factories.user()
    db.session.commit()
    for _ in range(throttle_failures()):
        assert try_login(client, person.email, "not the password").status_code == 422
    locked = try_login(client, person.email.upper(), factories.PASSWORD)  # even the right one, for now
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert "Too many" in locked.get_data(as_text=True) or "Demasiadas" in locked.get_data(as_text=True)
    assert "auth.locked" in actions() and actions().count("auth.login_failed") == throttle_failures()
    # Another account from the same address is not locked by it.
    other = factories.user()
    db.session.commit()
    assert try_login(client, other.email, factories.PASSWORD).status_code == 302


def throttle_failures() -> int:
    return int(throttle.PER_ACCOUNT_FAILURES.split()[0])


def test_successful_logins_do_not_count_against_the_account(throttled, app):
    person = factories.user()
    db.session.commit()
    for _ in range(throttle_failures() + 2):
        client = app.test_client()
        assert try_login(client, person.email, factories.PASSWORD).status_code == 302


def test_one_address_is_limited_whatever_the_accounts(throttled, client):
    limit = int(throttle.PER_ADDRESS.split()[0])
    responses = [try_login(client, f"nadie{n}@example.org", "whatever-it-is").status_code for n in range(limit + 1)]
    assert responses[:limit] == [422] * limit and responses[-1] == 429


def test_the_token_endpoint_is_throttled_the_same_way_with_the_json_error_shape(throttled, client):
    person = factories.user()
    db.session.commit()
    for _ in range(throttle_failures()):
        assert client.post("/api/v1/tokens", json={"email": person.email, "password": "nope-nope"}).status_code == 401
    response = client.post("/api/v1/tokens", json={"email": person.email, "password": factories.PASSWORD})
    assert response.status_code == 429 and response.headers.get("Retry-After")
    assert response.get_json()["error"]["code"] == "too_many_requests"


def test_password_reset_requests_are_limited_per_account(throttled, client):
    person = factories.user()
    db.session.commit()
    limit = int(throttle.RESET_PER_ACCOUNT.split()[0])
    codes = [post_form(client, "/password/forgot", {"email": person.email}).status_code for _ in range(limit + 1)]
    assert codes[:limit] == [302] * limit and codes[-1] == 429


def test_logins_and_failures_are_audited_without_the_guessed_address(app, client):
    person = factories.user()
    db.session.commit()
    try_login(client, "guess@example.org", "whatever-it-is")
    login(client, person)
    entries = db.session.execute(sa.select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    assert [e.action for e in entries] == ["auth.login_failed", "auth.login"]
    assert "guess@example.org" not in str(entries[0].changes) and entries[0].changes["known"] is False
    assert entries[1].actor_id == person.id


def test_a_sensitive_change_asks_for_the_password_again_after_a_while(app, client):
    admin = factories.user(role="admin")
    other = factories.user()
    db.session.commit()
    login(client, admin)
    assert client.get(f"/admin/users/{other.id}").status_code == 200  # just logged in
    with client.session_transaction() as session:
        session["authenticated_at"] = int(time.time()) - 16 * 60
    response = client.get(f"/admin/users/{other.id}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/reauthenticate?next=")
    wrong = post_form(client, response.headers["Location"], {"password": "not my password"})
    assert wrong.status_code == 422 and "auth.reauth_failed" in actions()
    right = post_form(client, response.headers["Location"], {"password": factories.PASSWORD})
    assert right.status_code == 302 and right.headers["Location"] == f"/admin/users/{other.id}"
    assert client.get(f"/admin/users/{other.id}").status_code == 200


def test_a_reauthentication_never_sends_you_to_another_site(app, client):
    person = factories.user()
    db.session.commit()
    login(client, person)
    response = post_form(client, "/reauthenticate?next=//evil.example/x", {"password": factories.PASSWORD},
                         form_page="/reauthenticate")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_admins_read_security_events_and_others_may_not(app, client):
    admin = factories.user(role="admin")
    coordinator = factories.user(role="coordinator")
    db.session.commit()
    try_login(client, coordinator.email, "wrong-password-1")
    login(client, admin)
    page = client.get("/admin/audit?family=auth").get_data(as_text=True)
    assert "auth.login_failed" in page and "auth.login" in page
    filtered = client.get(f"/admin/audit?q={admin.email}").get_data(as_text=True)
    assert "auth.login_failed" not in filtered
    other = app.test_client()
    login(other, coordinator)
    assert other.get("/admin/audit").status_code == 403
