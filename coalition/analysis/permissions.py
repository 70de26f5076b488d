"""Who may read, code, theme and hide a consultation's contributions (SPEC "Consultation and agenda")."""
from __future__ import annotations


def _group_ids(consultation) -> set[int]:
    return {group.id for group in consultation.groups}


def is_of(actor, consultation) -> bool:
    """A member (in any role) of one of the groups the consultation concerns."""
    return bool(_group_ids(consultation) & set(actor.group_roles()))


def leads(actor, consultation) -> bool:
    """A lead of one of the groups the consultation concerns."""
    roles = actor.group_roles()
    return any(roles.get(group_id) == "lead" for group_id in _group_ids(consultation))


def can_read(actor, consultation) -> bool:
    """Every member of the coalition reads contributions (never their e-mail or receipt)."""
    return True


def can_code(actor, consultation) -> bool:
    return actor.is_coordinator or is_of(actor, consultation)


def can_keep_themes(actor, consultation) -> bool:
    return actor.is_coordinator or leads(actor, consultation)


def can_hide(actor, consultation) -> bool:
    """Hide or unhide a contribution: its groups' leads and the coordinators."""
    return actor.is_coordinator or leads(actor, consultation)


def can_see_hidden(actor, consultation) -> bool:
    return can_hide(actor, consultation)
