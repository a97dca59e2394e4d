"""The map readers see: every widget wired to `geo`. The events come from the desk's published
set when a desk is configured, otherwise from the events file."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

import geo
from geo.catalog import Catalog
from geo.escape import escape_markdown
from geo.urlstate import LinkNote, ViewState, read_link, unknown_in_dataset
from geo.web import page, timeline
from geo.web.explore import explore
from geo.web.publication import reader_catalog
from geo.web.share import copy_link


def link_notes(state: ViewState, catalog: Catalog) -> list[LinkNote]:
    """Every value of the page's link that it cannot use: unreadable ones, and those this
    dataset does not hold (a country without events, an event id that is not there)."""
    params = {key: st.query_params.get_all(key) for key in st.query_params}
    wanted = state.event_filter
    # Asked of the dataset only when the link names any: every rerun runs this.
    return read_link(params)[1] + unknown_in_dataset(
        state,
        countries=catalog.countries() if wanted.countries else [],
        labels=catalog.label_counts() if wanted.labels else [],
        has_event=lambda event_id: catalog.event(event_id) is not None,
    )


def link_message(notes: list[LinkNote]) -> str:
    """One line per ignored value, in Markdown, the link's text escaped."""
    lines = [f"- {escape_markdown(note.text())}" for note in notes]
    return "**Ignored from the link** (the rest of it applies):\n\n" + "\n".join(lines)


def _show_link_notes(state: ViewState, catalog: Catalog) -> None:
    """At the top of the page, where a reader who followed a link looks first."""
    notes = link_notes(state, catalog)
    if notes:
        st.warning(link_message(notes), icon=":material/link_off:")


def map_page(app_dir: Path) -> None:

    try:
        urls = page.static_urls(app_dir, geo.settings.static_url())
        default_tiles = geo.settings.default_tiles()
        events_file = geo.settings.events_path(app_dir)
        catalog = page.uploaded_catalog() or reader_catalog(app_dir, events_file)
    except geo.EventAtlasError as error:
        st.title("Event Atlas")
        page.show_error(error)
        st.stop()

    state, _ = page.url_state()
    page.apply_url_once(state, catalog, default_tiles)
    page.follow_catalog(catalog)
    bounds = catalog.date_bounds()
    timeline.apply_pending_step(bounds)
    # Widget values are in session state before the widgets are drawn: one filter serves the
    # counts in the sidebar and the page below.
    event_filter = page.widget_filter(bounds)

    with st.sidebar:
        # First in the sidebar: its answers come right under it, on the first screen.
        jump = page.go_to_place(catalog)
        st.header("Filters")
        type_counts = geo.type_counts_without_type_filter(catalog, event_filter)
        st.multiselect(
            "Event type",
            options=geo.type_options(catalog),
            format_func=page.type_option_label,
            key=page.K_TYPES,
            placeholder="All types",
        )
        st.caption(page.type_counts_caption(type_counts))
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
        page.label_picker(catalog)
        st.multiselect(
            "Location precision",
            options=[0, 1, 2, 3],
            format_func=lambda p: geo.GEO_PRECISION_LABELS[p],
            key=page.K_PREC,
            placeholder="Any precision",
        )
        st.radio(
            "Basemap",
            options=list(page.TILE_LABELS),
            format_func=page.TILE_LABELS.get,
            key=page.K_TILES,
            horizontal=True,
        )
        basemap_note = page.basemap_caption(urls)
        if basemap_note:
            st.caption(basemap_note)
        page.layer_picker(catalog)

    matching = catalog.count(event_filter)

    page.show_title(catalog.title)
    _show_link_notes(state, catalog)
    st.markdown(f"**{matching:,} of {catalog.total():,} events shown**")
    copy_link()
    page.note_unplaced(catalog.unplaced_count(event_filter), events_file)

    # Map, detail panel and table rerun on their own when the reader clicks, picks or pans.
    explore(catalog, event_filter, urls, jump, bounds)
    page.download_buttons(catalog, event_filter)
