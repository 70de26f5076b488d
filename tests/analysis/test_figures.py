"""A consultation's figures: counted in SQL, hidden contributions left out, no cell of fewer than 5 people."""
from __future__ import annotations

from datetime import datetime, timezone

from coalition.analysis.figures import consultation_figures
from coalition.extensions import db
from coalition.recommendations.models import SourceContribution, SourceTheme
from tests import factories
from tests.analysis import factories as consult
from tests.test_query_counts import count_queries


def test_breakdowns_never_show_a_cell_of_fewer_than_five(consultation):
    for _ in range(6):
        consult.contribution(consultation, sector="academia", state="JAL", gender="Mujer")
    for _ in range(4):
        consult.contribution(consultation, sector="industry", state="NLE", gender=" mujer ")
    consult.contribution(consultation, sector="government", state="CMX", gender="no binario")
    figures = consultation_figures(consultation)
    assert figures.breakdowns["sector"].shown == [("academia", 6)]
    # The industry (4) and government (1) cells hold 5 people together: shown only as that total.
    assert figures.breakdowns["sector"].hidden == 5
    assert figures.breakdowns["state"].shown == [("JAL", 6)]
    # Self-described genders are compared without case or spaces: "Mujer" and " mujer " are one cell.
    # ("Mujer" and " mujer " make 10), but 10 beside a total of 11 would give the one other person away:
    # the ten are hidden with them, and only "11 together" is shown.
    assert figures.breakdowns["gender"].shown == []
    assert figures.breakdowns["gender"].hidden == 11


def test_hidden_contributions_count_in_no_figure(consultation):
    for _ in range(5):
        consult.contribution(consultation)
    for _ in range(3):
        consult.contribution(consultation, hidden_at=factories.days_ago(1), hidden_reason="spam")
    figures = consultation_figures(consultation)
    assert figures.total == 5
    assert figures.breakdowns["channel"].shown == [("online", 5)]


def test_share_coded_and_share_reached(consultation):
    theme, other = consult.theme(consultation), consult.theme(consultation)
    items = [consult.contribution(consultation) for _ in range(4)]
    consult.code(items[0], theme)
    consult.code(items[1], other)
    rec = consult.recommendation()
    db.session.add_all([SourceTheme(recommendation_id=rec.id, theme_id=theme.id),
                        SourceContribution(recommendation_id=rec.id, contribution_id=items[3].id)])
    db.session.flush()
    figures = consultation_figures(consultation)
    assert (figures.total, figures.coded, figures.reached) == (4, 2, 2)
    assert figures.share_coded == 0.5 and figures.share_reached == 0.5


def test_contributions_by_day_are_counted_in_the_coalition_timezone(consultation):
    # 03:00 UTC on 2 March is still 1 March in Mexico City.
    consult.contribution(consultation, submitted_at=datetime(2030, 3, 2, 3, 0, tzinfo=timezone.utc))
    consult.contribution(consultation, submitted_at=datetime(2030, 3, 2, 18, 0, tzinfo=timezone.utc))
    assert consultation_figures(consultation).by_day == [("2030-03-01", 1), ("2030-03-02", 1)]


def test_figures_take_the_same_queries_whatever_the_size(consultation):
    def queries() -> int:
        db.session.expire_all()
        with count_queries() as statements:
            consultation_figures(consultation)
        return len(statements)

    consult.contribution(consultation)
    small = queries()
    for n in range(30):
        consult.contribution(consultation, sector=("academia", "industry")[n % 2], state=("JAL", "NLE", "CMX")[n % 3])
    assert queries() == small
