"""Working groups: read them with their progress, and manage memberships and lead institutions."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from coalition.audit import services as audit
from coalition.auth.models import User
from coalition.auth.permissions import require, require_actor
from coalition.deliverables.models import Deliverable
from coalition.database import DuplicateKey, coalition_today, contains_pattern, unique_key
from coalition.errors import Conflict, NotFound, ValidationError
from coalition.extensions import db
from coalition.groups import permissions
from coalition.groups.models import (
    MEMBERSHIP_ROLES, SLUG_MAX, GroupMembership, WorkingGroup, group_lead_institutions)
from coalition.institutions.models import Institution
from coalition.validation import is_id


@dataclass
class GroupSummary:
    group: WorkingGroup
    progress: int
    deliverables: int
    members: int
    my_role: str | None = None
    status_counts: dict = field(default_factory=dict)


def progress_by_group() -> dict[int, tuple[int, int]]:
    """Map group id to (average deliverable progress, number of deliverables), in one query.

    Every page with the groups' bars needs it, and at 100,000 deliverables it reads them all:
    so it is kept in the dashboards' exact cache (recomputed after any change to deliverables).
    """
    from coalition.dashboards import cache

    return cache.cached(("progress_by_group",), _progress_by_group)


def _progress_by_group() -> dict[int, tuple[int, int]]:
    rows = db.session.execute(
        sa.select(Deliverable.group_id, sa.func.avg(Deliverable.progress), sa.func.count())
        .where(Deliverable.archived_at.is_(None))
        .group_by(Deliverable.group_id)
    ).all()
    return {group_id: (round(float(avg or 0)), count) for group_id, avg, count in rows}


def list_groups(actor) -> list[GroupSummary]:
    require_actor(actor)
    groups = list(db.session.execute(
        sa.select(WorkingGroup).options(selectinload(WorkingGroup.lead_institutions))
        .order_by(WorkingGroup.position, WorkingGroup.id)
    ).scalars())
    progress = progress_by_group()
    members = dict(db.session.execute(
        sa.select(GroupMembership.group_id, sa.func.count()).group_by(GroupMembership.group_id)
    ).all())
    roles = actor.group_roles()
    return [GroupSummary(group=g, progress=progress.get(g.id, (0, 0))[0],
                         deliverables=progress.get(g.id, (0, 0))[1], members=members.get(g.id, 0),
                         my_role=roles.get(g.id)) for g in groups]


def get_group(actor, slug: str) -> WorkingGroup:
    require_actor(actor)
    if not isinstance(slug, str) or len(slug) > SLUG_MAX:
        raise NotFound()
    group = db.session.execute(
        sa.select(WorkingGroup).where(WorkingGroup.slug == slug)
        .options(selectinload(WorkingGroup.lead_institutions))
    ).scalar_one_or_none()
    if group is None:
        raise NotFound()
    require(permissions.can_view_group(actor, group.id))
    return group


def memberships(group: WorkingGroup) -> list[GroupMembership]:
    """The group's members with their people and institutions, leads first."""
    return list(db.session.execute(
        sa.select(GroupMembership).where(GroupMembership.group_id == group.id)
        .join(User, User.id == GroupMembership.user_id)
        .options(joinedload(GroupMembership.user).joinedload(User.institution))
        .order_by(sa.case((GroupMembership.role == "lead", 0), else_=1), User.name)
    ).scalars())


def member_institutions(group: WorkingGroup) -> list[tuple[Institution, int]]:
    """Institutions whose people belong to the group, with how many of them."""
    return [(inst, count) for inst, count in db.session.execute(
        sa.select(Institution, sa.func.count(GroupMembership.id))
        .join(User, User.institution_id == Institution.id)
        .join(GroupMembership, GroupMembership.user_id == User.id)
        .where(GroupMembership.group_id == group.id)
        .group_by(Institution.id)
        .order_by(Institution.name)
    ).all()]


def _get_user(user_id) -> User:
    if not is_id(user_id):
        raise ValidationError(fields={"user_id": [_l("Choose a person.")]})
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        raise ValidationError(fields={"user_id": [_l("No active person has that id.")]})
    return user


def _membership(group: WorkingGroup, user: User) -> GroupMembership | None:
    return db.session.execute(
        sa.select(GroupMembership).where(GroupMembership.group_id == group.id,
                                         GroupMembership.user_id == user.id)
    ).scalar_one_or_none()


def add_member(actor, group: WorkingGroup, user_id: int, role: str = "member",
               since: date | None = None) -> GroupMembership:
    """Add a person to the group, or change their role if they are already in it."""
    require_actor(actor)
    require(permissions.can_manage_memberships(actor, group.id))
    if role not in MEMBERSHIP_ROLES:
        raise ValidationError(fields={"role": [_l("Choose lead or member.")]})
    user = _get_user(user_id)
    membership = _membership(group, user)
    if membership is None:
        membership = GroupMembership(group_id=group.id, user_id=user.id, role=role,
                                     since=since or coalition_today())
        try:
            with unique_key(GroupMembership.group_id, GroupMembership.user_id):
                db.session.add(membership)
        except DuplicateKey:
            # Added by another request at the same moment: the person is in the group, as asked.
            membership = _membership(group, user)
            if membership is None:  # …and removed again since
                raise Conflict() from None
        else:
            audit.record(actor, "membership.add", membership,
                         {"group": group.slug, "user_id": user.id, "role": role})
    if membership.role != role:
        audit.record(actor, "membership.role", membership,
                     {"group": group.slug, "user_id": user.id, "role": [membership.role, role]})
        membership.role = role
    user.forget_group_roles()
    db.session.flush()
    return membership


def remove_member(actor, group: WorkingGroup, membership_id: int) -> None:
    require_actor(actor)
    require(permissions.can_manage_memberships(actor, group.id))
    # Locked, so two clicks at once remove the person once (the second finds nothing: 404).
    membership = db.session.get(GroupMembership, membership_id, with_for_update=True) if is_id(membership_id) \
        else None
    if membership is None or membership.group_id != group.id:
        raise NotFound()
    audit.record(actor, "membership.remove", membership,
                 {"group": group.slug, "user_id": membership.user_id, "role": membership.role})
    db.session.delete(membership)
    db.session.flush()


def set_lead_institutions(actor, group: WorkingGroup, institution_ids) -> None:
    require_actor(actor)
    require(permissions.can_manage_lead_institutions(actor))
    ids = sorted(set(institution_ids or []))
    institutions = list(db.session.execute(
        sa.select(Institution).where(Institution.id.in_(ids))).scalars()) if ids else []
    if len(institutions) != len(ids):
        raise ValidationError(fields={"institution_ids": [_l("Unknown institution.")]})
    # Two coordinators saving at once: the second waits for the first and builds on what it saved.
    db.session.execute(sa.select(WorkingGroup.id).where(WorkingGroup.id == group.id).with_for_update())
    db.session.refresh(group, ["lead_institutions"])
    before = sorted(i.id for i in group.lead_institutions)
    if before != ids:
        try:
            with unique_key(group_lead_institutions.c.group_id, group_lead_institutions.c.institution_id):
                group.lead_institutions = institutions
        except DuplicateKey:
            # Only where the database cannot lock the row (SQLite): the other save won.
            raise Conflict() from None
        audit.record(actor, "group.lead_institutions", group, {"institution_ids": [before, ids]})
    db.session.flush()


def candidates_for(group: WorkingGroup, q: str | None = None, limit: int = 200,
                   ids: list[int] | None = None) -> list[User]:
    """Active people not yet in the group, for the add-member picker: the first `limit` by name,
    those matching `q` (name or email), or exactly those of `ids` (to check a submitted choice)."""
    stmt = (sa.select(User).where(User.active.is_(True))
            .where(~User.id.in_(sa.select(GroupMembership.user_id).where(GroupMembership.group_id == group.id)))
            .options(joinedload(User.institution)).order_by(User.name).limit(limit))
    if q:
        pattern = contains_pattern(q.strip())
        stmt = stmt.where(User.name.ilike(pattern, escape="\\") | User.email.ilike(pattern, escape="\\"))
    if ids is not None:
        stmt = stmt.where(User.id.in_(ids))
    return list(db.session.execute(stmt).scalars())


def memberships_of(user: User) -> list[tuple[str, str]]:
    """The person's groups as (slug, role), in the groups' order."""
    return [tuple(row) for row in db.session.execute(
        sa.select(WorkingGroup.slug, GroupMembership.role)
        .join(GroupMembership, GroupMembership.group_id == WorkingGroup.id)
        .where(GroupMembership.user_id == user.id)
        .order_by(WorkingGroup.position)
    ).all()]


# --- people: the directory coordinators and leads pick members from -------------------------

def can_list_people(actor) -> bool:
    """Coordinators and admins, and the leads of any group (they add people to it)."""
    return actor.is_coordinator or "lead" in actor.group_roles().values()


def list_people(actor, q: str | None = None, group: str | None = None, institution_id: int | None = None,
                page: int = 1, per_page: int = 25, *, role: str | None = None, group_role: str | None = None,
                active: bool | None = None):
    """People by name, filtered; only coordinators, admins and leads may list them.

    `group` is a working group's slug (people in it; with `group_role`, in that role there),
    `role` the coalition role, `q` words in the name or email (LIKE wildcards are literal).
    """
    from coalition.auth.models import ROLES
    from coalition.pagination import paginate

    require_actor(actor)
    require(can_list_people(actor))
    errors: dict = {}
    stmt = sa.select(User).order_by(User.name, User.id)
    if q is not None and not isinstance(q, str):
        errors["q"] = [_l("Must be text.")]
    elif q and q.strip():
        pattern = contains_pattern(q.strip())
        stmt = stmt.where(User.name.ilike(pattern, escape="\\") | User.email.ilike(pattern, escape="\\"))
    if role is not None:
        if role not in ROLES:
            errors["role"] = [_l("Choose one of: %(values)s.", values=", ".join(ROLES))]
        else:
            stmt = stmt.where(User.role == role)
    if group_role is not None and group_role not in MEMBERSHIP_ROLES:
        errors["group_role"] = [_l("Choose lead or member.")]
    group_id = None
    if group:
        group_id = db.session.execute(
            sa.select(WorkingGroup.id).where(WorkingGroup.slug == group)
        ).scalar_one_or_none() if isinstance(group, str) and len(group) <= SLUG_MAX else None
        if group_id is None:
            errors["group"] = [_l("Unknown working group.")]
    if institution_id is not None:
        if not is_id(institution_id):
            errors["institution_id"] = [_l("Unknown institution.")]
        else:
            stmt = stmt.where(User.institution_id == institution_id)
    if active is not None:
        stmt = stmt.where(User.active.is_(bool(active)))
    if errors:
        raise ValidationError(fields=errors)
    if group_id is not None or group_role is not None:
        members = sa.select(GroupMembership.user_id)
        if group_id is not None:
            members = members.where(GroupMembership.group_id == group_id)
        if group_role is not None:
            members = members.where(GroupMembership.role == group_role)
        stmt = stmt.where(User.id.in_(members))
    return paginate(stmt, page, per_page)


def get_person(actor, user_id: int) -> User:
    """One person: anyone may read themselves; coordinators, admins and leads anyone."""
    require_actor(actor)
    if isinstance(user_id, int) and not isinstance(user_id, bool) and user_id == actor.id:
        return actor
    require(can_list_people(actor))
    if not is_id(user_id):
        raise NotFound()
    person = db.session.get(User, user_id)
    if person is None:
        raise NotFound()
    return person


def groups_by_person(user_ids) -> dict[int, list[tuple[str, str]]]:
    """Each person's groups as (slug, role), in the groups' order, for many people in one query."""
    ids = sorted({i for i in user_ids if isinstance(i, int)})
    found: dict[int, list[tuple[str, str]]] = {i: [] for i in ids}
    if not ids:
        return found
    for user_id, slug, role in db.session.execute(
        sa.select(GroupMembership.user_id, WorkingGroup.slug, GroupMembership.role)
        .join(WorkingGroup, WorkingGroup.id == GroupMembership.group_id)
        .where(GroupMembership.user_id.in_(ids))
        .order_by(WorkingGroup.position, WorkingGroup.id)
    ).all():
        found[user_id].append((slug, role))
    return found
