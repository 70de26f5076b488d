"""The health check: 200 when the database answers, 503 (and no internals) when it does not."""
from __future__ import annotations

import os

import pytest

from coalition import create_app
from coalition.extensions import db

UNREACHABLE = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:1/none",
    "sqlite": "sqlite:////nonexistent-directory/for/coalition/health.db",
}


def test_healthz_is_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.is_json
    assert response.get_json() == {"status": "ok"}


def test_healthz_needs_no_login_and_sets_no_session(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert not [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]


@pytest.mark.parametrize("kind", sorted(UNREACHABLE))
def test_healthz_is_503_when_the_database_is_unreachable(tmp_path, kind):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": UNREACHABLE[kind], "SERVER_NAME": None})
    app.instance_path = str(tmp_path / "instance")
    try:
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.is_json
        body = response.get_json()
        assert isinstance(body.get("status"), str) and body["status"] != "ok"
        text = response.get_data(as_text=True)
        for leak in ("Traceback", "OperationalError", "psycopg", "sqlalchemy", "127.0.0.1", "nonexistent",
                     "File \""):
            assert leak not in text, leak
    finally:
        with app.app_context():
            db.engine.dispose()


def test_healthz_recovers_once_the_database_answers_again(tmp_path):
    folder = tmp_path / "not-yet"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'health.db'}",
                                 "SERVER_NAME": None})
    app.instance_path = str(tmp_path / "instance")
    client = app.test_client()
    try:
        assert client.get("/healthz").status_code == 503
        folder.mkdir()
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.get_json() == {"status": "ok"}
    finally:
        with app.app_context():
            db.engine.dispose()


# --- readiness: the database is required, Redis only reported ----------------------------------

def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_readyz_is_ok_without_redis_configured(app, client):
    app.config["REDIS_URL"] = None
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "not_configured"}


def test_readyz_stays_ready_when_redis_is_down(app, client):
    # The app keeps working without Redis (mail waits for the sweep, figures are computed): still ready.
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{_closed_port()}/0"
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "unavailable"}


def test_readyz_reports_a_live_redis(app, client):
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("TEST_REDIS_URL is not set but CI=true")
        pytest.skip("TEST_REDIS_URL is not set")
    app.config["REDIS_URL"] = url
    assert client.get("/readyz").get_json() == {"status": "ok", "database": "ok", "redis": "ok"}


@pytest.mark.parametrize("kind", sorted(UNREACHABLE))
def test_readyz_is_503_only_when_the_database_does_not_answer(tmp_path, kind):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": UNREACHABLE[kind], "SERVER_NAME": None,
                                 "REDIS_URL": f"redis://127.0.0.1:{_closed_port()}/0"})
    app.instance_path = str(tmp_path / "instance")
    try:
        response = app.test_client().get("/readyz")
        assert response.status_code == 503
        assert response.get_json() == {"status": "unavailable", "database": "unavailable", "redis": "unavailable"}
    finally:
        with app.app_context():
            db.engine.dispose()


def test_healthz_does_not_mention_redis(app, client):
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{_closed_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
