"""A lead codes contributions from the queue by keyboard, in a real browser; the queue has no serious or
critical accessibility violation in either language."""
from __future__ import annotations

import socket
import threading

import pytest
import sqlalchemy as sa

from tests.e2e.conftest import CHROMIUM, PASSWORD, _browser_missing, log_in
from tests.e2e.test_accessibility import violations
from tests.conftest import IN_CI

pytestmark = pytest.mark.e2e
SLUG = "consulta-teclado"


@pytest.fixture(scope="module")
def coding_server(tmp_path_factory):
    """The demo coalition plus a consultation of the ethics group with three themes and four contributions."""
    missing = _browser_missing()
    if missing:
        if IN_CI:
            pytest.fail(f"browser tests need Chromium and CI=true: {missing}")
        pytest.skip(missing)
    import flask_migrate
    from werkzeug.serving import make_server

    from coalition import create_app
    from coalition.demo.seed import seed_demo
    from coalition.extensions import db
    from tests.analysis import factories as consult

    path = tmp_path_factory.mktemp("e2e-coding") / "coalition.db"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "WTF_CSRF_ENABLED": True,
                                 "SERVER_NAME": None})
    app.instance_path = str(tmp_path_factory.mktemp("e2e-coding-instance"))
    with app.app_context():
        flask_migrate.upgrade()
        seed_demo(1, password=PASSWORD)
        consultation = consult.consultation(("ethics",), slug=SLUG)
        rec = consult.recommendation()
        consult.put_up_for_comment(consultation, rec)
        for name in ("Educación", "Salud", "Empleo"):
            consult.theme(consultation, name)
        for n in range(4):
            consult.contribution(consultation, f"Opinión número {n}", comment=(rec, "Comentario"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture(scope="module")
def chromium(coding_server, browser):
    # The session's browser: a second sync Playwright cannot run inside the first one's event loop.
    return browser


def _page(chromium, base, language="es"):
    context = chromium.new_context(base_url=base, bypass_csp=True, locale=language)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def shown_id(page) -> str:
    return page.locator("input[name=contribution_id]").get_attribute("value")


def test_a_lead_codes_by_keyboard_and_moves_on(coding_server, chromium):
    app, base = coding_server
    context, page = _page(chromium, base)
    try:
        log_in(page, "lead@example.org")
        page.goto(f"/consultations/{SLUG}/coding?lang=es")
        assert page.locator("#coding-progress").inner_text().startswith("0 de 4")
        page.keyboard.press("?")
        assert page.locator("#coding-help").is_visible()
        first = shown_id(page)
        page.keyboard.press("1")
        page.keyboard.press("3")
        assert page.locator("input[data-key='1']").is_checked() and page.locator("input[data-key='3']").is_checked()
        page.keyboard.press("3")  # untick
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: f"after={first}" in url)
        assert page.locator("#coding-progress").inner_text().startswith("1 de 4")
        second = shown_id(page)
        assert second != first
        page.keyboard.press("s")
        page.wait_for_url(lambda url: f"after={second}" in url)
        assert shown_id(page) not in (first, second)
        assert page.locator("#coding-progress").inner_text().startswith("1 de 4")
    finally:
        context.close()

    from coalition.consultations.models import Coding, Consultation, Theme
    from coalition.extensions import db

    with app.app_context():
        rows = db.session.execute(sa.select(Coding.contribution_id, Theme.name_es)
                                  .join(Theme, Theme.id == Coding.theme_id)
                                  .join(Consultation, Consultation.id == Theme.consultation_id)
                                  .where(Consultation.slug == SLUG)).all()
        db.session.remove()
    assert rows == [(int(first), "Educación")]


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_coding_queue_has_no_serious_accessibility_violation(coding_server, chromium, language):
    _app, base = coding_server
    context, page = _page(chromium, base, language)
    try:
        log_in(page, "lead@example.org")
        for path in (f"/consultations/{SLUG}/coding", f"/consultations/{SLUG}/contributions",
                     f"/consultations/{SLUG}/figures"):
            response = page.goto(f"{path}?lang={language}")
            assert response.status == 200
            if "coding" in path:
                page.keyboard.press("?")
            assert violations(page) == [], path
    finally:
        context.close()


def test_the_queue_fits_a_phone_without_sideways_scroll(coding_server, chromium):
    _app, base = coding_server
    context = chromium.new_context(base_url=base, viewport={"width": 375, "height": 740}, locale="es")
    page = context.new_page()
    try:
        log_in(page, "lead@example.org")
        page.goto(f"/consultations/{SLUG}/coding")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()
