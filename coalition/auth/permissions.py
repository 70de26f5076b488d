"""Who may manage people: the rules of SPEC's Roles table for accounts."""
from __future__ import annotations

from coalition.errors import NotAuthenticated, PermissionDenied


def require_actor(actor):
    """Return the actor, or refuse an anonymous or deactivated one."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.active:
        raise NotAuthenticated()
    return actor


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied()


def can_manage_users(actor) -> bool:
    return actor.role == "admin"


def can_invite(actor) -> bool:
    """Coordinators and admins invite anyone; leads invite into their own groups."""
    return actor.is_coordinator or "lead" in actor.group_roles().values()
