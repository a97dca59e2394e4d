"""Event Atlas: the page. It only wires widgets to `geo`; all decisions live in the library."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit_folium import st_folium

import geo
from geo.web import page

APP_DIR = Path(__file__).resolve().parent

st.set_page_config(page_title="Event Atlas", page_icon="🗺️", layout="wide")

try:
    urls = page.static_urls(APP_DIR, geo.settings.static_url())
    default_tiles = geo.settings.default_tiles()
    events_file = geo.settings.events_path(APP_DIR)
    catalog = page.uploaded_catalog() or page.open_events_file(events_file)
except geo.EventAtlasError as error:
    st.title("Event Atlas")
    page.show_error(error)
    st.stop()

state, ignored = page.url_state()
page.apply_url_once(state, catalog, default_tiles)
bounds = catalog.date_bounds()
# Widget values are in session state before the widgets are drawn: one filter serves the
# counts in the sidebar and the page below.
event_filter = page.widget_filter(bounds)

with st.sidebar:
    st.header("Filters")
    type_counts = geo.type_counts_without_type_filter(catalog, event_filter)
    st.multiselect(
        "Event type",
        options=geo.type_options(catalog),
        format_func=lambda t: page.type_option_label(t, type_counts),
        key=page.K_TYPES,
        placeholder="All types",
    )
    if bounds is not None:
        st.date_input("Date range", min_value=bounds[0], max_value=bounds[1], key=page.K_DATES)
    st.multiselect(
        "Country",
        options=catalog.countries(),
        format_func=page.country_label,
        key=page.K_COUNTRIES,
        placeholder="All countries",
    )
    st.text_input("Search title, summary, place", key=page.K_TEXT, max_chars=200)
    st.multiselect(
        "Location precision",
        options=[1, 2, 3],
        format_func=lambda p: geo.GEO_PRECISION_LABELS[p],
        key=page.K_PREC,
        placeholder="Any precision",
    )
    jump = page.go_to_place()
    st.radio(
        "Basemap",
        options=list(page.TILE_LABELS),
        format_func=page.TILE_LABELS.get,
        key=page.K_TILES,
        horizontal=True,
    )

page.handle_table_selection()
page.take_map_click(catalog)
matching = catalog.count(event_filter)
chosen = page.selected_event(catalog, event_filter)

page.show_title(catalog.title)
st.markdown(f"**{matching:,} of {catalog.total():,} events shown**")
if ignored:
    st.caption("Ignored from the link (not understood): " + ", ".join(ignored))
page.note_unplaced(catalog.unplaced_count(event_filter), events_file)

map_col, detail_col = st.columns([2.6, 1], gap="medium")
with map_col:
    if isinstance(catalog, geo.EventStore):
        viewport, drawn = page.large_map(catalog, event_filter, urls, state.view, jump, chosen)
        shown = catalog.events(event_filter, viewport.box, limit=page.TABLE_LIMIT)
        in_view: int | None = catalog.count(event_filter, viewport.box)
        url_view = viewport.centre
    else:
        shown = catalog.events(event_filter)
        in_view, url_view = None, jump or state.view
        the_map = geo.build_map(
            shown,
            urls,
            selected_id=st.session_state.get(page.K_SELECTED),
            view=page.map_view(shown, state.view, jump),
            tiles=st.session_state[page.K_TILES],
        )
        # A click comes back through session state: page.take_map_click reads it next run.
        st_folium(
            the_map,
            key=page.MAP_KEY,
            height=620,
            use_container_width=True,
            returned_objects=page.MAP_RETURNED_OBJECTS,
        )

with detail_col:
    if chosen is None:
        st.info("Click a marker or a table row to see the event's details, figures and sources.")
    else:
        page.show_event_detail(chosen)

st.subheader("Events", anchor=False)
caption = page.table_caption(catalog, len(shown), in_view)
if caption:
    st.caption(caption)
page.table_selection_before_render(shown)
st.dataframe(
    geo.events_table(shown),
    key=page.TABLE_KEY,
    on_select="rerun",
    selection_mode="single-row",
    hide_index=True,
    width="stretch",
)
page.download_buttons(catalog, event_filter, shown)

page.sync_url(event_filter, url_view)
