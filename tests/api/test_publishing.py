"""What the public portal shows, through the API: a deliverable's publication and completion, an
institution's listing, a consultation's published results; the same services and rules as the pages."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from coalition.audit.models import AuditEntry
from coalition.extensions import db
from tests import factories
from tests.api.conftest import assert_error
from tests.consultations import helpers


@pytest.fixture
def world(app):
    home = factories.institution(name="Instituto del Listado")
    db.session.flush()
    people = {
        "admin": factories.user("admin"),
        "coordinator": factories.user("coordinator"),
        "lead": factories.user(groups={"ethics": "lead"}),
        "member": factories.user(groups={"ethics": "member"}, institution_id=home.id),
        "other": factories.user(groups={"governance": "member"}),
    }
    item = factories.deliverable("ethics", status="done", progress=100)
    closed = helpers.consultation(opens_in_days=-20, closes_in_days=-2)
    db.session.commit()
    return {**people, "deliverable": item, "institution": home, "closed": closed}


def _actions(subject_type, subject_id) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.subject_type == subject_type, AuditEntry.subject_id == subject_id).order_by(AuditEntry.id)))


def test_a_deliverable_reads_its_public_fields_and_derived_completion(call, world):
    body = call("member", "GET", f"/api/v1/deliverables/{world['deliverable'].id}").get_json()
    assert body["public"] is False and body["public_summary"] == {"es": "", "en": ""}
    assert body["completion"] == "complete" and body["completion_override"] is None and body["completion_note"] == ""
    assert body["published_at"] is None


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_coordinators_publish_a_deliverable_with_a_summary_and_override_its_completion(call, world, role):
    item = world["deliverable"]
    response = call(role, "PATCH", f"/api/v1/deliverables/{item.id}", json={
        "version": item.version, "public": True, "public_summary": {"es": "Resumen", "en": "Summary"},
        "completion_override": "substantial", "completion_note": "Falta adoptarlo"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["public"] is True and body["public_summary"] == {"es": "Resumen", "en": "Summary"}
    assert body["completion"] == "substantial" and body["completion_note"] == "Falta adoptarlo"
    assert body["published_at"] is not None and body["version"] > item.version
    assert _actions("deliverables", item.id) == ["deliverable.publish", "deliverable.completion"]
    # One language left out keeps its text; taking it off the portal keeps both.
    body = call(role, "PATCH", f"/api/v1/deliverables/{item.id}", json={
        "version": body["version"], "public": False, "public_summary": {"es": "Otro"}}).get_json()
    assert body["public"] is False and body["public_summary"] == {"es": "Otro", "en": "Summary"}


@pytest.mark.parametrize("role", ["member", "lead"])
def test_members_and_leads_cannot_publish_through_the_api(call, world, role):
    item = world["deliverable"]
    response = call(role, "PATCH", f"/api/v1/deliverables/{item.id}", json={
        "version": item.version, "public": True, "public_summary": {"es": "Resumen"}})
    assert_error(response, 403)
    assert call(role, "GET", f"/api/v1/deliverables/{item.id}").get_json()["public"] is False


def test_publishing_without_a_summary_is_a_422_beside_the_field_and_writes_nothing(call, world):
    item = world["deliverable"]
    response = call("coordinator", "PATCH", f"/api/v1/deliverables/{item.id}",
                    json={"version": item.version, "public": True})
    assert_error(response, 422, "public_summary_es")
    assert not _actions("deliverables", item.id)


@pytest.mark.parametrize("body, field", [
    ({"completion_override": "substantial"}, "completion_note"),
    ({"completion_override": "finished", "completion_note": "x"}, "completion_override"),
    ({"public_summary": {"es": "x" * 2001}}, "public_summary.es"),
    ({"public": "perhaps"}, "public"),
])
def test_bad_portal_fields_are_422(call, world, body, field):
    item = world["deliverable"]
    response = call("coordinator", "PATCH", f"/api/v1/deliverables/{item.id}", json={"version": item.version, **body})
    assert_error(response, 422, field)
    assert not _actions("deliverables", item.id)


def test_a_stale_version_is_a_409_with_the_current_deliverable(call, world):
    item = world["deliverable"]
    response = call("coordinator", "PATCH", f"/api/v1/deliverables/{item.id}", json={
        "version": item.version + 3, "public": True, "public_summary": {"es": "Resumen"}})
    error = assert_error(response, 409)
    assert error and response.get_json()["current"]["public"] is False


def test_an_institutions_own_member_lists_it_and_another_cannot(call, world):
    path = f"/api/v1/institutions/{world['institution'].id}"
    assert call("member", "GET", path).get_json()["listed"] is False
    response = call("member", "PATCH", path, json={"listed": True})
    assert response.status_code == 200 and response.get_json()["listed"] is True
    assert_error(call("other", "PATCH", path, json={"listed": False}), 403)
    assert_error(call("lead", "PATCH", path, json={"listed": False}), 403)
    assert call("coordinator", "PATCH", path, json={"listed": False}).get_json()["listed"] is False
    assert _actions("institutions", world["institution"].id) == ["institution.list", "institution.unlist"]


def test_an_institutions_own_member_cannot_change_its_other_fields(call, world):
    path = f"/api/v1/institutions/{world['institution'].id}"
    assert_error(call("member", "PATCH", path, json={"listed": True, "acronym": "NUEVA"}), 403)
    assert call("member", "GET", path).get_json()["listed"] is False


def test_a_consultation_reads_whether_its_results_are_published(call, world):
    closed = world["closed"]
    assert call("anonymous", "GET", f"/api/v1/consultations/{closed.slug}").get_json()["results_published"] is False
    closed.results_published = True
    db.session.commit()
    body = call("anonymous", "GET", "/api/v1/consultations").get_json()
    assert {c["slug"]: c["results_published"] for c in body["items"]}[closed.slug] is True
