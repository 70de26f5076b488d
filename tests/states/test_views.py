"""The chapter pages: /states (the map, its measures and every chapter's counts) and /states/<code>."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from coalition.extensions import db
from coalition.policy.models import Follow
from coalition.states.models import CHAPTERS, StateLiaison
from tests import factories
from tests.conftest import login, post_form
from tests.recommendations.conftest import consultation, contribution, recommendation
from tests.states.test_chapters import engagement, instrument, uptake


def logged_in(client, **values):
    person = factories.user(**values)
    db.session.commit()
    login(client, person)
    return person


def row_of(html: str, code: str) -> list[str]:
    """The cells of a chapter's row in the chapters table, as text."""
    row = re.search(rf'<tr data-state="{code}">(.*?)</tr>', html.split('class="table table-hover table-sm mb-0 states-table"')[1], re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(1), re.S)]


def test_anonymous_visitors_are_sent_to_log_in(client):
    for path in ("/states", "/states/JAL", "/states/xx"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_the_chapters_table_counts_every_chapter_right(app, client):
    logged_in(client)
    jal = [factories.institution(state="JAL") for _ in range(3)]
    factories.institution(state="JAL", active=False)
    factories.institution(state="NLE")
    factories.user(institution_id=jal[0].id)
    factories.user(institution_id=jal[1].id)
    factories.user(institution_id=jal[1].id, active=False)
    survey = consultation()
    for _ in range(6):
        contribution(survey, state="JAL")
    for _ in range(5):
        contribution(survey, state="CMX")
    for _ in range(2):
        contribution(survey, state="NLE")
    instrument("JAL")
    instrument("JAL", jurisdiction="municipal", place="Zapopan")
    instrument(None, jurisdiction="federal")
    engagement("JAL")
    db.session.commit()
    html = client.get("/states?lang=en").get_data(as_text=True)
    assert html.count('<tr data-state="') - html.split("states-table")[0].count('<tr data-state="') == len(CHAPTERS)
    assert row_of(html, "JAL") == ["Jalisco", "3", "2", "6", "2", "1"]
    # NLE's 2 contributions are fewer than 5; CMX's 5 are hidden with them, so neither can be subtracted out.
    assert row_of(html, "NLE") == ["Nuevo León", "1", "0", "not shown", "0", "0"]
    assert row_of(html, "CMX")[3] == "not shown"
    assert row_of(html, "abroad") == ["Abroad", "0", "0", "0", "0", "0"]
    assert 'href="/states/JAL"' in html and 'href="/states/abroad"' in html


@pytest.mark.parametrize("measure,label", [
    ("members", "Member institutions"), ("contributions", "Consultation contributions"),
    ("instruments", "Policy instruments"), ("members_per_million", "Member institutions per million inhabitants")])
def test_the_map_is_coloured_by_the_chosen_measure(app, client, measure, label):
    logged_in(client)
    for _ in range(2):
        factories.institution(state="JAL")
    instrument("JAL")
    db.session.commit()
    html = client.get(f"/states?measure={measure}&lang=en").get_data(as_text=True)
    assert "<svg" in html and f"Map: {label}" in html
    assert re.search(rf'<a class="nav-link active" aria-current="page" href="[^"]*measure={measure}[&"]', html)
    jal_title = re.search(r'data-state="JAL" href="/states/JAL"><title>([^<]*)</title>', html).group(1)
    expected = {"members": "Jalisco: 2 member institutions", "contributions": "Jalisco: 0 consultation contributions",
                "instruments": "Jalisco: 1 policy instrument",
                "members_per_million": "Jalisco: 0.24 member institutions per million inhabitants"}[measure]
    assert jal_title == expected
    assert "Table of the map" in html


def test_an_unknown_measure_shows_the_members_map(app, client):
    logged_in(client)
    for value in ("moon", "x" * 5000, "%00"):
        response = client.get("/states", query_string={"measure": value, "lang": "en"})
        assert response.status_code == 200
        assert "Map: Member institutions" in response.get_data(as_text=True)


def test_an_unknown_chapter_is_a_404(app, client):
    logged_in(client)
    for path in ("/states/xx", "/states/XX", "/states/MX-ZZ", "/states/" + "a" * 3000, "/states/%00"):
        assert client.get(path).status_code == 404, path


def test_a_chapters_code_is_read_in_any_case(app, client):
    logged_in(client)
    factories.institution(name="Universidad de Guadalajara", state="JAL")
    db.session.commit()
    client.get("/states")  # shows the login's welcome
    pages = [client.get(f"/states/{code}?lang=en").get_data(as_text=True) for code in ("JAL", "jal", "Jal")]
    # The same page but for the one-time tokens every form carries.
    tokens = re.compile(r'<input[^>]*name="(csrf_token|once_token)"[^>]*>')
    assert tokens.sub("", pages[0]) == tokens.sub("", pages[1]) == tokens.sub("", pages[2])
    assert "<h1" in pages[0] and ">Jalisco</h1>" in pages[0] and "Universidad de Guadalajara" in pages[0]


def test_the_abroad_chapter_has_its_page(app, client):
    logged_in(client)
    factories.institution(name="Mexicanos en Berlín", state="abroad", country="Alemania")
    db.session.commit()
    for code in ("ABROAD", "abroad"):
        response = client.get(f"/states/{code}?lang=en")
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert ">Abroad</h1>" in html and "Mexicanos en Berlín" in html


def test_the_chapter_page_shows_what_the_state_has_and_does(app, client):
    logged_in(client)
    udg = factories.institution(name="Universidad de Guadalajara", sector="academia", state="JAL")
    factories.institution(name="Cámara Tapatía", sector="industry", state="JAL")
    factories.institution(name="Regia", sector="academia", state="NLE")
    factories.user(name="Ana Torres", institution_id=udg.id)
    factories.user(name="Beto Inactivo", institution_id=udg.id, active=False)
    strategy = instrument("JAL", title_en="Jalisco AI strategy", title_es="Estrategia de IA de Jalisco")
    instrument("NLE", title_en="Nuevo León AI law")
    rec = recommendation(title_en="Train public servants")
    uptake(strategy, rec, "adopted")
    past = engagement("JAL", factories.today() - timedelta(days=30), title="Foro estatal de IA")
    coming = engagement("JAL", factories.today() + timedelta(days=10), title="Audiencia en el Congreso")
    survey = consultation(title_en="National AI consultation")
    for _ in range(3):
        contribution(survey, state="JAL")
    db.session.commit()
    html = client.get("/states/jal?lang=en").get_data(as_text=True)
    assert "Universidad de Guadalajara" in html and "Cámara Tapatía" in html and "Regia" not in html
    assert html.index(">Industry") < html.index(">Academia")  # grouped by sector, in the sectors' order
    assert f'href="/institutions/{udg.id}"' in html
    assert "Ana Torres" in html and "Beto Inactivo" not in html
    assert f'<a href="/instruments/{strategy.id}">Jalisco AI strategy</a>' in html and "Nuevo León AI law" not in html
    assert f'<a href="/recommendations/{rec.id}">Train public servants</a>' in html and ">Adopted<" in html
    upcoming = html.split('id="upcoming-heading"')[1].split("</section>")[0]
    engagements = html.split('id="engagements-heading"')[1].split("</section>")[0]
    assert f'href="/engagements/{coming.id}"' in upcoming and f'/engagements/{past.id}"' not in upcoming
    assert f'href="/engagements/{past.id}"' in engagements and f'/engagements/{coming.id}"' not in engagements
    contributions = html.split('id="contributions-heading"')[1].split("</section>")[0]
    assert "National AI consultation" in contributions and "fewer than 5" in contributions
    assert ">3<" not in contributions


def test_a_consultation_with_five_or_more_from_the_state_shows_its_count(app, client):
    logged_in(client)
    survey = consultation(title_en="National AI consultation")
    for _ in range(8):
        contribution(survey, state="JAL")
    db.session.commit()
    html = client.get("/states/JAL?lang=en").get_data(as_text=True)
    contributions = html.split('id="contributions-heading"')[1].split("</section>")[0]
    assert re.search(r'<td class="text-end">8</td>', contributions) and "fewer than" not in contributions.split(
        "</caption>")[1]


def test_empty_chapters_say_so(app, client):
    logged_in(client)
    html = client.get("/states/ZAC?lang=en").get_data(as_text=True)
    for text in ("No member institution is here yet.", "No instrument recorded here yet.",
                 "No event is planned here.", "No engagement here yet.", "No contribution from this chapter yet.",
                 "This chapter has no liaison yet."):
        assert text in html


def test_people_are_paginated(app, client):
    logged_in(client)
    udg = factories.institution(state="JAL")
    for n in range(30):
        factories.user(name=f"Persona {n:02d}", institution_id=udg.id)
    db.session.commit()
    first = client.get("/states/JAL?lang=en").get_data(as_text=True)
    second = client.get("/states/JAL?people_page=2&lang=en").get_data(as_text=True)
    assert "Persona 00" in first and "Persona 29" not in first
    assert "Persona 29" in second and "Persona 00" not in second
    assert "people_page=2" in first
    for bad in ("-1", "abc", "9" * 40):
        assert client.get(f"/states/JAL?people_page={bad}").status_code == 200


def test_recording_an_instrument_is_offered_to_those_who_may(app, client):
    liaison = logged_in(client)
    db.session.add(StateLiaison(state="JAL", user_id=liaison.id))
    db.session.commit()
    assert 'href="/instruments/new?state=JAL"' in client.get("/states/JAL").get_data(as_text=True)
    assert "/instruments/new" not in client.get("/states/NLE").get_data(as_text=True)
    other = factories.user()
    coordinator = factories.user(role="coordinator")
    db.session.commit()
    member_client = app.test_client()
    login(member_client, other)
    assert "/instruments/new" not in member_client.get("/states/JAL").get_data(as_text=True)
    coordinator_client = app.test_client()
    login(coordinator_client, coordinator)
    assert 'href="/instruments/new?state=NLE"' in coordinator_client.get("/states/nle").get_data(as_text=True)


def test_a_member_follows_and_unfollows_a_chapter(app, client):
    person = logged_in(client)
    response = post_form(client, "/states/jal/follow", {"following": "1"}, form_page="/states/jal")
    assert response.status_code == 302 and response.headers["Location"].endswith("/states/JAL")
    follows = lambda: db.session.scalars(sa.select(Follow.state).where(Follow.user_id == person.id)).all()  # noqa: E731
    assert follows() == ["JAL"]
    html = client.get("/states/JAL?lang=en").get_data(as_text=True)
    assert "Stop following" in html and "1 follower" in html
    post_form(client, "/states/JAL/follow", {"following": "1"}, form_page="/states/JAL")
    assert follows() == ["JAL"]  # twice is once
    post_form(client, "/states/JAL/follow", {"following": "0"}, form_page="/states/JAL")
    assert follows() == []
    assert post_form(client, "/states/JAL/follow", {"following": "maybe"}, form_page="/states/JAL").status_code == 400
    assert post_form(client, "/states/xx/follow", {"following": "1"}, form_page="/states/JAL").status_code == 404
    assert client.post("/states/JAL/follow", data={"following": "1"}).status_code == 400  # no CSRF token


def test_cached_chapter_pages_show_a_new_instrument_and_new_contributions_at_once(app, client, exact_cache):
    logged_in(client)
    survey = consultation()
    before = client.get("/states/JAL").get_data(as_text=True)
    assert "Estrategia recién registrada" not in before
    assert client.get("/states?measure=contributions").status_code == 200
    instrument("JAL", title_es="Estrategia recién registrada", title_en="Newly recorded strategy")
    db.session.commit()
    assert "Estrategia recién registrada" in client.get("/states/JAL").get_data(as_text=True)
    # A new contribution moves no data version: the pages key on the newest one.
    for _ in range(6):
        contribution(survey, state="JAL")
    db.session.commit()
    assert row_of(client.get("/states?measure=contributions").get_data(as_text=True), "JAL")[3] == "6"
    assert f"{survey.title_es}" in client.get("/states/JAL").get_data(as_text=True)


def test_a_cached_chapter_keeps_each_members_own_follow_button(app, client, exact_cache):
    logged_in(client)
    other = app.test_client()
    logged_in(other)
    other.get("/states/JAL")  # the shared parts are now in the cache
    response = post_form(client, "/states/JAL/follow", {"following": "1"}, form_page="/states/JAL")
    assert response.status_code == 302
    mine = client.get("/states/JAL").get_data(as_text=True)
    theirs = other.get("/states/JAL").get_data(as_text=True)
    # The follow form's hidden value: "0" (stop following) for the follower, "1" (follow) for the other.
    assert 'value="0"' in mine.split('/states/JAL/follow')[1][:400]
    assert 'value="1"' in theirs.split('/states/JAL/follow')[1][:400]
