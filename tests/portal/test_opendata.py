"""The open data: only what is published, stable ids, a licence, a schema each JSON file validates against."""
from __future__ import annotations

import csv
import io
import json

import pytest
import sqlalchemy as sa

from coalition import create_app
from coalition.dashboards.models import DataVersion
from coalition.database import utcnow
from coalition.deliverables.models import Milestone
from coalition.extensions import db
from coalition.recommendations.models import Recommendation, RecommendationDeliverable
from tests import factories
from tests.conftest import IsolatedClient
from tests.portal.factories import listed_institution, public_deliverable, published_recommendation
from tests.recommendations import conftest as make
from tests.test_query_counts import count_queries


def world() -> dict:
    """A published recommendation with public, hidden and archived deliverables, and what must stay out."""
    c = make.consultation(results_published=True, results_published_at=utcnow())
    t = make.theme(c)
    cited = [make.contribution(c) for _ in range(6)]
    for item in cited[:5]:
        make.code(item, t)
    unpublished_results = make.consultation()
    make.code(make.contribution(unpublished_results), t)  # results not public: counts for nothing
    hidden = make.contribution(c, hidden_at=utcnow())
    make.code(hidden, t)
    target = published_recommendation("governance", title_es="Destino", title_en="Target")
    rec = published_recommendation("ethics", title_es="=HYPERLINK(\"x\")", title_en="Open models",
                                   themes=[t], contributions=[cited[5]], text_es="Línea 1\nLínea 2, con coma")
    unpublished = make.recommendation("ethics", title_es="Borrador secreto", title_en="Secret draft",
                                      state="adopted")
    merged_away = published_recommendation("ethics", state="merged", merged_into_id=unpublished.id,
                                           answer_es="Se une", answer_en="Merged")
    merged_in = published_recommendation("ethics", state="merged", merged_into_id=target.id,
                                         answer_es="Se une", answer_en="Merged")
    shown = public_deliverable("ethics", recommendations=[rec, unpublished], status="in_progress", progress=60,
                               completion_override="limited", completion_note="Falta el presupuesto")
    listed = listed_institution(name="Universidad Pública")
    unlisted = factories.institution(name="Empresa Discreta")
    shown.institutions.extend([listed, unlisted])
    db.session.add(Milestone(deliverable_id=shown.id, title="Borrador", progress=100, position=0,
                             due_date=factories.today()))
    db.session.add(Milestone(deliverable_id=shown.id, title="Versión final", progress=20, position=1))
    done = public_deliverable("governance", recommendations=[rec], status="done", progress=100)
    internal = factories.deliverable("ethics", title="Entregable interno")
    archived = public_deliverable("ethics", recommendations=[rec], title="Entregable archivado",
                                  archived_at=utcnow())
    db.session.add(RecommendationDeliverable(recommendation_id=rec.id, deliverable_id=internal.id))
    db.session.commit()
    return {"rec": rec.id, "target": target.id, "unpublished": unpublished.id, "merged_away": merged_away.id,
            "merged_in": merged_in.id, "shown": shown.id, "done": done.id, "internal": internal.id,
            "archived": archived.id}


def get_json(client, path: str) -> dict:
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.mimetype == "application/json"
    return json.loads(response.get_data(as_text=True))


def get_csv(client, path: str) -> list[dict]:
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True), newline="")))


def by_id(items) -> dict:
    return {int(item["id"]): item for item in items}


def test_recommendations_json_holds_only_published_recommendations_by_id(app, client):
    w = world()
    data = get_json(client, "/public/data/recommendations.json")
    items = by_id(data["items"])
    assert list(items) == sorted([w["rec"], w["target"], w["merged_away"], w["merged_in"]])
    assert w["unpublished"] not in items
    rec = items[w["rec"]]
    assert rec["url"] == app.config["BASE_URL"].rstrip("/") + f"/public/recommendations/{w['rec']}"
    assert (rec["group"], rec["area"], rec["state"], rec["title_en"]) == ("ethics", "ethics", "adopted", "Open models")
    assert rec["text_es"] == "Línea 1\nLínea 2, con coma" and rec["answer_en"] == "Adopted"
    # Public, not archived deliverables only; completion from theirs (limited and complete → substantial).
    assert rec["deliverables"] == [w["shown"], w["done"]]
    assert rec["completion"] == "substantial"
    # Five coded under its theme, one cited directly; the hidden one is behind nothing, nor one from a
    # consultation whose results are not public; under 5 it would be null (the small-cell rule).
    assert rec["contributions"] == 6
    assert items[w["target"]]["completion"] is None and items[w["target"]]["deliverables"] == []
    assert items[w["merged_in"]]["merged_into"] == w["target"]
    assert items[w["merged_away"]]["merged_into"] is None  # its target is not published
    assert "Secret draft" not in json.dumps(data) and "Borrador secreto" not in json.dumps(data)


def test_deliverables_json_holds_only_public_deliverables_and_listed_institutions(client):
    w = world()
    data = get_json(client, "/public/data/deliverables.json")
    items = by_id(data["items"])
    assert list(items) == [w["shown"], w["done"]]
    shown = items[w["shown"]]
    assert shown["recommendations"] == [w["rec"]]  # the unpublished one it also carries out is not named
    assert shown["institutions"] == ["Universidad Pública"]
    assert shown["milestones"] == [{"title": "Borrador", "due_date": factories.today().isoformat(), "progress": 100},
                                   {"title": "Versión final", "due_date": None, "progress": 20}]
    assert (shown["status"], shown["progress"], shown["completion"]) == ("in_progress", 60, "limited")
    assert shown["completion_note"] == "Falta el presupuesto"
    assert (shown["summary_es"], shown["summary_en"]) == ("Resumen público", "Public summary")
    assert items[w["done"]]["completion"] == "complete" and items[w["done"]]["completion_note"] == ""
    text = json.dumps(data, ensure_ascii=False)
    for secret in ("Entregable interno", "Entregable archivado", "Empresa Discreta"):
        assert secret not in text


def test_csv_files_hold_the_same_items_with_lists_joined_and_formulas_defused(client):
    w = world()
    response = client.get("/public/data/recommendations.csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="recommendations.csv"'
    assert not response.get_data().startswith(b"\xef\xbb\xbf")  # UTF-8 without a byte-order mark
    assert response.get_data(as_text=True).split("\r\n")[0].startswith("id,url,group,area,horizon,state,")
    recs = by_id(get_csv(client, "/public/data/recommendations.csv"))
    assert list(recs) == sorted([w["rec"], w["target"], w["merged_away"], w["merged_in"]])
    rec = recs[w["rec"]]
    assert rec["title_es"] == "'=HYPERLINK(\"x\")"  # a spreadsheet shows it, never runs it
    assert rec["text_es"] == "Línea 1\nLínea 2, con coma"
    assert rec["deliverables"] == f"{w['shown']};{w['done']}"
    assert recs[w["target"]]["completion"] == "" and recs[w["merged_away"]]["merged_into"] == ""
    deliverables = by_id(get_csv(client, "/public/data/deliverables.csv"))
    assert list(deliverables) == [w["shown"], w["done"]]
    shown = deliverables[w["shown"]]
    assert (shown["recommendations"], shown["institutions"], shown["milestones"]) == (
        str(w["rec"]), "Universidad Pública", "2")


def test_an_unpublished_recommendation_leaves_every_file_on_the_next_request(client):
    w = world()
    assert w["rec"] in by_id(get_json(client, "/public/data/recommendations.json")["items"])
    db.session.get(Recommendation, w["rec"]).published = False
    db.session.commit()
    assert w["rec"] not in by_id(get_json(client, "/public/data/recommendations.json")["items"])
    assert str(w["rec"]) not in by_id(get_csv(client, "/public/data/recommendations.csv"))
    assert by_id(get_json(client, "/public/data/deliverables.json")["items"])[w["shown"]]["recommendations"] == []


@pytest.mark.parametrize("path", ["/public/data/secrets.json", "/public/data/recommendations.xml",
                                  "/public/data/recommendations.CSV", "/public/data/users.csv",
                                  "/public/data/schema/users.json", "/public/data/schema/recommendations.csv",
                                  "/public/data/recommendations.json.csv"])
def test_unknown_files_and_schemas_are_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Set-Cookie" not in response.headers


def test_each_json_file_validates_against_its_published_schema(app, client):
    from jsonschema import Draft202012Validator

    world()
    for name in ("recommendations", "deliverables"):
        response = client.get(f"/public/data/schema/{name}.json")
        assert response.status_code == 200 and response.mimetype == "application/schema+json"
        schema = json.loads(response.get_data(as_text=True))
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"] == app.config["BASE_URL"].rstrip("/") + f"/public/data/schema/{name}.json"
        data = get_json(client, f"/public/data/{name}.json")
        assert data["schema"] == schema["$id"]
        validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        errors = [error.message for error in validator.iter_errors(data)]
        assert not errors, errors
        assert data["items"], name
        # A document missing a field, or with one the schema does not describe, fails.
        assert not validator.is_valid({**data, "items": [{**data["items"][0], "secret": 1}]})
        assert not validator.is_valid({**data, "items": [{k: v for k, v in data["items"][0].items() if k != "id"}]})


def test_every_field_of_a_schema_has_a_title_and_a_description(client):
    for name in ("recommendations", "deliverables"):
        schema = json.loads(client.get(f"/public/data/schema/{name}.json").get_data(as_text=True))
        definitions = [schema, *schema["$defs"].values()]
        definitions += [spec["items"] for d in schema["$defs"].values() for spec in d["properties"].values()
                        if spec.get("items", {}).get("type") == "object"]
        for definition in definitions:
            for field, spec in definition["properties"].items():
                if "$ref" in spec:
                    continue
                assert spec.get("title") and spec.get("description"), (name, field)


def test_json_files_name_the_default_licence_and_the_time_the_data_last_changed(client):
    world()
    changed_at = db.session.scalar(sa.select(DataVersion.changed_at))
    first = get_json(client, "/public/data/recommendations.json")
    assert first["license"] == {"id": "CC-BY-4.0", "name": "Creative Commons Attribution 4.0 International",
                                "url": "https://creativecommons.org/licenses/by/4.0/"}
    assert first["generated_at"] == changed_at.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    # Stable between changes: the same bytes on the next request.
    assert client.get("/public/data/recommendations.json").get_data() == \
        client.get("/public/data/recommendations.json").get_data()


def test_the_licence_follows_the_coalitions_setting(app):
    world()
    for spdx, name, url in (("ODbL-1.0", "Open Data Commons Open Database License v1.0",
                             "https://opendatacommons.org/licenses/odbl/1-0/"),
                            ("Licencia-Propia-2", "Licencia-Propia-2", None)):
        other = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                       "OPEN_DATA_LICENSE": spdx})
        other.test_client_class = IsolatedClient
        client = other.test_client()
        data = get_json(client, "/public/data/deliverables.json")
        assert data["license"] == {"id": spdx, "name": name, "url": url}
        page = client.get("/public/data?lang=en").get_data(as_text=True)
        assert name in page
        if url:
            assert f'href="{url}" rel="license"' in page
        else:
            assert 'rel="license"' not in page
        with other.app_context():
            db.engine.dispose()


def test_the_data_page_links_every_file_schema_licence_and_feed_in_both_languages(client):
    world()
    pages = {lang: client.get(f"/public/data?lang={lang}") for lang in ("es", "en")}
    for lang, response in pages.items():
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
        html = response.get_data(as_text=True)
        for name in ("recommendations", "deliverables"):
            for path in (f"/public/data/{name}.csv", f"/public/data/{name}.json", f"/public/data/schema/{name}.json"):
                assert f'href="{path}"' in html, (lang, path)
        assert 'href="https://creativecommons.org/licenses/by/4.0/" rel="license">Creative Commons Attribution 4.0 International</a> (<code>CC-BY-4.0</code>).' in html
        assert f'href="/public/feed.atom?lang={lang}"' in html
    english, spanish = (pages[lang].get_data(as_text=True) for lang in ("en", "es"))
    assert "Open data" in english and "Ids are stable" in english and "Only what the coalition has published" in english
    assert "Datos abiertos" in spanish and "Los identificadores son estables" in spanish
    assert "4 items published" in english and "2 items published" in english


def test_no_open_data_response_sets_a_cookie(client):
    world()
    client.get("/login")  # a session cookie in the jar must not come back renewed either
    for path in ("/public/data", "/public/data/recommendations.csv", "/public/data/recommendations.json",
                 "/public/data/deliverables.csv", "/public/data/deliverables.json",
                 "/public/data/schema/recommendations.json", "/public/data/schema/deliverables.json"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Set-Cookie" not in response.headers, path
        assert response.headers["Cache-Control"].startswith("public"), path


def grow(n: int) -> None:
    """`n` more published recommendations, each with two public deliverables, institutions and milestones."""
    c = make.consultation()
    t = make.theme(c)
    for _ in range(3):
        make.code(make.contribution(c), t)
    for i in range(n):
        rec = published_recommendation(("ethics", "governance")[i % 2], themes=[t])
        for k in range(2):
            d = public_deliverable("ethics", recommendations=[rec], progress=10 * k)
            d.institutions.append(listed_institution())
            db.session.add(Milestone(deliverable_id=d.id, title="Hito", position=0))
        make.recommendation("ethics")
    db.session.commit()


def queries(client) -> dict[str, int]:
    counts = {}
    for path in ("/public/data", "/public/data/recommendations.json", "/public/data/recommendations.csv",
                 "/public/data/deliverables.json", "/public/data/deliverables.csv",
                 "/public/data/schema/deliverables.json"):
        with count_queries() as statements:
            assert client.get(path).status_code == 200
        counts[path] = len(statements)
    return counts


def test_the_files_issue_the_same_queries_with_3_and_30_recommendations(client):
    grow(3)
    small = queries(client)
    grow(27)
    large = queries(client)
    assert small == large
    assert max(small.values()) <= 8, small
