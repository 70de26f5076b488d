"""Mexico's 32 federal entities drawn on the server as an SVG map, shaded by a chosen measure.

The shapes are the vendored `@svg-maps/mexico` paths (states.shapes); nothing is drawn by hand or
fetched at run time. Each state is filled on the portal map's sequential scale (portal.map's
`thresholds` and `shade`) and, so that the classes stay apart in grey or for someone who cannot
tell the blues apart, each class also has its own hatching; the legend gives each class's range
in text. Every state carries a <title> ("Jalisco: 12 member institutions") and, given `href`,
links to its page. When the states are links the SVG is a named group rather than role="img":
an image's children are presentational, and links inside one would be unreachable to assistive
technology (axe's "nested-interactive"). The page shows the same figures as a table (`table_rows`).
"""
from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Mapping
from typing import NamedTuple

from flask_babel import format_decimal, gettext as _, lazy_gettext as _l, ngettext
from markupsafe import Markup

from coalition.dashboards.charts import _CHART_ID, FONT_FAMILY, MUTED, TEXT, _local_href, _text_colour_on
from coalition.institutions.models import ABROAD, STATES, state_label
from coalition.portal.map import NONE_FILL, SCALE, shade, thresholds
from coalition.states.population import POPULATION, POPULATION_SOURCE, per_million
from coalition.states.shapes import ATTRIBUTION, SOURCE_URL, shapes

PER_MILLION = "members_per_million"
MEASURES = {
    "members": _l("Member institutions"),
    "contributions": _l("Consultation contributions"),
    "instruments": _l("Policy instruments"),
    PER_MILLION: _l("Member institutions per million inhabitants"),
}
# Per million inhabitants is classed in hundredths (0.36), the counts in whole units.
HUNDREDTHS = 100

# One hatching per colour of SCALE, lightest to darkest, then one for "none":
# (tile size, rotation in degrees, the strokes drawn on the tile).
HATCHES = (
    (8, 45, "M4 0V8"),            # sparse diagonal lines
    (6, -45, "M3 0V6"),           # the other diagonal, closer
    (5, 0, "M0 2.5H5"),           # horizontal lines
    (6, 45, "M3 0V6M0 3H6"),      # cross-hatching
    (4, 45, "M2 0V4M0 2H4"),      # dense cross-hatching
)
NONE_DOT = "#a6a6a6"  # light dots: "none" reads as empty, yet apart from the lightest class in grey
FONT_SIZE = 14
LEGEND_WIDTH = 232   # the legend sits in the Gulf of Mexico, top right, clear of every state
ABROAD_BOX = (8, 426, 206, 60)  # x, y, width, height: the open Pacific, bottom left


class StateRow(NamedTuple):
    code: str
    name: str
    value: float | int | None   # the measure's figure (per million: unrounded)
    value_text: str              # the figure as the map shows it ("—" when there is none)
    count: int | None            # per million only: the member institutions counted
    population: int | None       # per million only: the state's inhabitants
    href: str | None


class StateMap(NamedTuple):
    svg: Markup
    rows: list[StateRow]
    measure: str
    measure_label: str
    population_source: str | None   # named only when the map is per million inhabitants
    attribution: str
    source_url: str


def measure_values(counts: Mapping[str, int | None], measure: str) -> dict[str, float | int | None]:
    """Give each state's figure for `measure` from the raw `counts` (for per million: member institutions).

    Every state is present (a missing one counts 0); "abroad" only when `counts` has it, and per
    million it is None, since no population is known abroad.
    """
    _check(measure)
    codes = list(STATES) + ([ABROAD] if ABROAD in counts else [])
    if measure == PER_MILLION:
        return {code: per_million(_count(counts.get(code)), code) for code in codes}
    return {code: _count(counts.get(code)) for code in codes}


def draw(counts: Mapping[str, int | None], *, measure: str, href: Callable[[str], str] | None = None,
         title: str, description: str, chart_id: str = "state-map") -> Markup:
    """Draw the map of `counts` ({state code or "abroad": count}) shaded by `measure`; `href(code)` links each state."""
    if not _CHART_ID.match(chart_id):
        raise ValueError(f"chart_id must be a letter then letters, digits, '-' or '_': {chart_id!r}")
    values = measure_values(counts, measure)
    units = {code: _units(value, measure) for code, value in values.items()}
    bounds = thresholds(max(units.values(), default=0))
    (vx, vy, width, height), paths = shapes()
    links = {code: _local_href(href(code)) if href else None for code in values}
    states = [_state(code, paths[code], values[code], units[code], bounds, measure, links[code], chart_id)
              for code in STATES]
    abroad = (_abroad(values[ABROAD], units[ABROAD], bounds, measure, links[ABROAD], chart_id, vx, vy)
              if ABROAD in values else Markup(""))
    legend = _legend(bounds, measure, chart_id, vx + width - LEGEND_WIDTH, vy + 8)
    interactive = any(links.values())
    # Links inside an image would be hidden from assistive technology: a named group holds them.
    aria = Markup('role="group" aria-labelledby="{id}-title" aria-describedby="{id}-desc"' if interactive
                  else 'role="img" aria-labelledby="{id}-title {id}-desc"').format(id=chart_id)
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart state-map mx-map" {aria}'
        ' viewBox="{vx} {vy} {w} {h}" width="100%" preserveAspectRatio="xMinYMin meet"'
        ' font-family="{font}" font-size="{size}" fill="{text}">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{description}</desc>'
        '<defs>{defs}</defs><g class="map-states">{states}</g>{abroad}{legend}</svg>'
    ).format(id=chart_id, aria=aria, vx=_n(vx), vy=_n(vy), w=_n(width), h=_n(height), font=FONT_FAMILY,
             size=FONT_SIZE, text=TEXT, title=title, description=description, defs=_patterns(chart_id),
             states=Markup("").join(states), abroad=abroad, legend=legend)


def table_rows(counts: Mapping[str, int | None], measure: str,
               href: Callable[[str], str] | None = None) -> list[StateRow]:
    """Give the map's figures as table rows, by state name (accents ignored), "abroad" last when present."""
    values = measure_values(counts, measure)
    per = measure == PER_MILLION
    rows = []
    for code, value in values.items():
        rows.append(StateRow(
            code=code, name=state_label(code), value=value, value_text=format_value(value, measure),
            count=_count(counts.get(code)) if per else None, population=POPULATION.get(code) if per else None,
            href=_local_href(href(code)) if href else None))
    return sorted(rows, key=lambda row: (row.code == ABROAD, _sort_key(row.name)))


def figure(counts: Mapping[str, int | None], *, measure: str, href: Callable[[str], str] | None = None,
           chart_id: str = "state-map", title: str | None = None, description: str | None = None) -> StateMap:
    """Give everything templates/states/_map.html's `state_map` macro shows: the SVG, its table and its sources."""
    label = str(MEASURES[_check(measure)])
    title = title or _("%(measure)s by state", measure=label)
    description = description or _(
        "A map of Mexico's 32 federal entities, each filled by its figure: the darker the blue and the denser "
        "the hatching, the higher. The legend gives the range of each shade; the table gives each state's figure.")
    return StateMap(
        svg=draw(counts, measure=measure, href=href, title=title, description=description, chart_id=chart_id),
        rows=table_rows(counts, measure, href), measure=measure, measure_label=label,
        population_source=str(POPULATION_SOURCE) if measure == PER_MILLION else None,
        attribution=ATTRIBUTION, source_url=SOURCE_URL)


def format_value(value: float | int | None, measure: str) -> str:
    """Write a figure as the page's language does: whole counts, or per million to two decimals."""
    if value is None:
        return "—"
    if measure == PER_MILLION:
        return format_decimal(round(value, 2), format="#,##0.00")
    return format_decimal(value)


def state_title(name: str, value: float | int | None, measure: str) -> str:
    """What a state says to someone who cannot see it: its name and its figure."""
    if value is None:
        return _("%(state)s: no figure", state=name)
    text = format_value(value, measure)
    if measure == "members":
        return ngettext("%(state)s: %(count)s member institution", "%(state)s: %(count)s member institutions",
                        value, state=name, count=text)
    if measure == "contributions":
        return ngettext("%(state)s: %(count)s consultation contribution",
                        "%(state)s: %(count)s consultation contributions", value, state=name, count=text)
    if measure == "instruments":
        return ngettext("%(state)s: %(count)s policy instrument", "%(state)s: %(count)s policy instruments",
                        value, state=name, count=text)
    return _("%(state)s: %(value)s member institutions per million inhabitants", state=name, value=text)


def _check(measure: str) -> str:
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}: one of {', '.join(MEASURES)}")
    return measure


def _count(value) -> int:
    try:
        number = int(value or 0)
    except (TypeError, ValueError):
        return 0
    return max(number, 0)


def _units(value: float | int | None, measure: str) -> int:
    """The figure in whole classing units (hundredths per million), so classes and text agree; 0 for none."""
    if value is None or not math.isfinite(value) or value <= 0:
        return 0
    if measure == PER_MILLION:
        return max(1, round(value * HUNDREDTHS))  # any member at all is never shown as none
    return int(value)


def _unit_text(units: int, measure: str) -> str:
    return format_value(units / HUNDREDTHS if measure == PER_MILLION else units, measure)


def _pattern_id(chart_id: str, units: int, bounds: list[int]) -> str:
    fill = shade(units, bounds)
    return f"{chart_id}-none" if fill == NONE_FILL else f"{chart_id}-class-{SCALE.index(fill)}"


def _patterns(chart_id: str) -> Markup:
    """One <pattern> per class colour and one for "none", with ids unique to this chart."""
    parts = [Markup(
        '<pattern id="{id}-none" width="6" height="6" patternUnits="userSpaceOnUse">'
        '<rect width="6" height="6" fill="{fill}"/><circle cx="3" cy="3" r="0.9" fill="{dot}"/></pattern>'
    ).format(id=chart_id, fill=NONE_FILL, dot=NONE_DOT)]
    for index, (colour, (size, angle, strokes)) in enumerate(zip(SCALE, HATCHES)):
        rotate = Markup(' patternTransform="rotate({})"').format(angle) if angle else Markup("")
        parts.append(Markup(
            '<pattern id="{id}-class-{i}" width="{s}" height="{s}" patternUnits="userSpaceOnUse"{rotate}>'
            '<rect width="{s}" height="{s}" fill="{fill}"/>'
            '<path d="{d}" fill="none" stroke="{ink}" stroke-width="0.9" stroke-opacity="0.6"/></pattern>'
        ).format(id=chart_id, i=index, s=size, rotate=rotate, fill=colour, d=strokes,
                 ink=_text_colour_on(colour)))
    return Markup("").join(parts)


def _state(code: str, d: str, value, units: int, bounds: list[int], measure: str, href: str | None,
           chart_id: str) -> Markup:
    body = Markup('<title>{}</title><path d="{}" fill="url(#{})" stroke="{}" stroke-width="0.6"'
                  ' stroke-linejoin="round"/>').format(state_title(STATES[code], value, measure), d,
                                                       _pattern_id(chart_id, units, bounds), MUTED)
    if not href:
        return Markup('<g class="map-state" data-state="{}">{}</g>').format(code, body)
    # The <title> names the link (an aria-label would say the same, twice).
    return Markup('<a class="map-state" data-state="{}" href="{}">{}</a>').format(code, href, body)


def _abroad(value, units: int, bounds: list[int], measure: str, href: str | None, chart_id: str,
            vx: float, vy: float) -> Markup:
    """A separate box for institutions abroad: a swatch and its figure in text, on white so the text stays legible."""
    x, y, width, height = ABROAD_BOX
    x, y = vx + x, vy + y
    name = state_label(ABROAD)
    body = Markup(
        '<title>{label}</title>'
        '<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="4" fill="#ffffff" stroke="{stroke}"'
        ' stroke-dasharray="4 3"/>'
        '<rect x="{sx}" y="{sy}" width="36" height="36" fill="url(#{pattern})" stroke="{stroke}"/>'
        '<text x="{tx}" y="{ty}" font-weight="600">{name}</text>'
        '<text x="{tx}" y="{vy}">{value}</text>').format(
        label=state_title(name, value, measure), x=_n(x), y=_n(y), w=width, h=height, stroke=MUTED,
        sx=_n(x + 12), sy=_n(y + 12), pattern=_pattern_id(chart_id, units, bounds), tx=_n(x + 60),
        ty=_n(y + 26), vy=_n(y + 46), name=name, value=format_value(value, measure))
    if not href:
        return Markup('<g class="map-abroad" data-state="{}">{}</g>').format(ABROAD, body)
    return Markup('<a class="map-abroad" data-state="{}" href="{}">{}</a>').format(ABROAD, href, body)


def _legend(bounds: list[int], measure: str, chart_id: str, x: float, y: float) -> Markup:
    """The measure's name, then one patterned swatch per class with the range it covers, top to bottom."""
    lines = _wrap(str(MEASURES[measure]), int((LEGEND_WIDTH - 8) // (FONT_SIZE * 0.6)))
    parts = [Markup('<text x="{}" y="{}" font-weight="600">{}</text>').format(_n(x), _n(y + 14 + 18 * i), line)
             for i, line in enumerate(lines)]
    entries = [(f"{chart_id}-none", _unit_text(0, measure))]  # "0": zero and missing alike
    low = 1
    for bound in bounds:
        text = (_unit_text(low, measure) if low == bound
                else f"{_unit_text(low, measure)}–{_unit_text(bound, measure)}")
        entries.append((_pattern_id(chart_id, bound, bounds), text))
        low = bound + 1
    top = y + 18 * len(lines) + 4
    for i, (pattern, text) in enumerate(entries):
        row = top + i * 28
        parts.append(Markup('<rect x="{}" y="{}" width="22" height="22" fill="url(#{})" stroke="{}"/>'
                            '<text x="{}" y="{}">{}</text>').format(
            _n(x), _n(row), pattern, MUTED, _n(x + 30), _n(row + 16), text))
    return Markup('<g class="map-legend">{}</g>').format(Markup("").join(parts))


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _sort_key(name: str) -> str:
    """Sort "Michoacán" among the M's: compare without accents, then case."""
    return "".join(c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c)).casefold()


def _n(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")
