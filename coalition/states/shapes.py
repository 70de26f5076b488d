"""The shapes of Mexico's 32 federal entities, from the vendored `@svg-maps/mexico` package (CC BY 4.0).

The data ships with the app under static/vendor/svg-maps-mexico (see its README for what was
changed); nothing is fetched at run time.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import NamedTuple

SOURCE = Path(__file__).resolve().parent.parent / "static" / "vendor" / "svg-maps-mexico" / "mexico.json"
ATTRIBUTION = "@svg-maps/mexico, CC BY 4.0"
SOURCE_URL = "https://github.com/VictorCazanave/svg-maps/tree/master/packages/mexico"

# The package's id of each entity → its ISO 3166-2:MX code (institutions.models.STATES), written
# out rather than upper-cased, so a renamed id in a new version of the package fails loudly.
SHAPE_IDS: dict[str, str] = {
    "agu": "AGU", "bcn": "BCN", "bcs": "BCS", "cam": "CAM", "chp": "CHP", "chh": "CHH",
    "cmx": "CMX", "coa": "COA", "col": "COL", "dur": "DUR", "gua": "GUA", "gro": "GRO",
    "hid": "HID", "jal": "JAL", "mex": "MEX", "mic": "MIC", "mor": "MOR", "nay": "NAY",
    "nle": "NLE", "oax": "OAX", "pue": "PUE", "que": "QUE", "roo": "ROO", "slp": "SLP",
    "sin": "SIN", "son": "SON", "tab": "TAB", "tam": "TAM", "tla": "TLA", "ver": "VER",
    "yuc": "YUC", "zac": "ZAC",
}


class Shapes(NamedTuple):
    view_box: tuple[float, float, float, float]
    paths: dict[str, str]  # ISO code → the path's `d`


@functools.cache
def shapes() -> Shapes:
    """Read the vendored shapes once and give the viewBox and each state's path by ISO code."""
    data = json.loads(SOURCE.read_text(encoding="utf-8"))
    paths: dict[str, str] = {}
    for location in data["locations"]:
        code = SHAPE_IDS[location["id"]]  # an unknown id is a KeyError: update SHAPE_IDS deliberately
        if code in paths:
            raise ValueError(f"two shapes for {code} in {SOURCE}")
        paths[code] = location["path"]
    missing = set(SHAPE_IDS.values()) - set(paths)
    if missing:
        raise ValueError(f"no shape for {sorted(missing)} in {SOURCE}")
    x, y, width, height = (float(part) for part in data["viewBox"].split())
    return Shapes((x, y, width, height), paths)
