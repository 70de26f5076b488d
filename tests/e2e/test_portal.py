"""The public portal in a real browser, logged out: axe on every page in Spanish and in English, the
pages without JavaScript, no request to anywhere but the portal's own server, no cookie, and the
journey of issue 14 — the agenda, a recommendation's trace and its deliverables, the open data and
the feed."""
from __future__ import annotations

import json
import re
from urllib.parse import urlparse

import pytest

from tests.e2e.conftest import log_in
from tests.e2e.test_accessibility import violations

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def public_paths(browser, live_server):
    context = browser.new_context(base_url=live_server)
    try:
        items = json.loads(context.request.get("/public/data/recommendations.json").text())["items"]
        # The first two published instruments the sitemap names (the demo's Jalisco strategy among them).
        instruments = sorted({int(n) for n in re.findall(r"/public/instruments/(\d+)",
                                                        context.request.get("/sitemap.xml").text())})[:2]
    finally:
        context.close()
    carried = next(item for item in items if item["deliverables"])
    return ["/public", "/public/agenda", "/public/agenda?area=ethics", f"/public/recommendations/{carried['id']}",
            "/public/groups/ethics", "/public/members", "/public/members?sector=academia",
            "/public/consultations/consulta-nacional-ia", "/public/data",
            # Issue 15: the map by two measures, Jalisco's page, abroad's, and the demo's published instruments.
            "/public/states", "/public/states?measure=members_per_million", "/public/states/JAL",
            "/public/states/abroad", *(f"/public/instruments/{n}" for n in instruments)]


@pytest.fixture(scope="module")
def anonymous(browser, live_server):
    """One context per language, nobody logged in, scripts off except axe's (injected with the CSP bypassed)."""
    contexts = {}
    for language in ("es", "en"):
        context = browser.new_context(base_url=live_server, bypass_csp=True, locale=language)
        page = context.new_page()
        page.set_default_timeout(15_000)
        contexts[language] = (context, page)
    yield contexts
    for context, _page in contexts.values():
        context.close()


@pytest.mark.parametrize("language", ["es", "en"])
def test_every_portal_page_has_no_serious_accessibility_violation(anonymous, public_paths, language):
    # Each page once, the languages alternating down the list (as in test_accessibility.py).
    context, page = anonymous[language]
    for path in public_paths[("es", "en").index(language)::2]:
        separator = "&" if "?" in path else "?"
        response = page.goto(f"{path}{separator}lang={language}")
        assert response.status == 200, (path, response.status)
        assert page.locator("html").get_attribute("lang") == language
        assert violations(page) == [], path
    assert context.cookies() == []


def test_the_portal_works_without_javascript_and_asks_nothing_of_other_servers(browser, live_server, public_paths):
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    elsewhere = []
    page.on("request", lambda request: urlparse(request.url).netloc != urlparse(live_server).netloc
            and elsewhere.append(request.url))
    try:
        for path in public_paths:
            response = page.goto(path)
            assert response.status == 200, path
            assert "Set-Cookie" not in {k.title() for k in response.all_headers()}, path
        page.goto(public_paths[0])
        page.locator("nav a[href^='/public/agenda']").first.click()
        assert "/public/agenda" in page.url
        assert page.locator("main a[href*='/public/recommendations/']").count() > 0
        assert elsewhere == []
        assert context.cookies() == []
    finally:
        context.close()


def test_a_visitor_reads_the_agenda_a_trace_and_takes_the_open_data(browser, live_server, public_paths):
    context = browser.new_context(base_url=live_server, accept_downloads=True, locale="en")
    page = context.new_page()
    try:
        page.goto("/public/agenda?lang=en")
        page.locator("main a[href*='/public/recommendations/']").first.click()
        assert "/public/recommendations/" in page.url
        page.goto(public_paths[3] + "?lang=en")
        text = page.locator("main").inner_text()
        assert any(level in text for level in ("Not started", "Limited", "Substantial", "Complete"))
        page.goto("/public/data?lang=en")
        for name in ("recommendations.csv", "recommendations.json", "deliverables.csv", "deliverables.json"):
            assert page.locator(f"a[href*='{name}']").count() >= 1, name
        feed = context.request.get("/public/feed.atom")
        assert feed.ok and "<feed" in feed.text()
        assert context.cookies() == []
    finally:
        context.close()


def test_an_unpublished_recommendation_leaves_the_portal_at_the_next_request(browser, live_server, public_paths):
    """A coordinator unpublishes through the members' page; the public's next request no longer finds it."""
    recommendation = public_paths[3]
    rec_id = int(recommendation.rsplit("/", 1)[1])
    public = browser.new_context(base_url=live_server)
    coordinator = browser.new_context(base_url=live_server, locale="es-MX")
    try:
        assert public.request.get(recommendation).status == 200
        page = coordinator.new_page()
        log_in(page, "coordinator@example.org")
        page.goto(f"/recommendations/{rec_id}")
        box = page.locator("input[name=published]")
        assert box.is_checked()
        box.uncheck()
        page.locator("input[name=published]").locator("xpath=ancestor::form").locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert public.request.get(recommendation).status == 404
        mentioned = re.compile(rf"/public/recommendations/{rec_id}(?!\d)")
        for path in ("/public/agenda", "/public/data/recommendations.csv", "/public/feed.atom", "/sitemap.xml"):
            assert not mentioned.search(public.request.get(path).text()), path
        # Put it back for the other tests.
        page.goto(f"/recommendations/{rec_id}")
        page.locator("input[name=published]").check()
        page.locator("input[name=published]").locator("xpath=ancestor::form").locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert public.request.get(recommendation).status == 200
    finally:
        public.close()
        coordinator.close()
