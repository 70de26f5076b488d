"""Consultations: run them (coordinators), take contributions (anyone, no account), and answer receipts.

`submit_contribution` is the one door for a contribution, used by the public form and the API alike:
it validates everything, stores the contribution in one flush and queues its receipt mail, or stores
nothing at all.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from coalition.audit import services as audit
from coalition.auth.permissions import require, require_actor
from coalition.consultations import permissions, receipts
from coalition.consultations.models import (
    AGE_BANDS, ANSWER_MAX, CHANNELS, CHOICE_MAX, CHOICES_MAX, CONSULTATION_KINDS, CONSULTATION_PHASES,
    DESCRIPTION_MAX, EMAIL_MAX, GENDER_MAX, INSTITUTION_MAX, PROFILE_SECTORS, PROFILE_STATES, PROMPT_MAX,
    QUESTION_KINDS, QUESTIONS_MAX, SLUG_MAX, TITLE_MAX, Answer, Choice, Coding, Comment, Consultation,
    ConsultationRecommendation, Contribution, Question, Theme)
from coalition.database import DuplicateKey, unique_key, utcnow
from coalition.errors import Conflict, DomainError, NotFound, ValidationError
from coalition.extensions import db
from coalition.groups.models import WorkingGroup
from coalition.pagination import Page, paginate
from coalition.recommendations.models import Recommendation, RecommendationRevision
from coalition.recommendations.reach import recommendations_reached_by
from coalition.validation import check_text, is_id

SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Addresses under /consultations/ that are pages, not consultations.
RESERVED_SLUGS = ("new",)
LANGUAGES = ("es", "en")
# The window within which the same text from the same address is a duplicate.
DUPLICATE_WINDOW = timedelta(hours=24)
# Recommendations that may be put up for comment.
COMMENTABLE_STATES = ("draft", "in_consultation")
# Phase changes a coordinator may make (the dates decide open/closed while the phase is `open`).
PHASE_CHANGES = {
    "draft": ("open",),
    "open": ("draft", "analysed"),
    "analysed": ("open", "reported"),
    "reported": ("analysed",),
}
EDITABLE_FIELDS = ("slug", "title_es", "title_en", "description_es", "description_en", "kind", "opens_at",
                   "closes_at")
# The field the form and the API call the honeypot: people never see it, bots fill it.
HONEYPOT = "website"


class ConsultationClosed(DomainError):
    """A contribution to a consultation that is not open (closed, not yet open, or unpublished)."""

    status = 410
    code = "consultation_closed"
    default_message = _l("This consultation is closed: it does not take contributions now.")


class NotStored(Exception):
    """A submission refused quietly: the sender sees a neutral thank-you and nothing is stored."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "duplicate" or "honeypot"


# --- reading ---------------------------------------------------------------------------------

def _open_clause(now: datetime):
    return sa.and_(Consultation.phase == "open", Consultation.opens_at <= now, Consultation.closes_at > now)


def list_consultations(actor, page: int = 1, per_page: int = 25, now: datetime | None = None) -> Page:
    """Open consultations first (closing soonest first), then the others, newest first; drafts only to
    those who run consultations."""
    now = now or utcnow()
    stmt = sa.select(Consultation).options(selectinload(Consultation.groups))
    if not permissions.can_see_drafts(actor):
        stmt = stmt.where(Consultation.phase != "draft")
    is_open = sa.case((_open_clause(now), 0), else_=1)
    stmt = stmt.order_by(is_open, sa.case((_open_clause(now), Consultation.closes_at), else_=None),
                         Consultation.opens_at.desc(), Consultation.id.desc())
    return paginate(stmt, page, per_page)


def get_consultation(actor, slug, *, full: bool = True) -> Consultation:
    """The consultation with its groups, questions and choices and the recommendations up for comment; a
    draft exists only for those who run consultations."""
    if not isinstance(slug, str) or not slug or len(slug) > SLUG_MAX:
        raise NotFound()
    stmt = sa.select(Consultation).where(Consultation.slug == slug)
    if full:
        stmt = stmt.options(selectinload(Consultation.groups),
                            selectinload(Consultation.questions).selectinload(Question.choices),
                            selectinload(Consultation.recommendations))
    consultation = db.session.execute(stmt).scalar_one_or_none()
    if consultation is None or (consultation.phase == "draft" and not permissions.can_see_drafts(actor)):
        raise NotFound()
    return consultation


def can_manage(actor) -> bool:
    """Whether pages should offer the actor the controls that run consultations."""
    return permissions.can_manage(actor)


def has_contributions(consultation: Consultation) -> bool:
    """Whether any contribution arrived: its questions and recommendations are then frozen."""
    return db.session.execute(sa.select(sa.exists().where(
        Contribution.consultation_id == consultation.id))).scalar()


def all_groups() -> list[WorkingGroup]:
    return list(db.session.execute(sa.select(WorkingGroup).order_by(WorkingGroup.position, WorkingGroup.id))
                .scalars())


def commentable_recommendations(consultation: Consultation | None = None, limit: int = 500) -> list[Recommendation]:
    """Recommendations a coordinator may put up for comment: drafts and those already in consultation."""
    stmt = (sa.select(Recommendation).options(joinedload(Recommendation.group))
            .where(Recommendation.state.in_(COMMENTABLE_STATES)).order_by(Recommendation.group_id,
                                                                         Recommendation.id).limit(limit))
    return list(db.session.execute(stmt).scalars())


# --- running a consultation (coordinators) --------------------------------------------------

def _is_aware(value) -> bool:
    return isinstance(value, datetime) and value.tzinfo is not None and value.utcoffset() is not None


def _check_values(values: dict, errors: dict, *, partial: bool) -> None:
    def given(name):
        return not partial or name in values

    if given("slug"):
        slug = values.get("slug")
        if not isinstance(slug, str) or not SLUG_PATTERN.fullmatch(slug) or len(slug) > SLUG_MAX:
            errors["slug"] = [_l("Use lowercase letters, digits and dashes (at most %(n)s).", n=SLUG_MAX)]
        elif slug in RESERVED_SLUGS:
            errors["slug"] = [_l("This address is taken by a page of the site: choose another.")]
    for name in ("title_es", "title_en"):
        if given(name):
            check_text(values.get(name), name, TITLE_MAX, errors, required=True)
    for name in ("description_es", "description_en"):
        if given(name):
            check_text(values.get(name), name, DESCRIPTION_MAX, errors)
    if given("kind") and values.get("kind") not in CONSULTATION_KINDS:
        errors["kind"] = [_l("Choose one of: %(choices)s.", choices=", ".join(CONSULTATION_KINDS))]
    for name in ("opens_at", "closes_at"):
        if given(name) and not _is_aware(values.get(name)):
            errors[name] = [_l("Give a date and time.")]
    if given("group_ids"):
        ids = values.get("group_ids")
        if not isinstance(ids, (list, tuple)) or not all(is_id(i) for i in ids):
            errors["group_ids"] = [_l("Unknown working group.")]


def _groups(ids, errors: dict) -> list[WorkingGroup]:
    ids = list(dict.fromkeys(ids or []))
    if not ids:
        return []
    found = list(db.session.execute(sa.select(WorkingGroup).where(WorkingGroup.id.in_(ids))).scalars())
    if len(found) != len(ids):
        errors["group_ids"] = [_l("Unknown working group.")]
    return found


def create_consultation(actor, *, slug, title_es, title_en, description_es="", description_en="", kind="questions",
                        opens_at, closes_at, group_ids=()) -> Consultation:
    """Create a draft consultation."""
    require_actor(actor)
    require(permissions.can_manage(actor))
    values = {"slug": slug, "title_es": title_es, "title_en": title_en, "description_es": description_es or "",
              "description_en": description_en or "", "kind": kind, "opens_at": opens_at, "closes_at": closes_at,
              "group_ids": list(group_ids or [])}
    errors: dict = {}
    _check_values(values, errors, partial=False)
    groups = _groups(values["group_ids"], errors) if "group_ids" not in errors else []
    if "opens_at" not in errors and "closes_at" not in errors and closes_at <= opens_at:
        errors["closes_at"] = [_l("It must close after it opens.")]
    if "slug" not in errors and db.session.execute(
            sa.select(Consultation.id).where(Consultation.slug == slug)).first():
        errors["slug"] = [_l("Another consultation already uses this address.")]
    if errors:
        raise ValidationError(fields=errors)
    consultation = Consultation(**{k: v for k, v in values.items() if k != "group_ids"}, phase="draft",
                                created_by_id=actor.id)
    consultation.groups = groups
    try:
        with unique_key(Consultation.slug):
            db.session.add(consultation)
            db.session.flush()
    except DuplicateKey:
        raise ValidationError(fields={"slug": [_l("Another consultation already uses this address.")]}) from None
    audit.record(actor, "consultation.created", consultation, {
        "slug": slug, "kind": kind, "opens_at": opens_at, "closes_at": closes_at,
        "groups": [g.slug for g in groups]})
    return consultation


def update_consultation(actor, consultation: Consultation, *, version=None, **values) -> Consultation:
    """Change a consultation's texts, dates, groups or kind (the kind only before any contribution)."""
    require_actor(actor)
    require(permissions.can_manage(actor))
    if version is not None and version != consultation.version:
        raise Conflict()
    unknown = set(values) - set(EDITABLE_FIELDS) - {"group_ids"}
    if unknown:
        raise ValidationError(fields={name: [_l("Unknown field.")] for name in unknown})
    errors: dict = {}
    _check_values(values, errors, partial=True)
    groups = None
    if "group_ids" in values and "group_ids" not in errors:
        groups = _groups(values["group_ids"], errors)
    opens_at = values.get("opens_at", consultation.opens_at)
    closes_at = values.get("closes_at", consultation.closes_at)
    if "opens_at" not in errors and "closes_at" not in errors and closes_at <= opens_at:
        errors["closes_at"] = [_l("It must close after it opens.")]
    if "slug" in values and "slug" not in errors and values["slug"] != consultation.slug and db.session.execute(
            sa.select(Consultation.id).where(Consultation.slug == values["slug"])).first():
        errors["slug"] = [_l("Another consultation already uses this address.")]
    if "kind" in values and "kind" not in errors and values["kind"] != consultation.kind \
            and has_contributions(consultation):
        errors["kind"] = [_l("Contributions have arrived: the kind of consultation can no longer change.")]
    if errors:
        raise ValidationError(fields=errors)
    changes = audit.diff(consultation, {k: v for k, v in values.items() if k != "group_ids"})
    if groups is not None and sorted(g.id for g in groups) != sorted(g.id for g in consultation.groups):
        changes["groups"] = [[g.slug for g in consultation.groups], [g.slug for g in groups]]
        consultation.groups = groups
    if changes:
        try:
            with unique_key(Consultation.slug):
                db.session.flush()
        except DuplicateKey:
            raise ValidationError(fields={"slug": [_l("Another consultation already uses this address.")]}) from None
        audit.record(actor, "consultation.updated", consultation, changes)
        _withdraw_results_if_reopened(actor, consultation)
    return consultation


def set_phase(actor, consultation: Consultation, phase: str) -> Consultation:
    """Publish a draft (`open`), take it back to draft, or mark it analysed or reported."""
    require_actor(actor)
    require(permissions.can_manage(actor))
    if phase not in CONSULTATION_PHASES:
        raise ValidationError(fields={"phase": [_l("Choose one of: %(choices)s.",
                                                   choices=", ".join(CONSULTATION_PHASES))]})
    if phase == consultation.phase:
        return consultation
    if phase not in PHASE_CHANGES[consultation.phase]:
        raise ValidationError(fields={"phase": [_l("A consultation cannot go from “%(old)s” to “%(new)s”.",
                                                   old=consultation.phase, new=phase)]})
    if phase == "open":
        problems = []
        if consultation.asks_questions and not consultation.questions:
            problems.append(_l("Add at least one question before publishing."))
        if consultation.takes_comments and not consultation.recommendations:
            problems.append(_l("Put at least one recommendation up for comment before publishing."))
        if problems:
            raise ValidationError(fields={"phase": problems})
    if phase == "draft" and has_contributions(consultation):
        raise ValidationError(fields={"phase": [_l("Contributions have arrived: it cannot go back to draft.")]})
    if phase == "analysed" and consultation.state_at(utcnow()) != "closed":
        raise ValidationError(fields={"phase": [_l("Only a closed consultation can be marked analysed.")]})
    before = consultation.phase
    consultation.phase = phase
    db.session.flush()
    audit.record(actor, "consultation.phase", consultation, {"phase": [before, phase]})
    _withdraw_results_if_reopened(actor, consultation)
    return consultation


# --- the results on the public portal (coordinators) -------------------------------------------

# A consultation's results may be published once it stops taking contributions.
RESULTS_STATES = ("closed", "analysed", "reported")
RESULTS_ACTIONS = ("consultation.publish_results", "consultation.unpublish_results")


def publish_results(actor, consultation: Consultation, published: bool, version=None) -> Consultation:
    """Show the consultation's results on the public portal, or take them off (coordinators; closed ones)."""
    require_actor(actor)
    require(permissions.can_manage(actor))
    if not isinstance(published, bool):
        raise ValidationError(fields={"results_published": [_l("Must be true or false.")]})
    if version is not None and (isinstance(version, bool) or version != consultation.version):
        raise Conflict()
    if published and consultation.state_at(utcnow()) not in RESULTS_STATES:
        raise ValidationError(fields={"results_published": [
            _l("The results can be published only once the consultation has closed.")]})
    if published == consultation.results_published:
        return consultation
    consultation.results_published = published
    consultation.results_published_at = utcnow() if published else None
    consultation.results_published_by_id = actor.id if published else None
    db.session.flush()
    audit.record(actor, "consultation.publish_results" if published else "consultation.unpublish_results",
                 consultation, {"results_published": [not published, published]})
    return consultation


def _withdraw_results_if_reopened(actor, consultation: Consultation) -> None:
    """Results describe a closed consultation: reopened (new dates, back to draft), they leave the portal,
    to be published again once it closes."""
    if consultation.results_published and consultation.state_at(utcnow()) not in RESULTS_STATES:
        publish_results(actor, consultation, False)


def results_history(consultation: Consultation) -> list:
    """Who published or unpublished the consultation's results, and when (newest first)."""
    return audit.history_of(consultation, RESULTS_ACTIONS)


def _require_unfrozen(consultation: Consultation, field_name: str = "questions") -> None:
    if has_contributions(consultation):
        raise ValidationError(fields={field_name: [_l(
            "Contributions have arrived: the questions and the recommendations up for comment are frozen.")]})


def _check_question(values: dict) -> tuple[dict, list]:
    errors: dict = {}
    if values.get("kind") not in QUESTION_KINDS:
        errors["kind"] = [_l("Choose one of: %(choices)s.", choices=", ".join(QUESTION_KINDS))]
    check_text(values.get("prompt_es"), "prompt_es", PROMPT_MAX, errors, required=True)
    check_text(values.get("prompt_en"), "prompt_en", PROMPT_MAX, errors, required=True)
    if not isinstance(values.get("required", False), bool):
        errors["required"] = [_l("Must be true or false.")]
    raw = values.get("choices") or []
    choices = []
    if not isinstance(raw, (list, tuple)):
        errors["choices"] = [_l("Give the choices as a list.")]
    else:
        for pair in raw:
            if not isinstance(pair, (list, tuple)) or len(pair) != 2 or not all(isinstance(x, str) for x in pair):
                errors["choices"] = [_l("Give each choice in Spanish and in English.")]
                break
            es, en = (pair[0] or "").strip(), (pair[1] or "").strip()
            if not es and not en:
                continue
            if not es or not en:
                errors["choices"] = [_l("Give each choice in Spanish and in English.")]
            elif len(es) > CHOICE_MAX or len(en) > CHOICE_MAX:
                errors["choices"] = [_l("A choice has at most %(n)s characters.", n=CHOICE_MAX)]
            choices.append((es, en))
        if len(choices) > CHOICES_MAX:
            errors["choices"] = [_l("At most %(n)s choices.", n=CHOICES_MAX)]
        if values.get("kind") in ("single", "multiple") and len(choices) < 2 and "choices" not in errors:
            errors["choices"] = [_l("A question with choices needs at least two.")]
        if values.get("kind") == "text":
            choices = []
    if errors:
        raise ValidationError(fields=errors)
    return {"kind": values["kind"], "prompt_es": values["prompt_es"].strip(),
            "prompt_en": values["prompt_en"].strip(), "required": bool(values.get("required"))}, choices


def get_question(actor, consultation: Consultation, question_id) -> Question:
    require_actor(actor)
    require(permissions.can_manage(actor))
    question = next((q for q in consultation.questions if q.id == question_id), None) if is_id(question_id) else None
    if question is None:
        raise NotFound()
    return question


def add_question(actor, consultation: Consultation, *, kind, prompt_es, prompt_en, required=False,
                 choices=()) -> Question:
    """Add a question at the end (its position names its input: q<position>)."""
    require_actor(actor)
    require(permissions.can_manage(actor))
    _require_unfrozen(consultation)
    values, pairs = _check_question({"kind": kind, "prompt_es": prompt_es, "prompt_en": prompt_en,
                                     "required": required, "choices": list(choices)})
    if len(consultation.questions) >= QUESTIONS_MAX:
        raise ValidationError(fields={"questions": [_l("At most %(n)s questions.", n=QUESTIONS_MAX)]})
    position = max((q.position for q in consultation.questions), default=0) + 1
    question = Question(consultation_id=consultation.id, position=position, **values)
    db.session.add(question)
    db.session.flush()
    for number, (es, en) in enumerate(pairs, start=1):
        db.session.add(Choice(question_id=question.id, position=number, label_es=es, label_en=en))
    db.session.flush()
    db.session.expire(consultation, ["questions"])
    audit.record(actor, "consultation.question_added", consultation, {
        "position": position, **values, "choices": [list(p) for p in pairs]})
    return question


def update_question(actor, consultation: Consultation, question: Question, *, kind, prompt_es, prompt_en,
                    required=False, choices=()) -> Question:
    """Rewrite a question and its choices (before any contribution)."""
    require_actor(actor)
    require(permissions.can_manage(actor))
    _require_unfrozen(consultation)
    values, pairs = _check_question({"kind": kind, "prompt_es": prompt_es, "prompt_en": prompt_en,
                                     "required": required, "choices": list(choices)})
    changes = audit.diff(question, values)
    old = [[c.label_es, c.label_en] for c in question.choices]
    if old != [list(p) for p in pairs]:
        changes["choices"] = [old, [list(p) for p in pairs]]
        for choice in list(question.choices):
            db.session.delete(choice)
        db.session.flush()
        for number, (es, en) in enumerate(pairs, start=1):
            db.session.add(Choice(question_id=question.id, position=number, label_es=es, label_en=en))
    db.session.flush()
    db.session.expire(question, ["choices"])
    if changes:
        audit.record(actor, "consultation.question_updated", consultation, {"position": question.position, **changes})
    return question


def move_question(actor, consultation: Consultation, question: Question, direction: str) -> None:
    """Swap a question with the one before (`up`) or after (`down`) it."""
    require_actor(actor)
    require(permissions.can_manage(actor))
    _require_unfrozen(consultation)
    if direction not in ("up", "down"):
        raise ValidationError(fields={"direction": [_l("Choose up or down.")]})
    ordered = sorted(consultation.questions, key=lambda q: q.position)
    index = ordered.index(question)
    other_index = index - 1 if direction == "up" else index + 1
    if not 0 <= other_index < len(ordered):
        return
    other = ordered[other_index]
    a, b = question.position, other.position
    # Through a free position: (consultation, position) is unique at every step.
    question.position = 0
    db.session.flush()
    other.position = a
    db.session.flush()
    question.position = b
    db.session.flush()
    db.session.expire(consultation, ["questions"])
    audit.record(actor, "consultation.question_moved", consultation, {"position": [a, b]})


def delete_question(actor, consultation: Consultation, question: Question) -> None:
    """Remove a question; the ones after it move up, so the inputs stay q1, q2, … without gaps."""
    require_actor(actor)
    require(permissions.can_manage(actor))
    _require_unfrozen(consultation)
    position = question.position
    prompt = question.prompt_es
    for choice in list(question.choices):
        db.session.delete(choice)
    db.session.flush()
    db.session.delete(question)
    db.session.flush()
    for later in sorted((q for q in consultation.questions if q.position > position), key=lambda q: q.position):
        later.position -= 1
        db.session.flush()
    db.session.expire(consultation, ["questions"])
    audit.record(actor, "consultation.question_deleted", consultation, {"position": position, "prompt_es": prompt})


def set_recommendations(actor, consultation: Consultation, recommendation_ids) -> None:
    """Put these draft recommendations up for comment, in this order (before any contribution); a draft
    one becomes `in_consultation`."""
    require_actor(actor)
    require(permissions.can_manage(actor))
    _require_unfrozen(consultation, "recommendation_ids")
    if not isinstance(recommendation_ids, (list, tuple)) or not all(is_id(i) for i in recommendation_ids):
        raise ValidationError(fields={"recommendation_ids": [_l("Unknown recommendation.")]})
    ids = list(dict.fromkeys(recommendation_ids))
    found = {r.id: r for r in db.session.execute(sa.select(Recommendation).where(Recommendation.id.in_(ids)))
             .scalars()} if ids else {}
    current = {r.id for r in consultation.recommendations}
    if len(found) != len(ids) or any(found[i].state not in COMMENTABLE_STATES and i not in current for i in ids):
        raise ValidationError(fields={"recommendation_ids": [_l(
            "Only draft recommendations, or ones already in consultation, can be put up for comment.")]})
    before = [r.id for r in consultation.recommendations]
    if before == ids:
        return
    db.session.execute(sa.delete(ConsultationRecommendation).where(
        ConsultationRecommendation.consultation_id == consultation.id))
    for position, rec_id in enumerate(ids, start=1):
        db.session.add(ConsultationRecommendation(consultation_id=consultation.id, recommendation_id=rec_id,
                                                  position=position))
        recommendation = found[rec_id]
        if recommendation.state == "draft":
            recommendation.state = "in_consultation"
            changes = {"state": ["draft", "in_consultation"], "consultation": consultation.slug}
            db.session.add(RecommendationRevision(recommendation_id=rec_id, actor_id=actor.id, action="state",
                                                  changes=changes))
            audit.record(actor, "recommendation.state", recommendation, changes)
    db.session.flush()
    db.session.expire(consultation, ["recommendations"])
    audit.record(actor, "consultation.recommendations", consultation, {"recommendations": [before, ids]})


# --- contributions ---------------------------------------------------------------------------

def _storable(value: str) -> bool:
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _text(value, name: str, max_length: int, errors: dict) -> str | None:
    """The stripped text, None when blank; an error noted when it is not storable text that fits."""
    if value is None:
        return None
    if not isinstance(value, str) or not _storable(value):
        errors[name] = [_l("Must be text.")]
        return None
    value = value.strip()
    if len(value) > max_length:
        errors[name] = [_l("At most %(n)s characters.", n=max_length)]
        return None
    return value or None


def _position(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 4:
        return int(value.strip())
    return None


def _answers(consultation: Consultation, raw, errors: dict) -> list[tuple[Question, Choice | None, str | None]]:
    rows: list = []
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        errors["answers"] = [_l("Give the answers as an object keyed by q1, q2, …")]
        return rows
    questions = {q.name: q for q in consultation.questions} if consultation.asks_questions else {}
    for key in raw:
        if key not in questions:
            errors[str(key)[:20]] = [_l("There is no such question.")]
    for name, question in questions.items():
        value = raw.get(name)
        if question.kind == "text":
            text = _text(value, name, ANSWER_MAX, errors)
            if text:
                rows.append((question, None, text))
            elif question.required and name not in errors:
                errors[name] = [_l("This question needs an answer.")]
            continue
        values = value if isinstance(value, (list, tuple)) else ([] if value in (None, "") else [value])
        if question.kind == "single" and len(values) > 1:
            errors[name] = [_l("Choose only one.")]
            continue
        if len(values) > CHOICES_MAX:
            errors[name] = [_l("Choose from the list.")]
            continue
        by_position = {c.position: c for c in question.choices}
        chosen = []
        for item in values:
            position = _position(item)
            if position not in by_position:
                errors[name] = [_l("Choose from the list.")]
                break
            if by_position[position] not in chosen:
                chosen.append(by_position[position])
        if name in errors:
            continue
        if not chosen and question.required:
            errors[name] = [_l("This question needs an answer.")]
        rows.extend((question, choice, None) for choice in chosen)
    return rows


def _comments(consultation: Consultation, raw, errors: dict) -> list[tuple[Recommendation, str]]:
    rows: list = []
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        errors["comments"] = [_l("Give the comments as an object keyed by recommendation id.")]
        return rows
    recommendations = {str(r.id): r for r in consultation.recommendations} if consultation.takes_comments else {}
    for key, value in raw.items():
        name = f"r{str(key)[:12]}"
        recommendation = recommendations.get(str(key))
        if recommendation is None:
            errors[name] = [_l("This recommendation is not up for comment here.")]
            continue
        text = _text(value, name, ANSWER_MAX, errors)
        if text:
            rows.append((recommendation, text))
    return rows


def _truthy(value) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in ("yes", "y", "on", "true", "1"))


def _profile(data: dict, errors: dict) -> dict:
    sector, state, age_band = data.get("sector"), data.get("state"), data.get("age_band")
    if sector not in PROFILE_SECTORS:
        errors["sector"] = [_l("Choose the sector you belong to.")]
    if state not in PROFILE_STATES:
        errors["state"] = [_l("Choose your state, or abroad.")]
    if age_band in ("", None):
        age_band = None
    elif age_band not in AGE_BANDS:
        errors["age_band"] = [_l("Choose from the list.")]
        age_band = None
    return {"sector": sector, "state": state, "age_band": age_band,
            "institution": _text(data.get("institution"), "institution", INSTITUTION_MAX, errors),
            "gender": _text(data.get("gender"), "gender", GENDER_MAX, errors)}


def _email(data: dict, errors: dict) -> tuple[str | None, bool]:
    from coalition.auth.services import normalise_email

    raw, notify = data.get("email"), data.get("notify")
    if notify not in (None, "") and not isinstance(notify, (bool, str)):
        errors["notify"] = [_l("Must be true or false.")]
    notify = _truthy(notify)
    if raw in (None, "") or (isinstance(raw, str) and not raw.strip()):
        if notify:
            errors["email"] = [_l("Give an e-mail address to be told what happens to your input.")]
        return None, False
    if not isinstance(raw, str) or len(raw) > EMAIL_MAX or not _storable(raw):
        errors["email"] = [_l("Enter a valid email address.")]
        return None, notify
    try:
        return normalise_email(raw), notify
    except ValidationError as error:
        errors.update(error.fields)
        return None, notify




def resolve(consultation) -> Consultation:
    """The consultation itself, or the one with this slug (a draft too), with its questions and recommendations."""
    if isinstance(consultation, Consultation):
        return consultation
    if not isinstance(consultation, str) or not consultation or len(consultation) > SLUG_MAX:
        raise NotFound()
    # One query (a submission reads this every time): the questions, their choices and the
    # recommendations up for comment are a handful of rows joined on.
    found = db.session.execute(
        sa.select(Consultation).where(Consultation.slug == consultation)
        .options(joinedload(Consultation.questions).joinedload(Question.choices),
                 # Which recommendations are up for comment, not their long texts.
                 joinedload(Consultation.recommendations).load_only(Recommendation.id, Recommendation.title_es,
                                                                    Recommendation.title_en))
        ).unique().scalar_one_or_none()
    if found is None:
        raise NotFound()
    return found


def submit_contribution(consultation, data: dict, *, channel: str = "online", source: str | None = None,
                        language: str = "es", now: datetime | None = None) -> tuple[Contribution, str]:
    """Store one contribution and queue its receipt mail; return it with its receipt code (shown once).

    `data` holds SPEC's keys: answers {"q1": …}, comments {"<recommendation id>": …}, sector, state,
    institution, age_band, gender, email, notify, consent. Raises ConsultationClosed (nothing stored),
    ValidationError keyed by the form's input names, or NotStored for a bot or a duplicate (nothing
    stored, the sender thanked all the same).
    """
    now = now or utcnow()
    consultation = resolve(consultation)
    if consultation.phase == "draft":
        raise NotFound()  # a draft does not exist for the public
    if consultation.state_at(now) != "open":
        raise ConsultationClosed()
    if not isinstance(data, dict):
        raise ValidationError(fields={"_schema": [_l("Send the contribution as an object.")]})
    if data.get(HONEYPOT):
        raise NotStored("honeypot")
    if channel not in CHANNELS:
        raise ValidationError(fields={"channel": [_l("Choose one of: %(choices)s.", choices=", ".join(CHANNELS))]})
    language = language if language in LANGUAGES else "es"
    errors: dict = {}
    answers = _answers(consultation, data.get("answers"), errors)
    comments = _comments(consultation, data.get("comments"), errors)
    profile = _profile(data, errors)
    email, notify = _email(data, errors)
    if not _truthy(data.get("consent")):
        errors["consent"] = [_l("We can only keep your contribution with your consent.")]
    if not errors and not answers and not comments:
        errors["answers"] = [_l("Answer at least one question or comment on one recommendation.")]
    if errors:
        raise ValidationError(fields=errors)

    texts = [text for _q, _c, text in answers if text] + [text for _r, text in comments]
    search_text = "\n\n".join(texts)
    source_hash = receipts.source_hash(source)
    # Only the same words twice count as a duplicate: people who share a connection (a school, a
    # workshop) may well tick the same choices on the same day.
    text_hash = receipts.text_hash(search_text) if search_text.strip() else None
    if source_hash is not None and text_hash is not None and db.session.execute(sa.select(sa.exists().where(
            Contribution.consultation_id == consultation.id, Contribution.source_hash == source_hash,
            Contribution.text_hash == text_hash, Contribution.submitted_at >= now - DUPLICATE_WINDOW))).scalar():
        raise NotStored("duplicate")

    code = receipts.new_code()
    contribution = Contribution(
        consultation_id=consultation.id, receipt_hash=receipts.code_hash(code), channel=channel, submitted_at=now,
        email=email if notify else None, language=language, consented_at=now, source_hash=source_hash,
        text_hash=text_hash, search_text=search_text, **profile)
    db.session.add(contribution)
    db.session.flush()
    # One multi-row INSERT each (the busiest write of a consultation): nothing reads them back as objects.
    if answers:
        db.session.execute(sa.insert(Answer), [
            {"contribution_id": contribution.id, "question_id": question.id,
             "choice_id": choice.id if choice else None, "text": text} for question, choice, text in answers])
    if comments:
        db.session.execute(sa.insert(Comment), [
            {"contribution_id": contribution.id, "recommendation_id": recommendation.id, "text": text}
            for recommendation, text in comments])
    if email:
        _queue_receipt(contribution, consultation, code, email, language)
    return contribution, code


def receipt_link(code: str) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}/receipts/{code}"


def _queue_receipt(contribution: Contribution, consultation: Consultation, code: str, email: str,
                   language: str) -> None:
    from coalition.notifications import services as notifications

    subject, text, html = notifications.render(
        "receipt", language, code=code, link=receipt_link(code), title=consultation.title_in(language),
        notify=contribution.email is not None)
    # The key names nothing: the outbox keeps who was written to, and must not tie them to a contribution.
    notifications.enqueue(kind="receipt", recipient=email, subject=subject, text_body=text, html_body=html,
                          dedupe_key=f"receipt:{uuid.uuid4().hex}")


# --- receipts --------------------------------------------------------------------------------

@dataclass
class Receipt:
    """What a receipt page shows: never the contribution's text or profile."""

    code: str
    received_at: datetime
    consultation: Consultation
    themes: list = field(default_factory=list)
    recommendations: list = field(default_factory=list)


def get_receipt(code) -> Receipt:
    """The trace of the contribution a receipt code belongs to, in three queries whatever its reach."""
    normal = receipts.normalise_code(code) if isinstance(code, str) else None
    if normal is None:
        raise NotFound()
    contribution = db.session.execute(
        sa.select(Contribution).where(Contribution.receipt_hash == receipts.code_hash(normal))
        .options(joinedload(Contribution.consultation))).scalar_one_or_none()
    if contribution is None:
        raise NotFound()
    themes = list(db.session.execute(
        sa.select(Theme).join(Coding, Coding.theme_id == Theme.id)
        .where(Coding.contribution_id == contribution.id).order_by(Theme.name_es, Theme.id)).scalars())
    recommendations = [] if contribution.hidden_at is not None else list(db.session.execute(
        sa.select(Recommendation).where(Recommendation.id.in_(recommendations_reached_by(contribution.id)),
                                        Recommendation.published.is_(True))
        .order_by(Recommendation.id)).scalars())
    return Receipt(code=normal, received_at=contribution.submitted_at, consultation=contribution.consultation,
                   themes=themes, recommendations=recommendations)

