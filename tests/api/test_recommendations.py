"""The recommendations API: SPEC's keys, languages, filters, paging, permissions, conflicts, the trace."""
from __future__ import annotations

import pytest

from coalition.extensions import db
from coalition.notifications.models import OutboxMessage
from tests import factories
from tests.recommendations import conftest as make

API = "/api/v1/recommendations"
SPEC_KEYS = {"id", "group", "area", "horizon", "title", "text", "state", "answer", "published", "version",
             "sources", "deliverables"}


@pytest.fixture
def world(app):
    people = {"member": factories.user(groups={"ethics": "member"}),
              "lead": factories.user(groups={"ethics": "lead"}),
              "other_lead": factories.user(groups={"governance": "lead"}),
              "coordinator": factories.user(role="coordinator")}
    c = make.consultation()
    t = make.theme(c)
    source = make.contribution(c, email="persona@example.org")
    for n in range(5):
        make.code(make.contribution(c, sector="industry"), t)
    rec = make.recommendation(themes=[t], contributions=[source], title_es="Ética", title_en="Ethics",
                              area="data", horizon="long")
    deliverable = factories.deliverable("ethics")
    archived = factories.deliverable("ethics", archived_at=factories.days_ago(1))
    from coalition.recommendations.models import RecommendationDeliverable
    db.session.add_all([RecommendationDeliverable(recommendation_id=rec.id, deliverable_id=deliverable.id),
                        RecommendationDeliverable(recommendation_id=rec.id, deliverable_id=archived.id)])
    make.recommendation("governance", area="skills")
    db.session.commit()
    return {"people": people, "rec": rec.id, "theme": t.id, "source": source.id, "deliverable": deliverable.id,
            "version": rec.version}


def auth(client, user, lang=None) -> dict:
    response = client.post("/api/v1/tokens", json={"email": user.email, "password": factories.PASSWORD})
    headers = {"Authorization": f"Bearer {response.get_json()['token']}"}
    if lang:
        headers["Accept-Language"] = lang
    return headers


def test_a_recommendation_reads_spec_keys_in_the_requests_language(client, world):
    headers = auth(client, world["people"]["member"])
    body = client.get(f"{API}/{world['rec']}", headers=headers).get_json()
    assert SPEC_KEYS <= set(body)
    assert body["title"] == "Ética" and body["group"] == "ethics"
    assert body["sources"] == {"contributions": [world["source"]], "themes": [world["theme"]]}
    assert body["deliverables"] == [world["deliverable"]]
    english = client.get(f"{API}/{world['rec']}", headers={**headers, "Accept-Language": "en-GB,en;q=0.8"})
    assert english.get_json()["title"] == "Ethics"


def test_list_filters_and_pages(client, world):
    headers = auth(client, world["people"]["member"])
    body = client.get(f"{API}?group=ethics&area=data&horizon=long&state=draft", headers=headers).get_json()
    assert [item["id"] for item in body["items"]] == [world["rec"]] and body["total"] == 1
    body = client.get(f"{API}?per_page=1&page=2", headers=headers).get_json()
    assert body["total"] == 2 and len(body["items"]) == 1 and body["page"] == 2
    assert client.get(f"{API}?group=nowhere", headers=headers).status_code == 422
    assert client.get(f"{API}?state=lost", headers=headers).status_code == 422
    assert client.get(API).status_code == 401


def test_lead_creates_with_a_plain_title_filling_both_languages(client, world):
    headers = auth(client, world["people"]["lead"], "en")
    response = client.post(API, json={"group": "ethics", "area": "ethics", "horizon": "medium",
                                      "title": "Open models", "text": "Why", "sources": {"themes": [world["theme"]]}},
                           headers=headers)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["title_en"] == body["title_es"] == "Open models" and body["state"] == "draft"
    assert body["sources"] == {"contributions": [], "themes": [world["theme"]]}


@pytest.mark.parametrize("who,status", [("member", 403), ("other_lead", 403)])
def test_others_cannot_create_for_ethics(client, world, who, status):
    response = client.post(API, json={"group": "ethics", "area": "ethics", "horizon": "short", "title": "X"},
                           headers=auth(client, world["people"][who]))
    assert response.status_code == status


def test_bad_bodies_are_422(client, world):
    headers = auth(client, world["people"]["lead"])
    for body in ({"group": "ethics", "area": "moon", "horizon": "short", "title": "X"},
                 {"group": "nowhere", "area": "ethics", "horizon": "short", "title": "X"},
                 {"group": "ethics", "area": "ethics", "horizon": "short"},
                 {"group": "ethics", "area": "ethics", "horizon": "short", "title": "X",
                  "sources": {"contributions": [999999]}},
                 {"group": "ethics", "area": "ethics", "horizon": "short", "title": "X", "sources": {"themes": "1"}}):
        response = client.post(API, json=body, headers=headers)
        assert response.status_code == 422, (body, response.get_json())
        assert response.get_json()["error"]["fields"]


def test_patch_carries_version_and_a_stale_one_is_409_with_current(client, world):
    headers = auth(client, world["people"]["lead"])
    path = f"{API}/{world['rec']}"
    response = client.patch(path, json={"version": world["version"], "title": "Ética pública"}, headers=headers)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["title_es"] == "Ética pública" and response.get_json()["title_en"] == "Ethics"
    stale = client.patch(path, json={"version": world["version"], "title": "Otra"}, headers=headers)
    assert stale.status_code == 409
    assert stale.get_json()["current"]["title"] == "Ética pública"
    assert client.patch(path, json={"title": "Sin versión"}, headers=headers).status_code == 422


def test_lead_cannot_adopt_but_coordinator_adopts_publishes_and_the_contributor_is_told(client, world):
    path = f"{API}/{world['rec']}"
    lead = auth(client, world["people"]["lead"])
    assert client.patch(path, json={"version": world["version"], "state": "adopted"}, headers=lead).status_code == 403
    coordinator = auth(client, world["people"]["coordinator"])
    response = client.patch(path, json={"version": world["version"], "state": "adopted", "answer": "La adoptamos",
                                        "published": True}, headers=coordinator)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["published"] is True and body["answer"] == "La adoptamos" and body["state"] == "adopted"
    assert OutboxMessage.query.filter_by(kind="consultation-update").count() == 1
    rejected = client.patch(path, json={"version": body["version"], "state": "rejected", "answer_es": "",
                                                    "answer_en": ""},
                            headers=coordinator)
    assert rejected.status_code == 422


def test_members_cannot_patch_and_unknown_is_404(client, world):
    member = auth(client, world["people"]["member"])
    assert client.patch(f"{API}/{world['rec']}", json={"version": 1, "title": "x"}, headers=member).status_code == 403
    assert client.get(f"{API}/999999", headers=member).status_code == 404
    assert client.get(f"{API}/999999/trace", headers=member).status_code == 404


def test_trace_counts_with_small_cells_hidden(client, world):
    body = client.get(f"{API}/{world['rec']}/trace", headers=auth(client, world["people"]["member"])).get_json()
    assert body["total"] == 6 and body["direct"] == 1
    # 5 in industry and 1 more: showing the 5 beside the total of 6 would give the one away.
    assert body["sectors"] == {"shown": {}, "hidden": 6}
    assert body["themes"][0]["id"] == world["theme"] and body["themes"][0]["contributions"] == 5


def test_every_operation_is_documented_with_examples(client):
    spec = client.get("/api/openapi.json").get_json()
    for path in ("/api/v1/recommendations", "/api/v1/recommendations/{recommendation_id}",
                 "/api/v1/recommendations/{recommendation_id}/trace"):
        for method, operation in spec["paths"][path].items():
            if method in ("get", "post", "patch"):
                assert "401" in operation["responses"], (path, method)
    assert "example" in spec["components"]["schemas"]["Recommendation"]["properties"]["title"]
