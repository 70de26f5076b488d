"""The public agenda: only published recommendations, filters that combine and never fail, and a
completion counted in SQL that agrees with completion.overall."""
from __future__ import annotations

import itertools

import pytest

from coalition.database import utcnow
from coalition.extensions import db
from coalition.portal import agenda
from coalition.portal.completion import overall
from tests.portal import factories as portal
from tests.recommendations import conftest as make

LEVEL_VALUES = {  # deliverable values that give each completion level
    "not_started": {"status": "not_started", "progress": 0},
    "limited": {"status": "in_progress", "progress": 20},
    "substantial": {"status": "in_progress", "progress": 70},
    "complete": {"status": "done", "progress": 100},
}


def _agenda(client, query: str = "", lang: str = "en") -> str:
    response = client.get(f"/public/agenda?lang={lang}{'&' if query else ''}{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert "Set-Cookie" not in response.headers
    return response.get_data(as_text=True)


@pytest.mark.parametrize("lang, title, other", [("es", "Datos abiertos para todos", "Open data for all"),
                                                ("en", "Open data for all", "Datos abiertos para todos")])
def test_the_agenda_lists_published_recommendations_in_each_language(app, client, lang, title, other):
    rec = portal.published_recommendation("ethics", title_es="Datos abiertos para todos",
                                          title_en="Open data for all", area="data", horizon="medium")
    make.recommendation("ethics", title_es="Borrador secreto", title_en="Secret draft")
    db.session.commit()
    body = _agenda(client, lang=lang)
    assert title in body and other not in body
    assert f"/public/recommendations/{rec.id}?lang={lang}" in body
    assert "Secret draft" not in body and "Borrador secreto" not in body
    assert ("No public deliverable yet" if lang == "en" else "Aún sin entregable público") in body


def test_the_agenda_shows_each_recommendations_facts_and_completion_as_text(app, client):
    rec = portal.published_recommendation("governance", title_en="Public services", area="governance",
                                          horizon="long", state="in_consultation")
    portal.public_deliverable("governance", recommendations=[rec], status="done", progress=100)
    db.session.commit()
    body = _agenda(client)
    for text in ("Public services", "Governance, government and public services", "Long term", "In consultation",
                 "Complete"):
        assert text in body


def test_filters_combine(app, client):
    wanted = portal.published_recommendation("ethics", title_en="Wanted one", area="data", horizon="short")
    portal.public_deliverable("ethics", recommendations=[wanted], status="done", progress=100)
    portal.published_recommendation("ethics", title_en="Wrong horizon", area="data", horizon="long")
    portal.published_recommendation("governance", title_en="Wrong group", area="data", horizon="short")
    portal.published_recommendation("ethics", title_en="Wrong state", area="data", horizon="short", state="rejected")
    portal.published_recommendation("ethics", title_en="Wanted but not done", area="data", horizon="short")
    db.session.commit()
    body = _agenda(client, "area=data&horizon=short&group=ethics&state=adopted&completion=complete&q=wanted")
    assert "Wanted one" in body
    for other in ("Wrong horizon", "Wrong group", "Wrong state", "Wanted but not done"):
        assert other not in body
    body = _agenda(client, "completion=none&group=ethics&q=WANTED")
    assert "Wanted but not done" in body and "Wanted one" not in body


def test_search_looks_in_both_languages_titles(app, client):
    portal.published_recommendation(title_es="Ética algorítmica", title_en="Algorithmic ethics")
    db.session.commit()
    assert "Algorithmic ethics" in _agenda(client, "q=algor%C3%ADtmica")
    assert "Algorithmic ethics" in _agenda(client, "q=Algorithmic", lang="es") or \
        "Ética algorítmica" in _agenda(client, "q=Algorithmic", lang="es")


@pytest.mark.parametrize("query", ["area=x&page=-1&completion=<b>", "state=adopted%3Cscript%3E&group=nope&horizon[]=1",
                                   "page=99999999999999999999&completion=none" + "x" * 500, "completion=&area=&q=",
                                   "page=abc&per_page=-4&group=&state=merged%27--"])
def test_bad_filter_values_are_ignored_never_a_500(app, client, query):
    portal.published_recommendation(title_en="Still listed")
    db.session.commit()
    response = client.get(f"/public/agenda?lang=en&{query}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<b>" not in body and "<script>" not in body
    assert "Still listed" in body or "page=9999" in query


@pytest.mark.parametrize("query", ["q=%25_%5C", "q=" + "x" * 500, "q=%00", "area=%00"])
def test_odd_searches_answer_without_failing(app, client, query):
    portal.published_recommendation(title_en="Still listed")
    db.session.commit()
    assert client.get(f"/public/agenda?lang=en&{query}").status_code in (200, 400)


def test_the_agenda_is_paginated(app, client):
    for n in range(agenda.PER_PAGE + 3):
        portal.published_recommendation(title_en=f"Item {n:03d}")
    db.session.commit()
    first, second = _agenda(client), _agenda(client, "page=2")
    assert "Item 000" in first and "Item 022" not in first
    assert "Item 022" in second and "Item 000" not in second


def test_counts_per_filter_value_follow_the_other_filters(app, client):
    portal.published_recommendation("ethics", area="data")
    portal.published_recommendation("ethics", area="data")
    portal.published_recommendation("governance", area="research")
    db.session.commit()
    result = agenda.agenda({"group": "ethics"})
    assert result["counts"]["area"]["data"] == 2 and result["counts"]["area"]["research"] == 0
    assert result["counts"]["group"]["governance"] == 1  # the group's own count ignores the group filter
    assert result["page"].total == 2


MIXES = [(), ("complete",), ("complete", "complete"), ("not_started",), ("not_started", "not_started"),
         ("not_started", "complete"), ("limited", "not_started"), ("limited", "substantial"),
         ("limited", "limited", "substantial"), ("substantial", "not_started", "limited", "complete"),
         ("limited",), ("substantial",), ("complete", "limited", "limited")]


def test_the_completion_filter_agrees_with_completion_overall(app):
    expected = {}
    for mix in MIXES:
        rec = portal.published_recommendation()
        for level in mix:
            portal.public_deliverable(recommendations=[rec], **LEVEL_VALUES[level])
        # Never counted: a private deliverable and an archived public one.
        portal.public_deliverable(recommendations=[rec], public=False, **LEVEL_VALUES["complete"])
        portal.public_deliverable(recommendations=[rec], archived_at=make.factories.days_ago(1),
                                  **LEVEL_VALUES["not_started"])
        expected[rec.id] = overall(list(mix)) or agenda.NO_DELIVERABLE
    # An override counts as the level a coordinator set.
    rec = portal.published_recommendation()
    portal.public_deliverable(recommendations=[rec], completion_override="complete", **LEVEL_VALUES["limited"])
    expected[rec.id] = "complete"
    db.session.commit()
    for level in agenda.COMPLETION_FILTERS:
        found = {item["recommendation"].id for item in agenda.agenda({"completion": level})["page"].items}
        assert found == {rid for rid, want in expected.items() if want == level}, level
    for rid, want in expected.items():
        assert agenda.recommendation_completion(rid) == (None if want == agenda.NO_DELIVERABLE else want)
        assert agenda.recommendation(rid)["completion"] == want


def test_every_mix_of_up_to_three_levels_agrees(app):
    mixes = [mix for size in (1, 2, 3) for mix in itertools.combinations_with_replacement(LEVEL_VALUES, size)]
    ids = {}
    for mix in mixes:
        rec = portal.published_recommendation()
        for level in mix:
            portal.public_deliverable(recommendations=[rec], **LEVEL_VALUES[level])
        ids[rec.id] = overall(list(mix))
    db.session.commit()
    for rid, want in ids.items():
        assert agenda.recommendation_completion(rid) == want, want


def test_an_unpublished_recommendation_has_no_completion(app):
    rec = make.recommendation()
    portal.public_deliverable(recommendations=[rec], status="done", progress=100)
    db.session.commit()
    assert agenda.recommendation_completion(rec.id) is None
    assert agenda.recommendation_completion(99999999999999) is None


# --- a fixed number of queries whatever the data's size ------------------------------------------

def build(size: int) -> dict:
    """`size` published recommendations, the first carried out by size // 4 public deliverables, each with
    milestones, listed institutions and updates; a consultation with `size` contributions it fed."""
    from coalition.deliverables.models import DeliverableUpdate, Milestone

    consultation = make.consultation(results_published=True, results_published_at=utcnow())
    themes = [make.theme(consultation) for _ in range(max(2, size // 10))]
    for n in range(size):
        make.code(make.contribution(consultation, sector=("academia", "industry")[n % 2],
                                    state=("JAL", "NLE", "CMX")[n % 3], submitted_at=make.factories.days_ago(n % 9)),
                  themes[n % len(themes)])
    recs = [portal.published_recommendation(area=("data", "ethics")[n % 2], themes=themes[:2])
            for n in range(size)]
    for n in range(max(1, size // 4)):
        item = portal.public_deliverable(recommendations=recs[:3], **list(LEVEL_VALUES.values())[n % 4])
        for m in range(3):
            db.session.add(Milestone(deliverable_id=item.id, title=f"Hito {m}", progress=m * 40, position=m))
            db.session.add(DeliverableUpdate(deliverable_id=item.id, status_before="not_started",
                                             status_after="in_progress", progress_before=0, progress_after=m))
            item.institutions.append(portal.listed_institution())
    db.session.commit()
    return {"rec": recs[0].id, "slug": consultation.slug}


def queries_per_page(app, size: int) -> dict[str, int]:
    from tests.test_query_counts import count_queries

    found = build(size)
    counts = {}
    client = app.test_client()
    for lang in ("es", "en"):
        pages = {"agenda": "/public/agenda", "filtered": "/public/agenda?completion=limited&area=data&q=Reco&page=2",
                 "recommendation": f"/public/recommendations/{found['rec']}",
                 "results": f"/public/consultations/{found['slug']}"}
        for name, page in pages.items():
            with count_queries() as statements:
                response = client.get(f"{page}{'&' if '?' in page else '?'}lang={lang}")
            assert response.status_code == 200, page
            counts[f"{lang} {name}"] = len(statements)
    return counts


def test_the_pages_issue_the_same_queries_with_8_and_80_recommendations(template_db, tmp_path):
    from tests.test_query_counts import counts_in_fresh_database

    small = counts_in_fresh_database(template_db, tmp_path / "small.db", 8, queries_per_page)
    large = counts_in_fresh_database(template_db, tmp_path / "large.db", 80, queries_per_page)
    assert small == large
    assert max(small.values()) <= 15, small


def html_world(w: dict) -> dict:
    """For tests/test_html_valid.py, made once: a published recommendation with a full trace and a public
    deliverable (milestones, a listed institution, an override), one merged into it, and published results."""
    if "portal_rec" in w:
        return w
    from datetime import date

    from coalition.deliverables.models import DeliverableUpdate, Milestone

    consultation = make.consultation(slug="consulta-resultados", results_published=True, results_published_at=utcnow(),
                                     description_es="Lo que dijo el país.", description_en="What the country said.")
    themes = [make.theme(consultation), make.theme(consultation)]
    for n in range(12):
        make.code(make.contribution(consultation, sector=("academia", "industry")[n % 2], state=("JAL", "NLE")[n % 2],
                                    submitted_at=make.factories.days_ago(n % 4 + 2)), themes[0])
    rec = portal.published_recommendation("ethics", themes=themes, text_es="Primera frase.\n\nSegunda **frase**.",
                                          text_en="First sentence.\n\nSecond **sentence**.")
    merged = portal.published_recommendation("ethics", state="merged", merged_into_id=rec.id,
                                             answer_es="Se une a otra", answer_en="Joined another")
    item = portal.public_deliverable("ethics", recommendations=[rec], completion_override="substantial",
                                     completion_note="Piloto en tres estados")
    item.institutions.append(portal.listed_institution(name="Instituto Listado del Portal"))
    portal.public_deliverable("ethics", recommendations=[rec], status="done", progress=100)
    db.session.add_all([Milestone(deliverable_id=item.id, title="Borrador", due_date=date(2026, 3, 1), progress=100,
                                  position=1),
                        Milestone(deliverable_id=item.id, title="Consulta", progress=40, position=2),
                        DeliverableUpdate(deliverable_id=item.id, status_before="not_started",
                                          status_after="in_progress", progress_before=0, progress_after=10)])
    db.session.commit()
    w.update(portal_rec=rec.id, portal_merged=merged.id, portal_consultation=consultation.slug)
    return w
