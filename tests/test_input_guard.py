import pytest

from tests import factories
from tests.conftest import csrf_token, login


@pytest.mark.parametrize("text", ["nul\x00byte", "in the middle \x00 of a note"])
def test_unstorable_text_in_a_form_is_a_clear_400(app, client, text):
    member = factories.user(groups={"ethics": "member"})
    item = factories.deliverable(owner=member)
    from coalition.extensions import db
    db.session.commit()
    login(client, member)
    token = csrf_token(client, f"/deliverables/{item.id}")
    response = client.post(f"/deliverables/{item.id}", data={
        "status": "done", "progress": "100", "note": text, "version": "1", "csrf_token": token})
    assert response.status_code == 400


def test_deeply_nested_json_is_a_400_in_the_error_shape(app, client):
    body = "[" * 50000 + "]" * 50000
    response = client.post("/api/v1/tokens", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json["error"]["status"] == 400


def test_nul_in_a_json_string_is_a_400(app, client):
    response = client.post("/api/v1/tokens", json={"email": "a\u0000@example.org", "password": "x"})
    assert response.status_code == 400 and response.json["error"]["code"] == "bad_request"


def test_a_lone_surrogate_in_json_is_a_400(app, client):
    response = client.post("/api/v1/tokens", data='{"email": "\\ud800@example.org", "password": "x"}',
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 400
