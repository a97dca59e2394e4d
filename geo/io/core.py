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
import re
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
from geo.io.meaning import Meaning
from geo.loader import read_utf8_text
from geo.model import Event
from geo.vocabulary import EventType

MAX_BYTES = 200 * 1024 * 1024
# Distinct (label, type) pairs counted per file, and named in its note.
KINDS_COUNTED = 1_000
KINDS_NAMED = 12
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
    # The file's last row, and that row again when the file ends inside a quoted cell of it
    # (`csv_rows`): a last row cut short is named as the file cut off (`read_rows`).
    last_row: int | None = None
    open_quote_row: int | None = None
    own_fields: dict[tuple[str, ...], dict[str, str]] = field(default_factory=dict)
    # The user's reading of the file: types for its labels, the dataset's publisher.
    meaning: Meaning = field(default_factory=Meaning)
    # How the file's free-text kinds were read: (label, our type) -> rows, bounded.
    kinds: collections.Counter[tuple[str, EventType]] = field(default_factory=collections.Counter)
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

    def count_kind(self, label: str, event_type: EventType) -> None:
        """Counts a label's rows for the import's note; a file of endless distinct labels
        (a description read as the type) stops being counted past KINDS_COUNTED."""
        key = (label[:80], event_type)
        if len(self.kinds) < KINDS_COUNTED or key in self.kinds:
            self.kinds[key] += 1

    def kinds_note(self) -> str | None:
        """How the file's kinds became our types, the most frequent first, so that a reading
        the user disagrees with is seen (and corrected with --types)."""
        if not self.kinds:
            return None
        shown = self.kinds.most_common(KINDS_NAMED)
        parts = [f"{label} → {event_type.value} ({rows:,})" for (label, event_type), rows in shown]
        more = len(self.kinds) - len(shown)
        tail = f"; and {more:,} more" if more > 0 else ""
        return "types read from the file's labels: " + "; ".join(parts) + tail

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
    row limit of `ctx`, as soon as it is passed). The last row is noted in `ctx` (`last_row`,
    and `open_quote_row` when the file ends inside a quoted cell) for `read_rows` to judge."""
    delimiter = delimiter_of(text)
    # The file is at most max_bytes, so no field can be longer; long cells are refused per row.
    with _field_limit(max(max_bytes, 131_072)):
        buffer = io.StringIO(text, newline="")
        reader = csv.reader(buffer, delimiter=delimiter)
        rows: list[tuple[int, list[str]]] = []
        # The last non-blank row: its number and where it starts and ends in the text.
        last: tuple[int, int, int] | None = None
        try:
            names = list(header) if header else [h.strip().lstrip("\ufeff") for h in next(reader)]
            first = 1 if header else 2
            end = buffer.tell()
            for number, cells in enumerate(reader, start=first):
                start, end = end, buffer.tell()
                if any(c.strip() for c in cells):
                    rows.append((number, cells))
                    last = number, start, end
                    if ctx is not None:
                        ctx.count(len(rows))
        except csv.Error as exc:
            raise DataFileError(
                [Problem(file, reader.line_num, "", f"not valid CSV: {exc}")]
            ) from exc
    if ctx is not None and last is not None:
        number, start, end = last
        ctx.last_row = number
        if end == len(text) and _ends_in_open_quote(text[start:], delimiter):
            ctx.open_quote_row = number
    counts = collections.Counter(names)
    duplicates = sorted(h for h, n in counts.items() if n > 1 and h)
    if duplicates:
        raise DataFileError(
            [Problem(file, 1, ", ".join(duplicates), "column given twice in the header: keep one")]
        )
    return names, rows


# A quoted cell from its opening quote to its closing one (a quote inside written twice), or
# to the end of the text when it is never closed.
_QUOTED_CELL = re.compile(r'"[^"]*(?:""[^"]*)*')


def _ends_in_open_quote(record: str, delimiter: str) -> bool:
    """Whether one CSV record, read to the end of the text, ends inside a quoted cell, read the
    way the csv module reads it. (Its default, non-strict reader takes an unclosed quoted cell
    to run to the end of the file without a word: the cell, and any rows after it, are lost.)"""
    position, end = 0, len(record)
    while position < end:
        if record[position] == '"':  # a quote opens a quoted cell only at the cell's start
            found = _QUOTED_CELL.match(record, position)
            assert found is not None  # the pattern matches any text that starts with a quote
            if found.end() >= end:
                return True
            position = found.end() + 1  # past the closing quote
        # The rest of the cell, up to the next delimiter (a quote there is a character).
        position = record.find(delimiter, position)
        if position < 0:
            return False
        position += 1
    return False


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
        if number == ctx.open_quote_row:
            yield Outcome(None, [_open_quote_problem(ctx, header, number, cells)], number)
            continue
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            message = (
                f"the row has {len(cells)} cells but the header has {len(header)} columns: "
                "quote cells that contain commas"
            )
            yield Outcome(None, [Problem(ctx.file, number, "", message, message)], number)
            continue
        if len(cells) < len(header):
            columns = f"the row has {len(cells)} of the header's {len(header)} columns"
            if number == ctx.last_row:
                message = (
                    f"{columns}: the file looks cut off here (a truncated download?); the row "
                    "is not imported"
                )
                cause = (
                    "fewer cells than the header: the file looks cut off (a truncated download?)"
                )
            else:
                message = (
                    f"{columns}: it is cut short (a line break in a cell that is not quoted, or "
                    "separators missing); the row is not imported"
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


def _open_quote_problem(
    ctx: Context, header: Sequence[str], number: int, cells: list[str]
) -> Problem:
    """The row a quoted cell of which is never closed: the file ends inside it."""
    column = header[len(cells) - 1] if 0 < len(cells) <= len(header) else ""
    message = (
        f"an opening quote is never closed: the file looks cut off at row {number} (a "
        "truncated download?); the row is not imported"
    )
    lines = cells[-1].rstrip("\r\n").count("\n") if cells else 0  # the line breaks it spans
    if lines:
        message += (
            f'. If the file is whole, a quote inside this cell is not doubled (write "" for '
            f"one): the cell runs on to the end of the file, over {lines:,} more "
            f"line{'s' if lines != 1 else ''}, none of them read as a row"
        )
    cause = "an opening quote is never closed: the file looks cut off (a truncated download?)"
    return Problem(ctx.file, number, column, message, cause)


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
