"""Issue 15's "done when", in a real browser on the demo coalition: a coordinator records the Jalisco state
AI strategy, Jalisco's liaison records a state forum where three member institutions presented the
coalition's position, the coordinator links two recommendations to the strategy; Jalisco's page, the map,
both recommendations, the portal and the followers' e-mail show it in both languages; another state's
liaison cannot touch Jalisco's records."""
from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import pytest

from tests.e2e.conftest import log_in, shot

pytestmark = pytest.mark.e2e

TITLE_ES = "Estrategia Estatal de IA de Jalisco (actualización 2026)"
TITLE_EN = "Jalisco State AI Strategy (2026 update)"
FORUM = "Foro estatal de IA en el Congreso de Jalisco"


DATABASE: list = []


def query(sql: str, *args) -> list[tuple]:
    with sqlite3.connect(DATABASE[0]) as connection:
        return connection.execute(sql, args).fetchall()


def execute(sql: str, *args) -> None:
    with sqlite3.connect(DATABASE[0]) as connection:
        connection.execute(sql, args)


def test_jalisco_strategy_from_record_to_portal_and_mail(browser, live_server, live_database):
    DATABASE[:] = [live_database]
    # A follower who reads English: the lead follows Jalisco (set up directly: following is not the journey).
    lead = query("SELECT id FROM users WHERE email = 'lead@example.org'")[0][0]
    execute("UPDATE users SET language = 'en' WHERE id = ?", lead)
    execute("INSERT INTO policy_follows (user_id, state, created_at) VALUES (?, 'JAL', '2026-01-01 00:00:00')", lead)
    recommendations = [row[0] for row in query(
        "SELECT id FROM recommendations WHERE published = 1 AND state = 'adopted' ORDER BY id LIMIT 2")]
    assert len(recommendations) == 2
    institutions = [row[0] for row in query(
        "SELECT id FROM institutions WHERE state = 'JAL' AND active = 1 ORDER BY id LIMIT 3")]
    assert len(institutions) == 3
    other_liaison = query("SELECT u.email FROM state_liaisons l JOIN users u ON u.id = l.user_id "
                          "WHERE l.state <> 'JAL' ORDER BY l.id LIMIT 1")[0][0]
    approved_on = (date.today() - timedelta(days=3)).isoformat()

    # 1. The coordinator records the strategy, and its approval.
    coordinator = browser.new_context(base_url=live_server, locale="es-MX")
    page = coordinator.new_page()
    log_in(page, "coordinator@example.org")
    page.goto("/instruments/new")
    page.select_option("select[name=kind]", "strategy")
    page.select_option("select[name=jurisdiction]", "JAL")
    page.select_option("select[name=branch]", "executive")
    page.fill("input[name=title_es]", TITLE_ES)
    page.fill("input[name=title_en]", TITLE_EN)
    page.fill("textarea[name=summary_es]", "La hoja de ruta del estado para la IA.")
    page.fill("input[name=source_url]", "https://jalisco.gob.mx/estrategia-ia")
    page.click("main form button[type=submit]:has-text('Guardar')")
    page.wait_for_url("**/instruments/*")
    instrument = int(page.url.rstrip("/").split("/")[-1].split("#")[0])
    stage_form = page.locator(f"form[action='/instruments/{instrument}/stages']")
    stage_form.locator("select[name=stage]").select_option("approved")
    stage_form.locator("input[name=on]").fill(approved_on)
    stage_form.locator("button[type=submit]").click()
    page.wait_for_url(f"**/instruments/{instrument}#stages")
    assert "Aprobad" in page.locator("#stages").inner_text()

    # 2. Jalisco's liaison records a state forum where three institutions presented the position.
    liaison = browser.new_context(base_url=live_server, locale="es-MX")
    liaison_page = liaison.new_page()
    log_in(liaison_page, "liaison@example.org")
    liaison_page.goto(f"/engagements/new?instrument={instrument}&state=JAL")
    liaison_page.select_option("select[name=kind]", "forum")
    liaison_page.fill("input[name=title]", FORUM)
    liaison_page.fill("input[name=held_on]", date.today().isoformat())
    liaison_page.select_option("select[name=jurisdiction]", "JAL")
    liaison_page.fill("input[name=body]", "Congreso del Estado de Jalisco")
    liaison_page.select_option("select[name=institution_ids]", [str(i) for i in institutions])
    liaison_page.fill("textarea[name=position]", "La coalición propone **principios éticos** vinculantes.")
    liaison_page.click("main form button[type=submit]:has-text('Guardar')")
    liaison_page.wait_for_url("**/engagements/*")
    engagement = int(liaison_page.url.rstrip("/").split("/")[-1].split("#")[0])
    assert liaison_page.locator("main").inner_text().count("\n") > 3
    assert query("SELECT count(*) FROM policy_engagement_institutions WHERE engagement_id = ?",
                 engagement)[0][0] == 3
    shot(liaison_page, "policy-journey-engagement")

    # The coordinator approves the position as the coalition's voice and publishes the forum.
    page.goto(f"/engagements/{engagement}")
    page.click(f"form[action='/engagements/{engagement}/approve'] button[type=submit]")
    page.wait_for_url(f"**/engagements/{engagement}*")
    page.click(f"form[action='/engagements/{engagement}/publish'] button[type=submit]")
    page.wait_for_url(f"**/engagements/{engagement}*")
    assert query("SELECT position_approved_at IS NOT NULL, published FROM policy_engagements WHERE id = ?",
                 engagement)[0] == (1, 1)

    # 3. The coordinator links two recommendations, partial and adopted, with evidence; and publishes.
    for recommendation, degree in zip(recommendations, ("partial", "adopted")):
        page.goto(f"/instruments/{instrument}")
        page.click("#uptakes summary")
        form = page.locator(f"form[action='/instruments/{instrument}/uptakes']")
        form.locator("select[name=recommendation_id]").select_option(str(recommendation))
        form.locator("select[name=degree]").select_option(degree)
        form.locator("input[name=evidence_url]").fill(f"https://periodicooficial.jalisco.gob.mx/ia#{degree}")
        form.locator("textarea[name=quote]").fill("El estado adopta los principios propuestos.")
        form.locator("button[type=submit]").click()
        page.wait_for_url(f"**/instruments/{instrument}#uptakes")
    page.click(f"form[action='/instruments/{instrument}/publish'] button[type=submit]")
    page.wait_for_url(f"**/instruments/{instrument}*")
    uptakes = page.locator("#uptakes").inner_text()
    assert "Adoptada en parte" in uptakes and uptakes.count("Adoptada") >= 2
    shot(page, "policy-journey-instrument")

    # 4. Jalisco's page, the map, both recommendations and the portal show it, in both languages.
    page.goto("/states/jal")
    chapter = page.locator("main").inner_text()
    assert TITLE_ES in chapter and FORUM in chapter
    page.goto("/states/jal?lang=en")
    assert TITLE_EN in page.locator("main").inner_text()
    page.goto("/states?measure=instruments")
    assert page.locator("svg.mx-map a[data-state=JAL] title").count() == 1
    assert "Jalisco" in page.locator("svg.mx-map a[data-state=JAL] title").text_content()
    for recommendation in recommendations:
        page.goto(f"/recommendations/{recommendation}")
        assert TITLE_ES in page.locator("main").inner_text()
    anonymous = browser.new_context(base_url=live_server, locale="es-MX")
    public = anonymous.new_page()
    for recommendation in recommendations:
        for language, title in (("es", TITLE_ES), ("en", TITLE_EN)):
            response = public.goto(f"/public/recommendations/{recommendation}?lang={language}")
            assert response.status == 200 and title in public.locator("main").inner_text()
    public.goto(f"/public/instruments/{instrument}?lang=en")
    text = public.locator("main").inner_text()
    assert TITLE_EN in text and "Partially adopted" in text and "Adopted" in text
    public.goto("/public/states/jal")
    text = public.locator("main").inner_text()
    assert TITLE_ES in text and FORUM in text and "principios éticos" in text
    assert not anonymous.cookies(), "the portal set a cookie"
    shot(public, "policy-journey-portal-state")

    # The followers' e-mail: one policy-update per event, in each follower's language.
    member_mail = query("SELECT subject FROM outbox_messages WHERE kind = 'policy-update' AND recipient = "
                        "'member@example.org' ORDER BY id")
    lead_mail = query("SELECT subject, text_body FROM outbox_messages WHERE kind = 'policy-update' AND recipient = "
                      "'lead@example.org' ORDER BY id")
    # The stage, the forum and the two uptakes: four events Jalisco's followers hear of.
    assert len(member_mail) == 4 and len(lead_mail) == 4
    assert any(TITLE_ES in subject and "Novedad" in subject for (subject,) in member_mail)
    assert any(TITLE_EN in subject and subject.startswith("Policy update") for subject, _ in lead_mail)
    assert any(FORUM in subject for subject, _ in lead_mail)
    assert all(f"/instruments/{instrument}" in body or f"/engagements/{engagement}" in body
               for _, body in lead_mail)

    # 5. Another state's liaison cannot edit Jalisco's records.
    intruder = browser.new_context(base_url=live_server, locale="es-MX")
    intruder_page = intruder.new_page()
    log_in(intruder_page, other_liaison)
    assert intruder_page.goto(f"/instruments/{instrument}/edit").status == 403
    assert intruder_page.goto(f"/engagements/{engagement}/edit").status == 403
    intruder_page.goto(f"/instruments/{instrument}")
    assert intruder_page.locator(f"form[action='/instruments/{instrument}/stages']").count() == 0
    for context in (coordinator, liaison, anonymous, intruder):
        context.close()
