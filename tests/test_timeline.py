"""The timeline: bins from the span, counts that add up to what the page shows (in memory and in
the engine alike), brushing, playback and the chart's spec."""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import replace

import pytest

from geo import EventFilter, EventType, load_events
from geo.catalog import ListCatalog
from geo.model import Dataset, Event
from geo.store import EventStore
from geo.timeline import (
    CONTEXT_GREY,
    Playback,
    bin_end,
    bin_start,
    brush_interval,
    brushed_range,
    next_bin,
    shown_total,
    start_playback,
    timeline_bars,
    timeline_spec,
    unit_for,
)
from geo.web.timeline import bars_of
from tests.conftest import SHIPPED_EVENTS
from tests.test_store import synthetic

D = dt.date


def spread(count: int, days: int, seed: int = 5) -> list[Event]:
    """Events over `days` days, some of them lasting several days."""
    rng = random.Random(seed)
    out = []
    for i, event in enumerate(synthetic(count, seed=seed)):
        start = D(2021, 11, 3) + dt.timedelta(days=rng.randrange(days))
        end = start + dt.timedelta(days=rng.randrange(1, 40)) if i % 7 == 0 else None
        out.append(
            event.model_copy(
                update={
                    "date": start,
                    "date_end": end,
                    "time_precision": "range" if end else "day",
                    "id": f"spread-{i}",
                }
            )
        )
    return out


@pytest.fixture(scope="module")
def catalogs(tmp_path_factory: pytest.TempPathFactory) -> tuple[ListCatalog, EventStore]:
    events = [*load_events(SHIPPED_EVENTS).events, *spread(600, 900)]
    memory = ListCatalog(Dataset(title="t", events=events))
    engine = EventStore.write(events, tmp_path_factory.mktemp("timeline") / "e.parquet")
    return memory, engine


def test_the_bin_size_follows_the_span() -> None:
    assert unit_for(D(2022, 2, 24), D(2022, 2, 28)) == "day"
    assert unit_for(D(2022, 1, 1), D(2022, 3, 3)) == "day"  # 62 days
    assert unit_for(D(2022, 1, 1), D(2022, 3, 4)) == "week"
    assert unit_for(D(2022, 1, 1), D(2023, 12, 31)) == "week"  # 730 days
    assert unit_for(D(2014, 1, 1), D(2022, 12, 31)) == "month"


def test_bins_are_whole_days_weeks_from_monday_and_months() -> None:
    thursday = D(2022, 2, 24)
    assert bin_start(thursday, "day") == thursday
    assert bin_start(thursday, "week") == D(2022, 2, 21)  # the Monday before
    assert bin_end(D(2022, 2, 21), "week") == D(2022, 2, 27)
    assert bin_start(thursday, "month") == D(2022, 2, 1)
    assert bin_end(D(2022, 2, 1), "month") == D(2022, 2, 28)
    assert next_bin(D(2022, 12, 1), "month") == D(2023, 1, 1)
    assert next_bin(D(2022, 11, 1), "month", 3) == D(2023, 2, 1)


FILTERS = [
    EventFilter(),
    EventFilter(types=frozenset({EventType.SHELLING, EventType.STATEMENT})),
    EventFilter(date_from=D(2022, 2, 26)),
    EventFilter(date_from=D(2022, 1, 10), date_to=D(2022, 9, 4)),
    EventFilter(date_to=D(2022, 2, 27), countries=frozenset({"UA"})),
]


@pytest.mark.parametrize("event_filter", FILTERS)
@pytest.mark.parametrize("unit", ["day", "week", "month"])
def test_memory_and_engine_bin_alike(catalogs, event_filter: EventFilter, unit) -> None:
    memory, engine = catalogs
    assert memory.bin_counts(event_filter, unit) == engine.bin_counts(event_filter, unit)


@pytest.mark.parametrize("event_filter", FILTERS)
def test_the_bars_in_the_range_add_up_to_what_the_page_shows(catalogs, event_filter) -> None:
    for catalog in catalogs:
        bounds = catalog.date_bounds()
        assert bounds is not None
        bars, unit = bars_of(catalog, event_filter, bounds)
        assert shown_total(bars) == catalog.count(event_filter)
        # Every shown bar lies inside the range; context bars only outside it.
        low = event_filter.date_from or bounds[0]
        high = event_filter.date_to or bounds[1]
        assert all(bin_end(b.start, unit) >= low and b.start <= high for b in bars if b.shown)
        assert all(bin_end(b.start, unit) < low or b.start > high for b in bars if not b.shown)
        everything = replace(event_filter, date_from=None, date_to=None)
        grey = sum(b.count for b in bars if not b.shown)
        assert grey <= catalog.count(everything)


def test_the_shipped_timeline_counts_each_day() -> None:
    catalog = ListCatalog(load_events(SHIPPED_EVENTS))
    bounds = catalog.date_bounds()
    assert bounds == (D(2022, 2, 24), D(2022, 2, 28))
    bars, unit = bars_of(catalog, EventFilter(), bounds)
    assert unit == "day"
    per_day: dict[dt.date, int] = {}
    for bar in bars:
        per_day[bar.start] = per_day.get(bar.start, 0) + bar.count
    assert per_day == {
        day: sum(1 for e in catalog.events(EventFilter(), limit=None) if e.date == day)
        for day in per_day
    }
    assert sum(per_day.values()) == catalog.total()
    # From Sunday on: the events that began before it but last into it are counted on Sunday.
    sunday = EventFilter(date_from=D(2022, 2, 27))
    bars, _ = bars_of(catalog, sunday, bounds)
    first = sum(b.count for b in bars if b.shown and b.start == D(2022, 2, 27))
    began_before = sum(1 for e in catalog.events(sunday, limit=None) if e.date < D(2022, 2, 27))
    assert began_before > 0
    assert first >= began_before
    assert {b.start for b in bars if not b.shown} == {D(2022, 2, 24)}


def test_a_brush_becomes_whole_bins_within_the_data() -> None:
    bounds = (D(2022, 2, 24), D(2022, 4, 30))
    noon = lambda day: dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)  # noqa: E731
    ms = [noon(D(2022, 3, 2)).timestamp() * 1000, noon(D(2022, 3, 9)).timestamp() * 1000]
    assert brushed_range(ms, "day", bounds) == (D(2022, 3, 2), D(2022, 3, 9))
    assert brushed_range(ms, "week", bounds) == (D(2022, 2, 28), D(2022, 3, 13))
    assert brushed_range(list(reversed(ms)), "month", bounds) == (D(2022, 3, 1), D(2022, 3, 31))
    # Clamped to the data: the first week starts before the first event.
    early = [noon(D(2022, 2, 20)).timestamp() * 1000, ms[0]]
    assert brushed_range(early, "week", bounds) == (D(2022, 2, 24), D(2022, 3, 6))
    assert brushed_range(["2022-03-02T00:00:00", "2022-03-03"], "day", bounds) == (
        D(2022, 3, 2),
        D(2022, 3, 3),
    )
    assert brushed_range(["soon", "later"], "day", bounds) is None
    assert brushed_range([1e20, 1e21], "day", bounds) is None
    assert brushed_range([ms[0]], "day", bounds) is None


def test_the_chart_reports_a_brush_a_cleared_brush_or_none() -> None:
    assert brush_interval({"brush": {"start": [1, 2]}}) == [1, 2]
    assert brush_interval({"brush": {}}) == []
    assert brush_interval({}) is None
    assert brush_interval(None) is None


def test_playback_steps_a_window_one_bin_at_a_time_and_stops_at_the_end() -> None:
    bounds = (D(2022, 2, 24), D(2022, 2, 28))
    position = start_playback(None, bounds, "day", 2)
    windows = [position.window(bounds)]
    while (following := position.step(bounds)) is not None:
        position = following
        windows.append(position.window(bounds))
    assert windows == [
        (D(2022, 2, 24), D(2022, 2, 25)),
        (D(2022, 2, 25), D(2022, 2, 26)),
        (D(2022, 2, 26), D(2022, 2, 27)),
        (D(2022, 2, 27), D(2022, 2, 28)),
    ]
    assert position.at_end(bounds)


def test_play_starts_at_the_chosen_range_or_at_the_beginning() -> None:
    bounds = (D(2022, 1, 5), D(2022, 9, 1))
    chosen = (D(2022, 3, 9), D(2022, 4, 1))
    assert start_playback(chosen, bounds, "week", 4) == Playback(D(2022, 3, 7), 4, "week")
    assert start_playback(None, bounds, "week", 1).start == D(2022, 1, 3)
    # A range that already reaches the end starts again from the beginning.
    assert start_playback((D(2022, 8, 1), bounds[1]), bounds, "month", 1).start == D(2022, 1, 1)
    months = Playback(D(2022, 7, 1), 3, "month")
    assert months.window(bounds) == (D(2022, 7, 1), D(2022, 9, 1))
    assert months.step(bounds) is None


def test_only_the_charts_data_changes_with_the_filters(catalogs) -> None:
    memory, _ = catalogs
    bounds = memory.date_bounds()
    specs = []
    for event_filter in FILTERS[:3]:
        bars, unit = bars_of(memory, event_filter, bounds)
        spec = timeline_spec(bars, unit, bounds)
        data = spec.pop("data")
        specs.append(json.dumps(spec, sort_keys=True))
        assert isinstance(data, dict) and data["values"]
    assert len(set(specs)) == 1
    bars, unit = bars_of(memory, FILTERS[2], bounds)
    values = timeline_spec(bars, unit, bounds)["data"]["values"]  # type: ignore[index]
    assert {v["colour"] for v in values if v["type"] == "outside the dates"} == {CONTEXT_GREY}
    assert sum(v["n"] for v in values if v["colour"] != CONTEXT_GREY) == memory.count(FILTERS[2])


def test_no_bars_for_no_events() -> None:
    assert timeline_bars({}, {}, None, "day") == []
