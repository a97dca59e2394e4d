"""A 100,000-event dataset in a real browser: cells render, and a lone event opens on click."""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # pragma: no cover - depends on the environment
    if os.environ.get("CI"):
        raise
    pytest.skip("the playwright package is not installed", allow_module_level=True)

from geo import EventFilter
from geo.map.cells import query_box, viewport_of_view
from geo.store import Cell, EventStore
from geo.urlstate import MapView

from .conftest import ARTIFACTS, FIRST_RENDER_TIMEOUT_MS, StreamlitServer

pytestmark = pytest.mark.browser

SIZE = 100_000
MAP_IFRAME = (
    '[data-testid="stElementContainer"][data-stale="false"] '
    'iframe[title="streamlit_folium.st_folium"]'
)
CELLS = ".leaflet-marker-pane .ea-cell"
DENSITY = ".leaflet-overlay-pane path.ea-density"
POPUP_TITLE = ".leaflet-popup-pane > .leaflet-popup:last-child .ea-popup-title"


def loneliest_event(store: EventStore, view: MapView) -> Cell:
    """The lone-event cell farthest from any other cell: nothing else can catch its click."""
    cells = store.aggregate(EventFilter(), view.zoom, query_box(viewport_of_view(view)))
    lone = [c for c in cells if c.lone_id]
    assert lone, "the synthetic data has lone events at this zoom"

    def clearance(cell: Cell) -> float:
        return min(
            math.hypot(cell.latitude - o.latitude, cell.longitude - o.longitude)
            for o in cells
            if o is not cell
        )

    return max(lone, key=clearance)


def test_clusters_render_without_shipping_every_event(
    page: Page, large_atlas: StreamlitServer
) -> None:
    page.goto(large_atlas.url())
    the_map = page.frame_locator(MAP_IFRAME)
    expect(the_map.locator(CELLS).first).to_be_visible(timeout=FIRST_RENDER_TIMEOUT_MS)
    expect(page.get_by_text(f"{SIZE:,} of {SIZE:,} events shown")).to_be_visible()
    drawn = the_map.locator(".leaflet-marker-pane > *").count()
    assert 0 < drawn < 1_000
    counts = the_map.locator(CELLS).evaluate_all("els => els.map(e => Number(e.dataset.count))")
    assert sum(counts) > SIZE / 2  # most events are inside the opening view's cells


def test_a_click_on_a_lone_event_opens_its_popup(
    page: Page, large_atlas: StreamlitServer, large_store_file: Path
) -> None:
    store = EventStore.open(large_store_file)
    # Zoom 6: the offline basemap's deepest (tests/browser/test_basemap_zoom.py).
    cell = loneliest_event(store, MapView(49.0, 31.5, 6))
    assert cell.lone_id is not None
    event = store.event(cell.lone_id)
    assert event is not None and event.place.point is not None
    lat, lon = event.place.point
    page.goto(large_atlas.url(f"lat={lat}&lon={lon}&z=6"))
    the_map = page.frame_locator(MAP_IFRAME)
    lone = the_map.locator(f'.leaflet-marker-pane [data-event-id="{event.id}"]')
    expect(lone).to_be_visible(timeout=FIRST_RENDER_TIMEOUT_MS)
    lone.click()
    # The stub popup asks the server for the event; the full popup then replaces it.
    expect(the_map.locator(POPUP_TITLE)).to_have_text(event.title)
    expect(page.get_by_role("heading", name=event.title)).to_be_visible()
    # The URL is written after the rerun that selected: wait for it, never read it at once.
    expect(page).to_have_url(re.compile(rf"[?&]event={re.escape(event.id)}(&|$)"))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "large.png"))


def test_the_density_view_draws_a_heatmap_instead_of_cells(
    page: Page, large_atlas: StreamlitServer
) -> None:
    """?layer=density: shaded squares of the filtered events, no cell bubbles, the choice kept."""
    page.goto(large_atlas.url("layer=density"))
    the_map = page.frame_locator(MAP_IFRAME)
    expect(the_map.locator(DENSITY).first).to_be_attached(timeout=FIRST_RENDER_TIMEOUT_MS)
    squares = the_map.locator(DENSITY).count()
    assert squares > 10, f"{squares} density squares: the heatmap is nearly empty"
    expect(the_map.locator(CELLS)).to_have_count(0)
    # Shades differ: a heatmap whose squares all look alike shows nothing.
    fills = set(
        the_map.locator(DENSITY).evaluate_all("els => els.map(e => e.getAttribute('fill'))")
    )
    assert len(fills) > 3, f"density squares in only {len(fills)} shades"
    expect(page.get_by_role("radio", name="Density")).to_be_checked()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "large-density.png"))
