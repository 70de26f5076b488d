"""The people API: the directory coordinators, admins and leads use; anyone reads themselves."""
from __future__ import annotations

from contextlib import contextmanager
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from coalition.auth.models import User
from coalition.errors import NotAuthenticated, PermissionDenied, ValidationError
from coalition.extensions import db
from coalition.groups import services
from tests import factories
from tests.api.conftest import assert_error

ROLES = ["anonymous", "member", "other", "lead", "coordinator", "admin"]
LIST = {"anonymous": 401, "member": 403, "other": 403, "lead": 200, "coordinator": 200, "admin": 200}


@pytest.fixture
def world(app):
    uno = factories.institution(name="Universidad Uno", acronym="UNO")
    people = {
        "admin": factories.user("admin", name="Ana Admin", email="ana@example.org"),
        "coordinator": factories.user("coordinator", name="Cora Coordinadora", email="cora@example.org"),
        "lead": factories.user(name="Lalo Líder", email="lalo@example.org", institution_id=uno.id,
                               groups={"ethics": "lead", "data": "member"}),
        "member": factories.user(name="Mario Miembro", email="mario@example.org", institution_id=uno.id,
                                 groups={"ethics": "member"}),
        "other": factories.user(name="Olga Otra", email="olga@example.org", groups={"governance": "member"}),
        "odd": factories.user(name="Pat 100%_Raro", email="pat_raro@example.org"),
        "ñ": factories.user(name="Íñigo Ñandú", email="inigo@example.org", active=False),
    }
    db.session.commit()
    return {**people, "uno": uno}


def listed(call, query="", role="coordinator") -> list[str]:
    response = call(role, "GET", f"/api/v1/people?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return [p["name"] for p in response.get_json()["items"]]


@contextmanager
def count_queries():
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


# --- GET /api/v1/people -----------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_listing_people_is_for_coordinators_admins_and_leads(call, world, role):
    response = call(role, "GET", "/api/v1/people")
    if LIST[role] != 200:
        assert_error(response, LIST[role])
        return
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"items", "page", "per_page", "total"} and body["total"] == 7
    by_name = {p["name"]: p for p in body["items"]}
    assert list(by_name) == sorted(by_name)
    lead = by_name["Lalo Líder"]
    assert lead == {"id": world["lead"].id, "name": "Lalo Líder", "email": "lalo@example.org",
                    "institution_id": world["uno"].id, "institution_name": "Universidad Uno", "role": "member",
                    "active": True, "groups": [{"slug": "ethics", "role": "lead"}, {"slug": "data", "role": "member"}]}
    assert by_name["Ana Admin"]["groups"] == [] and by_name["Ana Admin"]["role"] == "admin"
    assert by_name["Íñigo Ñandú"]["active"] is False


def test_a_member_is_refused_whatever_the_query(call):
    assert_error(call("member", "GET", "/api/v1/people?page=0&role=boss"), 403)
    assert_error(call("anonymous", "GET", "/api/v1/people?page=0"), 401)


@pytest.mark.parametrize("q,expected", [
    ("mario", ["Mario Miembro"]),
    ("MARIO", ["Mario Miembro"]),
    ("@example.org", ["Ana Admin", "Cora Coordinadora", "Lalo Líder", "Mario Miembro", "Olga Otra",
                      "Pat 100%_Raro", "Íñigo Ñandú"]),
    ("olga@", ["Olga Otra"]),
    ("%", ["Pat 100%_Raro"]),
    ("_", ["Pat 100%_Raro"]),
    ("%_", ["Pat 100%_Raro"]),
    ("Íñigo", ["Íñigo Ñandú"]),
    ("Ñandú", ["Íñigo Ñandú"]),
    ("🦙", []),
    ("'; DROP TABLE users; --", []),
    ("' OR '1'='1", []),
    ("\\", []),
    ("  lalo  ", ["Lalo Líder"]),
])
def test_search_people_by_name_or_email(call, q, expected):
    assert listed(call, f"q={quote(q)}") == expected
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 7


def test_filters(call, world):
    assert listed(call, "group=ethics") == ["Lalo Líder", "Mario Miembro"]
    assert listed(call, "group=ethics&group_role=lead") == ["Lalo Líder"]
    assert listed(call, "group=data&group_role=lead") == []
    assert listed(call, "group_role=member") == ["Lalo Líder", "Mario Miembro", "Olga Otra"]
    assert listed(call, f"institution_id={world['uno'].id}") == ["Lalo Líder", "Mario Miembro"]
    assert listed(call, "institution_id=999999") == []
    assert listed(call, "role=coordinator") == ["Cora Coordinadora"]
    assert listed(call, "role=admin&group=ethics") == []
    assert listed(call, "active=false") == ["Íñigo Ñandú"]
    assert len(listed(call, "active=true")) == 6
    assert listed(call, "q=o&group=governance", role="lead") == ["Olga Otra"]


@pytest.mark.parametrize("query,field", [
    ("group=nope", "group"), ("group=" + "x" * 41, "group"),
    ("group_role=boss", "group_role"), ("role=lead", "role"), ("role=%27", "role"),
    ("institution_id=abc", "institution_id"), ("institution_id=0", "institution_id"),
    ("institution_id=99999999999999999999", "institution_id"), ("active=perhaps", "active"),
    ("q=" + "a" * 101, "q"), ("page=0", "page"), ("page=x", "page"), ("per_page=-5", "per_page"),
])
def test_bad_filters_are_422_naming_them(call, query, field):
    assert_error(call("coordinator", "GET", f"/api/v1/people?{query}"), 422, field)


def test_pagination_is_clamped_and_groups_are_loaded_in_one_query(call):
    for n in range(110):
        factories.user(name=f"Zz Persona {n:03d}", groups={"skills": "member", "abroad": "lead"} if n % 2 else {})
    db.session.commit()
    body = call("coordinator", "GET", "/api/v1/people?per_page=1000").get_json()
    assert body["per_page"] == 100 and len(body["items"]) == 100 and body["total"] == 117
    body = call("coordinator", "GET", "/api/v1/people?per_page=100&page=2").get_json()
    by_name = {p["name"]: p for p in body["items"]}
    assert len(body["items"]) == 17 and "Zz Persona 109" in by_name
    assert by_name["Zz Persona 109"]["groups"] == [{"slug": "skills", "role": "member"}, {"slug": "abroad", "role": "lead"}]

    call("coordinator", "GET", "/api/v1/people?per_page=1")  # warm the token up
    with count_queries() as few:
        call("coordinator", "GET", "/api/v1/people?per_page=2")
    with count_queries() as many:
        call("coordinator", "GET", "/api/v1/people?per_page=100")
    assert len(many) == len(few), many


def test_list_people_service_checks_its_arguments(app, world):
    with pytest.raises(NotAuthenticated):
        services.list_people(None)
    with pytest.raises(PermissionDenied):
        services.list_people(world["member"])
    with pytest.raises(ValidationError) as error:
        services.list_people(world["coordinator"], group="nope", institution_id=True, role="x", group_role="x")
    assert set(error.value.fields) == {"group", "institution_id", "role", "group_role"}
    page = services.list_people(world["lead"], q="%", page=1, per_page=10)
    assert [p.name for p in page.items] == ["Pat 100%_Raro"]


# --- GET /api/v1/people/<id> ------------------------------------------------------------------

ONE = {"anonymous": 401, "member": 403, "other": 403, "lead": 200, "coordinator": 200, "admin": 200}


@pytest.mark.parametrize("role", ROLES)
def test_reading_someone_else(call, world, role):
    someone = world["other"] if role == "lead" else world["lead"]
    response = call(role, "GET", f"/api/v1/people/{someone.id}")
    if ONE[role] != 200:
        assert_error(response, ONE[role])
        return
    assert response.status_code == 200
    if role == "lead":
        assert response.get_json()["groups"] == [{"slug": "governance", "role": "member"}]
        return
    assert response.get_json() == {
        "id": world["lead"].id, "name": "Lalo Líder", "email": "lalo@example.org",
        "institution_id": world["uno"].id, "institution_name": "Universidad Uno", "role": "member", "active": True,
        "groups": [{"slug": "ethics", "role": "lead"}, {"slug": "data", "role": "member"}]}


@pytest.mark.parametrize("role", ["member", "other", "lead", "coordinator", "admin"])
def test_everyone_reads_themselves(call, world, role):
    response = call(role, "GET", f"/api/v1/people/{world[role].id}")
    assert response.status_code == 200 and response.get_json()["email"] == world[role].email


@pytest.mark.parametrize("person_id", ["0", "999999", "2147483648", "99999999999999999999", "abc", "-3"])
def test_unknown_people_are_404(call, person_id):
    assert_error(call("coordinator", "GET", f"/api/v1/people/{person_id}"), 404)


def test_a_member_cannot_probe_which_ids_exist(call):
    assert_error(call("member", "GET", "/api/v1/people/999999"), 403)


def test_openapi_documents_the_people_endpoints(client):
    spec = client.get("/api/openapi.json").get_json()
    listing = spec["paths"]["/api/v1/people"]["get"]
    assert {"200", "401", "403", "422"} <= set(listing["responses"]) and listing["summary"]
    assert {"q", "group", "group_role", "institution_id", "role", "active", "page", "per_page"} <= {
        p["name"] for p in listing["parameters"]}
    one = spec["paths"]["/api/v1/people/{person_id}"]["get"]
    assert {"200", "401", "403", "404"} <= set(one["responses"])
    person = spec["components"]["schemas"]["Person"]
    assert person["properties"]["email"]["example"] == "member@example.org"
