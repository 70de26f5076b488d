"""Running tallies of the deliverables, kept in the transaction of every write, so a dashboard read
right after a write counts a few thousand tally rows instead of every deliverable and update.

What is kept (tables in `models.py`):
* per group, status, due date and progress band: how many deliverables (not archived) and the sum
  of their progress — the progress bars, the counts by status, and by health, whose rules compare
  the due date with today and the progress with two thresholds, nothing finer;
* per group, the progress moved by their updates, by UTC day and by clock step (the update's instant
  rounded *up* to CLOCK_STEP): an update is in the window "since `now` − 7 days" exactly when its
  step is after that instant (`now` is on the step grid), so a window is whole days plus one
  partial day read by steps.

Staleness ("no update for STALE_AFTER_DAYS") compares an instant and is not tallied: the few
deliverables that are stale and would otherwise be on track are counted from a partial index.

How the tallies stay exact: mapper events read each written deliverable's row (and each written
update's) from the database just before and just after the statement, inside the flush, and
`after_flush` adds the difference to the tallies in one sorted upsert per table — in the same
transaction (a savepoint's too), so they commit or roll back with the write. Writes that bypass the
ORM's unit of work (Core or bulk statements on `deliverables` or `deliverable_updates`) must call
`rebuild()`; the demo seeder does.
"""
from __future__ import annotations

import functools
from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, object_session

from coalition.dashboards.models import (BANDS, MOVE_STEPS_KEPT_DAYS, STALE_LOG_HOURS, DataVersion, DeliverableTally,
                                         ProgressMoveDay, ProgressMoveStep, StaleChange)
from coalition.database import utcnow
from coalition.deliverables.health import BLOCKED_OFF_TRACK_DAYS, CLOSE, NEAR, STALE_STATUSES, HealthClock
from coalition.deliverables.models import HEALTHS, STATUSES, Deliverable, DeliverableUpdate

STEP = timedelta(minutes=5)  # the dashboard clock's step: cache.CLOCK_STEP is this one
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_DELTAS = "dashboard_tally_deltas"
_BEFORE = "dashboard_tally_before"

d_table = Deliverable.__table__
u_table = DeliverableUpdate.__table__
TALLY, DAY, STEP_TABLE = DeliverableTally.__table__, ProgressMoveDay.__table__, ProgressMoveStep.__table__
STALE_LOG = StaleChange.__table__
# Set on a session that logged stale-kind changes: before it commits, they get its data version.
STALE_LOGGED = "dashboard_stale_logged"


def band(progress: int) -> int:
    return sum(progress >= threshold for threshold in BANDS)


def band_sql(progress):
    return sa.case((progress < BANDS[0], 0), (progress < BANDS[1], 1), else_=2)


def prune_steps(session: Session, now: datetime) -> int:
    """Drop the per-step moves no window reads any more (MOVE_STEPS_KEPT_DAYS); the per-day rows stay.
    Idempotent; returns how many rows went."""
    cutoff = now - timedelta(days=MOVE_STEPS_KEPT_DAYS)
    return session.execute(STEP_TABLE.delete().where(STEP_TABLE.c.at < cutoff)).rowcount


def step_of(moment: datetime) -> datetime:
    """`moment` rounded up to the clock's step (itself when on the grid)."""
    micro = (moment - EPOCH) // timedelta(microseconds=1)
    size = STEP // timedelta(microseconds=1)
    return EPOCH + timedelta(microseconds=-(-micro // size) * size)


# -- keeping the tallies -----------------------------------------------------------------------

def _deltas(session: Session) -> dict:
    return session.info.setdefault(_DELTAS, {"tally": defaultdict(lambda: [0, 0]),
                                             "day": defaultdict(lambda: [0, 0]),
                                             "step": defaultdict(lambda: [0, 0]),
                                             "stale": defaultdict(int)})


def _deliverable_row(connection, deliverable_id: int):
    return connection.execute(
        sa.select(d_table.c.group_id, d_table.c.status, d_table.c.due_date, d_table.c.progress,
                  d_table.c.archived_at, d_table.c.last_update_at).where(d_table.c.id == deliverable_id)).first()


def _count(session: Session, row, sign: int) -> None:
    if row is None or row.archived_at is not None:
        return
    deltas = _deltas(session)
    entry = deltas["tally"][(row.group_id, row.status, row.due_date, band(row.progress))]
    entry[0] += sign
    entry[1] += sign * row.progress
    if row.status in STALE_STATUSES and row.last_update_at is not None:
        deltas["stale"][(row.group_id, band(row.progress), row.due_date, _aware(row.last_update_at))] += sign


def _move(session: Session, group_id: int, created_at: datetime, moved: int, sign: int) -> None:
    deltas = _deltas(session)
    at = step_of(created_at)
    for kind, key in (("day", (group_id, at.date())), ("step", (group_id, at))):
        entry = deltas[kind][key]
        entry[0] += sign * moved
        entry[1] += sign


def _moves_of(session: Session, connection, deliverable_id: int, group_id: int, sign: int) -> None:
    for created_at, before, after in connection.execute(
            sa.select(u_table.c.created_at, u_table.c.progress_before, u_table.c.progress_after)
            .where(u_table.c.deliverable_id == deliverable_id)):
        _move(session, group_id, _aware(created_at), (after or 0) - (before or 0), sign)


def _aware(moment: datetime) -> datetime:
    # Core reads through the column's type, so this is already aware; kept for raw drivers.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


@sa.event.listens_for(Deliverable, "before_update")
@sa.event.listens_for(Deliverable, "before_delete")
def _before_deliverable(mapper, connection, target) -> None:
    session = object_session(target)
    session.info.setdefault(_BEFORE, {})[("d", target.id)] = _deliverable_row(connection, target.id)


@sa.event.listens_for(Deliverable, "after_insert")
@sa.event.listens_for(Deliverable, "after_update")
@sa.event.listens_for(Deliverable, "after_delete")
def _after_deliverable(mapper, connection, target) -> None:
    session = object_session(target)
    before = session.info.get(_BEFORE, {}).pop(("d", target.id), None)
    after = _deliverable_row(connection, target.id)
    _count(session, before, -1)
    _count(session, after, +1)
    # The updates count for the group of a deliverable not archived: move them when that changes.
    was = before.group_id if before is not None and before.archived_at is None else None
    now = after.group_id if after is not None and after.archived_at is None else None
    if was != now:
        if was is not None:
            _moves_of(session, connection, target.id, was, -1)
        if now is not None:
            _moves_of(session, connection, target.id, now, +1)


def _update_row(connection, update_id: int):
    return connection.execute(
        sa.select(d_table.c.group_id, d_table.c.archived_at, u_table.c.created_at, u_table.c.progress_before,
                  u_table.c.progress_after)
        .join(d_table, d_table.c.id == u_table.c.deliverable_id).where(u_table.c.id == update_id)).first()


def _moved(session: Session, row, sign: int) -> None:
    if row is not None and row.archived_at is None:
        _move(session, row.group_id, _aware(row.created_at), (row.progress_after or 0) - (row.progress_before or 0),
              sign)


# Updates are never edited or deleted; these keep the tallies exact if one ever is.
@sa.event.listens_for(DeliverableUpdate, "before_update")
@sa.event.listens_for(DeliverableUpdate, "before_delete")
def _before_update_row(mapper, connection, target) -> None:
    session = object_session(target)
    session.info.setdefault(_BEFORE, {})[("u", target.id)] = _update_row(connection, target.id)


@sa.event.listens_for(DeliverableUpdate, "after_insert")
@sa.event.listens_for(DeliverableUpdate, "after_update")
@sa.event.listens_for(DeliverableUpdate, "after_delete")
def _after_update_row(mapper, connection, target) -> None:
    session = object_session(target)
    _moved(session, session.info.get(_BEFORE, {}).pop(("u", target.id), None), -1)
    _moved(session, _update_row(connection, target.id), +1)


@sa.event.listens_for(Session, "before_flush")
def _start(session: Session, flush_context, instances) -> None:
    session.info.pop(_DELTAS, None)
    session.info.pop(_BEFORE, None)


@sa.event.listens_for(Session, "after_flush")
def _apply(session: Session, flush_context) -> None:
    deltas = session.info.pop(_DELTAS, None)
    session.info.pop(_BEFORE, None)
    if deltas:
        apply(session.connection(), deltas)
        if any(deltas["stale"].values()):
            session.info[STALE_LOGGED] = True


@sa.event.listens_for(Session, "after_rollback")
@sa.event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, *args) -> None:
    session.info.pop(_DELTAS, None)
    session.info.pop(_BEFORE, None)
    # STALE_LOGGED stays: after a savepoint's rollback the rest may still be logged (at worst, the
    # next commit sets the version of none).


def _insert(connection):
    return postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert


def apply(connection, deltas: dict) -> None:
    """Add `deltas` to the tallies: one upsert per table, rows in key order (so two writers lock
    the rows they share in the same order, and cannot deadlock on them)."""
    insert = _insert(connection)
    plan = ((TALLY, "tally", ("group_id", "status", "due_date", "band"), ("count", "progress")),
            (DAY, "day", ("group_id", "day"), ("moved", "updates")),
            (STEP_TABLE, "step", ("group_id", "at"), ("moved", "updates")))
    for table, kind, keys, values in plan:
        rows = [dict(zip(keys + values, (*key, *amounts)))
                for key, amounts in sorted(deltas[kind].items()) if any(amounts)]
        if not rows:
            continue
        statement = insert(table).values(rows)
        connection.execute(statement.on_conflict_do_update(
            index_elements=list(keys),
            set_={name: table.c[name] + statement.excluded[name] for name in values}))
    # The stale-kind deliverables as they were and are (a write that moved none of their keys logs
    # nothing); their version is set just before commit (`cache._bump_before_commit`).
    logged = [{"group_id": group_id, "band": row_band, "due_date": due, "last_update_at": at, "sign": sign,
               "created_at": utcnow()}
              for (group_id, row_band, due, at), sign in sorted(deltas.get("stale", {}).items()) if sign]
    if logged:
        connection.execute(STALE_LOG.insert(), logged)


def log_version(connection) -> None:
    """Give this transaction's stale-kind changes its data version (bumped already), and now and
    then drop those older than STALE_LOG_HOURS."""
    versions = DataVersion.__table__
    version = connection.execute(sa.select(versions.c.value).where(versions.c.id == 1)).scalar()
    connection.execute(STALE_LOG.update().where(STALE_LOG.c.version.is_(None)).values(version=version))
    if version is not None and version % 64 == 0:
        connection.execute(STALE_LOG.delete().where(
            STALE_LOG.c.created_at < utcnow() - timedelta(hours=STALE_LOG_HOURS)))


def rebuild(connection) -> None:
    """Count every tally again from the deliverables and their updates (after a bulk load)."""
    # Cached stale counts cannot be brought up to date past a bulk load: rows of sign 0 say so, under
    # the version now and the next (the caller's bump comes before or after this).
    versions = DataVersion.__table__
    # (Migration 0014 counts the tallies before this log exists.)
    for ahead in ((0, 1) if sa.inspect(connection).has_table(STALE_LOG.name) else ()):
        connection.execute(STALE_LOG.insert().values(
            sign=0, created_at=utcnow(),
            version=sa.select(versions.c.value + ahead).where(versions.c.id == 1).scalar_subquery()))
    for table in (TALLY, DAY, STEP_TABLE):
        connection.execute(table.delete())
    d = d_table.c
    banded = (sa.select(d.group_id, d.status, d.due_date, band_sql(d.progress).label("band"), d.progress)
              .where(d.archived_at.is_(None)).subquery())
    b = banded.c
    connection.execute(TALLY.insert().from_select(
        ["group_id", "status", "due_date", "band", "count", "progress"],
        sa.select(b.group_id, b.status, b.due_date, b.band, sa.func.count(), sa.func.sum(b.progress))
        .group_by(b.group_id, b.status, b.due_date, b.band)))
    u = u_table.c
    moved = sa.func.coalesce(u.progress_after, 0) - sa.func.coalesce(u.progress_before, 0)
    active = (sa.select(d.group_id, u.created_at, moved.label("moved"))
              .join(d_table, d_table.c.id == u.deliverable_id).where(d.archived_at.is_(None)))
    if connection.dialect.name == "postgresql":
        seconds = int(STEP.total_seconds())
        active = active.subquery()
        steps = sa.select(active.c.group_id, sa.func.to_timestamp(
            sa.func.ceil(sa.extract("epoch", active.c.created_at) / seconds) * seconds).label("at"),
            active.c.moved).subquery()
        grouped = (sa.select(steps.c.group_id, steps.c.at, sa.func.sum(steps.c.moved).label("moved"),
                             sa.func.count().label("updates"))
                   .group_by(steps.c.group_id, steps.c.at).subquery())
        connection.execute(STEP_TABLE.insert().from_select(
            ["group_id", "at", "moved", "updates"], sa.select(grouped)))
        day = sa.cast(sa.func.timezone("UTC", STEP_TABLE.c.at), sa.Date)
        connection.execute(DAY.insert().from_select(
            ["group_id", "day", "moved", "updates"],
            sa.select(STEP_TABLE.c.group_id, day, sa.func.sum(STEP_TABLE.c.moved), sa.func.sum(STEP_TABLE.c.updates))
            .group_by(STEP_TABLE.c.group_id, day)))
        return
    # Elsewhere (SQLite: tests and small demos) the steps are rounded here, a batch at a time.
    deltas = {"tally": {}, "day": defaultdict(lambda: [0, 0]), "step": defaultdict(lambda: [0, 0])}
    for group_id, created_at, value in connection.execute(active):
        at = step_of(_aware(created_at))
        for kind, key in (("day", (group_id, at.date())), ("step", (group_id, at))):
            deltas[kind][key][0] += value
            deltas[kind][key][1] += 1
    for kind, table, keys in (("day", DAY, ("group_id", "day")), ("step", STEP_TABLE, ("group_id", "at"))):
        rows = [dict(zip(keys + ("moved", "updates"), (*key, *amounts))) for key, amounts in deltas[kind].items()]
        for start in range(0, len(rows), 500):
            connection.execute(table.insert(), rows[start:start + 500])


# -- reading the figures -----------------------------------------------------------------------

def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=timezone.utc)


@functools.cache
def _figures_statement(scoped: bool, with_stale: bool = True):
    """The statement of `deliverable_figures`, built once (its values are bound at each run)."""
    t, bound = TALLY.c, sa.bindparam
    today = bound("today", type_=sa.Date)
    health = sa.case(
        (t.status == "done", "on_track"),
        (t.due_date < today, "off_track"),
        (sa.and_(t.status == "blocked", t.due_date <= bound("blocked_until", type_=sa.Date)), "off_track"),
        (sa.and_(t.due_date <= bound("close_until", type_=sa.Date), t.band < 2), "off_track"),
        (t.status == "blocked", "at_risk"),
        (sa.and_(t.due_date <= bound("near_until", type_=sa.Date), t.band == 0), "at_risk"),
        else_="on_track").label("health")

    def in_group(column) -> list:
        return [column == bound("group_id")] if scoped else []

    def kind(name: str):
        return sa.literal(name).label("kind")

    # Typed blanks (PostgreSQL resolves a union's column types pair by pair), each labelled apart (a
    # select folds one repeated expression into one column).
    def blank(name: str, kind=sa.Numeric):
        return sa.cast(sa.null(), kind).label(name)

    nothings = (blank("status", sa.String), blank("health", sa.String))
    tallied = (sa.select(kind("tally"), t.group_id, t.status, health, sa.func.sum(t.count), sa.func.sum(t.progress),
                         blank("third"))
               .where(*in_group(t.group_id)).group_by(t.group_id, t.status, health))
    stale_on_track = (sa.select(kind("stale"), blank("group_id", sa.Integer), *nothings, sa.func.count(),
                                blank("second"), blank("third")).select_from(d_table).where(*_stale_on_track(scoped)))

    day, step = DAY.c, STEP_TABLE.c
    in_week_day = sa.and_(step.at > bound("week_ago"), step.at < bound("week_day_end"))
    in_month_day = sa.and_(step.at > bound("month_ago"), step.at < bound("month_day_end"))
    # Whole days after each window's first day, and that first day's steps after the window's start.
    whole_days = (sa.select(kind("moves"), day.group_id, *nothings,
                            sa.func.sum(sa.case((day.day > bound("week_day", type_=sa.Date), day.moved), else_=0)),
                            sa.func.sum(day.moved), sa.func.sum(day.updates))
                  .where(day.day > bound("month_day", type_=sa.Date), *in_group(day.group_id))
                  .group_by(day.group_id))
    # Each window's first day apart: one range of the covering index each (an OR of two ranges would
    # visit the table).
    zero = sa.cast(sa.literal(0), sa.Numeric)
    first_days = [sa.select(kind("moves"), step.group_id, *nothings,
                            sa.func.sum(step.moved) if window == "week" else zero,
                            sa.func.sum(step.moved) if window == "month" else zero,
                            sa.func.sum(step.updates) if window == "month" else zero)
                  .where(in_day, *in_group(step.group_id)).group_by(step.group_id)
                  for window, in_day in (("week", in_week_day), ("month", in_month_day))]
    return sa.union_all(tallied, *([stale_on_track] if with_stale else []), whole_days, *first_days)


def deliverable_figures(session: Session, group_id: int | None, now: datetime, clock: HealthClock,
                        stale: int | None = None) -> dict:
    """Progress and count per group, counts by status and by health, and each group's summed moves
    over the last 7 and 30 days, as of `now` (on the step grid): the figures `compute_figures`
    reads from every deliverable, from the tallies and one count of a partial index (or `stale`,
    that count as the caller knows it: see `stale_count`)."""
    if step_of(now) != now:
        raise ValueError("the tallies answer for instants on the clock's step grid only")
    today = clock.today
    week_ago, month_ago = now - timedelta(days=7), now - timedelta(days=30)
    week_day, month_day = week_ago.astimezone(timezone.utc).date(), month_ago.astimezone(timezone.utc).date()
    values = {"today": today, "blocked_until": today + timedelta(days=BLOCKED_OFF_TRACK_DAYS),
              "close_until": today + timedelta(days=CLOSE[0]), "near_until": today + timedelta(days=NEAR[0]),
              "stale_before": clock.stale_before, "week_day": week_day, "month_day": month_day,
              "week_ago": week_ago, "month_ago": month_ago, "week_day_end": _midnight(week_day + timedelta(days=1)),
              "month_day_end": _midnight(month_day + timedelta(days=1)),
              **({"group_id": group_id} if group_id is not None else {})}
    # One statement (one round trip, one snapshot of the tallies).
    per_group: dict[int, list[int]] = {}
    by_status = {key: 0 for key in STATUSES}
    by_health = {key: 0 for key in HEALTHS}
    moves: dict[int, list[int]] = {}
    for row_kind, row_group, status, health_value, first, second, third in session.execute(
            _figures_statement(group_id is not None, stale is None), values):
        if row_kind == "tally":
            count, progress = int(first or 0), int(second or 0)
            totals = per_group.setdefault(row_group, [0, 0])
            totals[0] += count
            totals[1] += progress
            by_status[status] += count
            by_health[health_value] += count
        elif row_kind == "stale":
            stale = int(first or 0)
        else:
            entry = moves.setdefault(row_group, [0, 0, 0])
            entry[0] += int(first or 0)
            entry[1] += int(second or 0)
            entry[2] += int(third or 0)
    by_health["on_track"] -= stale or 0
    by_health["at_risk"] += stale or 0
    return {"per_group": per_group, "by_status": by_status, "by_health": by_health,
            "moves": {g: (week, month) for g, (week, month, n) in moves.items() if n}}


# -- the stale count, brought up to date from the log -------------------------------------------

def counts_as_stale(group_id: int | None, row, clock: HealthClock) -> bool:
    """Whether a logged stale-kind deliverable is in the count `deliverable_figures` reads (stale, and
    on track by every other rule), as of `clock`."""
    return ((group_id is None or row.group_id == group_id) and row.last_update_at < clock.stale_before
            and row.due_date >= clock.today
            and (row.due_date > clock.today + timedelta(days=CLOSE[0]) or row.band >= 2)
            and (row.due_date > clock.today + timedelta(days=NEAR[0]) or row.band >= 1))


def stale_count(session: Session, group_id: int | None, clock: HealthClock) -> tuple[int | None, int]:
    """The data version and the stale count as of it, counted in one statement (one snapshot)."""
    values = {"today": clock.today, "stale_before": clock.stale_before,
              "close_until": clock.today + timedelta(days=CLOSE[0]),
              "near_until": clock.today + timedelta(days=NEAR[0]),
              **({"group_id": group_id} if group_id is not None else {})}
    row = session.execute(_stale_statement(group_id is not None), values).one()
    return row[0], int(row[1] or 0)


@functools.cache
def _stale_statement(scoped: bool):
    versions = DataVersion.__table__
    return sa.select(sa.select(versions.c.value).where(versions.c.id == 1).scalar_subquery(),
                     sa.select(sa.func.count()).select_from(d_table).where(*_stale_on_track(scoped)).scalar_subquery())


def _stale_on_track(scoped: bool) -> list:
    """Stale and, by every other rule, on track (at risk instead): read from a partial index."""
    d, bound = Deliverable, sa.bindparam
    return [d.archived_at.is_(None), d.status.in_([sa.literal_column(f"'{s}'") for s in STALE_STATUSES]),
            d.last_update_at < bound("stale_before"), d.due_date >= bound("today", type_=sa.Date),
            sa.or_(d.due_date > bound("close_until", type_=sa.Date), d.progress >= CLOSE[1]),
            sa.or_(d.due_date > bound("near_until", type_=sa.Date), d.progress >= NEAR[1]),
            *([d.group_id == bound("group_id")] if scoped else [])]


def stale_changes(session: Session, since: int, until: int) -> list | None:
    """The logged stale-kind changes committed after version `since` up to `until`; None when a bulk
    load came in between (count again)."""
    rows = session.execute(
        sa.select(STALE_LOG.c.group_id, STALE_LOG.c.band, STALE_LOG.c.due_date, STALE_LOG.c.last_update_at,
                  STALE_LOG.c.sign)
        .where(STALE_LOG.c.version > since, STALE_LOG.c.version <= until)).all()
    return None if any(row.sign == 0 for row in rows) else rows
