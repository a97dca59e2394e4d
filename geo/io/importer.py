"""Import events from real exports: ACLED, GDELT, UCDP GED, GeoJSON, JSON records, any CSV/TSV.

The entry points: `import_file` (the format detected, or given, and read by its family's
module: `geo.io.acled`, `gdelt`, `ucdp`, `table`, `records`, `geojson` through
`geo.io.jsonfile`; then countries settled, rows validated, duplicate ids refused) and
`table_shape` (the page's column-mapping step).

Every bad row is reported as a Problem naming the file, the row as a spreadsheet shows it
(header = row 1, first data row = row 2; for GeoJSON and JSON the record index in the field
name), the column and the reason with a fix. Problems also carry a cause, so thousands of rows
that fail for one reason are summarised as one line (`geo.io.report`). Nothing is dropped
silently:

- on_error="skip": good rows are imported, bad rows are counted in `skipped` and listed in
  `problems`; rows kept with a doubt (a country that does not match the coordinates, a link
  that is not a URL) are listed in `warnings`;
- on_error="refuse": any bad row raises DataFileError listing every bad row; nothing is imported.

Problems with the file as a whole (missing, empty, too big, not UTF-8, not JSON, no date or
coordinate column) raise DataFileError in both modes, since no row can be read.

How rows are read:

- The format is detected from the content: GDELT 2.0 events (with a header, or GDELT's raw
  headerless tab-separated files), UCDP GED, ACLED (current and pre-2019 types, any header
  case), GeoJSON, a JSON array of records, or any other CSV or tab-separated file, whose columns
  are matched by name and common aliases (`geo.io.columns`; `overrides` maps the rest).
- A date column's format is decided from all its values (`geo.io.dates`), never row by row.
- The source's own labels (ACLED event and sub-event types, CAMEO codes, UCDP's type of
  violence, a tracker's free-text type) are kept in `Event.labels`; our type is a grouping of
  them (`geo.io.taxonomies`), `other` when no rule knows the label. Every column of the row is
  kept verbatim in `Event.origin`, so an ACLED file comes back out unchanged.
- The country is optional: absent, it is inferred offline from the coordinates; present, it is
  checked against them (`geo.io.countries`), a mismatch being a warning.
- Our own CSV (geo.export.CSV_COLUMNS) keeps every field except `geometry`, Figure notes and
  Geocoded provenance; GeoJSON written by geo.export.to_geojson round-trips losslessly (an
  explicit Point geometry at exactly the place's coordinates reads back as "no geometry").
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from geo.errors import DataFileError, Problem
from geo.io import columns as colmap
from geo.io.acled import ACLED_SIGNATURE, import_acled
from geo.io.area_points import AreaPoint, AreaPoints
from geo.io.core import (
    MAX_BYTES,
    MAX_FIELD_CHARS,
    Context,
    ImportLimits,
    Outcome,
    Pending,
    csv_rows,
    delimiter_of,
    read_text,
    uncell,
    validate,
)
from geo.io.countries import CountryLocator, check_country
from geo.io.gdelt import GDELT_SIGNATURE, gdelt_raw_header, import_gdelt
from geo.io.geojson import is_own
from geo.io.jsonfile import JsonDocument, json_batches
from geo.io.meaning import Meaning
from geo.io.records import record_cells
from geo.io.report import summary_lines
from geo.io.table import import_table
from geo.io.ucdp import UCDP_SIGNATURE, import_ucdp
from geo.loader import check_data_file, refuse_wide_unicode
from geo.model import Event

ImportFormat = Literal["auto", "geojson", "csv", "acled", "gdelt", "ucdp", "json"]
FORMATS: tuple[str, ...] = ("auto", "geojson", "csv", "acled", "gdelt", "ucdp", "json")
OnError = Literal["skip", "refuse"]


@dataclass
class ImportResult:
    """The events read, the problems found (with skipped rows), warnings on kept rows, and how
    the file was read (format, date format per column, column mapping)."""

    events: list[Event] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: int = 0
    warnings: list[Problem] = field(default_factory=list)
    format: str = ""
    date_formats: dict[str, str] = field(default_factory=dict)
    mapping: dict[str, str] = field(default_factory=dict)
    rows: int = 0
    # Events imported: len(events), or how many went to the sink.
    imported: int = 0
    # About the file as a whole, not one row (columns an event cannot keep, …).
    notes: list[str] = field(default_factory=list)
    # Points that carry many events on a region's centre: given region precision (a note each).
    area_points: list[AreaPoint] = field(default_factory=list)

    def summary(self) -> list[str]:
        """Problems, then warnings, grouped by cause, then notes on the whole file: the lines
        a user reads first."""
        lines = [f"skipped {line}" for line in summary_lines(self.problems)]
        lines += [f"warning: {line}" for line in summary_lines(self.warnings)]
        lines += [f"note: {note}" for note in self.notes]
        return lines


def _detect(path: Path, text: str) -> ImportFormat:
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("["):
        return "json"
    if stripped.startswith("{") or path.suffix.lower() in (".geojson", ".json"):
        return "geojson"
    delimiter = delimiter_of(text)
    if gdelt_raw_header(text, delimiter) is not None:
        return "gdelt"
    first = next(csv.reader(io.StringIO(stripped.split("\n", 1)[0]), delimiter=delimiter), [])
    header = {colmap.normalise(h) for h in first}
    if header >= GDELT_SIGNATURE:
        return "gdelt"
    if header >= UCDP_SIGNATURE:
        return "ucdp"
    if header >= ACLED_SIGNATURE:
        return "acled"
    return "csv"


_TOO_BIG = "import limit: split it into smaller files"


def _json_shape(path: Path, max_bytes: int) -> ImportFormat | None:
    """The JSON format of a file: "json" (an array of records) or "geojson" (an object), by its
    first character or its name; None for a table. Refuses a missing, too big or UTF-16 file."""
    check_data_file(path, max_bytes, _TOO_BIG)
    with path.open("rb") as handle:
        head = handle.read(4096)
    refuse_wide_unicode(head, str(path))
    start = head.decode("utf-8", "ignore").lstrip("\ufeff \t\r\n")
    if start.startswith("["):
        return "json"
    if start.startswith("{") or path.suffix.lower() in (".geojson", ".json"):
        return "geojson"
    return None


def import_file(
    path: Path,
    *,
    fmt: ImportFormat = "auto",
    on_error: OnError = "skip",
    max_bytes: int = MAX_BYTES,
    max_field_chars: int = MAX_FIELD_CHARS,
    date_format: str | None = None,
    overrides: Mapping[str, str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    limits: ImportLimits | None = None,
    sink: Callable[[list[Event]], None] | None = None,
    meaning: Meaning | None = None,
) -> ImportResult:
    """Read events from any supported export (see the module docstring).

    `date_format` overrides the date format decided from each date column; `overrides` maps
    columns to fields (`{"Lat": "latitude"}`) over the guessed mapping; `progress` is called
    with (rows done, rows in all) while countries are settled; `limits` bound the work;
    `meaning` is the user's reading of the file (types for its labels, the dataset's type and
    publisher: `geo.io.meaning`).

    JSON and GeoJSON are read record by record, in batches of BATCH_ROWS. With `sink`, each
    batch's events are handed to it as they are read and not kept in `events` (`imported`
    counts them): a file of any size then never holds more than a batch of events. With
    on_error="refuse", the sink gets nothing once a row is bad, and DataFileError follows.
    """
    path = Path(path)
    shape = _json_shape(path, max_bytes)
    if fmt == "auto" and shape is not None:
        fmt = shape
    ctx = Context(
        path.name,
        max_bytes,
        max_field_chars,
        date_format,
        dict(overrides or {}),
        fmt,
        limits=limits or ImportLimits(),
        meaning=meaning or Meaning(),
    )
    batches: Iterable[list[Pending | Outcome]]
    if fmt in ("json", "geojson"):
        batches = json_batches(path, ctx, progress)
        progress = None  # reported per batch, against the rows in all
    else:
        text = read_text(path, max_bytes)
        if fmt == "auto":
            fmt = _detect(path, text)
            ctx.format = fmt
        readers: dict[str, Callable[[str, Context], list[Pending | Outcome]]] = {
            "acled": import_acled,
            "gdelt": import_gdelt,
            "ucdp": import_ucdp,
            "csv": import_table,
        }
        batches = [readers[fmt](text, ctx)]
        del text
    result = ImportResult(format=fmt)
    seen: set[str] = set()
    areas = AreaPoints()  # events stacked on a region's centre (geo.io.area_points)
    for batch in batches:
        unstated: list[bool] = []  # per outcome: the source gave no precision
        outcomes = _reject_duplicate_ids(_settle(batch, progress, ctx, unstated), ctx.file, seen)
        result.problems += [p for o in outcomes for p in o.problems]
        result.warnings += [w for o in outcomes for w in o.warnings]
        result.skipped += sum(1 for o in outcomes if o.event is None)
        result.rows += len(outcomes)
        events = [o.event for o in outcomes if o.event is not None]
        unstated = [u for o, u in zip(outcomes, unstated, strict=True) if o.event is not None]
        result.imported += len(events)
        if on_error == "refuse" and result.problems:
            continue
        if sink is not None:
            areas.pass_on(events, unstated, sink)
        else:
            areas.count(events, unstated)
            result.events += events
    if on_error == "refuse" and result.problems:
        raise DataFileError(result.problems)
    if sink is not None:
        areas.flush(sink)
    else:
        areas.mark(result.events)
    result.area_points = areas.found
    result.date_formats = ctx.date_formats
    result.mapping = ctx.mapping
    for note in (ctx.kinds_note(), ctx.dropped_note()):
        if note:
            result.notes.append(note)
    result.notes += areas.lines()  # one line per point given region precision
    return result


# --------------------------------------------------------------------------- countries


def _settle(
    items: Sequence[Pending | Outcome],
    progress: Callable[[int, int], None] | None,
    ctx: Context,
    unstated: list[bool] | None = None,
) -> list[Outcome]:
    """Countries for every row at once (inferred where absent, checked where given), then
    each row validated into an event. `unstated` gets, per outcome, whether the source gave no
    precision for the event's coordinates (geo.io.area_points may then give one)."""
    pending = [i for i in items if isinstance(i, Pending) and i.data is not None]
    placed = [p for p in pending if _point(p) is not None]
    if placed:
        locator = ctx.locator()
        # One pass: a membership test against `given` would compare whole rows, n² times.
        given: list[Pending] = []
        missing: list[Pending] = []
        for candidate in placed:
            has_country = bool(candidate.data and candidate.data["place"].get("country"))
            (given if has_country else missing).append(candidate)
        _check_countries(given, locator)
        _infer_countries(missing, locator, progress)
    outcomes: list[Outcome] = []
    for item in items:
        if isinstance(item, Outcome):
            outcomes.append(item)
            if unstated is not None:
                unstated.append(False)  # our own GeoJSON, or a row refused: never changed
            continue
        ctx.tick()
        row = item.row
        event = None
        said = True
        if item.data is not None:
            place = item.data["place"]
            if place.get("latitude") is not None and place.get("geo_precision") is None:
                place["geo_precision"] = 0  # the source did not say: unknown, never "exact"
                said = False
        if item.data is not None and not row.problems:
            event = validate(row, item.data, item.columns)
        item.data = None  # the event holds its own copy: a large file would hold both
        outcomes.append(Outcome(event, row.problems, row.line, row.warnings))
        if unstated is not None:
            unstated.append(not said)
    return outcomes


def _point(item: Pending) -> tuple[float, float] | None:
    place = item.data["place"] if item.data else {}
    lat, lon = place.get("latitude"), place.get("longitude")
    return (lat, lon) if lat is not None and lon is not None else None


def _infer_countries(
    placed: Sequence[Pending],
    locator: CountryLocator,
    progress: Callable[[int, int], None] | None,
) -> None:
    missing = list(placed)
    step = 50_000
    for start in range(0, len(missing), step):
        batch = missing[start : start + step]
        found = locator.countries_at([_point(p) or (0.0, 0.0) for p in batch])
        for item, country in zip(batch, found, strict=True):
            assert item.data is not None
            item.data["place"]["country"] = country
        if progress is not None:
            progress(min(start + step, len(missing)), len(missing))


def _check_countries(placed: Sequence[Pending], locator: CountryLocator) -> None:
    for item in placed:
        assert item.data is not None
        given = item.data["place"].get("country")
        point = _point(item)
        if not given or point is None:
            continue
        warning = check_country(given, point[0], point[1], locator)
        if warning:
            item.row.warn(
                item.country_column,
                warning,
                cause="the country does not match the coordinates",
                value=given,
            )


def _reject_duplicate_ids(outcomes: list[Outcome], file: str, seen: set[str]) -> list[Outcome]:
    """`seen` holds the ids of the batches before, and gets this batch's."""
    out: list[Outcome] = []
    for outcome in outcomes:
        event = outcome.event
        if event is not None and event.id in seen:
            message = f"id '{event.id}' is used by an earlier row: every event needs its own id"
            problem = Problem(
                file, outcome.line, "id", message, "an id used by an earlier row", event.id
            )
            out.append(Outcome(None, [problem], outcome.line))
            continue
        if event is not None:
            seen.add(event.id)
        out.append(outcome)
    return out


# ------------------------------------------------------------------ the page's mapping step


@dataclass(frozen=True)
class TableShape:
    """What the page shows before importing a generic table: its columns, the guesses, and the
    distinct values of each column of few values (label -> rows), for the type step."""

    format: str
    header: tuple[str, ...]
    guessed: dict[str, str]
    values: dict[str, dict[str, int]] = field(default_factory=dict)


# A column with more distinct values than this is not a column of labels: not counted.
LABELS_COUNTED = 200


class _LabelCounts:
    """Each column's distinct values and their rows, given up for a column past
    LABELS_COUNTED values (a description, an id): bounded whatever the file."""

    def __init__(self) -> None:
        self.counts: dict[str, Counter[str]] = {}
        self.given_up: set[str] = set()

    def add(self, cells: Mapping[str, object]) -> None:
        for column, value in cells.items():
            if column in self.given_up:
                continue
            text = uncell(str(value or "")).strip()
            if not text:
                continue
            counts = self.counts.setdefault(column, Counter())
            counts[text[:500]] += 1
            if len(counts) > LABELS_COUNTED:
                self.given_up.add(column)
                del self.counts[column]

    def result(self) -> dict[str, dict[str, int]]:
        return {column: dict(counts.most_common()) for column, counts in self.counts.items()}


def table_shape(
    path: Path, max_bytes: int = MAX_BYTES, limits: ImportLimits | None = None
) -> TableShape | None:
    """Columns, guessed fields and label counts of a CSV, TSV, JSON-records or GeoJSON file;
    None for formats that are read by their own rules (ACLED, GDELT, UCDP, our own GeoJSON,
    events YAML). `limits` bound the reading of a JSON file, record by record."""
    shape = _json_shape(path, max_bytes)
    labels = _LabelCounts()
    columns: dict[str, None] = {}
    if shape in ("json", "geojson"):
        ctx = Context(path.name, max_bytes, MAX_FIELD_CHARS, None, {}, shape or "json")
        ctx.limits = limits or ImportLimits()
        document = JsonDocument(path)
        for count, item in enumerate(document.items(), start=1):
            ctx.tick()
            ctx.count(count)
            properties = item if document.kind == "records" else _properties(item)
            if not isinstance(properties, dict):
                continue
            if document.kind != "records" and is_own(properties):
                return None  # our own export: read by its own rules
            cells = record_cells(properties)
            columns.update(dict.fromkeys(cells))
            labels.add(cells)
    else:
        text = read_text(path, max_bytes)
        if _detect(path, text) != "csv":
            return None
        ctx = Context(path.name, max_bytes, MAX_FIELD_CHARS, None, {}, "csv")
        ctx.limits = limits or ImportLimits()
        header, rows = csv_rows(text, path.name, max_bytes, ctx=ctx)
        del text
        columns.update(dict.fromkeys(header))
        for _, row in rows:
            ctx.tick()
            labels.add(dict(zip(header, row, strict=False)))
    header = list(columns)
    return TableShape(shape or "csv", tuple(header), colmap.guess_mapping(header), labels.result())


def _properties(feature: object) -> object:
    return feature.get("properties") if isinstance(feature, dict) else None
