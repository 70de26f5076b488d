"""The small-cell rule: a figure broken down by people's profile never shows a group of fewer than
MIN_CELL people, so nobody can be singled out by sector, state, age band or gender."""
from __future__ import annotations

from coalition.consultations.models import MIN_CELL


def hide_small_cells(counts: dict) -> tuple[dict, int]:
    """The counts of at least MIN_CELL, and how many people the hidden cells held together.

    The hidden total is shown only as "fewer than 5 each, N in all" when N itself reaches MIN_CELL;
    otherwise it is 0, so that a single small group cannot be worked out by subtraction.
    """
    shown = {key: n for key, n in counts.items() if n >= MIN_CELL}
    hidden = sum(n for n in counts.values() if n < MIN_CELL)
    return shown, hidden if hidden >= MIN_CELL else 0
