"""The recommendation pages and the trace issue the same number of queries whatever the numbers behind them."""
from __future__ import annotations

import re

from coalition.extensions import db
from coalition.recommendations.models import RecommendationDeliverable, RecommendationSplit
from tests import factories
from tests.conftest import login
from tests.recommendations import conftest as make
from tests.test_query_counts import count_queries, counts_in_fresh_database

SECTORS = ("academia", "industry", "government", "civil_society", "individual")
STATES = ("JAL", "NLE", "CMX", "YUC", "abroad")
CHANNELS = ("online", "workshop", "forum")


def build(size: int):
    """A recommendation standing on `size` coded contributions, with themes, deliverables, merges and splits."""
    member = factories.user(groups={"ethics": "member"})
    coordinator = factories.user(role="coordinator")
    c = make.consultation()
    themes = [make.theme(c) for _ in range(max(2, size // 20))]
    direct = []
    for n in range(size):
        item = make.contribution(c, sector=SECTORS[n % 5], state=STATES[n % 5], channel=CHANNELS[n % 3],
                                 email=f"p{n}@example.org" if n % 2 else None)
        make.code(item, themes[n % len(themes)])
        if n % 10 == 0:
            direct.append(item)
    rec = make.recommendation(themes=themes, contributions=direct)
    for n in range(max(1, size // 20)):
        d = factories.deliverable("ethics", owner=member)
        db.session.add(RecommendationDeliverable(recommendation_id=rec.id, deliverable_id=d.id))
        make.recommendation(state="merged", merged_into_id=rec.id, answer_es="Se une")
        child = make.recommendation()
        db.session.add(RecommendationSplit(parent_id=rec.id, child_id=child.id))
        make.recommendation("governance", area=("data", "skills")[n % 2])
    db.session.commit()
    return member, coordinator, rec


def queries_per_page(app, size: int) -> dict[str, int]:
    member, coordinator, rec = build(size)
    pages = ["/recommendations", f"/recommendations/{rec.id}", f"/recommendations/{rec.id}?page=2",
             "/recommendations?area=ethics&q=Reco"]
    counts = {}
    for who, extra in ((member, []), (coordinator, [f"/recommendations/{rec.id}/edit", "/recommendations/new"])):
        client = app.test_client()
        login(client, who)
        for page in pages + extra:
            with count_queries() as statements:
                response = client.get(page)
            assert response.status_code == 200, page
            counts[f"{who.role} {re.sub(r'[0-9]+', 'N', page)}"] = len(statements)
    from coalition.recommendations import trace
    with count_queries() as statements:
        trace.trace(rec.id)
    counts["trace"] = len(statements)
    return counts


def test_recommendation_pages_issue_the_same_queries_with_40_and_400_contributions(template_db, tmp_path):
    small = counts_in_fresh_database(template_db, tmp_path / "small.db", 40, queries_per_page)
    large = counts_in_fresh_database(template_db, tmp_path / "large.db", 400, queries_per_page)
    assert small == large
    assert small["trace"] == 4  # three counts (cached between changes) and the cited themes by id
    assert max(small.values()) <= 30, small
