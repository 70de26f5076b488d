"""An exact cache of dashboard figures.

Figures are cached under a key that holds the data version, a counter that every transaction
changing what a dashboard reads increments just before it commits (hooks below: `before_flush`
notes the change, `before_commit` bumps), so the bump and the change commit or roll back together. A new version makes every older entry
unreachable: nothing is ever served that a committed change has made wrong. Time-dependent rules
(overdue, stale, "the last 7 days") are computed for a clock rounded to CLOCK_STEP, which is part
of the key, so an entry is exact for the instant it names. Entries live in Redis when
`REDIS_URL` is set (shared by every web process), otherwise in a small per-process LRU; with
Redis down the figures are simply computed.

Nothing read back from Redis is unpickled or executed: an entry is plain JSON (with tags for the
few types JSON lacks, and only the dashboards' own dataclasses rebuilt by name), signed with an
HMAC of its key and payload under a key derived from SECRET_KEY. An entry whose signature does
not match (written by someone else, altered, or moved from another key) is refused, logged, and
the figures are recomputed.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import chain

import sqlalchemy as sa
from flask import current_app
from markupsafe import Markup
from sqlalchemy.orm import Session

from coalition import redis_store
from coalition.auth.models import User
from coalition.consultations.models import Coding, Consultation, Contribution, Theme
from coalition.dashboards import tallies  # noqa: F401  (its flush hooks keep the tallies)
from coalition.dashboards.models import DataVersion
from coalition.database import utcnow
from coalition.deliverables.models import Deliverable, DeliverableUpdate, Milestone
from coalition.extensions import db
from coalition.groups.models import GroupMembership, WorkingGroup
from coalition.institutions.models import Institution
from coalition.meetings.models import Attendance, Meeting, MinutesRevision
from coalition.recommendations.models import Recommendation, RecommendationDeliverable, SourceContribution, SourceTheme
from coalition.policy.models import Engagement, EngagementInstitution, Instrument, InstrumentStage, Uptake
from coalition.states.models import StateLiaison

log = logging.getLogger(__name__)

CLOCK_STEP = tallies.STEP
TTL_SECONDS = 3600
LOCAL_ENTRIES = 64
TRACKED = (Deliverable, DeliverableUpdate, Milestone, Meeting, Attendance, MinutesRevision, GroupMembership,
           Institution, WorkingGroup,
           # What a recommendation's trace reads: codings, citations, themes.
           Coding, SourceContribution, SourceTheme, Theme,
           # What the public portal reads besides: the agenda and published consultation results.
           Recommendation, RecommendationDeliverable, Consultation,
           # States and policy uptake: chapters, maps, instruments' pages.
           Instrument, InstrumentStage, Uptake, Engagement, EngagementInstitution, StateLiaison)
# A person's row changes at every login; only these columns matter to a dashboard.
USER_COLUMNS = ("name", "institution_id", "active", "role")
# Changes the data version counts that leave the context version alone: the deliverables' own rows,
# whose figures come from the running tallies (`tallies.py`) rather than from a cached computation.
DELIVERABLE_OWN = (Deliverable, DeliverableUpdate, Milestone)
_BUMPED = "data_version_bumped"
_TOUCHED = "data_version_touched"
_CONTEXT = "data_version_context_touched"
_local: OrderedDict[str, object] = OrderedDict()


def clock(now: datetime) -> datetime:
    """`now` rounded down to the cache's step: the instant cached figures are computed for."""
    step = int(CLOCK_STEP.total_seconds())
    return datetime.fromtimestamp(int(now.timestamp()) // step * step, tz=now.tzinfo)


def _touches_dashboards(obj) -> bool:
    if isinstance(obj, TRACKED):
        return True
    if isinstance(obj, Contribution):
        # A new contribution stands behind nothing until it is coded or cited; hiding one changes traces.
        state = sa.inspect(obj)
        return state.deleted or (not state.pending and state.attrs["hidden_at"].history.has_changes())
    if isinstance(obj, User):
        state = sa.inspect(obj)
        return state.pending or state.deleted or any(
            state.attrs[name].history.has_changes() for name in USER_COLUMNS)
    return False


@sa.event.listens_for(Session, "before_flush")
def _note_change(session: Session, flush_context, instances) -> None:
    if session.info.get(_CONTEXT):
        return
    for obj in chain(session.new, session.dirty, session.deleted):
        if _touches_dashboards(obj):
            session.info[_TOUCHED] = True
            if not isinstance(obj, DELIVERABLE_OWN):
                session.info[_CONTEXT] = True
                return


@sa.event.listens_for(Session, "before_commit")
def _bump_before_commit(session: Session) -> None:
    # Flush first, then take the version row's lock as the very last thing before COMMIT: a
    # transaction holding it never waits for another lock, so it cannot be part of a deadlock.
    session.flush()
    context = session.info.pop(_CONTEXT, False)
    if session.info.pop(_TOUCHED, False) and not session.info.get(_BUMPED):
        bump(session, context=context)
    if session.info.pop(tallies.STALE_LOGGED, False):
        tallies.log_version(session.connection())


def bump(session: Session | None = None, context: bool = True) -> None:
    """Invalidate every cached figure, in the current transaction (bulk writers call this); with
    `context` false, keep what was computed without reading deliverables."""
    session = session or db.session
    table = DataVersion.__table__
    values = {"value": table.c.value + 1, "changed_at": utcnow()}
    if context:
        values["context_value"] = table.c.context_value + 1
    session.connection().execute(sa.update(table).where(table.c.id == 1).values(**values))
    session.info[_BUMPED] = True


@sa.event.listens_for(Session, "after_commit")
@sa.event.listens_for(Session, "after_rollback")
def _forget_bump(session: Session) -> None:
    session.info.pop(_BUMPED, None)
    session.info.pop(_TOUCHED, None)
    session.info.pop(_CONTEXT, None)


def version() -> int | None:
    return db.session.scalar(sa.select(DataVersion.value).where(DataVersion.id == 1))


def versions() -> tuple[int, int] | None:
    """The data version and the context version (None without a version row), in one query."""
    row = db.session.execute(sa.select(DataVersion.value, DataVersion.context_value).where(DataVersion.id == 1)).first()
    return (row[0], row[1]) if row is not None else None


def context_version() -> int | None:
    """The version of what a dashboard reads besides the deliverables, their updates and milestones."""
    return db.session.scalar(sa.select(DataVersion.context_value).where(DataVersion.id == 1))


def stamp() -> tuple[int, datetime | None] | None:
    """The data version and when it last grew (None without a version row), in one query."""
    table = DataVersion.__table__  # Core, not ORM: this runs on every portal request, 304s included
    row = db.session.connection().execute(
        sa.select(table.c.value, table.c.changed_at).where(table.c.id == 1)).first()
    return (row[0], row[1]) if row is not None else None


def _redis():
    return redis_store.client("dashboard")


class Refused(ValueError):
    """A cache entry that is not exactly what this application wrote under that key."""


def _dataclasses() -> dict[str, type]:
    # Only these classes are ever rebuilt from an entry, by name; anything else is refused.
    from coalition.analysis.figures import Breakdown, Figures
    from coalition.dashboards import services
    from coalition.portal.changes import Change

    return {cls.__name__: cls for cls in (services.Dashboard, services.Filters, services.ListedDeliverable,
                                          services.ListedMeeting, services.Activity, services.Balance, Change,
                                          Figures, Breakdown)}


def _encode(value):
    """`value` as JSON-ready data; every JSON object is a tagged value, so decoding is unambiguous."""
    kind = type(value)
    if value is None or kind in (bool, int, float, str):
        return value
    if kind is list:
        return [_encode(item) for item in value]
    if kind is tuple:
        return {"~": "tuple", "v": [_encode(item) for item in value]}
    if kind is dict:
        return {"~": "dict", "v": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if kind is Markup:
        return {"~": "markup", "v": str(value)}
    if kind is datetime:
        zone = getattr(value.tzinfo, "key", None)  # a ZoneInfo comes back as itself, not as an offset
        return {"~": "datetime", "v": value.isoformat(), "tz": zone}
    if kind is date:
        return {"~": "date", "v": value.isoformat()}
    if kind is Decimal:
        return {"~": "decimal", "v": str(value)}
    if dataclasses.is_dataclass(value) and _dataclasses().get(kind.__name__) is kind:
        return {"~": "dataclass", "name": kind.__name__,
                "v": {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    raise TypeError(f"a {kind.__name__} cannot be cached")


def _decode(data):
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [_decode(item) for item in data]
    tag, value = data.get("~"), data.get("v")
    if tag == "tuple":
        return tuple(_decode(item) for item in value)
    if tag == "dict":
        return {_decode(k): _decode(v) for k, v in value}
    if tag == "markup":
        return Markup(value)
    if tag == "datetime":
        moment = datetime.fromisoformat(value)
        if data.get("tz"):
            from zoneinfo import ZoneInfo

            moment = moment.astimezone(ZoneInfo(data["tz"]))
        return moment
    if tag == "date":
        return date.fromisoformat(value)
    if tag == "decimal":
        return Decimal(value)
    if tag == "dataclass":
        cls = _dataclasses().get(data.get("name"))
        if cls is None:
            raise Refused(f"unknown class {data.get('name')!r}")
        return cls(**{name: _decode(item) for name, item in value.items()})
    raise Refused(f"unknown tag {tag!r}")


def seal(key: str, value) -> bytes:
    """`value` as signed JSON, to be stored under `key` (TypeError if it holds anything but plain data)."""
    payload = json.dumps(_encode(value), separators=(",", ":"), ensure_ascii=False).encode()
    return redis_store.seal("dashboards.cache", key, payload)


def unseal(key: str, stored: bytes):
    """The value sealed under `key`; Refused if the entry was not written so by this application."""
    payload = redis_store.unseal("dashboards.cache", key, stored)
    if payload is None:
        raise Refused("bad signature")
    try:
        return _decode(json.loads(payload))
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise Refused(f"{type(error).__name__}: {error}") from error


def fingerprint(value) -> str:
    """A digest of plain data (what `seal` accepts): equal for equal data, so a rendering of it may
    be cached under it."""
    payload = json.dumps(_encode(value), separators=(",", ":"), ensure_ascii=False).encode()
    return hashlib.blake2b(payload, digest_size=16).hexdigest()


def cached(parts: tuple, compute: Callable[[], object], at_version: int | None = None):
    """The value for `parts` at the current data version, computed once per version and clock.
    `at_version`: the version this request already read (saves reading it again)."""
    if not current_app.config.get("DASHBOARD_CACHE", True):
        return compute()
    current = at_version if at_version is not None else version()
    if current is None:  # no version row: nothing can be proven fresh
        return compute()
    key = "coalition:dashboard:" + ":".join(str(p) for p in (current, *parts))
    client = _redis()
    if client is not None:
        return _through_redis(client, key, compute)
    if key in _local:
        _local.move_to_end(key)
        return _local[key]
    value = compute()
    _local[key] = value
    while len(_local) > LOCAL_ENTRIES:
        _local.popitem(last=False)
    return value


def _through_redis(client, key: str, compute: Callable[[], object]):
    import redis

    try:
        hit = client.get(key)
    except redis.RedisError as error:
        log.warning("dashboard cache unavailable (%s); computing", type(error).__name__)
        return compute()
    if hit is not None:
        try:
            return unseal(key, hit)
        except Refused as error:
            log.warning("dashboard cache: refused the entry under %s (%s); recomputing", key, error)
    value = compute()
    try:
        client.set(key, seal(key, value), ex=TTL_SECONDS)
    except TypeError as error:
        log.warning("dashboard cache: not cached (%s)", error)
    except redis.RedisError as error:
        log.warning("dashboard cache unavailable (%s); computed", type(error).__name__)
    return value


def cached_many(entries: dict[str, tuple[tuple, Callable[[], object]]], at_version: int | None = None) -> dict:
    """`cached` for several entries at once ({name: (parts, compute)}), in one round trip to Redis
    to read them and one to store those computed."""
    if not current_app.config.get("DASHBOARD_CACHE", True):
        return {name: compute() for name, (_parts, compute) in entries.items()}
    current = at_version if at_version is not None else version()
    if current is None:
        return {name: compute() for name, (_parts, compute) in entries.items()}
    keys = {name: "coalition:dashboard:" + ":".join(str(p) for p in (current, *parts))
            for name, (parts, _compute) in entries.items()}
    client = _redis()
    if client is None:
        return {name: cached(parts, compute, at_version=current) for name, (parts, compute) in entries.items()}
    import redis

    try:
        hits = dict(zip(keys, client.mget(list(keys.values()))))
    except redis.RedisError as error:
        log.warning("dashboard cache unavailable (%s); computing", type(error).__name__)
        return {name: compute() for name, (_parts, compute) in entries.items()}
    values, fresh = {}, {}
    for name, (_parts, compute) in entries.items():
        if hits[name] is not None:
            try:
                values[name] = unseal(keys[name], hits[name])
                continue
            except Refused as error:
                log.warning("dashboard cache: refused the entry under %s (%s); recomputing", keys[name], error)
        values[name] = compute()
        try:
            fresh[keys[name]] = seal(keys[name], values[name])
        except TypeError as error:
            log.warning("dashboard cache: not cached (%s)", error)
    if fresh:
        try:
            with client.pipeline(transaction=False) as pipe:
                for key, sealed in fresh.items():
                    pipe.set(key, sealed, ex=TTL_SECONDS)
                pipe.execute()
        except redis.RedisError as error:
            log.warning("dashboard cache unavailable (%s); computed", type(error).__name__)
    return values


def fetch(parts: tuple):
    """The value stored under `parts` by `store` (no version in its key: the value says what it is
    exact for), or None: not stored, refused, the cache off or unavailable."""
    if not current_app.config.get("DASHBOARD_CACHE", True):
        return None
    key = "coalition:dashboard:kept:" + ":".join(str(p) for p in parts)
    client = _redis()
    if client is None:
        return _local.get(key)
    import redis

    try:
        hit = client.get(key)
    except redis.RedisError as error:
        log.warning("dashboard cache unavailable (%s)", type(error).__name__)
        return None
    try:
        return unseal(key, hit) if hit is not None else None
    except Refused as error:
        log.warning("dashboard cache: refused the entry under %s (%s)", key, error)
        return None


def store(parts: tuple, value) -> None:
    """Keep `value` under `parts` for `fetch` (TTL_SECONDS at most)."""
    if not current_app.config.get("DASHBOARD_CACHE", True):
        return
    key = "coalition:dashboard:kept:" + ":".join(str(p) for p in parts)
    client = _redis()
    if client is None:
        _local[key] = value
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)
        return
    import redis

    try:
        client.set(key, seal(key, value), ex=TTL_SECONDS)
    except redis.RedisError as error:
        log.warning("dashboard cache unavailable (%s)", type(error).__name__)
