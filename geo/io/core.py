"""What every reader shares: the file being read, its rows, and the checks on a whole row.

- `Context`: one file's name, the user's choices (date format, column overrides, `ImportLimits`)
  and what was decided while reading (format, date formats, column mapping, columns not kept);
  it refuses a file once it is over its row or time limit.
- `Row` (a CSV row, JSON record or GeoJSON feature being converted; it collects its problems and
  warnings), `Fields` (a row read through a column mapping), `Pending` (event data waiting for
  its country), `Outcome` (a row's event, or its problems).
- Reading a table: the text (`read_text`), the delimiter, the CSV rows (`csv_rows`), each row as
  a `Row` or a refused `Outcome` (`read_rows`), a missing column refused (`missing_columns`).
- A row as a whole: its cells' sizes (`check_sizes`), what the event keeps of it (`origin_of`),
  and its validation into an Event (`validate`), each problem named by its column.

The readers of each family (`acled`, `gdelt`, `ucdp`, `table`, `records`, `geojson`) build on
this module; it imports none of them.
"""

from __future__ import annotations

import collections
import csv
import io
import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from geo.errors import DataFileError, Problem
from geo.export import FORMULA_START as _FORMULA_START
from geo.io.countries import CountryLocator
from geo.io.dates import DateChoice, choose_date_format
from geo.loader import read_utf8_text
from geo.model import Event

MAX_BYTES = 200 * 1024 * 1024
MAX_FIELD_CHARS = 10_000

# What an event keeps of its source row (geo.model.Origin.columns: at most 300 columns, names
# of at most 200 characters; label names of at most 60): the other columns are named once.
ORIGIN_COLUMNS = 300
ORIGIN_NAME_CHARS = 200


@dataclass(frozen=True)
class ImportLimits:
    """Bounds on one import's work (the page's upload box sets them; the command line has
    none): at most `rows` rows or records, at most `seconds` of CPU time of the importing
    thread. A file over a bound is refused with a message naming the bound and `remedy`."""

    rows: int | None = None
    seconds: float | None = None
    remedy: str = ""


@dataclass
class Outcome:
    event: Event | None
    problems: list[Problem]
    line: int | None = None
    warnings: list[Problem] = field(default_factory=list)


class Row:
    """One CSV row, JSON record or GeoJSON feature being converted; collects its problems."""

    def __init__(
        self,
        file: str,
        line: int | None,
        cells: dict[str, Any],
        prefix: str = "",
        column_of: Callable[[str], str] | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.cells = cells
        self.prefix = prefix
        self.column_of = column_of or (lambda name: name)
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def text(self, *names: str) -> str:
        """The first non-empty cell among `names`, stripped, with CSV-injection quoting undone."""
        for name in names:
            value = self.cells.get(name)
            if value is None:
                continue
            text = uncell(str(value)).strip()
            if text:
                return text
        return ""

    def fail(self, column: str, message: str, cause: str = "", value: str = "") -> None:
        self.problems.append(
            Problem(self.file, self.line, self.prefix + column, message, cause, short(value))
        )

    def warn(self, column: str, message: str, cause: str = "", value: str = "") -> None:
        self.warnings.append(
            Problem(self.file, self.line, self.prefix + column, message, cause, short(value))
        )


@dataclass(eq=False)  # compared by identity: comparing rows field by field is never meant
class Pending:
    """A row turned into event data, not validated yet: countries are settled for all at once."""

    row: Row
    data: dict[str, Any] | None
    columns: dict[str, str]
    country_column: str = "country"


@dataclass
class Context:
    """What every reader of one file shares: its name, the user's choices, what was decided."""

    file: str
    max_bytes: int
    max_field_chars: int
    date_format: str | None
    overrides: dict[str, str]
    format: str = ""
    date_formats: dict[str, str] = field(default_factory=dict)
    mapping: dict[str, str] = field(default_factory=dict)
    limits: ImportLimits = field(default_factory=ImportLimits)
    # CPU seconds of this thread (the page's script thread): what reading the file costs the
    # server, whatever else the server is doing meanwhile.
    started: float = field(default_factory=time.thread_time)
    # Columns no event keeps (over ORIGIN_COLUMNS, or names too long), in the file's order.
    dropped: dict[str, None] = field(default_factory=dict)
    own_fields: dict[tuple[str, ...], dict[str, str]] = field(default_factory=dict)
    _locator: CountryLocator | None = None

    def dates(self, column: str, values: Iterable[str]) -> DateChoice | None:
        """The format of one date column, decided from all its values, and recorded."""
        choice = choose_date_format(list(values), self.date_format)
        if choice is not None:
            self.date_formats[column] = f"{choice.format.looks_like} ({choice.reason})"
        return choice

    def locator(self) -> CountryLocator:
        """One country locator for the whole file (it takes a moment to build)."""
        if self._locator is None:
            self._locator = CountryLocator()
        return self._locator

    def tick(self) -> None:
        """Called once per row: refuses the file once its work is over the time limit."""
        seconds = self.limits.seconds
        if seconds is None:
            return
        if time.thread_time() - self.started > seconds:
            remedy = f": {self.limits.remedy}" if self.limits.remedy else ""
            reason = f"reading the file takes more than {seconds:g} seconds of the server's time"
            reason += f", the limit here{remedy}"
            raise DataFileError([Problem(self.file, None, "", reason)])

    def count(self, rows: int) -> None:
        """Refuses the file once it has more rows (or records) than the limit."""
        limit = self.limits.rows
        if limit is not None and rows > limit:
            remedy = f": {self.limits.remedy}" if self.limits.remedy else ""
            reason = f"the file has more than {limit:,} rows, the limit here{remedy}"
            raise DataFileError([Problem(self.file, None, "", reason)])

    def dropped_note(self) -> str | None:
        """The one line that names the columns no event keeps, if any."""
        if not self.dropped:
            return None
        names = list(self.dropped)
        listed = ", ".join(short(name, 40) for name in names[:20])
        more = f" and {len(names) - 20:,} more" if len(names) > 20 else ""
        return (
            f"{len(names):,} column{'s are' if len(names) != 1 else ' is'} not kept with the "
            f"events (an event keeps at most {ORIGIN_COLUMNS} columns of its source row, "
            f"named in at most {ORIGIN_NAME_CHARS} characters; the columns read as fields "
            f"come first): {listed}{more}"
        )


def uncell(text: str) -> str:
    if text.startswith("'") and text[1:].startswith(_FORMULA_START):
        return text[1:]
    return text


def short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def check_sizes(row: Row, max_field_chars: int) -> None:
    for column, value in row.cells.items():
        if isinstance(value, str) and len(value) > max_field_chars:
            row.fail(
                column,
                f"the cell has {len(value):,} characters, over the {max_field_chars:,} limit: "
                "shorten it (put long texts in the summary of the events file)",
            )


def origin_of(ctx: Context, row: Row, used: Iterable[str] = ()) -> dict[str, Any]:
    """Where the event came from, with the row's columns verbatim: at most ORIGIN_COLUMNS of
    them (`used`, the columns read as fields, first), named in at most ORIGIN_NAME_CHARS; the
    others are recorded in `ctx.dropped`, to be named once for the whole file."""
    columns = {
        str(k): v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
        for k, v in row.cells.items()
        if v is not None
    }
    if len(columns) > ORIGIN_COLUMNS or any(len(k) > ORIGIN_NAME_CHARS for k in columns):
        named = [k for k in columns if len(k) <= ORIGIN_NAME_CHARS]
        kept = dict.fromkeys(k for k in used if k in columns and len(k) <= ORIGIN_NAME_CHARS)
        for name in named:
            if len(kept) >= ORIGIN_COLUMNS:
                break
            kept[name] = None
        ctx.dropped.update(dict.fromkeys(k for k in columns if k not in kept))
        columns = {k: v for k, v in columns.items() if k in kept}
    return {"format": ctx.format, "file": ctx.file, "row": row.line, "columns": columns}


def validate(row: Row, data: dict[str, Any], columns: Mapping[str, str]) -> Event | None:
    try:
        return Event.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            parts = [p for p in error["loc"] if isinstance(p, str) and not p.startswith("list[")]
            dotted = ".".join(parts[:2])
            column = columns.get(dotted) or columns.get(parts[0] if parts else "") or dotted
            message = str(error["msg"]).removeprefix("Value error, ")
            row.fail(column or "(row)", message, cause=f"{dotted or 'row'}: {message}")
    return None


# --------------------------------------------------------------------------- reading the file


def read_text(path: Path, max_bytes: int) -> str:
    text = read_utf8_text(path, max_bytes, "import limit: split it into smaller files")
    if not text.strip():
        reason = "the file is empty: export the data again, with a header row"
        raise DataFileError([Problem(str(path), 1, "", reason)])
    if "\r" in text and "\n" not in text:
        text = text.replace("\r", "\n")  # lines ended by CR alone (classic Mac OS)
    return text


@contextmanager
def _field_limit(limit: int) -> Iterator[None]:
    old = csv.field_size_limit()
    csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def delimiter_of(text: str) -> str:
    """Comma, tab or semicolon: whichever the first line uses most."""
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def csv_rows(
    text: str,
    file: str,
    max_bytes: int,
    header: Sequence[str] | None = None,
    ctx: Context | None = None,
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (spreadsheet row number, cells) of every non-blank row (refused past the
    row limit of `ctx`, as soon as it is passed)."""
    delimiter = delimiter_of(text)
    # The file is at most max_bytes, so no field can be longer; long cells are refused per row.
    with _field_limit(max(max_bytes, 131_072)):
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows: list[tuple[int, list[str]]] = []
        try:
            names = list(header) if header else [h.strip().lstrip("\ufeff") for h in next(reader)]
            first = 1 if header else 2
            for number, cells in enumerate(reader, start=first):
                if any(c.strip() for c in cells):
                    rows.append((number, cells))
                    if ctx is not None:
                        ctx.count(len(rows))
        except csv.Error as exc:
            raise DataFileError(
                [Problem(file, reader.line_num, "", f"not valid CSV: {exc}")]
            ) from exc
    counts = collections.Counter(names)
    duplicates = sorted(h for h, n in counts.items() if n > 1 and h)
    if duplicates:
        raise DataFileError(
            [Problem(file, 1, ", ".join(duplicates), "column given twice in the header: keep one")]
        )
    return names, rows


def missing_columns(file: str, missing: Sequence[str], header: Sequence[str], hint: str) -> None:
    if missing:
        raise DataFileError(
            [
                Problem(
                    file,
                    1,
                    ", ".join(missing),
                    f"no column for {', '.join(missing)}: the file's columns are "
                    f"{', '.join(header)}; {hint}",
                )
            ]
        )


def read_rows(
    ctx: Context, header: list[str], rows: Iterable[tuple[int, list[str]]]
) -> Iterator[Row | Outcome]:
    """Each data row as a Row, or an Outcome when its shape or size already refuses it."""
    for number, cells in rows:
        ctx.tick()
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            message = (
                f"the row has {len(cells)} cells but the header has {len(header)} columns: "
                "quote cells that contain commas"
            )
            yield Outcome(None, [Problem(ctx.file, number, "", message, message)], number)
            continue
        if len(cells) < len(header):
            message = (
                f"the row has {len(cells)} cells but the header has {len(header)} columns: "
                "it is cut short (a truncated file?) and is not imported"
            )
            cause = "fewer cells than the header: the row is cut short"
            yield Outcome(None, [Problem(ctx.file, number, "", message, cause)], number)
            continue
        row = Row(ctx.file, number, dict(zip(header, cells, strict=False)))
        check_sizes(row, ctx.max_field_chars)
        if row.problems:
            yield Outcome(None, row.problems, number)
            continue
        yield row


def column_values(rows: Iterable[Row | Outcome], column: str | None) -> Iterator[str]:
    if column is None:
        return
    for row in rows:
        if isinstance(row, Row):
            yield row.text(column)


class Fields:
    """A row read through a column mapping: `get("latitude")` whatever the column is called."""

    def __init__(self, row: Row, columns: Mapping[str, str]) -> None:
        self.row = row
        self.columns = columns  # field -> column

    def get(self, name: str) -> str:
        column = self.columns.get(name)
        return self.row.text(column) if column else ""

    def column(self, name: str) -> str:
        return self.columns.get(name, name)
