"""A real browser (Debian's Chromium driven by Playwright) against the app on a real server.

The server is werkzeug's threaded server on loopback, serving a fresh SQLite file with the demo
coalition. Without Chromium these tests skip with a message, and fail when CI=true.
"""
from __future__ import annotations

import os
import shutil
import socket
import threading
from pathlib import Path

import pytest

from tests.conftest import IN_CI

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
AXE = Path(__file__).with_name("vendor") / "axe.min.js"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]
PASSWORD = "coalition-demo"
# Where the live server keeps its SQLite file, for tests that check what it wrote (its outbox).
LIVE: dict[str, Path] = {}


def _browser_missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The demo coalition served on 127.0.0.1 at a free port; its base URL."""
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

    path = tmp_path_factory.mktemp("e2e") / "coalition.db"
    LIVE["database"] = path
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "WTF_CSRF_ENABLED": True,
                                 "SERVER_NAME": None})
    app.instance_path = str(tmp_path_factory.mktemp("e2e-instance"))
    with app.app_context():
        flask_migrate.upgrade()
        seed_demo(1, password=PASSWORD)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture(scope="session")
def live_database(live_server) -> Path:
    """The live server's SQLite file, for a test to check what the server wrote (its outbox)."""
    return LIVE["database"]


@pytest.fixture(scope="session")
def browser(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server, request):
    """A fresh browser context per test; a screenshot of the last state is kept in tests/artifacts/."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900},
                                  accept_downloads=True, locale="es-MX")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    finally:
        context.close()


def log_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def shot(page, name: str) -> None:
    """Keep a picture of a step, to look at when a scenario fails (or to show the product)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
