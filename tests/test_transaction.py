"""The transaction edge: a write answered below 400 commits, anything else rolls back; a constraint is a
409, a database that is gone a 503 (JSON in the error shape, a plain page for HTML), never a 500."""
from __future__ import annotations

import re
import shutil
from datetime import date

import psycopg
import pytest
import sqlalchemy as sa
from flask import abort

from coalition import create_app
from coalition.errors import NotFound, database_unavailable
from coalition.extensions import csrf, db
from coalition.institutions.models import Institution

GONE = "sqlite:////nonexistent-directory/for/coalition/edge.db"


def _institution(name: str) -> Institution:
    item = Institution(name=name, acronym=name[:8], sector="academia", state="JAL", joined_on=date(2020, 1, 1))
    db.session.add(item)
    db.session.flush()
    return item


def _with_edge_routes(app):
    """Routes that write one institution and then answer as told."""

    @app.route("/_edge/<outcome>", methods=["GET", "POST", "DELETE"])
    def edge(outcome):
        _institution(f"Instituto {outcome}")
        if outcome == "refused":
            return {"error": "no"}, 422
        if outcome == "raise":
            raise RuntimeError("a bug after the write")
        if outcome == "duplicate":
            _institution(f"Instituto {outcome}")  # the unique name: IntegrityError at the flush
        if outcome == "missing":
            raise NotFound()
        if outcome == "aborted":
            abort(403)
        return {"ok": True}, 201

    csrf.exempt(edge)  # a test route, called without a form
    return app


@pytest.fixture
def edge_app(tmp_path, template_db):
    path = tmp_path / "edge.db"
    shutil.copy(template_db, path)
    app = _with_edge_routes(create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                                                   "SERVER_NAME": None}))
    app.instance_path = str(tmp_path / "instance")
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer like a server, not like a debugger
    yield app
    with app.app_context():
        db.engine.dispose()


def _names(app) -> list[str]:
    with app.app_context():
        names = db.session.scalars(sa.select(Institution.name).order_by(Institution.name)).all()
        db.session.remove()
        return names


def test_a_write_answered_below_400_commits(edge_app):
    assert edge_app.test_client().post("/_edge/ok").status_code == 201
    assert _names(edge_app) == ["Instituto ok"]


@pytest.mark.parametrize("outcome, status", [("refused", 422), ("raise", 500), ("missing", 404), ("aborted", 403)])
def test_a_write_answered_with_an_error_rolls_back(edge_app, outcome, status):
    response = edge_app.test_client().post(f"/_edge/{outcome}")
    assert response.status_code == status
    assert _names(edge_app) == []


def test_a_read_never_commits(edge_app):
    assert edge_app.test_client().get("/_edge/ok").status_code == 201
    assert _names(edge_app) == []


def test_a_constraint_error_is_a_409_in_the_error_shape_not_a_503(edge_app):
    response = edge_app.test_client().delete("/_edge/duplicate", headers={"Accept": "application/json"})
    assert response.status_code == 409
    assert "Retry-After" not in response.headers
    assert _names(edge_app) == []


def test_a_constraint_error_is_never_counted_as_the_database_being_gone():
    integrity = sa.exc.IntegrityError("INSERT", {}, psycopg.errors.UniqueViolation("duplicate key"))
    assert not database_unavailable(integrity)
    try:
        try:
            raise sa.exc.OperationalError("SELECT 1", {}, psycopg.errors.AdminShutdown("terminating"))
        except sa.exc.OperationalError:
            raise integrity from None
    except sa.exc.IntegrityError as raised:
        assert not database_unavailable(raised)
    data = sa.exc.DataError("INSERT", {}, psycopg.errors.NumericValueOutOfRange("out of range"))
    assert not database_unavailable(data)


@pytest.mark.parametrize("error", [
    sa.exc.OperationalError("ROLLBACK", {}, psycopg.errors.AdminShutdown("terminating connection")),
    sa.exc.InterfaceError("SELECT 1", {}, psycopg.InterfaceError("the connection is closed")),
    psycopg.OperationalError("connection refused"),
    ConnectionResetError("reset by peer"),
])
def test_a_database_that_went_away_is_recognised_in_any_wrapping(error):
    assert database_unavailable(error)
    try:
        try:
            raise error
        except Exception as first:
            raise RuntimeError("met while handling it") from first
    except RuntimeError as chained:
        assert database_unavailable(chained)


# --- a database that is gone: 503, never a 500 -------------------------------------------------

@pytest.fixture
def gone_app(tmp_path):
    app = _with_edge_routes(create_app("testing", {"SQLALCHEMY_DATABASE_URI": GONE, "SERVER_NAME": None,
                                                   "WTF_CSRF_ENABLED": True}))
    app.instance_path = str(tmp_path / "instance")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    yield app
    with app.app_context():
        db.engine.dispose()


def _signed_in_client(app):
    """A browser whose session cookie names a person: the user loader must ask the database."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "k" * 43  # the shape of a server session key
        session["_fresh"] = True
    return client


def _assert_unavailable_json(response):
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    assert response.headers["Retry-After"]
    error = response.get_json()["error"]
    assert error["status"] == 503 and error["code"] == "unavailable" and error["message"]


def _assert_unavailable_page(response):
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/html" and response.headers["Retry-After"]
    page = response.get_data(as_text=True)
    assert page.startswith("<!doctype html>") and "Servicio no disponible" in page
    for leak in ("Traceback", "OperationalError", "sqlite", "nonexistent"):
        assert leak not in page


def test_an_api_call_while_the_database_is_gone_is_a_503_in_the_error_shape(gone_app):
    client = gone_app.test_client()
    _assert_unavailable_json(client.get("/api/v1/me", headers={"Authorization": "Bearer coa_" + "x" * 40}))
    _assert_unavailable_json(client.post("/api/v1/deliverables/1/updates", json={"status": "done", "progress": 1},
                                         headers={"Authorization": "Bearer coa_" + "x" * 40,
                                                  "Idempotency-Key": "retry-me"}))
    _assert_unavailable_json(client.post("/api/v1/tokens", json={"email": "a@example.org", "password": "x"}))


def test_a_page_while_the_database_is_gone_is_a_plain_503_page(gone_app):
    client = _signed_in_client(gone_app)
    _assert_unavailable_page(client.get("/", headers={"Accept-Language": "es"}))
    _assert_unavailable_page(client.get("/groups"))
    english = client.get("/?lang=en")
    assert english.status_code == 503 and "Service unavailable" in english.get_data(as_text=True)


def test_a_form_sent_while_the_database_is_gone_is_a_plain_503_page(gone_app):
    client = gone_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    once = re.search(r'name="once_token" value="([^"]+)"', page).group(1)
    _assert_unavailable_page(client.post("/login", data={"email": "a@example.org", "password": "x",
                                                         "csrf_token": token, "once_token": once}))


def test_an_error_page_that_meets_the_dead_database_is_still_a_503(gone_app):
    # The 404 page shows the signed-in person's menu: loading them fails too. Still a 503, not a 500.
    client = _signed_in_client(gone_app)
    _assert_unavailable_page(client.post("/_edge/missing"))
    _assert_unavailable_page(client.get("/no-such-page"))
