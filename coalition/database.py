"""The declarative base, its naming convention, and column types shared by every domain."""
from __future__ import annotations

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
