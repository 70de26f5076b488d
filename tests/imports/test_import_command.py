"""`coalition import institutions|people FILE`: a summary, the errors by line and column, an exit code."""
from __future__ import annotations

import sqlalchemy as sa

from coalition.audit.models import AuditEntry
from coalition.extensions import db
from coalition.institutions.models import Institution
from coalition.notifications.models import OutboxMessage
from tests.imports.helpers import csv_bytes

GOOD = [["nombre", "sector", "estado"], ["Centro de Datos de Sonora", "academia", "SON"]]


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_dry_run_shows_the_outcome_and_writes_nothing(app, tmp_path):
    path = tmp_path / "instituciones.csv"
    path.write_bytes(csv_bytes(GOOD, "cp1252", ";"))
    result = app.test_cli_runner().invoke(args=["import", "institutions", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "create 1, update 0, unchanged 0, error 0" in result.output and "Dry run" in result.output
    assert _count(Institution) == 0


def test_bad_rows_are_listed_with_line_and_column_and_fail_the_command(app, tmp_path):
    path = tmp_path / "instituciones.csv"
    path.write_bytes(csv_bytes([*GOOD, ["Centro Sin Sector", "magia", "SON"]]))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import", "institutions", str(path)])
    assert result.exit_code == 1
    assert "line 3, column B (sector): «magia» no es un sector conocido." in result.output
    assert _count(Institution) == 0
    skipped = runner.invoke(args=["import", "institutions", str(path), "--skip-bad-rows"])
    assert skipped.exit_code == 0, skipped.output
    db.session.expire_all()
    assert _count(Institution) == 1
    entry = db.session.execute(sa.select(AuditEntry).where(AuditEntry.action == "institution.import")).scalar_one()
    assert entry.changes["via"] == "cli" and "by" in entry.changes


def test_people_are_imported_and_invited_from_the_command_line(app, tmp_path):
    path = tmp_path / "personas.csv"
    path.write_bytes(csv_bytes([["correo", "nombre", "grupos"], ["luz@example.mx", "Luz Peña", "lead:ethics"]]))
    result = app.test_cli_runner().invoke(args=["import", "people", str(path), "--invite"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    message = db.session.execute(sa.select(OutboxMessage)).scalar_one()
    assert message.kind == "join-invitation" and message.recipient == "luz@example.mx"


def test_an_unreadable_file_is_refused_with_its_reason(app, tmp_path):
    path = tmp_path / "roto.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    result = app.test_cli_runner().invoke(args=["import", "institutions", str(path)])
    assert result.exit_code == 1 and "libro de Excel" in result.output
