"""A consultation's results on the portal: only once published and closed; participation by day, sector
and state (k ≥ 5), the themes found and the published recommendations it fed; never a contribution."""
from __future__ import annotations

import pytest

from coalition.extensions import db
from tests import factories
from tests.portal import factories as portal
from tests.recommendations import conftest as make


def published_results(**values):
    return make.consultation(**{"results_published": True, "results_published_at": factories.days_ago(0),
                                "title_es": "Consulta nacional", "title_en": "National consultation",
                                "description_es": "Lo que dijo el país. Y más.",
                                "description_en": "What the country said. And more.", **values})


def _page(client, slug, lang="en"):
    response = client.get(f"/public/consultations/{slug}?lang={lang}")
    assert "Set-Cookie" not in response.headers
    return response


def world():
    consultation = published_results()
    big = make.theme(consultation, name_es="Educación", name_en="Education")
    small = make.theme(consultation, name_es="Salud", name_en="Health")
    for n in range(7):
        make.code(make.contribution(consultation, state="JAL", sector="academia", search_text=f"Secret opinion {n}",
                                    email=f"p{n}@example.org", institution="Hidden Org"), big)
    for n in range(6):
        make.contribution(consultation, state="NLE", sector="industry")
    for n in range(3):
        make.code(make.contribution(consultation, state="YUC", sector="industry"), small)
    make.code(make.contribution(consultation, state="JAL", hidden_at=factories.days_ago(1),
                                search_text="A hidden contribution"), small)
    fed = portal.published_recommendation(title_es="Escuelas con IA", title_en="AI in schools", themes=[big])
    cited = make.contribution(consultation, state="JAL")
    by_citation = portal.published_recommendation(title_en="Cited one", contributions=[cited])
    make.recommendation(title_en="Unpublished draft", themes=[big])
    db.session.commit()
    return consultation, fed, by_citation


@pytest.mark.parametrize("lang, words", [
    ("es", ("Resultados: Consulta nacional", "Educación", "Salud", "menos de 5", "Escuelas con IA", "Jalisco")),
    ("en", ("Results: National consultation", "Education", "Health", "fewer than 5", "AI in schools", "Jalisco")),
])
def test_published_results_show_in_each_language(app, client, lang, words):
    consultation, fed, by_citation = world()
    response = _page(client, consultation.slug, lang)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    for word in words:
        assert word in body, word
    assert f"/public/recommendations/{fed.id}?lang={lang}" in body
    assert f"/public/recommendations/{by_citation.id}?lang={lang}" in body
    assert "Unpublished draft" not in body
    description = "Lo que dijo el país." if lang == "es" else "What the country said."
    assert f'<meta name="description" content="{description}">' in body
    assert '<svg' in body and "<table" in body


def test_results_never_show_a_contribution_or_a_small_group(app, client):
    consultation, _fed, _cited = world()
    body = _page(client, consultation.slug).get_data(as_text=True)
    for secret in ("Secret opinion", "example.org", "Hidden Org", "A hidden contribution", "Yucatán",
                   "receipt"):
        assert secret not in body, secret
    assert "17 contributions were received." in body  # the hidden one does not count


@pytest.mark.parametrize("values", [
    {"results_published": False},
    {"closes_at": factories.days_ago(-5)},  # still open
    {"opens_at": factories.days_ago(-5), "closes_at": factories.days_ago(-10)},  # scheduled
    {"phase": "draft"},
])
def test_results_are_a_404_unless_published_and_closed(app, client, values):
    consultation = published_results(**values)
    db.session.commit()
    hidden = _page(client, consultation.slug)
    assert hidden.status_code == 404
    assert "National consultation" not in hidden.get_data(as_text=True)


@pytest.mark.parametrize("phase", ["analysed", "reported"])
def test_analysed_and_reported_consultations_show_their_results(app, client, phase):
    consultation = published_results(phase=phase)
    db.session.commit()
    assert _page(client, consultation.slug).status_code == 200


def test_unpublished_results_are_the_same_404_as_an_unknown_slug(app, client):
    consultation = published_results(results_published=False, slug="consulta-oculta")
    db.session.commit()
    hidden = _page(client, "consulta-oculta")
    db.session.delete(consultation)
    db.session.commit()
    missing = _page(client, "consulta-oculta")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_data() == missing.get_data()
    assert _page(client, "x" * 500).status_code == 404


def test_days_and_totals_keep_the_small_cell_rule(app, client):
    few = published_results(slug="consulta-pequena")
    for days in (3, 4, 5):  # one person a day
        make.contribution(few, submitted_at=factories.days_ago(days))
    busy = published_results(slug="consulta-grande")
    for n in range(6):
        make.contribution(busy, submitted_at=factories.days_ago(3))
    make.contribution(busy, submitted_at=factories.days_ago(4))
    db.session.commit()
    small = _page(client, "consulta-pequena").get_data(as_text=True)
    assert "Fewer than 5 contributions were received." in small
    assert "3 contributions were received." not in small
    large = _page(client, "consulta-grande").get_data(as_text=True)
    assert "7 contributions were received." in large
    assert "Days with too few people to show" in large  # the day with one person is not shown by itself
