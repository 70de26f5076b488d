"""Deleting a deliverable archives it: its history stays, it leaves every list, and a coordinator restores it."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from coalition.audit.models import AuditEntry
from coalition.dashboards.services import Filters, compute_figures
from coalition.deliverables import services
from coalition.deliverables.models import Deliverable, DeliverableUpdate, Milestone
from coalition.errors import NotFound, PermissionDenied
from coalition.extensions import db
from coalition.groups.services import progress_by_group
from coalition.home.services import home_for
from coalition.notifications import digests
from coalition.notifications.models import OutboxMessage
from coalition.notifications.reminders import queue_reminders
from tests import factories
from tests.conftest import login, post_form

# 08:00 in Mexico City on Monday 7 December 2026.
AT = datetime(2026, 12, 7, 14, 0, tzinfo=timezone.utc)
TODAY = date(2026, 12, 7)


def _people():
    return {
        "member": factories.user(groups={"ethics": "member"}),
        "lead": factories.user(groups={"ethics": "lead"}),
        "coordinator": factories.user(role="coordinator"),
        "admin": factories.user(role="admin"),
    }


def _with_history(owner, **values) -> Deliverable:
    """A deliverable with an update by its owner and a milestone."""
    item = factories.deliverable("ethics", owner=owner, **values)
    services.post_update(owner, item.id, status="in_progress", progress=40, note="Primer borrador")
    db.session.add(Milestone(deliverable_id=item.id, title="Borrador", progress=40))
    db.session.commit()
    return item


def _count(model, **where) -> int:
    stmt = sa.select(sa.func.count()).select_from(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return db.session.scalar(stmt)


# --- the history stays -----------------------------------------------------------------------

def test_archiving_keeps_the_deliverable_its_updates_milestones_and_audit(app):
    people = _people()
    item = _with_history(people["member"])
    services.archive_deliverable(people["lead"], item.id)
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(Deliverable, item.id)
    assert kept.archived_at is not None and kept.archived_by_id == people["lead"].id
    assert (kept.status, kept.progress) == ("in_progress", 40)
    assert _count(DeliverableUpdate, deliverable_id=item.id) == 1
    assert _count(Milestone, deliverable_id=item.id) == 1
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "deliverable.archive")).one()
    assert (entry.actor_id, entry.subject_id, entry.changes["title"]) == (people["lead"].id, item.id, kept.title)
    # Coordinators still read it, with its whole history.
    assert [u.note for u in services.history(people["coordinator"], kept)] == ["Primer borrador"]


def test_archiving_twice_changes_nothing(app):
    people = _people()
    item = factories.deliverable("ethics", owner=people["member"])
    first = services.archive_deliverable(people["coordinator"], item.id).archived_at
    db.session.commit()
    assert services.archive_deliverable(people["admin"], item.id).archived_at == first
    db.session.commit()
    assert _count(AuditEntry, action="deliverable.archive") == 1


def test_an_archived_deliverable_is_404_to_members_and_leads_and_open_to_coordinators(app):
    people = _people()
    item = factories.deliverable("ethics", owner=people["member"], archived_at=AT)
    db.session.commit()
    for role in ("member", "lead"):
        with pytest.raises(NotFound):
            services.get_deliverable(people[role], item.id)
    for role in ("coordinator", "admin"):
        assert services.get_deliverable(people[role], item.id).archived


def test_an_archived_deliverable_cannot_be_changed(app):
    people = _people()
    item = _with_history(people["member"])
    milestone_id = item.milestones[0].id
    services.archive_deliverable(people["lead"], item.id)
    db.session.commit()
    coordinator = people["coordinator"]
    attempts = [
        lambda: services.post_update(coordinator, item.id, status="done", progress=100),
        lambda: services.edit_deliverable(coordinator, item.id, version=item.version, title="Otro título"),
        lambda: services.add_milestone(coordinator, item.id, title="Otro hito"),
        lambda: services.update_milestone(coordinator, item.id, milestone_id, title="Borrador", weight=None,
                                          progress=90),
        lambda: services.delete_milestone(coordinator, item.id, milestone_id),
    ]
    for attempt in attempts:
        with pytest.raises(services.Archived):
            attempt()
        db.session.rollback()
    # A member cannot even find it to post to.
    with pytest.raises(NotFound):
        services.post_update(people["member"], item.id, status="done", progress=100)


def test_a_coordinator_restores_it_with_an_audit_record(app):
    people = _people()
    item = _with_history(people["member"])
    services.archive_deliverable(people["lead"], item.id)
    db.session.commit()
    with pytest.raises(NotFound):  # the lead cannot see it any more, so cannot restore it either
        services.restore_deliverable(people["lead"], item.id)
    services.restore_deliverable(people["coordinator"], item.id)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Deliverable, item.id).archived_at is None
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "deliverable.restore")).one()
    assert entry.actor_id == people["coordinator"].id and entry.changes["archived_at"][1] is None
    assert services.get_deliverable(people["member"], item.id).id == item.id
    services.post_update(people["member"], item.id, status="done", progress=100)


def test_only_coordinators_restore(app):
    people = _people()
    item = factories.deliverable("ethics", owner=people["member"])
    db.session.commit()
    with pytest.raises(PermissionDenied):
        services.restore_deliverable(people["lead"], item.id)


# --- it leaves every list --------------------------------------------------------------------

def test_archived_deliverables_leave_the_lists_and_search_and_are_listed_apart(app):
    people = _people()
    kept = factories.deliverable("ethics", owner=people["member"], title="Guía de datos abiertos")
    gone = factories.deliverable("ethics", owner=people["member"], title="Guía de datos cerrados",
                                 archived_at=AT)
    db.session.commit()
    for filters in (services.DeliverableFilters(), services.DeliverableFilters(q="Guía de datos"),
                    services.DeliverableFilters(group="ethics", owner_id=people["member"].id)):
        assert [d.id for d in services.list_deliverables(people["coordinator"], filters, 1, 50).items] == [kept.id]
    archived = services.list_deliverables(people["coordinator"], services.DeliverableFilters(archived=True), 1, 50)
    assert [d.id for d in archived.items] == [gone.id]
    for role in ("member", "lead"):
        with pytest.raises(PermissionDenied):
            services.list_deliverables(people[role], services.DeliverableFilters(archived=True), 1, 50)
    assert [v.deliverable.id for v in home_for(people["member"]).deliverables] == [kept.id]


def test_archived_deliverables_leave_the_dashboards_and_group_progress(app):
    owner = factories.user(groups={"ethics": "member"})
    factories.deliverable("ethics", owner=owner, progress=20, due_date=TODAY + timedelta(days=90), last_update_at=AT)
    overdue = _with_history(owner, progress=90, due_date=TODAY - timedelta(days=3), last_update_at=AT)
    db.session.execute(sa.update(DeliverableUpdate).values(created_at=AT - timedelta(days=1)))
    db.session.commit()
    before = compute_figures(None, Filters(), AT)
    assert before.total == 2 and [d.id for d in before.overdue] == [overdue.id]
    assert any(a.kind == "update" for a in before.activity)

    services.archive_deliverable(factories.user(role="coordinator"), overdue.id)
    db.session.commit()
    ethics = factories.group("ethics").id
    after = compute_figures(None, Filters(), AT)
    assert after.total == 1 and after.overdue == [] and sum(after.by_health.values()) == 1
    assert {g: (p, n) for g, p, n in after.progress}[ethics] == (20, 1)
    assert ethics not in after.change
    assert not any(a.kind == "update" for a in after.activity)
    assert progress_by_group()[ethics] == (20, 1)
    assert compute_figures(ethics, Filters(), AT).total == 1


def test_archived_deliverables_get_no_reminders(app):
    owner = factories.user(groups={"ethics": "member"}, language="en")
    factories.user(groups={"ethics": "lead"})
    factories.deliverable(owner=owner, due_date=TODAY + timedelta(days=7), last_update_at=AT, archived_at=AT)
    factories.deliverable(owner=owner, due_date=TODAY - timedelta(days=2), last_update_at=AT, archived_at=AT)
    factories.deliverable(owner=owner, status="in_progress", due_date=TODAY + timedelta(days=90),
                          last_update_at=AT - timedelta(days=30), archived_at=AT)
    db.session.commit()
    assert queue_reminders(AT) == {}
    assert _count(OutboxMessage) == 0


@pytest.mark.parametrize("archived", [False, True])
def test_archived_deliverables_leave_the_digests(app, archived):
    owner = factories.user(groups={"ethics": "member"})
    colleague = factories.user(groups={"ethics": "member"})
    archived_at = AT if archived else None
    mine = factories.deliverable(owner=owner, due_date=TODAY + timedelta(days=3), last_update_at=AT,
                                 archived_at=archived_at)
    theirs = factories.deliverable(owner=colleague, due_date=TODAY + timedelta(days=90), last_update_at=AT,
                                   archived_at=archived_at)
    for item in (mine, theirs):
        db.session.add(DeliverableUpdate(deliverable_id=item.id, author_id=item.owner_id, status_before="in_progress",
                                         status_after="in_progress", progress_before=10, progress_after=60,
                                         created_at=AT - timedelta(days=2)))
    db.session.commit()
    # Active: one is due soon and both changed. Archived: nothing to say to either of them.
    expected = {"sent": 0, "empty": 2} if archived else {"sent": 2, "empty": 0}
    assert digests.queue_digests(AT) == expected


# --- pages -----------------------------------------------------------------------------------

def test_the_coordinator_sees_an_archived_page_with_a_banner_and_restores_it(client):
    people = _people()
    item = _with_history(people["member"], title="Guía archivada")
    services.archive_deliverable(people["lead"], item.id)
    db.session.commit()
    item_id = item.id

    login(client, people["coordinator"])
    page = client.get(f"/deliverables/{item_id}?lang=en")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "This deliverable is archived." in text and "Primer borrador" in text
    assert 'name="progress"' not in text and "Save update" not in text  # no update form
    assert f"/deliverables/{item_id}/edit" not in text and f"/deliverables/{item_id}/delete" not in text
    assert f"/deliverables/{item_id}/restore" in text
    # A hand-made update is refused, and the editor sends back to the page.
    refused = post_form(client, f"/deliverables/{item_id}", {"status": "done", "progress": "100", "version": "1"},
                        form_page="/settings")
    assert refused.status_code == 409
    assert client.get(f"/deliverables/{item_id}/edit").status_code == 302

    listed = client.get("/deliverables?archived=1&lang=en").get_data(as_text=True)
    assert "Archived deliverables" in listed and "Guía archivada" in listed
    assert "Guía archivada" not in client.get("/deliverables").get_data(as_text=True)

    response = post_form(client, f"/deliverables/{item_id}/restore", {}, form_page=f"/deliverables/{item_id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/deliverables/{item_id}")
    db.session.expire_all()
    assert db.session.get(Deliverable, item_id).archived_at is None
    assert "Guía archivada" in client.get("/deliverables").get_data(as_text=True)


@pytest.mark.parametrize("role", ["member", "lead"])
def test_members_and_leads_get_404_for_an_archived_deliverable(client, role):
    people = _people()
    item = factories.deliverable("ethics", owner=people["member"], archived_at=AT, title="Guía archivada")
    db.session.commit()
    login(client, people[role])
    assert client.get(f"/deliverables/{item.id}").status_code == 404
    assert client.get("/deliverables?archived=1").status_code == 403
    assert "Guía archivada" not in client.get("/groups/ethics").get_data(as_text=True)
    assert "Guía archivada" not in client.get("/").get_data(as_text=True)


# --- the database itself refuses -------------------------------------------------------------

def test_the_database_refuses_to_delete_a_deliverable_with_history(app):
    owner = factories.user(groups={"ethics": "member"})
    item = _with_history(owner)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.text("DELETE FROM deliverables WHERE id = :id"), {"id": item.id})
    db.session.rollback()
    assert _count(DeliverableUpdate, deliverable_id=item.id) == 1


def test_the_database_refuses_to_delete_a_group_with_deliverables(app):
    factories.deliverable("ethics")
    db.session.commit()
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.text("DELETE FROM working_groups WHERE slug = 'ethics'"))
    db.session.rollback()
