"""Server sessions: a copied cookie stops working once the session ends, whatever ended it."""
from __future__ import annotations

import os
from datetime import timedelta

import pytest
import sqlalchemy as sa

from coalition.audit.models import AuditEntry
from coalition.auth import services, sessions
from coalition.auth.models import UserSession
from coalition.database import utcnow
from coalition.extensions import db
from tests import factories
from tests.conftest import csrf_token, post_form

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME_ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/126.0.0.0 Mobile Safari/537.36")
NEW_PASSWORD = "una frase larga y nueva"


def log_in(app, person, *, remember=False, agent=FIREFOX_LINUX, address="203.0.113.77"):
    """A new browser, logged in as `person`."""
    client = app.test_client()
    client.environ_base.update({"HTTP_USER_AGENT": agent, "REMOTE_ADDR": address})
    data = {"email": person.email, "password": factories.PASSWORD, "csrf_token": csrf_token(client)}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def copy_of(app, client):
    """Another browser holding a copy of `client`'s session cookie (and nothing else)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def is_refused(client) -> bool:
    response = client.get("/")
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def session_key(app, client) -> str:
    """The server session's key inside a client's (signed) session cookie."""
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.loads(client.get_cookie("session").value)["_user_id"]


def rows(person) -> list[UserSession]:
    db.session.expire_all()
    return list(db.session.execute(
        sa.select(UserSession).where(UserSession.user_id == person.id).order_by(UserSession.id)).scalars())


@pytest.fixture
def person(app):
    person = factories.user()
    db.session.commit()
    return person


def test_a_login_creates_a_server_session_that_stores_only_a_hash_of_the_cookie_key(app, person):
    client = log_in(app, person)
    key = session_key(app, client)
    [record] = rows(person)
    assert record.key_hash == sessions.key_hash(key) and key not in record.key_hash
    assert (record.browser, record.platform, record.network) == ("Firefox", "Linux", "203.0.113.0/24")
    assert record.ended_at is None and record.remember is False
    assert record.expires_at - record.created_at == timedelta(hours=12)
    assert client.get("/").status_code == 200


def test_a_cookie_replayed_after_logout_gets_the_login_page(app, person):
    client = log_in(app, person)
    thief = copy_of(app, client)
    assert thief.get("/").status_code == 200
    assert post_form(client, "/logout", {}, form_page="/logout").status_code == 302
    assert is_refused(thief)
    assert [(r.end_reason, r.ended_at is not None) for r in rows(person)] == [("logout", True)]
    assert "auth.session_ended" in [e.action for e in db.session.execute(sa.select(AuditEntry)).scalars()]


def test_a_cookie_replayed_after_a_password_change_gets_the_login_page_and_this_device_stays_in(app, person):
    here = log_in(app, person)
    elsewhere = log_in(app, person, agent=CHROME_ANDROID, address="198.51.100.4")
    copied_here = copy_of(app, here)
    response = post_form(here, "/settings/password", {
        "current_password": factories.PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        form_page="/settings")
    assert response.status_code == 302
    assert is_refused(elsewhere)
    assert is_refused(copied_here)  # the session this device had was re-issued under a new key
    assert here.get("/").status_code == 200
    records = rows(person)
    assert [r.end_reason for r in records] == ["password_change", "password_change", None]


def test_a_cookie_replayed_after_a_password_reset_gets_the_login_page(app, person):
    client = log_in(app, person)
    services._set_password(person, NEW_PASSWORD, "user.password_reset")
    db.session.commit()
    assert is_refused(client)


def test_a_cookie_replayed_after_deactivation_gets_the_login_page(app, person):
    admin = factories.user(role="admin")
    db.session.commit()
    client = log_in(app, person)
    services.manage_user(admin, person.id, role="member", active=False, institution_id=None)
    db.session.commit()
    assert is_refused(client)
    # Even once active again, the old session stays ended.
    services.manage_user(admin, person.id, role="member", active=True, institution_id=None)
    db.session.commit()
    assert is_refused(client)
    assert rows(person)[0].end_reason == "deactivated"


def test_ending_a_session_from_another_browser_logs_that_browser_out(app, person):
    laptop = log_in(app, person)
    phone = log_in(app, person, agent=CHROME_ANDROID, address="2001:db8:abcd:12::1")
    page = laptop.get("/settings").get_data(as_text=True)
    assert "Chrome" in page and "Android" in page and "2001:db8:abcd::/48" in page
    phone_session = rows(person)[1]
    response = laptop.post(f"/settings/sessions/{phone_session.id}/end",
                           data={"csrf_token": csrf_token(laptop, "/settings")})
    assert response.status_code == 302
    assert is_refused(phone)
    assert laptop.get("/").status_code == 200
    assert rows(person)[1].end_reason == "ended"


def test_ending_all_other_sessions_keeps_this_one(app, person):
    here = log_in(app, person)
    others = [log_in(app, person, address=f"192.0.2.{n}") for n in range(3)]
    response = here.post("/settings/sessions/end-others", data={"csrf_token": csrf_token(here, "/settings")})
    assert response.status_code == 302
    assert all(is_refused(other) for other in others)
    assert here.get("/").status_code == 200
    assert [r.end_reason for r in rows(person)] == [None, "others_ended", "others_ended", "others_ended"]


def test_nobody_ends_another_persons_session(app, person):
    intruder = factories.user()
    db.session.commit()
    victim = log_in(app, person)
    client = log_in(app, intruder)
    response = client.post(f"/settings/sessions/{rows(person)[0].id}/end",
                           data={"csrf_token": csrf_token(client, "/settings")})
    assert response.status_code == 404
    assert victim.get("/").status_code == 200


def test_the_settings_page_lists_open_sessions_and_marks_this_device(app, person):
    here = log_in(app, person)
    log_in(app, person, agent=CHROME_ANDROID)
    ended = log_in(app, person)
    post_form(ended, "/logout", {}, form_page="/logout")
    page = here.get("/settings?lang=en").get_data(as_text=True)
    assert page.count("End this session") == 1 and page.count("Log out here") == 1
    assert "this device" in page and "Firefox on Linux" in page and "Chrome on Android" in page
    assert "End all other sessions" in page
    spanish = here.get("/settings?lang=es").get_data(as_text=True)
    assert "este dispositivo" in spanish and "Firefox en Linux" in spanish


def test_a_session_idle_for_twelve_hours_has_expired(app, person):
    client = log_in(app, person)
    db.session.execute(sa.update(UserSession).values(
        last_seen_at=utcnow() - timedelta(hours=12, minutes=1), expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    assert is_refused(client)
    assert rows(person)[0].end_reason == "expired"


def test_activity_moves_the_idle_expiry_but_writes_at_most_once_a_minute(app, person):
    client = log_in(app, person)
    [record] = rows(person)
    first_seen = record.last_seen_at
    client.get("/")
    assert rows(person)[0].last_seen_at == first_seen  # within the minute: nothing written
    db.session.execute(sa.update(UserSession).values(
        last_seen_at=utcnow() - timedelta(hours=11), expires_at=utcnow() + timedelta(hours=1)))
    db.session.commit()
    assert client.get("/").status_code == 200
    [record] = rows(person)
    assert utcnow() - record.last_seen_at < timedelta(minutes=1)
    assert record.expires_at - record.last_seen_at == timedelta(hours=12)


def remember_cookie(client) -> str:
    return client.get_cookie("remember_token").value


def restored_from(app, remember_value: str):
    """A browser restarted: no session cookie, only the remember-me cookie."""
    client = app.test_client()
    client.set_cookie("remember_token", remember_value)
    return client


def test_remember_me_lasts_fourteen_days_and_rotates_its_id_on_each_new_browser_session(app, person):
    first = log_in(app, person, remember=True)
    [record] = rows(person)
    assert record.remember and record.expires_at - record.created_at == timedelta(days=14)
    old_remember = remember_cookie(first)

    restarted = restored_from(app, old_remember)
    assert restarted.get("/").status_code == 200
    new_remember = remember_cookie(restarted)
    assert new_remember != old_remember
    old, new = rows(person)
    assert (old.end_reason, new.end_reason, new.remember) == ("rotated", None, True)
    assert session_key(app, restarted) != session_key(app, first)

    # The old id is refused, through either cookie.
    assert is_refused(restored_from(app, old_remember))
    assert is_refused(first)
    # The new one works in another new browser session, and rotates again.
    again = restored_from(app, new_remember)
    assert again.get("/").status_code == 200
    assert [r.end_reason for r in rows(person)] == ["rotated", "rotated", None]


def test_a_restored_session_is_not_fresh_enough_for_privilege(app):
    admin = factories.user(role="admin")
    db.session.commit()
    restarted = restored_from(app, remember_cookie(log_in(app, admin, remember=True)))
    response = restarted.get("/admin/users")
    assert response.status_code == 200
    response = restarted.get(f"/admin/users/{admin.id}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/reauthenticate")


def test_a_remembered_session_expires_after_fourteen_days(app, person):
    first = log_in(app, person, remember=True)
    db.session.execute(sa.update(UserSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert is_refused(restored_from(app, remember_cookie(first)))
    assert is_refused(first)


def test_an_admin_logs_a_person_out_everywhere_and_revokes_their_tokens(app, person):
    admin = factories.user(role="admin")
    db.session.commit()
    browser = log_in(app, person)
    token = app.test_client().post("/api/v1/tokens", json={"email": person.email, "password": factories.PASSWORD})
    bearer = {"Authorization": f"Bearer {token.json['token']}"}
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 200
    admin_browser = log_in(app, admin)
    page = admin_browser.get(f"/admin/users/{person.id}?lang=en").get_data(as_text=True)
    assert "1 session is open." in page
    response = admin_browser.post(f"/admin/users/{person.id}/sign-out",
                                  data={"csrf_token": csrf_token(admin_browser, f"/admin/users/{person.id}")})
    assert response.status_code == 302
    assert is_refused(browser)
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 401
    assert admin_browser.get("/").status_code == 200
    assert rows(person)[0].end_reason == "admin"
    actions = [e.action for e in db.session.execute(sa.select(AuditEntry)).scalars()]
    assert "auth.sessions_ended" in actions and "token.revoke_all" in actions


def test_a_cookie_from_before_server_sessions_opens_nothing(app, person):
    client = app.test_client()
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = person.session_token  # what the cookie carried before
    assert is_refused(client)


@pytest.mark.parametrize(("agent", "expected"), [
    (FIREFOX_LINUX, ("Firefox", "Linux")),
    (CHROME_ANDROID, ("Chrome", "Android")),
    (("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 "
      "Safari/537.36 Edg/126.0.0.0"), ("Edge", "Windows")),
    (("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
      "Version/17.5 Mobile/15E148 Safari/604.1"), ("Safari", "iOS")),
    (("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 "
      "Safari/537.36 OPR/110.0"), ("Opera", "macOS")),
    ("", ("", "")),
])
def test_the_browser_is_named_by_its_family_and_platform(agent, expected):
    assert sessions.describe_agent(agent) == expected


@pytest.mark.parametrize(("address", "network"), [
    ("203.0.113.77", "203.0.113.0/24"), ("2001:db8:abcd:12::1", "2001:db8:abcd::/48"),
    ("::ffff:198.51.100.9", "198.51.100.0/24"), ("not an address", ""), (None, ""),
])
def test_only_the_network_of_the_address_is_kept(address, network):
    assert sessions.network_of(address) == network


# --- the Redis cache ---------------------------------------------------------------------------

def _redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("TEST_REDIS_URL is not set but CI=true")
        pytest.skip("TEST_REDIS_URL is not set")
    return url


@pytest.fixture
def fresh_cache_client(app):
    app.extensions.pop("redis_sessions", None)
    sessions._redis_down_until = 0.0
    yield
    app.extensions.pop("redis_sessions", None)
    sessions._redis_down_until = 0.0


@pytest.fixture
def redis_client(app, fresh_cache_client):
    import redis

    url = _redis_url()
    app.config["REDIS_URL"] = url
    client = redis.Redis.from_url(url)
    for key in client.scan_iter(sessions.CACHE_PREFIX + "*"):
        client.delete(key)
    yield client
    for key in client.scan_iter(sessions.CACHE_PREFIX + "*"):
        client.delete(key)


def test_an_open_session_is_cached_in_redis_and_forgotten_when_it_ends(app, person, redis_client):
    client = log_in(app, person)
    assert client.get("/").status_code == 200
    cache_key = sessions.CACHE_PREFIX + sessions.key_hash(session_key(app, client))
    assert redis_client.exists(cache_key)
    assert 0 < redis_client.ttl(cache_key) <= 3600
    # Served from the cache: no session row is read.
    statements: list[str] = []

    def note(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert client.get("/").status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    assert statements and not any("FROM user_sessions" in s for s in statements)
    thief = copy_of(app, client)
    post_form(client, "/logout", {}, form_page="/logout")
    assert not redis_client.exists(cache_key)
    assert is_refused(thief)


def test_a_session_ended_while_its_cache_entry_stayed_is_refused_at_the_next_touch(app, person, redis_client):
    client = log_in(app, person)
    client.get("/")
    cache_key = sessions.CACHE_PREFIX + sessions.key_hash(session_key(app, client))
    entry = redis_client.get(cache_key)
    # Ended in the database while Redis was unreachable: the entry was never deleted.
    db.session.execute(sa.update(UserSession).values(ended_at=utcnow(), end_reason="admin"))
    db.session.commit()
    redis_client.set(cache_key, entry)
    app.config["SESSION_TOUCH_SECONDS"] = 0
    assert is_refused(client)


def test_a_forged_cache_entry_is_refused(app, person, redis_client):
    client = log_in(app, person)
    client.get("/")
    key = session_key(app, client)
    post_form(client, "/logout", {}, form_page="/logout")
    # Someone who can write to Redis revives the session (and makes it another person's).
    other = factories.user(role="admin")
    db.session.commit()
    payload = (b'{"id":1,"user_id":%d,"remember":true,"expires_at":"2999-01-01T00:00:00+00:00",'
               b'"last_seen_at":"2999-01-01T00:00:00+00:00"}' % other.id)
    redis_client.set(sessions.CACHE_PREFIX + sessions.key_hash(key), b"0" * 64 + b"." + payload)
    thief = app.test_client()
    with thief.session_transaction() as flask_session:
        flask_session["_user_id"] = key
    assert is_refused(thief)


def test_with_redis_down_sessions_work_and_end_from_the_database(app, person, fresh_cache_client):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/1"  # nothing listens there
    client = log_in(app, person)
    assert client.get("/").status_code == 200
    thief = copy_of(app, client)
    assert post_form(client, "/logout", {}, form_page="/logout").status_code == 302
    assert is_refused(thief)
