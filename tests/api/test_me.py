"""GET and PATCH /api/v1/me: the token's owner reads and changes their own profile, nothing more."""
from __future__ import annotations

import pytest

from coalition.auth.models import User
from coalition.extensions import db
from tests import factories
from tests.api.test_tokens import assert_bearer_401, assert_error, auth, new_token

SPEC_KEYS = {"id", "email", "name", "role", "language", "timezone", "digest_frequency", "digest_weekday",
             "digest_hour", "groups"}


@pytest.fixture
def person(app):
    user = factories.user(name="Mario Miembro", groups={"ethics": "lead", "data": "member"}, language="es")
    db.session.commit()
    return user


@pytest.fixture
def headers(client, person):
    return auth(new_token(client, person)["token"])


def _reload(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


# --- reading ---------------------------------------------------------------------------------

def test_me_returns_specs_keys_with_my_values(client, person, headers):
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert SPEC_KEYS <= set(body), SPEC_KEYS - set(body)
    assert "password_hash" not in body and "session_token" not in body
    assert body["id"] == person.id
    assert body["email"] == person.email
    assert body["name"] == "Mario Miembro"
    assert body["role"] == "member"
    assert body["language"] == "es"
    assert body["timezone"] == "America/Mexico_City"
    assert body["digest_frequency"] == "weekly"
    assert body["digest_weekday"] == 0
    assert body["digest_hour"] == 8


def test_me_lists_my_groups_with_my_role_in_each(client, headers):
    groups = client.get("/api/v1/me", headers=headers).get_json()["groups"]
    assert all(set(g) == {"slug", "role"} for g in groups), groups
    assert sorted((g["slug"], g["role"]) for g in groups) == [("data", "member"), ("ethics", "lead")]


def test_me_for_someone_in_no_group_has_an_empty_group_list(client):
    coordinator = factories.user(role="coordinator")
    db.session.commit()
    body = client.get("/api/v1/me", headers=auth(new_token(client, coordinator)["token"])).get_json()
    assert body["groups"] == []
    assert body["role"] == "coordinator"


def test_me_without_a_token_is_401(client):
    assert_bearer_401(client.get("/api/v1/me"))
    assert_bearer_401(client.patch("/api/v1/me", json={"name": "Nadie"}))


# --- changing --------------------------------------------------------------------------------

def test_patch_changes_my_name_language_timezone_and_digest_settings(client, person, headers):
    values = {"name": "  Mario M. Miembro  ", "language": "en", "timezone": "America/Tijuana",
              "digest_frequency": "daily", "digest_weekday": 4, "digest_hour": 17}
    response = client.patch("/api/v1/me", json=values, headers=headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["name"] == "Mario M. Miembro"
    assert (body["language"], body["timezone"]) == ("en", "America/Tijuana")
    assert (body["digest_frequency"], body["digest_weekday"], body["digest_hour"]) == ("daily", 4, 17)
    saved = _reload(person.id)
    assert (saved.name, saved.language, saved.timezone) == ("Mario M. Miembro", "en", "America/Tijuana")
    assert (saved.digest_frequency, saved.digest_weekday, saved.digest_hour) == ("daily", 4, 17)
    assert client.get("/api/v1/me", headers=headers).get_json() == body


def test_patch_changes_only_what_it_is_given(client, person, headers):
    response = client.patch("/api/v1/me", json={"digest_frequency": "off"}, headers=headers)
    assert response.status_code == 200
    saved = _reload(person.id)
    assert saved.digest_frequency == "off"
    assert (saved.name, saved.language, saved.timezone, saved.digest_hour) == (
        "Mario Miembro", "es", "America/Mexico_City", 8)


def test_an_empty_patch_changes_nothing(client, person, headers):
    before = client.get("/api/v1/me", headers=headers).get_json()
    response = client.patch("/api/v1/me", json={}, headers=headers)
    assert response.status_code == 200
    assert response.get_json() == before


@pytest.mark.parametrize("field,value", [
    ("role", "admin"), ("email", "someone.else@example.org"), ("id", 1), ("active", False),
    ("password", "a new passphrase"), ("password_hash", "x"), ("is_admin", True), ("favourite_colour", "green"),
])
def test_patch_with_a_field_i_may_not_change_is_422_naming_it(client, person, headers, field, value):
    error = assert_error(client.patch("/api/v1/me", json={field: value, "name": "Otro nombre"}, headers=headers), 422)
    assert field in error["fields"], error
    saved = _reload(person.id)
    assert (saved.role, saved.email, saved.name, saved.active) == ("member", person.email, "Mario Miembro", True)


@pytest.mark.parametrize("field,value", [
    ("timezone", "Mars/Olympus_Mons"), ("timezone", ""), ("timezone", "america/mexico_city"),
    ("timezone", 5), ("timezone", None), ("timezone", "x" * 500), ("timezone", "../../etc/passwd"),
    ("digest_hour", 24), ("digest_hour", -1), ("digest_hour", "8"), ("digest_hour", 8.5), ("digest_hour", True),
    ("digest_hour", None),
    ("digest_weekday", 7), ("digest_weekday", -1), ("digest_weekday", "monday"),
    ("digest_frequency", "hourly"), ("digest_frequency", None),
    ("language", "fr"), ("language", ""), ("language", None),
    ("name", ""), ("name", "   "), ("name", "x" * 201), ("name", None), ("name", 42),
])
def test_patch_with_a_bad_value_is_422_naming_the_field(client, person, headers, field, value):
    error = assert_error(client.patch("/api/v1/me", json={field: value}, headers=headers), 422)
    assert list(error["fields"]) == [field], error
    assert all(isinstance(m, str) and m for m in error["fields"][field])
    saved = _reload(person.id)
    assert (saved.name, saved.language, saved.timezone, saved.digest_frequency, saved.digest_weekday,
            saved.digest_hour) == ("Mario Miembro", "es", "America/Mexico_City", "weekly", 0, 8)


@pytest.mark.parametrize("field,value", [
    ("timezone", "America/Mexico_City\u0000"), ("name", "Mario\u0000"), ("name", "Mario \ud800"),
])
def test_text_no_database_can_store_is_refused_with_a_4xx(client, person, headers, field, value):
    response = client.patch("/api/v1/me", json={field: value}, headers=headers)
    assert response.status_code in (400, 422), response.get_data(as_text=True)[:300]
    error = assert_error(response, response.status_code)
    if response.status_code == 422:
        assert field in error["fields"]
    saved = _reload(person.id)
    assert (saved.name, saved.timezone) == ("Mario Miembro", "America/Mexico_City")


def test_one_bad_field_rejects_the_whole_patch(client, person, headers):
    error = assert_error(client.patch("/api/v1/me", json={"name": "Nuevo", "digest_hour": 99}, headers=headers), 422)
    assert "digest_hour" in error["fields"]
    assert _reload(person.id).name == "Mario Miembro"


def test_a_person_cannot_patch_someone_else_through_me(client, person, headers):
    other = factories.user(name="Otra Persona")
    db.session.commit()
    client.patch("/api/v1/me", json={"name": "Cambiado"}, headers=headers)
    assert _reload(other.id).name == "Otra Persona"
    assert _reload(person.id).name == "Cambiado"
