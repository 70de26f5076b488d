"""The coalition in each state on the portal: /public/states (the map of Mexico by a chosen measure, and
its table) and /public/states/<code> (listed institutions by sector, contributions under the small-cell
rule, published instruments, engagements and uptakes). Only what is published; no cookie; cacheable."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from coalition.dashboards import cache
from coalition.database import utcnow
from coalition.extensions import db
from coalition.portal import http
from tests import factories
from tests.portal import factories as portal
from tests.recommendations import conftest as make


def _get(client, path, lang="en", **headers):
    response = client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}", headers=headers)
    assert "Set-Cookie" not in response.headers, path
    return response


def _text(client, path, lang="en") -> str:
    response = _get(client, path, lang)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _row(body: str, code: str, table: str = 'id="states-table"') -> str:
    """The row of `code` in the page's table of every state (or the map's own table)."""
    return re.search(rf'<tr data-state="{code}">.*?</tr>', body[body.index(table):], re.S).group(0)


def _contributions(state: str, n: int, consultation=None):
    consultation = consultation or make.consultation(results_published=True, results_published_at=utcnow())
    for _ in range(n):
        make.contribution(consultation, state=state)
    return consultation


# --- /public/states --------------------------------------------------------------------------------

@pytest.mark.parametrize("lang, words", [
    ("es", ("La coalición en cada estado", "Jalisco", "Nuevo León", "Instituciones integrantes")),
    ("en", ("The coalition in each state", "Jalisco", "Nuevo León", "Member institutions")),
])
def test_the_states_page_draws_the_map_and_its_table_in_each_language(app, client, lang, words):
    portal.listed_institution(state="JAL")
    portal.listed_institution(state="JAL")
    db.session.commit()
    body = _text(client, "/public/states", lang)
    for word in words:
        assert word in body, word
    assert '<svg' in body and 'class="chart state-map mx-map"' in body
    # Every state, and abroad, is a row of the table linking to its page.
    rows = re.findall(r'<tr data-state="([A-Za-z]+)">\s*<th scope="row" class="fw-normal"><a href="([^"]+)"', body)
    assert len([code for code, _href in rows if code != "abroad"]) >= 32
    assert ("JAL", f"/public/states/JAL?lang={lang}") in rows
    assert re.findall(r'<td class="text-end">([^<]*)</td>', _row(body, "JAL"))[:1] == ["2"]


@pytest.mark.parametrize("measure", ["members", "contributions", "instruments", "members_per_million"])
def test_each_measure_is_a_plain_link_and_shades_the_map(app, client, measure):
    portal.listed_institution(state="JAL")
    portal.instrument()
    db.session.commit()
    body = _text(client, f"/public/states?measure={measure}")
    # The chosen measure's link is the current one; the others are plain GET links.
    assert re.search(rf'href="/public/states\?measure={measure}&amp;lang=en" aria-current="page"', body) or \
        re.search(rf'href="/public/states\?lang=en&amp;measure={measure}" aria-current="page"', body)
    assert body.count('aria-current="page"') == 1
    assert "<form" not in body


def test_an_unknown_measure_shows_the_members_map(app, client):
    db.session.commit()
    odd = _get(client, "/public/states?measure=<script>")
    assert odd.status_code == 200
    assert "<script>" not in odd.get_data(as_text=True)
    assert 'aria-current="page">Member institutions</a>' in odd.get_data(as_text=True)


def test_the_measure_is_part_of_the_tag_and_other_arguments_are_not(app, client):
    db.session.commit()
    members = _get(client, "/public/states?measure=members")
    instruments = _get(client, "/public/states?measure=instruments")
    tracked = _get(client, "/public/states?measure=members&utm_source=x")
    assert members.headers["ETag"] != instruments.headers["ETag"]
    assert members.headers["ETag"] == tracked.headers["ETag"]


def test_the_map_counts_published_instruments_only(app, client):
    portal.instrument(title_en="Shown strategy")
    portal.instrument(published=False, title_en="Draft strategy")
    db.session.commit()
    body = _text(client, "/public/states?measure=instruments")
    # The full table: institutions, contributions, instruments, engagements.
    assert re.findall(r'<td class="text-end">([^<]*)</td>', _row(body, "JAL"))[2] == "1"
    assert "Jalisco: 1 policy instrument" in body


def test_a_states_contributions_under_five_are_not_shown_on_the_map_table(app, client):
    _contributions("JAL", 4)
    _contributions("NLE", 9)
    _contributions("CMX", 7)
    db.session.commit()
    body = _text(client, "/public/states?measure=contributions")
    for table in (_row(body, "JAL"), _row(body, "JAL", "state-map-table")):
        assert "not shown" in table and ">4<" not in table
    assert "Jalisco: 4" not in body
    assert ">9<" in _row(body, "NLE") and ">9<" in _row(body, "NLE", "state-map-table")


# --- /public/states/<code> -------------------------------------------------------------------------

@pytest.mark.parametrize("code", ["JAL", "jal", "Jal", "MX-JAL", "mx-jal"])
def test_a_states_code_is_read_in_any_case(app, client, code):
    db.session.commit()
    assert "The coalition in Jalisco" in _text(client, f"/public/states/{code}")


@pytest.mark.parametrize("code", ["abroad", "ABROAD", "Abroad"])
def test_mexicans_abroad_have_their_page(app, client, code):
    portal.listed_institution(state="abroad", name="Red de Mexicanos en el Exterior")
    db.session.commit()
    body = _text(client, f"/public/states/{code}", "es")
    assert "Red de Mexicanos en el Exterior" in body


@pytest.mark.parametrize("code", ["XX", "MX", "zzz", "JALISCO", "J" * 300, "%00", "abroad2", "-1"])
def test_an_unknown_state_is_a_404_without_a_cookie(app, client, code):
    db.session.commit()
    response = _get(client, f"/public/states/{code}")
    assert response.status_code == 404
    assert response.cache_control.public


@pytest.mark.parametrize("lang, words", [
    ("es", ("La coalición en Jalisco", "Instituciones integrantes", "Instrumentos de política", "Academia",
            "Estrategia estatal de IA")),
    ("en", ("The coalition in Jalisco", "Member institutions", "Policy instruments", "Academia",
            "State AI strategy")),
])
def test_a_state_page_in_each_language(app, client, lang, words):
    portal.listed_institution(state="JAL", sector="academia")
    portal.instrument(title_es="Estrategia estatal de IA de Jalisco", title_en="State AI strategy of Jalisco")
    db.session.commit()
    body = _text(client, "/public/states/JAL", lang)
    assert f'<html lang="{lang}">' in body
    for word in words:
        assert word in body, word


def test_only_listed_active_institutions_of_the_state_show_by_sector(app, client):
    portal.listed_institution(state="JAL", sector="academia", name="Universidad Listada")
    portal.listed_institution(state="JAL", sector="industry", name="Empresa Listada")
    factories.institution(state="JAL", name="Empresa No Listada")
    portal.listed_institution(state="JAL", name="Listada Pero Inactiva", active=False)
    portal.listed_institution(state="NLE", name="Listada En Otro Estado")
    db.session.commit()
    body = _text(client, "/public/states/JAL")
    assert "Universidad Listada" in body and "Empresa Listada" in body
    for hidden in ("Empresa No Listada", "Listada Pero Inactiva", "Listada En Otro Estado"):
        assert hidden not in body, hidden
    # By sector, each with its count.
    assert body.index("Academia") < body.index("Universidad Listada")
    assert body.index("Industry") < body.index("Empresa Listada")
    assert re.search(r'<span class="h3 mb-0">2</span> listed member institutions', body)


def test_a_sector_with_many_institutions_names_some_and_links_to_all(app, client):
    from coalition.portal.states import INSTITUTIONS_PER_SECTOR

    for n in range(INSTITUTIONS_PER_SECTOR + 2):
        portal.listed_institution(state="JAL", sector="academia", name=f"Universidad {n:03d}")
    db.session.commit()
    body = _text(client, "/public/states/JAL")
    assert body.count("Universidad 0") == INSTITUTIONS_PER_SECTOR
    assert f"See all {INSTITUTIONS_PER_SECTOR + 2}" in body
    assert "/public/members?" in body and "sector=academia" in body


def test_a_states_contributions_follow_the_small_cell_rule(app, client):
    public = _contributions("JAL", 4)
    _contributions("NLE", 12, public)
    _contributions("CMX", 7, public)  # hidden with Jalisco, so that Jalisco's 4 cannot be worked out
    unpublished = make.consultation()
    _contributions("JAL", 20, unpublished)  # results not public: never counted
    db.session.commit()
    body = _text(client, "/public/states/JAL")
    figure = re.search(r'id="state-contributions">([^<]*)<', body).group(1)
    assert figure == "not shown"
    assert "fewer than 5" in body
    nuevo_leon = _text(client, "/public/states/NLE")
    assert re.search(r'id="state-contributions">12<', nuevo_leon)


def test_a_state_with_enough_contributions_shows_its_count(app, client):
    consultation = _contributions("JAL", 6)
    _contributions("NLE", 6, consultation)
    db.session.commit()
    assert re.search(r'id="state-contributions">6<', _text(client, "/public/states/jal"))


def test_only_published_instruments_show_with_their_current_stage(app, client):
    shown = portal.instrument(title_en="Published strategy")
    portal.stage(shown, "proposed", date(2025, 1, 10))
    portal.stage(shown, "approved", date(2025, 4, 2))
    hidden = portal.instrument(published=False, title_en="Draft strategy")
    portal.instrument(jurisdiction="NLE", state="NLE", title_en="Another state's law")
    db.session.commit()
    body = _text(client, "/public/states/JAL")
    assert "Published strategy" in body and f"/public/instruments/{shown.id}?" in body
    row = re.search(r"<tr>\s*<th scope=\"row\"[^>]*><a href=\"/public/instruments/%d.*?</tr>" % shown.id, body, re.S)
    assert "Approved" in row.group(0) and '<time datetime="2025-04-02">' in row.group(0)
    assert "Draft strategy" not in body and f"/public/instruments/{hidden.id}?" not in body
    assert "Another state's law" not in body


def test_a_municipal_instrument_belongs_to_its_states_page(app, client):
    portal.instrument(jurisdiction="municipal", state="JAL", place="Zapopan", title_en="Zapopan AI programme",
                      kind="programme")
    db.session.commit()
    body = _text(client, "/public/states/JAL")
    assert "Zapopan AI programme" in body and "Zapopan, Jalisco" in body


def test_engagements_published_only_position_only_when_approved_as_safe_markdown(app, client):
    speaker = portal.listed_institution(state="JAL", name="Universidad Portavoz")
    silent = factories.institution(state="JAL", name="Institución No Listada")
    portal.engagement(title="Foro aprobado", institutions=[speaker, silent], held_on=factories.today() - timedelta(days=3),
                      position="Nuestra **postura** <script>alert(1)</script>", position_approved_at=utcnow())
    portal.engagement(title="Foro sin aprobar", held_on=factories.today() - timedelta(days=2),
                      position="Borrador de postura interna")
    portal.engagement(title="Foro sin publicar", published=False)
    db.session.commit()
    body = _text(client, "/public/states/JAL", "es")
    assert "Foro aprobado" in body and "Foro sin aprobar" in body
    assert "Foro sin publicar" not in body
    assert "<strong>postura</strong>" in body and "<script>alert(1)" not in body
    assert "Borrador de postura interna" not in body
    assert "Universidad Portavoz" in body and "Institución No Listada" not in body


def test_an_engagements_own_words_say_they_are_in_the_coalitions_language_on_the_english_page(app, client):
    portal.engagement(title="Foro estatal de IA", body="Congreso del Estado", held_on=factories.today() - timedelta(days=3),
                      position="La coalición pide datos abiertos.", position_approved_at=utcnow())
    db.session.commit()
    body = _text(client, "/public/states/JAL", "en")
    assert re.search(r'<h3[^>]* lang="es">Foro estatal de IA</h3>', body)
    assert '<dd lang="es">Congreso del Estado</dd>' in body
    assert re.search(r'<div class="[^"]*" lang="es"><p>La coalición pide datos abiertos.</p>', body)


def test_upcoming_and_past_engagements_are_apart(app, client):
    portal.engagement(title="Audiencia que viene", kind="hearing", held_on=factories.today() + timedelta(days=10))
    portal.engagement(title="Foro que pasó", held_on=factories.today() - timedelta(days=10))
    db.session.commit()
    body = _text(client, "/public/states/JAL")
    upcoming = body[body.index('id="upcoming-heading"'):body.index('id="past-heading"')]
    past = body[body.index('id="past-heading"'):]
    assert "Audiencia que viene" in upcoming and "Foro que pasó" not in upcoming
    assert "Foro que pasó" in past


def test_an_engagement_links_its_instrument_only_when_published(app, client):
    shown = portal.instrument(title_en="Linked strategy")
    hidden = portal.instrument(published=False, title_en="Hidden bill", kind="bill")
    portal.engagement(title="Sobre la estrategia", instrument_id=shown.id)
    portal.engagement(title="Sobre la iniciativa", instrument_id=hidden.id)
    db.session.commit()
    body = _text(client, "/public/states/JAL")
    assert f"/public/instruments/{shown.id}?" in body
    assert f"/public/instruments/{hidden.id}" not in body and "Hidden bill" not in body


def test_recommendations_taken_up_here_are_published_ones_of_published_instruments(app, client):
    rec = portal.published_recommendation(title_en="Open health data")
    draft = make.recommendation(title_en="Draft recommendation", state="adopted")
    strategy = portal.instrument(title_en="Jalisco strategy")
    portal.uptake(strategy, rec, "partial")
    portal.uptake(strategy, draft, "adopted")
    unpublished = portal.instrument(published=False, title_en="Unpublished law")
    portal.uptake(unpublished, rec, "cited")
    db.session.commit()
    body = _text(client, "/public/states/JAL")
    section = body[body.index('id="uptakes-heading"'):body.index('id="upcoming-heading"')]
    assert "Open health data" in section and "Partially adopted" in section
    assert f"/public/recommendations/{rec.id}?" in section
    assert "Draft recommendation" not in body and f"/public/recommendations/{draft.id}" not in body
    assert "Unpublished law" not in body and "Cited" not in section


def test_a_state_with_nothing_published_says_so(app, client):
    db.session.commit()
    body = _text(client, "/public/states/OAX")
    for empty in ("No member institution here is listed yet.", "No policy instrument of this state is published yet.",
                  "No published recommendation has been taken up here yet.", "No upcoming engagement is published."):
        assert empty in body


# --- the HTTP contract -------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/public/states", "/public/states?measure=instruments", "/public/states/JAL",
                                  "/public/states/abroad"])
def test_state_pages_are_public_cacheable_and_revalidate_with_304(app, client, path):
    portal.instrument()
    db.session.commit()
    first = _get(client, path)
    assert first.status_code == 200
    assert first.cache_control.public
    assert first.headers["ETag"].startswith('"')
    again = _get(client, path, **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    assert "Set-Cookie" not in again.headers


def test_a_member_gets_the_same_state_page_and_no_cookie(app, client):
    from tests.conftest import login

    portal.instrument()
    coordinator = factories.user(role="coordinator")
    db.session.commit()
    anonymous = app.test_client()
    login(client, coordinator)
    for path in ("/public/states", "/public/states/JAL"):
        signed_in = client.get(path)
        assert "Set-Cookie" not in signed_in.headers
        assert signed_in.get_data() == anonymous.get(path).get_data(), path


def test_a_publication_changes_the_state_pages_tag_at_once(app, client):
    item = portal.instrument(published=False, title_en="Soon public")
    db.session.commit()
    before = _get(client, "/public/states/JAL")
    assert "Soon public" not in before.get_data(as_text=True)
    item.published = True
    db.session.commit()
    after = _get(client, "/public/states/JAL", **{"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and "Soon public" in after.get_data(as_text=True)


def test_the_state_pages_tag_holds_the_coalitions_date(app, client, monkeypatch):
    db.session.commit()
    today = _get(client, "/public/states/JAL").headers["ETag"]
    states_today = _get(client, "/public/states").headers["ETag"]
    monkeypatch.setattr(http, "coalition_today", lambda: date.today() + timedelta(days=1))
    # Tomorrow a state's page is a new page (its upcoming engagements move); the map is not.
    assert _get(client, "/public/states/JAL").headers["ETag"] != today
    assert _get(client, "/public/states").headers["ETag"] == states_today


def test_the_sitemap_and_the_navigation_lead_to_the_states(app, client):
    published = portal.instrument()
    hidden = portal.instrument(published=False)
    db.session.commit()
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert "/public/states?lang=es" in sitemap and "/public/states/JAL?lang=en" in sitemap
    assert "/public/states/abroad?lang=es" in sitemap
    assert f"/public/instruments/{published.id}?lang=es" in sitemap
    assert f"/public/instruments/{hidden.id}?" not in sitemap
    home = _text(client, "/public")
    assert '<a class="nav-link" href="/public/states?lang=en">States</a>' in home
    assert home.count("/public/states?lang=en") >= 2  # the navigation and the map's section


# --- a fixed number of queries -----------------------------------------------------------------

def _world(size: int, start: int = 0, first=None) -> int:
    """`size` more of everything in Jalisco: listed institutions, contributions, published instruments with
    stages and uptakes (of published and draft recommendations), engagements with representatives; `first`
    takes up one more published recommendation each time."""
    consultation = make.consultation(results_published=True, results_published_at=utcnow())
    for n in range(start, start + size):
        institution = portal.listed_institution(state="JAL", sector=("academia", "industry")[n % 2])
        for _ in range(5):
            make.contribution(consultation, state=("JAL", "NLE")[n % 2])
        item = portal.instrument(kind=("strategy", "law", "programme")[n % 3])
        first = first or item
        portal.stage(item, "proposed", date(2024, 1, 1) + timedelta(days=n))
        portal.stage(item, "in_committee", date(2024, 6, 1) + timedelta(days=n))
        portal.uptake(item, portal.published_recommendation(), "partial")
        portal.uptake(item, make.recommendation(state="adopted"), "cited")
        portal.uptake(first, portal.published_recommendation(), "adopted")
        portal.engagement(institutions=[institution], held_on=factories.today() + timedelta(days=(n % 5) - 2),
                          instrument_id=item.id, position="Postura", position_approved_at=utcnow())
    db.session.commit()
    return first


def _queries(app, paths) -> dict[str, int]:
    from tests.test_query_counts import count_queries

    counts = {}
    client = app.test_client()
    for path in paths:
        for lang in ("es", "en"):
            cache._local.clear()
            http._pages.clear()
            with count_queries() as statements:
                response = client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}")
            assert response.status_code == 200, path
            counts[f"{lang} {path}"] = len(statements)
    return counts


def test_the_state_pages_issue_the_same_queries_with_1_and_30_instruments(app):
    app.config["DASHBOARD_CACHE"] = True  # the cold path through the caches, as in production
    first = _world(1)
    paths = ["/public/states", "/public/states?measure=contributions", "/public/states/JAL",
             f"/public/instruments/{first.id}"]
    one = _queries(app, paths)
    _world(29, start=1, first=first)
    thirty = _queries(app, paths)
    app.config["DASHBOARD_CACHE"] = False
    assert one == thirty
    assert max(one.values()) <= 12, one
