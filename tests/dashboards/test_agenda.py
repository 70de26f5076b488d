"""The dashboards' consultation and agenda section: figures of the current consultation, recommendations by
area × horizon × group and by state, in a fixed number of queries."""
from __future__ import annotations

from coalition.dashboards.agenda import agenda_section, current_consultation
from coalition.extensions import db
from tests import factories
from tests.analysis import factories as consult
from tests.conftest import login
from tests.test_query_counts import count_queries


def test_the_section_counts_recommendations_by_area_horizon_group_and_state(app):
    consult.recommendation("ethics", area="data", horizon="long", state="adopted")
    consult.recommendation("ethics", area="data", horizon="long", state="draft")
    consult.recommendation("governance", area="data", horizon="long", state="adopted")
    ethics, governance = factories.group("ethics"), factories.group("governance")
    section = agenda_section()
    assert section.count("data", "long") == 3 and section.count("data", "long", ethics.id) == 2
    assert section.by_state == {"draft": 1, "adopted": 2}
    assert agenda_section(governance.id).by_state == {"adopted": 1}


def test_the_current_consultation_is_the_open_one_else_the_latest_closed(app):
    closed = consult.consultation(("ethics",))
    assert current_consultation() == closed
    assert current_consultation(factories.group("skills").id) is None
    now = factories.days_ago(0)
    opened = consult.consultation(("governance",), opens_at=factories.days_ago(2),
                                  closes_at=now.replace(year=now.year + 1))
    assert current_consultation() == opened
    assert current_consultation(factories.group("ethics").id) == closed


def test_the_coordinators_dashboard_shows_the_section_in_bounded_queries(app, client):
    coordinator = factories.user(role="coordinator")
    consultation = consult.consultation(("ethics",))

    def grow(n):
        for i in range(n):
            consult.contribution(consultation, sector=("academia", "industry")[i % 2])
            consult.recommendation(("ethics", "data", "skills")[i % 3], area=("data", "ethics")[i % 2])
        db.session.commit()

    grow(10)
    login(client, coordinator)
    counts = []
    for _ in range(2):
        with count_queries() as statements:
            body = client.get("/dashboard").get_data(as_text=True)
        counts.append(len(statements))
        grow(30)
    # 27: the consultation's cached figures read the context version and the newest contribution.
    assert counts[0] == counts[1] <= 27, counts
    assert consultation.title_es in body and 'id="chart-recommendation-states-title"' in body
    assert "chart-sector-title" in body
    lead = factories.user(groups={"ethics": "lead"})
    db.session.commit()
    other = app.test_client()
    login(other, lead)
    assert consultation.title_es in other.get("/groups/ethics/dashboard").get_data(as_text=True)
