"""The key flows, in a real Chromium: a member, a lead, a coordinator, anyone's settings; by keyboard
and on a phone."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import log_in, shot

pytestmark = pytest.mark.e2e


def open_first_deliverable_of(page, group_slug: str) -> str:
    page.goto(f"/groups/{group_slug}")
    page.locator("main a[href^='/deliverables/']").first.click()
    page.wait_for_url(re.compile(r"/deliverables/\d+$"))
    return page.url


def test_a_member_updates_a_deliverable_of_their_group_and_not_another_groups(page):
    log_in(page, "member@example.org")
    open_first_deliverable_of(page, "ethics")
    page.select_option("select[name=status]", "in_progress")
    page.fill("input[name=progress]", "65")
    page.fill("textarea[name=note]", "Avance revisado con el grupo en el navegador")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Guardar actualización|Save update")).click()

    assert page.get_by_text("Avance revisado con el grupo en el navegador").first.is_visible()
    shot(page, "member-update-saved")
    open_first_deliverable_of(page, "governance")
    assert page.locator("textarea[name=note]").count() == 0  # no form on another group's work
    shot(page, "member-other-group-read-only")


def test_a_lead_schedules_a_meeting_records_attendance_and_minutes_and_gets_the_ics(page):
    log_in(page, "lead@example.org")
    page.goto("/groups/ethics/meetings/new")
    # It began two hours ago (the page works in Mexico City time): so it can be marked as held at once.
    starts = datetime.now(ZoneInfo("America/Mexico_City")) - timedelta(hours=2)
    page.fill("input[name=title]", "Sesión de prueba en navegador")
    page.fill("input[name=starts_at]", starts.strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=location]", "Sala virtual")
    page.fill("textarea[name=agenda]", "1. Bienvenida\n2. Avances")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/meetings/\d+$"))
    shot(page, "lead-meeting-created")
    with page.expect_download() as download:
        page.get_by_text(re.compile(r"\.ics")).click()
    calendar = download.value.path().read_text()
    assert "BEGIN:VCALENDAR" in calendar and "Sesión de prueba en navegador" in calendar

    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Marcar como realizada|Mark as held")).click()

    first_status = page.locator("select[name^=status-]").first
    first_status.select_option("attended")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Guardar asistencia|Save attendance")).click()

    page.fill("textarea[name=body]", "## Minuta\n\nSe acordó publicar la guía.")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Guardar minuta|Save minutes")).click()

    assert page.locator(".markdown-body h2", has_text="Minuta").first.is_visible()
    shot(page, "lead-minutes-saved")


def test_a_coordinator_filters_the_dashboard_by_sector_and_exports_a_csv(page):
    log_in(page, "coordinator@example.org")
    page.goto("/dashboard")
    assert page.locator("svg[role=img]").count() >= 6
    page.select_option("#filter-sector", "academia")
    page.get_by_role("button", name=re.compile("Aplicar|Apply")).click()
    page.wait_for_url(re.compile(r"sector=academia"))
    shot(page, "coordinator-dashboard-academia")
    with page.expect_download() as download:
        page.locator("a[href*='/dashboard/balance.csv']").first.click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith(("Grupo", "Group"))


def test_a_person_switches_language_changes_digest_settings_and_logs_out(page):
    log_in(page, "member@example.org")
    page.goto("/settings")
    page.select_option("select[name=language]", "en")
    page.select_option("select[name=digest_frequency]", "daily")
    page.select_option("select[name=digest_hour]", "7")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Guardar configuración|Save settings")).click()

    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("select[name=digest_frequency]").input_value() == "daily"
    shot(page, "settings-in-english")
    page.get_by_role("button", name="Log out", exact=True).click()
    page.wait_for_url(re.compile(r"/login"))
    assert page.goto("/settings").url.endswith("/login?next=%2Fsettings") or "/login" in page.url


def test_the_keyboard_alone_logs_in_and_posts_an_update(page):
    page.goto("/login")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className").find("skip-link") >= 0
    page.focus("input[name=email]")
    page.keyboard.type("member@example.org")
    page.keyboard.press("Tab")
    page.keyboard.type("coalition-demo")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)
    open_first_deliverable_of(page, "ethics")
    page.focus("textarea[name=note]")
    page.keyboard.type("Escrito solo con el teclado")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.outerHTML")
    while "submit" not in focused:
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.outerHTML")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("Escrito solo con el teclado").first.is_visible()


@pytest.mark.parametrize("path", ["/", "/groups/ethics", "/deliverables", "/meetings", "/dashboard", "/settings",
                                  "/institutions"])
def test_on_a_phone_nothing_scrolls_sideways(browser, live_server, path):
    context = browser.new_context(base_url=live_server, viewport={"width": 375, "height": 812},
                                  is_mobile=True, has_touch=True, device_scale_factor=2)
    page = context.new_page()
    try:
        log_in(page, "coordinator@example.org")
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        shot(page, "phone" + path.replace("/", "-"))
        assert overflow <= 0, (path, overflow)
    finally:
        context.close()
