"""The population table behind "members per million inhabitants": INEGI's 2020 census, one total per state."""
from __future__ import annotations

import pytest

from coalition.institutions.models import ABROAD, STATES
from coalition.states.population import POPULATION, POPULATION_SOURCE, per_million


def test_every_state_has_a_population_and_nothing_else_does():
    assert set(POPULATION) == set(STATES)
    assert all(isinstance(n, int) and n > 0 for n in POPULATION.values())


def test_the_states_add_up_to_the_2020_census_national_total():
    assert sum(POPULATION.values()) == 126_014_024


def test_spot_checks_against_the_census():
    assert POPULATION["MEX"] == 16_992_418  # the most populous
    assert POPULATION["COL"] == 731_391     # the least
    assert POPULATION["JAL"] == 8_348_151
    assert max(POPULATION, key=POPULATION.get) == "MEX" and min(POPULATION, key=POPULATION.get) == "COL"


def test_per_million_divides_by_the_states_inhabitants():
    assert per_million(12, "JAL") == pytest.approx(1.4374, abs=1e-4)
    assert per_million(731_391, "COL") == pytest.approx(1_000_000)
    assert per_million(0, "JAL") == 0 and per_million(None, "JAL") == 0


def test_per_million_has_no_answer_abroad_or_for_an_unknown_code():
    assert per_million(5, ABROAD) is None
    assert per_million(5, "XXX") is None


def test_the_source_is_named_in_english(app):
    with app.test_request_context("/?lang=en"):
        assert str(POPULATION_SOURCE) == "INEGI, Population and Housing Census 2020"
