"""The tile map of Mexico: one linked, titled tile per state and one for abroad, shaded by count."""
from __future__ import annotations

import re

from coalition.extensions import db
from coalition.institutions.models import ABROAD, STATES
from coalition.portal import map as state_map_module
from coalition.portal.map import NONE_FILL, SCALE, TILES, shade, state_map, thresholds
from tests import factories
from tests.portal.factories import listed_institution

TILE = re.compile(r'<a class="map-tile" data-state="([^"]+)" href="([^"]+)">'
                  r'<title>([^<]+)</title><rect [^>]*fill="(#[0-9a-f]{6})"[^>]*/>'
                  r'<text [^>]*>([^<]+)</text><text [^>]*>([^<]+)</text></a>')


def tiles_of(svg: str) -> dict[str, dict]:
    # A tile's link is named by its <title> (no aria-label: that would hide the code and count it shows).
    return {m[0]: {"href": m[1], "title": m[2], "fill": m[3], "code": m[4], "count": m[5]}
            for m in TILE.findall(svg)}


def test_every_state_has_one_tile_and_no_two_share_a_place():
    assert set(TILES) == set(STATES)
    assert len(set(TILES.values())) == len(TILES)
    assert state_map_module.ABROAD_TILE not in TILES.values()
    # Baja California top left, Quintana Roo bottom right of the peninsula.
    assert TILES["BCN"] == (0, 0)
    assert TILES["ROO"][0] == max(column for column, _ in TILES.values())


def test_the_scale_grows_darker_with_the_count():
    bounds = thresholds(50)
    fills = [shade(n, bounds) for n in (0, 1, 10, 20, 30, 40, 50)]
    assert fills[0] == NONE_FILL
    order = [SCALE.index(fill) for fill in fills[1:]]
    assert order == sorted(order) and order[0] == 0 and order[-1] == len(SCALE) - 1
    assert thresholds(0) == [] and shade(3, []) == NONE_FILL
    assert thresholds(2) == [1, 2] and [shade(n, [1, 2]) for n in (1, 2)] == [SCALE[0], SCALE[-1]]


def test_each_tile_has_a_title_a_count_and_a_link_to_its_members(app):
    counts = {"JAL": 12, "CMX": 3, ABROAD: 1}
    with app.test_request_context("/public?lang=en"):
        svg = str(state_map(counts, lambda code: f"/public/members?state={code}"))
    tiles = tiles_of(svg)
    assert set(tiles) == set(STATES) | {ABROAD}
    for code, tile in tiles.items():
        assert tile["href"] == f"/public/members?state={code}"
        assert tile["count"] == str(counts.get(code, 0))
        assert tile["code"] == (code if code != ABROAD else "Abroad")
    assert tiles["JAL"]["title"] == "Jalisco: 12 listed member institutions"
    assert tiles[ABROAD]["title"] == "Abroad: 1 listed member institution"
    assert tiles["JAL"]["fill"] == SCALE[-1]
    assert SCALE.index(tiles["CMX"]["fill"]) < SCALE.index(tiles["JAL"]["fill"])
    assert tiles["YUC"]["fill"] == NONE_FILL
    assert 'role="group" aria-labelledby="map-states-title" aria-describedby="map-states-desc"' in svg
    assert '<title id="map-states-title">Member institutions by state</title>' in svg
    assert "Listed member institutions:" in svg and ">No institution<" in svg


def test_a_tile_never_links_off_the_site(app):
    with app.test_request_context("/public"):
        svg = str(state_map({"JAL": 1}, lambda code: "javascript:alert(1)" if code == "JAL" else "//evil.example"))
    assert "javascript:" not in svg and "evil.example" not in svg
    assert '<g class="map-tile" data-state="JAL">' in svg


def test_the_pages_show_the_map_shaded_by_listed_institutions_with_its_table(client, app):
    for _ in range(4):
        listed_institution(state="NLE")
    listed_institution(state="OAX")
    factories.institution(state="OAX")  # not listed: not counted
    db.session.commit()
    for page in ("/public?lang=en", "/public/members?lang=en"):
        body = client.get(page).get_data(as_text=True)
        tiles = tiles_of(body)
        assert tiles["NLE"]["count"] == "4" and tiles["OAX"]["count"] == "1" and tiles["JAL"]["count"] == "0"
        assert tiles["NLE"]["href"] == "/public/members?state=NLE&amp;lang=en"
        assert SCALE.index(tiles["OAX"]["fill"]) < SCALE.index(tiles["NLE"]["fill"])
        table = body[body.index('class="table table-sm small mb-1 state-table"'):]
        assert re.search(r'>Nuevo León</a></th><td>4</td>', table)
        assert re.search(r'>Oaxaca</a></th><td>1</td>', table)
        assert re.search(r'<th scope="row" class="fw-normal">Jalisco</th><td>0</td>', table)
