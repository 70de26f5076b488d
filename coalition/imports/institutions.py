"""Institutions from a spreadsheet: one row per institution, found by its name (case ignored)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from coalition.auth.permissions import require, require_actor
from coalition.database import utcnow
from coalition.errors import ValidationError
from coalition.extensions import db
from coalition.imports import vocabulary
from coalition.imports.services import Row, audit_rows, insert_many, register
from coalition.institutions import permissions
from coalition.institutions.models import Institution
from coalition.institutions.services import validate_values

COLUMNS = {
    "name": ("nombre", "institucion", "institution", "nombre de la institucion"),
    "acronym": ("siglas", "acronimo", "abreviatura", "sigla"),
    "sector": (),
    "state": ("estado", "entidad", "entidad federativa"),
    "country": ("pais",),
    "website": ("sitio web", "web", "pagina web", "url", "sitio"),
    "joined_on": ("joined", "fecha de ingreso", "ingreso", "fecha de adhesion", "miembro desde", "member since"),
    "description": ("descripcion",),
}
TEXT = ("name", "acronym", "country", "website", "description")
EXPORTED = tuple(COLUMNS)
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def name_key(name: str) -> str:
    """Institutions are found by name with case and spacing ignored (as the form's duplicate check)."""
    return " ".join((name or "").split()).casefold()


def parse_date(text: str) -> date:
    """ISO dates (2024-02-01, also with a time) and the day-first dates Excel writes in Mexico (01/02/2024)."""
    text = text.strip()
    match = _DAY_FIRST.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return date(year, month, day)
    return datetime.fromisoformat(text).date() if len(text) > 10 else date.fromisoformat(text)


@dataclass
class Context:
    actor: object
    existing: dict          # name key → snapshot of the institution
    sectors: vocabulary.Vocabulary
    states: vocabulary.Vocabulary
    columns: set


class InstitutionsImport:
    name = "institutions"
    columns = COLUMNS
    required = ("name",)
    key = "name"
    audit_action = "institution.import"

    def authorize(self, actor, options: dict) -> None:
        if actor is not None:  # None is the command line
            require_actor(actor)
            require(permissions.can_manage_institutions(actor))

    def start(self, actor, sheet, options: dict) -> Context:
        fields = [getattr(Institution, f) for f in ("id", *EXPORTED)]
        existing = {name_key(row.name): SimpleNamespace(**row._mapping)
                    for row in db.session.execute(sa.select(*fields))}
        return Context(actor, existing, vocabulary.sectors(), vocabulary.states(),
                       {c for c in sheet.columns if c})

    def check(self, context: Context, values: dict[str, str]) -> Row:
        key = name_key(values.get("name", ""))
        current = context.existing.get(key) if key else None
        given: dict = {}
        errors: dict = {}
        for column in TEXT:
            if column in values:
                given[column] = values[column] or None
        for column, words in (("sector", context.sectors), ("state", context.states)):
            if column not in values:
                continue
            text = values[column]
            found = words.find(text) if text else None
            if text and found is None:
                errors[column] = [_l("“%(value)s” is not a known sector.", value=text) if column == "sector"
                                  else _l("“%(value)s” is not a known state.", value=text)]
            given[column] = found
        joined = values.get("joined_on", "")
        if joined:
            try:
                given["joined_on"] = parse_date(joined)
            except ValueError:
                errors["joined_on"] = [_l("Give a date as YYYY-MM-DD.")]
        elif current is None:
            given["joined_on"] = None  # today
        try:
            clean = validate_values(given, current)
        except ValidationError as error:
            for column, messages in error.fields.items():
                errors.setdefault(column, list(messages))
            return Row(key=key, errors=errors)
        if errors:
            return Row(key=key, errors=errors)
        if current is None:
            return Row(key=key, outcome="create", changes={f: [None, v] for f, v in clean.items() if v},
                       plan=clean)
        changes = {f: [getattr(current, f), v] for f, v in clean.items() if getattr(current, f) != v}
        return Row(key=key, outcome="update", changes=changes, plan=(current.id, clean))

    def write(self, actor, context: Context, rows: list[Row], entry, options: dict) -> None:
        now = utcnow()
        creates = [row.plan for row in rows if row.outcome == "create"]
        updates = [row for row in rows if row.outcome == "update"]
        logged = []
        if creates:
            full = [{"name": c["name"], "acronym": c.get("acronym"), "sector": c["sector"], "state": c["state"],
                     "country": c.get("country"), "website": c.get("website"), "joined_on": c["joined_on"],
                     "description": c.get("description") or "", "active": True, "created_at": now,
                     "updated_at": now} for c in creates]
            ids = insert_many(Institution, full, lambda row: (row["name"],), (Institution.name,))
            logged += [{"action": "institution.create", "subject_type": "institutions", "subject_id": i,
                        "changes": {**c, "import": entry.id}} for i, c in zip(ids, creates)]
        if updates:
            db.session.execute(sa.update(Institution), [
                {"id": row.plan[0], **row.plan[1], "updated_at": now} for row in updates])
            logged += [{"action": "institution.edit", "subject_type": "institutions", "subject_id": row.plan[0],
                        "changes": {**row.changes, "import": entry.id}} for row in updates]
        audit_rows(actor, logged)

    def export(self, actor) -> tuple[list[str], list[list]]:
        self.authorize(actor, {})
        rows = db.session.execute(
            sa.select(*(getattr(Institution, f) for f in EXPORTED)).order_by(Institution.name, Institution.id)).all()
        return list(EXPORTED), [[v.isoformat() if isinstance(v, date) else v for v in row] for row in rows]


register(InstitutionsImport())
