"""The demo coalition: the fixed facts the README, the CLI and other tests rely on."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from coalition import create_app

TODAY = date(2025, 3, 12)


def _fresh_app(path):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        from coalition.extensions import db
        from coalition.groups.models import GROUPS, WorkingGroup

        db.create_all()
        existing = set(db.session.scalars(sa.select(WorkingGroup.slug)))
        for position, (slug, name_en, name_es) in enumerate(GROUPS):
            if slug not in existing:
                db.session.add(WorkingGroup(slug=slug, name_en=name_en, name_es=name_es, position=position))
        db.session.commit()
    return app


def _seed(app, **kwargs):
    from coalition.demo.seed import seed_demo
    from coalition.extensions import db

    counts = seed_demo(today=TODAY, **kwargs)
    db.session.commit()
    return counts


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """One app seeded at scale 1 for the whole module; the tests only read it."""
    app = _fresh_app(tmp_path_factory.mktemp("seed") / "demo.db")
    with app.app_context():
        from coalition.demo.seed import database_has_data

        empty_before = database_has_data()
        counts = _seed(app)
        yield {"app": app, "counts": counts, "empty_before": empty_before}


@pytest.fixture()
def session(seeded):
    from coalition.extensions import db

    with seeded["app"].app_context():
        yield db.session


def _user(session, email):
    from coalition.auth.models import User

    return session.scalar(sa.select(User).where(User.email == email))


def _groups_of(session, user):
    from coalition.groups.models import GroupMembership, WorkingGroup

    rows = session.execute(
        sa.select(WorkingGroup.slug, GroupMembership.role).join(GroupMembership.group)
        .where(GroupMembership.user_id == user.id)).all()
    return dict(rows)


def test_database_has_data_is_false_before_and_true_after_seeding(seeded, session):
    from coalition.demo.seed import database_has_data

    assert seeded["empty_before"] is False
    assert database_has_data() is True


def test_counts_are_returned_per_entity(seeded, session):
    from coalition.deliverables.models import Deliverable
    from coalition.institutions.models import Institution

    counts = seeded["counts"]
    assert counts["institutions"] == session.scalar(sa.select(sa.func.count()).select_from(Institution))
    assert counts["deliverables"] == session.scalar(sa.select(sa.func.count()).select_from(Deliverable))
    assert counts["people"] >= 3 * counts["institutions"]
    assert counts["updates"] >= 3 * counts["deliverables"]


def test_at_least_110_institutions_in_every_sector_and_20_states(session):
    from coalition.institutions.models import ABROAD, SECTORS, STATES, Institution

    institutions = session.scalars(sa.select(Institution)).all()
    assert len(institutions) >= 110
    assert {i.sector for i in institutions} == set(SECTORS)
    states = {i.state for i in institutions}
    assert len(states - {ABROAD}) >= 20
    assert states <= set(STATES) | {ABROAD}
    assert all(i.country for i in institutions if i.state == ABROAD)
    assert len({i.name for i in institutions}) == len(institutions)


def test_demo_accounts_have_their_roles_and_the_demo_password(session):
    from coalition.auth.services import verify_password

    expected = {"admin@example.org": "admin", "coordinator@example.org": "coordinator",
                "lead@example.org": "member", "member@example.org": "member"}
    for email, role in expected.items():
        user = _user(session, email)
        assert user is not None, email
        assert user.role == role
        assert user.active and user.language == "es" and user.timezone == "America/Mexico_City"
        assert verify_password(user.password_hash, "coalition-demo")
        assert not verify_password(user.password_hash, "wrong-password")


def test_lead_leads_ethics(session):
    assert _groups_of(session, _user(session, "lead@example.org")) == {"ethics": "lead"}


def test_member_is_a_member_of_ethics_only_and_owns_its_deliverables(session):
    from coalition.deliverables.models import Deliverable

    member = _user(session, "member@example.org")
    assert _groups_of(session, member) == {"ethics": "member"}
    owned = session.scalars(sa.select(Deliverable).where(Deliverable.owner_id == member.id)).all()
    assert len(owned) >= 2
    assert {d.group.slug for d in owned} == {"ethics"}
    assert any(d.status == "in_progress" and not d.milestones for d in owned)


def test_every_status_appears_with_overdue_and_stale_deliverables(session):
    from coalition.deliverables.models import STATUSES, Deliverable

    deliverables = session.scalars(sa.select(Deliverable)).all()
    assert {d.status for d in deliverables} == set(STATUSES)
    overdue = [d for d in deliverables if d.status != "done" and d.due_date < TODAY]
    noon = datetime.combine(TODAY, time(12), tzinfo=ZoneInfo("America/Mexico_City"))
    stale_before = noon - timedelta(days=21)
    stale = [d for d in deliverables if d.status == "in_progress" and d.last_update_at < stale_before]
    due_soon = [d for d in deliverables if d.status != "done" and TODAY <= d.due_date <= TODAY + timedelta(days=7)]
    assert overdue and stale and due_soon


def test_deliverable_history_ends_where_the_deliverable_stands(session):
    from coalition.deliverables.health import rolled_up_progress
    from coalition.deliverables.models import Deliverable, DeliverableUpdate

    for deliverable in session.scalars(sa.select(Deliverable)):
        updates = session.scalars(
            sa.select(DeliverableUpdate).where(DeliverableUpdate.deliverable_id == deliverable.id)
            .order_by(DeliverableUpdate.created_at, DeliverableUpdate.id)).all()
        assert len(updates) >= 3
        assert updates[0].status_before == "not_started" and updates[0].progress_before == 0
        for before, after in zip(updates, updates[1:]):
            assert (before.status_after, before.progress_after) == (after.status_before, after.progress_before)
        last = updates[-1]
        assert (last.status_after, last.progress_after) == (deliverable.status, deliverable.progress)
        assert last.created_at == deliverable.last_update_at
        assert deliverable.created_at < updates[0].created_at
        assert deliverable.start_date < deliverable.due_date
        if deliverable.milestones:
            assert rolled_up_progress(deliverable.milestones) == deliverable.progress


def test_each_group_has_leads_lead_institutions_and_a_membership(session):
    from coalition.groups.models import GroupMembership, WorkingGroup

    for group in session.scalars(sa.select(WorkingGroup)):
        roles = list(session.scalars(sa.select(GroupMembership.role).where(GroupMembership.group_id == group.id)))
        assert len(group.lead_institutions) == 2, group.slug
        assert 1 <= roles.count("lead") <= 2, group.slug
        assert 15 <= len(roles) <= 30, group.slug


def test_meetings_held_with_and_without_minutes_and_upcoming(session):
    from coalition.meetings.models import Attendance, Meeting, MinutesRevision

    meetings = session.scalars(sa.select(Meeting)).all()
    with_minutes = set(session.scalars(sa.select(MinutesRevision.meeting_id)))
    held = [m for m in meetings if m.status == "held"]
    assert [m for m in held if m.id in with_minutes]
    assert [m for m in held if m.id not in with_minutes]
    assert [m for m in held if m.minutes_published_at is not None]
    assert [m for m in meetings if m.status == "cancelled"]
    upcoming = [m for m in meetings if m.status == "scheduled"]
    assert upcoming
    assert all(m.starts_at.tzinfo is not None for m in meetings)
    attendance = session.execute(sa.select(Attendance.status, Meeting.status).join(Attendance.meeting)).all()
    assert {a for a, m in attendance if m == "scheduled"} == {"invited"}
    assert {"attended", "absent"} <= {a for a, m in attendance if m == "held"}


def _snapshot(db):
    from coalition.auth.models import User
    from coalition.consultations.models import Coding, Contribution
    from coalition.recommendations.models import Recommendation
    from coalition.deliverables.models import Deliverable, DeliverableUpdate, Milestone
    from coalition.institutions.models import Institution
    from coalition.meetings.models import Attendance, Meeting

    def rows(*columns, order_by):
        return db.session.execute(sa.select(*columns).order_by(*order_by)).all()

    return {
        "institutions": rows(Institution.name, Institution.joined_on, order_by=[Institution.id]),
        "people": rows(User.email, User.created_at, User.digest_frequency, order_by=[User.id]),
        "deliverables": rows(Deliverable.title, Deliverable.owner_id, Deliverable.status, Deliverable.progress,
                             Deliverable.due_date, Deliverable.last_update_at, order_by=[Deliverable.id]),
        "milestones": rows(Milestone.deliverable_id, Milestone.title, Milestone.progress, order_by=[Milestone.id]),
        "updates": rows(DeliverableUpdate.deliverable_id, DeliverableUpdate.author_id, DeliverableUpdate.created_at,
                        DeliverableUpdate.status_after, DeliverableUpdate.progress_after, DeliverableUpdate.note,
                        order_by=[DeliverableUpdate.id]),
        "meetings": rows(Meeting.title, Meeting.starts_at, Meeting.status, order_by=[Meeting.id]),
        "attendance": rows(Attendance.meeting_id, Attendance.user_id, Attendance.status, order_by=[Attendance.id]),
        "contributions": rows(Contribution.sector, Contribution.state, Contribution.channel, Contribution.submitted_at,
                              Contribution.search_text, Contribution.receipt_hash, order_by=[Contribution.id]),
        "codings": rows(Coding.contribution_id, Coding.theme_id, Coding.coded_by_id, order_by=[Coding.contribution_id,
                                                                                            Coding.theme_id]),
        "recommendations": rows(Recommendation.title_es, Recommendation.state, Recommendation.published,
                                order_by=[Recommendation.id]),
    }


@pytest.mark.parametrize("scale", [1, 2])
def test_seeding_is_deterministic(tmp_path, scale):
    from coalition.extensions import db

    snapshots = []
    for name in ("a.db", "b.db"):
        app = _fresh_app(tmp_path / name)
        with app.app_context():
            _seed(app, scale=scale)
            snapshots.append(_snapshot(db))
    assert snapshots[0]["updates"]
    assert snapshots[0] == snapshots[1]


# --- larger scales ---------------------------------------------------------------------------

SCALE = 3


@pytest.fixture(scope="module")
def scaled(tmp_path_factory):
    """One app seeded at a small benchmark scale, with the progress it reported; the tests only read it."""
    app = _fresh_app(tmp_path_factory.mktemp("scaled") / "demo.db")
    calls = []
    with app.app_context():
        counts = _seed(app, scale=SCALE, progress=lambda step, done, total: calls.append((step, done, total)))
        yield {"app": app, "counts": counts, "progress": calls}


@pytest.fixture()
def scaled_session(scaled):
    from coalition.extensions import db

    with scaled["app"].app_context():
        yield db.session


def test_scale_grows_the_work_linearly_as_documented(scaled):
    from coalition.demo.seed import DELIVERABLES_PER_SCALE, expected_deliverables

    counts = scaled["counts"]
    assert counts["deliverables"] in expected_deliverables(SCALE)
    extra = 6 * DELIVERABLES_PER_SCALE * (SCALE - 1)
    # Deliverables beyond the demo's carry at least ten updates on average...
    assert counts["updates"] >= 10 * extra + 3 * (counts["deliverables"] - extra)
    # ...so the documented benchmark scale reaches 100,000 deliverables and a million updates.
    assert expected_deliverables(100).start >= 100_000
    assert 10 * 6 * DELIVERABLES_PER_SCALE * 99 >= 1_000_000


def test_scale_grows_the_coalition_with_its_square_root(scaled, scaled_session):
    from coalition.demo import data
    from coalition.groups.models import GroupMembership
    from coalition.institutions.models import Institution

    counts = scaled["counts"]
    breadth = SCALE ** 0.5
    assert counts["institutions"] == round(len(data.INSTITUTIONS) * breadth)
    names = scaled_session.scalars(sa.select(Institution.name)).all()
    assert len(set(names)) == len(names) == counts["institutions"]
    assert 3 * counts["institutions"] <= counts["people"] <= 4 * counts["institutions"] + 4
    sizes = scaled_session.execute(
        sa.select(GroupMembership.group_id, sa.func.count()).group_by(GroupMembership.group_id)).all()
    assert all(15 * breadth - 1 <= size <= 30 * breadth + 1 for _, size in sizes)
    assert 6 * 8 < counts["meetings"] < 6 * 8 * SCALE


def _histories(session):
    """Each deliverable with its updates in the order they were recorded."""
    from coalition.deliverables.models import Deliverable, DeliverableUpdate

    deliverables = {row.id: row for row in session.execute(sa.select(
        Deliverable.id, Deliverable.status, Deliverable.progress, Deliverable.version,
        Deliverable.last_update_at, Deliverable.created_at))}
    updates = {deliverable_id: [] for deliverable_id in deliverables}
    for row in session.execute(
            sa.select(DeliverableUpdate.deliverable_id, DeliverableUpdate.created_at,
                      DeliverableUpdate.status_before, DeliverableUpdate.status_after,
                      DeliverableUpdate.progress_before, DeliverableUpdate.progress_after, DeliverableUpdate.kind)
            .order_by(DeliverableUpdate.deliverable_id, DeliverableUpdate.created_at, DeliverableUpdate.id)):
        updates[row.deliverable_id].append(row)
    return [(deliverables[deliverable_id], rows) for deliverable_id, rows in updates.items()]


def test_scaled_histories_chain_from_not_started_to_where_each_deliverable_stands(scaled_session):
    histories = _histories(scaled_session)
    assert len(histories) >= 6 * 170 * (SCALE - 1)
    for deliverable, updates in histories:
        assert len(updates) == deliverable.version - 1 >= 3
        assert (updates[0].status_before, updates[0].progress_before) == ("not_started", 0)
        for before, after in zip(updates, updates[1:]):
            assert (before.status_after, before.progress_after) == (after.status_before, after.progress_before)
        last = updates[-1]
        assert (last.status_after, last.progress_after) == (deliverable.status, deliverable.progress)
        assert last.created_at == deliverable.last_update_at
        assert deliverable.created_at < updates[0].created_at
        assert {update.kind for update in updates} == {"update"}
        assert all(0 <= u.progress_before <= 100 and 0 <= u.progress_after <= 100 for u in updates)


@pytest.mark.parametrize("fixture", ["session", "scaled_session"])
def test_progress_moved_over_the_last_7_and_30_days(request, fixture):
    from coalition.deliverables.models import DeliverableUpdate

    session = request.getfixturevalue(fixture)
    now = datetime.combine(TODAY, time(12), tzinfo=ZoneInfo("America/Mexico_City"))

    def moved_since(days):
        change = DeliverableUpdate.progress_after - DeliverableUpdate.progress_before
        return session.execute(
            sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(change), 0))
            .where(DeliverableUpdate.created_at >= now - timedelta(days=days))).one()

    total = session.scalar(sa.select(sa.func.count()).select_from(DeliverableUpdate))
    (week, week_change), (month, month_change) = moved_since(7), moved_since(30)
    assert 0 < week < month < total
    assert 0 < week_change < month_change
    assert month >= total // 20
    assert session.scalar(sa.select(sa.func.max(DeliverableUpdate.created_at))) <= now
    months = {(at.year, at.month) for at in session.scalars(sa.select(DeliverableUpdate.created_at))}
    assert len(months) >= 6


def test_progress_is_reported_step_by_step_up_to_each_total(scaled):
    calls, counts = scaled["progress"], scaled["counts"]
    steps = list(dict.fromkeys(step for step, _, _ in calls))
    assert steps == ["institutions", "people", "memberships", "deliverables", "contributors", "milestones",
                     "updates", "meetings", "attendance", "contributions", "codings"]
    for step in steps:
        reported = [(done, total) for name, done, total in calls if name == step]
        assert [done for done, _ in reported] == sorted(done for done, _ in reported)
        assert len({total for _, total in reported}) == 1
        assert reported[-1][0] == reported[-1][1]
    last = {step: done for step, done, _ in calls}
    assert last["deliverables"] == counts["deliverables"]
    assert last["updates"] == counts["updates"]
    assert len([call for call in calls if call[0] == "updates"]) >= 2


def test_seed_demo_command_draws_its_progress_on_stderr(tmp_path):
    app = _fresh_app(tmp_path / "cli.db")
    with app.app_context():  # not the module's seeded apps, whose contexts stay pushed
        result = app.test_cli_runner().invoke(args=["seed-demo", "--scale", "2"])
    assert result.exit_code == 0, result.output
    assert "Demo coalition ready" in result.stdout
    for step in ("deliverables", "updates", "attendance"):
        assert step in result.stderr
    assert "updates" not in result.stdout.split(":", 1)[0]


def test_seed_demo_help_documents_the_benchmark_scale(tmp_path):
    result = _fresh_app(tmp_path / "help.db").test_cli_runner().invoke(args=["seed-demo", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "--scale 100" in text and "1.1 million updates" in text


def test_seeding_invalidates_cached_dashboard_figures(app):
    from coalition.dashboards.cache import version
    from coalition.demo.seed import seed_demo

    before = version()
    seed_demo(today=TODAY)
    assert version() > before


@pytest.mark.postgres
def test_scaled_seed_on_postgresql_counts_and_continues_the_sequences(app):
    from coalition.deliverables.models import Deliverable, DeliverableUpdate
    from coalition.demo.seed import seed_demo
    from coalition.extensions import db
    from coalition.institutions.models import Institution

    counts = seed_demo(scale=2, today=TODAY)
    db.session.commit()
    assert counts["deliverables"] == db.session.scalar(sa.select(sa.func.count()).select_from(Deliverable))
    assert counts["updates"] == db.session.scalar(sa.select(sa.func.count()).select_from(DeliverableUpdate))
    for deliverable, updates in _histories(db.session):
        assert (updates[0].status_before, updates[0].progress_before) == ("not_started", 0)
        assert (updates[-1].status_after, updates[-1].progress_after) == (deliverable.status, deliverable.progress)
        assert updates[-1].created_at == deliverable.last_update_at
    db.session.add(Institution(name="Institución nueva", sector="academia", state="CMX"))
    db.session.commit()


# --- the consultation and the agenda (SPEC "Consultation and agenda", Demo) ----------------------

def _count(session, model, *where) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _consultation(session, slug):
    from coalition.consultations.models import Consultation

    return session.execute(sa.select(Consultation).where(Consultation.slug == slug)).scalar_one()


def test_the_national_consultation_is_closed_with_questions_of_every_kind(session):
    national = _consultation(session, "consulta-nacional-ia")
    assert national.state == "closed" and national.asks_questions
    assert {q.kind for q in national.questions} == {"text", "single", "multiple"}
    assert all(q.prompt_es and q.prompt_en for q in national.questions)
    assert all(len(q.choices) >= 2 for q in national.questions if q.kind != "text")
    assert len(national.groups) == 6


def test_the_national_consultation_has_1500_contributions_from_every_sector_and_25_states(session):
    from coalition.consultations.models import PROFILE_SECTORS, Contribution

    national = _consultation(session, "consulta-nacional-ia")
    mine = Contribution.consultation_id == national.id
    assert _count(session, Contribution, mine) >= 1500
    sectors = set(session.scalars(sa.select(Contribution.sector).where(mine).distinct()))
    assert sectors == set(PROFILE_SECTORS)
    assert len(set(session.scalars(sa.select(Contribution.state).where(mine).distinct()))) >= 25
    assert set(session.scalars(sa.select(Contribution.channel).where(mine).distinct())) == {
        "online", "workshop", "forum"}
    # Paper carries its folio, so the sheets can be imported again without duplicates.
    assert _count(session, Contribution, mine, Contribution.channel != "online", Contribution.external_id.is_(None)) == 0
    # Every contribution answers the required question; a few were hidden as spam, with a reason.
    hidden = session.scalars(sa.select(Contribution).where(mine, Contribution.hidden_at.is_not(None))).all()
    assert hidden and all(c.hidden_reason and c.hidden_by_id for c in hidden)


def test_most_national_contributions_are_coded_under_bilingual_themes(session):
    from coalition.consultations.models import Coding, Contribution, Theme

    national = _consultation(session, "consulta-nacional-ia")
    themes = session.scalars(sa.select(Theme).where(Theme.consultation_id == national.id)).all()
    assert 10 <= len(themes) <= 15 and all(t.name_es and t.name_en and t.name_es != t.name_en for t in themes)
    total = _count(session, Contribution, Contribution.consultation_id == national.id)
    coded = session.scalar(sa.select(sa.func.count(sa.distinct(Coding.contribution_id))).join(Contribution).where(
        Contribution.consultation_id == national.id))
    assert coded > total / 2
    coders = set(session.scalars(sa.select(Coding.coded_by_id).distinct()))
    assert _user(session, "lead@example.org").id in coders


def test_the_agenda_covers_every_area_horizon_and_group(session):
    from coalition.groups.models import GROUPS
    from coalition.recommendations.models import AREAS, HORIZONS, Recommendation

    items = session.scalars(sa.select(Recommendation)).all()
    assert len(items) >= 30
    assert {r.area for r in items} == set(AREAS) and {r.horizon for r in items} == set(HORIZONS)
    assert {r.group.slug for r in items} == {slug for slug, _, _ in GROUPS}
    assert all(r.title_es and r.title_en and r.text_es and r.text_en for r in items)


def test_some_adopted_recommendations_are_published_with_answers_and_sources(session):
    from coalition.recommendations.models import Recommendation, SourceContribution, SourceTheme

    published = session.scalars(sa.select(Recommendation).where(Recommendation.state == "adopted",
                                                                Recommendation.published.is_(True))).all()
    assert len(published) >= 20
    for item in published:
        assert item.answer_es and item.answer_en and item.published_at and item.published_by_id
        assert _count(session, SourceTheme, SourceTheme.recommendation_id == item.id) >= 1
    assert all(_count(session, SourceContribution, SourceContribution.recommendation_id == item.id)
               for item in published)
    assert _count(session, Recommendation, Recommendation.published.is_(False)) >= 1


def test_a_merged_a_rejected_a_split_and_deliverables_are_in_the_agenda(session):
    from coalition.recommendations.models import (
        Recommendation,
        RecommendationDeliverable,
        RecommendationSplit,
    )

    merged = session.execute(sa.select(Recommendation).where(Recommendation.state == "merged")).scalar_one()
    assert merged.merged_into is not None and merged.merged_into.state == "adopted" and merged.answer_es
    rejected = session.execute(sa.select(Recommendation).where(Recommendation.state == "rejected")).scalar_one()
    assert rejected.answer_es and rejected.answer_en
    assert _count(session, RecommendationSplit) >= 1
    assert _count(session, RecommendationDeliverable) >= 2


def test_the_principles_consultation_is_open_and_takes_comments_on_five_draft_recommendations(session):
    from coalition.consultations.models import Comment, Contribution

    principles = _consultation(session, "principios-ia")
    seeded_noon = datetime.combine(TODAY, time(12), tzinfo=ZoneInfo("America/Mexico_City"))
    assert principles.state_at(seeded_noon) == "open" and principles.asks_questions and principles.takes_comments
    assert len(principles.questions) >= 1
    assert len(principles.recommendations) >= 5
    assert {r.state for r in principles.recommendations} == {"in_consultation"}
    assert _count(session, Comment, Comment.contribution_id.in_(
        sa.select(Contribution.id).where(Contribution.consultation_id == principles.id))) > 0


def test_the_principles_consultation_opened_a_week_ago_for_sixty_days():
    from coalition.demo.seed import seed_demo

    app = _fresh_app_for_dates()
    with app.app_context():
        from coalition.database import utcnow
        from coalition.extensions import db

        seed_demo()
        db.session.commit()
        principles = _consultation(db.session, "principios-ia")
        now = utcnow()
        assert timedelta(days=6) < now - principles.opens_at < timedelta(days=8)
        assert timedelta(days=59) < principles.closes_at - now < timedelta(days=61)
        assert principles.state == "open"


def _fresh_app_for_dates():
    import tempfile
    from pathlib import Path

    return _fresh_app(Path(tempfile.mkdtemp()) / "dates.db")


def test_the_demo_receipt_opens_a_coded_and_cited_contribution(session):
    from coalition.consultations.models import Coding, Contribution
    from coalition.consultations.receipts import code_hash
    from coalition.demo.consultation_data import DEMO_RECEIPT
    from coalition.recommendations.models import SourceContribution

    found = session.execute(sa.select(Contribution).where(
        Contribution.receipt_hash == code_hash(DEMO_RECEIPT))).scalar_one()
    assert _count(session, Coding, Coding.contribution_id == found.id)
    assert _count(session, SourceContribution, SourceContribution.contribution_id == found.id)


def test_scale_grows_the_contributions_by_a_thousand_a_step(scaled, scaled_session):
    from coalition.consultations.models import Contribution
    from coalition.demo.consultation import PRINCIPLES_CONTRIBUTIONS, contributions_at

    assert contributions_at(1) >= 1500 and contributions_at(100) == 100_000
    assert scaled["counts"]["contributions"] == contributions_at(SCALE) + PRINCIPLES_CONTRIBUTIONS
    assert _count(scaled_session, Contribution) == scaled["counts"]["contributions"]


def test_no_recommendation_cites_more_contributions_than_the_limit(scaled_session):
    from coalition.recommendations.models import SOURCES_MAX, SourceContribution

    most = scaled_session.scalar(sa.select(sa.func.count()).select_from(SourceContribution).group_by(
        SourceContribution.recommendation_id).order_by(sa.func.count().desc()).limit(1))
    assert 40 <= most <= SOURCES_MAX


# --- the public portal (SPEC "Public portal (fixed)") ----------------------------------------

def _portal_figures(session) -> dict:
    from coalition.deliverables.models import Deliverable
    from coalition.institutions.models import Institution
    from coalition.recommendations.models import Recommendation

    return {
        "published": _count(session, Recommendation, Recommendation.published.is_(True)),
        "unpublished": _count(session, Recommendation, Recommendation.published.is_(False)),
        "public": _count(session, Deliverable, Deliverable.public.is_(True), Deliverable.archived_at.is_(None)),
        "listed": _count(session, Institution, Institution.listed.is_(True), Institution.listed_at.is_not(None)),
    }


def test_the_portal_has_20_published_recommendations_10_public_deliverables_and_60_listed_institutions(session):
    figures = _portal_figures(session)
    assert figures["published"] >= 20 and figures["unpublished"] >= 1
    assert figures["public"] >= 10
    assert figures["listed"] >= 60


def test_the_portal_figures_hold_at_larger_scales(scaled_session):
    figures = _portal_figures(scaled_session)
    assert figures["published"] >= 20 and figures["unpublished"] >= 1
    assert figures["public"] >= 10 and figures["listed"] >= 60


def test_published_recommendations_span_several_groups_and_areas_with_answers(session):
    from coalition.recommendations.models import Recommendation

    published = session.scalars(sa.select(Recommendation).where(Recommendation.published.is_(True),
                                                                Recommendation.state == "adopted")).all()
    assert len({r.group_id for r in published}) >= 4 and len({r.area for r in published}) >= 4
    assert all(r.answer_es and r.answer_en for r in published)


def test_public_deliverables_have_bilingual_summaries_milestones_and_every_completion(session):
    from coalition.deliverables.models import COMPLETIONS, Deliverable, Milestone

    public = session.scalars(sa.select(Deliverable).where(Deliverable.public.is_(True))).all()
    assert all(d.public_summary_es and d.public_summary_en and d.public_summary_es != d.public_summary_en
               for d in public)
    assert all(d.published_at and d.published_by_id and d.archived_at is None for d in public)
    assert {d.completion for d in public} == set(COMPLETIONS)
    assert _count(session, Milestone, Milestone.deliverable_id.in_([d.id for d in public])) > 0
    overridden = [d for d in public if d.completion_override]
    assert overridden and all(d.completion_note for d in overridden)
    # Nothing else is public, and nothing public lacks a summary.
    assert _count(session, Deliverable, Deliverable.public.is_(False), Deliverable.published_at.is_not(None)) == 0


def test_every_public_deliverable_carries_out_a_published_recommendation(session):
    from coalition.deliverables.models import Deliverable
    from coalition.recommendations.models import Recommendation, RecommendationDeliverable

    carried = set(session.scalars(
        sa.select(RecommendationDeliverable.deliverable_id).join(
            Recommendation, Recommendation.id == RecommendationDeliverable.recommendation_id)
        .where(Recommendation.published.is_(True))))
    public = set(session.scalars(sa.select(Deliverable.id).where(Deliverable.public.is_(True))))
    assert public and public <= carried


def test_only_active_institutions_are_listed_and_some_are_not(session):
    from coalition.institutions.models import Institution

    assert _count(session, Institution, Institution.listed.is_(True), Institution.active.is_(False)) == 0
    assert _count(session, Institution, Institution.listed.is_(False), Institution.active.is_(True)) > 0
    assert _count(session, Institution, Institution.listed.is_(False), Institution.listed_at.is_not(None)) == 0


def test_the_national_consultation_results_are_published_and_the_open_one_is_not(session):
    national = _consultation(session, "consulta-nacional-ia")
    assert national.results_published and national.results_published_at and national.results_published_by_id
    assert national.results_published_at > national.closes_at
    assert not _consultation(session, "principios-ia").results_published
