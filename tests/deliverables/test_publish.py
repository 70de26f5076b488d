"""A coordinator puts a deliverable on the public portal with a summary, sets its completion with a
note, and takes it off again; every step is audited and shows on the deliverable's page."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from coalition.audit.models import AuditEntry
from coalition.dashboards import cache
from coalition.deliverables import services
from coalition.deliverables.models import COMPLETION_NOTE_MAX, PUBLIC_SUMMARY_MAX, Deliverable
from coalition.errors import Conflict, NotAuthenticated, PermissionDenied, ValidationError
from coalition.extensions import db
from tests import factories
from tests.conftest import login, post_form


def _people():
    return {
        "member": factories.user(groups={"ethics": "member"}, language="en"),
        "other": factories.user(groups={"governance": "member"}, language="en"),
        "lead": factories.user(groups={"ethics": "lead"}, language="en"),
        "coordinator": factories.user(role="coordinator", language="en"),
        "admin": factories.user(role="admin", language="en"),
    }


def _deliverable(**values) -> Deliverable:
    item = factories.deliverable("ethics", **values)
    db.session.commit()
    return item


def _audit(item, action=None) -> list[AuditEntry]:
    stmt = sa.select(AuditEntry).where(AuditEntry.subject_type == "deliverables", AuditEntry.subject_id == item.id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return list(db.session.scalars(stmt.order_by(AuditEntry.id)))


def _publish(actor, item, public=True, es="Resumen para el público", en="A summary for the public", version=None):
    return services.publish(actor, item, public=public, summary_es=es, summary_en=en,
                            version=item.version if version is None else version)


# --- the services ---------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_coordinators_and_admins_publish_a_deliverable_with_its_summary(app, role):
    people = _people()
    item = _deliverable()
    _publish(people[role], item)
    db.session.commit()
    db.session.expire_all()
    item = db.session.get(Deliverable, item.id)
    assert item.public and item.published_at is not None and item.published_by_id == people[role].id
    assert (item.public_summary_es, item.public_summary_en) == ("Resumen para el público", "A summary for the public")
    [entry] = _audit(item, "deliverable.publish")
    assert entry.actor_id == people[role].id and entry.changes["public"] == [False, True]


@pytest.mark.parametrize("role", ["member", "other", "lead"])
def test_members_and_leads_cannot_publish_a_deliverable(app, role):
    people = _people()
    item = _deliverable()
    with pytest.raises(PermissionDenied):
        _publish(people[role], item)
    with pytest.raises(PermissionDenied):
        services.set_completion(people[role], item, override="complete", note="Listo", version=item.version)
    db.session.rollback()
    assert not db.session.get(Deliverable, item.id).public and not _audit(item)


def test_nobody_anonymous_publishes(app):
    item = _deliverable()
    with pytest.raises(NotAuthenticated):
        _publish(None, item)


def test_publishing_needs_a_summary_in_at_least_one_language(app):
    people = _people()
    item = _deliverable()
    with pytest.raises(ValidationError) as refused:
        _publish(people["coordinator"], item, es="  ", en="")
    assert "public_summary_es" in refused.value.fields
    db.session.rollback()
    # One language is enough: the portal shows it in both.
    _publish(people["coordinator"], item, es="", en="Only in English")
    assert item.public and item.public_summary_in("es") == "Only in English"


def test_a_summary_longer_than_the_limit_is_refused_and_nothing_is_written(app):
    people = _people()
    item = _deliverable()
    with pytest.raises(ValidationError) as refused:
        _publish(people["coordinator"], item, es="x" * (PUBLIC_SUMMARY_MAX + 1))
    assert "public_summary_es" in refused.value.fields
    db.session.rollback()
    assert not db.session.get(Deliverable, item.id).public and not _audit(item)


def test_an_archived_deliverable_cannot_be_published(app):
    people = _people()
    item = _deliverable(archived_at=factories.days_ago(1))
    with pytest.raises(services.Archived):
        _publish(people["coordinator"], item)


def test_an_archived_public_deliverable_can_still_be_taken_off_the_portal(app):
    people = _people()
    item = _deliverable()
    _publish(people["coordinator"], item)
    services.archive_deliverable(people["coordinator"], item.id)
    _publish(people["coordinator"], item, public=False)
    assert not item.public and item.published_at is None


def test_a_stale_version_is_a_conflict(app):
    people = _people()
    item = _deliverable()
    with pytest.raises(Conflict):
        _publish(people["coordinator"], item, version=item.version + 1)
    with pytest.raises(ValidationError) as refused:
        _publish(people["coordinator"], item, version="1")
    assert "version" in refused.value.fields


def test_unpublishing_clears_the_publication_and_is_audited(app):
    people = _people()
    item = _deliverable()
    _publish(people["coordinator"], item)
    _publish(people["admin"], item, public=False)
    assert not item.public and item.published_at is None and item.published_by_id is None
    [entry] = _audit(item, "deliverable.unpublish")
    assert entry.actor_id == people["admin"].id


def test_saving_the_same_publication_again_writes_nothing(app):
    people = _people()
    item = _deliverable()
    _publish(people["coordinator"], item)
    version = item.version
    _publish(people["coordinator"], item)
    assert item.version == version and len(_audit(item)) == 1


def test_changing_a_public_summary_is_audited_apart(app):
    people = _people()
    item = _deliverable()
    _publish(people["coordinator"], item)
    _publish(people["coordinator"], item, es="Otro resumen")
    [entry] = _audit(item, "deliverable.public_summary")
    assert entry.changes["public_summary_es"] == ["Resumen para el público", "Otro resumen"]


def test_a_completion_override_needs_a_note_and_is_audited(app):
    people = _people()
    item = _deliverable(status="done", progress=100)
    assert item.completion == "complete"
    with pytest.raises(ValidationError) as refused:
        services.set_completion(people["coordinator"], item, override="substantial", note=" ", version=item.version)
    assert "completion_note" in refused.value.fields
    services.set_completion(people["coordinator"], item, override="substantial",
                            note="Entregado, pero aún no adoptado", version=item.version)
    assert item.completion == "substantial" and item.completion_note == "Entregado, pero aún no adoptado"
    [entry] = _audit(item, "deliverable.completion")
    assert entry.changes["completion_override"] == [None, "substantial"]
    # Back to the derived completion: the note goes with the override.
    services.set_completion(people["coordinator"], item, override=None, note="", version=item.version)
    assert item.completion == "complete" and item.completion_note == ""


@pytest.mark.parametrize("override, note, field", [
    ("finished", "Nota", "completion_override"),
    ("complete", "x" * (COMPLETION_NOTE_MAX + 1), "completion_note"),
    ("complete", 7, "completion_note"),
])
def test_a_bad_completion_is_refused_beside_its_field(app, override, note, field):
    people = _people()
    item = _deliverable()
    with pytest.raises(ValidationError) as refused:
        services.set_completion(people["coordinator"], item, override=override, note=note, version=item.version)
    assert field in refused.value.fields


def test_publishing_grows_the_data_version_so_the_portal_is_fresh(app):
    people = _people()
    item = _deliverable()
    db.session.commit()
    before = cache.version()
    _publish(people["coordinator"], item)
    db.session.commit()
    after_publish = cache.version()
    services.set_completion(people["coordinator"], item, override="limited", note="Revisión", version=item.version)
    db.session.commit()
    assert before < after_publish < cache.version()


# --- the page -------------------------------------------------------------------------------

def test_the_page_offers_coordinators_the_portal_panel_and_shows_everyone_the_state(app, client):
    people = _people()
    item = _deliverable()
    db.session.commit()
    login(client, people["member"])
    page = client.get(f"/deliverables/{item.id}").get_data(as_text=True)
    assert "Not public" in page and 'name="public_summary_es"' not in page


def test_a_coordinator_publishes_from_the_page_and_the_history_shows_it(app, client):
    people = _people()
    item = _deliverable(status="done", progress=100)
    db.session.commit()
    login(client, people["coordinator"])
    path = f"/deliverables/{item.id}"
    page = client.get(path).get_data(as_text=True)
    assert 'name="public_summary_es"' in page and 'name="completion_override"' in page
    response = post_form(client, f"{path}/portal", {
        "public": "y", "public_summary_es": "Resumen", "public_summary_en": "Summary",
        "completion_override": "substantial", "completion_note": "Falta adoptarlo", "version": item.version},
        form_page=path)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{path}#portal")
    db.session.expire_all()
    item = db.session.get(Deliverable, item.id)
    assert item.public and item.completion_override == "substantial"
    page = client.get(path).get_data(as_text=True)
    assert "The public portal is updated." in page
    assert "published it" in page and "set the completion to Substantial" in page
    assert "/public/groups/ethics" in page


def test_publishing_without_a_summary_shows_the_error_beside_the_field_and_writes_nothing(app, client):
    people = _people()
    item = _deliverable()
    db.session.commit()
    login(client, people["coordinator"])
    path = f"/deliverables/{item.id}"
    response = post_form(client, f"{path}/portal", {"public": "y", "public_summary_es": "", "public_summary_en": "",
                                                     "completion_override": "", "version": item.version},
                         form_page=path)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="public_summary_es-error"' in page
    db.session.expire_all()
    assert not db.session.get(Deliverable, item.id).public and not _audit(item)


def test_an_override_without_a_note_shows_the_error_beside_the_note(app, client):
    people = _people()
    item = _deliverable()
    db.session.commit()
    login(client, people["coordinator"])
    path = f"/deliverables/{item.id}"
    response = post_form(client, f"{path}/portal", {"public_summary_es": "Resumen", "completion_override": "complete",
                                                     "completion_note": "", "version": item.version}, form_page=path)
    assert response.status_code == 422 and 'id="completion_note-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    item = db.session.get(Deliverable, item.id)
    assert item.completion_override is None and item.public_summary_es == "" and not _audit(item)


def test_a_stale_version_on_the_page_is_a_conflict_that_keeps_the_typed_values(app, client):
    people = _people()
    item = _deliverable()
    db.session.commit()
    login(client, people["coordinator"])
    path = f"/deliverables/{item.id}"
    response = post_form(client, f"{path}/portal", {"public": "y", "public_summary_es": "Mi resumen",
                                                     "version": item.version + 5}, form_page=path)
    assert response.status_code == 409
    assert "Mi resumen" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["member", "lead", "other"])
def test_members_and_leads_get_403_from_the_portal_form(app, client, role):
    people = _people()
    item = _deliverable()
    db.session.commit()
    login(client, people[role])
    response = post_form(client, f"/deliverables/{item.id}/portal", {
        "public": "y", "public_summary_es": "Resumen", "version": item.version}, form_page=f"/deliverables/{item.id}")
    assert response.status_code == 403
    db.session.expire_all()
    assert not db.session.get(Deliverable, item.id).public


def test_anonymous_gets_401_and_the_page_sends_them_to_log_in(app, client):
    item = _deliverable()
    db.session.commit()
    response = post_form(client, f"/deliverables/{item.id}/portal", {"public": "y", "public_summary_es": "Resumen",
                                                                      "version": item.version}, form_page="/login")
    assert response.status_code == 401
    response = client.get(f"/deliverables/{item.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    db.session.expire_all()
    assert not db.session.get(Deliverable, item.id).public
