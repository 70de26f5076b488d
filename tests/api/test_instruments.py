"""The instruments API (SPEC "States and policy uptake"): shapes, languages, filters, paging, stages,
uptakes, who may record what (liaisons only in their state), conflicts and the error shape."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from coalition.database import MAX_ID
from coalition.extensions import db
from coalition.policy.models import Instrument, InstrumentStage, PolicyEvent, Uptake
from coalition.states.models import StateLiaison
from tests import factories
from tests.api.conftest import assert_error
from tests.recommendations import conftest as make

API = "/api/v1/instruments"
SPEC_KEYS = {"id", "kind", "jurisdiction", "branch", "title", "summary", "source_url", "stage", "stages",
             "uptakes", "version"}
TODAY = factories.today()


def instrument(**values) -> Instrument:
    item = Instrument(**{"kind": "law", "jurisdiction": "federal", "branch": "legislative",
                         "title_es": "Ley federal de datos", "title_en": "Federal data law", "summary_es": "Resumen",
                         "summary_en": "Summary", "source_url": "https://dof.gob.mx/ley", **values})
    db.session.add(item)
    db.session.flush()
    return item


def liaison(state: str, **values):
    person = factories.user(**values)
    db.session.add(StateLiaison(state=state, user_id=person.id))
    db.session.flush()
    return person


def policy_world() -> dict:
    """People of every standing towards Jalisco, and a federal, a Jalisco and a Nuevo León instrument."""
    people = {"member": factories.user(), "jal_liaison": liaison("JAL"), "nle_liaison": liaison("NLE"),
              "coordinator": factories.user(role="coordinator"), "admin": factories.user(role="admin")}
    federal = instrument(stage="proposed", stage_on=date(2023, 3, 1))
    db.session.add(InstrumentStage(instrument_id=federal.id, stage="proposed", on_date=date(2023, 3, 1), note=""))
    jalisco = instrument(kind="strategy", jurisdiction="JAL", state="JAL", branch="executive",
                         title_es="Estrategia de IA de Jalisco", title_en="Jalisco AI strategy",
                         summary_es="Ejes", summary_en="Pillars", source_url="https://jalisco.gob.mx/ia")
    monterrey = instrument(kind="programme", jurisdiction="municipal", state="NLE", place="Monterrey",
                           branch="executive", title_es="Programa municipal", title_en="City programme")
    recommendations = [make.recommendation().id, make.recommendation().id]
    db.session.commit()
    return {**people, "people": people, "federal": federal.id, "jalisco": jalisco.id, "monterrey": monterrey.id,
            "recommendations": recommendations}


@pytest.fixture
def world(app):
    return policy_world()


# --- reading -------------------------------------------------------------------------------

def test_an_instrument_reads_spec_keys_with_its_stages_and_uptakes(call, world):
    db.session.add(Uptake(instrument_id=world["federal"], recommendation_id=world["recommendations"][0],
                          degree="cited", evidence_url="https://dof.gob.mx/ley#art-3", quote="Artículo 3"))
    db.session.commit()
    response = call("member", "GET", f"{API}/{world['federal']}")
    assert response.status_code == 200
    body = response.get_json()
    assert SPEC_KEYS <= set(body)
    assert (body["kind"], body["jurisdiction"], body["branch"], body["stage"]) == (
        "law", "federal", "legislative", "proposed")
    assert body["title"] == "Ley federal de datos" and body["summary"] == "Resumen"
    assert body["source_url"] == "https://dof.gob.mx/ley" and body["state"] is None
    assert body["stages"] == [{"id": body["stages"][0]["id"], "instrument_id": world["federal"], "stage": "proposed",
                               "on": "2023-03-01", "note": "", "recorded_by_id": None,
                               "recorded_at": body["stages"][0]["recorded_at"]}]
    uptake = body["uptakes"][0]
    assert {k: uptake[k] for k in ("recommendation_id", "degree", "evidence_url", "quote")} == {
        "recommendation_id": world["recommendations"][0], "degree": "cited",
        "evidence_url": "https://dof.gob.mx/ley#art-3", "quote": "Artículo 3"}
    assert body["version"] == 1 and body["url"].endswith(f"/instruments/{world['federal']}")


def test_title_and_summary_follow_the_requests_language(call, world):
    english = call("member", "GET", f"{API}/{world['jalisco']}", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert english.get_json()["title"] == "Jalisco AI strategy" and english.get_json()["summary"] == "Pillars"
    spanish = call("member", "GET", f"{API}/{world['jalisco']}").get_json()
    assert spanish["title"] == "Estrategia de IA de Jalisco" and spanish["title_en"] == "Jalisco AI strategy"


@pytest.mark.parametrize("query,expected", [
    ("kind=strategy", ["jalisco"]),
    ("jurisdiction=federal", ["federal"]),
    ("jurisdiction=municipal", ["monterrey"]),
    ("state=NLE", ["monterrey"]),
    ("state=JAL", ["jalisco"]),
    ("stage=proposed", ["federal"]),
    ("branch=legislative", ["federal"]),
    ("q=jalisco", ["jalisco"]),
    ("q=monterrey", ["monterrey"]),
    ("kind=budget", []),
])
def test_list_filters_select_the_right_instruments(call, world, query, expected):
    body = call("member", "GET", f"{API}?{query}").get_json()
    assert sorted(item["id"] for item in body["items"]) == sorted(world[name] for name in expected)
    assert body["total"] == len(expected)


def test_list_pages_with_spec_keys_and_a_total(call, world):
    first = call("member", "GET", f"{API}?per_page=2&page=1").get_json()
    second = call("member", "GET", f"{API}?per_page=2&page=2").get_json()
    assert (first["page"], first["per_page"], first["total"]) == (1, 2, 3)
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    assert {i["id"] for i in first["items"] + second["items"]} == {world["federal"], world["jalisco"],
                                                                   world["monterrey"]}
    assert all(SPEC_KEYS <= set(item) for item in first["items"])
    # The one with a dated stage comes first (latest stage change first).
    assert first["items"][0]["id"] == world["federal"]


@pytest.mark.parametrize("query,field", [("kind=novel", "kind"), ("jurisdiction=mars", "jurisdiction"),
                                         ("state=XX", "state"), ("stage=dreamt", "stage"), ("branch=royal", "branch"),
                                         ("page=0", "page"), ("q=" + "x" * 200, "q")])
def test_a_bad_filter_is_422_naming_it(call, world, query, field):
    assert_error(call("member", "GET", f"{API}?{query}"), 422, field)


@pytest.mark.parametrize("instrument_id", [MAX_ID + 1, 2**63, 0, 999999])
def test_unknown_or_impossible_ids_are_404(call, world, instrument_id):
    assert_error(call("member", "GET", f"{API}/{instrument_id}"), 404)
    assert_error(call("coordinator", "POST", f"{API}/{instrument_id}/stages",
                      json={"stage": "approved", "on": TODAY.isoformat()}), 404)
    assert_error(call("coordinator", "POST", f"{API}/{instrument_id}/uptakes",
                      json={"recommendation_id": world["recommendations"][0], "degree": "cited"}), 404)
    assert_error(call("coordinator", "PATCH", f"{API}/{instrument_id}", json={"version": 1}), 404)


def test_reading_without_a_token_is_401(call, world):
    for path in (API, f"{API}/{world['federal']}"):
        assert_error(call("anonymous", "GET", path), 401)


# --- creating ------------------------------------------------------------------------------

def test_a_coordinator_records_a_federal_instrument_with_a_plain_title_in_both_languages(call, world):
    response = call("coordinator", "POST", API, json={
        "kind": "strategy", "jurisdiction": "federal", "branch": "executive", "title": "Estrategia nacional de IA",
        "summary": "Cinco ejes.", "source_url": "https://www.gob.mx/ia"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["title_es"] == body["title_en"] == "Estrategia nacional de IA"
    assert body["summary_es"] == body["summary_en"] == "Cinco ejes."
    assert body["stage"] is None and body["stages"] == [] and body["uptakes"] == [] and body["version"] == 1
    assert db.session.get(Instrument, body["id"]).created_by_id == world["people"]["coordinator"].id


def test_per_language_titles_win_over_the_plain_one(call, world):
    response = call("coordinator", "POST", API, json={
        "kind": "declaration", "jurisdiction": "international", "place": "OCDE", "branch": "executive",
        "title": "ignored in Spanish", "title_es": "Declaración", "title_en": "Declaration"})
    body = response.get_json()
    assert response.status_code == 201 and (body["title_es"], body["title_en"]) == ("Declaración", "Declaration")
    assert body["place"] == "OCDE" and body["state"] is None


def test_a_liaison_records_their_states_instruments_and_municipalities(call, world):
    state = call("jal_liaison", "POST", API, json={"kind": "bill", "jurisdiction": "JAL", "branch": "legislative",
                                                   "title": "Iniciativa de ley de IA"})
    assert state.status_code == 201, state.get_json()
    assert state.get_json()["state"] == "JAL"
    city = call("jal_liaison", "POST", API, json={"kind": "programme", "jurisdiction": "municipal", "state": "JAL",
                                                  "place": "Zapopan", "branch": "executive", "title": "Zapopan IA"})
    assert city.status_code == 201, city.get_json()
    assert (city.get_json()["state"], city.get_json()["place"]) == ("JAL", "Zapopan")


@pytest.mark.parametrize("body", [
    {"kind": "bill", "jurisdiction": "NLE", "branch": "legislative", "title": "Otra entidad"},
    {"kind": "bill", "jurisdiction": "federal", "branch": "legislative", "title": "Federal"},
    {"kind": "bill", "jurisdiction": "municipal", "state": "NLE", "place": "Monterrey", "branch": "executive",
     "title": "Municipio de otra entidad"},
])
def test_a_liaison_cannot_record_outside_their_state(call, world, body):
    assert_error(call("jal_liaison", "POST", API, json=body), 403)
    assert Instrument.query.count() == 3


def test_a_member_who_is_no_liaison_is_403_before_the_body_is_read(call, world):
    assert_error(call("member", "POST", API, json={"kind": "novel"}), 403)
    assert_error(call("anonymous", "POST", API, json={"kind": "novel"}), 401)


@pytest.mark.parametrize("changes,field", [
    ({"kind": "novel"}, "kind"), ({"branch": "royal"}, "branch"), ({"jurisdiction": "mars"}, "jurisdiction"),
    ({"source_url": "ftp://example.org"}, "source_url"), ({"source_url": "javascript:alert(1)"}, "source_url"),
    ({"title": ""}, "title"), ({"title": "x" * 301}, "title"), ({"summary": "x" * 10_001}, "summary"),
    ({"jurisdiction": "municipal", "place": "Zapopan"}, "state"),
    ({"jurisdiction": "municipal", "state": "JAL"}, "place"), ({"jurisdiction": "JAL", "state": "NLE"}, "state"),
    ({"title": "   "}, "title"),
])
def test_create_with_a_bad_value_is_422_naming_it(call, world, changes, field):
    body = {"kind": "law", "jurisdiction": "federal", "branch": "legislative", "title": "Ley", **changes}
    assert_error(call("coordinator", "POST", API, json=body), 422, field)


def test_create_without_any_title_or_with_unknown_fields_is_422(call, world):
    assert_error(call("coordinator", "POST", API, json={"kind": "law", "jurisdiction": "federal",
                                                        "branch": "legislative"}), 422, "title")
    assert_error(call("coordinator", "POST", API, json={"kind": "law", "jurisdiction": "federal",
                                                        "branch": "legislative", "title": "Ley",
                                                        "created_by_id": 1, "stage": "in_force"}),
                 422, "created_by_id", "stage")


def test_malformed_json_is_400_and_a_body_that_is_not_json_is_415(call, world):
    assert_error(call("coordinator", "POST", API, data=b'{"kind":', content_type="application/json"), 400)
    assert_error(call("coordinator", "POST", API, data="kind=law", content_type="application/x-www-form-urlencoded"),
                 415)
    assert_error(call("coordinator", "POST", f"{API}/{world['federal']}/stages", data=b"[1,",
                      content_type="application/json"), 400)


# --- editing -------------------------------------------------------------------------------

def test_patch_carries_the_version_and_a_stale_one_is_409_with_the_current_instrument(call, world):
    path = f"{API}/{world['jalisco']}"
    response = call("jal_liaison", "PATCH", path, json={"version": 1, "title": "Estrategia estatal de IA"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["title_es"] == "Estrategia estatal de IA" and body["title_en"] == "Jalisco AI strategy"
    assert body["version"] == 2
    stale = call("jal_liaison", "PATCH", path, json={"version": 1, "title": "Otra"})
    error = assert_error(stale, 409)
    assert error["code"] == "conflict"
    assert stale.get_json()["current"]["title_es"] == "Estrategia estatal de IA"
    assert stale.get_json()["current"]["version"] == 2
    assert_error(call("jal_liaison", "PATCH", path, json={"title": "Sin versión"}), 422, "version")
    assert_error(call("jal_liaison", "PATCH", path, json={"version": "2", "title": "x"}), 422, "version")


def test_patch_in_english_changes_the_english_title_only(call, world):
    response = call("coordinator", "PATCH", f"{API}/{world['jalisco']}", json={"version": 1, "title": "State AI plan"},
                    headers={"Accept-Language": "en"})
    body = response.get_json()
    assert (body["title_en"], body["title_es"], body["title"]) == (
        "State AI plan", "Estrategia de IA de Jalisco", "State AI plan")


def test_a_liaison_may_not_move_an_instrument_out_of_their_state(call, world):
    response = call("jal_liaison", "PATCH", f"{API}/{world['jalisco']}", json={"version": 1, "jurisdiction": "NLE"})
    assert_error(response, 403)
    assert db.session.get(Instrument, world["jalisco"]).jurisdiction == "JAL"


def test_publishing_is_for_coordinators(call, world):
    path = f"{API}/{world['jalisco']}"
    assert_error(call("jal_liaison", "PATCH", path, json={"version": 1, "published": True}), 403)
    assert db.session.get(Instrument, world["jalisco"]).published is False
    response = call("coordinator", "PATCH", path, json={"version": 1, "published": True})
    assert response.status_code == 200 and response.get_json()["published"] is True
    assert_error(call("coordinator", "PATCH", path, json={"version": 2, "published": "yes"}), 422, "published")


@pytest.mark.parametrize("who", ["nle_liaison", "member"])
def test_a_liaison_of_another_state_or_a_member_cannot_touch_a_jalisco_instrument(call, world, who):
    path = f"{API}/{world['jalisco']}"
    assert_error(call(who, "PATCH", path, json={"version": 1, "title": "Tomada"}), 403)
    assert_error(call(who, "POST", f"{path}/stages", json={"stage": "approved", "on": TODAY.isoformat()}), 403)
    assert_error(call(who, "POST", f"{path}/uptakes", json={"recommendation_id": world["recommendations"][0],
                                                            "degree": "adopted"}), 403)
    # Even a body that is wrong is refused for who is asking first.
    assert_error(call(who, "POST", f"{path}/stages", json={"stage": "dreamt"}), 403)
    instrument_now = db.session.get(Instrument, world["jalisco"])
    assert instrument_now.title_es == "Estrategia de IA de Jalisco" and instrument_now.stage is None
    assert Uptake.query.count() == 0


def test_a_liaison_of_another_state_may_read_it(call, world):
    assert call("nle_liaison", "GET", f"{API}/{world['jalisco']}").status_code == 200


# --- stages --------------------------------------------------------------------------------

def test_a_liaison_records_stages_and_followers_hear_of_each(call, world):
    path = f"{API}/{world['jalisco']}/stages"
    first = call("jal_liaison", "POST", path, json={"stage": "proposed", "on": "2024-01-10"})
    assert first.status_code == 201, first.get_json()
    assert {k: first.get_json()[k] for k in ("stage", "on", "note")} == {"stage": "proposed", "on": "2024-01-10",
                                                                        "note": ""}
    second = call("jal_liaison", "POST", path, json={"stage": "approved", "on": "2024-05-14", "note": "Publicada"})
    assert second.status_code == 201
    body = call("member", "GET", f"{API}/{world['jalisco']}").get_json()
    assert body["stage"] == "approved" and body["stage_on"] == "2024-05-14"
    assert [(s["stage"], s["on"], s["note"]) for s in body["stages"]] == [
        ("proposed", "2024-01-10", ""), ("approved", "2024-05-14", "Publicada")]
    assert body["administration"] == "2018-2024"
    assert PolicyEvent.query.filter_by(kind="stage", instrument_id=world["jalisco"]).count() == 2


def test_a_stage_dated_in_the_future_is_422_on_the_date(call, world):
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    error = assert_error(call("coordinator", "POST", f"{API}/{world['jalisco']}/stages",
                              json={"stage": "proposed", "on": tomorrow}), 422, "on")
    assert error["code"] == "validation_error"
    assert InstrumentStage.query.filter_by(instrument_id=world["jalisco"]).count() == 0


@pytest.mark.parametrize("body,field", [
    ({"stage": "dreamt", "on": "2024-01-01"}, "stage"),
    ({"stage": "approved", "on": "2024-02-30"}, "on"),
    ({"stage": "approved", "on": "14/05/2024"}, "on"),
    ({"stage": "approved"}, "on"),
    ({"on": "2024-01-01"}, "stage"),
    ({"stage": "approved", "on": "2024-01-01", "note": "x" * 2001}, "note"),
    ({"stage": "approved", "on": "2024-01-01", "extra": 1}, "extra"),
    ({"stage": "abandoned", "on": "2024-01-01"}, "note"),
    ({"stage": "proposed", "on": "2023-03-01"}, "stage"),
    ({"stage": "in_committee", "on": "2020-01-01"}, "on"),
])
def test_a_bad_stage_is_422_naming_the_field(call, world, body, field):
    """The federal instrument is `proposed` since 2023-03-01: the same stage, an earlier date, moving on
    to abandoned without a note are refused like a malformed one."""
    assert_error(call("coordinator", "POST", f"{API}/{world['federal']}/stages", json=body), 422, field)


def test_moving_back_needs_a_note(call, world):
    path = f"{API}/{world['federal']}/stages"
    assert call("coordinator", "POST", path, json={"stage": "approved", "on": "2023-06-01"}).status_code == 201
    assert_error(call("coordinator", "POST", path, json={"stage": "in_committee", "on": "2023-07-01"}), 422, "note")
    back = call("coordinator", "POST", path, json={"stage": "in_committee", "on": "2023-07-01",
                                                   "note": "Devuelta a comisiones"})
    assert back.status_code == 201 and back.get_json()["note"] == "Devuelta a comisiones"


# --- uptakes -------------------------------------------------------------------------------

def test_linking_an_uptake_is_201_and_correcting_it_is_200(call, world):
    path = f"{API}/{world['jalisco']}/uptakes"
    recommendation = world["recommendations"][0]
    created = call("jal_liaison", "POST", path, json={
        "recommendation_id": recommendation, "degree": "partial", "evidence_url": "https://jalisco.gob.mx/ia#eje-2",
        "quote": "Evaluaciones de impacto"})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert {k: body[k] for k in ("recommendation_id", "degree", "evidence_url", "quote")} == {
        "recommendation_id": recommendation, "degree": "partial", "evidence_url": "https://jalisco.gob.mx/ia#eje-2",
        "quote": "Evaluaciones de impacto"}
    assert body["verified_by_id"] == world["people"]["jal_liaison"].id
    corrected = call("coordinator", "POST", path, json={"recommendation_id": recommendation, "degree": "adopted"})
    assert corrected.status_code == 200, corrected.get_json()
    assert corrected.get_json()["degree"] == "adopted"
    assert corrected.get_json()["verified_by_id"] == world["people"]["coordinator"].id
    uptakes = call("member", "GET", f"{API}/{world['jalisco']}").get_json()["uptakes"]
    assert [(u["recommendation_id"], u["degree"]) for u in uptakes] == [(recommendation, "adopted")]
    assert PolicyEvent.query.filter_by(kind="uptake").count() == 2


@pytest.mark.parametrize("changes,field", [
    ({"degree": "loved"}, "degree"), ({"recommendation_id": MAX_ID}, "recommendation_id"),
    ({"recommendation_id": MAX_ID + 1}, "recommendation_id"), ({"recommendation_id": "1"}, "recommendation_id"),
    ({"evidence_url": "no es un enlace"}, "evidence_url"), ({"quote": "x" * 2001}, "quote"),
    ({"degree": None}, "degree"),
])
def test_a_bad_uptake_is_422_naming_the_field(call, world, changes, field):
    body = {"recommendation_id": world["recommendations"][0], "degree": "cited", **changes}
    assert_error(call("coordinator", "POST", f"{API}/{world['federal']}/uptakes", json=body), 422, field)


def test_federal_instruments_are_for_coordinators_only(call, world):
    path = f"{API}/{world['federal']}"
    assert_error(call("jal_liaison", "POST", f"{path}/stages", json={"stage": "approved", "on": "2024-01-01"}), 403)
    assert call("admin", "POST", f"{path}/stages", json={"stage": "approved", "on": "2024-01-01"}).status_code == 201


# --- the document --------------------------------------------------------------------------

def test_the_openapi_document_lists_every_instrument_operation_with_its_errors(client):
    spec = client.get("/api/openapi.json").get_json()
    operations = {"/api/v1/instruments": ("get", "post"), "/api/v1/instruments/{instrument_id}": ("get", "patch"),
                  "/api/v1/instruments/{instrument_id}/stages": ("post",),
                  "/api/v1/instruments/{instrument_id}/uptakes": ("post",)}
    for path, methods in operations.items():
        for method in methods:
            responses = spec["paths"][path][method]["responses"]
            assert "401" in responses, (path, method)
            if method != "get":
                assert {"403", "415", "422"} <= set(responses), (path, method)
    assert {"200", "201"} <= set(spec["paths"]["/api/v1/instruments/{instrument_id}/uptakes"]["post"]["responses"])
    create = spec["components"]["schemas"]["InstrumentCreate"]["properties"]
    assert create["kind"]["enum"] == ["strategy", "bill", "law", "regulation", "guideline", "programme", "budget",
                                      "declaration"]
    assert create["title"]["maxLength"] == 300 and create["source_url"]["pattern"].startswith("^(https?://")
