"""A published policy instrument on the portal (/public/instruments/<id>): its facts in the reader's
language, its dated stages with their notes, its source, and the published recommendations it takes up;
and, on a recommendation's page, the published instruments that take it up. Anything unpublished is the
same 404 as a missing id, and linked from nowhere."""
from __future__ import annotations

import re
from datetime import date

import pytest

from coalition.database import utcnow
from coalition.extensions import db
from tests import factories
from tests.conftest import login
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


def _strategy():
    """Jalisco's state AI strategy: proposed, approved, sent back with a note; taking up two recommendations."""
    item = portal.instrument(title_es="Estrategia Estatal de IA de Jalisco", title_en="Jalisco State AI Strategy",
                             summary_es="Primera frase del resumen. Segunda **frase**.",
                             summary_en="First sentence of the summary. Second **sentence**.",
                             source_url="https://jalisco.gob.mx/estrategia-ia", administration="2024-2030",
                             branch="executive")
    portal.stage(item, "proposed", date(2025, 1, 15))
    portal.stage(item, "in_committee", date(2025, 3, 1))
    portal.stage(item, "proposed", date(2025, 5, 20), note="Devuelta para incluir a los municipios")
    partial = portal.published_recommendation(title_es="Datos abiertos de salud", title_en="Open health data")
    adopted = portal.published_recommendation(title_es="Ética en compras públicas", title_en="Ethics in procurement")
    portal.uptake(item, partial, "partial", evidence_url="https://jalisco.gob.mx/estrategia-ia#datos",
                  quote="Se abrirán los datos de salud")
    portal.uptake(item, adopted, "adopted")
    return item, partial, adopted


@pytest.mark.parametrize("lang, words", [
    ("es", ("Estrategia Estatal de IA de Jalisco", "Primera frase del resumen.", "<strong>frase</strong>",
            "Estrategia", "Jalisco", "Ejecutivo", "Claudia Sheinbaum Pardo (2024–2030)", "Datos abiertos de salud",
            "Ética en compras públicas", "Se abrirán los datos de salud", "Su historia")),
    ("en", ("Jalisco State AI Strategy", "First sentence of the summary.", "<strong>sentence</strong>", "Strategy",
            "Jalisco", "Executive", "Claudia Sheinbaum Pardo (2024–2030)", "Open health data",
            "Ethics in procurement", "Se abrirán los datos de salud", "Its history")),
])
def test_a_published_instrument_shows_in_each_language(app, client, lang, words):
    item, _partial, _adopted = _strategy()
    db.session.commit()
    body = _text(client, f"/public/instruments/{item.id}", lang)
    assert f'<html lang="{lang}">' in body
    for word in words:
        assert word in body, word
    # The meta description is the summary's first sentence, plain.
    assert f'<meta name="description" content="{words[1]}">' in body


def test_the_history_shows_every_dated_stage_with_its_note(app, client):
    item, _partial, _adopted = _strategy()
    db.session.commit()
    body = _text(client, f"/public/instruments/{item.id}")
    history = body[body.index('id="instrument-stages"'):body.index("</ol>", body.index('id="instrument-stages"'))]
    assert re.findall(r'<time datetime="([0-9-]+)">', history) == ["2025-01-15", "2025-03-01", "2025-05-20"]
    assert [s.strip() for s in re.findall(r'<span class="fw-semibold">([^<]+)</span>', history)] == \
        ["Proposed", "In committee", "Proposed"]
    assert "Devuelta para incluir a los municipios" in history
    # The current stage, with its date, among the facts.
    assert re.search(r"<dt>Stage</dt><dd>Proposed \(since May 20, 2025\)</dd>", body)


def test_uptakes_show_their_degree_evidence_and_quote_and_link_the_recommendation(app, client):
    item, partial, adopted = _strategy()
    db.session.commit()
    body = _text(client, f"/public/instruments/{item.id}")
    card = re.search(r'<article[^>]*aria-labelledby="uptake-%d".*?</article>' % partial.id, body, re.S).group(0)
    assert f'href="/public/recommendations/{partial.id}?lang=en"' in card
    assert "Partially adopted" in card
    assert 'href="https://jalisco.gob.mx/estrategia-ia#datos" rel="nofollow noopener"' in card
    assert "Se abrirán los datos de salud" in card
    assert "Adopted" in re.search(r'<article[^>]*aria-labelledby="uptake-%d".*?</article>' % adopted.id,
                                  body, re.S).group(0)
    assert 'href="https://jalisco.gob.mx/estrategia-ia" rel="nofollow noopener"' in body  # the source


def test_an_unpublished_recommendations_uptake_is_not_shown(app, client):
    item, _partial, _adopted = _strategy()
    draft = make.recommendation(title_en="Draft recommendation", title_es="Recomendación borrador", state="adopted")
    portal.uptake(item, draft, "adopted", quote="Cita de un borrador")
    db.session.commit()
    for lang in ("es", "en"):
        body = _text(client, f"/public/instruments/{item.id}", lang)
        assert "Draft recommendation" not in body and "Recomendación borrador" not in body
        assert f"/public/recommendations/{draft.id}" not in body and "Cita de un borrador" not in body
    assert _get(client, f"/public/recommendations/{draft.id}").status_code == 404


def test_an_unpublished_instrument_is_the_same_404_as_a_missing_id(app, client):
    item = portal.instrument(published=False, title_en="Secret bill")
    db.session.commit()
    hidden = _get(client, f"/public/instruments/{item.id}")
    assert hidden.status_code == 404
    assert b"Secret bill" not in hidden.get_data()
    db.session.delete(item)
    db.session.commit()
    missing = _get(client, f"/public/instruments/{item.id}")
    assert missing.status_code == 404
    assert hidden.get_data() == missing.get_data()
    assert hidden.headers.get("Cache-Control") == missing.headers.get("Cache-Control")


@pytest.mark.parametrize("path", ["/public/instruments/99999999999999", "/public/instruments/0",
                                  "/public/instruments/-1", "/public/instruments/abc", "/public/instruments/1.5"])
def test_ids_out_of_range_are_a_404(app, client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Set-Cookie" not in response.headers


def test_an_unpublished_instrument_is_linked_from_nowhere(app, client):
    rec = portal.published_recommendation()
    shown = portal.instrument(title_en="Published strategy")
    portal.uptake(shown, rec, "cited")
    hidden = portal.instrument(published=False, title_en="Unpublished bill", kind="bill")
    portal.uptake(hidden, rec, "adopted")
    portal.engagement(instrument_id=hidden.id, title="Foro sobre la iniciativa")
    db.session.commit()
    mention = re.compile(rf"/public/instruments/{hidden.id}(?!\d)")
    for path in ("/public", "/public/states", "/public/states?measure=instruments", "/public/states/JAL",
                 f"/public/instruments/{shown.id}", f"/public/recommendations/{rec.id}", "/public/feed.atom",
                 "/sitemap.xml", "/public/agenda"):
        for lang in ("es", "en"):
            body = _text(client, path, lang)
            assert not mention.search(body), path
            assert "Unpublished bill" not in body, path
    assert f"/public/instruments/{shown.id}" in _text(client, f"/public/recommendations/{rec.id}")


def test_a_recommendation_shows_where_it_was_taken_up_published_instruments_only(app, client):
    rec = portal.published_recommendation()
    strategy = portal.instrument(title_es="Estrategia de Jalisco", title_en="Jalisco strategy")
    portal.stage(strategy, "approved", date(2025, 2, 1))
    law = portal.instrument(jurisdiction="federal", state=None, kind="law", branch="legislative",
                            title_es="Ley federal de IA", title_en="Federal AI law")
    portal.uptake(strategy, rec, "partial", evidence_url="https://example.org/prueba")
    portal.uptake(law, rec, "cited", evidence_url="")
    draft = portal.instrument(published=False, title_en="Draft programme")
    portal.uptake(draft, rec, "adopted")
    db.session.commit()
    for lang, words in (("es", ("Retomada en", "Estrategia de Jalisco", "Ley federal de IA", "Federal", "Aprobado")),
                        ("en", ("Taken up in", "Jalisco strategy", "Federal AI law", "Federal", "Approved",
                                "Partially adopted", "Cited"))):
        body = _text(client, f"/public/recommendations/{rec.id}", lang)
        section = body[body.index('id="uptakes-heading"'):body.index('id="deliverables-heading"')]
        for word in words:
            assert word in section, (lang, word)
        assert f'href="/public/instruments/{strategy.id}?lang={lang}"' in section
        assert 'href="https://example.org/prueba"' in section
        assert "Draft programme" not in body


def test_a_recommendation_taken_up_nowhere_says_so(app, client):
    rec = portal.published_recommendation()
    db.session.commit()
    assert "No published policy instrument takes it up yet." in _text(client, f"/public/recommendations/{rec.id}")


def test_unsafe_markdown_and_addresses_never_reach_the_page(app, client):
    item = portal.instrument(summary_en="Text <script>alert(1)</script> [link](javascript:alert(2))",
                             source_url="javascript:alert(3)")
    rec = portal.published_recommendation()
    portal.uptake(item, rec, "cited", evidence_url="javascript:alert(4)", quote="<b>quote</b>")
    db.session.commit()
    body = _text(client, f"/public/instruments/{item.id}")
    assert "<script>" not in body and 'href="javascript:' not in body
    assert "&lt;script&gt;alert(1)" in body  # shown as the text it is, never run
    assert "&lt;b&gt;quote&lt;/b&gt;" in body


def test_an_instrument_without_stages_or_uptakes_says_so(app, client):
    item = portal.instrument(jurisdiction="international", state=None, place="OCDE", kind="declaration",
                             summary_es="", summary_en="", source_url="")
    db.session.commit()
    body = _text(client, f"/public/instruments/{item.id}")
    for empty in ("No stage is recorded yet.", "It takes up no published recommendation of the coalition yet.",
                  "No summary yet.", "International: OCDE"):
        assert empty in body, empty


def test_the_instrument_page_is_public_cacheable_and_the_same_for_a_member(app, client):
    item, _partial, _adopted = _strategy()
    coordinator = factories.user(role="coordinator")
    db.session.commit()
    path = f"/public/instruments/{item.id}"
    first = _get(client, path)
    assert first.cache_control.public and first.headers["ETag"].startswith('"')
    assert "Accept-Language" in first.headers["Vary"]
    again = _get(client, path, **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    assert _get(client, path, "es").headers["ETag"] != first.headers["ETag"]
    member = app.test_client()
    login(member, coordinator)
    signed_in = member.get(path + "?lang=en")
    assert "Set-Cookie" not in signed_in.headers
    assert signed_in.get_data() == first.get_data()


def test_unpublishing_takes_the_page_down_on_the_next_request(app, client):
    item, _partial, _adopted = _strategy()
    db.session.commit()
    path = f"/public/instruments/{item.id}"
    tag = _get(client, path).headers["ETag"]
    item.published = False
    db.session.commit()
    gone = _get(client, path, **{"If-None-Match": tag})
    assert gone.status_code == 404
    item.published, item.published_at = True, utcnow()
    db.session.commit()
    assert _get(client, path).status_code == 200


def html_world(w: dict) -> dict:
    """For tests/test_html_valid.py and the permissions matrix, made once: Jalisco's strategy with its
    stages and uptakes, a federal law without a source, an engagement with an approved position."""
    if "portal_instrument" in w:
        return w
    from datetime import timedelta

    item, _partial, _adopted = _strategy()
    law = portal.instrument(jurisdiction="federal", state=None, kind="law", branch="legislative", source_url="",
                            title_es="Ley federal de IA", title_en="Federal AI law")
    speaker = portal.listed_institution(state="JAL", name="Universidad Portavoz de Prueba")
    portal.engagement(title="Foro estatal de IA", institutions=[speaker], instrument_id=item.id,
                      held_on=factories.today() + timedelta(days=7),
                      position="La coalición propone **datos abiertos**.", position_approved_at=utcnow())
    portal.engagement(title="Audiencia pasada", kind="hearing", held_on=factories.today() - timedelta(days=30))
    db.session.commit()
    w.update(portal_instrument=item.id, portal_law=law.id,
             portal_states=["/public/states/JAL", "/public/states/oax", "/public/states/abroad"])
    return w
