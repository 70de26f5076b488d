"""The consultation pages: the public list and form (no login, no JavaScript, phone width), receipts,
and the coordinators' pages that run consultations."""
from __future__ import annotations

import re
import time
from datetime import datetime, timezone

import sqlalchemy as sa

from coalition.consultations.models import Answer, Consultation, Contribution, Question
from coalition.extensions import db
from tests import factories
from tests.conftest import csrf_token, login
from tests.consultations import helpers as h


def contributions() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Contribution))


def submit(client, slug: str, data: dict):
    return client.post(f"/consultations/{slug}", data={**data, "csrf_token": csrf_token(client, "/login")})


def test_anyone_sees_the_list_with_open_consultations_first_and_no_drafts(app, client):
    h.consultation(title_es="Cerrada", opens_in_days=-20, closes_in_days=-10)
    h.consultation(title_es="Borrador secreto", phase="draft")
    h.consultation(title_es="Abierta")
    db.session.commit()
    page = client.get("/consultations?lang=es").get_data(as_text=True)
    assert page.index("Abierta") < page.index("Cerrada") and "Borrador secreto" not in page
    assert 'href="/consultations"' in page  # the navigation's link, for anonymous visitors too


def test_coordinators_see_drafts_and_the_new_button(app, client):
    h.consultation(title_es="Borrador secreto", phase="draft")
    coordinator = factories.user(role="coordinator")
    db.session.commit()
    login(client, coordinator)
    page = client.get("/consultations?lang=es").get_data(as_text=True)
    assert "Borrador secreto" in page and "/consultations/new" in page


def test_the_open_form_has_spec_input_names_for_phones_and_no_javascript(app, client):
    item, rec = h.full_consultation()
    db.session.commit()
    page = client.get(f"/consultations/{item.slug}").get_data(as_text=True)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "<script" not in page
    for name in ("q1", "q2", "q3", f"r{rec.id}", "sector", "state", "institution", "age_band", "gender", "email",
                 "notify", "consent"):
        assert f'name="{name}"' in page, name
    assert re.search(r'<textarea[^>]*name="q1"[^>]*required', page)
    assert re.search(r'type="radio"[^>]*name="q2" value="1"', page)
    assert re.search(r'type="checkbox"[^>]*name="q3" value="3"', page)
    assert re.search(r'type="checkbox" id="consent" name="consent" value="yes" required', page)
    assert re.search(r'type="checkbox" id="notify" name="notify" value="yes"', page)
    # The honeypot: out of sight and out of the accessibility tree, never in the tab order.
    assert re.search(r'<div class="d-none" aria-hidden="true">\s*<label for="website">', page)
    assert re.search(r'name="website" value="" tabindex="-1"', page)


def test_a_good_submission_answers_303_to_its_receipt(app, client):
    item, rec = h.full_consultation()
    db.session.commit()
    response = submit(client, item.slug, h.form_data(rec, email="ana@example.org", notify="yes"))
    assert response.status_code == 303
    code = response.headers["Location"].rsplit("/", 1)[1]
    assert response.headers["Location"] == f"/receipts/{code}"
    contribution = db.session.scalars(sa.select(Contribution)).one()
    assert contribution.email == "ana@example.org" and contribution.language == "es"
    assert sorted(a.choice.position for a in db.session.scalars(sa.select(Answer)) if a.choice_id) == [1, 2, 2]


def test_the_submission_is_stored_in_the_language_of_the_page(app, client):
    item, rec = h.full_consultation()
    db.session.commit()
    client.get(f"/consultations/{item.slug}?lang=en")
    response = client.post(f"/consultations/{item.slug}?lang=en",
                           data={**h.form_data(rec), "csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 303
    assert db.session.scalars(sa.select(Contribution.language)).one() == "en"


def test_the_receipt_page_shows_the_trace_but_never_the_contribution(app, client):
    item, rec = h.full_consultation()
    db.session.commit()
    data = h.form_data(rec, institution="Instituto Secreto")
    response = submit(client, item.slug, data)
    code = response.headers["Location"].rsplit("/", 1)[1]
    receipt = client.get(f"/receipts/{code.lower().replace('-', '')}")
    page = receipt.get_data(as_text=True)
    assert receipt.status_code == 200 and code in page
    assert data["q1"] not in page and data[f"r{rec.id}"] not in page and "Instituto Secreto" not in page
    assert receipt.headers["Cache-Control"] == "no-store"
    assert "noindex" in receipt.headers["X-Robots-Tag"]


def test_an_unknown_receipt_is_a_404_page(app, client):
    response = client.get("/receipts/AAAA-BBBB-CCCC")
    assert response.status_code == 404 and "<html" in response.get_data(as_text=True)


def test_a_closed_consultation_answers_410_and_stores_nothing(app, client):
    item, rec = h.full_consultation(opens_in_days=-20, closes_in_days=-1)
    db.session.commit()
    response = submit(client, item.slug, h.form_data(rec))
    assert response.status_code == 410
    assert "<h1" in response.get_data(as_text=True)
    assert contributions() == 0
    assert 'name="q1"' not in client.get(f"/consultations/{item.slug}").get_data(as_text=True)


def test_bad_input_answers_422_with_the_problem_beside_each_field_and_everything_typed_kept(app, client):
    item, rec = h.full_consultation()
    db.session.commit()
    data = h.form_data(rec, q1="", sector="", consent="", gender="no binario", **{"q3": ["1", "3"]})
    response = submit(client, item.slug, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and contributions() == 0
    for name in ("q1", "sector", "consent"):
        assert f'id="{name}-error"' in page and f'aria-describedby="{name}-error"' in page, name
    assert data[f"r{rec.id}"] in page and 'value="no binario"' in page
    assert re.search(r'name="q2" value="2" checked', page)
    assert re.search(r'name="q3" value="1" checked', page) and re.search(r'name="q3" value="3" checked', page)
    assert re.search(r'<option value="NLE" selected>', page)


def test_a_filled_honeypot_looks_like_success_but_stores_nothing(app, client):
    item, rec = h.full_consultation()
    db.session.commit()
    response = submit(client, item.slug, h.form_data(rec, website="http://spam.example"))
    assert response.status_code == 200 and contributions() == 0


def test_the_same_text_twice_gets_a_neutral_thank_you(app, client):
    item, rec = h.full_consultation()
    db.session.commit()
    data = h.form_data(rec)
    assert submit(client, item.slug, data).status_code == 303
    again = submit(client, item.slug, data)
    assert again.status_code == 200 and "/receipts/" not in again.get_data(as_text=True)
    assert contributions() == 1


def test_a_double_click_gets_its_own_receipt_again_and_a_cached_form_with_new_answers_is_new(app, client):
    item, rec = h.full_consultation()
    db.session.commit()
    page = client.get(f"/consultations/{item.slug}").get_data(as_text=True)
    once = re.search(r'name="once_token" value="([^"]+)"', page).group(1)
    data = {**h.form_data(rec, q1="Primera persona"), "once_token": once}
    first = submit(client, item.slug, data)
    time.sleep(1.05)  # a second later, the re-signed CSRF token differs: still the same answers
    twice = submit(client, item.slug, data)
    assert first.status_code == twice.status_code == 303
    assert twice.headers["Location"] == first.headers["Location"]  # the same receipt, nothing stored twice
    assert contributions() == 1
    # Someone else at the same browser, back on the cached page, writes their own answers.
    other = submit(client, item.slug, {**h.form_data(rec, q1="Segunda persona"), "once_token": once})
    assert other.status_code == 303 and other.headers["Location"] != first.headers["Location"]
    assert contributions() == 2


def test_the_submit_is_limited_per_address(app, client):
    from coalition.auth import throttle

    item, rec = h.full_consultation()
    db.session.commit()
    app.config["CONTRIBUTION_LIMITS"] = "2 per minute"
    throttle.limiter.enabled = True
    throttle.limiter.reset()
    try:
        statuses = [submit(client, item.slug, h.form_data(rec)).status_code for _ in range(3)]
        assert client.get(f"/consultations/{item.slug}").status_code == 200  # reading is not limited
    finally:
        throttle.limiter.reset()
        throttle.limiter.enabled = False
    assert statuses == [303, 303, 429] and contributions() == 2


# --- running consultations -------------------------------------------------------------------

def test_a_coordinator_creates_a_consultation_with_dates_in_the_coalitions_timezone(app, client):
    coordinator = factories.user(role="coordinator")
    db.session.commit()
    login(client, coordinator)
    response = client.post("/consultations/new", data={
        "slug": "principios", "title_es": "Principios", "title_en": "Principles", "kind": "both",
        "group_ids": [str(factories.group("ethics").id), str(factories.group("data").id)],
        "opens_at": "2031-03-01T09:00", "closes_at": "2031-04-01T18:00",
        "csrf_token": csrf_token(client, "/consultations/new")})
    assert response.status_code == 302 and response.headers["Location"].endswith("/consultations/principios/questions")
    item = db.session.scalars(sa.select(Consultation)).one()
    # Mexico City is UTC-6 all year.
    assert item.opens_at == datetime(2031, 3, 1, 15, 0, tzinfo=timezone.utc)
    assert item.phase == "draft" and [g.slug for g in item.groups] == ["ethics", "data"]


def test_the_new_form_shows_errors_beside_fields(app, client):
    coordinator = factories.user(role="coordinator")
    db.session.commit()
    login(client, coordinator)
    response = client.post("/consultations/new", data={
        "slug": "Mal Slug", "title_es": "X", "title_en": "X", "kind": "questions",
        "opens_at": "2031-03-01T09:00", "closes_at": "2031-02-01T09:00",
        "csrf_token": csrf_token(client, "/consultations/new")})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="slug-error"' in page and 'id="closes_at-error"' in page


def test_the_question_editor_adds_edits_moves_and_deletes_without_javascript(app, client):
    coordinator = factories.user(role="coordinator")
    item = h.consultation(phase="draft", kind="questions")
    db.session.commit()
    login(client, coordinator)
    path = f"/consultations/{item.slug}/questions"
    token = csrf_token(client, path)
    assert client.post(path, data={"kind": "text", "prompt_es": "Uno", "prompt_en": "One",
                                   "csrf_token": token}).status_code == 302
    assert client.post(path, data={"kind": "single", "prompt_es": "Dos", "prompt_en": "Two", "required": "y",
                                   "choices_es": "Sí\nNo", "choices_en": "Yes\nNo", "csrf_token": token}).status_code == 302
    bad = client.post(path, data={"kind": "single", "prompt_es": "Tres", "prompt_en": "Three", "choices_es": "Sí",
                                  "choices_en": "Yes", "csrf_token": token})
    assert bad.status_code == 422 and 'id="choices_es-error"' in bad.get_data(as_text=True)
    questions = db.session.scalars(sa.select(Question).order_by(Question.position)).all()
    second = questions[1]
    assert client.post(f"{path}/{second.id}/move", data={"direction": "up", "csrf_token": token}).status_code == 302
    assert client.post(f"{path}/{second.id}", data={"kind": "single", "prompt_es": "Dos bis", "prompt_en": "Two bis",
                                                    "choices_es": "A\nB\nC", "choices_en": "A\nB\nC",
                                                    "csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert [(q.position, q.prompt_en, len(q.choices)) for q in item.questions] == [(1, "Two bis", 3), (2, "One", 0)]
    assert client.post(f"{path}/{second.id}/delete", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert [(q.position, q.prompt_en) for q in item.questions] == [(1, "One")]


def test_once_a_contribution_arrived_the_editor_explains_the_questions_are_frozen(app, client):
    from coalition.consultations import services

    coordinator = factories.user(role="coordinator")
    item, rec = h.full_consultation()
    services.submit_contribution(item, h.good_data(rec))
    db.session.commit()
    login(client, coordinator)
    path = f"/consultations/{item.slug}/questions"
    page = client.get(path + "?lang=en").get_data(as_text=True)
    assert "frozen" in page and "Add a question" not in page
    response = client.post(f"{path}/{item.questions[0].id}/delete?lang=en",
                           data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 422 and "frozen" in response.get_data(as_text=True)


def test_a_coordinator_publishes_and_puts_recommendations_up_for_comment(app, client):
    coordinator = factories.user(role="coordinator")
    item = h.consultation(phase="draft", kind="comments")
    rec = h.recommendation()
    db.session.commit()
    login(client, coordinator)
    token = csrf_token(client, "/settings")
    refused = client.post(f"/consultations/{item.slug}/phase", data={"phase": "open", "csrf_token": token})
    assert refused.status_code == 422
    response = client.post(f"/consultations/{item.slug}/recommendations",
                           data={"recommendation_ids": [str(rec.id)], "csrf_token": token})
    assert response.status_code == 302
    assert client.post(f"/consultations/{item.slug}/phase",
                       data={"phase": "open", "csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert item.phase == "open" and rec.state == "in_consultation"
    assert f'name="r{rec.id}"' in client.get(f"/consultations/{item.slug}").get_data(as_text=True)


def test_an_error_on_an_input_the_page_does_not_have_is_shown_at_the_top(app, client):
    item, rec = h.full_consultation()
    db.session.commit()
    response = client.post(f"/consultations/{item.slug}?lang=en", data={
        **h.form_data(rec), "q77": "¿y esto?", "csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 422 and "There is no such question." in response.get_data(as_text=True)
