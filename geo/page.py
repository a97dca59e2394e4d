"""Streamlit glue for app.py: caching, widget state <-> URL state, selection, error boundary.

app.py stays a thin list of widgets; everything that decides something lives here or deeper.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
import streamlit as st
from geopy.location import Location

from geo.assets import StaticURLs, install_assets, tiles_installed
from geo.errors import AmbiguousPlaceError, DataFileError, EventAtlasError, Problem
from geo.escape import escape_markdown
from geo.filters import EventFilter, apply_filter, count_by_type, countries_of, date_bounds
from geo.gazetteer import Gazetteer
from geo.importers import import_file
from geo.loader import load_events
from geo.model import Dataset, Event, country_name
from geo.popup import event_id_from_popup_text, panel_html, title_html
from geo.urlstate import MapView, ViewState, parse_query, to_query
from geo.vocabulary import EventType, style_of

K_TYPES, K_DATES, K_COUNTRIES, K_TEXT, K_PREC, K_TILES = (
    "f_types",
    "f_dates",
    "f_countries",
    "f_text",
    "f_prec",
    "f_tiles",
)
K_SELECTED, K_LAST_CLICK, K_LAST_ROWS, K_TABLE_IDS, K_URL_APPLIED = (
    "selected",
    "_last_map_click",
    "_last_table_rows",
    "_table_ids",
    "_url_applied",
)
K_MAP_CONTENT, K_MAP_VIEW = "_map_content", "_map_view"
MAP_KEY = "atlas_map"
TABLE_KEY = "events_table"
# Only the clicked popup comes back: panning and zooming never rerun the script.
MAP_RETURNED_OBJECTS = ["last_object_clicked_popup"]
TILE_LABELS = {"offline": "Offline basemap", "osm": "OpenStreetMap (online)"}


@st.cache_resource(show_spinner=False)
def _prepare_assets(static_dir: str) -> None:
    progress = st.progress(0.0, text="Unpacking the offline basemap…")

    def report(done: int, total: int) -> None:
        progress.progress(done / total, text=f"Unpacking basemap tiles {done}/{total}")

    try:
        install_assets(Path(static_dir), report)
    finally:
        progress.empty()


def static_urls(app_dir: Path, url_prefix: str) -> StaticURLs:
    """Make sure the map's JS/CSS and tiles are in app_dir/static, and say where they are."""
    static_dir = app_dir / "static"
    if not tiles_installed(static_dir):
        _prepare_assets.clear()
    _prepare_assets(str(static_dir))
    return StaticURLs(url_prefix)


@st.cache_data(show_spinner="Loading events…", max_entries=8)
def _load_cached(path: str, mtime_ns: int, size: int) -> Dataset:
    # mtime and size are part of the cache key: editing the file reloads it.
    return load_events(path)


def load_dataset(path: Path) -> Dataset:
    try:
        stat = path.stat()
    except OSError:
        return load_events(path)  # raises DataFileError naming the missing file
    return _load_cached(str(path), stat.st_mtime_ns, stat.st_size)


def show_error(error: EventAtlasError) -> None:
    """The page's one error boundary: a clear banner, and every problem listed as plain text."""
    if isinstance(error, DataFileError):
        st.error(f"The events file cannot be shown: {error.summary}. Fix these and reload:")
        problems = pd.DataFrame(
            [(p.file, p.line, p.field, p.message) for p in error.problems],
            columns=["File", "Line", "Field", "Problem"],
        )
        st.dataframe(problems, hide_index=True, width="stretch")
    else:
        st.error(escape_markdown(str(error)))


UPLOAD_TYPES = ["geojson", "json", "csv", "yaml", "yml"]


def import_upload(name: str, data: bytes, on_error: str) -> tuple[Dataset, list[Problem]]:
    """An uploaded file as a dataset, with the rows it skipped; DataFileError if unusable."""
    suffix = Path(name).suffix.lower()
    if suffix.lstrip(".") not in UPLOAD_TYPES:
        raise DataFileError(
            [
                Problem(
                    name,
                    None,
                    "",
                    f"'{suffix}' files cannot be imported: use " + ", ".join(UPLOAD_TYPES),
                )
            ]
        )
    with tempfile.TemporaryDirectory() as folder:
        # Keep the user's file name (its last part only) so that problems name it.
        path = Path(folder) / Path(name).name
        path.write_bytes(data)
        if suffix in (".yaml", ".yml"):
            return load_events(path), []
        result = import_file(path, on_error="refuse" if on_error == "refuse" else "skip")
    return Dataset(title=f"Imported: {Path(name).name}", events=result.events), result.problems


@st.cache_data(show_spinner="Importing…", max_entries=4)
def _import_upload_cached(name: str, data: bytes, on_error: str) -> tuple[Dataset, list[Problem]]:
    return import_upload(name, data, on_error)


def uploaded_dataset() -> Dataset | None:
    """The sidebar's import box: a file shown for this browser session instead of the default."""
    with st.sidebar.expander("Import a file"):
        upload = st.file_uploader(
            "GeoJSON, CSV, ACLED CSV or events YAML", type=UPLOAD_TYPES, key="upload"
        )
        on_error = st.radio(
            "Bad rows",
            ["skip", "refuse"],
            horizontal=True,
            key="upload_on_error",
            help="skip: import the good rows and list the bad ones; refuse: import nothing",
        )
    if upload is None:
        return None
    dataset, problems = _import_upload_cached(upload.name, upload.getvalue(), on_error)
    if problems:
        st.warning(f"{len(problems)} rows were skipped:")
        st.dataframe(
            pd.DataFrame(
                [(p.line, p.field, p.message) for p in problems],
                columns=["Row", "Column", "Problem"],
            ),
            hide_index=True,
        )
    return dataset


def url_state() -> tuple[ViewState, list[str]]:
    params = {key: st.query_params.get_all(key) for key in st.query_params}
    return parse_query(params)


def apply_url_once(state: ViewState, dataset: Dataset, default_tiles: str) -> None:
    """Put a link's filters into the widgets, once per browser session."""
    if st.session_state.get(K_URL_APPLIED):
        return
    st.session_state[K_URL_APPLIED] = True
    f = state.event_filter
    ids = {e.id for e in dataset.events}
    st.session_state[K_TYPES] = sorted(f.types, key=list(EventType).index)
    st.session_state[K_COUNTRIES] = sorted(f.countries & set(countries_of(dataset.events)))
    st.session_state[K_TEXT] = f.text
    st.session_state[K_PREC] = sorted(f.precisions)
    bounds = date_bounds(dataset.events)
    if bounds is not None:
        low, high = bounds
        start = min(max(f.date_from or low, low), high)
        end = max(min(f.date_to or high, high), start)
        st.session_state[K_DATES] = (start, end)
    has_tiles_param = bool(st.query_params.get_all("tiles"))
    st.session_state[K_TILES] = state.tiles if has_tiles_param else default_tiles
    st.session_state[K_SELECTED] = state.selected if state.selected in ids else None


def map_view(
    shown: Sequence[Event], link_view: MapView | None, jump: MapView | None = None
) -> MapView | None:
    """The view the map is built with: it changes only when the map's content changes.

    The map's own script writes the view into the URL as the user pans. Rebuilding the map at
    that view on every rerun would change its script, and streamlit-folium then mounts a new
    component and drops the click that caused the rerun. So the view is taken from the URL only
    when the map has to be rebuilt anyway (other events, selection or basemap), and the map
    reopens where the user left it.
    """
    content = (
        tuple(e.id for e in shown),
        st.session_state.get(K_SELECTED),
        st.session_state.get(K_TILES),
    )
    if jump is not None:
        st.session_state[K_MAP_VIEW] = jump
    elif st.session_state.get(K_MAP_CONTENT) != content:
        st.session_state[K_MAP_VIEW] = link_view
    st.session_state[K_MAP_CONTENT] = content
    view: MapView | None = st.session_state.get(K_MAP_VIEW)
    return view


@st.cache_resource(show_spinner="Loading the offline gazetteer (first time only)…")
def gazetteer() -> Gazetteer:
    return Gazetteer()


def search_aliases(
    events: Sequence[Event], event_filter: EventFilter
) -> dict[str, tuple[str, ...]] | None:
    """Other names of each event's place, so a search for 'Kharkov' finds Kharkiv.

    Only looked up when there is text to search: the gazetteer then loads once per process.
    """
    if not event_filter.text.strip():
        return None
    names = gazetteer()
    return {e.id: names.alternate_names(e.place.name, e.place.country) for e in events}


GO_TO_ZOOM = {"city": 10, "region": 7, "country": 5}


def go_to_place() -> MapView | None:
    """The "go to place" box: geocodes offline on submit, never per keystroke."""
    with st.form("go_to_place", border=False):
        query = st.text_input(
            "Go to place", max_chars=100, placeholder="e.g. Kharkiv, Київ, Gomel region"
        )
        submitted = st.form_submit_button("Go")
    if not submitted or not query.strip():
        return None
    try:
        found = gazetteer().geocode(query.strip())
    except AmbiguousPlaceError as error:
        st.warning(escape_markdown(str(error)))
        return None
    if not isinstance(found, Location):
        st.warning(escape_markdown(f"No place called '{query.strip()}' in the offline gazetteer."))
        return None
    raw = found.raw if isinstance(found.raw, dict) else {}
    note = "close match: " if raw.get("fuzzy") else ""
    st.caption(escape_markdown(f"Centred on {note}{found.address}"))
    zoom = GO_TO_ZOOM.get(str(raw.get("kind")), 8)
    return MapView(round(found.latitude, 4), round(found.longitude, 4), zoom)


def type_option_label(event_type: EventType, counts: Mapping[EventType, int]) -> str:
    style = style_of(event_type)
    return f"{style.symbol} {style.label} ({counts.get(event_type, 0)})"


def widget_filter(bounds: tuple[dt.date, dt.date] | None) -> EventFilter:
    dates: Sequence[dt.date] = st.session_state.get(K_DATES) or ()
    date_from = dates[0] if len(dates) >= 1 else None
    date_to = dates[1] if len(dates) >= 2 else None
    if bounds is not None:
        # The full range is "no date filter": keeps links short and new events visible.
        date_from = None if date_from == bounds[0] else date_from
        date_to = None if date_to == bounds[1] else date_to
    return EventFilter(
        types=frozenset(st.session_state.get(K_TYPES) or ()),
        date_from=date_from,
        date_to=date_to,
        countries=frozenset(st.session_state.get(K_COUNTRIES) or ()),
        text=str(st.session_state.get(K_TEXT) or "")[:200],
        precisions=frozenset(st.session_state.get(K_PREC) or ()),
    )


def type_counts_without_type_filter(
    events: Sequence[Event], f: EventFilter, aliases: Mapping[str, Sequence[str]] | None = None
) -> dict[EventType, int]:
    return count_by_type(apply_filter(events, replace(f, types=frozenset()), aliases))


def selected_event(events: Sequence[Event]) -> Event | None:
    selected = st.session_state.get(K_SELECTED)
    return next((e for e in events if e.id == selected), None)


def handle_map_click(map_value: Mapping[str, Any] | None, events: Sequence[Event]) -> bool:
    """Select the event whose popup was opened on the map; True if the selection changed."""
    popup_text = (map_value or {}).get("last_object_clicked_popup")
    if popup_text is None or popup_text == st.session_state.get(K_LAST_CLICK):
        return False
    st.session_state[K_LAST_CLICK] = popup_text
    event_id = event_id_from_popup_text(popup_text, {e.id for e in events})
    if event_id is None or event_id == st.session_state.get(K_SELECTED):
        return False
    st.session_state[K_SELECTED] = event_id
    return True


def _table_rows() -> list[int]:
    value = st.session_state.get(TABLE_KEY)
    try:
        rows = value["selection"]["rows"]  # type: ignore[index]
    except (KeyError, TypeError):
        return []
    return [int(r) for r in rows]


def handle_table_selection() -> None:
    """Select the event picked in the table at the last run (table -> map).

    Row numbers refer to the table as it was drawn then, so they are resolved through the ids
    recorded at that time, not through today's (maybe re-filtered) list.
    """
    rows = _table_rows()
    if rows == st.session_state.get(K_LAST_ROWS, []):
        return
    drawn: list[str] = st.session_state.get(K_TABLE_IDS, [])
    st.session_state[K_SELECTED] = drawn[rows[0]] if rows and 0 <= rows[0] < len(drawn) else None


def table_selection_before_render(events: Sequence[Event]) -> None:
    """Show the current selection as the table's selected row (map -> table)."""
    ids = [e.id for e in events]
    selected = st.session_state.get(K_SELECTED)
    rows = [ids.index(selected)] if selected in ids else []
    st.session_state[TABLE_KEY] = {"selection": {"rows": rows, "columns": []}}
    st.session_state[K_LAST_ROWS] = rows
    st.session_state[K_TABLE_IDS] = ids


def sync_url(event_filter: EventFilter, view: MapView | None) -> None:
    """Write the current view into the URL, so a copied link reopens it."""
    state = ViewState(
        event_filter=event_filter,
        selected=st.session_state.get(K_SELECTED),
        view=view,
        tiles=st.session_state.get(K_TILES, "offline"),
    )
    wanted = to_query(state)
    current = {key: ",".join(st.query_params.get_all(key)) for key in st.query_params}
    if current != wanted:
        st.query_params.from_dict(wanted)


def note_unplaced(shown: Sequence[Event], events_file: Path) -> None:
    """Say which shown events are missing from the map, and how to place them."""
    unplaced = [e for e in shown if not e.located]
    if not unplaced:
        return
    count = len(unplaced)
    st.info(
        f"{count} of the events shown {'has' if count == 1 else 'have'} no coordinates yet, "
        "so the map leaves them out (they are in the table). Place them with:"
    )
    # st.code shows the command verbatim: no Markdown is parsed in it.
    st.code(f"python -m geo geocode {events_file} --write", language="bash")


def show_title(title: str | None) -> None:
    st.html(title_html(title or "Event Atlas"))


def show_event_detail(event: Event) -> None:
    st.html(panel_html(event))
    for source in event.sources:
        if source.url:
            # Button labels are Markdown: name the link by its host, escaped, not by free text.
            host = urlsplit(source.url).hostname or "link"
            st.link_button(f"Open source ↗ {escape_markdown(host)}", source.url)


def country_label(code: str) -> str:
    return f"{country_name(code)} ({code})"
