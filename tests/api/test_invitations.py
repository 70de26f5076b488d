from coalition.auth.models import User
from coalition.extensions import db
from tests import factories


def _token(client, person):
    return {"Authorization": "Bearer " + client.post(
        "/api/v1/tokens", json={"email": person.email, "password": factories.PASSWORD}).json["token"]}


def test_lead_invites_into_their_group_and_the_link_creates_the_account_once(app, client):
    lead = factories.user(groups={"ethics": "lead"})
    db.session.commit()
    response = client.post("/api/v1/invitations", json={"email": "Nueva@Example.org", "name": "Ana Nueva",
                                                        "group": "ethics"}, headers=_token(client, lead))
    assert response.status_code == 201, response.json
    link = response.json["accept_url"].replace("http://localhost", "")
    page = client.get(link)
    assert page.status_code == 200
    from tests.conftest import CSRF_RE
    token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
    accepted = client.post(link, data={"name": "Ana Nueva", "password": "una frase larga", "confirm":
                                       "una frase larga", "csrf_token": token})
    assert accepted.status_code == 302
    db.session.expire_all()
    person = db.session.query(User).filter_by(email="nueva@example.org").one()
    assert person.group_roles() != {}
    assert client.get(link).status_code == 404


def test_a_lead_must_name_their_own_group(app, client):
    lead = factories.user(groups={"ethics": "lead"})
    db.session.commit()
    headers = _token(client, lead)
    assert client.post("/api/v1/invitations", json={"email": "a@example.org", "name": "A"},
                       headers=headers).status_code == 422
    assert client.post("/api/v1/invitations", json={"email": "a@example.org", "name": "A", "group": "data"},
                       headers=headers).status_code == 403


def test_only_admins_invite_coordinators(app, client):
    coordinator = factories.user(role="coordinator")
    db.session.commit()
    response = client.post("/api/v1/invitations", json={"email": "c@example.org", "name": "C",
                                                        "role": "coordinator"}, headers=_token(client, coordinator))
    assert response.status_code == 422 and "role" in response.json["error"]["fields"]
