"""Who stands behind a recommendation: the contributions it cites, and those coded under its themes."""
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from coalition.consultations.models import Coding, Consultation, Contribution, Theme
from coalition.consultations.receipts import code_hash, new_code
from coalition.extensions import db
from coalition.recommendations import reach
from coalition.recommendations.models import Recommendation, SourceContribution, SourceTheme
from tests import factories


def _consultation(slug="consulta"):
    now = datetime.now(timezone.utc)
    item = Consultation(slug=slug, title_es="Consulta", title_en="Consultation", kind="questions",
                        opens_at=now - timedelta(days=10), closes_at=now - timedelta(days=1), phase="open")
    db.session.add(item)
    db.session.flush()
    return item


def _contribution(consultation, **values):
    item = Contribution(consultation_id=consultation.id, receipt_hash=code_hash(new_code()), sector="academia",
                        state="JAL", **values)
    db.session.add(item)
    db.session.flush()
    return item


def _recommendation(**values):
    item = Recommendation(group_id=factories.group("ethics").id, area="ethics", horizon="short",
                          title_es="Recomendación", title_en="Recommendation", **values)
    db.session.add(item)
    db.session.flush()
    return item


def _ids(select) -> set[int]:
    return set(db.session.execute(select).scalars())


def test_a_recommendation_stands_on_its_cited_contributions_and_everyone_coded_under_its_themes(app):
    consultation = _consultation()
    cited, coded, both, bystander = (_contribution(consultation) for _ in range(4))
    theme = Theme(consultation_id=consultation.id, name_es="Datos", name_en="Data")
    db.session.add(theme)
    db.session.flush()
    db.session.add_all([Coding(contribution_id=coded.id, theme_id=theme.id),
                        Coding(contribution_id=both.id, theme_id=theme.id)])
    recommendation = _recommendation()
    db.session.add_all([SourceContribution(recommendation_id=recommendation.id, contribution_id=cited.id),
                        SourceContribution(recommendation_id=recommendation.id, contribution_id=both.id),
                        SourceTheme(recommendation_id=recommendation.id, theme_id=theme.id)])
    db.session.flush()

    assert _ids(reach.contributions_behind([recommendation.id])) == {cited.id, coded.id, both.id}
    assert _ids(reach.recommendations_reached_by(both.id)) == {recommendation.id}
    assert _ids(reach.recommendations_reached_by(bystander.id)) == set()
    assert _ids(reach.reached_contributions(consultation.id)) == {cited.id, coded.id, both.id}


def test_hidden_contributions_stand_behind_nothing(app):
    consultation = _consultation()
    visible = _contribution(consultation)
    hidden = _contribution(consultation, hidden_at=datetime.now(timezone.utc), hidden_reason="spam")
    recommendation = _recommendation()
    for item in (visible, hidden):
        db.session.add(SourceContribution(recommendation_id=recommendation.id, contribution_id=item.id))
    db.session.flush()

    assert _ids(reach.contributions_behind([recommendation.id])) == {visible.id}
    assert _ids(reach.reached_contributions(consultation.id)) == {visible.id}


def test_reach_is_counted_per_consultation(app):
    first, second = _consultation("primera"), _consultation("segunda")
    one, other = _contribution(first), _contribution(second)
    recommendation = _recommendation()
    for item in (one, other):
        db.session.add(SourceContribution(recommendation_id=recommendation.id, contribution_id=item.id))
    db.session.flush()

    assert _ids(reach.reached_contributions(first.id)) == {one.id}
    count = db.session.execute(sa.select(sa.func.count()).select_from(
        reach.contributions_behind([recommendation.id]).subquery())).scalar_one()
    assert count == 2
