"""ACLED CSV, in and out.

In: current and pre-2019 exports (`Riots/Protests`, `Remote violence`, …), headers in any case,
ACLED's event and sub-event types kept as labels and grouped into our types. Out: ACLED-format
CSV (`export_acled_csv`, `write_acled_csv`), an imported ACLED row written back unchanged.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

import pycountry

from geo.export import CSV_LINE_END, spreadsheet_cell
from geo.io import columns as colmap
from geo.io.cells import (
    read_coordinates,
    read_country,
    read_date,
    read_geo_precision,
    read_id,
    whole_number,
)
from geo.io.core import (
    Context,
    Fields,
    Outcome,
    Pending,
    column_values,
    csv_rows,
    missing_columns,
    origin_of,
    read_rows,
    short,
)
from geo.io.countries import country_code
from geo.io.dates import DateChoice
from geo.io.taxonomies import OTHER, acled_type
from geo.model import EXTRA_COUNTRY_CODES, Event
from geo.vocabulary import VOCABULARY, EventType

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

# Written for types ACLED has no equivalent for (sanctions, statements, ...).
ACLED_DEFAULT = ("Strategic developments", "Other")


# --------------------------------------------------------------------------- ACLED in


def import_acled(text: str, ctx: Context) -> list[Pending | Outcome]:
    header, raw_rows = csv_rows(text, ctx.file, ctx.max_bytes, ctx=ctx)
    # ACLED files come in any header case (UPPERCASE exports): read them by lower-case name.
    by_name = {colmap.normalise(h): h for h in header}
    for name, column in ctx.overrides.items():
        by_name[column] = by_name.get(colmap.normalise(name), name)
    missing = [c for c in ACLED_REQUIRED if c not in by_name]
    missing_columns(ctx.file, missing, header, "export the file from ACLED again")
    rows = list(read_rows(ctx, header, raw_rows))
    ctx.mapping = {by_name[c]: c for c in ACLED_COLUMNS if c in by_name}
    choice = ctx.dates(by_name["event_date"], column_values(rows, by_name["event_date"]))
    return [
        r if isinstance(r, Outcome) else _acled_event(ctx, Fields(r, by_name), choice) for r in rows
    ]


def _acled_event(ctx: Context, cells: Fields, choice: DateChoice | None) -> Pending:
    row, col = cells.row, cells.column
    main, sub = cells.get("event_type"), cells.get("sub_event_type")
    ours = cells.get("event_atlas_type")
    known = {t.value for t in EventType}
    labels = {col(k): v[:500] for k, v in (("event_type", main), ("sub_event_type", sub)) if v}
    event_type = EventType(ours) if ours in known else acled_type(main, sub) or OTHER
    date = read_date(row, col("event_date"), cells.get("event_date"), choice)
    point = read_coordinates(
        row, cells.get("latitude"), cells.get("longitude"), col("latitude"), col("longitude")
    )
    precision = read_geo_precision(row, col("geo_precision"), cells.get("geo_precision"))
    time_text = cells.get("time_precision") or "1"
    time_precision = {"1": "day", "2": "approximate", "3": "approximate"}.get(time_text)
    if time_precision is None:
        row.fail(col("time_precision"), f"'{short(time_text)}' is not an ACLED time_precision: 1-3")
    iso, country_text = cells.get("iso"), cells.get("country")
    country = country_code(iso) if iso and iso != "0" else None
    country = country or read_country(row, col("country"), country_text)
    fatalities_text = (cells.get("fatalities") or "0").removesuffix(".0")
    fatalities_value = whole_number(fatalities_text)
    if fatalities_value is None:
        row.fail(
            col("fatalities"),
            f"'{short(fatalities_text)}' is not a whole number of people",
            cause="not a whole number of people",
            value=fatalities_text,
        )
    if row.problems or date is None:
        return Pending(row, None, {})
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
        "id": read_id(cells.get("event_id_cnty")) or f"acled-{row.line}",
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
        # ACLED's notes are ACLED's words (the summary), not a quote of the sources it names.
        "sources": [{"publisher": publisher, "date": date}],
        "summary": notes,
        "labels": labels,
        "origin": origin_of(ctx, row),
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
    return Pending(row, data, columns, col("iso") if iso else col("country"))


# --------------------------------------------------------------------------- ACLED out


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
    notes = event.summary or " | ".join(s.quote for s in event.sources if s.quote)
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
