"""The event schema: one validated, immutable model shared by the loader, the map and exports."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Literal

import pycountry
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from geo.vocabulary import EventType

# An id keeps its case as the source wrote it (ACLED's PHL10453): PHL10453 and phl10453 are
# two ids. ID_TEXT finds one inside longer text (a popup's id line).
ID_TEXT = r"[A-Za-z0-9][A-Za-z0-9_-]{0,79}"
ID_PATTERN = rf"^{ID_TEXT}$"
URL_PATTERN = re.compile(r"^https?://[^\s<>\"'`]+$", re.IGNORECASE)

# Countries not in ISO 3166-1 that conflict data still needs.
EXTRA_COUNTRY_CODES = {"XK": "Kosovo"}

# The last day an event may fall on: the map's timeline draws each day, week or month up to
# the day after it, and Python's dates end on 9999-12-31.
LAST_DATE = dt.date(9998, 12, 31)

TimePrecision = Literal["day", "approximate", "range"]
# 0: the source gave coordinates but not how precise they are (never read as exact).
GeoPrecision = Literal[0, 1, 2, 3]
Qualifier = Literal["exact", "at least", "at most", "about", "more than", "fewer than"]
GeometryType = Literal["Point", "LineString", "Polygon", "MultiLineString", "MultiPolygon"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


NonEmpty = Annotated[str, Field(min_length=1, max_length=2000)]


def country_name(code: str | None) -> str:
    if code is None:
        return "unknown country"
    if code in EXTRA_COUNTRY_CODES:
        return EXTRA_COUNTRY_CODES[code]
    country = pycountry.countries.get(alpha_2=code)
    return str(country.name) if country is not None else code


class Geocoded(_Strict):
    """Where a place's coordinates came from, so that anyone can reproduce them."""

    provider: NonEmpty
    query: NonEmpty
    matched_name: NonEmpty
    geonames_id: int | None = None
    confidence: float = Field(ge=0, le=1)
    fuzzy: bool = False
    date: dt.date


class Place(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    # Optional: many exports have none; the import infers it from the coordinates.
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2 code, e.g. UA")
    admin1: str | None = Field(default=None, max_length=200)
    # Coordinates may be left out and filled in by `python -m geo geocode FILE --write`.
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    geo_precision: GeoPrecision | None = None
    geocoded: Geocoded | None = None

    @model_validator(mode="after")
    def _coordinates_together(self) -> Place:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give both latitude and longitude, or neither (to geocode the name)")
        if self.latitude is not None and self.geo_precision is None:
            raise ValueError("geo_precision is required with coordinates (1, 2, 3, or 0: unknown)")
        return self

    @property
    def point(self) -> tuple[float, float] | None:
        """(latitude, longitude), or None while the place is not geocoded yet."""
        if self.latitude is None or self.longitude is None:
            return None
        return (self.latitude, self.longitude)

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str | None) -> str | None:
        if value is None:
            return None
        code = value.upper()
        if code not in EXTRA_COUNTRY_CODES and pycountry.countries.get(alpha_2=code) is None:
            raise ValueError(
                f"'{value}' is not an ISO 3166-1 alpha-2 country code (e.g. UA, BY, RU)"
            )
        return code

    @field_validator("latitude", "longitude")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError("must be a finite number of degrees")
        return value


class Geometry(_Strict):
    """A GeoJSON (RFC 7946) geometry: coordinates are [longitude, latitude]."""

    type: GeometryType
    coordinates: (
        list[float] | list[list[float]] | list[list[list[float]]] | list[list[list[list[float]]]]
    )

    @model_validator(mode="after")
    def _well_formed(self) -> Geometry:
        depth = {"Point": 1, "LineString": 2, "MultiLineString": 3, "Polygon": 3, "MultiPolygon": 4}
        expected = depth[self.type]
        positions = list(_positions(self.coordinates, expected))
        for lon, lat in positions:
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise ValueError(
                    f"position [{lon}, {lat}] is out of range: GeoJSON positions are "
                    "[longitude, latitude], longitude within ±180 and latitude within ±90"
                )
        if self.type == "LineString" and len(positions) < 2:
            raise ValueError("a LineString needs at least two positions")
        return self

    def latlon_paths(self) -> list[list[tuple[float, float]]]:
        """Paths as (lat, lon) pairs, the order Leaflet wants."""
        if self.type == "Point":
            lon, lat = self.coordinates[:2]
            return [[(float(lat), float(lon))]]  # type: ignore[arg-type]
        nesting = {"LineString": 2, "MultiLineString": 3, "Polygon": 3, "MultiPolygon": 4}
        return [
            [(lat, lon) for lon, lat in path]
            for path in _paths(self.coordinates, nesting[self.type])
        ]


def _positions(coords: object, depth: int) -> list[tuple[float, float]]:
    if depth == 1:
        if not isinstance(coords, list) or len(coords) not in (2, 3):
            raise ValueError("each position must be [longitude, latitude]")
        return [(float(coords[0]), float(coords[1]))]
    if not isinstance(coords, list) or not coords:
        raise ValueError("coordinates are nested wrongly for this geometry type")
    out: list[tuple[float, float]] = []
    for item in coords:
        out.extend(_positions(item, depth - 1))
    return out


def _paths(coords: object, depth: int) -> list[list[tuple[float, float]]]:
    assert isinstance(coords, list)
    if depth == 2:
        return [[(float(p[0]), float(p[1])) for p in coords]]
    out: list[list[tuple[float, float]]] = []
    for item in coords:
        out.extend(_paths(item, depth - 1))
    return out


class Figure(_Strict):
    """A number of people, as somebody claims it."""

    value: int = Field(ge=0, le=100_000_000)
    qualifier: Qualifier = "exact"
    claimed_by: NonEmpty
    note: str | None = Field(default=None, max_length=2000)

    def describe(self) -> str:
        number = str(self.value) if self.qualifier == "exact" else f"{self.qualifier} {self.value}"
        return f"{number} (according to {self.claimed_by})"


class Source(_Strict):
    publisher: NonEmpty
    url: str | None = Field(default=None, max_length=2000)
    date: dt.date
    # The source's own words. Only an imported event (with an origin) may cite a source without
    # them: a dataset's row is the dataset's words, never a quote of the link it cites.
    quote: Annotated[str, Field(min_length=1, max_length=5000)] | None = None

    @field_validator("url")
    @classmethod
    def _http_only(cls, value: str | None) -> str | None:
        if value is not None and not URL_PATTERN.match(value):
            raise ValueError("only http:// or https:// links are allowed")
        return value


LabelKey = Annotated[str, Field(min_length=1, max_length=60)]
LabelValue = Annotated[str, Field(min_length=1, max_length=500)]
# "article": a draft made from a news article's text (`python -m geo draft`).
OriginFormat = Literal["acled", "gdelt", "ucdp", "csv", "geojson", "json", "yaml", "article"]


class Origin(_Strict):
    """Where an imported event came from: the file, the row, and every column verbatim, so that
    an export in the source's format gives the source's row back unchanged."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)

    format: OriginFormat
    file: Annotated[str, Field(min_length=1, max_length=300)]
    row: int | None = None
    columns: dict[
        Annotated[str, Field(max_length=200)], Annotated[str, Field(max_length=10_000)]
    ] = Field(default_factory=dict, max_length=300)


class Event(_Strict):
    id: Annotated[str, Field(pattern=ID_PATTERN)]
    title: Annotated[str, Field(min_length=1, max_length=300)]
    event_type: EventType
    date: dt.date
    time_precision: TimePrecision = "day"
    date_end: dt.date | None = None
    place: Place
    geometry: Geometry | None = None
    actors: list[NonEmpty] = Field(default_factory=list, max_length=50)
    fatalities: list[Figure] = Field(default_factory=list, max_length=20)
    injured: list[Figure] = Field(default_factory=list, max_length=20)
    sources: list[Source] = Field(min_length=1, max_length=50)
    summary: str = Field(default="", max_length=10_000)
    tags: list[Annotated[str, Field(min_length=1, max_length=60)]] = Field(
        default_factory=list, max_length=50
    )
    # The source's own taxonomy (ACLED event and sub-event types, CAMEO codes, a tracker's
    # free-text type), field name -> label verbatim; our event_type groups them.
    labels: dict[LabelKey, LabelValue] = Field(default_factory=dict, max_length=20)
    origin: Origin | None = None

    @field_validator("date", "date_end")
    @classmethod
    def _showable(cls, value: dt.date | None) -> dt.date | None:
        if value is not None and value > LAST_DATE:
            raise ValueError(
                f"{value} is after {LAST_DATE}, the last date the map can show: check the year"
            )
        return value

    @model_validator(mode="after")
    def _date_range(self) -> Event:
        if self.time_precision == "range" and self.date_end is None:
            raise ValueError("time_precision 'range' needs a date_end (the last day of the range)")
        if self.date_end is not None and self.date_end < self.date:
            raise ValueError(f"date_end {self.date_end} is before date {self.date}")
        if self.date_end is not None and self.time_precision != "range":
            raise ValueError("date_end is only allowed with time_precision: range")
        return self

    @model_validator(mode="after")
    def _quoted(self) -> Event:
        if self.origin is None:
            for number, source in enumerate(self.sources, start=1):
                if source.quote is None:
                    raise ValueError(
                        f"source {number} ({source.publisher}) has no quote: give the exact "
                        "words of the source the event rests on"
                    )
        return self

    @property
    def located(self) -> bool:
        return self.place.point is not None

    @property
    def last_date(self) -> dt.date:
        return self.date_end or self.date

    def date_label(self) -> str:
        if self.time_precision == "range" and self.date_end is not None:
            return f"{self.date.isoformat()} – {self.date_end.isoformat()}"
        if self.time_precision == "approximate":
            return f"about {self.date.isoformat()}"
        return self.date.isoformat()


class Dataset(_Strict):
    """A whole events file: optional description, then the events."""

    title: str | None = Field(default=None, max_length=300)
    description: str | None = Field(default=None, max_length=5000)
    events: list[Event]
