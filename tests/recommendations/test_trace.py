from coalition.recommendations import trace
from tests import factories
from tests.recommendations import conftest as make


def test_trace_counts_people_behind_it_and_hides_small_cells(app):
    c = make.consultation()
    t = make.theme(c)
    for n in range(6):
        make.code(make.contribution(c, sector="academia", state="JAL", channel="online"), t)
    for n in range(2):
        make.code(make.contribution(c, sector="industry", state="NLE", channel="workshop"), t)
    direct = make.contribution(c, sector="government", state="CMX", channel="forum")
    hidden = make.contribution(c, hidden_at=factories.days_ago(1))
    make.code(hidden, t)
    rec = make.recommendation(themes=[t], contributions=[direct, hidden])
    result = trace.trace(rec.id)
    assert result.total == 9
    assert result.direct == 1
    # 2 + 1 people in small cells; 6 beside the total of 9 would give their sum away, so the six are
    # hidden with them and only "9 together" shows.
    assert result.by_sector.shown == {} and result.by_sector.hidden == 9
    assert result.by_state.shown == {} and result.by_channel.shown == {}
    assert [(tc.theme.id, tc.contributions) for tc in result.themes] == [(t.id, 8)]
    page = trace.contributions_page(rec.id, 1, 5)
    assert page.total == 9 and len(page.items) == 5
    assert hidden.id not in {row.id for row in trace.contributions_page(rec.id, 1, 50).items}


def test_hidden_cells_are_summed_when_they_reach_five(app):
    c = make.consultation()
    people = []
    for sector in ("industry", "government", "civil_society"):
        people += [make.contribution(c, sector=sector), make.contribution(c, sector=sector)]
    rec = make.recommendation(contributions=people)
    result = trace.trace(rec.id)
    assert result.by_sector.shown == {}
    assert result.by_sector.hidden == 6


def test_an_empty_trace(app):
    rec = make.recommendation()
    result = trace.trace(rec.id)
    assert result.total == 0 and result.themes == [] and result.by_sector.shown == {}
