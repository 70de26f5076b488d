"""The map of Mexico: the vendored shapes, one titled, linked path per state, shaded and hatched by a measure."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter

import pytest
from flask import render_template_string

from coalition.institutions.models import ABROAD, STATES
from coalition.portal.map import SCALE
from coalition.states import map as state_map
from coalition.states.map import MEASURES, draw, figure, measure_values, table_rows
from coalition.states.shapes import SHAPE_IDS, SOURCE, shapes

SVG = "{http://www.w3.org/2000/svg}"
COUNTS = {"JAL": 12, "CMX": 3, "NLE": 7, ABROAD: 2}


def parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))


def states_of(root: ET.Element) -> dict[str, ET.Element]:
    """Each drawn state (or the abroad box) by its code; a code drawn twice fails."""
    found = [el for el in root.iter() if el.get("data-state")]
    codes = Counter(el.get("data-state") for el in found)
    assert all(n == 1 for n in codes.values()), codes
    return {el.get("data-state"): el for el in found}


def title_of(el: ET.Element) -> str:
    return el.find(f"{SVG}title").text


def fill_of(el: ET.Element) -> str:
    return el.find(f".//{SVG}path").get("fill") if el.find(f"{SVG}path") is not None else \
        el.findall(f"{SVG}rect")[1].get("fill")


def legend_texts(root: ET.Element) -> list[str]:
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "map-legend")
    return [t.text for t in legend.iter(f"{SVG}text")]


def draw_en(app, counts=COUNTS, **kwargs):
    kwargs = {"measure": "members", "href": lambda code: f"/states/{code}", "title": "Members by state",
              "description": "A map.", **kwargs}
    with app.test_request_context("/?lang=en"):
        return str(draw(counts, **kwargs))


def test_each_package_id_maps_to_one_iso_code_and_every_state_is_mapped():
    assert len(SHAPE_IDS) == 32
    assert sorted(SHAPE_IDS.values()) == sorted(STATES)  # all 32 present, each once
    vendored = json.loads(SOURCE.read_text(encoding="utf-8"))
    assert sorted(location["id"] for location in vendored["locations"]) == sorted(SHAPE_IDS)
    # The package's names agree with the codes they are mapped to (its English "Mexico City", "México").
    names = {SHAPE_IDS[location["id"]]: location["name"] for location in vendored["locations"]}
    assert names["CMX"] == "Mexico City" and names["MEX"] == "México" and names["ROO"] == "Quintana Roo"
    assert names["NLE"] == "Nuevo León" and names["BCS"] == "Baja California Sur" and names["CHH"] == "Chihuahua"


def test_the_shapes_are_read_once_from_the_vendored_file_with_their_licence():
    assert shapes() is shapes()
    view_box, paths = shapes()
    assert view_box == (0, 0, 793, 498)
    assert set(paths) == set(STATES) and all(d.startswith(("m ", "M ")) for d in paths.values())
    folder = SOURCE.parent
    assert "Attribution 4.0 International" in (folder / "LICENSE.md").read_text(encoding="utf-8")
    readme = (folder / "README.md").read_text(encoding="utf-8")
    for needed in ("@svg-maps/mexico", "2.0.0", "Victor Cazanave", "CC BY 4.0",
                   "https://github.com/VictorCazanave/svg-maps/tree/master/packages/mexico", "What we changed"):
        assert needed in readme


def test_every_state_is_drawn_once_with_its_own_shape(app):
    root = parse(draw_en(app))
    drawn = states_of(root)
    assert set(drawn) == set(STATES) | {ABROAD}
    paths = shapes().paths
    for code in STATES:
        assert drawn[code].find(f"{SVG}path").get("d") == paths[code]
    assert len(list(root.iter(f"{SVG}path"))) >= 32
    assert root.get("viewBox") == "0 0 793 498"


def test_each_state_links_to_its_page_named_by_its_title(app):
    svg = draw_en(app)
    root = parse(svg)
    drawn = states_of(root)
    for code, el in drawn.items():
        assert el.tag == f"{SVG}a" and el.get("href") == f"/states/{code}"
    assert title_of(drawn["JAL"]) == "Jalisco: 12 member institutions"
    assert title_of(drawn["CMX"]) == "Ciudad de México: 3 member institutions"
    assert title_of(drawn["YUC"]) == "Yucatán: 0 member institutions"
    assert root.get("role") == "group"  # links inside role="img" would be unreachable
    assert root.get("aria-labelledby") == "state-map-title" and root.get("aria-describedby") == "state-map-desc"
    assert root.find(f"{SVG}title").text == "Members by state" and root.find(f"{SVG}desc").text == "A map."
    with app.test_request_context("/?lang=en"):
        one = parse(draw({"COL": 1}, measure="members", title="t", description="d"))
    assert title_of(states_of(one)["COL"]) == "Colima: 1 member institution"


def test_without_links_the_map_is_one_image_of_groups(app):
    root = parse(draw_en(app, href=None))
    drawn = states_of(root)
    assert all(el.tag == f"{SVG}g" and el.get("href") is None for el in drawn.values())
    assert root.get("role") == "img" and root.get("aria-labelledby") == "state-map-title state-map-desc"


def test_a_state_never_links_off_the_site(app):
    svg = draw_en(app, href=lambda code: "javascript:alert(1)" if code == "JAL" else "//evil.example")
    assert "javascript:" not in svg and "evil.example" not in svg
    assert states_of(parse(svg))["JAL"].tag == f"{SVG}g"


def test_the_other_measures_name_their_own_things(app):
    for measure, title in (("contributions", "Jalisco: 12 consultation contributions"),
                           ("instruments", "Jalisco: 12 policy instruments")):
        assert title_of(states_of(parse(draw_en(app, measure=measure)))["JAL"]) == title
    assert list(MEASURES) == ["members", "contributions", "instruments", "members_per_million"]
    with app.test_request_context("/?lang=en"):
        assert [str(label) for label in MEASURES.values()] == [
            "Member institutions", "Consultation contributions", "Policy instruments",
            "Member institutions per million inhabitants"]


def test_classes_grow_darker_and_the_legend_gives_each_range(app):
    root = parse(draw_en(app))
    drawn = states_of(root)
    # thresholds(12) puts 1–3, 4–5, 6–8, 9–10 and 11–12 in the five colours, lightest first.
    assert fill_of(drawn["CMX"]) == "url(#state-map-class-0)"
    assert fill_of(drawn["NLE"]) == "url(#state-map-class-2)"
    assert fill_of(drawn["JAL"]) == "url(#state-map-class-4)"
    assert fill_of(drawn["YUC"]) == "url(#state-map-none)"
    assert legend_texts(root) == ["Member institutions", "0", "1–3", "4–5", "6–8", "9–10", "11–12"]


def test_each_class_has_its_own_hatching_as_well_as_its_colour(app):
    root = parse(draw_en(app))
    patterns = {p.get("id"): p for p in root.iter(f"{SVG}pattern")}
    assert set(patterns) == {"state-map-none"} | {f"state-map-class-{i}" for i in range(len(SCALE))}
    looks = set()
    for i, colour in enumerate(SCALE):
        pattern = patterns[f"state-map-class-{i}"]
        assert pattern.find(f"{SVG}rect").get("fill") == colour
        looks.add((pattern.get("width"), pattern.get("patternTransform"), pattern.find(f"{SVG}path").get("d")))
    assert len(looks) == len(SCALE)  # told apart in grey by the hatching alone
    assert patterns["state-map-none"].find(f"{SVG}circle") is not None
    # The legend's swatches use the same patterns as the states.
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "map-legend")
    assert [r.get("fill") for r in legend.iter(f"{SVG}rect")] == [
        "url(#state-map-none)"] + [f"url(#state-map-class-{i})" for i in range(5)]


def test_two_maps_on_one_page_share_no_id(app):
    page = draw_en(app, chart_id="map-members") + draw_en(app, measure="members_per_million", chart_id="map-density")
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)) and len(ids) == 2 * (2 + 6)  # title, desc and six patterns each
    for svg, chart_id in zip(re.findall(r"<svg .*?</svg>", page), ("map-members", "map-density")):
        references = set(re.findall(r'url\(#([^)]+)\)', svg)) | set(re.findall(r'aria-\w+by="([^"]+)"', svg))
        assert references and all(ref.startswith(chart_id) for ref in references)
        own = set(re.findall(r'\sid="([^"]+)"', svg))
        assert set(re.findall(r'url\(#([^)]+)\)', svg)) <= own


def test_a_chart_id_that_is_not_a_plain_name_is_refused(app):
    with pytest.raises(ValueError):
        draw_en(app, chart_id='x" onload="alert(1)')


def test_abroad_gets_its_own_labelled_box_only_when_given(app):
    abroad = states_of(parse(draw_en(app)))[ABROAD]
    assert abroad.get("class") == "map-abroad" and abroad.get("href") == "/states/abroad"
    assert title_of(abroad) == "Abroad: 2 member institutions"
    assert [t.text for t in abroad.iter(f"{SVG}text")] == ["Abroad", "2"]
    assert fill_of(abroad) == "url(#state-map-class-0)"
    assert ABROAD not in states_of(parse(draw_en(app, counts={"JAL": 3})))


def test_abroad_counts_in_the_scale(app):
    drawn = states_of(parse(draw_en(app, counts={"JAL": 1, ABROAD: 5})))
    assert fill_of(drawn[ABROAD]) == "url(#state-map-class-4)"
    assert fill_of(drawn["JAL"]) == "url(#state-map-class-0)"


def test_zero_and_missing_values_are_neutral(app):
    root = parse(draw_en(app, counts={"JAL": 0, "CMX": None, ABROAD: 0}))
    drawn = states_of(root)
    assert {fill_of(el) for el in drawn.values()} == {"url(#state-map-none)"}
    assert legend_texts(root) == ["Member institutions", "0"]
    assert title_of(drawn["CMX"]) == "Ciudad de México: 0 member institutions"


def test_per_million_is_classed_in_hundredths(app):
    counts = {"JAL": 12, "YUC": 1, "COL": 0, ABROAD: 4}
    root = parse(draw_en(app, counts=counts, measure="members_per_million"))
    drawn = states_of(root)
    # 12 / 8.348151 M = 1.44; 1 / 2.320898 M = 0.43; classes split 0.01–1.44 in five.
    assert title_of(drawn["JAL"]) == "Jalisco: 1.44 member institutions per million inhabitants"
    assert title_of(drawn["YUC"]) == "Yucatán: 0.43 member institutions per million inhabitants"
    assert title_of(drawn["COL"]) == "Colima: 0.00 member institutions per million inhabitants"
    assert legend_texts(root) == ["Member institutions per", "million inhabitants", "0.00",
                                  "0.01–0.29", "0.30–0.58", "0.59–0.87", "0.88–1.16", "1.17–1.44"]
    assert fill_of(drawn["JAL"]) == "url(#state-map-class-4)"
    assert fill_of(drawn["YUC"]) == "url(#state-map-class-1)"
    assert fill_of(drawn["COL"]) == "url(#state-map-none)"
    # No population is known abroad: the box says so rather than dividing by anything.
    assert title_of(drawn[ABROAD]) == "Abroad: no figure"
    assert [t.text for t in drawn[ABROAD].iter(f"{SVG}text")] == ["Abroad", "—"]
    assert fill_of(drawn[ABROAD]) == "url(#state-map-none)"


def test_a_tiny_rate_is_never_shown_as_none(app):
    # One institution in a state of 16.99 M inhabitants is 0.06 per million, still above zero.
    drawn = states_of(parse(draw_en(app, counts={"MEX": 1}, measure="members_per_million")))
    assert fill_of(drawn["MEX"]) != "url(#state-map-none)"


def test_measure_values_fill_every_state_and_reject_unknown_measures():
    values = measure_values({"JAL": 12}, "members_per_million")
    assert set(values) == set(STATES) and values["JAL"] == pytest.approx(1.4374, abs=1e-4) and values["COL"] == 0
    assert measure_values({"JAL": 2, ABROAD: 1}, "members") == {**dict.fromkeys(STATES, 0), "JAL": 2, ABROAD: 1}
    with pytest.raises(ValueError):
        measure_values({}, "inhabitants")


def test_all_text_is_escaped(app):
    svg = draw_en(app, title="<script>alert(1)</script>", description='"&<b>')
    parse(svg)
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&#34;&amp;&lt;b&gt;" in svg


def test_the_map_parses_as_xml_and_has_no_unknown_markup(app):
    root = parse(draw_en(app, measure="members_per_million"))
    assert root.tag == f"{SVG}svg"
    allowed = {"svg", "title", "desc", "defs", "pattern", "rect", "circle", "path", "g", "a", "text"}
    assert {el.tag.removeprefix(SVG) for el in root.iter()} <= allowed
    assert not [el for el in root.iter() if el.get("style")]  # no inline style (the CSP forbids it)


def test_the_table_lists_every_state_by_name_with_abroad_last(app):
    with app.test_request_context("/?lang=en"):
        rows = table_rows(COUNTS, "members", href=lambda code: f"/states/{code}")
    names = [row.name for row in rows]
    assert len(rows) == 33 and names[-1] == "Abroad"
    # Accents do not push a state to the end: Michoacán comes before Morelos, Querétaro before Quintana Roo.
    assert names.index("Michoacán") < names.index("Morelos") < names.index("Nayarit")
    assert names.index("Querétaro") < names.index("Quintana Roo")
    assert names[:3] == ["Aguascalientes", "Baja California", "Baja California Sur"]
    jal = next(row for row in rows if row.code == "JAL")
    assert (jal.value, jal.value_text, jal.count, jal.population, jal.href) == (12, "12", None, None, "/states/JAL")


def test_the_per_million_table_gives_the_count_and_the_population(app):
    with app.test_request_context("/?lang=en"):
        rows = {row.code: row for row in table_rows({"JAL": 12, ABROAD: 4}, "members_per_million")}
    assert (rows["JAL"].value_text, rows["JAL"].count, rows["JAL"].population) == ("1.44", 12, 8_348_151)
    assert (rows["COL"].value_text, rows["COL"].count) == ("0.00", 0)
    assert (rows[ABROAD].value, rows[ABROAD].value_text, rows[ABROAD].count, rows[ABROAD].population) == (
        None, "—", 4, None)


def render_macro(app, fig_kwargs: dict, **macro_kwargs) -> str:
    with app.test_request_context("/?lang=en"):
        fig = figure(**fig_kwargs)
        return render_template_string('{% from "states/_map.html" import state_map %}{{ state_map(fig, **kw) }}',
                                      fig=fig, kw=macro_kwargs)


def test_the_macro_shows_the_map_its_credits_and_its_table(app):
    html = render_macro(app, {"counts": COUNTS, "measure": "members", "href": lambda code: f"/states/{code}"})
    assert html.count("<svg ") == 1 and "<figure" in html and "<figcaption" in html
    assert "Shapes: @svg-maps/mexico, CC BY 4.0" in html
    assert 'href="https://github.com/VictorCazanave/svg-maps/tree/master/packages/mexico"' in html
    assert "INEGI" not in html  # the population is named only when it is used
    assert '<caption class="visually-hidden">Member institutions by state</caption>' in html
    assert '<title id="state-map-title">Member institutions by state</title>' in html
    assert re.search(r'<tr data-state="JAL"><th scope="row" class="fw-normal"><a href="/states/JAL">Jalisco</a></th>'
                     r'\s*<td class="text-end">12</td></tr>', html)
    assert html.count("<tr data-state=") == 33
    assert "<details class=\"mt-2\">" in html


def test_the_macro_names_the_population_source_per_million(app):
    html = render_macro(app, {"counts": {"JAL": 12}, "measure": "members_per_million", "chart_id": "density"},
                        table_open=True)
    assert "Population: INEGI, Population and Housing Census 2020" in html
    assert '<th scope="col" class="text-end">Inhabitants</th>' in html
    assert re.search(r'>Jalisco</th>\s*<td class="text-end">1.44</td>\s*<td class="text-end">12</td>'
                     r'\s*<td class="text-end">8,348,151</td></tr>', html)
    assert '<details class="mt-2" open>' in html and 'id="density-title"' in html


def test_figure_refuses_an_unknown_measure(app):
    with app.test_request_context("/?lang=en"), pytest.raises(ValueError):
        figure({}, measure="population")


def test_the_module_draws_nothing_by_hand():
    # Every path the map draws for a state comes from the vendored file: no coordinates in the code.
    source = open(state_map.__file__, encoding="utf-8").read()
    assert not re.search(r"\d+\.\d{3,}", source)
