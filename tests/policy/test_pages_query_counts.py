"""The policy pages issue the same number of SQL queries with 1 and with 30 stages, uptakes and engagements."""
from __future__ import annotations

import re
from datetime import date, timedelta

from coalition.extensions import db
from coalition.policy.models import STAGES
from tests import factories, policy
from tests.analysis import factories as agenda
from tests.conftest import login
from tests.test_query_counts import count_queries, counts_in_fresh_database


def build(size: int):
    """An instrument with `size` stages, uptakes and engagements, each by someone else, and `size` more instruments."""
    liaison = policy.liaison(factories.user(), "JAL")
    member = factories.user()
    coordinator = factories.user(role="coordinator")
    item = policy.instrument(jurisdiction="JAL")
    stages = list(STAGES)
    for n in range(size):
        person = factories.user(role="coordinator")
        policy.stage(item, stages[n % len(stages)], date(2020, 1, 1) + timedelta(days=10 * n), note=f"Nota {n}", by=person)
        recommendation = agenda.recommendation()
        policy.uptake(item, recommendation, degree=("cited", "partial", "adopted")[n % 3], by=person)
        meeting = policy.engagement(institutions=[factories.institution(state="JAL") for _ in range(2)],
                                    instrument_id=item.id, position_approved_at=factories.days_ago(1),
                                    position_approved_by_id=person.id)
        policy.follow_up(meeting, f"Pendiente {n}")
        other = policy.instrument(jurisdiction=("JAL", "federal", "NLE")[n % 3])
        policy.stage(other, "proposed", date(2024, 1, 1) + timedelta(days=n))
    db.session.commit()
    return {"liaison": liaison, "member": member, "coordinator": coordinator}, item, meeting, recommendation


def measure(app, size: int) -> dict[str, int]:
    people, item, meeting, recommendation = build(size)
    pages = ["/instruments", "/instruments?state=JAL&stage=proposed&q=estrategia", f"/instruments/{item.id}",
             "/engagements", f"/engagements/{meeting.id}", f"/instruments/{item.id}/edit",
             f"/engagements/{meeting.id}/edit", f"/recommendations/{recommendation.id}"]
    counts = {}
    for role, person in people.items():
        client = app.test_client()
        login(client, person)
        for page in pages:
            with count_queries() as statements:
                response = client.get(page)
            if response.status_code == 403:
                continue  # the editors are the recorders'
            assert response.status_code == 200, (role, page)
            counts[f"{role} {re.sub(r'[0-9]+', 'N', page)}"] = len(statements)
    return counts


def test_policy_pages_issue_the_same_queries_with_1_and_30_records(template_db, tmp_path):
    one = counts_in_fresh_database(template_db, tmp_path / "one.db", 1, measure)
    thirty = counts_in_fresh_database(template_db, tmp_path / "thirty.db", 30, measure)
    assert one == thirty
    assert "liaison /instruments/N" in one and "member /instruments/N" in one
    assert max(one.values()) <= 30, one
