"""Engagements in and out of spreadsheets: round trips, idempotence, Spanish files, liaisons' rows."""
from __future__ import annotations

import io
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from coalition.extensions import db
from coalition.imports import services
from coalition.policy import services as policy
from coalition.policy.models import Engagement, EngagementInstitution, PolicyEvent
from tests import factories
from tests.conftest import csrf_token, login
from tests.imports.helpers import csv_bytes, xlsx_bytes
from tests.imports.policy import counts, instrument, liaison, read_csv, versions

HEADER = ["key", "kind", "title", "held_on", "jurisdiction", "state", "place", "body", "instrument", "institutions",
          "position"]


@pytest.fixture
def world(app):
    """A coordinator, three member institutions (one with a `;` in its name) and the Jalisco strategy."""
    coordinator = factories.user(role="coordinator")
    udg = factories.institution(name="Universidad de Guadalajara", acronym="UdeG")
    iteso = factories.institution(name="ITESO", acronym=None)
    odd = factories.institution(name="Centro; Laboratorio de IA", acronym="CLIA")
    strategy = instrument(coordinator)
    db.session.commit()
    return {"coordinator": coordinator, "udg": udg, "iteso": iteso, "odd": odd, "strategy": strategy}


def _recorded(w):
    coordinator = w["coordinator"]
    forum = policy.create_engagement(
        coordinator, kind="forum", title="Foro estatal de IA", held_on=date(2024, 10, 3), jurisdiction="JAL",
        body="Congreso de Jalisco", instrument_id=w["strategy"].id, position="La coalición **propone**:\n\n- datos",
        institution_ids=[w["udg"].id, w["iteso"].id, w["odd"].id])
    policy.approve_position(coordinator, forum.id, version=forum.version)
    policy.create_engagement(coordinator, kind="hearing", title="=Parlamento abierto", held_on=date(2024, 11, 5),
                             jurisdiction="federal", body="Senado de la República")
    policy.create_engagement(coordinator, kind="meeting", title="Reunión con el cabildo", held_on=date(2025, 1, 20),
                             jurisdiction="municipal", state="JAL", place="Zapopan", body="Ayuntamiento de Zapopan")
    policy.create_engagement(coordinator, kind="event", title="Encuentro con la diáspora", held_on=date(2025, 2, 1),
                             jurisdiction="abroad", body="Consulado en Los Ángeles")
    db.session.commit()
    return forum


def test_export_then_import_changes_nothing(app, client, world):
    forum = _recorded(world)
    before, stamp = counts(), versions(Engagement)
    login(client, world["coordinator"])
    rows = read_csv(client.get("/engagements.csv"))
    assert list(rows[0]) == HEADER and len(rows) == 4
    exported = next(r for r in rows if r["key"] == str(forum.id))
    assert exported["institutions"] == "CLIA; ITESO; Universidad de Guadalajara"
    assert exported["instrument"] == str(world["strategy"].id) and exported["held_on"] == "2024-10-03"
    data = client.get("/engagements.csv").get_data()
    result = services.apply("engagements", world["coordinator"], data, "engagements.csv")
    assert result.counts == {"error": 0, "create": 0, "update": 0, "unchanged": 4}, \
        [(r.line, r.messages, r.changes) for r in result.rows]
    db.session.commit()
    assert counts() == before and versions(Engagement) == stamp
    assert db.session.get(Engagement, forum.id).position_approved_at is not None  # still the coalition's voice


def test_importing_the_same_file_twice_changes_nothing_the_second_time(app, world):
    data = csv_bytes([HEADER,
                      ["", "forum", "Foro de Jalisco", "2024-10-03", "Jalisco", "", "", "Congreso de Jalisco",
                       "Jalisco State AI Strategy", "UdeG; ITESO", "Nuestra posición"],
                      ["", "submission", "Comentarios a la ley", "15/11/2024", "federal", "", "", "Cámara de Diputados",
                       "", "", ""]])
    first = services.apply("engagements", world["coordinator"], data, "a.csv")
    assert first.counts["create"] == 2, [r.messages for r in first.errors]
    db.session.commit()
    after_first, stamp = counts(), versions(Engagement)
    forum = db.session.execute(sa.select(Engagement).where(Engagement.kind == "forum")).scalar_one()
    assert (forum.state, forum.instrument_id, forum.position_approved_at) == ("JAL", world["strategy"].id, None)
    assert sorted(db.session.execute(sa.select(EngagementInstitution.institution_id)).scalars()) == sorted(
        [world["udg"].id, world["iteso"].id])
    assert after_first["policy_events"] >= 2  # each new engagement told through the service

    again = services.apply("engagements", world["coordinator"], data, "a.csv")
    assert again.counts == {"error": 0, "create": 0, "update": 0, "unchanged": 2}
    db.session.commit()
    assert counts() == after_first and versions(Engagement) == stamp


def test_spanish_headers_windows_1252_and_semicolons(app, world):
    data = csv_bytes([["Clave", "Tipo", "Título", "Fecha", "Jurisdicción", "Organismo", "Instituciones", "Posición"],
                      ["", "Audiencia", "Audiencia pública sobre IA", "02/12/2024", "Nuevo León", "Congreso de NL",
                       "Universidad de Guadalajara", "Pedimos transparencia"]], "cp1252", ";")
    result = services.apply("engagements", world["coordinator"], data, "participaciones.csv")
    assert result.sheet.encoding == "Windows-1252" and result.sheet.delimiter == ";"
    assert result.counts["create"] == 1, [r.messages for r in result.errors]
    found = db.session.execute(sa.select(Engagement)).scalar_one()
    assert (found.kind, found.jurisdiction, found.state, found.held_on) == ("hearing", "NLE", "NLE", date(2024, 12, 2))


def test_changing_the_representatives_and_the_position_goes_through_the_service(app, world):
    forum = _recorded(world)
    data = csv_bytes([["key", "institutions", "position"], [str(forum.id), "UdeG", "Una posición nueva"]])
    result = services.apply("engagements", world["coordinator"], data, "a.csv")
    assert result.counts["update"] == 1 and set(result.rows[0].changes) == {"position", "institutions"}
    db.session.commit()
    changed = db.session.get(Engagement, forum.id)
    assert changed.position == "Una posición nueva" and changed.position_approved_at is None  # to approve again
    assert list(db.session.execute(sa.select(EngagementInstitution.institution_id).where(
        EngagementInstitution.engagement_id == forum.id)).scalars()) == [world["udg"].id]


def test_bad_rows_are_listed_by_line_and_nothing_is_written(app, world):
    inactive = factories.institution(name="Instituto Cerrado", acronym="ICE", active=False)
    db.session.commit()
    data = csv_bytes([HEADER,
                      ["", "forum", "Bueno", "2024-10-03", "JAL", "", "", "Congreso", "", "UdeG", ""],
                      ["", "fiesta", "Malo", "2024-10-03", "JAL", "", "", "Congreso", "", "", ""],
                      ["", "forum", "Sin fecha", "ayer", "JAL", "", "", "Congreso", "", "", ""],
                      ["", "forum", "Sin organismo", "2024-10-03", "JAL", "", "", "", "", "", ""],
                      ["", "forum", "Con inactiva", "2024-10-03", "JAL", "", "", "Congreso", "", inactive.name, ""],
                      ["", "forum", "Con desconocida", "2024-10-03", "JAL", "", "", "Congreso", "", "Nadie", ""],
                      ["", "forum", "Con instrumento", "2024-10-03", "JAL", "", "", "Congreso", "9999", "", ""],
                      ["77", "forum", "Con clave", "2024-10-03", "JAL", "", "", "Congreso", "", "", ""]])
    with pytest.raises(services.ImportRefused) as refused:
        services.apply("engagements", world["coordinator"], data, "a.csv")
    errors = {row.line: [column for column, _message in row.messages] for row in refused.value.preview.errors}
    assert errors == {3: ["B (kind)"], 4: ["D (held_on)"], 5: ["H (body)"], 6: ["J (institutions)"],
                      7: ["J (institutions)"], 8: ["I (instrument)"], 9: ["A (key)"]}
    db.session.rollback()
    assert counts()["policy_engagements"] == 0


def test_a_jal_liaisons_file_with_a_sonora_row_is_refused_for_that_row(app, world):
    jal = liaison("JAL")
    db.session.commit()
    data = csv_bytes([HEADER,
                      ["", "forum", "Foro en Guadalajara", "2024-10-03", "JAL", "", "", "Congreso de Jalisco", "",
                       "UdeG", ""],
                      ["", "forum", "Foro en Hermosillo", "2024-10-04", "SON", "", "", "Congreso de Sonora", "", "",
                       ""],
                      ["", "meeting", "Reunión en Zapopan", "2024-10-05", "municipal", "JAL", "Zapopan", "Cabildo",
                       "", "", ""]])
    preview = services.preview("engagements", jal, data, "a.csv")
    assert [row.outcome for row in preview.rows] == ["create", "error", "create"]
    assert preview.rows[1].messages[0][0] == "E (jurisdiction)" and "Sonora" in preview.rows[1].messages[0][1]
    with pytest.raises(services.ImportRefused):
        services.apply("engagements", jal, data, "a.csv")
    db.session.rollback()
    assert counts()["policy_engagements"] == 0
    services.apply("engagements", jal, data, "a.csv", {"skip_bad_rows": True})
    db.session.commit()
    assert sorted(db.session.execute(sa.select(Engagement.title, Engagement.created_by_id)).all()) == [
        ("Foro en Guadalajara", jal.id), ("Reunión en Zapopan", jal.id)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PolicyEvent).where(
        PolicyEvent.kind == "engagement")) == 2


def test_xlsx_both_ways(app, client, world):
    _recorded(world)
    before = counts()
    login(client, world["coordinator"])
    response = client.get("/engagements.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert response.headers["Content-Disposition"] == 'attachment; filename="engagements.xlsx"'
    result = services.apply("engagements", world["coordinator"], response.get_data(), "e.xlsx")
    assert result.sheet.format == "xlsx" and result.counts == {"error": 0, "create": 0, "update": 0, "unchanged": 4}
    db.session.commit()
    assert counts() == before

    workbook = xlsx_bytes([["tipo", "título", "fecha", "jurisdicción", "organismo", "instituciones"],
                           ["Foro", "Foro de Yucatán", datetime(2024, 8, 1), "Yucatán", "Gobierno de Yucatán",
                            "ITESO"]])
    created = services.apply("engagements", world["coordinator"], workbook, "nuevo.xlsx")
    assert created.counts["create"] == 1, [r.messages for r in created.errors]
    assert db.session.execute(sa.select(Engagement.held_on).where(Engagement.state == "YUC")).scalar_one() == \
        date(2024, 8, 1)


def test_the_pages_import_and_export_engagements(app, client, world):
    jal = liaison("JAL")
    member = factories.user()
    db.session.commit()
    login(client, member)
    assert client.get("/engagements/import").status_code == 403
    assert client.get("/engagements.csv").status_code == 200  # every member reads them
    client.post("/logout", data={"csrf_token": csrf_token(client, "/settings")})
    login(client, jal)
    data = csv_bytes([["kind", "title", "held_on", "jurisdiction", "body"],
                      ["forum", "Foro JAL", "2024-10-03", "JAL", "Congreso"]])
    token = csrf_token(client, "/engagements/import")
    uploaded = client.post("/engagements/import", data={"csrf_token": token, "file": (io.BytesIO(data), "e.csv")},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 303
    path = uploaded.headers["Location"]
    assert "Foro JAL" in client.get(path).get_data(as_text=True)
    assert client.post(path, data={"csrf_token": csrf_token(client, path)}).status_code == 303
    assert db.session.execute(sa.select(Engagement.title)).scalars().all() == ["Foro JAL"]


def test_the_command_imports_engagements(app, tmp_path, world):
    admin = factories.user(role="admin")
    db.session.commit()
    path = tmp_path / "participaciones.csv"
    path.write_bytes(csv_bytes([["tipo", "título", "fecha", "jurisdicción", "organismo"],
                                ["foro", "Foro de datos", "2024-05-05", "CDMX", "Congreso de la CDMX"]]))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["import", "engagements", str(path), "--dry-run"]).exit_code == 0
    assert counts()["policy_engagements"] == 0
    done = runner.invoke(args=["import", "engagements", str(path), "--by", world["coordinator"].email])
    assert done.exit_code == 0, done.output
    db.session.expire_all()
    created = db.session.execute(sa.select(Engagement)).scalar_one()
    assert (created.state, created.created_by_id) == ("CMX", world["coordinator"].id)
    assert admin.id != created.created_by_id
