"""The home page: a member's own work; a coordinator's or admin's coalition at a glance, each item a link."""
from __future__ import annotations

import os
import re
from datetime import timedelta

import pytest

from coalition.dashboards import cache
from coalition.deliverables import services as deliverables
from coalition.extensions import db
from coalition.imports import services as imports
from tests import factories
from tests.analysis import factories as consultations
from tests.conftest import login
from tests.home.helpers import HELD_AT, INSTITUTIONS, needs
from tests.test_query_counts import count_queries


def page(client, lang: str = "en") -> str:
    response = client.get(f"/?lang={lang}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def attention(client) -> str:
    """The page's "needs you" section (a coordinator's) or the member's own sections: no activity."""
    html = page(client)
    return html[:html.index('id="activity-heading"')] if 'id="activity-heading"' in html else html


def links(html: str) -> dict[str, str]:
    """Each link's text (tags stripped) → its address."""
    found = re.findall(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', html, re.S)
    return {re.sub(r"<[^>]+>|\s+", " ", text).strip(): href.replace("&amp;", "&") for href, text in found}


def test_a_coordinator_in_no_group_sees_what_needs_them_each_item_a_link(app, client):
    coordinator = factories.user(role="coordinator")
    world = needs(coordinator)
    login(client, coordinator)
    html = page(client)
    assert "What needs you this week" in html and "You are not in a working group" not in html
    found = links(html)
    assert found["Guía vencida"] == f"/deliverables/{world['overdue'].id}"
    assert found["Informe olvidado"] == f"/deliverables/{world['stale'].id}"
    assert found["Sesión sin minuta"] == f"/meetings/{world['meeting'].id}"
    assert found["AI forums"] == "/consultations/foros-ia/coding?group=all"
    assert "2 contributions not coded yet" in html
    assert found["Import institutions"] == f"/institutions/import/{world['import'].id}"
    assert found["Coalition dashboard"] == "/dashboard"
    # The latest activity: the meeting held, linked.
    activity = html[html.index('id="activity-heading"'):]
    assert "Meeting held: Sesión sin minuta" in activity
    for href in (found["Guía vencida"], found["AI forums"], found["Import institutions"]):
        assert client.get(href).status_code == 200, href


def test_an_admin_with_nothing_to_do_is_told_so(app, client):
    admin = factories.user(role="admin")
    factories.deliverable("ethics", title="Va bien")
    db.session.commit()
    login(client, admin)
    html = page(client)
    assert "Nothing needs you this week." in html
    assert "Overdue deliverables" not in html and "You are not in a working group" not in html


def test_a_member_keeps_their_own_home_without_the_coalitions(app, client):
    member = factories.user(groups={"ethics": "member"})
    world = needs(factories.user(role="coordinator"))
    mine = factories.deliverable("ethics", owner=member, title="Mi entregable")
    meeting = factories.meeting("ethics", title="Próxima sesión")
    db.session.commit()
    login(client, member)
    html = page(client)
    found = links(html)
    assert found["Mi entregable"] == f"/deliverables/{mine.id}"
    assert found["Próxima sesión"] == f"/meetings/{meeting.id}"
    assert "My groups" in html and "AI Ethics" in html
    assert "What needs you this week" not in html and "Guía vencida" not in html
    assert f"/institutions/import/{world['import'].id}" not in html


def test_times_are_in_each_viewers_timezone_and_language_even_when_cached(exact_cache):
    mexico = factories.user(role="coordinator", timezone="America/Mexico_City", language="es")
    tijuana = factories.user(role="coordinator", timezone="America/Tijuana", language="en")
    factories.meeting("ethics", title="Sesión sin minuta", status="held", starts_at=HELD_AT)
    db.session.commit()
    clients = {}
    for person in (mexico, tijuana):
        clients[person.id] = exact_cache.test_client()
        login(clients[person.id], person)
    for _ in range(2):  # the second time from the cache
        spanish = clients[mexico.id].get("/").get_data(as_text=True)
        english = clients[tijuana.id].get("/").get_data(as_text=True)
        assert "15 ene 2026, 11:30" in spanish and "Reuniones celebradas sin minuta" in spanish
        assert "Jan 15, 2026, 9:30" in english and "Held meetings without minutes" in english


def test_the_cached_home_follows_every_change_at_once(exact_cache):
    coordinator = factories.user(role="coordinator")
    member = factories.user(groups={"ethics": "member"})
    db.session.commit()
    coordinators, members = exact_cache.test_client(), exact_cache.test_client()
    login(coordinators, coordinator)
    login(members, member)
    assert "Nothing needs you this week." in page(coordinators)
    page(members)

    item = factories.deliverable("ethics", owner=member, title="Recién vencido",
                                 due_date=factories.today() - timedelta(days=1))
    db.session.commit()
    assert "Recién vencido" in attention(coordinators) and "Recién vencido" in page(members)

    deliverables.post_update(member, item.id, version=item.version, status="done", progress=100, note="")
    db.session.commit()
    assert "Recién vencido" not in attention(coordinators) and "Recién vencido" not in page(members)

    # A new contribution does not bump the data version: the newest contribution keys the count.
    consultation = consultations.consultation(slug="foros-ia", title_en="AI forums")
    consultations.contribution(consultation)
    db.session.commit()
    assert "1 contribution not coded yet" in page(coordinators)
    consultations.contribution(consultation)
    db.session.commit()
    assert "2 contributions not coded yet" in page(coordinators)

    # Pending imports are no data version's: they are read on every request.
    kept = imports.keep(coordinator, "institutions", INSTITUTIONS, "lista.csv", {})
    db.session.commit()
    assert f"/institutions/import/{kept.id}" in page(coordinators)
    imports.apply_pending(coordinator, "institutions", kept.id, {})
    db.session.commit()
    assert f"/institutions/import/{kept.id}" not in page(coordinators)


def test_a_cached_home_costs_the_queries_of_healthz(exact_cache):
    coordinator = factories.user(role="coordinator")
    needs(coordinator)
    db.session.commit()
    client = exact_cache.test_client()
    login(client, coordinator)
    with count_queries() as first:
        page(client)
    with count_queries() as second:
        page(client)
    with count_queries() as floor:
        assert client.get("/healthz").status_code == 200
    # The session and the person, then the home's stamp where /healthz asks the database for 1.
    assert len(second) == len(floor) < len(first), second


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL is not set")
def test_with_redis_every_web_process_shares_the_rendered_home(exact_cache):
    import redis

    exact_cache.config["REDIS_URL"] = os.environ["TEST_REDIS_URL"]
    exact_cache.extensions.pop("redis_dashboard", None)
    store = redis.Redis.from_url(os.environ["TEST_REDIS_URL"])
    store.flushdb()
    try:
        coordinator = factories.user(role="coordinator")
        world = needs(coordinator)
        client = exact_cache.test_client()
        login(client, coordinator)
        assert "Guía vencida" in page(client)
        assert store.keys("coalition:dashboard:*:home:*")
        cache._local.clear()
        with count_queries() as again:
            assert "Guía vencida" in page(client)
        with count_queries() as floor:
            client.get("/healthz")
        assert len(again) == len(floor)
        db.session.get(type(world["overdue"]), world["overdue"].id).title = "Guía renombrada"
        db.session.commit()
        assert "Guía renombrada" in page(client)
    finally:
        store.flushdb()
        exact_cache.extensions.pop("redis_dashboard", None)
