"""The trace's counts come from the exact cache, and every change that moves them is seen at once."""

from coalition.analysis import services as analysis
from coalition.extensions import db
from coalition.recommendations import services, trace
from tests import factories
from tests.recommendations import conftest as make


def test_coding_hiding_and_citing_each_change_the_cached_trace_at_once(app, exact_cache):
    coordinator = factories.user(role="coordinator")
    c = make.consultation()
    t = make.theme(c)
    people = [make.contribution(c, sector="academia") for _ in range(6)]
    for item in people[:5]:
        make.code(item, t)
    rec = make.recommendation(themes=[t])
    db.session.commit()
    assert trace.trace(rec.id).total == 5
    assert trace.contributions_page(rec.id, 1, 20).total == 5

    analysis.set_themes(coordinator, people[5].id, [t.id])  # coded under a cited theme
    db.session.commit()
    assert trace.trace(rec.id).total == 6
    assert trace.contributions_page(rec.id, 1, 20).total == 6

    analysis.hide(coordinator, people[0].id, "Publicidad")
    db.session.commit()
    assert trace.trace(rec.id).total == 5

    services.update_recommendation(coordinator, rec.id, themes=[])  # no longer cited: a Core delete
    db.session.commit()
    assert trace.trace(rec.id).total == 0
    assert trace.contributions_page(rec.id, 1, 20).items == []


def test_a_new_contribution_does_not_touch_the_cache_but_the_queue_counts_it(app, exact_cache, client):
    from tests.analysis import factories as consult
    from tests.conftest import login

    lead = factories.user(groups={"ethics": "lead"})
    c = consult.consultation(("ethics",))
    consult.contribution(c)
    db.session.commit()
    login(client, lead)
    first = client.get(f"/consultations/{c.slug}/coding")
    consult.contribution(c)
    db.session.commit()
    second = client.get(f"/consultations/{c.slug}/coding")
    assert first.status_code == second.status_code == 200
    assert "0 de 1" in first.get_data(as_text=True)
    assert "0 de 2" in second.get_data(as_text=True)
