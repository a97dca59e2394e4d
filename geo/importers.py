"""Import events from real exports: ACLED, GDELT, UCDP GED, GeoJSON, JSON records, any CSV/TSV.

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

import codecs
import collections
import csv
import datetime as dt
import io
import itertools
import json
import math
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal, TextIO
from urllib.parse import urlsplit

import pycountry
from pydantic import ValidationError

from geo.errors import DataFileError, Problem
from geo.export import CSV_LINE_END, spreadsheet_cell
from geo.export import FORMULA_START as _FORMULA_START
from geo.io import columns as colmap
from geo.io.countries import CountryLocator, check_country, fips_to_iso
from geo.io.dates import DateChoice, choose_date_format, named_format
from geo.io.report import summary_lines
from geo.io.taxonomies import OTHER, UCDP_VIOLENCE, acled_type, cameo_type, our_type
from geo.loader import check_data_file, not_utf8_problem, read_utf8_text, refuse_wide_unicode
from geo.model import EXTRA_COUNTRY_CODES, Event, Geometry
from geo.vocabulary import VOCABULARY, EventType

MAX_BYTES = 200 * 1024 * 1024
MAX_FIELD_CHARS = 10_000
# JSON and GeoJSON are read record by record and converted this many at a time: memory holds
# one batch of events, whatever the size of the file (see `import_file`'s `sink`).
BATCH_ROWS = 5_000
# A single JSON record or GeoJSON feature larger than this is refused (it is read whole).
MAX_RECORD_CHARS = 32 * 1024 * 1024
# What an event keeps of its source row (geo.model.Origin.columns: at most 300 columns, names
# of at most 200 characters; label names of at most 60): the other columns are named once.
ORIGIN_COLUMNS = 300
ORIGIN_NAME_CHARS = 200
LABEL_KEY_CHARS = 60

ImportFormat = Literal["auto", "geojson", "csv", "acled", "gdelt", "ucdp", "json"]
FORMATS: tuple[str, ...] = ("auto", "geojson", "csv", "acled", "gdelt", "ucdp", "json")
OnError = Literal["skip", "refuse"]

ACLED_COLUMNS = (
    "event_id_cnty",
    "event_date",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "admin1",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "time_precision",
    "source",
    "notes",
    "fatalities",
    "iso",
    "country",
    # Not an ACLED column: our own type, so that types ACLED lacks survive a round trip.
    "event_atlas_type",
)
# The header that identifies an ACLED file (any case; pre-2019 files have no sub_event_type).
ACLED_SIGNATURE = frozenset({"event_date", "event_type", "actor1", "latitude", "longitude"})
ACLED_REQUIRED = ("event_date", "event_type", "latitude", "longitude")
GDELT_SIGNATURE = frozenset({"globaleventid", "sqldate", "eventrootcode"})
UCDP_SIGNATURE = frozenset({"type_of_violence", "date_start", "where_prec", "latitude"})
# GDELT 2.0 events, in the order of its raw headerless files (61 columns).
GDELT_COLUMNS = tuple(
    [
        "GLOBALEVENTID",
        "SQLDATE",
        "MonthYear",
        "Year",
        "FractionDate",
        "Actor1Code",
        "Actor1Name",
        "Actor1CountryCode",
        "Actor1KnownGroupCode",
        "Actor1EthnicCode",
        "Actor1Religion1Code",
        "Actor1Religion2Code",
        "Actor1Type1Code",
        "Actor1Type2Code",
        "Actor1Type3Code",
        "Actor2Code",
        "Actor2Name",
        "Actor2CountryCode",
        "Actor2KnownGroupCode",
        "Actor2EthnicCode",
        "Actor2Religion1Code",
        "Actor2Religion2Code",
        "Actor2Type1Code",
        "Actor2Type2Code",
        "Actor2Type3Code",
        "IsRootEvent",
        "EventCode",
        "EventBaseCode",
        "EventRootCode",
        "QuadClass",
        "GoldsteinScale",
        "NumMentions",
        "NumSources",
        "NumArticles",
        "AvgTone",
        "Actor1Geo_Type",
        "Actor1Geo_FullName",
        "Actor1Geo_CountryCode",
        "Actor1Geo_ADM1Code",
        "Actor1Geo_ADM2Code",
        "Actor1Geo_Lat",
        "Actor1Geo_Long",
        "Actor1Geo_FeatureID",
        "Actor2Geo_Type",
        "Actor2Geo_FullName",
        "Actor2Geo_CountryCode",
        "Actor2Geo_ADM1Code",
        "Actor2Geo_ADM2Code",
        "Actor2Geo_Lat",
        "Actor2Geo_Long",
        "Actor2Geo_FeatureID",
        "ActionGeo_Type",
        "ActionGeo_FullName",
        "ActionGeo_CountryCode",
        "ActionGeo_ADM1Code",
        "ActionGeo_ADM2Code",
        "ActionGeo_Lat",
        "ActionGeo_Long",
        "ActionGeo_FeatureID",
        "DATEADDED",
        "SOURCEURL",
    ]
)
# GDELT 1.0's raw files (58 columns) lack the three ADM2 codes.
GDELT1_COLUMNS = tuple(c for c in GDELT_COLUMNS if not c.endswith("ADM2Code"))
CSV_REQUIRED = ("date", "latitude or place")

# Written for types ACLED has no equivalent for (sanctions, statements, ...).
ACLED_DEFAULT = ("Strategic developments", "Other")
# Kept for the ACLED writer: ACLED event_type -> our type.
ACLED_FALLBACK: dict[str, EventType] = {
    "Battles": EventType.ARMED_CLASH,
    "Explosions/Remote violence": EventType.SHELLING,
    "Violence against civilians": EventType.ATTACK_ON_CIVILIANS,
    "Protests": EventType.PROTEST,
    "Riots": EventType.PROTEST,
    "Strategic developments": OTHER,
}

_COUNTRY_ALIASES = {
    "russia": "RU",
    "kosovo": "XK",
    "moldova": "MD",
    "syria": "SY",
    "iran": "IR",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "vietnam": "VN",
    "laos": "LA",
    "south korea": "KR",
    "north korea": "KP",
    "democratic republic of congo": "CD",
    "dr congo": "CD",
    "republic of congo": "CG",
    "ivory coast": "CI",
    "palestine": "PS",
    "turkey": "TR",
    "ukraine (russia)": "UA",
    "bosnia-herzegovina": "BA",
    "macedonia, fyr": "MK",
}
_CLAIM = re.compile(
    r"^(?:(?P<qualifier>at least|at most|about|more than|fewer than) )?(?P<value>\d+)"
    r" \(according to (?P<claimed_by>.+)\)$"
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_VALID_TYPES = ", ".join(t.value for t in EventType)
_TIME_PRECISIONS = ("day", "approximate", "range")


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

    def summary(self) -> list[str]:
        """Problems, then warnings, grouped by cause, then notes on the whole file: the lines
        a user reads first."""
        lines = [f"skipped {line}" for line in summary_lines(self.problems)]
        lines += [f"warning: {line}" for line in summary_lines(self.warnings)]
        lines += [f"note: {note}" for note in self.notes]
        return lines


@dataclass(frozen=True)
class ImportLimits:
    """Bounds on one import's work (the page's upload box sets them; the command line has
    none): at most `rows` rows or records, at most `seconds` of CPU time of the importing
    thread. A file over a bound is refused with a message naming the bound and `remedy`."""

    rows: int | None = None
    seconds: float | None = None
    remedy: str = ""


@dataclass
class _Outcome:
    event: Event | None
    problems: list[Problem]
    line: int | None = None
    warnings: list[Problem] = field(default_factory=list)


class _Row:
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
            text = _uncell(str(value)).strip()
            if text:
                return text
        return ""

    def fail(self, column: str, message: str, cause: str = "", value: str = "") -> None:
        self.problems.append(
            Problem(self.file, self.line, self.prefix + column, message, cause, _short(value))
        )

    def warn(self, column: str, message: str, cause: str = "", value: str = "") -> None:
        self.warnings.append(
            Problem(self.file, self.line, self.prefix + column, message, cause, _short(value))
        )


@dataclass(eq=False)  # compared by identity: comparing rows field by field is never meant
class _Pending:
    """A row turned into event data, not validated yet: countries are settled for all at once."""

    row: _Row
    data: dict[str, Any] | None
    columns: dict[str, str]
    country_column: str = "country"


@dataclass
class _Context:
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
        listed = ", ".join(_short(name, 40) for name in names[:20])
        more = f" and {len(names) - 20:,} more" if len(names) > 20 else ""
        return (
            f"{len(names):,} column{'s are' if len(names) != 1 else ' is'} not kept with the "
            f"events (an event keeps at most {ORIGIN_COLUMNS} columns of its source row, "
            f"named in at most {ORIGIN_NAME_CHARS} characters; the columns read as fields "
            f"come first): {listed}{more}"
        )


def _ticking(ctx: _Context, items: Iterable[Any]) -> Iterator[Any]:
    for item in items:
        ctx.tick()
        yield item


# --------------------------------------------------------------------------- shared helpers


def _uncell(text: str) -> str:
    if text.startswith("'") and text[1:].startswith(_FORMULA_START):
        return text[1:]
    return text


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-_")
    return slug[:80].rstrip("-_")


def parse_date(text: str) -> dt.date | None:
    """One date in our own formats: YYYY-MM-DD (with a time or not) or "24 February 2022"."""
    text = text.strip()
    for name in ("iso", "d-mon-y"):
        parsed = named_format(name).parse(text)
        if parsed is not None:
            return parsed
    return None


def _date(
    row: _Row, column: str, value: str, choice: DateChoice | None, required: bool = True
) -> dt.date | None:
    if not value:
        if required:
            row.fail(
                column,
                "the date is missing: give one in the column's format",
                cause="the date is missing",
            )
        return None
    parsed = choice.parse(value) if choice is not None else None
    if parsed is None:
        if choice is None:
            cause = (
                "no value of the column is a date in a known format: pass --date-format, "
                "e.g. --date-format %d.%m.%Y"
            )
            message = f"'{_short(value)}' is not a date in a known format: pass --date-format"
        else:
            looks = choice.format.looks_like
            cause = f"not a date in the column's format, {looks}: pass --date-format if it mixes"
            message = f"'{_short(value)}' is not a date in the column's format, {looks}"
        row.fail(column, message, cause=cause, value=value)
    return parsed


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


_WHOLE = re.compile(r"[0-9]{1,15}")


def _whole_number(text: str) -> int | None:
    """A count written in ASCII digits ("12", "12.0"); None for anything else, including
    numbers too long to be a count (Python refuses to read integers of over 4,300 digits)."""
    text = text.removesuffix(".0")
    return int(text) if _WHOLE.fullmatch(text) else None


def _label_key(column: str) -> str:
    """A column's name as the key of a label (at most LABEL_KEY_CHARS characters)."""
    return column[:LABEL_KEY_CHARS]


# UCDP (Gleditsch-Ward) names carry a former name in brackets: "Russia (Soviet Union)",
# "Serbia (Yugoslavia)", "DR Congo (Zaire)".
_FORMER_NAME = re.compile(r"^(?P<name>[^()]+?)\s*\([^()]*\)$")


def country_code(text: str) -> str | None:
    """ISO alpha-2 code from an alpha-2/alpha-3 code, an ISO numeric code or a country name
    (with or without a former name in brackets, as UCDP writes them)."""
    value = text.strip()
    if not value:
        return None
    code = _country_code(value)
    former = _FORMER_NAME.match(value)
    if code is None and former is not None:
        code = _country_code(former["name"])
    return code


def _country_code(value: str) -> str | None:
    if value.upper() in EXTRA_COUNTRY_CODES:
        return value.upper()
    alias = _COUNTRY_ALIASES.get(value.lower())
    if alias is not None:
        return alias
    if value.isdigit():
        found = pycountry.countries.get(numeric=value.zfill(3))
        return str(found.alpha_2) if found is not None else None
    try:
        return str(pycountry.countries.lookup(value).alpha_2)
    except LookupError:
        return None


def _country(row: _Row, column: str, text: str) -> str | None:
    """The row's country, or None (inferred later); a value we cannot read is a warning."""
    code = country_code(text)
    if text and code is None:
        row.warn(
            column,
            f"'{_short(text)}' is not a country we know: it is taken from the coordinates",
            cause="not a country name or ISO code; the country is taken from the coordinates",
            value=text,
        )
    return code


def _number(row: _Row, column: str, text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        hint = " (use a decimal point, not a comma)" if re.fullmatch(r"-?\d+,\d+", text) else ""
        row.fail(
            column,
            f"'{_short(text)}' is not a number{hint}: write decimal degrees, e.g. 49.99",
            cause=f"not a number{hint}: write decimal degrees, e.g. 49.99",
            value=text,
        )
        return None
    if not math.isfinite(value):
        row.fail(column, f"'{text}' is not a finite number: write decimal degrees, e.g. 49.99")
        return None
    return value


def _coordinates(
    row: _Row, lat_text: str, lon_text: str, lat_col: str = "latitude", lon_col: str = "longitude"
) -> tuple[float, float] | None:
    """(lat, lon); None when both are empty (not geocoded yet) or on a problem (reported)."""
    if not lat_text and not lon_text:
        return None
    if not lat_text or not lon_text:
        missing = lat_col if not lat_text else lon_col
        row.fail(missing, "give both latitude and longitude, or leave both empty")
        return None
    lat = _number(row, lat_col, lat_text)
    lon = _number(row, lon_col, lon_text)
    if lat is None or lon is None:
        return None
    if abs(lat) > 90:
        if abs(lat) <= 180 and abs(lon) <= 90:
            row.fail(
                lat_col,
                f"latitude {lat} is out of range (±90) and longitude {lon} would fit as a "
                "latitude: the two look swapped, exchange the latitude and longitude values",
                cause="latitude out of range: latitude and longitude look swapped",
            )
        else:
            row.fail(lat_col, f"latitude {lat} is out of range: it must be within ±90")
        return None
    if abs(lon) > 180:
        row.fail(lon_col, f"longitude {lon} is out of range: it must be within ±180")
        return None
    return (lat, lon)


def _geo_precision(row: _Row, column: str, text: str) -> int | None:
    if not text:
        return None
    try:
        value = int(float(text))
    except (ValueError, OverflowError):  # OverflowError: "1e999" and other infinities
        value = 0
    if value not in (0, 1, 2, 3) or str(value) not in (text, text.rstrip("0").rstrip(".")):
        row.fail(column, f"'{_short(text)}' is not a geo_precision: write 1, 2, 3 or 0 (unknown)")
        return None
    return value


def _url(row: _Row, column: str, text: str) -> str | None:
    """A source link, or None; a link that is not a web address is dropped with a warning."""
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme in ("http", "https") and parts.netloc and " " not in text:
        return text
    row.warn(
        column,
        f"'{_short(text)}' is not a web address (http:// or https://): the event is kept "
        "without this link",
        cause="a source link that is not a web address: kept the event, dropped the link",
        value=text,
    )
    return None


def _type_with_label(row: _Row, column: str, text: str, labels: dict[str, str]) -> EventType:
    """Our type for a free-text label; the label itself is kept when it is not ours."""
    found = our_type(text) if text else None
    if text and (found is None or text != found.value):
        labels[_label_key(column)] = text[:500]
    return found or OTHER


def _labels_cell(row: _Row) -> dict[str, str]:
    """Our CSV's `labels` column (JSON text), read back; anything else there is refused."""
    text = row.text("labels")
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        row.fail("labels", 'labels must be a JSON object of texts, e.g. {"type": "Drone Strike"}')
        return {}
    return {str(k): v for k, v in value.items()}


def _check_sizes(row: _Row, max_field_chars: int) -> None:
    for column, value in row.cells.items():
        if isinstance(value, str) and len(value) > max_field_chars:
            row.fail(
                column,
                f"the cell has {len(value):,} characters, over the {max_field_chars:,} limit: "
                "shorten it (put long texts in the summary of the events file)",
            )


def _origin(ctx: _Context, row: _Row, used: Iterable[str] = ()) -> dict[str, Any]:
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


def _validate(row: _Row, data: dict[str, Any], columns: Mapping[str, str]) -> Event | None:
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


def _read_text(path: Path, max_bytes: int) -> str:
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


def _delimiter(text: str) -> str:
    """Comma, tab or semicolon: whichever the first line uses most."""
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _gdelt_raw_header(text: str, delimiter: str) -> tuple[str, ...] | None:
    """GDELT's raw files have no header: 61 (2.0) or 58 (1.0) tab-separated cells per row."""
    if delimiter != "\t":
        return None
    cells = text.split("\n", 1)[0].rstrip("\r").split("\t")
    if not (cells[0].isdigit() and re.fullmatch(r"\d{8}", cells[1] if len(cells) > 1 else "")):
        return None
    return {len(GDELT_COLUMNS): GDELT_COLUMNS, len(GDELT1_COLUMNS): GDELT1_COLUMNS}.get(len(cells))


def _csv_rows(
    text: str,
    file: str,
    max_bytes: int,
    header: Sequence[str] | None = None,
    ctx: _Context | None = None,
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (spreadsheet row number, cells) of every non-blank row (refused past the
    row limit of `ctx`, as soon as it is passed)."""
    delimiter = _delimiter(text)
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


def _detect(path: Path, text: str) -> ImportFormat:
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("["):
        return "json"
    if stripped.startswith("{") or path.suffix.lower() in (".geojson", ".json"):
        return "geojson"
    delimiter = _delimiter(text)
    if _gdelt_raw_header(text, delimiter) is not None:
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
) -> ImportResult:
    """Read events from any supported export (see the module docstring).

    `date_format` overrides the date format decided from each date column; `overrides` maps
    columns to fields (`{"Lat": "latitude"}`) over the guessed mapping; `progress` is called
    with (rows done, rows in all) while countries are settled; `limits` bound the work.

    JSON and GeoJSON are read record by record, in batches of BATCH_ROWS. With `sink`, each
    batch's events are handed to it as they are read and not kept in `events` (`imported`
    counts them): a file of any size then never holds more than a batch of events. With
    on_error="refuse", the sink gets nothing once a row is bad, and DataFileError follows.
    """
    path = Path(path)
    shape = _json_shape(path, max_bytes)
    if fmt == "auto" and shape is not None:
        fmt = shape
    ctx = _Context(
        path.name,
        max_bytes,
        max_field_chars,
        date_format,
        dict(overrides or {}),
        fmt,
        limits=limits or ImportLimits(),
    )
    batches: Iterable[list[_Pending | _Outcome]]
    if fmt in ("json", "geojson"):
        batches = _json_batches(path, ctx, progress)
        progress = None  # reported per batch, against the rows in all
    else:
        text = _read_text(path, max_bytes)
        if fmt == "auto":
            fmt = _detect(path, text)
            ctx.format = fmt
        readers: dict[str, Callable[[str, _Context], list[_Pending | _Outcome]]] = {
            "acled": _import_acled,
            "gdelt": _import_gdelt,
            "ucdp": _import_ucdp,
            "csv": _import_table,
        }
        batches = [readers[fmt](text, ctx)]
        del text
    result = ImportResult(format=fmt)
    seen: set[str] = set()
    for batch in batches:
        outcomes = _reject_duplicate_ids(_settle(batch, progress, ctx), ctx.file, seen)
        result.problems += [p for o in outcomes for p in o.problems]
        result.warnings += [w for o in outcomes for w in o.warnings]
        result.skipped += sum(1 for o in outcomes if o.event is None)
        result.rows += len(outcomes)
        events = [o.event for o in outcomes if o.event is not None]
        result.imported += len(events)
        if on_error == "refuse" and result.problems:
            continue
        if sink is not None:
            sink(events)
        else:
            result.events += events
    if on_error == "refuse" and result.problems:
        raise DataFileError(result.problems)
    result.date_formats = ctx.date_formats
    result.mapping = ctx.mapping
    note = ctx.dropped_note()
    if note:
        result.notes.append(note)
    return result


# --------------------------------------------------------------------------- countries


def _settle(
    items: Sequence[_Pending | _Outcome],
    progress: Callable[[int, int], None] | None,
    ctx: _Context,
) -> list[_Outcome]:
    """Countries for every row at once (inferred where absent, checked where given), then
    each row validated into an event."""
    pending = [i for i in items if isinstance(i, _Pending) and i.data is not None]
    placed = [p for p in pending if _point(p) is not None]
    if placed:
        locator = ctx.locator()
        # One pass: a membership test against `given` would compare whole rows, n² times.
        given: list[_Pending] = []
        missing: list[_Pending] = []
        for candidate in placed:
            has_country = bool(candidate.data and candidate.data["place"].get("country"))
            (given if has_country else missing).append(candidate)
        _check_countries(given, locator)
        _infer_countries(missing, locator, progress)
    outcomes: list[_Outcome] = []
    for item in items:
        if isinstance(item, _Outcome):
            outcomes.append(item)
            continue
        ctx.tick()
        row = item.row
        event = None
        if item.data is not None:
            place = item.data["place"]
            if place.get("latitude") is not None and place.get("geo_precision") is None:
                place["geo_precision"] = 0  # the source did not say: unknown, never "exact"
        if item.data is not None and not row.problems:
            event = _validate(row, item.data, item.columns)
        item.data = None  # the event holds its own copy: a large file would hold both
        outcomes.append(_Outcome(event, row.problems, row.line, row.warnings))
    return outcomes


def _point(item: _Pending) -> tuple[float, float] | None:
    place = item.data["place"] if item.data else {}
    lat, lon = place.get("latitude"), place.get("longitude")
    return (lat, lon) if lat is not None and lon is not None else None


def _infer_countries(
    placed: Sequence[_Pending],
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


def _check_countries(placed: Sequence[_Pending], locator: CountryLocator) -> None:
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


def _reject_duplicate_ids(outcomes: list[_Outcome], file: str, seen: set[str]) -> list[_Outcome]:
    """`seen` holds the ids of the batches before, and gets this batch's."""
    out: list[_Outcome] = []
    for outcome in outcomes:
        event = outcome.event
        if event is not None and event.id in seen:
            message = f"id '{event.id}' is used by an earlier row: every event needs its own id"
            problem = Problem(
                file, outcome.line, "id", message, "an id used by an earlier row", event.id
            )
            out.append(_Outcome(None, [problem], outcome.line))
            continue
        if event is not None:
            seen.add(event.id)
        out.append(outcome)
    return out


def _missing_columns(file: str, missing: Sequence[str], header: Sequence[str], hint: str) -> None:
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


def _rows(
    ctx: _Context, header: list[str], rows: Iterable[tuple[int, list[str]]]
) -> Iterator[_Row | _Outcome]:
    """Each data row as a _Row, or an _Outcome when its shape or size already refuses it."""
    for number, cells in rows:
        ctx.tick()
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            message = (
                f"the row has {len(cells)} cells but the header has {len(header)} columns: "
                "quote cells that contain commas"
            )
            yield _Outcome(None, [Problem(ctx.file, number, "", message, message)], number)
            continue
        if len(cells) < len(header):
            message = (
                f"the row has {len(cells)} cells but the header has {len(header)} columns: "
                "it is cut short (a truncated file?) and is not imported"
            )
            cause = "fewer cells than the header: the row is cut short"
            yield _Outcome(None, [Problem(ctx.file, number, "", message, cause)], number)
            continue
        row = _Row(ctx.file, number, dict(zip(header, cells, strict=False)))
        _check_sizes(row, ctx.max_field_chars)
        if row.problems:
            yield _Outcome(None, row.problems, number)
            continue
        yield row


def _column_values(rows: Iterable[_Row | _Outcome], column: str | None) -> Iterator[str]:
    if column is None:
        return
    for row in rows:
        if isinstance(row, _Row):
            yield row.text(column)


# --------------------------------------------------------------------------- any table


def _figures(row: _Row, claims_col: str, best_col: str, claimed_by: str) -> list[dict[str, Any]]:
    claims = row.text(claims_col)
    figures: list[dict[str, Any]] = []
    if claims:
        for part in claims.split("; "):
            match = _CLAIM.match(part.strip())
            if match is None:
                row.fail(
                    claims_col,
                    f"'{_short(part)}' is not a claim: write e.g. "
                    "'at least 11 (according to Synegubov)'",
                )
                continue
            value = _whole_number(match["value"])
            if value is None:
                row.fail(claims_col, f"'{_short(part)}' is not a number of people")
                continue
            figures.append(
                {
                    "value": value,
                    "qualifier": match["qualifier"] or "exact",
                    "claimed_by": match["claimed_by"],
                }
            )
        return figures
    best = row.text(best_col)
    if best:
        number = _whole_number(best)
        if number is None:
            row.fail(
                best_col,
                f"'{_short(best)}' is not a whole number of people",
                cause="not a whole number of people",
                value=best,
            )
        elif number:
            figures.append({"value": number, "claimed_by": claimed_by})
    return figures


def _our_sources(row: _Row, date: dt.date | None, file: str) -> list[dict[str, Any]]:
    """Our CSV's `sources` ("publisher YYYY-MM-DD url") and `quotes` (" | "-separated)."""
    entries = row.text("sources").split("; ")
    quotes_text = row.text("quotes")
    quotes = quotes_text.split(" | ") if quotes_text else []
    if len(quotes) != len(entries):
        row.fail(
            "quotes",
            f"{len(entries)} source(s) but {len(quotes)} quote(s): give one quote per source, "
            "separated by ' | '",
        )
        return []
    out: list[dict[str, Any]] = []
    for entry, quote in zip(entries, quotes, strict=True):
        words = entry.split(" ")
        url = (
            words.pop() if words and words[-1].lower().startswith(("http://", "https://")) else None
        )
        source_date = date
        if words and _ISO_DATE.match(words[-1]):
            source_date = parse_date(words.pop())
        publisher = " ".join(words).strip()
        if not publisher or source_date is None:
            row.fail("sources", f"'{_short(entry)}' is not 'publisher YYYY-MM-DD [url]'")
            continue
        out.append({"publisher": publisher, "date": source_date, "quote": quote, "url": url})
    return out


def _split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


class _Fields:
    """A row read through a column mapping: `get("latitude")` whatever the column is called."""

    def __init__(self, row: _Row, columns: Mapping[str, str]) -> None:
        self.row = row
        self.columns = columns  # field -> column

    def get(self, name: str) -> str:
        column = self.columns.get(name)
        return self.row.text(column) if column else ""

    def column(self, name: str) -> str:
        return self.columns.get(name, name)


def _table_mapping(ctx: _Context, header: Sequence[str]) -> dict[str, str]:
    """field -> column, from the guesses and the user's overrides; recorded for the user."""
    mapping = colmap.apply_overrides(header, colmap.guess_mapping(header), ctx.overrides)
    ctx.mapping = mapping
    return {f: c for c, f in mapping.items()}


def _import_table(text: str, ctx: _Context) -> list[_Pending | _Outcome]:
    header, raw_rows = _csv_rows(text, ctx.file, ctx.max_bytes, ctx=ctx)
    return _table_outcomes(ctx, header, list(_rows(ctx, header, raw_rows)))


def _table_outcomes(
    ctx: _Context,
    header: Sequence[str],
    rows: Sequence[_Row | _Outcome],
    points: Mapping[int, tuple[float, float]] | None = None,
    uniform: bool = True,
    dates: Mapping[str, DateChoice | None] | None = None,
) -> list[_Pending | _Outcome]:
    """Rows of a table (or records, or features' properties) read through a column mapping.

    `uniform=False` for JSON records and GeoJSON features, whose keys may differ from one to
    the next (`type` in one, `category` in another): each gets the mapping of its own keys.
    `dates` are the date formats when they were decided already (from every batch of a file
    read in batches: the mapping is then recorded and checked too).
    """
    if not any(isinstance(r, _Row) for r in rows):
        return [r for r in rows if isinstance(r, _Outcome)]
    if dates is None:
        fields = _table_mapping(ctx, header)
        _check_table_columns(ctx, header, fields, bool(points))
    else:
        fields = {f: c for c, f in ctx.mapping.items()}

    def fields_of(row: _Row) -> dict[str, str]:
        return fields if uniform else _own_fields(ctx, tuple(row.cells))

    def values(name: str) -> Iterator[str]:
        for row in rows:
            if isinstance(row, _Row) and name in fields_of(row):
                yield row.text(fields_of(row)[name])

    if dates is None:
        dates = {
            name: ctx.dates(fields[name], values(name))
            for name in ("date", "date_end")
            if name in fields
        }
    out: list[_Pending | _Outcome] = []
    for index, row in enumerate(rows):
        if isinstance(row, _Outcome):
            out.append(row)
            continue
        ctx.tick()
        point = points.get(index) if points else None
        out.append(_table_event(ctx, _Fields(row, fields_of(row)), dates, point))
    return out


def _check_table_columns(
    ctx: _Context, header: Sequence[str], fields: Mapping[str, str], placed: bool
) -> None:
    """Refuses a table with no date column, or neither coordinates nor places (`placed`: the
    rows have positions of their own, GeoJSON geometries)."""
    missing = [] if "date" in fields else ["date"]
    if not placed and "place" not in fields and not {"latitude", "longitude"} <= set(fields):
        missing.append("latitude and longitude (or a place)")
    _missing_columns(
        ctx.file,
        missing,
        header,
        "name the columns with --map COLUMN=FIELD, e.g. --map Lat=latitude "
        f"(fields: {', '.join(colmap.FIELDS)})",
    )


# Mappings of records' own keys remembered per file; a file whose records all differ does not
# grow this past the bound.
_OWN_FIELDS_KEPT = 4096


def _own_fields(ctx: _Context, keys: tuple[str, ...]) -> dict[str, str]:
    """field -> column for a record with these keys (the user's overrides among them)."""
    found = ctx.own_fields.get(keys)
    if found is None:
        overrides = {c: f for c, f in ctx.overrides.items() if c in keys}
        mapping = colmap.apply_overrides(keys, colmap.guess_mapping(keys), overrides)
        found = {f: c for c, f in mapping.items()}
        if len(ctx.own_fields) >= _OWN_FIELDS_KEPT:
            ctx.own_fields.clear()
        ctx.own_fields[keys] = found
    return found


def _fallback_id(ctx: _Context, row: _Row) -> str:
    """An id for a row that has none: its format and row number, or its record's index."""
    if row.line is not None:
        return f"{slugify(ctx.format) or 'row'}-{row.line}"
    index = re.search(r"\[(\d+)\]", row.prefix)
    kind = "feature" if row.prefix.startswith("features") else "record"
    return f"{kind}-{int(index[1]) + 1 if index else 0}"


def _table_event(
    ctx: _Context,
    cells: _Fields,
    dates: Mapping[str, DateChoice | None],
    point_given: tuple[float, float] | None,
) -> _Pending:
    row, col = cells.row, cells.column
    labels: dict[str, str] = {}
    sub = cells.get("sub_event_type")
    main = cells.get("event_type")
    event_type = _type_with_label(row, col("event_type"), main, labels)
    if sub:
        labels[_label_key(col("sub_event_type"))] = sub[:500]
        event_type = acled_type(main, sub) or event_type
    labels.update(_labels_cell(row))
    date = _date(row, col("date"), cells.get("date"), dates.get("date"))
    date_end = _date(row, col("date_end"), cells.get("date_end"), dates.get("date_end"), False)
    point = point_given or _coordinates(
        row, cells.get("latitude"), cells.get("longitude"), col("latitude"), col("longitude")
    )
    place_name = cells.get("place") or cells.get("admin1")
    if point is None and not place_name and not row.problems:
        row.fail(
            col("latitude"),
            "the row has no coordinates and no place name: give one or the other",
            cause="no coordinates and no place name",
        )
    precision = _geo_precision(row, col("geo_precision"), cells.get("geo_precision"))
    country = _country(row, col("country"), cells.get("country"))
    claimed_by = cells.get("source") or f"{ctx.file} (no claimant given)"
    fatalities = _figures(row, "fatalities_claims", col("fatalities"), claimed_by)
    injured = _figures(row, "injured_claims", col("injured"), claimed_by)
    summary = cells.get("summary")
    if row.cells.get("sources") is not None and "quotes" in row.cells:
        sources = _our_sources(row, date, ctx.file) if row.text("sources") else []
    else:
        sources = []
    if not sources and date is not None and not row.problems:
        sources = [
            {
                "publisher": cells.get("source") or ctx.file,
                "url": _url(row, col("url"), cells.get("url")),
                "date": date,
                "quote": row.text("quotes")
                or summary
                or f"(no quote: imported from {ctx.file} row {row.line})",
            }
        ]
    if row.problems:
        return _Pending(row, None, {})
    label = labels.get(_label_key(col("sub_event_type"))) or labels.get(
        _label_key(col("event_type"))
    )
    place = place_name or str(country or "")
    title = (
        cells.get("title")
        or (f"{label or VOCABULARY[event_type].label}: {place}" if place else "")
        or summary[:120]
        or f"{ctx.file} row {row.line}"
    )
    time_precision = cells.get("time_precision")
    if time_precision not in _TIME_PRECISIONS:
        time_precision = "range" if date_end else "day"
    data: dict[str, Any] = {
        "id": slugify(cells.get("id")) or _fallback_id(ctx, row),
        "title": title[:300],
        "event_type": event_type,
        "date": date,
        "date_end": date_end,
        "time_precision": time_precision,
        "place": {
            "name": (place_name or (f"{point[0]:.4f}, {point[1]:.4f}" if point else ""))[:200],
            "country": country,
            "admin1": cells.get("admin1") or None,
            "latitude": point[0] if point else None,
            "longitude": point[1] if point else None,
            "geo_precision": precision,
        },
        "actors": _split_list(cells.get("actors")) + _split_list(cells.get("actor2")),
        "fatalities": fatalities,
        "injured": injured,
        "sources": sources,
        "summary": summary,
        "tags": _split_list(cells.get("tags")),
        "labels": labels,
        "origin": _origin(ctx, row, cells.columns.values()),
    }
    columns = {
        "place.name": col("place"),
        "place.latitude": col("latitude"),
        "place.longitude": col("longitude"),
        "place.country": col("country"),
        "place.admin1": col("admin1"),
        "place.geo_precision": col("geo_precision"),
        "place": col("place"),
        "sources": "sources" if "sources" in row.cells else col("url"),
        "fatalities": "fatalities_claims"
        if "fatalities_claims" in row.cells
        else col("fatalities"),
        "injured": "injured_claims" if "injured_claims" in row.cells else col("injured"),
        "title": col("title"),
        "date": col("date"),
        "id": col("id"),
    }
    return _Pending(row, data, columns, col("country"))


# --------------------------------------------------------------------------- ACLED CSV


def _import_acled(text: str, ctx: _Context) -> list[_Pending | _Outcome]:
    header, raw_rows = _csv_rows(text, ctx.file, ctx.max_bytes, ctx=ctx)
    # ACLED files come in any header case (UPPERCASE exports): read them by lower-case name.
    by_name = {colmap.normalise(h): h for h in header}
    for name, column in ctx.overrides.items():
        by_name[column] = by_name.get(colmap.normalise(name), name)
    missing = [c for c in ACLED_REQUIRED if c not in by_name]
    _missing_columns(ctx.file, missing, header, "export the file from ACLED again")
    rows = list(_rows(ctx, header, raw_rows))
    ctx.mapping = {by_name[c]: c for c in ACLED_COLUMNS if c in by_name}
    choice = ctx.dates(by_name["event_date"], _column_values(rows, by_name["event_date"]))
    return [
        r if isinstance(r, _Outcome) else _acled_event(ctx, _Fields(r, by_name), choice)
        for r in rows
    ]


def _acled_event(ctx: _Context, cells: _Fields, choice: DateChoice | None) -> _Pending:
    row, col = cells.row, cells.column
    main, sub = cells.get("event_type"), cells.get("sub_event_type")
    ours = cells.get("event_atlas_type")
    known = {t.value for t in EventType}
    labels = {col(k): v[:500] for k, v in (("event_type", main), ("sub_event_type", sub)) if v}
    event_type = EventType(ours) if ours in known else acled_type(main, sub) or OTHER
    date = _date(row, col("event_date"), cells.get("event_date"), choice)
    point = _coordinates(
        row, cells.get("latitude"), cells.get("longitude"), col("latitude"), col("longitude")
    )
    precision = _geo_precision(row, col("geo_precision"), cells.get("geo_precision"))
    time_text = cells.get("time_precision") or "1"
    time_precision = {"1": "day", "2": "approximate", "3": "approximate"}.get(time_text)
    if time_precision is None:
        row.fail(
            col("time_precision"), f"'{_short(time_text)}' is not an ACLED time_precision: 1-3"
        )
    iso, country_text = cells.get("iso"), cells.get("country")
    country = country_code(iso) if iso and iso != "0" else None
    country = country or _country(row, col("country"), country_text)
    fatalities_text = (cells.get("fatalities") or "0").removesuffix(".0")
    fatalities_value = _whole_number(fatalities_text)
    if fatalities_value is None:
        row.fail(
            col("fatalities"),
            f"'{_short(fatalities_text)}' is not a whole number of people",
            cause="not a whole number of people",
            value=fatalities_text,
        )
    if row.problems or date is None:
        return _Pending(row, None, {})
    publisher = cells.get("source") or "ACLED"
    notes = cells.get("notes")
    location = cells.get("location") or cells.get("admin1") or str(country or "")
    if not location and point is not None:
        location = f"{point[0]:.4f}, {point[1]:.4f}"
    value = fatalities_value or 0
    fatalities = [{"value": value, "qualifier": "exact", "claimed_by": publisher}] if value else []
    actors = [a for a in (cells.get("actor1"), cells.get("actor2")) if a]
    label = sub or main or VOCABULARY[event_type].label
    data: dict[str, Any] = {
        "id": slugify(cells.get("event_id_cnty")) or f"acled-{row.line}",
        "title": f"{label}: {location}"[:300],
        "event_type": event_type,
        "date": date,
        "time_precision": time_precision,
        "place": {
            "name": location[:200],
            "country": country,
            "admin1": cells.get("admin1") or None,
            "latitude": point[0] if point else None,
            "longitude": point[1] if point else None,
            "geo_precision": precision,
        },
        "actors": actors,
        "fatalities": fatalities,
        "sources": [{"publisher": publisher, "date": date, "quote": notes or "(no notes)"}],
        "summary": notes,
        "labels": labels,
        "origin": _origin(ctx, row),
    }
    columns = {
        "id": col("event_id_cnty"),
        "date": col("event_date"),
        "place.name": col("location"),
        "place": col("location"),
        "place.latitude": col("latitude"),
        "place.longitude": col("longitude"),
        "place.country": col("country"),
        "fatalities": col("fatalities"),
        "sources": col("source"),
        "summary": col("notes"),
        "actors": col("actor1"),
        "title": col("event_type"),
    }
    return _Pending(row, data, columns, col("iso") if iso else col("country"))


# --------------------------------------------------------------------------- GDELT 2.0 events

# ActionGeo_Type: 1 country, 2 US state, 3 US city, 4 world city, 5 world state (ADM1).
_GDELT_PRECISION = {"1": 3, "2": 3, "3": 1, "4": 1, "5": 3}


def _import_gdelt(text: str, ctx: _Context) -> list[_Pending | _Outcome]:
    raw_header = _gdelt_raw_header(text, _delimiter(text))
    header, raw_rows = _csv_rows(text, ctx.file, ctx.max_bytes, raw_header, ctx)
    by_name = {colmap.normalise(h): h for h in header}
    missing = [
        name
        for name in ("GLOBALEVENTID", "SQLDATE", "EventRootCode", "ActionGeo_Lat", "ActionGeo_Long")
        if colmap.normalise(name) not in by_name
    ]
    _missing_columns(ctx.file, missing, header, "export every column of GDELT's events table")
    rows = list(_rows(ctx, header, raw_rows))
    choice = ctx.dates(by_name["sqldate"], _column_values(rows, by_name["sqldate"]))
    return [
        r if isinstance(r, _Outcome) else _gdelt_event(ctx, _Fields(r, by_name), choice)
        for r in rows
    ]


def _gdelt_event(ctx: _Context, cells: _Fields, choice: DateChoice | None) -> _Pending:
    row, col = cells.row, cells.column
    event_id = cells.get("globaleventid")
    date = _date(row, col("sqldate"), cells.get("sqldate"), choice)
    lat, lon = cells.get("actiongeo_lat"), cells.get("actiongeo_long")
    if not lat or not lon:
        row.fail(
            col("actiongeo_lat"),
            "GDELT did not place this event (no ActionGeo_Lat/ActionGeo_Long): not imported",
            cause="no ActionGeo coordinates: GDELT did not place the event",
        )
        return _Pending(row, None, {})
    point = _coordinates(row, lat, lon, col("actiongeo_lat"), col("actiongeo_long"))
    if row.problems or date is None or point is None:
        return _Pending(row, None, {})
    fips = cells.get("actiongeo_countrycode")
    country = fips_to_iso(fips) if fips else None
    code, root = cells.get("eventcode"), cells.get("eventrootcode")
    description = cells.get("cameocodedescription")
    labels = {
        col(k): v
        for k, v in (
            ("eventcode", code),
            ("eventrootcode", root),
            ("cameocodedescription", description),
        )
        if v
    }
    place = cells.get("actiongeo_fullname") or f"{point[0]:.4f}, {point[1]:.4f}"
    what = description or f"CAMEO {code or root}"
    url = _url(row, col("sourceurl"), cells.get("sourceurl"))
    publisher = urlsplit(url).netloc.removeprefix("www.") if url else "GDELT"
    actors = [a for a in (cells.get("actor1name"), cells.get("actor2name")) if a]
    summary = " – ".join([*actors[:1], what, *actors[1:2]])
    data: dict[str, Any] = {
        "id": slugify(f"gdelt-{event_id}") or f"gdelt-{row.line}",
        "title": f"{what}: {place}"[:300],
        "event_type": cameo_type(root),
        "date": date,
        "time_precision": "day",
        "place": {
            "name": place[:200],
            "country": country,
            "admin1": None,
            "latitude": point[0],
            "longitude": point[1],
            "geo_precision": _GDELT_PRECISION.get(cells.get("actiongeo_type")),
        },
        "actors": actors,
        "sources": [
            {
                "publisher": publisher or "GDELT",
                "url": url,
                "date": date,
                "quote": f"(no quote: GDELT event {event_id}, coded by machine from the source)",
            }
        ],
        "summary": summary,
        "labels": labels,
        "origin": _origin(ctx, row),
    }
    columns = {"id": col("globaleventid"), "sources": col("sourceurl"), "title": col("eventcode")}
    return _Pending(row, data, columns, col("actiongeo_countrycode"))


# --------------------------------------------------------------------------- UCDP GED

# where_prec: 1 exact, 2 within 25 km, 3 second-order region, 4 first-order region, 5 a line
# (road, border), 6 country, 7 waters or air.
_UCDP_WHERE = {"1": 1, "2": 2, "3": 2, "4": 3, "5": 2, "6": 3, "7": 3}


def _import_ucdp(text: str, ctx: _Context) -> list[_Pending | _Outcome]:
    header, raw_rows = _csv_rows(text, ctx.file, ctx.max_bytes, ctx=ctx)
    by_name = {colmap.normalise(h): h for h in header}
    rows = list(_rows(ctx, header, raw_rows))
    start = ctx.dates(by_name["date_start"], _column_values(rows, by_name["date_start"]))
    end_column = by_name.get("date_end")
    end = ctx.dates(end_column, _column_values(rows, end_column)) if end_column else None
    return [
        r if isinstance(r, _Outcome) else _ucdp_event(ctx, _Fields(r, by_name), start, end)
        for r in rows
    ]


def _ucdp_figures(cells: _Fields) -> list[dict[str, Any]]:
    """best as UCDP's estimate; low and high as bounds when they differ from it."""
    claimed = "UCDP GED"
    values = {}
    for name in ("best", "low", "high"):
        text = cells.get(name).removesuffix(".0")
        number = _whole_number(text)
        if number is not None:
            values[name] = number
        elif text.isdigit():  # digits, but too many (or not ASCII) to be a number of people
            cells.row.fail(
                cells.column(name),
                f"'{_short(text)}' is not a whole number of people",
                cause="not a whole number of people",
                value=text,
            )
    figures = []
    best = values.get("best")
    if best:
        figures.append({"value": best, "qualifier": "about", "claimed_by": f"{claimed} (best)"})
    if values.get("low") and values["low"] != best:
        figures.append(
            {"value": values["low"], "qualifier": "at least", "claimed_by": f"{claimed} (low)"}
        )
    if values.get("high") and values["high"] != best:
        figures.append(
            {"value": values["high"], "qualifier": "at most", "claimed_by": f"{claimed} (high)"}
        )
    return figures


def _ucdp_event(
    ctx: _Context, cells: _Fields, start: DateChoice | None, end: DateChoice | None
) -> _Pending:
    row, col = cells.row, cells.column
    date = _date(row, col("date_start"), cells.get("date_start"), start)
    date_end = _date(row, col("date_end"), cells.get("date_end"), end, required=False)
    point = _coordinates(
        row, cells.get("latitude"), cells.get("longitude"), col("latitude"), col("longitude")
    )
    violence = cells.get("type_of_violence")
    event_type, violence_name = UCDP_VIOLENCE.get(violence, (OTHER, ""))
    country = _country(row, col("country"), cells.get("country"))
    if row.problems or date is None:
        return _Pending(row, None, {})
    if date_end == date:
        date_end = None
    labels = {
        col(k): v[:500]
        for k, v in (
            ("type_of_violence", violence),
            ("conflict_name", cells.get("conflict_name")),
            ("dyad_name", cells.get("dyad_name")),
        )
        if v
    }
    place = cells.get("where_coordinates") or cells.get("adm_1") or cells.get("country")
    headline = cells.get("source_headline")
    office = cells.get("source_office").split(";")[0].strip()
    source_date = _date(
        row, col("source_date"), cells.get("source_date").split(";")[0], start, False
    )
    precision = cells.get("date_prec")
    time_precision = "range" if date_end else ("day" if precision in ("", "1") else "approximate")
    what = violence_name or "Violence"
    data: dict[str, Any] = {
        "id": slugify(f"ucdp-{cells.get('id')}") or f"ucdp-{row.line}",
        "title": f"{what}: {place}"[:300] if place else what,
        "event_type": event_type,
        "date": date,
        "date_end": date_end,
        "time_precision": time_precision,
        "place": {
            "name": (place or f"{point[0]:.4f}, {point[1]:.4f}" if point else place)[:200],
            "country": country,
            "admin1": cells.get("adm_1") or None,
            "latitude": point[0] if point else None,
            "longitude": point[1] if point else None,
            "geo_precision": _UCDP_WHERE.get(cells.get("where_prec")),
        },
        "actors": [a for a in (cells.get("side_a"), cells.get("side_b")) if a],
        "fatalities": _ucdp_figures(cells),
        "sources": [
            {
                "publisher": office or "UCDP GED",
                "date": source_date or date,
                "quote": (headline or cells.get("source_article") or "(no headline)")[:5000],
            }
        ],
        "summary": cells.get("where_description"),
        "labels": labels,
        "origin": _origin(ctx, row),
    }
    columns = {
        "id": col("id"),
        "place.name": col("where_coordinates"),
        "sources": col("source_office"),
    }
    return _Pending(row, data, columns, col("country"))


def _iso_numeric(code: str) -> str:
    found = pycountry.countries.get(alpha_2=code)
    return str(int(found.numeric)) if found is not None else ""


def export_acled_csv(events: Iterable[Event]) -> str:
    """ACLED-format CSV, plus an `event_atlas_type` column so that every type round-trips."""
    buffer = io.StringIO()
    write_acled_csv(events, buffer)
    return buffer.getvalue()


def write_acled_csv(events: Iterable[Event], out: TextIO) -> int:
    """Write ACLED-format CSV row by row (any number of events); returns how many.

    ACLED in, ACLED out: when the first event came from an ACLED file, its header is written
    (in its own case and order) and every event from an ACLED file gets its row back as the
    source wrote it; other events fill the same columns from their fields. Every cell and
    header name, the source's own included, goes through `spreadsheet_cell` (CSV injection).
    """
    stream = iter(events)
    first = next(stream, None)
    header = list(ACLED_COLUMNS)
    if first is not None and first.origin is not None and first.origin.format == "acled":
        header = [*first.origin.columns, "event_atlas_type"]
    writer = csv.writer(out, lineterminator=CSV_LINE_END)
    writer.writerow([spreadsheet_cell(column) for column in header])
    written = 0
    for event in itertools.chain([first] if first is not None else [], stream):
        writer.writerow(_acled_row(event, header))
        written += 1
    return written


def _acled_row(event: Event, header: Sequence[str]) -> list[str]:
    ours = _acled_fields(event)
    origin = event.origin.columns if event.origin and event.origin.format == "acled" else {}
    return [
        # The source's own cell where it has one (its row back), else ours.
        spreadsheet_cell(origin[c] if c in origin else ours.get(colmap.normalise(c), ""))
        for c in header
    ]


def _acled_fields(event: Event) -> dict[str, object]:
    style = VOCABULARY[event.event_type]
    main, sub = (
        (style.acled_event_type, style.acled_sub_event_type)
        if style.acled_event_type and style.acled_sub_event_type
        else ACLED_DEFAULT
    )
    main = event.labels.get("event_type", main)
    sub = event.labels.get("sub_event_type", sub)
    place = event.place
    publishers = list(dict.fromkeys(s.publisher for s in event.sources))
    notes = event.summary or " | ".join(s.quote for s in event.sources)
    time_precision = {"day": 1, "approximate": 2, "range": 3}[event.time_precision]
    return {
        "event_id_cnty": event.id,
        "event_date": event.date.isoformat(),
        "event_type": main,
        "sub_event_type": sub,
        "actor1": event.actors[0] if event.actors else "",
        "actor2": event.actors[1] if len(event.actors) > 1 else "",
        "admin1": place.admin1 or "",
        "location": place.name,
        "latitude": "" if place.latitude is None else place.latitude,
        "longitude": "" if place.longitude is None else place.longitude,
        "geo_precision": place.geo_precision or "",
        "time_precision": time_precision,
        "source": "; ".join(publishers),
        "notes": notes,
        "fatalities": max((f.value for f in event.fatalities), default=0),
        "iso": _iso_numeric(place.country) if place.country else "",
        "country": _country_label(place.country) if place.country else "",
        "event_atlas_type": event.event_type.value,
    }


def _country_label(code: str) -> str:
    if code in EXTRA_COUNTRY_CODES:
        return EXTRA_COUNTRY_CODES[code]
    found = pycountry.countries.get(alpha_2=code)
    return str(found.name) if found is not None else code


# --------------------------------------------------------------------------- JSON and GeoJSON


def _json_int(text: str) -> int | str:
    """A JSON integer; one too long for Python to read (over 4,300 digits) stays text, so that
    its row is refused with the column named instead of the file with a traceback."""
    limit = sys.get_int_max_str_digits()
    return text if limit and len(text.lstrip("-")) > limit else int(text)


_JSON_SPACE = re.compile(r"[ \t\n\r]*")


class _JsonReader:
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


class _JsonDocument:
    """A JSON file's records, one at a time: the items of a top-level array, or the features of
    a GeoJSON FeatureCollection (or the one Feature the file is). Each walk reads the file
    again; after a walk, `kind` says what the file held: "records", "collection", "feature"
    (a lone Feature) or "other"."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.kind = ""

    def items(self) -> Iterator[Any]:
        with self.path.open("rb") as handle:
            reader = _JsonReader(handle, self.path.name)
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
                yield _JsonReader(handle, self.path.name).value()

    def _array(self, reader: _JsonReader) -> Iterator[Any]:
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

    def _object(self, reader: _JsonReader) -> Iterator[Any]:
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


_NOT_GEOJSON = (
    'not a GeoJSON FeatureCollection: the file must be {"type": "FeatureCollection", '
    '"features": [...]}'
)


@dataclass
class _Survey:
    """What the first reading of a JSON file finds: its records, their columns, the values of
    their date columns (a date column's format is decided from all of them)."""

    records: int = 0
    header: dict[str, None] = field(default_factory=dict)
    values: dict[str, list[str]] = field(default_factory=dict)
    mapped: int = 0  # records read through the column mapping (not our own features)
    placed: bool = False  # some feature has a geometry


def _survey(document: _JsonDocument, ctx: _Context) -> _Survey:
    """The first of two readings: counts records (against the row limit), collects the
    columns and date values; nothing is converted yet."""
    survey = _Survey()

    def note(cells: Mapping[str, str], keys: Sequence[str]) -> None:
        survey.mapped += 1
        survey.header.update(dict.fromkeys(keys))
        fields = _own_fields(ctx, tuple(keys))
        for name in ("date", "date_end"):
            if name in fields:
                text = _uncell(str(cells.get(fields[name]) or "")).strip()
                survey.values.setdefault(name, []).append(text)

    for item in document.items():
        ctx.tick()
        survey.records += 1
        ctx.count(survey.records)
        if document.kind == "records":
            if isinstance(item, dict):
                cells = _record_cells(item)
                if all(len(v) <= ctx.max_field_chars for v in cells.values()):
                    note(cells, list(cells))
                else:
                    survey.header.update(dict.fromkeys(cells))
            continue
        parts = _feature_parts(ctx, item)
        if parts is None:
            continue
        properties, geometry = parts
        if _is_own(properties):
            continue
        cells = {str(k): _flat(v) for k, v in properties.items()}
        raw_id = item.get("id")
        if raw_id is not None and not _uncell(cells.get("id", "")).strip():
            cells["id"] = str(raw_id)
        survey.placed = survey.placed or geometry is not None
        note(cells, list(cells))
    if document.kind in ("other", ""):
        raise DataFileError([Problem(ctx.file, 1, "type", _NOT_GEOJSON)])
    return survey


def _json_batches(
    path: Path, ctx: _Context, progress: Callable[[int, int], None] | None
) -> Iterator[list[_Pending | _Outcome]]:
    """JSON records or GeoJSON features, BATCH_ROWS at a time, read in two passes: the first
    settles the columns and the date formats from every record, the second converts them."""
    document = _JsonDocument(path)
    survey = _survey(document, ctx)
    dates: dict[str, DateChoice | None] = {}
    header = list(survey.header)
    if survey.mapped:
        fields = _table_mapping(ctx, header)
        _check_table_columns(ctx, header, fields, survey.placed)
        dates = {
            name: ctx.dates(fields[name], survey.values.get(name, []))
            for name in ("date", "date_end")
            if name in fields
        }
    survey.values.clear()
    read = _records_batch if document.kind == "records" else _features_batch
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


def _records_batch(
    ctx: _Context,
    header: Sequence[str],
    batch: Sequence[tuple[int, Any]],
    dates: Mapping[str, DateChoice | None],
) -> list[_Pending | _Outcome]:
    rows: list[_Row | _Outcome] = []
    for index, record in batch:
        ctx.tick()
        if not isinstance(record, dict):
            problem = Problem(ctx.file, None, f"[{index}]", "each record must be a JSON object")
            rows.append(_Outcome(None, [problem]))
            continue
        row = _Row(ctx.file, None, _record_cells(record), prefix=f"[{index}].")
        _check_sizes(row, ctx.max_field_chars)
        rows.append(_Outcome(None, row.problems) if row.problems else row)
    return _table_outcomes(ctx, header, rows, uniform=False, dates=dates)


def _features_batch(
    ctx: _Context,
    header: Sequence[str],
    batch: Sequence[tuple[int, Any]],
    dates: Mapping[str, DateChoice | None],
) -> list[_Pending | _Outcome]:
    own: list[_Pending | _Outcome] = []
    foreign: list[_Row | _Outcome] = []
    shapes: dict[int, Geometry] = {}
    points: dict[int, tuple[float, float]] = {}
    for index, feature in batch:
        ctx.tick()
        row = _Row(ctx.file, None, {}, prefix=f"features[{index}].")
        outcome = _feature_row(ctx, row, feature)
        if isinstance(outcome, _Outcome):
            foreign.append(outcome)
            continue
        geometry, properties = outcome
        if _is_own(properties):
            own.append(_Outcome(_own_feature(row, properties, geometry), row.problems))
            continue
        raw_id = feature.get("id")
        row.cells = {k: _flat(v) for k, v in properties.items()}
        if raw_id is not None and not row.text("id"):
            row.cells["id"] = str(raw_id)
        if geometry is not None:
            points[len(foreign)] = representative_point(geometry)
            if geometry.type != "Point":
                shapes[len(foreign)] = geometry
        foreign.append(row)
    if not foreign:
        return own
    read = _table_outcomes(ctx, header, foreign, points, uniform=False, dates=dates)
    for index, item in enumerate(read):
        if isinstance(item, _Pending) and item.data is not None:
            item.data["geometry"] = shapes.get(index)
            item.columns = {**item.columns, "place": "geometry"}
            if item.data["place"]["latitude"] is None:
                item.row.fail(
                    "geometry",
                    "the feature has no geometry: give a Point [longitude, latitude]",
                    cause="a feature without geometry",
                )
    return own + read


def _flat(value: object) -> str:
    """A record's value as one cell: lists joined with "; ", objects by their link or text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    if isinstance(value, list):
        return "; ".join(part for part in (_flat(v) for v in value) if part)
    if isinstance(value, dict):
        for key in ("url", "link", "path", "href", "name", "title", "value"):
            if isinstance(value.get(key), str):
                return str(value[key])
    return json.dumps(value, ensure_ascii=False)


def _record_cells(record: Mapping[str, Any]) -> dict[str, str]:
    cells = {str(k): _flat(v) for k, v in record.items()}
    # A list of sources holds links: the first web address is the source's url.
    sources = record.get("sources")
    if isinstance(sources, list) and "url" not in cells:
        links = [_flat(s) for s in sources]
        web = [s for s in links if s.startswith(("http://", "https://"))]
        cells["url"] = web[0] if web else (links[0] if links else "")
        cells.pop("sources")
        cells["source_links"] = "; ".join(links)
    return cells


def _feature_row(
    ctx: _Context, row: _Row, feature: object
) -> _Outcome | tuple[Geometry | None, dict[str, Any]]:
    """A feature's geometry and properties, or an _Outcome when its shape refuses it."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        row.fail("type", 'each feature must be an object with "type": "Feature"')
        return _Outcome(None, row.problems)
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        row.fail("properties", "properties must be an object")
        return _Outcome(None, row.problems)
    row.cells = properties
    for where, value in _strings(properties, "properties"):
        if len(value) > ctx.max_field_chars:
            row.fail(
                where,
                f"the text has {len(value):,} characters, over the {ctx.max_field_chars:,} "
                "limit: shorten it",
            )
    if row.problems:
        return _Outcome(None, row.problems)
    geometry = _geometry(row, feature.get("geometry"))
    if row.problems:
        return _Outcome(None, row.problems)
    return geometry, properties


def _feature_parts(ctx: _Context, feature: object) -> tuple[dict[str, Any], object] | None:
    """A feature's properties and raw geometry when `_feature_row` may accept it (the geometry
    itself is checked later); None when its shape already refuses it."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return None
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        return None
    if any(len(value) > ctx.max_field_chars for _, value in _strings(properties, "")):
        return None
    return properties, feature.get("geometry")


def _strings(value: object, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{where}[{i}]")


def _geometry(row: _Row, raw: object) -> Geometry | None:
    if raw is None:
        return None
    try:
        return Geometry.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        row.fail("geometry", f"{message} (GeoJSON positions are [longitude, latitude])")
        return None


def representative_point(geometry: Geometry) -> tuple[float, float]:
    """(lat, lon): the point itself, a line's first position, or a polygon's ring centroid."""
    paths = geometry.latlon_paths()
    first = paths[0]
    if geometry.type in ("Polygon", "MultiPolygon"):
        ring = first[:-1] if len(first) > 1 and first[0] == first[-1] else first
        return (sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring))
    return first[0]


def _is_own(properties: dict[str, Any]) -> bool:
    return isinstance(properties.get("place"), dict) and isinstance(properties.get("sources"), list)


def _own_feature(row: _Row, properties: dict[str, Any], geometry: Geometry | None) -> Event | None:
    place = properties.get("place") or {}
    if geometry is not None and geometry.type == "Point":
        lon, lat = geometry.coordinates[:2]
        if (lat, lon) == (place.get("latitude"), place.get("longitude")):
            geometry = None  # the export's stand-in for "no geometry"
    data = {**properties, "geometry": geometry}
    return _validate(row, data, {})


# ------------------------------------------------------------------ the page's mapping step


@dataclass(frozen=True)
class TableShape:
    """What the page shows before importing a generic table: its columns and the guesses."""

    format: str
    header: tuple[str, ...]
    guessed: dict[str, str]


def table_shape(
    path: Path, max_bytes: int = MAX_BYTES, limits: ImportLimits | None = None
) -> TableShape | None:
    """Columns and guessed fields of a CSV, TSV or JSON-records file; None for formats that
    are read by their own rules (ACLED, GDELT, UCDP, GeoJSON, events YAML). `limits` bound
    the reading of a JSON file, record by record."""
    shape = _json_shape(path, max_bytes)
    if shape == "geojson":
        return None
    if shape == "json":
        ctx = _Context(path.name, max_bytes, MAX_FIELD_CHARS, None, {}, "json")
        ctx.limits = limits or ImportLimits()
        columns: dict[str, None] = {}
        for count, record in enumerate(_JsonDocument(path).items(), start=1):
            ctx.tick()
            ctx.count(count)
            if isinstance(record, dict):
                columns.update(dict.fromkeys(_record_cells(record)))
        header = list(columns)
    else:
        text = _read_text(path, max_bytes)
        if _detect(path, text) != "csv":
            return None
        header, _ = _csv_rows(text.split("\n", 1)[0] + "\n", path.name, max_bytes)
    return TableShape(shape or "csv", tuple(header), colmap.guess_mapping(header))
