"""The institutions API: search, read, create and edit member institutions."""
from __future__ import annotations

from urllib.parse import quote

import pytest
import sqlalchemy as sa

from coalition.audit.models import AuditEntry
from coalition.extensions import db
from coalition.institutions.models import Institution
from tests import factories
from tests.api.conftest import assert_error

ROLES = ["anonymous", "member", "other", "lead", "coordinator", "admin"]
MANAGE = {"anonymous": 401, "member": 403, "other": 403, "lead": 403, "coordinator": None, "admin": None}


@pytest.fixture
def world(app):
    unam = factories.institution(name="Universidad Nacional Autónoma de México", acronym="UNAM",
                                 sector="academia", state="CMX")
    itesm = factories.institution(name="Tecnológico de Monterrey", acronym="ITESM", sector="academia", state="NLE")
    acme = factories.institution(name="Acme 100% Datos", acronym="ACME_MX", sector="industry", state="JAL")
    ong = factories.institution(name="Datos Abiertos A.C.", acronym="DAAC", sector="civil_society", state="OAX",
                                active=False)
    oecd = factories.institution(name="Organisation for Economic Co-operation", acronym="OECD",
                                 sector="international", state="abroad", country="France")
    people = {
        "admin": factories.user("admin"),
        "coordinator": factories.user("coordinator"),
        "lead": factories.user(groups={"ethics": "lead"}, institution_id=unam.id),
        "member": factories.user(groups={"ethics": "member"}),
        "other": factories.user(groups={"governance": "member"}),
    }
    db.session.commit()
    return {**people, "unam": unam, "itesm": itesm, "acme": acme, "ong": ong, "oecd": oecd}


def names(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return [i["name"] for i in response.get_json()["items"]]


# --- GET /api/v1/institutions -----------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_every_member_lists_institutions(call, role):
    response = call(role, "GET", "/api/v1/institutions")
    if role == "anonymous":
        assert_error(response, 401)
        return
    body = response.get_json()
    assert set(body) == {"items", "page", "per_page", "total"}
    assert body["total"] == 5 and body["page"] == 1
    assert [i["name"] for i in body["items"]] == sorted(i["name"] for i in body["items"])
    first = body["items"][0]
    assert set(first) == {"id", "name", "acronym", "sector", "sector_name", "state", "state_name", "country",
                          "website", "joined_on", "active", "description", "url", "listed"}


def test_institution_fields(call, world):
    body = call("member", "GET", f"/api/v1/institutions/{world['unam'].id}").get_json()
    assert body["name"] == "Universidad Nacional Autónoma de México" and body["acronym"] == "UNAM"
    assert (body["sector"], body["state"], body["state_name"]) == ("academia", "CMX", "Ciudad de México")
    assert body["joined_on"] == "2020-01-01" and body["active"] is True and body["country"] is None
    assert body["url"].endswith(f"/institutions/{world['unam'].id}")
    abroad = call("member", "GET", f"/api/v1/institutions/{world['oecd'].id}?lang=en").get_json()
    assert (abroad["state"], abroad["state_name"], abroad["country"]) == ("abroad", "Abroad", "France")
    assert abroad["sector_name"] == "International cooperation"


@pytest.mark.parametrize("q,expected", [
    ("unam", ["Universidad Nacional Autónoma de México"]),
    ("autónoma", ["Universidad Nacional Autónoma de México"]),
    ("Tecnológico", ["Tecnológico de Monterrey"]),
    ("%", ["Acme 100% Datos"]),
    ("100%", ["Acme 100% Datos"]),
    ("_", ["Acme 100% Datos"]),
    ("ACME_", ["Acme 100% Datos"]),
    ("datos", ["Acme 100% Datos", "Datos Abiertos A.C."]),
    ("  datos  ", ["Acme 100% Datos", "Datos Abiertos A.C."]),
    ("'; DROP TABLE institutions; --", []),
    ("\" OR 1=1 --", []),
    ("<script>alert(1)</script>", []),
    ("ñandú 🦙", []),
    ("\\", []),
    ("", ["Acme 100% Datos", "Datos Abiertos A.C.", "Organisation for Economic Co-operation",
          "Tecnológico de Monterrey", "Universidad Nacional Autónoma de México"]),
])
def test_search_by_name_or_acronym(call, q, expected):
    assert names(call("member", "GET", f"/api/v1/institutions?q={quote(q)}")) == expected
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Institution)) == 5


def test_filters_by_sector_state_and_active(call):
    assert names(call("member", "GET", "/api/v1/institutions?sector=academia")) == [
        "Tecnológico de Monterrey", "Universidad Nacional Autónoma de México"]
    assert names(call("member", "GET", "/api/v1/institutions?state=NLE")) == ["Tecnológico de Monterrey"]
    assert names(call("member", "GET", "/api/v1/institutions?state=abroad")) == [
        "Organisation for Economic Co-operation"]
    assert names(call("member", "GET", "/api/v1/institutions?sector=academia&state=JAL")) == []
    assert names(call("member", "GET", "/api/v1/institutions?active=false")) == ["Datos Abiertos A.C."]
    assert len(names(call("member", "GET", "/api/v1/institutions?active=true"))) == 4
    assert names(call("member", "GET", "/api/v1/institutions?q=datos&sector=industry")) == ["Acme 100% Datos"]


@pytest.mark.parametrize("query,field", [
    ("sector=farming", "sector"), ("sector=%27", "sector"), ("state=XX", "state"), ("state=%3Cx%3E", "state"),
    ("state=cmx", "state"), ("active=maybe", "active"), ("q=" + "a" * 101, "q"),
    ("page=0", "page"), ("page=-1", "page"), ("page=abc", "page"), ("page=99999999999999999999", "page"),
    ("per_page=0", "per_page"), ("per_page=1e9", "per_page"),
])
def test_bad_filters_are_422_naming_them(call, query, field):
    assert_error(call("member", "GET", f"/api/v1/institutions?{query}"), 422, field)


def test_pagination_is_clamped_to_100(call):
    for n in range(101):
        factories.institution(name=f"Institución masiva {n:03d}")
    db.session.commit()
    body = call("member", "GET", "/api/v1/institutions?per_page=1000").get_json()
    assert body["per_page"] == 100 and len(body["items"]) == 100 and body["total"] == 106
    body = call("member", "GET", "/api/v1/institutions?per_page=100&page=2").get_json()
    assert len(body["items"]) == 6 and body["page"] == 2
    body = call("member", "GET", "/api/v1/institutions?per_page=10&page=3&q=masiva").get_json()
    assert body["items"][0]["name"] == "Institución masiva 020" and body["total"] == 101
    body = call("member", "GET", "/api/v1/institutions?page=1000000").get_json()
    assert body["items"] == [] and body["total"] == 106


# --- GET /api/v1/institutions/<id> ------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_every_member_reads_an_institution(call, world, role):
    response = call(role, "GET", f"/api/v1/institutions/{world['itesm'].id}")
    if role == "anonymous":
        assert_error(response, 401)
        return
    assert response.status_code == 200 and response.get_json()["acronym"] == "ITESM"


@pytest.mark.parametrize("institution_id", ["0", "999999", "2147483648", "99999999999999999999", "abc", "-1"])
def test_unknown_institutions_are_404(call, institution_id):
    assert_error(call("coordinator", "GET", f"/api/v1/institutions/{institution_id}"), 404)
    assert_error(call("coordinator", "PATCH", f"/api/v1/institutions/{institution_id}", json={"active": False}),
                 404)


# --- POST /api/v1/institutions ----------------------------------------------------------------

NEW = {"name": "Centro de Investigación en IA", "acronym": "CIIA", "sector": "academia", "state": "YUC",
       "website": "https://ciia.example.mx", "joined_on": "2026-01-15", "description": "Centro público."}


@pytest.mark.parametrize("role", ROLES)
def test_creating_institutions_is_for_coordinators(call, role):
    response = call(role, "POST", "/api/v1/institutions", json=NEW)
    db.session.expire_all()
    created = db.session.scalar(sa.select(Institution).where(Institution.name == NEW["name"]))
    if MANAGE[role]:
        assert_error(response, MANAGE[role])
        assert created is None
        return
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["id"] == created.id
    assert (body["name"], body["state_name"], body["joined_on"], body["active"]) == \
        (NEW["name"], "Yucatán", "2026-01-15", True)
    assert db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.subject_id == created.id,
                                                                AuditEntry.subject_type == "institutions")) \
        == "institution.create"
    assert NEW["name"] in names(call(role, "GET", "/api/v1/institutions?q=investigación"))


def test_refused_before_the_body_is_read(call):
    assert_error(call("member", "POST", "/api/v1/institutions", json={"bogus": 1}), 403)
    assert_error(call("anonymous", "POST", "/api/v1/institutions", json={"bogus": 1}), 401)
    assert_error(call("lead", "PATCH", "/api/v1/institutions/1", json={"name": 5}), 403)


def test_minimal_institution_and_abroad(call):
    response = call("coordinator", "POST", "/api/v1/institutions",
                    json={"name": "  Red   Mínima  ", "sector": "government", "state": "abroad", "country": "Chile"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["name"], body["country"], body["acronym"], body["description"]) == ("Red Mínima", "Chile", None, "")
    assert body["joined_on"] == factories.today().isoformat()


@pytest.mark.parametrize("changes,field", [
    ({"name": None}, "name"),
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"name": 5}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"name": "tecnológico de monterrey"}, "name"),
    ({"acronym": "A" * 31}, "acronym"),
    ({"sector": "farming"}, "sector"),
    ({"sector": None}, "sector"),
    ({"state": "XX"}, "state"),
    ({"state": "abroad"}, "country"),
    ({"website": "javascript:alert(1)"}, "website"),
    ({"website": "ciia.example.mx"}, "website"),
    ({"website": "https://[abc"}, "website"),
    ({"website": "http://[::1"}, "website"),
    ({"website": "https://" + "a" * 300}, "website"),
    ({"joined_on": "2026-02-30"}, "joined_on"),
    ({"joined_on": 20260101}, "joined_on"),
    ({"active": "yes please"}, "active"),
    ({"description": "x" * 20001}, "description"),
    ({"members": 30}, "members"),
    ({"id": 1}, "id"),
])
def test_bad_institution_bodies_are_422_naming_the_field(call, changes, field):
    response = call("coordinator", "POST", "/api/v1/institutions", json={**NEW, **changes})
    assert_error(response, 422, field)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Institution)) == 5


def test_missing_required_fields_are_named(call):
    error = assert_error(call("coordinator", "POST", "/api/v1/institutions", json={}), 422, "name", "sector", "state")
    assert set(error["fields"]) == {"name", "sector", "state"}


def test_non_json_bodies_are_refused(call):
    assert_error(call("coordinator", "POST", "/api/v1/institutions", data="name=x",
                      headers={"Content-Type": "application/x-www-form-urlencoded"}), 415)
    response = call("coordinator", "POST", "/api/v1/institutions", data="[1, 2",
                    headers={"Content-Type": "application/json"})
    assert response.status_code in (400, 422) and "error" in response.get_json()
    assert_error(call("coordinator", "POST", "/api/v1/institutions", json=[NEW]), 422)


# --- PATCH /api/v1/institutions/<id> ----------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_editing_institutions_is_for_coordinators(call, world, role):
    response = call(role, "PATCH", f"/api/v1/institutions/{world['itesm'].id}",
                    json={"acronym": "TEC", "active": False})
    db.session.expire_all()
    itesm = db.session.get(Institution, world["itesm"].id)
    if MANAGE[role]:
        assert_error(response, MANAGE[role])
        assert (itesm.acronym, itesm.active) == ("ITESM", True)
        return
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["acronym"], response.get_json()["active"]) == ("TEC", False)
    assert (itesm.acronym, itesm.active, itesm.name) == ("TEC", False, "Tecnológico de Monterrey")
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "institution.edit"))
    assert entry.changes["acronym"] == ["ITESM", "TEC"]


def test_patch_changes_only_what_is_sent(call, world):
    oecd = world["oecd"].id
    response = call("coordinator", "PATCH", f"/api/v1/institutions/{oecd}", json={"state": "CMX"})
    assert response.status_code == 200
    assert (response.get_json()["state"], response.get_json()["country"]) == ("CMX", None)
    response = call("coordinator", "PATCH", f"/api/v1/institutions/{oecd}", json={})
    assert response.status_code == 200 and response.get_json()["name"] == "Organisation for Economic Co-operation"
    response = call("coordinator", "PATCH", f"/api/v1/institutions/{oecd}", json={"website": None})
    assert response.status_code == 200 and response.get_json()["website"] is None


@pytest.mark.parametrize("changes,field", [
    ({"name": "Tecnológico de Monterrey"}, "name"),
    ({"name": ""}, "name"),
    ({"state": "abroad"}, "country"),
    ({"sector": "farming"}, "sector"),
    ({"active": None}, "active"),
    ({"joined_on": None}, "joined_on"),
    ({"color": "red"}, "color"),
])
def test_bad_patches_are_422(call, world, changes, field):
    assert_error(call("coordinator", "PATCH", f"/api/v1/institutions/{world['unam'].id}", json=changes), 422, field)


def test_openapi_documents_the_institution_endpoints(client):
    spec = client.get("/api/openapi.json").get_json()
    paths = spec["paths"]
    assert {"200", "401", "422"} <= set(paths["/api/v1/institutions"]["get"]["responses"])
    assert {"201", "400", "401", "403", "415", "422"} <= set(paths["/api/v1/institutions"]["post"]["responses"])
    one = paths["/api/v1/institutions/{institution_id}"]
    assert {"200", "401", "404"} <= set(one["get"]["responses"])
    assert {"200", "400", "401", "403", "404", "415", "422"} <= set(one["patch"]["responses"])
    params = {p["name"] for p in paths["/api/v1/institutions"]["get"]["parameters"]}
    assert {"q", "sector", "state", "active", "page", "per_page"} <= params
    create = spec["components"]["schemas"]["InstitutionCreate"]
    assert set(create["required"]) == {"name", "sector", "state"}
    assert create["properties"]["name"]["maxLength"] == 200 and create["properties"]["acronym"]["maxLength"] == 30
    assert "academia" in create["properties"]["sector"]["enum"] and "abroad" in create["properties"]["state"]["enum"]
