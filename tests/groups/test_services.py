"""Working groups: their summaries and progress, memberships and lead institutions."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from coalition.audit.models import AuditEntry
from coalition.errors import NotAuthenticated, NotFound, PermissionDenied, ValidationError
from coalition.extensions import db
from coalition.groups import services
from coalition.groups.models import GroupMembership
from tests import factories

SLUGS = ["ethics", "governance", "research", "skills", "data", "abroad"]


def _memberships(slug: str) -> dict[int, str]:
    return dict(db.session.execute(
        sa.select(GroupMembership.user_id, GroupMembership.role)
        .where(GroupMembership.group_id == factories.group(slug).id)).all())


def _actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_list_groups_gives_the_six_groups_in_order(app):
    viewer = factories.user()
    summaries = services.list_groups(viewer)
    assert [s.group.slug for s in summaries] == SLUGS
    assert {s.group.name_es for s in summaries} >= {"Ética de la IA", "Mexicanos en el Exterior"}
    assert all(s.progress == 0 and s.deliverables == 0 for s in summaries)


def test_group_progress_is_the_average_of_its_deliverables(app):
    viewer = factories.user(groups={"ethics": "lead"})
    factories.deliverable("ethics", progress=40)
    factories.deliverable("ethics", progress=80)
    factories.deliverable("data", progress=100)
    summaries = {s.group.slug: s for s in services.list_groups(viewer)}
    assert (summaries["ethics"].progress, summaries["ethics"].deliverables) == (60, 2)
    assert (summaries["data"].progress, summaries["data"].deliverables) == (100, 1)
    assert summaries["research"].progress == 0
    assert summaries["ethics"].my_role == "lead" and summaries["data"].my_role is None
    # Two deliverable owners plus the lead are in ethics.
    assert summaries["ethics"].members == 3


def test_get_group_by_slug(app):
    viewer = factories.user()
    assert services.get_group(viewer, "ethics").name_en == "AI Ethics"
    for bad in ("nope", "", "x" * 500, None, 5):
        with pytest.raises(NotFound):
            services.get_group(viewer, bad)
    with pytest.raises(NotAuthenticated):
        services.get_group(None, "ethics")


def test_memberships_list_leads_first_then_by_name(app):
    factories.user(name="Zoe", groups={"ethics": "member"})
    factories.user(name="Ana", groups={"ethics": "member"})
    factories.user(name="Memo", groups={"ethics": "lead"})
    factories.user(name="Otra", groups={"data": "member"})
    names = [m.user.name for m in services.memberships(factories.group("ethics"))]
    assert names == ["Memo", "Ana", "Zoe"]


def test_member_institutions_count_their_people(app):
    uni = factories.institution(name="Universidad A")
    ong = factories.institution(name="Organización B")
    factories.user(groups={"ethics": "member"}, institution_id=uni.id)
    factories.user(groups={"ethics": "lead"}, institution_id=uni.id)
    factories.user(groups={"ethics": "member"}, institution_id=ong.id)
    factories.user(groups={"data": "member"}, institution_id=ong.id)
    factories.user(groups={"ethics": "member"})
    result = [(inst.name, count) for inst, count in services.member_institutions(factories.group("ethics"))]
    assert result == [("Organización B", 1), ("Universidad A", 2)]


def test_lead_adds_a_member_to_their_group_with_an_audit_entry(app):
    lead = factories.user(groups={"ethics": "lead"})
    person = factories.user()
    membership = services.add_member(lead, factories.group("ethics"), person.id)
    db.session.commit()
    assert membership.role == "member"
    assert _memberships("ethics")[person.id] == "member"
    entry = db.session.execute(sa.select(AuditEntry)).scalar_one()
    assert (entry.action, entry.actor_id) == ("membership.add", lead.id)
    assert entry.changes == {"group": "ethics", "user_id": person.id, "role": "member"}


def test_adding_someone_already_in_the_group_changes_their_role(app):
    coordinator = factories.user(role="coordinator")
    person = factories.user(groups={"ethics": "member"})
    services.add_member(coordinator, factories.group("ethics"), person.id, "lead")
    services.add_member(coordinator, factories.group("ethics"), person.id, "lead")
    db.session.commit()
    assert _memberships("ethics")[person.id] == "lead"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GroupMembership).where(
        GroupMembership.user_id == person.id)) == 1
    assert _actions() == ["membership.role"]


def test_the_new_member_can_post_updates_at_once(app):
    from coalition.deliverables import permissions as deliverable_permissions

    lead = factories.user(groups={"ethics": "lead"})
    person = factories.user()
    assert not deliverable_permissions.can_post_update(person, factories.group("ethics").id)
    services.add_member(lead, factories.group("ethics"), person.id)
    assert deliverable_permissions.can_post_update(person, factories.group("ethics").id)


@pytest.mark.parametrize("user_id", [999999, 0, -1, None, "1", True, 2**40])
def test_adding_an_unknown_person_names_the_field(app, user_id):
    lead = factories.user(groups={"ethics": "lead"})
    with pytest.raises(ValidationError) as caught:
        services.add_member(lead, factories.group("ethics"), user_id)
    assert "user_id" in caught.value.fields


def test_adding_a_deactivated_person_or_a_bad_role_is_refused(app):
    lead = factories.user(groups={"ethics": "lead"})
    gone = factories.user(active=False)
    person = factories.user()
    with pytest.raises(ValidationError) as caught:
        services.add_member(lead, factories.group("ethics"), gone.id)
    assert "user_id" in caught.value.fields
    with pytest.raises(ValidationError) as caught:
        services.add_member(lead, factories.group("ethics"), person.id, "owner")
    assert "role" in caught.value.fields
    assert person.id not in _memberships("ethics")


def test_lead_removes_a_member_of_their_group_with_an_audit_entry(app):
    lead = factories.user(groups={"ethics": "lead"})
    person = factories.user(groups={"ethics": "member"})
    membership_id = db.session.execute(sa.select(GroupMembership.id).where(
        GroupMembership.user_id == person.id)).scalar_one()
    services.remove_member(lead, factories.group("ethics"), membership_id)
    db.session.commit()
    assert person.id not in _memberships("ethics")
    entry = db.session.execute(sa.select(AuditEntry)).scalar_one()
    assert (entry.action, entry.actor_id, entry.changes["user_id"]) == ("membership.remove", lead.id, person.id)


def test_lead_cannot_manage_another_groups_members(app):
    lead = factories.user(groups={"ethics": "lead"})
    person = factories.user()
    other = factories.user(groups={"governance": "member"})
    membership_id = db.session.execute(sa.select(GroupMembership.id).where(
        GroupMembership.user_id == other.id)).scalar_one()
    with pytest.raises(PermissionDenied):
        services.add_member(lead, factories.group("governance"), person.id)
    with pytest.raises(PermissionDenied):
        services.remove_member(lead, factories.group("governance"), membership_id)
    assert _memberships("governance") == {other.id: "member"}
    assert _actions() == []


def test_a_membership_is_removed_only_through_its_own_group(app):
    lead = factories.user(groups={"ethics": "lead"})
    other = factories.user(groups={"governance": "member"})
    membership_id = db.session.execute(sa.select(GroupMembership.id).where(
        GroupMembership.user_id == other.id)).scalar_one()
    with pytest.raises(NotFound):
        services.remove_member(lead, factories.group("ethics"), membership_id)
    with pytest.raises(NotFound):
        services.remove_member(lead, factories.group("ethics"), 999999)
    assert _memberships("governance") == {other.id: "member"}


def test_members_cannot_manage_memberships(app):
    member = factories.user(groups={"ethics": "member"})
    person = factories.user()
    with pytest.raises(PermissionDenied):
        services.add_member(member, factories.group("ethics"), person.id)


def test_coordinator_sets_lead_institutions_with_an_audit_entry(app):
    coordinator = factories.user(role="coordinator")
    a = factories.institution(name="A Lead")
    b = factories.institution(name="B Lead")
    ethics = factories.group("ethics")
    services.set_lead_institutions(coordinator, ethics, [b.id, a.id, a.id])
    db.session.commit()
    assert [i.name for i in ethics.lead_institutions] == ["A Lead", "B Lead"]
    services.set_lead_institutions(coordinator, ethics, [b.id])
    db.session.commit()
    db.session.expire_all()
    assert [i.name for i in factories.group("ethics").lead_institutions] == ["B Lead"]
    entries = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["group.lead_institutions"] * 2
    assert entries[1].changes["institution_ids"] == [sorted([a.id, b.id]), [b.id]]


def test_lead_institutions_refuse_unknown_ids_and_non_coordinators(app):
    coordinator = factories.user(role="coordinator")
    lead = factories.user(groups={"ethics": "lead"})
    inst = factories.institution()
    with pytest.raises(ValidationError) as caught:
        services.set_lead_institutions(coordinator, factories.group("ethics"), [inst.id, 999999])
    assert "institution_ids" in caught.value.fields
    with pytest.raises(PermissionDenied):
        services.set_lead_institutions(lead, factories.group("ethics"), [inst.id])
    assert factories.group("ethics").lead_institutions == []


def test_candidates_are_active_people_not_yet_in_the_group(app):
    inside = factories.user(groups={"ethics": "member"})
    outside = factories.user(name="Fuera")
    gone = factories.user(active=False)
    ids = {u.id for u in services.candidates_for(factories.group("ethics"))}
    assert outside.id in ids
    assert inside.id not in ids and gone.id not in ids
