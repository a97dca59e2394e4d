"""Small data in memory and large data in the engine answer the page's questions alike."""

from __future__ import annotations

import datetime as dt

import pytest

from geo import EventFilter, EventType, load_events
from geo.catalog import LARGE_DATASET, ListCatalog, catalog_of, type_options
from geo.model import Dataset
from geo.store import BBox, EventStore
from tests.conftest import SHIPPED_EVENTS
from tests.test_store import synthetic

FILTERS = [
    EventFilter(),
    EventFilter(types=frozenset({EventType.SHELLING})),
    EventFilter(date_from=dt.date(2022, 3, 1), countries=frozenset({"UA"})),
    EventFilter(text="kharkiv", precisions=frozenset({1, 2})),
]


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    events = [*load_events(SHIPPED_EVENTS).events, *synthetic(400, seed=3)]
    memory = ListCatalog(Dataset(title="t", events=events))
    engine = EventStore.write(events, tmp_path_factory.mktemp("catalog") / "e.parquet")
    return memory, engine


@pytest.mark.parametrize("event_filter", FILTERS)
def test_memory_and_engine_agree(both, event_filter):
    memory, engine = both
    box = BBox(46.0, 28.0, 51.0, 38.0)
    assert memory.count(event_filter) == engine.count(event_filter)
    assert memory.count(event_filter, box) == engine.count(event_filter, box)
    assert memory.type_counts(event_filter) == engine.type_counts(event_filter)
    assert memory.unplaced_count(event_filter) == engine.unplaced_count(event_filter)
    assert {e.id for e in memory.events(event_filter, box)} == {
        e.id for e in engine.events(event_filter, box, limit=10_000)
    }
    assert sorted(e.id for e in memory.iter_events(event_filter)) == sorted(
        e.id for e in engine.iter_events(event_filter, batch_size=7)
    )


def test_dataset_facts_agree(both):
    memory, engine = both
    assert memory.total() == engine.total()
    assert memory.countries() == engine.countries()
    assert memory.date_bounds() == engine.date_bounds()
    assert type_options(memory) == type_options(engine)
    event = memory.events(EventFilter())[5]
    assert engine.event(event.id) == event
    assert memory.contains(FILTERS[1], event.id) == engine.contains(FILTERS[1], event.id)
    assert engine.event("no-such-id") is None


def test_a_large_dataset_goes_to_the_engine_and_a_small_one_stays_in_memory(tmp_path):
    opened: list[int] = []

    def open_store(dataset: Dataset) -> EventStore:
        opened.append(len(dataset.events))
        return EventStore.write(dataset.events, tmp_path / "big.parquet")

    small = Dataset(title="s", events=synthetic(10))
    large = Dataset(title="l", events=synthetic(LARGE_DATASET + 1))
    assert isinstance(catalog_of(small, open_store), ListCatalog)
    assert isinstance(catalog_of(large, open_store), EventStore)
    assert opened == [LARGE_DATASET + 1]


def test_a_missing_or_foreign_parquet_file_is_refused_with_its_name(tmp_path):
    from geo.errors import DataFileError

    with pytest.raises(DataFileError, match=r"nothing.parquet.*not found"):
        EventStore.open(tmp_path / "nothing.parquet")
    junk = tmp_path / "junk.parquet"
    junk.write_bytes(b"not parquet at all")
    with pytest.raises(DataFileError, match=r"junk.parquet.*not a readable Parquet"):
        EventStore.open(junk)
    import duckdb

    other = tmp_path / "other.parquet"
    duckdb.sql(f"COPY (SELECT 1 AS id, 2 AS x) TO '{other}' (FORMAT parquet)")
    with pytest.raises(
        DataFileError, match=r"other.parquet.*missing columns.*python -m geo import"
    ):
        EventStore.open(other)
