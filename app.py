"""Event Atlas: the page. It only wires widgets to `geo`; all decisions live in the library."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit_folium import st_folium

import geo
from geo import page

APP_DIR = Path(__file__).resolve().parent

st.set_page_config(page_title="Event Atlas", page_icon="🗺️", layout="wide")

try:
    urls = page.static_urls(APP_DIR, geo.settings.static_url())
    default_tiles = geo.settings.default_tiles()
    events_file = geo.settings.events_path(APP_DIR)
    dataset = page.uploaded_dataset() or page.load_dataset(events_file)
except geo.EventAtlasError as error:
    st.title("Event Atlas")
    page.show_error(error)
    st.stop()

events = dataset.events
state, ignored = page.url_state()
page.apply_url_once(state, dataset, default_tiles)
bounds = geo.date_bounds(events)
# Widget values are in session state before the widgets are drawn: one filter serves the
# counts in the sidebar and the page below.
event_filter = page.widget_filter(bounds)
aliases = page.search_aliases(events, event_filter)

with st.sidebar:
    st.header("Filters")
    type_counts = page.type_counts_without_type_filter(events, event_filter, aliases)
    st.multiselect(
        "Event type",
        options=list(geo.count_by_type(events)),
        format_func=lambda t: page.type_option_label(t, type_counts),
        key=page.K_TYPES,
        placeholder="All types",
    )
    if bounds is not None:
        st.date_input("Date range", min_value=bounds[0], max_value=bounds[1], key=page.K_DATES)
    st.multiselect(
        "Country",
        options=geo.countries_of(events),
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

shown = geo.apply_filter(events, event_filter, aliases)
page.handle_table_selection()

page.show_title(dataset.title)
st.markdown(f"**{len(shown)} of {len(events)} events shown**")
if ignored:
    st.caption("Ignored from the link (not understood): " + ", ".join(ignored))
page.note_unplaced(shown, events_file)

map_col, detail_col = st.columns([2.6, 1], gap="medium")
with map_col:
    the_map = geo.build_map(
        shown,
        urls,
        selected_id=st.session_state.get(page.K_SELECTED),
        view=page.map_view(shown, state.view, jump),
        tiles=st.session_state[page.K_TILES],
    )
    map_value = st_folium(
        the_map,
        key=page.MAP_KEY,
        height=620,
        use_container_width=True,
        returned_objects=page.MAP_RETURNED_OBJECTS,
    )
    if page.handle_map_click(map_value, shown):
        st.rerun()

with detail_col:
    chosen = page.selected_event(shown)
    if chosen is None:
        st.info("Click a marker or a table row to see the event's details, figures and sources.")
    else:
        page.show_event_detail(chosen)

st.subheader("Events", anchor=False)
page.table_selection_before_render(shown)
st.dataframe(
    geo.events_table(shown),
    key=page.TABLE_KEY,
    on_select="rerun",
    selection_mode="single-row",
    hide_index=True,
    width="stretch",
)

csv_col, geojson_col, acled_col, _ = st.columns([1, 1, 1, 2])
csv_col.download_button("Download CSV", geo.to_csv(shown), file_name="events.csv", mime="text/csv")
geojson_col.download_button(
    "Download GeoJSON",
    geo.to_geojson_text(shown),
    file_name="events.geojson",
    mime="application/geo+json",
)
acled_col.download_button(
    "Download ACLED CSV",
    geo.export_acled_csv(shown),
    file_name="events-acled.csv",
    mime="text/csv",
)

page.sync_url(event_filter, jump or state.view)
