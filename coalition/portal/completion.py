"""A public deliverable's completion, in the four levels OGP action plans rate commitments by.

Derived from status and progress, unless a coordinator set it (with a note): the same rule in
Python (one deliverable) and in SQL (counts and filters over many), kept equal by a test.
"""
from __future__ import annotations

import sqlalchemy as sa

from coalition.deliverables.models import COMPLETIONS, Deliverable

# Below this progress a started deliverable's completion is "limited"; from it, "substantial".
SUBSTANTIAL_FROM = 50
LEVELS = tuple(COMPLETIONS)  # not_started < limited < substantial < complete


def completion_of(status: str, progress: int, override: str | None = None) -> str:
    if override in COMPLETIONS:
        return override
    if status == "done":
        return "complete"
    if progress <= 0:
        return "not_started"
    return "limited" if progress < SUBSTANTIAL_FROM else "substantial"


def completion_sql():
    """Deliverable.completion as an SQL expression."""
    return sa.case(
        (Deliverable.completion_override.is_not(None), Deliverable.completion_override),
        (Deliverable.status == "done", "complete"),
        (Deliverable.progress <= 0, "not_started"),
        (Deliverable.progress < SUBSTANTIAL_FROM, "limited"),
        else_="substantial",
    )


def overall(levels: list[str]) -> str | None:
    """A recommendation's completion from its public deliverables' (None when it has none):
    complete when all are, not started when none has begun, else substantial when at least half
    are substantial or complete, else limited."""
    if not levels:
        return None
    if all(level == "complete" for level in levels):
        return "complete"
    if all(level == "not_started" for level in levels):
        return "not_started"
    advanced = sum(level in ("substantial", "complete") for level in levels)
    return "substantial" if 2 * advanced >= len(levels) else "limited"
