"""Policy services: who records what, the rules on stages, uptakes, engagements, following, publishing."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from coalition.audit.models import AuditEntry
from coalition.database import coalition_today
from coalition.errors import Conflict, NotAuthenticated, NotFound, PermissionDenied, ValidationError
from coalition.extensions import db
from coalition.policy import services
from coalition.policy.models import Follow, PolicyEvent, TITLE_MAX
from tests import factories
from tests.policy.records import coordinator, instrument, liaison, recommendation, stages


def audit_actions(subject=None) -> list[str]:
    stmt = sa.select(AuditEntry.action).order_by(AuditEntry.id)
    if subject is not None:
        stmt = stmt.where(AuditEntry.subject_type == type(subject).__tablename__, AuditEntry.subject_id == subject.id)
    return list(db.session.execute(stmt).scalars())


def fields_of(error: pytest.ExceptionInfo) -> set[str]:
    return set(error.value.fields)


def events(kind: str | None = None) -> list[PolicyEvent]:
    stmt = sa.select(PolicyEvent).order_by(PolicyEvent.id)
    if kind:
        stmt = stmt.where(PolicyEvent.kind == kind)
    return list(db.session.execute(stmt).scalars())


# --- instruments ---------------------------------------------------------------------------------

def test_a_coordinator_records_a_federal_instrument_and_it_is_audited(app):
    boss = coordinator()
    item = instrument(boss, jurisdiction="federal", kind="law", branch="legislative", title_es="Ley de IA",
                      title_en="")
    assert (item.state, item.title_en, item.stage, item.administration) == (None, "Ley de IA", None, None)
    assert item.created_by_id == boss.id
    assert audit_actions(item) == ["instrument.create"]


def test_a_municipal_instrument_needs_its_state_and_place(app):
    boss = coordinator()
    with pytest.raises(ValidationError) as error:
        instrument(boss, jurisdiction="municipal")
    assert fields_of(error) == {"state", "place"}
    item = instrument(boss, jurisdiction="municipal", state="JAL", place="Zapopan")
    assert (item.state, item.place) == ("JAL", "Zapopan")
    assert item.jurisdiction_label == "Zapopan, Jalisco"


def test_a_states_own_instrument_cannot_name_another_state(app):
    with pytest.raises(ValidationError) as error:
        instrument(coordinator(), jurisdiction="JAL", state="SON")
    assert fields_of(error) == {"state"}


@pytest.mark.parametrize("values, field", [
    ({"kind": "poem"}, "kind"), ({"branch": "royal"}, "branch"), ({"jurisdiction": "mars"}, "jurisdiction"),
    ({"source_url": "javascript:alert(1)"}, "source_url"), ({"source_url": "https://"}, "source_url"),
    ({"title_es": "x" * (TITLE_MAX + 1)}, "title_es"), ({"title_es": "", "title_en": ""}, "title_es"),
    ({"title_es": 42}, "title_es"),
])
def test_bad_instrument_fields_are_refused_beside_the_field(app, values, field):
    with pytest.raises(ValidationError) as error:
        instrument(coordinator(), **values)
    assert field in fields_of(error)


def test_an_unknown_field_is_refused(app):
    with pytest.raises(ValidationError) as error:
        instrument(coordinator(), colour="red")
    assert fields_of(error) == {"colour"}


def test_a_jal_liaison_records_jal_and_its_municipalities(app):
    person = liaison("JAL")
    assert instrument(person).state == "JAL"
    assert instrument(person, jurisdiction="municipal", state="JAL", place="Guadalajara").state == "JAL"


@pytest.mark.parametrize("values", [
    {"jurisdiction": "SON"}, {"jurisdiction": "municipal", "state": "SON", "place": "Hermosillo"},
    {"jurisdiction": "federal"}, {"jurisdiction": "international", "place": "OCDE"},
])
def test_a_jal_liaison_cannot_record_elsewhere(app, values):
    with pytest.raises(PermissionDenied):
        instrument(liaison("JAL"), **values)


def test_a_member_who_is_no_liaison_records_nothing_and_anonymous_must_log_in(app):
    with pytest.raises(PermissionDenied):
        instrument(factories.user())
    with pytest.raises(NotAuthenticated):
        instrument(None)


def test_updating_an_instrument_is_audited_and_checks_the_version(app):
    person = liaison("JAL")
    item = instrument(person)
    version = item.version
    services.update_instrument(person, item.id, version=version, title_en="Jalisco AI Strategy 2030")
    db.session.commit()
    assert item.title_en == "Jalisco AI Strategy 2030" and item.version == version + 1
    assert audit_actions(item)[-1] == "instrument.edit"
    with pytest.raises(Conflict):
        services.update_instrument(person, item.id, version=version, title_en="Stale")


def test_a_liaison_cannot_move_an_instrument_out_of_their_state_nor_edit_anothers(app):
    person = liaison("JAL")
    item = instrument(person)
    with pytest.raises(PermissionDenied):
        services.update_instrument(person, item.id, version=item.version, jurisdiction="SON")
    sonora = instrument(coordinator(), jurisdiction="SON")
    with pytest.raises(PermissionDenied):
        services.update_instrument(person, sonora.id, version=sonora.version, title_en="Mine now")


def test_unknown_or_malformed_instrument_ids_are_not_found(app):
    boss = coordinator()
    for bad in (999_999, "1; DROP TABLE", -1, 10**30, None):
        with pytest.raises(NotFound):
            services.get_instrument(boss, bad)


# --- stages --------------------------------------------------------------------------------------

def test_stages_set_the_latest_stage_and_the_administration_of_the_first(app):
    boss = coordinator()
    item = stages(boss, instrument(boss), ("proposed", date(2018, 6, 1)), ("approved", date(2019, 2, 1)))
    assert (item.stage, item.stage_on) == ("approved", date(2019, 2, 1))
    assert item.administration == "2012-2018"  # Peña Nieto was in office on the first stage
    assert audit_actions(item) == ["instrument.create", "instrument.stage", "instrument.stage"]
    assert [e.stage.stage for e in events("stage")] == ["proposed", "approved"]


def test_a_stage_is_never_dated_in_the_future(app):
    boss = coordinator()
    item = instrument(boss)
    with pytest.raises(ValidationError) as error:
        services.add_stage(boss, item.id, stage="proposed", on=coalition_today() + timedelta(days=1))
    assert fields_of(error) == {"on"}
    services.add_stage(boss, item.id, stage="proposed", on=coalition_today())


def test_a_stage_is_never_dated_before_the_last_one(app):
    boss = coordinator()
    item = stages(boss, instrument(boss), ("proposed", date(2024, 3, 1)))
    with pytest.raises(ValidationError) as error:
        services.add_stage(boss, item.id, stage="in_committee", on=date(2024, 2, 28))
    assert fields_of(error) == {"on"}
    services.add_stage(boss, item.id, stage="in_committee", on=date(2024, 3, 1))  # the same day is fine


def test_the_same_stage_twice_is_refused(app):
    boss = coordinator()
    item = stages(boss, instrument(boss), ("proposed", date(2024, 3, 1)))
    with pytest.raises(ValidationError) as error:
        services.add_stage(boss, item.id, stage="proposed", on=date(2024, 4, 1))
    assert fields_of(error) == {"stage"}


def test_moving_back_or_abandoning_needs_a_note(app):
    boss = coordinator()
    item = stages(boss, instrument(boss), ("proposed", date(2024, 3, 1)), ("in_committee", date(2024, 4, 1)))
    for stage in ("proposed", "abandoned"):
        with pytest.raises(ValidationError) as error:
            services.add_stage(boss, item.id, stage=stage, on=date(2024, 5, 1), note="   ")
        assert fields_of(error) == {"note"}
    services.add_stage(boss, item.id, stage="proposed", on=date(2024, 5, 1), note="Returned to its author")
    first = instrument(boss)
    with pytest.raises(ValidationError) as error:  # abandoning as the very first stage too
        services.add_stage(boss, first.id, stage="abandoned", on=date(2024, 5, 1))
    assert fields_of(error) == {"note"}


@pytest.mark.parametrize("values, field", [
    ({"stage": "vetoed", "on": "2024-01-01"}, "stage"), ({"stage": "proposed", "on": "31/01/2024"}, "on"),
    ({"stage": "proposed", "on": 20240101}, "on"), ({"stage": "proposed", "on": "2024-01-01", "note": "x" * 5000},
                                                    "note"),
])
def test_bad_stage_arguments_are_refused_beside_the_field(app, values, field):
    boss = coordinator()
    item = instrument(boss)
    with pytest.raises(ValidationError) as error:
        services.add_stage(boss, item.id, **values)
    assert field in fields_of(error)
    assert item.stage is None and events() == []


def test_a_liaison_of_another_state_cannot_add_a_stage(app):
    item = instrument(coordinator())
    with pytest.raises(PermissionDenied):
        services.add_stage(liaison("SON"), item.id, stage="proposed", on=date(2024, 1, 1))
    services.add_stage(liaison("JAL"), item.id, stage="proposed", on=date(2024, 1, 1))


# --- uptakes -------------------------------------------------------------------------------------

def test_linking_an_uptake_records_who_verified_it_and_tells_followers(app):
    person = liaison("JAL")
    item = instrument(person)
    rec = recommendation()
    uptake = services.link_uptake(person, item.id, recommendation_id=rec.id, degree="partial",
                                  evidence_url="https://jalisco.gob.mx/ia#p4", quote="Datos abiertos")
    assert (uptake.degree, uptake.verified_by_id, uptake.quote) == ("partial", person.id, "Datos abiertos")
    assert services.uptakes_of([item.id])[item.id] == [uptake]
    assert services.uptakes_of_recommendation(rec.id) == [uptake]
    assert services.uptakes_of_recommendation(rec.id, published_only=True) == []
    assert [e.uptake_id for e in events("uptake")] == [uptake.id]
    assert audit_actions(item)[-1] == "uptake.create"


def test_changing_the_degree_updates_the_same_uptake_and_is_a_new_event(app):
    boss = coordinator()
    item = instrument(boss)
    rec = recommendation()
    first = services.link_uptake(boss, item.id, recommendation_id=rec.id, degree="cited")
    other = coordinator()
    again = services.link_uptake(other, item.id, recommendation_id=rec.id, degree="adopted")
    assert again.id == first.id and again.degree == "adopted" and again.verified_by_id == other.id
    assert len(events("uptake")) == 2 and audit_actions(item)[-1] == "uptake.edit"
    # The same values again change nothing and tell nobody.
    services.link_uptake(other, item.id, recommendation_id=rec.id, degree="adopted")
    assert len(events("uptake")) == 2 and audit_actions(item).count("uptake.edit") == 1


def test_a_quote_change_is_audited_but_no_event(app):
    boss = coordinator()
    item = instrument(boss)
    rec = recommendation()
    services.link_uptake(boss, item.id, recommendation_id=rec.id, degree="cited")
    services.link_uptake(boss, item.id, recommendation_id=rec.id, degree="cited", quote="Nuevo texto")
    assert len(events("uptake")) == 1 and audit_actions(item)[-1] == "uptake.edit"


@pytest.mark.parametrize("values, field", [
    ({"degree": "total"}, "degree"), ({"evidence_url": "ftp://x.org/a"}, "evidence_url"),
    ({"recommendation_id": 999_999}, "recommendation_id"), ({"recommendation_id": "abc"}, "recommendation_id"),
    ({"quote": "x" * 3000}, "quote"),
])
def test_bad_uptake_arguments_are_refused_beside_the_field(app, values, field):
    boss = coordinator()
    item = instrument(boss)
    arguments = {"recommendation_id": recommendation().id, "degree": "cited", **values}
    with pytest.raises(ValidationError) as error:
        services.link_uptake(boss, item.id, **arguments)
    assert field in fields_of(error)


def test_a_liaison_of_another_state_cannot_link_an_uptake(app):
    item = instrument(coordinator())
    with pytest.raises(PermissionDenied):
        services.link_uptake(liaison("SON"), item.id, recommendation_id=recommendation().id, degree="cited")


# --- engagements ---------------------------------------------------------------------------------

def forum(actor, **values):
    fields = {"kind": "forum", "title": "Foro estatal de IA", "held_on": date(2025, 3, 1), "jurisdiction": "JAL",
              "body": "Congreso de Jalisco", **values}
    return services.create_engagement(actor, **fields)


def test_an_engagement_records_the_institutions_that_represented_the_coalition(app):
    person = liaison("JAL")
    members = [factories.institution(name=name) for name in ("Cimat", "Udg", "Iteso")]
    engagement = forum(person, institution_ids=[m.id for m in reversed(members)], position="Datos abiertos")
    assert engagement.state == "JAL" and not engagement.speaks_for_coalition
    assert [i.name for i in services.representatives_of([engagement.id])[engagement.id]] == ["Cimat", "Iteso", "Udg"]
    assert audit_actions(engagement) == ["engagement.create"]
    assert [e.engagement_id for e in events("engagement")] == [engagement.id]


def test_an_engagement_refuses_inactive_or_unknown_institutions_and_too_many(app):
    person = liaison("JAL")
    gone = factories.institution(active=False)
    for ids in ([gone.id], [999_999], ["x"], list(range(1, 60))):
        with pytest.raises(ValidationError) as error:
            forum(person, institution_ids=ids)
        assert fields_of(error) == {"institution_ids"}


def test_a_jal_liaison_records_jal_engagements_only(app):
    person = liaison("JAL")
    forum(person, jurisdiction="municipal", state="JAL", place="Zapopan")
    for values in ({"jurisdiction": "SON"}, {"jurisdiction": "federal"}, {"jurisdiction": "abroad"}):
        with pytest.raises(PermissionDenied):
            forum(person, **values)


def test_only_a_coordinator_approves_a_position_and_editing_the_text_withdraws_it(app):
    person, boss = liaison("JAL"), coordinator()
    engagement = forum(person, position="La coalición propone datos abiertos.")
    with pytest.raises(PermissionDenied):
        services.approve_position(person, engagement.id, version=engagement.version)
    services.approve_position(boss, engagement.id, version=engagement.version)
    assert engagement.speaks_for_coalition and engagement.position_approved_by_id == boss.id
    assert audit_actions(engagement)[-1] == "engagement.approve_position"
    # Another field changes: the approval stays.
    services.update_engagement(person, engagement.id, version=engagement.version, title="Foro estatal de IA 2025")
    assert engagement.speaks_for_coalition
    services.update_engagement(person, engagement.id, version=engagement.version,
                               position="La coalición propone otra cosa.")
    assert not engagement.speaks_for_coalition and engagement.position_approved_at is None
    edit = db.session.execute(sa.select(AuditEntry).where(AuditEntry.action == "engagement.edit")
                              .order_by(AuditEntry.id.desc()).limit(1)).scalar_one()
    assert edit.changes["position_approved"] == [True, False]


def test_an_empty_position_cannot_be_approved_and_a_stale_version_conflicts(app):
    boss = coordinator()
    engagement = forum(boss)
    with pytest.raises(ValidationError) as error:
        services.approve_position(boss, engagement.id, version=engagement.version)
    assert fields_of(error) == {"position"}
    services.update_engagement(boss, engagement.id, version=engagement.version, position="Texto")
    with pytest.raises(Conflict):
        services.approve_position(boss, engagement.id, version=engagement.version - 1)


def test_changing_the_representatives_is_audited(app):
    boss = coordinator()
    a, b = factories.institution(), factories.institution()
    engagement = forum(boss, institution_ids=[a.id])
    services.update_engagement(boss, engagement.id, version=engagement.version, institution_ids=[b.id])
    assert [i.id for i in services.representatives_of([engagement.id])[engagement.id]] == [b.id]
    edit = db.session.execute(sa.select(AuditEntry).where(AuditEntry.action == "engagement.edit")).scalar_one()
    assert edit.changes["institution_ids"] == [[a.id], [b.id]]


def test_follow_ups_are_added_completed_once_and_kept_to_the_states_recorders(app):
    person = liaison("JAL")
    engagement = forum(person)
    follow_up = services.add_follow_up(person, engagement.id, text="Enviar la minuta", due_on="2025-03-15")
    assert follow_up.due_on == date(2025, 3, 15) and follow_up.done_at is None
    services.complete_follow_up(person, follow_up.id)
    done_at = follow_up.done_at
    services.complete_follow_up(person, follow_up.id)
    assert follow_up.done_at == done_at
    assert audit_actions(engagement).count("engagement.follow_up_done") == 1
    assert services.engagement_view(person, engagement.id).follow_ups == [follow_up]
    with pytest.raises(PermissionDenied):
        services.add_follow_up(liaison("SON"), engagement.id, text="Otra cosa")
    with pytest.raises(ValidationError):
        services.add_follow_up(person, engagement.id, text="   ")
    with pytest.raises(NotFound):
        services.complete_follow_up(person, "nope")


# --- following and publishing -----------------------------------------------------------------------

def follows_of(person) -> list[tuple]:
    return list(db.session.execute(sa.select(Follow.instrument_id, Follow.state).where(Follow.user_id == person.id)))


def test_following_and_unfollowing_twice_is_harmless(app):
    item = instrument(coordinator())
    person = factories.user()
    assert services.follow(person, instrument_id=item.id) is True
    assert services.follow(person, instrument_id=item.id) is True
    services.follow(person, state="JAL")
    services.follow(person, state="JAL")
    assert sorted(follows_of(person), key=str) == sorted([(item.id, None), (None, "JAL")], key=str)
    view = services.instrument_view(person, item.id)
    assert (view.followers, view.following, view.can_record) == (1, True, False)
    assert services.follow(person, instrument_id=item.id, following=False) is False
    services.follow(person, instrument_id=item.id, following=False)
    services.follow(person, state="JAL", following=False)
    assert follows_of(person) == []


def test_following_needs_exactly_one_known_target(app):
    person = factories.user()
    with pytest.raises(ValidationError):
        services.follow(person)
    with pytest.raises(ValidationError):
        services.follow(person, instrument_id=1, state="JAL")
    with pytest.raises(NotFound):
        services.follow(person, state="XXX")
    with pytest.raises(NotFound):
        services.follow(person, instrument_id=999_999)


def test_only_coordinators_publish_and_publishing_twice_is_audited_once(app):
    boss, person = coordinator(), liaison("JAL")
    item = instrument(person)
    engagement = forum(person)
    with pytest.raises(PermissionDenied):
        services.set_instrument_published(person, item.id, published=True)
    with pytest.raises(PermissionDenied):
        services.set_engagement_published(person, engagement.id, published=True)
    with pytest.raises(ValidationError):
        services.set_instrument_published(boss, item.id, published="yes")
    services.set_instrument_published(boss, item.id, published=True)
    services.set_instrument_published(boss, item.id, published=True)
    assert item.published and item.published_at is not None
    services.set_engagement_published(boss, engagement.id, published=True)
    assert engagement.published
    services.set_instrument_published(boss, item.id, published=False)
    assert not item.published and item.published_at is None
    assert [a for a in audit_actions(item) if "publish" in a] == ["instrument.publish", "instrument.unpublish"]
    assert audit_actions(engagement)[-1] == "engagement.publish"


def test_lists_filter_and_refuse_bad_filters(app):
    boss = coordinator()
    stages(boss, instrument(boss, title_en="Jalisco strategy"), ("proposed", date(2024, 1, 1)))
    instrument(boss, jurisdiction="federal", kind="law", branch="legislative", title_en="Federal law")
    page = services.list_instruments(boss, services.InstrumentFilters(state="JAL"))
    assert [i.title_en for i in page.items] == ["Jalisco strategy"]
    page = services.list_instruments(boss, services.InstrumentFilters(q="federal"))
    assert [i.title_en for i in page.items] == ["Federal law"]
    for bad in ({"kind": "poem"}, {"stage": "x"}, {"state": "zz"}, {"q": "x" * 10_000}, {"administration": "1990"}):
        with pytest.raises(ValidationError):
            services.list_instruments(boss, services.InstrumentFilters(**bad))
    with pytest.raises(ValidationError):
        services.list_engagements(boss, services.EngagementFilters(kind="party"))


def test_a_coordinator_moves_a_record_to_another_state_by_its_jurisdiction_alone(app):
    boss = coordinator()
    item = instrument(boss)
    services.update_instrument(boss, item.id, version=item.version, jurisdiction="SON")
    assert (item.jurisdiction, item.state) == ("SON", "SON")
    engagement = forum(boss)
    services.update_engagement(boss, engagement.id, version=engagement.version, jurisdiction="NLE")
    assert (engagement.jurisdiction, engagement.state) == ("NLE", "NLE")
    with pytest.raises(ValidationError) as error:  # naming a contradicting state is still refused
        services.update_instrument(boss, item.id, version=item.version, jurisdiction="JAL", state="SON")
    assert fields_of(error) == {"state"}


# --- what the review found -------------------------------------------------------------------

def test_a_liaison_cannot_attach_an_engagement_to_another_chapters_instrument(app):
    boss, jalisco = coordinator(), liaison("JAL")
    federal = instrument(boss, jurisdiction="federal", title_es="Ley federal de IA")
    monterrey = instrument(boss, jurisdiction="municipal", state="NLE", place="Monterrey")
    own = instrument(jalisco)
    for other in (federal, monterrey):
        with pytest.raises(PermissionDenied):
            forum(jalisco, instrument_id=other.id)
    made = forum(jalisco, instrument_id=own.id)
    with pytest.raises(PermissionDenied):
        services.update_engagement(jalisco, made.id, version=made.version, instrument_id=federal.id)
    assert forum(boss, instrument_id=federal.id).instrument_id == federal.id


def test_a_liaisons_edit_of_a_published_instrument_takes_it_off_the_portal(app):
    boss, jalisco = coordinator(), liaison("JAL")
    item = instrument(jalisco)
    services.set_instrument_published(boss, item.id, published=True)
    services.update_instrument(boss, item.id, version=item.version, summary_es="Revisado por coordinación")
    assert item.published  # a coordinator's edit stays published
    services.update_instrument(jalisco, item.id, version=item.version, title_es="Otro título")
    assert not item.published and item.published_at is None
    entry = db.session.execute(sa.select(AuditEntry).where(AuditEntry.action == "instrument.edit")
                               .order_by(AuditEntry.id.desc())).scalars().first()
    assert entry.changes["published"] == [True, False]


def test_an_imported_stage_is_an_event_without_an_email(app):
    from coalition.notifications.models import OutboxMessage

    boss, jalisco = coordinator(), liaison("JAL")
    item = instrument(boss)
    services.follow(factories.user(), state="JAL")
    services.add_stage(jalisco, item.id, stage="proposed", on=date(2024, 1, 10), notify=False)
    assert db.session.scalar(sa.select(sa.func.count(PolicyEvent.id)).where(PolicyEvent.instrument_id == item.id)) == 1
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))
                             .where(OutboxMessage.kind == "policy-update")) == 0


@pytest.mark.parametrize("on", ["0001-01-01", "1899-12-31"])
def test_a_stage_before_1900_is_refused(app, on):
    item = instrument(coordinator())
    with pytest.raises(ValidationError) as refused:
        services.add_stage(coordinator(), item.id, stage="proposed", on=on)
    assert "on" in refused.value.fields


def test_an_engagement_more_than_five_years_ahead_is_refused(app):
    with pytest.raises(ValidationError) as refused:
        forum(coordinator(), held_on="9999-12-31")
    assert "held_on" in refused.value.fields


@pytest.mark.parametrize("url", ["https://a.b:99999/", "http://a..b/", "javascript:alert(1)"])
def test_a_source_that_is_no_web_address_is_refused(app, url):
    with pytest.raises(ValidationError) as refused:
        instrument(coordinator(), source_url=url)
    assert "source_url" in refused.value.fields


def test_the_administration_is_the_first_stages_even_outside_the_table(app):
    boss = coordinator()
    item = instrument(boss)
    stages(boss, item, ("proposed", date(1998, 5, 1)), ("approved", date(2019, 3, 1)))
    assert item.administration is None
