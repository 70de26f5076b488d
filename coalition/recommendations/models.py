"""The agenda: recommendations built by the working groups from the consultation, traced back to the
contributions and themes they stand on, and forward to the deliverables that carry them out.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.database import UTCDateTime, utcnow
from coalition.extensions import db

# The five areas of the strategy report (SPEC "Consultation and agenda", fixed keys).
AREAS = {
    "governance": _l("Governance, government and public services"),
    "research": _l("Research and development"),
    "skills": _l("Capacity, skills and education"),
    "data": _l("Data infrastructure"),
    "ethics": _l("Ethics and regulation"),
}
HORIZONS = {
    "short": _l("Short term"),
    "medium": _l("Medium term"),
    "long": _l("Long term"),
}
RECOMMENDATION_STATES = {
    "draft": _l("Draft"),
    "in_consultation": _l("In consultation"),
    "adopted": _l("Adopted"),
    "merged": _l("Merged"),
    "rejected": _l("Rejected"),
}
# These states tell the public why: they need a public answer.
ANSWER_REQUIRED = ("merged", "rejected")

# Limits, declared once: columns, forms, API schemas and services read them here.
TITLE_MAX = 300
TEXT_MAX = 20_000
ANSWER_MAX = 10_000
SOURCES_MAX = 5_000  # contributions cited directly by one recommendation
THEME_SOURCES_MAX = 200
DELIVERABLES_MAX = 100
HISTORY_PAGE = 50  # changes shown at once on a recommendation's page


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Recommendation(db.Model):
    __tablename__ = "recommendations"
    __table_args__ = (
        sa.CheckConstraint(_in("area", AREAS), name="area"),
        sa.CheckConstraint(_in("horizon", HORIZONS), name="horizon"),
        sa.CheckConstraint(_in("state", RECOMMENDATION_STATES), name="state"),
        sa.Index("ix_recommendations_group_area_horizon", "group_id", "area", "horizon"),
        sa.Index("ix_recommendations_state", "state", "published"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("working_groups.id", ondelete="RESTRICT"))
    area: Mapped[str] = mapped_column(sa.String(20))
    horizon: Mapped[str] = mapped_column(sa.String(10))
    title_es: Mapped[str] = mapped_column(sa.String(TITLE_MAX))
    title_en: Mapped[str] = mapped_column(sa.String(TITLE_MAX))
    text_es: Mapped[str] = mapped_column(sa.Text, default="")
    text_en: Mapped[str] = mapped_column(sa.Text, default="")
    state: Mapped[str] = mapped_column(sa.String(20), default="draft")
    # The public answer to the people behind it: why adopted, merged or rejected.
    answer_es: Mapped[str] = mapped_column(sa.Text, default="")
    answer_en: Mapped[str] = mapped_column(sa.Text, default="")
    # Grows each time a published answer (or state) changes: one more message to the contributors.
    answer_revision: Mapped[int] = mapped_column(default=0)
    published: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    # A merged recommendation points to the one that absorbed it.
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("recommendations.id", ondelete="RESTRICT"),
                                                       index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    group = relationship("WorkingGroup")
    merged_into = relationship("Recommendation", remote_side=[id], foreign_keys=[merged_into_id])
    published_by = relationship("User", foreign_keys=[published_by_id])

    @property
    def area_label(self) -> str:
        return str(AREAS.get(self.area, self.area))

    @property
    def horizon_label(self) -> str:
        return str(HORIZONS.get(self.horizon, self.horizon))

    @property
    def state_label(self) -> str:
        return str(RECOMMENDATION_STATES.get(self.state, self.state))

    def title_in(self, language: str) -> str:
        return (self.title_es if language == "es" else self.title_en) or self.title_es or self.title_en

    def text_in(self, language: str) -> str:
        return (self.text_es if language == "es" else self.text_en) or self.text_es or self.text_en

    def answer_in(self, language: str) -> str:
        return (self.answer_es if language == "es" else self.answer_en) or self.answer_es or self.answer_en

    def __repr__(self) -> str:
        return f"<Recommendation {self.id} {self.state}>"


class SourceContribution(db.Model):
    """A contribution a recommendation stands on, chosen from the coding results."""

    __tablename__ = "recommendation_contributions"

    recommendation_id: Mapped[int] = mapped_column(sa.ForeignKey("recommendations.id", ondelete="RESTRICT"),
                                                   primary_key=True)
    contribution_id: Mapped[int] = mapped_column(sa.ForeignKey("contributions.id", ondelete="RESTRICT"),
                                                 primary_key=True, index=True)
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SourceTheme(db.Model):
    """A theme a recommendation stands on: every contribution coded under it is behind it."""

    __tablename__ = "recommendation_themes"

    recommendation_id: Mapped[int] = mapped_column(sa.ForeignKey("recommendations.id", ondelete="RESTRICT"),
                                                   primary_key=True)
    theme_id: Mapped[int] = mapped_column(sa.ForeignKey("themes.id", ondelete="RESTRICT"), primary_key=True,
                                          index=True)
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecommendationDeliverable(db.Model):
    """A deliverable that carries a recommendation out."""

    __tablename__ = "recommendation_deliverables"

    recommendation_id: Mapped[int] = mapped_column(sa.ForeignKey("recommendations.id", ondelete="RESTRICT"),
                                                   primary_key=True)
    deliverable_id: Mapped[int] = mapped_column(sa.ForeignKey("deliverables.id", ondelete="RESTRICT"),
                                                primary_key=True, index=True)


class RecommendationSplit(db.Model):
    """One recommendation gave rise to another: read both ways."""

    __tablename__ = "recommendation_splits"

    parent_id: Mapped[int] = mapped_column(sa.ForeignKey("recommendations.id", ondelete="RESTRICT"),
                                           primary_key=True)
    child_id: Mapped[int] = mapped_column(sa.ForeignKey("recommendations.id", ondelete="RESTRICT"),
                                          primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecommendationRevision(db.Model):
    """The history of a recommendation: who changed what, and when."""

    __tablename__ = "recommendation_revisions"
    __table_args__ = (sa.Index("ix_recommendation_revisions_rec_id", "recommendation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(sa.ForeignKey("recommendations.id", ondelete="RESTRICT"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    action: Mapped[str] = mapped_column(sa.String(40))
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor = relationship("User")
