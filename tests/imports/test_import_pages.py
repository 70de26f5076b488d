"""The import pages: upload → preview → import, with CSRF, permissions and re-authentication."""
from __future__ import annotations

import io
import re
import time

import sqlalchemy as sa

from coalition.auth.models import User
from coalition.extensions import db
from coalition.imports.models import PendingImport
from coalition.institutions.models import Institution
from tests import factories
from tests.conftest import csrf_token, login
from tests.imports.helpers import csv_bytes

INSTITUTIONS = csv_bytes([["nombre", "sector", "estado"], ["Centro de IA de Yucatán", "academia", "Yucatán"],
                          ["Empresa Sin Estado", "industria", "Atlántida"]], "cp1252", ";")


def _upload(client, path: str, data: bytes, filename: str = "lista.csv", **fields):
    token = csrf_token(client, path)
    return client.post(path, data={"csrf_token": token, "file": (io.BytesIO(data), filename), **fields},
                       content_type="multipart/form-data")


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_coordinator_previews_then_imports_institutions(app, client):
    coordinator = factories.user(role="coordinator")
    db.session.commit()
    login(client, coordinator)
    response = _upload(client, "/institutions/import", INSTITUTIONS)
    assert response.status_code == 303
    preview_path = response.headers["Location"]
    assert re.fullmatch(r"/institutions/import/[\w-]{40,}", preview_path)
    page = client.get(preview_path).get_data(as_text=True)
    assert "Centro de IA de Yucatán" in page and "Atlántida" in page
    assert "<td>Centro de IA de Yucatán</td>" in page  # each row named as the file writes it, not by its folded key
    assert "C (estado)" in page  # the bad row: its column as the file names it
    assert _count(Institution) == 0  # a preview writes nothing

    # All or nothing: one bad row, nothing imported.
    token = csrf_token(client, preview_path)
    refused = client.post(preview_path, data={"csrf_token": token})
    assert refused.status_code == 422 and _count(Institution) == 0

    done = client.post(preview_path, data={"csrf_token": token, "skip_bad_rows": "y"})
    assert done.status_code == 303
    assert [i.name for i in db.session.execute(sa.select(Institution)).scalars()] == ["Centro de IA de Yucatán"]
    # The kept file is gone: a second click imports nothing.
    assert _count(PendingImport) == 0
    assert client.post(preview_path, data={"csrf_token": token, "skip_bad_rows": "y"}).status_code == 404


def test_the_import_is_refused_without_a_csrf_token(app, client):
    coordinator = factories.user(role="coordinator")
    db.session.commit()
    login(client, coordinator)
    response = client.post("/institutions/import", data={"file": (io.BytesIO(INSTITUTIONS), "a.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and _count(PendingImport) == 0


def test_someone_elses_preview_is_not_found(app, client):
    owner, other = factories.user(role="coordinator"), factories.user(role="coordinator")
    db.session.commit()
    login(client, owner)
    path = _upload(client, "/institutions/import", INSTITUTIONS).headers["Location"]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/settings")})
    login(client, other)
    assert client.get(path).status_code == 404


def test_members_are_forbidden_and_anonymous_people_are_sent_to_login(app, client):
    member = factories.user()
    db.session.commit()
    for path in ("/institutions/import", "/people/import", "/institutions.csv", "/people.csv"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(client, member)
    for path in ("/institutions/import", "/people/import", "/institutions.csv", "/people.csv"):
        assert client.get(path).status_code == 403


def test_a_file_over_the_limit_is_refused_beside_the_file_input(app, client):
    coordinator = factories.user(role="coordinator")
    db.session.commit()
    login(client, coordinator)
    app.config["IMPORT_MAX_BYTES"] = 1000
    big = _upload(client, "/institutions/import", b"nombre\n" + b"x" * 200_000)
    assert big.status_code == 413
    page = big.get_data(as_text=True)
    assert 'id="file-error"' in page and "csrf_token" in page
    just_over = _upload(client, "/institutions/import", b"nombre\n" + b"x" * 1000)
    assert just_over.status_code == 422 and 'id="file-error"' in just_over.get_data(as_text=True)
    assert _count(PendingImport) == 0


def test_the_rest_of_the_site_keeps_its_smaller_body_limit(app, client):
    coordinator = factories.user(role="coordinator")
    db.session.commit()
    login(client, coordinator)
    token = csrf_token(client, "/institutions/new")
    response = client.post("/institutions/new", data={"csrf_token": token, "description": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413


def test_people_imports_ask_for_the_password_again(app, client):
    admin = factories.user(role="admin")
    db.session.commit()
    login(client, admin)
    with client.session_transaction() as session:
        session["authenticated_at"] = int(time.time()) - 3600
    response = client.get("/people/import")
    assert response.status_code == 302 and "/reauthenticate" in response.headers["Location"]
    token = csrf_token(client, "/settings")
    posted = client.post("/people/import", data={"csrf_token": token, "file": (io.BytesIO(b"email\n"), "p.csv")},
                         content_type="multipart/form-data")
    assert posted.status_code == 302 and "/reauthenticate" in posted.headers["Location"]
    assert _count(PendingImport) == 0


def test_an_admin_imports_people_and_invites_them_from_the_page(app, client):
    from coalition.notifications.models import OutboxMessage

    admin = factories.user(role="admin")
    db.session.commit()
    login(client, admin)
    data = csv_bytes([["email", "name", "role", "groups"], ["nueva@example.mx", "Nueva Persona", "coordinator",
                                                           "lead:governance"]])
    path = _upload(client, "/people/import", data, invite="y").headers["Location"]
    page = client.get(path).get_data(as_text=True)
    assert "nueva@example.mx" in page and re.search(r'<input checked[^>]*id="invite"', page)
    token = csrf_token(client, path)
    assert client.post(path, data={"csrf_token": token, "invite": "y"}).status_code == 303
    person = db.session.execute(sa.select(User).where(User.email == "nueva@example.mx")).scalar_one()
    assert person.role == "coordinator"
    assert [m.recipient for m in db.session.execute(sa.select(OutboxMessage)).scalars()] == ["nueva@example.mx"]


def test_exports_are_csv_with_a_byte_order_mark(app, client):
    coordinator = factories.user(role="coordinator", name="Coordinadora")
    factories.institution(name="Instituto =HYPERLINK", acronym="IH")
    db.session.commit()
    login(client, coordinator)
    response = client.get("/institutions.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeffname,acronym,sector,state,country,website,joined_on,description")
    people = client.get("/people.csv").get_data(as_text=True)
    assert people.startswith("\ufeffemail,name,institution,role,groups,language") and coordinator.email in people
