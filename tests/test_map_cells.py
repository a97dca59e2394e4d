"""The large map: viewports, aggregation by view, and the layer it ships."""

from __future__ import annotations

import json
import math
import re

import pytest

from geo import EventFilter, EventType, load_events
from geo.escape import script_json
from geo.map.cells import (
    INDIVIDUAL_LIMIT,
    Viewport,
    cell_html,
    layer_cell,
    query_box,
    short_count,
    view_fitting,
    viewport_from_map_value,
    viewport_of_view,
)
from geo.map.layer import content_in_view, layer_payload, layer_script
from geo.map.popup import event_id_in_popup_text, stub_popup_html
from geo.store import BBox, Cell, EventStore
from geo.urlstate import MapView
from tests.conftest import SHIPPED_EVENTS
from tests.test_store import synthetic


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    events = [*load_events(SHIPPED_EVENTS).events, *synthetic(5000, seed=11)]
    return EventStore.write(events, tmp_path_factory.mktemp("clusters") / "events.parquet")


def contains(outer: BBox, inner: BBox) -> bool:
    return (
        outer.south <= inner.south
        and outer.west <= inner.west
        and outer.north >= inner.north
        and outer.east >= inner.east
    )


@pytest.mark.parametrize("zoom", [3, 6, 9, 12])
def test_a_view_and_the_box_it_shows_agree(zoom):
    view = MapView(49.5, 31.0, zoom)
    viewport = viewport_of_view(view)
    assert viewport.centre == view
    # Fitting the box it shows gives back the zoom (or one less, for rounding at the edges).
    assert view_fitting(viewport.box).zoom in (zoom - 1, zoom)


def test_fitting_keeps_the_whole_box_in_view():
    box = BBox(44.4, 22.1, 52.4, 40.2)  # Ukraine
    view = view_fitting(box)
    assert contains(viewport_of_view(view).box, box)
    assert not contains(viewport_of_view(MapView(view.lat, view.lon, view.zoom + 1)).box, box)


def test_viewport_from_what_the_map_reports():
    value = {
        "bounds": {
            "_southWest": {"lat": 48.0, "lng": 30.0},
            "_northEast": {"lat": 51.0, "lng": 36.0},
        },
        "zoom": 7,
    }
    assert viewport_from_map_value(value) == Viewport(BBox(48.0, 30.0, 51.0, 36.0), 7)


@pytest.mark.parametrize(
    "value",
    [
        None,
        {},
        {"bounds": None, "zoom": 5},
        {"bounds": {"_southWest": {"lat": "x", "lng": 1}, "_northEast": {"lat": 2, "lng": 3}}},
        {
            "bounds": {
                "_southWest": {"lat": math.nan, "lng": 1},
                "_northEast": {"lat": 2, "lng": 3},
            },
            "zoom": 4,
        },
        {
            "bounds": {"_southWest": {"lat": 5, "lng": 1}, "_northEast": {"lat": 2, "lng": 3}},
            "zoom": 4,
        },
        {
            "bounds": {"_southWest": {"lat": 1, "lng": 1}, "_northEast": {"lat": 2, "lng": 3}},
            "zoom": True,
        },
    ],
)
def test_unusable_map_values_are_ignored(value):
    assert viewport_from_map_value(value) is None


def test_world_spanning_bounds_are_clamped():
    value = {
        "bounds": {"_southWest": {"lat": -95, "lng": -500}, "_northEast": {"lat": 95, "lng": 400}},
        "zoom": 40,
    }
    viewport = viewport_from_map_value(value)
    # The box to the world; the zoom to the one a screen shows the world at (not 18).
    assert viewport == Viewport(BBox(-90.0, -180.0, 90.0, 180.0), 3)


def test_small_pans_ask_for_the_same_box_and_it_covers_the_view():
    first = viewport_of_view(MapView(49.5, 31.0, 8))
    nudged = viewport_of_view(MapView(49.52, 31.03, 8))
    assert query_box(first) == query_box(nudged)
    assert contains(query_box(first), first.box)


def test_the_layer_drawn_stays_while_it_covers_the_view_at_its_zoom():
    # The link's view guessed at a typical size, then the real (narrower) map's report.
    guessed = viewport_of_view(MapView(50.0, 36.0, 6))
    shown = layer_cell(guessed)
    real = viewport_of_view(MapView(50.0, 36.0, 6), size=(366, 620))
    assert layer_cell(real, shown) is shown
    assert layer_cell(real) != shown  # on its own, the narrower view has a smaller cell
    # Another zoom, or a view past the cell's edge, gets a cell of its own.
    assert layer_cell(viewport_of_view(MapView(50.0, 36.0, 7)), shown).zoom == 7
    far = viewport_of_view(MapView(50.0, 60.0, 6))
    assert layer_cell(far, shown) == layer_cell(far) != shown


def test_few_events_in_view_are_drawn_one_by_one(store):
    viewport = viewport_of_view(MapView(50.0, 36.2, 12))
    content = content_in_view(store, EventFilter(), viewport)
    in_box = store.count(EventFilter(), query_box(viewport))
    assert 0 < in_box <= INDIVIDUAL_LIMIT
    assert content.cells == []
    assert len(content.points) == in_box


@pytest.mark.parametrize("zoom", [3, 5, 7, 9])
@pytest.mark.parametrize(
    "event_filter",
    [EventFilter(), EventFilter(types=frozenset({EventType.SHELLING, EventType.PROTEST}))],
)
def test_cells_and_lone_events_account_for_every_event_in_view(store, zoom, event_filter):
    viewport = viewport_of_view(MapView(48.5, 31.0, zoom))
    content = content_in_view(store, event_filter, viewport)
    drawn = sum(cell.count for cell in content.cells) + len(content.points)
    assert drawn == store.count(event_filter, query_box(viewport))
    if content.cells:
        assert all(cell.count >= 2 for cell in content.cells)
        assert all(sum(cell.types.values()) == cell.count for cell in content.cells)


def test_the_selected_event_is_drawn_even_inside_a_cell(store):
    viewport = viewport_of_view(MapView(48.5, 31.0, 4))
    selected = store.event("syn-17")
    assert selected is not None
    content = content_in_view(store, EventFilter(), viewport, selected)
    assert content.cells, "at zoom 4 the synthetic events are aggregated"
    assert content.selected_id == "syn-17" and list(content.events) == [selected]
    assert all(point.id != "syn-17" for point in content.points)
    payload = layer_payload(content, viewport.zoom)
    chosen = [e for e in payload["events"] if e["selected"]]
    assert len(chosen) == 1
    assert "Synthetic event 17" in chosen[0]["popup"]


def test_popups_are_stubs_except_for_the_selected_event(store):
    viewport = viewport_of_view(MapView(50.0, 36.2, 12))
    content = content_in_view(store, EventFilter(), viewport)
    payload = layer_payload(content, viewport.zoom)
    assert payload["events"] and payload["shapes"] == []
    for drawn, point in zip(payload["events"], content.points, strict=True):
        assert drawn["popup"] == stub_popup_html(point.id) and drawn["radius"] == 0
        assert event_id_in_popup_text(html_text(drawn["popup"])) == point.id
        assert store.event(point.id).title == point.title


def layer_data(script: str) -> dict:
    """The payload a layer script hands to the base map's drawing code."""
    call = re.search(r"eaDrawLayer\(map_div, feature_group_feature_group_0, (\{.*\})\);", script)
    assert call is not None, "the layer draws through eaDrawLayer"
    return json.loads(call.group(1))


def html_text(markup: str) -> str:
    return re.sub(r"<[^>]+>", " ", markup)


def test_the_layer_ships_a_bounded_payload_whatever_the_dataset_size(store):
    viewport = viewport_of_view(MapView(48.5, 31.0, 5))
    content = content_in_view(store, EventFilter(), viewport)
    data = script_json(layer_payload(content, viewport.zoom))
    # A few hundred bytes per cell, never per event: 5,000 events fit in well under 200 KB.
    assert len(data) < 200_000
    assert store.count(EventFilter(), query_box(viewport)) > 1000


def test_hostile_event_text_reaches_the_layer_only_escaped(tmp_path):
    payload_text = "</script><img src=x onerror=alert(1)>`${alert(2)}`\u2028"
    hostile = [
        e.model_copy(update={"title": payload_text, "summary": payload_text, "id": f"bad-{i}"})
        for i, e in enumerate(synthetic(3, seed=1))
    ]
    store = EventStore.write(hostile, tmp_path / "bad.parquet")
    viewport = viewport_of_view(MapView(48.5, 31.0, 3))
    content = content_in_view(store, EventFilter(), viewport, hostile[0])
    assert len(content.points) == 2 and content.selected_id == hostile[0].id
    script = layer_script(layer_payload(content, 3))
    for needle in ("</script>", "<img", "${", "`", "\u2028"):
        assert needle not in script
    data = layer_data(script)
    assert len(data["events"]) == 3
    selected = next(e for e in data["events"] if e["selected"])
    assert "&lt;img src=x onerror=alert(1)&gt;&#96;&#36;&#123;" in selected["tip"]
    assert "&lt;/script&gt;" in selected["popup"]


def test_cells_show_counts_and_a_ring_of_their_type_mix():
    cell = Cell(50.0, 36.0, 1500, {EventType.SHELLING: 1000, EventType.PROTEST: 500})
    html = cell_html(cell)
    assert "1.5k" in html
    shares = [float(x) for x in re.findall(r"(\d+\.\d)%", html)]
    assert shares == [0.0, 66.7, 66.7, 100.0]


@pytest.mark.parametrize(
    ("count", "label"),
    [
        (7, "7"),
        (1000, "1k"),
        (1234, "1.2k"),
        (56_789, "56k"),
        (1_000_000, "1M"),
        (2_345_678, "2.3M"),
    ],
)
def test_short_counts(count, label):
    assert short_count(count) == label
