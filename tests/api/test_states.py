"""The states API: every chapter's counts, one chapter by any-case code or `abroad`, small cells hidden."""
from __future__ import annotations

from datetime import date

import pytest

from coalition.extensions import db
from coalition.policy.models import Engagement, Instrument
from coalition.states.models import CHAPTERS
from tests import factories
from tests.api.conftest import assert_error
from tests.recommendations import conftest as make

API = "/api/v1/states"
SPEC_KEYS = {"code", "name", "institutions", "people", "contributions", "instruments", "engagements"}


@pytest.fixture
def world(app):
    """Jalisco: two institutions with three people, six contributions, an instrument and an engagement;
    Nuevo León: one institution and two contributions (too few to show); Mexico City five contributions."""
    udg, iteso = factories.institution(state="JAL"), factories.institution(state="JAL")
    factories.institution(state="JAL", active=False)
    member = factories.user(institution_id=udg.id)
    factories.user(institution_id=udg.id)
    factories.user(institution_id=iteso.id)
    factories.user(institution_id=iteso.id, active=False)
    factories.institution(state="NLE")
    consultation = make.consultation()
    for _ in range(6):
        make.contribution(consultation, state="JAL")
    make.contribution(consultation, state="JAL", hidden_at=factories.days_ago(1))
    for _ in range(2):
        make.contribution(consultation, state="NLE")
    # Five more elsewhere: hiding Nuevo León's two alone must not let them be worked out by subtraction.
    for _ in range(5):
        make.contribution(consultation, state="CMX")
    instrument = Instrument(kind="strategy", jurisdiction="JAL", state="JAL", branch="executive",
                            title_es="Estrategia", title_en="Strategy")
    db.session.add(instrument)
    db.session.flush()
    db.session.add(Engagement(kind="forum", title="Foro", held_on=date(2025, 3, 20), jurisdiction="municipal",
                              state="JAL", place="Zapopan", body="Ayuntamiento", instrument_id=instrument.id))
    db.session.commit()
    return {"member": member}


def test_a_state_reads_spec_keys_with_its_counts(call, world):
    response = call("member", "GET", f"{API}/JAL")
    assert response.status_code == 200
    assert response.get_json() == {"code": "JAL", "name": "Jalisco", "institutions": 2, "people": 3,
                                   "contributions": 6, "instruments": 1, "engagements": 1}


def test_contributions_under_five_are_null_not_a_small_number(call, world):
    body = call("member", "GET", f"{API}/NLE").get_json()
    assert body["contributions"] is None and body["institutions"] == 1
    # The smallest shown cell is hidden too, so that the hidden ones add up to five or more.
    assert call("member", "GET", f"{API}/CMX").get_json()["contributions"] is None
    assert call("member", "GET", f"{API}/ZAC").get_json()["contributions"] == 0


@pytest.mark.parametrize("code", ["jal", "Jal", "MX-JAL", "mx-jal"])
def test_the_code_is_case_insensitive(call, world, code):
    response = call("member", "GET", f"{API}/{code}")
    assert response.status_code == 200 and response.get_json()["code"] == "JAL"


def test_abroad_is_a_chapter(call, world):
    body = call("member", "GET", f"{API}/abroad").get_json()
    assert body["code"] == "abroad" and set(body) == SPEC_KEYS


@pytest.mark.parametrize("code", ["XX", "jalisco", "MX", "x" * 300, "%00", "1"])
def test_an_unknown_code_is_404(call, world, code):
    assert_error(call("member", "GET", f"{API}/{code}"), 404)


def test_the_list_holds_every_chapter_in_order_with_paging(call, world):
    everything = call("member", "GET", f"{API}?per_page=100").get_json()
    assert [item["code"] for item in everything["items"]] == list(CHAPTERS)
    assert everything["total"] == 33 and everything["items"][-1]["code"] == "abroad"
    assert all(set(item) == SPEC_KEYS for item in everything["items"])
    jalisco = next(item for item in everything["items"] if item["code"] == "JAL")
    assert jalisco["institutions"] == 2 and jalisco["contributions"] == 6
    first, second = (call("member", "GET", f"{API}?per_page=25&page={n}").get_json() for n in (1, 2))
    assert (len(first["items"]), len(second["items"]), first["total"]) == (25, 8, 33)
    assert call("member", "GET", f"{API}?page=9").get_json()["items"] == []
    assert_error(call("member", "GET", f"{API}?page=0"), 422, "page")


def test_reading_states_needs_a_token(call, world):
    assert_error(call("anonymous", "GET", API), 401)
    assert_error(call("anonymous", "GET", f"{API}/JAL"), 401)


def test_the_openapi_document_lists_the_state_operations_with_the_codes(client):
    spec = client.get("/api/openapi.json").get_json()
    assert "401" in spec["paths"]["/api/v1/states"]["get"]["responses"]
    one = spec["paths"]["/api/v1/states/{code}"]
    assert {"401", "404"} <= set(one["get"]["responses"])
    assert one["parameters"][0]["schema"]["enum"] == list(CHAPTERS)
    assert spec["components"]["schemas"]["State"]["properties"]["contributions"]["nullable"] is True
