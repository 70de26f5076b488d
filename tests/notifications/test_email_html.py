"""Every e-mail kind, in both languages, is HTML that survives mail clients: valid per the Nu Html Checker,
inline styles only, nothing loaded from elsewhere, alt text on any image, and a readable text part."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from coalition import create_app
from coalition.extensions import db
from tests.notifications.emails import KINDS, LANGUAGES, every_email, make_digests_due
from tests.test_html_valid import vnu  # noqa: F401  (the checker's command, or a skip)


@pytest.fixture(scope="module")
def rendered(template_db, tmp_path_factory) -> dict[tuple[str, str], tuple[str, str, str]]:
    """(kind, language) -> (subject, text, HTML), from the demo coalition."""
    from coalition.demo.seed import seed_demo

    path = tmp_path_factory.mktemp("emails") / "coalition.db"
    shutil.copy(template_db, path)
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SERVER_NAME": None})
    with app.app_context():
        seed_demo(1, password="coalition-demo")
        make_digests_due()
        found = {(kind, language): email for language in LANGUAGES
                 for kind, email in every_email(language).items()}
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
    return found


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_every_kind_is_rendered_in_both_languages(rendered):
    assert sorted(rendered) == sorted((kind, language) for kind in KINDS for language in LANGUAGES)


@pytest.mark.parametrize("kind", KINDS)
def test_the_html_uses_inline_styles_only_and_loads_nothing(rendered, kind):
    for language in LANGUAGES:
        subject, text, html = rendered[(kind, language)]
        parser = Tags()
        parser.feed(html)
        names = [tag for tag, _attrs in parser.tags]
        assert "style" not in names and "link" not in names and "script" not in names, (kind, language)
        assert not [attrs for _tag, attrs in parser.tags if "class" in attrs], "mail clients drop style sheets"
        assert all(attrs.get("alt") for tag, attrs in parser.tags if tag == "img"), "every image has alt text"
        assert not [attrs for _tag, attrs in parser.tags if "src" in attrs or "srcset" in attrs], \
            "nothing is loaded from elsewhere"
        # One column that narrows: no fixed width wider than a 320 px phone.
        widths = [int(w) for w in re.findall(r"(?<![-\w])width:\s*(\d+)px", html)]
        assert all(w <= 320 for w in widths), (kind, widths)
        assert ("max-width:600px" in html) and ('width="' not in html), kind
        assert f"<title>{subject.replace('&', '&amp;')}" in html or "<title>" in html
        # A readable text part: no markup, and something in it.
        assert text.strip() and not re.search(r"</?(p|a|li|ul|table|td|br)\b", text), (kind, language)


def test_every_kind_is_valid_html_per_the_nu_checker(vnu, rendered, tmp_path):  # noqa: F811
    files = {}
    for (kind, language), (_subject, _text, html) in sorted(rendered.items()):
        path = tmp_path / f"{kind}.{language}.html"
        path.write_text(html, encoding="utf-8")
        files[path.name] = f"{kind} ({language})"
    result = subprocess.run([*vnu, *(str(tmp_path / name) for name in files)], check=False, capture_output=True,
                            text=True, timeout=600)
    report = json.loads(result.stderr)
    problems = [f"{files.get(message.get('url', '').rsplit('/', 1)[-1], message.get('url'))}: {message['type']}: "
                f"{message.get('message')} (line {message.get('lastLine')}: {message.get('extract', '').strip()[:100]})"
                for message in report["messages"]
                if message["type"] != "info" or message.get("subType") == "warning"]
    assert not problems, "\n".join(problems)
