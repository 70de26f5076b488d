"""Two requests writing the same unique thing at the same moment, on PostgreSQL, through real requests.

Each test sends two requests from two threads. So that they really overlap, both are held at the
statement that writes the row (`held_together`, an engine event) until the other one is there too: both
have passed the service's own "does it exist already?" check, and only the database's unique key can
tell them apart. Where a service locks a row instead, the second request waits at that lock, the hold
gives up after a moment, and the requests run one after the other, as the lock intends. Either way:
no 500, and the outcome the person meant.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from coalition.audit.models import AuditEntry
from coalition.auth import services as auth_services
from coalition.auth.models import ApiToken, Invitation, User
from coalition.extensions import db
from coalition.groups.models import GroupMembership, group_lead_institutions
from coalition.institutions.models import Institution
from coalition.meetings.models import Attendance
from tests import factories
from tests.conftest import csrf_token

pytestmark = pytest.mark.postgres

HOLD_SECONDS = 3


@contextmanager
def held_together(app, statement: str):
    """Hold each thread's first SQL statement starting with `statement` until both threads reach it."""
    barrier = threading.Barrier(2)
    seen = threading.local()

    def hold(conn, cursor, sql, parameters, context, executemany):
        if not getattr(seen, "done", False) and sql.lstrip().upper().startswith(statement.upper()):
            seen.done = True
            try:
                barrier.wait(HOLD_SECONDS)
            except threading.BrokenBarrierError:
                pass  # the other request waits on a lock (or already finished): run on

    engine = db.engine
    event.listen(engine, "before_cursor_execute", hold)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", hold)


def at_once(app, statement: str, *requests):
    """Run each `request()` in its own thread, held together at `statement`; return their responses."""
    responses: list = [None] * len(requests)

    def run(index, request):
        with app.app_context():
            responses[index] = request()
            db.session.remove()

    with held_together(app, statement):
        threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert all(r is not None for r in responses), "a request did not finish"
    assert all(r.status_code < 500 for r in responses), [(r.status_code, r.get_data(as_text=True)[:300])
                                                         for r in responses]
    db.session.expire_all()
    return responses


def bearer(app, person) -> dict:
    response = app.test_client().post("/api/v1/tokens", json={"email": person.email, "password": factories.PASSWORD})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def _count(stmt) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(stmt.subquery())).scalar_one()


# --- institutions: the name is unique --------------------------------------------------------

def test_two_institutions_created_with_one_name_at_once_make_one_and_the_other_is_told_the_name_is_taken(app):
    coordinator = factories.user(role="coordinator")
    db.session.commit()
    headers = bearer(app, coordinator)
    body = {"name": "Centro de Investigación en Ciencias de la Información", "sector": "academia", "state": "NLE"}

    def create():
        return app.test_client().post("/api/v1/institutions", json=body, headers=headers)

    responses = at_once(app, "INSERT INTO institutions", create, create)
    assert sorted(r.status_code for r in responses) == [201, 422]
    refused = next(r for r in responses if r.status_code == 422).get_json()["error"]
    assert refused["fields"]["name"] == ["Ya existe una institución con este nombre."]  # people's language: es
    assert _count(sa.select(Institution).where(Institution.name == body["name"])) == 1


def test_two_institutions_renamed_to_one_name_at_once_one_keeps_its_old_name(app):
    coordinator = factories.user(role="coordinator")
    first = factories.institution(name="Primera")
    second = factories.institution(name="Segunda")
    db.session.commit()
    headers = bearer(app, coordinator)

    def rename(institution_id):
        return lambda: app.test_client().patch(f"/api/v1/institutions/{institution_id}", json={"name": "Unida"},
                                               headers=headers)

    responses = at_once(app, "UPDATE institutions", rename(first.id), rename(second.id))
    assert sorted(r.status_code for r in responses) == [200, 422]
    assert "name" in next(r for r in responses if r.status_code == 422).get_json()["error"]["fields"]
    names = sorted(db.session.execute(sa.select(Institution.name).where(
        Institution.id.in_([first.id, second.id]))).scalars())
    assert names in (["Primera", "Unida"], ["Segunda", "Unida"])


# --- memberships: a person is in a group once ------------------------------------------------

def test_the_same_member_added_twice_at_once_is_in_the_group_once_and_both_succeed(app):
    lead = factories.user(groups={"ethics": "lead"})
    person = factories.user()
    db.session.commit()
    headers = bearer(app, lead)

    person_id = person.id

    def add():
        return app.test_client().post("/api/v1/working-groups/ethics/members",
                                      json={"user_id": person_id, "role": "member"}, headers=headers)

    responses = at_once(app, "INSERT INTO group_memberships", add, add)
    assert {r.status_code for r in responses} <= {200, 201}
    assert all(r.get_json()["user_id"] == person_id for r in responses)
    assert _count(sa.select(GroupMembership).where(GroupMembership.user_id == person_id)) == 1
    assert _count(sa.select(AuditEntry).where(AuditEntry.action == "membership.add")) == 1


def test_one_membership_removed_twice_at_once_is_removed_once(app):
    lead = factories.user(groups={"ethics": "lead"})
    person = factories.user(groups={"ethics": "member"})
    membership_id = db.session.execute(sa.select(GroupMembership.id).where(
        GroupMembership.user_id == person.id)).scalar_one()
    db.session.commit()
    headers = bearer(app, lead)

    def remove():
        return app.test_client().delete(f"/api/v1/working-groups/ethics/members/{membership_id}", headers=headers)

    responses = at_once(app, "DELETE FROM group_memberships", remove, remove)
    assert sorted(r.status_code for r in responses) == [204, 404]
    assert _count(sa.select(AuditEntry).where(AuditEntry.action == "membership.remove")) == 1


def test_lead_institutions_saved_twice_at_once_end_as_saved(app):
    coordinator = factories.user(role="coordinator")
    chosen = [factories.institution().id, factories.institution().id]
    db.session.commit()
    headers = bearer(app, coordinator)

    def save():
        return app.test_client().put("/api/v1/working-groups/ethics/lead-institutions",
                                     json={"institution_ids": chosen}, headers=headers)

    responses = at_once(app, "INSERT INTO group_lead_institutions", save, save)
    assert [r.status_code for r in responses] == [200, 200]
    saved = sorted(db.session.execute(sa.select(group_lead_institutions.c.institution_id)).scalars())
    assert saved == sorted(chosen)
    assert _count(sa.select(AuditEntry).where(AuditEntry.action == "group.lead_institutions")) == 1


# --- invitations and accounts: an email address belongs to one person ------------------------

def _accept(app, token: str, name: str):
    def accept():
        client = app.test_client()
        form_token = csrf_token(client, f"/invitations/{token}")
        return client.post(f"/invitations/{token}", data={
            "name": name, "password": "una frase larga y rara", "confirm": "una frase larga y rara",
            "csrf_token": form_token})
    return accept


def test_one_invitation_accepted_twice_at_once_makes_one_account_and_tells_the_second_it_was_used(app):
    coordinator = factories.user(role="coordinator")
    _invitation, token = auth_services.invite(coordinator, email="nueva@example.org", name="Nueva")
    db.session.commit()

    responses = at_once(app, "INSERT INTO users", _accept(app, token, "Nueva Uno"), _accept(app, token, "Nueva Dos"))
    assert sorted(r.status_code for r in responses) == [302, 404]
    refused = next(r for r in responses if r.status_code == 404).get_data(as_text=True)
    assert "already been accepted" in refused or "ya fue aceptada" in refused
    assert _count(sa.select(User).where(User.email == "nueva@example.org")) == 1


def test_two_invitations_for_one_address_accepted_at_once_make_one_account(app):
    coordinator = factories.user(role="coordinator")

    def invite():
        return app.test_client().post("/api/v1/invitations", json={"email": "doble@example.org", "name": "Doble"},
                                      headers=headers)

    db.session.commit()
    headers = bearer(app, coordinator)
    # Inviting one address twice at once is not a conflict: each is a (re)sent link.
    invited = at_once(app, "INSERT INTO invitations", invite, invite)
    assert [r.status_code for r in invited] == [201, 201]
    _first, first_token = auth_services.invite(coordinator, email="doble@example.org", name="Doble")
    _second, second_token = auth_services.invite(coordinator, email="doble@example.org", name="Doble")
    db.session.commit()

    responses = at_once(app, "INSERT INTO users", _accept(app, first_token, "Doble Uno"),
                        _accept(app, second_token, "Doble Dos"))
    assert sorted(r.status_code for r in responses) == [302, 422]
    refused = next(r for r in responses if r.status_code == 422).get_data(as_text=True)
    assert "already uses this email" in refused or "ya usa" in refused
    assert _count(sa.select(User).where(User.email == "doble@example.org")) == 1


def test_one_account_created_twice_at_once_exists_once_and_the_second_is_told_the_address_is_taken(app):
    admin = factories.user(role="admin")
    db.session.commit()
    admin_id = admin.id
    outcomes: list = []

    def create():
        try:
            auth_services.create_user(db.session.get(User, admin_id), email="alta@example.org", name="Alta")
            db.session.commit()
            outcomes.append("created")
        except auth_services.ValidationError as error:
            db.session.rollback()
            outcomes.append(error.fields)

    threads = []
    with held_together(app, "INSERT INTO users"):
        for _ in range(2):
            def run():
                with app.app_context():
                    create()
                    db.session.remove()
            threads.append(threading.Thread(target=run))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert sorted(outcomes, key=str) == sorted(["created", {"email": [auth_services.EMAIL_TAKEN]}], key=str)
    db.session.expire_all()
    assert _count(sa.select(User).where(User.email == "alta@example.org")) == 1


# --- meetings: a person is invited once ---------------------------------------------------------

def test_the_same_person_invited_to_a_meeting_twice_at_once_is_invited_once(app):
    lead = factories.user(groups={"ethics": "lead"})
    person = factories.user()
    meeting = factories.meeting("ethics", invitees=[lead])
    db.session.commit()
    headers = bearer(app, lead)
    path, body = f"/api/v1/meetings/{meeting.id}/invitees", {"user_id": person.id}

    def invite():
        return app.test_client().post(path, json=body, headers=headers)

    responses = at_once(app, "INSERT INTO attendance", invite, invite)
    assert {r.status_code for r in responses} <= {200, 201}  # invited, as asked, either way
    assert _count(sa.select(Attendance).where(Attendance.meeting_id == meeting.id,
                                              Attendance.user_id == person.id)) == 1


def test_attendance_recorded_twice_at_once_is_recorded(app):
    lead = factories.user(groups={"ethics": "lead"})
    person = factories.user(groups={"ethics": "member"})
    meeting = factories.meeting("ethics", invitees=[lead, person], starts_at=factories.days_ago(0.1))
    db.session.commit()
    headers = bearer(app, lead)

    path, person_id = f"/api/v1/meetings/{meeting.id}/attendance", person.id

    def record(status):
        return lambda: app.test_client().put(path, headers=headers,
                                             json={"attendance": [{"user_id": person_id, "status": status}]})

    responses = at_once(app, "UPDATE attendance", record("attended"), record("excused"))
    assert [r.status_code for r in responses] == [200, 200]
    status = db.session.execute(sa.select(Attendance.status).where(
        Attendance.meeting_id == meeting.id, Attendance.user_id == person.id)).scalar_one()
    assert status in ("attended", "excused")


# --- tokens -------------------------------------------------------------------------------------

def test_two_tokens_asked_for_at_once_are_both_given(app):
    email = factories.user().email
    db.session.commit()

    def ask():
        return app.test_client().post("/api/v1/tokens", json={"email": email, "password": factories.PASSWORD})

    responses = at_once(app, "INSERT INTO api_tokens", ask, ask)
    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].get_json()["token"] != responses[1].get_json()["token"]


def test_one_token_revoked_twice_at_once_is_revoked_once(app):
    person = factories.user()
    db.session.commit()
    headers = bearer(app, person)
    other = app.test_client().post("/api/v1/tokens", json={"email": person.email, "password": factories.PASSWORD})
    token_id = other.get_json()["id"]

    def revoke():
        return app.test_client().delete(f"/api/v1/tokens/{token_id}", headers=headers)

    responses = at_once(app, "UPDATE api_tokens", revoke, revoke)
    assert {r.status_code for r in responses} <= {200, 204}
    assert db.session.get(ApiToken, token_id).revoked_at is not None
    assert _count(sa.select(AuditEntry).where(AuditEntry.action == "token.revoke")) == 1


def test_invitation_rows_stay_single_use(app):
    """The lock, not luck: after a double acceptance the invitation names the one account."""
    coordinator = factories.user(role="coordinator")
    invitation, token = auth_services.invite(coordinator, email="una@example.org", name="Una")
    db.session.commit()
    at_once(app, "INSERT INTO users", _accept(app, token, "Una"), _accept(app, token, "Una"))
    stored = db.session.get(Invitation, invitation.id)
    user_id = db.session.execute(sa.select(User.id).where(User.email == "una@example.org")).scalar_one()
    assert stored.accepted_user_id == user_id
