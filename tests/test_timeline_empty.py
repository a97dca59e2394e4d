"""The timeline when the filters leave nothing, and a chart spec that draws without warnings:
explicit domains on both axes, so nothing is read from data the browser does not have yet."""

from __future__ import annotations

import datetime as dt

import pytest

from geo import EventFilter, EventType
from geo.catalog import ListCatalog
from geo.loader import load_events
from geo.timeline import count_ceiling, tallest_stack, timeline_bars, timeline_spec
from geo.web.timeline import bars_of, count_top, no_events_message
from tests.conftest import SHIPPED_EVENTS

D = dt.date


@pytest.fixture(scope="module")
def shipped() -> ListCatalog:
    return ListCatalog(load_events(SHIPPED_EVENTS))


@pytest.mark.parametrize(
    ("tallest", "top"), [(0, 1), (1, 1), (2, 2), (3, 5), (17, 20), (20, 20), (21, 50), (999, 1000)]
)
def test_the_count_axis_tops_at_one_two_or_five_times_a_power_of_ten(
    tallest: int, top: int
) -> None:
    assert count_ceiling(tallest) == top


def test_the_tallest_stack_adds_the_types_of_a_bin() -> None:
    counts = {(D(2022, 2, 24), EventType.SHELLING): 2, (D(2022, 2, 24), EventType.STATEMENT): 3}
    counts[(D(2022, 2, 25), EventType.SHELLING)] = 4
    assert tallest_stack(timeline_bars(counts, {}, None, "day")) == 5
    assert tallest_stack([]) == 0


def test_both_axes_have_explicit_domains(shipped: ListCatalog) -> None:
    bounds = shipped.date_bounds()
    assert bounds is not None
    bars, unit = bars_of(shipped, EventFilter(), bounds)
    encoding = timeline_spec(bars, unit, bounds, 150, count_top(shipped, bars, unit))["encoding"]
    assert isinstance(encoding, dict)
    # Dates as one expression (midnight UTC, months from 0), the day after the last bin last.
    assert encoding["x"]["scale"] == {
        "type": "utc",
        "domain": {"expr": "[utc(2022, 1, 24), utc(2022, 2, 1)]"},
    }
    assert encoding["y"]["scale"] == {"domain": [0, 20]}  # 17 events on 28 February
    assert "scale" not in encoding["x2"]


def test_the_count_axis_stays_whatever_the_filters(shipped: ListCatalog) -> None:
    bounds = shipped.date_bounds()
    assert bounds is not None
    tops = set()
    for event_filter in (
        EventFilter(),
        EventFilter(types=frozenset({EventType.SHELLING})),
        EventFilter(date_from=D(2022, 2, 27)),
        EventFilter(text="zzzqqq"),
    ):
        bars, unit = bars_of(shipped, event_filter, bounds)
        tops.add(count_top(shipped, bars, unit))
    assert tops == {20}


def test_no_events_left_gives_no_bars(shipped: ListCatalog) -> None:
    bounds = shipped.date_bounds()
    assert bounds is not None
    bars, _ = bars_of(shipped, EventFilter(text="zzzqqq"), bounds)
    assert bars == []


def test_the_message_names_what_to_change() -> None:
    assert no_events_message(EventFilter(text="zzz"), outside=False) == (
        "No events match these filters: clear the search."
    )
    everything = EventFilter(
        types=frozenset({EventType.SHELLING}),
        date_from=D(2022, 2, 27),
        countries=frozenset({"BY"}),
        text="convoy",
    )
    assert no_events_message(everything, outside=False) == (
        "No events match these filters: clear the search, choose more event types, "
        "choose more countries or widen the dates."
    )
    assert no_events_message(EventFilter(), outside=False) == "No events match."


def test_events_outside_the_dates_are_pointed_at() -> None:
    message = no_events_message(EventFilter(date_from=D(2022, 2, 26)), outside=True)
    assert message.startswith("No events match in the chosen dates.")
    assert "widen the dates" in message
