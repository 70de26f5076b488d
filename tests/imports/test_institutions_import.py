"""Institutions from spreadsheets: encodings, separators, Spanish headers, errors, idempotence."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from coalition.audit.models import AuditEntry
from coalition.extensions import db
from coalition.imports import services
from coalition.imports.files import FileRefused
from coalition.institutions.models import Institution
from tests import factories
from tests.imports.helpers import csv_bytes, xlsx_bytes

HEADER = ["name", "acronym", "sector", "state", "country", "website", "joined_on", "description"]
ROWS = [
    ["Universidad Autónoma de Querétaro", "UAQ", "academia", "QUE", "", "https://www.uaq.mx", "2021-03-15",
     "Investigación en ética"],
    ["Cámara Nacional de la Industria Electrónica", "CANIETI", "Industria", "Ciudad de México", "", "", "2020-06-01",
     ""],
    ["Fundación Niñez y Tecnología", "", "sociedad civil", "MX-JAL", "", "", "01/02/2022", "Señales, ñandú"],
    ["Oficina de Cooperación Alemana", "GIZ", "Cooperación Internacional", "extranjero", "Alemania", "", "", ""],
]


def _by_name(name: str) -> Institution:
    db.session.expire_all()
    return db.session.execute(sa.select(Institution).where(Institution.name == name)).scalar_one()


def _import(data: bytes, filename: str = "instituciones.csv", **options):
    result = services.apply("institutions", None, data, filename, options)
    db.session.commit()
    return result


@pytest.mark.parametrize("encoding,delimiter,bom", [
    ("utf-8", ",", False), ("utf-8", ";", False), ("utf-8", ",", True), ("utf-8", ";", True),
    ("cp1252", ";", False), ("cp1252", ",", False)])
def test_a_file_in_each_encoding_and_delimiter_imports_the_same_institutions(app, encoding, delimiter, bom):
    result = _import(csv_bytes([HEADER, *ROWS], encoding, delimiter, bom))
    assert result.counts == {"create": 4, "update": 0, "unchanged": 0, "error": 0}
    assert result.sheet.delimiter == delimiter
    uaq = _by_name("Universidad Autónoma de Querétaro")
    assert (uaq.acronym, uaq.sector, uaq.state, uaq.joined_on) == ("UAQ", "academia", "QUE", date(2021, 3, 15))
    canieti = _by_name("Cámara Nacional de la Industria Electrónica")
    assert (canieti.sector, canieti.state) == ("industry", "CMX")
    ninez = _by_name("Fundación Niñez y Tecnología")
    assert (ninez.sector, ninez.state, ninez.joined_on, ninez.description) == (
        "civil_society", "JAL", date(2022, 2, 1), "Señales, ñandú")
    giz = _by_name("Oficina de Cooperación Alemana")
    assert (giz.sector, giz.state, giz.country) == ("international", "abroad", "Alemania")


def test_spanish_headers_with_any_case_and_accents_are_understood(app):
    header = ["Nombre", "SIGLAS", "Sector", "Estado", "País", "Sitio web", "Fecha de ingreso", "Descripción"]
    result = _import(csv_bytes([header, *ROWS], "cp1252", ";"))
    assert result.counts["create"] == 4
    assert _by_name("Universidad Autónoma de Querétaro").website == "https://www.uaq.mx"


def test_an_excel_workbook_is_read_with_its_dates(app):
    rows = [["Nombre", "Siglas", "Sector", "Estado", "Fecha de ingreso"],
            ["Instituto Tecnológico de Sonora", "ITSON", "academia", "SON", date(2019, 5, 20)],
            ["Gobierno de Jalisco", None, "government", "jal", None]]
    result = _import(xlsx_bytes(rows), "instituciones.xlsx")
    assert result.counts["create"] == 2 and result.sheet.format == "xlsx"
    assert _by_name("Instituto Tecnológico de Sonora").joined_on == date(2019, 5, 20)
    assert _by_name("Gobierno de Jalisco").state == "JAL"


def test_a_bad_row_is_named_by_its_line_and_column_and_nothing_is_written(app):
    rows = [HEADER, ROWS[0], ["Centro Sin Sector", "", "astrología", "NLE", "", "", "", ""],
            ["Centro Sin Fecha", "", "academia", "NLE", "", "", "32/13/2020", ""]]
    with pytest.raises(services.ImportRefused) as refused:
        services.apply("institutions", None, csv_bytes(rows), "malo.csv")
    db.session.rollback()
    errors = {row.line: row.messages for row in refused.value.preview.errors}
    assert errors[3] == [("C (sector)", "«astrología» no es un sector conocido.")]
    assert errors[4][0][0] == "G (joined_on)"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Institution)) == 0


def test_skip_bad_rows_imports_the_good_rows_only(app):
    rows = [HEADER, ROWS[0], ["Centro Sin Sector", "", "", "NLE", "", "", "", ""]]
    result = _import(csv_bytes(rows), skip_bad_rows=True)
    assert result.counts == {"create": 1, "update": 0, "unchanged": 0, "error": 1}
    assert [i.name for i in db.session.execute(sa.select(Institution)).scalars()] == [ROWS[0][0]]
    entry = db.session.execute(sa.select(AuditEntry).where(AuditEntry.action == "institution.import")).scalar_one()
    assert entry.changes["create"] == 1 and entry.changes["bad_rows"][0]["line"] == 3


def test_importing_the_same_file_twice_changes_nothing(app):
    data = csv_bytes([HEADER, *ROWS], "cp1252", ";")
    _import(data)
    before = [(i.id, i.name, i.updated_at) for i in db.session.execute(sa.select(Institution)).scalars()]
    second = _import(data)
    assert second.counts == {"create": 0, "update": 0, "unchanged": 4, "error": 0}
    db.session.expire_all()
    assert [(i.id, i.name, i.updated_at) for i in db.session.execute(sa.select(Institution)).scalars()] == before


def test_a_changed_row_updates_the_institution_found_by_its_name_case_ignored(app):
    institution = factories.institution(name="Universidad de Guadalajara", acronym="UDG", state="JAL")
    db.session.commit()
    rows = [["nombre", "siglas", "estado"], ["UNIVERSIDAD DE GUADALAJARA", "UdeG", "Jalisco"]]
    result = _import(csv_bytes(rows))
    assert result.counts["update"] == 1
    assert result.rows[0].changes == {"name": ["Universidad de Guadalajara", "UNIVERSIDAD DE GUADALAJARA"],
                                      "acronym": ["UDG", "UdeG"]}
    assert db.session.get(Institution, institution.id).acronym == "UdeG"
    edit = db.session.execute(sa.select(AuditEntry).where(AuditEntry.action == "institution.edit")).scalar_one()
    assert edit.subject_id == institution.id and edit.changes["acronym"] == ["UDG", "UdeG"]


def test_the_same_name_twice_in_a_file_is_an_error_on_the_second_line(app):
    rows = [HEADER, ROWS[0], [ROWS[0][0].upper(), *ROWS[0][1:]]]
    result = services.preview("institutions", None, csv_bytes(rows))
    assert result.rows[1].outcome == "error" and "línea 2" in result.rows[1].messages[0][1]


def test_export_then_import_round_trips_exactly(app):
    _import(csv_bytes([HEADER, *ROWS]))
    factories.institution(name="Instituto =Fórmula", description="-menos que nada\n+ dos líneas", acronym="@IF")
    db.session.commit()
    exported = services.export("institutions", None)
    assert exported.startswith("\ufeff") and "'-menos" in exported and "'@IF" in exported
    before = services.export("institutions", None)
    result = _import(exported.encode("utf-8"))
    assert result.counts["create"] == 0 and result.counts["update"] == 0 and result.counts["error"] == 0
    assert services.export("institutions", None) == before


def test_a_file_with_more_rows_than_allowed_is_refused(app):
    rows = [HEADER] + [[f"Institución {n}", "", "academia", "JAL", "", "", "", ""] for n in range(50_001)]
    with pytest.raises(FileRefused) as refused:
        services.apply("institutions", None, csv_bytes(rows))
    assert "50,000" in str(refused.value.message)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Institution)) == 0


def test_a_file_over_ten_megabytes_is_refused(app):
    rows = [HEADER] + [[f"Institución {n}", "", "academia", "JAL", "", "", "", "x" * 2000] for n in range(5300)]
    data = csv_bytes(rows)
    assert len(data) > 10 * 1024 * 1024
    with pytest.raises(FileRefused) as refused:
        services.preview("institutions", None, data)
    assert "10 MB" in str(refused.value.message)
