import sqlalchemy as sa

from coalition.extensions import db
from coalition.notifications.models import OutboxMessage
from coalition.recommendations.models import Recommendation
from tests import factories
from tests.conftest import login, post_form
from tests.recommendations import conftest as make


def _page(response) -> str:
    return response.get_data(as_text=True)


def _as(client, role="member", **groups):
    person = factories.user(role=role, groups=groups or None)
    db.session.commit()
    login(client, person)
    return person


def test_anonymous_is_sent_to_login(client):
    rec = make.recommendation()
    db.session.commit()
    for path in ("/recommendations", f"/recommendations/{rec.id}", "/recommendations/new",
                 f"/recommendations/{rec.id}/edit"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_member_reads_the_list_with_filters_grid_and_empty_state(client):
    make.recommendation(area="data", horizon="long", title_es="Datos abiertos", title_en="Open data")
    make.recommendation(area="skills", horizon="short", title_es="Formación", title_en="Training")
    _as(client, ethics="member")
    page = _page(client.get("/recommendations?lang=en"))
    assert "Open data" in page and "Training" in page
    assert "Draft a recommendation" not in page
    page = _page(client.get("/recommendations?area=data&lang=en"))
    assert "Open data" in page and "Training" not in page
    page = _page(client.get("/recommendations?q=zzz&lang=en"))
    assert "No recommendations match these filters." in page
    assert client.get("/recommendations?group=" + "x" * 500 + "&page=abc").status_code == 200


def test_detail_shows_trace_contributions_without_addresses_and_history(client):
    c = make.consultation()
    t = make.theme(c, name_en="Open algorithms")
    for n in range(5):
        make.code(make.contribution(c, email=f"secret{n}@example.org", search_text=f"Quiero transparencia {n}"), t)
    rec = make.recommendation(themes=[t], title_en="Transparent algorithms")
    deliverable = factories.deliverable("ethics", title="Guía de transparencia", progress=55)
    from coalition.recommendations.models import RecommendationDeliverable
    db.session.add(RecommendationDeliverable(recommendation_id=rec.id, deliverable_id=deliverable.id))
    _as(client, ethics="member")
    page = _page(client.get(f"/recommendations/{rec.id}?lang=en"))
    assert "Transparent algorithms" in page and "Open algorithms" in page
    assert "Quiero transparencia 3" in page
    assert "secret" not in page
    assert "Guía de transparencia" in page and 'value="55"' in page
    assert "Academia" in page  # five people: the sector shows
    assert "Save the decision" not in page and "Save the sources" not in page


def test_lead_drafts_from_two_themes_chosen_in_the_address(client):
    c = make.consultation(slug="consulta-x")
    t1, t2, t3 = make.theme(c), make.theme(c), make.theme(c)
    _as(client, ethics="lead")
    page = _page(client.get(f"/recommendations/new?consultation=consulta-x&theme={t1.id}&theme={t2.id}"))
    assert f'<option selected value="{t1.id}">' in page and f'<option selected value="{t2.id}">' in page
    assert f'<option value="{t3.id}">' in page
    response = post_form(client, "/recommendations/new?consultation=consulta-x", {
        "group": "ethics", "area": "ethics", "horizon": "medium", "title_es": "Transparencia algorítmica",
        "themes": [str(t1.id), str(t2.id)], "contributions": ""})
    assert response.status_code == 302, _page(response)[:2000]
    rec = db.session.scalar(sa.select(Recommendation).order_by(Recommendation.id.desc()))
    assert rec.title_es == "Transparencia algorítmica" and rec.horizon == "medium"
    assert response.headers["Location"].endswith(f"/recommendations/{rec.id}")


def test_bad_draft_shows_errors_and_stores_nothing(client):
    _as(client, ethics="lead")
    response = post_form(client, "/recommendations/new", {"group": "governance", "area": "ethics",
                                                           "horizon": "short", "title_es": "",
                                                           "contributions": "12, abc"})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Recommendation)) == 0


def test_member_cannot_draft(client):
    _as(client, ethics="member")
    assert client.get("/recommendations/new").status_code == 403


def test_edit_with_stale_version_is_a_conflict(client):
    rec = make.recommendation()
    db.session.commit()
    _as(client, ethics="lead")
    form = {"group": "ethics", "area": "data", "horizon": "long", "title_es": "Cambiado", "title_en": "Changed",
            "text_es": "", "text_en": "", "version": str(rec.version)}
    response = post_form(client, f"/recommendations/{rec.id}/edit", form)
    assert response.status_code == 302
    response = post_form(client, f"/recommendations/{rec.id}/edit", {**form, "title_es": "Otra vez"})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Recommendation, rec.id).title_es == "Cambiado"


def test_coordinator_adopts_and_publishes_with_an_answer_and_the_contributor_is_told(client):
    c = make.consultation()
    source = make.contribution(c, email="persona@example.org")
    rec = make.recommendation(contributions=[source])
    db.session.commit()
    _as(client, role="coordinator")
    response = post_form(client, f"/recommendations/{rec.id}/decision", {
        "state": "adopted", "answer_es": "La adoptamos", "answer_en": "", "published": "y",
        "version": str(rec.version)}, form_page=f"/recommendations/{rec.id}")
    assert response.status_code == 302, _page(response)[:1500]
    db.session.expire_all()
    saved = db.session.get(Recommendation, rec.id)
    assert saved.state == "adopted" and saved.published and saved.answer_en == "La adoptamos"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.kind == "consultation-update")) == 1
    page = _page(client.get(f"/recommendations/{rec.id}?lang=en"))
    assert "La adoptamos" in page and "published" in page


def test_rejecting_without_an_answer_is_refused_beside_the_field(client):
    rec = make.recommendation()
    db.session.commit()
    _as(client, role="coordinator")
    response = post_form(client, f"/recommendations/{rec.id}/decision", {
        "state": "rejected", "answer_es": "", "answer_en": "", "version": str(rec.version)},
        form_page=f"/recommendations/{rec.id}")
    assert response.status_code == 422
    assert "answer_es-error" in _page(response)


def test_lead_splits_and_links_and_sets_sources(client):
    c = make.consultation()
    t = make.theme(c)
    rec = make.recommendation()
    deliverable = factories.deliverable("ethics")
    db.session.commit()
    _as(client, ethics="lead")
    page_path = f"/recommendations/{rec.id}"
    assert post_form(client, f"{page_path}/split", {"titles": "Uno\nDos\n"}, form_page=page_path).status_code == 302
    assert post_form(client, f"{page_path}/deliverables", {"deliverable_id": str(deliverable.id)},
                     form_page=page_path).status_code == 302
    assert post_form(client, f"{page_path}/sources", {"themes": [str(t.id)], "contributions": ""},
                     form_page=page_path).status_code == 302
    assert post_form(client, f"{page_path}/sources", {"contributions": "9999999"},
                     form_page=page_path).status_code == 422
    page = _page(client.get(page_path + "?lang=en"))
    assert "Split into" in page and deliverable.title in page
    assert post_form(client, f"{page_path}/deliverables/{deliverable.id}/remove", {},
                     form_page=page_path).status_code == 302


def test_coordinator_merges(client):
    a, b = make.recommendation(), make.recommendation(title_en="The absorbing one")
    db.session.commit()
    _as(client, role="coordinator")
    response = post_form(client, f"/recommendations/{a.id}/merge", {"into": str(b.id), "answer_es": "Se une"},
                         form_page=f"/recommendations/{a.id}")
    assert response.status_code == 302
    page = _page(client.get(f"/recommendations/{a.id}?lang=en"))
    assert "Merged into" in page and "The absorbing one" in page
    assert f"/recommendations/{a.id}" in _page(client.get(f"/recommendations/{b.id}?lang=en"))


def test_too_many_split_parts_are_explained_at_the_top(client):
    rec = make.recommendation()
    db.session.commit()
    _as(client, ethics="lead")
    titles = "\n".join(f"Parte {n}" for n in range(30))
    response = post_form(client, f"/recommendations/{rec.id}/split?lang=en", {"titles": titles},
                         form_page=f"/recommendations/{rec.id}")
    assert response.status_code == 422
    assert "Give from 1 to 20 new recommendations." in _page(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Recommendation)) == 1


def test_malformed_input_is_never_a_server_error(client):
    rec = make.recommendation()
    db.session.commit()
    _as(client, role="coordinator")
    for path in ("/recommendations/new?theme=abc&theme=99999999999999999999&consultation=" + "x" * 500,
                 "/recommendations?published=maybe&state=lost&area=moon&page=-4&per_page=abc",
                 f"/recommendations/{rec.id}?page=999999999"):
        assert client.get(path).status_code == 200, path
    page_path = f"/recommendations/{rec.id}"
    for action, data in (("sources", {"themes": ["abc"], "contributions": "1 2 x"}),
                         ("merge", {"into": "abc"}), ("merge", {"into": str(rec.id), "answer_es": "x"}),
                         ("decision", {"state": "lost", "version": "x"}),
                         ("deliverables", {"deliverable_id": "99999999"}), ("split", {"titles": ""})):
        response = post_form(client, f"{page_path}/{action}", data, form_page=page_path)
        assert response.status_code == 422, (action, data, response.status_code)
    assert client.get(f"{page_path}/edit").status_code == 200


def test_deliverable_page_lists_the_recommendations_it_carries_out(client):
    rec = make.recommendation(title_en="Audit public algorithms")
    deliverable = factories.deliverable("ethics")
    from coalition.recommendations.models import RecommendationDeliverable
    db.session.add(RecommendationDeliverable(recommendation_id=rec.id, deliverable_id=deliverable.id))
    _as(client, ethics="member")
    page = _page(client.get(f"/deliverables/{deliverable.id}?lang=en"))
    assert "Recommendations it carries out" in page and "Audit public algorithms" in page
    assert f"/recommendations/{rec.id}" in page
    assert "Recommendations" in _page(client.get("/?lang=en"))  # the nav link


def test_a_long_history_is_shown_a_page_at_a_time(client):
    from coalition.recommendations.models import HISTORY_PAGE, RecommendationRevision

    coordinator = factories.user(role="coordinator")
    rec = make.recommendation()
    for n in range(HISTORY_PAGE + 3):
        db.session.add(RecommendationRevision(recommendation_id=rec.id, actor_id=coordinator.id, action="edit",
                                              changes={"title_es": [f"v{n}", f"v{n + 1}"]}))
    db.session.commit()
    login(client, coordinator)
    first = client.get(f"/recommendations/{rec.id}").get_data(as_text=True)
    assert first.count("— " + coordinator.name) == HISTORY_PAGE and "history=2" in first
    older = client.get(f"/recommendations/{rec.id}?history=2").get_data(as_text=True)
    assert older.count("— " + coordinator.name) == 3 and "history=1" in older
