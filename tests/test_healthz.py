"""The health check: 200 when the database answers, 503 (and no internals) when it does not."""
from __future__ import annotations

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
