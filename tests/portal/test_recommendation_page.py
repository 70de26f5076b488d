"""A published recommendation on the portal: text, answer, trace as counts (k ≥ 5) and its public
deliverables; anything unpublished is the same 404 as a missing id."""
from __future__ import annotations

from datetime import date

import pytest

from coalition.deliverables.models import DeliverableUpdate, Milestone
from coalition.extensions import db
from tests import factories
from tests.portal import factories as portal
from tests.recommendations import conftest as make


def _page(client, rec_id, lang="en"):
    response = client.get(f"/public/recommendations/{rec_id}?lang={lang}")
    assert "Set-Cookie" not in response.headers
    return response


@pytest.mark.parametrize("lang, words", [
    ("es", ("Datos para la salud", "Primera frase del texto.", "La adoptamos por consenso", "Resumen público",
            "Adoptada", "Sustancial")),
    ("en", ("Health data", "First sentence of the text.", "We adopted it by consensus", "Public summary", "Adopted",
            "Substantial")),
])
def test_a_published_recommendation_shows_in_each_language(app, client, lang, words):
    rec = portal.published_recommendation(
        "ethics", title_es="Datos para la salud", title_en="Health data",
        text_es="Primera frase del texto. Segunda frase.", text_en="First sentence of the text. Second one.",
        answer_es="La adoptamos por consenso", answer_en="We adopted it by consensus")
    portal.public_deliverable("ethics", recommendations=[rec], status="in_progress", progress=60)
    db.session.commit()
    response = _page(client, rec.id, lang)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    for word in words:
        assert word in body, word
    # The description is the text's first sentence, plain.
    assert f'<meta name="description" content="{words[1]}">' in body


def test_an_unpublished_recommendation_is_the_same_404_as_an_unknown_id(app, client):
    rec = make.recommendation(title_en="Not yet public", state="adopted")
    db.session.commit()
    hidden = _page(client, rec.id)
    assert hidden.status_code == 404
    assert b"Not yet public" not in hidden.get_data()
    # The very same id once no such recommendation exists: the same bytes.
    db.session.delete(rec)
    db.session.commit()
    missing = _page(client, rec.id)
    assert missing.status_code == 404
    assert hidden.get_data() == missing.get_data()
    assert hidden.headers.get("Cache-Control") == missing.headers.get("Cache-Control")


@pytest.mark.parametrize("path", ["/public/recommendations/99999999999999", "/public/recommendations/0",
                                  "/public/recommendations/-1", "/public/recommendations/abc"])
def test_ids_out_of_range_are_a_404(app, client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Set-Cookie" not in response.headers


def test_only_public_non_archived_deliverables_and_listed_institutions_show(app, client):
    rec = portal.published_recommendation()
    shown = portal.public_deliverable(recommendations=[rec], title="Shown deliverable")
    portal.public_deliverable(recommendations=[rec], title="Private deliverable", public=False)
    portal.public_deliverable(recommendations=[rec], title="Archived deliverable",
                              archived_at=factories.days_ago(1))
    shown.institutions.append(portal.listed_institution(name="Listed Institute"))
    shown.institutions.append(factories.institution(name="Unlisted Institute"))
    db.session.commit()
    body = _page(client, rec.id).get_data(as_text=True)
    assert "Shown deliverable" in body and "Listed Institute" in body
    for secret in ("Private deliverable", "Archived deliverable", "Unlisted Institute"):
        assert secret not in body


def test_a_deliverable_shows_its_completion_override_milestones_and_last_update(app, client):
    rec = portal.published_recommendation()
    item = portal.public_deliverable(recommendations=[rec], status="in_progress", progress=30,
                                     completion_override="substantial", completion_note="Piloted in three states")
    db.session.add_all([
        Milestone(deliverable_id=item.id, title="Draft the standard", due_date=date(2026, 3, 1), progress=100,
                  position=1),
        Milestone(deliverable_id=item.id, title="Consult the states", due_date=date(2026, 6, 1), progress=40,
                  position=2),
        DeliverableUpdate(deliverable_id=item.id, status_before="not_started", status_after="in_progress",
                          progress_before=0, progress_after=30, created_at=factories.days_ago(3),
                          note="A private note for the group"),
    ])
    db.session.commit()
    body = _page(client, rec.id).get_data(as_text=True)
    assert "Substantial" in body and "Piloted in three states" in body and "set by a coordinator" in body
    assert "30% done" in body
    assert '<time datetime="2026-03-01">' in body and "Draft the standard" in body and "Done" in body
    assert "Consult the states" in body and "40% done" in body
    assert body.index("Draft the standard") < body.index("Consult the states")
    newest = factories.days_ago(3).date().isoformat()
    assert f'<time datetime="{newest}' in body
    assert "A private note for the group" not in body


def test_a_merged_into_target_is_linked_only_when_published(app, client):
    target = portal.published_recommendation(title_en="The absorbing one")
    hidden_target = make.recommendation(title_en="An unpublished absorber")
    into_public = portal.published_recommendation(state="merged", merged_into_id=target.id)
    into_hidden = portal.published_recommendation(state="merged", merged_into_id=hidden_target.id)
    db.session.commit()
    body = _page(client, into_public.id).get_data(as_text=True)
    assert f"/public/recommendations/{target.id}?" in body and "The absorbing one" in body
    body = _page(client, into_hidden.id).get_data(as_text=True)
    assert f"/public/recommendations/{hidden_target.id}" not in body
    assert "An unpublished absorber" not in body and "Merged into" not in body


def test_the_trace_shows_counts_with_small_cells_hidden_and_no_contribution(app, client):
    consultation = make.consultation(results_published=True, results_published_at=factories.days_ago(0))
    theme = make.theme(consultation, name_en="Open standards")
    unpublished = make.consultation(title_en="Unpublished results")
    other = make.theme(unpublished, name_en="Theme of unpublished results")
    for n in range(7):
        make.code(make.contribution(unpublished, state="CHP", sector="academia"), other)
    for n in range(8):
        make.code(make.contribution(consultation, state="JAL", sector="academia",
                                    search_text=f"Secret opinion {n}", email=f"p{n}@example.org",
                                    institution="Hidden Org"), theme)
    for n in range(6):
        make.code(make.contribution(consultation, state="NLE", sector="academia"), theme)
    for n in range(3):  # too few to be named, and with Nuevo León's six hidden too so they cannot be subtracted
        make.code(make.contribution(consultation, state="YUC", sector="academia"), theme)
    make.code(make.contribution(consultation, state="JAL", hidden_at=factories.days_ago(1),
                                search_text="A hidden contribution"), theme)
    rec = portal.published_recommendation(themes=[theme, other])
    db.session.commit()
    body = _page(client, rec.id).get_data(as_text=True)
    assert "17 contributions stand behind this recommendation" in body
    assert "Theme of unpublished results" not in body and "Unpublished results" not in body
    assert "Chiapas" not in body
    assert "Jalisco" in body and "Yucatán" not in body and "Nuevo León" not in body
    assert "Smaller groups (fewer than 5 each), together" in body
    assert "Open standards" in body
    for secret in ("Secret opinion", "example.org", "Hidden Org", "A hidden contribution"):
        assert secret not in body
