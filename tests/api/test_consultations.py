"""The public consultations API: reading, contributing without a token, receipts."""
from __future__ import annotations

import sqlalchemy as sa

from coalition.consultations.models import Contribution
from coalition.extensions import db
from tests import factories
from tests.consultations import helpers as h


def contributions() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Contribution))


def token_for(client, person) -> str:
    response = client.post("/api/v1/tokens", json={"email": person.email, "password": factories.PASSWORD})
    return response.json["token"]


def test_the_list_and_a_consultation_are_public(app, client):
    item, rec = h.full_consultation()
    h.consultation(phase="draft", slug="borrador")
    db.session.commit()
    listed = client.get("/api/v1/consultations")
    assert listed.status_code == 200 and [c["slug"] for c in listed.json["items"]] == [item.slug]
    assert listed.json["items"][0]["state"] == "open"
    detail = client.get(f"/api/v1/consultations/{item.slug}").json
    assert [q["name"] for q in detail["questions"]] == ["q1", "q2", "q3"]
    assert detail["questions"][1]["choices"][0] == {"position": 1, "label_es": "Sí (es)", "label_en": "Sí (en)"}
    assert [r["id"] for r in detail["recommendations"]] == [rec.id]
    assert client.get("/api/v1/consultations/borrador").status_code == 404


def test_a_coordinators_token_also_lists_drafts(app, client):
    h.consultation(phase="draft", slug="borrador")
    coordinator = factories.user(role="coordinator")
    db.session.commit()
    headers = {"Authorization": f"Bearer {token_for(client, coordinator)}"}
    assert [c["slug"] for c in client.get("/api/v1/consultations", headers=headers).json["items"]] == ["borrador"]


def test_a_contribution_needs_no_token_and_answers_201_with_the_receipt(app, client):
    item, rec = h.full_consultation()
    db.session.commit()
    response = client.post(f"/api/v1/consultations/{item.slug}/contributions",
                           json=h.good_data(rec, email="ana@example.org", notify=True))
    assert response.status_code == 201
    assert set(response.json) == {"receipt", "id"}
    stored = db.session.get(Contribution, response.json["id"])
    assert stored.email == "ana@example.org" and stored.channel == "online"
    receipt = client.get(f"/api/v1/receipts/{response.json['receipt'].lower()}?lang=en")
    assert receipt.status_code == 200 and receipt.headers["Cache-Control"] == "no-store"
    assert receipt.json["language"] == "en" and receipt.json["themes"] == [] and receipt.json["recommendations"] == []
    assert receipt.json["consultation"] == {"slug": item.slug, "title": item.title_en}


def test_a_closed_consultation_answers_410_and_stores_nothing(app, client):
    item, rec = h.full_consultation(opens_in_days=-9, closes_in_days=-1)
    db.session.commit()
    response = client.post(f"/api/v1/consultations/{item.slug}/contributions", json=h.good_data(rec))
    assert response.status_code == 410
    assert response.json["error"]["code"] == "consultation_closed" and response.json["error"]["status"] == 410
    assert contributions() == 0


def test_bad_input_answers_422_with_fields_named_like_the_form(app, client):
    item, rec = h.full_consultation()
    db.session.commit()
    response = client.post(f"/api/v1/consultations/{item.slug}/contributions", json=h.good_data(
        rec, answers={"q2": 5}, comments={"999999": "hola"}, notify=True))
    assert response.status_code == 422
    assert {"q1", "q2", "r999999", "email"} <= set(response.json["error"]["fields"])
    refused = client.post(f"/api/v1/consultations/{item.slug}/contributions", json=h.good_data(rec, consent=False))
    assert refused.status_code == 422 and list(refused.json["error"]["fields"]) == ["consent"]
    assert contributions() == 0


def test_a_body_outside_the_schema_is_422_not_500(app, client):
    item, rec = h.full_consultation()
    db.session.commit()
    for body in ({"sector": "academia"}, {**h.good_data(rec), "website": "x"}, {**h.good_data(rec), "answers": []},
                 {**h.good_data(rec), "answers": {"q1": {"deep": [1, 2]}}}, {**h.good_data(rec), "state": "XX"}):
        response = client.post(f"/api/v1/consultations/{item.slug}/contributions", json=body)
        assert response.status_code == 422, body
    assert contributions() == 0


def test_an_unknown_consultation_or_receipt_is_404(app, client):
    assert client.post("/api/v1/consultations/nada/contributions", json=h.good_data()).status_code == 404
    assert client.get("/api/v1/receipts/AAAA-BBBB-CCCC").status_code == 404
    assert client.get("/api/v1/receipts/not-a-code").status_code == 404


def test_a_retry_with_the_same_idempotency_key_stores_one_contribution(app, client):
    item, rec = h.full_consultation()
    member = factories.user()
    db.session.commit()
    headers = {"Authorization": f"Bearer {token_for(client, member)}", "Idempotency-Key": "retry-1"}
    data = h.good_data(rec)
    first = client.post(f"/api/v1/consultations/{item.slug}/contributions", json=data, headers=headers)
    again = client.post(f"/api/v1/consultations/{item.slug}/contributions", json=data, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json == first.json
    assert contributions() == 1


def test_an_anonymous_retry_is_not_stored_twice_either(app, client):
    item, rec = h.full_consultation()
    db.session.commit()
    data = h.good_data(rec)
    headers = {"Idempotency-Key": "anonymous-retry"}
    first = client.post(f"/api/v1/consultations/{item.slug}/contributions", json=data, headers=headers)
    again = client.post(f"/api/v1/consultations/{item.slug}/contributions", json=data, headers=headers)
    assert first.status_code == 201
    assert again.status_code == 200 and again.json == {"receipt": None, "id": None, "duplicate": True}
    assert contributions() == 1


def test_the_openapi_document_describes_the_public_endpoints_and_their_errors(app, client):
    spec = client.get("/api/openapi.json").json
    post = spec["paths"]["/api/v1/consultations/{slug}/contributions"]["post"]
    assert post["security"] == [] and {"201", "200", "404", "410", "422", "429"} <= set(post["responses"])
    assert post["requestBody"]["content"]["application/json"]["example"]["consent"] is True
    for path in ("/api/v1/consultations", "/api/v1/consultations/{slug}", "/api/v1/receipts/{code}"):
        assert spec["paths"][path]["get"]["security"] == []
