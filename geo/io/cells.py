"""One cell to one field: dates, counts, coordinates, precision, country, links, ids, labels.

Each reader reports a value it cannot read on its row (`Row.fail`; `Row.warn` for a value that
is dropped while the event is kept) and returns None for it. The messages name the fix.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from urllib.parse import urlsplit

from geo.io.core import Row, short
from geo.io.countries import country_code
from geo.io.dates import DateChoice

# A label is keyed by its column's name, cut to this many characters (geo.model.Event.labels).
LABEL_KEY_CHARS = 60


def slugify(text: str) -> str:
    """A lower-case slug of a text (a title, a format's name): for ids made up from words."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-_")
    return slug[:80].rstrip("-_")


def read_id(text: str) -> str:
    """A source's own id, in its own case (ACLED's PHL10453 stays PHL10453): only characters
    an id cannot hold (geo.model.ID_PATTERN) become "-"; "" when nothing is left."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-_")
    return slug[:80].rstrip("-_")


def read_date(
    row: Row, column: str, value: str, choice: DateChoice | None, required: bool = True
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
            message = f"'{short(value)}' is not a date in a known format: pass --date-format"
        else:
            looks = choice.format.looks_like
            cause = f"not a date in the column's format, {looks}: pass --date-format if it mixes"
            message = f"'{short(value)}' is not a date in the column's format, {looks}"
        row.fail(column, message, cause=cause, value=value)
    return parsed


_WHOLE = re.compile(r"[0-9]{1,15}")


def whole_number(text: str) -> int | None:
    """A count written in ASCII digits ("12", "12.0"); None for anything else, including
    numbers too long to be a count (Python refuses to read integers of over 4,300 digits)."""
    text = text.removesuffix(".0")
    return int(text) if _WHOLE.fullmatch(text) else None


def label_key(column: str) -> str:
    """A column's name as the key of a label (at most LABEL_KEY_CHARS characters)."""
    return column[:LABEL_KEY_CHARS]


def read_country(row: Row, column: str, text: str) -> str | None:
    """The row's country, or None (inferred later); a value we cannot read is a warning."""
    code = country_code(text)
    if text and code is None:
        row.warn(
            column,
            f"'{short(text)}' is not a country we know: it is taken from the coordinates",
            cause="not a country name or ISO code; the country is taken from the coordinates",
            value=text,
        )
    return code


def _number(row: Row, column: str, text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        hint = " (use a decimal point, not a comma)" if re.fullmatch(r"-?\d+,\d+", text) else ""
        row.fail(
            column,
            f"'{short(text)}' is not a number{hint}: write decimal degrees, e.g. 49.99",
            cause=f"not a number{hint}: write decimal degrees, e.g. 49.99",
            value=text,
        )
        return None
    if not math.isfinite(value):
        row.fail(column, f"'{text}' is not a finite number: write decimal degrees, e.g. 49.99")
        return None
    return value


def read_coordinates(
    row: Row, lat_text: str, lon_text: str, lat_col: str = "latitude", lon_col: str = "longitude"
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


def read_geo_precision(row: Row, column: str, text: str) -> int | None:
    if not text:
        return None
    try:
        value = int(float(text))
    except (ValueError, OverflowError):  # OverflowError: "1e999" and other infinities
        value = 0
    if value not in (0, 1, 2, 3) or str(value) not in (text, text.rstrip("0").rstrip(".")):
        row.fail(column, f"'{short(text)}' is not a geo_precision: write 1, 2, 3 or 0 (unknown)")
        return None
    return value


def read_url(row: Row, column: str, text: str) -> str | None:
    """A source link, or None; a link that is not a web address is dropped with a warning."""
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme in ("http", "https") and parts.netloc and " " not in text:
        return text
    row.warn(
        column,
        f"'{short(text)}' is not a web address (http:// or https://): the event is kept "
        "without this link",
        cause="a source link that is not a web address: kept the event, dropped the link",
        value=text,
    )
    return None
