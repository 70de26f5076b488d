"""Accounts: password hashing, authentication, settings, people management and invitations."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from coalition.audit.models import AuditEntry
from coalition.auth import services, sessions
from coalition.auth.models import Invitation, User
from coalition.database import utcnow
from coalition.errors import NotAuthenticated, NotFound, PermissionDenied, ValidationError
from coalition.extensions import db
from coalition.groups.models import GroupMembership
from tests import factories

NEW_PASSWORD = "una frase larga y nueva"


# --- passwords -------------------------------------------------------------------------------

def test_password_hash_is_argon2id_and_never_the_clear_password(app):
    hashed = services.hash_password(NEW_PASSWORD)
    assert hashed.startswith("$argon2id$")
    assert NEW_PASSWORD not in hashed
    assert services.hash_password(NEW_PASSWORD) != hashed  # salted
    assert services.verify_password(hashed, NEW_PASSWORD)
    assert not services.verify_password(hashed, NEW_PASSWORD + "!")


def test_verify_password_refuses_a_missing_or_broken_hash(app):
    assert not services.verify_password(None, "anything")
    assert not services.verify_password("not-a-hash", "anything")


@pytest.mark.parametrize("password", ["", "corta", "1234567", None, 12345678, "x" * 257])
def test_password_policy_rejects_short_long_and_non_text(app, password):
    with pytest.raises(ValidationError) as caught:
        services.check_password_policy(password)
    assert "password" in caught.value.fields


def test_password_policy_accepts_eight_uncommon_characters_and_long_passphrases(app):
    services.check_password_policy("q7#Rv!2x")
    services.check_password_policy("el maguey florece cada cien años " * 7)  # 231 characters
    services.check_password_policy("ñandú bajo la lluvia de otoño")


@pytest.mark.parametrize("password", [
    "12345678", "password1", "P@ssw0rd", "qwertyuiop", "iloveyou",  # zxcvbn's common list
    "contraseña", "Contraseña2026!", "teamo123", "coalicion", "ia2030mx",  # the Spanish list, decorated
    "aaaaaaaaaa", "abcdefghij",  # patterns
])
def test_password_policy_refuses_common_and_guessable_passwords(app, password):
    with pytest.raises(ValidationError) as caught:
        services.check_password_policy(password)
    message = str(caught.value.fields["password"][0])
    assert "too common" in message or "demasiado común" in message


def test_password_policy_refuses_the_persons_own_name_or_address(app):
    with pytest.raises(ValidationError):
        services.check_password_policy("lupita.gomez85", ("lupita.gomez85@example.org", "Lupita Gómez"))
    services.check_password_policy("lupita.gomez85")  # fine for someone else


# --- authentication --------------------------------------------------------------------------

def test_authenticate_with_the_right_password_returns_the_person(app):
    person = factories.user()
    assert services.authenticate(person.email, factories.PASSWORD) is person
    assert person.last_login_at is not None


def test_authenticate_is_case_insensitive_on_email(app):
    person = factories.user(email="juan.perez@example.org")
    assert services.authenticate("Juan.Perez@EXAMPLE.org", factories.PASSWORD) is person


@pytest.mark.parametrize("email,password", [
    ("nadie@example.org", factories.PASSWORD), ("not an email", factories.PASSWORD), (None, None),
    ("", ""), (12, 34)])
def test_authenticate_returns_none_for_unknown_or_malformed_credentials(app, email, password):
    factories.user()
    assert services.authenticate(email, password) is None


def test_authenticate_refuses_a_wrong_password(app):
    person = factories.user()
    assert services.authenticate(person.email, "not the password") is None
    assert person.last_login_at is None


def test_authenticate_refuses_a_deactivated_person(app):
    person = factories.user(active=False)
    assert services.authenticate(person.email, factories.PASSWORD) is None


def test_a_server_session_is_refused_to_deactivated_people_and_junk_keys(app):
    person = factories.user()
    _, key = sessions.start(person, remember=False, user_agent="", address="203.0.113.9")
    db.session.commit()
    assert sessions.resolve(key)[0] is person
    assert sessions.resolve("") is None
    assert sessions.resolve("x" * 101) is None
    assert sessions.resolve(person.session_token) is None  # the old cookie's id opens nothing now
    person.active = False
    db.session.commit()
    assert sessions.resolve(key) is None


def test_change_password_rotates_the_session_token_and_audits(app):
    person = factories.user()
    old_token, old_hash = person.session_token, person.password_hash
    services.change_password(person, factories.PASSWORD, NEW_PASSWORD)
    db.session.commit()
    assert person.session_token != old_token
    assert person.password_hash != old_hash and person.password_hash.startswith("$argon2id$")
    assert services.authenticate(person.email, NEW_PASSWORD) is person
    assert services.authenticate(person.email, factories.PASSWORD) is None
    assert db.session.scalar(sa.select(AuditEntry.action).order_by(AuditEntry.id)) == "user.password_change"


def test_change_password_with_a_wrong_current_password_changes_nothing(app):
    person = factories.user()
    old_token, old_hash = person.session_token, person.password_hash
    with pytest.raises(ValidationError) as caught:
        services.change_password(person, "not my password", NEW_PASSWORD)
    assert "current_password" in caught.value.fields
    assert (person.session_token, person.password_hash) == (old_token, old_hash)


def test_change_password_enforces_the_policy(app):
    person = factories.user()
    with pytest.raises(ValidationError) as caught:
        services.change_password(person, factories.PASSWORD, "corta")
    assert "password" in caught.value.fields


# --- settings --------------------------------------------------------------------------------

def test_update_settings_saves_every_setting(app):
    person = factories.user()
    services.update_settings(person, name="  Nuevo Nombre ", language="en", timezone="America/Tijuana",
                             digest_frequency="off", digest_weekday=6, digest_hour=23)
    db.session.commit()
    db.session.expire_all()
    saved = db.session.get(User, person.id)
    assert (saved.name, saved.language, saved.timezone) == ("Nuevo Nombre", "en", "America/Tijuana")
    assert (saved.digest_frequency, saved.digest_weekday, saved.digest_hour) == ("off", 6, 23)


@pytest.mark.parametrize("values,field", [
    ({"timezone": "Mars/Olympus_Mons"}, "timezone"), ({"timezone": None}, "timezone"),
    ({"timezone": "../../etc/passwd"}, "timezone"),
    ({"digest_hour": 25}, "digest_hour"), ({"digest_hour": -1}, "digest_hour"), ({"digest_hour": "8"}, "digest_hour"),
    ({"digest_hour": True}, "digest_hour"), ({"digest_weekday": 7}, "digest_weekday"),
    ({"language": "fr"}, "language"), ({"digest_frequency": "hourly"}, "digest_frequency"),
    ({"name": "   "}, "name"), ({"name": "x" * 201}, "name"), ({"role": "admin"}, "role"),
])
def test_update_settings_rejects_bad_values_by_field(app, values, field):
    person = factories.user()
    before = (person.timezone, person.digest_hour, person.digest_weekday, person.language, person.role)
    with pytest.raises(ValidationError) as caught:
        services.update_settings(person, **values)
    assert field in caught.value.fields
    assert (person.timezone, person.digest_hour, person.digest_weekday, person.language, person.role) == before


def test_update_settings_needs_an_actor(app):
    with pytest.raises(NotAuthenticated):
        services.update_settings(None, language="en")


# --- people ----------------------------------------------------------------------------------

def test_create_user_stores_a_lower_cased_email_and_a_hash(app):
    person = services.create_user(None, email="Nueva@Example.ORG", name=" Nueva ", role="coordinator",
                                  password=NEW_PASSWORD)
    db.session.commit()
    assert person.email == "nueva@example.org"
    assert person.name == "Nueva"
    assert person.password_hash.startswith("$argon2id$") and NEW_PASSWORD not in person.password_hash


def test_create_user_refuses_a_duplicate_email_in_any_case(app):
    factories.user(email="repetida@example.org")
    with pytest.raises(ValidationError) as caught:
        services.create_user(None, email="REPETIDA@example.org", name="Otra", password=NEW_PASSWORD)
    assert "email" in caught.value.fields


def test_create_user_refuses_a_bad_role_and_unknown_institution(app):
    with pytest.raises(ValidationError) as caught:
        services.create_user(None, email="rol@example.org", name="Rol", role="superuser")
    assert "role" in caught.value.fields
    with pytest.raises(ValidationError) as caught:
        services.create_user(None, email="inst@example.org", name="Inst", institution_id=999999)
    assert "institution_id" in caught.value.fields


def test_only_admins_create_accounts(app):
    coordinator = factories.user(role="coordinator")
    with pytest.raises(PermissionDenied):
        services.create_user(coordinator, email="x@example.org", name="X")


def test_deactivating_a_person_ends_their_sessions_and_is_audited(app):
    admin = factories.user(role="admin")
    person = factories.user()
    token = person.session_token
    record, key = sessions.start(person, remember=True, user_agent="", address="")
    services.manage_user(admin, person.id, role="member", active=False, institution_id=None)
    db.session.commit()
    assert person.active is False
    assert person.session_token != token
    assert sessions.resolve(key) is None
    assert (record.ended_at is not None, record.end_reason) == (True, "deactivated")
    entry = db.session.execute(sa.select(AuditEntry).where(AuditEntry.action == "user.manage")).scalar_one()
    assert entry.actor_id == admin.id and entry.changes["active"] == [True, False]


def test_an_admin_cannot_remove_their_own_admin_access(app):
    admin = factories.user(role="admin")
    for role, active in (("member", True), ("admin", False)):
        with pytest.raises(ValidationError):
            services.manage_user(admin, admin.id, role=role, active=active, institution_id=None)
    assert admin.role == "admin" and admin.active


# --- invitations -----------------------------------------------------------------------------

def test_invitation_stores_only_a_hash_of_its_token(app):
    coordinator = factories.user(role="coordinator")
    invitation, token = services.invite(coordinator, email="Invitada@Example.org", name="Invitada")
    assert invitation.email == "invitada@example.org"
    assert token not in invitation.token_hash and len(token) >= 32
    assert invitation.expires_at > utcnow() + timedelta(days=6)


def test_accepting_creates_the_account_with_its_membership_once(app):
    coordinator = factories.user(role="coordinator")
    ethics = factories.group("ethics")
    _, token = services.invite(coordinator, email="nueva@example.org", name="Nueva", group=ethics)
    db.session.commit()
    person = services.accept_invitation(token, name="Nueva Persona", password=NEW_PASSWORD)
    db.session.commit()
    assert (person.email, person.name, person.role) == ("nueva@example.org", "Nueva Persona", "member")
    assert person.password_hash.startswith("$argon2id$")
    assert db.session.execute(sa.select(GroupMembership.group_id).where(
        GroupMembership.user_id == person.id)).scalar_one() == ethics.id
    with pytest.raises(NotFound):
        services.accept_invitation(token, name="Otra Vez", password=NEW_PASSWORD)
    with pytest.raises(NotFound):
        services.find_invitation(token)


def test_an_expired_invitation_cannot_be_found_or_accepted(app):
    coordinator = factories.user(role="coordinator")
    invitation, token = services.invite(coordinator, email="tarde@example.org", name="Tarde")
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(NotFound):
        services.accept_invitation(token, name="Tarde", password=NEW_PASSWORD)
    assert db.session.execute(sa.select(User).where(User.email == "tarde@example.org")).first() is None


@pytest.mark.parametrize("token", ["", "short", "x" * 43, "y" * 500, None])
def test_unknown_invitation_tokens_are_not_found(app, token):
    with pytest.raises(NotFound):
        services.find_invitation(token)


def test_a_lead_invites_only_into_their_own_group(app):
    lead = factories.user(groups={"ethics": "lead"})
    invitation, _ = services.invite(lead, email="a@example.org", name="A", group=factories.group("ethics"))
    assert invitation.group_id == factories.group("ethics").id
    with pytest.raises(PermissionDenied):
        services.invite(lead, email="b@example.org", name="B", group=factories.group("governance"))
    with pytest.raises(ValidationError):
        services.invite(lead, email="c@example.org", name="C", group=factories.group("ethics"), role="coordinator")


def test_a_member_cannot_invite(app):
    member = factories.user(groups={"ethics": "member"})
    with pytest.raises(PermissionDenied):
        services.invite(member, email="a@example.org", name="A", group=factories.group("ethics"))


def test_an_invitation_for_an_existing_email_is_refused(app):
    coordinator = factories.user(role="coordinator")
    factories.user(email="ya@example.org")
    with pytest.raises(ValidationError) as caught:
        services.invite(coordinator, email="YA@example.org", name="Ya")
    assert "email" in caught.value.fields
    assert db.session.execute(sa.select(Invitation)).first() is None
