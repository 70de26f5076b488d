"""Naming and removing a chapter's liaisons from its page: coordinators only, audited, shown at once."""
from __future__ import annotations

import sqlalchemy as sa

from coalition.audit.models import AuditEntry
from coalition.extensions import db
from coalition.states.models import StateLiaison
from tests import factories
from tests.conftest import csrf_token, login, post_form


def coordinator_client(app):
    coordinator = factories.user(role="coordinator", name="Coordinadora")
    db.session.commit()
    client = app.test_client()
    login(client, coordinator)
    return client, coordinator


def liaisons(state: str = "JAL") -> list[int]:
    return db.session.scalars(sa.select(StateLiaison.user_id).where(StateLiaison.state == state)
                              .order_by(StateLiaison.user_id)).all()


def test_a_coordinator_names_a_liaison_from_the_list_audited_and_shown(app):
    client, coordinator = coordinator_client(app)
    udg = factories.institution(name="Universidad de Guadalajara", acronym="UdeG", state="JAL")
    ana = factories.user(name="Ana Torres", institution_id=udg.id)
    db.session.commit()
    page = client.get("/states/JAL?lang=en").get_data(as_text=True)
    assert f'<option value="{ana.id}">Ana Torres · UdeG</option>' in page
    response = post_form(client, "/states/jal/liaisons?lang=en", {"user_id": str(ana.id), "email": ""},
                         form_page="/states/JAL")
    assert response.status_code == 302 and response.headers["Location"].endswith("/states/JAL#liaisons")
    assert liaisons() == [ana.id]
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "liaison.appoint")).one()
    assert (entry.actor_id, entry.subject_type, entry.subject_id, entry.changes) == (
        coordinator.id, "users", ana.id, {"state": [None, "JAL"]})
    html = client.get("/states/JAL?lang=en").get_data(as_text=True)
    assert "Ana Torres is now a liaison of Jalisco." in html
    shown = html.split('id="liaisons-heading"')[1].split("</section>")[0]
    assert "Ana Torres" in shown and f"/states/JAL/liaisons/{ana.id}/remove" in shown
    # Already a liaison: no longer offered.
    assert f'<option value="{ana.id}">' not in shown


def test_a_coordinator_names_a_liaison_by_email(app):
    client, _coordinator = coordinator_client(app)
    beto = factories.user(name="Beto Ruiz", email="beto@udg.mx")
    db.session.commit()
    response = post_form(client, "/states/NLE/liaisons", {"user_id": "", "email": "BETO@udg.mx"}, form_page="/states/NLE")
    assert response.status_code == 302
    assert liaisons("NLE") == [beto.id] and liaisons("JAL") == []


def test_naming_the_same_liaison_twice_keeps_one(app):
    client, _coordinator = coordinator_client(app)
    ana = factories.user()
    db.session.commit()
    for _ in range(2):
        assert post_form(client, "/states/JAL/liaisons", {"user_id": str(ana.id)}, form_page="/states/JAL"
                         ).status_code == 302
    assert liaisons() == [ana.id]


def test_a_wrong_choice_is_shown_beside_the_field(app):
    client, _coordinator = coordinator_client(app)
    gone = factories.user(name="Inactiva", email="gone@udg.mx", active=False)
    ana = factories.user()
    db.session.commit()
    cases = [
        ({"user_id": "", "email": ""}, "Choose a person from the list, or give an e-mail address"),
        ({"user_id": str(ana.id), "email": "ana@udg.mx"}, "Choose a person from the list, or give an e-mail address"),
        ({"user_id": "", "email": "nobody@udg.mx"}, "No active member has this e-mail address."),
        ({"user_id": "", "email": "gone@udg.mx"}, "No active member has this e-mail address."),
        ({"user_id": str(gone.id)}, "Choose an active member."),
        ({"user_id": "999999999"}, "Choose an active member."),
        ({"user_id": "", "email": "x" * 300 + "@udg.mx"}, "Field cannot be longer than"),
    ]
    for data, message in cases:
        response = post_form(client, "/states/JAL/liaisons?lang=en", data, form_page="/states/JAL")
        html = response.get_data(as_text=True)
        assert response.status_code == 422, data
        assert message in html, (data, html[html.find("invalid-feedback"):][:300])
    assert liaisons() == []


def test_a_coordinator_removes_a_liaison_audited(app):
    client, coordinator = coordinator_client(app)
    ana = factories.user(name="Ana Torres")
    db.session.add(StateLiaison(state="JAL", user_id=ana.id))
    db.session.commit()
    response = post_form(client, f"/states/JAL/liaisons/{ana.id}/remove", {}, form_page="/states/JAL")
    assert response.status_code == 302 and response.headers["Location"].endswith("/states/JAL#liaisons")
    assert liaisons() == []
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "liaison.remove")).one()
    assert (entry.actor_id, entry.subject_id, entry.changes) == (coordinator.id, ana.id, {"state": ["JAL", None]})
    # Removing someone who is not a liaison changes nothing and records nothing.
    assert post_form(client, f"/states/JAL/liaisons/{ana.id}/remove", {}, form_page="/states/JAL").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == "liaison.remove")) == 1


def test_a_named_liaison_may_record_there_at_once(app):
    client, _coordinator = coordinator_client(app)
    ana = factories.user()
    db.session.commit()
    post_form(client, "/states/JAL/liaisons", {"user_id": str(ana.id)}, form_page="/states/JAL")
    theirs = app.test_client()
    login(theirs, ana)
    assert 'href="/instruments/new?state=JAL"' in theirs.get("/states/JAL").get_data(as_text=True)


def test_members_liaisons_and_leads_cannot_name_or_remove_liaisons(app):
    member = factories.user()
    liaison = factories.user()
    lead = factories.user(groups={"ethics": "lead"})
    target = factories.user()
    db.session.add(StateLiaison(state="JAL", user_id=liaison.id))
    db.session.add(StateLiaison(state="JAL", user_id=target.id))
    db.session.commit()
    for person in (member, liaison, lead):
        client = app.test_client()
        login(client, person)
        html = client.get("/states/JAL").get_data(as_text=True)
        assert "/liaisons/" not in html and 'action="/states/JAL/liaisons"' not in html
        token = csrf_token(client, "/states/JAL")
        assert client.post("/states/JAL/liaisons", data={"user_id": str(member.id), "csrf_token": token}
                           ).status_code == 403
        assert client.post(f"/states/JAL/liaisons/{target.id}/remove", data={"csrf_token": token}).status_code == 403
    assert liaisons() == sorted([liaison.id, target.id])
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.action.like("liaison.%"))) == 0


def test_anonymous_posts_are_refused(app, client):
    token = csrf_token(client, "/login")
    assert client.post("/states/JAL/liaisons", data={"user_id": "1", "csrf_token": token}).status_code == 401
    assert client.post("/states/JAL/liaisons/1/remove", data={"csrf_token": token}).status_code == 401
    assert client.post("/states/JAL/follow", data={"following": "1", "csrf_token": token}).status_code == 401


def test_liaisons_of_an_unknown_chapter_are_not_found(app):
    client, _coordinator = coordinator_client(app)
    ana = factories.user()
    db.session.commit()
    assert post_form(client, "/states/xx/liaisons", {"user_id": str(ana.id)}, form_page="/states/JAL").status_code == 404
    assert post_form(client, f"/states/xx/liaisons/{ana.id}/remove", {}, form_page="/states/JAL").status_code == 404
    assert post_form(client, f"/states/JAL/liaisons/{10 ** 30}/remove", {}, form_page="/states/JAL"
                     ).status_code == 404


def test_the_liaison_picker_searches_by_name_or_email(app):
    client, _coordinator = coordinator_client(app)
    factories.user(name="Ana Torres", email="ana@udg.mx")
    factories.user(name="Beto Ruiz", email="beto@itesm.mx")
    db.session.commit()
    html = client.get("/states/JAL?person_q=itesm").get_data(as_text=True)
    assert "Beto Ruiz" in html and "Ana Torres" not in html
    assert client.get("/states/JAL?person_q=" + "%25" * 500).status_code == 200
