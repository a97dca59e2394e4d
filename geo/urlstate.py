"""The shareable view: filters, selected event and map view, to and from URL query parameters.

A link is hostile input. Each field is parsed on its own; a field that does not parse is
dropped (with a note saying which) and never reaches the page, the others still apply.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

from geo.filters import EventFilter
from geo.model import ID_PATTERN, country_name
from geo.vocabulary import EventType

TILE_CHOICES = ("offline", "osm")
# How a large map draws the events: markers and cells, or a density view.
LAYER_CHOICES = ("markers", "density")
MAX_TEXT = 200
MAX_VALUES = 50
MIN_ZOOM, MAX_ZOOM = 2, 18

# Query parameter names, shared with the map's own script that writes the view to the URL.
P_TYPE, P_FROM, P_TO, P_COUNTRY, P_TEXT, P_PRECISION = "type", "from", "to", "country", "q", "prec"
# A source label may hold commas (CAMEO's " Consult, not specified below"): one per parameter.
P_LABEL = "label"
MAX_LABEL = 500
P_EVENT, P_LAT, P_LON, P_ZOOM, P_TILES = "event", "lat", "lon", "z", "tiles"
P_LAYER = "layer"

_ID = re.compile(ID_PATTERN)
_COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class MapView:
    lat: float
    lon: float
    zoom: int


@dataclass(frozen=True)
class ViewState:
    event_filter: EventFilter = field(default_factory=EventFilter)
    selected: str | None = None
    view: MapView | None = None
    tiles: str = "offline"
    layer: str = "markers"


@dataclass(frozen=True)
class LinkNote:
    """One value of a link the page cannot use: which, why, and what the page shows instead."""

    param: str  # as the link spells it: "country", or "lat/lon/z" for the map view
    value: str
    reason: str
    instead: str
    field: str = ""  # parse_query's name for the field; the parameter when empty

    def text(self) -> str:
        """Plain text for the reader (escape it for Markdown or HTML where it is shown)."""
        return f"{self.param}={_shortened(self.value)}: {self.reason}; {self.instead}."


# A link's value is shown back to the reader: a hostile one must not fill the page.
MAX_SHOWN_VALUE = 40


def _shortened(value: str) -> str:
    one_line = " ".join(value.split())
    if len(one_line) <= MAX_SHOWN_VALUE:
        return one_line
    return one_line[: MAX_SHOWN_VALUE - 1] + "…"


def _values(params: Mapping[str, Sequence[str]], key: str) -> list[str]:
    raw = params.get(key, [])
    values = [raw] if isinstance(raw, str) else list(raw)
    out: list[str] = []
    for value in values[:MAX_VALUES]:
        out.extend(part for part in str(value).split(",") if part)
    return out[:MAX_VALUES]


def _date(text: str) -> dt.date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(text)
    return dt.date.fromisoformat(text)


def _float_in(text: str, low: float, high: float) -> float:
    if not re.fullmatch(r"-?\d{1,3}(\.\d{1,8})?", text):
        raise ValueError(text)
    value = float(text)
    if not low <= value <= high:
        raise ValueError(text)
    return value


def parse_query(params: Mapping[str, Sequence[str]]) -> tuple[ViewState, list[str]]:
    """Parse query parameters into a view; return it with the name of every ignored field."""
    state, notes = read_link(params)
    fields = [note.field or note.param for note in notes]
    return state, list(dict.fromkeys(fields))


def read_link(params: Mapping[str, Sequence[str]]) -> tuple[ViewState, list[LinkNote]]:
    """Parse query parameters into a view; return it with a note for every ignored value."""
    ignored: list[LinkNote] = []
    known_types = {t.value: t for t in EventType}

    types = frozenset(known_types[v] for v in _values(params, P_TYPE) if v in known_types)
    for value in dict.fromkeys(v for v in _values(params, P_TYPE) if v not in known_types):
        instead = "the link's other types apply" if types else "all types are shown"
        ignored.append(LinkNote(P_TYPE, value, "no such event type", instead))

    def one(key: str) -> str | None:
        values = _values(params, key)
        return values[0] if values else None

    date_from = date_to = None
    for key in (P_FROM, P_TO):
        text = one(key)
        if text is None:
            continue
        try:
            parsed = _date(text)
        except ValueError:
            instead = (
                "the range starts at the first event"
                if key == P_FROM
                else ("the range ends at the last event")
            )
            ignored.append(LinkNote(key, text, "not a date (year-month-day)", instead))
            continue
        if key == P_FROM:
            date_from = parsed
        else:
            date_to = parsed

    countries_raw = _values(params, P_COUNTRY)
    countries = frozenset(c for c in countries_raw if _COUNTRY.match(c))
    for value in dict.fromkeys(c for c in countries_raw if not _COUNTRY.match(c)):
        reason = "not a two-letter country code in capitals (such as UA)"
        ignored.append(LinkNote(P_COUNTRY, value, reason, _countries_instead(bool(countries))))

    # Free text may contain commas, so it is not split like the list-valued fields.
    raw_text = params.get(P_TEXT, [])
    texts = [raw_text] if isinstance(raw_text, str) else list(raw_text)
    text = str(texts[0]) if texts else ""
    if len(text) > MAX_TEXT:
        reason = f"longer than {MAX_TEXT} characters"
        ignored.append(LinkNote(P_TEXT, text, reason, "no text search is applied"))
        text = ""

    precisions_raw = _values(params, P_PRECISION)
    precisions = frozenset(int(p) for p in precisions_raw if p in {"0", "1", "2", "3"})
    for value in dict.fromkeys(p for p in precisions_raw if p not in {"0", "1", "2", "3"}):
        instead = "the link's other precisions apply" if precisions else "any precision is shown"
        ignored.append(LinkNote(P_PRECISION, value, "not a location precision (0 to 3)", instead))

    raw_labels = params.get(P_LABEL, [])
    label_list = [raw_labels] if isinstance(raw_labels, str) else list(raw_labels)
    labels = frozenset(str(v) for v in label_list[:MAX_VALUES] if v and len(str(v)) <= MAX_LABEL)
    for value in dict.fromkeys(str(v) for v in label_list if str(v) not in labels):
        reason = f"empty or longer than {MAX_LABEL} characters"
        ignored.append(LinkNote(P_LABEL, value, reason, _labels_instead(bool(labels))))

    selected = one(P_EVENT)
    if selected is not None and not _ID.fullmatch(selected):  # ($ lets a final "\n" by)
        ignored.append(LinkNote(P_EVENT, selected, "not an event id", NO_SELECTION))
        selected = None

    view = None
    if any(params.get(k) for k in (P_LAT, P_LON, P_ZOOM)):
        try:
            lat = _float_in(one(P_LAT) or "", -90, 90)
            lon = _float_in(one(P_LON) or "", -180, 180)
            zoom_text = one(P_ZOOM) or ""
            if not re.fullmatch(r"\d{1,2}", zoom_text):
                raise ValueError(zoom_text)
            zoom = min(max(int(zoom_text), MIN_ZOOM), MAX_ZOOM)
            view = MapView(lat, lon, zoom)
        except ValueError:
            value = "&".join(f"{k}={one(k) or ''}" for k in (P_LAT, P_LON, P_ZOOM))
            reason = "not a map view (latitude -90 to 90, longitude -180 to 180, zoom)"
            ignored.append(
                LinkNote("map view", value, reason, "the map shows the events", VIEW_FIELD)
            )

    tiles = one(P_TILES) or "offline"
    if tiles not in TILE_CHOICES:
        reason = "not a basemap (" + " or ".join(TILE_CHOICES) + ")"
        ignored.append(LinkNote(P_TILES, tiles, reason, "the offline basemap is shown"))
        tiles = "offline"

    layer = one(P_LAYER) or "markers"
    if layer not in LAYER_CHOICES:
        reason = "not a way to draw the map (" + " or ".join(LAYER_CHOICES) + ")"
        ignored.append(LinkNote(P_LAYER, layer, reason, "the map shows markers"))
        layer = "markers"

    event_filter = EventFilter(
        types=types,
        date_from=date_from,
        date_to=date_to,
        countries=countries,
        text=text,
        precisions=precisions,
        labels=labels,
    )
    return ViewState(event_filter, selected, view, tiles, layer), ignored


VIEW_FIELD = "map view (lat/lon/z)"
NO_SELECTION = "no event is selected"


def _countries_instead(others_left: bool) -> str:
    return "the link's other countries apply" if others_left else "all countries are shown"


def _labels_instead(others_left: bool) -> str:
    return "the link's other labels apply" if others_left else "all labels are shown"


def unknown_in_dataset(
    state: ViewState,
    *,
    countries: Collection[str],
    labels: Collection[str],
    has_event: Callable[[str], bool],
) -> list[LinkNote]:
    """The link's well-formed values that the dataset shown does not hold: a country without
    events, a label no event has, an event id that is not there. The page drops them too."""
    notes: list[LinkNote] = []
    wanted = state.event_filter.countries
    for code in sorted(wanted - set(countries)):
        name = country_name(code)
        reason = "no such country code" if name == code else f"no events in {name} in this dataset"
        notes.append(
            LinkNote(P_COUNTRY, code, reason, _countries_instead(bool(wanted & set(countries))))
        )
    wanted_labels = state.event_filter.labels
    for label in sorted(wanted_labels - set(labels)):
        reason = "no event in this dataset has this label"
        others = bool(wanted_labels & set(labels))
        notes.append(LinkNote(P_LABEL, label, reason, _labels_instead(others)))
    if state.selected is not None and not has_event(state.selected):
        reason = "no event with that id in this dataset"
        notes.append(LinkNote(P_EVENT, state.selected, reason, NO_SELECTION))
    return notes


def to_query(state: ViewState) -> dict[str, str | list[str]]:
    """The query parameters that reproduce a view; defaults are left out to keep links short."""
    f = state.event_filter
    out: dict[str, str | list[str]] = {}
    if f.types:
        out[P_TYPE] = ",".join(sorted(t.value for t in f.types))
    if f.date_from:
        out[P_FROM] = f.date_from.isoformat()
    if f.date_to:
        out[P_TO] = f.date_to.isoformat()
    if f.countries:
        out[P_COUNTRY] = ",".join(sorted(f.countries))
    if f.text:
        out[P_TEXT] = f.text
    if f.precisions:
        out[P_PRECISION] = ",".join(str(p) for p in sorted(f.precisions))
    if f.labels:
        out[P_LABEL] = sorted(f.labels)
    if state.selected:
        out[P_EVENT] = state.selected
    if state.view:
        out[P_LAT] = f"{state.view.lat:.4f}"
        out[P_LON] = f"{state.view.lon:.4f}"
        out[P_ZOOM] = str(state.view.zoom)
    if state.tiles != "offline":
        out[P_TILES] = state.tiles
    if state.layer != "markers":
        out[P_LAYER] = state.layer
    return out


def with_selection(state: ViewState, selected: str | None) -> ViewState:
    return replace(state, selected=selected)
