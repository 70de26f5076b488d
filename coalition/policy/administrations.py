"""Mexico's federal administrations by the dates they held office: an instrument belongs to the one
in office on its first stage, and the dashboard's continuity table asks what outlived each of them.

Source: the constitutional terms of office (Art. 83 of the Constitution; the 2014 reform moved the
start of the term from 1 December to 1 October from 2024).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Administration:
    key: str
    president: str
    starts_on: date
    ends_on: date  # the last day in office

    @property
    def label(self) -> str:
        return f"{self.president} ({self.starts_on.year}–{self.ends_on.year})"


ADMINISTRATIONS = (
    Administration("2000-2006", "Vicente Fox Quesada", date(2000, 12, 1), date(2006, 11, 30)),
    Administration("2006-2012", "Felipe Calderón Hinojosa", date(2006, 12, 1), date(2012, 11, 30)),
    Administration("2012-2018", "Enrique Peña Nieto", date(2012, 12, 1), date(2018, 11, 30)),
    Administration("2018-2024", "Andrés Manuel López Obrador", date(2018, 12, 1), date(2024, 9, 30)),
    Administration("2024-2030", "Claudia Sheinbaum Pardo", date(2024, 10, 1), date(2030, 9, 30)),
)
BY_KEY = {administration.key: administration for administration in ADMINISTRATIONS}


def in_office(on: date) -> Administration | None:
    """The administration in office on that day, or None outside the table."""
    for administration in ADMINISTRATIONS:
        if administration.starts_on <= on <= administration.ends_on:
            return administration
    return None


def following(administration: Administration) -> Administration | None:
    index = ADMINISTRATIONS.index(administration)
    return ADMINISTRATIONS[index + 1] if index + 1 < len(ADMINISTRATIONS) else None
