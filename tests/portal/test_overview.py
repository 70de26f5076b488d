"""The portal's home, members and working-group pages: published data only, in both languages, no cookie."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from coalition.database import utcnow
from coalition.extensions import db
from coalition.groups.models import GroupMembership
from coalition.recommendations.models import RecommendationRevision
from tests import factories
from tests.portal.factories import listed_institution, public_deliverable, published_recommendation
from tests.recommendations import conftest as make
from tests.test_query_counts import count_queries, counts_in_fresh_database

SECRETS = ("Secreto borrador", "Secret draft", "Entregable interno", "Entregable archivado",
           "Instituto Oculto", "Instituto Inactivo", "Líder Oculto")


def build_world() -> dict:
    """Published and unpublished things side by side, in two groups."""
    jal = listed_institution(name="Universidad de Educación Digital", acronym="UED", sector="academia", state="JAL",
                             website="https://ued.example.org")
    cmx = listed_institution(name="Industria Abierta", acronym="INA", sector="industry", state="CMX",
                             website="javascript:alert(1)")
    abroad = listed_institution(name="Red Mexicana en Berlín", sector="civil_society", state="abroad")
    factories.institution(name="Instituto Oculto", sector="government", state="YUC")  # never listed
    listed_institution(name="Instituto Inactivo", active=False, state="YUC")
    hidden_lead = factories.institution(name="Líder Oculto", sector="government")
    ethics = factories.group("ethics")
    ethics.lead_institutions = [jal, hidden_lead]
    member = factories.user(institution_id=cmx.id)
    db.session.add(GroupMembership(group_id=ethics.id, user_id=member.id, role="member"))

    adopted = published_recommendation("ethics", area="ethics", horizon="short", title_es="Ética pública",
                                       title_en="Public ethics")
    merged = published_recommendation("governance", area="governance", horizon="long", state="merged",
                                      title_es="Gobierno abierto", title_en="Open government")
    make.recommendation("ethics", title_es="Secreto borrador", title_en="Secret draft")  # not published
    db.session.add(RecommendationRevision(recommendation_id=adopted.id, action="publish",
                                          created_at=utcnow() + timedelta(seconds=1)))
    carried = public_deliverable("ethics", recommendations=[adopted], title="Guía de ética", status="in_progress",
                                 progress=60)
    loose = public_deliverable("ethics", title="Taller abierto", status="done", progress=100)
    done = public_deliverable("governance", recommendations=[merged], title="Portal de datos", status="done",
                              progress=100)
    factories.deliverable("ethics", title="Entregable interno")  # not public
    public_deliverable("ethics", title="Entregable archivado", archived_at=utcnow())
    db.session.commit()
    return {"adopted": adopted.id, "merged": merged.id, "carried": carried.id, "loose": loose.id,
            "done": done.id, "abroad": abroad.id}


@pytest.fixture
def world(app):
    return build_world()


def pages() -> list[str]:
    return ["/public", "/public/members", "/public/members?page=2", "/public/members?state=YUC",
            "/public/members?sector=government", "/public/members?q=instituto", "/public/groups/ethics",
            "/public/groups/governance", "/public/groups/research"]


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_pages_show_published_data_in_the_chosen_language(client, world, lang):
    home = client.get(f"/public?lang={lang}").get_data(as_text=True)
    title = "Ética pública" if lang == "es" else "Public ethics"
    assert f'<html lang="{lang}">' in home
    assert '<meta name="description" content="' in home
    assert title in home  # a latest change
    assert "Guía de ética" in home
    assert "Universidad de Educación Digital" not in home  # the home counts members, it does not list them
    members = client.get(f"/public/members?lang={lang}").get_data(as_text=True)
    for name in ("Universidad de Educación Digital", "Industria Abierta", "Red Mexicana en Berlín"):
        assert name in members
    group = client.get(f"/public/groups/ethics?lang={lang}").get_data(as_text=True)
    assert title in group
    assert ("Ética de la IA" if lang == "es" else "AI Ethics") in group
    assert f'id="deliverable-{world["carried"]}"' in group and "Guía de ética" in group
    assert ("Resumen público" if lang == "es" else "Public summary") in group
    assert "Universidad de Educación Digital" in group  # a listed lead


def test_nothing_unpublished_appears_on_any_page(client, world):
    for lang in ("es", "en"):
        for page in pages():
            response = client.get(f"{page}{'&' if '?' in page else '?'}lang={lang}")
            assert response.status_code == 200, page
            body = response.get_data(as_text=True)
            for secret in SECRETS:
                assert secret not in body, (page, secret)


def test_an_unknown_group_is_a_404(client, world):
    for slug in ("nope", "x" * 300, "ETHICS"):
        response = client.get(f"/public/groups/{slug}")
        assert response.status_code == 404, slug
        assert "Set-Cookie" not in response.headers


def test_no_page_sets_a_cookie_even_when_one_is_sent(client, world):
    client.set_cookie("session", "whatever")
    for page in pages():
        response = client.get(page)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers, page
        assert response.headers["Cache-Control"].startswith("public")


def test_home_counts_adopted_under_way_and_complete_recommendations(client, world):
    body = client.get("/public?lang=en").get_data(as_text=True)
    figures = dict((label, int(n)) for n, label in re.findall(r'<span class="h3 mb-0">(\d+)</span> ([a-z ]+)<', body))
    # Two published; one adopted; the adopted one's deliverable is begun (under way), the merged one's done.
    assert figures == {"published recommendations": 2, "adopted": 1, "under way": 1, "carried out in full": 1}
    assert re.search(r'href="/public/agenda\?area=ethics&amp;horizon=short&amp;lang=en">1</a>', body)
    assert "chart-group-progress" in body and "chart-member-sectors" in body


def test_latest_changes_link_to_public_pages_with_their_time(client, world):
    body = client.get("/public?lang=en").get_data(as_text=True)
    changes = body[body.index('id="changes-heading"'):]
    assert f'href="/public/recommendations/{world["adopted"]}?lang=en">Public ethics</a>' in changes
    # A deliverable carrying a published recommendation out shows on that recommendation's page...
    assert f'href="/public/recommendations/{world["adopted"]}?lang=en">Guía de ética</a>' in changes
    # ...one carrying none, on its group's page.
    assert f'href="/public/groups/ethics?lang=en#deliverable-{world["loose"]}">Taller abierto</a>' in changes
    assert re.search(r'<time class="small text-muted" datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00">', changes)


def test_home_says_so_when_nothing_is_published(client):
    body = client.get("/public?lang=en").get_data(as_text=True)
    assert "Nothing is published yet" in body
    assert "No change has been published yet." in body


def test_members_filter_by_sector_and_state(client, world):
    body = client.get("/public/members?sector=industry").get_data(as_text=True)
    assert "Industria Abierta" in body and "Universidad de Educación Digital" not in body
    body = client.get("/public/members?state=jal").get_data(as_text=True)
    assert "Universidad de Educación Digital" in body and "Industria Abierta" not in body
    body = client.get("/public/members?state=abroad").get_data(as_text=True)
    assert "Red Mexicana en Berlín" in body and "Industria Abierta" not in body


def test_members_search_ignores_case_and_accents(client, world):
    for q in ("educacion", "EDUCACIÓN", "ued", "digital universidad"):
        body = client.get(f"/public/members?q={q}").get_data(as_text=True)
        assert "Universidad de Educación Digital" in body, q
        assert "Industria Abierta" not in body, q
    body = client.get("/public/members?q=100%25&lang=en").get_data(as_text=True)
    assert "No listed institution matches these filters." in body


def test_members_website_is_a_link_only_when_it_is_http(client, world):
    body = client.get("/public/members").get_data(as_text=True)
    assert '<a href="https://ued.example.org" rel="nofollow noopener">Universidad de Educación Digital</a>' in body
    assert "javascript:" not in body


def test_members_bad_arguments_are_ignored(client, world):
    for query in ("page=abc&sector=<script>&state=ZZZ", "page=-4", "page=99999999999999", "q=" + "a" * 5000,
                  "sector=&state=&q=", "page=2.5", "state=j%C3%A1l&sector=industry&sector=academia"):
        response = client.get(f"/public/members?{query}")
        assert response.status_code == 200, query
        body = response.get_data(as_text=True)
        assert "<script>" not in body
    assert client.get("/public/members?state=%00").status_code == 400  # the app's input guard, before any view
    # Unknown filters are dropped: every listed institution shows.
    body = client.get("/public/members?sector=<script>&state=ZZZ").get_data(as_text=True)
    assert "Industria Abierta" in body and "Universidad de Educación Digital" in body


def test_members_are_paginated(client, world):
    for n in range(40):
        listed_institution(name=f"Zeta Instituto {n:02d}")
    db.session.commit()
    first = client.get("/public/members").get_data(as_text=True)
    assert "Zeta Instituto 00" in first and "Zeta Instituto 39" not in first
    assert "Page 1 of 2" in client.get("/public/members?lang=en").get_data(as_text=True)
    second = client.get("/public/members?page=2").get_data(as_text=True)
    assert "Zeta Instituto 39" in second and "Zeta Instituto 00" not in second
    beyond = client.get("/public/members?page=50").get_data(as_text=True)
    assert "Zeta Instituto 39" in beyond  # past the end: the last page


def test_group_page_shows_completion_and_sector_balance(client, world):
    body = client.get("/public/groups/ethics?lang=en").get_data(as_text=True)
    assert "Substantial" in body  # the adopted recommendation's one deliverable is at 60 %
    assert "Taller abierto" in body and "Complete" in body
    assert '<progress class="progress-meter" max="100" value="60"' in body and "60 %" in body
    balance = body[body.index('id="balance-heading"'):]
    # The listed lead (academia) and the member's listed institution (industry); the hidden lead is left out.
    rows = dict(re.findall(r'<th scope="row" class="fw-normal">([^<]+)</th><td>(\d+)</td>', balance))
    assert rows == {"Industry": "1", "Civil society": "0", "Academia": "1", "Government": "0",
                    "International cooperation": "0"}


def test_the_chosen_language_stays_in_the_links(client, world):
    body = client.get("/public/members?lang=en").get_data(as_text=True)
    assert 'href="/public/members?state=JAL&amp;lang=en"' in body
    assert '<input type="hidden" name="lang" value="en">' in body


# --- queries: the same number whatever the data's size ------------------------------------------

def build_sized(size: int) -> None:
    sectors = ("industry", "academia", "government", "civil_society", "international")
    states = ("JAL", "CMX", "NLE", "YUC", "abroad")
    ethics = factories.group("ethics")
    for n in range(size):
        inst = listed_institution(sector=sectors[n % 5], state=states[n % 5])
        if n % 3 == 0:
            ethics.lead_institutions.append(inst)
        member = factories.user(institution_id=inst.id, groups={"ethics": "member"})
        rec = published_recommendation(("ethics", "governance")[n % 2], area=("ethics", "data")[n % 2],
                                       horizon=("short", "medium", "long")[n % 3])
        db.session.add(RecommendationRevision(recommendation_id=rec.id, action="edit",
                                              created_at=utcnow() + timedelta(seconds=1)))
        public_deliverable("ethics", owner=member, recommendations=[rec] if n % 2 else [],
                           progress=n * 7 % 100, status=("in_progress", "done")[n % 4 == 0])
        make.recommendation("ethics")
    db.session.commit()


def queries_per_page(app, size: int) -> dict[str, int]:
    build_sized(size)
    counts = {}
    client = app.test_client()
    for page in ("/public", "/public/members", "/public/members?page=2", "/public/members?page=9",
                 "/public/members?sector=academia&state=JAL&q=instituto&page=2",
                 "/public/groups/ethics", "/public/groups/governance"):
        with count_queries() as statements:
            response = client.get(page)
        assert response.status_code == 200, page
        counts[page] = len(statements)
    return counts


def test_pages_issue_the_same_queries_with_6_and_60_of_everything(template_db, tmp_path):
    small = counts_in_fresh_database(template_db, tmp_path / "small.db", 6, queries_per_page)
    large = counts_in_fresh_database(template_db, tmp_path / "large.db", 60, queries_per_page)
    assert small == large
    assert max(small.values()) <= 16, small


def test_the_cached_figures_survive_the_shared_cache(app, world):
    # Redis holds only plain data: what home and group cache must seal and come back the same.
    from coalition.dashboards import cache
    from coalition.portal import overview

    with app.test_request_context("/public"):
        for key, value in (("home", overview._home_figures()), ("counts", overview._institution_counts()),
                           ("balance", overview._sector_balance(factories.group("ethics").id))):
            assert cache.unseal(key, cache.seal(key, value)) == value


def test_a_publish_shows_on_the_next_request_with_the_cache_on(app, client, world):
    from coalition.dashboards import cache

    from coalition.portal import http

    app.config["DASHBOARD_CACHE"] = True
    cache._local.clear()  # entries are keyed by version, which another test's database may share
    http._pages.clear()
    try:
        assert "Nueva institución pública" not in client.get("/public/members").get_data(as_text=True)
        listed_institution(name="Nueva institución pública")
        db.session.commit()
        assert "Nueva institución pública" in client.get("/public/members").get_data(as_text=True)
        rec = make.recommendation("ethics", title_es="Recién publicada")
        db.session.commit()
        assert "Recién publicada" not in client.get("/public/groups/ethics").get_data(as_text=True)
        rec.published, rec.published_at = True, utcnow()
        db.session.commit()
        assert "Recién publicada" in client.get("/public/groups/ethics").get_data(as_text=True)
    finally:
        cache._local.clear()
        http._pages.clear()
