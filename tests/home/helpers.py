"""A coalition with one of each thing that needs a coordinator this week."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from coalition.extensions import db
from coalition.imports import services as imports
from tests import factories
from tests.analysis import factories as consultations
from tests.imports.helpers import csv_bytes

INSTITUTIONS = csv_bytes([["nombre", "sector", "estado"], ["Centro de IA de Yucatán", "academia", "Yucatán"]])
# A held meeting at a fixed instant: 17:30 UTC is 11:30 in Mexico City and 09:30 in Tijuana (PST, no DST).
HELD_AT = datetime(2026, 1, 15, 17, 30, tzinfo=timezone.utc)


def needs(coordinator) -> dict:
    """An overdue deliverable, a stale one, a held meeting without minutes, a consultation with two uncoded
    contributions (and a coded and a hidden one), and `coordinator`'s pending institutions import."""
    overdue = factories.deliverable("ethics", title="Guía vencida", due_date=factories.today() - timedelta(days=2))
    stale = factories.deliverable("data", title="Informe olvidado", status="in_progress",
                                  last_update_at=factories.days_ago(40))
    meeting = factories.meeting("ethics", title="Sesión sin minuta", status="held", starts_at=HELD_AT)
    consultation = consultations.consultation(slug="foros-ia", title_en="AI forums", title_es="Foros de IA")
    for _ in range(2):
        consultations.contribution(consultation)
    consultations.code(consultations.contribution(consultation), consultations.theme(consultation))
    consultations.contribution(consultation, hidden_at=factories.days_ago(1))
    pending = imports.keep(coordinator, "institutions", INSTITUTIONS, "lista.csv", {})
    db.session.commit()
    return {"overdue": overdue, "stale": stale, "meeting": meeting, "consultation": consultation,
            "import": pending}
