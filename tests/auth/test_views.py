"""Logging in and out, sessions, settings, password changes and invitations, through the pages."""
from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa

from coalition.auth import services
from coalition.auth.models import Invitation, User
from coalition.database import utcnow
from coalition.extensions import db
from coalition.groups.models import GroupMembership
from tests import factories
from tests.conftest import csrf_token, login, post_form

NEW_PASSWORD = "una frase larga y nueva"


def _page(response) -> str:
    return response.get_data(as_text=True)


def _field_error(page: str, field_id: str) -> str | None:
    """The error text shown beside a form field, or None when it has none."""
    match = re.search(rf'<div id="{field_id}-error"[^>]*>(.*?)</div>', page, re.S)
    return " ".join(match.group(1).split()) if match else None


def _post_login(client, email: str, password: str, query: str = ""):
    token = csrf_token(client, "/login")
    return client.post("/login" + query, data={"email": email, "password": password, "csrf_token": token})


def _is_logged_in(client) -> bool:
    response = client.get("/settings")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    return False


def _location_path(response) -> str:
    parts = urlsplit(response.headers["Location"])
    assert parts.netloc in ("", "localhost"), response.headers["Location"]
    return parts.path


# --- logging in ------------------------------------------------------------------------------

def test_login_with_the_right_password_goes_home(client):
    person = factories.user(name="Ana Ejemplo")
    db.session.commit()
    response = _post_login(client, person.email, factories.PASSWORD)
    assert response.status_code == 302
    assert _location_path(response) == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Ana Ejemplo" in _page(home)


def test_login_with_a_wrong_password_shows_an_error_beside_the_password(client):
    person = factories.user()
    db.session.commit()
    response = _post_login(client, person.email, "not the password")
    assert response.status_code == 422
    page = _page(response)
    assert _field_error(page, "password")
    assert _field_error(page, "email") is None
    assert not _is_logged_in(client)


def test_wrong_password_and_unknown_email_get_the_same_answer(client):
    person = factories.user()
    db.session.commit()
    known = _post_login(client, person.email, "not the password")
    unknown = _post_login(client, "nadie-por-aqui@example.org", "not the password")
    assert known.status_code == unknown.status_code == 422
    assert _field_error(_page(known), "password") == _field_error(_page(unknown), "password")
    assert _field_error(_page(unknown), "email") is None


def test_login_email_is_case_insensitive(client):
    person = factories.user(email="maria.lopez@example.org")
    db.session.commit()
    response = _post_login(client, "  Maria.LOPEZ@Example.ORG ", factories.PASSWORD)
    assert response.status_code == 302
    assert _is_logged_in(client)
    assert person.email == "maria.lopez@example.org"


def test_deactivated_person_cannot_log_in(client):
    person = factories.user(active=False)
    db.session.commit()
    response = _post_login(client, person.email, factories.PASSWORD)
    assert response.status_code == 422
    assert _field_error(_page(response), "password")
    assert not _is_logged_in(client)


def test_deactivating_a_person_ends_their_session_at_once(app, client):
    person = factories.user(groups={"ethics": "member"})
    admin = factories.user(role="admin")
    db.session.commit()
    login(client, person)
    assert _is_logged_in(client)

    admin_client = app.test_client()
    login(admin_client, admin)
    response = post_form(admin_client, f"/admin/users/{person.id}",
                         {"role": "member", "institution_id": "0"})  # "active" unchecked
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, person.id).active is False

    assert not _is_logged_in(client)
    assert client.get("/groups/ethics").status_code == 302


def test_login_next_follows_a_local_path(client):
    person = factories.user()
    db.session.commit()
    response = _post_login(client, person.email, factories.PASSWORD, "?next=/groups/ethics")
    assert response.status_code == 302
    assert _location_path(response) == "/groups/ethics"


def test_login_next_never_leaves_the_site(app):
    person = factories.user()
    db.session.commit()
    for target in ("https://evil.example/", "//evil.example/x", "https:evil.example", "/\\evil.example",
                   "javascript:alert(1)"):
        client = app.test_client()
        response = _post_login(client, person.email, factories.PASSWORD, f"?next={target}")
        assert response.status_code == 302, target
        assert "evil.example" not in response.headers["Location"], target
        assert _location_path(response) == "/", target


def test_login_next_with_a_line_break_goes_home_without_an_error(client):
    person = factories.user()
    db.session.commit()
    response = _post_login(client, person.email, factories.PASSWORD, "?next=/%0d%0aSet-Cookie:%20x=1")
    assert response.status_code == 302
    assert _location_path(response) == "/"
    assert "x=1" not in " ".join(response.headers.getlist("Set-Cookie"))


def test_login_without_csrf_token_is_refused(client):
    person = factories.user()
    db.session.commit()
    response = client.post("/login", data={"email": person.email, "password": factories.PASSWORD})
    assert response.status_code == 400
    assert not _is_logged_in(client)


def test_session_cookie_is_http_only(client):
    person = factories.user()
    db.session.commit()
    response = _post_login(client, person.email, factories.PASSWORD)
    cookies = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")]
    assert cookies
    assert all("httponly" in value.lower() for value in cookies)


# --- logging out -----------------------------------------------------------------------------

def test_logout_by_post_ends_the_session(client):
    person = factories.user()
    db.session.commit()
    login(client, person)
    response = post_form(client, "/logout", {}, form_page="/logout")
    assert response.status_code == 302
    assert not _is_logged_in(client)


def test_logout_ends_a_remembered_session_too(client):
    person = factories.user()
    db.session.commit()
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": person.email, "password": factories.PASSWORD,
                                           "remember": "y", "csrf_token": token})
    assert response.status_code == 302
    assert any(c.startswith("remember_token=") for c in response.headers.getlist("Set-Cookie"))
    response = post_form(client, "/logout", {}, form_page="/logout")
    assert response.status_code == 302
    assert not _is_logged_in(client)


def test_logout_by_get_asks_to_confirm_and_keeps_the_session(client):
    person = factories.user()
    db.session.commit()
    login(client, person)
    response = client.get("/logout")
    assert response.status_code == 200
    assert re.search(r'<form method="post" action="/logout"', _page(response))
    assert _is_logged_in(client)


def test_logout_without_csrf_token_is_refused(client):
    person = factories.user()
    db.session.commit()
    login(client, person)
    assert client.post("/logout").status_code == 400
    assert _is_logged_in(client)


# --- passwords -------------------------------------------------------------------------------

def _change_password(client, current: str, new: str, confirm: str | None = None):
    return post_form(client, "/settings/password",
                     {"current_password": current, "new_password": new, "confirm": confirm or new},
                     form_page="/settings")


def test_changing_the_password_also_ends_remembered_sessions_elsewhere(app):
    person = factories.user()
    db.session.commit()
    here, elsewhere = app.test_client(), app.test_client()
    login(here, person)
    token = csrf_token(elsewhere, "/login")
    elsewhere.post("/login", data={"email": person.email, "password": factories.PASSWORD, "remember": "y",
                                   "csrf_token": token})
    assert _is_logged_in(elsewhere)
    assert _change_password(here, factories.PASSWORD, NEW_PASSWORD).status_code == 302
    assert not _is_logged_in(elsewhere)


def test_changing_the_password_ends_other_sessions_but_keeps_this_one(app):
    person = factories.user()
    db.session.commit()
    here, elsewhere = app.test_client(), app.test_client()
    login(here, person)
    login(elsewhere, person)
    assert _is_logged_in(elsewhere)

    response = _change_password(here, factories.PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    assert _is_logged_in(here)
    assert not _is_logged_in(elsewhere)

    fresh = app.test_client()
    assert _post_login(fresh, person.email, factories.PASSWORD).status_code == 422
    assert _post_login(fresh, person.email, NEW_PASSWORD).status_code == 302


def test_wrong_current_password_shows_an_error_beside_that_field(client):
    person = factories.user()
    db.session.commit()
    before = person.password_hash
    login(client, person)
    response = _change_password(client, "not my password", NEW_PASSWORD)
    assert response.status_code == 422
    page = _page(response)
    assert _field_error(page, "current_password")
    assert _field_error(page, "new_password") is None
    db.session.expire_all()
    assert db.session.get(User, person.id).password_hash == before
    assert _is_logged_in(client)


def test_too_short_new_password_is_rejected(client):
    person = factories.user()
    db.session.commit()
    before = person.password_hash
    login(client, person)
    response = _change_password(client, factories.PASSWORD, "corta")
    assert response.status_code == 422
    assert _field_error(_page(response), "new_password")
    db.session.expire_all()
    assert db.session.get(User, person.id).password_hash == before


def test_mismatched_confirmation_is_rejected(client):
    person = factories.user()
    db.session.commit()
    login(client, person)
    response = _change_password(client, factories.PASSWORD, NEW_PASSWORD, confirm=NEW_PASSWORD + "x")
    assert response.status_code == 422
    assert _field_error(_page(response), "confirm")


# --- settings --------------------------------------------------------------------------------

SETTINGS = {"name": "Nombre Nuevo", "language": "en", "timezone": "America/Tijuana",
            "digest_frequency": "daily", "digest_weekday": "2", "digest_hour": "9"}


def test_settings_form_saves_language_timezone_and_digest(client):
    person = factories.user()
    db.session.commit()
    login(client, person)
    response = post_form(client, "/settings", SETTINGS)
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(User, person.id)
    assert (saved.name, saved.language, saved.timezone) == ("Nombre Nuevo", "en", "America/Tijuana")
    assert (saved.digest_frequency, saved.digest_weekday, saved.digest_hour) == ("daily", 2, 9)
    page = _page(client.get("/settings"))
    assert '<html lang="en">' in page
    assert 'value="America/Tijuana" selected' in page or 'selected value="America/Tijuana"' in page


def test_settings_reject_unknown_timezone_and_hour_25_beside_the_fields(client):
    person = factories.user(timezone="America/Mexico_City", digest_hour=8)
    db.session.commit()
    login(client, person)
    response = post_form(client, "/settings", {**SETTINGS, "timezone": "Mars/Olympus_Mons", "digest_hour": "25"})
    assert response.status_code == 422
    page = _page(response)
    assert _field_error(page, "timezone")
    assert _field_error(page, "digest_hour")
    assert _field_error(page, "name") is None
    db.session.expire_all()
    saved = db.session.get(User, person.id)
    assert (saved.timezone, saved.digest_hour, saved.name) == ("America/Mexico_City", 8, person.name)


def test_settings_survive_garbage_values_without_a_server_error(client):
    person = factories.user()
    db.session.commit()
    login(client, person)
    for values in ({**SETTINGS, "digest_hour": "abc"}, {**SETTINGS, "digest_weekday": "-1"},
                   {**SETTINGS, "language": "fr"}, {**SETTINGS, "digest_frequency": "hourly"},
                   {**SETTINGS, "name": ""}, {"name": "Solo nombre"}):
        response = post_form(client, "/settings", values)
        assert response.status_code == 422, values


def test_settings_need_a_login(client):
    response = client.get("/settings")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# --- invitations -----------------------------------------------------------------------------

LINK_RE = re.compile(r'value="(?:https?://[^/"]+)?/invitations/([A-Za-z0-9_\-]{20,100})"')


def _invite(client, group_id: int, email: str = "nueva.persona@example.org"):
    response = post_form(client, "/invitations/new", {
        "email": email, "name": "Persona Invitada", "role": "member", "institution_id": "0",
        "group_id": str(group_id)})
    return response


def test_coordinator_creates_an_invitation_and_sees_the_link(client):
    coordinator = factories.user(role="coordinator")
    db.session.commit()
    login(client, coordinator)
    response = _invite(client, factories.group("ethics").id)
    assert response.status_code == 200
    match = LINK_RE.search(_page(response))
    assert match, _page(response)[:2000]
    invitation = db.session.execute(sa.select(Invitation)).scalar_one()
    assert invitation.email == "nueva.persona@example.org"
    # Only a hash of the token is stored.
    assert match.group(1) not in invitation.token_hash


def test_accepting_an_invitation_creates_the_account_with_its_membership(app, client):
    coordinator = factories.user(role="coordinator")
    db.session.commit()
    login(client, coordinator)
    token = LINK_RE.search(_page(_invite(client, factories.group("ethics").id))).group(1)

    newcomer = app.test_client()
    assert newcomer.get(f"/invitations/{token}").status_code == 200
    response = post_form(newcomer, f"/invitations/{token}",
                         {"name": "Persona Invitada", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert _is_logged_in(newcomer)

    db.session.expire_all()
    person = db.session.execute(sa.select(User).where(User.email == "nueva.persona@example.org")).scalar_one()
    assert person.role == "member"
    membership = db.session.execute(sa.select(GroupMembership).where(GroupMembership.user_id == person.id)).scalar_one()
    assert (membership.group_id, membership.role) == (factories.group("ethics").id, "member")
    assert person.password_hash.startswith("$argon2id$")
    assert NEW_PASSWORD not in person.password_hash


def test_an_invitation_token_works_once(app, client):
    coordinator = factories.user(role="coordinator")
    db.session.commit()
    login(client, coordinator)
    token = LINK_RE.search(_page(_invite(client, factories.group("ethics").id))).group(1)

    first = app.test_client()
    assert post_form(first, f"/invitations/{token}", {
        "name": "Primera", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302

    second = app.test_client()
    assert second.get(f"/invitations/{token}").status_code == 404
    token_for_post = csrf_token(second, "/login")
    response = second.post(f"/invitations/{token}", data={
        "name": "Segunda", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token_for_post})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.email == "nueva.persona@example.org")) == 1


def test_an_expired_invitation_is_not_found(client):
    coordinator = factories.user(role="coordinator")
    invitation, token = services.invite(coordinator, email="tarde@example.org", name="Llega Tarde",
                                        group=factories.group("ethics"))
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(f"/invitations/{token}").status_code == 404
    response = client.post(f"/invitations/{token}", data={
        "name": "Llega Tarde", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
        "csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 404
    assert db.session.execute(sa.select(User).where(User.email == "tarde@example.org")).first() is None


def test_accepting_with_a_short_password_shows_an_error_and_keeps_the_token(app, client):
    coordinator = factories.user(role="coordinator")
    invitation, token = services.invite(coordinator, email="corta@example.org", name="Clave Corta")
    db.session.commit()
    response = post_form(client, f"/invitations/{token}", {"name": "Clave Corta", "password": "corta",
                                                           "confirm": "corta"})
    assert response.status_code == 422
    assert _field_error(_page(response), "password")
    assert client.get(f"/invitations/{token}").status_code == 200


def test_accepting_an_invitation_for_an_email_taken_meanwhile_says_why(app, client):
    coordinator = factories.user(role="coordinator")
    _, first = services.invite(coordinator, email="doble@example.org", name="Doble")
    _, second = services.invite(coordinator, email="doble@example.org", name="Doble")
    db.session.commit()
    assert post_form(client, f"/invitations/{first}", {
        "name": "Doble", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302

    other = app.test_client()
    response = post_form(other, f"/invitations/{second}?lang=en", {
        "name": "Doble", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, form_page=f"/invitations/{second}")
    assert response.status_code == 422
    # The reason is shown, not only "correct the fields marked below" with no field marked.
    assert "Someone already uses this email address." in _page(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.email == "doble@example.org")) == 1
