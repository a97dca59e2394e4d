from __future__ import annotations

import datetime as dt

import pytest

from geo import EventFilter, EventType, apply_filter, count_by_type, load_events
from geo.filters import date_bounds
from geo.text import fold
from tests.conftest import SHIPPED_EVENTS


@pytest.fixture(scope="module")
def events():
    return load_events(SHIPPED_EVENTS).events


def ids(events):
    return {e.id for e in events}


def test_no_filter_keeps_everything(events):
    assert apply_filter(events, EventFilter()) == list(events)


def test_type_filter(events):
    shown = apply_filter(events, EventFilter(types=frozenset({EventType.SHELLING})))
    assert shown and all(e.event_type is EventType.SHELLING for e in shown)


def test_date_range_keeps_events_that_overlap_it(events):
    only_24 = EventFilter(date_from=dt.date(2022, 2, 24), date_to=dt.date(2022, 2, 24))
    shown = apply_filter(events, only_24)
    assert "russian-invasion-launched" in ids(shown)
    # A range 24-28 February overlaps the 24th too.
    assert any(e.time_precision == "range" for e in shown)
    assert all(e.date <= dt.date(2022, 2, 24) <= e.last_date for e in shown)


def test_country_precision_and_text(events):
    belarus = apply_filter(events, EventFilter(countries=frozenset({"BY"})))
    assert belarus and all(e.place.country == "BY" for e in belarus)
    exact = apply_filter(events, EventFilter(precisions=frozenset({1})))
    assert exact and all(e.place.geo_precision == 1 for e in exact)
    kharkiv = apply_filter(events, EventFilter(text="  KHARKIV  "))
    assert kharkiv and all(
        "kharkiv" in (e.title + e.summary + e.place.name).lower() for e in kharkiv
    )
    assert apply_filter(events, EventFilter(text="kharkiv zzzz-nothing")) == []


def test_text_search_ignores_case_and_accents():
    assert fold("Zélenskiy ÉMPIRE") == "zelenskiy empire"
    assert fold("КИЇВ") == fold("київ")


def test_counts_and_bounds(events):
    counts = count_by_type(events)
    assert sum(counts.values()) == len(events)
    assert date_bounds(events) == (dt.date(2022, 2, 24), dt.date(2022, 2, 28))
    assert date_bounds([]) is None
