"""The app built through its factory on a real database file per test (or PostgreSQL when given)."""
from __future__ import annotations

import contextvars
import os
import re
import shutil

import flask_migrate
import pytest
import sqlalchemy as sa

from flask.testing import FlaskClient

from coalition import create_app
from coalition.extensions import db

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL")
IN_CI = os.environ.get("CI") == "true"


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """A SQLite file with the schema and the six groups, copied for every test."""
    path = tmp_path_factory.mktemp("template") / "coalition.db"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return path


def _database_kind(request) -> str:
    if request.node.get_closest_marker("postgres") or os.environ.get("TEST_DATABASE") == "postgres":
        if not POSTGRES_URL:
            if IN_CI:
                pytest.fail("TEST_POSTGRES_URL is not set but CI=true")
            pytest.skip("TEST_POSTGRES_URL is not set")
        return "postgres"
    return "sqlite"


_postgres_state = {"migrated": False}


def reset_postgres() -> None:
    """Empty the PostgreSQL test database and migrate it from scratch."""
    db.session.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    db.session.commit()
    flask_migrate.upgrade()
    _postgres_state["migrated"] = True


def empty_postgres() -> None:
    """Remove every row but the migrations' own (the six groups, the data version): much faster than
    migrating again."""
    if not _postgres_state["migrated"]:
        reset_postgres()
        return
    # DELETE, children first: for a test's handful of rows it is far cheaper than TRUNCATE.
    for table in reversed(db.metadata.sorted_tables):
        if table.name not in ("working_groups", "data_version"):
            db.session.execute(table.delete())
    db.session.commit()


class IsolatedClient(FlaskClient):
    """Run each request in a clean context, as a real server would.

    Without this, a request reuses the test's app context: `g` and the database session
    would leak between requests and hide bugs (a stale identity map, a cached CSRF token).
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def shared_apps(tmp_path_factory):
    """One app per kind of database for the whole run.

    Building an app (and its OpenAPI document) takes a fifth of a second; thousands of tests would
    spend minutes on it. Each test still gets a fresh database and the app's config back as it was.
    """
    apps: dict = {}

    def get(kind: str):
        if kind not in apps:
            path = tmp_path_factory.mktemp("db") / "coalition.db" if kind == "sqlite" else None
            url = f"sqlite:///{path}" if path else POSTGRES_URL
            shared = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": True,
                                            "SERVER_NAME": None})
            shared.test_client_class = IsolatedClient
            apps[kind] = (shared, path)
        return apps[kind]

    return get


def _fresh_sqlite_file(app, path, template_db) -> None:
    with app.app_context():
        db.engine.dispose()
    for suffix in ("", "-wal", "-shm", "-journal"):
        target = path.with_name(path.name + suffix)
        if target.exists():
            target.unlink()
    shutil.copy(template_db, path)


@pytest.fixture
def app(request, tmp_path, template_db, shared_apps):
    kind = _database_kind(request)
    app, path = shared_apps(kind)
    config = app.config.copy()
    if kind == "sqlite":
        _fresh_sqlite_file(app, path, template_db)
    app.instance_path = str(tmp_path / "instance")
    try:
        with app.app_context():
            if kind == "postgres":
                empty_postgres()
            yield app
            db.session.remove()
            if kind == "sqlite":
                db.engine.dispose()
    finally:
        app.config.clear()
        app.config.update(config)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def exact_cache(app):
    """The app with the exact cache on, as in production (tests run without it), emptied around the test."""
    from coalition.dashboards import cache

    app.config["DASHBOARD_CACHE"] = True
    cache._local.clear()
    yield app
    cache._local.clear()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    """Read a CSRF token the way a browser gets one: from a rendered form."""
    response = client.get(path)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, user, password: str = "correct horse battery") -> None:
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": user.email, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def post_form(client, path: str, data: dict, form_page: str | None = None):
    """POST a form with a valid CSRF token taken from `form_page` (default: `path`)."""
    token = csrf_token(client, form_page or path)
    return client.post(path, data={**data, "csrf_token": token})
