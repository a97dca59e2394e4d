"""Event Atlas in a real browser: map markers, filters, selection, deep links, isolation, XSS.

Run: `python -m pytest tests/browser -q` (needs Debian's /usr/bin/chromium; see conftest.py).
Every wait is Playwright's own (expect / wait_for_function); no test sleeps.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from geo.web.explore import TABLE_ROW_PX

try:
    from playwright.sync_api import Frame, FrameLocator, Locator, Page, expect
except ImportError:  # pragma: no cover - depends on the environment
    if os.environ.get("CI"):
        raise  # CI must run the browser tests
    pytest.skip("the playwright package is not installed", allow_module_level=True)

from .conftest import (
    APP_DIR,
    ARTIFACTS,
    DEFAULT_TIMEOUT_MS,
    FIRST_RENDER_TIMEOUT_MS,
    FIXTURES,
    VIEWPORT,
    StreamlitServer,
)

pytestmark = pytest.mark.browser

# The map's iframe. While Streamlit swaps in a new map (new content, new component), the old
# iframe stays in the page for a moment, marked stale: only the current one is the map.
MAP_IFRAME = (
    '[data-testid="stElementContainer"][data-stale="false"] '
    'iframe[title="streamlit_folium.st_folium"]'
)
MARKERS = ".leaflet-marker-pane .ea-marker"
# The newest popup / tooltip: a closed one fades out for 200 ms before Leaflet removes it.
POPUP = ".leaflet-popup-pane > .leaflet-popup:last-child .leaflet-popup-content .ea-popup"
TOOLTIP = ".leaflet-tooltip-pane > .leaflet-tooltip:last-child"
EVIL_HOST = "127.0.0.2"

# In the iframe, the Leaflet map is the global `map_div` (streamlit-folium's name for it).
MAP_IDLE_JS = """() => typeof map_div !== "undefined" && map_div._loaded
    && !(map_div._panAnim && map_div._panAnim._inProgress) && !map_div._animatingZoom"""
MAP_VIEW_JS = "() => [map_div.getZoom(), map_div.getCenter().lat, map_div.getCenter().lng]"
TILES_LOADED_JS = """() => {
    if (typeof map_div === "undefined" || !map_div._loaded) return false;
    let loading = false;
    map_div.eachLayer(layer => { if (layer.isLoading && layer.isLoading()) loading = true; });
    return !loading;
}"""
# Bring one event's marker to the middle of the map and open its popup.
OPEN_POPUP_JS = """(id) => {
    let target = null;
    map_div.eachLayer(layer => {
        const el = layer.getElement && layer.getElement();
        if (el && el.querySelector && el.querySelector(`[data-event-id="${id}"]`)) target = layer;
    });
    if (target === null) return false;
    map_div.closePopup();
    map_div.setView(target.getLatLng(), map_div.getZoom(), {animate: false});
    target.openPopup();
    return true;
}"""

# A mark left in the map's document: it survives only if the iframe is never reloaded.
MARK_MAP_WINDOW_JS = "() => { window.eaProbe = 'still here'; }"
# Counts map iframes taken out of the page (a remount swaps the iframe for a new, blank one).
WATCH_MAP_IFRAMES_JS = """() => {
    window.eaRemovedMapFrames = 0;
    new MutationObserver(records => {
        for (const record of records) {
            for (const node of record.removedNodes) {
                if (!(node instanceof Element)) continue;
                const frames = node.matches('iframe[title="streamlit_folium.st_folium"]')
                    ? [node] : node.querySelectorAll('iframe[title="streamlit_folium.st_folium"]');
                window.eaRemovedMapFrames += frames.length;
            }
        }
    }).observe(document.body, {childList: true, subtree: true});
}"""


def fixture_data(name: str) -> dict[str, Any]:
    data = yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


BROWSER_EVENTS: list[dict[str, Any]] = fixture_data("browser_events.yaml")["events"]
HOSTILE = fixture_data("injection_events.yaml")
HOSTILE_EVENTS: list[dict[str, Any]] = HOSTILE["events"]


def event_by_id(events: list[dict[str, Any]], event_id: str) -> dict[str, Any]:
    return next(e for e in events if e["id"] == event_id)


# --- page helpers -----------------------------------------------------------------------------


def the_map(page: Page) -> FrameLocator:
    return page.frame_locator(MAP_IFRAME)


def map_window(page: Page) -> Frame:
    """The map iframe as a Frame, to evaluate JavaScript in it."""
    frame = page.locator(MAP_IFRAME).element_handle().content_frame()
    assert frame is not None, "the map iframe has no document"
    return frame


def markers(page: Page) -> Locator:
    return the_map(page).locator(MARKERS)


def marker(page: Page, event_id: str) -> Locator:
    return the_map(page).locator(f'{MARKERS}[data-event-id="{event_id}"]')


def popup(page: Page) -> Locator:
    return the_map(page).locator(POPUP)


def count_text(page: Page, shown: int, total: int) -> Locator:
    return page.get_by_text(f"{shown} of {total} events shown", exact=True)


def sidebar(page: Page) -> Locator:
    return page.get_by_test_id("stSidebar")


def type_widget(page: Page) -> Locator:
    return (
        sidebar(page)
        .get_by_test_id("stMultiSelect")
        .filter(has=page.get_by_test_id("stWidgetLabel").filter(has_text="Event type"))
    )


def detail_heading(page: Page, title: str) -> Locator:
    """The detail panel's heading for an event (the popup's own is inside the map iframe)."""
    return page.get_by_role("heading", name=title, exact=True)


def detail_panel(page: Page, title: str) -> Locator:
    return page.get_by_test_id("stColumn").filter(has=detail_heading(page, title))


def no_selection_hint(page: Page) -> Locator:
    return page.get_by_text("Click a marker or a table row", exact=False)


def open_app(page: Page, server: StreamlitServer, query: str = "") -> None:
    page.goto(server.url(query))
    expect(markers(page).first).to_be_attached(timeout=FIRST_RENDER_TIMEOUT_MS)


def wait_map_idle(page: Page) -> Frame:
    frame = map_window(page)
    frame.wait_for_function(MAP_IDLE_JS)
    return frame


def open_popup_of(page: Page, event_id: str) -> Locator:
    """Centre the map on an event's marker and open its popup, from script.

    No click, so no rerun: the popup's content is checked apart from the app's click handling
    (tested on its own in section 3).
    """
    assert map_window(page).evaluate(OPEN_POPUP_JS, event_id), f"no marker for {event_id}"
    box = popup(page)
    expect(box.locator(".ea-id")).to_have_text(f"Event ID: {event_id}")
    return box


def marker_ids_and_types(page: Page) -> dict[str, str]:
    """data-event-id -> the `ea-type-*` class, for every marker on the map."""
    out = {}
    for element in markers(page).all():
        classes = (element.get_attribute("class") or "").split()
        types = [c.removeprefix("ea-type-") for c in classes if c.startswith("ea-type-")]
        assert len(types) == 1, f"a marker needs exactly one type class: {classes}"
        out[element.get_attribute("data-event-id") or ""] = types[0]
    return out


def expect_selected(page: Page, event: dict[str, Any]) -> None:
    """The app took the selection: detail panel, URL, redrawn map with its popup open."""
    expect(detail_heading(page, event["title"])).to_be_visible()
    expect(no_selection_hint(page)).to_have_count(0)
    expect(page).to_have_url(re.compile(rf"[?&]event={event['id']}(&|$)"))
    expect(the_map(page).locator(f"{MARKERS}.ea-selected")).to_have_attribute(
        "data-event-id", event["id"]
    )
    expect(popup(page).locator(".ea-popup-title")).to_have_text(event["title"])


# --- 1. markers and legend --------------------------------------------------------------------


def test_every_event_has_a_marker_and_the_legend_is_shown(
    page: Page, atlas: StreamlitServer
) -> None:
    open_app(page, atlas)
    total = len(BROWSER_EVENTS)
    expect(markers(page)).to_have_count(total)
    expect(count_text(page, total, total)).to_be_visible()
    assert marker_ids_and_types(page) == {e["id"]: e["event_type"] for e in BROWSER_EVENTS}

    legend = the_map(page).locator(".ea-legend")
    expect(legend).to_be_visible()
    expect(legend.locator(".ea-legend-title")).to_have_text(f"{total} events shown")
    expect(legend.locator(".ea-legend-row .ea-marker")).to_have_count(
        len({e["event_type"] for e in BROWSER_EVENTS})
    )

    # The LineString and the Polygon are drawn, plus one dashed uncertainty circle per event
    # located less precisely than its town (precision 2 or 3).
    expect(the_map(page).locator(".leaflet-overlay-pane path")).to_have_count(
        sum(1 for e in BROWSER_EVENTS if "geometry" in e)
        + sum(1 for e in BROWSER_EVENTS if e["place"]["geo_precision"] > 1)
    )


# --- 2. the type filter -----------------------------------------------------------------------


def test_type_filter_widget_changes_markers_and_count(page: Page, atlas: StreamlitServer) -> None:
    open_app(page, atlas)
    total = len(BROWSER_EVENTS)
    expect(count_text(page, total, total)).to_be_visible()

    combo = type_widget(page).get_by_role("combobox", name="Event type")
    tags = type_widget(page).locator("[data-tag]")
    for n, label in enumerate(("Shelling / missile attack", "Armed clash"), start=1):
        combo.click()
        page.get_by_role("option", name=label).click()
        page.keyboard.press("Escape")
        expect(tags).to_have_count(n)
        expect(tags.nth(n - 1)).to_contain_text(label)

    wanted = {"shelling", "armed_clash"}
    expected = {e["id"]: e["event_type"] for e in BROWSER_EVENTS if e["event_type"] in wanted}
    expect(count_text(page, len(expected), total)).to_be_visible()
    expect(markers(page)).to_have_count(len(expected))
    assert marker_ids_and_types(page) == expected
    expect(the_map(page).locator(".ea-legend-title")).to_have_text(f"{len(expected)} events shown")
    expect(page).to_have_url(re.compile(r"[?&]type=armed_clash(%2C|,)shelling(&|$)"))

    # Removing one type widens the map again.
    type_widget(page).get_by_role("button", name=re.compile(r"^Remove .*Armed clash")).click()
    expect(tags).to_have_count(1)
    expect(count_text(page, 1, total)).to_be_visible()
    expect(markers(page)).to_have_count(1)
    assert marker_ids_and_types(page) == {"kharkiv-shelling": "shelling"}


# --- 3. clicking a marker ---------------------------------------------------------------------

CLICKED = "kharkiv-shelling"


def test_marker_click_opens_popup_and_selects_the_event(page: Page, atlas: StreamlitServer) -> None:
    event = event_by_id(BROWSER_EVENTS, CLICKED)
    open_app(page, atlas)
    expect(no_selection_hint(page)).to_be_visible()

    wait_map_idle(page)
    map_window(page).evaluate(MARK_MAP_WINDOW_JS)
    page.evaluate(WATCH_MAP_IFRAMES_JS)

    marker(page, event["id"]).click()
    expect(popup(page).locator(".ea-popup-title")).to_have_text(event["title"])
    expect(popup(page).locator(".ea-id")).to_have_text(f"Event ID: {event['id']}")
    expect(popup(page)).to_contain_text("at least 11 (according to Oleg Synegubov")

    # The click reaches the app: it reruns and the detail panel shows the event.
    expect_selected(page, event)
    # The map was never blank: the same document kept running (no remount, no reload) and no
    # map iframe left the page while the selection went round the server.
    assert map_window(page).evaluate("() => window.eaProbe") == "still here"
    assert page.evaluate("() => window.eaRemovedMapFrames") == 0
    panel = detail_panel(page, event["title"])
    expect(panel).to_contain_text("at least 11 (according to Oleg Synegubov")
    expect(panel).to_contain_text("Kharkiv, Kharkiv Oblast, Ukraine")


def test_marker_click_after_panning_selects_the_event(page: Page, atlas: StreamlitServer) -> None:
    """Panning writes the view into the URL; the next click must still reach the app."""
    event = event_by_id(BROWSER_EVENTS, CLICKED)
    open_app(page, atlas)
    wait_map_idle(page)
    box = marker(page, event["id"]).bounding_box()
    assert box is not None
    # Drag the map 100 px to the left, from open sea 100 px below Kharkiv.
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2 + 100
    url_before = page.url
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 100, y, steps=10)
    page.mouse.up()
    expect(page).not_to_have_url(url_before)  # the map wrote its new centre into the URL
    wait_map_idle(page)

    marker(page, event["id"]).click()
    expect(popup(page).locator(".ea-popup-title")).to_have_text(event["title"])
    expect_selected(page, event)


# --- 4. deep links ----------------------------------------------------------------------------

DEEP_EVENT = "mariupol-fighting"  # at 47.0971 N, 37.5434 E
# The view is off the event, yet its popup fits without panning: the event is 1.04° (~47 px at
# zoom 6, the offline basemap's deepest) east and 0.4° south of the centre of a 648 x 620 px
# map (1400 px wide window).
DEEP_LAT, DEEP_LON, DEEP_ZOOM = 47.5, 36.5, 6
DEEP_LINK = (
    f"type=shelling,armed_clash&event={DEEP_EVENT}&lat={DEEP_LAT}&lon={DEEP_LON}&z={DEEP_ZOOM}"
)
VIEW_TOLERANCE_DEG = 0.02  # ~1 px at zoom 6


def test_deep_link_restores_filter_selection_and_view(page: Page, atlas: StreamlitServer) -> None:
    event = event_by_id(BROWSER_EVENTS, DEEP_EVENT)
    open_app(page, atlas, DEEP_LINK)
    total = len(BROWSER_EVENTS)

    # The filter: in the widget, in the count and on the map.
    tags = type_widget(page).locator("[data-tag]")
    expect(tags).to_have_count(2)
    expect(tags.nth(0)).to_contain_text("Shelling / missile attack")
    expect(tags.nth(1)).to_contain_text("Armed clash")
    expect(count_text(page, 2, total)).to_be_visible()
    expect(markers(page)).to_have_count(2)
    assert set(marker_ids_and_types(page).values()) == {"shelling", "armed_clash"}

    # The selection: detail panel, marked marker, its popup open.
    expect_selected(page, event)
    expect(detail_panel(page, event["title"])).to_contain_text("Pavlo Kyrylenko")

    # The view: the map's own zoom and centre, and the URL it keeps up to date.
    zoom, lat, lon = wait_map_idle(page).evaluate(MAP_VIEW_JS)
    assert zoom == DEEP_ZOOM
    assert lat == pytest.approx(DEEP_LAT, abs=VIEW_TOLERANCE_DEG)
    assert lon == pytest.approx(DEEP_LON, abs=VIEW_TOLERANCE_DEG), (
        f"map centre {lat:.4f}, {lon:.4f} instead of the link's {DEEP_LAT}, {DEEP_LON}"
    )
    expect(page).to_have_url(
        re.compile(rf"[?&]lat={DEEP_LAT:.4f}&lon={DEEP_LON:.4f}&z={DEEP_ZOOM}(&|$)")
    )


# --- 5. no request leaves 127.0.0.1 -----------------------------------------------------------


def test_offline_page_requests_nothing_but_its_own_server(
    context: Any, page: Page, atlas: StreamlitServer
) -> None:
    offenders: list[str] = []
    static_errors: list[str] = []
    sockets: list[str] = []

    def only_local(route: Any) -> None:
        request = route.request
        if urlsplit(request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            offenders.append(f"{request.resource_type} {request.url} (frame {request.frame.url})")
            route.abort()

    def static_response(response: Any) -> None:
        if "/app/static/" in response.url and response.status >= 400:
            static_errors.append(f"HTTP {response.status} {response.url}")

    def static_failure(request: Any) -> None:
        # ERR_ABORTED is a load cancelled by the page (Leaflet drops the tiles of a view it
        # has left, or of a map being redrawn), not a missing file.
        if "/app/static/" in request.url and request.failure != "net::ERR_ABORTED":
            static_errors.append(f"failed ({request.failure}) {request.url}")

    context.route("**/*", only_local)  # context-wide: the map iframe is covered too
    context.on("response", static_response)
    context.on("requestfailed", static_failure)
    page.on("websocket", lambda ws: sockets.append(ws.url))

    open_app(page, atlas)
    expect(sidebar(page).get_by_role("radio", name="Offline basemap")).to_be_checked()
    event = event_by_id(BROWSER_EVENTS, CLICKED)
    marker(page, event["id"]).click()
    expect(popup(page).locator(".ea-popup-title")).to_have_text(event["title"])
    expect_selected(page, event)
    # Zoom out (the map goes no closer than the offline tiles' zoom 6: tests/browser/
    # test_basemap_zoom.py), then let every tile of the new zoom finish.
    frame = wait_map_idle(page)
    zoom = frame.evaluate("() => map_div.getZoom()")
    the_map(page).locator(".leaflet-control-zoom-out").click()
    frame.wait_for_function("(z) => map_div.getZoom() < z", arg=zoom)
    frame.wait_for_function(TILES_LOADED_JS)
    expect(the_map(page).locator(".leaflet-tile-loaded").first).to_be_visible()

    assert offenders == [], "requests to other hosts than 127.0.0.1:\n" + "\n".join(offenders)
    assert static_errors == [], "missing static assets:\n" + "\n".join(static_errors)
    assert sockets, "the page opened no websocket to its server"
    assert all(urlsplit(url).hostname == "127.0.0.1" for url in sockets), sockets

    # Control: the online basemap, once chosen, is the one thing that leaves; the route does
    # see what the map iframe asks for.
    sidebar(page).get_by_text("OpenStreetMap (online)", exact=True).click()
    expect(sidebar(page).get_by_role("radio", name="OpenStreetMap (online)")).to_be_checked()
    expect(page).to_have_url(re.compile(r"[?&]tiles=osm(&|$)"))
    online_tile = the_map(page).locator('img.leaflet-tile[src^="https://tile.openstreetmap.org/"]')
    expect(online_tile.first).to_be_attached()
    wait_map_idle(page).wait_for_function(TILES_LOADED_JS)  # every tile loaded or refused
    hosts = {urlsplit(line.split()[1]).hostname for line in offenders}
    assert hosts == {"tile.openstreetmap.org"}, offenders


# --- 6. script injection ----------------------------------------------------------------------


class HostileSession:
    """Pages of the app on the hostile file, in one context that blocks and records every
    request not to 127.0.0.1 and records (and dismisses) every dialog.

    Each query is loaded once and shared by this section's tests, which only read it: page
    loads are what this suite spends its time on.
    """

    def __init__(self, browser: Any, server: StreamlitServer) -> None:
        self.server = server
        self.requested: list[str] = []
        self.dialogs: list[str] = []
        self.context = browser.new_context(viewport=VIEWPORT)
        self.context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        self.context.route("**/*", self._only_local)  # context-wide: the map iframe too
        self._pages: dict[str, Page] = {}

    def _only_local(self, route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.requested.append(route.request.url)
            route.abort()

    def _on_dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def page(self, query: str = "") -> Page:
        if query not in self._pages:
            page = self.context.new_page()
            page.on("dialog", self._on_dialog)
            open_app(page, self.server, query)
            self._pages[query] = page
        return self._pages[query]

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def hostile(browser: Any, hostile_atlas: StreamlitServer) -> Iterator[HostileSession]:
    session = HostileSession(browser, hostile_atlas)
    yield session
    session.close()


def _hostile_strings(event: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(text the popup must show, text the detail panel must show), exactly as in the file."""
    place = event["place"]
    place_parts = [place["name"], *([place["admin1"]] if "admin1" in place else [])]
    common = [event["title"], ", ".join(place_parts)]
    if event.get("summary"):
        common.append(event["summary"])
    if event.get("actors"):
        common.append(", ".join(event["actors"]))
    for f in event.get("fatalities", []):
        common.append(f"{f['qualifier']} {f['value']} (according to {f['claimed_by']})")
    for source in event["sources"]:
        common += [source["quote"], source["publisher"]]
    detail = list(common)
    if event.get("tags"):
        detail.append("Tags: " + ", ".join(event["tags"]))
    return common, detail


def _assert_nothing_ran(page: Page) -> None:
    """No payload executed or became markup, in the page or in the map iframe."""
    frame = map_window(page)
    assert page.evaluate("() => window.__pwned") is None, page.evaluate("() => window.__pwned")
    assert frame.evaluate("() => window.__pwned") is None
    injected = frame.evaluate(
        """() => Array.from(document.querySelectorAll(
            '.ea-popup img, .ea-popup script, .ea-popup svg, .ea-popup iframe,'
            + ' .ea-popup-title *, .ea-meta :not(br), .ea-summary *, .ea-popup blockquote *,'
            + ' .ea-figures li *, .ea-actors > :not(b:first-child), .ea-actors b *,'
            + ' .ea-cite :not(a), .ea-cite a *, .ea-id *, .leaflet-tooltip > div *,'
            + ' .ea-marker :not(span), .ea-marker span *,'
            + ' [onerror], [onload], img[src="x"]')).map(e => e.outerHTML)"""
    )
    assert injected == [], f"markup built from payloads in the map: {injected}"
    injected = page.evaluate(
        f"""() => Array.from(document.querySelectorAll(
            '[onerror], [onload], img[src="x"], iframe[src*="{EVIL_HOST}"],'
            + ' img[src*="{EVIL_HOST}"]')).map(e => e.outerHTML)"""
    )
    assert injected == [], f"markup built from payloads in the page: {injected}"
    # No link that hides where it goes: a Markdown [text](url) must not become one. (Bare URLs
    # turned into links that show their own address: see test_markdown_text_makes_no_links.)
    disguised = page.evaluate(
        f"""() => Array.from(document.querySelectorAll('a[href*="{EVIL_HOST}"]'))
            .filter(a => decodeURI(a.getAttribute("href")) !== a.textContent.trim())
            .map(a => a.outerHTML)"""
    )
    assert disguised == [], f"links built from payloads in the page: {disguised}"


def test_injection_payloads_are_shown_as_text(hostile: HostileSession) -> None:
    page = hostile.page()
    # The file's own title (Markdown image, link and HTML in it) is plain text too.
    expect(page.get_by_role("heading", level=1)).to_have_text(HOSTILE["title"])

    # One bad record must not blank the map: every event still has its marker and shapes.
    total = len(HOSTILE_EVENTS)
    expect(markers(page)).to_have_count(total)
    assert set(marker_ids_and_types(page)) == {e["id"] for e in HOSTILE_EVENTS}
    expect(count_text(page, total, total)).to_be_visible()
    expect(the_map(page).locator(".ea-legend-title")).to_have_text(f"{total} events shown")
    expect(the_map(page).locator(".leaflet-overlay-pane path")).to_have_count(
        sum(1 for e in HOSTILE_EVENTS if "geometry" in e)
        + sum(1 for e in HOSTILE_EVENTS if e["place"]["geo_precision"] > 1)
    )

    # Popups and tooltips show every payload as its literal text.
    for event in HOSTILE_EVENTS:
        popup_texts, _ = _hostile_strings(event)
        box = open_popup_of(page, event["id"])
        expect(box.locator(".ea-popup-title")).to_have_text(event["title"])
        shown = box.inner_text()
        for text in popup_texts:
            assert text in shown, f"popup of {event['id']} lacks the literal text {text!r}"
        marker(page, event["id"]).hover()
        expect(the_map(page).locator(TOOLTIP)).to_have_text(event["title"])
        _assert_nothing_ran(page)  # with this popup and tooltip open

    # The detail panel (and the popup the app opens) of each hostile event, selected by a link.
    for event in HOSTILE_EVENTS:
        if not event["id"].startswith("evil-"):
            continue
        _, detail_texts = _hostile_strings(event)
        page = hostile.page(f"event={event['id']}")
        expect(detail_heading(page, event["title"])).to_be_visible()
        panel_text = detail_panel(page, event["title"]).inner_text()
        for text in detail_texts:
            assert text in panel_text, f"detail panel of {event['id']} lacks {text!r}"
        expect(popup(page).locator(".ea-id")).to_have_text(f"Event ID: {event['id']}")
        expect(popup(page).locator(".ea-popup-title")).to_have_text(event["title"])
        expect(markers(page)).to_have_count(total)
        _assert_nothing_ran(page)

    assert hostile.dialogs == [], f"dialogs opened: {hostile.dialogs}"
    leaks = [url for url in hostile.requested if urlsplit(url).hostname == EVIL_HOST]
    assert leaks == [], f"requests caused by payloads: {leaks}"
    others = [url for url in hostile.requested if urlsplit(url).hostname != EVIL_HOST]
    assert others == [], f"requests to other hosts: {others}"


def test_markdown_text_makes_no_links(hostile: HostileSession) -> None:
    event = event_by_id(HOSTILE_EVENTS, "evil-html")
    page = hostile.page(f"event={event['id']}")
    panel = detail_panel(page, event["title"])
    expect(panel).to_contain_text(event["summary"])
    title = page.get_by_role("heading", level=1)
    expect(title).to_have_text(HOSTILE["title"])
    links = [
        str(link.get_attribute("href"))
        for where in (title, panel)
        for link in where.locator(f'a[href*="{EVIL_HOST}"]').all()
    ]
    assert links == [], f"links made from the events file's text: {links}"


# --- 7. screenshot ----------------------------------------------------------------------------


def test_table_row_selects_the_event_on_the_map(page: Page, atlas: StreamlitServer) -> None:
    """Table -> map: ticking a row's checkbox selects that event (the grid is a canvas)."""
    open_app(page, atlas)
    grid = page.get_by_test_id("stDataFrame").first  # the columns (the stacked list is a phone's)
    expect(grid).to_be_visible()
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    row = 2  # third data row: the table lists events in file order
    event = BROWSER_EVENTS[row]
    # Glide grid geometry: the header and every row are TABLE_ROW_PX tall (Streamlit sizes the
    # header from row_height); the checkbox column comes first.
    height = TABLE_ROW_PX
    page.mouse.click(box["x"] + 14, box["y"] + height + height * row + height // 2)
    expect_selected(page, event)


def _screenshot(
    browser: Any, server: StreamlitServer, query: str, event: dict[str, Any], name: str
) -> Any:
    # Tall enough for the whole page (map, details, table, downloads) without scrolling:
    # Streamlit scrolls its main block, not the document, so full_page alone would cut it off.
    context = browser.new_context(viewport={"width": VIEWPORT["width"], "height": 1600})
    path = ARTIFACTS / name
    try:
        page = context.new_page()
        open_app(page, server, query)
        expect_selected(page, event)
        expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
        expect(page.get_by_role("button", name="Download GeoJSON")).to_be_visible()
        wait_map_idle(page).wait_for_function(TILES_LOADED_JS)
        ARTIFACTS.mkdir(exist_ok=True)
        path.unlink(missing_ok=True)
        page.screenshot(path=str(path), full_page=True)
    finally:
        context.close()
    print(f"screenshot: {path}")
    assert path.exists()
    assert path.stat().st_size > 50_000, f"{path} is only {path.stat().st_size} bytes"
    return path


def test_full_page_screenshot(browser: Any, atlas: StreamlitServer) -> None:
    """artifacts/page.png: the realistic fixture with one event selected by a link."""
    event = event_by_id(BROWSER_EVENTS, "kharkiv-shelling")
    _screenshot(browser, atlas, f"event={event['id']}&lat=49.0&lon=33.0&z=5", event, "page.png")


def test_shipped_data_screenshot(browser: Any, start_app: Any) -> None:
    """artifacts/shipped.png: the page as a newcomer first sees it, on data/events.yaml."""
    shipped = APP_DIR / "data" / "events.yaml"
    events = yaml.safe_load(shipped.read_text(encoding="utf-8"))["events"]
    event = event_by_id(events, "mariupol-sunday-night-fighting")
    query = f"event={event['id']}&lat=49.6&lon=33.0&z=6"
    _screenshot(browser, start_app(shipped), query, event, "shipped.png")


def test_uploading_an_acled_file_shows_its_events(page: Page, atlas: StreamlitServer) -> None:
    open_app(page, atlas)
    sample = FIXTURES / "import" / "acled_sample.csv"
    page.get_by_text("Import a file").click()
    page.locator('input[type="file"]').set_input_files(str(sample))
    expect(count_text(page, 6, 6)).to_be_visible()
    expect(markers(page)).to_have_count(6)
    expect(page.get_by_role("heading", level=1)).to_have_text("Imported: acled_sample.csv")


def test_uploading_a_tracker_csv_shows_the_column_guesses_and_its_events(
    page: Page, atlas: StreamlitServer, tmp_path: Path
) -> None:
    """A tracker's own CSV (Lat/Lng, month-first dates, free-text types, a bad link) imports
    as-is; the import box shows the guessed columns and the grouped warning."""
    tracker = tmp_path / "tracker.csv"
    tracker.write_text(
        "Date,Lat,Lng,Category,Description,Link\n"
        "03/14/2022,50.45,30.52,Drone Strike,Drone hit a building,t.me/channel/1\n"
        "03/04/2022,49.99,36.23,Artillery,Shelling overnight,https://example.org/a\n",
        encoding="utf-8",
    )
    open_app(page, atlas)
    page.get_by_text("Import a file").click()
    page.locator('input[type="file"]').set_input_files(str(tracker))
    expect(count_text(page, 2, 2)).to_be_visible()
    expect(markers(page)).to_have_count(2)
    expect(sidebar(page).get_by_role("combobox", name="Lat")).to_have_value("latitude")
    expect(sidebar(page).get_by_role("combobox", name="Lng")).to_have_value("longitude")
    expect(page.get_by_text("not a web address", exact=False).first).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "import-tracker.png"), full_page=True)


def test_go_to_place_finds_the_towns_readers_mean_and_asks_when_it_cannot_tell(
    page: Page, start_app: Any
) -> None:
    """On the shipped data (Ukraine), "Odesa" is Odesa, Ukraine; "Springfield" is asked about
    under the box; each answer is also a toast, seen wherever the sidebar is scrolled."""
    server = start_app(APP_DIR / "data" / "events.yaml")
    open_app(page, server)
    box = sidebar(page).get_by_label("Go to place", exact=True)
    box.fill("Odesa")
    sidebar(page).get_by_role("button", name="Go", exact=True).click()
    expect(
        page.get_by_test_id("stToast").filter(has_text="Centred on Odesa — Odesa region, Ukraine")
    ).to_be_visible()
    # A town is zoom 10; offline, no closer than the basemap's deepest zoom, 6.
    expect(page).to_have_url(re.compile(r"[?&]lat=46\.4\d*&lon=30\.7\d*&z=6"))
    frame = wait_map_idle(page)
    zoom, lat, lon = frame.evaluate(MAP_VIEW_JS)
    assert zoom == 6 and abs(lat - 46.48) < 0.05 and abs(lon - 30.73) < 0.05

    box.fill("Springfield")
    sidebar(page).get_by_role("button", name="Go", exact=True).click()
    pick = sidebar(page).get_by_label("Which Springfield?", exact=True)
    expect(pick).to_be_visible()
    expect(
        page.get_by_test_id("stToast").filter(has_text="pick one under the Go button")
    ).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "go-to-place-pick.png"))
    illinois = page.get_by_role("option", name=re.compile(r"^Springfield — Illinois, United"))
    for _ in range(3):  # the first click on a select box may only take the focus
        pick.click()
        try:
            illinois.wait_for(timeout=2_000)
            break
        except Exception:
            continue
    illinois.click()
    expect(page).to_have_url(re.compile(r"[?&]lat=39\.8\d*&lon=-89\.6\d*&z=6"))
    expect(sidebar(page).get_by_label("Which Springfield?", exact=True)).to_have_count(0)


def test_after_an_upload_the_map_opens_on_the_new_data_and_says_what_links_show(
    page: Page, atlas: StreamlitServer
) -> None:
    """Opened on New York, an upload of Ukrainian events moves the map to them (not "6 events
    outside this view"), and the page says a link shows the site's own events, not the file."""
    page.goto(atlas.url("lat=40.7&lon=-74.0&z=9"))
    expect(markers(page).first).to_be_attached(timeout=FIRST_RENDER_TIMEOUT_MS)
    page.get_by_text("Import a file").click()
    page.locator('input[type="file"]').set_input_files(
        str(FIXTURES / "import" / "acled_sample.csv")
    )
    expect(count_text(page, 6, 6)).to_be_visible()
    expect(
        page.get_by_text(re.compile("A link to this page shows the site's own events"))
    ).to_be_visible()
    expect(page).not_to_have_url(re.compile(r"lat=40\.7"))
    frame = wait_map_idle(page)
    zoom, lat, lon = frame.evaluate(MAP_VIEW_JS)
    assert 44 < lat < 53 and 22 < lon < 41, (zoom, lat, lon)  # Ukraine, not New York
    for element in markers(page).all():
        box, frame_box = element.bounding_box(), page.locator(MAP_IFRAME).bounding_box()
        assert box is not None and frame_box is not None
        assert frame_box["x"] <= box["x"] <= frame_box["x"] + frame_box["width"]
        assert frame_box["y"] <= box["y"] <= frame_box["y"] + frame_box["height"]
    page.screenshot(path=str(ARTIFACTS / "upload-theatre.png"))
