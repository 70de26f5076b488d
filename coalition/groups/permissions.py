"""Who may see a group and manage its memberships."""
from __future__ import annotations


def is_lead(actor, group_id: int) -> bool:
    return actor.group_roles().get(group_id) == "lead"


def is_member(actor, group_id: int) -> bool:
    """A member in any role (lead or member) of the group."""
    return group_id in actor.group_roles()


def can_view_group(actor, group_id: int) -> bool:
    # Every active member of the coalition may read every group.
    return True


def can_manage_memberships(actor, group_id: int) -> bool:
    return actor.is_coordinator or is_lead(actor, group_id)


def can_manage_lead_institutions(actor) -> bool:
    return actor.is_coordinator
