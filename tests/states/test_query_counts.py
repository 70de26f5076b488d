"""The chapter pages issue the same number of SQL queries whatever the data size (no N+1)."""
from __future__ import annotations

from datetime import timedelta

from coalition.extensions import db
from coalition.policy.models import EngagementInstitution, Follow, InstrumentStage
from coalition.states.models import StateLiaison
from tests import factories
from tests.conftest import login
from tests.recommendations.conftest import consultation, contribution, recommendation
from tests.states.test_chapters import engagement, instrument, uptake
from tests.test_query_counts import count_queries, counts_in_fresh_database

PAGES = ["/states", "/states?measure=contributions", "/states?measure=members_per_million", "/states/JAL",
         "/states/jal?people_page=2&instruments_page=2&uptakes_page=2&engagements_page=2", "/states/ABROAD",
         "/states/JAL?person_q=a"]


def build(size: int):
    """`size` institutions (with people), instruments (with stages and uptakes), engagements, consultations
    and liaisons in Jalisco, and as many elsewhere."""
    member = factories.user(institution_id=factories.institution(state="JAL").id)
    coordinator = factories.user(role="coordinator")
    for n in range(size):
        for state in ("JAL", "NLE", "abroad"):
            here = factories.institution(state=state, sector=("industry", "academia", "government")[n % 3])
            person = factories.user(institution_id=here.id)
            db.session.add(Follow(user_id=person.id, state="JAL"))
        strategy = instrument("JAL", jurisdiction="municipal" if n % 4 == 0 else "JAL", place="Zapopan")
        db.session.add(InstrumentStage(instrument_id=strategy.id, stage="approved", on_date=strategy.stage_on))
        uptake(strategy, recommendation(), ("cited", "partial", "adopted")[n % 3])
        instrument("NLE")
        held = engagement("JAL", factories.today() + timedelta(days=(n % 20) - 10))
        db.session.add(EngagementInstitution(engagement_id=held.id, institution_id=here.id))
        survey = consultation()
        for _ in range(1 + n % 7):
            contribution(survey, state="JAL")
        contribution(survey, state="NLE")
        db.session.add(StateLiaison(state="JAL", user_id=factories.user().id))
    db.session.commit()
    return member, coordinator


def queries_per_page(app, size: int) -> dict[str, int]:
    member, coordinator = build(size)
    counts = {}
    for who in (member, coordinator):
        client = app.test_client()
        login(client, who)
        for page in PAGES:
            with count_queries() as statements:
                response = client.get(page)
            assert response.status_code == 200, page
            counts[f"{who.role} {page}"] = len(statements)
    return counts


def test_chapter_pages_issue_the_same_queries_with_1_and_40_of_everything(template_db, tmp_path):
    small = counts_in_fresh_database(template_db, tmp_path / "small.db", 1, queries_per_page)
    large = counts_in_fresh_database(template_db, tmp_path / "large.db", 40, queries_per_page)
    assert small == large
    assert max(small.values()) <= 25, small
