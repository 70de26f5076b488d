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


def test_seeding_is_deterministic(tmp_path):
    from coalition.auth.models import User
    from coalition.deliverables.models import Deliverable
    from coalition.extensions import db
    from coalition.institutions.models import Institution

    snapshots = []
    for name in ("a.db", "b.db"):
        app = _fresh_app(tmp_path / name)
        with app.app_context():
            _seed(app)
            snapshots.append((
                db.session.scalars(sa.select(Institution.name).order_by(Institution.id)).all(),
                db.session.scalars(sa.select(User.email).order_by(User.id)).all(),
                db.session.scalars(sa.select(Deliverable.title).order_by(Deliverable.id)).all(),
            ))
    assert snapshots[0] == snapshots[1]


def test_scale_multiplies_the_coalition_with_unique_names(tmp_path):
    from coalition.extensions import db
    from coalition.institutions.models import Institution

    app = _fresh_app(tmp_path / "scaled.db")
    with app.app_context():
        counts = _seed(app, scale=3)
        names = db.session.scalars(sa.select(Institution.name)).all()
    assert counts["institutions"] >= 3 * 110
    assert len(set(names)) == len(names)
    assert counts["deliverables"] >= 3 * 6 * 10
