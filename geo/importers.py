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

import csv
import datetime as dt
import io
import itertools
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO
from urllib.parse import urlsplit

import pycountry
from pydantic import ValidationError

from geo.errors import DataFileError, Problem
from geo.io import columns as colmap
from geo.io.countries import CountryLocator, check_country, fips_to_iso
from geo.io.dates import DateChoice, choose_date_format, named_format
from geo.io.report import summary_lines
from geo.io.taxonomies import OTHER, UCDP_VIOLENCE, acled_type, cameo_type, our_type
from geo.loader import read_utf8_text
from geo.model import EXTRA_COUNTRY_CODES, Event, Geometry
from geo.vocabulary import VOCABULARY, EventType

MAX_BYTES = 200 * 1024 * 1024
MAX_FIELD_CHARS = 10_000

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
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
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

    def summary(self) -> list[str]:
        """Problems, then warnings, grouped by cause: the lines a user reads first."""
        lines = [f"skipped {line}" for line in summary_lines(self.problems)]
        lines += [f"warning: {line}" for line in summary_lines(self.warnings)]
        return lines


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

    def dates(self, column: str, values: Iterable[str]) -> DateChoice | None:
        """The format of one date column, decided from all its values, and recorded."""
        choice = choose_date_format(list(values), self.date_format)
        if choice is not None:
            self.date_formats[column] = f"{choice.format.looks_like} ({choice.reason})"
        return choice


# --------------------------------------------------------------------------- shared helpers


def _uncell(text: str) -> str:
    if text.startswith("'") and text[1:].startswith(_FORMULA_START):
        return text[1:]
    return text


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        try:
            float(text)
        except ValueError:
            return "'" + text
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
    except ValueError:
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
        labels[column] = text[:500]
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


def _origin(ctx: _Context, row: _Row) -> dict[str, Any]:
    columns = {
        str(k): v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
        for k, v in row.cells.items()
        if v is not None
    }
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
    text: str, file: str, max_bytes: int, header: Sequence[str] | None = None
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (spreadsheet row number, cells) of every non-blank row."""
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
        except csv.Error as exc:
            raise DataFileError(
                [Problem(file, reader.line_num, "", f"not valid CSV: {exc}")]
            ) from exc
    duplicates = sorted({h for h in names if names.count(h) > 1 and h})
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
) -> ImportResult:
    """Read events from any supported export (see the module docstring).

    `date_format` overrides the date format decided from each date column; `overrides` maps
    columns to fields (`{"Lat": "latitude"}`) over the guessed mapping; `progress` is called
    with (rows done, rows in all) while countries are settled.
    """
    path = Path(path)
    text = _read_text(path, max_bytes)
    if fmt == "auto":
        fmt = _detect(path, text)
    ctx = _Context(path.name, max_bytes, max_field_chars, date_format, dict(overrides or {}), fmt)
    readers: dict[str, Callable[[str, _Context], list[_Pending | _Outcome]]] = {
        "geojson": _import_geojson,
        "json": _import_records,
        "acled": _import_acled,
        "gdelt": _import_gdelt,
        "ucdp": _import_ucdp,
        "csv": _import_table,
    }
    read = readers[fmt]
    outcomes = _reject_duplicate_ids(_settle(read(text, ctx), progress), ctx.file)
    problems = [p for o in outcomes for p in o.problems]
    warnings = [w for o in outcomes for w in o.warnings]
    bad = sum(1 for o in outcomes if o.event is None)
    if on_error == "refuse" and problems:
        raise DataFileError(problems)
    return ImportResult(
        events=[o.event for o in outcomes if o.event is not None],
        problems=problems,
        skipped=bad,
        warnings=warnings,
        format=fmt,
        date_formats=ctx.date_formats,
        mapping=ctx.mapping,
        rows=len(outcomes),
    )


# --------------------------------------------------------------------------- countries


def _settle(
    items: Sequence[_Pending | _Outcome], progress: Callable[[int, int], None] | None
) -> list[_Outcome]:
    """Countries for every row at once (inferred where absent, checked where given), then
    each row validated into an event."""
    pending = [i for i in items if isinstance(i, _Pending) and i.data is not None]
    placed = [p for p in pending if _point(p) is not None]
    if placed:
        locator = CountryLocator()
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


def _reject_duplicate_ids(outcomes: list[_Outcome], file: str) -> list[_Outcome]:
    seen: set[str] = set()
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
            figures.append(
                {
                    "value": int(match["value"]),
                    "qualifier": match["qualifier"] or "exact",
                    "claimed_by": match["claimed_by"],
                }
            )
        return figures
    best = row.text(best_col)
    if best:
        number = best.removesuffix(".0")
        if not number.isdigit():
            row.fail(
                best_col,
                f"'{_short(best)}' is not a whole number of people",
                cause="not a whole number of people",
                value=best,
            )
        elif int(number):
            figures.append({"value": int(number), "claimed_by": claimed_by})
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
    header, raw_rows = _csv_rows(text, ctx.file, ctx.max_bytes)
    return _table_outcomes(ctx, header, list(_rows(ctx, header, raw_rows)))


def _table_outcomes(
    ctx: _Context,
    header: Sequence[str],
    rows: Sequence[_Row | _Outcome],
    points: Mapping[int, tuple[float, float]] | None = None,
    uniform: bool = True,
) -> list[_Pending | _Outcome]:
    """Rows of a table (or records, or features' properties) read through a column mapping.

    `uniform=False` for JSON records and GeoJSON features, whose keys may differ from one to
    the next (`type` in one, `category` in another): each gets the mapping of its own keys.
    """
    if not any(isinstance(r, _Row) for r in rows):
        return [r for r in rows if isinstance(r, _Outcome)]
    fields = _table_mapping(ctx, header)
    missing = [] if "date" in fields else ["date"]
    if not points and "place" not in fields and not {"latitude", "longitude"} <= set(fields):
        missing.append("latitude and longitude (or a place)")
    _missing_columns(
        ctx.file,
        missing,
        header,
        "name the columns with --map COLUMN=FIELD, e.g. --map Lat=latitude "
        f"(fields: {', '.join(colmap.FIELDS)})",
    )
    own: dict[tuple[str, ...], dict[str, str]] = {}

    def fields_of(row: _Row) -> dict[str, str]:
        if uniform:
            return fields
        keys = tuple(row.cells)
        if keys not in own:
            overrides = {c: f for c, f in ctx.overrides.items() if c in keys}
            mapping = colmap.apply_overrides(keys, colmap.guess_mapping(keys), overrides)
            own[keys] = {f: c for c, f in mapping.items()}
        return own[keys]

    def values(name: str) -> Iterator[str]:
        for row in rows:
            if isinstance(row, _Row) and name in fields_of(row):
                yield row.text(fields_of(row)[name])

    dates: dict[str, DateChoice | None] = {
        name: ctx.dates(fields[name], values(name))
        for name in ("date", "date_end")
        if name in fields
    }
    out: list[_Pending | _Outcome] = []
    for index, row in enumerate(rows):
        if isinstance(row, _Outcome):
            out.append(row)
            continue
        point = points.get(index) if points else None
        out.append(_table_event(ctx, _Fields(row, fields_of(row)), dates, point))
    return out


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
        labels[col("sub_event_type")] = sub[:500]
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
    label = labels.get(col("sub_event_type")) or labels.get(col("event_type"))
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
        "origin": _origin(ctx, row),
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
    header, raw_rows = _csv_rows(text, ctx.file, ctx.max_bytes)
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
    if not fatalities_text.isdigit():
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
    value = int(fatalities_text)
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
    header, raw_rows = _csv_rows(text, ctx.file, ctx.max_bytes, raw_header)
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
    header, raw_rows = _csv_rows(text, ctx.file, ctx.max_bytes)
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
        if text.isdigit():
            values[name] = int(text)
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
    (in its own case and order) and every event from an ACLED file gets its row back verbatim;
    other events fill the same columns from their fields.
    """
    stream = iter(events)
    first = next(stream, None)
    header = list(ACLED_COLUMNS)
    if first is not None and first.origin is not None and first.origin.format == "acled":
        header = [*first.origin.columns, "event_atlas_type"]
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    written = 0
    for event in itertools.chain([first] if first is not None else [], stream):
        writer.writerow(_acled_row(event, header))
        written += 1
    return written


def _acled_row(event: Event, header: Sequence[str]) -> dict[str, str]:
    ours = _acled_fields(event)
    origin = event.origin.columns if event.origin and event.origin.format == "acled" else {}
    row = {}
    for column in header:
        if column in origin:
            row[column] = origin[column]  # verbatim: the source's own row
        else:
            row[column] = _cell(ours.get(colmap.normalise(column), ""))
    return row


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


def _load_json(text: str, file: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataFileError(
            [Problem(file, exc.lineno, "", f"not valid JSON: {exc.msg} (column {exc.colno})")]
        ) from exc
    except RecursionError as exc:
        raise DataFileError([Problem(file, None, "", "the JSON is nested too deeply")]) from exc


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


def _header_of(records: Iterable[Mapping[str, Any]]) -> list[str]:
    header: dict[str, None] = {}
    for record in records:
        header.update(dict.fromkeys(record))
    return list(header)


def _import_records(text: str, ctx: _Context) -> list[_Pending | _Outcome]:
    data = _load_json(text, ctx.file)
    if not isinstance(data, list):
        return _import_geojson(text, ctx)
    rows: list[_Row | _Outcome] = []
    cell_rows = []
    for index, record in enumerate(data):
        if not isinstance(record, dict):
            problem = Problem(ctx.file, None, f"[{index}]", "each record must be a JSON object")
            rows.append(_Outcome(None, [problem]))
            continue
        cells = _record_cells(record)
        cell_rows.append(cells)
        row = _Row(ctx.file, None, cells, prefix=f"[{index}].")
        _check_sizes(row, ctx.max_field_chars)
        rows.append(_Outcome(None, row.problems) if row.problems else row)
    return _table_outcomes(ctx, _header_of(cell_rows), rows, uniform=False)


def _import_geojson(text: str, ctx: _Context) -> list[_Pending | _Outcome]:
    data = _load_json(text, ctx.file)
    if isinstance(data, list):
        return _import_records(text, ctx)
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = {"type": "FeatureCollection", "features": [data]}
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise DataFileError(
            [
                Problem(
                    ctx.file,
                    1,
                    "type",
                    "not a GeoJSON FeatureCollection: the file must be "
                    '{"type": "FeatureCollection", "features": [...]}',
                )
            ]
        )
    own: list[_Pending | _Outcome] = []
    foreign: list[_Row | _Outcome] = []
    shapes: dict[int, Geometry] = {}
    points: dict[int, tuple[float, float]] = {}
    for index, feature in enumerate(data["features"]):
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
    header = _header_of(r.cells for r in foreign if isinstance(r, _Row))
    read = _table_outcomes(ctx, header, foreign, points, uniform=False)
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


def table_shape(path: Path, max_bytes: int = MAX_BYTES) -> TableShape | None:
    """Columns and guessed fields of a CSV, TSV or JSON-records file; None for formats that
    are read by their own rules (ACLED, GDELT, UCDP, GeoJSON, events YAML)."""
    text = _read_text(path, max_bytes)
    fmt = _detect(path, text)
    if fmt == "csv":
        header, _ = _csv_rows(text.split("\n", 1)[0] + "\n", path.name, max_bytes)
    elif fmt == "json":
        data = _load_json(text, path.name)
        header = _header_of(_record_cells(r) for r in data if isinstance(r, dict))
    else:
        return None
    return TableShape(fmt, tuple(header), colmap.guess_mapping(header))
