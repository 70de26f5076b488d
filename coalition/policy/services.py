"""Policy uptake: record instruments and their stages, link the recommendations they take up, record the
coalition's engagements, approve its position, publish on the portal, follow.

Stages, uptakes and engagements are history: never deleted; every change goes to the audit log
(`instrument.*`, `uptake.*`, `engagement.*`). A stage change, a new (or changed) uptake and a new
engagement are `PolicyEvent`s, told to followers by `notices.queue_policy_update`. Services flush; the
view, API handler or task commits.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from coalition.audit import services as audit
from coalition.auth.permissions import require, require_actor
from coalition.database import coalition_today, contains_pattern, unique_key, DuplicateKey, utcnow
from coalition.errors import Conflict, NotFound, ValidationError
from coalition.extensions import db
from coalition.institutions.models import ABROAD, STATES, Institution
from coalition.pagination import Page, paginate
from coalition.policy import administrations, notices, permissions
from coalition.policy.models import (
    BODY_MAX, BRANCHES, DEGREES, ENGAGEMENT_KINDS, FOLLOW_UP_MAX, JURISDICTIONS, KINDS, NOTE_MAX, PLACE_MAX,
    POSITION_MAX, QUOTE_MAX, REPRESENTATIVES_MAX, STAGE_ORDER, STAGES, SUMMARY_MAX, TITLE_MAX, URL_MAX,
    Engagement, EngagementInstitution, Follow, FollowUp, Instrument, InstrumentStage, PolicyEvent, Uptake)
from coalition.recommendations.models import Recommendation
from coalition.validation import QUERY_MAX, check_text, is_id

INSTRUMENT_FIELDS = ("kind", "jurisdiction", "state", "place", "branch", "title_es", "title_en", "summary_es",
                     "summary_en", "source_url")
# Dates a record may carry: policy before 1900 is not this coalition's, and events are planned at most five
# years ahead (a date typed wrong would otherwise stay "upcoming" for ever).
EARLIEST_DATE = date(1900, 1, 1)
FUTURE_DAYS_MAX = 5 * 366
ENGAGEMENT_FIELDS = ("kind", "title", "held_on", "jurisdiction", "state", "place", "body", "instrument_id",
                     "position", "institution_ids")


# --- shared checks -------------------------------------------------------------------------------

def check_url(value, field: str, errors: dict, max_length: int = URL_MAX) -> str:
    """The web address, stripped, when it is an http(s) URL with a host ('' allowed); else note why."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        errors[field] = [_l("Must be text.")]
        return ""
    value = value.strip()
    if len(value) > max_length:
        errors[field] = [_l("At most %(n)s characters.", n=max_length)]
        return ""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (raises ValueError on a port out of range)
        valid = (parts.scheme in ("http", "https") and bool(parts.hostname) and not any(c.isspace() for c in value)
                 and all(parts.hostname.split(".")))  # no empty label: "a..b"
    except ValueError:  # e.g. an unclosed IPv6 bracket
        valid = False
    if not valid:
        errors[field] = [_l("Give a full web address starting with https://")]
        return ""
    return value


def _check_date(value, field: str, errors: dict) -> date | None:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            errors[field] = [_l("Give a date as YYYY-MM-DD.")]
            return None
    if not isinstance(value, date) or (hasattr(value, "hour")):
        errors[field] = [_l("Give a date as YYYY-MM-DD.")]
        return None
    if not EARLIEST_DATE <= value <= coalition_today() + timedelta(days=FUTURE_DAYS_MAX):
        errors[field] = [_l("Give a date from %(first)s to %(last)s.", first=EARLIEST_DATE.isoformat(),
                            last=(coalition_today() + timedelta(days=FUTURE_DAYS_MAX)).isoformat())]
        return None
    return value


def _chapter_of(jurisdiction, state, errors: dict, *, abroad: bool = False) -> str | None:
    """The state chapter a record of this jurisdiction belongs to (None: federal or international)."""
    if jurisdiction in STATES:
        if state not in (None, "", jurisdiction):
            errors["state"] = [_l("A state's own record belongs to that state.")]
        return jurisdiction
    if abroad and jurisdiction == ABROAD:
        return ABROAD
    if jurisdiction == "municipal":
        if state not in STATES:
            errors["state"] = [_l("Choose the state the municipality is in.")]
        return state if state in STATES else None
    if jurisdiction in JURISDICTIONS:
        return None
    errors["jurisdiction"] = [_l("Choose federal, a state, municipal or international.")]
    return None


def _state_given(values: dict, merged: dict):
    """The state to check: the one given, else the current one, unless a state's own jurisdiction now
    decides it (moving a record from one state to another need not repeat the state)."""
    if "state" in values or merged.get("jurisdiction") not in STATES:
        return merged.get("state")
    return None


def _version(record, version) -> None:
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValidationError(fields={"version": [_l("The version you edited is required.")]})
    if version != record.version:
        raise Conflict(current=record)


def _unknown(values: dict, allowed) -> None:
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValidationError(fields={name: [_l("Unknown field.")] for name in sorted(unknown)})


# --- instruments: reading -----------------------------------------------------------------------

@dataclass
class InstrumentFilters:
    q: str | None = None
    kind: str | None = None
    jurisdiction: str | None = None
    state: str | None = None
    branch: str | None = None
    stage: str | None = None
    administration: str | None = None
    published: bool | None = None


def _check_instrument_filters(filters: InstrumentFilters) -> None:
    errors: dict = {}
    for name, choices in (("kind", KINDS), ("branch", BRANCHES), ("stage", STAGES),
                          ("jurisdiction", (*JURISDICTIONS, *STATES)), ("state", (*STATES, ABROAD)),
                          ("administration", administrations.BY_KEY)):
        value = getattr(filters, name)
        if value is not None and value not in choices:
            errors[name] = [_l("Choose one of: %(choices)s.", choices=", ".join(choices))]
    if filters.q is not None and (not isinstance(filters.q, str) or len(filters.q) > QUERY_MAX):
        errors["q"] = [_l("At most %(n)s characters.", n=QUERY_MAX)]
    if filters.published is not None and not isinstance(filters.published, bool):
        errors["published"] = [_l("Must be true or false.")]
    if errors:
        raise ValidationError(fields=errors)


def _instruments_where(stmt: sa.Select, filters: InstrumentFilters) -> sa.Select:
    for name in ("kind", "jurisdiction", "state", "branch", "stage", "administration"):
        value = getattr(filters, name)
        if value:
            stmt = stmt.where(getattr(Instrument, name) == value)
    if filters.published is not None:
        stmt = stmt.where(Instrument.published.is_(filters.published))
    if filters.q and filters.q.strip():
        pattern = contains_pattern(filters.q.strip())
        stmt = stmt.where(sa.or_(*(getattr(Instrument, column).ilike(pattern, escape="\\")
                                   for column in ("title_es", "title_en", "summary_es", "summary_en", "place"))))
    return stmt


def list_instruments(actor, filters: InstrumentFilters, page: int = 1, per_page: int = 25) -> Page:
    """The instruments the filters select, latest stage change first."""
    require_actor(actor)
    _check_instrument_filters(filters)
    stmt = _instruments_where(sa.select(Instrument), filters).order_by(
        Instrument.stage_on.desc().nulls_last(), Instrument.id.desc())
    return paginate(stmt, page, per_page)


def get_instrument(actor, instrument_id, *, for_update: bool = False) -> Instrument:
    require_actor(actor)
    if not is_id(instrument_id):
        raise NotFound()
    stmt = sa.select(Instrument).where(Instrument.id == instrument_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    instrument = db.session.execute(stmt).scalar_one_or_none()
    if instrument is None:
        raise NotFound()
    return instrument


def stages_of(instrument_ids) -> dict[int, list[InstrumentStage]]:
    """Each instrument's stages, oldest first, in one query."""
    found: dict[int, list[InstrumentStage]] = {i: [] for i in instrument_ids}
    if not found:
        return found
    rows = db.session.execute(
        sa.select(InstrumentStage).where(InstrumentStage.instrument_id.in_(list(found)))
        .order_by(InstrumentStage.instrument_id, InstrumentStage.on_date, InstrumentStage.id)).scalars()
    for stage in rows:
        found[stage.instrument_id].append(stage)
    return found


def uptakes_of(instrument_ids) -> dict[int, list[Uptake]]:
    """Each instrument's uptakes with their recommendations, in one query."""
    found: dict[int, list[Uptake]] = {i: [] for i in instrument_ids}
    if not found:
        return found
    rows = db.session.execute(
        sa.select(Uptake).options(joinedload(Uptake.recommendation), joinedload(Uptake.verified_by))
        .where(Uptake.instrument_id.in_(list(found))).order_by(Uptake.instrument_id, Uptake.id)).scalars()
    for uptake in rows:
        found[uptake.instrument_id].append(uptake)
    return found


def uptakes_of_recommendation(recommendation_id: int, *, published_only: bool = False) -> list[Uptake]:
    """Where a recommendation was taken up (on the portal: published instruments only), in one query."""
    stmt = (sa.select(Uptake).options(joinedload(Uptake.instrument))
            .join(Instrument, Instrument.id == Uptake.instrument_id)
            .where(Uptake.recommendation_id == recommendation_id)
            .order_by(Instrument.stage_on.desc().nulls_last(), Uptake.id))
    if published_only:
        stmt = stmt.where(Instrument.published.is_(True))
    return list(db.session.execute(stmt).scalars())


@dataclass
class InstrumentView:
    instrument: Instrument
    stages: list[InstrumentStage]
    uptakes: list[Uptake]
    engagements: list[Engagement]
    followers: int
    following: bool
    can_record: bool
    can_decide: bool


def instrument_view(actor, instrument_id, *, body: bool = True) -> InstrumentView:
    """An instrument's page: its stages, uptakes, engagements and followers, in a fixed number of queries.
    `body=False` leaves the three lists empty, for a page that takes them from the exact cache
    (`fill_instrument_body` reads them when the cache misses)."""
    instrument = get_instrument(actor, instrument_id)
    followers, following = db.session.execute(
        sa.select(sa.func.count(Follow.id), sa.func.count(Follow.id).filter(Follow.user_id == actor.id))
        .where(Follow.instrument_id == instrument.id)).one()
    view = InstrumentView(instrument, [], [], [], followers, bool(following),
                          permissions.can_record(actor, instrument.state), permissions.can_decide(actor))
    return fill_instrument_body(view) if body else view


def fill_instrument_body(view: InstrumentView) -> InstrumentView:
    """What every member sees alike on an instrument's page: its stages, uptakes and engagements."""
    instrument_id = view.instrument.id
    view.stages = stages_of([instrument_id])[instrument_id]
    view.uptakes = uptakes_of([instrument_id])[instrument_id]
    view.engagements = list(db.session.execute(
        sa.select(Engagement).where(Engagement.instrument_id == instrument_id)
        .order_by(Engagement.held_on.desc(), Engagement.id.desc())).scalars())
    return view


# --- instruments: writing ------------------------------------------------------------------------

def _clean_instrument(values: dict, current: Instrument | None, errors: dict) -> dict:
    merged = {name: getattr(current, name) for name in INSTRUMENT_FIELDS} if current else {}
    merged.update(values)
    clean: dict = {}
    for name, choices, message in (("kind", KINDS, _l("Choose a kind of instrument.")),
                                   ("branch", BRANCHES, _l("Choose a branch of government."))):
        if merged.get(name) not in choices:
            errors[name] = [message]
        else:
            clean[name] = merged[name]
    jurisdiction = merged.get("jurisdiction")
    clean["jurisdiction"] = jurisdiction
    clean["state"] = _chapter_of(jurisdiction, _state_given(values, merged), errors)
    for name, limit, required in (("title_es", TITLE_MAX, False), ("title_en", TITLE_MAX, False),
                                  ("summary_es", SUMMARY_MAX, False), ("summary_en", SUMMARY_MAX, False),
                                  ("place", PLACE_MAX, False)):
        value = merged.get(name)
        check_text(value, name, limit, errors, required)
        clean[name] = value.strip() if isinstance(value, str) else ""
    if "title_es" not in errors and "title_en" not in errors and not (clean["title_es"] or clean["title_en"]):
        errors["title_es"] = [_l("Give a title in at least one language.")]
    # One language given: the other shows the same text until someone translates it.
    for a, b in (("title_es", "title_en"), ("summary_es", "summary_en")):
        clean[a] = clean[a] or clean[b]
        clean[b] = clean[b] or clean[a]
    if jurisdiction == "municipal" and not clean["place"] and "place" not in errors:
        errors["place"] = [_l("Name the municipality.")]
    if jurisdiction in STATES or jurisdiction == "federal":
        clean["place"] = ""
    clean["source_url"] = check_url(merged.get("source_url"), "source_url", errors)
    return clean


def create_instrument(actor, **values) -> Instrument:
    """Record a new instrument (its stages come after, one by one)."""
    require_actor(actor)
    _unknown(values, INSTRUMENT_FIELDS)
    errors: dict = {}
    clean = _clean_instrument(values, None, errors)
    if errors:
        raise ValidationError(fields=errors)
    require(permissions.can_record(actor, clean["state"]))
    instrument = Instrument(**clean, created_by_id=actor.id)
    db.session.add(instrument)
    db.session.flush()
    audit.record(actor, "instrument.create", instrument, {k: [None, v] for k, v in clean.items() if v})
    return instrument


def update_instrument(actor, instrument_id, *, version, **values) -> Instrument:
    """Change an instrument's description; a state's liaison may not move it out of their state."""
    instrument = get_instrument(actor, instrument_id, for_update=True)
    require(permissions.can_record(actor, instrument.state))
    _unknown(values, INSTRUMENT_FIELDS)
    errors: dict = {}
    clean = _clean_instrument(values, instrument, errors)
    if errors:
        raise ValidationError(fields=errors)
    require(permissions.can_record(actor, clean["state"]))
    _version(instrument, version)
    changes = audit.diff(instrument, clean)
    _withdraw_if_published(actor, instrument, changes)
    if changes:
        audit.record(actor, "instrument.edit", instrument, changes)
    db.session.flush()
    return instrument


def add_stage(actor, instrument_id, *, stage, on, note: str = "", today: date | None = None,
              notify: bool = True) -> InstrumentStage:
    """Record the instrument's next stage: never dated in the future nor before the last one; moving
    back or abandoning needs a note. Followers hear of it."""
    instrument = get_instrument(actor, instrument_id, for_update=True)
    require(permissions.can_record(actor, instrument.state))
    errors: dict = {}
    if stage not in STAGES:
        errors["stage"] = [_l("Choose a stage.")]
    on_date = _check_date(on, "on", errors)
    check_text(note, "note", NOTE_MAX, errors)
    note = (note or "").strip() if isinstance(note, str) else ""
    today = today or coalition_today()
    if on_date is not None and on_date > today:
        errors["on"] = [_l("A stage cannot be dated in the future.")]
    previous = instrument.stage
    if on_date is not None and instrument.stage_on is not None and on_date < instrument.stage_on:
        errors["on"] = [_l("The last stage is dated %(date)s: a new one cannot be earlier.",
                           date=instrument.stage_on.isoformat())]
    if not errors and previous is not None:
        if stage == previous:
            errors["stage"] = [_l("The instrument is already at this stage.")]
        elif (STAGE_ORDER[stage] < STAGE_ORDER[previous] or stage == "abandoned") and not note:
            errors["note"] = [_l("Say why: moving back or abandoning needs a note.")]
    elif not errors and stage == "abandoned" and not note:
        errors["note"] = [_l("Say why: moving back or abandoning needs a note.")]
    if errors:
        raise ValidationError(fields=errors)
    record = InstrumentStage(instrument_id=instrument.id, stage=stage, on_date=on_date, note=note,
                             recorded_by_id=actor.id)
    db.session.add(record)
    if previous is None:  # the administration the instrument was born under: its first stage's
        office = administrations.in_office(on_date)
        instrument.administration = office.key if office else None
    instrument.stage, instrument.stage_on = stage, on_date
    db.session.flush()
    audit.record(actor, "instrument.stage", instrument, {"stage": [previous, stage], "on": [None, on_date],
                                                         "note": [None, note]})
    _event(actor, "stage", instrument=instrument, stage_id=record.id, notify=notify)
    return record


def link_uptake(actor, instrument_id, *, recommendation_id, degree, evidence_url: str = "",
                quote: str = "", notify: bool = True) -> Uptake:
    """Record (or correct) that the instrument takes up a recommendation, to a degree, with evidence; the
    actor is who verified it. Followers hear of a new uptake or a changed degree."""
    instrument = get_instrument(actor, instrument_id, for_update=True)
    require(permissions.can_record(actor, instrument.state))
    errors: dict = {}
    if degree not in DEGREES:
        errors["degree"] = [_l("Choose cited, partial or adopted.")]
    evidence_url = check_url(evidence_url, "evidence_url", errors)
    check_text(quote, "quote", QUOTE_MAX, errors)
    quote = quote.strip() if isinstance(quote, str) else ""
    recommendation = db.session.get(Recommendation, recommendation_id) if is_id(recommendation_id) else None
    if recommendation is None:
        errors["recommendation_id"] = [_l("Unknown recommendation.")]
    if errors:
        raise ValidationError(fields=errors)
    values = {"degree": degree, "evidence_url": evidence_url, "quote": quote}
    uptake = db.session.execute(
        sa.select(Uptake).where(Uptake.instrument_id == instrument.id,
                                Uptake.recommendation_id == recommendation.id).with_for_update()
    ).scalar_one_or_none()
    if uptake is None:
        try:
            with unique_key(Uptake.__table__.c.instrument_id, Uptake.__table__.c.recommendation_id):
                uptake = Uptake(instrument_id=instrument.id, recommendation_id=recommendation.id,
                                verified_by_id=actor.id, verified_at=utcnow(), **values)
                db.session.add(uptake)
                db.session.flush()
        except DuplicateKey:
            raise Conflict(_l("Someone else linked this recommendation at the same moment; look again."))
        audit.record(actor, "uptake.create", instrument,
                     {"recommendation_id": [None, recommendation.id], **{k: [None, v] for k, v in values.items()}})
        _event(actor, "uptake", instrument=instrument, uptake_id=uptake.id, notify=notify)
        return uptake
    before = uptake.degree
    changes = audit.diff(uptake, values)
    if changes:
        uptake.verified_by_id, uptake.verified_at = actor.id, utcnow()
        audit.record(actor, "uptake.edit", instrument, {"recommendation_id": [recommendation.id, recommendation.id],
                                                        **changes})
        db.session.flush()
        if uptake.degree != before:
            _event(actor, "uptake", instrument=instrument, uptake_id=uptake.id, notify=notify)
    return uptake


def set_instrument_published(actor, instrument_id, *, published: bool) -> Instrument:
    """Show the instrument (and its uptakes of published recommendations) on the public portal, or not."""
    instrument = get_instrument(actor, instrument_id, for_update=True)
    require(permissions.can_decide(actor))
    if not isinstance(published, bool):
        raise ValidationError(fields={"published": [_l("Must be true or false.")]})
    if instrument.published != published:
        instrument.published = published
        instrument.published_at = utcnow() if published else None
        audit.record(actor, "instrument.publish" if published else "instrument.unpublish", instrument)
        db.session.flush()
    return instrument


# --- engagements ---------------------------------------------------------------------------------

@dataclass
class EngagementFilters:
    q: str | None = None
    kind: str | None = None
    state: str | None = None
    instrument_id: int | None = None
    upcoming: bool | None = None
    published: bool | None = None


def list_engagements(actor, filters: EngagementFilters, page: int = 1, per_page: int = 25,
                     today: date | None = None) -> Page:
    """The engagements the filters select, latest first (upcoming ones: soonest first)."""
    require_actor(actor)
    errors: dict = {}
    if filters.kind is not None and filters.kind not in ENGAGEMENT_KINDS:
        errors["kind"] = [_l("Choose one of: %(choices)s.", choices=", ".join(ENGAGEMENT_KINDS))]
    if filters.state is not None and filters.state not in (*STATES, ABROAD):
        errors["state"] = [_l("Choose a state of Mexico, or abroad.")]
    if filters.q is not None and (not isinstance(filters.q, str) or len(filters.q) > QUERY_MAX):
        errors["q"] = [_l("At most %(n)s characters.", n=QUERY_MAX)]
    if filters.instrument_id is not None and not is_id(filters.instrument_id):
        errors["instrument_id"] = [_l("Unknown instrument.")]
    if errors:
        raise ValidationError(fields=errors)
    stmt = sa.select(Engagement)
    if filters.kind:
        stmt = stmt.where(Engagement.kind == filters.kind)
    if filters.state:
        stmt = stmt.where(Engagement.state == filters.state)
    if filters.instrument_id:
        stmt = stmt.where(Engagement.instrument_id == filters.instrument_id)
    if filters.published is not None:
        stmt = stmt.where(Engagement.published.is_(filters.published))
    if filters.q and filters.q.strip():
        pattern = contains_pattern(filters.q.strip())
        stmt = stmt.where(sa.or_(*(getattr(Engagement, c).ilike(pattern, escape="\\")
                                   for c in ("title", "body", "place"))))
    if filters.upcoming:
        stmt = stmt.where(Engagement.held_on >= (today or coalition_today())).order_by(
            Engagement.held_on, Engagement.id)
    else:
        stmt = stmt.order_by(Engagement.held_on.desc(), Engagement.id.desc())
    return paginate(stmt, page, per_page)


def get_engagement(actor, engagement_id, *, for_update: bool = False) -> Engagement:
    require_actor(actor)
    if not is_id(engagement_id):
        raise NotFound()
    stmt = sa.select(Engagement).where(Engagement.id == engagement_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    engagement = db.session.execute(stmt).scalar_one_or_none()
    if engagement is None:
        raise NotFound()
    return engagement


def representatives_of(engagement_ids) -> dict[int, list[Institution]]:
    """The institutions that represented the coalition at each engagement, in one query."""
    found: dict[int, list[Institution]] = {i: [] for i in engagement_ids}
    if not found:
        return found
    rows = db.session.execute(
        sa.select(EngagementInstitution.engagement_id, Institution)
        .join(Institution, Institution.id == EngagementInstitution.institution_id)
        .where(EngagementInstitution.engagement_id.in_(list(found)))
        .order_by(EngagementInstitution.engagement_id, Institution.name)).all()
    for engagement_id, institution in rows:
        found[engagement_id].append(institution)
    return found


@dataclass
class EngagementView:
    engagement: Engagement
    representatives: list[Institution]
    follow_ups: list[FollowUp]
    can_record: bool
    can_decide: bool


def engagement_view(actor, engagement_id) -> EngagementView:
    engagement = get_engagement(actor, engagement_id)
    follow_ups = list(db.session.execute(
        sa.select(FollowUp).where(FollowUp.engagement_id == engagement.id)
        .order_by(FollowUp.done_at.is_not(None), FollowUp.due_on.nulls_last(), FollowUp.id)).scalars())
    return EngagementView(engagement, representatives_of([engagement.id])[engagement.id], follow_ups,
                          permissions.can_record(actor, engagement.state), permissions.can_decide(actor))


def _resolve_institutions(ids, errors: dict) -> list[Institution] | None:
    if ids is None:
        return []
    if not isinstance(ids, (list, tuple)) or len(ids) > REPRESENTATIVES_MAX or not all(is_id(i) for i in ids):
        errors["institution_ids"] = [_l("Give at most %(n)s member institutions.", n=REPRESENTATIVES_MAX)]
        return None
    ids = list(dict.fromkeys(ids))
    found = list(db.session.execute(
        sa.select(Institution).where(Institution.id.in_(ids), Institution.active.is_(True))).scalars()) if ids else []
    if len(found) != len(ids):
        errors["institution_ids"] = [_l("Choose active member institutions.")]
        return None
    return sorted(found, key=lambda institution: institution.name)


def _clean_engagement(values: dict, current: Engagement | None, errors: dict) -> dict:
    merged = {name: getattr(current, name) for name in ENGAGEMENT_FIELDS if name != "institution_ids"} \
        if current else {}
    merged.update({k: v for k, v in values.items() if k != "institution_ids"})
    clean: dict = {}
    if merged.get("kind") not in ENGAGEMENT_KINDS:
        errors["kind"] = [_l("Choose a kind of engagement.")]
    else:
        clean["kind"] = merged["kind"]
    for name, limit, required in (("title", TITLE_MAX, True), ("body", BODY_MAX, True),
                                  ("place", PLACE_MAX, False), ("position", POSITION_MAX, False)):
        value = merged.get(name)
        check_text(value, name, limit, errors, required)
        clean[name] = value.strip() if isinstance(value, str) else ""
    clean["held_on"] = _check_date(merged.get("held_on"), "held_on", errors)
    clean["jurisdiction"] = merged.get("jurisdiction")
    clean["state"] = _chapter_of(merged.get("jurisdiction"), _state_given(values, merged), errors, abroad=True)
    if clean["jurisdiction"] == "municipal" and not clean["place"] and "place" not in errors:
        errors["place"] = [_l("Name the municipality.")]
    instrument_id = merged.get("instrument_id")
    if instrument_id in (None, ""):
        clean["instrument_id"] = None
    elif not is_id(instrument_id) or db.session.get(Instrument, instrument_id) is None:
        errors["instrument_id"] = [_l("Unknown instrument.")]
    else:
        clean["instrument_id"] = instrument_id
    return clean


def _require_instrument_of_own(actor, instrument_id) -> None:
    """An engagement names an instrument only if its recorder may record that instrument too: a liaison
    cannot attach their state's event to another state's (or a federal) instrument, nor tell its followers."""
    if instrument_id is not None:
        require(permissions.can_record(actor, db.session.get(Instrument, instrument_id).state))


def _withdraw_if_published(actor, record, changes: dict) -> None:
    """A published record changed by someone who may not publish leaves the portal until a coordinator
    publishes it again: only what a coordinator published appears there."""
    if changes and record.published and not permissions.can_decide(actor):
        record.published = False
        if hasattr(record, "published_at"):
            record.published_at = None
        changes["published"] = [True, False]


def create_engagement(actor, notify: bool = True, **values) -> Engagement:
    """Record an engagement with the institutions that represented the coalition. Followers of its
    state (and of its instrument) hear of it."""
    require_actor(actor)
    _unknown(values, ENGAGEMENT_FIELDS)
    errors: dict = {}
    clean = _clean_engagement(values, None, errors)
    institutions = _resolve_institutions(values.get("institution_ids"), errors)
    if errors:
        raise ValidationError(fields=errors)
    require(permissions.can_record(actor, clean["state"]))
    _require_instrument_of_own(actor, clean["instrument_id"])
    engagement = Engagement(**clean, created_by_id=actor.id)
    db.session.add(engagement)
    db.session.flush()
    for institution in institutions:
        db.session.add(EngagementInstitution(engagement_id=engagement.id, institution_id=institution.id))
    audit.record(actor, "engagement.create", engagement,
                 {**{k: [None, v] for k, v in clean.items() if v}, "institution_ids": [None, [i.id for i in institutions]]})
    db.session.flush()
    _event(actor, "engagement", instrument_id=engagement.instrument_id, engagement=engagement, notify=notify)
    return engagement


def update_engagement(actor, engagement_id, *, version, **values) -> Engagement:
    """Change an engagement; a changed position is no longer the coalition's voice until approved again."""
    engagement = get_engagement(actor, engagement_id, for_update=True)
    require(permissions.can_record(actor, engagement.state))
    _unknown(values, ENGAGEMENT_FIELDS)
    errors: dict = {}
    clean = _clean_engagement(values, engagement, errors)
    institutions = _resolve_institutions(values["institution_ids"], errors) if "institution_ids" in values else None
    if errors:
        raise ValidationError(fields=errors)
    require(permissions.can_record(actor, clean["state"]))
    if clean["instrument_id"] != engagement.instrument_id:
        _require_instrument_of_own(actor, clean["instrument_id"])
    _version(engagement, version)
    changes = audit.diff(engagement, clean)
    _withdraw_if_published(actor, engagement, changes)
    if "position" in changes and engagement.position_approved_at is not None:
        engagement.position_approved_at, engagement.position_approved_by_id = None, None
        changes["position_approved"] = [True, False]
    if institutions is not None:
        before = sorted(db.session.execute(sa.select(EngagementInstitution.institution_id).where(
            EngagementInstitution.engagement_id == engagement.id)).scalars())
        after = sorted(i.id for i in institutions)
        if before != after:
            db.session.execute(sa.delete(EngagementInstitution).where(
                EngagementInstitution.engagement_id == engagement.id,
                EngagementInstitution.institution_id.not_in(after)))
            for institution_id in set(after) - set(before):
                db.session.add(EngagementInstitution(engagement_id=engagement.id, institution_id=institution_id))
            changes["institution_ids"] = [before, after]
            engagement.updated_at = utcnow()  # bumps the version for the association alone
    if changes:
        audit.record(actor, "engagement.edit", engagement, changes)
    db.session.flush()
    return engagement


def approve_position(actor, engagement_id, *, version) -> Engagement:
    """Mark the engagement's position as the coalition's voice (a coordinator's decision)."""
    engagement = get_engagement(actor, engagement_id, for_update=True)
    require(permissions.can_decide(actor))
    if not engagement.position.strip():
        raise ValidationError(fields={"position": [_l("Write the position before approving it.")]})
    _version(engagement, version)
    if engagement.position_approved_at is None:
        engagement.position_approved_at, engagement.position_approved_by_id = utcnow(), actor.id
        audit.record(actor, "engagement.approve_position", engagement)
        db.session.flush()
    return engagement


def set_engagement_published(actor, engagement_id, *, published: bool) -> Engagement:
    """Show the engagement on the public portal, or not (its position only once approved)."""
    engagement = get_engagement(actor, engagement_id, for_update=True)
    require(permissions.can_decide(actor))
    if not isinstance(published, bool):
        raise ValidationError(fields={"published": [_l("Must be true or false.")]})
    if engagement.published != published:
        engagement.published = published
        audit.record(actor, "engagement.publish" if published else "engagement.unpublish", engagement)
        db.session.flush()
    return engagement


def add_follow_up(actor, engagement_id, *, text, due_on=None) -> FollowUp:
    engagement = get_engagement(actor, engagement_id, for_update=True)
    require(permissions.can_record(actor, engagement.state))
    errors: dict = {}
    check_text(text, "text", FOLLOW_UP_MAX, errors, required=True)
    due = None if due_on in (None, "") else _check_date(due_on, "due_on", errors)
    if errors:
        raise ValidationError(fields=errors)
    follow_up = FollowUp(engagement_id=engagement.id, text=text.strip(), due_on=due, created_by_id=actor.id)
    db.session.add(follow_up)
    db.session.flush()
    audit.record(actor, "engagement.follow_up", engagement, {"text": [None, follow_up.text], "due_on": [None, due]})
    return follow_up


def complete_follow_up(actor, follow_up_id) -> FollowUp:
    if not is_id(follow_up_id):
        raise NotFound()
    require_actor(actor)
    follow_up = db.session.get(FollowUp, follow_up_id)
    if follow_up is None:
        raise NotFound()
    engagement = get_engagement(actor, follow_up.engagement_id, for_update=True)
    require(permissions.can_record(actor, engagement.state))
    if follow_up.done_at is None:
        follow_up.done_at = utcnow()
        audit.record(actor, "engagement.follow_up_done", engagement, {"follow_up_id": [None, follow_up.id]})
        db.session.flush()
    return follow_up


# --- following -----------------------------------------------------------------------------------

def follow(actor, *, instrument_id=None, state=None, following: bool = True) -> bool:
    """Follow (or stop following) an instrument or a state chapter; answer whether the actor follows it now."""
    require_actor(actor)
    if (instrument_id is None) == (state is None):
        raise ValidationError(fields={"target": [_l("Follow an instrument or a state.")]})
    if instrument_id is not None:
        get_instrument(actor, instrument_id)
        where = Follow.instrument_id == instrument_id
        column = Follow.__table__.c.instrument_id
    else:
        if state not in (*STATES, ABROAD):
            raise NotFound()
        where = Follow.state == state
        column = Follow.__table__.c.state
    existing = db.session.execute(sa.select(Follow).where(Follow.user_id == actor.id, where)).scalar_one_or_none()
    if following and existing is None:
        try:
            with unique_key(Follow.__table__.c.user_id, column):
                db.session.add(Follow(user_id=actor.id, instrument_id=instrument_id, state=state))
                db.session.flush()
        except DuplicateKey:
            pass  # followed by a twin request: the same outcome
    elif not following and existing is not None:
        db.session.delete(existing)
        db.session.flush()
    return following


# --- events --------------------------------------------------------------------------------------

def _event(actor, kind: str, *, instrument: Instrument | None = None, instrument_id: int | None = None,
           engagement: Engagement | None = None, stage_id=None, uptake_id=None, notify: bool = True) -> PolicyEvent:
    """Record what followers hear of; e-mail them now unless `notify` is off (an import: the history it
    brings reaches them once, in their digest, not as a message per row)."""
    state = engagement.state if engagement is not None else (instrument.state if instrument is not None else None)
    event = PolicyEvent(kind=kind, instrument_id=instrument.id if instrument is not None else instrument_id,
                        engagement_id=engagement.id if engagement is not None else None, stage_id=stage_id,
                        uptake_id=uptake_id, state=state, actor_id=actor.id, occurred_at=utcnow())
    db.session.add(event)
    db.session.flush()
    if notify:
        notices.queue_policy_update(event)
    return event
