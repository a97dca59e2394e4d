"""Where a map opens: the theatre, the smallest box holding most events, far-off groups left out."""

from __future__ import annotations

from geo import EventFilter, load_events
from geo.catalog import ListCatalog
from geo.map.cells import view_fitting
from geo.map.layer import opening_start, placed_counts
from geo.map.theatre import KEEP_AT_LEAST, theatre_box
from geo.store import BBox
from tests.conftest import SHIPPED_EVENTS

# The map's size in the page at 1400 x 900 with the sidebar open (measured in Chromium).
DESKTOP_MAP_PX = (660, 600)
PHONE_MAP_PX = (358, 620)


def inside(box: BBox, point: tuple[float, float]) -> bool:
    return box.south <= point[0] <= box.north and box.west <= point[1] <= box.east


def test_the_shipped_story_opens_on_the_war_not_the_world() -> None:
    events = load_events(SHIPPED_EVENTS).events
    box = theatre_box(ListCatalog(load_events(SHIPPED_EVENTS)).placed_counts(EventFilter()))
    assert box is not None
    located = [(e.place.country, e.place.point) for e in events if e.place.point is not None]
    ukraine = [point for country, point in located if country == "UA"]
    assert ukraine and all(inside(box, point) for point in ukraine)
    left_out = [country for country, point in located if not inside(box, point)]
    assert sorted(set(left_out)) == ["BE", "US"]  # Brussels and New York, counted at the edge
    assert len(left_out) <= (1 - KEEP_AT_LEAST) * len(located)
    assert view_fitting(box, DESKTOP_MAP_PX).zoom >= 5
    assert view_fitting(box, PHONE_MAP_PX).zoom >= 5


def test_a_published_map_opens_on_the_same_theatre() -> None:
    events = load_events(SHIPPED_EVENTS).events
    assert opening_start(events, None, None) == theatre_box(placed_counts(events))


def test_never_more_than_a_quarter_is_left_out() -> None:
    # Three equal groups far apart: leaving any out would leave out a third.
    points = [(50.0, 30.0, 10), (40.7, -74.0, 10), (35.7, 139.7, 10)]
    assert theatre_box(points) == BBox(35.7, -74.0, 50.0, 139.7)
    # The lone far-off one goes.
    box = theatre_box([(50.0, 30.0, 10), (50.5, 31.0, 10), (40.7, -74.0, 1)])
    assert box == BBox(50.0, 30.0, 50.5, 31.0)


def test_a_tight_cluster_keeps_its_near_neighbours() -> None:
    # Kyiv with many events, Chernihiv (1.3 degrees away) with one: too near to leave out.
    box = theatre_box([(50.45, 30.52, 30), (51.5, 31.3, 1)])
    assert box == BBox(50.45, 30.52, 51.5, 31.3)


def test_a_group_is_far_off_only_when_its_gap_is_wider_than_the_rest() -> None:
    # An even spread from west to east: no gap stands out, nothing is left out.
    points = [(48.0, float(lon), 1) for lon in range(0, 40, 4)]
    assert theatre_box(points) == BBox(48.0, 0.0, 48.0, 36.0)


def test_one_place_or_none() -> None:
    assert theatre_box([(50.45, 30.52, 3)]) == BBox(50.45, 30.52, 50.45, 30.52)
    assert theatre_box([]) is None
    assert theatre_box([(1.0, 2.0, 0)]) is None
