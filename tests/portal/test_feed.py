"""The Atom feed, sitemap.xml and robots.txt: only what is published, absolute addresses under BASE_URL."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from coalition.database import utcnow
from coalition.extensions import db
from coalition.recommendations.models import Recommendation, RecommendationRevision
from tests import factories
from tests.portal.factories import public_deliverable, published_recommendation
from tests.recommendations import conftest as make
from tests.test_query_counts import count_queries

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def revision(rec: Recommendation, action: str) -> None:
    db.session.add(RecommendationRevision(recommendation_id=rec.id, action=action, changes={}, created_at=utcnow()))
    db.session.flush()


def world() -> dict:
    """Published things with history, and their unpublished twins."""
    rec = published_recommendation("ethics", title_es="Modelos <abiertos> & \"libres\"\x01",
                                   title_en="Open <models> & \"free\"")
    revision(rec, "publish")
    revision(rec, "state")
    hidden = make.recommendation("ethics", title_es="Borrador secreto", title_en="Secret draft")
    revision(hidden, "publish")
    shown = public_deliverable("governance", recommendations=[rec, hidden], title="Entregable público", progress=40)
    public_deliverable("data", title="Entregable suelto")
    factories.deliverable("ethics", title="Entregable interno", published_at=utcnow())
    public_deliverable("ethics", title="Entregable archivado", archived_at=utcnow())
    results = make.consultation(slug="consulta-publicada", title_es="Consulta publicada",
                                title_en="Published consultation", results_published=True, results_published_at=utcnow())
    make.consultation(slug="consulta-reservada", title_es="Consulta reservada", title_en="Private consultation")
    db.session.commit()
    return {"rec": rec.id, "hidden": hidden.id, "shown": shown.id, "results": results.slug}


def parse(response) -> ET.Element:
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    return ET.fromstring(response.get_data())  # raises when not well-formed


def entries(root: ET.Element) -> list[dict]:
    return [{"id": e.findtext(f"{ATOM}id"), "title": e.findtext(f"{ATOM}title"),
             "summary": e.findtext(f"{ATOM}summary"), "updated": e.findtext(f"{ATOM}updated"),
             "link": e.find(f"{ATOM}link").get("href")} for e in root.iter(f"{ATOM}entry")]


def test_the_feed_is_well_formed_atom_of_published_changes_only(app, client):
    w = world()
    response = client.get("/public/feed.atom?lang=en")
    assert response.mimetype == "application/atom+xml"
    root = parse(response)
    assert root.tag == f"{ATOM}feed"
    base = app.config["BASE_URL"].rstrip("/")
    assert root.findtext(f"{ATOM}id").startswith(base + "/public/feed.atom")
    assert root.findtext(f"{ATOM}updated")
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links == {"self": base + "/public/feed.atom?lang=en", "alternate": base + "/public?lang=en"}
    items = entries(root)
    titles = [item["title"] for item in items]
    assert titles.count("Open <models> & \"free\"") == 2  # escaped on the way out, exact on the way in
    assert "Entregable público" in titles and "Published consultation" in titles
    text = response.get_data(as_text=True)
    for secret in ("Secret draft", "Borrador secreto", "Entregable interno", "Entregable archivado",
                   "Private consultation", "consulta-reservada"):
        assert secret not in text
    links = {item["title"]: item["link"] for item in items}
    assert links["Published consultation"] == base + f"/public/consultations/{w['results']}?lang=en"
    # A deliverable is shown on the published recommendation it carries out, else on its group's page.
    assert links["Entregable público"] == base + f"/public/recommendations/{w['rec']}?lang=en"
    assert links["Entregable suelto"] == base + "/public/groups/data?lang=en"
    assert all(item["link"].startswith(base + "/public") for item in items)
    assert all(item["id"] and item["updated"] and item["summary"] for item in items)


def test_feed_entry_ids_are_unique_and_stable_across_requests_and_languages(client):
    world()
    first = entries(parse(client.get("/public/feed.atom?lang=es")))
    again = entries(parse(client.get("/public/feed.atom?lang=es")))
    english = entries(parse(client.get("/public/feed.atom?lang=en")))
    ids = [item["id"] for item in first]
    assert len(ids) == len(set(ids)) == 5  # two revisions, two deliverables published, the results
    assert ids == [item["id"] for item in again] == [item["id"] for item in english]


def test_the_feed_speaks_the_chosen_language(client):
    world()
    spanish = parse(client.get("/public/feed.atom?lang=es"))
    english = parse(client.get("/public/feed.atom?lang=en"))
    assert spanish.get("{http://www.w3.org/XML/1998/namespace}lang") == "es"
    assert english.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert spanish.findtext(f"{ATOM}title").startswith("Cambios en la agenda")
    assert english.findtext(f"{ATOM}title").startswith("Changes to the agenda")
    assert "Modelos <abiertos> & \"libres\"" in [item["title"] for item in entries(spanish)]  # \x01 dropped
    assert "Published consultation" not in [item["title"] for item in entries(spanish)]
    assert "Se publicaron los resultados de la consulta." in [item["summary"] for item in entries(spanish)]
    assert "The consultation's results were published." in [item["summary"] for item in entries(english)]


def test_an_unpublished_recommendation_leaves_the_feed_on_the_next_request(client):
    w = world()
    assert "Open <models> & \"free\"" in [item["title"] for item in entries(parse(client.get("/public/feed.atom?lang=en")))]
    db.session.get(Recommendation, w["rec"]).published = False
    db.session.commit()
    response = client.get("/public/feed.atom?lang=en")
    items = entries(parse(response))
    assert "Open <models> & \"free\"" not in [item["title"] for item in items]
    assert f"/public/recommendations/{w['rec']}" not in response.get_data(as_text=True)
    assert {item["title"]: item["link"] for item in items}["Entregable público"].endswith("/public/groups/governance?lang=en")


def sitemap_urls(response) -> dict[str, dict]:
    root = parse(response)
    assert root.tag == f"{SITEMAP}urlset"
    return {url.findtext(f"{SITEMAP}loc"): {
        "lastmod": url.findtext(f"{SITEMAP}lastmod"),
        "alternates": {link.get("hreflang"): link.get("href") for link in url.findall(f"{XHTML}link")},
    } for url in root.findall(f"{SITEMAP}url")}


def test_the_sitemap_lists_published_pages_under_base_url_whatever_the_host(app, client):
    w = world()
    base = app.config["BASE_URL"].rstrip("/")
    response = client.get("/sitemap.xml", headers={"Host": "attacker.example"})
    assert response.mimetype == "application/xml"
    urls = sitemap_urls(response)
    assert all(loc.startswith(base + "/public") for loc in urls)
    assert "attacker.example" not in response.get_data(as_text=True)
    for path in ("/public", "/public/agenda", "/public/members", "/public/data", f"/public/recommendations/{w['rec']}",
                 "/public/groups/ethics", "/public/groups/governance", f"/public/consultations/{w['results']}"):
        for lang in ("es", "en"):
            assert f"{base}{path}?lang={lang}" in urls, (path, lang)
    assert f"{base}/public/recommendations/{w['hidden']}?lang=es" not in urls
    assert not any("consulta-reservada" in loc for loc in urls)
    page = urls[f"{base}/public/recommendations/{w['rec']}?lang=en"]
    assert page["alternates"] == {"es": f"{base}/public/recommendations/{w['rec']}?lang=es",
                                  "en": f"{base}/public/recommendations/{w['rec']}?lang=en",
                                  "x-default": f"{base}/public/recommendations/{w['rec']}"}
    assert page["lastmod"] and urls[f"{base}/public/consultations/{w['results']}?lang=es"]["lastmod"]


def test_robots_txt_opens_the_portal_closes_the_rest_and_names_the_sitemap(app, client):
    response = client.get("/robots.txt", headers={"Host": "attacker.example"})
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert "Set-Cookie" not in response.headers
    lines = response.get_data(as_text=True).splitlines()
    assert "User-agent: *" in lines and "Allow: /public/" in lines
    assert "Disallow: /api/" in lines and "Disallow: /" in lines
    assert f"Sitemap: {app.config['BASE_URL'].rstrip('/')}/sitemap.xml" in lines


def test_the_feed_and_sitemap_issue_the_same_queries_with_few_and_many_items(client):
    def counts():
        found = {}
        for path in ("/public/feed.atom", "/sitemap.xml", "/robots.txt"):
            with count_queries() as statements:
                assert client.get(path).status_code == 200
            found[path] = len(statements)
        return found

    world()
    small = counts()
    for n in range(30):
        rec = published_recommendation(("ethics", "data")[n % 2])
        revision(rec, "publish")
        public_deliverable("ethics", recommendations=[rec])
        make.consultation(results_published=True, results_published_at=utcnow())
    db.session.commit()
    assert counts() == small
    assert max(small.values()) <= 8, small
