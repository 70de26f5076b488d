"""Every e-mail kind opened in Chromium at phone width, in both languages: nothing wider than a 320 px
screen, every image with alt text; the Spanish one photographed at phone width. The photographs go to
docs/EMAILS.md's folder (docs/emails/<kind>.png) when UPDATE_EMAIL_DOCS=1, so that an ordinary run leaves
the repository as it found it (the demo's dates, and so the pictures, move every day)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.notifications.emails import KINDS, LANGUAGES, every_email, make_digests_due

DOCS = Path(__file__).resolve().parents[2] / "docs" / "emails"
PHONE = {"width": 360, "height": 740}
NARROWEST = 320

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def emails(live_database):
    """(kind, language) -> (subject, text, HTML), rendered from the live server's demo coalition (left unchanged)."""
    from coalition import create_app
    from coalition.extensions import db

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{live_database}", "SERVER_NAME": None})
    with app.app_context():
        try:
            make_digests_due()
            return {(kind, language): email for language in LANGUAGES
                    for kind, email in every_email(language).items()}
        finally:
            db.session.rollback()
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize("kind", KINDS)
def test_each_email_fits_a_phone_and_is_photographed_for_the_docs(browser, emails, kind, tmp_path):
    folder = DOCS if os.environ.get("UPDATE_EMAIL_DOCS") == "1" else tmp_path
    for language in LANGUAGES:
        context = browser.new_context(viewport={"width": NARROWEST, "height": PHONE["height"]},
                                      java_script_enabled=True, offline=True)
        page = context.new_page()
        try:
            page.set_content(emails[(kind, language)][2], wait_until="load")
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{kind} ({language}) is {overflow} px wider than a {NARROWEST} px screen"
            assert page.evaluate("[...document.images].every(i => i.alt)"), kind
            if language == "es":
                page.set_viewport_size(PHONE)
                folder.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(folder / f"{kind}.png"), full_page=True)
                assert (folder / f"{kind}.png").stat().st_size > 1000
        finally:
            context.close()
