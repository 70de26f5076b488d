"""The analysis pages: coding without JavaScript, no personal data shown, forms with errors beside fields,
and a constant number of queries for the queue and the search."""
from __future__ import annotations

import re

import sqlalchemy as sa

from coalition.audit.models import AuditEntry
from coalition.consultations.models import Coding, Contribution, Theme
from coalition.extensions import db
from tests import factories
from tests.analysis import factories as consult
from tests.conftest import csrf_token, login, post_form
from tests.test_query_counts import count_queries


def setup(consultation, n: int = 2):
    rec = consult.recommendation()
    consult.put_up_for_comment(consultation, rec)
    items = [consult.contribution(consultation, f"Opinión número {i}", comment=(rec, f"Comentario {i}"))
             for i in range(n)]
    themes = [consult.theme(consultation, name) for name in ("Educación", "Salud", "Empleo")]
    db.session.commit()
    return items, themes, rec


def test_the_queue_shows_answers_prompts_and_profile_but_no_email_or_receipt(app, client, people, consultation):
    items, themes, rec = setup(consultation)
    login(client, people["member"])
    body = client.get(f"/consultations/{consultation.slug}/coding").get_data(as_text=True)
    assert "Opinión número 0" in body and "¿Qué le preocupa de la IA?" in body
    assert rec.title_es in body and "Comentario 0" in body
    assert "0 de 2" in body or "0 of 2" in body
    assert 'data-key="1"' in body and "js/coding.js" in body
    assert items[0].email not in body and "Universidad X" not in body and items[0].receipt_hash not in body


def test_coding_works_as_a_plain_form_and_moves_to_the_next(app, client, people, consultation):
    items, themes, _ = setup(consultation)
    login(client, people["member"])
    path = f"/consultations/{consultation.slug}/coding"
    response = post_form(client, path, {"contribution_id": items[0].id, "themes": [themes[0].id, themes[2].id],
                                        "action": "save"})
    assert response.status_code == 303 and f"after={items[0].id}" in response.headers["Location"]
    assert set(db.session.scalars(sa.select(Coding.theme_id).where(Coding.contribution_id == items[0].id))) == {
        themes[0].id, themes[2].id}
    body = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'name="contribution_id" value="{items[1].id}"' in body and ("1 de 2" in body or "1 of 2" in body)
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "coding.changed")).one()
    assert entry.changes == {"added": sorted([themes[0].id, themes[2].id]), "removed": []}


def test_skipping_codes_nothing(app, client, people, consultation):
    items, themes, _ = setup(consultation)
    login(client, people["lead"])
    response = post_form(client, f"/consultations/{consultation.slug}/coding",
                         {"contribution_id": items[0].id, "themes": themes[0].id, "action": "skip"})
    assert response.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Coding)) == 0
    assert f'value="{items[1].id}"' in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_theme_of_another_consultation_is_refused_beside_the_form(app, client, people, consultation):
    items, _, _ = setup(consultation)
    stranger = consult.theme(consult.consultation(("ethics",)))
    db.session.commit()
    login(client, people["member"])
    response = post_form(client, f"/consultations/{consultation.slug}/coding",
                         {"contribution_id": items[0].id, "themes": stranger.id, "action": "save"})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Coding)) == 0


def test_an_empty_queue_says_so(app, client, people, consultation):
    db.session.commit()
    login(client, people["member"])
    response = client.get(f"/consultations/{consultation.slug}/coding")
    assert response.status_code == 200 and "coding-form" not in response.get_data(as_text=True)


def test_a_lead_adds_a_theme_and_a_bad_one_shows_the_error_beside_the_field(app, client, people, consultation):
    db.session.commit()
    login(client, people["lead"])
    path = f"/consultations/{consultation.slug}/themes"
    assert post_form(client, path, {"name_es": "Salud", "name_en": "Health"}).status_code == 302
    response = post_form(client, path, {"name_es": "Salud", "name_en": "Health again"})
    assert response.status_code == 422 and "name_es-error" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Theme)) == 1


def test_hiding_from_the_contribution_page_needs_a_reason(app, client, people, consultation):
    items, _, _ = setup(consultation)
    login(client, people["lead"])
    path = f"/consultations/{consultation.slug}/contributions/{items[0].id}"
    response = post_form(client, path + "/hide", {"reason": ""}, form_page=path)
    assert response.status_code == 422 and "hide-reason-error" in response.get_data(as_text=True)
    assert post_form(client, path + "/hide", {"reason": "Publicidad"}, form_page=path).status_code == 302
    db.session.expire_all()
    assert db.session.get(Contribution, items[0].id).hidden_reason == "Publicidad"
    body = client.get(f"/consultations/{consultation.slug}/contributions").get_data(as_text=True)
    assert f'/contributions/{items[0].id}"' not in body
    assert f'/contributions/{items[0].id}"' in client.get(
        f"/consultations/{consultation.slug}/contributions?hidden=only").get_data(as_text=True)


def test_a_member_sees_no_hide_form_and_no_personal_data(app, client, people, consultation):
    items, _, _ = setup(consultation)
    login(client, people["member"])
    body = client.get(f"/consultations/{consultation.slug}/contributions/{items[0].id}").get_data(as_text=True)
    assert "Opinión número 0" in body and "/hide" not in body
    assert items[0].email not in body and "Universidad X" not in body
    search = client.get(f"/consultations/{consultation.slug}/contributions?hidden=include").get_data(as_text=True)
    assert 'name="hidden"' not in search and items[0].email not in search


def test_the_figures_page_draws_charts(app, client, people, consultation):
    for _ in range(5):
        consult.contribution(consultation)
    db.session.commit()
    login(client, people["other"])
    body = client.get(f"/consultations/{consultation.slug}/figures").get_data(as_text=True)
    assert body.count("<svg") >= 6 and 'id="chart-sector-title"' in body


def test_bad_filters_give_a_page_not_an_error(app, client, people, consultation):
    db.session.commit()
    login(client, people["member"])
    path = f"/consultations/{consultation.slug}/contributions"
    for query in ("?theme=abc", "?question=-1", "?q=" + "x" * 500, "?page=99999999999",
                  "?theme=99999999999999999999999", "?q=%22unclosed"):
        assert client.get(path + query).status_code == 200, query
    assert client.get(f"/consultations/{consultation.slug}/coding?after=abc&group=x").status_code == 404
    assert client.get("/consultations/nope/coding").status_code == 404


def _queries(app, client, paths) -> list[int]:
    counts = []
    for path in paths:
        with count_queries() as statements:
            response = client.get(path)
        assert response.status_code == 200, path
        counts.append(len(statements))
    return counts


def test_queue_and_search_take_the_same_queries_at_two_sizes(app, client, people, consultation):
    def grow(n: int):
        rec = consult.recommendation()
        themes = [consult.theme(consultation) for _ in range(3)]
        for i in range(n):
            item = consult.contribution(consultation, f"Texto {i}", comment=(rec, "Comentario"),
                                        choice=1 + i % 2, sector=("academia", "industry")[i % 2])
            if i % 3 == 0:
                consult.code(item, *themes[: 1 + i % 3])
        db.session.commit()

    slug = consultation.slug
    paths = [f"/consultations/{slug}/coding", f"/consultations/{slug}/contributions",
             f"/consultations/{slug}/contributions?q=texto&theme=uncoded&sector=academia",
             f"/consultations/{slug}/themes", f"/consultations/{slug}/figures"]
    grow(3)
    login(client, people["lead"])
    small = _queries(app, client, paths)
    grow(40)
    assert _queries(app, client, paths) == small
