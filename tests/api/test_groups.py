"""The working-groups API: groups with progress, their members and their lead institutions."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from coalition.audit.models import AuditEntry
from coalition.extensions import db
from coalition.groups.models import GroupMembership
from tests import factories
from tests.api.conftest import assert_error

SLUGS = ["ethics", "governance", "research", "skills", "data", "abroad"]
ROLES = ["anonymous", "member", "other", "lead", "coordinator", "admin"]


@pytest.fixture
def world(app):
    uno = factories.institution(name="Universidad Uno", acronym="UNO")
    dos = factories.institution(name="Empresa Dos", acronym="DOS", sector="industry")
    people = {
        "admin": factories.user("admin", name="Ana Admin"),
        "coordinator": factories.user("coordinator", name="Cora Coordinadora"),
        "lead": factories.user(name="Lalo Líder", groups={"ethics": "lead"}, institution_id=uno.id),
        "member": factories.user(name="Mario Miembro", groups={"ethics": "member"}, institution_id=dos.id),
        "other": factories.user(name="Olga Otra", groups={"governance": "member"}),
        "newcomer": factories.user(name="Nora Nueva"),
    }
    db.session.commit()
    return {**people, "uno": uno, "dos": dos}


def memberships(slug):
    db.session.expire_all()
    return dict(db.session.execute(
        sa.select(GroupMembership.user_id, GroupMembership.role)
        .where(GroupMembership.group_id == factories.group(slug).id)).all())


# --- GET /api/v1/working-groups ---------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_every_member_lists_the_six_groups_anonymous_gets_401(call, role):
    response = call(role, "GET", "/api/v1/working-groups")
    if role == "anonymous":
        assert_error(response, 401)
        assert response.headers["WWW-Authenticate"] == "Bearer"
        return
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"items", "page", "per_page", "total"}
    assert (body["page"], body["total"]) == (1, 6)
    assert [g["slug"] for g in body["items"]] == SLUGS
    expected_keys = {"slug", "name", "name_en", "name_es", "description", "progress", "deliverables", "members",
                     "lead_institution_ids", "lead_institutions", "my_role", "url"}
    assert all(set(g) == expected_keys for g in body["items"])
    ethics = body["items"][0]
    assert ethics["my_role"] == {"lead": "lead", "member": "member"}.get(role)


def test_group_figures_names_and_lead_institutions(call, world):
    owner = world["member"]
    factories.deliverable("ethics", owner=owner, progress=20)
    factories.deliverable("ethics", owner=owner, progress=60)
    factories.group("ethics").lead_institutions = [world["uno"]]
    db.session.commit()
    items = {g["slug"]: g for g in call("member", "GET", "/api/v1/working-groups").get_json()["items"]}
    ethics = items["ethics"]
    assert (ethics["progress"], ethics["deliverables"], ethics["members"]) == (40, 2, 2)
    assert ethics["lead_institution_ids"] == [world["uno"].id]
    assert ethics["lead_institutions"] == [{"id": world["uno"].id, "name": "Universidad Uno", "acronym": "UNO"}]
    # Spanish first (the member's language), English on request.
    assert (ethics["name"], ethics["name_en"], ethics["name_es"]) == ("Ética de la IA", "AI Ethics", "Ética de la IA")
    assert items["abroad"]["name"] == "Mexicanos en el Exterior"
    english = call("member", "GET", "/api/v1/working-groups/ethics?lang=en").get_json()
    assert english["name"] == "AI Ethics"
    assert (items["data"]["progress"], items["data"]["deliverables"], items["data"]["members"]) == (0, 0, 0)
    assert ethics["url"].endswith("/groups/ethics")


def test_group_list_pagination(call):
    body = call("member", "GET", "/api/v1/working-groups?per_page=1000").get_json()
    assert body["per_page"] == 100 and len(body["items"]) == 6
    body = call("member", "GET", "/api/v1/working-groups?per_page=2&page=2").get_json()
    assert [g["slug"] for g in body["items"]] == ["research", "skills"] and body["total"] == 6
    assert call("member", "GET", "/api/v1/working-groups?page=9").get_json()["items"] == []
    assert_error(call("member", "GET", "/api/v1/working-groups?page=0"), 422, "page")
    assert_error(call("member", "GET", "/api/v1/working-groups?per_page=abc"), 422, "per_page")
    # Anonymous with a malformed query: still 401, not 422.
    assert_error(call("anonymous", "GET", "/api/v1/working-groups?page=0"), 401)


# --- GET /api/v1/working-groups/<slug> --------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_one_group_for_every_member(call, role):
    response = call(role, "GET", "/api/v1/working-groups/governance")
    if role == "anonymous":
        assert_error(response, 401)
        return
    assert response.status_code == 200
    body = response.get_json()
    assert body["slug"] == "governance" and body["name_es"] == "Gobernanza, Gobierno y Servicios Públicos"
    assert body["my_role"] == ("member" if role == "other" else None)


@pytest.mark.parametrize("slug", ["nope", "x" * 500, "%00", "ETHICS", "%F0%9F%A6%99", "1"])
def test_unknown_groups_are_404(call, slug):
    assert_error(call("coordinator", "GET", f"/api/v1/working-groups/{slug}"), 404)
    assert_error(call("coordinator", "GET", f"/api/v1/working-groups/{slug}/members"), 404)


# --- members ----------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_every_member_reads_a_groups_members(call, world, role):
    response = call(role, "GET", "/api/v1/working-groups/ethics/members")
    if role == "anonymous":
        assert_error(response, 401)
        return
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 2
    lead, member = body["items"]
    assert (lead["user_id"], lead["role"], lead["name"]) == (world["lead"].id, "lead", "Lalo Líder")
    assert (lead["institution_id"], lead["institution_name"], lead["institution_acronym"]) == \
        (world["uno"].id, "Universidad Uno", "UNO")
    assert (member["user_id"], member["role"], member["institution_acronym"]) == (world["member"].id, "member", "DOS")
    assert set(member) == {"id", "user_id", "name", "institution_id", "institution_name", "institution_acronym",
                           "role", "since"}


def test_members_filter_and_pagination(call, world):
    body = call("member", "GET", "/api/v1/working-groups/ethics/members?role=lead").get_json()
    assert [m["user_id"] for m in body["items"]] == [world["lead"].id] and body["total"] == 1
    body = call("member", "GET", "/api/v1/working-groups/ethics/members?per_page=1&page=2").get_json()
    assert [m["user_id"] for m in body["items"]] == [world["member"].id] and body["total"] == 2
    assert call("member", "GET", "/api/v1/working-groups/ethics/members?per_page=1000").get_json()["per_page"] == 100
    assert_error(call("member", "GET", "/api/v1/working-groups/ethics/members?role=boss"), 422, "role")
    assert_error(call("member", "GET", "/api/v1/working-groups/ethics/members?page=0"), 422, "page")


ADD_RULES = {"anonymous": 401, "member": 403, "other": 403, "lead": 201, "coordinator": 201, "admin": 201}


@pytest.mark.parametrize("role", ROLES)
def test_adding_a_member_follows_the_roles_table(call, world, role):
    newcomer = world["newcomer"].id
    response = call(role, "POST", "/api/v1/working-groups/ethics/members",
                    json={"user_id": newcomer, "role": "member"})
    if ADD_RULES[role] != 201:
        assert_error(response, ADD_RULES[role])
        assert newcomer not in memberships("ethics")
        return
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["user_id"], body["role"], body["name"]) == (newcomer, "member", "Nora Nueva")
    assert memberships("ethics")[newcomer] == "member"
    db.session.expire_all()
    assert db.session.scalar(sa.select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(1)) == "membership.add"


def test_a_lead_manages_only_their_own_group(call, world):
    response = call("lead", "POST", "/api/v1/working-groups/governance/members",
                    json={"user_id": world["newcomer"].id})
    assert_error(response, 403)
    membership_id = db.session.scalar(sa.select(GroupMembership.id).where(
        GroupMembership.user_id == world["other"].id))
    assert_error(call("lead", "DELETE", f"/api/v1/working-groups/governance/members/{membership_id}"), 403)
    # Refused before the body is read: no 422 for someone who may not do it at all.
    assert_error(call("member", "POST", "/api/v1/working-groups/ethics/members", json={"user_id": "x"}), 403)
    assert_error(call("anonymous", "POST", "/api/v1/working-groups/ethics/members", json={"nope": 1}), 401)


def test_adding_someone_already_in_the_group_changes_their_role(call, world):
    response = call("lead", "POST", "/api/v1/working-groups/ethics/members",
                    json={"user_id": world["member"].id, "role": "lead"})
    assert response.status_code == 200
    assert response.get_json()["role"] == "lead"
    assert memberships("ethics")[world["member"].id] == "lead"
    # The default role is member.
    response = call("coordinator", "POST", "/api/v1/working-groups/data/members",
                    json={"user_id": world["newcomer"].id})
    assert response.status_code == 201 and response.get_json()["role"] == "member"


@pytest.mark.parametrize("body,field", [
    ({}, "user_id"),
    ({"user_id": "5"}, "user_id"),
    ({"user_id": 5.5}, "user_id"),
    ({"user_id": True}, "user_id"),
    ({"user_id": None}, "user_id"),
    ({"user_id": 999999}, "user_id"),
    ({"user_id": 2**31}, "user_id"),
    ({"user_id": 10**40}, "user_id"),
    ({"user_id": -1}, "user_id"),
    ({"user_id": "__ME__", "role": "boss"}, "role"),
    ({"user_id": "__ME__", "role": None}, "role"),
    ({"user_id": "__ME__", "admin": True}, "admin"),
    ({"user_id": "__ME__", "since": "2020-01-01"}, "since"),
])
def test_bad_member_bodies_are_422_naming_the_field(call, world, body, field):
    body = {k: (world["newcomer"].id if v == "__ME__" else v) for k, v in body.items()}
    response = call("coordinator", "POST", "/api/v1/working-groups/ethics/members", json=body)
    assert_error(response, 422, field)


def test_deactivated_people_cannot_be_added(call, world):
    world["newcomer"].active = False
    db.session.commit()
    response = call("coordinator", "POST", "/api/v1/working-groups/ethics/members",
                    json={"user_id": world["newcomer"].id})
    assert_error(response, 422, "user_id")


def test_member_bodies_must_be_json(call):
    response = call("coordinator", "POST", "/api/v1/working-groups/ethics/members", data="user_id=1",
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_error(response, 415)
    response = call("coordinator", "POST", "/api/v1/working-groups/ethics/members", data="{not json",
                    headers={"Content-Type": "application/json"})
    assert response.status_code in (400, 422)
    assert "error" in response.get_json()


REMOVE_RULES = {"anonymous": 401, "member": 403, "other": 403, "lead": 204, "coordinator": 204, "admin": 204}


@pytest.mark.parametrize("role", ROLES)
def test_removing_a_member_follows_the_roles_table(call, world, role):
    membership_id = db.session.scalar(sa.select(GroupMembership.id).where(
        GroupMembership.user_id == world["member"].id))
    response = call(role, "DELETE", f"/api/v1/working-groups/ethics/members/{membership_id}")
    if REMOVE_RULES[role] != 204:
        assert_error(response, REMOVE_RULES[role])
        assert world["member"].id in memberships("ethics")
        return
    assert response.status_code == 204 and response.data == b""
    assert world["member"].id not in memberships("ethics")


@pytest.mark.parametrize("membership_id", ["0", "999999", "2147483648", "99999999999999999999"])
def test_removing_an_unknown_membership_is_404(call, membership_id):
    assert_error(call("coordinator", "DELETE", f"/api/v1/working-groups/ethics/members/{membership_id}"), 404)


def test_a_membership_is_removed_only_through_its_own_group(call, world):
    membership_id = db.session.scalar(sa.select(GroupMembership.id).where(
        GroupMembership.user_id == world["other"].id))
    assert_error(call("coordinator", "DELETE", f"/api/v1/working-groups/ethics/members/{membership_id}"), 404)
    assert_error(call("coordinator", "DELETE", f"/api/v1/working-groups/nope/members/{membership_id}"), 404)
    assert world["other"].id in memberships("governance")


# --- lead institutions ------------------------------------------------------------------------

LEAD_RULES = {"anonymous": 401, "member": 403, "other": 403, "lead": 403, "coordinator": 200, "admin": 200}


@pytest.mark.parametrize("role", ROLES)
def test_setting_lead_institutions_is_for_coordinators(call, world, role):
    ids = [world["uno"].id, world["dos"].id]
    response = call(role, "PUT", "/api/v1/working-groups/ethics/lead-institutions", json={"institution_ids": ids})
    db.session.expire_all()
    current = sorted(i.id for i in factories.group("ethics").lead_institutions)
    if LEAD_RULES[role] != 200:
        assert_error(response, LEAD_RULES[role])
        assert current == []
        return
    assert response.status_code == 200
    assert sorted(response.get_json()["lead_institution_ids"]) == sorted(ids) == current
    # An empty list clears them.
    response = call(role, "PUT", "/api/v1/working-groups/ethics/lead-institutions", json={"institution_ids": []})
    assert response.status_code == 200 and response.get_json()["lead_institution_ids"] == []


@pytest.mark.parametrize("body,field", [
    ({}, "institution_ids"),
    ({"institution_ids": None}, "institution_ids"),
    ({"institution_ids": "1"}, "institution_ids"),
    ({"institution_ids": ["1"]}, "institution_ids.0"),
    ({"institution_ids": [999999]}, "institution_ids"),
    ({"institution_ids": [2**31]}, "institution_ids.0"),
    ({"institution_ids": [0]}, "institution_ids.0"),
    ({"institution_ids": list(range(1, 300))}, "institution_ids"),
    ({"institution_ids": [], "group": "data"}, "group"),
])
def test_bad_lead_institution_bodies_are_422(call, body, field):
    response = call("coordinator", "PUT", "/api/v1/working-groups/ethics/lead-institutions", json=body)
    assert_error(response, 422, field)


def test_lead_institutions_of_an_unknown_group_are_404(call, world):
    assert_error(call("coordinator", "PUT", "/api/v1/working-groups/nope/lead-institutions",
                      json={"institution_ids": [world["uno"].id]}), 404)


# --- the OpenAPI document ---------------------------------------------------------------------

def test_openapi_documents_the_group_endpoints(client):
    spec = client.get("/api/openapi.json").get_json()
    paths = spec["paths"]
    expected = {
        ("/api/v1/working-groups", "get"): {"200", "401", "422"},
        ("/api/v1/working-groups/{slug}", "get"): {"200", "401", "404"},
        ("/api/v1/working-groups/{slug}/members", "get"): {"200", "401", "404", "422"},
        ("/api/v1/working-groups/{slug}/members", "post"): {"200", "201", "400", "401", "403", "404", "415", "422"},
        ("/api/v1/working-groups/{slug}/members/{membership_id}", "delete"): {"204", "401", "403", "404"},
        ("/api/v1/working-groups/{slug}/lead-institutions", "put"): {"200", "400", "401", "403", "404", "415",
                                                                      "422"},
    }
    for (path, method), codes in expected.items():
        operation = paths[path][method]
        assert codes <= set(operation["responses"]), (path, method)
        assert operation["summary"]
    post = paths["/api/v1/working-groups/{slug}/members"]["post"]
    assert "requestBody" in post
    schemas = spec["components"]["schemas"]
    assert schemas["Group"]["properties"]["slug"]["example"] == "ethics"
    assert schemas["MembershipCreate"]["properties"]["user_id"]["example"] == 4
    slug = next(p for p in paths["/api/v1/working-groups/{slug}"]["parameters"] if p["name"] == "slug")
    assert slug["in"] == "path" and "ethics" in slug["schema"]["enum"]
