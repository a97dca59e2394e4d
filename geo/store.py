"""Large datasets: events in a Parquet file queried with DuckDB.

Filters run in the engine (SQL), never in Python loops, and the map can ask for aggregates
(grid cells with counts per type) instead of every event. Each row keeps the full event as
JSON, so a popup can be built on demand for the one event that was clicked.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from geo.filters import EventFilter, searchable_text
from geo.model import Event
from geo.text import fold
from geo.vocabulary import EventType

# Grid cells per 256-pixel tile width at a zoom: 4 gives cells of about 64 pixels.
CELLS_PER_TILE = 4


@dataclass(frozen=True)
class BBox:
    south: float
    west: float
    north: float
    east: float


@dataclass(frozen=True)
class Cell:
    """Events aggregated in one grid cell: where they are on average, and of which types."""

    latitude: float
    longitude: float
    count: int
    types: dict[EventType, int]


def cell_size_degrees(zoom: int) -> float:
    return 360.0 / float(2**zoom) / CELLS_PER_TILE


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _frame(events: Iterable[Event]) -> pd.DataFrame:
    rows = []
    for event in events:
        rows.append(
            {
                "id": event.id,
                "event_type": event.event_type.value,
                "date": event.date,
                "last_date": event.last_date,
                "country": event.place.country,
                "latitude": event.place.latitude,
                "longitude": event.place.longitude,
                "geo_precision": event.place.geo_precision,
                "search": searchable_text(event),
                "event_json": event.model_dump_json(),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "id",
            "event_type",
            "date",
            "last_date",
            "country",
            "latitude",
            "longitude",
            "geo_precision",
            "search",
            "event_json",
        ],
    )


class EventStore:
    """A read-only view of one Parquet file of events."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.con = duckdb.connect()
        # DDL cannot take parameters: the path goes in as a quoted SQL string literal.
        self.con.execute(f"CREATE VIEW events AS SELECT * FROM read_parquet({_literal(self.path)})")

    @classmethod
    def write(cls, events: Iterable[Event], path: Path) -> EventStore:
        """Write events to a Parquet file (atomically) and open it."""
        frame = _frame(events)
        temp = path.with_name(f".{path.name}.tmp")
        con = duckdb.connect()
        try:
            con.register("frame", frame)
            target = _literal(temp)
            con.execute(
                f"COPY (SELECT * FROM frame ORDER BY date, id) TO {target} (FORMAT parquet)"
            )
        finally:
            con.close()
        temp.replace(path)
        return cls(path)

    # -- filtering --------------------------------------------------------------------------
    @staticmethod
    def _where(event_filter: EventFilter, bbox: BBox | None) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        f = event_filter
        if f.types:
            clauses.append(f"event_type IN ({', '.join('?' for _ in f.types)})")
            params.extend(sorted(t.value for t in f.types))
        if f.date_from is not None:
            clauses.append("last_date >= ?")
            params.append(f.date_from)
        if f.date_to is not None:
            clauses.append("date <= ?")
            params.append(f.date_to)
        if f.countries:
            clauses.append(f"country IN ({', '.join('?' for _ in f.countries)})")
            params.extend(sorted(f.countries))
        if f.precisions:
            clauses.append(f"geo_precision IN ({', '.join('?' for _ in f.precisions)})")
            params.extend(sorted(f.precisions))
        for word in fold(f.text).split():
            clauses.append("contains(search, ?)")
            params.append(word)
        if bbox is not None:
            clauses.append("latitude BETWEEN ? AND ? AND longitude BETWEEN ? AND ?")
            params.extend([bbox.south, bbox.north, bbox.west, bbox.east])
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def count(self, event_filter: EventFilter, bbox: BBox | None = None) -> int:
        where, params = self._where(event_filter, bbox)
        row = self.con.execute(f"SELECT count(*) FROM events{where}", params).fetchone()
        return int(row[0]) if row else 0

    def events(
        self, event_filter: EventFilter, bbox: BBox | None = None, limit: int = 1000
    ) -> list[Event]:
        where, params = self._where(event_filter, bbox)
        rows = self.con.execute(
            f"SELECT event_json FROM events{where} ORDER BY date, id LIMIT ?", [*params, limit]
        ).fetchall()
        return [Event.model_validate_json(json_text) for (json_text,) in rows]

    def event(self, event_id: str) -> Event | None:
        row = self.con.execute("SELECT event_json FROM events WHERE id = ?", [event_id]).fetchone()
        return Event.model_validate_json(row[0]) if row else None

    def type_counts(
        self, event_filter: EventFilter, bbox: BBox | None = None
    ) -> dict[EventType, int]:
        where, params = self._where(event_filter, bbox)
        rows = self.con.execute(
            f"SELECT event_type, count(*) FROM events{where} GROUP BY 1", params
        ).fetchall()
        return {EventType(t): int(n) for t, n in rows}

    def date_bounds(self) -> tuple[dt.date, dt.date] | None:
        row = self.con.execute("SELECT min(date), max(last_date) FROM events").fetchone()
        if row is None or row[0] is None:
            return None
        return row[0], row[1]

    # -- aggregation --------------------------------------------------------------------------
    def aggregate(
        self, event_filter: EventFilter, zoom: int, bbox: BBox | None = None
    ) -> list[Cell]:
        """Located events grouped in grid cells sized for `zoom`, with counts per type."""
        size = cell_size_degrees(zoom)
        where, params = self._where(event_filter, bbox)
        located = "latitude IS NOT NULL AND longitude IS NOT NULL"
        where = f"{where} AND {located}" if where else f" WHERE {located}"
        rows = self.con.execute(
            f"""
            SELECT floor(latitude / ?) AS cy, floor(longitude / ?) AS cx, event_type,
                   count(*) AS n, sum(latitude) AS slat, sum(longitude) AS slon
            FROM events{where}
            GROUP BY cy, cx, event_type
            """,
            [size, size, *params],
        ).fetchall()
        totals: dict[tuple[float, float], list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
        types: dict[tuple[float, float], dict[EventType, int]] = defaultdict(dict)
        for cy, cx, event_type, n, slat, slon in rows:
            key = (cy, cx)
            totals[key][0] += n
            totals[key][1] += slat
            totals[key][2] += slon
            types[key][EventType(event_type)] = int(n)
        return [
            Cell(lat_sum / n, lon_sum / n, int(n), types[key])
            for key, (n, lat_sum, lon_sum) in totals.items()
            if n and math.isfinite(lat_sum)
        ]
