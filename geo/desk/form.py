"""The desk's event form, without Streamlit: an event's data to widget values and back, the
place geocoded offline on submit, and the same schema check (and messages) as the events file."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from geo.desk.merge import merge3
from geo.errors import DataFileError, Problem
from geo.gazetteer import Candidate, Gazetteer, PlaceContext
from geo.loader import check_event_data
from geo.model import Event

FORM_FILE = "desk form"
FIGURE_KINDS = ("fatalities", "injured")
FIGURE_KIND_LABELS = {"fatalities": "Killed", "injured": "Injured"}
QUALIFIERS = ("exact", "at least", "at most", "about", "more than", "fewer than")
TIME_PRECISIONS = ("day", "approximate", "range")
SOURCE_COLUMNS = ("publisher", "url", "date", "quote")
FIGURE_COLUMNS = ("kind", "value", "qualifier", "claimed_by", "note")
ACTOR_COLUMNS = ("name",)
# The form's rows: each list of the event, with the columns of one row.
ROW_COLUMNS: dict[str, tuple[str, ...]] = {
    "sources": SOURCE_COLUMNS,
    "figures": FIGURE_COLUMNS,
    "actors": ACTOR_COLUMNS,
}
EMPTY_CELL: dict[str, Any] = {"kind": "fatalities", "qualifier": "exact", "value": None}


def _blank(value: Any) -> bool:
    return (
        value is None or (isinstance(value, float) and value != value) or str(value).strip() == ""
    )


def _text(value: Any) -> str:
    return "" if _blank(value) else str(value).strip()


def empty_row(list_name: str) -> dict[str, Any]:
    return {c: EMPTY_CELL.get(c, "") for c in ROW_COLUMNS[list_name]}


def form_values(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """Widget values for an event's data (a new event: empty ones). Lists are rows of cells."""
    data = data or {}
    place = data.get("place") or {}
    figures = [
        {
            "kind": kind,
            "value": f.get("value"),
            "qualifier": f.get("qualifier", "exact"),
            "claimed_by": f.get("claimed_by", ""),
            "note": f.get("note") or "",
        }
        for kind in FIGURE_KINDS
        for f in data.get(kind) or []
    ]
    sources = [
        {
            "publisher": s.get("publisher", ""),
            "url": s.get("url") or "",
            "date": s.get("date", ""),
            "quote": s.get("quote") or "",
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
        "figures": figures or [empty_row("figures")],
        "sources": sources or [empty_row("sources")],
        "actors": [{"name": a} for a in data.get("actors") or []] or [empty_row("actors")],
        "summary": data.get("summary", ""),
        "tags": ", ".join(data.get("tags") or []),
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
        if _text(row.get("note")):
            figure["note"] = _text(row.get("note"))
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
        if not source["quote"] and data.get("origin"):
            # An imported row's source may be without the source's words (geo.model.Source);
            # one typed on the desk still needs them (an empty quote is refused at its field).
            source.pop("quote")
        sources.append(source)
    data["sources"] = sources
    data["summary"] = str(values.get("summary") or "")
    data["tags"] = _list(values.get("tags"))
    data["actors"] = _actors(values.get("actors"))
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


def _actors(rows: Any) -> list[str]:
    """One actor per row (a name may hold a comma); text kept from an older form, a list."""
    if isinstance(rows, str):
        return _list(rows)
    names = [
        _text(row.get("name")) if isinstance(row, Mapping) else _text(row) for row in rows or []
    ]
    return [name for name in names if name]


def edited_data(opened: Mapping[str, Any] | None, typed: dict[str, Any]) -> dict[str, Any]:
    """The version the editor opened, with only the fields they changed in the form replaced
    by what they typed. A field the form shows differently from how it is stored (an empty
    summary, a figure's default qualifier, a place's region) is left as stored unless the
    editor changed it, so a save never rewrites what its editor did not touch.

    `typed` is form_data of the widget values (after geocoding)."""
    if opened is None:
        return typed
    as_shown = form_data(form_values(opened), keep=opened)
    return merge3(_normal(as_shown), _normal(typed), dict(opened), prefer="yours").data


def _normal(data: dict[str, Any]) -> dict[str, Any]:
    """As the desk stores an event (defaults left out), when the schema takes it."""
    try:
        event = Event.model_validate(data)
    except ValueError:
        return data
    return event.model_dump(mode="json", exclude_none=True, exclude_defaults=True)


def checked_event(data: dict[str, Any]) -> Event:
    """The events file's schema, with its messages, naming the form's fields."""
    return check_event_data(data, FORM_FILE)


class PlaceChoiceNeeded(DataFileError):
    """The place name means several places the desk's context cannot tell apart: the editor
    picks one of `choices` (each with its country and region)."""

    def __init__(self, query: str, choices: Sequence[Candidate]) -> None:
        self.query = query
        self.choices = list(choices)
        super().__init__(
            [
                Problem(
                    FORM_FILE,
                    None,
                    "place.name",
                    f"'{query}' may be {len(self.choices)} different places: pick the one you "
                    f"mean in the list below, or say where it is ('{_narrowed(query, choices)}')",
                )
            ]
        )


def _narrowed(query: str, choices: Sequence[Candidate]) -> str:
    """An example of the name made unambiguous: by region when the choices share a country."""
    first = choices[0]
    same_country = len({c.country for c in choices[:2]}) == 1
    return f"{query}, {first.region if same_country and first.region else first.country_name}"


def place_query(name: str, country: str) -> str:
    """The name as the editor typed it, narrowed by the country field when that is filled in
    and the name does not already say where ('Odesa' and 'UA': 'Odesa, UA')."""
    name, country = name.strip(), country.strip().upper()
    return f"{name}, {country}" if country and "," not in name else name


def locate(
    name: str, country: str, gazetteer: Gazetteer, context: PlaceContext | None = None
) -> Candidate:
    """The offline gazetteer's place for a name, ranked by the desk's own context (the
    countries its events are in). Refused with the choices when it may mean several places,
    refused with advice when it means none."""
    answer = gazetteer.resolve(place_query(name, country), context)
    if answer.ambiguous:
        raise PlaceChoiceNeeded(name.strip(), answer.choices)
    if answer.best is None:
        note = f" ({answer.note})" if answer.note else ""
        raise DataFileError(
            [
                Problem(
                    FORM_FILE,
                    None,
                    "place.name",
                    f"'{name}' is not in the offline gazetteer{note}: check the spelling, add "
                    "the country ('Odesa, Ukraine'), or type the latitude and longitude",
                )
            ]
        )
    return answer.best


def geocoded_record(place: Candidate, query: str, today: dt.date) -> dict[str, Any]:
    """Where the coordinates came from, as the geocode write-back records it."""
    record: dict[str, Any] = {
        "provider": "gazetteer",
        "query": query,
        "matched_name": place.name,
        "confidence": place.confidence,
        "date": today.isoformat(),
    }
    if place.geonames_id is not None:
        record["geonames_id"] = place.geonames_id
    if place.fuzzy:
        record["fuzzy"] = True
    return record


_SLUG = re.compile(r"[^a-z0-9]+")


def new_event_id(title: str, date: dt.date | None, taken: Iterable[str]) -> str:
    """A readable id from the date and title, unique at the desk, in any case (the desk
    refuses a new id that differs from one it has only in case)."""
    stem = _SLUG.sub("-", title.lower()).strip("-")[:50].strip("-") or "event"
    if date is not None:
        stem = f"{date.isoformat()}-{stem}"
    taken = {event_id.lower() for event_id in taken}
    candidate, number = stem, 2
    while candidate in taken:
        candidate = f"{stem}-{number}"
        number += 1
    return candidate


# The form's field for a problem the schema names by the event's own path.
_FIELD_OF_PATH = {
    "id": "id",
    "title": "title",
    "event_type": "event_type",
    "date": "date",
    "time_precision": "time_precision",
    "date_end": "date_end",
    "place": "place_name",
    "place.name": "place_name",
    "place.admin1": "place_name",
    "place.geocoded": "place_name",
    "place.country": "country",
    "place.latitude": "latitude",
    "place.longitude": "longitude",
    "place.geo_precision": "geo_precision",
    "summary": "summary",
    "tags": "tags",
    "geometry": "latitude",
}
_ROW_PATH = re.compile(r"^(sources|fatalities|injured|actors|tags)\[(\d+)\](?:\.(\w+))?")
_FIRST_COLUMN = {"sources": "quote", "figures": "value", "actors": "name"}


@dataclass(frozen=True)
class FormField:
    """Where in the form a problem belongs: a field, or a cell of a row (`row` counts the
    form's rows, blank ones included), or a whole list (`row` None)."""

    name: str
    row: int | None = None
    column: str | None = None


def form_field(path: str, values: Mapping[str, Any]) -> FormField | None:
    """The form's field for a schema path: `injured[0].value` is the number of the first
    injured row of the form's figures, wherever it sits among the killed ones."""
    found = _ROW_PATH.match(path)
    if found:
        name, index, column = found[1], int(found[2]), found[3]
        if name == "tags":
            return FormField("tags")
        list_name = "figures" if name in FIGURE_KINDS else name
        rows = list(values.get(list_name) or [])
        kept = [i for i, row in enumerate(rows) if _counts(list_name, name, row)]
        row = kept[index] if index < len(kept) else None
        return FormField(list_name, row, column or _FIRST_COLUMN[list_name])
    if path in ("sources", "fatalities", "injured", "actors"):
        return FormField("figures" if path in FIGURE_KINDS else path)
    for prefix in (path, path.split("[")[0], ".".join(path.split(".")[:2]), path.split(".")[0]):
        if prefix in _FIELD_OF_PATH:
            return FormField(_FIELD_OF_PATH[prefix])
    return None


def _counts(list_name: str, path_name: str, row: Any) -> bool:
    """Whether a form row became an item of the event's list `path_name` (as form_data
    reads rows: blank ones are skipped)."""
    if not isinstance(row, Mapping):
        return False
    if list_name == "figures":
        if _blank(row.get("value")) and _blank(row.get("claimed_by")):
            return False
        kind = _text(row.get("kind")) or "fatalities"
        return (kind if kind in FIGURE_KINDS else "fatalities") == path_name
    if list_name == "sources":
        return not all(_blank(row.get(c)) for c in SOURCE_COLUMNS)
    return not _blank(row.get("name"))
