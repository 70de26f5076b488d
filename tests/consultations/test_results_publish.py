"""A coordinator publishes a closed consultation's results on the public portal (and takes them off);
both are audited and show on the consultation's page."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from coalition.audit.models import AuditEntry
from coalition.consultations import services
from coalition.consultations.models import Consultation
from coalition.dashboards import cache
from coalition.errors import Conflict, NotAuthenticated, PermissionDenied, ValidationError
from coalition.extensions import db
from tests import factories
from tests.conftest import login, post_form
from tests.consultations import helpers


def _people():
    people = {
        "member": factories.user(groups={"ethics": "member"}, language="en"),
        "other": factories.user(groups={"governance": "member"}, language="en"),
        "lead": factories.user(groups={"ethics": "lead"}, language="en"),
        "coordinator": factories.user(role="coordinator", language="en"),
        "admin": factories.user(role="admin", language="en"),
    }
    db.session.commit()
    return people


def _closed(**values) -> Consultation:
    item = helpers.consultation(opens_in_days=-20, closes_in_days=-2, **values)
    db.session.commit()
    return item


def _audit(item) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.subject_type == "consultations", AuditEntry.subject_id == item.id,
        AuditEntry.action.like("consultation.%results")).order_by(AuditEntry.id)))


@pytest.mark.parametrize("role", ["coordinator", "admin"])
@pytest.mark.parametrize("phase", ["open", "analysed", "reported"])  # open with past dates: closed
def test_coordinators_publish_and_unpublish_the_results_of_a_closed_consultation(app, role, phase):
    people = _people()
    item = _closed(phase=phase)
    services.publish_results(people[role], item, True, item.version)
    db.session.commit()
    assert item.results_published and item.results_published_at and item.results_published_by_id == people[role].id
    services.publish_results(people[role], item, False, item.version)
    db.session.commit()
    assert not item.results_published and item.results_published_at is None
    assert [(e.action, e.actor_id) for e in _audit(item)] == [
        ("consultation.publish_results", people[role].id), ("consultation.unpublish_results", people[role].id)]


@pytest.mark.parametrize("role", ["member", "other", "lead"])
def test_members_and_leads_cannot_publish_results(app, role):
    people = _people()
    item = _closed()
    with pytest.raises(PermissionDenied):
        services.publish_results(people[role], item, True, item.version)
    db.session.rollback()
    assert not db.session.get(Consultation, item.id).results_published and not _audit(item)


def test_anonymous_cannot_publish_results(app):
    item = _closed()
    with pytest.raises(NotAuthenticated):
        services.publish_results(None, item, True)


@pytest.mark.parametrize("phase, opens, closes", [("open", -1, 10), ("open", 3, 10), ("draft", -20, -2)])
def test_results_of_a_consultation_that_has_not_closed_cannot_be_published(app, phase, opens, closes):
    people = _people()
    item = helpers.consultation(phase=phase, opens_in_days=opens, closes_in_days=closes)
    db.session.commit()
    with pytest.raises(ValidationError) as refused:
        services.publish_results(people["coordinator"], item, True, item.version)
    with force_locale("en"):
        assert "only once the consultation has closed" in str(refused.value.fields["results_published"][0])
    db.session.rollback()
    assert not db.session.get(Consultation, item.id).results_published and not _audit(item)


def test_a_stale_version_is_a_conflict_and_published_must_be_a_boolean(app):
    people = _people()
    item = _closed()
    with pytest.raises(Conflict):
        services.publish_results(people["coordinator"], item, True, item.version + 1)
    with pytest.raises(ValidationError):
        services.publish_results(people["coordinator"], item, "yes", item.version)


def test_publishing_twice_writes_once(app):
    people = _people()
    item = _closed()
    services.publish_results(people["coordinator"], item, True, item.version)
    services.publish_results(people["coordinator"], item, True, item.version)
    assert len(_audit(item)) == 1


def test_publishing_results_grows_the_data_version_so_the_portal_is_fresh(app):
    people = _people()
    item = _closed()
    before = cache.version()
    services.publish_results(people["coordinator"], item, True, item.version)
    db.session.commit()
    assert cache.version() > before


# --- the page -------------------------------------------------------------------------------

def test_a_coordinator_publishes_the_results_from_the_page_and_the_history_shows_it(app, client):
    people = _people()
    item = _closed()
    login(client, people["coordinator"])
    path = f"/consultations/{item.slug}"
    page = client.get(path).get_data(as_text=True)
    assert 'name="results_published"' in page and "Not published" in page
    response = post_form(client, f"{path}/results", {"results_published": "y", "version": item.version},
                         form_page=path)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{path}#results")
    page = client.get(path).get_data(as_text=True)
    assert "The results are published on the public portal." in page and "published the results" in page
    assert f"/public/consultations/{item.slug}" in page


def test_publishing_an_open_consultations_results_shows_the_error_beside_the_toggle(app, client):
    people = _people()
    item = helpers.consultation()
    db.session.commit()
    login(client, people["coordinator"])
    path = f"/consultations/{item.slug}"
    response = post_form(client, f"{path}/results", {"results_published": "y", "version": item.version},
                         form_page=path)
    assert response.status_code == 422
    assert 'id="results_published-error"' in response.get_data(as_text=True)
    assert not _audit(item)


def test_members_see_the_state_and_history_but_no_toggle_and_get_403(app, client):
    people = _people()
    item = _closed()
    login(client, people["member"])
    path = f"/consultations/{item.slug}"
    page = client.get(path).get_data(as_text=True)
    assert "Results on the public portal" in page and 'name="results_published"' not in page
    response = post_form(client, f"{path}/results", {"results_published": "y"}, form_page="/consultations")
    assert response.status_code == 403


def test_the_public_sees_no_publication_history(app, client):
    item = _closed()
    page = client.get(f"/consultations/{item.slug}").get_data(as_text=True)
    assert 'id="results"' not in page
    response = post_form(client, f"/consultations/{item.slug}/results", {"results_published": "y"},
                         form_page="/login")
    assert response.status_code == 401


def test_reopening_a_consultation_takes_its_results_off_the_portal(app):
    from datetime import timedelta

    from coalition.database import utcnow

    people = _people()
    item = _closed()
    services.publish_results(people["coordinator"], item, True, item.version)
    db.session.commit()
    services.update_consultation(people["coordinator"], item, version=item.version,
                                 closes_at=utcnow() + timedelta(days=10))
    db.session.commit()
    assert not item.results_published
    assert [e.action for e in _audit(item)] == ["consultation.publish_results", "consultation.unpublish_results"]
    assert db.session.scalar(sa.select(Consultation.id).where(Consultation.results_public())) is None
