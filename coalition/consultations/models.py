"""The national consultation: consultations, their questions, the contributions people send, and the
themes the working groups code them under.

A contribution is never deleted: moderators hide it with a reason. Its receipt code is shown once to
the person who sent it; only its SHA-256 is stored, so a copy of the database does not open anyone's
receipt page.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.database import UTCDateTime, utcnow
from coalition.extensions import db
from coalition.institutions.models import ABROAD, SECTORS, STATES

# --- fixed vocabularies (SPEC "Consultation and agenda") ------------------------------------------

CONSULTATION_KINDS = {
    "questions": _l("Questions"),
    "comments": _l("Comments on draft recommendations"),
    "both": _l("Questions and comments"),
}
# What a coordinator sets. `open` means "published": the dates then decide whether it is open
# (taking contributions), not yet open (`scheduled`) or `closed`.
CONSULTATION_PHASES = ("draft", "open", "analysed", "reported")
CONSULTATION_STATES = {
    "draft": _l("Draft"),
    "scheduled": _l("Opens soon"),
    "open": _l("Open"),
    "closed": _l("Closed"),
    "analysed": _l("Analysed"),
    "reported": _l("Reported"),
}
QUESTION_KINDS = {
    "text": _l("Free text"),
    "single": _l("One choice"),
    "multiple": _l("Several choices"),
}
PROFILE_SECTORS = {**SECTORS, "individual": _l("Individual")}
PROFILE_STATES = (*STATES, ABROAD)
CHANNELS = {
    "online": _l("Online"),
    "workshop": _l("Workshop"),
    "forum": _l("State forum"),
    "import": _l("Import"),
}
AGE_BANDS = {
    "under_18": _l("Under 18"),
    "18_29": _l("18 to 29"),
    "30_44": _l("30 to 44"),
    "45_64": _l("45 to 64"),
    "65_plus": _l("65 or over"),
    "undisclosed": _l("Prefer not to say"),
}

# --- limits, declared once: columns, forms, API schemas, imports and services read them here ------

SLUG_MAX = 80
TITLE_MAX = 200
DESCRIPTION_MAX = 20_000
PROMPT_MAX = 1_000
CHOICE_MAX = 200
CHOICES_MAX = 30  # choices of one question
QUESTIONS_MAX = 50  # questions of one consultation
ANSWER_MAX = 5_000  # one free-text answer or one comment
INSTITUTION_MAX = 200
GENDER_MAX = 60
EMAIL_MAX = 254
EXTERNAL_ID_MAX = 100
THEME_NAME_MAX = 120
THEME_DESCRIPTION_MAX = 2_000
THEMES_MAX = 200  # themes of one consultation
HIDE_REASON_MAX = 500
RECEIPT_CODE_LENGTH = 12
# Demographic figures never show a group of fewer people than this.
MIN_CELL = 5

consultation_groups = sa.Table(
    "consultation_groups",
    db.metadata,
    sa.Column("consultation_id", sa.ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("group_id", sa.ForeignKey("working_groups.id", ondelete="RESTRICT"), primary_key=True, index=True),
)


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Consultation(db.Model):
    __tablename__ = "consultations"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", CONSULTATION_KINDS), name="kind"),
        sa.CheckConstraint(_in("phase", CONSULTATION_PHASES), name="phase"),
        sa.CheckConstraint("closes_at > opens_at", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(SLUG_MAX), unique=True)
    title_es: Mapped[str] = mapped_column(sa.String(TITLE_MAX))
    title_en: Mapped[str] = mapped_column(sa.String(TITLE_MAX))
    description_es: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    kind: Mapped[str] = mapped_column(sa.String(20), default="questions")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    phase: Mapped[str] = mapped_column(sa.String(20), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # The results (participation, themes, the recommendations it fed) on the public portal, once a
    # coordinator publishes them after the consultation closes.
    results_published: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    results_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    results_published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    groups = relationship("WorkingGroup", secondary=consultation_groups, order_by="WorkingGroup.position")
    questions = relationship("Question", back_populates="consultation", order_by="Question.position",
                             passive_deletes="all")
    # The draft recommendations put up for comment, in the order they are shown.
    recommendations = relationship("Recommendation", secondary="consultation_recommendations",
                                   order_by="ConsultationRecommendation.position", viewonly=True)

    def state_at(self, now: datetime) -> str:
        """One of CONSULTATION_STATES: the coordinator's phase, with `open` read against the dates."""
        if self.phase != "open":
            return self.phase
        if now < self.opens_at:
            return "scheduled"
        if now >= self.closes_at:
            return "closed"
        return "open"

    @property
    def state(self) -> str:
        return self.state_at(utcnow())

    @property
    def state_label(self) -> str:
        return str(CONSULTATION_STATES[self.state])

    @property
    def asks_questions(self) -> bool:
        return self.kind in ("questions", "both")

    @property
    def takes_comments(self) -> bool:
        return self.kind in ("comments", "both")

    def title_in(self, language: str) -> str:
        return self.title_es if language == "es" else self.title_en

    def description_in(self, language: str) -> str:
        return self.description_es if language == "es" else self.description_en

    @classmethod
    def results_public(cls):
        """SQL: the results are on the public portal — published once the consultation had closed, and
        not reopened since (its closing moved past the publication). No clock: exact in any cache."""
        return sa.and_(cls.results_published.is_(True), cls.results_published_at.is_not(None),
                       cls.phase != "draft",
                       sa.or_(cls.phase.in_(("analysed", "reported")), cls.closes_at <= cls.results_published_at))

    def __repr__(self) -> str:
        return f"<Consultation {self.slug}>"


class ConsultationRecommendation(db.Model):
    """A draft recommendation put up for comment in a consultation."""

    __tablename__ = "consultation_recommendations"

    consultation_id: Mapped[int] = mapped_column(sa.ForeignKey("consultations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(sa.ForeignKey("recommendations.id", ondelete="RESTRICT"),
                                                   primary_key=True, index=True)
    position: Mapped[int] = mapped_column(default=0)


class Question(db.Model):
    __tablename__ = "questions"
    __table_args__ = (
        sa.UniqueConstraint("consultation_id", "position"),
        sa.CheckConstraint(_in("kind", QUESTION_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(sa.ForeignKey("consultations.id", ondelete="RESTRICT"))
    # 1, 2, …: the form's inputs are named q<position>.
    position: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(sa.String(10), default="text")
    prompt_es: Mapped[str] = mapped_column(sa.String(PROMPT_MAX))
    prompt_en: Mapped[str] = mapped_column(sa.String(PROMPT_MAX))
    required: Mapped[bool] = mapped_column(default=False)

    consultation = relationship("Consultation", back_populates="questions")
    choices = relationship("Choice", back_populates="question", order_by="Choice.position", passive_deletes="all")

    @property
    def name(self) -> str:
        return f"q{self.position}"

    def prompt_in(self, language: str) -> str:
        return self.prompt_es if language == "es" else self.prompt_en


class Choice(db.Model):
    __tablename__ = "question_choices"
    __table_args__ = (sa.UniqueConstraint("question_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("questions.id", ondelete="RESTRICT"))
    # 1, 2, …: the value the form sends and the export writes.
    position: Mapped[int] = mapped_column()
    label_es: Mapped[str] = mapped_column(sa.String(CHOICE_MAX))
    label_en: Mapped[str] = mapped_column(sa.String(CHOICE_MAX))

    question = relationship("Question", back_populates="choices")

    def label_in(self, language: str) -> str:
        return self.label_es if language == "es" else self.label_en


class Contribution(db.Model):
    __tablename__ = "contributions"
    __table_args__ = (
        sa.UniqueConstraint("consultation_id", "external_id"),
        sa.CheckConstraint(_in("channel", CHANNELS), name="channel"),
        sa.CheckConstraint(_in("sector", PROFILE_SECTORS), name="sector"),
        sa.CheckConstraint(_in("state", PROFILE_STATES), name="state"),
        sa.CheckConstraint(f"age_band IS NULL OR {_in('age_band', AGE_BANDS)}", name="age_band"),
        sa.CheckConstraint("language IN ('es', 'en')", name="language"),
        sa.Index("ix_contributions_consultation_submitted", "consultation_id", "submitted_at"),
        # The coding queue walks a consultation's contributions in id order.
        sa.Index("ix_contributions_consultation_id", "consultation_id", "id"),
        # Duplicate text from one address within a day: one indexed look-up.
        sa.Index("ix_contributions_duplicates", "consultation_id", "source_hash", "text_hash"),
        sa.Index("ix_contributions_consultation_profile", "consultation_id", "sector", "state", "channel"),
        # Full-text search on PostgreSQL (coalition.analysis queries this very expression).
        sa.Index("ix_contributions_search", sa.text("to_tsvector('spanish', search_text)"),
                 postgresql_using="gin").ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(sa.ForeignKey("consultations.id", ondelete="RESTRICT"))
    receipt_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    channel: Mapped[str] = mapped_column(sa.String(10), default="online")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sector: Mapped[str] = mapped_column(sa.String(20))
    state: Mapped[str] = mapped_column(sa.String(10))
    institution: Mapped[str | None] = mapped_column(sa.String(INSTITUTION_MAX))
    age_band: Mapped[str | None] = mapped_column(sa.String(12))
    gender: Mapped[str | None] = mapped_column(sa.String(GENDER_MAX))
    # Kept only when the person asked to be told what happened to their input.
    email: Mapped[str | None] = mapped_column(sa.String(EMAIL_MAX))
    language: Mapped[str] = mapped_column(sa.String(2), default="es")
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Paper-collected contributions carry the identifier of their sheet: importing twice adds nothing.
    external_id: Mapped[str | None] = mapped_column(sa.String(EXTERNAL_ID_MAX))
    # HMACs (never the address itself) of where it came from and of its text: abuse limits only.
    source_hash: Mapped[str | None] = mapped_column(sa.String(64))
    text_hash: Mapped[str | None] = mapped_column(sa.String(64))
    # Every answer and comment in one text, for the search.
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    hidden_reason: Mapped[str | None] = mapped_column(sa.String(HIDE_REASON_MAX))

    consultation = relationship("Consultation")
    answers = relationship("Answer", back_populates="contribution", passive_deletes="all",
                           order_by="Answer.id")
    comments = relationship("Comment", back_populates="contribution", passive_deletes="all",
                            order_by="Comment.id")
    codings = relationship("Coding", back_populates="contribution", passive_deletes="all")

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class Answer(db.Model):
    """One answer: the text of a free-text question, or one chosen choice (one row per choice)."""

    __tablename__ = "answers"
    __table_args__ = (
        sa.Index("ix_answers_contribution", "contribution_id", "question_id"),
        sa.Index("ix_answers_question_choice", "question_id", "choice_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(sa.ForeignKey("contributions.id", ondelete="RESTRICT"))
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("questions.id", ondelete="RESTRICT"))
    choice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("question_choices.id", ondelete="RESTRICT"))
    text: Mapped[str | None] = mapped_column(sa.Text)

    contribution = relationship("Contribution", back_populates="answers")
    question = relationship("Question")
    choice = relationship("Choice")


class Comment(db.Model):
    """A comment on one draft recommendation put up for comment."""

    __tablename__ = "contribution_comments"
    __table_args__ = (sa.UniqueConstraint("contribution_id", "recommendation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(sa.ForeignKey("contributions.id", ondelete="RESTRICT"))
    recommendation_id: Mapped[int] = mapped_column(sa.ForeignKey("recommendations.id", ondelete="RESTRICT"),
                                                   index=True)
    text: Mapped[str] = mapped_column(sa.Text)

    contribution = relationship("Contribution", back_populates="comments")
    recommendation = relationship("Recommendation")


class Theme(db.Model):
    """A theme the working groups code a consultation's contributions under."""

    __tablename__ = "themes"
    __table_args__ = (sa.UniqueConstraint("consultation_id", "name_es"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(sa.ForeignKey("consultations.id", ondelete="RESTRICT"),
                                                 index=True)
    name_es: Mapped[str] = mapped_column(sa.String(THEME_NAME_MAX))
    name_en: Mapped[str] = mapped_column(sa.String(THEME_NAME_MAX))
    description_es: Mapped[str] = mapped_column(sa.String(THEME_DESCRIPTION_MAX), default="")
    description_en: Mapped[str] = mapped_column(sa.String(THEME_DESCRIPTION_MAX), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    consultation = relationship("Consultation")

    def name_in(self, language: str) -> str:
        return self.name_es if language == "es" else self.name_en


class Coding(db.Model):
    """A contribution tagged with a theme: by whom and when. Every change is in the audit log."""

    __tablename__ = "codings"

    contribution_id: Mapped[int] = mapped_column(sa.ForeignKey("contributions.id", ondelete="RESTRICT"),
                                                 primary_key=True)
    theme_id: Mapped[int] = mapped_column(sa.ForeignKey("themes.id", ondelete="RESTRICT"), primary_key=True,
                                          index=True)
    coded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    coded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contribution = relationship("Contribution", back_populates="codings")
    theme = relationship("Theme")
    coded_by = relationship("User")
