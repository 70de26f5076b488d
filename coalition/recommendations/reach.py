"""Which contributions stand behind which recommendations.

A contribution is behind a recommendation when the recommendation cites it directly, or cites a theme
the contribution was coded under. Hidden contributions are behind nothing. Every query here is one
SELECT whatever the numbers, for pages, the API, figures and the messages to contributors alike.
"""
from __future__ import annotations

import sqlalchemy as sa

from coalition.consultations.models import Coding, Contribution
from coalition.recommendations.models import SourceContribution, SourceTheme


def _links() -> sa.Subquery:
    """(recommendation_id, contribution_id) for every citation, direct or through a theme."""
    direct = sa.select(SourceContribution.recommendation_id, SourceContribution.contribution_id)
    through_themes = (sa.select(SourceTheme.recommendation_id, Coding.contribution_id)
                      .join(Coding, Coding.theme_id == SourceTheme.theme_id))
    return sa.union(direct, through_themes).subquery("links")


def contributions_behind(recommendation_ids) -> sa.Select:
    """SELECT of the distinct visible contributions' ids behind any of `recommendation_ids`.

    `recommendation_ids` is a list of ids or a scalar subquery/select of them."""
    links = _links()
    return (sa.select(links.c.contribution_id.label("contribution_id"))
            .join(Contribution, Contribution.id == links.c.contribution_id)
            .where(links.c.recommendation_id.in_(recommendation_ids), Contribution.hidden_at.is_(None))
            .distinct())


def recommendations_reached_by(contribution_id: int) -> sa.Select:
    """SELECT of the distinct recommendation ids a contribution is behind."""
    links = _links()
    return (sa.select(links.c.recommendation_id.label("recommendation_id"))
            .where(links.c.contribution_id == contribution_id).distinct())


def reached_contributions(consultation_id: int) -> sa.Select:
    """SELECT of the distinct visible contribution ids of a consultation behind at least one recommendation."""
    links = _links()
    return (sa.select(links.c.contribution_id.label("contribution_id"))
            .join(Contribution, Contribution.id == links.c.contribution_id)
            .where(Contribution.consultation_id == consultation_id, Contribution.hidden_at.is_(None))
            .distinct())
