"""An exact cache of dashboard figures.

Figures are cached under a key that holds the data version, a counter that every transaction
changing what a dashboard reads increments just before it commits (hooks below: `before_flush`
notes the change, `before_commit` bumps), so the bump and the change commit or roll back together. A new version makes every older entry
unreachable: nothing is ever served that a committed change has made wrong. Time-dependent rules
(overdue, stale, "the last 7 days") are computed for a clock rounded to CLOCK_STEP, which is part
of the key, so an entry is exact for the instant it names. Entries live in Redis when
`REDIS_URL` is set (shared by every web process), otherwise in a small per-process LRU; with
Redis down the figures are simply computed.
"""
from __future__ import annotations

import logging
import pickle
from collections import OrderedDict
from datetime import datetime, timedelta
from itertools import chain
from typing import Callable

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from coalition.auth.models import User
from coalition.dashboards.models import DataVersion
from coalition.deliverables.models import Deliverable, DeliverableUpdate, Milestone
from coalition.extensions import db
from coalition.groups.models import GroupMembership, WorkingGroup
from coalition.institutions.models import Institution
from coalition.meetings.models import Attendance, Meeting, MinutesRevision

log = logging.getLogger(__name__)

CLOCK_STEP = timedelta(minutes=5)
TTL_SECONDS = 3600
LOCAL_ENTRIES = 64
TRACKED = (Deliverable, DeliverableUpdate, Milestone, Meeting, Attendance, MinutesRevision, GroupMembership,
           Institution, WorkingGroup)
# A person's row changes at every login; only these columns matter to a dashboard.
USER_COLUMNS = ("name", "institution_id", "active", "role")
_BUMPED = "data_version_bumped"
_TOUCHED = "data_version_touched"
_local: OrderedDict[str, object] = OrderedDict()


def clock(now: datetime) -> datetime:
    """`now` rounded down to the cache's step: the instant cached figures are computed for."""
    step = int(CLOCK_STEP.total_seconds())
    return datetime.fromtimestamp(int(now.timestamp()) // step * step, tz=now.tzinfo)


def _touches_dashboards(obj) -> bool:
    if isinstance(obj, TRACKED):
        return True
    if isinstance(obj, User):
        state = sa.inspect(obj)
        return state.pending or state.deleted or any(
            state.attrs[name].history.has_changes() for name in USER_COLUMNS)
    return False


@sa.event.listens_for(Session, "before_flush")
def _note_change(session: Session, flush_context, instances) -> None:
    if not session.info.get(_TOUCHED) and any(
            _touches_dashboards(obj) for obj in chain(session.new, session.dirty, session.deleted)):
        session.info[_TOUCHED] = True


@sa.event.listens_for(Session, "before_commit")
def _bump_before_commit(session: Session) -> None:
    # Flush first, then take the version row's lock as the very last thing before COMMIT: a
    # transaction holding it never waits for another lock, so it cannot be part of a deadlock.
    session.flush()
    if session.info.pop(_TOUCHED, False) and not session.info.get(_BUMPED):
        bump(session)


def bump(session: Session | None = None) -> None:
    """Invalidate every cached figure, in the current transaction (bulk writers call this)."""
    session = session or db.session
    table = DataVersion.__table__
    session.connection().execute(sa.update(table).where(table.c.id == 1).values(value=table.c.value + 1))
    session.info[_BUMPED] = True


@sa.event.listens_for(Session, "after_commit")
@sa.event.listens_for(Session, "after_rollback")
def _forget_bump(session: Session) -> None:
    session.info.pop(_BUMPED, None)
    session.info.pop(_TOUCHED, None)


def version() -> int | None:
    return db.session.scalar(sa.select(DataVersion.value).where(DataVersion.id == 1))


def _redis():
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    client = current_app.extensions.get("dashboard_redis")
    if client is None:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        current_app.extensions["dashboard_redis"] = client
    return client


def cached(parts: tuple, compute: Callable[[], object]):
    """The value for `parts` at the current data version, computed once per version and clock."""
    if not current_app.config.get("DASHBOARD_CACHE", True):
        return compute()
    current = version()
    if current is None:  # no version row: nothing can be proven fresh
        return compute()
    key = "coalition:dashboard:" + ":".join(str(p) for p in (current, *parts))
    client = _redis()
    if client is not None:
        import redis

        try:
            hit = client.get(key)
            if hit is not None:
                return pickle.loads(hit)
            value = compute()
            client.set(key, pickle.dumps(value), ex=TTL_SECONDS)
            return value
        except redis.RedisError as error:
            log.warning("dashboard cache unavailable (%s); computing", type(error).__name__)
            return compute()
    if key in _local:
        _local.move_to_end(key)
        return _local[key]
    value = compute()
    _local[key] = value
    while len(_local) > LOCAL_ENTRIES:
        _local.popitem(last=False)
    return value
