"""Policy instruments in and out of spreadsheets: round trips, idempotence, Spanish files, liaisons' rows."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from coalition.database import coalition_today
from coalition.extensions import db
from coalition.imports import services
from coalition.policy import services as policy
from coalition.policy.models import Instrument, InstrumentStage, PolicyEvent, Uptake
from tests import factories
from tests.conftest import csrf_token, login
from tests.consultations.helpers import recommendation
from tests.imports.helpers import csv_bytes, xlsx_bytes
from tests.imports.policy import counts, instrument, liaison, read_csv, versions

HEADER = ["key", "kind", "jurisdiction", "state", "place", "branch", "title_es", "title_en", "summary_es",
          "summary_en", "source_url", "stages", "recommendations"]


@pytest.fixture
def coordinator(app):
    person = factories.user(role="coordinator")
    db.session.flush()
    return person


def _recorded(coordinator):
    """Four instruments of every jurisdiction, with stages (one with a note) and uptakes (one with evidence)."""
    first, second = recommendation(), recommendation()
    strategy = instrument(coordinator)
    policy.add_stage(coordinator, strategy.id, stage="proposed", on=date(2024, 3, 1))
    policy.add_stage(coordinator, strategy.id, stage="approved", on=date(2024, 9, 10))
    policy.link_uptake(coordinator, strategy.id, recommendation_id=first.id, degree="adopted",
                       evidence_url="https://jalisco.gob.mx/ia;p=2", quote="«Adoptar la recomendación»")
    policy.link_uptake(coordinator, strategy.id, recommendation_id=second.id, degree="partial")
    law = instrument(coordinator, kind="bill", jurisdiction="federal", branch="legislative",
                     title_es="=Iniciativa de Ley General de IA", title_en="", summary_es="Línea 1\nLínea 2",
                     source_url="")
    policy.add_stage(coordinator, law.id, stage="proposed", on=date(2023, 5, 2))
    policy.add_stage(coordinator, law.id, stage="abandoned", on=date(2024, 1, 15), note="Sin quórum; archivada")
    instrument(coordinator, kind="programme", jurisdiction="municipal", state="JAL", place="Zapopan",
               title_es="Programa Zapopan IA", title_en="Zapopan AI Programme")
    instrument(coordinator, kind="declaration", jurisdiction="international", branch="executive",
               place="OCDE", title_es="Recomendación del Consejo sobre IA", title_en="")
    db.session.commit()
    return first, second


def test_export_then_import_changes_nothing(app, client, coordinator):
    _recorded(coordinator)
    before, stamp = counts(), versions(Instrument)
    login(client, coordinator)
    response = client.get("/instruments.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = read_csv(response)
    assert list(rows[0]) == HEADER and len(rows) == 4
    strategy = next(r for r in rows if r["jurisdiction"] == "JAL")
    assert strategy["stages"] == "proposed:2024-03-01; approved:2024-09-10"
    assert strategy["recommendations"].endswith(":partial") and "https://jalisco.gob.mx/ia%3Bp=2" in \
        strategy["recommendations"]
    law = next(r for r in rows if r["jurisdiction"] == "federal")
    assert law["title_es"] == "'=Iniciativa de Ley General de IA"  # a spreadsheet would run it as a formula
    assert law["stages"] == "proposed:2023-05-02; abandoned:2024-01-15:Sin quórum, archivada"

    result = services.apply("instruments", coordinator, response.get_data(), "instruments.csv")
    assert result.counts == {"error": 0, "create": 0, "update": 0, "unchanged": 4}
    db.session.commit()
    assert counts() == before and versions(Instrument) == stamp


def test_importing_the_same_file_twice_changes_nothing_the_second_time(app, coordinator):
    first, second = recommendation(), recommendation()
    db.session.commit()
    data = csv_bytes([HEADER, ["", "strategy", "JAL", "", "", "executive", "Estrategia de IA de Jalisco", "", "", "",
                               "https://jalisco.gob.mx", "proposed:2024-03-01;approved:2024-09-10",
                               f"{first.id}:adopted;{second.id}:partial"],
                      ["", "law", "federal", "", "", "legislative", "Ley Federal de IA", "Federal AI Act", "", "",
                       "", "proposed:2024-01-10", ""]])
    done = services.apply("instruments", coordinator, data, "a.csv")
    assert done.counts["create"] == 2
    db.session.commit()
    after_first, stamp = counts(), versions(Instrument)
    assert after_first["policy_instrument_stages"] == 3 and after_first["policy_uptakes"] == 2
    strategy = db.session.execute(sa.select(Instrument).where(Instrument.jurisdiction == "JAL")).scalar_one()
    assert (strategy.stage, strategy.stage_on, strategy.state, strategy.created_by_id) == (
        "approved", date(2024, 9, 10), "JAL", coordinator.id)
    assert strategy.administration is not None  # add_stage's own rules ran

    again = services.apply("instruments", coordinator, data, "a.csv")
    assert again.counts == {"error": 0, "create": 0, "update": 0, "unchanged": 2}
    db.session.commit()
    assert counts() == after_first and versions(Instrument) == stamp


def test_spanish_headers_windows_1252_and_semicolons(app, coordinator):
    rec = recommendation()
    db.session.commit()
    data = csv_bytes([["Clave", "Tipo", "Jurisdicción", "Poder", "Título", "Resumen", "Etapas", "Recomendaciones"],
                      ["", "Iniciativa de ley", "Jalisco", "Legislativo", "Iniciativa de Ley de IA de Jalisco",
                       "Regula el uso de IA en el gobierno estatal", "Propuesta:01/03/2024; En comisión:2024-04-02",
                       f"{rec.id}:Parcial"]], "cp1252", ";")
    result = services.apply("instruments", coordinator, data, "instrumentos.csv")
    assert result.sheet.encoding == "Windows-1252" and result.sheet.delimiter == ";"
    assert result.counts["create"] == 1, [r.messages for r in result.errors]
    found = db.session.execute(sa.select(Instrument)).scalar_one()
    assert (found.kind, found.jurisdiction, found.state, found.branch, found.stage) == (
        "bill", "JAL", "JAL", "legislative", "in_committee")
    assert found.title_es == found.title_en == "Iniciativa de Ley de IA de Jalisco"
    assert db.session.execute(sa.select(Uptake.degree)).scalar_one() == "partial"


def test_bad_rows_are_listed_by_line_and_nothing_is_written(app, coordinator):
    db.session.commit()
    data = csv_bytes([HEADER,
                      ["", "strategy", "JAL", "", "", "executive", "Buena", "", "", "", "", "proposed:2024-01-01", ""],
                      ["", "magia", "JAL", "", "", "executive", "Mala", "", "", "", "", "", ""],
                      ["999", "law", "federal", "", "", "legislative", "Otra", "", "", "", "", "", ""],
                      ["", "law", "SON", "", "", "legislative", "Con recomendación", "", "", "", "", "", "77:adopted"],
                      ["", "law", "federal", "", "", "legislative", "Sin fuente", "", "", "", "ftp://x", "", ""]])
    with pytest.raises(services.ImportRefused) as refused:
        services.apply("instruments", coordinator, data, "a.csv")
    errors = {row.line: row.messages for row in refused.value.preview.errors}
    assert sorted(errors) == [3, 4, 5, 6]
    assert errors[3][0][0] == "B (kind)" and "magia" in errors[3][0][1]
    assert errors[4][0][0] == "A (key)" and "999" in errors[4][0][1]
    assert errors[5][0][0] == "M (recommendations)" and "77" in errors[5][0][1]
    assert errors[6][0][0] == "K (source_url)"
    db.session.rollback()
    assert counts()["policy_instruments"] == 0 and counts()["policy_instrument_stages"] == 0


def test_a_stage_dated_in_the_future_is_a_row_error(app, coordinator):
    strategy = instrument(coordinator)
    db.session.commit()
    tomorrow = coalition_today() + timedelta(days=1)
    data = csv_bytes([["key", "stages"], [str(strategy.id), f"proposed:{tomorrow.isoformat()}"]])
    preview = services.preview("instruments", coordinator, data, "a.csv")
    assert [(row.line, [column for column, _message in row.messages]) for row in preview.errors] == [
        (2, ["B (stages)"])]
    # The service's own words (add_stage says the same), in whatever language the request speaks.
    assert [str(m) for m in preview.errors[0].errors["stages"]] == [str(_l("A stage cannot be dated in the future."))]
    with pytest.raises(services.ImportRefused):
        services.apply("instruments", coordinator, data, "a.csv")
    db.session.rollback()
    assert counts()["policy_instrument_stages"] == 0


def test_only_stages_after_the_last_one_are_added_through_the_service(app, coordinator):
    strategy = instrument(coordinator)
    policy.add_stage(coordinator, strategy.id, stage="proposed", on=date(2024, 3, 1))
    db.session.commit()
    events = counts()["policy_events"]
    # The whole history, or the new stage alone: either adds approved once.
    for cell in ("proposed:2024-03-01; approved:2024-09-10", "approved:2024-09-10"):
        data = csv_bytes([["key", "stages"], [str(strategy.id), cell]])
        services.apply("instruments", coordinator, data, "a.csv")
        db.session.commit()
    stages = db.session.execute(sa.select(InstrumentStage.stage, InstrumentStage.on_date)
                                .order_by(InstrumentStage.id)).all()
    assert stages == [("proposed", date(2024, 3, 1)), ("approved", date(2024, 9, 10))]
    assert counts()["policy_events"] == events + 1
    assert db.session.execute(sa.select(PolicyEvent.kind).order_by(PolicyEvent.id.desc())).scalars().first() == "stage"

    earlier = csv_bytes([["key", "stages"], [str(strategy.id), "in_committee:2024-05-01"]])
    preview = services.preview("instruments", coordinator, earlier, "a.csv")
    assert "2024-09-10" in preview.errors[0].messages[0][1]
    back = csv_bytes([["key", "stages"], [str(strategy.id), "proposed:2024-10-01"]])
    assert preview_errors(coordinator, back) == {"stages"}  # moving back needs a note
    noted = csv_bytes([["key", "stages"], [str(strategy.id), "proposed:2024-10-01:Regresó a comisión"]])
    assert services.apply("instruments", coordinator, noted, "a.csv").counts["update"] == 1
    assert db.session.execute(sa.select(InstrumentStage.note).order_by(InstrumentStage.id.desc())).scalars().first() \
        == "Regresó a comisión"


def preview_errors(actor, data: bytes) -> set:
    return {column for row in services.preview("instruments", actor, data, "a.csv").errors for column in row.errors}


def test_a_changed_degree_keeps_the_evidence_and_quote(app, coordinator):
    first, _second = _recorded(coordinator)
    strategy = db.session.execute(sa.select(Instrument).where(Instrument.jurisdiction == "JAL")).scalar_one()
    data = csv_bytes([["key", "recommendations"], [str(strategy.id), f"{first.id}:cited"]])
    result = services.apply("instruments", coordinator, data, "a.csv")
    assert result.counts["update"] == 1
    uptake = db.session.execute(sa.select(Uptake).where(Uptake.recommendation_id == first.id)).scalar_one()
    assert (uptake.degree, uptake.evidence_url, uptake.quote) == (
        "cited", "https://jalisco.gob.mx/ia;p=2", "«Adoptar la recomendación»")
    assert counts()["policy_uptakes"] == 2  # the other uptake, not in the cell, is left as it is


def test_a_jal_liaisons_file_with_a_sonora_row_is_refused_for_that_row(app, coordinator):
    jal = liaison("JAL")
    db.session.commit()
    data = csv_bytes([HEADER,
                      ["", "strategy", "Jalisco", "", "", "executive", "Estrategia de Jalisco", "", "", "", "",
                       "proposed:2024-02-01", ""],
                      ["", "strategy", "Sonora", "", "", "executive", "Estrategia de Sonora", "", "", "", "", "", ""],
                      ["", "law", "federal", "", "", "legislative", "Ley federal", "", "", "", "", "", ""]])
    preview = services.preview("instruments", jal, data, "a.csv")
    assert [row.outcome for row in preview.rows] == ["create", "error", "error"]
    assert preview.rows[1].messages[0][0] == "C (jurisdiction)" and "Sonora" in preview.rows[1].messages[0][1]
    with pytest.raises(services.ImportRefused):
        services.apply("instruments", jal, data, "a.csv")
    db.session.rollback()
    assert counts()["policy_instruments"] == 0
    result = services.apply("instruments", jal, data, "a.csv", {"skip_bad_rows": True})
    assert result.counts == {"error": 2, "create": 1, "update": 0, "unchanged": 0}
    created = db.session.execute(sa.select(Instrument)).scalar_one()
    assert (created.state, created.created_by_id, created.stage) == ("JAL", jal.id, "proposed")


def test_a_liaison_may_not_change_another_states_instrument(app, coordinator):
    sonora = instrument(coordinator, jurisdiction="SON", title_es="Estrategia de Sonora")
    jal = liaison("JAL")
    db.session.commit()
    data = csv_bytes([["key", "title_en"], [str(sonora.id), "Changed"]])
    assert preview_errors(jal, data) == {"key"}
    moved = csv_bytes([["key", "jurisdiction"], [str(sonora.id), "JAL"]])
    assert preview_errors(jal, moved) == {"jurisdiction"}


def test_xlsx_both_ways(app, client, coordinator):
    _recorded(coordinator)
    before = counts()
    member = factories.user()
    db.session.commit()
    login(client, member)  # every member reads instruments, so downloads them
    response = client.get("/instruments.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    data = response.get_data()
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADER
    titles = [row[6] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "=Iniciativa de Ley General de IA" in titles  # kept as text, not a formula
    assert sheet.cell(row=3, column=7).data_type == "s"
    result = services.apply("instruments", coordinator, data, "instrumentos.xlsx")
    assert result.sheet.format == "xlsx" and result.counts["unchanged"] == 4 and result.counts["error"] == 0
    db.session.commit()
    assert counts() == before

    workbook = xlsx_bytes([["clave", "tipo", "jurisdicción", "poder", "título", "etapas"],
                           [None, "Ley", "Nuevo León", "Legislativo", "Ley de IA de Nuevo León",
                            "propuesta:2024-06-01"]])
    created = services.apply("instruments", coordinator, workbook, "nuevo.xlsx")
    assert created.counts["create"] == 1
    assert db.session.execute(sa.select(Instrument.stage).where(Instrument.state == "NLE")).scalar_one() == "proposed"


def test_the_import_pages_take_a_liaisons_file_and_keep_members_out(app, client):
    jal = liaison("JAL")
    member = factories.user()
    db.session.commit()
    login(client, member)
    assert client.get("/instruments/import").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/settings")})
    login(client, jal)
    page = client.get("/instruments/import")
    assert page.status_code == 200 and 'name="file"' in page.get_data(as_text=True)
    data = csv_bytes([["tipo", "jurisdicción", "poder", "título"], ["estrategia", "JAL", "ejecutivo", "Estrategia JAL"],
                      ["estrategia", "SON", "ejecutivo", "Estrategia SON"]])
    token = csrf_token(client, "/instruments/import")
    uploaded = client.post("/instruments/import", data={"csrf_token": token, "file": (io.BytesIO(data), "i.csv")},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 303
    preview_path = uploaded.headers["Location"]
    shown = client.get(preview_path).get_data(as_text=True)
    assert "Estrategia JAL" in shown and "B (jurisdicción)" in shown
    assert counts()["policy_instruments"] == 0
    token = csrf_token(client, preview_path)
    assert client.post(preview_path, data={"csrf_token": token}).status_code == 422
    assert client.post(preview_path, data={"csrf_token": token, "skip_bad_rows": "y"}).status_code == 303
    assert db.session.execute(sa.select(Instrument.title_es)).scalars().all() == ["Estrategia JAL"]


def test_the_command_imports_as_the_first_administrator(app, tmp_path):
    admin = factories.user(role="admin")
    db.session.commit()
    path = tmp_path / "instrumentos.csv"
    path.write_bytes(csv_bytes([["tipo", "jurisdicción", "poder", "título", "etapas"],
                                ["ley", "federal", "legislativo", "Ley de Datos", "propuesta:2024-01-01"]],
                               "cp1252", ";"))
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["import", "instruments", str(path), "--dry-run"])
    assert dry.exit_code == 0 and "create 1" in dry.output and "Dry run" in dry.output, dry.output
    assert counts()["policy_instruments"] == 0
    done = runner.invoke(args=["import", "instruments", str(path)])
    assert done.exit_code == 0, done.output
    db.session.expire_all()
    created = db.session.execute(sa.select(Instrument)).scalar_one()
    assert created.created_by_id == admin.id and created.stage == "proposed"
    refused = runner.invoke(args=["import", "instruments", str(path), "--by", "nobody@example.org"])
    assert refused.exit_code == 1 and "nobody@example.org" in refused.output


@pytest.mark.parametrize("kind", ["instruments", "engagements"])
def test_malformed_cells_are_row_errors_never_a_crash(app, coordinator, kind):
    from tests.test_bad_input import BAD_VALUES

    strategy = instrument(coordinator)
    db.session.commit()
    header = HEADER if kind == "instruments" else ["key", "kind", "title", "held_on", "jurisdiction", "state", "place",
                                                   "body", "instrument", "institutions", "position"]
    odd = ["12:", ":", ";;", "proposed:2024-02-30", "approved:9999-01-01:x", "1:adopted:javascript:alert(1)",
           "99999999999999:adopted", f"{strategy.id}"]
    rows = [[value if i == column else "" for i in range(len(header))]
            for column in range(len(header)) for value in [*BAD_VALUES, *odd] if "\x00" not in value]
    preview = services.preview(kind, coordinator, csv_bytes([header, *rows]), "raro.csv")
    assert len(preview.rows) == len([row for row in rows if any(cell.strip() for cell in row)])  # blank rows skipped
    assert all(row.outcome in ("error", "unchanged") for row in preview.rows)


def test_the_export_reads_in_batches_and_the_preview_in_a_fixed_number_of_queries(app, client, coordinator,
                                                                                 monkeypatch):
    from coalition.imports import instruments as module
    from tests.test_query_counts import count_queries

    _recorded(coordinator)
    login(client, coordinator)
    whole = client.get("/instruments.csv").get_data()
    monkeypatch.setattr(module, "EXPORT_BATCH", 3)
    assert client.get("/instruments.csv").get_data() == whole  # 4 instruments in two batches: the same file

    def queries(size: int) -> int:
        rows = [["", "law", "federal", "", "", "legislative", f"Ley {n}", "", "", "", "", "proposed:2024-01-01", ""]
                for n in range(size)]
        with count_queries() as statements:
            services.preview("instruments", coordinator, csv_bytes([HEADER, *rows]), "a.csv")
        return len(statements)

    assert queries(1) == queries(40)



def test_a_stage_note_too_long_or_a_date_before_1900_is_a_row_error_in_the_preview(app, coordinator):
    """What the import would refuse, the preview refuses first: nothing passes the check and fails later."""
    from coalition.policy.models import NOTE_MAX

    strategy = instrument(coordinator)
    db.session.commit()
    long_note = csv_bytes([["key", "stages"], [str(strategy.id), f"abandoned:2024-02-01:{'x' * (NOTE_MAX + 1)}"]])
    too_early = csv_bytes([["key", "stages"], [str(strategy.id), "proposed:1899-01-01"]])
    for data in (long_note, too_early):
        preview = services.preview("instruments", coordinator, data, "a.csv")
        assert [row.line for row in preview.errors] == [2] and "stages" in preview.errors[0].errors
