"""Policy instruments from a spreadsheet, and the same columns back out (CSV or .xlsx).

Columns: `key, kind, jurisdiction, state, place, branch, title_es, title_en, summary_es, summary_en,
source_url, stages, recommendations` (Spanish headers too). Values by key or label in either language,
accents and case ignored; a jurisdiction or state also by its code (JAL, MX-JAL) or name.

Which instrument a row is (so importing twice changes nothing and export → import round-trips):
- `key` is the instrument's id, as the export writes it: the row is that instrument. A key no
  instrument has is an error (leave it empty to add one);
- with `key` empty, the instrument of the same jurisdiction, state, place and Spanish title (accents,
  case and spacing ignored) — else a new instrument.

`stages` is the history, `proposed:2024-03-01; approved:2024-09-10` (a note after a third colon:
`abandoned:2025-01-10:no quorum`; dates also day-first). Stages already recorded (the same stage on
the same date) are left as they are; the others are added after the last one, through
`policy.services.add_stage`, so its rules (never in the future, never before the last one, a note to
move back or abandon) and its notices apply. `recommendations` lists uptakes, `12:adopted; 14:partial`
(an evidence link after a third colon: `12:adopted:https://…`), linked through `link_uptake`; an
uptake not in the cell is left as it is (uptakes are history), a quote is kept.

Every write goes through `coalition/policy/services.py` as the importing person: a liaison's row of
another state is a row error, never a partial import.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from coalition.auth.permissions import require, require_actor
from coalition.database import coalition_today
from coalition.errors import ValidationError
from coalition.extensions import db
from coalition.institutions.models import STATES
from coalition.imports import files, permissions, vocabulary
from coalition.imports.institutions import parse_date
from coalition.imports.services import Row, register
from coalition.policy import permissions as policy_permissions
from coalition.policy import services as policy
from coalition.policy.services import EARLIEST_DATE
from coalition.policy.models import NOTE_MAX, STAGE_ORDER, Instrument, InstrumentStage, Uptake, jurisdiction_label
from coalition.recommendations.models import Recommendation

COLUMNS = {
    "key": ("id", "clave", "identificador", "folio"),
    "kind": ("tipo", "tipo de instrumento", "clase"),
    "jurisdiction": ("jurisdiccion", "ambito", "nivel", "orden de gobierno", "level"),
    "state": ("estado", "entidad", "entidad federativa"),
    "place": ("lugar", "municipio", "municipality", "organismo", "organismo internacional", "international body"),
    "branch": ("poder", "rama", "branch of government"),
    "title_es": ("titulo", "titulo (es)", "titulo en espanol", "spanish title", "title (es)"),
    "title_en": ("titulo en", "titulo (en)", "titulo en ingles", "english title", "title (en)"),
    "summary_es": ("resumen", "resumen es", "resumen (es)", "resumen en espanol", "summary (es)"),
    "summary_en": ("resumen en", "resumen (en)", "resumen en ingles", "english summary", "summary (en)"),
    "source_url": ("fuente", "url", "enlace", "liga", "link", "source", "url de la fuente"),
    "stages": ("etapas", "historial", "history", "stage history"),
    "recommendations": ("recomendaciones", "adopcion", "uptake", "uptakes"),
}
EXPORTED = tuple(COLUMNS)
FIELDS = policy.INSTRUMENT_FIELDS
CHOICES = ("kind", "jurisdiction", "state", "branch")
TEXT = ("place", "title_es", "title_en", "summary_es", "summary_en", "source_url")
# Instruments read per query while exporting.
EXPORT_BATCH = 500
_RECOMMENDATION = re.compile(r"^[#rR]?\s*(\d{1,9})$")


def natural_key(jurisdiction, state, place, title) -> str:
    """An instrument without its id: its jurisdiction, state, place and Spanish title, folded."""
    return "|".join(vocabulary.fold(part) for part in (jurisdiction, state, place, title))


def stages_cell(stages) -> str:
    """`proposed:2024-03-01; approved:2024-09-10:note` (a note's `;` written as `,`: the cell's separator)."""
    return "; ".join(f"{s.stage}:{s.on_date.isoformat()}" + (f":{_one_line(s.note)}" if s.note else "")
                     for s in stages)


def uptakes_cell(uptakes) -> str:
    return "; ".join(f"{u.recommendation_id}:{u.degree}" + (f":{link_cell(u.evidence_url)}" if u.evidence_url else "")
                     for u in uptakes)


def link_cell(url: str) -> str:
    # `;` separates the cell's items: a link carrying one is written with it percent-encoded.
    return url.replace(";", "%3B")


def _one_line(text: str) -> str:
    return " ".join(text.replace(";", ",").split())


@dataclass
class Context:
    actor: object
    today: date
    by_id: dict                 # id → snapshot
    by_natural: dict            # natural key → [ids]
    stages: dict                # id → [(stage, on_date)]
    uptakes: dict               # id → {recommendation id: snapshot}
    recommendations: set        # ids of every recommendation
    words: dict = field(default_factory=dict)


class InstrumentsImport:
    name = "instruments"
    columns = COLUMNS
    required = ()
    key = "key"
    audit_action = "instrument.import"

    def authorize(self, actor, options: dict) -> None:
        require_actor(actor)
        require(permissions.can_import_policy(actor))

    def start(self, actor, sheet: files.Sheet, options: dict) -> Context:
        present = {c for c in sheet.columns if c}
        if not present & {"key", "title_es", "title_en"}:
            raise files.FileRefused(_l("The file has no column %(columns)s. The first row must name the columns.",
                                       columns="key, title_es, title_en"))
        by_id, by_natural = {}, {}
        for row in db.session.execute(sa.select(Instrument.id, Instrument.version, Instrument.stage,
                                                Instrument.stage_on, *(getattr(Instrument, f) for f in FIELDS))):
            snapshot = SimpleNamespace(**row._mapping)
            by_id[row.id] = snapshot
            by_natural.setdefault(natural_key(row.jurisdiction, row.state, row.place, row.title_es), []).append(row.id)
        stages: dict = {}
        for row in db.session.execute(sa.select(InstrumentStage.instrument_id, InstrumentStage.stage,
                                                InstrumentStage.on_date)
                                      .order_by(InstrumentStage.instrument_id, InstrumentStage.on_date,
                                                InstrumentStage.id)):
            stages.setdefault(row.instrument_id, []).append((row.stage, row.on_date))
        uptakes: dict = {}
        for row in db.session.execute(sa.select(Uptake.instrument_id, Uptake.recommendation_id, Uptake.degree,
                                                Uptake.evidence_url, Uptake.quote)):
            uptakes.setdefault(row.instrument_id, {})[row.recommendation_id] = row
        # Recommendations are a few hundred: every id, in one query.
        known = set(db.session.scalars(sa.select(Recommendation.id)))
        return Context(actor, coalition_today(), by_id, by_natural, stages, uptakes, known, {
            "kind": vocabulary.instrument_kinds(), "jurisdiction": vocabulary.jurisdictions(),
            "state": vocabulary.states(), "branch": vocabulary.branches(), "stage": vocabulary.stages(),
            "degree": vocabulary.degrees()})

    def check(self, context: Context, values: dict[str, str]) -> Row:
        errors: dict = {}
        given: dict = {}
        for column in CHOICES:
            if column not in values:
                continue
            text = values[column]
            found = context.words[column].find(text) if text else None
            if text and found is None:
                errors[column] = [_unknown(column, text[:60])]
            given[column] = found
        for column in TEXT:
            if column in values:
                given[column] = values[column]
        if given.get("jurisdiction") not in (None, "municipal") and "state" not in given:
            given["state"] = None  # a state's own, federal or international record: its state follows
        label = " ".join((values.get("title_es") or values.get("title_en") or "").split())[:120]
        current, problem = self._find(context, values.get("key", ""), given)
        if problem:
            errors["key"] = [problem]
        if current is not None:
            label = f"{current.id} · {label or current.title_es}"
        if errors:
            return Row(key=f"#{current.id}" if current else "", label=label, errors=errors)
        # The service's own validation, so that the preview says what the write will.
        clean = policy._clean_instrument(given, current, errors)
        state = clean.get("state")
        if not errors and not self._may_record(context.actor, current, state):
            column = "jurisdiction" if "jurisdiction" in values else "key"
            errors[column] = [_l("You may not record this instrument (%(where)s): a state's liaison records "
                                 "only that state's; federal and international ones are for coordinators.",
                                 where=_where(clean, current, context.actor))]
        stages = self._stages(context, current, values.get("stages", ""), errors)
        uptakes = self._uptakes(context, current, values.get("recommendations", ""), errors)
        key = f"#{current.id}" if current else "new:" + natural_key(
            clean.get("jurisdiction"), clean.get("state"), clean.get("place"), clean.get("title_es"))
        if errors:
            return Row(key=key, label=label, errors=errors)
        fields = {f: v for f, v in clean.items() if current is None or getattr(current, f) != v}
        changes = {f: [getattr(current, f) if current else None, v] for f, v in fields.items()
                   if current is not None or v}
        if stages:
            changes["stages"] = [None, "; ".join(f"{s}:{on.isoformat()}" for s, on, _note in stages)]
        if uptakes:
            changes["recommendations"] = [None, "; ".join(f"{r}:{d}" for r, d, _u, _q in uptakes)]
        plan = SimpleNamespace(id=current.id if current else None, version=current.version if current else None,
                               fields=fields if current else clean, stages=stages, uptakes=uptakes)
        return Row(key=key, label=label, outcome="create" if current is None else "update", changes=changes,
                   plan=plan)

    def _find(self, context: Context, key: str, given: dict):
        """The instrument the row is, or None for a new one; and why the row names none, if it does not."""
        key = key.strip()
        if key:
            if not (key.isascii() and key.isdigit() and len(key) < 10) or int(key) not in context.by_id:
                return None, _l("No instrument has the key “%(key)s”. Leave key empty to add a new instrument.",
                                key=key[:30])
            return context.by_id[int(key)], None
        title = given.get("title_es") or given.get("title_en") or ""
        jurisdiction = given.get("jurisdiction")
        if not title.strip() or jurisdiction is None:
            return None, None  # a new instrument; the service's checks say what it lacks
        # As the service stores them: a state's own instrument is that state's, with no place.
        state = jurisdiction if jurisdiction in STATES else given.get("state") if jurisdiction == "municipal" else None
        place = given.get("place", "") if jurisdiction in ("municipal", "international") else ""
        found = context.by_natural.get(natural_key(jurisdiction, state, place, title), [])
        if len(found) > 1:
            return None, _l("Several instruments have this jurisdiction and title: give the key (the id) of the "
                            "one to change.")
        return (context.by_id[found[0]], None) if found else (None, None)

    @staticmethod
    def _may_record(actor, current, state) -> bool:
        allowed = policy_permissions.can_record(actor, state)
        return allowed and (current is None or policy_permissions.can_record(actor, current.state))

    def _stages(self, context: Context, current, text: str, errors: dict) -> list:
        """The stages to add: the cell's, less those recorded, checked as add_stage will check them."""
        if not text.strip():
            return []
        recorded = context.stages.get(current.id, []) if current else []
        new = []
        for part in (p.strip() for p in text.split(";")):
            if not part:
                continue
            name, _colon, rest = part.partition(":")
            on_text, _colon, note = rest.partition(":")
            stage = context.words["stage"].find(name)
            if stage is None:
                errors["stages"] = [_l("“%(value)s” is not a stage (proposed, in_committee, approved, in_force, "
                                       "repealed or abandoned): write stage:YYYY-MM-DD.", value=part[:60])]
                return []
            try:
                on = parse_date(on_text)
            except ValueError:
                errors["stages"] = [_l("“%(value)s”: give each stage's date, as stage:YYYY-MM-DD.", value=part[:60])]
                return []
            if (stage, on) not in recorded:
                new.append((stage, on, " ".join(note.split())))
        previous, last = (recorded[-1] if recorded else (None, None))
        for stage, on, note in new:
            if on > context.today:
                errors["stages"] = [_l("A stage cannot be dated in the future.")]
            elif on < EARLIEST_DATE:
                errors["stages"] = [_l("Give a date from %(first)s to %(last)s.", first=EARLIEST_DATE.isoformat(),
                                       last=context.today.isoformat())]
            elif len(note) > NOTE_MAX:
                errors["stages"] = [_l("A stage's note has at most %(n)s characters.", n=NOTE_MAX)]
            elif last is not None and on < last:
                errors["stages"] = [_l("The last stage is dated %(date)s: a new one cannot be earlier.",
                                       date=last.isoformat())]
            elif stage == previous:
                errors["stages"] = [_l("The instrument is already at this stage.")]
            elif not note and (stage == "abandoned" or (
                    previous is not None and STAGE_ORDER[stage] < STAGE_ORDER[previous])):
                errors["stages"] = [_l("Say why: moving back or abandoning needs a note.")]
            if "stages" in errors:
                return []
            previous, last = stage, on
        return new

    def _uptakes(self, context: Context, current, text: str, errors: dict) -> list:
        """The uptakes to link or change: (recommendation id, degree, evidence link, quote)."""
        if not text.strip():
            return []
        linked = context.uptakes.get(current.id, {}) if current else {}
        planned: dict = {}
        for part in (p.strip() for p in text.split(";")):
            if not part:
                continue
            number, _colon, rest = part.partition(":")
            degree_text, _colon, link = rest.partition(":")
            match = _RECOMMENDATION.match(number.strip())
            degree = context.words["degree"].find(degree_text)
            if match is None or degree is None:
                errors["recommendations"] = [_l("“%(value)s”: write the recommendation's number and the degree "
                                                "(cited, partial or adopted), as 12:adopted.", value=part[:60])]
                return []
            recommendation_id = int(match.group(1))
            if recommendation_id not in context.recommendations:
                errors["recommendations"] = [_l("There is no recommendation %(id)s.", id=recommendation_id)]
                return []
            before = linked.get(recommendation_id)
            link = link.strip()
            if before is not None and (not link or link == link_cell(before.evidence_url)):
                link = before.evidence_url
            problems: dict = {}
            link = policy.check_url(link, "recommendations", problems)
            if problems:
                errors.update(problems)
                return []
            if before is None or (before.degree, before.evidence_url) != (degree, link):
                planned[recommendation_id] = (recommendation_id, degree, link, before.quote if before else "")
        return list(planned.values())

    def write(self, actor, context: Context, rows: list[Row], entry, options: dict) -> None:
        """Each row through the policy services, as the importing person: audit, events and notices included."""
        for row in rows:
            plan = row.plan
            try:
                if plan.id is None:
                    plan.id = policy.create_instrument(actor, **plan.fields).id
                elif plan.fields:
                    policy.update_instrument(actor, plan.id, version=plan.version, **plan.fields)
                for stage, on, note in plan.stages:
                    policy.add_stage(actor, plan.id, stage=stage, on=on, note=note, today=context.today,
                                     notify=False)  # followers read an import's history in their digest
                for recommendation_id, degree, link, quote in plan.uptakes:
                    policy.link_uptake(actor, plan.id, recommendation_id=recommendation_id, degree=degree,
                                       evidence_url=link, quote=quote, notify=False)
            except ValidationError as error:
                raise row_failed(row, error) from None

    # --- the export ---------------------------------------------------------------------------

    def export_headers(self) -> list[str]:
        return list(EXPORTED)

    def export_batch(self, after) -> tuple[list[list], int | None]:
        """The next instruments by id after `after` (None: from the start) with their stages and uptakes,
        in three queries; and the id to continue after (None when done)."""
        instruments = db.session.execute(
            sa.select(Instrument.id, *(getattr(Instrument, f) for f in FIELDS))
            .where(Instrument.id > (after or 0)).order_by(Instrument.id).limit(EXPORT_BATCH)).all()
        if not instruments:
            return [], None
        ids = [row.id for row in instruments]
        stages: dict = {i: [] for i in ids}
        for stage in db.session.execute(
                sa.select(InstrumentStage.instrument_id, InstrumentStage.stage, InstrumentStage.on_date,
                          InstrumentStage.note).where(InstrumentStage.instrument_id.in_(ids))
                .order_by(InstrumentStage.instrument_id, InstrumentStage.on_date, InstrumentStage.id)):
            stages[stage.instrument_id].append(stage)
        uptakes: dict = {i: [] for i in ids}
        for uptake in db.session.execute(
                sa.select(Uptake.instrument_id, Uptake.recommendation_id, Uptake.degree, Uptake.evidence_url)
                .where(Uptake.instrument_id.in_(ids)).order_by(Uptake.instrument_id, Uptake.recommendation_id)):
            uptakes[uptake.instrument_id].append(uptake)
        rows = [[row.id, *(getattr(row, f) or "" for f in FIELDS), stages_cell(stages[row.id]),
                 uptakes_cell(uptakes[row.id])] for row in instruments]
        return rows, ids[-1] if len(instruments) == EXPORT_BATCH else None

    def export(self, actor) -> tuple[list[str], list[list]]:
        require_actor(actor)
        require(permissions.can_export_policy(actor))
        rows, after = [], None
        while True:
            batch, after = self.export_batch(after)
            rows += batch
            if after is None:
                return self.export_headers(), rows


def row_failed(row: Row, error: ValidationError) -> ValidationError:
    """A row the preview passed and the service refused (the data changed meanwhile): nothing is written."""
    reasons = "; ".join(f"{column}: {message}" for column, messages in (error.fields or {}).items()
                        for message in messages) or str(error.message)
    message = _l("Line %(line)s could not be imported (%(reason)s), so nothing was imported.", line=row.line,
                 reason=reasons)
    return ValidationError(message, fields={"file": [message]})


def _where(clean: dict, current, actor) -> str:
    """Where the row records something the actor may not: the record's state, or federal or international."""
    state = current.state if current is not None and not policy_permissions.can_record(actor, current.state) \
        else clean.get("state")
    return jurisdiction_label(state) if state else jurisdiction_label(clean.get("jurisdiction") or "")


def _unknown(column: str, value: str):
    if column == "kind":
        return _l("“%(value)s” is not a kind of instrument (strategy, bill, law, regulation, guideline, programme, "
                  "budget or declaration).", value=value)
    if column == "jurisdiction":
        return _l("“%(value)s” is not a jurisdiction (federal, a state, municipal or international).", value=value)
    if column == "state":
        return _l("“%(value)s” is not a known state.", value=value)
    return _l("“%(value)s” is not a branch (executive, legislative or judicial).", value=value)


register(InstrumentsImport())
