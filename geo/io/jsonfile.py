"""JSON and GeoJSON files read record by record, in two passes, a batch at a time.

`JsonReader` reads one JSON document piece by piece (whitespace and punctuation by hand, each
value whole by `json`'s own decoder), so at most one read and one record are in memory;
`JsonDocument` walks a file's records (a top-level array) or features (a FeatureCollection, or
the one Feature the file is). `json_batches` reads the file twice: the first pass counts the
records and settles the columns and date formats from all of them, the second converts them
BATCH_ROWS at a time (`geo.io.records`, `geo.io.geojson`).
"""

from __future__ import annotations

import codecs
import json
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from geo.errors import DataFileError, Problem
from geo.io.core import Context, Outcome, Pending, uncell
from geo.io.dates import DateChoice
from geo.io.geojson import NOT_GEOJSON, feature_parts, features_batch, is_own
from geo.io.records import record_cells, records_batch
from geo.io.table import check_table_columns, own_fields, table_mapping
from geo.loader import not_utf8_problem

# JSON and GeoJSON are read record by record and converted this many at a time: memory holds
# one batch of events, whatever the size of the file (see `import_file`'s `sink`).
BATCH_ROWS = 5_000
# A single JSON record or GeoJSON feature larger than this is refused (it is read whole).
MAX_RECORD_CHARS = 32 * 1024 * 1024


def _json_int(text: str) -> int | str:
    """A JSON integer; one too long for Python to read (over 4,300 digits) stays text, so that
    its row is refused with the column named instead of the file with a traceback."""
    limit = sys.get_int_max_str_digits()
    return text if limit and len(text.lstrip("-")) > limit else int(text)


_JSON_SPACE = re.compile(r"[ \t\n\r]*")


class JsonReader:
    """One JSON document read from a file piece by piece: whitespace and punctuation by hand,
    each value whole by json's own decoder. At most one read (1 MiB) and one value (a record,
    a feature) are in memory, whatever the size of the file."""

    READ = 1 << 20

    def __init__(self, handle: BinaryIO, file: str) -> None:
        self.handle = handle
        self.file = file
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.json = json.JSONDecoder(parse_int=_json_int)
        self.text = ""
        self.pos = 0
        self.lines = 0  # line ends before self.text
        self.offset = 0  # bytes read before the last read
        self.eof = False

    def _more(self) -> bool:
        """Reads on; False at the end of the file."""
        if self.eof:
            return False
        if self.pos > self.READ:
            self.lines += self.text.count("\n", 0, self.pos)
            self.text = self.text[self.pos :]
            self.pos = 0
        raw = self.handle.read(self.READ)
        try:
            self.text += self.decoder.decode(raw, final=not raw)
        except UnicodeDecodeError as exc:
            lines = self.lines + self.text.count("\n")
            raise DataFileError(
                [not_utf8_problem(self.file, exc.object, exc, self.offset, lines)]
            ) from exc
        self.offset += len(raw)
        self.eof = not raw
        return True

    def line(self, pos: int | None = None) -> int:
        return self.lines + self.text.count("\n", 0, self.pos if pos is None else pos) + 1

    def fail(self, message: str, pos: int | None = None) -> DataFileError:
        at = self.pos if pos is None else pos
        column = at - (self.text.rfind("\n", 0, at) + 1) + 1
        return DataFileError(
            [Problem(self.file, self.line(at), "", f"not valid JSON: {message} (column {column})")]
        )

    def peek(self) -> str:
        """The next character that is not whitespace; "" at the end of the file."""
        while True:
            match = _JSON_SPACE.match(self.text, self.pos)
            self.pos = match.end() if match else self.pos
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self._more():
                return ""

    def take(self, expected: str, message: str) -> None:
        if self.peek() != expected:
            raise self.fail(message)
        self.pos += 1

    def value(self) -> Any:
        """The next whole value (an object, an array, a string, a number, …)."""
        self.peek()
        while True:
            try:
                value, end = self.json.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                # Perhaps only cut off by the end of what was read so far: read on and retry.
                if len(self.text) - self.pos <= MAX_RECORD_CHARS and self._more():
                    continue
                if len(self.text) - self.pos > MAX_RECORD_CHARS:
                    raise DataFileError(
                        [
                            Problem(
                                self.file,
                                self.line(),
                                "",
                                f"a record over {MAX_RECORD_CHARS // 2**20} MB (or not valid "
                                f"JSON: {exc.msg}): split the file, or fix the record",
                            )
                        ]
                    ) from exc
                raise self.fail(exc.msg, exc.pos) from exc
            except RecursionError as exc:
                raise DataFileError(
                    [Problem(self.file, self.line(), "", "the JSON is nested too deeply")]
                ) from exc
            if end == len(self.text) and self._more():
                continue  # a number may go on past what was read
            self.pos = end
            return value


class JsonDocument:
    """A JSON file's records, one at a time: the items of a top-level array, or the features of
    a GeoJSON FeatureCollection (or the one Feature the file is). Each walk reads the file
    again; after a walk, `kind` says what the file held: "records", "collection", "feature"
    (a lone Feature) or "other"."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.kind = ""

    def items(self) -> Iterator[Any]:
        with self.path.open("rb") as handle:
            reader = JsonReader(handle, self.path.name)
            first = reader.peek()
            if not first:
                reason = "the file is empty: export the data again"
                raise DataFileError([Problem(self.path.name, 1, "", reason)])
            if first == "[":
                self.kind = "records"
                yield from self._array(reader)
            elif first == "{":
                yield from self._object(reader)
            else:
                reader.value()
                self.kind = "other"
            if reader.peek():
                raise reader.fail("Extra data")
        if self.kind == "feature":
            with self.path.open("rb") as handle:
                yield JsonReader(handle, self.path.name).value()

    def _array(self, reader: JsonReader) -> Iterator[Any]:
        reader.take("[", "Expecting '['")
        if reader.peek() == "]":
            reader.pos += 1
            return
        while True:
            yield reader.value()
            after = reader.peek()
            if after == "]":
                reader.pos += 1
                return
            if after != ",":
                raise reader.fail("Expecting ',' delimiter")
            reader.pos += 1

    def _object(self, reader: JsonReader) -> Iterator[Any]:
        """The features of a FeatureCollection, read as they come; the other members whole."""
        top_type: object = None
        listed = False
        reader.take("{", "Expecting '{'")
        if reader.peek() == "}":
            reader.pos += 1
        else:
            while True:
                if reader.peek() != '"':
                    raise reader.fail("Expecting property name enclosed in double quotes")
                key = reader.value()
                reader.take(":", "Expecting ':' delimiter")
                if key == "features" and reader.peek() == "[":
                    listed = True
                    yield from self._array(reader)
                else:
                    value = reader.value()
                    if key == "type":
                        top_type = value
                after = reader.peek()
                if after == "}":
                    reader.pos += 1
                    break
                if after != ",":
                    raise reader.fail("Expecting ',' delimiter")
                reader.pos += 1
        if top_type == "Feature":
            self.kind = "feature"
        elif top_type == "FeatureCollection" and listed:
            self.kind = "collection"
        else:
            self.kind = "other"


@dataclass
class _Survey:
    """What the first reading of a JSON file finds: its records, their columns, the values of
    their date columns (a date column's format is decided from all of them)."""

    records: int = 0
    header: dict[str, None] = field(default_factory=dict)
    values: dict[str, list[str]] = field(default_factory=dict)
    mapped: int = 0  # records read through the column mapping (not our own features)
    placed: bool = False  # some feature has a geometry


def _survey(document: JsonDocument, ctx: Context) -> _Survey:
    """The first of two readings: counts records (against the row limit), collects the
    columns and date values; nothing is converted yet."""
    survey = _Survey()

    def note(cells: Mapping[str, str], keys: Sequence[str]) -> None:
        survey.mapped += 1
        survey.header.update(dict.fromkeys(keys))
        fields = own_fields(ctx, tuple(keys))
        for name in ("date", "date_end"):
            if name in fields:
                text = uncell(str(cells.get(fields[name]) or "")).strip()
                survey.values.setdefault(name, []).append(text)

    for item in document.items():
        ctx.tick()
        survey.records += 1
        ctx.count(survey.records)
        if document.kind == "records":
            if isinstance(item, dict):
                cells = record_cells(item)
                if all(len(v) <= ctx.max_field_chars for v in cells.values()):
                    note(cells, list(cells))
                else:
                    survey.header.update(dict.fromkeys(cells))
            continue
        parts = feature_parts(ctx, item)
        if parts is None:
            continue
        properties, geometry = parts
        if is_own(properties):
            continue
        cells = record_cells(properties)
        raw_id = item.get("id")
        if raw_id is not None and not uncell(cells.get("id", "")).strip():
            cells["id"] = str(raw_id)
        survey.placed = survey.placed or geometry is not None
        note(cells, list(cells))
    if document.kind in ("other", ""):
        raise DataFileError([Problem(ctx.file, 1, "type", NOT_GEOJSON)])
    return survey


def json_batches(
    path: Path, ctx: Context, progress: Callable[[int, int], None] | None
) -> Iterator[list[Pending | Outcome]]:
    """JSON records or GeoJSON features, BATCH_ROWS at a time, read in two passes: the first
    settles the columns and the date formats from every record, the second converts them."""
    document = JsonDocument(path)
    survey = _survey(document, ctx)
    dates: dict[str, DateChoice | None] = {}
    header = list(survey.header)
    if survey.mapped:
        fields = table_mapping(ctx, header)
        check_table_columns(ctx, header, fields, survey.placed)
        dates = {
            name: ctx.dates(fields[name], survey.values.get(name, []))
            for name in ("date", "date_end")
            if name in fields
        }
    survey.values.clear()
    read = records_batch if document.kind == "records" else features_batch
    batch: list[tuple[int, Any]] = []
    done = 0
    for index, item in enumerate(document.items()):
        batch.append((index, item))
        if len(batch) >= BATCH_ROWS:
            yield read(ctx, header, batch, dates)
            done += len(batch)
            batch = []
            if progress is not None:
                progress(done, survey.records)
    if batch or not done:
        yield read(ctx, header, batch, dates)
        if progress is not None and batch:
            progress(done + len(batch), survey.records)
