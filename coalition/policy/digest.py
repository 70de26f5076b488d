"""What the digests say about policy: each person's "Policy updates" (the events about what they follow
since their last digest) and the coordinators' monthly "Policy note" (what was adopted, what stalled,
which states show no activity). Every read is a fixed number of statements whatever the data size: one
per batch of people for the updates, four per run for the note.

The note is shown in a coordinator's first digest of each calendar month (in their own timezone): the
one whose previous digest fell in an earlier month, or their very first. It reports the coalition's
previous calendar month whole (in the coalition's timezone), so each month is reported once, with no gap
and no overlap, whichever day the first digest of the month goes out.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from coalition.database import coalition_timezone
from coalition.extensions import db
from coalition.institutions.models import STATES, state_label
from coalition.policy import notices
from coalition.policy.models import (
    ADOPTED_STAGES, ENDED_STAGES, STAGES, STALLED_AFTER_DAYS, Engagement, Follow, Instrument, InstrumentStage,
    PolicyEvent, Uptake)
from coalition.recommendations.models import Recommendation

# A digest lists at most this many policy updates (the newest), and says how many more there were.
UPDATES_SHOWN = 15
# The note lists at most this many stalled instruments (the longest stalled), with the total.
STALLED_SHOWN = 20


@dataclass
class PolicyUpdates:
    """A person's policy updates since their last digest: described lines, newest first, and how many more."""

    lines: list[dict] = field(default_factory=list)
    more: int = 0

    def __bool__(self) -> bool:
        return bool(self.lines)


def updates_for(user_ids: list[int], since: dict[int, datetime], at: datetime,
                languages: dict[int, str]) -> dict[int, PolicyUpdates]:
    """Per person: the events in (since, at] about an instrument or a state they follow, not their own
    doing, each once, described in their language (one statement for the whole batch)."""
    found: dict[int, PolicyUpdates] = defaultdict(PolicyUpdates)
    if not user_ids:
        return found
    earliest = min(since[user_id] for user_id in user_ids)
    rows = db.session.execute(
        sa.select(PolicyEvent, Follow.user_id)
        .join(Follow, sa.or_(Follow.instrument_id == PolicyEvent.instrument_id, Follow.state == PolicyEvent.state))
        .options(joinedload(PolicyEvent.instrument), joinedload(PolicyEvent.stage),
                 joinedload(PolicyEvent.uptake).joinedload(Uptake.recommendation),
                 joinedload(PolicyEvent.engagement))
        .where(Follow.user_id.in_(user_ids), PolicyEvent.occurred_at > earliest, PolicyEvent.occurred_at <= at)
        .order_by(PolicyEvent.occurred_at.desc(), PolicyEvent.id.desc())).all()
    seen: dict[int, set[int]] = defaultdict(set)
    described: dict[tuple[int, str], dict] = {}  # an event is described once per language per run
    for event, user_id in rows:
        # Following both the instrument and its state matches twice; the actor already knows.
        if event.id in seen[user_id] or event.occurred_at <= since[user_id] or event.actor_id == user_id:
            continue
        seen[user_id].add(event.id)
        updates = found[user_id]
        if len(updates.lines) >= UPDATES_SHOWN:
            updates.more += 1
            continue
        language = languages.get(user_id) if languages.get(user_id) in ("es", "en") else "es"
        key = (event.id, language)
        if key not in described:
            described[key] = notices.describe(event, language)
        updates.lines.append(described[key])
    return found


def note_due(last_local: datetime | None, local: datetime) -> bool:
    """Whether a coordinator's digest at `local` carries the monthly note: their first digest of the month."""
    return last_local is None or (last_local.year, last_local.month) < (local.year, local.month)


@dataclass(frozen=True)
class AdoptedInstrument:
    id: int
    title_es: str
    title_en: str
    stage: str
    on: date

    @property
    def stage_label(self) -> str:
        return str(STAGES[self.stage])

    def title_in(self, language: str) -> str:
        return (self.title_es if language == "es" else self.title_en) or self.title_es or self.title_en


@dataclass(frozen=True)
class AdoptedUptake:
    instrument_id: int
    instrument_title_es: str
    instrument_title_en: str
    recommendation_id: int
    recommendation_title_es: str
    recommendation_title_en: str

    def titles_in(self, language: str) -> tuple[str, str]:
        if language == "es":
            return self.instrument_title_es or self.instrument_title_en, \
                self.recommendation_title_es or self.recommendation_title_en
        return self.instrument_title_en or self.instrument_title_es, \
            self.recommendation_title_en or self.recommendation_title_es


@dataclass(frozen=True)
class StalledInstrument:
    id: int
    title_es: str
    title_en: str
    stage: str
    since: date

    @property
    def stage_label(self) -> str:
        return str(STAGES[self.stage])

    def title_in(self, language: str) -> str:
        return (self.title_es if language == "es" else self.title_en) or self.title_es or self.title_en


@dataclass
class PolicyNote:
    """The coordinators' monthly note: the month it reports, adopted instruments and uptakes, stalled
    instruments (the longest stalled first, at most STALLED_SHOWN, and their total), quiet states."""

    month: date  # the first day of the month reported
    adopted: list[AdoptedInstrument]
    uptakes: list[AdoptedUptake]
    stalled: list[StalledInstrument]
    stalled_total: int
    quiet_states: list[tuple[str, str]]  # (code, name), by name
    stalled_after_days: int = STALLED_AFTER_DAYS

    @property
    def quiet_names(self) -> list[str]:
        return [name for _code, name in self.quiet_states]


def previous_month(today: date) -> tuple[date, date]:
    """The first day of the month before `today`'s, and the first day of `today`'s month."""
    this_month = today.replace(day=1)
    return (this_month - timedelta(days=1)).replace(day=1), this_month


def policy_note(at: datetime) -> PolicyNote:
    """The monthly note as of `at`, in four statements."""
    zone = coalition_timezone()
    today = at.astimezone(zone).date()
    start, end = previous_month(today)
    start_at, end_at = (datetime.combine(day, time(), zone) for day in (start, end))
    adopted: dict[int, AdoptedInstrument] = {}
    for instrument_id, title_es, title_en, stage, on in db.session.execute(
            sa.select(Instrument.id, Instrument.title_es, Instrument.title_en, InstrumentStage.stage,
                      InstrumentStage.on_date)
            .join(InstrumentStage, InstrumentStage.instrument_id == Instrument.id)
            .where(InstrumentStage.stage.in_(ADOPTED_STAGES), InstrumentStage.on_date >= start,
                   InstrumentStage.on_date < end)
            .order_by(InstrumentStage.on_date, InstrumentStage.id)):
        adopted[instrument_id] = AdoptedInstrument(instrument_id, title_es, title_en, stage, on)  # the later stage wins
    uptakes = [AdoptedUptake(*row) for row in db.session.execute(
        sa.select(Instrument.id, Instrument.title_es, Instrument.title_en, Recommendation.id,
                  Recommendation.title_es, Recommendation.title_en)
        .select_from(Uptake)
        .join(Instrument, Instrument.id == Uptake.instrument_id)
        .join(Recommendation, Recommendation.id == Uptake.recommendation_id)
        .where(Uptake.degree == "adopted", Uptake.verified_at >= start_at, Uptake.verified_at < end_at)
        .order_by(Uptake.verified_at, Uptake.id))]
    # Stalled: still on its way (neither ended nor in force, where an instrument rests) with no stage
    # change for STALLED_AFTER_DAYS.
    stalled_rows = db.session.execute(
        sa.select(Instrument.id, Instrument.title_es, Instrument.title_en, Instrument.stage, Instrument.stage_on,
                  sa.func.count().over().label("total"))
        .where(Instrument.stage.is_not(None), Instrument.stage.not_in((*ENDED_STAGES, "in_force")),
               Instrument.stage_on < today - timedelta(days=STALLED_AFTER_DAYS))
        .order_by(Instrument.stage_on, Instrument.id).limit(STALLED_SHOWN)).all()
    stalled = [StalledInstrument(*row[:5]) for row in stalled_rows]
    cutoff_day = today - timedelta(days=STALLED_AFTER_DAYS)
    cutoff_at = at - timedelta(days=STALLED_AFTER_DAYS)
    active = sa.union(
        sa.select(Instrument.state).join(InstrumentStage, InstrumentStage.instrument_id == Instrument.id)
        .where(InstrumentStage.on_date > cutoff_day),
        sa.select(Engagement.state).where(Engagement.held_on > cutoff_day),
        sa.select(Instrument.state).join(Uptake, Uptake.instrument_id == Instrument.id)
        .where(Uptake.verified_at > cutoff_at))
    active_states = set(db.session.execute(active).scalars())
    quiet = sorted(((code, state_label(code)) for code in STATES if code not in active_states),
                   key=lambda pair: pair[1])
    return PolicyNote(month=start, adopted=sorted(adopted.values(), key=lambda a: (a.on, a.id)), uptakes=uptakes,
                      stalled=stalled, stalled_total=int(stalled_rows[0].total) if stalled_rows else 0,
                      quiet_states=quiet)
