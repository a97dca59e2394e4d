"""GDELT events: 2.0 with a header, or GDELT's raw headerless tab-separated files (2.0 and 1.0).

FIPS 10-4 country codes are converted to ISO, CAMEO root codes grouped into our types (the
codes kept as labels), `ActionGeo_Type` read as the location precision, `SOURCEURL` kept as the
source.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from geo.io import columns as colmap
from geo.io.cells import read_coordinates, read_date, read_id, read_url
from geo.io.core import (
    Context,
    Fields,
    Outcome,
    Pending,
    column_values,
    csv_rows,
    delimiter_of,
    missing_columns,
    origin_of,
    read_rows,
)
from geo.io.countries import fips_to_iso
from geo.io.dates import DateChoice
from geo.io.taxonomies import cameo_type

# The header that identifies a GDELT file with a header (any case).
GDELT_SIGNATURE = frozenset({"globaleventid", "sqldate", "eventrootcode"})

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


def gdelt_raw_header(text: str, delimiter: str) -> tuple[str, ...] | None:
    """GDELT's raw files have no header: 61 (2.0) or 58 (1.0) tab-separated cells per row."""
    if delimiter != "\t":
        return None
    cells = text.split("\n", 1)[0].rstrip("\r").split("\t")
    if not (cells[0].isdigit() and re.fullmatch(r"\d{8}", cells[1] if len(cells) > 1 else "")):
        return None
    return {len(GDELT_COLUMNS): GDELT_COLUMNS, len(GDELT1_COLUMNS): GDELT1_COLUMNS}.get(len(cells))


# ActionGeo_Type: 1 country, 2 US state, 3 US city, 4 world city, 5 world state (ADM1).
_GDELT_PRECISION = {"1": 3, "2": 3, "3": 1, "4": 1, "5": 3}


def import_gdelt(text: str, ctx: Context) -> list[Pending | Outcome]:
    raw_header = gdelt_raw_header(text, delimiter_of(text))
    header, raw_rows = csv_rows(text, ctx.file, ctx.max_bytes, raw_header, ctx)
    by_name = {colmap.normalise(h): h for h in header}
    missing = [
        name
        for name in ("GLOBALEVENTID", "SQLDATE", "EventRootCode", "ActionGeo_Lat", "ActionGeo_Long")
        if colmap.normalise(name) not in by_name
    ]
    missing_columns(ctx.file, missing, header, "export every column of GDELT's events table")
    rows = list(read_rows(ctx, header, raw_rows))
    choice = ctx.dates(by_name["sqldate"], column_values(rows, by_name["sqldate"]))
    return [
        r if isinstance(r, Outcome) else _gdelt_event(ctx, Fields(r, by_name), choice) for r in rows
    ]


def _gdelt_event(ctx: Context, cells: Fields, choice: DateChoice | None) -> Pending:
    row, col = cells.row, cells.column
    event_id = cells.get("globaleventid")
    date = read_date(row, col("sqldate"), cells.get("sqldate"), choice)
    lat, lon = cells.get("actiongeo_lat"), cells.get("actiongeo_long")
    if not lat or not lon:
        row.fail(
            col("actiongeo_lat"),
            "GDELT did not place this event (no ActionGeo_Lat/ActionGeo_Long): not imported",
            cause="no ActionGeo coordinates: GDELT did not place the event",
        )
        return Pending(row, None, {})
    point = read_coordinates(row, lat, lon, col("actiongeo_lat"), col("actiongeo_long"))
    if row.problems or date is None or point is None:
        return Pending(row, None, {})
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
    url = read_url(row, col("sourceurl"), cells.get("sourceurl"))
    publisher = urlsplit(url).netloc.removeprefix("www.") if url else "GDELT"
    actors = [a for a in (cells.get("actor1name"), cells.get("actor2name")) if a]
    summary = " – ".join([*actors[:1], what, *actors[1:2]])
    data: dict[str, Any] = {
        "id": read_id(f"gdelt-{event_id}") or f"gdelt-{row.line}",
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
            }
        ],
        "summary": summary,
        "labels": labels,
        "origin": origin_of(ctx, row),
    }
    columns = {"id": col("globaleventid"), "sources": col("sourceurl"), "title": col("eventcode")}
    return Pending(row, data, columns, col("actiongeo_countrycode"))
