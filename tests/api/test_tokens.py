"""Bearer tokens for the JSON API: issued for credentials, stored hashed, and stopped at once by
revocation, expiry, deactivation or a password change. Cookies never authenticate the API."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_date

from coalition.auth import services as auth_services
from coalition.auth.models import ApiToken
from coalition.extensions import db
from tests import factories
from tests.conftest import csrf_token, login

ERROR_KEYS = {"status", "code", "message", "fields"}


def assert_error(response, status: int) -> dict:
    """The response is `status` with SPEC's error shape; return its `error` object."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    assert response.is_json, response.headers.get("Content-Type")
    body = response.get_json()
    assert isinstance(body, dict) and isinstance(body.get("error"), dict), body
    error = body["error"]
    assert set(error) == ERROR_KEYS, error
    assert error["status"] == status
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    return error


def assert_bearer_401(response) -> dict:
    error = assert_error(response, 401)
    assert response.headers.get("WWW-Authenticate", "").split()[0] == "Bearer", response.headers
    return error


def new_token(client, user, password: str = factories.PASSWORD, **extra) -> dict:
    response = client.post("/api/v1/tokens", json={"email": user.email, "password": password, **extra})
    assert response.status_code == 201, response.get_data(as_text=True)[:500]
    return response.get_json()


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _me(client, token: str):
    return client.get("/api/v1/me", headers=auth(token))


def _member(**values):
    person = factories.user(groups={"ethics": "member"}, **values)
    db.session.commit()
    return person


def _token_row(token_id: int) -> ApiToken:
    db.session.expire_all()
    return db.session.get(ApiToken, token_id)


# --- issuing ---------------------------------------------------------------------------------

def test_valid_credentials_get_a_201_with_a_token_and_its_expiry(client):
    person = _member()
    response = client.post("/api/v1/tokens", json={"email": person.email, "password": factories.PASSWORD})
    assert response.status_code == 201
    body = response.get_json()
    assert isinstance(body["token"], str) and len(body["token"]) >= 32
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert expires_at.tzinfo is not None, "expires_at must carry its offset"
    assert datetime.now(timezone.utc) + timedelta(hours=1) < expires_at < datetime.now(timezone.utc) + timedelta(
        days=366)
    assert _me(client, body["token"]).get_json()["id"] == person.id


def test_the_email_is_matched_case_insensitively(client):
    person = _member()
    response = client.post("/api/v1/tokens", json={"email": person.email.upper(), "password": factories.PASSWORD})
    assert response.status_code == 201


def test_only_the_sha256_of_the_token_is_stored_in_any_row(client, app):
    person = _member()
    raw = new_token(client, person, name="reporting script")["token"]
    db.session.expire_all()
    row = db.session.execute(sa.select(ApiToken).where(ApiToken.user_id == person.id)).scalar_one()
    assert row.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert row.name == "reporting script"
    # No column of any table holds the raw token (audit log included).
    for table in db.metadata.sorted_tables:
        for values in db.session.execute(sa.select(table)).all():
            assert raw not in repr(tuple(values)), f"the raw token is stored in {table.name}"


def test_each_request_for_a_token_gets_a_different_one(client):
    person = _member()
    first, second = new_token(client, person), new_token(client, person)
    assert first["token"] != second["token"]
    assert _me(client, first["token"]).status_code == 200
    assert _me(client, second["token"]).status_code == 200


def test_wrong_password_and_unknown_email_get_the_same_401_body(client):
    person = _member()
    wrong_password = client.post("/api/v1/tokens", json={"email": person.email, "password": "not the password"})
    unknown_email = client.post("/api/v1/tokens", json={"email": "nobody@example.org", "password": "whatever1"})
    assert_error(wrong_password, 401)
    assert_error(unknown_email, 401)
    assert wrong_password.get_json() == unknown_email.get_json()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_an_inactive_person_gets_no_token_and_the_same_401_body(client):
    person = _member(active=False)
    inactive = client.post("/api/v1/tokens", json={"email": person.email, "password": factories.PASSWORD})
    unknown = client.post("/api/v1/tokens", json={"email": "nobody@example.org", "password": factories.PASSWORD})
    assert_error(inactive, 401)
    assert inactive.get_json() == unknown.get_json()


def test_missing_credentials_are_422_naming_them(client):
    error = assert_error(client.post("/api/v1/tokens", json={}), 422)
    assert {"email", "password"} <= set(error["fields"])


def test_posting_for_a_token_needs_no_csrf_token_even_with_a_cookie_session(client):
    # The app under test enforces CSRF on forms; the API is exempt: nothing rides on cookies there.
    person = _member()
    login(client, person)
    response = client.post("/api/v1/tokens", json={"email": person.email, "password": factories.PASSWORD})
    assert response.status_code == 201


# --- using and refusing ----------------------------------------------------------------------

def test_no_token_is_401_with_www_authenticate_bearer(client):
    assert_bearer_401(client.get("/api/v1/me"))


def test_an_unknown_or_malformed_token_is_401_with_www_authenticate_bearer(client):
    person = _member()
    raw = new_token(client, person)["token"]
    for header in (f"Bearer {raw}x", "Bearer coa_nope", "Bearer ", "Bearer", f"Basic {raw}", raw,
                   "Bearer " + "coa_" + "a" * 5000, f"Token {raw}"):
        assert_bearer_401(client.get("/api/v1/me", headers={"Authorization": header}))


def test_the_bearer_scheme_is_case_insensitive(client):
    person = _member()
    raw = new_token(client, person)["token"]
    assert client.get("/api/v1/me", headers={"Authorization": f"bearer {raw}"}).status_code == 200


def test_a_cookie_session_alone_does_not_authenticate_the_api(client):
    person = _member()
    login(client, person)
    assert client.get("/").status_code == 200  # the session works for pages…
    assert_bearer_401(client.get("/api/v1/me"))  # …but never for the API
    assert_bearer_401(client.get("/api/v1/deliverables"))
    assert_bearer_401(client.get("/api/v1/tokens"))


def test_a_revoked_token_is_401_at_once(client):
    person = _member()
    issued = new_token(client, person)
    other = new_token(client, person)
    response = client.delete(f"/api/v1/tokens/{issued['id']}", headers=auth(issued["token"]))
    assert response.status_code == 204
    assert_bearer_401(_me(client, issued["token"]))
    assert _token_row(issued["id"]).revoked_at is not None
    assert _me(client, other["token"]).status_code == 200, "revoking one token leaves the others"


def test_revoking_twice_is_harmless(client):
    person = _member()
    keeper = new_token(client, person)
    issued = new_token(client, person)
    assert client.delete(f"/api/v1/tokens/{issued['id']}", headers=auth(keeper["token"])).status_code == 204
    revoked_at = _token_row(issued["id"]).revoked_at
    assert client.delete(f"/api/v1/tokens/{issued['id']}", headers=auth(keeper["token"])).status_code == 204
    assert _token_row(issued["id"]).revoked_at == revoked_at


def test_an_expired_token_is_401(client):
    person = _member()
    issued = new_token(client, person)
    row = _token_row(issued["id"])
    row.expires_at = datetime.now(timezone.utc) - timedelta(seconds=1)
    db.session.commit()
    assert_bearer_401(_me(client, issued["token"]))


def test_a_token_still_works_just_before_it_expires(client):
    person = _member()
    issued = new_token(client, person)
    row = _token_row(issued["id"])
    row.expires_at = datetime.now(timezone.utc) + timedelta(minutes=5)
    db.session.commit()
    assert _me(client, issued["token"]).status_code == 200


def test_deactivating_the_person_stops_their_token_at_once(client):
    admin = factories.user(role="admin")
    person = _member()
    issued = new_token(client, person)
    assert _me(client, issued["token"]).status_code == 200
    auth_services.manage_user(admin, person.id, role="member", active=False, institution_id=None)
    db.session.commit()
    assert_bearer_401(_me(client, issued["token"]))
    assert _token_row(issued["id"]).revoked_at is not None


def test_setting_active_false_directly_stops_their_token_too(client):
    person = _member()
    issued = new_token(client, person)
    person.active = False
    db.session.commit()
    assert_bearer_401(_me(client, issued["token"]))


def test_changing_the_password_revokes_the_persons_tokens(client):
    person = _member()
    first, second = new_token(client, person), new_token(client, person)
    stranger = _member()
    theirs = new_token(client, stranger)
    db.session.expire_all()
    auth_services.change_password(db.session.merge(person), factories.PASSWORD, "a brand new passphrase")
    db.session.commit()
    assert_bearer_401(_me(client, first["token"]))
    assert_bearer_401(_me(client, second["token"]))
    assert _me(client, theirs["token"]).status_code == 200, "other people's tokens are untouched"
    assert client.post("/api/v1/tokens", json={"email": person.email, "password": factories.PASSWORD}
                       ).status_code == 401
    assert _me(client, new_token(client, person, "a brand new passphrase")["token"]).status_code == 200


def test_changing_the_password_on_the_settings_page_revokes_the_tokens(client):
    person = _member()
    issued = new_token(client, person)
    login(client, person)
    token = csrf_token(client, "/settings")
    response = client.post("/settings/password", data={
        "current_password": factories.PASSWORD, "new_password": "another long passphrase",
        "confirm": "another long passphrase", "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert_bearer_401(_me(client, issued["token"]))


# --- listing and revoking --------------------------------------------------------------------

def test_a_person_lists_only_their_own_tokens_newest_first(client):
    person, stranger = _member(), _member()
    older = new_token(client, person, name="older")
    newer = new_token(client, person, name="newer")
    new_token(client, stranger, name="theirs")
    response = client.get("/api/v1/tokens", headers=auth(newer["token"]))
    assert response.status_code == 200
    items = response.get_json()
    assert [t["id"] for t in items] == [newer["id"], older["id"]]
    assert [t["name"] for t in items] == ["newer", "older"]
    for item in items:
        assert {"id", "name", "created_at", "expires_at"} <= set(item)
        assert "token" not in item and "token_hash" not in item


def test_a_person_cannot_revoke_anothers_token(client):
    person, stranger = _member(), _member()
    mine = new_token(client, person)
    theirs = new_token(client, stranger)
    assert_error(client.delete(f"/api/v1/tokens/{theirs['id']}", headers=auth(mine["token"])), 404)
    assert _token_row(theirs["id"]).revoked_at is None
    assert _me(client, theirs["token"]).status_code == 200


def test_revoking_an_unknown_token_is_404(client):
    person = _member()
    mine = new_token(client, person)
    for token_id in (0, 999999, 99999999999999999999):
        assert_error(client.delete(f"/api/v1/tokens/{token_id}", headers=auth(mine["token"])), 404)


def test_listing_or_revoking_tokens_needs_a_token(client):
    person = _member()
    issued = new_token(client, person)
    assert_bearer_401(client.get("/api/v1/tokens"))
    assert_bearer_401(client.delete(f"/api/v1/tokens/{issued['id']}"))
    assert _token_row(issued["id"]).revoked_at is None


def test_revoking_a_token_by_bearer_needs_no_csrf_token(client):
    person = _member()
    issued = new_token(client, person)
    login(client, person)  # a cookie session is present, still no CSRF token is asked for
    assert client.delete(f"/api/v1/tokens/{issued['id']}", headers=auth(issued["token"])).status_code == 204


# --- the settings page -----------------------------------------------------------------------

def _expected_dates(value: datetime, tz: str) -> set[str]:
    local = value.astimezone(ZoneInfo(tz))
    return {format_date(local.date(), "medium", locale="en"), local.date().isoformat()}


def test_the_settings_page_lists_my_tokens_with_dates_and_a_revoke_form(client):
    person = _member(language="en")
    issued = new_token(client, person, name="budget script")
    stranger = _member()
    theirs = new_token(client, stranger, name="someone elses script")
    login(client, person)
    page = client.get("/settings").get_data(as_text=True)
    assert "budget script" in page
    assert "someone elses script" not in page
    assert issued["token"] not in page, "the raw token is shown once, at creation, never again"
    row = _token_row(issued["id"])
    assert any(text in page for text in _expected_dates(row.created_at, person.timezone)), "created date missing"
    assert any(text in page for text in _expected_dates(row.expires_at, person.timezone)), "expiry date missing"
    form = re.search(rf'<form[^>]*action="/settings/tokens/{issued["id"]}/revoke"[^>]*>(.*?)</form>', page, re.S)
    assert form, "no revoke form for the token"
    assert 'method="post"' in form.group(0).lower()
    assert 'name="csrf_token"' in form.group(1)
    assert f"/settings/tokens/{theirs['id']}/revoke" not in page


def test_the_revoke_button_on_the_settings_page_revokes_the_token(client):
    person = _member(language="en")
    issued = new_token(client, person, name="budget script")
    kept = new_token(client, person, name="kept script")
    login(client, person)
    page = client.get("/settings").get_data(as_text=True)
    form = re.search(rf'<form[^>]*action="/settings/tokens/{issued["id"]}/revoke"[^>]*>(.*?)</form>', page, re.S)
    assert form, "no revoke form for the token"
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.group(1)).group(1)
    response = client.post(f"/settings/tokens/{issued['id']}/revoke", data={"csrf_token": token})
    assert response.status_code in (302, 303)
    assert response.headers["Location"].split("#")[0].endswith("/settings")
    assert _token_row(issued["id"]).revoked_at is not None
    assert_bearer_401(_me(client, issued["token"]))
    assert _me(client, kept["token"]).status_code == 200


def test_revoking_from_the_settings_page_needs_csrf_and_ones_own_token(client):
    person, stranger = _member(), _member()
    mine = new_token(client, person)
    theirs = new_token(client, stranger)
    login(client, person)
    assert client.post(f"/settings/tokens/{mine['id']}/revoke", data={}).status_code == 400
    assert _token_row(mine["id"]).revoked_at is None
    token = csrf_token(client, "/settings")
    assert client.post(f"/settings/tokens/{theirs['id']}/revoke", data={"csrf_token": token}).status_code == 404
    assert _token_row(theirs["id"]).revoked_at is None
    assert _me(client, theirs["token"]).status_code == 200


# --- a token follows the person as they are now ----------------------------------------------

def test_reactivating_a_person_does_not_bring_back_their_old_tokens(client):
    admin = factories.user(role="admin")
    person = _member()
    issued = new_token(client, person)
    auth_services.manage_user(admin, person.id, role="member", active=False, institution_id=None)
    db.session.commit()
    auth_services.manage_user(admin, person.id, role="member", active=True, institution_id=None)
    db.session.commit()
    assert_bearer_401(_me(client, issued["token"]))
    assert _me(client, new_token(client, person)["token"]).status_code == 200


def test_a_role_change_applies_to_an_existing_token_at_once(client):
    admin = factories.user(role="admin")
    coordinator = factories.user(role="coordinator")
    db.session.commit()
    headers = auth(new_token(client, coordinator)["token"])
    body = {"group": "governance", "title": "Informe", "owner_id": coordinator.id, "due_date": "2031-01-31"}
    assert client.post("/api/v1/deliverables", json=body, headers=headers).status_code == 201
    auth_services.manage_user(admin, coordinator.id, role="member", active=True, institution_id=None)
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).get_json()["role"] == "member"
    assert_error(client.post("/api/v1/deliverables", json=body, headers=headers), 403)


def test_using_a_token_records_when_it_was_last_used(client):
    person = _member()
    issued = new_token(client, person)
    assert _token_row(issued["id"]).last_used_at is None
    _me(client, issued["token"])
    assert _token_row(issued["id"]).last_used_at is not None
    listed = client.get("/api/v1/tokens", headers=auth(issued["token"])).get_json()
    assert listed[0]["last_used_at"] is not None


def test_a_token_name_longer_than_100_characters_is_422(client):
    person = _member()
    response = client.post("/api/v1/tokens", json={"email": person.email, "password": factories.PASSWORD,
                                                   "name": "x" * 101})
    assert "name" in assert_error(response, 422)["fields"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0
