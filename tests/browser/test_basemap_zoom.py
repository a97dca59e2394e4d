"""The basemap never blurs, in a real browser: offline, a deep link opens at the offline tiles'
deepest zoom (6), the map says so in its corner, and one click switches to the online basemap.

Every request that is not to 127.0.0.1 is aborted (the online tiles after the switch too):
the test never touches the internet. Every wait is Playwright's own; no test sleeps.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

try:
    from playwright.sync_api import Frame, FrameLocator, Page, expect
except ImportError:  # pragma: no cover - depends on the environment
    if os.environ.get("CI"):
        raise  # CI must run the browser tests
    pytest.skip("the playwright package is not installed", allow_module_level=True)

from geo.serve import AppServer

from .conftest import APP_DIR, ARTIFACTS, FIRST_RENDER_TIMEOUT_MS, FIXTURES, StreamlitServer
from .test_browser import MAP_IDLE_JS, TILES_LOADED_JS

pytestmark = pytest.mark.browser

MAP_IFRAME = (
    '[data-testid="stElementContainer"][data-stale="false"] '
    'iframe[title="streamlit_folium.st_folium"]'
)
MARKERS = ".leaflet-marker-pane .ea-marker"
# Zoom, the map's max zoom, and the zoom of every basemap tile on screen.
ZOOMS_JS = """() => [map_div.getZoom(), map_div.getMaxZoom(),
    [...new Set([...document.querySelectorAll("img.leaflet-tile")].map(
        img => Number(img.src.split("/").slice(-3)[0])))]]"""
DEEP_LINK = "lat=50&lon=36&z=12"  # Kharkiv region, at a zoom the offline tiles do not hold


def the_map(page: Page) -> FrameLocator:
    return page.frame_locator(MAP_IFRAME)


def map_window(page: Page) -> Frame:
    frame = page.locator(MAP_IFRAME).element_handle().content_frame()
    assert frame is not None, "the map iframe has no document"
    frame.wait_for_function(MAP_IDLE_JS)
    return frame


def test_a_deep_link_opens_offline_at_the_cap_says_so_and_switches_online_in_one_click(
    context: Any, page: Page, atlas: StreamlitServer
) -> None:
    leaving: list[str] = []

    def only_local(route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            leaving.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)  # context-wide: the map iframe is covered too
    page.goto(atlas.url(DEEP_LINK))
    expect(the_map(page).locator(MARKERS).first).to_be_attached(timeout=FIRST_RENDER_TIMEOUT_MS)
    frame = map_window(page)
    frame.wait_for_function(TILES_LOADED_JS)

    # Capped at the offline tiles' deepest zoom, every tile drawn at its own zoom.
    zoom, max_zoom, tile_zooms = frame.evaluate(ZOOMS_JS)
    assert (zoom, max_zoom) == (6, 6)
    assert tile_zooms == [6], f"tiles of zooms {tile_zooms} on a zoom-6 map"
    expect(page).to_have_url(re.compile(r"[?&]lat=50\.0000&lon=36\.0000&z=6(&|$)"))
    # Said on the map, with the "+" button disabled, and under the sidebar's basemap choice.
    notice = the_map(page).locator(".ea-zoomcap")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Offline basemap: no closer than zoom 6")
    zoom_in = the_map(page).locator(".leaflet-control-zoom-in")
    expect(zoom_in).to_have_class(re.compile(r"\bleaflet-disabled\b"))
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text("The offline basemap goes no closer than zoom 6.")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "basemap-zoom-cap.png"))

    # Nothing gets past it: a view set from script is held at 6 too.
    frame.evaluate("() => map_div.setView([50.0, 36.0], 11, {animate: false})")
    assert frame.evaluate("() => map_div.getZoom()") == 6
    # One zoom out: no notice; back in: the notice again.
    the_map(page).locator(".leaflet-control-zoom-out").click()
    frame.wait_for_function("() => map_div.getZoom() === 5")
    expect(notice).to_be_hidden()
    expect(zoom_in).not_to_have_class(re.compile(r"\bleaflet-disabled\b"))
    zoom_in.click()
    frame.wait_for_function("() => map_div.getZoom() === 6")
    expect(notice).to_be_visible()
    # An open popup comes first: the notice steps aside, and is back once the popup closes.
    # (Opened in the map itself: a marker's click also selects its event on the server, whose
    # rerun opens the selected event's popup again.)
    frame.evaluate("() => map_div.openPopup('A popup', map_div.getCenter())")
    expect(the_map(page).locator(".leaflet-popup")).to_be_visible()
    expect(notice).to_be_hidden()
    page.screenshot(path=str(ARTIFACTS / "basemap-zoom-cap-popup.png"))
    frame.evaluate("() => map_div.closePopup()")
    expect(the_map(page).locator(".leaflet-popup")).to_have_count(0)
    expect(notice).to_be_visible()
    assert leaving == [], leaving

    # One click: the sidebar's online basemap, at the same view; the online map may go closer.
    notice.get_by_role("button", name="Switch to OpenStreetMap (online)").click()
    expect(sidebar.get_by_role("radio", name="OpenStreetMap (online)")).to_be_checked()
    expect(page).to_have_url(re.compile(r"[?&]tiles=osm(&|$)"))
    online_tile = the_map(page).locator('img.leaflet-tile[src^="https://tile.openstreetmap.org/"]')
    expect(online_tile.first).to_be_attached()
    frame = map_window(page)
    zoom, max_zoom, _ = frame.evaluate(ZOOMS_JS)
    assert zoom == 6 and max_zoom == 18
    expect(the_map(page).locator(".ea-zoomcap")).to_have_count(0)
    expect(the_map(page).locator(".leaflet-control-zoom-in")).not_to_have_class(
        re.compile(r"\bleaflet-disabled\b")
    )
    assert {urlsplit(url).hostname for url in leaving} == {"tile.openstreetmap.org"}


def test_a_regional_mbtiles_basemap_lets_the_map_go_deeper_inside_its_region_only(
    context: Any, page: Page, tmp_path: Path
) -> None:
    """EVENT_ATLAS_MBTILES: zooms 7-9 around Kharkiv, unpacked and served from static/."""
    from tests.test_basemap_zoom import KHARKIV_METADATA, REGION, region_tiles, write_mbtiles

    mbtiles = write_mbtiles(
        tmp_path / "kharkiv.mbtiles", region_tiles(REGION, (7, 8, 9)), KHARKIV_METADATA
    )
    server = AppServer(
        FIXTURES / "browser_events.yaml",
        app_dir=APP_DIR,
        env={
            "EVENT_ATLAS_TILES": "offline",
            "EVENT_ATLAS_STATIC_URL": None,
            "EVENT_ATLAS_MBTILES": str(mbtiles),
        },
        log_path=tmp_path / "streamlit.log",
        name="regional-basemap",
    )
    regional: list[tuple[int, str]] = []
    context.on(
        "response",
        lambda r: regional.append((r.status, r.url)) if "/tiles-extra/" in r.url else None,
    )
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if urlsplit(route.request.url).hostname == "127.0.0.1"
            else route.abort()
        ),
    )
    try:
        server.start().wait_ready()
        page.goto(server.url("lat=50.0&lon=36.25&z=12"))
        expect(the_map(page).locator(MARKERS).first).to_be_attached(timeout=FIRST_RENDER_TIMEOUT_MS)
        frame = map_window(page)
        frame.wait_for_function(TILES_LOADED_JS)
        # Inside the region: as deep as the file goes, its own tiles drawn (and found).
        zoom, max_zoom, _ = frame.evaluate(ZOOMS_JS)
        assert (zoom, max_zoom) == (9, 9)
        assert regional and all(status == 200 for status, _ in regional), regional
        assert all(re.search(r"/tiles-extra/\w+/9/\d+/\d+\.png$", url) for _, url in regional)
        notice = the_map(page).locator(".ea-zoomcap")
        expect(notice).to_contain_text("Offline basemap: no closer than zoom 9")
        page.screenshot(path=str(ARTIFACTS / "basemap-regional.png"))

        # Out of the region (Odesa), the map zooms back out to the offline tiles' zoom 6.
        frame.evaluate("() => map_div.setView([46.48, 30.73], 9, {animate: false})")
        frame.wait_for_function("() => map_div.getZoom() === 6 && map_div.getMaxZoom() === 6")
        expect(notice).to_contain_text("no closer than zoom 6 here (zoom 9 in Kharkiv)")
        frame.wait_for_function(TILES_LOADED_JS)
        page.screenshot(path=str(ARTIFACTS / "basemap-regional-outside.png"))
    finally:
        server.stop()
        # This test's tiles only: the folder whose marker names its file.
        for marker in (APP_DIR / "static" / "tiles-extra").glob("*/.complete"):
            if marker.read_text(encoding="utf-8").strip() == str(mbtiles):
                shutil.rmtree(marker.parent, ignore_errors=True)
