"""The recommendation page in a real browser: drafted and decided through the forms, then axe in es and en."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import log_in, shot
from tests.e2e.test_accessibility import violations

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def recommendation_path(browser, live_server):
    """A recommendation drafted, adopted and published by the admin through the pages themselves."""
    context = browser.new_context(base_url=live_server, locale="en")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, "admin@example.org")
        page.goto("/recommendations/new?lang=en")
        page.select_option("select[name=group]", "ethics")
        page.select_option("select[name=area]", "ethics")
        page.select_option("select[name=horizon]", "medium")
        page.fill("input[name=title_es]", "Evaluaciones de impacto algorítmico")
        page.fill("input[name=title_en]", "Algorithmic impact assessments")
        page.fill("textarea[name=text_es]", "Toda dependencia que adopte un sistema de IA **publica** su evaluación.")
        page.click("main form button[type=submit]")
        page.wait_for_url(lambda url: "/recommendations/new" not in url)
        path = page.url.split(live_server, 1)[1].split("?")[0]
        page.select_option("select[name=state]", "adopted")
        page.fill("textarea[name=answer_es]", "La coalición la adopta en su agenda.")
        page.check("input[name=published]")
        page.click("form[action$='/decision'] button[type=submit]")
        page.wait_for_load_state()
        assert page.locator("text=La coalición la adopta en su agenda.").count() >= 1
        yield path
    finally:
        context.close()


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_recommendation_page_has_no_serious_accessibility_violation(browser, live_server, recommendation_path,
                                                                        language):
    context = browser.new_context(base_url=live_server, bypass_csp=True, locale=language)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, "admin@example.org")
        for path in (recommendation_path, "/recommendations", "/recommendations/new",
                     f"{recommendation_path}/edit"):
            response = page.goto(f"{path}?lang={language}")
            assert response.status == 200, path
            assert violations(page) == [], path
    finally:
        context.close()


def test_the_recommendation_page_fits_a_phone(browser, live_server, recommendation_path):
    context = browser.new_context(base_url=live_server, viewport={"width": 375, "height": 740}, locale="es-MX")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, "admin@example.org")
        for path in (recommendation_path, "/recommendations"):
            page.goto(path)
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, (path, overflow)
        shot(page, "recommendations-phone")
    finally:
        context.close()
