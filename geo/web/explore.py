"""The map, the detail panel and the table: three fragments that rerun alone.

A page open draws them once. After that:
- a click on the map, or a row picked in the table, reruns the three of them (a new selection),
  never the sidebar;
- a pan or zoom of a large map reruns the map and the table (the events in view);
- a change in the sidebar reruns the whole page (it changes everything).

What they draw is shared by every reader: the base map is rendered once per opening view and
basemap, an event layer once per (data version, filters, view cell, selection), a table once
per (data version, filters, view cell). A hundred readers of one link cost one render.
Per session, only widget state and a few small keys are kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from geo.catalog import Catalog
from geo.errors import EventAtlasError
from geo.filters import EventFilter
from geo.map.assets import StaticURLs
from geo.map.base import DEFAULT_VIEW, SELECTED_ZOOM, MapStart, build_base_map
from geo.map.cells import (
    Viewport,
    layer_cell,
    view_fitting,
    viewport_from_map_value,
    viewport_of_view,
)
from geo.map.layer import layer_content, layer_payload, layer_script
from geo.map.popup import event_id_in_popup_text
from geo.map.theatre import theatre_box
from geo.memo import Memo
from geo.model import Event
from geo.store import BBox, QueryTooSlowError
from geo.table import STACKED_COLUMN, events_table, stacked_events
from geo.urlstate import MapView
from geo.web import budget, page
from geo.web.component import MapRender, render_base_map, show_map
from geo.web.drawer import close_after_choice
from geo.web.timeline import timeline_section

MB = 1024 * 1024
MAP_KEY = "atlas_map"
TABLE_KEY = "events_table"
# The same events stacked in one column, the table a narrow screen shows instead.
STACKED_KEY = "events_stacked"
MAP_HEIGHT = 620
# A small map reports clicks only: panning is the browser's business and reruns nothing.
MAP_RETURNED_OBJECTS = ["last_object_clicked_popup", "last_object_clicked_count"]
# A large map also reports its viewport: what is in view is aggregated on the server.
LARGE_MAP_RETURNED_OBJECTS = [*MAP_RETURNED_OBJECTS, "bounds", "zoom"]
# A large dataset's table lists the events in view, up to this many.
TABLE_LIMIT = 1_000
# Rows a finger can pick on a phone.
TABLE_ROW_PX = 40
# The stacked list's rows: room for four wrapped lines on a phone (the grid wraps a cell's text
# only in rows taller than 64 px).
STACKED_ROW_PX = 92
STACKED_HEIGHT = 460
# The list's rows: a phone shows five at a time; past this, zooming in narrows it. Its rows
# are the table's first, in order, so a row number means the same event in both; every reader
# is sent both tables, so the list is kept short (the table's bytes are what an open costs).
STACKED_LIMIT = 200
# One of the two tables is shown: the columns from 641 px up, the stacked list below (where
# Streamlit stacks the page's columns too). The grid draws on a canvas: CSS can hide a whole
# table, not its columns.
TABLE_CSS = """<style>
@media (max-width: 640px) { .st-key-ea-table-columns { display: none; } }
@media (min-width: 641px) { .st-key-ea-table-stacked { display: none; } }
</style>"""
# Fragment keys, for reruns aimed at them from a callback.
F_MAP, F_DETAIL, F_TABLE = "map", "detail", "table"

# Per session: where the map opened, the last click handled, a pending move, the table drawn,
# the key of the layer the map shows.
K_START, K_CLICK, K_MOVE, K_TABLE_DRAWN = "_map_start", "_map_click", "_map_move", "_table_drawn"
K_LAST_LAYER = "_map_layer"
# No layer bigger than this goes to a browser (Streamlit refuses messages over its
# server.maxMessageSize anyway: 16 MB in .streamlit/config.toml).
LAYER_BYTES = 8 * MB

# Renders shared by every session of this process (read-only once made).
# Bounded in bytes too: a client asking for many different views fills no memory with them.
_BASE_MAPS: Memo[tuple[MapStart, str, str]] = Memo(32, max_bytes=64 * MB)
_LAYERS: Memo[tuple[Any, ...]] = Memo(256, max_bytes=128 * MB)
_TABLES: Memo[tuple[Any, ...]] = Memo(64, max_bytes=64 * MB)


# -- where the map opens, and what it shows ---------------------------------------------------
def map_start(catalog: Catalog, link_view: MapView | None, event_filter: EventFilter) -> MapStart:
    """Where this reader's map opens; kept for the session, so the map is never remounted.

    A link's view wins, then the linked event, then the theatre of the events the link's
    filters show (geo.map.theatre).
    """
    wanted = (catalog.version, st.session_state.get(page.K_TILES))
    kept = st.session_state.get(K_START)
    if isinstance(kept, tuple) and kept[0] == wanted:
        start: MapStart = kept[1]
        return start
    selected = catalog.event(str(st.session_state.get(page.K_SELECTED) or ""))
    if link_view is not None:
        start = link_view
    elif selected is not None and selected.place.point is not None:
        start = MapView(*selected.place.point, SELECTED_ZOOM)
    else:
        start = theatre_box(catalog.placed_counts(event_filter)) or DEFAULT_VIEW
    st.session_state[K_START] = (wanted, start)
    return start


def _opening_view(start: MapStart) -> MapView:
    """The view the map opens at, no closer than the basemap allows (the browser would clamp
    it: estimated at the same zoom, its first report asks for nothing new)."""
    return page.within_basemap(start if isinstance(start, MapView) else view_fitting(start))


def base_render(start: MapStart, urls: StaticURLs, tiles: str) -> MapRender:
    """The base map's render, made once for every reader who opens the map this way."""
    return _BASE_MAPS.get(
        (start, tiles, urls.prefix), lambda: render_base_map(build_base_map(start, urls, tiles))
    )


def current_viewport(start: MapStart) -> Viewport:
    """The view of a large map: as its browser last reported it, else estimated at opening."""
    return _reported_viewport() or viewport_of_view(_opening_view(start))


def _reported_viewport() -> Viewport | None:
    """The view of the map as its browser last reported it, if it has."""
    value = st.session_state.get(MAP_KEY)
    return viewport_from_map_value(value if isinstance(value, Mapping) else None)


def _layer(
    catalog: Catalog, event_filter: EventFilter, selected: Event | None, viewport: Viewport | None
) -> str:
    """The event layer for this view, shared by every reader. A new one is made within the
    session's budget and the store's time limit; past either, the map keeps the layer it
    shows and says why."""
    selected_id = selected.id if selected is not None else None
    density = catalog.large and page.density_shown() == "density"
    shows = (catalog.version, event_filter, selected_id, density)
    view = layer_cell(viewport, _shown_cell(shows)) if viewport is not None else None
    key = (catalog.version, event_filter, selected_id, view, density)

    def make() -> str:
        with catalog.time_limit(budget.REQUEST_SECONDS):
            content = layer_content(catalog, event_filter, view, selected, density)
        zoom = view.zoom if view is not None else None
        script = layer_script(layer_payload(content, zoom))
        if len(script) > LAYER_BYTES:
            raise LayerTooBigError(
                f"this view would send {len(script) / MB:.0f} MB to the browser: zoom in, or "
                "narrow the filters"
            )
        return script

    if not _LAYERS.knows(key) and budget.exhausted():
        st.caption(budget.wait_message())
        return _last_layer()
    try:
        script = _LAYERS.get(key, budget.charged(make))
    except (QueryTooSlowError, LayerTooBigError) as error:
        st.warning(f"The map was not redrawn: {error}.")
        return _last_layer()
    st.session_state[K_LAST_LAYER] = key
    return script


class LayerTooBigError(EventAtlasError):
    """A layer bigger than a browser should be sent."""


def _shown_cell(shows: tuple[Any, ...]) -> Viewport | None:
    """The cell of the layer this session's map shows, if it shows the same events (data,
    filters, selection, density) that are asked for now."""
    last = st.session_state.get(K_LAST_LAYER)
    if not isinstance(last, tuple) or len(last) != 5 or last[:3] + last[4:] != shows:
        return None
    return last[3] if isinstance(last[3], Viewport) else None


def _last_layer() -> str:
    """The layer this session's map shows now, while it is still remembered; else none."""
    kept = _LAYERS.peek(st.session_state.get(K_LAST_LAYER, ()))
    return kept if isinstance(kept, str) else ""


# -- selection ---------------------------------------------------------------------------------
def selected_event(catalog: Catalog, event_filter: EventFilter) -> Event | None:
    """The selected event, if the filters still show it."""
    selected = st.session_state.get(page.K_SELECTED)
    if not isinstance(selected, str) or not catalog.contains(event_filter, selected):
        return None
    return catalog.event(selected)


def _select(event_id: str | None) -> bool:
    changed = event_id != st.session_state.get(page.K_SELECTED)
    st.session_state[page.K_SELECTED] = event_id
    return changed


def take_map_click(catalog: Catalog, value: Mapping[str, Any] | None, mount: str) -> bool:
    """Select the event whose marker was clicked; True if the selection changed.

    A click is new when the map's click count moved (the same popup clicked twice is still a
    click; a newly mounted map counts from 0 again); the event is named by the id line of its
    popup, full or stub.
    """
    value = value or {}
    count = value.get("last_object_clicked_count")
    if not isinstance(count, int) or (mount, count) == st.session_state.get(K_CLICK, (mount, 0)):
        return False
    st.session_state[K_CLICK] = (mount, count)
    event_id = event_id_in_popup_text(value.get("last_object_clicked_popup"))
    if event_id is None or catalog.event(event_id) is None:
        return False
    return _select(event_id)


def _rerun_only(fragments: list[str]) -> None:
    """Rerun just these fragments, when the reader's action was aimed at a fragment.

    A keyed rerun replaces the interaction's own rerun: called while the whole page reruns
    (a sidebar change that came with a map or table value), it would cancel that run and leave
    the page on the old filters. A whole-page run draws every fragment anyway.
    """
    ctx = get_script_run_ctx()
    if ctx is not None and ctx.fragment_ids_this_run:
        st.rerun(fragments)


def _on_map_change(catalog: Catalog, mount: str) -> None:
    value = st.session_state.get(MAP_KEY)
    clicked = take_map_click(catalog, value if isinstance(value, Mapping) else None, mount)
    if clicked:
        _rerun_only([F_MAP, F_DETAIL, F_TABLE])
    elif catalog.large:
        # The view moved (or the map reported its real size): map and table follow.
        _rerun_only([F_MAP, F_TABLE])
    else:
        _rerun_only([F_MAP])


def _table_rows(key: str) -> list[int]:
    value = st.session_state.get(key)
    try:
        rows = value["selection"]["rows"]  # type: ignore[index]
    except (KeyError, TypeError):
        return []
    return [int(r) for r in rows]


def _on_table_select(catalog: Catalog, key: str) -> None:
    """Select the event picked in the table, and bring the map to it.

    Row numbers refer to the table as it was drawn, so they are read through that table (its
    filters and view), not through today's, maybe re-filtered, list.
    """
    rows = _table_rows(key)
    drawn = st.session_state.get(K_TABLE_DRAWN)
    ids = list(_table(catalog, *drawn).index) if isinstance(drawn, tuple) else []
    event_id = ids[rows[0]] if rows and 0 <= rows[0] < len(ids) else None
    if _select(event_id) and event_id is not None:
        st.session_state[K_MOVE] = event_id
    _rerun_only([F_MAP, F_DETAIL, F_TABLE])


# -- the fragments -------------------------------------------------------------------------------
Move = tuple[tuple[float, float], int | None]


def _pending_move(catalog: Catalog, viewport: Viewport | None) -> Move | None:
    """A move asked for off the map, sent to the map once: the centre, and a zoom or None.

    Go-to-place gives both. A table row brings its event to the centre of a small map at the
    reader's zoom; a large map moves only if the event is out of view.
    """
    move = st.session_state.pop(K_MOVE, None)
    if isinstance(move, MapView):
        return (move.lat, move.lon), move.zoom
    event = catalog.event(move) if isinstance(move, str) else None
    if event is None or event.place.point is None:
        return None
    lat, lon = event.place.point
    if viewport is None:
        return (lat, lon), None
    box = viewport.box
    if box.south <= lat <= box.north and box.west <= lon <= box.east:
        return None
    return (lat, lon), page.within_basemap(
        MapView(lat, lon, max(viewport.zoom, SELECTED_ZOOM))
    ).zoom


@st.fragment(key=F_MAP)
def map_fragment(catalog: Catalog, event_filter: EventFilter, urls: StaticURLs) -> None:
    # The URL as the browser has it now: a small map writes its own view there as it pans.
    link_view = page.url_state()[0].view
    tiles = str(st.session_state.get(page.K_TILES, "offline"))
    start = map_start(catalog, link_view, event_filter)
    render = base_render(start, urls, tiles)
    mount = render.component_key(MAP_KEY)
    selected = selected_event(catalog, event_filter)
    viewport = current_viewport(start) if catalog.large else None
    move = _pending_move(catalog, viewport)
    if viewport is not None and move is not None and move[1] is not None:
        viewport = viewport_of_view(MapView(*move[0], move[1]))
    show_map(
        render,
        key=MAP_KEY,
        layer=_layer(catalog, event_filter, selected, viewport),
        returned_objects=LARGE_MAP_RETURNED_OBJECTS if catalog.large else MAP_RETURNED_OBJECTS,
        on_change=lambda: _on_map_change(catalog, mount),
        height=MAP_HEIGHT,
        center=move[0] if move else None,
        zoom=move[1] if move else None,
    )
    url_view = link_view
    if viewport is not None:
        url_view = viewport.centre
    elif move is not None and move[1] is not None:
        url_view = MapView(*move[0], move[1])
    page.sync_url(event_filter, url_view)


@st.fragment(key=F_DETAIL)
def detail_fragment(catalog: Catalog, event_filter: EventFilter) -> None:
    chosen = selected_event(catalog, event_filter)
    if chosen is None:
        st.info("Click a marker or a table row to see the event's details, figures and sources.")
    else:
        page.show_event_detail(chosen)


def _table(catalog: Catalog, event_filter: EventFilter, box: BBox | None) -> pd.DataFrame:
    limit = TABLE_LIMIT if catalog.large else None

    def make() -> pd.DataFrame:
        with catalog.time_limit(budget.REQUEST_SECONDS):
            return events_table(catalog.events(event_filter, box, limit=limit))

    return _TABLES.get((catalog.version, event_filter, box), budget.charged(make))


@st.fragment(key=F_TABLE)
def table_fragment(catalog: Catalog, event_filter: EventFilter) -> None:
    box = None
    if catalog.large:
        # The map's view itself, not the wider box its layer is drawn for: the table lists
        # exactly the events the reader sees in the map. Its size is known once the map has
        # reported it: listed before, the events of a guessed view would be sent twice.
        reported = _reported_viewport()
        if reported is None:
            st.subheader("Events", anchor=False)
            st.caption("The events in the map's view are listed here once the map is drawn.")
            return
        box = reported.box
        drawn = st.session_state.get(K_TABLE_DRAWN)
        if not _TABLES.knows((catalog.version, event_filter, box)) and budget.exhausted():
            # Past the session's budget: the table it shows, while it is remembered.
            st.caption(budget.wait_message())
            if not isinstance(drawn, tuple) or not _TABLES.knows((catalog.version, *drawn)):
                return
            event_filter, box = drawn
    try:
        table = _table(catalog, event_filter, box)
    except QueryTooSlowError as error:
        st.warning(f"The table was not redrawn: {error}.")
        return
    st.session_state[K_TABLE_DRAWN] = (event_filter, box)
    st.subheader("Events", anchor=False)
    if box is not None:
        st.caption(table_caption(len(table), catalog.count(event_filter, box)))
    # The selection shows as the table's selected row (map -> table).
    ids = list(table.index)
    selected = st.session_state.get(page.K_SELECTED)
    rows = [ids.index(selected)] if selected in ids else []
    for key in (TABLE_KEY, STACKED_KEY):
        # The grid's own value's shape, so that an unchanged selection is not a change.
        st.session_state[key] = {"selection": {"rows": rows, "columns": [], "cells": []}}
    st.html(TABLE_CSS)
    with st.container(key="ea-table-columns"):
        st.dataframe(
            table,
            key=TABLE_KEY,
            on_select=lambda: _on_table_select(catalog, TABLE_KEY),
            selection_mode="single-row",
            hide_index=True,
            width="stretch",
            row_height=TABLE_ROW_PX,
        )
    with st.container(key="ea-table-stacked"):
        if len(table) > STACKED_LIMIT:
            st.caption(f"The first {STACKED_LIMIT} of these, by date: zoom in to narrow the list.")
        st.dataframe(
            stacked_events(table.head(STACKED_LIMIT)),
            key=STACKED_KEY,
            on_select=lambda: _on_table_select(catalog, STACKED_KEY),
            selection_mode="single-row",
            hide_index=True,
            width="stretch",
            height=STACKED_HEIGHT,
            row_height=STACKED_ROW_PX,
            # Sized small, stretched to the table's width: its text wraps inside the screen.
            column_config={STACKED_COLUMN: st.column_config.TextColumn(width="small")},
        )


def table_caption(shown_count: int, in_view: int) -> str:
    if in_view > shown_count:
        return (
            f"The first {shown_count:,} of the {in_view:,} matching events in the map's view, "
            "by date. Zoom in to narrow the list; the downloads hold every matching event."
        )
    return f"The {in_view:,} matching events in the map's view, by date."


def explore(
    catalog: Catalog,
    event_filter: EventFilter,
    urls: StaticURLs,
    jump: MapView | None,
    bounds: tuple[dt.date, dt.date] | None,
) -> None:
    """The map with the detail panel beside it, the timeline under them, and the table."""
    close_after_choice()  # on a phone, the map the filters changed comes into sight
    if jump is not None:
        st.session_state[K_MOVE] = jump
    map_col, detail_col = st.columns([2.6, 1], gap="medium")
    with map_col:
        map_fragment(catalog, event_filter, urls)
    with detail_col:
        detail_fragment(catalog, event_filter)
    timeline_section(catalog, event_filter, bounds)
    table_fragment(catalog, event_filter)


__all__: Sequence[str] = ["explore", "selected_event", "take_map_click"]
