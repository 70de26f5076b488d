"""The declarative base, its naming convention, and column types shared by every domain."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime stored as UTC; SQLite would otherwise drop the tzinfo."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


# Local calendar buckets (a month, a day) of a UTC instant, on either database: PostgreSQL asks
# its time-zone database; SQLite calls a Python function registered on every connection, which
# asks zoneinfo, so both follow the same rules for any date (Mexico's daylight time until 2022 too).
_POSTGRES_FORMATS = {"%Y-%m": "YYYY-MM", "%Y-%m-%d": "YYYY-MM-DD"}


def local_bucket(column, fmt: str, dialect: str):
    """SQL for `column` (a UTC instant) as local text in the coalition's timezone: fmt "%Y-%m" or "%Y-%m-%d"."""
    zone = coalition_timezone_name()
    if dialect == "postgresql":
        return sa.func.to_char(sa.func.timezone(zone, column), _POSTGRES_FORMATS[fmt])
    return sa.func.coalition_local_time(column, zone, fmt)


@lru_cache(maxsize=4096)
def _sqlite_local_time(value: str | None, zone: str, fmt: str) -> str | None:
    # SQLite keeps UTCDateTime as naive-UTC text ("2021-05-01 05:30:00.000000").
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
        return moment.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(zone)).strftime(fmt)
    except (ValueError, TypeError, KeyError):
        return None


@sa.event.listens_for(Engine, "connect")
def _sqlite_functions(dbapi_connection, connection_record):
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.create_function("coalition_local_time", 3, _sqlite_local_time, deterministic=True)


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its own % and _ taken literally (use escape="\\")."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def coalition_timezone_name() -> str:
    """The coalition's home timezone (the COALITION_TIMEZONE setting), as an IANA name."""
    from flask import current_app

    return current_app.config["COALITION_TIMEZONE"]


def coalition_timezone() -> ZoneInfo:
    """The coalition's home timezone: its "today", its dashboard months and days, its calendar files."""
    return ZoneInfo(coalition_timezone_name())


def coalition_today() -> date:
    """Today in the coalition's home timezone: the date due dates and defaults use."""
    return datetime.now(coalition_timezone()).date()


# --- unique keys under concurrency ---------------------------------------------------------------

# PostgreSQL's `integer`: every id column, and the range any id a person sends must fall in.
MAX_ID = 2**31 - 1


class DuplicateKey(Exception):
    """A write found its unique key already taken (often by a request that ran at the same moment)."""


def broken_unique_key(error: sa.exc.IntegrityError) -> tuple[str, frozenset[str]] | None:
    """The table and columns of the unique key (or primary key) an IntegrityError broke, or None
    when it broke another kind of constraint."""
    from coalition.extensions import db

    orig = error.orig
    if getattr(orig, "sqlstate", None) == "23505":  # PostgreSQL: unique_violation
        diag = orig.diag
        table = db.metadata.tables.get(diag.table_name or "")
        if table is None:
            return None
        keys = [*table.constraints, *(index for index in table.indexes if index.unique)]
        for key in keys:
            if key.name == diag.constraint_name and isinstance(
                    key, (sa.UniqueConstraint, sa.PrimaryKeyConstraint, sa.Index)):
                return table.name, frozenset(column.name for column in key.columns)
        return None
    message = str(orig)
    prefix = "UNIQUE constraint failed: "  # SQLite: "… failed: table.column, table.column"
    if not message.startswith(prefix):
        return None
    names = [part.strip().split(".", 1) for part in message[len(prefix):].split(",")]
    if not all(len(name) == 2 for name in names):
        return None
    return names[0][0], frozenset(column for _table, column in names)


@contextmanager
def unique_key(*columns: sa.Column):
    """Run the block's writes in a SAVEPOINT and flush them there; if they break the unique key on
    `columns`, undo only them and raise DuplicateKey (the request's transaction goes on).

    The way to write a row whose key another request may write at the same moment: the service's
    own check cannot see an uncommitted row, the database's unique index can.
    """
    from coalition.extensions import db

    wanted = (columns[0].table.name, frozenset(column.name for column in columns))
    connection = db.session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.driver_connection.in_transaction:
        # pysqlite begins a transaction only before its first write; a SAVEPOINT outside one would
        # commit on RELEASE, so open the transaction the savepoint belongs in.
        connection.exec_driver_sql("BEGIN")
    try:
        with db.session.begin_nested():
            yield
    except sa.exc.IntegrityError as error:
        if broken_unique_key(error) != wanted:
            raise
        raise DuplicateKey(*wanted) from error


def refresh_statistics() -> None:
    """After a bulk load, give PostgreSQL's planner fresh row counts (autovacuum would, minutes later):
    with stale ones it plans a scan of every contribution for a query that needs four. Commits."""
    from coalition.extensions import db

    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
