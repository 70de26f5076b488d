"""The portal's HTTP contract (coalition/portal/http.py): no cookie ever, public caching with an ETag
and a Last-Modified from the data version, 304 on revalidation, and never a stale page."""
from __future__ import annotations

import pytest

from coalition.database import utcnow
from coalition.dashboards import cache
from coalition.portal import http
from coalition.extensions import db
from coalition.recommendations import services as recommendations
from tests import factories
from tests.conftest import login
from tests.portal.factories import listed_institution, public_deliverable, published_recommendation
from tests.recommendations import conftest as make


@pytest.fixture
def cached_app(app):
    app.config["DASHBOARD_CACHE"] = True
    cache._local.clear()
    http._pages.clear()
    yield app
    cache._local.clear()
    http._pages.clear()


def world():
    """One of everything published, and an unpublished recommendation beside it."""
    coordinator = factories.user(role="coordinator")
    rec = published_recommendation(title_es="Recomendación Zeta-Uno", title_en="Zeta-One proposal")
    hidden = make.recommendation(title_es="Borrador secreto", title_en="Secret draft", state="adopted")
    public_deliverable(recommendations=[rec])
    listed_institution(name="Instituto Listado")
    closed = make.consultation(results_published=True, results_published_at=utcnow())
    db.session.commit()
    return coordinator, rec, hidden, closed


def portal_paths(rec, closed) -> list[str]:
    return ["/public", "/public/agenda", f"/public/recommendations/{rec.id}", "/public/groups/ethics",
            "/public/members", f"/public/consultations/{closed.slug}", "/public/data",
            "/public/data/recommendations.csv", "/public/data/recommendations.json",
            "/public/data/deliverables.csv", "/public/data/deliverables.json",
            "/public/data/schema/recommendations.json", "/public/data/schema/deliverables.json",
            "/public/feed.atom", "/sitemap.xml", "/robots.txt"]


def test_every_portal_response_is_public_and_sets_no_cookie_even_for_a_member(client):
    coordinator, rec, hidden, closed = world()
    login(client, coordinator)
    for path in portal_paths(rec, closed) + [f"/public/recommendations/{hidden.id}", "/public/nothing-here"]:
        for lang in ("", "?lang=en"):
            response = client.get(path + lang)
            assert "Set-Cookie" not in response.headers, path
            assert response.status_code in (200, 404), (path, response.status_code)
            assert response.cache_control.public, path
            assert response.cache_control.max_age is not None, path


def test_a_member_sees_the_same_page_as_the_public(app):
    coordinator, rec, _hidden, _closed = world()
    anonymous, member = app.test_client(), app.test_client()
    login(member, coordinator)
    for path in ("/public", f"/public/recommendations/{rec.id}"):
        assert member.get(path).get_data() == anonymous.get(path).get_data(), path


def test_a_remember_cookie_is_neither_read_nor_renewed_on_the_portal(client):
    _coordinator, rec, _hidden, _closed = world()
    client.set_cookie("remember_token", "1|forged")
    client.set_cookie("session", "not-a-valid-session")
    response = client.get(f"/public/recommendations/{rec.id}")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_a_page_carries_an_etag_and_last_modified_and_revalidates_with_304(client):
    _coordinator, rec, _hidden, _closed = world()
    path = f"/public/recommendations/{rec.id}"
    first = client.get(path)
    assert first.status_code == 200
    assert first.headers["ETag"].startswith('"')
    assert first.last_modified is not None
    assert "Accept-Language" in first.headers["Vary"]
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert "Set-Cookie" not in again.headers


def test_each_language_and_each_address_has_its_own_tag(client):
    _coordinator, rec, _hidden, _closed = world()
    tags = {client.get(path).headers["ETag"] for path in
            ("/public", "/public?lang=en", "/public?lang=es", "/public/agenda", f"/public/recommendations/{rec.id}")}
    assert len(tags) == 5
    english = client.get("/public", headers={"Accept-Language": "en"})
    assert english.headers["ETag"] != client.get("/public").headers["ETag"]  # one address, two languages
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert '<html lang="es">' in client.get("/public").get_data(as_text=True)


def test_an_unpublished_recommendation_is_the_same_404_as_a_missing_one(client):
    _coordinator, _rec, hidden, _closed = world()
    unpublished = client.get(f"/public/recommendations/{hidden.id}")
    missing = client.get("/public/recommendations/987654")
    assert unpublished.status_code == missing.status_code == 404
    # The page names its own address (canonical, language links): the only difference allowed.
    assert unpublished.get_data().replace(f"/recommendations/{hidden.id}".encode(), b"/recommendations/N") == \
        missing.get_data().replace(b"/recommendations/987654", b"/recommendations/N")
    assert "Secret draft" not in unpublished.get_data(as_text=True)
    assert "ETag" not in unpublished.headers and "ETag" not in missing.headers


def test_unpublishing_is_gone_from_every_page_file_and_feed_on_the_next_request(cached_app):
    coordinator, rec, _hidden, closed = world()
    client = cached_app.test_client()
    paths = ["/public", "/public/agenda", "/public/groups/ethics", "/public/data/recommendations.csv",
             "/public/data/recommendations.json", "/public/feed.atom", "/sitemap.xml"]
    tags = {}
    for path in paths:
        for lang in ("es", "en"):
            response = client.get(f"{path}?lang={lang}")
            text = response.get_data(as_text=True)
            assert rec.title_in(lang) in text or f"/public/recommendations/{rec.id}" in text, (path, lang)
            tags[path, lang] = response.headers["ETag"]
    assert client.get(f"/public/recommendations/{rec.id}").status_code == 200

    recommendations.update_recommendation(coordinator, rec.id, version=rec.version, published=False)
    db.session.commit()

    for path in paths:
        for lang in ("es", "en"):
            response = client.get(f"{path}?lang={lang}", headers={"If-None-Match": tags[path, lang]})
            assert response.status_code == 200, (path, lang)  # the old copy is no longer current
            text = response.get_data(as_text=True)
            assert rec.title_in(lang) not in text, (path, lang)
            assert f"/public/recommendations/{rec.id}" not in text, (path, lang)
    assert client.get(f"/public/recommendations/{rec.id}").status_code == 404


def test_a_cached_page_follows_a_publication_at_once(cached_app):
    coordinator, _rec, hidden, _closed = world()
    client = cached_app.test_client()
    assert "Secret draft" not in client.get("/public/agenda?lang=en").get_data(as_text=True)
    assert client.get("/public/agenda?lang=en").status_code == 200  # now from the cache
    recommendations.update_recommendation(coordinator, hidden.id, version=hidden.version, published=True,
                                          answer_es="Adoptada", answer_en="Adopted")
    db.session.commit()
    assert "Secret draft" in client.get("/public/agenda?lang=en").get_data(as_text=True)
    assert client.get(f"/public/recommendations/{hidden.id}").status_code == 200


def test_a_rolled_back_change_leaves_the_tag_as_it_was(client):
    _coordinator, rec, _hidden, _closed = world()
    tag = client.get("/public").headers["ETag"]
    rec.title_en = "Changed, then not"
    db.session.flush()
    db.session.rollback()
    assert client.get("/public").headers["ETag"] == tag


def test_the_language_comes_from_the_address_never_from_a_cookie(client):
    world()
    client.get("/login?lang=en")  # an ordinary page remembers an anonymous visitor's language
    assert '<html lang="es">' in client.get("/public").get_data(as_text=True)
    assert '<html lang="en">' in client.get("/public?lang=en").get_data(as_text=True)


def test_absolute_addresses_use_the_configured_base_url_not_the_host_header(client, app):
    _coordinator, rec, _hidden, _closed = world()
    app.config["BASE_URL"] = "https://ia2030.example.mx"
    page = client.get(f"/public/recommendations/{rec.id}", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert "https://ia2030.example.mx/public/recommendations/" in page
    assert "evil.example" not in page


def test_pages_carry_a_description_and_open_graph_tags(client):
    _coordinator, rec, _hidden, closed = world()
    for path in ("/public", "/public/agenda", f"/public/recommendations/{rec.id}", "/public/groups/ethics",
                 "/public/members", f"/public/consultations/{closed.slug}", "/public/data"):
        page = client.get(path).get_data(as_text=True)
        for tag in ('<meta name="description" content="', '<meta property="og:title" content="',
                    '<meta property="og:description" content="'):
            start = page.index(tag) + len(tag)
            assert page[start:page.index('"', start)].strip(), (path, tag)


def test_the_portal_makes_no_request_elsewhere(client):
    _coordinator, rec, _hidden, closed = world()
    for path in ("/public", "/public/agenda", f"/public/recommendations/{rec.id}", "/public/members",
                 "/public/groups/ethics", f"/public/consultations/{closed.slug}", "/public/data"):
        page = client.get(path).get_data(as_text=True)
        for attribute in ('src="http', "src='http", 'href="//', "@import", "<script"):
            assert attribute not in page, (path, attribute)
        assert 'method="post"' not in page.lower(), path  # filters are GET forms: nothing to protect


def test_if_none_match_star_never_turns_a_missing_page_into_a_304(client):
    _coordinator, rec, hidden, _closed = world()
    assert client.get(f"/public/recommendations/{hidden.id}", headers={"If-None-Match": "*"}).status_code == 404
    assert client.get(f"/public/recommendations/{rec.id}", headers={"If-None-Match": "*"}).status_code == 200


def test_arguments_no_page_reads_share_the_page_and_never_reach_its_links(client):
    _coordinator, rec, _hidden, _closed = world()
    plain = client.get("/public/agenda?area=ethics")
    tracked = client.get("/public/agenda?utm_source=chat&area=ethics&x=%3Cb%3E")
    assert tracked.headers["ETag"] == plain.headers["ETag"]
    assert tracked.get_data() == plain.get_data()
    assert "utm_source" not in tracked.get_data(as_text=True)


def test_a_consultation_reopened_after_its_results_were_published_leaves_the_portal(client):
    _coordinator, _rec, _hidden, closed = world()
    assert client.get(f"/public/consultations/{closed.slug}").status_code == 200
    closed.closes_at = factories.days_ago(-10)  # reopened: it closes again in ten days
    db.session.commit()
    assert client.get(f"/public/consultations/{closed.slug}").status_code == 404
    for path in ("/public", "/public/feed.atom", "/sitemap.xml"):
        assert closed.slug not in client.get(path).get_data(as_text=True), path
