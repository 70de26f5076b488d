"""The coalition's engagements (events, hearings, forums, submissions, meetings with officials) from a
spreadsheet, and the same columns back out (CSV or .xlsx).

Columns: `key, kind, title, held_on, jurisdiction, state, place, body, instrument, institutions,
position` (Spanish headers too). Kind, jurisdiction and state by key or label in either language,
accents and case ignored (a state also by its code or name; `abroad` for Mexicans abroad). `instrument`:
the instrument's id (as the export writes it) or its title in either language. `institutions`: the
member institutions that represented the coalition, by name or acronym, separated by `;`.

Which engagement a row is: `key` is its id, as the export writes it (a key no engagement has is an
error: leave it empty to add one); with `key` empty, the engagement of the same date, jurisdiction,
state and title (accents, case and spacing ignored) — else a new one. So importing twice changes
nothing, and export → import round-trips.

Every write goes through `coalition/policy/services.py` as the importing person (a changed position
is no longer the coalition's voice until a coordinator approves it again; an import never approves).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import SimpleNamespace

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from coalition.auth.permissions import require, require_actor
from coalition.errors import ValidationError
from coalition.extensions import db
from coalition.imports import files, permissions, vocabulary
from coalition.imports.institutions import parse_date
from coalition.imports.instruments import row_failed
from coalition.imports.services import Row, register
from coalition.institutions.models import ABROAD, STATES, Institution
from coalition.policy import permissions as policy_permissions
from coalition.policy import services as policy
from coalition.policy.models import REPRESENTATIVES_MAX, Engagement, EngagementInstitution, Instrument
from coalition.policy.models import jurisdiction_label

COLUMNS = {
    "key": ("id", "clave", "identificador", "folio"),
    "kind": ("tipo", "tipo de participacion", "clase"),
    "title": ("titulo", "nombre", "evento", "nombre del evento"),
    "held_on": ("fecha", "date", "fecha del evento", "celebrado el", "held"),
    "jurisdiction": ("jurisdiccion", "ambito", "nivel", "orden de gobierno", "level"),
    "state": ("estado", "entidad", "entidad federativa"),
    "place": ("lugar", "sede", "municipio", "municipality", "venue"),
    "body": ("organismo", "dependencia", "autoridad", "ante", "public body", "organo"),
    "instrument": ("instrumento", "instrument_id", "instrumento de politica", "policy instrument"),
    "institutions": ("instituciones", "representantes", "representatives", "instituciones representantes",
                     "member institutions"),
    "position": ("posicion", "postura", "posicionamiento", "position text"),
}
EXPORTED = tuple(COLUMNS)
# The service's own fields a cell sets directly (the instrument and the institutions are resolved here).
FIELDS = ("kind", "title", "held_on", "jurisdiction", "state", "place", "body", "position")
EXPORT_BATCH = 1_000
_ID = re.compile(r"^#?\s*(\d{1,9})$")


def natural_key(held_on, jurisdiction, state, title) -> str:
    """An engagement without its id: its date, jurisdiction, state and title, folded."""
    return "|".join(vocabulary.fold(part) for part in (held_on, jurisdiction, state, title))


def institution_cell(institution) -> str:
    # `;` separates the cell's names: a name carrying one is written as its acronym.
    return institution.name if ";" not in institution.name or not institution.acronym else institution.acronym


@dataclass
class Context:
    actor: object
    by_id: dict                     # id → snapshot
    by_natural: dict                # natural key → [ids]
    representatives: dict           # engagement id → sorted institution ids
    institutions: vocabulary.Vocabulary
    active: set                     # ids of active institutions
    names: dict                     # institution id → name
    instruments: set                # instrument ids
    instrument_titles: vocabulary.Vocabulary
    words: dict = field(default_factory=dict)


class EngagementsImport:
    name = "engagements"
    columns = COLUMNS
    required = ()
    key = "key"
    audit_action = "engagement.import"

    def authorize(self, actor, options: dict) -> None:
        require_actor(actor)
        require(permissions.can_import_policy(actor))

    def start(self, actor, sheet: files.Sheet, options: dict) -> Context:
        if not {c for c in sheet.columns if c} & {"key", "title"}:
            raise files.FileRefused(_l("The file has no column %(columns)s. The first row must name the columns.",
                                       columns="key, title"))
        by_id, by_natural = {}, {}
        for row in db.session.execute(sa.select(Engagement.id, Engagement.version, Engagement.instrument_id,
                                                *(getattr(Engagement, f) for f in FIELDS))):
            by_id[row.id] = SimpleNamespace(**row._mapping)
            by_natural.setdefault(natural_key(row.held_on.isoformat(), row.jurisdiction, row.state, row.title),
                                  []).append(row.id)
        representatives: dict = {}
        for engagement_id, institution_id in db.session.execute(
                sa.select(EngagementInstitution.engagement_id, EngagementInstitution.institution_id)
                .order_by(EngagementInstitution.engagement_id, EngagementInstitution.institution_id)):
            representatives.setdefault(engagement_id, []).append(institution_id)
        spellings, active, names = {}, set(), {}
        for institution in db.session.execute(sa.select(Institution.id, Institution.name, Institution.acronym,
                                                        Institution.active)):
            spellings[institution.id] = [institution.name] + ([institution.acronym] if institution.acronym else [])
            names[institution.id] = institution.name
            if institution.active:
                active.add(institution.id)
        titles, instruments = {}, set()
        for instrument in db.session.execute(sa.select(Instrument.id, Instrument.title_es, Instrument.title_en)):
            instruments.add(instrument.id)
            titles[instrument.id] = [instrument.title_es, instrument.title_en]
        return Context(actor, by_id, by_natural, representatives,
                       vocabulary.Vocabulary(spellings, include_key=False), active, names, instruments,
                       vocabulary.Vocabulary(titles, include_key=False), {
                           "kind": vocabulary.engagement_kinds(), "jurisdiction": vocabulary.jurisdictions(abroad=True),
                           "state": vocabulary.states()})

    def check(self, context: Context, values: dict[str, str]) -> Row:
        errors: dict = {}
        given: dict = {}
        for column in ("kind", "jurisdiction", "state"):
            if column not in values:
                continue
            text = values[column]
            found = context.words[column].find(text) if text else None
            if text and found is None:
                errors[column] = [_unknown(column, text[:60])]
            given[column] = found
        if given.get("jurisdiction") not in (None, "municipal") and "state" not in given:
            given["state"] = None  # a state's own, federal, international or abroad record: its state follows
        for column in ("title", "place", "body", "position"):
            if column in values:
                given[column] = values[column]
        if values.get("held_on"):
            try:
                given["held_on"] = parse_date(values["held_on"])
            except ValueError:
                errors["held_on"] = [_l("Give a date as YYYY-MM-DD.")]
        elif "held_on" in values:
            given["held_on"] = None
        instrument_id = self._instrument(context, values, errors)
        institution_ids = self._institutions(context, values, errors)
        label = " ".join(values.get("title", "").split())[:120]
        current, problem = self._find(context, values.get("key", ""), given)
        if problem:
            errors["key"] = [problem]
        if current is not None:
            label = f"{current.id} · {label or current.title}"
        if errors:
            return Row(key=f"#{current.id}" if current else "", label=label, errors=errors)
        # The service's own validation (the instrument is resolved above, without a query per row).
        clean = policy._clean_engagement({**given, "instrument_id": None}, current, errors)
        clean["instrument_id"] = instrument_id if "instrument" in values else (current.instrument_id if current
                                                                               else None)
        allowed = policy_permissions.can_record(context.actor, clean.get("state")) and (
            current is None or policy_permissions.can_record(context.actor, current.state))
        if not errors and not allowed:
            state = current.state if current is not None and not policy_permissions.can_record(
                context.actor, current.state) else clean.get("state")
            errors["jurisdiction" if "jurisdiction" in values else "key"] = [_l(
                "You may not record this engagement (%(where)s): a state's liaison records only that state's; "
                "federal and international ones are for coordinators.",
                where=jurisdiction_label(state) if state else jurisdiction_label(clean.get("jurisdiction") or ""))]
        held_on = clean.get("held_on")
        key = f"#{current.id}" if current else "new:" + natural_key(
            held_on.isoformat() if held_on else "", clean.get("jurisdiction"), clean.get("state"), clean.get("title"))
        if errors:
            return Row(key=key, label=label, errors=errors)
        before = context.representatives.get(current.id, []) if current else []
        if current is None:
            fields = {**clean, "institution_ids": institution_ids or []}
            changes = {f: [None, v] for f, v in clean.items() if v}
            if institution_ids:
                changes["institutions"] = [None, "; ".join(context.names[i] for i in institution_ids)]
            return Row(key=key, label=label, outcome="create", changes=changes,
                       plan=SimpleNamespace(id=None, version=None, fields=fields))
        fields = {f: v for f, v in clean.items() if getattr(current, f) != v}
        changes = {f: [getattr(current, f), v] for f, v in fields.items()}
        if institution_ids is not None and sorted(institution_ids) != before:
            fields["institution_ids"] = institution_ids
            changes["institutions"] = ["; ".join(context.names[i] for i in before),
                                       "; ".join(context.names[i] for i in institution_ids)]
        return Row(key=key, label=label, outcome="update", changes=changes,
                   plan=SimpleNamespace(id=current.id, version=current.version, fields=fields))

    def _find(self, context: Context, key: str, given: dict):
        """The engagement the row is, or None for a new one; and why the row names none, if it does not."""
        key = key.strip()
        if key:
            if not (key.isascii() and key.isdigit() and len(key) < 10) or int(key) not in context.by_id:
                return None, _l("No engagement has the key “%(key)s”. Leave key empty to add a new engagement.",
                                key=key[:30])
            return context.by_id[int(key)], None
        jurisdiction, held_on, title = given.get("jurisdiction"), given.get("held_on"), given.get("title") or ""
        if jurisdiction is None or held_on is None or not title.strip():
            return None, None  # a new engagement; the service's checks say what it lacks
        # As the service stores it: a state's (or abroad's) own engagement belongs to it.
        state = jurisdiction if jurisdiction in (*STATES, ABROAD) else given.get("state") \
            if jurisdiction == "municipal" else None
        found = context.by_natural.get(natural_key(held_on.isoformat(), jurisdiction, state, title), [])
        if len(found) > 1:
            return None, _l("Several engagements have this date, jurisdiction and title: give the key (the id) of "
                            "the one to change.")
        return (context.by_id[found[0]], None) if found else (None, None)

    @staticmethod
    def _instrument(context: Context, values: dict, errors: dict) -> int | None:
        text = values.get("instrument", "").strip()
        if not text:
            return None
        match = _ID.match(text)
        if match and int(match.group(1)) in context.instruments:
            return int(match.group(1))
        found = None if match else context.instrument_titles.find(text)
        if found is None:
            errors["instrument"] = [
                _l("Several instruments have the title “%(value)s”: give its id.", value=text[:60])
                if context.instrument_titles.is_ambiguous(text) else
                _l("No instrument is “%(value)s” (give its id or its title).", value=text[:60])]
        return found

    @staticmethod
    def _institutions(context: Context, values: dict, errors: dict) -> list[int] | None:
        """The representatives' ids in the cell's order (None: no such column), or an error."""
        if "institutions" not in values:
            return None
        found: list[int] = []
        for part in (p.strip() for p in values["institutions"].split(";")):
            if not part:
                continue
            institution_id = context.institutions.find(part)
            if institution_id is None:
                errors["institutions"] = [
                    _l("“%(value)s” names more than one institution: write its full name.", value=part[:60])
                    if context.institutions.is_ambiguous(part) else
                    _l("No institution is named “%(value)s” (by name or acronym).", value=part[:60])]
                return None
            if institution_id not in context.active:
                errors["institutions"] = [_l("“%(value)s” is no longer an active member institution.",
                                             value=part[:60])]
                return None
            if institution_id not in found:
                found.append(institution_id)
        if len(found) > REPRESENTATIVES_MAX:
            errors["institutions"] = [_l("Give at most %(n)s member institutions.", n=REPRESENTATIVES_MAX)]
            return None
        return found

    def write(self, actor, context: Context, rows: list[Row], entry, options: dict) -> None:
        """Each row through the policy services, as the importing person: audit, events and notices included."""
        for row in rows:
            plan = row.plan
            try:
                if plan.id is None:
                    policy.create_engagement(actor, notify=False, **plan.fields)
                elif plan.fields:
                    policy.update_engagement(actor, plan.id, version=plan.version, **plan.fields)
            except ValidationError as error:
                raise row_failed(row, error) from None

    # --- the export ---------------------------------------------------------------------------

    def export_headers(self) -> list[str]:
        return list(EXPORTED)

    def export_batch(self, after) -> tuple[list[list], int | None]:
        """The next engagements by id after `after` with their representatives, in two queries; and the
        id to continue after (None when done)."""
        engagements = db.session.execute(
            sa.select(Engagement.id, Engagement.instrument_id, *(getattr(Engagement, f) for f in FIELDS))
            .where(Engagement.id > (after or 0)).order_by(Engagement.id).limit(EXPORT_BATCH)).all()
        if not engagements:
            return [], None
        ids = [row.id for row in engagements]
        representatives: dict = {i: [] for i in ids}
        for engagement_id, name, acronym in db.session.execute(
                sa.select(EngagementInstitution.engagement_id, Institution.name, Institution.acronym)
                .join(Institution, Institution.id == EngagementInstitution.institution_id)
                .where(EngagementInstitution.engagement_id.in_(ids))
                .order_by(EngagementInstitution.engagement_id, Institution.name)):
            representatives[engagement_id].append(institution_cell(SimpleNamespace(name=name, acronym=acronym)))
        rows = [[row.id, row.kind, row.title, row.held_on, row.jurisdiction, row.state or "", row.place, row.body,
                 row.instrument_id or "", "; ".join(representatives[row.id]), row.position] for row in engagements]
        return rows, ids[-1] if len(engagements) == EXPORT_BATCH else None

    def export(self, actor) -> tuple[list[str], list[list]]:
        require_actor(actor)
        require(permissions.can_export_policy(actor))
        rows, after = [], None
        while True:
            batch, after = self.export_batch(after)
            rows += batch
            if after is None:
                return self.export_headers(), rows


def _unknown(column: str, value: str):
    if column == "kind":
        return _l("“%(value)s” is not a kind of engagement (event, hearing, forum, submission or meeting).",
                  value=value)
    if column == "jurisdiction":
        return _l("“%(value)s” is not a jurisdiction (federal, a state, municipal, international or abroad).",
                  value=value)
    return _l("“%(value)s” is not a known state.", value=value)


register(EngagementsImport())
