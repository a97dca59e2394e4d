"""One question-and-answer surface over the events, whether they sit in YAML or in Parquet.

The page asks a `Catalog` for counts, options and events. A small hand-curated dataset is
answered in memory (`ListCatalog`); a large one by the DuckDB engine (`EventStore`). The page
draws a per-event map for the first and an aggregated one for the second.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from typing import Protocol

from geo.filters import (
    EventFilter,
    apply_filter,
    count_by_type,
    countries_of,
    date_bounds,
    label_counts,
)
from geo.memo import Memo
from geo.model import Dataset, Event
from geo.store import (
    ANSWER_BYTES,
    ANSWERS_KEPT,
    BBox,
    Cell,
    EventStore,
    MapPoint,
    cell_size_degrees,
)
from geo.timeline import Unit, bin_start
from geo.vocabulary import EventType

# Above this many events a dataset is drawn as cells: per-event markers with embedded popups
# cost about 1 MB of HTML and a second of browser time per 1,000 events.
LARGE_DATASET = 1_000


class Catalog(Protocol):
    title: str | None
    # Names the data this catalog answers from (file and version, or upload digest): every
    # shared render is keyed by it, so a changed file is never served from an old render.
    version: str

    @property
    def large(self) -> bool: ...

    def total(self) -> int: ...

    def count(self, event_filter: EventFilter, bbox: BBox | None = None) -> int: ...

    def type_counts(
        self, event_filter: EventFilter, bbox: BBox | None = None
    ) -> dict[EventType, int]: ...

    def countries(self) -> list[str]: ...

    def country_counts(self) -> dict[str, int]: ...

    def label_counts(self) -> dict[str, int]: ...

    def date_bounds(self) -> tuple[dt.date, dt.date] | None: ...

    def events(
        self, event_filter: EventFilter, bbox: BBox | None = None, limit: int | None = 1000
    ) -> list[Event]: ...

    def iter_events(
        self, event_filter: EventFilter, batch_size: int = 10_000
    ) -> Iterator[Event]: ...

    def event(self, event_id: str) -> Event | None: ...

    def contains(self, event_filter: EventFilter, event_id: str) -> bool: ...

    def unplaced_count(self, event_filter: EventFilter) -> int: ...

    def extent(self, event_filter: EventFilter | None = None) -> BBox | None: ...

    def points(
        self, event_filter: EventFilter, bbox: BBox | None = None, limit: int = 1000
    ) -> list[MapPoint]: ...

    def points_by_ids(self, ids: Iterable[str]) -> list[MapPoint]: ...

    def aggregate(
        self, event_filter: EventFilter, zoom: int, bbox: BBox | None = None
    ) -> list[Cell]: ...

    def time_limit(self, seconds: float) -> AbstractContextManager[None]:
        """Questions asked inside are stopped after `seconds` (QueryTooSlowError), where the
        data can take that long; memory answers at once."""
        ...

    def placed_counts(self, event_filter: EventFilter) -> list[tuple[float, float, int]]: ...

    def bin_counts(
        self, event_filter: EventFilter, unit: Unit
    ) -> dict[tuple[dt.date, EventType], int]: ...


def _in_box(event: Event, bbox: BBox | None) -> bool:
    if bbox is None:
        return True
    point = event.place.point
    return (
        point is not None
        and bbox.south <= point[0] <= bbox.north
        and bbox.west <= point[1] <= bbox.east
    )


class ListCatalog:
    """A small dataset held in memory."""

    large = False

    def __init__(self, dataset: Dataset, version: str = "") -> None:
        self.title = dataset.title
        self.version = version or f"memory:{id(self)}"
        self._events = list(dataset.events)
        self._by_id = {e.id: e for e in self._events}
        # Readers of one link ask the same questions: each filter is answered once.
        # An answer is a list of the catalog's own events: it holds references, not copies.
        self._answers: Memo[tuple[EventFilter, BBox | None]] = Memo(
            ANSWERS_KEPT, max_bytes=ANSWER_BYTES, weigh=sys.getsizeof
        )

    def _matching(self, event_filter: EventFilter, bbox: BBox | None = None) -> list[Event]:
        return self._answers.get((event_filter, bbox), lambda: self._filter(event_filter, bbox))

    def _filter(self, event_filter: EventFilter, bbox: BBox | None) -> list[Event]:
        return [e for e in apply_filter(self._events, event_filter) if _in_box(e, bbox)]

    def time_limit(self, seconds: float) -> AbstractContextManager[None]:
        return nullcontext()  # every question is answered from memory, at once

    def points(
        self, event_filter: EventFilter, bbox: BBox | None = None, limit: int = 1000
    ) -> list[MapPoint]:
        located = [e for e in self._matching(event_filter, bbox) if e.place.point is not None]
        return [_map_point(e) for e in sorted(located, key=lambda e: (e.date, e.id))[:limit]]

    def points_by_ids(self, ids: Iterable[str]) -> list[MapPoint]:
        found = [self._by_id[i] for i in set(ids) if i in self._by_id]
        located = [e for e in found if e.place.point is not None]
        return [_map_point(e) for e in sorted(located, key=lambda e: (e.date, e.id))]

    def aggregate(
        self, event_filter: EventFilter, zoom: int, bbox: BBox | None = None
    ) -> list[Cell]:
        """Located events grouped in grid cells sized for `zoom` (as EventStore.aggregate)."""
        size = cell_size_degrees(zoom)
        grouped: dict[tuple[int, int], list[Event]] = {}
        for event in self._matching(event_filter, bbox):
            if event.place.point is not None:
                lat, lon = event.place.point
                grouped.setdefault((math.floor(lat / size), math.floor(lon / size)), []).append(
                    event
                )
        return [
            Cell(
                sum(e.place.point[0] for e in group if e.place.point) / len(group),
                sum(e.place.point[1] for e in group if e.place.point) / len(group),
                len(group),
                dict(Counter(e.event_type for e in group)),
                lone_id=group[0].id if len(group) == 1 else None,
            )
            for group in grouped.values()
        ]

    def total(self) -> int:
        return len(self._events)

    def count(self, event_filter: EventFilter, bbox: BBox | None = None) -> int:
        return len(self._matching(event_filter, bbox))

    def type_counts(
        self, event_filter: EventFilter, bbox: BBox | None = None
    ) -> dict[EventType, int]:
        return count_by_type(self._matching(event_filter, bbox))

    def countries(self) -> list[str]:
        return countries_of(self._events)

    def country_counts(self) -> dict[str, int]:
        return dict(Counter(e.place.country for e in self._events if e.place.country))

    def label_counts(self) -> dict[str, int]:
        return label_counts(self._events)

    def date_bounds(self) -> tuple[dt.date, dt.date] | None:
        return date_bounds(self._events)

    def events(
        self, event_filter: EventFilter, bbox: BBox | None = None, limit: int | None = None
    ) -> list[Event]:
        # The file's own order: it is the order its author chose.
        return self._matching(event_filter, bbox)[:limit]

    def iter_events(self, event_filter: EventFilter, batch_size: int = 10_000) -> Iterator[Event]:
        yield from self._matching(event_filter)

    def event(self, event_id: str) -> Event | None:
        return self._by_id.get(event_id)

    def contains(self, event_filter: EventFilter, event_id: str) -> bool:
        event = self._by_id.get(event_id)
        return event is not None and any(e is event for e in self._matching(event_filter))

    def unplaced_count(self, event_filter: EventFilter) -> int:
        return sum(1 for e in self._matching(event_filter) if not e.located)

    def extent(self, event_filter: EventFilter | None = None) -> BBox | None:
        points = [p for p, _ in self._placed(event_filter or EventFilter()).items()]
        if not points:
            return None
        lats, lons = [p[0] for p in points], [p[1] for p in points]
        return BBox(min(lats), min(lons), max(lats), max(lons))

    def placed_counts(self, event_filter: EventFilter) -> list[tuple[float, float, int]]:
        return [(lat, lon, n) for (lat, lon), n in self._placed(event_filter).items()]

    def _placed(self, event_filter: EventFilter) -> Counter[tuple[float, float]]:
        return Counter(
            e.place.point for e in self._matching(event_filter) if e.place.point is not None
        )

    def bin_counts(
        self, event_filter: EventFilter, unit: Unit
    ) -> dict[tuple[dt.date, EventType], int]:
        first = event_filter.date_from
        counts = Counter(
            (bin_start(max(e.date, first) if first else e.date, unit), e.event_type)
            for e in self._matching(event_filter)
        )
        return dict(counts)


def type_counts_without_type_filter(catalog: Catalog, f: EventFilter) -> dict[EventType, int]:
    """Counts for the type picker: what each type would show with the other filters kept."""
    return catalog.type_counts(replace(f, types=frozenset()))


def _map_point(event: Event) -> MapPoint:
    lat, lon = event.place.point or (0.0, 0.0)
    return MapPoint(event.id, event.event_type, lat, lon, event.title)


def type_options(catalog: Catalog) -> list[EventType]:
    """Every type in the dataset, in the vocabulary's order."""
    present = catalog.type_counts(EventFilter())
    return [t for t in EventType if t in present]


def catalog_of(
    dataset: Dataset,
    open_store: Callable[[Dataset], EventStore],
    version: str = "",
) -> Catalog:
    if len(dataset.events) > LARGE_DATASET:
        return open_store(dataset)
    return ListCatalog(dataset, version)
