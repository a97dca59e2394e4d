"""The desk's event form, without Streamlit: an event's data to widget values and back, the
place geocoded offline on submit, and the same schema check (and messages) as the events file."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from geo.errors import DataFileError, GeocodingError, Problem
from geo.loader import check_event_data
from geo.model import Event

FORM_FILE = "desk form"
FIGURE_KINDS = ("fatalities", "injured")
QUALIFIERS = ("exact", "at least", "at most", "about", "more than", "fewer than")
TIME_PRECISIONS = ("day", "approximate", "range")
SOURCE_COLUMNS = ("publisher", "url", "date", "quote")
FIGURE_COLUMNS = ("kind", "value", "qualifier", "claimed_by")


@dataclass(frozen=True)
class Located:
    """Where the gazetteer put a place name, for the editor to confirm or move."""

    latitude: float
    longitude: float
    country: str
    geo_precision: int
    matched: str


def _blank(value: Any) -> bool:
    return (
        value is None or (isinstance(value, float) and value != value) or str(value).strip() == ""
    )


def _text(value: Any) -> str:
    return "" if _blank(value) else str(value).strip()


def form_values(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """Widget values for an event's data (a new event: empty ones)."""
    data = data or {}
    place = data.get("place") or {}
    figures = [
        {
            "kind": kind,
            "value": f.get("value"),
            "qualifier": f.get("qualifier", "exact"),
            "claimed_by": f.get("claimed_by", ""),
        }
        for kind in FIGURE_KINDS
        for f in data.get(kind) or []
    ]
    sources = [
        {
            "publisher": s.get("publisher", ""),
            "url": s.get("url") or "",
            "date": s.get("date", ""),
            "quote": s.get("quote", ""),
        }
        for s in data.get("sources") or []
    ]
    return {
        "id": data.get("id", ""),
        "title": data.get("title", ""),
        "event_type": data.get("event_type", "shelling"),
        "date": dt.date.fromisoformat(data["date"]) if data.get("date") else None,
        "time_precision": data.get("time_precision", "day"),
        "date_end": dt.date.fromisoformat(data["date_end"]) if data.get("date_end") else None,
        "place_name": place.get("name", ""),
        "country": place.get("country") or "",
        "latitude": "" if place.get("latitude") is None else str(place["latitude"]),
        "longitude": "" if place.get("longitude") is None else str(place["longitude"]),
        "geo_precision": place.get("geo_precision", 1),
        "figures": figures,
        "sources": sources,
        "summary": data.get("summary", ""),
        "tags": ", ".join(data.get("tags") or []),
        "actors": ", ".join(data.get("actors") or []),
    }


def _number(value: Any, field: str, problems: list[Problem]) -> float | None:
    if _blank(value):
        return None
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        problems.append(
            Problem(FORM_FILE, None, field, "write a number of decimal degrees, e.g. 49.99")
        )
        return None


def form_data(values: Mapping[str, Any], keep: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Event data from widget values. Fields the form does not show (labels, origin, geometry,
    provenance) are kept from `keep`, the version being edited. Unreadable numbers raise the
    same DataFileError as the schema does."""
    problems: list[Problem] = []
    data: dict[str, Any] = {
        key: value
        for key, value in (keep or {}).items()
        if key in ("labels", "origin", "geometry", "injured", "fatalities")
    }
    data.pop("injured", None)
    data.pop("fatalities", None)
    data["id"] = _text(values.get("id"))
    data["title"] = _text(values.get("title"))
    data["event_type"] = values.get("event_type")
    date = values.get("date")
    data["date"] = date.isoformat() if isinstance(date, dt.date) else _text(date)
    data["time_precision"] = values.get("time_precision") or "day"
    end = values.get("date_end")
    if isinstance(end, dt.date) and data["time_precision"] == "range":
        data["date_end"] = end.isoformat()
    old_place = dict((keep or {}).get("place") or {})
    place: dict[str, Any] = {"name": _text(values.get("place_name"))}
    if _text(values.get("country")):
        place["country"] = _text(values.get("country")).upper()
    lat = _number(values.get("latitude"), "place.latitude", problems)
    lon = _number(values.get("longitude"), "place.longitude", problems)
    if lat is not None and lon is not None:
        place["latitude"], place["longitude"] = lat, lon
        place["geo_precision"] = int(values.get("geo_precision") or 0)
        if old_place.get("geocoded") and (
            old_place.get("latitude"),
            old_place.get("longitude"),
        ) == (lat, lon):
            place["geocoded"] = old_place["geocoded"]
    data["place"] = place
    for row in values.get("figures") or []:
        if _blank(row.get("value")) and _blank(row.get("claimed_by")):
            continue  # an empty figure row: kind and qualifier have defaults
        kind = _text(row.get("kind")) or "fatalities"
        figure: dict[str, Any] = {
            "value": row.get("value") if _blank(row.get("value")) else _int_or_text(row["value"]),
            "qualifier": _text(row.get("qualifier")) or "exact",
            "claimed_by": _text(row.get("claimed_by")),
        }
        data.setdefault(kind if kind in FIGURE_KINDS else "fatalities", []).append(figure)
    sources = []
    for row in values.get("sources") or []:
        if all(_blank(row.get(c)) for c in SOURCE_COLUMNS):
            continue
        source = {c: _text(row.get(c)) for c in SOURCE_COLUMNS}
        when = row.get("date")
        if isinstance(when, dt.date):
            source["date"] = when.isoformat()
        if not source["url"]:
            source.pop("url")
        sources.append(source)
    data["sources"] = sources
    data["summary"] = str(values.get("summary") or "")
    data["tags"] = _list(values.get("tags"))
    data["actors"] = _list(values.get("actors"))
    if problems:
        raise DataFileError(problems)
    return data


def _int_or_text(value: Any) -> Any:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return value


def _list(text: Any) -> list[str]:
    return [part.strip() for part in str(text or "").split(",") if part.strip()]


def checked_event(data: dict[str, Any]) -> Event:
    """The events file's schema, with its messages, naming the form's fields."""
    return check_event_data(data, FORM_FILE)


def locate(name: str, country: str, geocoder: Any) -> Located:
    """The offline gazetteer's best place for a name (a country code narrows it)."""
    codes = [country.upper()] if country.strip() else None
    try:
        location = geocoder.geocode(name, country_codes=codes)
    except GeocodingError as exc:
        raise DataFileError([Problem(FORM_FILE, None, "place.name", str(exc))]) from exc
    if location is None:
        raise DataFileError(
            [
                Problem(
                    FORM_FILE,
                    None,
                    "place.name",
                    f"'{name}' is not in the offline gazetteer: check the spelling, add the "
                    "country, or type the latitude and longitude",
                )
            ]
        )
    raw = location.raw
    return Located(
        latitude=round(float(location.latitude), 5),
        longitude=round(float(location.longitude), 5),
        country=str(raw.get("country_code") or ""),
        geo_precision=int(raw.get("geo_precision") or 1),
        matched=str(location.address),
    )


def geocoded_record(located: Located, query: str, today: dt.date) -> dict[str, Any]:
    """Where the coordinates came from, as the geocode write-back records it."""
    return {
        "provider": "gazetteer",
        "query": query,
        "matched_name": located.matched.split(",")[0],
        "confidence": 1.0,
        "date": today.isoformat(),
    }


_SLUG = re.compile(r"[^a-z0-9]+")


def new_event_id(title: str, date: dt.date | None, taken: Iterable[str]) -> str:
    """A readable id from the date and title, unique at the desk."""
    stem = _SLUG.sub("-", title.lower()).strip("-")[:50].strip("-") or "event"
    if date is not None:
        stem = f"{date.isoformat()}-{stem}"
    taken = set(taken)
    candidate, number = stem, 2
    while candidate in taken:
        candidate = f"{stem}-{number}"
        number += 1
    return candidate
