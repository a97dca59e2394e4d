"""Export events as CSV (one row per event) and GeoJSON (RFC 7946: [longitude, latitude]).

The writers (`write_csv`, `write_geojson`, and `geo.io.acled.write_acled_csv`) take any
iterable of events and a text stream and write one event at a time: the command line, the
page's downloads and the desk's all use them, so no export ever holds a whole file in memory.

Every CSV cell goes through `spreadsheet_cell`, the one defence against CSV injection: a cell
(or header name) starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading
single quote (OWASP's advice), so a spreadsheet shows it as text instead of running it as a
formula. The one exception is a plain number (`-33.9`, `-2`, `1e-5`: an optional minus,
digits, an optional fraction and exponent, nothing else), which stays a number a spreadsheet
can compute with: no formula can be spelled that way. The import undoes the quote.

Rows end with CRLF (RFC 4180, `CSV_LINE_END`). Python's csv writer quotes a cell only for the
characters of its own line ending: with a bare LF, a carriage return inside a cell went out
unquoted, and a spreadsheet started a new row there, whose first cell (`=...` after the CR)
it ran as a formula.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

import yaml

from geo.model import Event, Figure
from geo.vocabulary import style_of

CSV_COLUMNS = (
    "id",
    "title",
    "event_type",
    "acled_event_type",
    "acled_sub_event_type",
    "date",
    "date_end",
    "time_precision",
    "place",
    "admin1",
    "country",
    "latitude",
    "longitude",
    "geo_precision",
    "actors",
    "fatalities",
    "fatalities_claims",
    "injured",
    "injured_claims",
    "summary",
    "tags",
    "sources",
    "quotes",
    # The source's own labels, as JSON text (read back by the importer).
    "labels",
)
# Spreadsheet programs run cells starting with these as formulas (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_LINE_END = "\r\n"
# A plain number, left as it is: a minus sign is then a sign, not the start of a formula.
_PLAIN_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?", re.ASCII)


def _best_figure(figures: Sequence[Figure]) -> str:
    return str(max(f.value for f in figures)) if figures else ""


def _claims(figures: Sequence[Figure]) -> str:
    return "; ".join(f.describe() for f in figures)


def spreadsheet_cell(value: object) -> str:
    """A CSV cell no spreadsheet runs as a formula (see the module's docstring)."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_row(event: Event) -> dict[str, str]:
    style = style_of(event.event_type)
    row: dict[str, object] = {
        "id": event.id,
        "title": event.title,
        "event_type": event.event_type.value,
        "acled_event_type": style.acled_event_type or "",
        "acled_sub_event_type": style.acled_sub_event_type or "",
        "date": event.date.isoformat(),
        "date_end": event.date_end.isoformat() if event.date_end else "",
        "time_precision": event.time_precision,
        "place": event.place.name,
        "admin1": event.place.admin1 or "",
        "country": event.place.country,
        "latitude": "" if event.place.latitude is None else event.place.latitude,
        "longitude": "" if event.place.longitude is None else event.place.longitude,
        "geo_precision": event.place.geo_precision or "",
        "actors": "; ".join(event.actors),
        "fatalities": _best_figure(event.fatalities),
        "fatalities_claims": _claims(event.fatalities),
        "injured": _best_figure(event.injured),
        "injured_claims": _claims(event.injured),
        "summary": event.summary,
        "tags": "; ".join(event.tags),
        "sources": "; ".join(
            " ".join(p for p in (s.publisher, s.date.isoformat(), s.url or "") if p)
            for s in event.sources
        ),
        "quotes": " | ".join(s.quote or "" for s in event.sources),
        "labels": json.dumps(event.labels, ensure_ascii=False) if event.labels else "",
    }
    return {key: spreadsheet_cell(row[key]) for key in CSV_COLUMNS}


def write_csv(events: Iterable[Event], out: TextIO) -> int:
    """Write events as CSV row by row (any number of them); returns how many."""
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator=CSV_LINE_END)
    writer.writeheader()
    written = 0
    for event in events:
        writer.writerow(csv_row(event))
        written += 1
    return written


def to_csv(events: Iterable[Event]) -> str:
    buffer = io.StringIO()
    write_csv(events, buffer)
    return buffer.getvalue()


def events_yaml_text(events: Iterable[Event], heading: str, title: str | None = None) -> str:
    """An events file for small data, in the same form people write by hand."""
    body = {
        "title": title or heading,
        "events": [
            e.model_dump(mode="json", exclude_none=True, exclude_defaults=True) for e in events
        ],
    }
    # Dumped as YAML 1.1 by PyYAML, which quotes every string a reader could retype.
    dumped = yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100)
    return f"# {heading}\n{dumped}"


def to_feature(event: Event) -> dict[str, Any]:
    geometry: dict[str, Any] | None
    if event.geometry is not None:
        geometry = event.geometry.model_dump()
    else:
        geometry = {"type": "Point", "coordinates": [event.place.longitude, event.place.latitude]}
    if event.place.point is None:
        geometry = None  # RFC 7946 allows a feature with no location yet
    properties = event.model_dump(mode="json", exclude={"geometry"})
    return {"type": "Feature", "id": event.id, "geometry": geometry, "properties": properties}


def to_geojson(events: Iterable[Event]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [to_feature(e) for e in events]}


def write_geojson(events: Iterable[Event], out: TextIO) -> int:
    """Write a FeatureCollection one feature per line, never holding them all in memory."""
    out.write('{"type":"FeatureCollection","features":[\n')
    written = 0
    for event in events:
        if written:
            out.write(",\n")
        out.write(json.dumps(to_feature(event), ensure_ascii=False))
        written += 1
    out.write("\n]}\n")
    return written


def to_geojson_text(events: Iterable[Event]) -> str:
    """`write_geojson`'s text, for small data (a file or a stream is better for large)."""
    buffer = io.StringIO()
    write_geojson(events, buffer)
    return buffer.getvalue()
