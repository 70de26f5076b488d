"""`/consultations/<slug>/contributions.csv`: members download the contributions, with nobody's name,
e-mail or receipt in it, and the file imports back as it was."""
from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta

import sqlalchemy as sa

from coalition.consultations.models import Answer, Coding, Comment, Contribution, Theme
from coalition.database import utcnow
from coalition.extensions import db
from coalition.imports import contributions, services
from tests import factories
from tests.conftest import login
from tests.imports.consultation import comment_column, consultation


def _contribution(found, external_id=None, **values) -> Contribution:
    choices = {q.position: q for q in found.questions}
    now = utcnow() - timedelta(days=3)
    contribution = Contribution(consultation_id=found.id, receipt_hash=uuid.uuid4().hex * 2,
                                channel=values.pop("channel", "online"), submitted_at=now, consented_at=now,
                                sector=values.pop("sector", "academia"), state=values.pop("state", "JAL"),
                                external_id=external_id, **values)
    db.session.add(contribution)
    db.session.flush()
    db.session.add_all([
        Answer(contribution_id=contribution.id, question_id=choices[1].id, text=values.get("search_text") or "Más datos"),
        Answer(contribution_id=contribution.id, question_id=choices[2].id, choice_id=choices[2].choices[1].id),
        Answer(contribution_id=contribution.id, question_id=choices[3].id, choice_id=choices[3].choices[0].id),
        Answer(contribution_id=contribution.id, question_id=choices[3].id, choice_id=choices[3].choices[2].id),
    ])
    db.session.flush()
    return contribution


def _read(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_the_export_names_nobody_and_leaves_hidden_contributions_out(app, client):
    found = consultation("foros-ia")
    theme = Theme(consultation_id=found.id, name_es="Datos abiertos", name_en="Open data")
    db.session.add(theme)
    kept = _contribution(found, email="ana.perez@example.mx", institution="UNAM", gender="mujer",
                         age_band="30_44", search_text="Me llamo Ana")
    db.session.add(Coding(contribution_id=kept.id, theme_id=theme.id))
    db.session.add(Comment(contribution_id=kept.id, recommendation_id=found.recommendations[0].id, text="De acuerdo"))
    factories.institution(name="Universidad Nacional Autónoma de México", acronym="UNAM")
    _contribution(found, gender="Ana, mujer trans de Oaxaca", institution="Consultora independiente Ana Ruiz")
    _contribution(found, external_id="OCULTA-1", hidden_at=utcnow(), hidden_reason="insultos")
    member = factories.user(role="member", groups={"data": "member"})
    db.session.commit()
    login(client, member)
    response = client.get("/consultations/foros-ia/contributions.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.is_streamed
    rows = _read(response)
    assert list(rows[0]) == ["external_id", "channel", "submitted_at", "sector", "state", "institution",
                             "age_band", "gender", "q1", "q2", "q3", comment_column(found), "themes"]
    assert [row["external_id"] for row in rows] == [f"online-{kept.id}", f"online-{kept.id + 1}"]
    first, second = rows
    assert (first["institution"], first["gender"], first["q2"], first["q3"]) == ("UNAM", "mujer", "2", "1;3")
    assert first[comment_column(found)] == "De acuerdo" and first["themes"] == "Datos abiertos"
    assert second["gender"] == ""  # a self-description beyond the common answers could name someone
    assert second["institution"] == ""  # only member institutions, which are public, are written out
    assert "Ana Ruiz" not in response.get_data(as_text=True)
    text = response.get_data(as_text=True)
    assert "ana.perez" not in text and "@" not in text and "OCULTA" not in text and kept.receipt_hash not in text


def test_formula_cells_are_defused(app, client):
    found = consultation("foros-ia")
    factories.institution(name="@SUM(1)")
    _contribution(found, external_id="=HYPERLINK(\"http://x\")", institution="@SUM(1)",
                  search_text="+52 55 1234")
    db.session.commit()
    member = factories.user(role="member")
    db.session.commit()
    login(client, member)
    row = _read(client.get("/consultations/foros-ia/contributions.csv"))[0]
    assert row["external_id"].startswith("'=") and row["institution"] == "'@SUM(1)" and row["q1"] == "'+52 55 1234"


def test_anonymous_visitors_are_sent_to_log_in_and_an_unknown_consultation_is_404(app, client):
    consultation("foros-ia")
    db.session.commit()
    response = client.get("/consultations/foros-ia/contributions.csv")
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]
    member = factories.user(role="member")
    db.session.commit()
    login(client, member)
    assert client.get("/consultations/no-existe/contributions.csv").status_code == 404


def test_export_then_import_round_trips_into_a_fresh_consultation(app, client):
    found = consultation("foros-ia")
    factories.institution(name="Universidad Nacional Autónoma de México", acronym="UNAM")
    _contribution(found, institution="UNAM", gender="hombre", age_band="65_plus", channel="workshop",
                  external_id="T-9", search_text="=1+1 es una fórmula")
    online = _contribution(found, sector="individual", state="abroad")
    db.session.add(Comment(contribution_id=online.id, recommendation_id=found.recommendations[0].id,
                           text="Falta hablar de lenguas indígenas"))
    db.session.commit()
    member = factories.user(role="member")
    db.session.commit()
    login(client, member)
    exported = client.get("/consultations/foros-ia/contributions.csv").get_data()

    # Into the same consultation: every row is recognised, nothing is added.
    again = services.apply("contributions", None, exported, "export.csv", {"consultation": "foros-ia"})
    assert again.counts == {"error": 0, "create": 0, "update": 0, "unchanged": 2}

    fresh = consultation("copia", recommendation=found.recommendations[0])
    db.session.commit()
    result = services.apply("contributions", None, exported, "export.csv", {"consultation": "copia"})
    assert result.counts["create"] == 2, [row.messages for row in result.rows]
    db.session.commit()

    def described(consultation_id):
        items = db.session.scalars(sa.select(Contribution).where(Contribution.consultation_id == consultation_id)
                                   .order_by(Contribution.id)).all()
        return [(c.channel, c.submitted_at.replace(microsecond=0), c.sector, c.state, c.institution, c.age_band,
                 c.gender, sorted((a.question.position, a.choice.position if a.choice else a.text) for a in c.answers),
                 [(m.recommendation_id, m.text) for m in c.comments]) for c in items]

    assert described(fresh.id) == described(found.id)
    copied = db.session.scalars(sa.select(Contribution.external_id).where(
        Contribution.consultation_id == fresh.id).order_by(Contribution.id)).all()
    assert copied == ["T-9", f"online-{online.id}"]
    # And the copy exports the same rows again (external ids kept).
    assert list(contributions.export_csv(None, fresh))[2:] == list(contributions.export_csv(None, found))[2:]
