from datetime import date, datetime, timedelta, timezone
from itertools import product

import pytest
import sqlalchemy as sa

from coalition.audit.models import AuditEntry
from coalition.deliverables import services
from coalition.deliverables.health import HealthClock, health_of, health_sql
from coalition.deliverables.models import Deliverable, DeliverableUpdate
from coalition.errors import Conflict, NotAuthenticated, NotFound, PermissionDenied, ValidationError
from coalition.extensions import db
from tests import factories


def test_member_update_is_appended_to_history(app):
    member = factories.user(groups={"ethics": "member"})
    item = factories.deliverable(owner=member, status="in_progress", progress=10)
    update = services.post_update(member, item.id, status="in_review", progress=80, note="Listo para revisión",
                                  version=item.version)
    db.session.commit()
    assert (update.status_before, update.status_after) == ("in_progress", "in_review")
    assert (update.progress_before, update.progress_after) == (10, 80)
    assert item.progress == 80 and item.status == "in_review"
    assert [u.id for u in services.history(member, item)] == [update.id]


def test_member_cannot_update_other_groups_deliverable(app):
    outsider = factories.user(groups={"governance": "member"})
    item = factories.deliverable("ethics")
    with pytest.raises(PermissionDenied):
        services.post_update(outsider, item.id, status="done", progress=100)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DeliverableUpdate)) == 0


def test_anonymous_cannot_read_a_deliverable(app):
    item = factories.deliverable()
    with pytest.raises(NotAuthenticated):
        services.get_deliverable(None, item.id)


def test_stale_version_is_a_conflict_and_changes_nothing(app):
    member = factories.user(groups={"ethics": "member"})
    item = factories.deliverable(owner=member, progress=10)
    old_version = item.version
    services.post_update(member, item.id, status="in_progress", progress=30, version=old_version)
    db.session.commit()
    with pytest.raises(Conflict) as caught:
        services.post_update(member, item.id, status="done", progress=100, version=old_version)
    db.session.rollback()
    assert caught.value.current.progress == 30
    assert db.session.get(Deliverable, item.id).progress == 30


@pytest.mark.parametrize("status,progress,field", [
    ("finished", 50, "status"), ("done", 101, "progress"), ("done", -1, "progress"),
    ("done", "50", "progress"), ("done", True, "progress"), (None, 5, "status"),
])
def test_invalid_update_names_the_field(app, status, progress, field):
    member = factories.user(groups={"ethics": "member"})
    item = factories.deliverable(owner=member)
    with pytest.raises(ValidationError) as caught:
        services.post_update(member, item.id, status=status, progress=progress)
    assert field in caught.value.fields


def test_unknown_deliverable_is_not_found(app):
    member = factories.user()
    for bad in (999999, 0, -3, 2**40):
        with pytest.raises(NotFound):
            services.get_deliverable(member, bad)


def test_lead_creates_edits_and_archives_with_audit(app):
    lead = factories.user(groups={"ethics": "lead"})
    owner = factories.user(groups={"ethics": "member"})
    inst = factories.institution()
    item = services.create_deliverable(lead, factories.group("ethics"), title="Guía ética", owner_id=owner.id,
                                       due_date=factories.today() + timedelta(days=30), institution_ids=[inst.id])
    db.session.commit()
    services.edit_deliverable(lead, item.id, version=item.version, title="Guía ética v2", institution_ids=[])
    db.session.commit()
    assert item.title == "Guía ética v2" and item.institutions == []
    services.archive_deliverable(lead, item.id)
    db.session.commit()
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["deliverable.create", "deliverable.edit", "deliverable.archive"]


def test_member_cannot_create_deliverables(app):
    member = factories.user(groups={"ethics": "member"})
    with pytest.raises(PermissionDenied):
        services.create_deliverable(member, factories.group("ethics"), title="x", owner_id=member.id,
                                    due_date=factories.today())


def test_create_rejects_bad_fields_all_at_once(app):
    lead = factories.user(groups={"ethics": "lead"})
    with pytest.raises(ValidationError) as caught:
        services.create_deliverable(lead, factories.group("ethics"), title=" ", owner_id=999999,
                                    due_date="mañana", institution_ids=[424242])
    assert {"title", "owner_id", "due_date", "institution_ids"} <= set(caught.value.fields)


def test_weighted_milestones_roll_up_into_progress(app):
    lead = factories.user(groups={"ethics": "lead"})
    item = factories.deliverable(progress=0)
    services.add_milestone(lead, item.id, title="Borrador", weight=3, progress=100)
    services.add_milestone(lead, item.id, title="Consulta", weight=1, progress=0)
    db.session.commit()
    assert item.progress == 75
    milestone = item.milestones[1]
    services.update_milestone(lead, item.id, milestone.id, title="Consulta", weight=1, progress=100)
    db.session.commit()
    assert item.progress == 100
    rolled = [(u.kind, u.subject) for u in services.history(lead, item)]
    assert ("milestone_progress", "Consulta") in rolled and ("milestone_added", "Borrador") in rolled


def test_unweighted_milestones_average(app):
    lead = factories.user(groups={"ethics": "lead"})
    item = factories.deliverable(progress=0)
    for progress in (20, 40, 90):
        services.add_milestone(lead, item.id, title=f"Hito {progress}", progress=progress)
    db.session.commit()
    assert item.progress == 50


def test_member_may_record_milestone_progress_but_not_rename_it(app):
    lead = factories.user(groups={"ethics": "lead"})
    member = factories.user(groups={"ethics": "member"})
    item = factories.deliverable(owner=member)
    milestone = services.add_milestone(lead, item.id, title="Hito", progress=0)
    db.session.commit()
    services.update_milestone(member, item.id, milestone.id, title="Hito", weight=None, progress=60)
    db.session.commit()
    with pytest.raises(PermissionDenied):
        services.update_milestone(member, item.id, milestone.id, title="Otro", weight=None, progress=60)


NOW = datetime(2026, 6, 1, 18, 0, tzinfo=timezone.utc)
CLOCK = HealthClock.at(NOW, date(2026, 6, 1), 14)


def test_health_rules_in_python_and_sql_agree(app):
    owner = factories.user(groups={"ethics": "member"})
    cases = list(product(
        ["not_started", "in_progress", "in_review", "done", "blocked"],
        [0, 49, 50, 74, 75, 100],
        [-1, 0, 5, 7, 8, 14, 15, 30, 31, 90],
        [0, 13, 15, 40],
    ))
    ids = {}
    for status, progress, due_in, idle in cases:
        item = factories.deliverable(owner=owner, status=status, progress=progress,
                                     due_date=CLOCK.today + timedelta(days=due_in),
                                     last_update_at=NOW - timedelta(days=idle))
        ids[item.id] = health_of(status, progress, item.due_date, item.last_update_at, CLOCK)
    db.session.commit()
    in_sql = dict(db.session.execute(sa.select(Deliverable.id, health_sql(Deliverable, CLOCK))).all())
    assert in_sql == ids
    assert set(ids.values()) == {"on_track", "at_risk", "off_track"}


def test_health_of_examples():
    fresh = NOW - timedelta(days=1)
    assert health_of("done", 10, CLOCK.today - timedelta(days=5), fresh, CLOCK) == "on_track"
    assert health_of("in_progress", 90, CLOCK.today - timedelta(days=1), fresh, CLOCK) == "off_track"
    assert health_of("in_progress", 60, CLOCK.today + timedelta(days=90), NOW - timedelta(days=20), CLOCK) == "at_risk"
    assert health_of("in_progress", 60, CLOCK.today + timedelta(days=90), fresh, CLOCK) == "on_track"
