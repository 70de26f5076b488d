"""Mexico's member institutions by state, drawn on the server as an SVG tile map.

No geographic shapes travel with the app (no external request, no heavy file), so the map is a
tile grid: one equal square per federal entity, placed about where the state lies (Baja California
top left, Yucatán and Quintana Roo bottom right), plus a separate tile for institutions abroad.
Each tile is shaded on a sequential scale by its count, carries its code and its count in text
(the colour is never the only cue), a <title>, and links to the members page filtered by it.

The tiles are links, so the SVG is a named group rather than role="img": an image's children are
presentational, and links inside one would be unreachable to assistive technology (axe's
"nested-interactive"). The page always shows the same figures as a table beside it.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

from flask_babel import format_decimal, gettext as _, ngettext
from markupsafe import Markup

from coalition.dashboards.charts import FONT_FAMILY, MUTED, TEXT, _local_href, _text_colour_on
from coalition.institutions.models import ABROAD, STATES

# Column and row of each entity's tile: a cartogram of Mexico, north-west to south-east.
TILES: dict[str, tuple[int, int]] = {
    "BCN": (0, 0), "SON": (1, 0), "CHH": (2, 0), "COA": (3, 0), "NLE": (4, 0),
    "BCS": (0, 1), "SIN": (1, 1), "DUR": (2, 1), "ZAC": (3, 1), "SLP": (4, 1), "TAM": (5, 1),
    "NAY": (1, 2), "AGU": (2, 2), "GUA": (3, 2), "QUE": (4, 2), "HID": (5, 2), "VER": (6, 2),
    "JAL": (1, 3), "MIC": (2, 3), "MEX": (3, 3), "CMX": (4, 3), "TLA": (5, 3), "PUE": (6, 3),
    "YUC": (9, 3),
    "COL": (1, 4), "GRO": (3, 4), "MOR": (4, 4), "OAX": (5, 4), "TAB": (7, 4), "CAM": (8, 4),
    "ROO": (9, 4),
    "CHP": (6, 5),
}
ABROAD_TILE = (0, 5)  # three tiles wide, apart from the country, in the Pacific's corner
TILE, GAP, PAD = 54, 4, 4
COLUMNS, ROWS = 10, 6
# Sequential blues (ColorBrewer "Blues", 5 classes), lightest for the fewest; none is a light grey.
SCALE = ("#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
NONE_FILL = "#f2f2f2"
WIDTH = PAD * 2 + COLUMNS * (TILE + GAP) - GAP
LEGEND_Y = PAD + ROWS * (TILE + GAP) + 10


def thresholds(top: int) -> list[int]:
    """The upper bound of each colour class for counts from 1 to `top` (at most len(SCALE) classes)."""
    bounds: list[int] = []
    for k in range(1, len(SCALE) + 1):
        bound = -(-top * k // len(SCALE))  # ceil(top * k / n)
        if bound >= 1 and (not bounds or bound > bounds[-1]):
            bounds.append(bound)
    return bounds


def shade(count: int, bounds: list[int]) -> str:
    """The fill for `count` under the classes `bounds` (thresholds' answer)."""
    if count <= 0 or not bounds:
        return NONE_FILL
    if len(bounds) == 1:
        return SCALE[-1]
    index = next((i for i, bound in enumerate(bounds) if count <= bound), len(bounds) - 1)
    # Fewer classes than colours spread over the whole scale, so neighbouring classes still look apart.
    return SCALE[round(index * (len(SCALE) - 1) / (len(bounds) - 1))]


def _n(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def state_map(counts: Mapping[str, int], link: Callable[[str], str], *, map_id: str = "map-states") -> Markup:
    """Draw the tile map for `counts` ({state code or "abroad": institutions}); `link(code)` gives each tile's href."""
    counts = {code: int(n or 0) for code, n in counts.items()}
    bounds = thresholds(max(counts.values(), default=0))
    tiles = [_tile(code, STATES[code], counts.get(code, 0), bounds, link(code), column, row, 1)
             for code, (column, row) in TILES.items()]
    tiles.append(_tile(ABROAD, _("Abroad"), counts.get(ABROAD, 0), bounds, link(ABROAD),
                       *ABROAD_TILE, 3))
    legend, legend_height = _legend(bounds)
    height = LEGEND_Y + legend_height
    title = _("Member institutions by state")
    description = _("A tile map of Mexico: one square per state, placed about where the state lies, and one for "
                    "institutions abroad. The darker the square, the more listed member institutions; each square "
                    "gives its state's code and count, and links to that state's members.")
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart state-map" role="group" aria-labelledby="{id}-title"'
        ' aria-describedby="{id}-desc" viewBox="0 0 {width} {height}" width="100%"'
        ' preserveAspectRatio="xMinYMin meet" font-family="{font}" font-size="13" fill="{text}">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{description}</desc>{tiles}{legend}</svg>'
    ).format(id=map_id, width=WIDTH, height=_n(height), font=FONT_FAMILY, text=TEXT, title=title,
             description=description, tiles=Markup("").join(tiles), legend=legend)


def tile_label(name: str, count: int) -> str:
    """What a tile says to someone who cannot see it: the state and its count."""
    return ngettext("%(state)s: %(count)s listed member institution",
                    "%(state)s: %(count)s listed member institutions", count, state=name, count=format_decimal(count))


def _tile(code: str, name: str, count: int, bounds: list[int], href: str, column: int, row: int,
          span: int) -> Markup:
    x, y = PAD + column * (TILE + GAP), PAD + row * (TILE + GAP)
    width = span * TILE + (span - 1) * GAP
    fill = shade(count, bounds)
    ink = _text_colour_on(fill)
    label = tile_label(name, count)
    shown_code = code if code != ABROAD else name
    body = Markup(
        '<title>{label}</title>'
        '<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="3" fill="{fill}" stroke="{stroke}"{dash}/>'
        '<text x="{cx}" y="{ty}" text-anchor="middle" fill="{ink}" font-weight="600">{code}</text>'
        '<text x="{cx}" y="{ny}" text-anchor="middle" fill="{ink}">{count}</text>').format(
        label=label, x=x, y=y, w=width, h=TILE, fill=fill, stroke=MUTED,
        dash=Markup(' stroke-dasharray="4 3"') if code == ABROAD else Markup(""),
        cx=_n(x + width / 2), ty=_n(y + 22), ny=_n(y + 42), ink=ink, code=shown_code,
        count=format_decimal(count))
    safe = _local_href(href)
    if not safe:
        return Markup('<g class="map-tile" data-state="{}">{}</g>').format(code, body)
    # The tile's <title> names the link (an aria-label would hide the code and count it shows).
    return Markup('<a class="map-tile" data-state="{}" href="{}">{}</a>').format(code, safe, body)


def _legend(bounds: list[int]) -> tuple[Markup, int]:
    """Swatches for "none" and each class, left to right, with the counts each covers."""
    entries = [(NONE_FILL, _("No institution"))]
    low = 1
    for index, bound in enumerate(bounds):
        entries.append((shade(bound, bounds), format_decimal(low) if low == bound
                        else f"{format_decimal(low)}–{format_decimal(bound)}"))
        low = bound + 1
    parts = [Markup('<text x="{}" y="{}" fill="{}">{}</text>').format(PAD, LEGEND_Y + 10, TEXT,
                                                                      _("Listed member institutions:"))]
    x, y = PAD, LEGEND_Y + 20
    for fill, text in entries:
        width = 22 + len(str(text)) * 8 + 14
        if x + width > WIDTH:
            x, y = PAD, y + 22
        parts.append(Markup('<rect x="{}" y="{}" width="16" height="16" fill="{}" stroke="{}"/>'
                            '<text x="{}" y="{}">{}</text>').format(
            x, y, fill, MUTED, x + 22, y + 13, text))
        x += width
    return Markup("").join(parts), y + 26 - LEGEND_Y
