"""Who may record and decide on policy instruments and engagements (SPEC "States and policy uptake")."""
from __future__ import annotations


def can_read(actor) -> bool:
    """Every logged-in member reads every instrument and engagement, published or not."""
    return True


def can_record(actor, state: str | None) -> bool:
    """Record instruments, stages, uptakes and engagements of a state chapter: coordinators anywhere, a
    liaison of that state there; federal and international records (no state): coordinators only."""
    return actor.is_coordinator or (state is not None and state in actor.liaison_states())


def can_record_somewhere(actor) -> bool:
    return actor.is_coordinator or bool(actor.liaison_states())


def can_decide(actor) -> bool:
    """Approve a position as the coalition's voice; publish on the portal."""
    return actor.is_coordinator


def can_follow(actor) -> bool:
    return True
