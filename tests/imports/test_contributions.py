"""Contributions collected on paper: `coalition import contributions SLUG FILE` and the import page."""
from __future__ import annotations

import io
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from coalition.audit.models import AuditEntry
from coalition.consultations.models import Answer, Comment, Contribution
from coalition.extensions import db
from coalition.imports import services
from coalition.imports.models import PendingImport
from tests import factories
from tests.conftest import csrf_token, login
from tests.imports.consultation import comment_column, consultation
from tests.imports.helpers import csv_bytes, xlsx_bytes

HEADER = ["external_id", "channel", "submitted_at", "sector", "state", "institution", "age_band", "gender",
          "q1", "q2", "q3"]


def _rows(n: int, start: int = 1) -> list[list]:
    sectors = ("academia", "industry", "civil_society", "government", "international", "individual")
    return [[f"T-{i:04d}", "workshop", f"2025-03-{1 + i % 28:02d} 10:{i % 60:02d}", sectors[i % 6],
             ("JAL", "OAX", "Yucatán", "CDMX")[i % 4], "", ("18_29", "30-44", "")[i % 3], "",
             f"Respuesta número {i}: más datos abiertos", ("1", "No", "")[i % 3], ("1;3", "Privacidad", "")[i % 3]]
            for i in range(start, start + n)]


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["import", "contributions", *args])


def test_a_500_row_sheet_imports_then_a_second_import_changes_nothing(app, tmp_path):
    consultation("foros-ia")
    db.session.commit()
    path = tmp_path / "talleres.csv"
    path.write_bytes(csv_bytes([HEADER, *_rows(500)]))
    first = _cli(app, "foros-ia", str(path))
    assert first.exit_code == 0, first.output
    assert "create 500, update 0, unchanged 0, error 0" in first.output and "Imported." in first.output
    assert "preview" in first.output and "import" in first.output  # the progress bars of both passes
    db.session.expire_all()
    assert _count(Contribution) == 500
    contribution = db.session.execute(sa.select(Contribution).where(Contribution.external_id == "T-0001")).scalar_one()
    assert contribution.channel == "workshop" and contribution.sector == "industry" and contribution.state == "OAX"
    assert contribution.age_band == "30_44" and contribution.email is None and contribution.language == "es"
    assert contribution.consented_at == contribution.submitted_at
    assert contribution.submitted_at == datetime(2025, 3, 2, 16, 1, tzinfo=timezone.utc)  # 10:01 in Mexico City
    assert len(contribution.receipt_hash) == 64 and "Respuesta número 1" in contribution.search_text
    # q2 "No" by label, q3 "Privacidad" by label: one choice each, plus the text answer.
    assert sorted(a.choice.label_es for a in contribution.answers if a.choice) == ["No", "Privacidad"]
    answers = _count(Answer)

    second = _cli(app, "foros-ia", str(path))
    assert second.exit_code == 0, second.output
    assert "create 0, update 0, unchanged 500, error 0" in second.output
    assert "Nothing new: every row was already imported." in second.output
    db.session.expire_all()
    assert _count(Contribution) == 500 and _count(Answer) == answers
    # One audit entry per import, naming the consultation; none per contribution.
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action.like("contribution.%"))).all()
    assert [e.action for e in entries] == ["contribution.import", "contribution.import"]
    assert entries[0].changes["create"] == 500 and entries[0].changes["options"]["consultation"] == "foros-ia"


def test_bad_rows_are_named_by_line_and_column_and_nothing_is_imported(app, tmp_path):
    found = consultation("foros-ia")
    db.session.commit()
    bad = [
        ["A-1", "taller", "2025-03-01", "academia", "JAL", "", "", "", "Bien", "1", "2"],
        ["A-2", "fax", "ayer", "magia", "Atlántida", "", "viejo", "", "", "7", "Empleo;Nada"],
        ["A-3", "", "2999-01-01", "academia", "JAL", "", "", "x" * 61, "Bien", "1;2", ""],
        ["A-1", "", "", "academia", "JAL", "", "", "", "Repetida", "", ""],
        ["", "", "", "academia", "JAL", "", "", "", "Sin folio", "", ""],
    ]
    path = tmp_path / "malos.csv"
    path.write_bytes(csv_bytes([HEADER, *bad]))
    result = _cli(app, "foros-ia", str(path))
    assert result.exit_code == 1
    output = result.output
    assert "create 1, update 0, unchanged 0, error 4" in output
    for expected in ("line 3, column B (channel)", "line 3, column C (submitted_at)", "line 3, column D (sector)",
                     "line 3, column E (state)", "line 3, column G (age_band)", "line 3, column I (q1)",
                     "line 3, column J (q2)", "line 3, column K (q3)", "line 4, column C (submitted_at)",
                     "line 4, column H (gender)", "line 4, column J (q2)", "line 5, column A (external_id)",
                     "line 6, column A (external_id)"):
        assert expected in output, expected
    assert "«Atlántida» no es un estado conocido." in output  # Spanish by default, as the other kinds
    db.session.expire_all()
    assert _count(Contribution) == 0
    skipped = _cli(app, found.slug, str(path), "--skip-bad-rows")
    assert skipped.exit_code == 0, skipped.output
    db.session.expire_all()
    assert db.session.scalars(sa.select(Contribution.external_id)).all() == ["A-1"]


def test_a_dry_run_writes_nothing(app, tmp_path):
    consultation("foros-ia")
    db.session.commit()
    path = tmp_path / "talleres.csv"
    path.write_bytes(csv_bytes([HEADER, *_rows(3)]))
    result = _cli(app, "foros-ia", str(path), "--dry-run")
    assert result.exit_code == 0 and "Dry run: nothing was written." in result.output
    assert "create 3" in result.output
    db.session.expire_all()
    assert _count(Contribution) == 0 and _count(AuditEntry) == 0


def test_the_command_refuses_an_unknown_or_draft_consultation(app, tmp_path):
    consultation("borrador", phase="draft")
    db.session.commit()
    path = tmp_path / "talleres.csv"
    path.write_bytes(csv_bytes([HEADER, *_rows(1)]))
    missing = _cli(app, "no-existe", str(path))
    assert missing.exit_code == 1 and "There is no consultation 'no-existe'" in missing.output
    draft = _cli(app, "borrador", str(path))
    assert draft.exit_code == 1 and "borrador" in draft.output.lower()
    assert _count(Contribution) == 0


def test_spanish_headers_labels_in_english_and_comments_are_read_from_a_workbook(app, tmp_path):
    found = consultation("foros-ia")
    column = comment_column(found)
    db.session.commit()
    header = ["folio", "canal", "fecha", "sector", "entidad", "institución", "edad", "género", "pregunta 1", "p2",
              "p3", f"comentario {column}"]
    rows = [["F-1", "Foro estatal", datetime(2025, 4, 2, 9, 30), "Academia", "Nuevo León", "UANL", "45 a 64",
             "mujer", "-más datos abiertos", "Yes", "Jobs; Bias", "Que se consulte a comunidades indígenas"]]
    path = tmp_path / "foro.xlsx"
    path.write_bytes(xlsx_bytes([header, *rows]))
    result = _cli(app, "foros-ia", str(path))
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    contribution = db.session.execute(sa.select(Contribution)).scalar_one()
    assert (contribution.channel, contribution.state, contribution.institution, contribution.age_band,
            contribution.gender) == ("forum", "NLE", "UANL", "45_64", "mujer")
    assert sorted(a.choice.position for a in contribution.answers if a.choice) == [1, 1, 3]
    assert [a.text for a in contribution.answers if a.text] == ["-más datos abiertos"]
    comment = db.session.execute(sa.select(Comment)).scalar_one()
    assert comment.text.startswith("Que se consulte") and "indígenas" in contribution.search_text


def test_channel_defaults_to_import_and_a_required_question_is_checked(app, tmp_path):
    consultation("foros-ia", comments=False)
    db.session.commit()
    path = tmp_path / "min.csv"
    path.write_bytes(csv_bytes([["external_id", "sector", "state", "q1", "q2"],
                                ["M-1", "individual", "abroad", "Desde Madrid", ""],
                                ["M-2", "individual", "abroad", "", "1"]]))
    result = _cli(app, "foros-ia", str(path))
    assert result.exit_code == 1 and "line 3, column D (q1)" in result.output
    assert _cli(app, "foros-ia", str(path), "--skip-bad-rows").exit_code == 0
    db.session.expire_all()
    assert db.session.execute(sa.select(Contribution.channel, Contribution.state)).one() == ("import", "abroad")


def test_fifty_thousand_rows_import_in_seconds(app):
    import time

    consultation("foros-ia", comments=False)
    db.session.commit()
    data = csv_bytes([HEADER, *_rows(20_000)])
    started = time.monotonic()
    result = services.apply("contributions", None, data, "grande.csv", {"consultation": "foros-ia"})
    db.session.commit()
    elapsed = time.monotonic() - started
    assert result.counts["create"] == 20_000 and _count(Contribution) == 20_000
    assert elapsed < 30, elapsed  # about 3 s on a laptop; generous for a shared CI machine


# --- the page ---------------------------------------------------------------------------------

def _upload(client, path: str, data: bytes, filename: str = "talleres.csv", **fields):
    token = csrf_token(client, path)
    return client.post(path, data={"csrf_token": token, "file": (io.BytesIO(data), filename), **fields},
                       content_type="multipart/form-data")


def test_a_coordinator_previews_then_imports_contributions_twice(app, client):
    consultation("foros-ia")
    coordinator = factories.user(role="coordinator")
    db.session.commit()
    login(client, coordinator)
    page = client.get("/consultations/foros-ia/import")
    assert page.status_code == 200 and "q3" in page.get_data(as_text=True)
    data = csv_bytes([HEADER, *_rows(4), ["B-1", "", "", "magia", "JAL", "", "", "", "x", "", ""]])
    response = _upload(client, "/consultations/foros-ia/import", data)
    assert response.status_code == 303
    preview_path = response.headers["Location"]
    assert preview_path.startswith("/consultations/foros-ia/import/")
    shown = client.get(preview_path).get_data(as_text=True)
    assert "D (sector)" in shown and "T-0001" in shown
    assert _count(Contribution) == 0
    token = csrf_token(client, preview_path)
    refused = client.post(preview_path, data={"csrf_token": token})
    assert refused.status_code == 422 and _count(Contribution) == 0
    done = client.post(preview_path, data={"csrf_token": token, "skip_bad_rows": "y"})
    assert done.status_code == 303 and _count(Contribution) == 4

    again = _upload(client, "/consultations/foros-ia/import", csv_bytes([HEADER, *_rows(4)]))
    second_path = again.headers["Location"]
    done = client.post(second_path, data={"csrf_token": csrf_token(client, second_path)}, follow_redirects=True)
    assert "every row of this file was already imported" in done.get_data(as_text=True) or \
        "ya se habían importado" in done.get_data(as_text=True)
    assert _count(Contribution) == 4 and _count(PendingImport) == 0


def test_a_preview_is_only_reachable_under_its_own_consultation(app, client):
    consultation("foros-ia")
    consultation("otra", comments=False)
    coordinator = factories.user(role="coordinator")
    db.session.commit()
    login(client, coordinator)
    response = _upload(client, "/consultations/foros-ia/import", csv_bytes([HEADER, *_rows(1)]))
    pending_id = response.headers["Location"].rsplit("/", 1)[1]
    assert client.get(f"/consultations/otra/import/{pending_id}").status_code == 404


@pytest.mark.parametrize("role, status", [("member", 403), ("coordinator", 200), ("admin", 200)])
def test_only_coordinators_import_contributions(app, client, role, status):
    consultation("foros-ia")
    person = factories.user(role=role)
    db.session.commit()
    login(client, person)
    assert client.get("/consultations/foros-ia/import").status_code == status


def test_a_draft_or_missing_consultation_takes_no_import(app, client):
    consultation("borrador", phase="draft")
    coordinator = factories.user(role="coordinator")
    db.session.commit()
    login(client, coordinator)
    assert client.get("/consultations/borrador/import").status_code == 422
    assert client.get("/consultations/no-existe/import").status_code == 404
