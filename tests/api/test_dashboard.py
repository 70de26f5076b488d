"""The dashboard API: the coalition's figures for coordinators, a group's also for its leads."""
from __future__ import annotations

from datetime import timedelta

import pytest

from coalition.deliverables.models import HEALTHS, STATUSES
from coalition.extensions import db
from tests import factories
from tests.api.conftest import assert_error

ROLES = ["anonymous", "member", "other", "lead", "coordinator", "admin"]
COALITION = {"anonymous": 401, "member": 403, "other": 403, "lead": 403, "coordinator": 200, "admin": 200}
ETHICS = {"anonymous": 401, "member": 403, "other": 403, "lead": 200, "coordinator": 200, "admin": 200}
SLUGS = ["ethics", "governance", "research", "skills", "data", "abroad"]


@pytest.fixture
def world(app):
    people = {
        "admin": factories.user("admin"),
        "coordinator": factories.user("coordinator"),
        "lead": factories.user(groups={"ethics": "lead"}),
        "member": factories.user(name="Mario Miembro", groups={"ethics": "member"}),
        "other": factories.user(groups={"governance": "member"}),
        "governance_lead": factories.user(groups={"governance": "lead"}),
    }
    member, other = people["member"], people["governance_lead"]
    today = factories.today()
    deliverables = {
        "overdue": factories.deliverable("ethics", owner=member, title="Vencido", progress=30,
                                         due_date=today - timedelta(days=10)),
        "stale": factories.deliverable("ethics", owner=member, title="Olvidado", progress=50,
                                       due_date=today + timedelta(days=90), last_update_at=factories.days_ago(20)),
        "done": factories.deliverable("ethics", owner=member, title="Listo", status="done", progress=100,
                                      due_date=today - timedelta(days=30)),
        "fine": factories.deliverable("governance", owner=other, title="Bien", progress=70,
                                      due_date=today + timedelta(days=120)),
        "blocked": factories.deliverable("governance", owner=other, title="Atorado", status="blocked", progress=10,
                                         due_date=today - timedelta(days=1)),
    }
    db.session.commit()
    return {**people, **{f"d:{k}": v for k, v in deliverables.items()}}


@pytest.mark.parametrize("role", ROLES)
def test_the_coalition_dashboard_is_for_coordinators_and_admins(call, role):
    response = call(role, "GET", "/api/v1/dashboard")
    if COALITION[role] != 200:
        assert_error(response, COALITION[role])
        return
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"group", "filters", "progress", "by_status", "by_health", "overdue", "stale", "total",
                         "upcoming_meetings", "meetings_without_minutes", "attendance", "balance", "institutions",
                         "activity"}
    assert body["group"] is None


@pytest.mark.parametrize("role", ROLES)
def test_a_groups_dashboard_is_also_for_its_leads(call, role):
    response = call(role, "GET", "/api/v1/dashboard?group=ethics")
    if ETHICS[role] != 200:
        assert_error(response, ETHICS[role])
        return
    assert response.status_code == 200 and response.get_json()["group"] == "ethics"


def test_a_lead_sees_only_their_own_groups_dashboard(call):
    assert call("governance_lead", "GET", "/api/v1/dashboard?group=governance").status_code == 200
    assert_error(call("governance_lead", "GET", "/api/v1/dashboard?group=ethics"), 403)
    assert_error(call("governance_lead", "GET", "/api/v1/dashboard"), 403)
    assert_error(call("other", "GET", "/api/v1/dashboard?group=governance"), 403)
    assert_error(call("lead", "GET", "/api/v1/dashboard?group=governance"), 403)


def test_coalition_figures(call, world):
    body = call("coordinator", "GET", "/api/v1/dashboard").get_json()
    assert body["total"] == 5
    assert set(body["by_status"]) == set(STATUSES)
    assert set(body["by_health"]) == set(HEALTHS)
    assert body["by_status"] == {"not_started": 0, "in_progress": 3, "in_review": 0, "done": 1, "blocked": 1}
    assert sum(body["by_health"].values()) == 5
    assert body["by_health"]["off_track"] == 2  # the overdue one and the blocked one
    assert body["by_health"]["at_risk"] == 1  # the stale one
    progress = {p["slug"]: p for p in body["progress"]}
    assert list(progress) == SLUGS
    assert (progress["ethics"]["progress"], progress["ethics"]["deliverables"]) == (60, 3)
    assert (progress["governance"]["progress"], progress["governance"]["deliverables"]) == (40, 2)
    assert progress["ethics"]["name"] == "Ética de la IA"
    overdue = body["overdue"]
    assert [d["id"] for d in overdue] == [world["d:overdue"].id, world["d:blocked"].id]
    first = overdue[0]
    assert (first["title"], first["group"], first["owner_id"], first["owner_name"]) == \
        ("Vencido", "ethics", world["member"].id, "Mario Miembro")
    assert first["due_date"] == (factories.today() - timedelta(days=10)).isoformat()
    assert first["url"].endswith(f"/deliverables/{world['d:overdue'].id}")
    assert [d["id"] for d in body["stale"]] == [world["d:stale"].id]


def test_group_figures_are_only_that_groups(call, world):
    body = call("lead", "GET", "/api/v1/dashboard?group=ethics&lang=en").get_json()
    assert body["total"] == 3 and body["group"] == "ethics"
    assert [(p["slug"], p["name"], p["progress"]) for p in body["progress"]] == [("ethics", "AI Ethics", 60)]
    assert body["by_status"]["blocked"] == 0 and body["by_status"]["done"] == 1
    assert [d["id"] for d in body["overdue"]] == [world["d:overdue"].id]
    body = call("governance_lead", "GET", "/api/v1/dashboard?group=governance").get_json()
    assert [d["id"] for d in body["overdue"]] == [world["d:blocked"].id] and body["stale"] == []


def test_limit_caps_the_lists(call, world):
    body = call("coordinator", "GET", "/api/v1/dashboard?limit=1").get_json()
    assert [d["id"] for d in body["overdue"]] == [world["d:overdue"].id]
    assert body["total"] == 5


@pytest.mark.parametrize("group", ["nope", "x" * 500, "ETHICS", "%F0%9F%A6%99", "1"])
def test_an_unknown_group_is_404(call, group):
    assert_error(call("coordinator", "GET", f"/api/v1/dashboard?group={group}"), 404)
    assert_error(call("member", "GET", f"/api/v1/dashboard?group={group}"), 404)


@pytest.mark.parametrize("query,field", [
    ("limit=0", "limit"), ("limit=101", "limit"), ("limit=abc", "limit"),
    ("group=", "group"),
])
def test_bad_queries_are_422(call, query, field):
    assert_error(call("coordinator", "GET", f"/api/v1/dashboard?{query}"), 422, field)
    assert_error(call("anonymous", "GET", f"/api/v1/dashboard?{query}"), 401)


def test_an_empty_coalition_has_zero_figures(call, world):
    body = call("coordinator", "GET", "/api/v1/dashboard?group=research").get_json()
    assert body["total"] == 0 and body["overdue"] == [] and body["stale"] == []
    assert set(body["by_status"].values()) == {0} and set(body["by_health"].values()) == {0}
    assert body["progress"] == [{"slug": "research", "name": "Investigación y Desarrollo", "progress": 0,
                                 "deliverables": 0, "change_7d": 0.0, "change_30d": 0.0}]


def test_openapi_documents_the_dashboard(client):
    spec = client.get("/api/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/dashboard"]["get"]
    assert {"200", "401", "403", "404", "422"} <= set(operation["responses"]) and operation["summary"]
    assert {"group", "limit"} <= {p["name"] for p in operation["parameters"]}
    schemas = spec["components"]["schemas"]
    assert set(schemas["StatusCounts"]["properties"]) == set(STATUSES)
    assert set(schemas["HealthCounts"]["properties"]) == set(HEALTHS)
    assert schemas["DashboardDeliverable"]["properties"]["owner_name"]["example"] == "Mario Miembro"


def test_filters_are_checked_and_echoed(call, world):
    body = call("coordinator", "GET", "/api/v1/dashboard?sector=academia&start=2026-01-01&end=2026-12-31").get_json()
    assert body["filters"] == {"sector": "academia", "start": "2026-01-01", "end": "2026-12-31"}
    assert_error(call("coordinator", "GET", "/api/v1/dashboard?sector=pirates"), 422)
    assert_error(call("coordinator", "GET", "/api/v1/dashboard?start=2026-02-30"), 422)
    response = call("coordinator", "GET", "/api/v1/dashboard?start=2026-05-01&end=2026-04-01")
    assert_error(response, 422)
    assert "end" in response.get_json()["error"]["fields"]


def test_the_sector_filter_narrows_deliverables_to_their_owners_sector(call, world):
    academia = factories.institution(sector="academia")
    owner = factories.user(groups={"ethics": "member"}, institution_id=academia.id)
    factories.deliverable("ethics", owner=owner, title="Académico", due_date=factories.today() - timedelta(days=2))
    db.session.commit()
    everyone = call("coordinator", "GET", "/api/v1/dashboard").get_json()
    academic = call("coordinator", "GET", "/api/v1/dashboard?sector=academia").get_json()
    assert academic["total"] == 1 and everyone["total"] == 6
    assert [d["title"] for d in academic["overdue"]] == ["Académico"]
    assert academic["institutions"]["by_sector"]["academia"] == 1
