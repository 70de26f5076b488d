"""People from spreadsheets: accounts, roles, groups, invitations, and who may do what."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from coalition.auth.models import Invitation, User
from coalition.errors import PermissionDenied
from coalition.extensions import db
from coalition.groups.models import GroupMembership
from coalition.imports import services
from coalition.notifications.models import OutboxMessage
from tests import factories
from tests.imports.helpers import csv_bytes

HEADER = ["email", "name", "institution", "role", "groups", "language"]


def _person(email: str) -> User:
    db.session.expire_all()
    return db.session.execute(sa.select(User).where(User.email == email)).scalar_one()


def _groups(user: User) -> dict[str, str]:
    rows = db.session.execute(sa.select(GroupMembership).where(GroupMembership.user_id == user.id)).scalars()
    return {m.group.slug: m.role for m in rows}


def _import(actor, data: bytes, **options):
    result = services.apply("people", actor, data, "personas.csv", options)
    db.session.commit()
    return result


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_new_people_get_accounts_institutions_and_groups(app):
    factories.institution(name="Universidad de Guadalajara", acronym="UDG")
    coordinator = factories.user(role="coordinator")
    db.session.commit()
    rows = [["Correo electrónico", "Nombre", "Institución", "Rol", "Grupos", "Idioma"],
            ["Ana.Lopez@Example.MX", "Ana López", "udg", "miembro", "ethics; lead:data", "español"],
            ["bruno@example.mx", "Bruno Díaz", "Universidad de Guadalajara", "", "Ética de la IA", "en"]]
    result = _import(coordinator, csv_bytes(rows, "cp1252", ";"))
    assert result.counts["create"] == 2
    ana = _person("ana.lopez@example.mx")
    assert (ana.name, ana.institution.acronym, ana.role, ana.language, ana.password_hash) == (
        "Ana López", "UDG", "member", "es", None)
    assert _groups(ana) == {"ethics": "member", "data": "lead"}
    assert _groups(_person("bruno@example.mx")) == {"ethics": "member"}


def test_importing_the_same_people_twice_changes_nothing(app):
    admin = factories.user(role="admin")
    db.session.commit()
    data = csv_bytes([HEADER, ["c@example.mx", "Carla", "", "coordinator", "lead:skills", "es"]])
    _import(admin, data)
    again = _import(admin, data)
    assert again.counts == {"create": 0, "update": 0, "unchanged": 1, "error": 0}


def test_the_groups_column_is_what_the_person_has_after_the_import(app):
    admin = factories.user(role="admin")
    person = factories.user(groups={"ethics": "member", "data": "member"})
    db.session.commit()
    result = _import(admin, csv_bytes([["email", "groups"], [person.email.upper(), "lead:ethics; research"]]))
    assert result.rows[0].changes == {"groups": ["ethics; data", "lead:ethics; research"]}
    assert _groups(person) == {"ethics": "lead", "research": "member"}


def test_a_coordinator_cannot_give_the_admin_role_or_change_an_existing_persons_role(app):
    coordinator = factories.user(role="coordinator")
    member = factories.user()
    db.session.commit()
    rows = [HEADER, ["nueva@example.mx", "Nueva", "", "admin", "", "es"],
            [member.email, member.name, "", "coordinator", "", "es"],
            ["otra@example.mx", "Otra", "", "member", "ethics", ""]]
    with pytest.raises(services.ImportRefused) as refused:
        services.apply("people", coordinator, csv_bytes(rows), "p.csv")
    db.session.rollback()
    errors = {row.line: row.messages for row in refused.value.preview.errors}
    assert errors[2][0][0] == "D (role)" and "administradoras" in errors[2][0][1]
    assert errors[3][0][0] == "D (role)"
    assert 4 not in errors


def test_a_member_may_not_import_people(app):
    member = factories.user()
    db.session.commit()
    with pytest.raises(PermissionDenied):
        services.preview("people", member, csv_bytes([HEADER]))


def test_unknown_groups_institutions_and_bad_emails_are_named(app):
    admin = factories.user(role="admin")
    db.session.commit()
    rows = [HEADER, ["no-es-un-correo", "X", "", "", "", ""],
            ["y@example.mx", "Y", "Instituto Fantasma", "", "ethics; cocina", ""]]
    result = services.preview("people", admin, csv_bytes(rows))
    assert result.rows[0].messages[0][0] == "A (email)"
    assert {column for column, _ in result.rows[1].messages} == {"C (institution)", "E (groups)"}


def test_invitations_go_once_to_each_new_person_and_set_the_password_of_their_account(app, client):
    admin = factories.user(role="admin")
    known = factories.user()
    db.session.commit()
    data = csv_bytes([HEADER, ["nuevo@example.mx", "Nuevo", "", "", "ethics", ""],
                      [known.email, known.name, "", "", "", ""]])
    _import(admin, data, invite=True)
    _import(admin, data, invite=True)
    messages = db.session.execute(sa.select(OutboxMessage)).scalars().all()
    assert [(m.kind, m.recipient) for m in messages] == [("join-invitation", "nuevo@example.mx")]
    assert _count(Invitation) == 1
    link = next(line for line in messages[0].text_body.splitlines() if "/invitations/" in line).strip()
    token = link.rsplit("/", 1)[1]
    from coalition.auth.services import accept_invitation

    user = accept_invitation(token, name="Nuevo Nombre", password="una frase larga y nueva")
    db.session.commit()
    assert user.id == _person("nuevo@example.mx").id and user.password_hash
    assert _groups(user) == {"ethics": "member"}


def test_people_export_then_import_round_trips_exactly(app):
    admin = factories.user(role="admin", name="Zoe Admin")
    institution = factories.institution(name="Centro =Raro", acronym="CR")
    factories.user(name="-Guion", groups={"ethics": "lead", "abroad": "member"}, institution_id=institution.id,
                   language="en")
    db.session.commit()
    before = services.export("people", admin)
    assert "'-Guion" in before and "'=Raro" not in before.split("\n")[0]
    result = _import(admin, before.encode("utf-8"))
    assert result.counts["create"] == 0 and result.counts["update"] == 0 and result.counts["error"] == 0
    assert services.export("people", admin) == before
