"""axe-core on every page, in Spanish or in English: no serious or critical violation.

A page's structure (landmarks, labels, headings, contrast) is one template whatever the language, so each
page is audited once, the languages alternating down the list: both are audited on every kind of page
(lists, details, forms, dashboards) at half the cost of auditing each page twice.
"""
from __future__ import annotations

import pytest

from tests.e2e.conftest import AXE, log_in

pytestmark = pytest.mark.e2e

ANONYMOUS_PAGES = ["/login", "/password/forgot"]
PAGES = ["/", "/groups", "/groups/ethics", "/groups/ethics/dashboard", "/institutions", "/institutions/1",
         "/deliverables", "/deliverables/1", "/meetings", "/meetings/1", "/dashboard",
         "/dashboard?sector=academia", "/settings", "/admin/users", "/admin/users/1", "/admin/audit",
         "/invitations/new", "/groups/ethics/deliverables/new", "/groups/ethics/meetings/new",
         "/institutions/new", "/reauthenticate",
         # Issue 15: the map, a chapter, instruments and engagements, and their forms.
         "/states", "/states?measure=members_per_million", "/states/jal", "/states/abroad", "/instruments",
         "/instruments/1", "/instruments/new", "/engagements", "/engagements/1", "/engagements/new",
         "/instruments/import",
         # Issue 16 and 18: the coordinators' home (the admin's "/" above), the digest's preview and settings.
         "/settings/digest"]


def violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
    }""")
    return result


@pytest.fixture(scope="module")
def audited(browser, live_server):
    """One context per language, the admin logged in; axe needs its script injected, hence bypass_csp."""
    contexts = {}
    for language in ("es", "en"):
        context = browser.new_context(base_url=live_server, bypass_csp=True, locale=language)
        page = context.new_page()
        page.set_default_timeout(15_000)
        log_in(page, "admin@example.org")
        contexts[language] = (context, page)
    yield contexts
    for context, _page in contexts.values():
        context.close()


@pytest.mark.parametrize("path,language", [(path, ("es", "en")[index % 2]) for index, path in enumerate(PAGES)])
def test_every_page_has_no_serious_accessibility_violation(audited, path, language):
    _context, page = audited[language]
    separator = "&" if "?" in path else "?"
    response = page.goto(f"{path}{separator}lang={language}")
    assert response.status == 200, (path, response.status)
    assert page.locator("html").get_attribute("lang") == language
    assert violations(page) == [], path


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_pages_before_login_have_no_serious_accessibility_violation(browser, live_server, path, language):
    context = browser.new_context(base_url=live_server, bypass_csp=True, locale=language)
    page = context.new_page()
    try:
        page.goto(f"{path}?lang={language}")
        assert violations(page) == [], path
    finally:
        context.close()


def test_errors_beside_fields_are_announced(browser, live_server):
    context = browser.new_context(base_url=live_server, bypass_csp=True)
    page = context.new_page()
    try:
        page.goto("/login")
        page.fill("input[name=email]", "nadie@example.org")
        page.fill("input[name=password]", "no-es-la-clave")
        page.locator("main button[type=submit]").click()
        page.wait_for_load_state()
        error = page.locator("#password-error")
        assert error.get_attribute("role") == "alert"
        assert "password-error" in (page.locator("input[name=password]").get_attribute("aria-describedby") or "")
        assert violations(page) == []
    finally:
        context.close()
