"""Someone with no account answers an open consultation on a phone and gets a receipt (issue 13, "done when" 1).

The coordinator first creates and publishes the consultation through the pages, as a person would.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import log_in, shot
from tests.e2e.test_accessibility import violations

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 740}


def local(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("America/Mexico_City")).strftime("%Y-%m-%dT%H:%M")


def publish_a_consultation(browser, live_server) -> str:
    slug = f"e2e-{secrets.token_hex(3)}"
    context = browser.new_context(base_url=live_server, locale="es-MX")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, "coordinator@example.org")
        page.goto("/consultations/new")
        page.fill("input[name=slug]", slug)
        page.fill("input[name=title_es]", "Principios de IA para el gobierno")
        page.fill("input[name=title_en]", "AI principles for government")
        page.fill("textarea[name=description_es]", "Queremos saber qué piensas de los **principios**.")
        page.select_option("select[name=kind]", "questions")
        now = datetime.now(ZoneInfo("UTC"))
        page.fill("input[name=opens_at]", local(now - timedelta(days=1)))
        page.fill("input[name=closes_at]", local(now + timedelta(days=30)))
        page.locator("main button[type=submit]").click()
        page.wait_for_url(f"**/consultations/{slug}/questions")
        page.fill("textarea[name=prompt_es]", "¿Qué principio importa más?")
        page.fill("textarea[name=prompt_en]", "Which principle matters most?")
        page.check("input[name=required]")
        page.locator("main form button[type=submit]").last.click()
        page.wait_for_url(f"**/consultations/{slug}/questions")
        page.select_option("select[name=kind]", "single")
        page.fill("textarea[name=prompt_es]", "¿Debe regularse la IA de alto riesgo?")
        page.fill("textarea[name=prompt_en]", "Should high-risk AI be regulated?")
        page.fill("textarea[name=choices_es]", "Sí\nNo")
        page.fill("textarea[name=choices_en]", "Yes\nNo")
        page.locator("main form button[type=submit]").last.click()
        page.wait_for_url(f"**/consultations/{slug}/questions")
        page.goto(f"/consultations/{slug}")
        page.locator("form[action$='/phase']:has(input[value=open]) button").click()
        page.wait_for_url(f"**/consultations/{slug}")
        assert page.locator("textarea[name=q1]").count() == 1
    finally:
        context.close()
    return slug


def test_someone_without_an_account_answers_on_a_phone_and_gets_a_receipt(browser, live_server):
    slug = publish_a_consultation(browser, live_server)
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="es-MX", bypass_csp=True,
                                  is_mobile=True, has_touch=True, java_script_enabled=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"/consultations/{slug}")
        assert violations(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        # A bot would fill this; a person never sees it.
        assert not page.locator("input[name=website]").is_visible()
        page.fill("textarea[name=q1]", "La transparencia: saber cuándo decide un algoritmo.")
        page.check("input[name=q2][value='1']")
        page.select_option("select[name=sector]", "civil_society")
        page.select_option("select[name=state]", "OAX")
        page.select_option("select[name=age_band]", "30_44")
        page.check("input[name=consent]")
        shot(page, "consultation-form-phone")
        page.locator("form[method=post] button[type=submit]").last.click()
        page.wait_for_url("**/receipts/*")
        assert page.locator("h1").inner_text().startswith("Comprobante")
        assert "Recibida" in page.locator("main").inner_text()
        assert "La transparencia" not in page.content()
        assert violations(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(page, "consultation-receipt-phone")
    finally:
        context.close()


def test_a_missing_answer_is_shown_beside_its_field_and_nothing_typed_is_lost(browser, live_server):
    slug = publish_a_consultation(browser, live_server)
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="en", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"/consultations/{slug}?lang=en")
        page.fill("input[name=gender]", "non-binary")
        page.check("input[name=consent]")
        # The form says novalidate: the server, not the browser, checks it (and works without JavaScript).
        page.locator("form[method=post] button[type=submit]").last.click()
        page.wait_for_load_state()
        assert page.locator("#q1-error").is_visible() and page.locator("#sector-error").is_visible()
        assert page.input_value("input[name=gender]") == "non-binary"
        assert violations(page) == []
    finally:
        context.close()
