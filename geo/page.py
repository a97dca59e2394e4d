"""Streamlit glue for app.py: caching, widget state <-> URL state, selection, error boundary.

app.py stays a thin list of widgets; everything that decides something lives here or deeper.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
import streamlit as st
from geopy.location import Location
from streamlit_folium import st_folium

from geo.assets import StaticURLs, install_assets, tiles_installed
from geo.catalog import Catalog, catalog_of
from geo.clusters import (
    LayerContent,
    Viewport,
    build_layer,
    layer_content,
    view_fitting,
    viewport_from_map_value,
    viewport_of_view,
)
from geo.errors import AmbiguousPlaceError, DataFileError, EventAtlasError, Problem
from geo.escape import escape_markdown
from geo.export import to_csv, to_geojson_text
from geo.filters import EventFilter
from geo.gazetteer import Gazetteer
from geo.importers import export_acled_csv, import_file
from geo.loader import load_events
from geo.mapview import SELECTED_ZOOM, build_base_map
from geo.model import Dataset, Event, country_name
from geo.popup import event_id_in_popup_text, panel_html, title_html
from geo.store import EventStore
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
K_MAP_CONTENT, K_MAP_VIEW, K_CENTRED_ON = "_map_content", "_map_view", "_centred_on"
MAP_KEY = "atlas_map"
TABLE_KEY = "events_table"
# Only the clicked popup comes back: panning and zooming never rerun the script.
MAP_RETURNED_OBJECTS = ["last_object_clicked_popup"]
# A large map needs the viewport: a pan or zoom reruns the script to aggregate what is in view.
LARGE_MAP_RETURNED_OBJECTS = ["last_object_clicked_popup", "bounds", "zoom"]
# A large dataset's table lists the events in view, up to this many.
TABLE_LIMIT = 1_000
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


@st.cache_resource(show_spinner="Opening the event store…", max_entries=4)
def _open_parquet(path: str, mtime_ns: int, size: int) -> EventStore:
    return EventStore.open(Path(path))


@st.cache_resource(show_spinner="Preparing a large dataset for the map…", max_entries=4)
def _store_of_dataset(key: str, _dataset: Dataset) -> EventStore:
    # `_dataset` is not hashed (too big); `key` names its file version or upload digest.
    folder = Path(tempfile.mkdtemp(prefix="event-atlas-"))
    return EventStore.write(_dataset.events, folder / "events.parquet", title=_dataset.title)


def _file_key(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return str(path), stat.st_mtime_ns, stat.st_size


def catalog_of_dataset(dataset: Dataset, key: str) -> Catalog:
    """A small dataset in memory; a large one in the engine, written once per version."""
    return catalog_of(dataset, lambda d: _store_of_dataset(key, d), search_aliases)


def open_events_file(path: Path) -> Catalog:
    """The configured events file as a catalog: Parquet through the engine, YAML by size."""
    if path.suffix.lower() == ".parquet":
        if not path.is_file():
            return EventStore.open(path)  # raises DataFileError naming the missing file
        return _open_parquet(*_file_key(path))
    dataset = load_dataset(path)
    return catalog_of_dataset(dataset, repr(_file_key(path)))


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


def uploaded_catalog() -> Catalog | None:
    """The sidebar's import box as a catalog, large uploads in the engine like large files."""
    found = uploaded_dataset()
    if found is None:
        return None
    dataset, digest = found
    return catalog_of_dataset(dataset, f"upload:{digest}")


def uploaded_dataset() -> tuple[Dataset, str] | None:
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
    data = upload.getvalue()
    dataset, problems = _import_upload_cached(upload.name, data, on_error)
    if problems:
        st.warning(f"{len(problems)} rows were skipped:")
        st.dataframe(
            pd.DataFrame(
                [(p.line, p.field, p.message) for p in problems],
                columns=["Row", "Column", "Problem"],
            ),
            hide_index=True,
        )
    return dataset, hashlib.sha256(data).hexdigest() + on_error


def url_state() -> tuple[ViewState, list[str]]:
    params = {key: st.query_params.get_all(key) for key in st.query_params}
    return parse_query(params)


def apply_url_once(state: ViewState, catalog: Catalog, default_tiles: str) -> None:
    """Put a link's filters into the widgets, once per browser session."""
    if st.session_state.get(K_URL_APPLIED):
        return
    st.session_state[K_URL_APPLIED] = True
    f = state.event_filter
    st.session_state[K_TYPES] = sorted(f.types, key=list(EventType).index)
    st.session_state[K_COUNTRIES] = sorted(f.countries & set(catalog.countries()))
    st.session_state[K_TEXT] = f.text
    st.session_state[K_PREC] = sorted(f.precisions)
    bounds = catalog.date_bounds()
    if bounds is not None:
        low, high = bounds
        start = min(max(f.date_from or low, low), high)
        end = max(min(f.date_to or high, high), start)
        st.session_state[K_DATES] = (start, end)
    has_tiles_param = bool(st.query_params.get_all("tiles"))
    st.session_state[K_TILES] = state.tiles if has_tiles_param else default_tiles
    known = state.selected is not None and catalog.event(state.selected) is not None
    st.session_state[K_SELECTED] = state.selected if known else None


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
    # Each lookup is a query on the gazetteer's file; many events share a place.
    by_place: dict[tuple[str, str], tuple[str, ...]] = {}
    aliases: dict[str, tuple[str, ...]] = {}
    for event in events:
        place = (event.place.name, event.place.country)
        if place not in by_place:
            by_place[place] = names.alternate_names(*place)
        aliases[event.id] = by_place[place]
    return aliases


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


def selected_event(catalog: Catalog, event_filter: EventFilter) -> Event | None:
    """The selected event, if the filters still show it."""
    selected = st.session_state.get(K_SELECTED)
    if not isinstance(selected, str) or not catalog.contains(event_filter, selected):
        return None
    return catalog.event(selected)


def handle_map_click(map_value: Mapping[str, Any] | None, catalog: Catalog) -> bool:
    """Select the event whose popup was opened on the map; True if the selection changed."""
    popup_text = (map_value or {}).get("last_object_clicked_popup")
    if popup_text is None or popup_text == st.session_state.get(K_LAST_CLICK):
        return False
    st.session_state[K_LAST_CLICK] = popup_text
    event_id = event_id_in_popup_text(popup_text)
    if event_id is None or event_id == st.session_state.get(K_SELECTED):
        return False
    if catalog.event(event_id) is None:
        return False
    st.session_state[K_SELECTED] = event_id
    return True


def take_map_click(catalog: Catalog) -> None:
    """Select the event clicked on the map before anything is drawn.

    streamlit-folium's value is in session state when the rerun it caused starts, so the map,
    table and detail panel of this very run already show the selection.
    """
    value = st.session_state.get(MAP_KEY)
    handle_map_click(value if isinstance(value, Mapping) else None, catalog)


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


def note_unplaced(count: int, events_file: Path) -> None:
    """Say how many shown events are missing from the map, and how to place them."""
    if not count:
        return
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


# -- large datasets ---------------------------------------------------------------------------
def _reported_viewport() -> Viewport | None:
    value = st.session_state.get(MAP_KEY)
    return viewport_from_map_value(value if isinstance(value, Mapping) else None)


def large_map_anchor(store: EventStore, link_view: MapView | None) -> MapView:
    """The view the base map is built with; kept while the user pans, so it is never remounted.

    A link's view wins, then the selected event, then the box around most of the events.
    """
    anchor_key = ("large", str(store.path), st.session_state.get(K_TILES))
    anchor: MapView | None = st.session_state.get(K_MAP_VIEW)
    if st.session_state.get(K_MAP_CONTENT) == anchor_key and anchor is not None:
        return anchor
    reported = _reported_viewport() if st.session_state.get(K_MAP_CONTENT) else None
    selected = store.event(str(st.session_state.get(K_SELECTED) or ""))
    extent = store.extent(trim=0.02)
    if reported is not None:
        anchor = reported.centre
    elif link_view is not None:
        anchor = link_view
    elif selected is not None and selected.place.point is not None:
        anchor = MapView(*selected.place.point, SELECTED_ZOOM)
    elif extent is not None:
        anchor = view_fitting(extent)
    else:
        anchor = MapView(49.0, 31.5, 6)
    st.session_state[K_MAP_VIEW] = anchor
    st.session_state[K_MAP_CONTENT] = anchor_key
    return anchor


def _move_to_selection(selected: Event | None, viewport: Viewport) -> MapView | None:
    """Centre on an event chosen off the map (table, link) once, if it is out of view."""
    if selected is None or selected.place.point is None:
        return None
    if st.session_state.get(K_CENTRED_ON) == selected.id:
        return None
    st.session_state[K_CENTRED_ON] = selected.id
    lat, lon = selected.place.point
    box = viewport.box
    if box.south <= lat <= box.north and box.west <= lon <= box.east:
        return None
    return MapView(lat, lon, max(viewport.zoom, SELECTED_ZOOM))


def large_map(
    store: EventStore,
    event_filter: EventFilter,
    urls: StaticURLs,
    link_view: MapView | None,
    jump: MapView | None,
    selected: Event | None,
) -> tuple[Viewport, LayerContent]:
    """Draw the aggregated map; returns the viewport it shows and what it drew there."""
    anchor = large_map_anchor(store, link_view)
    viewport = _reported_viewport() or viewport_of_view(anchor)
    move = jump or _move_to_selection(selected, viewport)
    if move is not None:
        viewport = viewport_of_view(move)
    content = layer_content(store, event_filter, viewport, selected)
    base = build_base_map(
        anchor,
        urls,
        st.session_state.get(K_TILES, "offline"),
        store.type_counts(EventFilter()),
        "in the dataset",
    )
    st_folium(
        base,
        key=MAP_KEY,
        height=620,
        use_container_width=True,
        returned_objects=LARGE_MAP_RETURNED_OBJECTS,
        feature_group_to_add=build_layer(content, viewport.zoom),
        center=(move.lat, move.lon) if move else None,
        zoom=move.zoom if move else None,
    )
    return viewport, content


def download_buttons(catalog: Catalog, event_filter: EventFilter, shown: Sequence[Event]) -> None:
    """CSV, GeoJSON and ACLED CSV of every event the filters keep.

    A large result is written only when its button is clicked, from the engine in batches.
    """
    writers: list[tuple[str, Callable[[Iterable[Event]], str], str, str]] = [
        ("Download CSV", to_csv, "events.csv", "text/csv"),
        ("Download GeoJSON", to_geojson_text, "events.geojson", "application/geo+json"),
        ("Download ACLED CSV", export_acled_csv, "events-acled.csv", "text/csv"),
    ]
    columns = st.columns([1, 1, 1, 2])
    for column, (label, write, file_name, mime) in zip(columns, writers, strict=False):
        data: str | Callable[[], str] = (
            _deferred(write, catalog, event_filter) if catalog.large else write(shown)
        )
        column.download_button(label, data, file_name=file_name, mime=mime)


def _deferred(
    write: Callable[[Iterable[Event]], str], catalog: Catalog, event_filter: EventFilter
) -> Callable[[], str]:
    def run() -> str:
        return write(catalog.iter_events(event_filter))

    return run


def table_caption(catalog: Catalog, shown_count: int, in_view: int | None) -> str | None:
    if not catalog.large or in_view is None:
        return None
    if in_view > shown_count:
        return (
            f"The first {shown_count:,} of the {in_view:,} matching events in the map's view, "
            "by date. Zoom in to narrow the list; the downloads hold every matching event."
        )
    return f"The {in_view:,} matching events in the map's view, by date."
