"""The DuckDB/Parquet store: the same answers as the Python filters, and honest aggregates."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from geo import EventFilter, EventType, apply_filter, load_events
from geo.model import Event
from geo.store import BBox, EventStore
from tests.conftest import SHIPPED_EVENTS

pytest.importorskip("duckdb")


def synthetic(count: int, seed: int = 7) -> list[Event]:
    base = load_events(SHIPPED_EVENTS).events[2]  # a Kharkiv event, as a template
    rng = random.Random(seed)
    types = list(EventType)
    out = []
    for i in range(count):
        day = dt.date(2022, 2, 24) + dt.timedelta(days=rng.randrange(0, 30))
        place = base.place.model_copy(
            update={
                "latitude": rng.uniform(44.5, 52.0),
                "longitude": rng.uniform(22.5, 40.0),
                "geo_precision": rng.choice([1, 2, 3]),
                "country": rng.choice(["UA", "BY", "RU"]),
                "name": rng.choice(["Kharkiv", "Mariupol", "Kyiv", "Gomel"]),
            }
        )
        out.append(
            base.model_copy(
                update={
                    "id": f"syn-{i}",
                    "event_type": rng.choice(types),
                    "date": day,
                    "time_precision": "day",
                    "date_end": None,
                    "place": place,
                    "title": f"Synthetic event {i}",
                }
            )
        )
    return out


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    events = [*load_events(SHIPPED_EVENTS).events, *synthetic(3000)]
    path = tmp_path_factory.mktemp("store") / "events.parquet"
    return events, EventStore.write(events, path)


FILTERS = [
    EventFilter(),
    EventFilter(types=frozenset({EventType.SHELLING, EventType.ARMED_CLASH})),
    EventFilter(date_from=dt.date(2022, 3, 1), date_to=dt.date(2022, 3, 10)),
    EventFilter(countries=frozenset({"BY"}), precisions=frozenset({1, 2})),
    EventFilter(text="kharkiv"),
    EventFilter(text="synthetic 12"),
]


@pytest.mark.parametrize("event_filter", FILTERS)
def test_engine_filters_agree_with_the_python_filters(data, event_filter):
    events, store = data
    expected = {e.id for e in apply_filter(events, event_filter)}
    assert store.count(event_filter) == len(expected)
    assert {e.id for e in store.events(event_filter, limit=10_000)} == expected


@pytest.mark.parametrize("zoom", range(2, 15, 2))
@pytest.mark.parametrize("event_filter", FILTERS[:4])
def test_cell_counts_sum_to_the_filtered_total_at_every_zoom(data, zoom, event_filter):
    _, store = data
    cells = store.aggregate(event_filter, zoom)
    assert sum(c.count for c in cells) == store.count(event_filter)
    assert all(sum(c.types.values()) == c.count for c in cells)


def test_more_cells_as_you_zoom_in(data):
    _, store = data
    counts = [len(store.aggregate(EventFilter(), zoom)) for zoom in (3, 6, 9)]
    assert counts[0] < counts[1] < counts[2]


def test_viewport_filter_and_on_demand_event(data):
    events, store = data
    box = BBox(south=49.0, west=35.0, north=51.0, east=38.0)
    inside = {
        e.id
        for e in events
        if e.place.point and 49.0 <= e.place.point[0] <= 51.0 and 35.0 <= e.place.point[1] <= 38.0
    }
    assert store.count(EventFilter(), box) == len(inside)
    original = events[0]
    assert store.event(original.id) == original
    assert store.event("no-such-id") is None


def test_type_counts_and_date_bounds(data):
    events, store = data
    counts = store.type_counts(EventFilter())
    assert sum(counts.values()) == len(events)
    low, high = store.date_bounds()
    assert low == min(e.date for e in events) and high == max(e.last_date for e in events)
