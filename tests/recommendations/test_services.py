import pytest
import sqlalchemy as sa

from coalition.audit.models import AuditEntry
from coalition.errors import Conflict, NotAuthenticated, NotFound, PermissionDenied, ValidationError
from coalition.extensions import db
from coalition.recommendations import services
from coalition.recommendations.models import (
    THEME_SOURCES_MAX, RecommendationRevision, RecommendationSplit, SourceContribution, SourceTheme)
from tests import factories
from tests.recommendations import conftest as make


def _people():
    return {"member": factories.user(groups={"ethics": "member"}),
            "lead": factories.user(groups={"ethics": "lead"}),
            "other_lead": factories.user(groups={"governance": "lead"}),
            "coordinator": factories.user(role="coordinator")}


def _create(actor, **values):
    return services.create_recommendation(actor, factories.group("ethics"), **{
        "area": "ethics", "horizon": "short", "title_es": "Ética primero", **values})


# --- creating ----------------------------------------------------------------------------------

def test_lead_drafts_a_recommendation_of_their_group_with_sources(app):
    people = _people()
    c = make.consultation()
    t1, t2 = make.theme(c), make.theme(c)
    source = make.contribution(c)
    rec = _create(people["lead"], themes=[t1.id, t2.id], contributions=[source.id])
    assert rec.state == "draft" and rec.group.slug == "ethics"
    # A title in one language stands for both until the other is written.
    assert rec.title_en == "Ética primero"
    assert services.source_ids([rec.id])[rec.id] == {"contributions": [source.id], "themes": sorted([t1.id, t2.id])}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecommendationRevision)
                             .where(RecommendationRevision.recommendation_id == rec.id)) == 1
    assert db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.subject_id == rec.id)) \
        == "recommendation.create"


@pytest.mark.parametrize("who", ["member", "other_lead"])
def test_member_and_other_groups_lead_cannot_draft_for_ethics(app, who):
    people = _people()
    with pytest.raises(PermissionDenied):
        _create(people[who])


def test_anonymous_cannot_list(app):
    with pytest.raises(NotAuthenticated):
        services.list_recommendations(None, services.RecommendationFilters())


def test_bad_values_are_refused_beside_their_fields(app):
    people = _people()
    with pytest.raises(ValidationError) as error:
        _create(people["lead"], area="space", horizon="forever", title_es="", title_en="")
    assert set(error.value.fields) >= {"area", "horizon", "title_es"}


def test_hidden_and_unknown_contributions_cannot_be_sources(app):
    people = _people()
    c = make.contribution(make.consultation(), hidden_at=factories.days_ago(1))
    with pytest.raises(ValidationError) as error:
        _create(people["lead"], contributions=[c.id])
    assert "contributions" in error.value.fields
    with pytest.raises(ValidationError) as error:
        _create(people["lead"], contributions=[999_999], themes=[999_999])
    assert {"contributions", "themes"} <= set(error.value.fields)


def test_too_many_themes_are_refused(app):
    people = _people()
    with pytest.raises(ValidationError) as error:
        _create(people["lead"], themes=list(range(1, THEME_SOURCES_MAX + 2)))
    assert "themes" in error.value.fields


# --- listing -----------------------------------------------------------------------------------

def test_list_filters_by_group_area_horizon_state_published_and_text(app):
    people = _people()
    a = make.recommendation("ethics", area="data", horizon="long", title_es="Datos abiertos", state="adopted",
                            published=True)
    make.recommendation("governance", area="data", horizon="long")
    make.recommendation("ethics", area="skills", horizon="short")
    member = people["member"]

    def ids(**filters):
        return [r.id for r in services.list_recommendations(member, services.RecommendationFilters(**filters)).items]

    assert ids(group="ethics", area="data") == [a.id]
    assert ids(horizon="long", state="adopted") == [a.id]
    assert ids(published=True) == [a.id]
    assert ids(q="abiertos") == [a.id]
    assert len(ids()) == 3
    grid = services.grid_counts(member, services.RecommendationFilters(group="ethics"))
    assert grid == {("data", "long"): 1, ("skills", "short"): 1}
    with pytest.raises(ValidationError):
        services.list_recommendations(member, services.RecommendationFilters(state="lost"))


def test_get_unknown_is_not_found(app):
    people = _people()
    with pytest.raises(NotFound):
        services.get_recommendation(people["member"], 999_999)
    with pytest.raises(NotFound):
        services.get_recommendation(people["member"], "1")


# --- editing and deciding ------------------------------------------------------------------------

def test_edit_with_stale_version_is_a_conflict(app):
    people = _people()
    rec = make.recommendation()
    services.update_recommendation(people["lead"], rec.id, version=rec.version, title_es="Nuevo")
    with pytest.raises(Conflict):
        services.update_recommendation(people["lead"], rec.id, version=1, title_es="Otra vez")
    assert rec.title_es == "Nuevo" and rec.title_en.startswith("Recommendation")


def test_lead_moves_between_draft_and_consultation_but_cannot_adopt_or_publish(app):
    people = _people()
    rec = make.recommendation()
    services.update_recommendation(people["lead"], rec.id, state="in_consultation")
    assert rec.state == "in_consultation"
    for values in ({"state": "adopted"}, {"state": "rejected", "answer_es": "No"}, {"published": True},
                   {"answer_es": "Respuesta"}):
        with pytest.raises(PermissionDenied):
            services.update_recommendation(people["lead"], rec.id, **values)
    with pytest.raises(PermissionDenied):
        services.update_recommendation(people["member"], rec.id, title_es="x")


def test_rejecting_needs_a_public_answer(app):
    people = _people()
    rec = make.recommendation()
    with pytest.raises(ValidationError) as error:
        services.update_recommendation(people["coordinator"], rec.id, state="rejected")
    assert "answer_es" in error.value.fields
    services.update_recommendation(people["coordinator"], rec.id, state="rejected", answer_es="Fuera de alcance")
    assert rec.state == "rejected" and rec.answer_en == "Fuera de alcance"


def test_state_merged_only_through_merge(app):
    people = _people()
    rec = make.recommendation()
    with pytest.raises(ValidationError) as error:
        services.update_recommendation(people["coordinator"], rec.id, state="merged", answer_es="x")
    assert "state" in error.value.fields


def test_publishing_records_when_and_by_whom_and_unpublishing_clears_it(app):
    people = _people()
    rec = make.recommendation()
    services.update_recommendation(people["coordinator"], rec.id, state="adopted", published=True)
    assert rec.published and rec.published_by_id == people["coordinator"].id and rec.published_at is not None
    services.update_recommendation(people["coordinator"], rec.id, published=False)
    assert not rec.published and rec.published_at is None
    actions = db.session.scalars(sa.select(RecommendationRevision.action)
                                 .where(RecommendationRevision.recommendation_id == rec.id)
                                 .order_by(RecommendationRevision.id)).all()
    assert actions == ["publish", "unpublish"]


def test_unknown_fields_are_refused(app):
    people = _people()
    rec = make.recommendation()
    with pytest.raises(ValidationError):
        services.update_recommendation(people["coordinator"], rec.id, secret="x")


# --- merging and splitting -----------------------------------------------------------------------

def test_merge_keeps_both_sources_and_points_to_the_absorbing_one(app):
    people = _people()
    c = make.consultation()
    t1, t2 = make.theme(c), make.theme(c)
    x, y = make.contribution(c), make.contribution(c)
    a = make.recommendation(themes=[t1], contributions=[x])
    b = make.recommendation(themes=[t2], contributions=[y])
    with pytest.raises(ValidationError):
        services.merge(people["coordinator"], a.id, b.id)  # no answer
    with pytest.raises(PermissionDenied):
        services.merge(people["lead"], a.id, b.id, answer_es="Se une")
    services.merge(people["coordinator"], a.id, b.id, answer_es="Se une a la otra")
    assert a.state == "merged" and a.merged_into_id == b.id
    sources = services.source_ids([a.id, b.id])
    assert sources[b.id] == {"contributions": sorted([x.id, y.id]), "themes": sorted([t1.id, t2.id])}
    assert sources[a.id] == {"contributions": [x.id], "themes": [t1.id]}
    assert [r.id for r in services.related(b).absorbed] == [a.id]
    with pytest.raises(ValidationError):
        services.merge(people["coordinator"], b.id, a.id, answer_es="Al revés")  # a is merged itself


def test_split_creates_drafts_recorded_both_ways(app):
    people = _people()
    t = make.theme(make.consultation())
    parent = make.recommendation(themes=[t])
    children = services.split(people["lead"], parent.id, [{"title_es": "Parte uno"}, {"title_en": "Part two"}])
    assert [c.state for c in children] == ["draft", "draft"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecommendationSplit)
                             .where(RecommendationSplit.parent_id == parent.id)) == 2
    assert {r.id for r in services.related(parent).split_into} == {c.id for c in children}
    assert [r.id for r in services.related(children[0]).split_from] == [parent.id]
    assert services.source_ids([children[1].id])[children[1].id]["themes"] == [t.id]
    with pytest.raises(ValidationError):
        services.split(people["lead"], parent.id, [])


# --- deliverables --------------------------------------------------------------------------------

def test_linked_deliverables_show_unless_archived(app):
    people = _people()
    rec = make.recommendation()
    d1 = factories.deliverable("ethics", progress=40)
    d2 = factories.deliverable("ethics")
    services.link_deliverable(people["lead"], rec.id, d1.id)
    services.link_deliverable(people["lead"], rec.id, d2.id)
    services.link_deliverable(people["lead"], rec.id, d2.id)  # twice is once
    d2.archived_at = factories.days_ago(1)
    db.session.flush()
    assert [d.id for d in services.deliverables_of(rec)] == [d1.id]
    assert services.deliverable_ids([rec.id]) == {rec.id: [d1.id]}
    assert [r.id for r in services.carried_out_by(d1.id)] == [rec.id]
    with pytest.raises(ValidationError):
        services.link_deliverable(people["lead"], rec.id, d2.id)  # archived
    with pytest.raises(PermissionDenied):
        services.link_deliverable(people["member"], rec.id, d1.id)
    services.unlink_deliverable(people["lead"], rec.id, d1.id)
    assert services.deliverables_of(rec) == []
    with pytest.raises(NotFound):
        services.unlink_deliverable(people["lead"], rec.id, d1.id)


def test_sources_can_be_replaced(app):
    people = _people()
    c = make.consultation()
    t1, t2 = make.theme(c), make.theme(c)
    rec = make.recommendation(themes=[t1])
    services.update_recommendation(people["lead"], rec.id, themes=[t2.id], contributions=[])
    assert services.source_ids([rec.id])[rec.id] == {"contributions": [], "themes": [t2.id]}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SourceTheme)
                             .where(SourceTheme.theme_id == t1.id)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SourceContribution)) == 0
