"""A chapter's reads (coalition/states/chapters.py): what one state has and does, counted right, the
small-cell rule kept, and nothing of another state let in. The factories here serve the other state tests."""
from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from coalition.errors import NotAuthenticated, NotFound, ValidationError
from coalition.extensions import db
from coalition.policy.models import Engagement, Follow, Instrument, Uptake
from coalition.states import chapters
from tests import factories
from tests.recommendations.conftest import consultation, contribution, recommendation

_seq = itertools.count(1)


def instrument(state: str = "JAL", **values) -> Instrument:
    n = next(_seq)
    jurisdiction = values.pop("jurisdiction", state or "federal")
    item = Instrument(**{"kind": "strategy", "jurisdiction": jurisdiction, "state": state, "branch": "executive",
                         "title_es": f"Estrategia {n}", "title_en": f"Strategy {n}", "stage": "approved",
                         "stage_on": date(2024, 1, 1) + timedelta(days=n % 300), **values})
    db.session.add(item)
    db.session.flush()
    return item


def engagement(state: str = "JAL", held_on: date | None = None, **values) -> Engagement:
    n = next(_seq)
    item = Engagement(**{"kind": "forum", "title": f"Foro {n}", "held_on": held_on or factories.today(),
                         "jurisdiction": values.pop("jurisdiction", state or "federal"), "state": state,
                         "body": f"Congreso {n}", **values})
    db.session.add(item)
    db.session.flush()
    return item


def uptake(instrument_: Instrument, recommendation_=None, degree: str = "partial") -> Uptake:
    item = Uptake(instrument_id=instrument_.id, recommendation_id=(recommendation_ or recommendation()).id,
                  degree=degree, evidence_url="https://example.org/evidencia")
    db.session.add(item)
    db.session.flush()
    return item


def test_anonymous_cannot_read_a_chapter(app):
    with pytest.raises(NotAuthenticated):
        chapters.chapter_view(None, "JAL")


@pytest.mark.parametrize("code", ["xx", "MX-XX", "", "abroad2", "J" * 5000, "../JAL", "JALX"])
def test_an_unknown_chapter_is_not_found(app, code):
    with pytest.raises(NotFound):
        chapters.get_chapter(factories.user(), code)


@pytest.mark.parametrize("code,canonical", [("jal", "JAL"), ("JAL", "JAL"), ("Jal", "JAL"), ("mx-jal", "JAL"),
                                            ("ABROAD", "abroad"), ("abroad", "abroad")])
def test_a_chapter_is_named_in_any_case(app, code, canonical):
    assert chapters.get_chapter(factories.user(), code) == canonical


def test_institutions_are_the_states_active_members_grouped_by_sector(app):
    a = factories.institution(name="Universidad de Guadalajara", sector="academia", state="JAL")
    b = factories.institution(name="Cámara de la Industria", sector="industry", state="JAL")
    c = factories.institution(name="Amigos del Código", sector="civil_society", state="JAL")
    d = factories.institution(name="Academia Tapatía", sector="academia", state="JAL")
    factories.institution(name="Inactiva", sector="academia", state="JAL", active=False)
    factories.institution(name="Regiomontana", sector="academia", state="NLE")
    groups, total = chapters.institutions_by_sector("JAL")
    assert total == 4
    # The sectors' own order (industry, civil society, academia…), names alphabetical within each.
    assert [(sector, [i.id for i in items]) for sector, _label, items in groups] == [
        ("industry", [b.id]), ("civil_society", [c.id]), ("academia", [d.id, a.id])]


def test_people_are_the_active_people_of_the_states_active_institutions(app):
    here = factories.institution(state="JAL")
    gone = factories.institution(state="JAL", active=False)
    elsewhere = factories.institution(state="NLE")
    ana = factories.user(name="Ana", institution_id=here.id)
    factories.user(name="Beto", institution_id=here.id, active=False)
    factories.user(name="Carla", institution_id=gone.id)
    factories.user(name="Diego", institution_id=elsewhere.id)
    factories.user(name="Elena")  # no institution
    people = [factories.user(name=f"Persona {n:02d}", institution_id=here.id) for n in range(30)]
    first = chapters.people_of("JAL", 1, per_page=25)
    second = chapters.people_of("JAL", 2, per_page=25)
    assert first.total == 31
    assert [p.id for p in first.items + second.items] == [ana.id] + [p.id for p in people]


def test_each_consultations_count_keeps_the_small_cell_rule(app):
    big, small, hidden_with_others = consultation(), consultation(), consultation()
    for _ in range(7):
        contribution(big, state="JAL")
    for _ in range(3):
        contribution(small, state="JAL")
    for _ in range(9):
        contribution(small, state="NLE")
    # JAL has 6 here, but the one other cell (2) would be found by subtracting JAL from the total: both hidden.
    for _ in range(6):
        contribution(hidden_with_others, state="JAL")
    for _ in range(2):
        contribution(hidden_with_others, state="CMX")
    contribution(big, state="JAL", hidden_at=factories.days_ago(1))  # hidden by a moderator: never counted
    other = consultation()
    contribution(other, state="NLE")
    rows = {row.consultation.id: row for row in chapters.contributions_by_consultation("JAL")}
    assert set(rows) == {big.id, small.id, hidden_with_others.id}
    assert (rows[big.id].count, rows[big.id].hidden) == (7, None)
    assert (rows[small.id].count, rows[small.id].hidden) == (None, chapters.FEWER_THAN_MIN)
    assert (rows[hidden_with_others.id].count, rows[hidden_with_others.id].hidden) == (
        None, chapters.HIDDEN_WITH_OTHERS)


def test_instruments_are_the_states_own_and_its_municipalities(app):
    own = instrument("JAL", stage_on=date(2024, 5, 1))
    city = instrument("JAL", jurisdiction="municipal", place="Zapopan", stage_on=date(2024, 6, 1))
    instrument(None, jurisdiction="federal")
    instrument("NLE")
    page = chapters.instruments_of("JAL")
    assert [i.id for i in page.items] == [city.id, own.id]


def test_uptakes_are_those_of_the_states_instruments(app):
    strategy = instrument("JAL")
    rec_a, rec_b = recommendation(), recommendation()
    first = uptake(strategy, rec_a, "partial")
    second = uptake(strategy, rec_b, "adopted")
    uptake(instrument("NLE"), rec_a)
    page = chapters.uptakes_in("JAL")
    assert {u.id for u in page.items} == {first.id, second.id}
    assert {(u.recommendation.id, u.degree) for u in page.items} == {(rec_a.id, "partial"), (rec_b.id, "adopted")}


def test_engagements_split_into_past_latest_first_and_upcoming_soonest_first(app):
    today = date(2026, 3, 10)
    old = engagement("JAL", date(2025, 1, 5))
    recent = engagement("JAL", date(2026, 3, 9))
    same_day = engagement("JAL", today)
    later = engagement("JAL", date(2026, 8, 1))
    soon = engagement("JAL", date(2026, 4, 1))
    engagement("NLE", date(2026, 4, 1))
    past = chapters.past_engagements("JAL", today=today)
    upcoming, total = chapters.upcoming_engagements("JAL", today=today)
    assert [e.id for e in past.items] == [recent.id, old.id]
    assert [e.id for e in upcoming] == [same_day.id, soon.id, later.id] and total == 3
    capped, total = chapters.upcoming_engagements("JAL", limit=2, today=today)
    assert [e.id for e in capped] == [same_day.id, soon.id] and total == 3


def test_the_chapter_view_says_who_follows_and_who_may_record(app):
    member, coordinator = factories.user(), factories.user(role="coordinator")
    db.session.add_all([Follow(user_id=member.id, state="JAL"), Follow(user_id=coordinator.id, state="NLE")])
    db.session.flush()
    mine = chapters.chapter_view(member, "jal")
    assert (mine.code, mine.name, mine.following, mine.followers) == ("JAL", "Jalisco", True, 1)
    assert (mine.can_record, mine.can_appoint) == (False, False)
    theirs = chapters.chapter_view(coordinator, "JAL")
    assert (theirs.following, theirs.can_record, theirs.can_appoint) == (False, True, True)
    abroad = chapters.chapter_view(member, "ABROAD")
    assert (abroad.code, abroad.following, abroad.followers) == ("abroad", False, 0)


def test_liaison_candidates_leave_out_the_inactive_and_the_liaisons_already_named(app):
    from coalition.states.models import StateLiaison

    ana = factories.user(name="Ana Torres", email="ana@udg.mx")
    beto = factories.user(name="Beto Ruiz")
    factories.user(name="Carla Inactiva", active=False)
    db.session.add(StateLiaison(state="JAL", user_id=beto.id))
    db.session.flush()
    names = [p.name for p in chapters.liaison_candidates("JAL")]
    assert "Ana Torres" in names and "Beto Ruiz" not in names and "Carla Inactiva" not in names
    assert "Beto Ruiz" in [p.name for p in chapters.liaison_candidates("NLE")]
    assert [p.id for p in chapters.liaison_candidates("JAL", q="udg.mx")] == [ana.id]
    assert [p.id for p in chapters.liaison_candidates("JAL", q="100%_")] == []
    assert len(chapters.liaison_candidates("JAL", limit=1)) == 1


def test_a_person_is_found_by_email_in_any_case_only_when_active(app):
    ana = factories.user(email="ana@udg.mx")
    factories.user(email="gone@udg.mx", active=False)
    assert chapters.person_by_email("  ANA@udg.mx ").id == ana.id
    for address in ("gone@udg.mx", "nobody@udg.mx", "not an address", "x" * 10_000, None, 42):
        with pytest.raises(ValidationError) as caught:
            chapters.person_by_email(address)
        assert "email" in caught.value.fields
