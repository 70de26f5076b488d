"""The engagements API: shape, filters, paging, who may record where, representatives and the error shape."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from coalition.database import MAX_ID
from coalition.extensions import db
from coalition.policy.models import Engagement, EngagementInstitution, PolicyEvent
from tests import factories
from tests.api.conftest import assert_error
from tests.api.test_instruments import policy_world

API = "/api/v1/engagements"
KEYS = {"id", "kind", "title", "held_on", "jurisdiction", "state", "place", "body", "instrument_id",
        "institution_ids", "position", "position_approved", "published", "version"}
TODAY = factories.today()


@pytest.fixture
def world(app):
    w = policy_world()
    institutions = [factories.institution(name=f"Universidad {n}", state="JAL").id for n in ("A", "B", "C")]
    retired = factories.institution(active=False).id
    past = Engagement(kind="hearing", title="Audiencia pública", held_on=date(2024, 9, 1), jurisdiction="federal",
                      body="Senado de la República", position="Postura", position_approved_at=factories.days_ago(3))
    upcoming = Engagement(kind="forum", title="Foro de Jalisco", held_on=TODAY + timedelta(days=10),
                          jurisdiction="JAL", state="JAL", place="Guadalajara", body="Congreso del Estado",
                          instrument_id=w["jalisco"])
    db.session.add_all([past, upcoming])
    db.session.flush()
    db.session.add(EngagementInstitution(engagement_id=upcoming.id, institution_id=institutions[0]))
    db.session.commit()
    return {**w, "institutions": institutions, "retired": retired, "past": past.id, "upcoming": upcoming.id}


def forum(**changes) -> dict:
    return {"kind": "forum", "title": "Foro estatal de IA", "held_on": "2025-03-20", "jurisdiction": "JAL",
            "body": "Gobierno de Jalisco", "place": "Guadalajara", **changes}


def test_an_engagement_reads_its_keys(call, world):
    response = call("member", "GET", f"{API}/{world['past']}")
    assert response.status_code == 200
    body = response.get_json()
    assert KEYS <= set(body)
    assert (body["kind"], body["title"], body["held_on"], body["jurisdiction"], body["state"]) == (
        "hearing", "Audiencia pública", "2024-09-01", "federal", None)
    assert body["position_approved"] is True and body["published"] is False and body["version"] == 1
    assert body["institution_ids"] == [] and body["instrument_id"] is None


def test_the_list_pages_and_filters(call, world):
    everything = call("member", "GET", API).get_json()
    assert [i["id"] for i in everything["items"]] == [world["upcoming"], world["past"]]
    assert (everything["total"], everything["page"], everything["per_page"]) == (2, 1, 25)
    upcoming = call("member", "GET", f"{API}?upcoming=true").get_json()
    assert [i["id"] for i in upcoming["items"]] == [world["upcoming"]]
    assert upcoming["items"][0]["institution_ids"] == [world["institutions"][0]]
    for query, expected in ((f"instrument_id={world['jalisco']}", [world["upcoming"]]),
                            ("state=JAL", [world["upcoming"]]), ("kind=hearing", [world["past"]]), ("q=senado", [world["past"]]), ("state=abroad", []),
                            (f"instrument_id={MAX_ID}", [])):
        assert [i["id"] for i in call("member", "GET", f"{API}?{query}").get_json()["items"]] == expected, query
    second = call("member", "GET", f"{API}?per_page=1&page=2").get_json()
    assert [i["id"] for i in second["items"]] == [world["past"]] and second["total"] == 2


@pytest.mark.parametrize("query,field", [("kind=party", "kind"), ("state=XX", "state"), ("upcoming=maybe", "upcoming"),
                                         ("instrument_id=0", "instrument_id"), ("instrument_id=abc", "instrument_id"),
                                         (f"instrument_id={MAX_ID + 1}", "instrument_id"), ("per_page=0", "per_page")])
def test_a_bad_filter_is_422_naming_it(call, world, query, field):
    assert_error(call("member", "GET", f"{API}?{query}"), 422, field)


def test_a_liaison_records_a_state_forum_with_three_institutions(call, world):
    response = call("jal_liaison", "POST", API, json=forum(institution_ids=world["institutions"],
                                                          instrument_id=world["jalisco"], position="Proponemos…"))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert sorted(body["institution_ids"]) == sorted(world["institutions"])
    assert (body["state"], body["instrument_id"], body["position"]) == ("JAL", world["jalisco"], "Proponemos…")
    assert body["position_approved"] is False and body["version"] == 1
    assert call("member", "GET", f"{API}/{body['id']}").get_json() == body
    assert PolicyEvent.query.filter_by(kind="engagement", engagement_id=body["id"]).count() == 1


def test_a_municipal_engagement_names_its_state_and_place(call, world):
    response = call("jal_liaison", "POST", API, json=forum(jurisdiction="municipal", state="JAL", place="Zapopan"))
    assert response.status_code == 201 and response.get_json()["state"] == "JAL"
    assert_error(call("jal_liaison", "POST", API, json=forum(jurisdiction="municipal", state="JAL", place="")),
                 422, "place")


@pytest.mark.parametrize("changes", [{"jurisdiction": "NLE", "place": "Monterrey"}, {"jurisdiction": "federal"},
                                     {"jurisdiction": "abroad"}, {"jurisdiction": "international"},
                                     {"jurisdiction": "municipal", "state": "NLE", "place": "Monterrey"}])
def test_a_liaison_cannot_record_outside_their_state(call, world, changes):
    assert_error(call("jal_liaison", "POST", API, json=forum(**changes)), 403)
    assert Engagement.query.count() == 2


def test_coordinators_record_anywhere_and_members_are_refused_before_the_body(call, world):
    assert call("coordinator", "POST", API, json=forum(jurisdiction="abroad", place="Madrid")).status_code == 201
    assert call("admin", "POST", API, json=forum(jurisdiction="international", body="OCDE")).status_code == 201
    assert_error(call("member", "POST", API, json={"kind": "party"}), 403)
    assert_error(call("anonymous", "POST", API, json=forum()), 401)


@pytest.mark.parametrize("changes,field", [
    ({"kind": "party"}, "kind"), ({"title": ""}, "title"), ({"title": "   "}, "title"), ({"title": "x" * 301}, "title"),
    ({"body": ""}, "body"), ({"body": "x" * 201}, "body"), ({"held_on": "2025-13-01"}, "held_on"),
    ({"held_on": None}, "held_on"), ({"jurisdiction": "moon"}, "jurisdiction"),
    ({"jurisdiction": "JAL", "state": "NLE"}, "state"), ({"instrument_id": MAX_ID}, "instrument_id"),
    ({"instrument_id": MAX_ID + 1}, "instrument_id"), ({"institution_ids": [MAX_ID]}, "institution_ids"),
    ({"institution_ids": "1"}, "institution_ids"), ({"position": "x" * 20_001}, "position"),
    ({"position_approved": True}, "position_approved"), ({"published": True}, "published"),
])
def test_a_bad_body_is_422_naming_the_field(call, world, changes, field):
    assert_error(call("coordinator", "POST", API, json=forum(**changes)), 422, field)


def test_a_retired_institution_cannot_represent_the_coalition(call, world):
    assert_error(call("coordinator", "POST", API, json=forum(institution_ids=[world["retired"]])), 422,
                 "institution_ids")


def test_malformed_json_is_400_and_a_body_that_is_not_json_is_415(call, world):
    assert_error(call("coordinator", "POST", API, data=b'{"kind": "forum",', content_type="application/json"), 400)
    assert_error(call("coordinator", "POST", API, data="kind=forum", content_type="text/plain"), 415)


@pytest.mark.parametrize("engagement_id", [0, 999999, MAX_ID + 1, 2**64])
def test_an_unknown_engagement_is_404(call, world, engagement_id):
    assert_error(call("member", "GET", f"{API}/{engagement_id}"), 404)


def test_reading_needs_a_token(call, world):
    assert_error(call("anonymous", "GET", API), 401)
    assert_error(call("anonymous", "GET", f"{API}/{world['past']}"), 401)


def test_the_openapi_document_lists_the_engagement_operations(client):
    spec = client.get("/api/openapi.json").get_json()
    assert {"get", "post"} <= set(spec["paths"]["/api/v1/engagements"])
    assert "get" in spec["paths"]["/api/v1/engagements/{engagement_id}"]
    post = spec["paths"]["/api/v1/engagements"]["post"]["responses"]
    assert {"201", "401", "403", "415", "422"} <= set(post)
    create = spec["components"]["schemas"]["EngagementCreate"]
    assert set(create["required"]) == {"kind", "title", "held_on", "jurisdiction", "body"}
    assert create["properties"]["institution_ids"]["maxItems"] == 50
