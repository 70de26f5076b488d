"""The demo's states and policy uptake (SPEC "States and policy uptake", Demo): the facts the README,
the portal and the issue's walkthrough rely on, at scale 1 and as the scale grows."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from tests.conftest import IsolatedClient, login
from tests.test_demo_seed import TODAY, _fresh_app, _seed

STRATEGY = "Estrategia Jalisco de Inteligencia Artificial"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """One app seeded at scale 1 for the whole module; the tests only read it."""
    app = _fresh_app(tmp_path_factory.mktemp("policy-seed") / "demo.db")
    app.test_client_class = IsolatedClient
    with app.app_context():
        counts = _seed(app)
        yield {"app": app, "counts": counts}


@pytest.fixture()
def session(seeded):
    from coalition.extensions import db

    with seeded["app"].app_context():
        yield db.session


def _count(session, model, *where) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _user(session, email):
    from coalition.auth.models import User

    return session.scalar(sa.select(User).where(User.email == email))


def _strategy(session):
    from coalition.policy.models import Instrument

    return session.scalar(sa.select(Instrument).where(Instrument.title_es == STRATEGY))


# --- the liaison ---------------------------------------------------------------------------------

def test_liaison_is_a_member_of_a_jalisco_institution_and_the_liaison_of_jalisco(session):
    from coalition.auth.services import verify_password
    from coalition.policy.permissions import can_record

    liaison = _user(session, "liaison@example.org")
    assert liaison is not None
    assert liaison.role == "member" and liaison.active and liaison.language == "es"
    assert liaison.institution.state == "JAL"
    assert liaison.liaison_states() == frozenset({"JAL"})
    assert can_record(liaison, "JAL") and not can_record(liaison, "NLE") and not can_record(liaison, None)
    assert verify_password(liaison.password_hash, "coalition-demo")


def test_other_states_have_liaisons_too_and_the_people_count_includes_the_liaison(seeded, session):
    from coalition.auth.models import User
    from coalition.states.models import StateLiaison

    states = set(session.scalars(sa.select(StateLiaison.state)))
    assert {"JAL", "NLE", "QUE"} <= states
    assert seeded["counts"]["people"] == _count(session, User)


def test_liaison_can_log_in_with_the_demo_password(seeded, session):
    client = seeded["app"].test_client()
    login(client, _user(session, "liaison@example.org"), "coalition-demo")
    response = client.get("/")
    assert response.status_code == 200
    assert "Laura Enlace" in response.get_data(as_text=True)


# --- the Jalisco strategy ------------------------------------------------------------------------

def test_jalisco_strategy_is_a_published_executive_state_strategy_proposed_approved_and_in_force(session):
    from coalition.policy.services import stages_of

    strategy = _strategy(session)
    assert strategy is not None
    assert (strategy.kind, strategy.jurisdiction, strategy.state, strategy.branch) == (
        "strategy", "JAL", "JAL", "executive")
    assert strategy.title_en == "Jalisco Artificial Intelligence Strategy"
    assert strategy.summary_es and strategy.summary_en and strategy.summary_es != strategy.summary_en
    assert strategy.published and strategy.published_at is not None
    stages = stages_of([strategy.id])[strategy.id]
    assert [s.stage for s in stages] == ["proposed", "approved", "in_force"]
    assert [s.on_date for s in stages] == sorted(s.on_date for s in stages)
    assert (strategy.stage, strategy.stage_on) == ("in_force", stages[-1].on_date)
    assert urlsplit(strategy.source_url).scheme == "https"


def test_jalisco_strategy_takes_up_published_recommendations_partially_and_fully_with_evidence(session):
    from coalition.policy.services import uptakes_of, uptakes_of_recommendation

    strategy = _strategy(session)
    uptakes = uptakes_of([strategy.id])[strategy.id]
    assert len(uptakes) >= 2
    assert {"partial", "adopted"} <= {u.degree for u in uptakes}
    for uptake in uptakes:
        assert uptake.recommendation.published and uptake.recommendation.state == "adopted"
        url = urlsplit(uptake.evidence_url)
        assert url.scheme == "https" and url.hostname.endswith(".gob.mx")
        assert len(uptake.quote) > 40
        assert uptake.verified_by.role == "coordinator"
        # The recommendation's public page shows where it was taken up.
        shown = uptakes_of_recommendation(uptake.recommendation_id, published_only=True)
        assert strategy.id in {u.instrument_id for u in shown}


def test_member_follows_jalisco_and_its_strategy_but_the_seed_queues_no_mail(session):
    from coalition.notifications.models import OutboxMessage
    from coalition.policy.models import Follow

    member = _user(session, "member@example.org")
    follows = set(session.execute(sa.select(Follow.instrument_id, Follow.state).where(Follow.user_id == member.id)))
    assert follows == {(None, "JAL"), (_strategy(session).id, None)}
    assert _count(session, OutboxMessage) == 0


# --- instruments ---------------------------------------------------------------------------------

def test_at_least_ten_instruments_of_every_kind_over_federal_state_municipal_and_international(session):
    from coalition.institutions.models import STATES
    from coalition.policy.models import BRANCHES, KINDS, STAGES, Instrument

    instruments = session.scalars(sa.select(Instrument)).all()
    assert len(instruments) >= 10
    jurisdictions = {i.jurisdiction for i in instruments}
    assert {"federal", "municipal", "international"} <= jurisdictions
    assert len(jurisdictions & set(STATES)) >= 4
    assert {i.kind for i in instruments} == set(KINDS)
    assert {i.branch for i in instruments} == set(BRANCHES)
    assert {i.stage for i in instruments} == set(STAGES)
    assert {"OCDE", "UNESCO"} <= {i.place for i in instruments if i.jurisdiction == "international"}
    assert all(i.place for i in instruments if i.jurisdiction == "municipal")
    assert all(i.state is None for i in instruments if i.jurisdiction in ("federal", "international"))


def test_the_2018_strategy_was_abandoned_after_the_change_of_administration_with_a_note(session):
    from coalition.policy.models import Instrument
    from coalition.policy.services import stages_of

    strategy = session.scalar(sa.select(Instrument).where(Instrument.title_es.like("%MX 2018%")))
    assert (strategy.jurisdiction, strategy.administration, strategy.stage) == ("federal", "2012-2018", "abandoned")
    last = stages_of([strategy.id])[strategy.id][-1]
    assert last.on_date.year == 2019 and "administración" in last.note


def test_the_federal_senate_bill_is_in_committee_and_carries_several_recommendations(session):
    from coalition.policy.models import Instrument, Uptake

    bill = session.scalar(sa.select(Instrument).where(Instrument.title_es.like("Iniciativa de Ley Federal%")))
    assert (bill.kind, bill.jurisdiction, bill.branch, bill.stage) == ("bill", "federal", "legislative",
                                                                       "in_committee")
    assert _count(session, Uptake, Uptake.instrument_id == bill.id) >= 2


def test_the_continuity_table_has_instruments_of_several_administrations_still_in_force(session):
    from coalition.policy.models import ADOPTED_STAGES, Instrument

    rows = session.execute(sa.select(Instrument.administration, Instrument.stage)).all()
    assert len({administration for administration, _ in rows}) >= 3
    assert None not in {administration for administration, _ in rows}
    # Approved under 2018-2024 and still in force after the next administration took office.
    assert any(a == "2018-2024" and s in ADOPTED_STAGES for a, s in rows)


def test_no_stage_is_in_the_future_and_every_history_runs_in_order(session):
    from coalition.policy.administrations import in_office
    from coalition.policy.models import STAGE_ORDER, Instrument
    from coalition.policy.services import stages_of

    instruments = session.scalars(sa.select(Instrument)).all()
    histories = stages_of([i.id for i in instruments])
    for instrument in instruments:
        stages = histories[instrument.id]
        assert stages, instrument.title_es
        assert all(s.on_date <= TODAY for s in stages)
        assert [s.on_date for s in stages] == sorted(s.on_date for s in stages)
        assert (instrument.stage, instrument.stage_on) == (stages[-1].stage, stages[-1].on_date)
        assert instrument.administration == in_office(stages[0].on_date).key
        for before, after in zip(stages, stages[1:]):
            if after.stage == "abandoned" or STAGE_ORDER[after.stage] < STAGE_ORDER[before.stage]:
                assert after.note, instrument.title_es
        assert all(s.recorded_at >= instrument.created_at for s in stages)


def test_uptakes_link_several_published_recommendations_and_each_change_is_an_event(session):
    from coalition.policy.models import Engagement, InstrumentStage, PolicyEvent, Uptake
    from coalition.recommendations.models import Recommendation

    recommendations = session.execute(sa.select(Recommendation.id, Recommendation.published).join(
        Uptake, Uptake.recommendation_id == Recommendation.id)).all()
    assert len({rid for rid, _ in recommendations}) >= 5
    assert all(published for _, published in recommendations)
    for kind, model in (("stage", InstrumentStage), ("uptake", Uptake), ("engagement", Engagement)):
        assert _count(session, PolicyEvent, PolicyEvent.kind == kind) == _count(session, model)


# --- engagements ---------------------------------------------------------------------------------

def test_engagements_in_five_states_one_federal_and_one_abroad_with_representatives_from_there(session):
    from coalition.institutions.models import ABROAD, STATES
    from coalition.policy.models import Engagement
    from coalition.policy.services import representatives_of

    engagements = session.scalars(sa.select(Engagement)).all()
    assert len({e.state for e in engagements} & set(STATES)) >= 5
    assert any(e.jurisdiction == "federal" and e.state is None for e in engagements)
    assert any(e.state == ABROAD for e in engagements)
    representatives = representatives_of([e.id for e in engagements])
    for engagement in engagements:
        institutions = representatives[engagement.id]
        assert 1 <= len(institutions) <= 4, engagement.title
        assert all(i.active for i in institutions)
        if engagement.state is not None:
            assert {i.state for i in institutions} == {engagement.state}, engagement.title


def test_the_jalisco_forum_had_three_institutions_presenting_an_approved_published_position(session):
    from coalition.policy.models import Engagement
    from coalition.policy.services import representatives_of

    forum = session.scalar(sa.select(Engagement).where(Engagement.kind == "forum", Engagement.state == "JAL",
                                                       Engagement.held_on < TODAY))
    assert forum.instrument.title_es == STRATEGY
    assert len(representatives_of([forum.id])[forum.id]) == 3
    assert forum.speaks_for_coalition and forum.published
    assert forum.position_approved_by.role == "coordinator"
    assert forum.created_by_id == _user(session, "liaison@example.org").id


def test_some_engagements_are_upcoming_approved_published_and_followed_up(session):
    from coalition.policy.models import Engagement, FollowUp

    engagements = session.scalars(sa.select(Engagement)).all()
    assert any(e.held_on > TODAY for e in engagements)
    assert any(e.held_on <= TODAY for e in engagements)
    assert any(e.speaks_for_coalition for e in engagements)
    assert any(not e.speaks_for_coalition for e in engagements)
    assert any(e.published for e in engagements) and any(not e.published for e in engagements)
    follow_ups = session.scalars(sa.select(FollowUp)).all()
    assert any(f.done_at is not None for f in follow_ups) and any(f.done_at is None for f in follow_ups)
    for engagement in engagements:
        if engagement.position_approved_at is not None:
            assert engagement.position.strip()


# --- scale, today, refusal -----------------------------------------------------------------------

def _policy_snapshot(db):
    from coalition.policy.models import Engagement, Instrument, InstrumentStage, Uptake

    def rows(*columns):
        return db.session.execute(sa.select(*columns).order_by(columns[0].table.c.id)).all()

    return {
        "instruments": rows(Instrument.id, Instrument.title_es, Instrument.state, Instrument.stage_on,
                            Instrument.published),
        "stages": rows(InstrumentStage.id, InstrumentStage.instrument_id, InstrumentStage.stage,
                       InstrumentStage.on_date),
        "uptakes": rows(Uptake.id, Uptake.instrument_id, Uptake.recommendation_id, Uptake.degree),
        "engagements": rows(Engagement.id, Engagement.title, Engagement.held_on, Engagement.state),
    }


def test_scale_2_adds_state_instruments_and_engagements_the_same_way_every_time(tmp_path, seeded):
    from coalition.demo.policy_data import ENGAGEMENT_TEMPLATES, STATE_TEMPLATES
    from coalition.extensions import db

    snapshots = []
    for name in ("a.db", "b.db"):
        app = _fresh_app(tmp_path / name)
        with app.app_context():
            counts = _seed(app, scale=2)
            snapshots.append(_policy_snapshot(db))
    assert snapshots[0] == snapshots[1]
    base = seeded["counts"]
    assert counts["instruments"] == base["instruments"] + len(STATE_TEMPLATES)
    assert counts["engagements"] == base["engagements"] + len(ENGAGEMENT_TEMPLATES)
    assert len(snapshots[0]["instruments"]) == counts["instruments"]


def test_seeded_today_keeps_every_stage_and_record_in_the_past(tmp_path):
    from coalition.database import coalition_today, utcnow
    from coalition.extensions import db
    from coalition.policy.models import Engagement, FollowUp, InstrumentStage, PolicyEvent, Uptake
    from coalition.demo.seed import seed_demo

    app = _fresh_app(tmp_path / "now.db")
    with app.app_context():
        seed_demo(scale=2)
        db.session.commit()
        today, now = coalition_today(), utcnow()
        assert db.session.scalar(sa.select(sa.func.max(InstrumentStage.on_date))) <= today
        for column in (InstrumentStage.recorded_at, Uptake.verified_at, PolicyEvent.occurred_at,
                       Engagement.created_at, Engagement.position_approved_at, FollowUp.done_at):
            assert db.session.scalar(sa.select(sa.func.max(column))) <= now, column
        assert db.session.scalar(sa.select(sa.func.max(Engagement.held_on))) > today


def test_seed_demo_still_refuses_a_seeded_database_and_adds_no_second_demo(seeded, session):
    from coalition.policy.models import Instrument

    before = _count(session, Instrument)
    runner = seeded["app"].test_cli_runner()
    refused = runner.invoke(args=["seed-demo"])
    assert refused.exit_code != 0 and "already holds data" in refused.output
    skipped = runner.invoke(args=["seed-demo", "--if-empty"])
    assert skipped.exit_code == 0
    assert _count(session, Instrument) == before


@pytest.mark.postgres
def test_scaled_seed_on_postgresql_writes_the_policy_demo_and_continues_the_sequences(app):
    from coalition.demo.seed import seed_demo
    from coalition.extensions import db
    from coalition.policy.models import Engagement, Instrument, InstrumentStage, Uptake
    from coalition.policy.services import add_stage, create_instrument

    counts = seed_demo(scale=2, today=TODAY)
    db.session.commit()
    assert counts["instruments"] == _count(db.session, Instrument)
    assert counts["engagements"] == _count(db.session, Engagement)
    assert counts["uptakes"] == _count(db.session, Uptake) >= 9
    liaison = _user(db.session, "liaison@example.org")
    assert liaison.liaison_states() == frozenset({"JAL"})
    # The liaison records a new Jalisco instrument through the services: the id sequences moved on.
    instrument = create_instrument(liaison, kind="programme", jurisdiction="JAL", branch="executive",
                                   title_es="Programa nuevo", source_url="https://jalisco.gob.mx/nuevo")
    add_stage(liaison, instrument.id, stage="proposed", on=TODAY - timedelta(days=1), today=TODAY)
    db.session.commit()
    assert instrument.id > max(i for i, in db.session.execute(
        sa.select(Instrument.id).where(Instrument.id != instrument.id)))
    assert _count(db.session, InstrumentStage, InstrumentStage.instrument_id == instrument.id) == 1
