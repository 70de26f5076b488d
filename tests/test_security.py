"""What a hostile visitor tries first: script in every field, redirects elsewhere, forms without
CSRF tokens, weak cookies, a dead database, and arbitrary input to the services."""
from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coalition import create_app
from coalition.deliverables import services as deliverables
from coalition.deliverables.models import Deliverable, DeliverableUpdate, Milestone
from coalition.errors import DomainError
from coalition.extensions import db
from coalition.meetings.models import ActionItem, Decision, MinutesRevision
from coalition.notifications.digests import queue_digests
from coalition.notifications.models import OutboxMessage
from coalition.notifications.reminders import queue_reminders
from tests import factories
from tests.conftest import IsolatedClient, csrf_token, login, post_form
from tests.test_permissions_matrix import RULES, fresh_world

SCRIPT = '<script>alert("xss")</script>'
IMAGE = '<img src=x onerror=alert(1)>'
PAYLOAD = f"{SCRIPT}{IMAGE}"
MARKDOWN = f'{PAYLOAD}\n\n[click](javascript:alert(1)) <a href="javascript:alert(2)">x</a>'


class Elements(HTMLParser):
    """Every element and attribute as a browser would parse them."""

    def __init__(self, html: str):
        super().__init__()
        self.found: list[tuple[str, list]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))


def assert_inert(html: str, where: str) -> None:
    assert SCRIPT not in html and "<img src=x" not in html, where
    for tag, attrs in Elements(html).found:
        assert not (tag == "img" and dict(attrs).get("src") == "x"), where
        for name, value in attrs:
            assert not name.startswith("on"), (where, tag, name)
            if name in ("href", "src", "action") and value:
                assert not value.strip().lower().startswith(("javascript:", "data:")), (where, tag, value)


def hostile_world():
    """Every field a person can write, filled with script, shown on pages and in email."""
    institution = factories.institution(name=f"Instituto {PAYLOAD}", acronym="<b>X</b>",
                                        description=MARKDOWN, website="javascript:alert(1)")
    owner = factories.user(name=f"Ana {PAYLOAD}", groups={"ethics": "lead"}, institution_id=institution.id,
                           language="en")
    coordinator = factories.user(role="coordinator", name=f"Coord {PAYLOAD}")
    item = factories.deliverable("ethics", owner=owner, title=f"Entregable {PAYLOAD}", description=MARKDOWN,
                                 due_date=factories.today() + timedelta(days=7))
    item.institutions.append(institution)
    db.session.add(Milestone(deliverable_id=item.id, title=f"Hito {PAYLOAD}", progress=10))
    db.session.add(DeliverableUpdate(deliverable_id=item.id, author_id=owner.id, status_before="not_started",
                                     status_after="in_progress", progress_before=0, progress_after=10,
                                     note=MARKDOWN, created_at=factories.days_ago(1)))
    meeting = factories.meeting("ethics", invitees=[owner], title=f"Reunión {PAYLOAD}", location=PAYLOAD,
                                agenda=MARKDOWN, status="held", starts_at=factories.days_ago(2))
    db.session.add(MinutesRevision(meeting_id=meeting.id, body=MARKDOWN, author_id=owner.id))
    db.session.add(Decision(meeting_id=meeting.id, text=f"Decisión {PAYLOAD}", author_id=owner.id))
    db.session.add(ActionItem(meeting_id=meeting.id, text=f"Acción {PAYLOAD}", assignee_id=owner.id))
    upcoming = factories.meeting("ethics", invitees=[owner], title=f"Próxima {PAYLOAD}",
                                 starts_at=factories.days_ago(0) + timedelta(hours=20))
    db.session.commit()
    return owner, coordinator, item, meeting, upcoming, institution


def test_script_in_every_field_stays_text_on_every_page(app, client):
    owner, coordinator, item, meeting, upcoming, institution = hostile_world()
    admin = factories.user(role="admin")
    db.session.commit()
    login(client, admin)
    pages = ["/", "/groups", "/groups/ethics", "/institutions", f"/institutions/{institution.id}", "/deliverables",
             f"/deliverables/{item.id}", "/meetings", f"/meetings/{meeting.id}", f"/meetings/{upcoming.id}",
             "/dashboard", "/groups/ethics/dashboard", "/admin/users", f"/admin/users/{owner.id}",
             "/admin/audit", "/settings"]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert_inert(response.get_data(as_text=True), page)
    shown = client.get(f"/deliverables/{item.id}").get_data(as_text=True)
    assert "&lt;script&gt;" in shown  # shown as the text it is, not dropped silently


def test_script_in_every_field_stays_text_in_email(app):
    owner, *_rest = hostile_world()
    at = factories.days_ago(0)
    queue_reminders(at)
    queue_digests(at.replace(hour=14, minute=0) + timedelta(days=(7 - at.weekday()) % 7))
    db.session.commit()
    messages = db.session.execute(sa.select(OutboxMessage)).scalars().all()
    assert messages, "the hostile world produced no email to check"
    for message in messages:
        assert_inert(message.html_body, f"{message.kind} to {message.recipient}")
        assert "\n" not in message.subject and "\r" not in message.subject  # no header injection


@pytest.mark.parametrize("target", [
    "//evil.example/x", "https://evil.example/", "http:evil.example", "/\\evil.example", "\\\\evil.example",
    "javascript:alert(1)", "%2F%2Fevil.example", "/%09/evil.example", " //evil.example", "///evil.example",
    "data:text/html,x",
])
def test_no_redirect_ever_leaves_the_site(app, client, target):
    person = factories.user()
    db.session.commit()
    token = csrf_token(client, "/login")
    response = client.post(f"/login?next={target}", data={"email": person.email, "password": factories.PASSWORD,
                                                          "csrf_token": token})
    location = response.headers["Location"]
    assert response.status_code == 302 and location.startswith("/") and not location.startswith("//"), location
    assert "evil" not in location and "javascript" not in location


HTML_POSTS = [(endpoint, rules["POST"]) for endpoint, rules in sorted(RULES.items())
              if "POST" in rules and endpoint != "notifications.unsubscribe"]


# The token is checked before any view or query runs, which no database changes: once, on a copied world.
@pytest.mark.one_database
@pytest.mark.parametrize("endpoint,rule", HTML_POSTS, ids=[e for e, _ in HTML_POSTS])
def test_every_form_refuses_a_post_without_its_csrf_token(app, snapshot, client, endpoint, rule):
    world = fresh_world(snapshot)
    login(client, world["people"]["admin"])
    before = _row_counts()
    path_for, data_for, _expected = rule
    response = client.post(path_for(world), data=data_for(world) if data_for else {})
    assert response.status_code == 400, (endpoint, response.status_code)
    assert _row_counts() == before, endpoint  # nothing written


def _row_counts() -> dict[str, int]:
    db.session.expire_all()
    return {table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in db.metadata.sorted_tables if table.name not in ("audit_log",)}


def test_production_cookies_are_secure_httponly_samesite_and_hsts_is_sent(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    app = create_app("production", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})
    client = app.test_client()
    response = client.get("/login", base_url="https://coalition.example")
    cookie = response.headers.get("Set-Cookie", "")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert app.config["REMEMBER_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_HTTPONLY"]


def test_a_page_with_the_database_down_is_a_plain_503_without_a_trace(tmp_path):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none",
                                 "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}}})
    client = app.test_client()
    response = client.get("/login")  # a page that reads nothing still works
    assert response.status_code == 200
    response = client.post("/login", data={"email": "a@example.org", "password": "whatever-it-is"})
    body = response.get_data(as_text=True)
    assert response.status_code in (400, 503) and "Traceback" not in body and "psycopg" not in body
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["status"] == "unavailable"


# --- arbitrary input to the services: refused cleanly or accepted, never half-written ------------

texts = st.text(max_size=300) | st.sampled_from(["", " ", "\x00", "ñ" * 5001, PAYLOAD])
values = st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=True) | texts


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(status=values, progress=values, note=values)
def test_posting_an_update_with_any_values_is_refused_cleanly_or_recorded_whole(app, status, progress, note):
    owner = factories.user(groups={"ethics": "member"})
    item = factories.deliverable("ethics", owner=owner, progress=10)
    db.session.commit()
    try:
        deliverables.post_update(owner, item.id, status=status, progress=progress, note=note, version=item.version)
        db.session.commit()
    except DomainError:
        db.session.rollback()
        stored = db.session.get(Deliverable, item.id)
        assert stored.progress == 10 and stored.version == item.version  # nothing half-written
    else:
        stored = db.session.get(Deliverable, item.id)
        assert 0 <= stored.progress <= 100 and stored.status == status and stored.progress == progress


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=values, description=values, due=values, owner=values)
def test_creating_a_deliverable_with_any_values_never_fails_otherwise(app, title, description, due, owner):
    lead = factories.user(groups={"ethics": "lead"})
    db.session.commit()
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Deliverable))
    try:
        deliverables.create_deliverable(lead, factories.group("ethics"), title=title, description=description,
                                        owner_id=owner, due_date=due)
        db.session.commit()
    except DomainError:
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Deliverable)) == before


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(st.sampled_from(["status", "progress", "note", "version", "csrf_token", "x"]),
                            st.text(max_size=50), max_size=6))
def test_the_update_form_answers_any_fields_without_a_server_error(app, data):
    owner = factories.user(groups={"ethics": "member"})
    item = factories.deliverable("ethics", owner=owner)
    db.session.commit()
    client = app.test_client()
    login(client, owner)
    token = csrf_token(client, f"/deliverables/{item.id}")
    response = client.post(f"/deliverables/{item.id}", data={"csrf_token": token, **{
        k: v for k, v in data.items() if k != "csrf_token"}})
    assert response.status_code in (200, 302, 400, 409, 422), response.status_code


def test_with_redis_down_pages_logins_and_mail_keep_working(app, tmp_path):
    from tests.notifications.test_services import free_port

    dead = f"redis://127.0.0.1:{free_port()}/0"
    coordinator = factories.user(role="coordinator")
    db.session.commit()
    broken = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                    "REDIS_URL": dead, "THROTTLE": True, "DASHBOARD_CACHE": True,
                                    "OUTBOX_DISPATCH": True, "WTF_CSRF_ENABLED": True})
    broken.test_client_class = IsolatedClient
    with broken.app_context():
        client = broken.test_client()
        login(client, coordinator)  # the throttle's counters are unreachable: it lets people in
        assert client.get("/dashboard").status_code == 200  # the cache is unreachable: computed
        response = post_form(client, "/password/forgot", {"email": coordinator.email})
        assert response.status_code == 302, response.get_data(as_text=True)[-300:]  # the mail waits in the outbox
        db.session.remove()
        db.engine.dispose()
    from coalition.auth import throttle

    throttle.limiter.enabled = False
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1
