"""The dashboard pages: charts with their tables, filters, CSV exports, in both languages."""
from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import timedelta

from coalition.extensions import db
from tests import factories
from tests.conftest import login

XSS = '<script>alert("x")</script>'


def coalition(app):
    coordinator = factories.user(role="coordinator", language="en")
    institution = factories.institution(name=f"Instituto {XSS}", sector="academia")
    owner = factories.user(groups={"ethics": "member"}, institution_id=institution.id, name="Olga Dueña")
    factories.deliverable("ethics", owner=owner, title="=HYPERLINK(\"http://evil.example\")",
                          due_date=factories.today() - timedelta(days=3))
    meeting = factories.meeting("ethics", invitees=[owner], status="held", starts_at=factories.days_ago(5))
    meeting.attendance[0].status = "attended"
    db.session.commit()
    return coordinator


def test_the_page_draws_each_chart_beside_its_table(app, client):
    login(client, coalition(app))
    page = client.get("/dashboard").get_data(as_text=True)
    for chart_id in ("chart-progress", "chart-health", "chart-status", "chart-balance", "chart-attendance-month",
                     "chart-states", "chart-sectors"):
        start = page.rfind("<svg", 0, page.index(f'id="{chart_id}-title"'))
        svg = page[start:page.index("</svg>", start) + len("</svg>")]
        root = ET.fromstring(svg)
        assert root.get("role") == "img" and root.get("aria-labelledby")
    assert page.count("<table") >= 10 and page.count("Download CSV") >= 14
    assert XSS not in page and "&lt;script&gt;" in page
    assert "Progress by working group" in page and "Multi-stakeholder balance" in page


def test_the_page_is_in_spanish_for_a_spanish_speaker(app, client):
    coordinator = coalition(app)
    coordinator.language = "es"
    db.session.commit()
    login(client, coordinator)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Avance por grupo de trabajo" in page and "Equilibrio multisectorial" in page
    assert "Descargar CSV" in page and "Download CSV" not in page


def test_csv_exports_are_utf8_with_headers_and_defused_formulas(app, client):
    login(client, coalition(app))
    response = client.get("/dashboard/overdue.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="coalition-overdue.csv"' in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Id", "Title", "Group"]
    assert rows[1][1].startswith("'=HYPERLINK")  # a spreadsheet shows it, never runs it
    assert client.get("/dashboard/nothing.csv").status_code == 404
    balance = client.get("/groups/ethics/dashboard/balance.csv?sector=academia")
    assert balance.status_code == 200 and "ethics-balance.csv" in balance.headers["Content-Disposition"]


def test_bad_filters_are_shown_beside_their_fields(app, client):
    login(client, coalition(app))
    response = client.get("/dashboard?start=2026-02-30&sector=pirates")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="filter-start-error"' in page and 'id="filter-sector-error"' in page
    assert client.get("/dashboard/overdue.csv?end=nope").status_code == 422


def test_choosing_a_group_opens_its_dashboard_with_the_other_filters(app, client):
    login(client, coalition(app))
    response = client.get("/dashboard?group=ethics&sector=academia&start=")
    assert response.status_code == 302
    assert response.headers["Location"] == "/groups/ethics/dashboard?sector=academia"
    assert client.get("/dashboard?group=nowhere").status_code == 404


def test_the_sector_filter_narrows_the_page(app, client):
    login(client, coalition(app))
    academic = client.get("/dashboard?sector=academia").get_data(as_text=True)
    industrial = client.get("/dashboard?sector=industry").get_data(as_text=True)
    assert "HYPERLINK" in academic and "HYPERLINK" not in industrial
