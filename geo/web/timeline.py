"""The timeline under the map: the filtered events over time, a brush that sets the dates, and
playback that moves a window of dates through the data.

The chart is Vega-Lite through Streamlit's own `st.vega_lite_chart` with an interval
selection: it ships with Streamlit (nothing to load from the network), its brush comes back to
the server as a selection, and only its data changes between runs, so the browser updates the
bars in place and keeps the reader's brush.

Every way of choosing dates ends in the sidebar's date range (`page.K_DATES`), so the map, the
table, the counts, the downloads and the link all follow one filter:
- a brush sets it to the whole bins it touches; clearing the brush shows every date again;
- playback sets it to the window, one bin further at each step, and the link's `from` and
  `to` keep the position;
- the sidebar's date input sets it directly.
Playback steps on the server for every size of data: each step is a page run whose map layer,
counts and table come from the shared renders and the engine's remembered answers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from geo.catalog import Catalog
from geo.filters import EventFilter
from geo.memo import Memo
from geo.timeline import (
    WINDOW_CHOICES,
    Bar,
    Playback,
    Unit,
    brush_interval,
    brushed_range,
    count_ceiling,
    next_bin,
    shown_total,
    start_playback,
    tallest_stack,
    timeline_bars,
    timeline_spec,
    unit_for,
    unit_label,
)
from geo.web import page

K_PLAYING, K_PLAY, K_PENDING = "_play_on", "_play_at", "_play_pending"
K_WINDOW, K_SPEED = "play_window", "play_speed"
K_GENERATION, K_BRUSHED = "_timeline_generation", "_timeline_brushed"
SPEEDS = (0.5, 1.0, 2.0)  # seconds per step
CHART_HEIGHT = 150

# Bars shared by every reader: one computation per (data version, filters, unit).
_BARS: Memo[tuple[Any, ...]] = Memo(128, max_bytes=16 * 1024 * 1024)
# The tallest bin of all the data, per (data version, unit).
_TALLEST: Memo[tuple[Any, ...]] = Memo(64)

DateRange = tuple[dt.date, dt.date]


def apply_pending_step(bounds: DateRange | None) -> None:
    """Put the date range a playback step asked for into the date input, before it is drawn
    (a step runs in a fragment, where the sidebar's widget cannot be set)."""
    pending = st.session_state.pop(K_PENDING, None)
    if bounds is not None and isinstance(pending, tuple):
        st.session_state[page.K_DATES] = pending


def shown_range(event_filter: EventFilter, bounds: DateRange) -> DateRange:
    return event_filter.date_from or bounds[0], event_filter.date_to or bounds[1]


def bars_of(
    catalog: Catalog, event_filter: EventFilter, bounds: DateRange
) -> tuple[list[Bar], Unit]:
    """The timeline's bars for these filters, and the bin size."""
    unit = unit_for(*bounds)
    dated = event_filter.date_from is not None or event_filter.date_to is not None

    def make() -> list[Bar]:
        shown = catalog.bin_counts(event_filter, unit)
        context = catalog.bin_counts(replace(event_filter, date_from=None, date_to=None), unit)
        date_range = shown_range(event_filter, bounds) if dated else None
        return timeline_bars(shown, context, date_range, unit)

    return _BARS.get((catalog.version, event_filter, unit), make), unit


def count_top(catalog: Catalog, bars: list[Bar], unit: Unit) -> int:
    """The top of the count axis: the tallest bin of all the data, whatever the filters, so that
    filters, brushing and playback change only the chart's data (its bars update in place and
    the brush stays); taller when a date range's first bin gathers events that began before it.
    """

    def make() -> int:
        return tallest_stack(timeline_bars(catalog.bin_counts(EventFilter(), unit), {}, None, unit))

    every = _TALLEST.get((catalog.version, unit), make)
    return count_ceiling(max(every, tallest_stack(bars)))


def timeline_section(catalog: Catalog, event_filter: EventFilter, bounds: DateRange | None) -> None:
    """The chart and its playback controls; nothing when the events have no dates."""
    if bounds is None:
        return
    bars, unit = bars_of(catalog, event_filter, bounds)
    current = shown_range(event_filter, bounds)
    _forget_brush_unless(current)
    _stop_if_moved_elsewhere(current, bounds)
    key = f"timeline-{st.session_state.get(K_GENERATION, 0)}"
    st.subheader("Timeline", anchor=False)
    if not shown_total(bars):
        st.info(no_events_message(event_filter, outside=bool(bars)), icon=":material/search_off:")
        if not bars:  # nothing at any date: no chart to draw, no dates to play
            return
    st.vega_lite_chart(
        timeline_spec(bars, unit, bounds, CHART_HEIGHT, count_top(catalog, bars, unit)),
        on_select=lambda: _on_brush(key, unit, bounds),
        selection_mode="brush",
        key=key,
        width="stretch",
    )
    st.caption(
        f"Events by {unit}, stacked by type; grey bars are outside the chosen dates. "
        "Drag across the bars to choose dates; click the chart to clear."
    )
    if next_bin(bounds[0], unit) <= bounds[1]:  # more than one bin: something to play
        _player(unit, bounds, current)


def no_events_message(event_filter: EventFilter, *, outside: bool) -> str:
    """What the timeline says when the filters leave no events, and what to change.

    `outside` says whether events match outside the chosen dates (the chart then shows them
    as grey bars)."""
    if outside:
        return (
            "No events match in the chosen dates. The grey bars show when matching events "
            "happened: widen the dates, or drag across the bars."
        )
    changes = [
        change
        for active, change in (
            (event_filter.text.strip(), "clear the search"),
            (event_filter.types, "choose more event types"),
            (event_filter.countries, "choose more countries"),
            (event_filter.labels, "clear the source labels"),
            (event_filter.precisions, "allow any location precision"),
            (event_filter.date_from or event_filter.date_to, "widen the dates"),
        )
        if active
    ]
    if not changes:
        return "No events match."
    listed = changes[0] if len(changes) == 1 else ", ".join(changes[:-1]) + " or " + changes[-1]
    return f"No events match these filters: {listed}."


def _forget_brush_unless(current: DateRange) -> None:
    """A brush drawn on the chart stays while it is what the dates are. When the dates change
    another way (sidebar, playback), the chart starts afresh so that no stale brush shows."""
    brushed = st.session_state.get(K_BRUSHED)
    if brushed is not None and brushed != current:
        st.session_state[K_BRUSHED] = None
        st.session_state[K_GENERATION] = st.session_state.get(K_GENERATION, 0) + 1


def _on_brush(key: str, unit: Unit, bounds: DateRange) -> None:
    value = st.session_state.get(key)
    selection = value.get("selection") if isinstance(value, Mapping) else None
    interval = brush_interval(selection)
    if interval is None:
        return
    if not interval:  # the reader cleared the brush: every date again
        if st.session_state.get(K_BRUSHED) is not None:
            st.session_state[page.K_DATES] = bounds
            st.session_state[K_BRUSHED] = None
        return
    chosen = brushed_range(interval, unit, bounds)
    if chosen is None:
        return
    st.session_state[page.K_DATES] = chosen
    st.session_state[K_BRUSHED] = chosen
    st.session_state[K_PLAYING] = False


# -- playback ------------------------------------------------------------------------------------
def _player(unit: Unit, bounds: DateRange, current: DateRange) -> None:
    playing = bool(st.session_state.get(K_PLAYING))
    windows = WINDOW_CHOICES[unit]
    button, window, speed, where = st.columns([1, 1, 1, 2], vertical_alignment="bottom")
    bins = window.selectbox(
        "Window",
        windows,
        format_func=lambda n: unit_label(unit, n),
        key=f"{K_WINDOW}-{unit}",
        disabled=playing,
    )
    seconds = speed.selectbox(
        "Speed", SPEEDS, index=1, format_func=lambda s: f"{s:g} s per step", key=K_SPEED
    )
    # Icons from Streamlit's own Material Symbols font: "⏸" and "▶" are missing from many
    # readers' fonts and would draw as boxes.
    button.button(
        "Pause" if playing else "Play",
        icon=":material/pause:" if playing else ":material/play_arrow:",
        key="play_toggle",
        on_click=_toggle,
        args=(unit, bounds, current, int(bins)),
        width="stretch",
    )
    where.caption(_position_text(current, bounds, playing))
    if playing:
        st.fragment(_step, run_every=float(seconds))(bounds)


def _position_text(current: DateRange, bounds: DateRange, playing: bool) -> str:
    if current == bounds and not playing:
        return "Play steps a window through the dates; the map follows."
    state = "Playing" if playing else "Showing"
    return f"{state} {current[0]:%d %b %Y} – {current[1]:%d %b %Y}"


def _toggle(unit: Unit, bounds: DateRange, current: DateRange, bins: int) -> None:
    if st.session_state.get(K_PLAYING):
        st.session_state[K_PLAYING] = False
        return
    chosen = current if current != bounds else None
    position = start_playback(chosen, bounds, unit, bins)
    st.session_state[K_PLAY] = position
    st.session_state[page.K_DATES] = position.window(bounds)
    st.session_state[K_PLAYING] = True


def _stop_if_moved_elsewhere(current: DateRange, bounds: DateRange) -> None:
    """Playback follows its own window: dates chosen another way while it plays stop it."""
    position = st.session_state.get(K_PLAY)
    if st.session_state.get(K_PLAYING) and (
        not isinstance(position, Playback) or position.window(bounds) != current
    ):
        st.session_state[K_PLAYING] = False


def _step(bounds: DateRange) -> None:
    """One playback step, on the fragment's timer: the next window, or the end."""
    ctx = get_script_run_ctx()
    if ctx is None or not ctx.fragment_ids_this_run:
        return  # drawn by a page run: the timer has not fired yet
    position = st.session_state.get(K_PLAY)
    following = position.step(bounds) if isinstance(position, Playback) else None
    if following is None:
        st.session_state[K_PLAYING] = False
    else:
        st.session_state[K_PLAY] = following
        st.session_state[K_PENDING] = following.window(bounds)
    st.rerun()
