"""The one spreadsheet machinery: read a file, preview each row's outcome, apply the good ones.

Each domain gives it an `ImportKind`: its columns (with their Spanish and English names), a
`start` that loads what the rows are checked against in a few queries, a `check` per row (no
query: every lookup is in the context), a `write` that applies the checked rows in bulk, and an
`export` with the same columns. `preview` writes nothing; `apply` re-reads the file, re-checks
every row against the database as it is now, and writes all rows or none (or only the good rows
when bad ones are skipped on purpose), with one audit entry for the import and one per changed
record. Callers commit (the request's edge, or the command).
"""
from __future__ import annotations

import getpass
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from coalition.audit import services as audit
from coalition.auth.permissions import require_actor
from coalition.database import utcnow
from coalition.errors import NotFound, ValidationError
from coalition.extensions import db
from coalition.imports import files
from coalition.imports.models import PendingImport

OUTCOMES = ("error", "create", "update", "unchanged")
# Cells a spreadsheet would have run as a formula are exported with a leading quote (see
# dashboards/tables.py); an import takes the quote off again, so a round-trip is exact.
_DEFUSED = ("=", "+", "-", "@", "\t", "\r")
# The import's own audit entry lists at most this many bad rows (the rest are counted).
AUDIT_ERRORS_MAX = 1000

Progress = Callable[[str, int, int], None]


class ImportKind(Protocol):
    name: str                               # "institutions": the URL, the command, the audit family
    columns: dict[str, tuple[str, ...]]     # canonical column → other names it may have (Spanish…)
    required: tuple[str, ...]               # columns a file must have
    key: str                                # the column that finds the existing record
    audit_action: str                       # the import's own audit action

    def authorize(self, actor, options: dict) -> None: ...
    def start(self, actor, sheet: files.Sheet, options: dict) -> Any: ...
    def check(self, context, values: dict[str, str]) -> Row: ...
    def write(self, actor, context, rows: list[Row], import_entry, options: dict) -> None: ...
    def export(self, actor) -> tuple[list[str], list[list]]: ...


@dataclass
class Row:
    """One row's outcome; `plan` is what the kind's `write` needs to apply it."""

    line: int = 0
    key: str = ""
    label: str = ""
    outcome: str = "unchanged"
    changes: dict = field(default_factory=dict)         # field → [before, after]
    errors: dict = field(default_factory=dict)          # column → [message]
    messages: list = field(default_factory=list)        # (column as the file names it, message)
    plan: Any = None


@dataclass
class Preview:
    kind: str
    filename: str
    sheet: files.Sheet
    rows: list[Row]
    applied: bool = False
    context: Any = field(default=None, repr=False)

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(row.outcome for row in self.rows)
        return {outcome: counted.get(outcome, 0) for outcome in OUTCOMES}

    @property
    def errors(self) -> list[Row]:
        return [row for row in self.rows if row.outcome == "error"]

    def shown(self, limit: int = 500) -> list[Row]:
        """Rows to list on a page: errors first, then changes, then the unchanged, at most `limit`."""
        order = {outcome: i for i, outcome in enumerate(OUTCOMES)}
        return sorted(self.rows, key=lambda row: (order[row.outcome], row.line))[:limit]


class ImportRefused(ValidationError):
    """Some rows are bad and bad rows are not to be skipped: nothing was written."""

    def __init__(self, preview: Preview):
        n = preview.counts["error"]
        message = _l("%(n)s rows have errors, so nothing was imported. Correct them, or import the good "
                     "rows only by skipping the bad ones.", n=n)
        super().__init__(message, fields={"file": [message]})
        self.preview = preview


KINDS: dict[str, ImportKind] = {}


def register(kind: ImportKind) -> ImportKind:
    KINDS[kind.name] = kind
    return kind


def get_kind(name: str) -> ImportKind:
    from coalition.imports import (  # noqa: F401 - each registers its kind
        contributions, engagements, institutions, instruments, people)

    if name not in KINDS:
        raise NotFound()
    return KINDS[name]


def columns_of(kind: ImportKind, options: dict) -> dict[str, tuple[str, ...]]:
    """The kind's columns; a kind whose columns depend on the options (a consultation's questions) says so."""
    columns_for = getattr(kind, "columns_for", None)
    return columns_for(options) if columns_for else kind.columns


def undefuse(value: str) -> str:
    value = value.strip()
    if value[:1] == "'" and value[1:2] in _DEFUSED:
        return value[1:]
    return value


def preview(kind_name: str, actor, data: bytes, filename: str = "", options: dict | None = None,
            progress: Progress | None = None) -> Preview:
    """Every row's outcome (create, update, unchanged or error, with the column and the reason); writes nothing."""
    kind = get_kind(kind_name)
    options = dict(options or {})
    kind.authorize(actor, options)
    sheet = files.read(data, filename, columns_of(kind, options), kind.required)
    context = kind.start(actor, sheet, options)
    rows: list[Row] = []
    seen: dict[str, int] = {}
    total = len(sheet.rows)
    for done, (line, cells) in enumerate(sheet.rows, start=1):
        values = {column: undefuse(value) for column, value in sheet.values(cells).items()}
        row = kind.check(context, values)
        row.line = line
        # As the file writes it, not the folded key; a kind whose key is an id names the row itself.
        row.label = row.label or " ".join(values.get(kind.key, "").split())
        if row.key and row.key in seen:
            row.errors = {kind.key: [_l("The same %(column)s is on line %(line)s.", column=kind.key,
                                        line=seen[row.key])]}
        elif row.key:
            seen[row.key] = line
        if row.errors:
            row.outcome = "error"
            row.messages = [(sheet.label(column), str(message))
                            for column, messages in row.errors.items() for message in messages]
        elif row.outcome == "update" and not row.changes:
            row.outcome = "unchanged"
        rows.append(row)
        if progress and (done % 1000 == 0 or done == total):
            progress("preview", done, total)
    return Preview(kind.name, filename, sheet, rows, context=context)


def apply(kind_name: str, actor, data: bytes, filename: str = "", options: dict | None = None,
          progress: Progress | None = None, via: str = "web") -> Preview:
    """Check the file again against the database as it is now and apply it: every row, or with
    `skip_bad_rows` the good ones; raise ImportRefused (writing nothing) when rows are bad."""
    from coalition.dashboards import cache

    kind = get_kind(kind_name)
    options = dict(options or {})
    result = preview(kind_name, actor, data, filename, options, progress)
    counts = result.counts
    if counts["error"] and not options.get("skip_bad_rows"):
        raise ImportRefused(result)
    entry = audit.record(actor, kind.audit_action, "imports", {
        "file": filename[:255], "format": result.sheet.format, "encoding": result.sheet.encoding,
        "delimiter": result.sheet.delimiter, "rows": len(result.rows), **counts,
        "options": {k: v if isinstance(v, str) else bool(v) for k, v in options.items()}, "via": via,
        **({"by": _os_user()} if via == "cli" else {}),
        "bad_rows": [{"line": row.line, "errors": [f"{column}: {message}" for column, message in row.messages]}
                     for row in result.errors[:AUDIT_ERRORS_MAX]],
    })
    db.session.flush()
    good = [row for row in result.rows if row.outcome in ("create", "update")]
    if good:
        kind.write(actor, result.context, good, entry, options)
        cache.bump()
    db.session.flush()
    if progress:
        progress("import", len(good), len(good))
    result.applied = True
    return result


def insert_many(model, rows: list[dict], key: Callable[[dict], Any], columns: tuple) -> list[int]:
    """INSERT `rows` in batches and return their new ids, in order.

    RETURNING over many batches is spliced together row by row (quadratic at 50,000 rows), so the
    ids are read back afterwards with one query: the rows above the largest id before, by `key`.
    """
    if not rows:
        return []
    before = db.session.scalar(sa.select(sa.func.max(model.id))) or 0
    db.session.execute(sa.insert(model.__table__), rows)
    found = {tuple(found[1:]): found[0] for found in db.session.execute(
        sa.select(model.id, *columns).where(model.id > before))}
    return [found[key(row)] for row in rows]


def audit_rows(actor, entries: list[dict]) -> None:
    """Add many audit entries in one statement (bulk writers; `entries` as audit.record's arguments)."""
    from coalition.audit.models import AuditEntry

    if not entries:
        return
    now = utcnow()
    db.session.execute(sa.insert(AuditEntry), [{
        "actor_id": getattr(actor, "id", None), "action": e["action"], "subject_type": e["subject_type"],
        "subject_id": e.get("subject_id"), "created_at": now,
        "changes": {k: audit._plain(v) for k, v in (e.get("changes") or {}).items()},
    } for e in entries])


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no name for this process's user
        return ""


# --- the file between its preview and its import -------------------------------------------

PENDING_HOURS = 2


def keep(actor, kind_name: str, data: bytes, filename: str, options: dict) -> PendingImport:
    """Check that the file can be read and keep it for its preview and import; expired ones go."""
    require_actor(actor)
    kind = get_kind(kind_name)
    kind.authorize(actor, options)
    files.read(data, filename, columns_of(kind, options), kind.required)
    db.session.execute(sa.delete(PendingImport).where(PendingImport.expires_at < utcnow()))
    pending = PendingImport(id=secrets.token_urlsafe(32), kind=kind.name, owner_id=actor.id,
                            filename=(filename or "")[:255], content=data, options=options,
                            expires_at=utcnow() + timedelta(hours=PENDING_HOURS))
    db.session.add(pending)
    db.session.flush()
    return pending


def pending(actor, kind_name: str, pending_id: str) -> PendingImport:
    """The actor's own kept file, or NotFound (someone else's, expired, or already imported)."""
    require_actor(actor)
    found = db.session.get(PendingImport, pending_id) if isinstance(pending_id, str) and \
        len(pending_id) <= 64 else None
    if found is None or found.owner_id != actor.id or found.kind != kind_name or found.expires_at < utcnow():
        raise NotFound(_l("This preview has expired or was already imported. Upload the file again."))
    return found


def apply_pending(actor, kind_name: str, pending_id: str, options: dict) -> Preview:
    """Import a kept file (checked again now), then forget it, so a second click imports nothing."""
    kept = pending(actor, kind_name, pending_id)
    result = apply(kind_name, actor, kept.content, kept.filename, options)
    db.session.delete(kept)
    db.session.flush()
    return result


def export(kind_name: str, actor) -> str:
    """The kind's records as CSV with the import's columns: formula cells defused, a byte-order mark."""
    from coalition.dashboards.tables import Table, to_csv

    kind = get_kind(kind_name)
    headers, rows = kind.export(actor)
    # A byte-order mark so spreadsheet programs read the accents as UTF-8.
    return "\ufeff" + to_csv(Table(kind.name, headers, rows))


def limits() -> tuple[int, int]:
    return current_app.config["IMPORT_MAX_BYTES"], current_app.config["IMPORT_MAX_ROWS"]
