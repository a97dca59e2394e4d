"""Which column holds which field: headers matched without case, common aliases, user overrides.

A tracker's `Lat`/`Lng`, ACLED's UPPERCASE export and a GeoJSON's `time` property all name fields
the importer knows. The guess is plain data (header -> field), so the page can show it for the
user to correct, and `--map COLUMN=FIELD` overrides it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from geo.errors import SettingError

# Field -> the header names (normalised) that mean it, most specific first.
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "event_id", "event_id_cnty", "eventid", "globaleventid", "uid", "code"),
    "title": ("title", "headline", "name", "event_name"),
    "event_type": (
        "event_type",
        "type",
        "category",
        "event_category",
        "event_group",
        "kind",
        "incident_type",
    ),
    "sub_event_type": ("sub_event_type", "subtype", "sub_type", "subcategory"),
    "date": (
        "date",
        "event_date",
        "date_start",
        "start_date",
        "datetime",
        "time",
        "timestamp",
        "day",
        "sqldate",
    ),
    "date_end": ("date_end", "end_date"),
    "latitude": ("latitude", "lat", "y", "actiongeo_lat"),
    "longitude": ("longitude", "lon", "lng", "long", "x", "actiongeo_long"),
    "country": ("country", "iso", "iso2", "iso3", "country_code", "countrycode"),
    "place": ("place", "location", "location_name", "city", "town", "address", "where"),
    "admin1": ("admin1", "region", "province", "oblast", "state"),
    "summary": ("summary", "notes", "description", "details", "text", "comment"),
    "source": ("source", "publisher", "source_name"),
    "url": ("url", "link", "source_url", "sourceurl", "sources"),
    "actors": ("actors", "actor1", "actor", "perpetrator"),
    "actor2": ("actor2",),
    "fatalities": ("fatalities", "deaths", "killed", "casualties", "best"),
    "injured": ("injured", "wounded"),
    "geo_precision": ("geo_precision", "precision"),
    "time_precision": ("time_precision",),
    "tags": ("tags", "filters", "keywords"),
}
FIELDS = tuple(ALIASES)


def normalise(header: str) -> str:
    """`Event Date`, `EVENT_DATE` and ` event-date ` all become `event_date`."""
    return re.sub(r"[\s\-.]+", "_", header.strip().lower()).strip("_")


def guess_mapping(header: Sequence[str]) -> dict[str, str]:
    """Column -> field for every column that names a known field (each field once)."""
    by_name = {normalise(h): h for h in header if h.strip()}
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for field, aliases in ALIASES.items():
        for alias in aliases:
            column = by_name.get(alias)
            if column is not None and column not in mapping:
                mapping[column] = field
                taken.add(field)
                break
    return mapping


def parse_overrides(pairs: Iterable[str]) -> dict[str, str]:
    """`--map COLUMN=FIELD` values as {column: field}; refused early with the fields to use."""
    overrides: dict[str, str] = {}
    for pair in pairs:
        column, sep, field = pair.partition("=")
        if not sep or not column.strip() or not field.strip():
            raise SettingError(f"--map {pair!r}: write COLUMN=FIELD, e.g. --map Lat=latitude")
        field = field.strip()
        if field not in ALIASES and field != "ignore":
            raise SettingError(
                f"--map {pair!r}: {field!r} is not a field: use one of {', '.join(FIELDS)} "
                "or ignore"
            )
        overrides[column.strip()] = field
    return overrides


def apply_overrides(
    header: Sequence[str], mapping: Mapping[str, str], overrides: Mapping[str, str]
) -> dict[str, str]:
    """The guessed mapping with the user's choices on top (a field is held by one column)."""
    by_name = {normalise(h): h for h in header}
    result = dict(mapping)
    for column, field in overrides.items():
        actual = column if column in header else by_name.get(normalise(column))
        if actual is None:
            raise SettingError(
                f"--map {column}={field}: the file has no column {column!r}; "
                f"its columns are {', '.join(header)}"
            )
        if field != "ignore":
            for other, held in list(result.items()):
                if held == field and other != actual:
                    del result[other]
        if field == "ignore":
            result.pop(actual, None)
        else:
            result[actual] = field
    return result


def describe(mapping: Mapping[str, str]) -> str:
    """`Lat → latitude, Lng → longitude`, for messages and the page."""
    return ", ".join(f"{column} → {field}" for column, field in mapping.items())
