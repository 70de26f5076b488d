"""Coding and analysis: the themes of a consultation, the coding queue, the search over contributions,
and hiding a contribution (kept, with a reason).

Every function takes an explicit actor and only flushes; pages, the API and workers share them.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.engine import Engine
from sqlalchemy.orm import selectinload

from coalition.analysis import permissions
from coalition.consultations import permissions as consultation_permissions
from coalition.dashboards import cache
from coalition.audit import services as audit
from coalition.auth.permissions import require, require_actor
from coalition.consultations.models import (
    AGE_BANDS, CHANNELS, HIDE_REASON_MAX, PROFILE_SECTORS, PROFILE_STATES, SLUG_MAX, THEME_DESCRIPTION_MAX,
    THEME_NAME_MAX, THEMES_MAX, Answer, Coding, Comment, Consultation, Contribution, Question, Theme)
from coalition.database import DuplicateKey, contains_pattern, unique_key, utcnow
from coalition.errors import NotFound, ValidationError
from coalition.extensions import db
from coalition.groups.models import WorkingGroup
from coalition.pagination import Page, paginate
from coalition.validation import QUERY_MAX, check_text, is_id

HIDDEN_CHOICES = ("include", "only")
# `?group=all`: the coding queue of the whole consultation rather than one group's share.
ALL_GROUPS = "all"
# Words of a text search: more than this many are not looked for (each one is a LIKE on SQLite).
SEARCH_WORDS_MAX = 10
# The highest question position a filter may name (a consultation has far fewer questions).
QUESTION_POSITION_MAX = 10_000


# --- accent- and case-insensitive text on SQLite -------------------------------------------------

def fold(text: str | None) -> str:
    """Lower-case `text` without accents: "Educación" → "educacion"."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@sa.event.listens_for(Engine, "connect")
def _sqlite_fold(dbapi_connection, connection_record):
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.create_function("coalition_fold", 1, fold, deterministic=True)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


# --- the consultation ------------------------------------------------------------------------

def get_consultation(actor, slug: str) -> Consultation:
    """The consultation with its groups, for any member of the coalition."""
    require_actor(actor)
    if not isinstance(slug, str) or not slug or len(slug) > SLUG_MAX:
        raise NotFound()
    consultation = db.session.execute(
        sa.select(Consultation).where(Consultation.slug == slug)
        .options(selectinload(Consultation.groups))).scalar_one_or_none()
    if consultation is None or (consultation.phase == "draft" and not consultation_permissions.can_see_drafts(actor)):
        raise NotFound()  # a draft exists only for those who run consultations
    return consultation


def questions_of(consultation: Consultation) -> list[Question]:
    """The consultation's questions with their choices (two queries)."""
    return list(db.session.execute(
        sa.select(Question).where(Question.consultation_id == consultation.id)
        .options(selectinload(Question.choices)).order_by(Question.position)).scalars())


# --- themes ----------------------------------------------------------------------------------

@dataclass
class ThemeRow:
    theme: Theme
    coded: int  # visible contributions coded under it


def themes_of(consultation: Consultation) -> list[Theme]:
    return list(db.session.execute(
        sa.select(Theme).where(Theme.consultation_id == consultation.id).order_by(Theme.id)).scalars())


def theme_rows(actor, consultation: Consultation) -> list[ThemeRow]:
    """The consultation's themes with how many visible contributions each codes, in one query."""
    require_actor(actor)
    counts = (sa.select(Coding.theme_id, sa.func.count().label("n"))
              .join(Contribution, Contribution.id == Coding.contribution_id)
              .where(Contribution.consultation_id == consultation.id, Contribution.hidden_at.is_(None))
              .group_by(Coding.theme_id).subquery())
    rows = db.session.execute(
        sa.select(Theme, sa.func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.theme_id == Theme.id)
        .where(Theme.consultation_id == consultation.id).order_by(Theme.id))
    return [ThemeRow(theme, n) for theme, n in rows]


def _theme_values(values: dict, *, partial: bool) -> dict:
    errors: dict = {}
    clean = {}
    for name, limit, required in (("name_es", THEME_NAME_MAX, True), ("name_en", THEME_NAME_MAX, True),
                                  ("description_es", THEME_DESCRIPTION_MAX, False),
                                  ("description_en", THEME_DESCRIPTION_MAX, False)):
        if name not in values:
            if not partial:
                clean[name] = ""
                if required:
                    errors[name] = [_l("This field is required.")]
            continue
        value = values[name]
        value = value.strip() if isinstance(value, str) else value
        check_text(value, name, limit, errors, required=required)
        clean[name] = value if value is not None else ""
    if errors:
        raise ValidationError(fields=errors)
    return clean


def create_theme(actor, consultation: Consultation, **values) -> Theme:
    """Add a theme to the consultation (its groups' leads and the coordinators)."""
    require_actor(actor)
    require(permissions.can_keep_themes(actor, consultation))
    clean = _theme_values(values, partial=False)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Theme)
                              .where(Theme.consultation_id == consultation.id))
    if count >= THEMES_MAX:
        raise ValidationError(fields={"name_es": [_l("A consultation has at most %(n)s themes.", n=THEMES_MAX)]})
    theme = Theme(consultation_id=consultation.id, created_by_id=actor.id, **clean)
    try:
        with unique_key(Theme.consultation_id, Theme.name_es):
            db.session.add(theme)
    except DuplicateKey:
        raise ValidationError(fields={"name_es": [_l("This consultation already has a theme of that name.")]}) from None
    audit.record(actor, "theme.created", theme, {"consultation": consultation.slug, **clean})
    return theme


def get_theme(actor, theme_id) -> Theme:
    require_actor(actor)
    if not is_id(theme_id):
        raise NotFound()
    theme = db.session.execute(
        sa.select(Theme).where(Theme.id == theme_id)
        .options(selectinload(Theme.consultation).selectinload(Consultation.groups))).scalar_one_or_none()
    if theme is None:
        raise NotFound()
    return theme


def edit_theme(actor, theme_id, **values) -> Theme:
    """Rename or describe a theme; the codings under it stay."""
    theme = get_theme(actor, theme_id)
    require(permissions.can_keep_themes(actor, theme.consultation))
    clean = _theme_values(values, partial=True)
    try:
        with unique_key(Theme.consultation_id, Theme.name_es):
            changes = audit.diff(theme, clean)
    except DuplicateKey:
        raise ValidationError(fields={"name_es": [_l("This consultation already has a theme of that name.")]}) from None
    if changes:
        audit.record(actor, "theme.changed", theme, changes)
    return theme


# --- the coding queue ------------------------------------------------------------------------

@dataclass
class Queue:
    """Where a coder stands: the next contribution (or None), and the progress of the share."""

    consultation: Consultation
    group: WorkingGroup | None  # None: the whole consultation
    contribution: Contribution | None
    coded: int
    total: int


def _share(consultation: Consultation, group: WorkingGroup | None):
    """The WHERE clause of a group's share: with k groups, the i-th takes the ids equal to i modulo k."""
    if group is None:
        return sa.true()
    ids = [g.id for g in consultation.groups]
    return Contribution.id % len(ids) == ids.index(group.id)


def _coded():
    return sa.exists().where(Coding.contribution_id == Contribution.id)


def queue_group(actor, consultation: Consultation, slug: str | None) -> WorkingGroup | None:
    """The group whose share a coder works on: the one asked for, else the coder's own, else all."""
    if slug == ALL_GROUPS:
        return None
    if slug:
        for group in consultation.groups:
            if group.slug == slug:
                return group
        raise NotFound()
    roles = actor.group_roles()
    for group in consultation.groups:
        if group.id in roles:
            return group if len(consultation.groups) > 1 else None
    return None


def next_in_queue(actor, consultation: Consultation, *, group: WorkingGroup | None = None,
                  after: int | None = None) -> Queue:
    """The next visible uncoded contribution of the share after `after` (wrapping round), and the progress."""
    require_actor(actor)
    require(permissions.can_code(actor, consultation))
    share = sa.and_(Contribution.consultation_id == consultation.id, Contribution.hidden_at.is_(None),
                    _share(consultation, group))

    def progress() -> list[int]:
        return list(db.session.execute(
            sa.select(sa.func.count(sa.case((_coded(), 1))), sa.func.count()).select_from(Contribution)
            .where(share)).one())

    # The progress counts every contribution of the share, so it comes from the exact cache: keyed by the
    # data version (every coding and hiding bumps it) and by the consultation's newest contribution.
    newest = db.session.scalar(sa.select(Contribution.id).where(Contribution.consultation_id == consultation.id)
                               .order_by(Contribution.id.desc()).limit(1))
    # The share depends on the consultation's groups too (group i of k takes ids ≡ i mod k).
    groups = "-".join(str(g.id) for g in consultation.groups)
    coded, total = cache.cached(("queue", consultation.id, groups, group.id if group else 0, newest), progress)
    uncoded = sa.select(Contribution.id).where(share, ~_coded())
    next_id = None
    if after is not None and is_id(after):
        next_id = db.session.scalar(uncoded.where(Contribution.id > after).order_by(Contribution.id).limit(1))
    if next_id is None:
        next_id = db.session.scalar(uncoded.order_by(Contribution.id).limit(1))
    contribution = load_contributions([next_id])[0] if next_id is not None else None
    return Queue(consultation=consultation, group=group, contribution=contribution, coded=coded, total=total)


def load_contributions(ids: list[int]) -> list[Contribution]:
    """Contributions with their answers, choices, comments and codings, in a constant number of queries."""
    if not ids:
        return []
    rows = db.session.execute(
        sa.select(Contribution).where(Contribution.id.in_(ids))
        .options(selectinload(Contribution.answers).selectinload(Answer.choice),
                 selectinload(Contribution.comments).selectinload(Comment.recommendation),
                 selectinload(Contribution.codings))).scalars().all()
    by_id = {c.id: c for c in rows}
    return [by_id[i] for i in ids if i in by_id]


def set_themes(actor, contribution_id, theme_ids) -> tuple[list[int], list[int]]:
    """Code a contribution under exactly `theme_ids`; return the theme ids added and removed.

    Who coded and when is kept per theme; every change goes to the audit log as `coding.changed`.
    """
    contribution = get_contribution(actor, contribution_id)
    consultation = contribution.consultation
    require(permissions.can_code(actor, consultation))
    if (not isinstance(theme_ids, (list, tuple, set)) or not all(is_id(t) for t in theme_ids)
            or len(theme_ids) > THEMES_MAX):
        raise ValidationError(fields={"themes": [_l("Choose themes of this consultation.")]})
    wanted = set(theme_ids)
    known = set(db.session.scalars(sa.select(Theme.id).where(Theme.consultation_id == consultation.id,
                                                             Theme.id.in_(wanted)))) if wanted else set()
    if wanted - known:
        raise ValidationError(fields={"themes": [_l("Choose themes of this consultation.")]})
    current = {coding.theme_id: coding for coding in contribution.codings}
    added = sorted(wanted - set(current))
    removed = sorted(set(current) - wanted)
    now = utcnow()
    for theme_id in removed:
        db.session.delete(current[theme_id])
    for theme_id in added:
        db.session.add(Coding(contribution_id=contribution.id, theme_id=theme_id, coded_by_id=actor.id, coded_at=now))
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        # Another coder saved the same contribution at the same moment: theirs stands.
        db.session.rollback()
        raise ValidationError(fields={"themes": [_l("Someone else coded this contribution at the same time; "
                                                    "look at it again.")]}) from None
    if added or removed:
        audit.record(actor, "coding.changed", contribution, {"added": added, "removed": removed})
    if added:
        from coalition.recommendations import notices

        # Coded under a theme a published answer stands on: its author is behind that answer now.
        notices.queue_for_new_sources([contribution.id], added)
    db.session.expire(contribution, ["codings"])
    return added, removed


# --- one contribution, and hiding it ----------------------------------------------------------

def get_contribution(actor, contribution_id, *, consultation: Consultation | None = None) -> Contribution:
    """A contribution, for members; a hidden one only for those who may hide it (else 404)."""
    require_actor(actor)
    if not is_id(contribution_id):
        raise NotFound()
    contribution = db.session.execute(
        sa.select(Contribution).where(Contribution.id == contribution_id)
        .options(selectinload(Contribution.consultation).selectinload(Consultation.groups),
                 selectinload(Contribution.answers).selectinload(Answer.choice),
                 selectinload(Contribution.comments).selectinload(Comment.recommendation),
                 selectinload(Contribution.codings))).scalar_one_or_none()
    if contribution is None or (consultation is not None and contribution.consultation_id != consultation.id):
        raise NotFound()
    if contribution.is_hidden and not permissions.can_see_hidden(actor, contribution.consultation):
        raise NotFound()
    return contribution


def hide(actor, contribution_id, reason) -> Contribution:
    """Hide a contribution with a reason: it stays stored, out of figures, queues and traces."""
    contribution = get_contribution(actor, contribution_id)
    require(permissions.can_hide(actor, contribution.consultation))
    errors: dict = {}
    reason = reason.strip() if isinstance(reason, str) else reason
    check_text(reason, "reason", HIDE_REASON_MAX, errors, required=True)
    if errors:
        raise ValidationError(fields=errors)
    if contribution.is_hidden and contribution.hidden_reason == reason:
        return contribution
    changes = audit.diff(contribution, {"hidden_reason": reason})
    if not contribution.is_hidden:
        contribution.hidden_at = utcnow()
        contribution.hidden_by_id = actor.id
    audit.record(actor, "contribution.hidden", contribution, {"hidden": True, **changes})
    db.session.flush()
    return contribution


def unhide(actor, contribution_id) -> Contribution:
    contribution = get_contribution(actor, contribution_id)
    require(permissions.can_hide(actor, contribution.consultation))
    if contribution.is_hidden:
        audit.record(actor, "contribution.hidden", contribution,
                     {"hidden": False, "hidden_reason": [contribution.hidden_reason, None]})
        contribution.hidden_at = contribution.hidden_by_id = contribution.hidden_reason = None
        db.session.flush()
    return contribution


def themes_by_contribution(ids: list[int]) -> dict[int, list[int]]:
    """The theme ids of each contribution, in one query."""
    result: dict[int, list[int]] = {i: [] for i in ids}
    if ids:
        for contribution_id, theme_id in db.session.execute(
                sa.select(Coding.contribution_id, Coding.theme_id).where(Coding.contribution_id.in_(ids))
                .order_by(Coding.theme_id)):
            result[contribution_id].append(theme_id)
    return result


# --- the search ------------------------------------------------------------------------------

@dataclass
class SearchFilters:
    """What the contributions search selects. `theme` is a theme id or "uncoded"; `answer` is the text
    an answer to question `question` contains, or for a choice question the choice's position."""

    question: int | None = None
    answer: str | None = None
    sector: str | None = None
    state: str | None = None
    channel: str | None = None
    age_band: str | None = None
    theme: int | str | None = None
    hidden: str | None = None
    q: str | None = None

    @property
    def any(self) -> bool:
        return any(getattr(self, name) not in (None, "") for name in self.__dataclass_fields__)


def check_filters(actor, consultation: Consultation, filters: SearchFilters) -> None:
    errors: dict = {}
    vocab = {"sector": PROFILE_SECTORS, "state": PROFILE_STATES, "channel": CHANNELS, "age_band": AGE_BANDS}
    for name, allowed in vocab.items():
        value = getattr(filters, name)
        if value is not None and value not in allowed:
            errors[name] = [_l("Choose one of the listed values.")]
    if filters.question is not None and not (isinstance(filters.question, int) and 0 < filters.question <= QUESTION_POSITION_MAX):
        errors["question"] = [_l("Choose one of the consultation's questions.")]
    for name in ("answer", "q"):
        value = getattr(filters, name)
        if value is not None:
            check_text(value, name, QUERY_MAX, errors)
    if filters.theme is not None and filters.theme != "uncoded" and not is_id(filters.theme):
        errors["theme"] = [_l("Choose one of the consultation's themes.")]
    if filters.hidden is not None:
        if filters.hidden not in HIDDEN_CHOICES:
            errors["hidden"] = [_l("Choose one of the listed values.")]
        else:
            require(permissions.can_see_hidden(actor, consultation))
    if errors:
        raise ValidationError(fields=errors)


def _text_match(q: str):
    if _dialect() == "postgresql":
        vector = sa.func.to_tsvector(sa.literal_column("'spanish'::regconfig"), Contribution.search_text)
        return vector.op("@@")(sa.func.websearch_to_tsquery(sa.literal_column("'spanish'::regconfig"), q))
    words = [fold(word) for word in q.split()][:SEARCH_WORDS_MAX]
    folded = sa.func.coalition_fold(Contribution.search_text)
    return sa.and_(sa.true(), *(folded.like(contains_pattern(word), escape="\\") for word in words if word))


def search_select(consultation: Consultation, filters: SearchFilters, questions: list[Question]) -> sa.Select:
    stmt = sa.select(Contribution).where(Contribution.consultation_id == consultation.id)
    if filters.hidden == "only":
        stmt = stmt.where(Contribution.hidden_at.is_not(None))
    elif filters.hidden != "include":
        stmt = stmt.where(Contribution.hidden_at.is_(None))
    for name in ("sector", "state", "channel", "age_band"):
        value = getattr(filters, name)
        if value is not None:
            stmt = stmt.where(getattr(Contribution, name) == value)
    if filters.question is not None:
        question = next((q for q in questions if q.position == filters.question), None)
        if question is None:
            return stmt.where(sa.false())
        answered = sa.select(Answer.id).where(Answer.contribution_id == Contribution.id,
                                              Answer.question_id == question.id)
        answer = (filters.answer or "").strip()
        if answer and question.kind == "text":
            answered = answered.where(Answer.text.ilike(contains_pattern(answer), escape="\\"))
        elif answer:
            choice = next((c for c in question.choices if answer in (str(c.position), c.label_es, c.label_en)), None)
            answered = answered.where(Answer.choice_id == (choice.id if choice else -1))
        stmt = stmt.where(answered.exists())
    if filters.theme == "uncoded":
        stmt = stmt.where(~_coded())
    elif filters.theme is not None:
        stmt = stmt.where(sa.exists().where(Coding.contribution_id == Contribution.id,
                                            Coding.theme_id == filters.theme))
    if filters.q and filters.q.strip():
        stmt = stmt.where(_text_match(filters.q.strip()))
    return stmt.order_by(Contribution.submitted_at.desc(), Contribution.id.desc())


def search(actor, consultation: Consultation, filters: SearchFilters, page: int, per_page: int,
           questions: list[Question] | None = None) -> Page:
    """A page of the consultation's contributions the filters select, newest first, with their answers,
    comments and codings loaded (a constant number of queries)."""
    require_actor(actor)
    require(permissions.can_read(actor, consultation))
    check_filters(actor, consultation, filters)
    questions = questions if questions is not None else questions_of(consultation)
    stmt = search_select(consultation, filters, questions).options(
        selectinload(Contribution.answers).selectinload(Answer.choice),
        selectinload(Contribution.comments).selectinload(Comment.recommendation),
        selectinload(Contribution.codings))
    return paginate(stmt, page, per_page)


def uncoded_by_group(group_ids: list[int]) -> dict[int, list[tuple[Consultation, int]]]:
    """For each group, the consultations it is concerned by that have uncoded visible contributions in its
    share, with their number (one query: for digests)."""
    from coalition.consultations.models import consultation_groups

    result: dict[int, list] = {g: [] for g in group_ids}
    if not group_ids:
        return result
    # The share of a group: its position among the consultation's groups, ordered like Consultation.groups.
    cg = consultation_groups
    ranked = (sa.select(cg.c.consultation_id, cg.c.group_id,
                        (sa.func.row_number().over(partition_by=cg.c.consultation_id,
                                                   order_by=(WorkingGroup.position, WorkingGroup.id)) - 1).label("i"),
                        sa.func.count().over(partition_by=cg.c.consultation_id).label("k"))
              .join(WorkingGroup, WorkingGroup.id == cg.c.group_id).subquery())
    rows = db.session.execute(
        sa.select(ranked.c.group_id, Consultation, sa.func.count(Contribution.id))
        .join(Consultation, Consultation.id == ranked.c.consultation_id)
        .join(Contribution, Contribution.consultation_id == Consultation.id)
        .where(ranked.c.group_id.in_(group_ids), Consultation.phase != "draft",
               Contribution.hidden_at.is_(None), ~_coded(), Contribution.id % ranked.c.k == ranked.c.i)
        .group_by(ranked.c.group_id, Consultation.id).order_by(Consultation.id)).all()
    for group_id, consultation, n in rows:
        result[group_id].append((consultation, n))
    return result


def received_between(start: datetime, end: datetime) -> int:
    """Visible contributions received in [start, end), over every consultation."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Contribution).where(
        Contribution.submitted_at >= start, Contribution.submitted_at < end, Contribution.hidden_at.is_(None)))
