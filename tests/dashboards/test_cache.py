"""The dashboard cache is exact: any committed change that a dashboard reads is seen at once."""
from __future__ import annotations

import os
from datetime import timedelta

import pytest

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
    cached_app.extensions.pop("dashboard_redis", None)
    redis.Redis.from_url(os.environ["TEST_REDIS_URL"]).flushdb()
    coordinator = factories.user(role="coordinator")
    factories.deliverable("ethics")
    db.session.commit()
    assert figures(coordinator).total == 1
    keys = redis.Redis.from_url(os.environ["TEST_REDIS_URL"]).keys("coalition:dashboard:*")
    assert len(keys) == 1
    cached_app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    cached_app.extensions.pop("dashboard_redis", None)
    assert figures(coordinator).total == 1
    cached_app.extensions.pop("dashboard_redis", None)


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
