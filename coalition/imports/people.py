"""People from a spreadsheet: one row per person, found by email (case ignored).

A new person gets an account without a password; with invitations on, each new person gets one
join invitation, whose link sets their password on that account. Coordinators add people as
members and set anyone's working groups; only administrators give or change the coordinator and
administrator roles or change an existing person's name, institution or language (SPEC's Roles).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from coalition.auth import permissions as auth_permissions
from coalition.auth import services as auth_services
from coalition.auth.models import LANGUAGES, ROLES, User
from coalition.auth.permissions import require, require_actor
from coalition.database import coalition_today, utcnow
from coalition.errors import ValidationError
from coalition.extensions import db
from coalition.groups.models import GroupMembership, WorkingGroup
from coalition.imports import vocabulary
from coalition.imports.services import Row, audit_rows, insert_many, register
from coalition.institutions.models import Institution

COLUMNS = {
    "email": ("correo", "correo electronico", "e-mail", "mail", "email address"),
    "name": ("nombre", "nombre completo", "full name"),
    "institution": ("institucion", "organizacion", "organization"),
    "role": ("rol", "coalition role", "rol en la coalicion"),
    "groups": ("grupos", "grupos de trabajo", "working groups"),
    "language": ("idioma", "lengua", "lang"),
}
EXPORTED = tuple(COLUMNS)
ROLE_NAMES = {"admin": ("administrator", "administrador", "administradora", "administración"),
              "coordinator": ("coordinador", "coordinadora", "coordinación"),
              "member": ("miembro", "integrante", "participante")}
LANGUAGE_NAMES = {"es": ("español", "spanish", "castellano", "es-mx"), "en": ("english", "inglés", "en-us")}
LEAD_PREFIXES = ("lead", "lider", "leader")
MEMBER_PREFIXES = ("member", "miembro")


def format_groups(groups: dict[int, str], slugs: dict[int, str], order: dict[int, int]) -> str:
    """`ethics; lead:data`: the group slugs in the groups' order, `lead:` before a group the person leads."""
    return "; ".join(("lead:" if groups[g] == "lead" else "") + slugs[g] for g in sorted(groups, key=order.get))


@dataclass
class Context:
    actor: object
    may_manage_people: bool
    people: dict                    # email → snapshot of the account
    memberships: dict               # user id → {group id: (membership id, role)}
    institutions: vocabulary.Vocabulary
    institution_names: dict         # id → name
    groups: vocabulary.Vocabulary
    slugs: dict                     # group id → slug
    order: dict                     # group id → position
    roles: vocabulary.Vocabulary = field(default_factory=lambda: vocabulary.Vocabulary(ROLE_NAMES))
    languages: vocabulary.Vocabulary = field(default_factory=lambda: vocabulary.Vocabulary(LANGUAGE_NAMES))


class PeopleImport:
    name = "people"
    columns = COLUMNS
    required = ("email",)
    key = "email"
    audit_action = "user.import"

    def authorize(self, actor, options: dict) -> None:
        if actor is not None:  # None is the command line
            require_actor(actor)
            require(actor.is_coordinator)

    def start(self, actor, sheet, options: dict) -> Context:
        people = {row.email: SimpleNamespace(**row._mapping) for row in db.session.execute(sa.select(
            User.id, User.email, User.name, User.role, User.institution_id, User.language, User.active))}
        memberships: dict = {}
        for membership_id, user_id, group_id, role in db.session.execute(sa.select(
                GroupMembership.id, GroupMembership.user_id, GroupMembership.group_id, GroupMembership.role)):
            memberships.setdefault(user_id, {})[group_id] = (membership_id, role)
        names: dict = {}
        institution_names = {}
        for institution_id, name, acronym in db.session.execute(
                sa.select(Institution.id, Institution.name, Institution.acronym)):
            names.setdefault(institution_id, []).extend([name] + ([acronym] if acronym else []))
            institution_names[institution_id] = name
        groups = db.session.execute(sa.select(WorkingGroup.id, WorkingGroup.slug, WorkingGroup.name_en,
                                              WorkingGroup.name_es, WorkingGroup.position)).all()
        return Context(
            actor=actor,
            may_manage_people=actor is None or auth_permissions.can_manage_users(actor),
            people=people, memberships=memberships,
            institutions=vocabulary.Vocabulary(names, include_key=False), institution_names=institution_names,
            groups=vocabulary.Vocabulary({g.id: (g.slug, g.name_en, g.name_es) for g in groups}, include_key=False),
            slugs={g.id: g.slug for g in groups}, order={g.id: (g.position, g.id) for g in groups})

    def _groups(self, context: Context, text: str) -> tuple[dict[int, str], list[str]]:
        wanted: dict[int, str] = {}
        errors = []
        for part in text.replace(",", ";").split(";"):
            part = part.strip()
            if not part:
                continue
            role = "member"
            prefix, colon, rest = part.partition(":")
            if colon:
                if vocabulary.fold(prefix) in LEAD_PREFIXES:
                    role = "lead"
                elif vocabulary.fold(prefix) not in MEMBER_PREFIXES:
                    errors.append(str(_l("“%(value)s”: write lead: before a group's slug for a lead.", value=part)))
                    continue
                part = rest.strip()
            group_id = context.groups.find(part)
            if group_id is None:
                errors.append(str(_l("“%(value)s” is not a working group. Use the slugs: %(slugs)s.", value=part,
                                     slugs=", ".join(context.slugs[g] for g in sorted(context.slugs,
                                                                                      key=context.order.get)))))
                continue
            if wanted.get(group_id) != "lead":
                wanted[group_id] = role
        return wanted, errors

    def check(self, context: Context, values: dict[str, str]) -> Row:
        errors: dict = {}
        try:
            email = auth_services.normalise_email(values.get("email", ""))
        except ValidationError as error:
            return Row(key="", errors=dict(error.fields))
        current = context.people.get(email)
        target: dict = {}
        if "name" in values or current is None:
            name = " ".join(values.get("name", "").split())
            if not name or len(name) > auth_services.NAME_MAX:
                errors["name"] = [_l("Give a name of at most %(n)s characters.", n=auth_services.NAME_MAX)]
            target["name"] = name
        if "institution" in values:
            text = values["institution"]
            found = context.institutions.find(text) if text else None
            if text and found is None:
                errors["institution"] = [
                    _l("“%(value)s” names more than one institution: write its full name.", value=text)
                    if context.institutions.is_ambiguous(text) else
                    _l("No institution is named “%(value)s” (by name or acronym).", value=text)]
            target["institution_id"] = found
        for column, words, allowed, default in (("role", context.roles, ROLES, "member"),
                                                ("language", context.languages, LANGUAGES, "es")):
            text = values.get(column, "")
            if text:
                found = words.find(text)
                if found not in allowed:
                    errors[column] = [_l("Choose admin, coordinator or member.") if column == "role"
                                      else _l("Choose Spanish or English.")]
                target[column] = found
            elif current is None:
                target[column] = default
        groups = None
        if "groups" in values:
            groups, problems = self._groups(context, values["groups"])
            if problems:
                errors["groups"] = problems
        if current is not None and not current.active:
            errors["email"] = [_l("This person's account is deactivated; an administrator can reactivate it.")]
        if errors:
            return Row(key=email, errors=errors)

        if current is None:
            if target["role"] != "member" and not context.may_manage_people:
                errors["role"] = [_l("Only administrators can give the coordinator or administrator role.")]
                return Row(key=email, errors=errors)
            changes = {"name": [None, target["name"]], "role": [None, target["role"]],
                       "language": [None, target["language"]]}
            if target.get("institution_id"):
                changes["institution"] = [None, context.institution_names[target["institution_id"]]]
            if groups:
                changes["groups"] = [None, format_groups(groups, context.slugs, context.order)]
            return Row(key=email, outcome="create", changes=changes,
                       plan={"email": email, **target, "groups": groups or {}})

        changes: dict = {}
        for column, value in target.items():
            before = getattr(current, column)
            if before != value:
                shown = "institution" if column == "institution_id" else column
                if column == "institution_id":
                    before, value = context.institution_names.get(before), context.institution_names.get(value)
                changes[shown] = [before, value]
        if changes and not context.may_manage_people:
            for column in changes:
                errors[column] = [_l("Only administrators can change an existing person's name, role, "
                                     "institution or language.")]
        if "role" in changes and context.actor is not None and current.id == context.actor.id:
            errors["role"] = [_l("You cannot remove your own administrator access.")]
        if errors:
            return Row(key=email, errors=errors)
        had = {g: role for g, (_, role) in context.memberships.get(current.id, {}).items()}
        if groups is not None and groups != had:
            changes["groups"] = [format_groups(had, context.slugs, context.order),
                                 format_groups(groups, context.slugs, context.order)]
        return Row(key=email, outcome="update", changes=changes,
                   plan={"id": current.id, **target, "groups": groups})

    def write(self, actor, context: Context, rows: list[Row], entry, options: dict) -> None:
        now = utcnow()
        today = coalition_today()
        logged: list[dict] = []
        creates = [row.plan for row in rows if row.outcome == "create"]
        updates = [row for row in rows if row.outcome == "update"]
        new_ids: list[int] = []
        if creates:
            new_ids = insert_many(User, [
                {"email": p["email"], "name": p["name"], "role": p["role"], "language": p["language"],
                 "institution_id": p.get("institution_id"), "created_at": now} for p in creates],
                lambda row: (row["email"],), (User.email,))
            logged += [{"action": "user.create", "subject_type": "users", "subject_id": i,
                        "changes": {"email": p["email"], "role": p["role"], "import": entry.id}}
                       for i, p in zip(new_ids, creates)]
        person_changes = [row for row in updates if set(row.changes) - {"groups"}]
        if person_changes:
            db.session.execute(sa.update(User), [
                {"id": row.plan["id"], **{k: v for k, v in row.plan.items() if k not in ("id", "groups")}}
                for row in person_changes])
            logged += [{"action": "user.manage", "subject_type": "users", "subject_id": row.plan["id"],
                        "changes": {**{k: v for k, v in row.changes.items() if k != "groups"}, "import": entry.id}}
                       for row in person_changes]
        # Memberships: what each person should have, against what they have.
        added, promoted, removed = [], [], []
        wanted = [(i, p["groups"]) for i, p in zip(new_ids, creates)] + \
                 [(row.plan["id"], row.plan["groups"]) for row in updates if "groups" in row.changes]
        for user_id, groups in wanted:
            had = context.memberships.get(user_id, {})
            for group_id, role in groups.items():
                if group_id not in had:
                    added.append({"group_id": group_id, "user_id": user_id, "role": role, "since": today,
                                  "created_at": now})
                elif had[group_id][1] != role:
                    promoted.append((had[group_id][0], group_id, user_id, had[group_id][1], role))
            removed += [(membership_id, group_id, user_id, role) for group_id, (membership_id, role) in had.items()
                        if group_id not in groups]
        if added:
            ids = insert_many(GroupMembership, added, lambda row: (row["group_id"], row["user_id"]),
                              (GroupMembership.group_id, GroupMembership.user_id))
            logged += [{"action": "membership.add", "subject_type": "group_memberships", "subject_id": i,
                        "changes": {"group": context.slugs[m["group_id"]], "user_id": m["user_id"],
                                    "role": m["role"], "import": entry.id}} for i, m in zip(ids, added)]
        if promoted:
            db.session.execute(sa.update(GroupMembership), [{"id": m, "role": new} for m, _, _, _, new in promoted])
            logged += [{"action": "membership.role", "subject_type": "group_memberships", "subject_id": m,
                        "changes": {"group": context.slugs[g], "user_id": u, "role": [old, new], "import": entry.id}}
                       for m, g, u, old, new in promoted]
        if removed:
            db.session.execute(sa.delete(GroupMembership).where(GroupMembership.id.in_([r[0] for r in removed])))
            logged += [{"action": "membership.remove", "subject_type": "group_memberships", "subject_id": m,
                        "changes": {"group": context.slugs[g], "user_id": u, "role": role, "import": entry.id}}
                       for m, g, u, role in removed]
        audit_rows(actor, logged)
        if options.get("invite") and new_ids:
            auth_services.invite_accounts(actor, new_ids)

    def export(self, actor) -> tuple[list[str], list[list]]:
        self.authorize(actor, {})
        context = self.start(actor, SimpleNamespace(columns=[]), {})
        rows = []
        for person in sorted((p for p in context.people.values() if p.active), key=lambda p: (p.name, p.id)):
            groups = {g: role for g, (_, role) in context.memberships.get(person.id, {}).items()}
            rows.append([person.email, person.name, context.institution_names.get(person.institution_id, ""),
                         person.role, format_groups(groups, context.slugs, context.order), person.language])
        return list(EXPORTED), rows


register(PeopleImport())
