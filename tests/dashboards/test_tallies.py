"""The running tallies: after any mix of writes, the figures they give equal a count from scratch."""
from __future__ import annotations

import random
from dataclasses import asdict
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from flask import current_app

from coalition.dashboards import cache, services, tallies
from coalition.dashboards.models import DeliverableTally, ProgressMoveDay, ProgressMoveStep
from coalition.database import utcnow
from coalition.deliverables import services as deliverables
from coalition.deliverables.health import coalition_clock
from coalition.deliverables.models import STATUSES, Deliverable, DeliverableUpdate
from coalition.extensions import db
from tests import factories

TABLES = (DeliverableTally, ProgressMoveDay, ProgressMoveStep)


def tally_rows() -> dict:
    """Every tally row with a non-zero amount (a row counted down to zero is as good as none)."""
    rows = {}
    for model in TABLES:
        table = model.__table__
        keys = [c for c in table.c if c.primary_key]
        values = [c for c in table.c if not c.primary_key]
        rows[table.name] = {tuple(r[:len(keys)]): tuple(r[len(keys):])
                            for r in db.session.execute(sa.select(*keys, *values)) if any(r[len(keys):])}
    return rows


def assert_figures_exact(now: datetime, group_ids) -> None:
    for group_id in (None, *group_ids):
        for at in (now, now + timedelta(days=3, minutes=35), now - timedelta(days=9, hours=7, minutes=10),
                   now + timedelta(days=31)):
            at = cache.clock(at)
            expected = asdict(services.compute_figures(group_id, services.Filters(), at))
            assert asdict(services.current_figures(group_id, services.Filters(), at)) == expected, (group_id, at)
            # And with the stale count kept per clock step, brought up to date from the log of changes.
            current_app.config["DASHBOARD_CACHE"] = True
            try:
                kept = services.current_figures(group_id, services.Filters(), at, version=cache.version())
            finally:
                current_app.config["DASHBOARD_CACHE"] = False
            assert asdict(kept) == expected, ("kept", group_id, at)


def test_step_of_rounds_up_to_the_clock_grid():
    on_grid = datetime(2026, 3, 1, 10, 5, tzinfo=timezone.utc)
    assert tallies.step_of(on_grid) == on_grid
    assert tallies.step_of(on_grid + timedelta(microseconds=1)) == on_grid + timedelta(minutes=5)
    assert tallies.step_of(on_grid - timedelta(minutes=4, seconds=59)) == on_grid


def test_a_progress_update_leaves_the_context_version_alone_and_a_meeting_moves_it(app):
    member = factories.user(groups={"ethics": "member"}, institution_id=factories.institution().id)
    item = factories.deliverable("ethics", owner=member)
    db.session.commit()
    data, context = cache.version(), cache.context_version()
    deliverables.post_update(member, item.id, status="in_progress", progress=40)
    db.session.commit()
    assert cache.version() == data + 1
    assert cache.context_version() == context
    factories.meeting("ethics")
    db.session.commit()
    assert cache.context_version() == context + 1


def test_a_rolled_back_write_leaves_the_tallies_as_they_were(app):
    member = factories.user(groups={"ethics": "member"}, institution_id=factories.institution().id)
    item = factories.deliverable("ethics", owner=member)
    db.session.commit()
    before = tally_rows()
    deliverables.post_update(member, item.id, status="in_progress", progress=90)
    db.session.rollback()
    assert tally_rows() == before
    with db.session.begin_nested():
        factories.deliverable("ethics", owner=member, progress=70)
        savepoint = db.session.begin_nested()
        deliverables.post_update(member, item.id, status="blocked", progress=5)
        savepoint.rollback()
    db.session.commit()
    counted = tally_rows()
    tallies.rebuild(db.session.connection())
    assert tally_rows() == counted


def test_pruning_drops_only_the_steps_no_window_reads_and_the_figures_stay_exact(app):
    from coalition.dashboards.models import MOVE_STEPS_KEPT_DAYS
    from workers import tasks
    from workers.schedule import BEAT_SCHEDULE

    # Beat runs it daily (the task only wraps tallies.prune_steps and commits).
    assert BEAT_SCHEDULE["prune-dashboard-steps"]["task"] == tasks.prune_dashboard_steps.name

    def prune_dashboard_steps() -> int:
        removed = tallies.prune_steps(db.session, utcnow())
        db.session.commit()
        return removed

    member = factories.user(groups={"ethics": "member"}, institution_id=factories.institution().id)
    item = factories.deliverable("ethics", owner=member)
    now = cache.clock(utcnow())
    for days_ago in (MOVE_STEPS_KEPT_DAYS + 30, MOVE_STEPS_KEPT_DAYS + 1, MOVE_STEPS_KEPT_DAYS - 1, 29, 6, 0.1):
        db.session.add(DeliverableUpdate(deliverable_id=item.id, author_id=member.id, status_before="in_progress",
                                         status_after="in_progress", progress_before=10, progress_after=20,
                                         created_at=now - timedelta(days=days_ago)))
    db.session.commit()
    steps = lambda: sorted(db.session.scalars(sa.select(ProgressMoveStep.at)))  # noqa: E731
    assert len(steps()) == 6
    days = tally_rows()[ProgressMoveDay.__tablename__]
    assert prune_dashboard_steps() == 2
    assert [now - at < timedelta(days=MOVE_STEPS_KEPT_DAYS) for at in steps()] == [True] * 4
    assert tally_rows()[ProgressMoveDay.__tablename__] == days  # the days stay
    assert prune_dashboard_steps() == 0
    assert_figures_exact(now, [factories.group("ethics").id])


# Days from today where a health rule changes its answer (the checks also run 3 days later).
EDGES = (-1, 0, 1, 3, 4, 7, 8, 10, 11, 14, 15, 17, 18, 30, 31, 33, 34)


def _random_writes(rng: random.Random, count: int, now: datetime, check_every: int) -> None:
    cache._local.clear()  # kept counts of another test's database, under the same versions, would be read
    lead = factories.user(role="coordinator", institution_id=factories.institution().id)
    groups = [factories.group(slug) for slug in ("ethics", "research", "abroad")]
    base = factories.today()

    def due(low: int, high: int):
        return base + timedelta(days=rng.choice(EDGES) if rng.random() < 0.5 else rng.randint(low, high))

    def progress() -> int:
        return rng.choice((0, 49, 50, 74, 75, 100)) if rng.random() < 0.5 else rng.randint(0, 100)
    made: list[int] = []
    for _ in range(6):
        made.append(factories.deliverable(rng.choice(groups).slug, owner=lead,
                                          due_date=due(-40, 60)).id)
    db.session.commit()
    for step in range(1, count + 1):
        action = rng.choices(("update", "status", "due", "archive", "restore", "move", "create", "delete",
                              "backdate", "milestone"), weights=(30, 8, 10, 4, 3, 5, 8, 2, 10, 5))[0]
        item = db.session.get(Deliverable, rng.choice(made))
        if action == "update" and item.archived_at is None:
            deliverables.post_update(lead, item.id, status=rng.choice(list(STATUSES)), progress=progress())
        elif action == "status" and item.archived_at is None:
            # An update whose progress moves nothing, or a jump to done.
            deliverables.post_update(lead, item.id, status=rng.choice(("done", "in_review", "blocked")),
                                     progress=item.progress if rng.random() < 0.5 else 100)
        elif action == "due" and item.archived_at is None:
            deliverables.edit_deliverable(lead, item.id, version=item.version,
                                          due_date=due(-45, 45),
                                          start_date=base - timedelta(days=400))
        elif action == "archive":
            deliverables.archive_deliverable(lead, item.id)
        elif action == "restore":
            deliverables.restore_deliverable(lead, item.id)
        elif action == "move":
            item.group_id = rng.choice(groups).id  # no service moves a deliverable; the hooks must follow anyway
        elif action == "create":
            made.append(deliverables.create_deliverable(
                lead, rng.choice(groups), title=f"Entregable {step}", owner_id=lead.id,
                due_date=due(-30, 90), status=rng.choice(list(STATUSES)),
                progress=progress()).id)
        elif action == "delete":
            has_history = db.session.scalar(sa.select(sa.func.count()).where(
                DeliverableUpdate.deliverable_id == item.id)) or item.milestones
            if not has_history and len(made) > 3:
                db.session.delete(item)
                made.remove(item.id)
        elif action == "backdate":
            # History recorded at any instant of the last 40 days, on and off the clock's grid, and
            # last updates old enough to be stale.
            moment = now - timedelta(days=rng.randint(0, 40), minutes=rng.choice((0, 5, 7, 30)),
                                     microseconds=rng.choice((0, 1)))
            db.session.add(DeliverableUpdate(deliverable_id=item.id, author_id=lead.id, status_before=item.status,
                                             status_after=item.status, progress_before=rng.randint(0, 100),
                                             progress_after=rng.randint(0, 100), created_at=moment))
            item.last_update_at = moment
        elif action == "milestone" and item.archived_at is None:
            deliverables.add_milestone(lead, item.id, title=f"Hito {step}", progress=rng.randint(0, 100))
        db.session.commit()
        if step % check_every == 0:
            assert_figures_exact(now, [g.id for g in groups])
    counted = tally_rows()
    tallies.rebuild(db.session.connection())
    assert tally_rows() == counted


def test_figures_from_the_tallies_equal_a_count_from_scratch_after_random_writes(app):
    _random_writes(random.Random(16), 300, cache.clock(utcnow()), check_every=50)


@pytest.mark.postgres
def test_figures_from_the_tallies_equal_a_count_from_scratch_after_thousands_of_random_writes_on_postgresql(app):
    _random_writes(random.Random(1016), 2000, cache.clock(utcnow()), check_every=250)


def test_the_kept_stale_count_follows_each_write_without_counting_again(app, monkeypatch):
    app.config["DASHBOARD_CACHE"] = True
    cache._local.clear()
    lead = factories.user(role="coordinator")
    now = cache.clock(utcnow())
    items = [factories.deliverable("ethics", owner=lead, status="in_progress", progress=80,
                                   due_date=factories.today() + timedelta(days=days),
                                   last_update_at=now - timedelta(days=20)) for days in (3, 10, 40)]
    db.session.commit()

    def stale_on_track() -> int:
        db.session.expire_all()
        board = services.current_figures(None, services.Filters(), now, version=cache.version())
        assert asdict(board) == asdict(services.compute_figures(None, services.Filters(), now))
        return services._stale_on_track(None, coalition_clock(now), cache.version())

    assert stale_on_track() == 3
    counted = []
    original = tallies.stale_count
    monkeypatch.setattr(tallies, "stale_count", lambda *args: counted.append(args) or original(*args))
    deliverables.post_update(lead, items[0].id, status="in_progress", progress=80)  # fresh again
    db.session.commit()
    assert stale_on_track() == 2
    db.session.get(Deliverable, items[1].id).progress = 40  # under 50 % a month from its due date: at risk anyway
    db.session.commit()
    assert stale_on_track() == 1
    db.session.get(Deliverable, items[0].id).last_update_at = now - timedelta(days=30)  # stale again
    db.session.commit()
    assert stale_on_track() == 2
    assert counted == []  # each time, the kept count and the log of changes
    tallies.rebuild(db.session.connection())  # a bulk load: counted again
    cache.bump()
    db.session.commit()
    assert stale_on_track() == 2 and len(counted) == 1
    cache._local.clear()


def test_the_kept_stale_count_applies_the_health_rules_edges_to_logged_changes(app, monkeypatch):
    from coalition.deliverables.health import CLOSE, NEAR

    app.config["DASHBOARD_CACHE"] = True
    cache._local.clear()
    lead = factories.user(role="coordinator")
    now = cache.clock(utcnow())
    clock = coalition_clock(now)
    items = [factories.deliverable("ethics", owner=lead, status=status, progress=progress,
                                   due_date=clock.today + timedelta(days=days), last_update_at=now - timedelta(days=1))
             for days in (-1, 0, CLOSE[0], CLOSE[0] + 1, NEAR[0], NEAR[0] + 1)
             for progress in (49, 50, 74, 75) for status in ("in_progress", "in_review")]
    db.session.commit()
    assert services._stale_on_track(None, clock, cache.version()) == 0  # none stale yet: counted, kept
    counted = []
    monkeypatch.setattr(tallies, "stale_count", lambda *args: counted.append(args))
    for n, item in enumerate(items):  # just stale, or not yet (on the instant)
        db.session.get(Deliverable, item.id).last_update_at = clock.stale_before - timedelta(microseconds=n % 3 % 2)
    db.session.commit()
    db.session.expire_all()
    expected = services.compute_figures(None, services.Filters(), now).by_health
    kept = services.current_figures(None, services.Filters(), now, version=cache.version()).by_health
    assert kept == expected and counted == []
    cache._local.clear()


def test_logged_stale_changes_get_their_commits_version_and_old_ones_are_pruned(app):
    from coalition.dashboards.models import DataVersion, StaleChange

    lead = factories.user(role="coordinator")
    item = factories.deliverable("ethics", owner=lead, status="in_progress", progress=10)
    db.session.commit()
    created = cache.version()
    db.session.execute(sa.insert(StaleChange.__table__).values(sign=1, version=0,
                                                              created_at=utcnow() - timedelta(hours=4)))
    db.session.execute(sa.update(DataVersion).values(value=63))
    db.session.commit()
    deliverables.post_update(lead, item.id, status="in_progress", progress=20)
    db.session.commit()
    logged = db.session.execute(sa.select(StaleChange.version, StaleChange.sign)).all()
    # As created; as it was and as it is, under the version its update committed as (64: a multiple
    # of 64, so the row older than STALE_LOG_HOURS went).
    assert sorted(logged) == sorted([(created, 1), (64, -1), (64, 1)]), logged
