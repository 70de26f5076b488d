"""Issue 13's "done when", end to end through the fixed contracts (SPEC "Consultation and agenda"):
someone with no account answers the open consultation and gets a receipt; the lead drafts a
recommendation from two themes; a coordinator adopts and publishes it with an answer; the receipt then
shows it and the contributor got exactly one e-mail; a paper CSV imports once; no export names a person.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from coalition.consultations.models import (
    Choice, Coding, Consultation, ConsultationRecommendation, Contribution, Question, Theme)
from coalition.extensions import db
from coalition.notifications.models import OutboxMessage
from coalition.recommendations.models import Recommendation
from tests import factories
from tests.conftest import csrf_token, login

EMAIL = "ana.contribuye@example.net"


@pytest.fixture
def world(app):
    now = datetime.now(timezone.utc)
    ethics = factories.group("ethics")
    people = {
        "lead": factories.user(groups={"ethics": "lead"}),
        "coordinator": factories.user(role="coordinator"),
        "member": factories.user(groups={"ethics": "member"}),
    }
    draft = Recommendation(group_id=ethics.id, area="ethics", horizon="short", state="in_consultation",
                           title_es="Evaluar el riesgo de los sistemas de IA del gobierno",
                           title_en="Assess the risk of government AI systems")
    consultation = Consultation(slug="principios", title_es="Principios de IA", title_en="AI principles",
                                kind="both", opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=30),
                                phase="open")
    consultation.groups.append(ethics)
    db.session.add_all([draft, consultation])
    db.session.flush()
    first = Question(consultation_id=consultation.id, position=1, kind="text", required=True,
                     prompt_es="¿Qué debe cuidar la IA pública?", prompt_en="What must public AI take care of?")
    second = Question(consultation_id=consultation.id, position=2, kind="single",
                      prompt_es="¿Conoce los principios?", prompt_en="Do you know the principles?")
    db.session.add_all([first, second, ConsultationRecommendation(
        consultation_id=consultation.id, recommendation_id=draft.id, position=1)])
    db.session.flush()
    db.session.add_all([Choice(question_id=second.id, position=1, label_es="Sí", label_en="Yes"),
                        Choice(question_id=second.id, position=2, label_es="No", label_en="No")])
    themes = [Theme(consultation_id=consultation.id, name_es="Transparencia", name_en="Transparency"),
              Theme(consultation_id=consultation.id, name_es="Privacidad", name_en="Privacy")]
    db.session.add_all(themes)
    db.session.commit()
    return {**people, "consultation": consultation, "draft": draft, "themes": themes}


def _token(client, person) -> dict:
    response = client.post("/api/v1/tokens", json={"email": person.email, "password": factories.PASSWORD})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def _contribute(client, world) -> str:
    token = csrf_token(client, "/consultations/principios")
    response = client.post("/consultations/principios", data={
        "csrf_token": token, "q1": "Que la gente sepa cuándo decide una máquina.", "q2": "1",
        f"r{world['draft'].id}": "De acuerdo, y que se publiquen las evaluaciones.",
        "sector": "civil_society", "state": "OAX", "age_band": "30_44", "email": EMAIL, "notify": "y",
        "consent": "yes"}, headers={"Accept-Language": "es"})
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    match = re.search(r"/receipts/([A-Za-z0-9-]+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def _update_mails():
    return db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.kind == "consultation-update")).scalars().all()


def test_a_voice_is_traced_to_the_recommendation_it_shaped_and_its_author_is_told_once(app, client, world):
    code = _contribute(client, world)
    receipt = client.get(f"/receipts/{code}", headers={"Accept-Language": "es"})
    assert receipt.status_code == 200
    assert "Que la gente sepa" not in receipt.get_data(as_text=True), "a receipt never shows the contribution"

    contribution = db.session.execute(sa.select(Contribution)).scalar_one()
    assert contribution.email == EMAIL and contribution.channel == "online"
    transparency, privacy = world["themes"]
    # The lead codes it (the coding queue itself is tested in tests/analysis).
    db.session.add_all([Coding(contribution_id=contribution.id, theme_id=transparency.id,
                               coded_by_id=world["lead"].id)])
    db.session.commit()

    lead = _token(client, world["lead"])
    created = client.post("/api/v1/recommendations", headers=lead, json={
        "group": "ethics", "area": "ethics", "horizon": "medium",
        "title": "Publicar las evaluaciones de riesgo de los algoritmos públicos",
        "text": "Toda dependencia publica la evaluación antes de usar un sistema.",
        "sources": {"themes": [transparency.id, privacy.id], "contributions": []}})
    assert created.status_code == 201, created.get_json()
    recommendation = created.get_json()
    assert set(recommendation["sources"]["themes"]) == {transparency.id, privacy.id}
    assert recommendation["state"] == "draft" and recommendation["published"] is False
    # A lead may not adopt: that is the coordinators'.
    refused = client.patch(f"/api/v1/recommendations/{recommendation['id']}", headers=lead,
                           json={"version": recommendation["version"], "state": "adopted"})
    assert refused.status_code == 403

    coordinator = _token(client, world["coordinator"])
    adopted = client.patch(f"/api/v1/recommendations/{recommendation['id']}", headers=coordinator, json={
        "version": recommendation["version"], "state": "adopted", "published": True,
        "answer": "La adoptamos: la publicaremos en la agenda nacional."})
    assert adopted.status_code == 200, adopted.get_json()
    assert adopted.get_json()["state"] == "adopted" and adopted.get_json()["published"] is True

    trace = client.get(f"/api/v1/recommendations/{recommendation['id']}/trace", headers=coordinator)
    assert trace.status_code == 200

    page = client.get(f"/receipts/{code}", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Publicar las evaluaciones de riesgo" in page
    assert "La adoptamos" in page
    assert "Adoptada" in page or "adoptada" in page
    api_receipt = client.get(f"/api/v1/receipts/{code}")
    assert api_receipt.status_code == 200
    assert "La adoptamos" in api_receipt.get_data(as_text=True)

    mails = _update_mails()
    assert [m.recipient for m in mails] == [EMAIL]
    assert "La adoptamos" in mails[0].text_body

    # Saving it again unchanged sends nothing; a new answer sends one more.
    current = client.get(f"/api/v1/recommendations/{recommendation['id']}", headers=coordinator).get_json()
    client.patch(f"/api/v1/recommendations/{recommendation['id']}", headers=coordinator,
                 json={"version": current["version"], "horizon": "medium"})
    assert len(_update_mails()) == 1
    current = client.get(f"/api/v1/recommendations/{recommendation['id']}", headers=coordinator).get_json()
    changed = client.patch(f"/api/v1/recommendations/{recommendation['id']}", headers=coordinator, json={
        "version": current["version"], "answer": "La adoptamos y ya tiene un entregable que la lleva a cabo."})
    assert changed.status_code == 200, changed.get_json()
    assert len(_update_mails()) == 2


def test_a_paper_csv_of_500_rows_imports_once_and_no_export_names_anyone(app, client, world, tmp_path):
    _contribute(client, world)
    path = tmp_path / "taller.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["external_id", "channel", "submitted_at", "sector", "state", "institution", "age_band",
                         "gender", "q1", "q2"])
        for n in range(500):
            writer.writerow([f"taller-oax-{n}", "workshop", "2026-11-20T10:00:00-06:00", "academia", "OAX",
                             "Universidad de Oaxaca", "18_29", "", f"Respuesta en papel número {n}", "2"])
    runner = app.test_cli_runner()
    first = runner.invoke(args=["import", "contributions", "principios", str(path)])
    assert first.exit_code == 0, first.output
    count = db.session.execute(sa.select(sa.func.count(Contribution.id))).scalar_one()
    assert count == 501
    second = runner.invoke(args=["import", "contributions", "principios", str(path)])
    assert second.exit_code == 0, second.output
    assert db.session.execute(sa.select(sa.func.count(Contribution.id))).scalar_one() == 501

    login(client, world["member"])
    export = client.get("/consultations/principios/contributions.csv")
    assert export.status_code == 200
    text = export.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 501
    assert EMAIL not in text and "@" not in text
    assert not any(column in rows[0] for column in ("email", "receipt", "name"))
    api = client.get("/api/v1/consultations/principios/contributions", headers=_token(client, world["member"]))
    assert api.status_code == 200
    assert EMAIL not in api.get_data(as_text=True)
