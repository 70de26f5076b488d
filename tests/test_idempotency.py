"""Safe retries: an API POST's Idempotency-Key and the one-time token every HTML form carries."""
from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Response

from coalition import idempotency
from coalition.database import utcnow
from coalition.deliverables.models import Deliverable, DeliverableUpdate
from coalition.extensions import db
from coalition.idempotency import IdempotencyKey
from tests import factories
from tests.api.test_tokens import auth, new_token
from tests.conftest import login, post_form

UPDATES = "/api/v1/deliverables/{}/updates"
POST_FORM = re.compile(r'<form\b[^>]*method="post"[^>]*>', re.IGNORECASE)
ONCE = re.compile(r'<input type="hidden" name="once_token" value="([A-Za-z0-9_-]+)">')


def _updates(item_id: int | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(DeliverableUpdate)
    if item_id is not None:
        query = query.where(DeliverableUpdate.deliverable_id == item_id)
    db.session.expire_all()
    return db.session.scalar(query)


def _stored_keys() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(IdempotencyKey))


@pytest.fixture
def member(client):
    person = factories.user(name="Marta Miembro", groups={"ethics": "member"})
    item = factories.deliverable("ethics", owner=person, status="in_progress", progress=10)
    db.session.commit()
    token = new_token(client, person)["token"]
    return {"person": person, "item_id": item.id, "headers": auth(token)}


def _post_update(client, member, body, key=None, headers=None):
    sent = {**member["headers"], **({"Idempotency-Key": key} if key is not None else {}), **(headers or {})}
    return client.post(UPDATES.format(member["item_id"]), json=body, headers=sent)


# --- the API's Idempotency-Key ---------------------------------------------------------------

def test_a_retry_with_the_same_key_returns_the_first_answer_and_writes_nothing(client, member):
    body = {"status": "in_progress", "progress": 40, "note": "Primer borrador"}
    first = _post_update(client, member, body, key="3f1e0c9a-retry")
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    retry = _post_update(client, member, body, key="3f1e0c9a-retry")
    assert retry.status_code == 201
    assert retry.get_json() == first.get_json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.headers["Content-Type"] == first.headers["Content-Type"]
    assert _updates(member["item_id"]) == 1
    assert db.session.get(Deliverable, member["item_id"]).progress == 40


def test_a_new_key_is_a_new_write(client, member):
    body = {"status": "in_progress", "progress": 40, "note": "Igual"}
    assert _post_update(client, member, body, key="key-one").status_code == 201
    assert _post_update(client, member, body, key="key-two").status_code == 201
    assert _post_update(client, member, body).status_code == 201  # no key: no protection, as before
    assert _updates(member["item_id"]) == 3


def test_the_same_key_with_another_body_is_a_422_and_writes_nothing(client, member):
    assert _post_update(client, member, {"status": "in_progress", "progress": 40}, key="k-body").status_code == 201
    again = _post_update(client, member, {"status": "in_progress", "progress": 55}, key="k-body")
    assert again.status_code == 422
    error = again.get_json()["error"]
    assert error["code"] == "idempotency_key_reused" and error["status"] == 422
    assert "Idempotency-Key" in error["fields"]
    assert _updates(member["item_id"]) == 1
    assert db.session.get(Deliverable, member["item_id"]).progress == 40


def test_the_same_key_on_another_path_is_a_422(client, member):
    assert _post_update(client, member, {"status": "in_progress", "progress": 40}, key="k-path").status_code == 201
    other = client.post("/api/v1/institutions", json={"name": "Otra", "sector": "academia", "state": "JAL"},
                        headers={**member["headers"], "Idempotency-Key": "k-path"})
    assert other.status_code == 422 and other.get_json()["error"]["code"] == "idempotency_key_reused"


def test_the_same_json_with_keys_in_another_order_is_the_same_body(client, member):
    first = client.post(UPDATES.format(member["item_id"]), data='{"status": "in_progress", "progress": 40}',
                        content_type="application/json", headers={**member["headers"], "Idempotency-Key": "k-json"})
    again = client.post(UPDATES.format(member["item_id"]), data='{"progress":40,"status":"in_progress"}',
                        content_type="application/json", headers={**member["headers"], "Idempotency-Key": "k-json"})
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _updates(member["item_id"]) == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "con espacio", "tab\there", "ñandú"])
def test_a_malformed_key_is_a_400_in_the_error_shape(client, member, key):
    response = _post_update(client, member, {"status": "in_progress", "progress": 40}, key=key)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_idempotency_key" and "Idempotency-Key" in error["fields"]
    assert _updates(member["item_id"]) == 0


def test_a_key_of_255_visible_characters_is_accepted(client, member):
    key = ("!~" * 128)[:255]
    assert _post_update(client, member, {"status": "in_progress", "progress": 40}, key=key).status_code == 201
    assert _post_update(client, member, {"status": "in_progress", "progress": 40}, key=key).headers[
        "Idempotent-Replayed"] == "true"


def test_keys_belong_to_the_tokens_owner(client, member):
    other = factories.user(groups={"ethics": "member"})
    db.session.commit()
    other_headers = auth(new_token(client, other)["token"])
    body = {"status": "in_progress", "progress": 40}
    assert _post_update(client, member, body, key="shared-key").status_code == 201
    theirs = client.post(UPDATES.format(member["item_id"]), json=body,
                         headers={**other_headers, "Idempotency-Key": "shared-key"})
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs.headers
    assert _updates(member["item_id"]) == 2


def test_an_error_answer_is_not_remembered_so_its_retry_runs_again(client, member):
    refused = _post_update(client, member, {"status": "in_progress", "progress": 140}, key="k-error")
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "validation_error"
    assert _stored_keys() == 0
    fixed = _post_update(client, member, {"status": "in_progress", "progress": 40}, key="k-error")
    assert fixed.status_code == 201
    assert _updates(member["item_id"]) == 1


def test_the_stored_answer_is_in_the_same_transaction_as_the_write(client, member):
    assert _post_update(client, member, {"status": "in_progress", "progress": 40}, key="k-tx").status_code == 201
    row = db.session.execute(sa.select(IdempotencyKey)).scalar_one()
    update = db.session.execute(sa.select(DeliverableUpdate)).scalar_one()
    assert row.scope == f"api:{member['person'].id}" and row.status_code == 201
    assert b'"progress_after": 40' in row.body or b'"progress_after":40' in row.body
    # One commit wrote both: a lost acknowledgement still finds its answer.
    assert abs((row.created_at - update.created_at).total_seconds()) < 5


def test_a_key_older_than_a_day_is_forgotten(client, member):
    body = {"status": "in_progress", "progress": 40}
    assert _post_update(client, member, body, key="k-old").status_code == 201
    db.session.execute(sa.update(IdempotencyKey).values(created_at=utcnow() - timedelta(hours=25)))
    db.session.commit()
    again = _post_update(client, member, body, key="k-old")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert _updates(member["item_id"]) == 2
    assert _stored_keys() == 1  # the old row made way for the new one


def test_pruning_forgets_only_keys_older_than_a_day(app, client, member):
    body = {"status": "in_progress", "progress": 40}
    for key in ("k-a", "k-b"):
        assert _post_update(client, member, body | {"note": key}, key=key).status_code == 201
    db.session.execute(sa.update(IdempotencyKey).where(IdempotencyKey.key == "k-a")
                       .values(created_at=utcnow() - timedelta(hours=25)))
    db.session.commit()
    assert idempotency.prune() == 1
    db.session.commit()
    assert db.session.scalars(sa.select(IdempotencyKey.key)).all() == ["k-b"]


def test_beat_prunes_the_keys_daily():
    from workers import tasks
    from workers.schedule import BEAT_SCHEDULE

    entry = BEAT_SCHEDULE["prune-idempotency-keys"]
    assert entry["task"] == tasks.prune_idempotency_keys.name
    assert entry["schedule"].hour == {3} and entry["schedule"].minute == {20}


def test_the_token_exchange_accepts_a_key_but_never_stores_the_secret(client, member):
    person = member["person"]
    body = {"email": person.email, "password": factories.PASSWORD}
    first = client.post("/api/v1/tokens", json=body, headers={"Idempotency-Key": "login-1"})
    second = client.post("/api/v1/tokens", json=body, headers={"Idempotency-Key": "login-1"})
    assert first.status_code == second.status_code == 201
    assert first.get_json()["token"] != second.get_json()["token"]  # a second token is harmless
    assert _stored_keys() == 0
    assert client.post("/api/v1/tokens", json=body, headers={"Idempotency-Key": ""}).status_code == 400


def _concurrent_posts(app, member, body, key, n=8):
    """n clients send the same request with the same key at the same moment."""
    barrier = threading.Barrier(n)
    answers: list = []

    def send():
        client = app.test_client()
        barrier.wait()
        response = client.post(UPDATES.format(member["item_id"]), json=body,
                               headers={**member["headers"], "Idempotency-Key": key})
        answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=send) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


def _assert_one_write(answers, member):
    statuses = sorted(status for status, _body in answers)
    assert set(statuses) <= {201, 409}, answers
    assert 201 in statuses
    assert len({str(body) for status, body in answers if status == 201}) == 1  # every 201 is the first's
    for status, body in answers:
        if status == 409:
            assert body["error"]["code"] in ("idempotency_key_in_use", "conflict")
    assert _updates(member["item_id"]) == 1


def test_concurrent_requests_with_one_key_write_once(app, member):
    answers = _concurrent_posts(app, member, {"status": "in_progress", "progress": 70}, "k-race")
    _assert_one_write(answers, member)


@pytest.mark.postgres
def test_concurrent_requests_with_one_key_write_once_on_postgres(app, member):
    answers = _concurrent_posts(app, member, {"status": "in_progress", "progress": 70}, "k-race-pg")
    _assert_one_write(answers, member)
    # PostgreSQL's advisory lock answers a twin that arrives mid-flight with 409, never a second write.
    assert all(body["error"]["code"] == "idempotency_key_in_use" for status, body in answers if status == 409)


def test_the_openapi_document_describes_the_header_on_every_post(client):
    document = client.get("/api/openapi.json").get_json()
    parameter = document["components"]["parameters"]["IdempotencyKey"]
    assert parameter["in"] == "header" and parameter["name"] == "Idempotency-Key"
    assert parameter["schema"]["maxLength"] == 255 and not parameter["required"]
    posts = {path: ops["post"] for path, ops in document["paths"].items() if "post" in ops}
    assert len(posts) >= 10
    for path, operation in posts.items():
        assert {"$ref": "#/components/parameters/IdempotencyKey"} in operation["parameters"], path
        assert "400" in operation["responses"], path
        if path != "/api/v1/tokens":
            assert "409" in operation["responses"] and "422" in operation["responses"], path
            assert "Idempotency-Key" in operation["responses"]["409"]["description"], path
    assert "not remembered" in parameter["description"]


# --- HTML forms' one-time token --------------------------------------------------------------

def _update_form(client, item_id: int) -> dict:
    """The deliverable's update form as a browser would send it: its hidden inputs, filled in."""
    page = client.get(f"/deliverables/{item_id}").get_data(as_text=True)
    start = page.index(f'action="/deliverables/{item_id}"')
    form = page[page.rindex("<form", 0, start):page.index("</form>", start)]
    hidden = {}
    for tag in re.findall(r"<input\b[^>]*>", form):
        attributes = dict(re.findall(r'(\w+)="([^"]*)"', tag))
        if attributes.get("type") == "hidden":
            hidden[attributes["name"]] = attributes.get("value", "")
    return {**hidden, "status": "in_review", "progress": "70", "note": "Enviado a revisión"}


@pytest.fixture
def signed_in(client):
    person = factories.user(name="Marta Miembro", groups={"ethics": "member"})
    item = factories.deliverable("ethics", owner=person, status="in_progress", progress=10)
    db.session.commit()
    login(client, person)
    return {"person": person, "item_id": item.id}


def test_every_post_form_carries_its_own_one_time_token_without_an_id(client, signed_in):
    factories.meeting("ethics")
    db.session.commit()
    for path in (f"/deliverables/{signed_in['item_id']}", "/settings", "/"):
        page = client.get(path).get_data(as_text=True)
        forms = POST_FORM.findall(page)
        assert forms, path
        tokens = []
        for match in POST_FORM.finditer(page):
            following = ONCE.match(page, match.end())
            assert following, (path, match.group(0))
            tokens.append(following.group(1))
        assert len(set(tokens)) == len(tokens) == len(forms)
        assert 'id="once_token"' not in page


def test_a_double_submitted_form_writes_once_and_the_second_is_told(client, signed_in):
    item_id = signed_in["item_id"]
    data = _update_form(client, item_id)
    first = client.post(f"/deliverables/{item_id}", data=data)
    assert first.status_code == 302
    second = client.post(f"/deliverables/{item_id}", data=data)
    assert second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert _updates(item_id) == 1
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "Este formulario ya se había enviado." in page or "This form was already sent." in page


def test_a_form_without_the_token_still_works(client, signed_in):
    item_id = signed_in["item_id"]
    data = _update_form(client, item_id)
    del data["once_token"]
    assert client.post(f"/deliverables/{item_id}", data=data).status_code == 302
    # The tests outside this repository post forms with only csrf_token too.
    response = post_form(client, f"/deliverables/{item_id}",
                         {"status": "done", "progress": "100", "note": "", "version": "2"})
    assert response.status_code == 302
    assert _updates(item_id) == 2


def test_a_refused_submission_keeps_its_token_for_the_corrected_one(client, signed_in):
    item_id = signed_in["item_id"]
    data = _update_form(client, item_id)
    refused = client.post(f"/deliverables/{item_id}", data={**data, "progress": "140"})
    assert refused.status_code == 422
    assert client.post(f"/deliverables/{item_id}", data=data).status_code == 302
    assert _updates(item_id) == 1


def test_a_form_token_is_per_person(client, signed_in):
    item_id = signed_in["item_id"]
    data = _update_form(client, item_id)
    assert client.post(f"/deliverables/{item_id}", data=data).status_code == 302
    row = db.session.execute(sa.select(IdempotencyKey)).scalar_one()
    assert row.scope == f"form:{signed_in['person'].id}" and row.key == data["once_token"]
    assert row.headers["Location"].endswith(f"/deliverables/{item_id}")


def test_concurrent_double_submits_write_once(app, client, signed_in):
    item_id = signed_in["item_id"]
    data = _update_form(client, item_id)
    cookie = client.get_cookie("session")
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def submit():
        twin = app.test_client()
        twin.set_cookie(cookie.key, cookie.value)
        barrier.wait()
        statuses.append(twin.post(f"/deliverables/{item_id}", data=data).status_code)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert 500 not in statuses and len(statuses) == 4
    assert set(statuses) <= {302, 303, 409}, statuses
    assert _updates(item_id) == 1


def test_a_page_shared_by_caches_gets_no_one_time_token(app):
    with app.test_request_context("/"):
        page = '<form method="post" action="/x"><button>Go</button></form>'
        private = idempotency.stamp_forms(Response(page, mimetype="text/html"))
        assert ONCE.search(private.get_data(as_text=True))
        public = Response(page, mimetype="text/html")
        public.cache_control.public = True
        assert "once_token" not in idempotency.stamp_forms(public).get_data(as_text=True)
        get_form = Response('<form method="get" action="/x"></form>', mimetype="text/html")
        assert "once_token" not in idempotency.stamp_forms(get_form).get_data(as_text=True)
