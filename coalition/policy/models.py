"""Policy instruments (strategies, bills, laws…) and their dated stages; the uptake of recommendations
by them; the coalition's engagements with public bodies; and the people who follow an instrument or a
state. Stages, uptakes and engagements are history: never deleted, every change audited.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.database import UTCDateTime, utcnow
from coalition.extensions import db
from coalition.institutions.models import ABROAD, STATES, state_label

# SPEC "States and policy uptake" (fixed keys).
KINDS = {
    "strategy": _l("Strategy"),
    "bill": _l("Bill"),
    "law": _l("Law"),
    "regulation": _l("Regulation"),
    "guideline": _l("Guideline"),
    "programme": _l("Programme"),
    "budget": _l("Budget line"),
    "declaration": _l("International declaration"),
}
# A jurisdiction is one of these or a state's code; a municipal one also names its state and place.
JURISDICTIONS = {
    "federal": _l("Federal"),
    "municipal": _l("Municipal"),
    "international": _l("International"),
}
BRANCHES = {
    "executive": _l("Executive"),
    "legislative": _l("Legislative"),
    "judicial": _l("Judicial"),
}
STAGES = {
    "proposed": _l("Proposed"),
    "in_committee": _l("In committee"),
    "approved": _l("Approved"),
    "in_force": _l("In force"),
    "repealed": _l("Repealed"),
    "abandoned": _l("Abandoned"),
}
# The order a stage normally follows; going to an earlier one (or abandoning) needs a note.
STAGE_ORDER = {"proposed": 0, "in_committee": 1, "approved": 2, "in_force": 3, "repealed": 4, "abandoned": 4}
ENDED_STAGES = ("repealed", "abandoned")
ADOPTED_STAGES = ("approved", "in_force")
DEGREES = {
    "cited": _l("Cited"),
    "partial": _l("Partially adopted"),
    "adopted": _l("Adopted"),
}
ENGAGEMENT_KINDS = {
    "event": _l("Event"),
    "hearing": _l("Hearing"),
    "forum": _l("Forum"),
    "submission": _l("Submission"),
    "meeting": _l("Meeting with officials"),
}
# An instrument with no stage change for this long has stalled (the coordinators' monthly note).
STALLED_AFTER_DAYS = 180

# Limits, declared once: columns, forms, API schemas and services read them here.
TITLE_MAX = 300
SUMMARY_MAX = 10_000
URL_MAX = 500
PLACE_MAX = 200
BODY_MAX = 200
NOTE_MAX = 2_000
QUOTE_MAX = 2_000
POSITION_MAX = 20_000
FOLLOW_UP_MAX = 2_000
REPRESENTATIVES_MAX = 50
JURISDICTION_MAX = 20


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def jurisdiction_label(jurisdiction: str, place: str | None = None) -> str:
    if jurisdiction in STATES:
        return state_label(jurisdiction)
    label = str(JURISDICTIONS.get(jurisdiction, jurisdiction))
    return f"{label}: {place}" if place else label


class Instrument(db.Model):
    """A strategy, bill, law, regulation, guideline, programme, budget line or declaration."""

    __tablename__ = "policy_instruments"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", KINDS), name="kind"),
        sa.CheckConstraint(_in("branch", BRANCHES), name="branch"),
        sa.CheckConstraint(f"stage IS NULL OR {_in('stage', STAGES)}", name="stage"),
        sa.CheckConstraint(_in("jurisdiction", (*JURISDICTIONS, *STATES)), name="jurisdiction"),
        sa.Index("ix_policy_instruments_state_stage", "state", "stage"),
        sa.Index("ix_policy_instruments_published_state", "published", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    jurisdiction: Mapped[str] = mapped_column(sa.String(JURISDICTION_MAX))
    # The state whose chapter it belongs to (and whose liaisons record it): the jurisdiction's own
    # code, or a municipality's state; none for federal and international instruments.
    state: Mapped[str | None] = mapped_column(sa.String(10))
    # A municipality's name, or the international body (OECD, UNESCO…).
    place: Mapped[str] = mapped_column(sa.String(PLACE_MAX), default="")
    branch: Mapped[str] = mapped_column(sa.String(20))
    title_es: Mapped[str] = mapped_column(sa.String(TITLE_MAX))
    title_en: Mapped[str] = mapped_column(sa.String(TITLE_MAX))
    summary_es: Mapped[str] = mapped_column(sa.Text, default="")
    summary_en: Mapped[str] = mapped_column(sa.Text, default="")
    source_url: Mapped[str] = mapped_column(sa.String(URL_MAX), default="")
    # The latest stage and its date, kept with the instrument so lists and maps read one row.
    stage: Mapped[str | None] = mapped_column(sa.String(20))
    stage_on: Mapped[date | None] = mapped_column(sa.Date)
    # The federal administration in office on its first stage (policy/administrations.py).
    administration: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    published: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    @property
    def kind_label(self) -> str:
        return str(KINDS.get(self.kind, self.kind))

    @property
    def branch_label(self) -> str:
        return str(BRANCHES.get(self.branch, self.branch))

    @property
    def stage_label(self) -> str:
        return str(STAGES.get(self.stage, self.stage or ""))

    @property
    def jurisdiction_label(self) -> str:
        if self.jurisdiction == "municipal":
            return f"{self.place}, {state_label(self.state)}" if self.place else state_label(self.state)
        return jurisdiction_label(self.jurisdiction, self.place if self.jurisdiction == "international" else None)

    def title_in(self, language: str) -> str:
        return (self.title_es if language == "es" else self.title_en) or self.title_es or self.title_en

    def summary_in(self, language: str) -> str:
        return (self.summary_es if language == "es" else self.summary_en) or self.summary_es or self.summary_en

    def __repr__(self) -> str:
        return f"<Instrument {self.id} {self.kind} {self.jurisdiction}>"


class InstrumentStage(db.Model):
    """One dated step of an instrument's history; never changed or deleted."""

    __tablename__ = "policy_instrument_stages"
    __table_args__ = (
        sa.CheckConstraint(_in("stage", STAGES), name="stage"),
        sa.Index("ix_policy_instrument_stages_instrument_on_date", "instrument_id", "on_date", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(sa.ForeignKey("policy_instruments.id", ondelete="RESTRICT"))
    stage: Mapped[str] = mapped_column(sa.String(20))
    on_date: Mapped[date] = mapped_column(sa.Date)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recorded_by = relationship("User")

    @property
    def stage_label(self) -> str:
        return str(STAGES.get(self.stage, self.stage))


class Uptake(db.Model):
    """A recommendation taken up by an instrument, to a degree, with the evidence and who verified it."""

    __tablename__ = "policy_uptakes"
    __table_args__ = (
        sa.UniqueConstraint("instrument_id", "recommendation_id", name="uq_policy_uptakes_instrument_recommendation"),
        sa.CheckConstraint(_in("degree", DEGREES), name="degree"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(sa.ForeignKey("policy_instruments.id", ondelete="RESTRICT"))
    recommendation_id: Mapped[int] = mapped_column(sa.ForeignKey("recommendations.id", ondelete="RESTRICT"),
                                                   index=True)
    degree: Mapped[str] = mapped_column(sa.String(20))
    evidence_url: Mapped[str] = mapped_column(sa.String(URL_MAX), default="")
    quote: Mapped[str] = mapped_column(sa.Text, default="")
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    instrument = relationship("Instrument")
    recommendation = relationship("Recommendation")
    verified_by = relationship("User")

    @property
    def degree_label(self) -> str:
        return str(DEGREES.get(self.degree, self.degree))


class Engagement(db.Model):
    """An event, hearing, forum, submission or meeting with officials where the coalition spoke."""

    __tablename__ = "policy_engagements"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", ENGAGEMENT_KINDS), name="kind"),
        sa.CheckConstraint(_in("jurisdiction", (*JURISDICTIONS, *STATES, ABROAD)), name="jurisdiction"),
        sa.Index("ix_policy_engagements_state_held_on", "state", "held_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(TITLE_MAX))
    held_on: Mapped[date] = mapped_column(sa.Date)
    jurisdiction: Mapped[str] = mapped_column(sa.String(JURISDICTION_MAX))
    # The chapter it belongs to: a state's code, `abroad`, or none (federal, international).
    state: Mapped[str | None] = mapped_column(sa.String(10))
    place: Mapped[str] = mapped_column(sa.String(PLACE_MAX), default="")
    body: Mapped[str] = mapped_column(sa.String(BODY_MAX))  # the public body engaged
    instrument_id: Mapped[int | None] = mapped_column(sa.ForeignKey("policy_instruments.id", ondelete="RESTRICT"),
                                                      index=True)
    # The coalition's position; it speaks with one voice only once a coordinator approves this text.
    position: Mapped[str] = mapped_column(sa.Text, default="")
    position_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    position_approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    published: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    instrument = relationship("Instrument")
    position_approved_by = relationship("User", foreign_keys=[position_approved_by_id])

    @property
    def kind_label(self) -> str:
        return str(ENGAGEMENT_KINDS.get(self.kind, self.kind))

    @property
    def jurisdiction_label(self) -> str:
        if self.jurisdiction == ABROAD:
            return state_label(ABROAD)
        if self.jurisdiction == "municipal":
            return f"{self.place}, {state_label(self.state)}" if self.place else state_label(self.state)
        return jurisdiction_label(self.jurisdiction)

    @property
    def speaks_for_coalition(self) -> bool:
        """Whether its position is the coalition's voice: approved by a coordinator, unchanged since."""
        return self.position_approved_at is not None and bool(self.position.strip())


class EngagementInstitution(db.Model):
    """A member institution that represented the coalition at an engagement."""

    __tablename__ = "policy_engagement_institutions"

    engagement_id: Mapped[int] = mapped_column(sa.ForeignKey("policy_engagements.id", ondelete="RESTRICT"),
                                               primary_key=True)
    institution_id: Mapped[int] = mapped_column(sa.ForeignKey("institutions.id", ondelete="RESTRICT"),
                                                primary_key=True, index=True)

    institution = relationship("Institution", lazy="joined")


class FollowUp(db.Model):
    """What was agreed or remains to do after an engagement."""

    __tablename__ = "policy_follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(sa.ForeignKey("policy_engagements.id", ondelete="RESTRICT"),
                                               index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    due_on: Mapped[date | None] = mapped_column(sa.Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Follow(db.Model):
    """A member following an instrument or a state: told of its stage changes, uptakes and engagements."""

    __tablename__ = "policy_follows"
    __table_args__ = (
        sa.CheckConstraint("(instrument_id IS NULL) <> (state IS NULL)", name="one_target"),
        sa.Index("uq_policy_follows_user_instrument", "user_id", "instrument_id", unique=True),
        sa.Index("uq_policy_follows_user_state", "user_id", "state", unique=True),
        sa.Index("ix_policy_follows_state", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    instrument_id: Mapped[int | None] = mapped_column(sa.ForeignKey("policy_instruments.id", ondelete="CASCADE"),
                                                      index=True)
    state: Mapped[str | None] = mapped_column(sa.String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


EVENT_KINDS = ("stage", "uptake", "engagement")


class PolicyEvent(db.Model):
    """Something followers hear about: a stage change, a new uptake or a new engagement. Each is told
    once by e-mail (`policy-update`) and listed in the digest."""

    __tablename__ = "policy_events"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", EVENT_KINDS), name="kind"),
        sa.Index("ix_policy_events_occurred_at", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    instrument_id: Mapped[int | None] = mapped_column(sa.ForeignKey("policy_instruments.id", ondelete="RESTRICT"),
                                                      index=True)
    engagement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("policy_engagements.id", ondelete="RESTRICT"))
    stage_id: Mapped[int | None] = mapped_column(sa.ForeignKey("policy_instrument_stages.id", ondelete="RESTRICT"))
    uptake_id: Mapped[int | None] = mapped_column(sa.ForeignKey("policy_uptakes.id", ondelete="RESTRICT"))
    state: Mapped[str | None] = mapped_column(sa.String(10), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    instrument = relationship("Instrument")
    engagement = relationship("Engagement")
    stage = relationship("InstrumentStage")
    uptake = relationship("Uptake")
