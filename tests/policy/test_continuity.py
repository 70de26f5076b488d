"""Continuity: per administration, the instruments approved under it and those that outlived it."""
from __future__ import annotations

from datetime import date

from coalition.extensions import db
from coalition.policy import continuity as continuity_module
from coalition.policy.continuity import continuity
from tests.conftest import login
from tests.policy.records import coordinator, instrument, stages
from tests.test_query_counts import count_queries

PENA_NIETO, LOPEZ_OBRADOR, SHEINBAUM = "2012-2018", "2018-2024", "2024-2030"


def by_key(today: date | None = None) -> dict:
    return {row.administration.key: row for row in continuity(today)}


def test_an_instrument_still_in_force_after_the_change_survived_it(app):
    boss = coordinator()
    stages(boss, instrument(boss), ("proposed", date(2015, 1, 10)), ("approved", date(2015, 6, 1)),
           ("in_force", date(2015, 7, 1)))
    db.session.commit()
    row = by_key()[PENA_NIETO]
    assert (row.approved, row.survived, row.ended, row.share) == (1, 1, 0, 100)
    assert by_key()[LOPEZ_OBRADOR].approved == 0


def test_repealed_before_or_on_the_day_the_next_one_took_office_did_not_survive(app):
    boss = coordinator()
    stages(boss, instrument(boss), ("approved", date(2016, 3, 1)), ("repealed", date(2018, 6, 1)))
    stages(boss, instrument(boss), ("approved", date(2017, 3, 1)), ("repealed", date(2018, 12, 1)))
    stages(boss, instrument(boss), ("approved", date(2017, 4, 1)), ("repealed", date(2019, 3, 1)))
    stages(boss, instrument(boss), ("in_force", date(2017, 5, 1)), ("abandoned", date(2018, 11, 30), "Sin fondos"))
    db.session.commit()
    row = by_key()[PENA_NIETO]
    assert (row.approved, row.survived, row.ended, row.share) == (4, 1, 3, 25)


def test_the_administration_is_that_of_the_first_approval_not_of_the_first_stage(app):
    boss = coordinator()
    # Proposed under Calderón, approved under Peña Nieto, in force under López Obrador: counted once.
    stages(boss, instrument(boss), ("proposed", date(2011, 5, 1)), ("approved", date(2013, 2, 1)),
           ("in_force", date(2019, 1, 1)))
    stages(boss, instrument(boss), ("proposed", date(2014, 1, 1)))  # never approved: not counted
    db.session.commit()
    rows = by_key()
    assert rows["2006-2012"].approved == 0 and rows[PENA_NIETO].approved == 1
    assert rows[LOPEZ_OBRADOR].approved == 0


def test_an_end_before_the_approval_does_not_count_against_it(app):
    boss = coordinator()
    stages(boss, instrument(boss), ("proposed", date(2010, 1, 1)), ("abandoned", date(2010, 6, 1), "Sin apoyo"),
           ("proposed", date(2013, 1, 1), "Se retoma"), ("approved", date(2014, 1, 1)))
    db.session.commit()
    assert by_key()[PENA_NIETO].survived == 1


def test_the_administration_in_office_has_nothing_to_tell_yet(app):
    boss = coordinator()
    stages(boss, instrument(boss), ("approved", date(2025, 1, 15)))
    stages(boss, instrument(boss), ("approved", date(2018, 3, 1)))
    db.session.commit()
    row = by_key()[SHEINBAUM]
    assert (row.approved, row.survived, row.ended, row.share) == (1, None, None, None)
    # Seen from before 1 December 2018, Peña Nieto's successor had not taken office yet either.
    assert by_key(date(2018, 11, 1))[PENA_NIETO].survived is None
    assert by_key()[PENA_NIETO].survived == 1


def test_every_administration_is_listed_oldest_first_even_without_instruments(app):
    rows = continuity()
    assert [row.administration.key for row in rows] == ["2000-2006", "2006-2012", PENA_NIETO, LOPEZ_OBRADOR,
                                                        SHEINBAUM]
    assert all(row.approved == 0 and row.share is None for row in rows)


def test_continuity_is_one_statement_with_one_or_thirty_instruments(app):
    boss = coordinator()
    stages(boss, instrument(boss), ("approved", date(2013, 1, 1)))
    db.session.commit()
    with count_queries() as one:
        first = continuity_module.approvals()
    for n in range(29):
        stages(boss, instrument(boss), ("approved", date(2001 + n % 23, 6, 1)), ("repealed", date(2024, 1, 1)))
    db.session.commit()
    with count_queries() as thirty:
        rows = continuity_module.approvals()
    assert len(first) == 1 and len(rows) == 30
    assert len(one) == len(thirty) == 1


def test_the_coordinators_dashboard_shows_the_table_and_the_chart(app, client):
    boss = coordinator(language="en")
    stages(boss, instrument(boss), ("approved", date(2014, 1, 1)))
    stages(boss, instrument(boss), ("approved", date(2015, 1, 1)), ("repealed", date(2017, 1, 1)))
    db.session.commit()
    login(client, boss)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Continuity across administrations" in page and 'id="chart-continuity-title"' in page
    section = page[page.index('id="continuity-heading"'):]
    row = section[section.index("Enrique Peña Nieto (2012–2018)"):]
    row = row[:row.index("</tr>")]
    cells = [cell.split(">", 1)[1].split("<", 1)[0].strip() for cell in row.split("<td")[1:]]
    assert cells == ["2", "1", "50 %"]
    assert "not yet" in section  # the current administration
    group_page = client.get("/groups/ethics/dashboard").get_data(as_text=True)
    assert "continuity-heading" not in group_page


def test_the_continuity_section_renders_for_a_spanish_speaker(app, client):
    boss = coordinator(language="es")
    stages(boss, instrument(boss), ("approved", date(2014, 1, 1)))
    db.session.commit()
    login(client, boss)
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'id="chart-continuity-title"' in page and "Enrique Peña Nieto (2012–2018)" in page
