"""The members' pages of policy uptake: instruments, stages, uptakes, engagements, positions, followers."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from coalition.audit.models import AuditEntry
from coalition.extensions import db
from coalition.policy.models import Engagement, EngagementInstitution, Follow, FollowUp, Instrument, InstrumentStage, Uptake
from tests import factories
from tests import policy
from tests.analysis import factories as agenda
from tests.conftest import csrf_token, login


def post(client, path: str, data: dict):
    """POST a form with a CSRF token read from a page every logged-in person sees."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, "/settings")})


def body(response) -> str:
    return response.get_data(as_text=True)


def error_beside(page: str, field_id: str) -> str:
    """The error message shown beside a form field (the macro's `<id>-error` element)."""
    match = re.search(rf'id="{field_id}-error"[^>]*>(.*?)</div>', page, re.S)
    assert match, f"no error beside {field_id}"
    return " ".join(match.group(1).split())


@pytest.fixture
def people(app):
    jalisco = policy.liaison(factories.user(name="Enlace Jalisco"), "JAL")
    nuevo_leon = policy.liaison(factories.user(name="Enlace Nuevo León"), "NLE")
    found = {"jalisco": jalisco, "nuevo_leon": nuevo_leon, "member": factories.user(name="Miembro Común"),
             "coordinator": factories.user(role="coordinator", name="Coordinadora General")}
    db.session.commit()
    return found


def _stages(instrument_id: int) -> list[str]:
    return list(db.session.scalars(sa.select(InstrumentStage.stage).where(InstrumentStage.instrument_id == instrument_id)
                                   .order_by(InstrumentStage.id)))


def _instrument_form(**changes) -> dict:
    return {"kind": "strategy", "jurisdiction": "JAL", "state": "", "place": "", "branch": "executive",
            "title_es": "Estrategia Jalisco de Inteligencia Artificial", "title_en": "Jalisco AI Strategy",
            "summary_es": "Plan **estatal**.", "summary_en": "", "source_url": "https://jalisco.gob.mx/ia", **changes}


def _engagement_form(institutions, **changes) -> dict:
    return {"kind": "forum", "title": "Foro estatal de IA", "held_on": (factories.today() - timedelta(days=2)).isoformat(),
            "jurisdiction": "JAL", "state": "", "place": "Guadalajara", "body": "Congreso de Jalisco",
            "instrument_id": "", "institution_ids": [str(i.id) for i in institutions],
            "position": "La coalición pide **datos abiertos**.", **changes}


# --- recording, as a liaison of Jalisco ---------------------------------------------------------------

def test_liaison_of_jalisco_records_an_instrument_a_stage_and_an_engagement(client, people):
    institutions = [factories.institution(name=f"Universidad Tapatía {n}", state="JAL") for n in range(3)]
    db.session.commit()
    login(client, people["jalisco"])
    assert "Record an instrument" in body(client.get("/instruments?lang=en"))
    response = post(client, "/instruments/new", _instrument_form())
    assert response.status_code == 302, body(response)[:2000]
    instrument = db.session.scalar(sa.select(Instrument).where(Instrument.title_en == "Jalisco AI Strategy"))
    assert instrument.state == "JAL" and instrument.created_by_id == people["jalisco"].id
    assert response.headers["Location"].endswith(f"/instruments/{instrument.id}")

    on = date(2024, 12, 3)
    response = post(client, f"/instruments/{instrument.id}/stages", {"stage": "proposed", "on": on.isoformat(), "note": ""})
    assert response.status_code == 302, body(response)[:2000]
    assert _stages(instrument.id) == ["proposed"]
    page = body(client.get(f"/instruments/{instrument.id}?lang=en"))
    assert "Recorded by Enlace Jalisco" in page
    assert 'datetime="2024-12-03"' in page
    assert "Claudia Sheinbaum Pardo (2024–2030)" in page  # the administration in office on its first stage
    # No English summary was given: the Spanish one shows, rendered from Markdown.
    assert "Plan <strong>estatal</strong>." in page

    response = post(client, "/engagements/new", _engagement_form(institutions, instrument_id=str(instrument.id)))
    assert response.status_code == 302, body(response)[:2000]
    engagement = db.session.scalar(sa.select(Engagement).where(Engagement.title == "Foro estatal de IA"))
    assert engagement.state == "JAL" and engagement.instrument_id == instrument.id
    assert sorted(db.session.scalars(sa.select(EngagementInstitution.institution_id).where(
        EngagementInstitution.engagement_id == engagement.id))) == sorted(i.id for i in institutions)
    page = body(client.get(f"/engagements/{engagement.id}?lang=en"))
    assert all(i.name in page for i in institutions)
    assert "Draft position" in page and "<strong>datos abiertos</strong>" in page
    assert "Approve as the coalition" not in page  # a liaison records; a coordinator approves
    assert "Foro estatal de IA" in body(client.get(f"/instruments/{instrument.id}"))


def test_new_instrument_form_starts_from_the_liaisons_own_state(client, people):
    login(client, people["jalisco"])
    page = body(client.get("/instruments/new"))
    assert re.search(r'<option selected value="JAL">|<option value="JAL" selected>', page)


def test_new_engagement_is_prefilled_from_an_instrument(client, people):
    item = policy.instrument(jurisdiction="municipal", state="JAL", place="Zapopan")
    db.session.commit()
    login(client, people["jalisco"])
    page = body(client.get(f"/engagements/new?instrument={item.id}"))
    assert re.search(rf'<option selected value="{item.id}">', page)
    assert re.search(r'<option selected value="municipal">', page)
    assert 'value="Zapopan"' in page
    # A malformed or unknown instrument starts an empty form, never an error.
    assert client.get("/engagements/new?instrument=zz").status_code == 200
    assert client.get("/engagements/new?instrument=999999999999").status_code == 200


# --- who may not ------------------------------------------------------------------------------------

def test_liaison_of_another_state_cannot_touch_jaliscos_records(client, people):
    recommendation = agenda.recommendation()
    item = policy.instrument(jurisdiction="JAL")
    policy.stage(item, "proposed", date(2025, 1, 10))
    meeting = policy.engagement()
    db.session.commit()
    version = item.version
    login(client, people["nuevo_leon"])
    assert post(client, f"/instruments/{item.id}/stages", {"stage": "approved", "on": "2025-02-01"}).status_code == 403
    assert post(client, f"/instruments/{item.id}/uptakes", {"recommendation_id": str(recommendation.id),
                                                             "degree": "adopted"}).status_code == 403
    assert client.get(f"/instruments/{item.id}/edit").status_code == 403
    assert post(client, f"/instruments/{item.id}/edit", _instrument_form(version=str(version))).status_code == 403
    assert post(client, "/engagements/new", _engagement_form([])).status_code == 403
    assert post(client, f"/engagements/{meeting.id}/follow-ups", {"text": "Algo"}).status_code == 403
    assert client.get(f"/engagements/{meeting.id}/edit").status_code == 403
    # Their own state is theirs.
    assert post(client, "/instruments/new", _instrument_form(jurisdiction="NLE")).status_code == 302
    db.session.expire_all()
    assert _stages(item.id) == ["proposed"]
    assert db.session.scalar(sa.select(sa.func.count(Uptake.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Engagement.id))) == 1
    assert db.session.get(Instrument, item.id).version == version
    # The page they read offers them no form.
    page = body(client.get(f"/instruments/{item.id}?lang=en"))
    assert "Record the stage" not in page and "Link the recommendation" not in page


def test_a_member_who_is_not_a_liaison_reads_but_cannot_record(client, people):
    item = policy.instrument(jurisdiction="JAL")
    meeting = policy.engagement(instrument_id=item.id)
    todo = policy.follow_up(meeting)
    db.session.commit()
    login(client, people["member"])
    for path in ("/instruments", f"/instruments/{item.id}", "/engagements", f"/engagements/{meeting.id}"):
        assert client.get(path).status_code == 200, path
    assert "Record an instrument" not in body(client.get("/instruments?lang=en"))
    assert client.get("/instruments/new").status_code == 403
    assert client.get("/engagements/new").status_code == 403
    assert post(client, "/instruments/new", _instrument_form()).status_code == 403
    assert post(client, f"/instruments/{item.id}/stages", {"stage": "proposed", "on": "2025-01-01"}).status_code == 403
    assert post(client, f"/instruments/{item.id}/publish", {"value": "1"}).status_code == 403
    assert post(client, f"/engagements/{meeting.id}/approve", {"version": str(meeting.version)}).status_code == 403
    assert post(client, f"/engagements/{meeting.id}/follow-ups/{todo.id}/done", {}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(InstrumentStage.id))) == 0


def test_anonymous_visitors_are_sent_to_log_in(client, people):
    item = policy.instrument()
    db.session.commit()
    for path in ("/instruments", f"/instruments/{item.id}", "/engagements", "/instruments/new"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    token = csrf_token(client, "/login")
    response = client.post(f"/instruments/{item.id}/follow", data={"value": "1", "csrf_token": token})
    assert response.status_code == 401


# --- the rules of stages -----------------------------------------------------------------------------

def test_a_stage_in_the_future_is_refused_beside_the_date(client, people):
    item = policy.instrument()
    db.session.commit()
    login(client, people["jalisco"])
    tomorrow = factories.today() + timedelta(days=2)
    response = post(client, f"/instruments/{item.id}/stages", {"stage": "proposed", "on": tomorrow.isoformat()})
    assert response.status_code == 422
    assert "futur" in error_beside(body(response), "on")
    assert _stages(item.id) == []
    # The date input itself says how far it goes.
    assert f'max="{factories.today().isoformat()}"' in body(client.get(f"/instruments/{item.id}"))


def test_going_back_a_stage_needs_a_note(client, people):
    item = policy.instrument()
    policy.stage(item, "approved", date(2025, 3, 1))
    db.session.commit()
    login(client, people["jalisco"])
    response = post(client, f"/instruments/{item.id}/stages", {"stage": "in_committee", "on": "2025-04-01", "note": ""})
    assert response.status_code == 422
    assert "nota" in error_beside(body(response), "note")  # people read Spanish unless they choose English
    assert _stages(item.id) == ["approved"]
    response = post(client, f"/instruments/{item.id}/stages", {"stage": "in_committee", "on": "2025-04-01",
                                                              "note": "Devuelta a comisiones por el pleno"})
    assert response.status_code == 302
    assert _stages(item.id) == ["approved", "in_committee"]
    assert "Devuelta a comisiones por el pleno" in body(client.get(f"/instruments/{item.id}"))


def test_a_malformed_stage_date_is_refused_beside_the_field(client, people):
    item = policy.instrument()
    db.session.commit()
    login(client, people["jalisco"])
    response = post(client, f"/instruments/{item.id}/stages", {"stage": "proposed", "on": "el martes"})
    assert response.status_code == 422
    error_beside(body(response), "on")
    response = post(client, f"/instruments/{item.id}/stages", {"stage": "sideways", "on": "2025-01-01"})
    assert response.status_code == 422
    error_beside(body(response), "stage")


# --- uptakes ---------------------------------------------------------------------------------------

def test_an_uptake_appears_on_the_instrument_and_on_the_recommendations_page(client, people):
    recommendation = agenda.recommendation(title_es="Datos abiertos para la IA", title_en="Open data for AI")
    item = policy.instrument(title_es="Estrategia Jalisco IA", title_en="Jalisco AI strategy")
    db.session.commit()
    login(client, people["coordinator"])
    response = post(client, f"/instruments/{item.id}/uptakes", {
        "recommendation_id": str(recommendation.id), "degree": "adopted",
        "evidence_url": "https://congresojal.gob.mx/dictamen-ia.pdf", "quote": "Se adoptan datos abiertos"})
    assert response.status_code == 302, body(response)[:2000]
    row = db.session.scalar(sa.select(Uptake))
    assert (row.degree, row.verified_by_id) == ("adopted", people["coordinator"].id)

    page = body(client.get(f"/instruments/{item.id}?lang=en"))
    assert f'href="/recommendations/{recommendation.id}"' in page and "Open data for AI" in page
    assert re.search(r'<a href="https://congresojal.gob.mx/dictamen-ia.pdf" rel="[^"]*noopener[^"]*"', page)
    assert "Se adoptan datos abiertos" in page and "Coordinadora General" in page

    page = body(client.get(f"/recommendations/{recommendation.id}?lang=en"))
    section = page[page.index('id="uptakes-heading"'):]
    assert f'href="/instruments/{item.id}"' in section and "Jalisco AI strategy" in section
    assert "Adopted" in section


def test_an_unknown_recommendation_is_refused_beside_the_field(client, people):
    item = policy.instrument()
    db.session.commit()
    login(client, people["jalisco"])
    for value in ("999999", "99999999999999999999999", "abc", ""):
        response = post(client, f"/instruments/{item.id}/uptakes", {"recommendation_id": value, "degree": "cited"})
        assert response.status_code == 422, value
        error_beside(body(response), "recommendation_id")
    response = post(client, f"/instruments/{item.id}/uptakes", {
        "recommendation_id": str(agenda.recommendation().id), "degree": "cited", "evidence_url": "javascript:alert(1)"})
    assert response.status_code == 422
    error_beside(body(response), "evidence_url")
    assert db.session.scalar(sa.select(sa.func.count(Uptake.id))) == 0


# --- positions --------------------------------------------------------------------------------------

def test_only_a_coordinator_approves_a_position(app, client, people):
    meeting = policy.engagement()
    db.session.commit()
    login(client, people["jalisco"])
    assert post(client, f"/engagements/{meeting.id}/approve", {"version": str(meeting.version)}).status_code == 403
    client = app.test_client()
    login(client, people["coordinator"])
    page = body(client.get(f"/engagements/{meeting.id}?lang=en"))
    assert "Draft position" in page and "Approve as the coalition" in page
    response = post(client, f"/engagements/{meeting.id}/approve", {"version": str(meeting.version)})
    assert response.status_code == 302, body(response)[:2000]
    page = body(client.get(f"/engagements/{meeting.id}?lang=en"))
    assert "Approved by Coordinadora General" in page and "Draft position" not in page


def test_approving_what_someone_else_just_changed_is_a_conflict(client, people):
    meeting = policy.engagement()
    db.session.commit()
    login(client, people["coordinator"])
    response = post(client, f"/engagements/{meeting.id}/approve", {"version": str(meeting.version + 5)})
    assert response.status_code == 409
    assert "Alguien más cambió esta incidencia" in body(response)
    db.session.expire_all()
    assert db.session.get(Engagement, meeting.id).position_approved_at is None


def test_editing_the_position_withdraws_its_approval(client, people):
    meeting = policy.engagement(position_approved_at=factories.days_ago(1), position_approved_by_id=people["coordinator"].id)
    db.session.commit()
    login(client, people["jalisco"])
    form = body(client.get(f"/engagements/{meeting.id}/edit"))
    version = re.search(r'name="version" type="hidden" value="(\d+)"|type="hidden" name="version" value="(\d+)"|'
                        r'name="version"[^>]*value="(\d+)"', form)
    assert version
    response = post(client, f"/engagements/{meeting.id}/edit", _engagement_form(
        [], title=meeting.title, position="Un texto distinto", version=str(meeting.version)))
    assert response.status_code == 302, body(response)[:2000]
    db.session.expire_all()
    assert db.session.get(Engagement, meeting.id).position_approved_at is None
    page = body(client.get(f"/engagements/{meeting.id}?lang=en"))
    assert "Draft position" in page and "Approved by" not in page


def test_a_stale_edit_is_a_409_that_keeps_what_was_typed(client, people):
    item = policy.instrument()
    db.session.commit()
    stale = item.version
    login(client, people["jalisco"])
    assert post(client, f"/instruments/{item.id}/edit",
                _instrument_form(title_es="Primera versión", version=str(stale))).status_code == 302
    response = post(client, f"/instruments/{item.id}/edit", _instrument_form(title_es="Segunda mano", version=str(stale)))
    assert response.status_code == 409
    page = body(response)
    assert "Alguien más cambió este instrumento" in page and 'value="Segunda mano"' in page
    db.session.expire_all()
    assert db.session.get(Instrument, item.id).title_es == "Primera versión"


# --- following, publishing, follow-ups ------------------------------------------------------------------

def test_a_member_follows_and_unfollows_an_instrument(client, people):
    item = policy.instrument()
    db.session.commit()
    login(client, people["member"])
    assert "0 followers" in body(client.get(f"/instruments/{item.id}?lang=en"))
    assert post(client, f"/instruments/{item.id}/follow", {"value": "1"}).status_code == 302
    page = body(client.get(f"/instruments/{item.id}?lang=en"))
    assert "1 follower" in page and "Unfollow" in page
    assert post(client, f"/instruments/{item.id}/follow", {"value": "1"}).status_code == 302  # twice: still one
    assert db.session.scalar(sa.select(sa.func.count(Follow.id))) == 1
    assert post(client, f"/instruments/{item.id}/follow", {"value": "0"}).status_code == 302
    page = body(client.get(f"/instruments/{item.id}?lang=en"))
    assert "0 followers" in page and ">Follow<" in page
    assert post(client, f"/instruments/{item.id}/follow", {"value": "maybe"}).status_code == 400


def test_a_coordinator_publishes_an_instrument_and_a_liaison_may_not(app, client, people):
    item = policy.instrument()
    db.session.commit()
    login(client, people["jalisco"])
    assert post(client, f"/instruments/{item.id}/publish", {"value": "1"}).status_code == 403
    assert "Publish on the portal" not in body(client.get(f"/instruments/{item.id}?lang=en"))
    client = app.test_client()
    login(client, people["coordinator"])
    assert post(client, f"/instruments/{item.id}/publish", {"value": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Instrument, item.id).published is True
    assert "Take it off the portal" in body(client.get(f"/instruments/{item.id}?lang=en"))
    assert db.session.scalar(sa.select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(1)) == "instrument.publish"


def test_a_liaison_adds_a_follow_up_and_marks_it_done(client, people):
    meeting = policy.engagement()
    other = policy.engagement()
    elsewhere = policy.follow_up(other)
    db.session.commit()
    login(client, people["jalisco"])
    response = post(client, f"/engagements/{meeting.id}/follow-ups", {"text": "", "due_on": ""})
    assert response.status_code == 422
    error_beside(body(response), "text")
    response = post(client, f"/engagements/{meeting.id}/follow-ups", {"text": "Enviar la propuesta", "due_on": "2031-01-10"})
    assert response.status_code == 302
    todo = db.session.scalar(sa.select(FollowUp).where(FollowUp.engagement_id == meeting.id))
    assert todo.due_on == date(2031, 1, 10)
    # A follow-up of another engagement is not found under this one.
    assert post(client, f"/engagements/{meeting.id}/follow-ups/{elsewhere.id}/done", {}).status_code == 404
    assert post(client, f"/engagements/{meeting.id}/follow-ups/{todo.id}/done", {}).status_code == 302
    db.session.expire_all()
    assert db.session.get(FollowUp, todo.id).done_at is not None
    assert db.session.get(FollowUp, elsewhere.id).done_at is None


# --- lists ------------------------------------------------------------------------------------------

def test_the_instruments_list_filters_and_pages(client, people):
    policy.instrument(title_es="Ley federal de datos", title_en="Federal data law", jurisdiction="federal", kind="law")
    jal = policy.instrument(title_es="Estrategia de Jalisco", title_en="Jalisco strategy")
    policy.stage(jal, "in_force", date(2025, 5, 1))
    for n in range(30):
        policy.instrument(jurisdiction="NLE", title_es=f"Programa regiomontano {n}")
    db.session.commit()
    login(client, people["member"])
    page = body(client.get("/instruments?kind=law&lang=en"))
    assert "Federal data law" in page and "Jalisco strategy" not in page
    page = body(client.get("/instruments?state=jal&stage=in_force&lang=en"))
    assert "Jalisco strategy" in page and "Federal data law" not in page
    page = body(client.get("/instruments?administration=2024-2030&lang=en"))
    assert "Jalisco strategy" in page and "Regiomontano" not in page
    page = body(client.get("/instruments?q=regiomontano&lang=en"))
    assert "30 instruments" in page and "Page 1 of 2" in page
    assert "Programa regiomontano" in body(client.get("/instruments?q=regiomontano&page=2"))
    page = body(client.get("/instruments?q=nadie-lo-llamo-asi&lang=en"))
    assert "No instrument matches these filters." in page


def test_the_lists_say_when_nothing_is_recorded(client, people):
    login(client, people["coordinator"])
    page = body(client.get("/instruments?lang=en"))
    assert "No instrument is recorded yet." in page and "Record an instrument" in page
    assert "No engagement is recorded yet." in body(client.get("/engagements?lang=en"))


def test_the_engagements_list_filters(client, people):
    policy.engagement(title="Audiencia en Monterrey", jurisdiction="NLE", kind="hearing")
    policy.engagement(title="Foro en Guadalajara", held_on=factories.today() + timedelta(days=10))
    db.session.commit()
    login(client, people["member"])
    page = body(client.get("/engagements?state=NLE"))
    assert "Audiencia en Monterrey" in page and "Foro en Guadalajara" not in page
    page = body(client.get("/engagements?upcoming=1"))
    assert "Foro en Guadalajara" in page and "Audiencia en Monterrey" not in page
    page = body(client.get("/engagements?kind=hearing&q=monterrey"))
    assert "Audiencia en Monterrey" in page


# --- bad input -------------------------------------------------------------------------------------

def test_unknown_and_malformed_ids_are_not_found(client, people):
    login(client, people["coordinator"])
    for path in ("/instruments/999999", "/instruments/99999999999999999999", "/instruments/0", "/instruments/abc",
                 "/instruments/-1", "/instruments/999999/edit", "/engagements/999999", "/engagements/x",
                 "/engagements/99999999999999999999/edit"):
        assert client.get(path).status_code == 404, path
    for path in ("/instruments/999999/stages", "/instruments/999999/uptakes", "/instruments/999999/follow",
                 "/instruments/99999999999999999999/publish", "/engagements/999999/approve",
                 "/engagements/999999/follow-ups", "/engagements/999999/follow-ups/1/done"):
        assert post(client, path, {"value": "1", "stage": "proposed", "on": "2025-01-01", "text": "x",
                                   "degree": "cited", "recommendation_id": "1"}).status_code == 404, path


def test_huge_and_malformed_input_gets_a_clear_answer_never_a_server_error(client, people):
    item = policy.instrument()
    meeting = policy.engagement()
    db.session.commit()
    login(client, people["coordinator"])
    huge = "x" * 200_000
    cases = [
        ("/instruments/new", _instrument_form(title_es=huge), 422),
        ("/instruments/new", _instrument_form(summary_es=huge), 422),
        ("/instruments/new", _instrument_form(source_url="javascript:alert(1)"), 422),
        ("/instruments/new", _instrument_form(jurisdiction="ATLANTIS"), 422),
        ("/instruments/new", _instrument_form(kind=huge), 422),
        ("/instruments/new", _instrument_form(jurisdiction="municipal", state="", place=""), 422),
        (f"/instruments/{item.id}/edit", _instrument_form(version="abc"), 422),
        (f"/instruments/{item.id}/edit", _instrument_form(version=huge), 422),
        (f"/instruments/{item.id}/stages", {"stage": "proposed", "on": "2025-13-45"}, 422),
        (f"/instruments/{item.id}/stages", {"stage": "proposed", "on": "2025-01-01", "note": huge}, 422),
        (f"/instruments/{item.id}/uptakes", {"recommendation_id": "1", "degree": "cited", "quote": huge}, 422),
        ("/engagements/new", _engagement_form([], institution_ids=["abc"]), 422),
        ("/engagements/new", _engagement_form([], institution_ids=["99999999999999999999"]), 422),
        ("/engagements/new", _engagement_form([], held_on="ayer"), 422),
        ("/engagements/new", _engagement_form([], instrument_id="99999999999999999999"), 422),
        ("/engagements/new", _engagement_form([], position=huge), 422),
        (f"/engagements/{meeting.id}/approve", {"version": huge}, 422),
        (f"/engagements/{meeting.id}/publish", {"value": huge}, 400),
        (f"/engagements/{meeting.id}/follow-ups", {"text": "ok", "due_on": "31/31/2031"}, 422),
    ]
    for path, data, expected in cases:
        response = post(client, path, data)
        assert response.status_code == expected, (path, {k: str(v)[:40] for k, v in data.items()}, body(response)[:500])
    for path in ("/instruments?kind=" + huge[:5000], "/instruments?page=-5&per_page=100000&state=" + huge[:3000],
                 "/instruments?administration=1900&jurisdiction=zz&branch=%FF", "/engagements?state=x&upcoming=maybe&page=abc",
                 "/engagements?instrument=99999999999999999999", "/engagements/new?state=" + huge[:3000]):
        assert client.get(path).status_code == 200, path[:80]
    assert client.get("/instruments?q=%00").status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Instrument.id))) == 1


def test_a_post_without_its_csrf_token_is_refused(client, people):
    item = policy.instrument()
    db.session.commit()
    login(client, people["coordinator"])
    response = client.post(f"/instruments/{item.id}/stages", data={"stage": "proposed", "on": "2025-01-01"})
    assert response.status_code == 400
    response = client.post("/engagements/new", data=_engagement_form([]))
    assert response.status_code == 400
    assert _stages(item.id) == []


# --- language ----------------------------------------------------------------------------------------

def test_the_pages_render_in_spanish(client, people):
    item = policy.instrument()
    policy.stage(item, "proposed", date(2025, 1, 10), by=people["coordinator"])
    meeting = policy.engagement(instrument_id=item.id)
    db.session.commit()
    login(client, people["jalisco"])
    for path in ("/instruments", f"/instruments/{item.id}", f"/instruments/{item.id}/edit", "/instruments/new",
                 "/engagements", f"/engagements/{meeting.id}", f"/engagements/{meeting.id}/edit", "/engagements/new"):
        response = client.get(f"{path}?lang=es")
        assert response.status_code == 200, path
        assert '<html lang="es">' in body(response), path
    assert item.title_es in body(client.get(f"/instruments/{item.id}?lang=es"))
    assert item.title_en in body(client.get(f"/instruments/{item.id}?lang=en"))


def test_the_navigation_links_to_the_policy_pages(client, people):
    login(client, people["member"])
    page = body(client.get("/?lang=en"))
    assert 'href="/instruments"' in page


# --- the exact cache of an instrument's page ------------------------------------------------------

def test_a_cached_instrument_page_shows_each_change_at_once(app, client, people, exact_cache):
    item = policy.instrument(title_es="Estrategia Jalisco IA", title_en="Jalisco AI strategy")
    recommendation = agenda.recommendation(title_es="Datos abiertos para la IA", title_en="Open data for AI")
    db.session.commit()
    login(client, people["coordinator"])
    assert "No stage is recorded yet." in body(client.get(f"/instruments/{item.id}?lang=en"))
    assert "Aún no se ha registrado ninguna etapa." in body(client.get(f"/instruments/{item.id}?lang=es"))
    post(client, f"/instruments/{item.id}/stages", {"stage": "proposed", "on": "2024-12-03", "note": "En el Congreso"})
    post(client, f"/instruments/{item.id}/uptakes", {"recommendation_id": str(recommendation.id), "degree": "cited",
                                                     "evidence_url": "", "quote": ""})
    policy.engagement(instrument_id=item.id, title="Mesa con el Congreso")
    db.session.commit()
    page = body(client.get(f"/instruments/{item.id}?lang=en"))
    assert "En el Congreso" in page and "Open data for AI" in page and "Mesa con el Congreso" in page
    assert "No stage is recorded yet." not in page


def test_a_cached_instrument_page_keeps_each_viewers_forms_and_timezone(app, client, people, exact_cache):
    item = policy.instrument(jurisdiction="JAL")
    policy.stage(item, "proposed", date(2024, 12, 3), by=people["coordinator"])
    people["member"].timezone = "Asia/Tokyo"
    db.session.commit()
    login(client, people["jalisco"])  # the liaison fills the cache, with the forms of someone who records
    mine = body(client.get(f"/instruments/{item.id}?lang=en"))
    assert "Record the next stage" in mine
    other = app.test_client()
    login(other, people["member"])
    theirs = body(other.get(f"/instruments/{item.id}?lang=en"))
    assert "Record the next stage" not in theirs
    # The stage was recorded just now: its time reads in each viewer's own timezone.
    stamp = lambda page: re.search(r"Recorded by [^<]* on ([^<]*)</p>", page).group(1)  # noqa: E731
    assert stamp(mine) != stamp(theirs)
