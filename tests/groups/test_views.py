"""Working group pages: the six groups in the page's language, one group, and managing its people."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from coalition.audit.models import AuditEntry
from coalition.extensions import db
from coalition.groups.models import GROUPS, GroupMembership, WorkingGroup
from tests import factories
from tests.conftest import login, post_form


def _page(response) -> str:
    return response.get_data(as_text=True)


def _viewer(client, **values):
    person = factories.user(**values)
    db.session.commit()
    login(client, person)
    return person


def _membership_id(user_id: int, slug: str) -> int:
    return db.session.execute(sa.select(GroupMembership.id).where(
        GroupMembership.user_id == user_id,
        GroupMembership.group_id == factories.group(slug).id)).scalar_one()


def _memberships(slug: str) -> dict[int, str]:
    db.session.expire_all()
    return dict(db.session.execute(
        sa.select(GroupMembership.user_id, GroupMembership.role)
        .where(GroupMembership.group_id == factories.group(slug).id)).all())


def _audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).where(~AuditEntry.action.like("auth.%"))
                                   .order_by(AuditEntry.id)))


# --- the list --------------------------------------------------------------------------------

def test_group_list_shows_the_six_groups_in_spanish_by_default(client):
    _viewer(client)
    response = client.get("/groups")
    assert response.status_code == 200
    page = _page(response)
    for slug, name_en, name_es in GROUPS:
        assert f'href="/groups/{slug}"' in page
        assert name_es in page, name_es
    assert "AI Ethics" not in page and "Mexicans Abroad" not in page


def test_group_list_shows_the_six_groups_in_english_when_asked(client):
    _viewer(client)
    page = _page(client.get("/groups?lang=en"))
    for slug, name_en, name_es in GROUPS:
        assert name_en in page, name_en
    assert "Ética de la IA" not in page and "Mexicanos en el Exterior" not in page


def test_group_list_shows_each_groups_progress(client):
    factories.deliverable("ethics", progress=40)
    factories.deliverable("ethics", progress=80)
    factories.deliverable("data", progress=30)
    _viewer(client)
    page = _page(client.get("/groups"))

    def progress_of(slug: str) -> str:
        card = page[page.index(f'href="/groups/{slug}"'):]
        return re.search(r'<progress[^>]*value="(\d+)"', card).group(1)

    assert progress_of("ethics") == "60"
    assert progress_of("data") == "30"
    assert progress_of("research") == "0"


def test_group_list_marks_my_groups(client):
    _viewer(client, groups={"research": "lead"})
    page = _page(client.get("/groups"))
    research = page[page.index('href="/groups/research"'):page.index('href="/groups/skills"')]
    ethics = page[page.index('href="/groups/ethics"'):page.index('href="/groups/governance"')]
    assert "badge" in research
    assert "badge" not in ethics


# --- one group -------------------------------------------------------------------------------

def test_group_page_shows_leads_institutions_people_deliverables_and_meetings(client):
    lead_inst = factories.institution(name="Universidad Líder", acronym="ULID")
    member_inst = factories.institution(name="Organización Miembro", acronym="OMIE", sector="civil_society")
    ethics = factories.group("ethics")
    ethics.lead_institutions = [lead_inst]
    factories.user(name="Laura Líder", groups={"ethics": "lead"}, institution_id=lead_inst.id)
    member = factories.user(name="Mario Miembro", groups={"ethics": "member"}, institution_id=member_inst.id)
    factories.user(name="Gloria Gobernanza", groups={"governance": "member"})
    factories.deliverable("ethics", owner=member, title="Guía de principios éticos", status="blocked", progress=35)
    factories.deliverable("governance", title="Entregable de otro grupo")
    factories.meeting("ethics", title="Sesión de arranque",
                      starts_at=datetime.now(timezone.utc) + timedelta(days=5))
    factories.meeting("ethics", title="Sesión pasada", status="held",
                      starts_at=datetime.now(timezone.utc) - timedelta(days=5))
    _viewer(client)
    response = client.get("/groups/ethics")
    assert response.status_code == 200
    page = _page(response)
    assert "Ética de la IA" in page
    assert f'href="/institutions/{lead_inst.id}">Universidad Líder</a>' in page
    assert f'href="/institutions/{member_inst.id}"' in page
    assert "Laura Líder" in page and "Mario Miembro" in page
    assert "Gloria Gobernanza" not in page
    # In the people section, leads are listed before members.
    people = page[page.index('id="people"'):]
    assert people.index("Laura Líder") < people.index("Mario Miembro")
    assert "Guía de principios éticos" in page
    assert "Entregable de otro grupo" not in page
    assert "badge-status-blocked" in page
    assert re.search(r"badge-health-(on_track|at_risk|off_track)", page)
    assert "Sesión de arranque" in page and "Sesión pasada" in page


def test_group_page_in_english(client):
    _viewer(client)
    page = _page(client.get("/groups/ethics?lang=en"))
    assert "AI Ethics" in page and "Ética de la IA" not in page
    assert '<html lang="en">' in page


def test_unknown_group_is_404(client):
    _viewer(client)
    assert client.get("/groups/nope").status_code == 404
    assert client.get("/groups/" + "x" * 300).status_code == 404


def test_members_do_not_see_the_management_forms(client):
    factories.user(groups={"ethics": "member"})
    _viewer(client, groups={"ethics": "member"})
    page = _page(client.get("/groups/ethics"))
    assert 'action="/groups/ethics/members"' not in page
    assert "/remove" not in page
    assert 'action="/groups/ethics/leads"' not in page


def test_a_lead_sees_the_member_forms_only_for_their_group(client):
    _viewer(client, groups={"ethics": "lead"})
    assert 'action="/groups/ethics/members"' in _page(client.get("/groups/ethics"))
    assert 'action="/groups/governance/members"' not in _page(client.get("/groups/governance"))
    assert 'action="/groups/ethics/leads"' not in _page(client.get("/groups/ethics"))


# --- memberships -----------------------------------------------------------------------------

def test_lead_adds_a_member_to_their_group(client):
    lead = _viewer(client, groups={"ethics": "lead"})
    person = factories.user(name="Nueva Integrante")
    db.session.commit()
    assert f'value="{person.id}"' in _page(client.get("/groups/ethics"))
    response = post_form(client, "/groups/ethics/members", {"user_id": str(person.id), "role": "member"},
                         form_page="/groups/ethics")
    assert response.status_code == 302
    assert _memberships("ethics")[person.id] == "member"
    entry = db.session.execute(sa.select(AuditEntry).where(~AuditEntry.action.like("auth.%"))).scalar_one()
    assert (entry.action, entry.actor_id) == ("membership.add", lead.id)
    assert "Nueva Integrante" in _page(client.get("/groups/ethics"))


def test_in_a_large_coalition_anyone_can_be_found_and_added(client):
    from coalition.auth.models import User

    _viewer(client, groups={"ethics": "lead"})
    db.session.execute(sa.insert(User), [{"email": f"a{n:03}@example.org", "name": f"Aaron {n:03}",
                                          "password_hash": "x", "session_token": f"t{n}"} for n in range(250)])
    late = factories.user(name="Zoila Última")
    db.session.commit()
    page = _page(client.get("/groups/ethics"))
    assert f'value="{late.id}"' not in page  # past the first 200 by name
    assert f'value="{late.id}"' in _page(client.get("/groups/ethics?person_q=zoila"))
    assert "Aaron 100" not in _page(client.get("/groups/ethics?person_q=100%25"))  # % is literal, not a wildcard
    assert "Aaron 100" in _page(client.get("/groups/ethics?person_q=aaron 100"))
    response = post_form(client, "/groups/ethics/members", {"user_id": str(late.id), "role": "member"},
                         form_page="/groups/ethics")
    assert response.status_code == 302 and _memberships("ethics")[late.id] == "member"


def test_lead_removes_a_member_of_their_group(client):
    lead = _viewer(client, groups={"ethics": "lead"})
    person = factories.user(name="Se Va", groups={"ethics": "member"})
    db.session.commit()
    membership_id = _membership_id(person.id, "ethics")
    response = post_form(client, f"/groups/ethics/members/{membership_id}/remove", {},
                         form_page="/groups/ethics")
    assert response.status_code == 302
    assert person.id not in _memberships("ethics")
    entry = db.session.execute(sa.select(AuditEntry).where(~AuditEntry.action.like("auth.%"))).scalar_one()
    assert (entry.action, entry.actor_id) == ("membership.remove", lead.id)
    assert lead.id in _memberships("ethics")


def test_lead_cannot_add_or_remove_members_of_another_group(client):
    _viewer(client, groups={"ethics": "lead"})
    person = factories.user()
    other = factories.user(groups={"governance": "member"})
    db.session.commit()
    membership_id = _membership_id(other.id, "governance")
    response = post_form(client, "/groups/governance/members", {"user_id": str(person.id), "role": "member"},
                         form_page="/groups/governance")
    assert response.status_code == 403
    response = post_form(client, f"/groups/governance/members/{membership_id}/remove", {},
                         form_page="/groups/governance")
    assert response.status_code == 403
    # Nor through their own group's address.
    response = post_form(client, f"/groups/ethics/members/{membership_id}/remove", {},
                         form_page="/groups/ethics")
    assert response.status_code == 404
    assert _memberships("governance") == {other.id: "member"}
    assert _audit_actions() == []


def test_adding_nobody_shows_an_error_beside_the_person_field(client):
    _viewer(client, groups={"ethics": "lead"})
    before = _memberships("ethics")
    for user_id in ("0", "999999", "abc", ""):
        response = post_form(client, "/groups/ethics/members", {"user_id": user_id, "role": "member"},
                             form_page="/groups/ethics")
        assert response.status_code == 422, user_id
        assert re.search(r'<div id="user_id-error"', _page(response)), user_id
    assert _memberships("ethics") == before
    assert _audit_actions() == []


def test_coordinator_sets_lead_institutions(client):
    coordinator = _viewer(client, role="coordinator")
    a = factories.institution(name="Primera Líder")
    b = factories.institution(name="Segunda Líder")
    db.session.commit()
    response = post_form(client, "/groups/ethics/leads", {"institution_ids": [str(a.id), str(b.id)]},
                         form_page="/groups/ethics")
    assert response.status_code == 302
    db.session.expire_all()
    assert [i.name for i in db.session.execute(
        sa.select(WorkingGroup).where(WorkingGroup.slug == "ethics")).scalar_one().lead_institutions] == [
        "Primera Líder", "Segunda Líder"]
    entry = db.session.execute(sa.select(AuditEntry).where(~AuditEntry.action.like("auth.%"))).scalar_one()
    assert (entry.action, entry.actor_id) == ("group.lead_institutions", coordinator.id)
    page = _page(client.get("/groups/ethics"))
    assert f'href="/institutions/{a.id}">Primera Líder</a>' in page


def test_lead_cannot_set_lead_institutions(client):
    _viewer(client, groups={"ethics": "lead"})
    inst = factories.institution()
    db.session.commit()
    response = post_form(client, "/groups/ethics/leads", {"institution_ids": str(inst.id)},
                         form_page="/groups/ethics")
    assert response.status_code == 403
    db.session.expire_all()
    assert factories.group("ethics").lead_institutions == []
