"""Dashboard charts: well-formed, accessible, escaped SVG with no inline style, and bars drawn to scale."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from coalition.dashboards import charts

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(1)</script> & co"
SECTORS = [("academia", "Academia"), ("industry", "Industria"), ("government", "Gobierno")]


def percent(value):
    return f"{value:.0f} %"


def bars(items, **kwargs):
    return charts.bar_chart(items, chart_id="bars", title="Entregables", description="Por grupo",
                            empty_text="Sin datos", **kwargs)


def stacked(rows):
    return charts.stacked_bar_chart(rows, segments=SECTORS, chart_id="sectors", title="Sectores",
                                    description="Por grupo", empty_text="Sin datos", value_format=percent)


def line(points):
    return charts.line_chart(points, chart_id="attendance", title="Asistencia", description="Por mes",
                             empty_text="Sin datos", value_format=percent)


ALL_CHARTS = {
    "bar": lambda: bars([("Ética", 3, "/groups/ethics"), (HOSTILE, Decimal("1.5"))]),
    "stacked": lambda: stacked([("Ética", {"academia": 2, "industry": 1}), (HOSTILE, {"government": 4})]),
    "line": lambda: line([("ene", 80), ("feb", None), (HOSTILE, 55.5)]),
    "empty bar": lambda: bars([]),
    "empty stacked": lambda: stacked([]),
    "empty line": lambda: line([]),
}


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def texts(root: ET.Element, tag: str) -> list[str]:
    return ["".join(element.itertext()) for element in root.iter(SVG + tag)]


@pytest.mark.parametrize("draw", ALL_CHARTS.values(), ids=ALL_CHARTS.keys())
def test_every_chart_is_an_image_named_by_its_title_and_description(draw):
    root = parse(draw())
    assert root.tag == SVG + "svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%" and root.get("viewBox").startswith("0 0 ")
    title_id, desc_id = root.get("aria-labelledby").split()
    children = {child.get("id"): child for child in root}
    assert children[title_id].tag == SVG + "title" and children[title_id].text
    assert children[desc_id].tag == SVG + "desc" and children[desc_id].text


@pytest.mark.parametrize("draw", ALL_CHARTS.values(), ids=ALL_CHARTS.keys())
def test_no_chart_uses_inline_style_or_small_text(draw):
    root = parse(draw())
    for element in root.iter():
        assert element.tag != SVG + "style"
        assert "style" not in element.attrib
        if "font-size" in element.attrib:
            assert float(element.get("font-size")) >= 12


@pytest.mark.parametrize("draw", ["bar", "stacked", "line"])
def test_a_label_with_markup_is_escaped_and_kept_whole_in_a_tooltip(draw):
    markup = str(ALL_CHARTS[draw]())
    assert "<script>" not in markup
    assert "&lt;script&gt;" in markup and "&amp; co" in markup
    root = parse(markup)
    assert any(HOSTILE in text for text in texts(root, "title"))
    assert any(text.startswith("<script>") for text in texts(root, "text"))


def test_a_long_label_is_shortened_with_an_ellipsis():
    root = parse(bars([("Grupo de trabajo de gobernanza y regulación de la inteligencia artificial", 4)]))
    shown = [text for text in texts(root, "text") if text.startswith("Grupo")]
    assert shown and shown[0].endswith("…") and len(shown[0]) < 40


def bar_widths(markup) -> list[float]:
    return [float(rect.get("width")) for rect in parse(markup).iter(SVG + "rect")
            if rect.get("class") == "chart-bar"]


def test_bar_widths_are_proportional_to_values():
    small, middle, large = bar_widths(bars([("a", 10), ("b", 20.0), ("c", Decimal(40))]))
    assert middle == pytest.approx(2 * small) and large == pytest.approx(4 * small)


def test_max_value_sets_the_full_width_and_longer_bars_are_capped():
    full, half, over = bar_widths(bars([("a", 80), ("b", 40), ("c", 200)], max_value=80))
    assert half == pytest.approx(full / 2) and over == pytest.approx(full)


def test_values_are_written_with_the_callers_format():
    root = parse(bars([("a", 7)], value_format=lambda v: f"{v} entregables"))
    assert "7 entregables" in texts(root, "text")


def test_negative_and_all_zero_values_draw_empty_bars():
    assert bar_widths(bars([("a", -5), ("b", 0), ("c", Decimal("0"))])) == [0, 0, 0]
    assert bar_widths(bars([("a", 3)], max_value=0)) == [0]


def test_only_local_links_wrap_bars():
    hrefs = ["javascript:alert(1)", "//evil.example", "https://evil.example", " javascript:alert(1)",
             "/\\evil.example", "java\tscript:alert(1)", "/groups/ethics"]
    root = parse(bars([(f"g{i}", 1, href) for i, href in enumerate(hrefs)]))
    assert [a.get("href") for a in root.iter(SVG + "a")] == ["/groups/ethics"]


def test_a_link_callable_gives_hrefs_to_items_without_one():
    root = parse(bars([("ethics", 1), ("data", 2, "/groups/data")], link=lambda label: f"/groups/{label}"))
    assert [a.get("href") for a in root.iter(SVG + "a")] == ["/groups/ethics", "/groups/data"]


@pytest.mark.parametrize("draw", ["empty bar", "empty stacked", "empty line"])
def test_empty_input_shows_the_empty_text(draw):
    assert "Sin datos" in texts(parse(ALL_CHARTS[draw]()), "text")


def test_a_line_with_only_gaps_shows_the_empty_text():
    assert "Sin datos" in texts(parse(line([("ene", None), ("feb", None)])), "text")


def segments(root: ET.Element) -> list[ET.Element]:
    return [group for group in root.iter(SVG + "g") if group.get("class") == "chart-segment"]


def test_a_stacked_rows_segments_fill_the_bar_and_zero_segments_are_left_out():
    root = parse(stacked([("Ética", {"academia": 1, "industry": 1, "government": 0, "other": 9}),
                          ("Datos", {"academia": 1, "industry": 1, "government": 1})]))
    outlines = [rect for rect in root.iter(SVG + "rect") if rect.get("fill") == "none"]
    full = float(outlines[0].get("width"))
    widths = [float(group.find(SVG + "rect").get("width")) for group in segments(root)]
    assert len(widths) == 5
    assert sum(widths[:2]) == pytest.approx(full) and sum(widths[2:]) == pytest.approx(full)
    assert widths[0] == pytest.approx(full / 2)


def test_a_stacked_chart_has_a_legend_and_writes_percentages_in_wide_segments():
    root = parse(stacked([("Ética", {"academia": 3, "industry": 1})]))
    shown = texts(root, "text")
    assert {"Academia", "Industria", "Gobierno"} <= set(shown)
    assert "75 %" in shown and "25 %" in shown
    assert "Academia: 3 (75 %)" in texts(root, "title")


def test_percentages_are_left_out_of_segments_too_narrow_for_them():
    root = parse(stacked([("Ética", {"academia": 99, "industry": 1})]))
    assert "1 %" not in texts(root, "text") and "99 %" in texts(root, "text")


def contrast(first: str, second: str) -> float:
    def luminance(colour):
        def linear(c):
            c /= 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
        r, g, b = (linear(int(colour[i:i + 2], 16)) for i in (1, 3, 5))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    light, dark = sorted([luminance(first), luminance(second)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_text_meets_aa_contrast_on_white_and_on_every_segment_colour():
    keys = [(f"s{i}", f"S{i}") for i in range(len(charts.PALETTE))]
    root = parse(charts.stacked_bar_chart(
        [("fila", {key: 1 for key, _ in keys})], segments=keys, chart_id="c", title="t", description="d",
        empty_text="", value_format=lambda v: "x"))
    for group in segments(root):
        text = group.find(SVG + "text")
        assert contrast(text.get("fill"), group.find(SVG + "rect").get("fill")) >= 4.5
    for colour in (charts.TEXT, charts.MUTED, charts.PALETTE[0]):
        assert contrast(colour, "#ffffff") >= 4.5


def test_a_gap_in_the_line_splits_the_path():
    root = parse(line([("ene", 50), ("feb", None), ("mar", 70), ("abr", 80)]))
    path = next(root.iter(SVG + "path")).get("d")
    assert re.findall(r"[ML]", path) == ["M", "M", "L"]
    assert len(list(root.iter(SVG + "circle"))) == 3
    assert {"50 %", "70 %", "80 %", "ene", "abr"} <= set(texts(root, "text"))


def test_line_gridlines_are_labelled_and_values_above_y_max_stay_inside():
    root = parse(line([("ene", 0), ("feb", 150)]))
    shown = texts(root, "text")
    assert {"0 %", "150 %"} <= set(shown)
    assert all(float(circle.get("cy")) >= 0 for circle in root.iter(SVG + "circle"))


def test_a_chart_id_that_would_break_the_references_is_refused():
    with pytest.raises(ValueError):
        charts.bar_chart([("a", 1)], chart_id="two words", title="t", description="d", empty_text="")


MONTHS = "ene feb mar abr may jun jul ago sep oct nov dic".split()


def test_a_year_of_monthly_rates_labels_every_month_and_value():
    root = parse(line([(month, 60 + i) for i, month in enumerate(MONTHS)]))
    shown = set(texts(root, "text"))
    assert set(MONTHS) <= shown and {f"{60 + i} %" for i in range(12)} <= shown


def test_crowded_points_are_labelled_every_few_but_each_keeps_its_tooltip():
    root = parse(line([(f"semana {i}", 50) for i in range(60)]))
    assert 0 < sum(text.startswith("semana") for text in texts(root, "text")) < 60
    assert len(texts(root, "title")) == 1 + 60
