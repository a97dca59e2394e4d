"""The base map (no events in it) and a whole map of a small dataset drawn through its layer."""

from __future__ import annotations

import json
import re

import pytest

from geo import build_map, load_events, parse_events_text
from geo.map.assets import StaticURLs
from geo.map.base import build_base_map
from geo.map.popup import event_id_from_popup_text, popup_html
from geo.store import BBox
from geo.urlstate import MapView
from tests.conftest import SHIPPED_EVENTS, events_yaml

URLS = StaticURLs("/app/static")


@pytest.fixture(scope="module")
def shipped():
    return load_events(SHIPPED_EVENTS).events


def rendered(events, **kwargs) -> str:
    return build_map(events, URLS, **kwargs).get_root().render()


def layer_data(html: str) -> dict:
    """The payload a whole map hands to its drawing code (geo.map.layer.EventLayer)."""
    found = re.search(r"window\.eaLayerData = (\{.*?\});\n", html)
    assert found is not None, "the map draws its events through the layer"
    return json.loads(found.group(1))


def test_the_base_map_holds_no_event_and_does_not_change_with_them(shipped):
    base = build_base_map(MapView(49.0, 31.5, 6), URLS, "offline").get_root().render()
    assert "data-event-id" not in base and "eaLayerData" not in base
    assert "window.eaDrawLayer = function" in base and "window.eaLegend" in base


def test_one_marker_per_event_with_its_type_and_id(shipped):
    data = layer_data(rendered(shipped))
    assert sorted(e["id"] for e in data["events"]) == sorted(e.id for e in shipped)
    for drawn in data["events"]:
        assert f"ea-type-{drawn['type']}" in drawn["icon"]
        assert f'data-event-id="{drawn["id"]}"' in drawn["icon"]


def test_offline_map_references_no_remote_script_style_or_tile(shipped):
    m = build_map(shipped, URLS)
    html = m.get_root().render()
    assert all(url.startswith("/app/static/") for _, url in m.default_js + m.default_css)
    remote = re.findall(r"""(?:src|href)=["'](https?://[^"']+)""", html)
    assert remote == []
    assert "tile.openstreetmap.org" not in html
    assert "/app/static/tiles/{z}/{x}/{y}.png" in html


def test_osm_layer_is_added_on_top_of_the_offline_fallback(shipped):
    html = rendered(shipped, tiles="osm")
    assert html.index("/app/static/tiles/{z}/{x}/{y}.png") < html.index("tile.openstreetmap.org")
    assert "OpenStreetMap contributors" in html


def test_uncertainty_circles_only_for_imprecise_events():
    text = events_yaml("exact", "near", "region")
    text = text.replace("geo_precision: 1", "geo_precision: PREC")
    for prec in ("1", "2", "3"):
        text = text.replace("PREC", prec, 1)
    events = parse_events_text(text).events
    radii = {e["id"]: e["radius"] for e in layer_data(rendered(events))["events"]}
    assert radii == {"exact": 0, "near": 25_000, "region": 120_000}


def test_lines_and_polygons_are_drawn_with_their_event(shipped):
    data = layer_data(rendered(shipped))
    with_shapes = {e.id: e.geometry.type for e in shipped if e.geometry is not None}
    assert "LineString" in with_shapes.values() and "Polygon" in with_shapes.values()
    drawn = {data["events"][s["event"]]["id"]: s["kind"] for s in data["shapes"]}
    assert drawn == {
        event_id: "polygon" if kind in ("Polygon", "MultiPolygon") else "line"
        for event_id, kind in with_shapes.items()
    }


def test_legend_counts_each_type(shipped):
    legend = layer_data(rendered(shipped))["legend"]
    assert f"{len(shipped)} events shown" in legend
    shelling = sum(1 for e in shipped if e.event_type.value == "shelling")
    assert re.search(rf"Shelling / missile attack</span><b>{shelling}</b>", legend)


def test_popup_carries_title_figures_attribution_quote_and_id(shipped):
    event = next(e for e in shipped if e.fatalities)
    html = popup_html(event)
    assert "Killed" in html and event.fatalities[0].claimed_by.split()[0] in html
    assert "ea-popup-title" in html and "Event ID:" in html
    assert event.id in html
    drawn = next(e for e in layer_data(rendered(shipped))["events"] if e["id"] == event.id)
    assert drawn["popup"] == html


def test_selected_event_is_highlighted_drawn_last_and_opened(shipped):
    target = shipped[0]
    data = layer_data(rendered(shipped, selected_id=target.id))
    chosen = [e for e in data["events"] if e["selected"]]
    assert [e["id"] for e in chosen] == [target.id] and data["events"][-1]["id"] == target.id
    assert "ea-selected" in chosen[0]["icon"]
    assert "openWhenStyled(marker" in rendered(shipped)  # the drawing code opens it


def test_the_view_from_a_link_wins_over_fitting(shipped):
    html = rendered(shipped, view=MapView(50.45, 30.52, 5))  # offline: 6 at most
    opening_fit = ".fitBounds(\n                [["  # folium's FitBounds, not the "show all" code
    assert opening_fit not in html
    assert "50.45" in html and '"zoom": 5' in html
    assert opening_fit in rendered(shipped)


def test_the_view_goes_to_the_streamlit_page_query_or_to_the_pages_own_hash():
    def script(view_in: str) -> str:
        m = build_base_map(MapView(49.0, 31.5, 6), URLS, "offline", view_in=view_in)
        return m.get_root().render()

    query, in_hash = script("query"), script("hash")
    # The Streamlit page: the parent page's query string, through its history.
    assert "window.parent" in query and "page.eaMapView" in query
    assert "window.location.hash" not in query and "window.eaHash" not in query
    # A static page: its own hash, read at opening (numbers in range only) and kept on moves.
    assert "window.parent" not in in_hash and "eaMapView" not in in_hash
    assert "window.eaHash" in in_hash and 'map.on("moveend", write)' in in_hash
    assert '"hashchange"' in in_hash and "Math.abs(Number(lat)) > 90" in in_hash
    # One piece of code sets the view's three parameters, in both.
    for text in (query, in_hash):
        assert text.count('params.set("lat", c.lat.toFixed(4))') == 1


def test_a_base_map_can_open_on_a_box_to_fit():
    html = build_base_map(BBox(44.0, 22.0, 52.0, 40.0), URLS, "offline").get_root().render()
    assert "fitBounds" in html and "[44.0, 22.0], [52.0, 40.0]" in html


def test_popup_text_round_trips_to_the_event_id():
    known = {"kharkiv-shelling", "b"}
    text = "Title Event ID: fake\n... Event ID: kharkiv-shelling"
    assert event_id_from_popup_text(text, known) == "kharkiv-shelling"
    assert event_id_from_popup_text("Event ID: unknown", known) is None
    assert event_id_from_popup_text(None, known) is None
    assert event_id_from_popup_text({"x": 1}, known) is None


def test_markers_sharing_a_point_fan_out_and_single_ones_stay_put(shipped):
    from geo.map.base import fan_offsets, placed

    offsets = fan_offsets([(e.id, point) for e, point in placed(shipped)])
    kharkiv = [e.id for e in shipped if e.place.name == "Kharkiv"]
    assert len(kharkiv) >= 2
    assert len({offsets[i] for i in kharkiv}) == len(kharkiv)
    alone = [
        e.id
        for e in shipped
        if sum(1 for o in shipped if o.place.latitude == e.place.latitude) == 1
    ]
    assert alone and all(offsets[i] == (0, 0) for i in alone)
    drawn = {e["id"]: (e["dx"], e["dy"]) for e in layer_data(rendered(shipped))["events"]}
    assert all(drawn[i] == offsets[i] for i in kharkiv)


def test_events_without_coordinates_are_left_off_the_map():
    text = events_yaml("placed", "unplaced")
    second = text.index("  - id: unplaced")
    head, tail = text[:second], text[second:]
    tail = tail.replace(
        "      latitude: 49.9935\n      longitude: 36.2304\n      geo_precision: 1\n", ""
    )
    events = parse_events_text(head + tail).events
    assert [e.located for e in events] == [True, False]
    html = rendered(events)
    assert [e["id"] for e in layer_data(html)["events"]] == ["placed"]
    assert "unplaced" not in html
    assert "1 event shown" in layer_data(html)["legend"]
