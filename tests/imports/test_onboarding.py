"""The onboarding issue 12 asks for: a coordinator takes Excel's files of 120 institutions and 400
people, previews them, imports them and invites everyone in one go; a second import changes nothing."""
from __future__ import annotations

import io

import sqlalchemy as sa

from coalition.auth.models import Invitation, User
from coalition.extensions import db
from coalition.institutions.models import Institution
from coalition.notifications.models import OutboxMessage
from tests import factories
from tests.conftest import csrf_token, login
from tests.imports.onboarding import institutions_file, people_file


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _preview_and_import(client, kind: str, data: bytes, **options) -> str:
    token = csrf_token(client, f"/{kind}/import")
    uploaded = client.post(f"/{kind}/import", data={"csrf_token": token, "file": (io.BytesIO(data), f"{kind}.csv"),
                                                    **options}, content_type="multipart/form-data")
    assert uploaded.status_code == 303, uploaded.get_data(as_text=True)[:2000]
    preview = client.get(uploaded.headers["Location"]).get_data(as_text=True)
    token = csrf_token(client, uploaded.headers["Location"])
    applied = client.post(uploaded.headers["Location"], data={"csrf_token": token, **options})
    assert applied.status_code == 303, applied.get_data(as_text=True)[:3000]
    return preview


def test_a_coordinator_onboards_a_coalition_from_excel_files_and_invites_everyone(app, client):
    coordinator = factories.user(role="coordinator")
    db.session.commit()
    login(client, coordinator)
    institutions, names = institutions_file()
    people = people_file(names)
    preview = _preview_and_import(client, "institutions", institutions)
    assert "Windows-1252" in preview
    assert _count(Institution) == 120
    assert _count(Institution, Institution.state == "abroad") == 15
    _preview_and_import(client, "people", people, invite="y")
    assert _count(User, User.password_hash.is_(None)) == 400
    assert _count(OutboxMessage, OutboxMessage.kind == "join-invitation") == 400
    assert _count(Invitation) == 400

    # The same files again: nothing changes, nobody is invited twice.
    again = _preview_and_import(client, "institutions", institutions)
    assert "Unchanged: 120" in again or "Sin cambios: 120" in again
    _preview_and_import(client, "people", people, invite="y")
    assert _count(OutboxMessage) == 400 and _count(User) == 401
