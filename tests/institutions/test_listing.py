"""An institution is named on the public portal only when one of its own people or a coordinator agrees;
listing and unlisting are audited and show on the institution's page."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from coalition.audit.models import AuditEntry
from coalition.dashboards import cache
from coalition.errors import NotAuthenticated, PermissionDenied, ValidationError
from coalition.extensions import db
from coalition.institutions import services
from coalition.institutions.models import Institution
from tests import factories
from tests.conftest import login, post_form


def _world():
    home = factories.institution(name="Universidad del Listado", sector="academia")
    elsewhere = factories.institution(name="Otra Institución", sector="industry")
    db.session.flush()
    people = {
        "own": factories.user(institution_id=home.id, language="en"),
        "elsewhere": factories.user(institution_id=elsewhere.id, language="en"),
        "lead": factories.user(groups={"ethics": "lead"}, language="en"),
        "nobody": factories.user(language="en"),
        "coordinator": factories.user(role="coordinator", language="en"),
        "admin": factories.user(role="admin", language="en"),
    }
    db.session.commit()
    return home, people


def _audit(institution) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.subject_type == "institutions", AuditEntry.subject_id == institution.id).order_by(AuditEntry.id)))


@pytest.mark.parametrize("role", ["own", "coordinator", "admin"])
def test_its_own_people_and_coordinators_list_and_unlist_an_institution(app, role):
    home, people = _world()
    services.set_listed(people[role], home, True)
    db.session.commit()
    assert home.listed and home.listed_at is not None
    services.set_listed(people[role], home, False)
    db.session.commit()
    assert not home.listed and home.listed_at is None
    assert [(e.action, e.actor_id) for e in _audit(home)] == [
        ("institution.list", people[role].id), ("institution.unlist", people[role].id)]


@pytest.mark.parametrize("role", ["elsewhere", "lead", "nobody"])
def test_people_of_other_institutions_cannot_list_it(app, role):
    home, people = _world()
    with pytest.raises(PermissionDenied):
        services.set_listed(people[role], home, True)
    db.session.rollback()
    assert not db.session.get(Institution, home.id).listed and not _audit(home)


def test_an_inactive_person_of_the_institution_cannot_list_it(app):
    home, people = _world()
    people["own"].active = False
    db.session.commit()
    with pytest.raises(NotAuthenticated):
        services.set_listed(people["own"], home, True)


def test_listed_must_be_true_or_false(app):
    home, people = _world()
    with pytest.raises(ValidationError):
        services.set_listed(people["coordinator"], home, "yes")


def test_listing_it_again_writes_nothing(app):
    home, people = _world()
    services.set_listed(people["own"], home, True)
    services.set_listed(people["coordinator"], home, True)
    assert len(_audit(home)) == 1


def test_listing_grows_the_data_version_so_the_portal_is_fresh(app):
    home, people = _world()
    before = cache.version()
    services.set_listed(people["own"], home, True)
    db.session.commit()
    assert cache.version() > before


# --- the page -------------------------------------------------------------------------------

def test_its_own_member_lists_it_from_the_page_and_the_history_shows_who(app, client):
    home, people = _world()
    login(client, people["own"])
    path = f"/institutions/{home.id}"
    page = client.get(path).get_data(as_text=True)
    assert 'name="listed"' in page and "members page" in page
    response = post_form(client, f"{path}/listing", {"listed": "y"}, form_page=path)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{path}#listing")
    page = client.get(path).get_data(as_text=True)
    assert "The institution is listed on the public portal." in page
    assert "listed it" in page and people["own"].name in page
    db.session.expire_all()
    assert db.session.get(Institution, home.id).listed
    # Unticked, the box unlists it.
    post_form(client, f"{path}/listing", {}, form_page=path)
    db.session.expire_all()
    assert not db.session.get(Institution, home.id).listed


def test_a_member_of_another_institution_sees_the_state_but_no_toggle_and_gets_403(app, client):
    home, people = _world()
    login(client, people["elsewhere"])
    path = f"/institutions/{home.id}"
    page = client.get(path).get_data(as_text=True)
    assert "Not listed" in page and 'name="listed"' not in page
    response = post_form(client, f"{path}/listing", {"listed": "y"}, form_page="/institutions")
    assert response.status_code == 403
    db.session.expire_all()
    assert not db.session.get(Institution, home.id).listed


def test_a_post_without_its_csrf_token_is_refused_and_writes_nothing(app, client):
    home, people = _world()
    login(client, people["coordinator"])
    response = client.post(f"/institutions/{home.id}/listing", data={"listed": "y"})
    assert response.status_code == 400
    db.session.expire_all()
    assert not db.session.get(Institution, home.id).listed and not _audit(home)


def test_a_former_member_can_still_be_unlisted(app):
    home, people = _world()
    services.set_listed(people["own"], home, True)
    home.active = False
    services.set_listed(people["coordinator"], home, False)
    assert not home.listed


def test_anonymous_gets_401(app, client):
    home, _ = _world()
    response = post_form(client, f"/institutions/{home.id}/listing", {"listed": "y"}, form_page="/login")
    assert response.status_code == 401
