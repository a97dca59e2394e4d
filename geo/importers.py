"""Import events from GeoJSON, our own CSV export, and ACLED CSV; export ACLED CSV.

Every bad row is reported as a Problem naming the file, the row as a spreadsheet shows it
(header = row 1, first data row = row 2; for GeoJSON the feature index in the field name),
the column and the reason with a fix. Nothing is dropped silently:

- on_error="skip": good rows are imported, bad rows are counted in `skipped` and listed in
  `problems`;
- on_error="refuse": any bad row raises DataFileError listing every bad row; nothing is imported.

Problems with the file as a whole (missing, empty, too big, not UTF-8, not JSON, missing
columns) raise DataFileError in both modes, since no row can be read.

What each format keeps:

- GeoJSON written by geo.export.to_geojson round-trips losslessly, with one caveat: an explicit
  Point geometry at exactly the place's coordinates reads back as "no geometry" (the two are
  indistinguishable in the export, and mean the same on the map).
- Our CSV (geo.export.CSV_COLUMNS) keeps every field except `geometry`, Figure notes and
  Geocoded provenance. Fatalities/injured are read back from the `*_claims` columns
  ("at least 11 (according to X)"), so value, qualifier and claimant survive; a bare number
  without claims becomes one exact Figure claimed by "unknown (CSV import)". Sources are split
  on "; " and quotes on " | ", so a publisher containing "; " or a quote containing " | " does
  not survive.
- ACLED CSV keeps type (ACLED types plus an extra `event_atlas_type` column written by
  export_acled_csv), date, place, coordinates, precision, the first two actors, the largest
  fatality figure, the publishers and notes. ACLED time_precision 2 and 3 both read as
  "approximate" (ACLED has no end date). 0 fatalities reads as "no figure".
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

import pycountry
from pydantic import ValidationError

from geo.errors import DataFileError, Problem
from geo.export import CSV_COLUMNS
from geo.loader import read_utf8_text
from geo.model import EXTRA_COUNTRY_CODES, Event, Geometry
from geo.vocabulary import VOCABULARY, EventType

MAX_BYTES = 200 * 1024 * 1024
MAX_FIELD_CHARS = 10_000

ImportFormat = Literal["auto", "geojson", "csv", "acled"]
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
# The header that identifies an ACLED file.
ACLED_SIGNATURE = frozenset(
    {"event_date", "event_type", "sub_event_type", "actor1", "latitude", "longitude"}
)
ACLED_REQUIRED = ("event_date", "event_type", "latitude", "longitude")
CSV_REQUIRED = ("title", "event_type", "date", "latitude", "longitude", "country")

# ACLED event_type -> our type, when the (event_type, sub_event_type) pair has no exact match.
ACLED_FALLBACK: dict[str, EventType] = {
    "Battles": EventType.ARMED_CLASH,
    "Explosions/Remote violence": EventType.SHELLING,
    "Violence against civilians": EventType.ATTACK_ON_CIVILIANS,
    "Protests": EventType.PROTEST,
    "Riots": EventType.PROTEST,
    "Strategic developments": EventType.MILITARY_MOVEMENT,
}
# Written for types ACLED has no equivalent for (sanctions, statements, ...).
ACLED_DEFAULT = ("Strategic developments", "Other")

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
    "republic of congo": "CG",
    "ivory coast": "CI",
    "palestine": "PS",
    "turkey": "TR",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%d-%B-%Y", "%d-%b-%Y", "%B %d, %Y")
_CLAIM = re.compile(
    r"^(?:(?P<qualifier>at least|at most|about|more than|fewer than) )?"
    r"(?P<value>\d+) \(according to (?P<claimed_by>.+)\)$"
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_VALID_TYPES = ", ".join(t.value for t in EventType)


@dataclass
class ImportResult:
    """The events read, the problems found (with skipped rows), and how many rows were skipped."""

    events: list[Event] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: int = 0


@dataclass
class _Outcome:
    event: Event | None
    problems: list[Problem]
    line: int | None = None


class _Row:
    """One CSV row or GeoJSON feature being converted; collects every problem in it."""

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

    def fail(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.line, self.prefix + column, message))


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
    """YYYY-MM-DD, an ISO date-time, or ACLED's "24 February 2022"; None if none fits."""
    text = text.strip()
    if len(text) > 10 and _ISO_DATE.match(text[:10]) and text[10] in "T ":
        text = text[:10]
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _date(row: _Row, column: str, value: str, required: bool = True) -> dt.date | None:
    if not value:
        if required:
            row.fail(column, "the date is missing: write it as YYYY-MM-DD, e.g. 2022-02-24")
        return None
    parsed = parse_date(value)
    if parsed is None:
        row.fail(
            column,
            f"'{_short(value)}' is not a date: write YYYY-MM-DD (2022-02-24) "
            "or day month year (24 February 2022)",
        )
    return parsed


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def country_code(text: str) -> str | None:
    """ISO alpha-2 code from an alpha-2/alpha-3 code, an ISO numeric code or a country name."""
    value = text.strip()
    if not value:
        return None
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


def _number(row: _Row, column: str, text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        hint = " (use a decimal point, not a comma)" if re.fullmatch(r"-?\d+,\d+", text) else ""
        row.fail(
            column, f"'{_short(text)}' is not a number{hint}: write decimal degrees, e.g. 49.99"
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
    if value not in (1, 2, 3) or str(value) not in (text, text.rstrip("0").rstrip(".")):
        row.fail(column, f"'{_short(text)}' is not a geo_precision: write 1, 2 or 3")
        return None
    return value


def _event_type(row: _Row, column: str, text: str) -> EventType | None:
    """Our type by value or label; ACLED event or sub-event type names are accepted too."""
    key = text.strip().lower().replace(" ", "_").replace("-", "_")
    for event_type in EventType:
        if key == event_type.value or text.strip().lower() == VOCABULARY[event_type].label.lower():
            return event_type
    mapped = _acled_type(text, "")
    if mapped is not None:
        return mapped
    for event_type, style in VOCABULARY.items():
        if (
            style.acled_sub_event_type
            and text.strip().lower() == style.acled_sub_event_type.lower()
        ):
            return event_type
    row.fail(
        column,
        f"'{_short(text)}' is not a known event type: use one of {_VALID_TYPES}"
        if text
        else f"the event type is missing: use one of {_VALID_TYPES}",
    )
    return None


def _acled_type(event_type: str, sub_event_type: str) -> EventType | None:
    main = event_type.strip().lower()
    sub = sub_event_type.strip().lower()
    for ours, style in VOCABULARY.items():
        if (
            style.acled_event_type
            and style.acled_sub_event_type
            and style.acled_event_type.lower() == main
            and style.acled_sub_event_type.lower() == sub
        ):
            return ours
    for name, ours in ACLED_FALLBACK.items():
        if name.lower() == main:
            return ours
    return None


def _check_sizes(row: _Row, max_field_chars: int) -> None:
    for column, value in row.cells.items():
        if isinstance(value, str) and len(value) > max_field_chars:
            row.fail(
                column,
                f"the cell has {len(value):,} characters, over the {max_field_chars:,} limit: "
                "shorten it (put long texts in the summary of the events file)",
            )


_FIELD_COLUMNS_CSV = {
    "place.name": "place",
    "place.latitude": "latitude",
    "place.longitude": "longitude",
    "place.country": "country",
    "place.admin1": "admin1",
    "place.geo_precision": "geo_precision",
    "place": "place",
    "sources": "sources",
    "fatalities": "fatalities_claims",
    "injured": "injured_claims",
}
_FIELD_COLUMNS_ACLED = {
    **_FIELD_COLUMNS_CSV,
    "id": "event_id_cnty",
    "date": "event_date",
    "place.name": "location",
    "place": "location",
    "fatalities": "fatalities",
    "sources": "source",
    "summary": "notes",
    "actors": "actor1",
    "title": "event_type",
}


def _validate(row: _Row, data: dict[str, Any], columns: dict[str, str]) -> Event | None:
    try:
        return Event.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            parts = [p for p in error["loc"] if isinstance(p, str) and not p.startswith("list[")]
            dotted = ".".join(parts[:2])
            column = columns.get(dotted) or columns.get(parts[0] if parts else "") or dotted
            message = str(error["msg"]).removeprefix("Value error, ")
            row.fail(column or "(row)", message)
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


def _csv_rows(
    text: str, file: str, max_bytes: int
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (spreadsheet row number, cells) of every non-blank row."""
    # The file is at most max_bytes, so no field can be longer; long cells are refused per row.
    with _field_limit(max(max_bytes, 131_072)):
        reader = csv.reader(io.StringIO(text, newline=""))
        rows: list[tuple[int, list[str]]] = []
        try:
            header = [h.strip() for h in next(reader)]
            for number, cells in enumerate(reader, start=2):
                if any(c.strip() for c in cells):
                    rows.append((number, cells))
        except csv.Error as exc:
            raise DataFileError(
                [Problem(file, reader.line_num, "", f"not valid CSV: {exc}")]
            ) from exc
    duplicates = sorted({h for h in header if header.count(h) > 1 and h})
    if duplicates:
        raise DataFileError(
            [Problem(file, 1, ", ".join(duplicates), "column given twice in the header: keep one")]
        )
    return header, rows


def _detect(path: Path, text: str) -> ImportFormat:
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        return "geojson"
    if suffix == ".csv" or suffix == ".txt":
        first = text.splitlines()[0] if text else ""
        header = {h.strip().strip('"').lower() for h in first.split(",")}
        return "acled" if header >= ACLED_SIGNATURE else "csv"
    if text.lstrip().startswith("{"):
        return "geojson"
    return "csv"


def import_file(
    path: Path,
    *,
    fmt: ImportFormat = "auto",
    on_error: OnError = "skip",
    max_bytes: int = MAX_BYTES,
    max_field_chars: int = MAX_FIELD_CHARS,
) -> ImportResult:
    """Read events from a GeoJSON, CSV or ACLED CSV file (see the module docstring)."""
    path = Path(path)
    file = path.name
    text = _read_text(path, max_bytes)
    if fmt == "auto":
        fmt = _detect(path, text)
    outcomes: list[_Outcome]
    if fmt == "geojson":
        outcomes = _import_geojson(text, file, max_field_chars)
    elif fmt == "acled":
        outcomes = _import_acled(text, file, max_bytes, max_field_chars)
    else:
        outcomes = _import_csv(text, file, max_bytes, max_field_chars)
    outcomes = _reject_duplicate_ids(outcomes, file)
    problems = [p for o in outcomes for p in o.problems]
    bad = sum(1 for o in outcomes if o.event is None)
    if on_error == "refuse" and problems:
        raise DataFileError(problems)
    events = [o.event for o in outcomes if o.event is not None]
    return ImportResult(events=events, problems=problems, skipped=bad)


def _reject_duplicate_ids(outcomes: list[_Outcome], file: str) -> list[_Outcome]:
    seen: set[str] = set()
    out: list[_Outcome] = []
    for outcome in outcomes:
        event = outcome.event
        if event is not None and event.id in seen:
            out.append(
                _Outcome(
                    None,
                    [
                        Problem(
                            file,
                            outcome.line,
                            "id",
                            f"id '{event.id}' is used by an earlier row: every event needs "
                            "its own id",
                        )
                    ],
                    outcome.line,
                )
            )
            continue
        if event is not None:
            seen.add(event.id)
        out.append(outcome)
    return out


def _missing_columns(
    file: str, header: Sequence[str], required: Iterable[str], expected: Sequence[str]
) -> None:
    missing = [c for c in required if c not in header]
    if missing:
        raise DataFileError(
            [
                Problem(
                    file,
                    1,
                    ", ".join(missing),
                    f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}: "
                    f"the header must include them; expected header: {','.join(expected)}",
                )
            ]
        )


def _row_dict(
    file: str, header: list[str], number: int, cells: list[str]
) -> tuple[dict[str, str], Problem | None]:
    if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
        return {}, Problem(
            file,
            number,
            "",
            f"the row has {len(cells)} cells but the header has {len(header)} columns: "
            "quote cells that contain commas",
        )
    return dict(zip(header, cells, strict=False)), None


# --------------------------------------------------------------------------- our CSV


def _figures(row: _Row, claims_col: str, best_col: str) -> list[dict[str, Any]]:
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
        if not best.isdigit():
            row.fail(best_col, f"'{_short(best)}' is not a whole number of people")
        else:
            figures.append({"value": int(best), "claimed_by": "unknown (CSV import)"})
    return figures


def _csv_sources(row: _Row, date: dt.date | None, file: str) -> list[dict[str, Any]]:
    sources_text = row.text("sources")
    quotes_text = row.text("quotes")
    if not sources_text:
        if date is None:
            return []
        quote = quotes_text or f"(no quote: imported from {file} row {row.line})"
        return [{"publisher": file, "date": date, "quote": quote}]
    entries = sources_text.split("; ")
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


def _outcomes(
    file: str,
    header: list[str],
    rows: Iterable[tuple[int, list[str]]],
    max_field_chars: int,
    build: Callable[[_Row], Event | None],
) -> list[_Outcome]:
    """Each data row checked for shape and size, then built into an event by `build`."""
    outcomes = []
    for number, cells in rows:
        cells_by_name, shape = _row_dict(file, header, number, cells)
        if shape is not None:
            outcomes.append(_Outcome(None, [shape]))
            continue
        row = _Row(file, number, cells_by_name)
        _check_sizes(row, max_field_chars)
        if row.problems:
            outcomes.append(_Outcome(None, row.problems))
            continue
        outcomes.append(_Outcome(build(row), row.problems, number))
    return outcomes


def _import_csv(text: str, file: str, max_bytes: int, max_field_chars: int) -> list[_Outcome]:
    header, rows = _csv_rows(text, file, max_bytes)
    _missing_columns(file, header, CSV_REQUIRED, CSV_COLUMNS)
    return _outcomes(file, header, rows, max_field_chars, lambda row: _csv_event(row, file))


def _csv_event(row: _Row, file: str) -> Event | None:
    event_type = _event_type(row, "event_type", row.text("event_type"))
    date = _date(row, "date", row.text("date"))
    date_end = _date(row, "date_end", row.text("date_end"), required=False)
    point = _coordinates(row, row.text("latitude"), row.text("longitude"))
    precision = _geo_precision(row, "geo_precision", row.text("geo_precision"))
    country_text = row.text("country")
    country = country_code(country_text)
    if country is None:
        row.fail(
            "country",
            f"'{_short(country_text)}' is not a country: write an ISO code such as UA"
            if country_text
            else "the country is missing: write an ISO code such as UA",
        )
    fatalities = _figures(row, "fatalities_claims", "fatalities")
    injured = _figures(row, "injured_claims", "injured")
    sources = _csv_sources(row, date, file)
    if row.problems:
        return None
    place_name = row.text("place", "admin1") or str(country)
    data: dict[str, Any] = {
        "id": slugify(row.text("id")) or f"csv-{row.line}",
        "title": row.text("title"),
        "event_type": event_type,
        "date": date,
        "date_end": date_end,
        "time_precision": row.text("time_precision") or ("range" if date_end else "day"),
        "place": {
            "name": place_name,
            "country": country,
            "admin1": row.text("admin1") or None,
            "latitude": point[0] if point else None,
            "longitude": point[1] if point else None,
            "geo_precision": precision if precision is not None or point is None else 1,
        },
        "actors": _split_list(row.text("actors")),
        "fatalities": fatalities,
        "injured": injured,
        "sources": sources,
        "summary": row.text("summary"),
        "tags": _split_list(row.text("tags")),
    }
    return _validate(row, data, _FIELD_COLUMNS_CSV)


# --------------------------------------------------------------------------- ACLED CSV


def _import_acled(text: str, file: str, max_bytes: int, max_field_chars: int) -> list[_Outcome]:
    header, rows = _csv_rows(text, file, max_bytes)
    required = list(ACLED_REQUIRED)
    if "iso" not in header and "country" not in header:
        required.append("iso or country")
    _missing_columns(file, header, required, ACLED_COLUMNS[:-1])
    return _outcomes(file, header, rows, max_field_chars, _acled_event)


def _acled_event(row: _Row) -> Event | None:
    main, sub = row.text("event_type"), row.text("sub_event_type")
    ours = row.text("event_atlas_type")
    known = {t.value for t in EventType}
    event_type = EventType(ours) if ours in known else _acled_type(main, sub)
    if event_type is None:
        row.fail(
            "event_type",
            f"'{_short(main)}' is not an ACLED event type: use one of {', '.join(ACLED_FALLBACK)}",
        )
    date = _date(row, "event_date", row.text("event_date"))
    point = _coordinates(row, row.text("latitude"), row.text("longitude"))
    precision = _geo_precision(row, "geo_precision", row.text("geo_precision"))
    time_text = row.text("time_precision") or "1"
    time_precision = {"1": "day", "2": "approximate", "3": "approximate"}.get(time_text)
    if time_precision is None:
        row.fail("time_precision", f"'{_short(time_text)}' is not an ACLED time_precision: 1-3")
    iso, country_text = row.text("iso"), row.text("country")
    country = country_code(iso) if iso and iso != "0" else None
    country = country or country_code(country_text)
    if country is None:
        column = "iso" if iso else "country"
        row.fail(
            column,
            f"country '{_short(iso or country_text)}' is not known: give an ISO 3166 numeric "
            "code in iso (e.g. 804) or an English country name in country (e.g. Ukraine)",
        )
    fatalities_text = row.text("fatalities") or "0"
    if not fatalities_text.isdigit():
        row.fail("fatalities", f"'{_short(fatalities_text)}' is not a whole number of people")
        fatalities_text = "0"
    if row.problems or event_type is None or date is None:
        return None
    publisher = row.text("source") or "ACLED"
    notes = row.text("notes")
    location = row.text("location", "admin1") or str(country)
    value = int(fatalities_text)
    fatalities = [{"value": value, "qualifier": "exact", "claimed_by": publisher}] if value else []
    actors = [a for a in (row.text("actor1"), row.text("actor2")) if a]
    label = sub or main or VOCABULARY[event_type].label
    data: dict[str, Any] = {
        "id": slugify(row.text("event_id_cnty")) or f"acled-{row.line}",
        "title": f"{label}: {location}"[:300],
        "event_type": event_type,
        "date": date,
        "time_precision": time_precision,
        "place": {
            "name": location[:200],
            "country": country,
            "admin1": row.text("admin1") or None,
            "latitude": point[0] if point else None,
            "longitude": point[1] if point else None,
            "geo_precision": (precision or 2) if point else precision,
        },
        "actors": actors,
        "fatalities": fatalities,
        "sources": [{"publisher": publisher, "date": date, "quote": notes or "(no notes)"}],
        "summary": notes,
    }
    return _validate(row, data, _FIELD_COLUMNS_ACLED)


def _iso_numeric(code: str) -> str:
    found = pycountry.countries.get(alpha_2=code)
    return str(int(found.numeric)) if found is not None else ""


def export_acled_csv(events: Iterable[Event]) -> str:
    """ACLED-format CSV, plus an `event_atlas_type` column so that every type round-trips."""
    buffer = io.StringIO()
    write_acled_csv(events, buffer)
    return buffer.getvalue()


def write_acled_csv(events: Iterable[Event], out: TextIO) -> int:
    """Write ACLED-format CSV row by row (any number of events); returns how many."""
    writer = csv.DictWriter(out, fieldnames=ACLED_COLUMNS, lineterminator="\n")
    writer.writeheader()
    written = 0
    for event in events:
        style = VOCABULARY[event.event_type]
        main, sub = (
            (style.acled_event_type, style.acled_sub_event_type)
            if style.acled_event_type and style.acled_sub_event_type
            else ACLED_DEFAULT
        )
        place = event.place
        publishers = list(dict.fromkeys(s.publisher for s in event.sources))
        notes = event.summary or " | ".join(s.quote for s in event.sources)
        time_precision = {"day": 1, "approximate": 2, "range": 3}[event.time_precision]
        row: dict[str, object] = {
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
            "iso": _iso_numeric(place.country),
            "country": _country_label(place.country),
            "event_atlas_type": event.event_type.value,
        }
        writer.writerow({key: _cell(row[key]) for key in ACLED_COLUMNS})
        written += 1
    return written


def _country_label(code: str) -> str:
    if code in EXTRA_COUNTRY_CODES:
        return EXTRA_COUNTRY_CODES[code]
    found = pycountry.countries.get(alpha_2=code)
    return str(found.name) if found is not None else code


# --------------------------------------------------------------------------- GeoJSON


def _import_geojson(text: str, file: str, max_field_chars: int) -> list[_Outcome]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataFileError(
            [Problem(file, exc.lineno, "", f"not valid JSON: {exc.msg} (column {exc.colno})")]
        ) from exc
    except RecursionError as exc:
        raise DataFileError([Problem(file, None, "", "the JSON is nested too deeply")]) from exc
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
                    file,
                    1,
                    "type",
                    "not a GeoJSON FeatureCollection: the file must be "
                    '{"type": "FeatureCollection", "features": [...]}',
                )
            ]
        )
    outcomes = []
    for index, feature in enumerate(data["features"]):
        row = _Row(file, None, {}, prefix=f"features[{index}].")
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            row.fail("type", 'each feature must be an object with "type": "Feature"')
            outcomes.append(_Outcome(None, row.problems))
            continue
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            row.fail("properties", "properties must be an object")
            outcomes.append(_Outcome(None, row.problems))
            continue
        row.cells = properties
        for where, value in _strings(properties, "properties"):
            if len(value) > max_field_chars:
                row.fail(
                    where,
                    f"the text has {len(value):,} characters, over the {max_field_chars:,} "
                    "limit: shorten it",
                )
        if row.problems:
            outcomes.append(_Outcome(None, row.problems))
            continue
        geometry = _geometry(row, feature.get("geometry"))
        if row.problems:
            outcomes.append(_Outcome(None, row.problems))
            continue
        if _is_own(properties):
            event = _own_feature(row, properties, geometry)
        else:
            event = _foreign_feature(row, feature, properties, geometry, index, file)
        outcomes.append(_Outcome(event, row.problems))
    return outcomes


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


def _foreign_feature(
    row: _Row,
    feature: dict[str, Any],
    properties: dict[str, Any],
    geometry: Geometry | None,
    index: int,
    file: str,
) -> Event | None:
    title = row.text("title", "name", "headline", "description")
    if not title:
        row.fail("properties.title", "the feature has no title: add a 'title' or 'name' property")
    type_text = row.text("event_type", "type", "category")
    event_type = _event_type(row, "properties.event_type", type_text)
    date = _date(row, "properties.date", row.text("date", "event_date", "time", "datetime"))
    if geometry is None:
        row.fail("geometry", "the feature has no geometry: give a Point [longitude, latitude]")
    country_text = row.text("country", "country_code", "iso", "iso3")
    country = country_code(country_text)
    if country is None:
        row.fail(
            "properties.country",
            f"'{_short(country_text)}' is not a country: add an ISO code such as UA"
            if country_text
            else "the country is missing: add a 'country' property with an ISO code such as UA",
        )
    if row.problems or geometry is None or date is None:
        return None
    lat, lon = representative_point(geometry)
    raw_id = feature.get("id")
    event_id = slugify(str(raw_id)) if raw_id is not None else slugify(row.text("id"))
    precision_text = row.text("geo_precision")
    precision = _geo_precision(row, "properties.geo_precision", precision_text)
    summary = row.text("summary", "description", "notes")
    url = row.text("url", "link") or None
    publisher = row.text("source", "publisher") or file
    data: dict[str, Any] = {
        "id": event_id or f"feature-{index + 1}",
        "title": title[:300],
        "event_type": event_type,
        "date": date,
        "place": {
            "name": row.text("place", "location", "name", "title")[:200],
            "country": country,
            "admin1": row.text("admin1", "region") or None,
            "latitude": lat,
            "longitude": lon,
            "geo_precision": precision or (1 if geometry.type == "Point" else 2),
        },
        "geometry": None if geometry.type == "Point" else geometry,
        "sources": [
            {
                "publisher": publisher,
                "url": url,
                "date": date,
                "quote": summary or f"(no quote: imported from {file})",
            }
        ],
        "summary": summary,
    }
    if row.problems:
        return None
    return _validate(row, data, {"place": "geometry", "sources": "properties.source"})
