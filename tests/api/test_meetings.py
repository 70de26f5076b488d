"""The meetings API: every endpoint × every role, conflicts, validation, filters, paging, the document."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from coalition.extensions import db
from coalition.meetings.models import ActionItem, Attendance, Meeting, MinutesRevision
from tests import factories

API = "/api/v1/meetings"
ROLES = ("anonymous", "member", "other", "other_lead", "lead", "coordinator", "admin")
READERS = {role: True for role in ROLES if role != "anonymous"}
MANAGERS = {"member": False, "other": False, "other_lead": False, "lead": True, "coordinator": True, "admin": True}


# --- the world and its tokens ----------------------------------------------------------------

def build_world() -> dict:
    academia = factories.institution(name="Universidad de Prueba", acronym="UP", sector="academia")
    industry = factories.institution(name="Empresa de Prueba", acronym="EP", sector="industry")
    people = {
        "member": factories.user(groups={"ethics": "member"}, institution_id=academia.id),
        "other": factories.user(groups={"governance": "member"}),
        "other_lead": factories.user(groups={"governance": "lead"}),
        "lead": factories.user(groups={"ethics": "lead"}, institution_id=industry.id),
        "coordinator": factories.user(role="coordinator"),
        "admin": factories.user(role="admin"),
    }
    filler = factories.user(groups={"ethics": "member"})
    outsider = factories.user()
    # Started two hours ago with draft minutes: it can be marked held and its minutes published.
    meeting = factories.meeting("ethics", invitees=[people["member"], people["lead"]],
                                starts_at=factories.days_ago(0.1), agenda="1. Bienvenida")
    item = ActionItem(meeting_id=meeting.id, text="Enviar la minuta")
    db.session.add_all([item, MinutesRevision(meeting_id=meeting.id, body="Borrador", author_id=people["lead"].id)])
    db.session.flush()
    world = {"people": people, "filler": filler, "outsider": outsider, "meeting": meeting.id,
             "version": meeting.version, "item": item.id, "academia": academia.id, "industry": industry.id}
    db.session.commit()
    return world


@pytest.fixture
def world(app):
    return build_world()


def token_for(client, user) -> str:
    response = client.post("/api/v1/tokens", json={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def auth(client, user) -> dict:
    return {"Authorization": f"Bearer {token_for(client, user)}"}


@pytest.fixture
def as_lead(client, world):
    return auth(client, world["people"]["lead"])


def future(days: int = 10, hour: int = 10, offset: str = "-06:00") -> str:
    day = (datetime.now(timezone.utc) + timedelta(days=days)).date()
    return f"{day.isoformat()}T{hour:02d}:00:00{offset}"


def new_meeting_body(**values) -> dict:
    return {"group": "ethics", "title": "Sesión ordinaria", "starts_at": future(), "duration_minutes": 90,
            "location": "https://meet.example.org/etica", "agenda": "1. Bienvenida", **values}


def error_fields(response) -> dict:
    body = response.get_json()
    assert set(body) >= {"error"}, body
    assert set(body["error"]) == {"status", "code", "message", "fields"}, body
    assert body["error"]["status"] == response.status_code
    return body["error"]["fields"]


# --- every endpoint × every role -----------------------------------------------------------

# name -> (method, path builder, body builder or None, who may, status on success)
ENDPOINTS = {
    "list": ("GET", lambda w: API, None, READERS, 200),
    "create": ("POST", lambda w: API, lambda w: new_meeting_body(), MANAGERS, 201),
    "get": ("GET", lambda w: f"{API}/{w['meeting']}", None, READERS, 200),
    "patch": ("PATCH", lambda w: f"{API}/{w['meeting']}",
              lambda w: {"version": w["version"], "title": "Título nuevo"}, MANAGERS, 200),
    "cancel": ("POST", lambda w: f"{API}/{w['meeting']}/cancel", None, MANAGERS, 200),
    "held": ("POST", lambda w: f"{API}/{w['meeting']}/held", None, MANAGERS, 200),
    "attendance": ("GET", lambda w: f"{API}/{w['meeting']}/attendance", None, READERS, 200),
    "record_attendance": ("PUT", lambda w: f"{API}/{w['meeting']}/attendance", lambda w: {
        "attendance": [{"user_id": w["people"]["member"].id, "status": "attended"}]}, MANAGERS, 200),
    "invite": ("POST", lambda w: f"{API}/{w['meeting']}/invitees", lambda w: {"user_id": w["outsider"].id},
               MANAGERS, 201),
    "minutes": ("GET", lambda w: f"{API}/{w['meeting']}/minutes", None, READERS, 200),
    "save_minutes": ("POST", lambda w: f"{API}/{w['meeting']}/minutes", lambda w: {"body": "Acta final"},
                     MANAGERS, 201),
    "publish": ("POST", lambda w: f"{API}/{w['meeting']}/minutes/publish", None, MANAGERS, 200),
    "decisions": ("GET", lambda w: f"{API}/{w['meeting']}/decisions", None, READERS, 200),
    "add_decision": ("POST", lambda w: f"{API}/{w['meeting']}/decisions", lambda w: {"text": "Se aprueba"},
                     MANAGERS, 201),
    "action_items": ("GET", lambda w: f"{API}/{w['meeting']}/action-items", None, READERS, 200),
    "add_action_item": ("POST", lambda w: f"{API}/{w['meeting']}/action-items", lambda w: {
        "text": "Circular el acta", "assignee_id": w["people"]["member"].id, "due_date": "2031-01-15"},
        MANAGERS, 201),
    "action_done": ("PATCH", lambda w: f"{API}/{w['meeting']}/action-items/{w['item']}", lambda w: {"done": True},
                    MANAGERS, 200),
}


def call(client, method, path, body=None, headers=None):
    kwargs = {"headers": headers or {}}
    if body is not None:
        kwargs["json"] = body
    return client.open(path, method=method, **kwargs)


# Who may do what is decided in the service layer the same way on either database: checked once.
@pytest.mark.one_database
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_role_matrix(client, world, name, role):
    method, path_for, body_for, allowed, success = ENDPOINTS[name]
    headers = {} if role == "anonymous" else auth(client, world["people"][role])
    response = call(client, method, path_for(world), body_for(world) if body_for else None, headers)
    if role == "anonymous":
        assert response.status_code == 401, response.get_json()
        assert response.headers["WWW-Authenticate"] == "Bearer"
        error_fields(response)
    elif allowed[role]:
        assert response.status_code == success, response.get_json()
    else:
        assert response.status_code == 403, response.get_json()
        assert response.get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_unknown_meeting_is_404(client, world, name):
    method, path_for, body_for, _, _ = ENDPOINTS[name]
    path = path_for(world)
    if f"/{world['meeting']}" not in path:
        return
    headers = auth(client, world["people"]["admin"])
    body = body_for(world) if body_for else None
    for missing in (999_999, 2**31, 99999999999999999999):
        response = call(client, method, path.replace(f"/{world['meeting']}", f"/{missing}", 1), body, headers)
        assert response.status_code == 404, (missing, response.get_json())
        assert response.get_json()["error"]["code"] == "not_found"


def test_unknown_action_item_or_one_of_another_meeting_is_404(client, world, as_lead):
    other = factories.meeting("ethics")
    db.session.add(ActionItem(meeting_id=other.id, text="Otra"))
    db.session.commit()
    foreign = db.session.execute(sa.select(ActionItem.id).where(ActionItem.meeting_id == other.id)).scalar_one()
    for item_id in (999_999, foreign):
        response = client.patch(f"{API}/{world['meeting']}/action-items/{item_id}", json={"done": True},
                                headers=as_lead)
        assert response.status_code == 404


def test_bad_or_missing_token_is_401(client, world):
    for header in ("Bearer coa_nope", "Bearer ", "Basic dXNlcjpwYXNz", "coa_x"):
        response = client.get(API, headers={"Authorization": header})
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "unauthenticated"


def test_anonymous_gets_401_even_with_a_bad_body(client, world):
    response = client.post(API, json={"nonsense": True})
    assert response.status_code == 401


def test_access_is_checked_before_the_body(client, world):
    """401, then 404, then 403: a 422 is only ever about a body the caller may send."""
    member = auth(client, world["people"]["member"])
    bad = {"version": "x", "nonsense": 1}
    assert client.patch(f"{API}/{world['meeting']}", json=bad).status_code == 401
    assert client.patch(f"{API}/999999", json=bad, headers=member).status_code == 404
    assert client.patch(f"{API}/{world['meeting']}", json=bad, headers=member).status_code == 403
    assert client.put(f"{API}/{world['meeting']}/attendance", json=bad, headers=member).status_code == 403


def test_a_browser_session_is_not_enough(client, world):
    from tests.conftest import login
    login(client, world["people"]["admin"])
    assert client.get(API).status_code == 401


# --- creating ------------------------------------------------------------------------------

def test_create_invites_every_member_of_the_group(client, world, as_lead):
    response = client.post(API, json=new_meeting_body(starts_at="2031-03-04T10:00:00-06:00"), headers=as_lead)
    assert response.status_code == 201, response.get_json()
    meeting = response.get_json()
    assert meeting["group"] == "ethics"
    assert meeting["title"] == "Sesión ordinaria"
    assert meeting["starts_at"] == "2031-03-04T16:00:00+00:00"
    assert meeting["ends_at"] == "2031-03-04T17:30:00+00:00"
    assert meeting["duration_minutes"] == 90
    assert meeting["status"] == "scheduled"
    assert meeting["minutes"] is None and meeting["minutes_published_at"] is None
    assert meeting["organiser_id"] == world["people"]["lead"].id
    assert meeting["version"] == 1 and meeting["ical_sequence"] == 0 and meeting["ical_uid"]
    assert meeting["url"].endswith(f"/meetings/{meeting['id']}")
    assert meeting["ics_url"].endswith(f"/meetings/{meeting['id']}.ics")

    response = client.get(f"{API}/{meeting['id']}/attendance", headers=as_lead)
    assert response.status_code == 200
    listing = response.get_json()
    ethics = {world["people"]["member"].id, world["people"]["lead"].id, world["filler"].id}
    assert {row["user_id"] for row in listing["items"]} == ethics
    assert {row["status"] for row in listing["items"]} == {"invited"}
    assert listing["total"] == 3 and listing["summary"]["by_status"]["invited"] == 3
    member_row = next(r for r in listing["items"] if r["user_id"] == world["people"]["member"].id)
    assert member_row["institution_name"] == "Universidad de Prueba"
    assert member_row["institution_id"] == world["academia"]
    assert member_row["sector"] == "academia"
    assert member_row["name"] == world["people"]["member"].name

    # The same meeting through the reading endpoints.
    assert client.get(f"{API}/{meeting['id']}", headers=as_lead).get_json() == meeting


def test_create_defaults_and_trims(client, world, as_lead):
    response = client.post(API, json={"group": "ethics", "title": "  Breve  ", "starts_at": "2031-05-01T09:00:00Z"},
                           headers=as_lead)
    assert response.status_code == 201, response.get_json()
    meeting = response.get_json()
    assert meeting["title"] == "Breve" and meeting["duration_minutes"] == 60
    assert meeting["location"] == "" and meeting["agenda"] == ""


def test_a_lead_cannot_create_in_another_group(client, world, as_lead):
    response = client.post(API, json=new_meeting_body(group="governance"), headers=as_lead)
    assert response.status_code == 403


def test_coordinator_creates_in_any_group(client, world):
    headers = auth(client, world["people"]["coordinator"])
    response = client.post(API, json=new_meeting_body(group="governance"), headers=headers)
    assert response.status_code == 201
    attendance = client.get(f"{API}/{response.get_json()['id']}/attendance", headers=headers).get_json()
    assert {r["user_id"] for r in attendance["items"]} == {world["people"]["other"].id,
                                                          world["people"]["other_lead"].id}


@pytest.mark.parametrize("values,field", [
    ({"starts_at": "2031-03-04T10:00:00"}, "starts_at"),  # naive: no offset
    ({"starts_at": "2031-03-04"}, "starts_at"),
    ({"starts_at": "mañana"}, "starts_at"),
    ({"starts_at": 1700000000}, "starts_at"),
    ({"starts_at": "2200-01-01T10:00:00+00:00"}, "starts_at"),
    ({"starts_at": "9999-12-31T23:59:59-05:00"}, "starts_at"),
    ({"duration_minutes": 0}, "duration_minutes"),
    ({"duration_minutes": 1441}, "duration_minutes"),
    ({"duration_minutes": "60"}, "duration_minutes"),
    ({"duration_minutes": 60.5}, "duration_minutes"),
    ({"duration_minutes": True}, "duration_minutes"),
    ({"duration_minutes": 2**80}, "duration_minutes"),
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({"title": None}, "title"),
    ({"title": 5}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"location": "x" * 301}, "location"),
    ({"agenda": ["a"]}, "agenda"),
    ({"group": "nope"}, "group"),
    ({"group": 3}, "group"),
    ({"group": "x" * 100}, "group"),
    ({"organiser_id": 1}, "organiser_id"),  # unknown field
    ({"status": "held"}, "status"),  # not settable
])
def test_create_rejects_bad_values_naming_the_field(client, world, as_lead, values, field):
    response = client.post(API, json=new_meeting_body(**values), headers=as_lead)
    assert response.status_code == 422, response.get_json()
    assert field in error_fields(response), response.get_json()
    assert db.session.execute(sa.select(sa.func.count()).select_from(Meeting)).scalar_one() == 1


def test_create_rejects_text_no_database_can_store(client, world, as_lead):
    for title in ("nul\x00byte", "\ud800"):
        response = client.post(API, json=new_meeting_body(title=title), headers=as_lead)
        assert response.status_code == 400, response.get_json()
        assert response.get_json()["error"]["status"] == 400
    assert db.session.execute(sa.select(sa.func.count()).select_from(Meeting)).scalar_one() == 1


@pytest.mark.parametrize("field", ["group", "title", "starts_at"])
def test_create_requires_fields(client, world, as_lead, field):
    body = new_meeting_body()
    del body[field]
    response = client.post(API, json=body, headers=as_lead)
    assert response.status_code == 422
    assert field in error_fields(response)


@pytest.mark.parametrize("raw,content_type,status", [
    ("{not json", "application/json", 400),
    ("[1, 2]", "application/json", 422),
    ('"text"', "application/json", 422),
    ("null", "application/json", 422),
    ("[" * 100_000, "application/json", 400),
    ('{"title": ' * 50_000, "application/json", 400),
    ("\xff\xfe", "application/json", 400),
    ("title=x", "application/x-www-form-urlencoded", 415),
    ("<meeting/>", "text/xml", 415),
])
def test_malformed_bodies_never_500(client, world, as_lead, raw, content_type, status):
    for method, path in (("POST", API), ("PATCH", f"{API}/{world['meeting']}"),
                         ("PUT", f"{API}/{world['meeting']}/attendance"),
                         ("POST", f"{API}/{world['meeting']}/minutes")):
        response = client.open(path, method=method, data=raw, content_type=content_type, headers=as_lead)
        assert response.status_code == status, (method, path, response.get_json())
        error_fields(response)


# --- editing -------------------------------------------------------------------------------

def test_patch_changes_fields_and_bumps_version_and_sequence(client, world, as_lead):
    path = f"{API}/{world['meeting']}"
    before = client.get(path, headers=as_lead).get_json()
    response = client.patch(path, json={"version": before["version"], "title": "Sesión movida",
                                        "starts_at": "2031-06-01T12:00:00+02:00", "duration_minutes": 30},
                            headers=as_lead)
    assert response.status_code == 200, response.get_json()
    after = response.get_json()
    assert after["title"] == "Sesión movida"
    assert after["starts_at"] == "2031-06-01T10:00:00+00:00"
    assert after["duration_minutes"] == 30
    assert after["version"] > before["version"]
    assert after["ical_sequence"] == before["ical_sequence"] + 1
    assert after["agenda"] == before["agenda"]  # untouched fields stay

    # A title-only edit does not move the meeting in calendars.
    response = client.patch(path, json={"version": after["version"], "title": "Otra vez"}, headers=as_lead)
    assert response.status_code == 200
    assert response.get_json()["ical_sequence"] == after["ical_sequence"]


def test_stale_version_is_409_with_the_current_meeting(client, world, as_lead):
    path = f"{API}/{world['meeting']}"
    first = client.patch(path, json={"version": world["version"], "title": "Primera edición"}, headers=as_lead)
    assert first.status_code == 200
    response = client.patch(path, json={"version": world["version"], "title": "Edición perdida"}, headers=as_lead)
    assert response.status_code == 409
    body = response.get_json()
    assert body["error"]["code"] == "conflict"
    assert body["current"]["title"] == "Primera edición"
    assert body["current"]["version"] == first.get_json()["version"]
    assert body["current"]["id"] == world["meeting"]
    assert set(body["current"]) >= {"id", "group", "title", "starts_at", "duration_minutes", "location", "agenda",
                                    "minutes", "status", "version"}
    assert client.get(path, headers=as_lead).get_json()["title"] == "Primera edición"
    # Retrying with the current version works.
    retry = client.patch(path, json={"version": body["current"]["version"], "title": "Edición final"},
                         headers=as_lead)
    assert retry.status_code == 200 and retry.get_json()["title"] == "Edición final"


@pytest.mark.parametrize("body,field", [
    ({"title": "Sin versión"}, "version"),
    ({"version": "1", "title": "x"}, "version"),
    ({"version": None}, "version"),
    ({"version": 1, "starts_at": "2031-03-04T10:00:00"}, "starts_at"),
    ({"version": 1, "duration_minutes": 0}, "duration_minutes"),
    ({"version": 1, "title": ""}, "title"),
    ({"version": 1, "status": "held"}, "status"),
    ({"version": 1, "group": "governance"}, "group"),
    ({"version": 1, "minutes": "x"}, "minutes"),
])
def test_patch_rejects_bad_values(client, world, as_lead, body, field):
    response = client.patch(f"{API}/{world['meeting']}", json=body, headers=as_lead)
    assert response.status_code == 422, response.get_json()
    assert field in error_fields(response)


def test_huge_version_is_a_conflict_not_a_crash(client, world, as_lead):
    response = client.patch(f"{API}/{world['meeting']}", json={"version": 2**80}, headers=as_lead)
    assert response.status_code == 409
    assert response.get_json()["current"]["version"] == world["version"]


def test_cancel_then_no_edit_no_held(client, world, as_lead):
    path = f"{API}/{world['meeting']}"
    response = client.post(f"{path}/cancel", headers=as_lead)
    assert response.status_code == 200
    cancelled = response.get_json()
    assert cancelled["status"] == "cancelled" and cancelled["ical_sequence"] == 1
    # Cancelling again changes nothing.
    again = client.post(f"{path}/cancel", headers=as_lead)
    assert again.status_code == 200 and again.get_json()["version"] == cancelled["version"]
    response = client.patch(path, json={"version": cancelled["version"], "title": "x"}, headers=as_lead)
    assert response.status_code == 422
    assert client.post(f"{path}/held", headers=as_lead).status_code == 422
    assert client.post(f"{path}/decisions", json={"text": "x"}, headers=as_lead).status_code == 422
    response = client.put(f"{path}/attendance", json={"attendance": [
        {"user_id": world["people"]["member"].id, "status": "attended"}]}, headers=as_lead)
    assert response.status_code == 422


def test_held_only_once_started_and_then_not_cancellable(client, world, as_lead):
    upcoming = client.post(API, json=new_meeting_body(), headers=as_lead).get_json()
    response = client.post(f"{API}/{upcoming['id']}/held", headers=as_lead)
    assert response.status_code == 422
    response = client.post(f"{API}/{world['meeting']}/held", headers=as_lead)
    assert response.status_code == 200 and response.get_json()["status"] == "held"
    assert client.post(f"{API}/{world['meeting']}/cancel", headers=as_lead).status_code == 422


def test_cancel_with_a_non_json_body_is_415(client, world, as_lead):
    response = client.post(f"{API}/{world['meeting']}/cancel", data="x=1",
                           content_type="application/x-www-form-urlencoded", headers=as_lead)
    assert response.status_code == 415


# --- attendance and invitees -----------------------------------------------------------------

def test_delete_with_history_is_409_telling_to_cancel_then_cancel_works(client, world, as_lead):
    response = client.delete(f"{API}/{world['meeting']}?lang=en", headers=as_lead)
    assert response.status_code == 409 and error_fields(response) == {}
    assert "Cancel it instead" in response.get_json()["error"]["message"]
    assert db.session.get(Meeting, world["meeting"]) is not None
    assert client.post(f"{API}/{world['meeting']}/cancel", headers=as_lead).status_code == 200


def test_delete_without_history_is_204(client, world, as_lead):
    created = client.post(API, json=new_meeting_body(), headers=as_lead)
    assert created.status_code == 201
    meeting_id = created.get_json()["id"]
    assert client.delete(f"{API}/{meeting_id}", headers=as_lead).status_code == 204
    db.session.expire_all()
    assert db.session.get(Meeting, meeting_id) is None
    assert client.get(f"{API}/{meeting_id}", headers=as_lead).status_code == 404


def test_record_attendance(client, world, as_lead):
    member, lead = world["people"]["member"], world["people"]["lead"]
    path = f"{API}/{world['meeting']}/attendance"
    response = client.put(path, json={"attendance": [{"user_id": member.id, "status": "attended"},
                                                     {"user_id": lead.id, "status": "invited"}]}, headers=as_lead)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["changed"] == [member.id]
    assert {r["user_id"]: r["status"] for r in body["items"]} == {member.id: "attended", lead.id: "invited"}
    listing = client.get(path, headers=as_lead).get_json()
    assert listing["summary"]["attended_by_sector"] == {"academia": 1}
    assert listing["summary"]["by_status"]["attended"] == 1
    status = db.session.execute(sa.select(Attendance.status).where(
        Attendance.meeting_id == world["meeting"], Attendance.user_id == member.id)).scalar_one()
    assert status == "attended"


@pytest.mark.parametrize("body_for,field", [
    (lambda w: {"attendance": [{"user_id": w["outsider"].id, "status": "attended"}]}, "attendance"),
    (lambda w: {"attendance": [{"user_id": 999_999, "status": "attended"}]}, "attendance"),
    (lambda w: {"attendance": [{"user_id": w["people"]["member"].id, "status": "present"}]}, "attendance.0.status"),
    (lambda w: {"attendance": [{"user_id": str(w["people"]["member"].id), "status": "attended"}]},
     "attendance.0.user_id"),
    (lambda w: {"attendance": [{"user_id": w["people"]["member"].id, "status": "attended"},
                               {"user_id": w["people"]["member"].id, "status": "absent"}]}, "attendance"),
    (lambda w: {"attendance": []}, "attendance"),
    (lambda w: {"attendance": {"1": "attended"}}, "attendance"),
    (lambda w: {}, "attendance"),
    (lambda w: {"attendance": [{"user_id": w["people"]["member"].id, "status": "attended", "x": 1}]},
     "attendance.0.x"),
])
def test_record_attendance_rejects_bad_rows(client, world, as_lead, body_for, field):
    response = client.put(f"{API}/{world['meeting']}/attendance", json=body_for(world), headers=as_lead)
    assert response.status_code == 422, response.get_json()
    assert field in error_fields(response), response.get_json()


def test_invite_a_person(client, world, as_lead):
    path = f"{API}/{world['meeting']}/invitees"
    outsider = world["outsider"]
    response = client.post(path, json={"user_id": outsider.id}, headers=as_lead)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["user_id"] == outsider.id and response.get_json()["status"] == "invited"
    again = client.post(path, json={"user_id": outsider.id}, headers=as_lead)
    assert again.status_code == 200
    listing = client.get(f"{API}/{world['meeting']}/attendance", headers=as_lead).get_json()
    assert outsider.id in {r["user_id"] for r in listing["items"]}
    for bad in (999_999, 0, -1, "5", None, 2**40):
        response = client.post(path, json={"user_id": bad}, headers=as_lead)
        assert response.status_code == 422, (bad, response.get_json())
        assert "user_id" in error_fields(response)


def test_attendance_is_paged(client, world, as_lead):
    response = client.get(f"{API}/{world['meeting']}/attendance?per_page=1&page=2", headers=as_lead)
    body = response.get_json()
    assert body["page"] == 2 and body["per_page"] == 1 and body["total"] == 2 and len(body["items"]) == 1
    assert body["summary"]["total"] == 2


# --- minutes -------------------------------------------------------------------------------

def test_minutes_revisions_and_publishing(client, world, as_lead):
    path = f"{API}/{world['meeting']}/minutes"
    response = client.post(path, json={"body": "Acta\r\nfinal"}, headers=as_lead)
    assert response.status_code == 201, response.get_json()
    revision = response.get_json()
    assert revision["body"] == "Acta\nfinal" and revision["author_id"] == world["people"]["lead"].id
    # The same text again adds nothing: 200 with the current revision.
    same = client.post(path, json={"body": "Acta\nfinal"}, headers=as_lead)
    assert same.status_code == 200 and same.get_json()["id"] == revision["id"]

    listing = client.get(path, headers=as_lead).get_json()
    assert [r["body"] for r in listing["items"]] == ["Acta\nfinal", "Borrador"]  # newest first
    assert listing["total"] == 2 and listing["published_at"] is None
    assert client.get(f"{API}/{world['meeting']}", headers=as_lead).get_json()["minutes"] == "Acta\nfinal"
    page2 = client.get(f"{path}?per_page=1&page=2", headers=as_lead).get_json()
    assert [r["body"] for r in page2["items"]] == ["Borrador"]

    response = client.post(f"{path}/publish", headers=as_lead)
    assert response.status_code == 200
    assert response.get_json()["minutes_published_at"] is not None
    assert client.get(path, headers=as_lead).get_json()["published_at"] is not None
    # Published minutes are locked.
    response = client.post(path, json={"body": "Cambio tardío"}, headers=as_lead)
    assert response.status_code == 422 and "body" in error_fields(response)


def test_publishing_needs_minutes(client, world, as_lead):
    meeting = client.post(API, json=new_meeting_body(), headers=as_lead).get_json()
    response = client.post(f"{API}/{meeting['id']}/minutes/publish", headers=as_lead)
    assert response.status_code == 422 and "body" in error_fields(response)


@pytest.mark.parametrize("body,field", [
    ({"body": ""}, "body"), ({"body": "\n\n  "}, "body"), ({"body": 3}, "body"), ({}, "body"),
    ({"body": "x" * 50_001}, "body"), ({"body": "ok", "author_id": 1}, "author_id"),
])
def test_minutes_reject_bad_bodies(client, world, as_lead, body, field):
    response = client.post(f"{API}/{world['meeting']}/minutes", json=body, headers=as_lead)
    assert response.status_code == 422, response.get_json()
    assert field in error_fields(response)


# --- decisions and action items ------------------------------------------------------------

def test_decisions(client, world, as_lead):
    path = f"{API}/{world['meeting']}/decisions"
    response = client.post(path, json={"text": "Se aprueba la guía"}, headers=as_lead)
    assert response.status_code == 201
    decision = response.get_json()
    assert decision["text"] == "Se aprueba la guía" and decision["author_id"] == world["people"]["lead"].id
    listing = client.get(path, headers=auth(client, world["people"]["other"])).get_json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == decision["id"]
    for bad in ({"text": ""}, {"text": "x" * 2001}, {"text": None}, {}, {"text": "x", "extra": 1}):
        response = client.post(path, json=bad, headers=as_lead)
        assert response.status_code == 422, (bad, response.get_json())


def test_action_items(client, world, as_lead):
    path = f"{API}/{world['meeting']}/action-items"
    member = world["people"]["member"]
    response = client.post(path, json={"text": "Circular el acta", "assignee_id": member.id,
                                       "due_date": "2031-01-15"}, headers=as_lead)
    assert response.status_code == 201, response.get_json()
    item = response.get_json()
    assert item["assignee_id"] == member.id and item["assignee_name"] == member.name
    assert item["due_date"] == "2031-01-15" and item["done"] is False
    unassigned = client.post(path, json={"text": "Sin responsable"}, headers=as_lead).get_json()
    assert unassigned["assignee_id"] is None and unassigned["due_date"] is None

    response = client.patch(f"{path}/{item['id']}", json={"done": True}, headers=as_lead)
    assert response.status_code == 200 and response.get_json()["done"] is True
    listing = client.get(path, headers=as_lead).get_json()
    assert listing["total"] == 3
    assert [i["done"] for i in listing["items"]] == [False, True, False]


@pytest.mark.parametrize("body,field", [
    ({"text": "x", "assignee_id": 999_999}, "assignee_id"),
    ({"text": "x", "assignee_id": "3"}, "assignee_id"),
    ({"text": "x", "due_date": "15/01/2031"}, "due_date"),
    ({"text": "x", "due_date": "2031-01-15T10:00:00Z"}, "due_date"),
    ({"text": ""}, "text"),
    ({"text": "x", "done": True}, "done"),
])
def test_action_items_reject_bad_values(client, world, as_lead, body, field):
    response = client.post(f"{API}/{world['meeting']}/action-items", json=body, headers=as_lead)
    assert response.status_code == 422, response.get_json()
    assert field in error_fields(response)


@pytest.mark.parametrize("body", [{"done": "yes"}, {"done": 1}, {"done": None}, {}, {"done": True, "text": "x"}])
def test_action_item_done_must_be_a_boolean(client, world, as_lead, body):
    response = client.patch(f"{API}/{world['meeting']}/action-items/{world['item']}", json=body, headers=as_lead)
    assert response.status_code == 422, response.get_json()
    assert error_fields(response)


# --- listing -------------------------------------------------------------------------------

@pytest.fixture
def calendar(world):
    """Meetings in March 2031 across groups and statuses (besides the world's own, two hours ago)."""
    utc = timezone.utc
    made = {
        "a": factories.meeting("ethics", title="Consulta regional norte",
                               starts_at=datetime(2031, 3, 2, 16, tzinfo=utc)),
        "b": factories.meeting("ethics", title="Sesión de marzo", starts_at=datetime(2031, 3, 10, 5, tzinfo=utc)),
        "c": factories.meeting("governance", title="Consulta de gobierno",
                               starts_at=datetime(2031, 3, 10, 5, tzinfo=utc)),
        "d": factories.meeting("ethics", title="Cancelada", starts_at=datetime(2031, 3, 31, 23, 30, tzinfo=utc),
                               status="cancelled"),
        "e": factories.meeting("data", title="Abril", starts_at=datetime(2031, 4, 1, 0, 0, tzinfo=utc)),
    }
    db.session.commit()
    return {key: m.id for key, m in made.items()}


def ids(response) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def test_list_orders_by_start_then_id(client, world, calendar, as_lead):
    assert ids(client.get(API, headers=as_lead)) == [
        world["meeting"], calendar["a"], calendar["b"], calendar["c"], calendar["d"], calendar["e"]]


def test_list_items_carry_the_contract_fields(client, world, calendar, as_lead):
    body = client.get(API, headers=as_lead).get_json()
    assert set(body) == {"items", "page", "per_page", "total"}
    first = body["items"][0]
    assert set(first) >= {"id", "group", "title", "starts_at", "duration_minutes", "location", "agenda",
                          "minutes", "status", "version", "url", "ics_url"}
    assert first["minutes"] == "Borrador"
    assert body["items"][1]["minutes"] is None
    assert first["starts_at"].endswith("+00:00")


@pytest.mark.parametrize("query,expected", [
    ("group=ethics", ["world", "a", "b", "d"]),
    ("group=governance", ["c"]),
    ("status=cancelled", ["d"]),
    ("status=scheduled&group=data", ["e"]),
    ("q=consulta", ["a", "c"]),
    ("q=CONSULTA%20regional", ["a"]),
    ("q=%25", []),
    ("from=2031-03-01&to=2031-03-31", ["a", "b", "c", "d"]),
    ("from=2031-03-10&to=2031-03-10", ["b", "c"]),
    ("from=2031-03-10T05:00:00Z&to=2031-03-10T05:00:00Z", ["b", "c"]),
    ("from=2031-03-31T18:00:00-06:00", ["e"]),  # = 2031-04-01T00:00Z: inclusive
    ("to=2031-03-02T10:00:00-06:00", ["world", "a"]),
    ("from=2031-03-10T07:00:00%2B02:00&to=2031-03-10T07:00:00+02:00", ["b", "c"]),  # "+" unencoded: a space
    ("from=2031-03-02T10:00:01-06:00&to=2031-03-31", ["b", "c", "d"]),
    ("from=2031-04-02", []),
    ("unknown=1&group=data", ["e"]),  # unknown query parameters are ignored
])
def test_list_filters(client, world, calendar, as_lead, query, expected):
    names = {**calendar, "world": world["meeting"]}
    assert ids(client.get(f"{API}?{query}", headers=as_lead)) == [names[k] for k in expected]


@pytest.mark.parametrize("query,field", [
    ("from=2031-03-01T10:00:00", "from"),  # naive
    ("to=2031-13-01", "to"),
    ("from=ayer", "from"),
    ("from=9999-12-31", "from"),
    ("to=0001-01-01T00:00:00-05:00", "to"),
    ("status=postponed", "status"),
    ("group=nope", "group"),
    ("group=" + "x" * 41, "group"),
    ("q=" + "x" * 201, "q"),
    ("page=0", "page"),
    ("page=abc", "page"),
    ("per_page=0", "per_page"),
    ("per_page=-5", "per_page"),
])
def test_list_rejects_bad_filters(client, world, as_lead, query, field):
    response = client.get(f"{API}?{query}", headers=as_lead)
    assert response.status_code == 422, response.get_json()
    assert field in error_fields(response), response.get_json()


def test_list_pages(client, world, calendar, as_lead):
    everything = ids(client.get(API, headers=as_lead))
    response = client.get(f"{API}?per_page=2&page=2", headers=as_lead)
    body = response.get_json()
    assert body["page"] == 2 and body["per_page"] == 2 and body["total"] == 6
    assert ids(response) == everything[2:4]
    assert ids(client.get(f"{API}?per_page=2&page=4", headers=as_lead)) == []
    clamped = client.get(f"{API}?per_page=1000", headers=as_lead).get_json()
    assert clamped["per_page"] == 100 and len(clamped["items"]) == 6


def test_list_reads_many_meetings_in_few_queries(client, world, as_lead):
    for n in range(30):
        m = factories.meeting("ethics")
        db.session.add(MinutesRevision(meeting_id=m.id, body=f"Acta {n}"))
    db.session.commit()
    statements = []

    def count(*args, **kwargs):
        statements.append(1)
    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(f"{API}?per_page=100", headers=as_lead)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200 and len(response.get_json()["items"]) == 31
    assert len(statements) <= 10, len(statements)


# --- no 500, whatever comes in -------------------------------------------------------------

@pytest.mark.parametrize("body", [
    {"group": {"slug": "ethics"}}, {"group": ["ethics"]}, {"title": {"$ne": 1}}, {"starts_at": []},
    {"starts_at": "2031-02-30T10:00:00Z"}, {"starts_at": "2031-03-04T25:00:00Z"},
    {"starts_at": "2031-03-04T10:00:00+25:00"}, {"duration_minutes": -(2**70)}, {"location": None},
    {"": 1}, {"title": "ok" * 10, "agenda": "a" * 50_001},
])
def test_strange_create_bodies_are_422(client, world, as_lead, body):
    response = client.post(API, json=new_meeting_body(**body) if "" not in body else body, headers=as_lead)
    assert response.status_code == 422, response.get_json()
    error_fields(response)


@pytest.mark.parametrize("path", [
    "/0", "/-1", "/abc", "/1.5", "/99999999999999999999999/minutes", "/1/action-items/abc",
    "/1/action-items/99999999999999999999", "/1.ics",
])
def test_odd_paths_are_404_not_500(client, world, as_lead, path):
    for method in ("GET", "PATCH", "POST", "PUT"):
        response = client.open(API + path, method=method, json={}, headers=as_lead)
        assert response.status_code in (404, 405), (method, path, response.status_code)
        error_fields(response)


def test_wrong_method_is_405(client, world, as_lead):
    response = client.put(f"{API}/{world['meeting']}", headers=as_lead)
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


# --- the OpenAPI document ------------------------------------------------------------------

EXPECTED_OPERATIONS = {
    "/api/v1/meetings": {"get", "post"},
    "/api/v1/meetings/{meeting_id}": {"get", "patch", "delete"},
    "/api/v1/meetings/{meeting_id}/cancel": {"post"},
    "/api/v1/meetings/{meeting_id}/held": {"post"},
    "/api/v1/meetings/{meeting_id}/attendance": {"get", "put"},
    "/api/v1/meetings/{meeting_id}/invitees": {"post"},
    "/api/v1/meetings/{meeting_id}/minutes": {"get", "post"},
    "/api/v1/meetings/{meeting_id}/minutes/publish": {"post"},
    "/api/v1/meetings/{meeting_id}/decisions": {"get", "post"},
    "/api/v1/meetings/{meeting_id}/action-items": {"get", "post"},
    "/api/v1/meetings/{meeting_id}/action-items/{item_id}": {"patch"},
}


def test_openapi_documents_every_meetings_operation(client):
    document = client.get("/api/openapi.json").get_json()
    paths = {p: ops for p, ops in document["paths"].items() if p.startswith("/api/v1/meetings")}
    assert {p: {m for m in ops if m != "parameters"} for p, ops in paths.items()} == EXPECTED_OPERATIONS
    for path, operations in paths.items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            where = f"{method.upper()} {path}"
            assert operation.get("summary"), where
            responses = operation["responses"]
            assert "401" in responses, where
            success = [code for code in responses if code.startswith("2")]
            assert success, where
            if "{meeting_id}" in path:
                assert "404" in responses, where
            if method in ("post", "patch", "put"):
                assert {"415", "422"} <= set(responses), where
            if method in ("post", "patch", "put") and not path.endswith(("/cancel", "/held", "/publish")):
                assert "requestBody" in operation, where
            for code, response in responses.items():
                if code == "default":
                    assert response["$ref"].endswith("/DEFAULT_ERROR"), where
                elif not code.startswith("2"):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema["$ref"].endswith("/Error"), (where, code)
            if method in ("post", "patch", "put") and path != "/api/v1/meetings":
                assert "403" in responses, where
    assert "409" in paths["/api/v1/meetings/{meeting_id}"]["patch"]["responses"]
    names = [p["name"] for p in paths["/api/v1/meetings"]["get"]["parameters"]]
    assert {"page", "per_page", "group", "status", "from", "to", "q"} <= set(names)
    schemas = document["components"]["schemas"]
    meeting = schemas["Meeting"]["properties"]
    assert {"id", "group", "title", "starts_at", "duration_minutes", "location", "agenda", "minutes", "status",
            "version", "ends_at", "organiser_id", "minutes_published_at", "ical_uid", "ical_sequence", "url",
            "ics_url"} <= set(meeting)
    assert meeting["starts_at"].get("example")
    create = schemas["MeetingCreate"]
    assert {"group", "title", "starts_at"} <= set(create["required"])
    assert create["properties"]["duration_minutes"]["minimum"] == 1
    assert create["properties"]["duration_minutes"]["maximum"] == 1440
    assert create["properties"]["title"]["maxLength"] == 200
    assert "version" in schemas["MeetingPatch"]["required"]
