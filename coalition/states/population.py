"""Population of each federal entity: INEGI, Censo de Población y Vivienda 2020 (total residents per state).

Source: Instituto Nacional de Estadística y Geografía (INEGI), Population and Housing Census 2020,
tabulados del cuestionario básico, "Población total por entidad federativa" (reference date
15 March 2020); the national total is 126,014,024.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

POPULATION_SOURCE = _l("INEGI, Population and Housing Census 2020")

POPULATION: dict[str, int] = {
    "AGU": 1425607, "BCN": 3769020, "BCS": 798447, "CAM": 928363, "CHP": 5543828,
    "CHH": 3741869, "CMX": 9209944, "COA": 3146771, "COL": 731391, "DUR": 1832650,
    "GUA": 6166934, "GRO": 3540685, "HID": 3082841, "JAL": 8348151, "MEX": 16992418,
    "MIC": 4748846, "MOR": 1971520, "NAY": 1235456, "NLE": 5784442, "OAX": 4132148,
    "PUE": 6583278, "QUE": 2368467, "ROO": 1857985, "SLP": 2822255, "SIN": 3026943,
    "SON": 2944840, "TAB": 2402598, "TAM": 3527735, "TLA": 1342977, "VER": 8062579,
    "YUC": 2320898, "ZAC": 1622138,
}


def per_million(count: int | None, code: str) -> float | None:
    """Give `count` per million inhabitants of the state `code`; None abroad or for an unknown code."""
    population = POPULATION.get(code)
    if not population:
        return None
    return (count or 0) * 1_000_000 / population
