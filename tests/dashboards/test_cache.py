"""The dashboard cache is exact: any committed change that a dashboard reads is seen at once."""
from __future__ import annotations

import logging
import os
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from coalition.dashboards import cache, services
from coalition.deliverables import services as deliverables
from coalition.extensions import db
from tests import factories
from tests.test_query_counts import count_queries


@pytest.fixture
def cached_app(app):
    app.config["DASHBOARD_CACHE"] = True
    cache._local.clear()
    yield app
    cache._local.clear()


def figures(actor):
    db.session.expire_all()
    return services.dashboard(actor)


def test_a_second_look_is_served_from_the_cache_and_a_change_is_seen_at_once(cached_app):
    coordinator = factories.user(role="coordinator")
    item = factories.deliverable("ethics", progress=10)
    db.session.commit()
    with count_queries() as first:
        assert figures(coordinator).total == 1
    with count_queries() as second:
        assert figures(coordinator).total == 1
    assert len(second) <= 3 < len(first)  # the version and the groups; no figure recomputed

    deliverables.post_update(item.owner, item.id, version=item.version, status="in_progress", progress=90, note="")
    db.session.commit()
    ethics = factories.group("ethics")
    assert (ethics, 90, 1) in figures(coordinator).progress


def test_a_rolled_back_change_leaves_the_cached_figures_valid(cached_app):
    coordinator = factories.user(role="coordinator")
    factories.deliverable("ethics")
    db.session.commit()
    before = cache.version()
    factories.deliverable("ethics")
    db.session.rollback()
    assert cache.version() == before and figures(coordinator).total == 1


def test_a_login_does_not_invalidate_but_a_new_name_does(cached_app):
    coordinator = factories.user(role="coordinator")
    db.session.commit()
    before = cache.version()
    coordinator.last_login_at = factories.days_ago(0)
    db.session.commit()
    assert cache.version() == before
    coordinator.name = "Otra Persona"
    db.session.commit()
    assert cache.version() == before + 1


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL is not set")
def test_with_redis_the_cache_is_shared_and_redis_down_only_costs_time(cached_app):
    import redis

    from tests.notifications.test_services import free_port

    cached_app.config["REDIS_URL"] = os.environ["TEST_REDIS_URL"]
    cached_app.extensions.pop("redis_dashboard", None)
    redis.Redis.from_url(os.environ["TEST_REDIS_URL"]).flushdb()
    coordinator = factories.user(role="coordinator")
    factories.deliverable("ethics")
    db.session.commit()
    assert figures(coordinator).total == 1
    keys = redis.Redis.from_url(os.environ["TEST_REDIS_URL"]).keys("coalition:dashboard:*")
    # The board's figures, the part of them that does not read deliverables (under the context version),
    # and the stale count kept for the clock step.
    assert len(keys) == 3 and sum(b":context-figures:" in key for key in keys) == 1, keys
    assert sum(b":kept:stale:" in key for key in keys) == 1, keys
    cached_app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    cached_app.extensions.pop("redis_dashboard", None)
    assert figures(coordinator).total == 1
    cached_app.extensions.pop("redis_dashboard", None)


def test_the_cached_page_is_kept_per_language_and_follows_changes(cached_app):
    from tests.conftest import login

    spanish = factories.user(role="coordinator", language="es")
    english = factories.user(role="coordinator", language="en")
    item = factories.deliverable("ethics", title="Primera versión", due_date=factories.today() - timedelta(days=1))
    db.session.commit()
    es_client, en_client = cached_app.test_client(), cached_app.test_client()
    login(es_client, spanish)
    login(en_client, english)
    assert "Avance por grupo de trabajo" in es_client.get("/dashboard").get_data(as_text=True)
    assert "Progress by working group" in en_client.get("/dashboard").get_data(as_text=True)
    assert "Avance por grupo de trabajo" in es_client.get("/dashboard").get_data(as_text=True)
    db.session.get(type(item), item.id).title = "Segunda versión"
    db.session.commit()
    page = en_client.get("/dashboard").get_data(as_text=True)
    assert "Segunda versión" in page and "Primera versión" not in page


def rich_figures():
    """Figures holding every kind of value a dashboard has: dates, instants, tuples, int keys, lists."""
    from datetime import datetime, timezone

    from coalition.meetings.models import Attendance

    coordinator = factories.user(role="coordinator")
    institution = factories.institution(sector="industry")
    member = factories.user(groups={"ethics": "member"}, institution_id=institution.id)
    factories.deliverable("ethics", progress=40, due_date=factories.today() - timedelta(days=3))
    factories.deliverable("data", status="in_progress", last_update_at=factories.days_ago(30))
    held = factories.meeting("ethics", invitees=[member], status="held",
                             starts_at=datetime(2026, 1, 15, 17, 30, 12, 345678, tzinfo=timezone.utc))
    db.session.execute(sa.update(Attendance).where(Attendance.meeting_id == held.id).values(status="attended"))
    factories.meeting("ethics", invitees=[member])
    db.session.commit()
    now = cache.clock(factories.days_ago(0))
    return coordinator, services.compute_figures(None, services.Filters(start=date(2025, 1, 1)), now)


def test_sealed_figures_come_back_exactly_as_computed(app):
    from markupsafe import Markup

    _coordinator, computed = rich_figures()
    assert computed.attendance_by_month and computed.upcoming and computed.overdue and computed.activity
    back = cache.unseal("k", cache.seal("k", computed))
    assert back == computed
    assert type(back.attendance_by_month[0]) is tuple and all(type(k) is int for k in back.attendance_by_group)
    assert back.upcoming[0].starts_at.tzinfo == computed.upcoming[0].starts_at.tzinfo
    html = Markup("<p>Avance</p>")
    assert type(cache.unseal("h", cache.seal("h", html))) is Markup
    progress = {1: (40, 2)}
    assert cache.unseal("p", cache.seal("p", progress)) == progress


def test_an_entry_moved_to_another_key_or_altered_or_signed_with_another_secret_is_refused(app):
    sealed = cache.seal("coalition:dashboard:1:a", {"total": 3})
    with pytest.raises(cache.Refused):
        cache.unseal("coalition:dashboard:1:b", sealed)
    with pytest.raises(cache.Refused):
        cache.unseal("coalition:dashboard:1:a", sealed.replace(b"3", b"4"))
    app.config["SECRET_KEY"] = "another-secret"
    with pytest.raises(cache.Refused):
        cache.unseal("coalition:dashboard:1:a", sealed)


def test_the_celery_serializer_is_json_only(app):
    conf = app.extensions["celery"].conf
    assert (conf.task_serializer, conf.result_serializer) == ("json", "json")
    assert list(conf.accept_content) == ["json"] and list(conf.result_accept_content) == ["json"]


def test_no_code_unpickles_or_evaluates_what_it_reads():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    sources = [*root.glob("coalition/**/*.py"), *root.glob("workers/*.py"), *root.glob("config/*.py")]
    reading = re.compile(r"\bimport (pickle|marshal|shelve|dill)\b|\b(pickle|marshal|dill)\.loads?\(|\beval\(|\bexec\(")
    found = [str(path.relative_to(root)) for path in sources if reading.search(path.read_text())]
    assert not found


class _Planted:
    """Unpickling this creates a file: proof that code ran."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.fixture
def redis_cache(cached_app):
    import redis

    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set")
    cached_app.config["REDIS_URL"] = url
    cached_app.extensions.pop("redis_dashboard", None)
    client = redis.Redis.from_url(url)
    # Alembic's logging setup (the test database's migration) disables loggers that existed before it.
    logging.getLogger("coalition.dashboards.cache").disabled = False
    for key in client.scan_iter("coalition:dashboard:*"):
        client.delete(key)
    yield client
    for key in client.scan_iter("coalition:dashboard:*"):
        client.delete(key)
    cached_app.extensions.pop("redis_dashboard", None)


def test_a_pickle_planted_under_the_cache_key_is_refused_and_runs_nothing(redis_cache, tmp_path, caplog):
    import pickle

    coordinator = factories.user(role="coordinator")
    factories.deliverable("ethics")
    db.session.commit()
    assert figures(coordinator).total == 1
    keys = list(redis_cache.scan_iter("coalition:dashboard:*"))
    assert keys
    marker = tmp_path / "pwned"
    for key in keys:
        redis_cache.set(key, pickle.dumps(_Planted(marker)))
    with caplog.at_level("WARNING", logger="coalition.dashboards.cache"):
        assert figures(coordinator).total == 1
    assert not marker.exists()
    assert "refused" in caplog.text
    # The refused entry was replaced by a good one, served from then on.
    boards = [key for key in keys if b":context-figures:" not in key and b":kept:" not in key]
    assert boards and all(cache.unseal(key.decode(), redis_cache.get(key)).total == 1 for key in boards)
    assert all("upcoming" in cache.unseal(key.decode(), redis_cache.get(key)) for key in keys
               if b":context-figures:" in key)
    assert all(cache.unseal(key.decode(), redis_cache.get(key)) == (cache.version(), 0) for key in keys
               if b":kept:stale:" in key)


def test_a_tampered_signed_entry_in_redis_is_refused_and_the_figures_recomputed(redis_cache, caplog):
    coordinator = factories.user(role="coordinator")
    factories.deliverable("ethics")
    factories.deliverable("data")
    db.session.commit()
    assert figures(coordinator).total == 2
    (key,) = [k for k in redis_cache.scan_iter("coalition:dashboard:*")
              if b":context-figures:" not in k and b":kept:" not in k]
    stored = redis_cache.get(key)
    assert b'"total",2' not in stored and b'"total":2' in stored
    redis_cache.set(key, stored.replace(b'"total":2', b'"total":9'))
    with caplog.at_level("WARNING", logger="coalition.dashboards.cache"):
        assert figures(coordinator).total == 2
    assert "refused" in caplog.text


def test_after_a_progress_update_the_board_is_exact_and_its_context_comes_from_the_cache(cached_app, monkeypatch):
    coordinator = factories.user(role="coordinator")
    member = factories.user(groups={"ethics": "member"}, institution_id=factories.institution().id)
    item = factories.deliverable("ethics", owner=member, progress=10)
    factories.meeting("ethics")
    db.session.commit()
    assert figures(coordinator).total == 1
    computed = []
    original = services._context_figures
    monkeypatch.setattr(services, "_context_figures", lambda *args: computed.append(args) or original(*args))
    deliverables.post_update(member, item.id, status="in_review", progress=80)
    db.session.commit()
    board = figures(coordinator)
    assert board.by_status["in_review"] == 1 and board.total == 1
    assert [(g.slug, p, n) for g, p, n in board.progress if n] == [("ethics", 80, 1)]
    assert computed == []  # a progress update leaves the meetings' and members' figures cached
    factories.meeting("ethics")
    db.session.commit()
    assert len(figures(coordinator).upcoming) == 2
    assert len(computed) == 1
