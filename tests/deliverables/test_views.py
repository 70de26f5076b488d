"""Deliverable pages: recording progress through the form, conflicts, and the lead's editors."""
from __future__ import annotations

import html
import re
from datetime import timedelta

import sqlalchemy as sa

from coalition.audit.models import AuditEntry
from coalition.deliverables import services
from coalition.deliverables.models import Deliverable, DeliverableUpdate
from coalition.extensions import db
from tests import factories
from tests.conftest import csrf_token, login, post_form

VERSION_RE = re.compile(r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"')


def _page(response) -> str:
    return response.get_data(as_text=True)


def _field_error(page: str, field_id: str) -> str | None:
    match = re.search(rf'<div id="{field_id}-error"[^>]*>(.*?)</div>', page, re.S)
    return " ".join(match.group(1).split()) if match else None


def _version_on(page: str) -> str:
    match = VERSION_RE.search(page)
    assert match, "no version field on the page"
    return match.group(1) or match.group(2)


def _updates() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(DeliverableUpdate))


def _member_with_deliverable(client, **values):
    member = factories.user(name="Marta Miembro", groups={"ethics": "member"})
    item = factories.deliverable("ethics", owner=member, status="in_progress", progress=10, **values)
    db.session.commit()
    login(client, member)
    return member, item


def _post_update(client, item_id: int, values: dict, version: str | None = None):
    """Post the update form the way a browser does: the token and version come from the page."""
    page = _page(client.get(f"/deliverables/{item_id}"))
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = {"version": version if version is not None else _version_on(page), **values, "csrf_token": token}
    return client.post(f"/deliverables/{item_id}", data=data)


# --- recording progress ----------------------------------------------------------------------

def test_member_posts_an_update_and_sees_it_in_the_history(client):
    member, item = _member_with_deliverable(client)
    response = _post_update(client, item.id, {"status": "in_review", "progress": "70",
                                              "note": "Borrador enviado a revisión"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/deliverables/{item.id}")
    db.session.expire_all()
    saved = db.session.get(Deliverable, item.id)
    assert (saved.status, saved.progress) == ("in_review", 70)
    update = db.session.execute(sa.select(DeliverableUpdate)).scalar_one()
    assert (update.author_id, update.progress_before, update.progress_after) == (member.id, 10, 70)
    page = _page(client.get(f"/deliverables/{item.id}"))
    history = page[page.index('id="history-heading"'):]
    assert "Borrador enviado a revisión" in history
    assert "Marta Miembro" in history
    assert "70%" in history


def test_the_update_form_has_the_fixed_input_names(client):
    _, item = _member_with_deliverable(client)
    page = _page(client.get(f"/deliverables/{item.id}"))
    for name in ("status", "progress", "note", "version", "csrf_token"):
        assert f'name="{name}"' in page, name


def test_a_stale_version_keeps_the_note_and_shows_the_other_change(client):
    member, item = _member_with_deliverable(client)
    page = _page(client.get(f"/deliverables/{item.id}"))
    seen_version = _version_on(page)
    # Someone else records progress while this member is typing.
    colleague = factories.user(name="Carlos Colega", groups={"ethics": "member"})
    services.post_update(colleague, item.id, status="blocked", progress=45, note="Falta el dictamen jurídico")
    db.session.commit()
    assert _updates() == 1

    response = _post_update(client, item.id, {"status": "done", "progress": "100",
                                              "note": "Mi nota escrita con cuidado"}, version=seen_version)
    assert response.status_code == 409
    page = _page(response)
    assert "Mi nota escrita con cuidado" in page
    assert "Falta el dictamen jurídico" in page
    assert "Carlos Colega" in page
    conflict = page[page.index("conflict-box"):page.index("</div>", page.index("conflict-box"))]
    assert "45" in conflict
    # The form now carries the version the member has just seen, so saving again works.
    db.session.expire_all()
    assert _version_on(page) == str(db.session.get(Deliverable, item.id).version)
    assert _updates() == 1
    saved = db.session.get(Deliverable, item.id)
    assert (saved.status, saved.progress) == ("blocked", 45)


def test_saving_again_after_a_conflict_records_the_update(client):
    member, item = _member_with_deliverable(client)
    seen_version = _version_on(_page(client.get(f"/deliverables/{item.id}")))
    colleague = factories.user(groups={"ethics": "member"})
    services.post_update(colleague, item.id, status="in_progress", progress=45)
    db.session.commit()
    conflict = _post_update(client, item.id, {"status": "in_progress", "progress": "50", "note": "Otra vez"},
                            version=seen_version)
    assert conflict.status_code == 409
    retry = _post_update(client, item.id, {"status": "in_progress", "progress": "50", "note": "Otra vez"},
                         version=_version_on(_page(conflict)))
    assert retry.status_code == 302
    db.session.expire_all()
    assert db.session.get(Deliverable, item.id).progress == 50
    assert _updates() == 2


def _assert_refused(client, item_id: int, values: dict, field: str) -> str:
    response = _post_update(client, item_id, values)
    assert response.status_code == 422, values
    page = _page(response)
    assert _field_error(page, field), (field, page[:2000])
    db.session.expire_all()
    assert _updates() == 0
    return page


def test_progress_over_100_is_shown_beside_the_field(client):
    _, item = _member_with_deliverable(client)
    page = _assert_refused(client, item.id, {"status": "in_progress", "progress": "150", "note": "Mucho"},
                           "progress")
    assert "Mucho" in page
    assert db.session.get(Deliverable, item.id).progress == 10


def test_non_numeric_progress_is_shown_beside_the_field(client):
    _, item = _member_with_deliverable(client)
    for bad in ("abc", "", "-1", "50.5", "1e2"):
        _assert_refused(client, item.id, {"status": "in_progress", "progress": bad, "note": ""}, "progress")


def test_a_missing_or_unknown_status_is_shown_beside_the_field(client):
    _, item = _member_with_deliverable(client)
    _assert_refused(client, item.id, {"progress": "20", "note": "Sin estado"}, "status")
    _assert_refused(client, item.id, {"status": "finished", "progress": "20", "note": ""}, "status")
    assert db.session.get(Deliverable, item.id).status == "in_progress"


def test_a_member_of_another_group_cannot_post_an_update(client):
    item = factories.deliverable("ethics", progress=10)
    outsider = factories.user(groups={"governance": "member"})
    db.session.commit()
    login(client, outsider)
    page = _page(client.get(f"/deliverables/{item.id}"))
    assert 'name="progress"' not in page  # they may read but get no form
    token = csrf_token(client, f"/deliverables/{item.id}")
    response = client.post(f"/deliverables/{item.id}", data={
        "status": "done", "progress": "100", "note": "", "version": str(item.version), "csrf_token": token})
    assert response.status_code == 403
    db.session.expire_all()
    assert _updates() == 0
    assert db.session.get(Deliverable, item.id).progress == 10


def test_an_update_without_csrf_token_is_refused(client):
    _, item = _member_with_deliverable(client)
    response = client.post(f"/deliverables/{item.id}", data={"status": "done", "progress": "100"})
    assert response.status_code == 400
    assert _updates() == 0


def test_unknown_deliverable_is_404(client):
    _member_with_deliverable(client)
    assert client.get("/deliverables/999999").status_code == 404
    assert client.get("/deliverables/99999999999999999999").status_code == 404
    assert post_form(client, "/deliverables/999999", {"status": "done", "progress": "1"},
                     form_page="/settings").status_code == 404


# --- creating, editing, deleting -------------------------------------------------------------

def _lead(client):
    lead = factories.user(name="Lucía Líder", groups={"ethics": "lead"})
    owner = factories.user(name="Óscar Dueño", groups={"ethics": "member"})
    db.session.commit()
    login(client, lead)
    return lead, owner


def test_lead_creates_a_deliverable(client):
    lead, owner = _lead(client)
    inst = factories.institution(name="Colaboradora")
    db.session.commit()
    due = factories.today() + timedelta(days=40)
    response = post_form(client, "/groups/ethics/deliverables/new", {
        "title": "Marco de evaluación de riesgos", "description": "Un **marco**.", "owner_id": str(owner.id),
        "due_date": due.isoformat(), "institution_ids": str(inst.id)})
    assert response.status_code == 302
    item = db.session.execute(sa.select(Deliverable)).scalar_one()
    assert response.headers["Location"].endswith(f"/deliverables/{item.id}")
    assert (item.title, item.owner_id, item.due_date, item.status, item.progress) == (
        "Marco de evaluación de riesgos", owner.id, due, "not_started", 0)
    assert [i.id for i in item.institutions] == [inst.id]
    assert db.session.scalar(sa.select(AuditEntry.action).where(~AuditEntry.action.like("auth.%"))) == "deliverable.create"


def test_creating_without_title_or_due_date_shows_errors_beside_the_fields(client):
    _, owner = _lead(client)
    response = post_form(client, "/groups/ethics/deliverables/new", {
        "title": "", "owner_id": str(owner.id), "due_date": "mañana"})
    assert response.status_code == 422
    page = _page(response)
    assert _field_error(page, "title") and _field_error(page, "due_date")
    assert db.session.execute(sa.select(Deliverable)).first() is None


def test_the_owner_picker_starts_on_an_empty_placeholder_and_an_empty_choice_is_refused(client):
    _lead(client)
    form = client.get("/groups/ethics/deliverables/new").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="owner_id"[^>]*>\s*<option[^>]*>', form).group(0)
    assert " required" in select and 'value=""' in select  # the browser checks it too
    response = post_form(client, "/groups/ethics/deliverables/new", {
        "title": "Sin responsable", "owner_id": "", "due_date": factories.today().isoformat()})
    assert response.status_code == 422
    assert _field_error(_page(response), "owner_id")
    assert db.session.execute(sa.select(Deliverable)).first() is None


def test_lead_edits_with_the_version_from_the_form(client):
    lead, owner = _lead(client)
    item = factories.deliverable("ethics", owner=owner, title="Título original")
    db.session.commit()
    page = _page(client.get(f"/deliverables/{item.id}/edit"))
    version = _version_on(page)
    assert version == str(item.version)
    due = factories.today() + timedelta(days=90)
    response = post_form(client, f"/deliverables/{item.id}/edit", {
        "title": "Título nuevo", "description": "", "owner_id": str(owner.id), "due_date": due.isoformat(),
        "version": version}, form_page=f"/deliverables/{item.id}/edit")
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Deliverable, item.id)
    assert (saved.title, saved.due_date) == ("Título nuevo", due)
    assert saved.version > int(version)
    assert db.session.scalar(sa.select(AuditEntry.action).where(~AuditEntry.action.like("auth.%"))) == "deliverable.edit"

    # The old version is now stale: the editor shows the conflict and changes nothing.
    response = post_form(client, f"/deliverables/{item.id}/edit", {
        "title": "Título pisado", "owner_id": str(owner.id), "due_date": due.isoformat(), "version": version},
        form_page=f"/deliverables/{item.id}/edit")
    assert response.status_code == 409
    page = _page(response)
    assert "conflict-box" in page
    assert 'value="Título pisado"' in page
    db.session.expire_all()
    assert db.session.get(Deliverable, item.id).title == "Título nuevo"


def test_member_cannot_open_the_editor(client):
    member, item = _member_with_deliverable(client)
    assert client.get(f"/deliverables/{item.id}/edit").status_code == 403
    assert client.get("/groups/ethics/deliverables/new").status_code == 403


def test_lead_deleting_a_deliverable_archives_it(client):
    lead, owner = _lead(client)
    item = factories.deliverable("ethics", owner=owner)
    db.session.commit()
    item_id = item.id
    response = post_form(client, f"/deliverables/{item_id}/delete", {}, form_page=f"/deliverables/{item_id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/groups/ethics")
    db.session.expire_all()
    kept = db.session.get(Deliverable, item_id)
    assert kept is not None and kept.archived_at is not None and kept.archived_by_id == lead.id
    # The lead no longer sees it: only coordinators open archived deliverables.
    assert client.get(f"/deliverables/{item_id}").status_code == 404
    entry = db.session.execute(sa.select(AuditEntry).where(~AuditEntry.action.like("auth.%"))).scalar_one()
    assert (entry.action, entry.actor_id, entry.subject_id) == ("deliverable.archive", lead.id, item_id)


def test_lead_of_another_group_cannot_delete(client):
    item = factories.deliverable("ethics")
    lead = factories.user(groups={"governance": "lead"})
    db.session.commit()
    login(client, lead)
    response = post_form(client, f"/deliverables/{item.id}/delete", {}, form_page=f"/deliverables/{item.id}")
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Deliverable, item.id).archived_at is None


# --- escaping --------------------------------------------------------------------------------

SCRIPT = "<script>alert('xss')</script>"


def test_script_in_a_note_is_shown_escaped(client):
    _, item = _member_with_deliverable(client)
    response = _post_update(client, item.id, {"status": "in_progress", "progress": "20", "note": SCRIPT})
    assert response.status_code == 302
    page = _page(client.get(f"/deliverables/{item.id}"))
    assert "<script>" not in page
    assert html.escape(SCRIPT, quote=False) in page or "&lt;script&gt;" in page


def test_script_in_a_refused_note_is_shown_escaped(client):
    _, item = _member_with_deliverable(client)
    response = _post_update(client, item.id, {"status": "in_progress", "progress": "150", "note": SCRIPT})
    assert response.status_code == 422
    assert "<script>" not in _page(response)


def test_script_in_a_title_or_description_is_never_unescaped(client):
    member, item = _member_with_deliverable(
        client, title=f"Título {SCRIPT}",
        description=f"Texto {SCRIPT}\n\n<img src=x onerror=alert(1)>\n\n[enlace](javascript:alert(1))")
    for path in (f"/deliverables/{item.id}", "/groups/ethics", "/deliverables", "/"):
        page = _page(client.get(path))
        assert "<script>" not in page, path
        assert "onerror=" not in page.replace("&lt;img src=x onerror=alert(1)&gt;", ""), path
        assert 'href="javascript:' not in page, path
