"""Large datasets: events in a Parquet file queried with DuckDB.

Filters run in the engine (SQL), never in Python loops, and the map can ask for aggregates
(grid cells with counts per type) instead of every event. Each row keeps the full event as
JSON, so a popup can be built on demand for the one event that was clicked.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
import tempfile
import threading
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd

from geo.errors import DataFileError, EventAtlasError, Problem
from geo.filters import LABELS_OFFERED, EventFilter, searchable_text
from geo.memo import Memo
from geo.model import LAST_DATE, Event
from geo.search import sql_clauses
from geo.timeline import Unit
from geo.vocabulary import EventType

# Grid cells per 256-pixel tile width at a zoom: 4 gives cells of about 64 pixels.
CELLS_PER_TILE = 4
# Answers kept per store: counts and facts are tiny, a filter-and-view history is cheap.
# Events per Parquet row group. The file is sorted by date, so a question about some dates
# reads only their row groups: small ones keep an export's memory at one window's worth
# (a million events: +53 MB at 16,384 per group, +344 MB at DuckDB's default 122,880).
ROW_GROUP_EVENTS = 16_384
ANSWERS_KEPT = 512
# ... and at most about this many bytes of them, per dataset.
ANSWER_BYTES = 64 * 1024 * 1024
# A list of whole events read at once never holds more than this: larger reads go through
# iter_events, in batches.
TABLE_ROWS_MAX = 10_000
T = TypeVar("T")


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
    # The event's id when the cell holds exactly one: the map then draws the event itself.
    lone_id: str | None = None


@dataclass(frozen=True)
class MapPoint:
    """What a map needs to draw one event's marker: no popup, no quotes, no sources."""

    id: str
    event_type: EventType
    latitude: float
    longitude: float
    title: str

    @property
    def point(self) -> tuple[float, float]:
        return (self.latitude, self.longitude)


_POINT_COLUMNS = "id, event_type, latitude, longitude, title"


def _map_points(rows: Iterable[tuple[Any, ...]]) -> list[MapPoint]:
    return [
        MapPoint(i, EventType(t), float(lat), float(lon), str(title))
        for i, t, lat, lon, title in rows
    ]


# Where a map opens is chosen from event counts on a grid this fine (about 55 km).
PLACED_STEP_DEGREES = 0.5

# A day as the first day of its timeline bin (geo.timeline: weeks run Monday to Sunday).
_BIN_SQL: dict[Unit, str] = {
    "day": "day",
    "week": "day - CAST(isodow(day) - 1 AS INTEGER)",
    "month": "CAST(date_trunc('month', day) AS DATE)",
}


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _shown(value: object) -> str:
    return repr(value) if isinstance(value, str) or value is None else str(value)


def cell_size_degrees(zoom: int) -> float:
    return 360.0 / float(2**zoom) / CELLS_PER_TILE


def _literal(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


# The dataset's title travels in the Parquet file's key-value metadata.
TITLE_KEY = "event_atlas_title"


# The columns of a store's Parquet file, in order; `open` refuses a file that lacks one.
REQUIRED_COLUMNS = (
    "id",
    "event_type",
    "date",
    "last_date",
    "country",
    "latitude",
    "longitude",
    "geo_precision",
    "title",
    "search",
    "event_json",
)
# Written since the source's labels were kept; a file without it reads as having none.
LABELS_COLUMN = "labels"


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
                "title": event.title,
                "search": searchable_text(event),
                "event_json": event.model_dump_json(),
                LABELS_COLUMN: sorted(set(event.labels.values())),
            }
        )
    return pd.DataFrame(rows, columns=[*REQUIRED_COLUMNS, LABELS_COLUMN])


def _date_windows(counts: Sequence[tuple[Any, int]], size: int) -> Iterator[tuple[Any, Any]]:
    """Consecutive (first, last) date ranges of about `size` events each, from (date, count)
    rows in date order."""
    start, total, previous = None, 0, None
    for date, count in counts:
        if start is not None and total + int(count) > size:
            yield start, previous
            start, total = None, 0
        if start is None:
            start = date
        total += int(count)
        previous = date
    if start is not None:
        yield start, previous


class QueryTooSlowError(EventAtlasError):
    """A question to the store took longer than its budget and was stopped."""


class EventStore:
    """A read-only view of one Parquet file of events.

    One store serves every browser session of the page, each on its own thread: a DuckDB
    connection must not be shared between threads, so each thread gets its own cursor.
    """

    large = True

    def __init__(self, path: Path, title: str | None = None) -> None:
        self.path = Path(path)
        self.title = title
        stat = self.path.stat()
        # The file is read-only while open; its name, time and size name this version of it.
        self.version = f"parquet:{self.path}:{stat.st_mtime_ns}:{stat.st_size}"
        self._connection = duckdb.connect()
        # DDL cannot take parameters: the path goes in as a quoted SQL string literal.
        self._connection.execute(
            f"CREATE VIEW events AS SELECT * FROM read_parquet({_literal(self.path)})"
        )
        self._local = threading.local()
        self._answers: Memo[Hashable] = Memo(ANSWERS_KEPT, max_bytes=ANSWER_BYTES)

    @contextmanager
    def time_limit(self, seconds: float) -> Iterator[None]:
        """Queries this thread runs inside are stopped after `seconds` (QueryTooSlowError):
        no view a client can ask for keeps the server busy for long."""
        cursor = self.con
        timer = threading.Timer(seconds, cursor.interrupt)
        timer.daemon = True
        timer.start()
        try:
            yield
        except duckdb.InterruptException as exc:
            raise QueryTooSlowError(
                f"this view needed more than {seconds:g} s of work: zoom in, or narrow the filters"
            ) from exc
        finally:
            timer.cancel()

    def _remembered(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The answer to a question asked before, else computed once and kept.

        The file is read-only, so an answer never goes stale. A pan reruns the page with the
        same filters: counts for the sidebar, the total and the dataset's facts then cost
        nothing; only what depends on the view is asked again.
        """
        return self._answers.get(key, compute)

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        cursor: duckdb.DuckDBPyConnection | None = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._connection.cursor()
            self._local.cursor = cursor
        return cursor

    @classmethod
    def open(cls, path: Path) -> EventStore:
        """Open a Parquet file written by `write`; DataFileError naming the file if it cannot be."""
        path = Path(path)
        if not path.is_file():
            raise DataFileError([Problem(str(path), None, "", "file not found")])
        try:
            store = cls(path)
            columns = {row[0] for row in store.con.execute("DESCRIBE events").fetchall()}
        except duckdb.Error as error:
            message = f"not a readable Parquet file ({str(error).splitlines()[0]})"
            raise DataFileError([Problem(str(path), None, "", message)]) from error
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if LABELS_COLUMN not in columns:
            store.con.execute(
                "CREATE OR REPLACE VIEW events AS SELECT *, CAST([] AS VARCHAR[]) AS labels "
                f"FROM read_parquet({_literal(store.path)})"
            )
        if missing:
            message = (
                f"missing columns {', '.join(missing)}: write the file with "
                "`python -m geo import FILE --out events.parquet`"
            )
            raise DataFileError([Problem(str(path), None, "", message)])
        store._refuse_unshowable()
        store.title = store._stored_title()
        return store

    def _refuse_unshowable(self) -> None:
        """DataFileError naming the rows (by id) the page cannot show: an event type that is
        not ours, or no date or one past LAST_DATE. Another tool may write them; our import
        never does."""
        known = [t.value for t in EventType]
        types = ", ".join("?" for _ in known)
        problems = self._unshowable(
            "event_type",
            f"SELECT id, event_type FROM events WHERE event_type IS NULL "
            f"OR event_type NOT IN ({types})",
            known,
            f"is not an event type: use one of {', '.join(known)}",
        )
        problems += self._unshowable(
            "date",
            "SELECT id, last_date FROM events WHERE date IS NULL OR last_date IS NULL "
            "OR date > ? OR last_date > ?",
            [LAST_DATE, LAST_DATE],
            f"is after {LAST_DATE} (or missing), the last date the map can show: check the year",
        )
        if problems:
            remedy = (
                "write the file again with `python -m geo import FILE --out events.parquet`, "
                "which checks every event"
            )
            raise DataFileError([*problems, Problem(str(self.path), None, "", remedy)])

    def _unshowable(
        self, column: str, select: str, params: list[Any], message: str, shown: int = 20
    ) -> list[Problem]:
        rows = self.con.execute(f"{select} LIMIT {shown + 1}", params).fetchall()
        file = str(self.path)
        problems = [
            Problem(file, None, f"id {event_id}.{column}", f"{_shown(value)} {message}")
            for event_id, value in rows[:shown]
        ]
        if len(rows) > shown:
            query = f"SELECT count(*) FROM ({select})"
            row = self.con.execute(query, params).fetchone()
            more = int(row[0]) - shown if row else 0
            problems.append(Problem(file, None, column, f"… and {more:,} more rows like these"))
        return problems

    def _stored_title(self) -> str | None:
        rows = self.con.execute(
            f"SELECT value FROM parquet_kv_metadata({_literal(self.path)}) WHERE key = ?",
            [TITLE_KEY.encode()],
        ).fetchall()
        return bytes(rows[0][0]).decode("utf-8") if rows else None

    @classmethod
    def write(cls, events: Iterable[Event], path: Path, title: str | None = None) -> EventStore:
        """Write events to a Parquet file (atomically) and open it."""
        frame = _frame(events)
        temp = path.with_name(f".{path.name}.tmp")
        con = duckdb.connect()
        try:
            con.register("frame", frame)
            target = _literal(temp)
            # DDL cannot take parameters: the title goes in as a quoted SQL string literal.
            metadata = f", KV_METADATA {{{TITLE_KEY}: {_literal(title)}}}" if title else ""
            con.execute(
                "COPY (SELECT * REPLACE (CAST(labels AS VARCHAR[]) AS labels) FROM frame "
                f"ORDER BY date, id) TO {target} "
                f"(FORMAT parquet, ROW_GROUP_SIZE {ROW_GROUP_EVENTS}{metadata})"
            )
        finally:
            con.close()
        temp.replace(path)
        return cls(path, title)

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
        if f.labels:
            clauses.append("list_has_any(labels, ?::VARCHAR[])")
            params.append(sorted(f.labels))
        text_clauses, text_params = sql_clauses(f.search_terms)
        clauses += text_clauses
        params += text_params
        if bbox is not None:
            clauses.append("latitude BETWEEN ? AND ? AND longitude BETWEEN ? AND ?")
            params.extend([bbox.south, bbox.north, bbox.west, bbox.east])
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def count(self, event_filter: EventFilter, bbox: BBox | None = None) -> int:
        def compute() -> int:
            where, params = self._where(event_filter, bbox)
            row = self.con.execute(f"SELECT count(*) FROM events{where}", params).fetchone()
            return int(row[0]) if row else 0

        return self._remembered(("count", event_filter, bbox), compute)

    def events(
        self, event_filter: EventFilter, bbox: BBox | None = None, limit: int | None = 1000
    ) -> list[Event]:
        # Two steps: pick the ids on small columns, then read only those events. The file is
        # sorted by date, so the date range of the picked ids skips the other row groups.
        where, params = self._where(event_filter, bbox)
        picked = self.con.execute(
            f"SELECT id, date FROM events{where} ORDER BY date, id LIMIT ?",
            [*params, TABLE_ROWS_MAX if limit is None else limit],
        ).fetchall()
        if not picked:
            return []
        rows = self.con.execute(
            "SELECT event_json FROM events WHERE date BETWEEN ? AND ? AND list_contains(?, id)"
            " ORDER BY date, id",
            [picked[0][1], picked[-1][1], [event_id for event_id, _ in picked]],
        ).fetchall()
        return [Event.model_validate_json(json_text) for (json_text,) in rows]

    def iter_events(self, event_filter: EventFilter, batch_size: int = 10_000) -> Iterator[Event]:
        """Every matching event in date order, fetched in batches: memory stays flat.

        Sorting every matching event's JSON at once held it all in memory (1.35 GB for a
        million events). Instead the dates are counted first (light), then the events are read
        a window of dates at a time, each window about `batch_size` events: the file is sorted
        by date, so its row groups outside a window are skipped, and only one window's JSON is
        held at a time (a single date with more events is one window of its own).
        """
        where, params = self._where(event_filter, None)
        cursor = self._connection.cursor()  # its own cursor: a download runs on another thread
        try:
            counts = cursor.execute(
                f"SELECT date, count(*) FROM events{where} GROUP BY date ORDER BY date", params
            ).fetchall()
            within = "date BETWEEN ? AND ?"
            where_window = f"{where} AND {within}" if where else f" WHERE {within}"
            select = f"SELECT event_json FROM events{where_window}"
            for first, last in _date_windows(counts, batch_size):
                cursor.execute(f"{select} ORDER BY date, id", [*params, first, last])
                while rows := cursor.fetchmany(batch_size):
                    for (json_text,) in rows:
                        yield Event.model_validate_json(json_text)
        finally:
            cursor.close()

    def event(self, event_id: str) -> Event | None:
        """The event of this id, found once for every reader of a link that names it.

        The id is looked for in the light id and date columns; the event's text is then read
        from the rows of that date only, whose row groups the date statistics pick out (the file
        is written in date order), never from every row of the file."""

        def find() -> Event | None:
            row = self.con.execute(
                "SELECT date FROM events WHERE id = ? LIMIT 1", [event_id]
            ).fetchone()
            if row is None:
                return None
            found = self.con.execute(
                "SELECT event_json FROM events WHERE date = ? AND id = ?", [row[0], event_id]
            ).fetchone()
            return Event.model_validate_json(found[0]) if found else None

        return self._remembered(("event", event_id), find)

    def points(
        self, event_filter: EventFilter, bbox: BBox | None = None, limit: int = 1000
    ) -> list[MapPoint]:
        """Located matching events as map points (light columns only), in date order."""
        where, params = self._where(event_filter, bbox)
        located = "latitude IS NOT NULL AND longitude IS NOT NULL"
        where = f"{where} AND {located}" if where else f" WHERE {located}"
        rows = self.con.execute(
            f"SELECT {_POINT_COLUMNS} FROM events{where} ORDER BY date, id LIMIT ?",
            [*params, limit],
        ).fetchall()
        return _map_points(rows)

    def points_by_ids(self, ids: Iterable[str]) -> list[MapPoint]:
        # Light columns only: reading the full events of a million rows to find a few is slow.
        wanted = sorted(set(ids))
        if not wanted:
            return []
        rows = self.con.execute(
            f"SELECT {_POINT_COLUMNS} FROM events WHERE list_contains(?, id) ORDER BY date, id",
            [wanted],
        ).fetchall()
        return _map_points(rows)

    def total(self) -> int:
        return self.count(EventFilter())

    def contains(self, event_filter: EventFilter, event_id: str) -> bool:
        """Whether the event with this id passes the filter (asked once per filter and id)."""

        def ask() -> bool:
            where, params = self._where(event_filter, None)
            where = f"{where} AND id = ?" if where else " WHERE id = ?"
            row = self.con.execute(
                f"SELECT count(*) FROM events{where}", [*params, event_id]
            ).fetchone()
            return bool(row and row[0])

        return self._remembered(("contains", event_filter, event_id), ask)

    def unplaced_count(self, event_filter: EventFilter) -> int:
        def compute() -> int:
            where, params = self._where(event_filter, None)
            unplaced = "(latitude IS NULL OR longitude IS NULL)"
            where = f"{where} AND {unplaced}" if where else f" WHERE {unplaced}"
            row = self.con.execute(f"SELECT count(*) FROM events{where}", params).fetchone()
            return int(row[0]) if row else 0

        return self._remembered(("unplaced", event_filter), compute)

    def countries(self) -> list[str]:
        return sorted(self.country_counts())

    def country_counts(self) -> dict[str, int]:
        def compute() -> dict[str, int]:
            rows = self.con.execute(
                "SELECT country, count(*) FROM events WHERE country IS NOT NULL "
                "GROUP BY country ORDER BY 1"
            ).fetchall()
            return {str(country): int(n) for country, n in rows}

        return dict(self._remembered("country_counts", compute))

    def label_counts(self) -> dict[str, int]:
        """The most frequent source labels and their counts (a GDELT file has hundreds)."""

        def compute() -> dict[str, int]:
            rows = self.con.execute(
                "SELECT label, count(*) AS n FROM (SELECT unnest(labels) AS label FROM events) "
                "GROUP BY label ORDER BY n DESC, label LIMIT ?",
                [LABELS_OFFERED],
            ).fetchall()
            return {str(label): int(n) for label, n in rows}

        return dict(self._remembered("label_counts", compute))

    def extent(self, event_filter: EventFilter | None = None) -> BBox | None:
        """The box around the located events (all of them unless a filter is given)."""
        event_filter = event_filter or EventFilter()

        def compute() -> BBox | None:
            where, params = self._where(event_filter, None)
            row = self.con.execute(
                f"""
                SELECT min(latitude), min(longitude), max(latitude), max(longitude)
                FROM events{where}
                """,
                params,
            ).fetchone()
            if row is None or row[0] is None:
                return None
            return BBox(float(row[0]), float(row[1]), float(row[2]), float(row[3]))

        return self._remembered(("extent", event_filter), compute)

    def placed_counts(
        self, event_filter: EventFilter, step: float = PLACED_STEP_DEGREES
    ) -> list[tuple[float, float, int]]:
        """How many located events sit at each point of a grid of `step` degrees: enough to
        choose where a map opens without reading every event."""

        def compute() -> list[tuple[float, float, int]]:
            where, params = self._where(event_filter, None)
            located = "latitude IS NOT NULL AND longitude IS NOT NULL"
            where = f"{where} AND {located}" if where else f" WHERE {located}"
            rows = self.con.execute(
                f"""
                SELECT round(latitude / ?) * ?, round(longitude / ?) * ?, count(*)
                FROM events{where} GROUP BY 1, 2
                """,
                [step, step, step, step, *params],
            ).fetchall()
            return [(float(lat), float(lon), int(n)) for lat, lon, n in rows]

        return list(self._remembered(("placed", event_filter, step), compute))

    def bin_counts(
        self, event_filter: EventFilter, unit: Unit
    ) -> dict[tuple[dt.date, EventType], int]:
        """Events per timeline bin and type (geo.timeline): binned by their first day, or by the
        filter's first day for an event that began before it."""

        def compute() -> dict[tuple[dt.date, EventType], int]:
            where, params = self._where(event_filter, None)
            day = "date" if event_filter.date_from is None else "greatest(date, ?::DATE)"
            first = [] if event_filter.date_from is None else [event_filter.date_from]
            rows = self.con.execute(
                f"""
                WITH dated AS (SELECT {day} AS day, event_type FROM events{where})
                SELECT {_BIN_SQL[unit]} AS bin, event_type, count(*) FROM dated GROUP BY 1, 2
                """,
                [*first, *params],
            ).fetchall()
            return {(_as_date(b), EventType(t)): int(n) for b, t, n in rows}

        return dict(self._remembered(("bins", event_filter, unit), compute))

    def type_counts(
        self, event_filter: EventFilter, bbox: BBox | None = None
    ) -> dict[EventType, int]:
        def compute() -> dict[EventType, int]:
            where, params = self._where(event_filter, bbox)
            rows = self.con.execute(
                f"SELECT event_type, count(*) FROM events{where} GROUP BY 1", params
            ).fetchall()
            return {EventType(t): int(n) for t, n in rows}

        return dict(self._remembered(("types", event_filter, bbox), compute))

    def date_bounds(self) -> tuple[dt.date, dt.date] | None:
        def compute() -> tuple[dt.date, dt.date] | None:
            row = self.con.execute("SELECT min(date), max(last_date) FROM events").fetchone()
            if row is None or row[0] is None:
                return None
            return row[0], row[1]

        return self._remembered("date_bounds", compute)

    # -- aggregation --------------------------------------------------------------------------
    def aggregate(
        self, event_filter: EventFilter, zoom: int, bbox: BBox | None = None
    ) -> list[Cell]:
        """Located events grouped in grid cells sized for `zoom`, with counts per type."""
        return list(
            self._remembered(
                ("cells", event_filter, zoom, bbox),
                lambda: self._aggregate(event_filter, zoom, bbox),
            )
        )

    def _aggregate(self, event_filter: EventFilter, zoom: int, bbox: BBox | None) -> list[Cell]:
        size = cell_size_degrees(zoom)
        where, params = self._where(event_filter, bbox)
        located = "latitude IS NOT NULL AND longitude IS NOT NULL"
        where = f"{where} AND {located}" if where else f" WHERE {located}"
        rows = self.con.execute(
            f"""
            SELECT floor(latitude / ?) AS cy, floor(longitude / ?) AS cx, event_type,
                   count(*) AS n, sum(latitude) AS slat, sum(longitude) AS slon, min(id) AS first
            FROM events{where}
            GROUP BY cy, cx, event_type
            """,
            [size, size, *params],
        ).fetchall()
        totals: dict[tuple[float, float], list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
        types: dict[tuple[float, float], dict[EventType, int]] = defaultdict(dict)
        firsts: dict[tuple[float, float], str] = {}
        for cy, cx, event_type, n, slat, slon, first in rows:
            key = (cy, cx)
            totals[key][0] += n
            totals[key][1] += slat
            totals[key][2] += slon
            types[key][EventType(event_type)] = int(n)
            firsts[key] = first
        return [
            Cell(
                lat_sum / n,
                lon_sum / n,
                int(n),
                types[key],
                lone_id=firsts[key] if n == 1 else None,
            )
            for key, (n, lat_sum, lon_sum) in totals.items()
            if n and math.isfinite(lat_sum)
        ]


# The final sort of a store written in batches: one thread, spilling to disk past this, row
# groups of ROW_GROUP_EVENTS rows (a Parquet writer buffers one).
SORT_MEMORY = "256MB"
_PART_COLUMNS = (
    "CAST(id AS VARCHAR) AS id, CAST(event_type AS VARCHAR) AS event_type, "
    "CAST(date AS DATE) AS date, CAST(last_date AS DATE) AS last_date, "
    "CAST(country AS VARCHAR) AS country, CAST(latitude AS DOUBLE) AS latitude, "
    "CAST(longitude AS DOUBLE) AS longitude, CAST(geo_precision AS BIGINT) AS geo_precision, "
    "CAST(title AS VARCHAR) AS title, CAST(search AS VARCHAR) AS search, "
    "CAST(event_json AS VARCHAR) AS event_json, CAST(labels AS VARCHAR[]) AS labels"
)


class EventStoreWriter:
    """A store written batch by batch, for imports too large to hold in memory at once: each
    batch becomes a part file in a work folder beside `path`; `finish` sorts them all (by date
    and id, as `EventStore.write` does; DuckDB spills to disk past SORT_MEMORY) into `path`,
    atomically. Memory holds one batch. Leaving the `with` block without `finish` (an error,
    nothing to write) removes the work folder and leaves `path` as it was."""

    def __init__(self, path: Path, title: str | None = None) -> None:
        self.path = Path(path)
        self.title = title
        self.count = 0
        self._work = Path(tempfile.mkdtemp(prefix=f".{self.path.name}-", dir=self.path.parent))
        self._parts: list[Path] = []

    def __enter__(self) -> EventStoreWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self._work, ignore_errors=True)

    def add(self, events: Sequence[Event]) -> None:
        if not events:
            return
        part = self._work / f"part-{len(self._parts):06d}.parquet"
        con = duckdb.connect()
        try:
            con.register("frame", _frame(events))
            con.execute(
                f"COPY (SELECT {_PART_COLUMNS} FROM frame) TO {_literal(part)} (FORMAT parquet)"
            )
        finally:
            con.close()
        self._parts.append(part)
        self.count += len(events)

    def finish(self) -> EventStore:
        temp = self._work / "events.parquet"
        parts = "[" + ", ".join(_literal(p) for p in self._parts) + "]"
        metadata = f", KV_METADATA {{{TITLE_KEY}: {_literal(self.title)}}}" if self.title else ""
        options = f"FORMAT parquet, ROW_GROUP_SIZE {ROW_GROUP_EVENTS}{metadata}"
        con = duckdb.connect()
        try:
            con.execute(f"SET memory_limit = {_literal(SORT_MEMORY)}")
            con.execute("SET threads = 1")
            con.execute(f"SET temp_directory = {_literal(self._work / 'spill')}")
            con.execute("SET preserve_insertion_order = false")
            try:
                con.execute(
                    f"COPY (SELECT * FROM read_parquet({parts}) ORDER BY date, id) "
                    f"TO {_literal(temp)} ({options})"
                )
            except duckdb.OutOfMemoryException:
                # Sorted by date, queries skip row groups; unsorted, they read them all, but
                # answer the same: a file too large to sort here is written as it came.
                con.execute(
                    f"COPY (SELECT * FROM read_parquet({parts})) TO {_literal(temp)} ({options})"
                )
        finally:
            con.close()
        temp.replace(self.path)
        return EventStore(self.path, self.title)
