"""Dashboard charts drawn on the server as inline SVG: no script, no inline style, every text escaped.

Each function takes already-translated labels and a number formatter, and returns `Markup`
for a Jinja page. Inputs are plain lists of tuples, so the page can render the same data as a
table next to the chart. Text written inside the SVG is only what the caller passes.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from markupsafe import Markup

# Okabe–Ito: told apart with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
TEXT = "#1f1f1f"    # 16:1 on white
MUTED = "#595959"   # 7:1 on white: axis labels, outlines
GRID = "#d9d9d9"
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
FONT_SIZE = 14      # in viewBox units: at least 12 px while the chart is 480 px wide or more
CHAR_WIDTH = 0.6 * FONT_SIZE  # a generous average, since text cannot be measured on the server
WIDTH = 560
LABEL_WIDTH = 170   # row labels are right-aligned at this x
BAR_X = LABEL_WIDTH + 10

_CHART_ID = re.compile(r"^[A-Za-z][\w-]*$")
# A path ("/groups/ethics", "ethics/x"), a query or a fragment: never a scheme or "//host".
_LOCAL_HREF = re.compile(r"^(?:/(?![/\\])|[?#]|[\w.~-]+(?:[/?#]|$))")


def bar_chart(items: Sequence[tuple], *, chart_id: str, title: str, description: str, empty_text: str,
              max_value: Any = None, value_format: Callable[[Any], str] = str,
              link: Callable[[str], str | None] | None = None) -> Markup:
    """Draw one horizontal bar per `(label, value)` or `(label, value, href)` item, its value beside it."""
    items = list(items)
    if not items:
        return _empty(chart_id, title, description, empty_text)
    values = [_number(item[1]) for item in items]
    top = _number(max_value) if max_value is not None else max(values)
    bar_area = WIDTH - BAR_X - 80  # room on the right for the value text
    scale = bar_area / top if top > 0 else 0
    row_height, bar_height = 28, 18
    rows = []
    for i, (item, value) in enumerate(zip(items, values)):
        label, raw_value = str(item[0]), item[1]
        y = 4 + i * row_height
        width = min(value * scale, bar_area)
        text = "" if raw_value is None else value_format(raw_value)
        row = Markup('<g><title>{}</title>{}<rect class="chart-bar" x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
                     '<text x="{}" y="{}">{}</text></g>').format(
            label, _row_label(label, y + bar_height / 2), BAR_X, y, _n(width), bar_height, PALETTE[0],
            _n(BAR_X + width + 6), _n(_baseline(y + bar_height / 2)), text)
        href = _local_href(item[2] if len(item) > 2 else link(label) if link else None)
        rows.append(Markup('<a href="{}">{}</a>').format(href, row) if href else row)
    return _svg(chart_id, title, description, 8 + len(items) * row_height, Markup("").join(rows))


def stacked_bar_chart(rows: Sequence[tuple[str, Mapping[str, Any]]], *, segments: Sequence[tuple[str, str]],
                      chart_id: str, title: str, description: str, empty_text: str,
                      value_format: Callable[[float], str]) -> Markup:
    """Draw one 100 % stacked bar per `(label, {segment_key: count})` row, under a legend of `segments`.

    `value_format` receives a percentage between 0 and 100.
    """
    rows = list(rows)
    if not rows or not segments:
        return _empty(chart_id, title, description, empty_text)
    colours = {key: PALETTE[i % len(PALETTE)] for i, (key, _) in enumerate(segments)}
    legend, legend_height = _legend([(colours[key], label) for key, label in segments])
    bar_area = WIDTH - BAR_X
    row_height, bar_height = 30, 20
    parts = [legend]
    for i, (label, counts) in enumerate(rows):
        label = str(label)
        y = legend_height + 6 + i * row_height
        shares = [(key, name, _number(counts.get(key))) for key, name in segments]
        shares = [(key, name, count) for key, name, count in shares if count > 0]
        total = sum(count for _, _, count in shares)
        parts.append(Markup("<g><title>{}</title>{}").format(label, _row_label(label, y + bar_height / 2)))
        # Round the edges, not the widths, so the widths add up to the whole bar exactly.
        edges = [0.0]
        for _, _, count in shares:
            edges.append(edges[-1] + count)
        for (key, name, count), start, end in zip(shares, edges, edges[1:]):
            x0, x1 = (round(BAR_X + bar_area * edge / total, 2) for edge in (start, end))
            percent = value_format(100 * count / total)
            text = Markup("")
            if len(percent) * CHAR_WIDTH + 6 <= x1 - x0:
                text = Markup('<text x="{}" y="{}" text-anchor="middle" fill="{}">{}</text>').format(
                    _n((x0 + x1) / 2), _n(_baseline(y + bar_height / 2)), _text_colour_on(colours[key]), percent)
            parts.append(Markup(
                '<g class="chart-segment"><title>{}: {} ({})</title>'
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="#ffffff"/>{}</g>').format(
                name, _whole(count), percent, _n(x0), y, _n(x1 - x0), bar_height, colours[key], text))
        # An outline shows the bar's extent even where a segment's colour is pale.
        parts.append(Markup('<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="{}"/></g>').format(
            BAR_X, y, bar_area, bar_height, MUTED))
    height = legend_height + 12 + len(rows) * row_height
    return _svg(chart_id, title, description, height, Markup("").join(parts))


def line_chart(points: Sequence[tuple[str, Any]], *, chart_id: str, title: str, description: str,
               empty_text: str, value_format: Callable[[Any], str], y_max: Any = 100) -> Markup:
    """Draw a line through `(x_label, value)` points with each value written above its dot; None leaves a gap."""
    points = list(points)
    if all(value is None for _, value in points):
        return _empty(chart_id, title, description, empty_text)
    top = max(_number(y_max), *(_number(value) for _, value in points if value is not None))
    top = top if top > 0 else 1
    left, plot_top, plot_height, plot_width = 64, 28, 180, WIDTH - 64 - 8
    slot = plot_width / len(points)
    parts = []
    for k in range(5):
        tick = _whole(top * k / 4)
        y = plot_top + plot_height * (1 - k / 4)
        parts.append(Markup('<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>'
                            '<text x="{}" y="{}" text-anchor="end" fill="{}">{}</text>').format(
            left, _n(y), WIDTH - 8, _n(y), MUTED if k == 0 else GRID, left - 8, _n(_baseline(y)), MUTED,
            value_format(tick)))
    # Label every n-th point only when the labels would otherwise overlap.
    texts = [(str(x), "" if value is None else value_format(value)) for x, value in points]
    x_step, value_step = (_label_step([pair[i] for pair in texts], slot) for i in (0, 1))
    path, dots, pen_down = [], [], False
    for i, ((_, value), (x_text, value_text)) in enumerate(zip(points, texts)):
        x = left + (i + 0.5) * slot
        if i % x_step == 0:
            parts.append(Markup('<text x="{}" y="{}" text-anchor="middle" fill="{}">{}</text>').format(
                _n(x), plot_top + plot_height + 22, MUTED, _truncate(x_text, slot * x_step)))
        if value is None:
            pen_down = False
            continue
        y = plot_top + plot_height * (1 - _number(value) / top)
        path.append(f"{'L' if pen_down else 'M'}{_n(x)} {_n(y)}")
        pen_down = True
        dots.append(Markup('<circle class="chart-dot" cx="{}" cy="{}" r="4" fill="{}" stroke="#ffffff">'
                           '<title>{}: {}</title></circle>').format(_n(x), _n(y), PALETTE[0], x_text, value_text))
        if i % value_step == 0:
            dots.append(Markup('<text x="{}" y="{}" text-anchor="middle">{}</text>').format(
                _n(x), _n(y - 10), value_text))
    parts.append(Markup('<path class="chart-line" d="{}" fill="none" stroke="{}" stroke-width="2"/>').format(
        " ".join(path), PALETTE[0]))
    return _svg(chart_id, title, description, plot_top + plot_height + 32, Markup("").join(parts + dots))


def _svg(chart_id: str, title: str, description: str, height: float, body: Markup) -> Markup:
    if not _CHART_ID.match(chart_id):
        raise ValueError(f"chart_id must be a letter then letters, digits, '-' or '_': {chart_id!r}")
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-labelledby="{id}-title {id}-desc"'
        ' viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet"'
        ' font-family="{font}" font-size="{size}" fill="{text}">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{description}</desc>{body}</svg>'
    ).format(id=chart_id, width=WIDTH, height=_n(height), font=FONT_FAMILY, size=FONT_SIZE, text=TEXT,
             title=title, description=description, body=body)


def _empty(chart_id: str, title: str, description: str, empty_text: str) -> Markup:
    body = Markup('<text x="0" y="{}" fill="{}">{}</text>').format(_n(_baseline(16)), MUTED, empty_text)
    return _svg(chart_id, title, description, 32, body)


def _legend(entries: list[tuple[str, str]]) -> tuple[Markup, float]:
    """Lay out colour swatches and labels left to right, wrapping; give the markup and its height."""
    parts, x, y = [], 0.0, 0
    for colour, label in entries:
        label = _truncate(str(label), WIDTH - 20)
        width = 18 + len(label) * CHAR_WIDTH + 16
        if x and x + width > WIDTH:
            x, y = 0.0, y + 22
        parts.append(Markup('<rect x="{}" y="{}" width="12" height="12" fill="{}" stroke="{}"/>'
                            '<text x="{}" y="{}">{}</text>').format(
            _n(x), y + 4, colour, MUTED, _n(x + 18), _n(_baseline(y + 10)), label))
        x += width
    return Markup("").join(parts), y + 22


def _row_label(label: str, middle: float) -> Markup:
    return Markup('<text x="{}" y="{}" text-anchor="end">{}</text>').format(
        LABEL_WIDTH, _n(_baseline(middle)), _truncate(label, LABEL_WIDTH))


def _label_step(labels: list[str], slot: float) -> int:
    """Give n such that labelling every n-th point keeps the labels from overlapping."""
    return max(1, math.ceil((max(map(len, labels)) * CHAR_WIDTH + 4) / slot))


def _truncate(text: str, width: float) -> str:
    """Shorten text to about `width` units, ending in an ellipsis; the caller keeps the full text in a <title>."""
    fits = max(1, int(width // CHAR_WIDTH))
    return text if len(text) <= fits else text[:fits - 1].rstrip() + "…"


def _local_href(href: str | None) -> str | None:
    """Keep an href only if it stays on this site; browsers ignore spaces and read "\\" as "/", so refuse them."""
    if not href or "\\" in href or any(c.isspace() or ord(c) < 32 for c in href):
        return None
    return href if _LOCAL_HREF.match(href) else None


def _number(value: Any) -> float:
    """Turn an int, float, Decimal or None into a finite float of at least 0."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) and number > 0 else 0.0


def _whole(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _baseline(middle: float) -> float:
    """Give the y at which text sits vertically centred on `middle` (dominant-baseline is unevenly supported)."""
    return middle + FONT_SIZE * 0.35


def _n(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _text_colour_on(fill: str) -> str:
    """Pick black or white text, whichever contrasts more with `fill` (WCAG relative luminance)."""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(int(fill[i:i + 2], 16)) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#000000" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#ffffff"
