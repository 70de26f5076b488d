"""The small-cell rule: a figure broken down by people's profile never shows a group of fewer than
MIN_CELL people, so nobody can be singled out by sector, state, age band or gender."""
from __future__ import annotations

from coalition.consultations.models import MIN_CELL


def hide_small_cells(counts: dict) -> tuple[dict, int]:
    """The counts of at least MIN_CELL, and how many people the hidden cells hold together.

    Pages show the total beside a breakdown, so the hidden cells' sum can always be worked out by
    subtraction: when it would be under MIN_CELL (one small group, found out), the smallest shown cells
    are hidden too until it is not. The hidden sum is then 0, or at least MIN_CELL and safe to show.
    """
    shown = {key: n for key, n in counts.items() if n >= MIN_CELL}
    hidden = sum(n for n in counts.values() if n < MIN_CELL)
    while 0 < hidden < MIN_CELL and shown:
        smallest = min(shown, key=lambda key: (shown[key], str(key)))
        hidden += shown.pop(smallest)
    if hidden < MIN_CELL:
        # Nothing else to hide behind: the few people stay uncounted in the breakdown.
        return shown, 0
    return shown, hidden
