"""The analysis API: contributions without personal data, themes, coding, hiding, figures, the document."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from coalition.audit.models import AuditEntry
from coalition.consultations.models import Coding
from coalition.extensions import db
from tests import factories
from tests.analysis import factories as consult
from tests.analysis.conftest import consultation, people  # noqa: F401  (fixtures)

PERSONAL = ("email", "receipt", "receipt_hash", "institution", "gender", "source_hash", "text_hash", "language",
            "external_id")


def token(client, person) -> dict:
    response = client.post("/api/v1/tokens", json={"email": person.email, "password": factories.PASSWORD})
    assert response.status_code == 201, response.json
    return {"Authorization": f"Bearer {response.json['token']}"}


@pytest.fixture
def data(app, people, consultation):
    rec = consult.recommendation()
    theme = consult.theme(consultation, "Educación")
    item = consult.contribution(consultation, "Escuelas rurales", comment=(rec, "De acuerdo"), choice=2)
    other = consult.contribution(consultation, "Salud")
    hidden = consult.contribution(consultation, "Oculto", hidden_at=factories.days_ago(1), hidden_reason="spam")
    db.session.commit()
    return {"rec": rec, "theme": theme, "item": item, "other": other, "hidden": hidden}


def test_contributions_carry_no_personal_data(client, people, consultation, data):
    response = client.get(f"/api/v1/consultations/{consultation.slug}/contributions",
                          headers=token(client, people["other"]))
    assert response.status_code == 200
    assert response.json["total"] == 2
    [first] = [c for c in response.json["items"] if c["id"] == data["item"].id]
    assert first["answers"] == {"q1": "Escuelas rurales", "q2": 2}
    assert first["comments"] == {str(data["rec"].id): "De acuerdo"}
    assert not set(PERSONAL) & set(first)
    assert data["item"].email not in response.get_data(as_text=True)


def test_contributions_filters_and_hidden_for_leads_only(client, people, consultation, data):
    path = f"/api/v1/consultations/{consultation.slug}/contributions"
    member = token(client, people["member"])
    assert [c["id"] for c in client.get(path + "?q=escuelas", headers=member).json["items"]] == [data["item"].id]
    assert client.get(path + "?hidden=include", headers=member).status_code == 403
    lead = token(client, people["lead"])
    assert [c["id"] for c in client.get(path + "?hidden=only", headers=lead).json["items"]] == [data["hidden"].id]
    assert client.get(path + "?sector=martians", headers=member).status_code == 422
    assert client.get(path + "?theme=1e5", headers=member).status_code == 422
    assert client.get("/api/v1/consultations/nope/contributions", headers=member).status_code == 404


def test_themes_are_listed_created_and_renamed(client, people, consultation, data):
    lead = token(client, people["lead"])
    path = f"/api/v1/consultations/{consultation.slug}/themes"
    created = client.post(path, json={"name_es": "Salud", "name_en": "Health"}, headers=lead)
    assert created.status_code == 201 and created.json["coded"] == 0
    assert client.post(path, json={"name_es": "Salud", "name_en": "X"}, headers=lead).status_code == 422
    patched = client.patch(f"/api/v1/themes/{created.json['id']}", json={"name_en": "Public health"}, headers=lead)
    assert patched.status_code == 200 and patched.json["name_en"] == "Public health"
    listed = client.get(path, headers=token(client, people["other"])).json["items"]
    assert [t["name_es"] for t in listed] == ["Educación", "Salud"]


def test_coding_through_the_api_is_audited(client, people, consultation, data):
    member = token(client, people["member"])
    path = f"/api/v1/contributions/{data['item'].id}/themes"
    response = client.put(path, json={"themes": [data["theme"].id]}, headers=member)
    assert response.status_code == 200 and response.json["added"] == [data["theme"].id]
    assert client.put(path, json={"themes": []}, headers=member).json["removed"] == [data["theme"].id]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Coding)) == 0
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action == "coding.changed")).all()
    assert len(actions) == 2
    assert client.put(path, json={"themes": ["1"]}, headers=member).status_code == 422
    assert client.put(path, json={"themes": [999999]}, headers=member).status_code == 422
    assert client.put(path, json={"themes": [1]}, headers=token(client, people["other"])).status_code == 403


def test_hiding_and_unhiding(client, people, consultation, data):
    lead = token(client, people["lead"])
    path = f"/api/v1/contributions/{data['item'].id}"
    assert client.post(path + "/hide", json={}, headers=lead).status_code == 422
    hidden = client.post(path + "/hide", json={"reason": "Publicidad"}, headers=lead)
    assert hidden.status_code == 200 and hidden.json["hidden"] and hidden.json["reason"] == "Publicidad"
    assert client.post(path + "/hide", json={"reason": "x"}, headers=token(client, people["member"])).status_code == 404
    shown = client.post(path + "/unhide", headers=token(client, people["coordinator"]))
    assert shown.status_code == 200 and not shown.json["hidden"]


def test_figures_suppress_small_cells(client, people, consultation, data):
    for _ in range(5):
        consult.contribution(consultation, sector="industry")
    db.session.commit()
    body = client.get(f"/api/v1/consultations/{consultation.slug}/figures", headers=token(client, people["other"])).json
    assert body["total"] == 7
    # 5 in industry and 2 in academia: "5" beside a total of 7 would give the 2 away: one hidden sum.
    assert body["breakdowns"]["sector"] == {"counts": {}, "hidden": 7}
    for _ in range(5):
        consult.contribution(consultation, sector="academia")
    db.session.commit()
    body = client.get(f"/api/v1/consultations/{consultation.slug}/figures", headers=token(client, people["other"])).json
    assert body["breakdowns"]["sector"] == {"counts": {"academia": 7, "industry": 5}, "hidden": 0}


def test_every_analysis_operation_is_documented_with_its_errors(client):
    document = client.get("/api/openapi.json").json
    paths = document["paths"]
    expected = {
        ("/api/v1/consultations/{slug}/contributions", "get"): {"200", "401", "403", "404", "422"},
        ("/api/v1/consultations/{slug}/themes", "post"): {"201", "401", "403", "404", "422"},
        ("/api/v1/themes/{theme_id}", "patch"): {"200", "401", "403", "404", "422"},
        ("/api/v1/contributions/{contribution_id}/themes", "put"): {"200", "401", "403", "404", "422"},
        ("/api/v1/contributions/{contribution_id}/hide", "post"): {"200", "401", "403", "404", "422"},
        ("/api/v1/contributions/{contribution_id}/unhide", "post"): {"200", "401", "403", "404"},
        ("/api/v1/consultations/{slug}/figures", "get"): {"200", "401", "404"},
    }
    for (path, method), codes in expected.items():
        assert codes <= set(paths[path][method]["responses"]), (path, method)
