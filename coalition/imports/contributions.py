"""A consultation's contributions from a spreadsheet (paper collected at workshops and state forums),
and the same columns back out as CSV for analysis in other tools.

One row per contribution, found by its `external_id` (the sheet's folio): a row whose `external_id`
the consultation already holds is left unchanged, so importing a file twice adds nothing. Rows are
never updated: a contribution is what someone said. Columns: `external_id, channel, submitted_at,
sector, state, institution, age_band, gender, q1, q2, …` and, when the consultation takes comments,
`r<recommendation id>`. The export writes the same columns (online contributions as
`online-<id>`, which the import recognises), so export → import round-trips.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from coalition.auth.permissions import require, require_actor
from coalition.consultations import permissions as consultation_permissions
from coalition.consultations import receipts
from coalition.consultations.models import (
    ANSWER_MAX,
    EXTERNAL_ID_MAX,
    GENDER_MAX,
    INSTITUTION_MAX,
    SLUG_MAX,
    Answer,
    Choice,
    Coding,
    Comment,
    Consultation,
    ConsultationRecommendation,
    Contribution,
    Question,
    Theme,
)
from coalition.database import coalition_timezone, utcnow
from coalition.errors import NotFound, ValidationError
from coalition.extensions import db
from coalition.imports import permissions, vocabulary
from coalition.imports.services import Row, insert_many, register
from coalition.institutions.models import Institution

BASE_COLUMNS = {
    "external_id": ("id externo", "id_externo", "folio", "identificador", "clave", "id"),
    "channel": ("canal", "medio"),
    "submitted_at": ("fecha", "fecha de envio", "fecha y hora", "enviado", "recibido", "submitted", "date"),
    "sector": (),
    "state": ("estado", "entidad", "entidad federativa"),
    "institution": ("institucion", "organizacion", "organization"),
    "age_band": ("edad", "rango de edad", "grupo de edad", "age"),
    "gender": ("genero", "sexo"),
}
PROFILE = ("channel", "submitted_at", "sector", "state", "institution", "age_band", "gender")
# Rows written per INSERT: 50,000 rows (the import limit) go in a handful of statements.
BATCH = 5_000
# Contributions read per query while exporting: memory stays flat whatever the consultation's size.
EXPORT_BATCH = 2_000
# A moment a little ahead of the server's clock is a clock set differently, not the future.
CLOCK_SKEW = timedelta(hours=1)
ONLINE_PREFIX = "online-"
_UNSEEN = object()
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")

# `gender` is self-described free text, the one profile field a person writes in their own words: it
# can carry a name or a detail that, beside institution, state and age band, singles someone out, and a
# row-level file cannot apply the k >= 5 rule the figures do. The export keeps the common answers
# (which the analysis needs) and leaves any other self-description blank.
PLAIN_GENDERS = frozenset(vocabulary.fold(g) for g in (
    "mujer", "hombre", "femenino", "masculino", "woman", "man", "female", "male", "f", "m",
    "no binario", "no binaria", "no binarie", "non-binary", "nonbinary", "non binary",
    "mujer trans", "hombre trans", "trans woman", "trans man", "otro", "otra", "other",
    "prefiero no decir", "prefer not to say", "no especificado",
))


@dataclass
class QuestionInfo:
    id: int
    position: int
    kind: str
    required: bool
    choices: dict[int, int] = field(default_factory=dict)        # position → choice id
    labels: dict[str, int] = field(default_factory=dict)         # folded label (es or en) → position


@dataclass
class Context:
    consultation_id: int
    questions: dict[str, QuestionInfo]       # "q1" → question
    comments: dict[str, int]                 # "r12" → recommendation id
    existing: set[str]                       # external ids already imported
    online: set[int]                         # ids of the consultation's contributions without one
    sectors: vocabulary.Vocabulary
    states: vocabulary.Vocabulary
    channels: vocabulary.Vocabulary
    age_bands: vocabulary.Vocabulary
    columns: set
    now: datetime
    home: object
    found: dict = field(default_factory=dict)  # column → text as written → key (or None)


def consultation_for_import(slug) -> Consultation:
    """The consultation `slug` names, if contributions may be imported into it (any but a draft)."""
    consultation = _by_slug(slug)
    if consultation.phase == "draft":
        message = _l("This consultation is still a draft: open it before importing contributions.")
        raise ValidationError(message, fields={"file": [message]})
    return consultation


def _by_slug(slug) -> Consultation:
    found = None
    if isinstance(slug, str) and 0 < len(slug) <= SLUG_MAX:
        found = db.session.execute(sa.select(Consultation).where(Consultation.slug == slug)).scalar_one_or_none()
    if found is None:
        raise NotFound()
    return found


def _columns(consultation: Consultation) -> tuple[list[int], list[int]]:
    positions = list(db.session.scalars(sa.select(Question.position).where(
        Question.consultation_id == consultation.id).order_by(Question.position)))
    recommendation_ids: list[int] = []
    if consultation.takes_comments:
        recommendation_ids = list(db.session.scalars(sa.select(ConsultationRecommendation.recommendation_id).where(
            ConsultationRecommendation.consultation_id == consultation.id).order_by(
            ConsultationRecommendation.position, ConsultationRecommendation.recommendation_id)))
    return positions, recommendation_ids


def parse_moment(text: str, home) -> datetime:
    """An instant from ISO 8601 (with or without an offset; without one, the coalition's time) or the
    day-first dates Excel writes in Mexico (31/01/2025 18:30), in UTC."""
    text = text.strip()
    match = _DAY_FIRST.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups()[:3])
        hour, minute, second = (int(g or 0) for g in match.groups()[3:])
        moment = datetime(year, month, day, hour, minute, second)
    else:
        moment = datetime.fromisoformat(text.replace(" ", "T", 1) if len(text) > 10 else text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=home)
    return moment.astimezone(timezone.utc)


class ContributionsImport:
    name = "contributions"
    columns = BASE_COLUMNS
    required = ("external_id", "sector", "state")
    key = "external_id"
    audit_action = "contribution.import"

    def columns_for(self, options: dict) -> dict[str, tuple[str, ...]]:
        """The fixed columns plus this consultation's q<position> and r<recommendation id>."""
        positions, recommendation_ids = _columns(_by_slug(options.get("consultation")))
        columns = dict(BASE_COLUMNS)
        for position in positions:
            columns[f"q{position}"] = (f"p{position}", f"pregunta {position}", f"question {position}")
        for recommendation_id in recommendation_ids:
            columns[f"r{recommendation_id}"] = (f"comentario r{recommendation_id}", f"comment r{recommendation_id}")
        return columns

    def authorize(self, actor, options: dict) -> None:
        if actor is not None:  # None is the command line
            require_actor(actor)
            require(permissions.can_import(actor))
        consultation_for_import(options.get("consultation"))

    def start(self, actor, sheet, options: dict) -> Context:
        consultation = consultation_for_import(options.get("consultation"))
        questions: dict[str, QuestionInfo] = {}
        by_id: dict[int, QuestionInfo] = {}
        for question in db.session.execute(sa.select(Question.id, Question.position, Question.kind, Question.required)
                                           .where(Question.consultation_id == consultation.id)):
            info = QuestionInfo(question.id, question.position, question.kind, question.required)
            questions[f"q{question.position}"] = by_id[question.id] = info
        for choice in db.session.execute(sa.select(Choice.id, Choice.question_id, Choice.position, Choice.label_es,
                                                   Choice.label_en).where(Choice.question_id.in_(list(by_id)))):
            info = by_id[choice.question_id]
            info.choices[choice.position] = choice.id
            for label in (choice.label_es, choice.label_en):
                info.labels.setdefault(vocabulary.fold(label), choice.position)
        _, recommendation_ids = _columns(consultation)
        existing = set(db.session.scalars(sa.select(Contribution.external_id).where(
            Contribution.consultation_id == consultation.id, Contribution.external_id.is_not(None))))
        online = set(db.session.scalars(sa.select(Contribution.id).where(
            Contribution.consultation_id == consultation.id, Contribution.external_id.is_(None))))
        return Context(consultation.id, questions, {f"r{i}": i for i in recommendation_ids}, existing, online,
                       vocabulary.profile_sectors(), vocabulary.states(), vocabulary.channels(),
                       vocabulary.age_bands(), {c for c in sheet.columns if c}, utcnow(), coalition_timezone())

    def check(self, context: Context, values: dict[str, str]) -> Row:
        external_id = " ".join(values.get("external_id", "").split())
        errors: dict = {}
        if not external_id:
            return Row(errors={"external_id": [_l("Give each row an identifier (its folio): importing the file "
                                                  "again then adds nothing.")]})
        if len(external_id) > EXTERNAL_ID_MAX:
            return Row(key=external_id, errors={"external_id": [_l("At most %(n)s characters.", n=EXTERNAL_ID_MAX)]})
        if external_id in context.existing or (
                external_id.startswith(ONLINE_PREFIX) and _is_number(external_id[len(ONLINE_PREFIX):])
                and int(external_id[len(ONLINE_PREFIX):]) in context.online):
            return Row(key=external_id, outcome="unchanged")
        plan: dict = {"external_id": external_id}
        for column, words in (("sector", context.sectors), ("state", context.states),
                              ("channel", context.channels), ("age_band", context.age_bands)):
            text = values.get(column, "").strip()
            # A sheet repeats a handful of spellings thousands of times: fold each one once.
            memo = context.found.setdefault(column, {})
            found = memo.get(text, _UNSEEN)
            if found is _UNSEEN:
                found = memo[text] = words.find(text) if text else None
            if text and found is None:
                errors[column] = [_unknown(column, text[:60])]
            elif not text and column in ("sector", "state"):
                errors[column] = [_l("This field is required.")]
            plan[column] = found
        plan["channel"] = plan["channel"] or "import"
        for column, limit in (("institution", INSTITUTION_MAX), ("gender", GENDER_MAX)):
            text = " ".join(values.get(column, "").split())
            if len(text) > limit:
                errors[column] = [_l("At most %(n)s characters.", n=limit)]
            plan[column] = text or None
        moment = values.get("submitted_at", "").strip()
        plan["submitted_at"] = context.now
        if moment:
            try:
                plan["submitted_at"] = parse_moment(moment, context.home)
            except (ValueError, OverflowError):
                errors["submitted_at"] = [_l("Give a date and time as YYYY-MM-DD HH:MM (or with its offset, "
                                             "2025-03-01T10:30:00-06:00).")]
            else:
                if plan["submitted_at"] > context.now + CLOCK_SKEW:
                    errors["submitted_at"] = [_l("This moment is in the future.")]
        answers, texts = [], []
        for name, question in context.questions.items():
            text = values.get(name, "").strip()
            if not text:
                if question.required:
                    errors[name] = [_l("This question requires an answer.")]
                continue
            if question.kind == "text":
                if len(text) > ANSWER_MAX:
                    errors[name] = [_l("At most %(n)s characters.", n=ANSWER_MAX)]
                answers.append((question.id, None, text))
                texts.append(text)
                continue
            positions, unknown = _choices(question, text)
            if unknown:
                errors[name] = [_l("“%(value)s” is not one of this question's choices (give its number or its "
                                   "label).", value=unknown[:60])]
            elif question.kind == "single" and len(positions) > 1:
                errors[name] = [_l("This question takes one choice.")]
            answers.extend((question.id, question.choices[p], None) for p in positions)
        comments = []
        for name, recommendation_id in context.comments.items():
            text = values.get(name, "").strip()
            if not text:
                continue
            if len(text) > ANSWER_MAX:
                errors[name] = [_l("At most %(n)s characters.", n=ANSWER_MAX)]
            comments.append((recommendation_id, text))
            texts.append(text)
        if not answers and not comments and not errors:
            errors["external_id"] = [_l("This row answers no question and comments on nothing.")]
        if errors:
            return Row(key=external_id, errors=errors)
        plan["answers"], plan["comments"], plan["search_text"] = answers, comments, "\n".join(texts)
        changes = {column: [None, plan[column]] for column in ("channel", "sector", "state") if plan[column]}
        changes["answers"] = [None, len(answers) + len(comments)]
        return Row(key=external_id, outcome="create", changes=changes, plan=plan)

    def write(self, actor, context: Context, rows: list[Row], entry, options: dict) -> None:
        """Insert the contributions, then their answers and comments, in batches (one audit entry: the import's)."""
        copy = _copier()
        for start in range(0, len(rows), BATCH):
            batch = [row.plan for row in rows[start:start + BATCH]]
            records = []
            for plan in batch:
                records.append({
                    "consultation_id": context.consultation_id,
                    # The code itself is never shown: nobody was there to be handed it.
                    "receipt_hash": receipts.code_hash(receipts.new_code()),
                    "channel": plan["channel"], "submitted_at": plan["submitted_at"], "sector": plan["sector"],
                    "state": plan["state"], "institution": plan["institution"], "age_band": plan["age_band"],
                    "gender": plan["gender"], "email": None, "language": "es",
                    "consented_at": plan["submitted_at"], "external_id": plan["external_id"],
                    "source_hash": None, "text_hash": None, "search_text": plan["search_text"],
                })
            if copy:
                # PostgreSQL: ids drawn from the table's own sequence (safe beside the online form), then COPY.
                ids = list(db.session.scalars(sa.text(
                    "SELECT nextval(pg_get_serial_sequence('contributions', 'id')) FROM generate_series(1, :n)"),
                    {"n": len(records)}))
                for contribution_id, record in zip(ids, records):
                    record["id"] = contribution_id
                copy(Contribution.__table__, records)
            else:
                ids = insert_many(Contribution, records, lambda record: (record["receipt_hash"],),
                                  (Contribution.receipt_hash,))
            answers = [{"contribution_id": i, "question_id": q, "choice_id": c, "text": t}
                       for i, plan in zip(ids, batch) for q, c, t in plan["answers"]]
            comments = [{"contribution_id": i, "recommendation_id": r, "text": t}
                        for i, plan in zip(ids, batch) for r, t in plan["comments"]]
            for table, values in ((Answer.__table__, answers), (Comment.__table__, comments)):
                if values and copy:
                    copy(table, values)
                elif values:
                    db.session.execute(sa.insert(table), values)

    def export(self, actor) -> tuple[list[str], list[list]]:
        raise NotFound()  # a consultation's export streams: see export_csv


def _copier():
    """On PostgreSQL with psycopg, a function that writes rows (dicts) into a table through COPY; else None."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql" or connection.dialect.driver != "psycopg":
        return None

    def copy(table, rows: list[dict]) -> None:
        columns = list(rows[0])
        names = ", ".join(f'"{column}"' for column in columns)
        with connection.connection.driver_connection.cursor() as cursor:
            with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as writer:
                for row in rows:
                    writer.write_row([row[column] for column in columns])

    return copy


def _unknown(column: str, value: str):
    if column == "sector":
        return _l("“%(value)s” is not a known sector.", value=value)
    if column == "state":
        return _l("“%(value)s” is not a known state.", value=value)
    if column == "channel":
        return _l("“%(value)s” is not a channel (online, workshop, forum or import).", value=value)
    return _l("“%(value)s” is not an age band (under_18, 18_29, 30_44, 45_64, 65_plus or undisclosed).",
              value=value)


def _is_number(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) < 20


def _choices(question: QuestionInfo, text: str) -> tuple[list[int], str]:
    """The positions a cell names ("2", "1;3", or labels in Spanish or English), and the first part it
    could not read."""
    whole = question.labels.get(vocabulary.fold(text))
    if whole is not None:
        return [whole], ""
    positions: list[int] = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        position = int(part) if _is_number(part) and len(part) < 4 else question.labels.get(vocabulary.fold(part))
        if position not in question.choices:
            return positions, part
        if position not in positions:
            positions.append(position)
    return positions, ""


register(ContributionsImport())


# --- the export --------------------------------------------------------------------------------

def consultation_for_export(actor, slug) -> Consultation:
    """The consultation whose contributions a member may download (any signed-in member may)."""
    require_actor(actor)
    require(permissions.can_export_contributions(actor))
    found = _by_slug(slug)
    if found.phase == "draft" and not consultation_permissions.can_see_drafts(actor):
        raise NotFound()  # a draft exists only for those who run consultations
    return found


def export_headers(consultation: Consultation) -> list[str]:
    positions, recommendation_ids = _columns(consultation)
    return ["external_id", *PROFILE, *(f"q{p}" for p in positions), *(f"r{i}" for i in recommendation_ids),
            "themes"]


def export_csv(actor, consultation: Consultation, language: str = "es") -> Iterator[str]:
    """The consultation's visible contributions as CSV, a batch at a time: the import's columns plus the
    themes each is coded under; no e-mail, no receipt, no hidden contribution. Formula cells are defused."""
    state = None
    while True:
        chunk, state = export_chunk(consultation.id, language, state)
        if chunk is None:
            return
        yield chunk


def export_chunk(consultation_id: int, language: str, state: dict | None) -> tuple[str | None, dict]:
    """The export's next piece of text and the state to ask for the one after it (None when done).

    The state is plain data, so each piece can be read in its own application context: a streamed
    response outlives the request's session.
    """
    from coalition.dashboards.tables import _defused

    if state is None:
        consultation = db.session.get(Consultation, consultation_id)
        state = {
            "headers": export_headers(consultation), "after": 0,
            "questions": dict(db.session.execute(sa.select(Question.id, Question.position).where(
                Question.consultation_id == consultation_id)).all()),
            "choices": dict(db.session.execute(sa.select(Choice.id, Choice.position).join(Question).where(
                Question.consultation_id == consultation_id)).all()),
            "themes": {row.id: row.name_es if language == "es" else row.name_en for row in db.session.execute(
                sa.select(Theme.id, Theme.name_es, Theme.name_en).where(Theme.consultation_id == consultation_id))},
            # The institution column is free text too ("consultor independiente Juan Pérez"): only the
            # coalition's own member institutions, which are public, are written out; anything else is blank.
            "institutions": sorted({vocabulary.fold(name) for row in db.session.execute(
                sa.select(Institution.name, Institution.acronym)) for name in row if name}),
        }
        # A byte-order mark so spreadsheet programs read the accents as UTF-8.
        return "\ufeff" + _csv_text([state["headers"]]), state
    if state["after"] is None:
        return None, state
    headers, question_positions, choice_positions, themes = (
        state["headers"], state["questions"], state["choices"], state["themes"])
    batch = db.session.execute(
        sa.select(Contribution.id, Contribution.external_id, Contribution.channel, Contribution.submitted_at,
                  Contribution.sector, Contribution.state, Contribution.institution, Contribution.age_band,
                  Contribution.gender)
        .where(Contribution.consultation_id == consultation_id, Contribution.hidden_at.is_(None),
               Contribution.id > state["after"])
        .order_by(Contribution.id).limit(EXPORT_BATCH)).all()
    if not batch:
        return None, {**state, "after": None}
    ids = [row.id for row in batch]
    cells: dict[int, dict[str, list[str]]] = {i: {} for i in ids}
    for answer in db.session.execute(sa.select(Answer.contribution_id, Answer.question_id, Answer.choice_id,
                                               Answer.text).where(Answer.contribution_id.in_(ids))
                                     .order_by(Answer.id)):
        value = answer.text if answer.choice_id is None else str(choice_positions.get(answer.choice_id, ""))
        cells[answer.contribution_id].setdefault(f"q{question_positions.get(answer.question_id)}", []).append(
            value or "")
    for comment in db.session.execute(sa.select(Comment.contribution_id, Comment.recommendation_id,
                                                Comment.text).where(Comment.contribution_id.in_(ids))):
        cells[comment.contribution_id][f"r{comment.recommendation_id}"] = [comment.text]
    for coding in db.session.execute(sa.select(Coding.contribution_id, Coding.theme_id).where(
            Coding.contribution_id.in_(ids)).order_by(Coding.theme_id)):
        cells[coding.contribution_id].setdefault("themes", []).append(themes.get(coding.theme_id, ""))
    home = coalition_timezone()
    institutions = set(state["institutions"])
    lines = []
    for row in batch:
        gender = row.gender if row.gender and vocabulary.fold(row.gender) in PLAIN_GENDERS else ""
        profile = {"external_id": row.external_id or f"{ONLINE_PREFIX}{row.id}", "channel": row.channel,
                   "submitted_at": row.submitted_at.astimezone(home).isoformat(), "sector": row.sector,
                   "state": row.state, "institution": row.institution if row.institution and vocabulary.fold(row.institution) in institutions else "", "age_band": row.age_band or "",
                   "gender": gender}
        own = cells[row.id]
        lines.append([_defused(profile[h] if h in profile else ";".join(own.get(h, ()))) for h in headers])
    return _csv_text(lines), {**state, "after": ids[-1]}


def _csv_text(rows: list[list]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()
