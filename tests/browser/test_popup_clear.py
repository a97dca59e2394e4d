"""An open popup clears every control of the map, and the scale bar clears the attribution, at
1400 x 900 and on a 390 x 844 phone: on the shipped story (the Kharkiv shelling, chosen by a
link and by a click on its marker) and on 100,000 events, where the "outside this view" pill
shows and a lone event opens by a click.

Screenshots: artifacts/popup-clear-{shipped-link,shipped-click,large}-{1400,390}.png.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

try:
    from playwright.sync_api import Frame, Page, expect
except ImportError:  # pragma: no cover - depends on the environment
    if os.environ.get("CI"):
        raise  # CI must run the browser tests
    pytest.skip("the playwright package is not installed", allow_module_level=True)

from geo.store import EventStore
from geo.urlstate import MapView

from .conftest import (
    APP_DIR,
    ARTIFACTS,
    DEFAULT_TIMEOUT_MS,
    FIRST_RENDER_TIMEOUT_MS,
    StreamlitServer,
)
from .test_browser import MAP_IDLE_JS, MARKERS, TILES_LOADED_JS, map_window, marker, the_map
from .test_large import loneliest_event

pytestmark = pytest.mark.browser

SHIPPED = APP_DIR / "data" / "events.yaml"
KHARKIV = "kharkiv-residential-shelling"
KHARKIV_TITLE = "Russian artillery bombards residential districts of Kharkiv"
SIZES = [(1400, 900), (390, 844)]
NEWEST_POPUP = ".leaflet-popup-pane > .leaflet-popup:last-child"

# The map's box, the newest popup's and every control's shown on the map (Leaflet's controls
# and the pill), in the map iframe's pixels; a control is named by its own class.
BOXES_JS = """() => {
    const box = e => { const r = e.getBoundingClientRect();
                       return [r.left, r.top, r.right, r.bottom]; };
    const common = ["leaflet-control", "leaflet-bar"];
    const container = map_div.getContainer();
    const controls = [...container.querySelectorAll(".leaflet-control, .ea-edge")]
        .filter(e => e.offsetWidth > 0 && e.offsetHeight > 0)
        .map(e => ({name: [...e.classList].filter(c => !common.includes(c))[0], box: box(e)}));
    const popup = container.querySelector(".leaflet-popup-pane > .leaflet-popup:last-child");
    return {map: box(container), popup: popup ? box(popup) : null, controls: controls};
}"""


def overlaps(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def inside(inner: list[float], outer: list[float]) -> bool:
    return (
        inner[0] >= outer[0]
        and inner[1] >= outer[1]
        and inner[2] <= outer[2]
        and inner[3] <= outer[3]
    )


def rounded(box: list[float]) -> list[int]:
    return [round(v) for v in box]


@pytest.fixture(scope="module")
def shipped_atlas(start_app: Callable[[Path], StreamlitServer]) -> StreamlitServer:
    return start_app(SHIPPED)


@pytest.fixture(params=SIZES, ids=lambda size: str(size[0]))
def sized_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[tuple[Page, str]]:
    """A page at 1400 x 900, or a phone's 390 x 844 with touch and a mobile user agent."""
    width, height = request.param
    phone = width < 640
    context = browser.new_context(
        viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        yield context.new_page(), str(width)
    finally:
        context.close()


def settled_popup(page: Page, title: str, event_id: str) -> Frame:
    """Wait until the page has selected the event, drawn it again with its popup open, and the
    map has finished the pan that brings the popup clear."""
    expect(page).to_have_url(re.compile(rf"[?&]event={re.escape(event_id)}(&|$)"))
    the_map(page).locator(".ea-selected").first.wait_for(state="attached")
    frame = map_window(page)
    newest = the_map(page).locator(NEWEST_POPUP)
    expect(newest.locator(".ea-popup-title")).to_have_text(title)
    expect(newest).to_have_css("opacity", "1")
    frame.wait_for_function(MAP_IDLE_JS)
    page.wait_for_timeout(400)  # a pan that a redraw starts late
    frame.wait_for_function(MAP_IDLE_JS)
    return frame


def assert_clear(page: Page, name: str) -> None:
    """The popup inside the map and off every control; the scale bar off the attribution."""
    frame = map_window(page)
    frame.wait_for_function(TILES_LOADED_JS)
    boxes = frame.evaluate(BOXES_JS)
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"popup-clear-{name}.png"
    path.unlink(missing_ok=True)
    page.screenshot(path=str(path))
    measured = {c["name"]: rounded(c["box"]) for c in boxes["controls"]}
    print(f"{name}: map {rounded(boxes['map'])} popup {boxes['popup'] and rounded(boxes['popup'])}")
    print(f"{name}: controls {measured}")
    popup = boxes["popup"]
    assert popup is not None, "no popup is open"
    assert inside(popup, boxes["map"]), f"the popup {rounded(popup)} leaves the map {boxes['map']}"
    under = [c["name"] for c in boxes["controls"] if overlaps(popup, c["box"])]
    assert under == [], f"the popup {rounded(popup)} is under {under}: {measured}"
    # The scale bar (lifted clear of the bottom right corner) and the pill meet no control.
    for moved in ("leaflet-control-scale", "ea-edge"):
        own = [c["box"] for c in boxes["controls"] if c["name"] == moved]
        met = [
            c["name"]
            for c in boxes["controls"]
            if c["name"] != moved and any(overlaps(box, c["box"]) for box in own)
        ]
        assert met == [], f"{moved} meets {met}: {measured}"
    assert any(c["name"] == "leaflet-control-attribution" for c in boxes["controls"])


def test_a_linked_event_opens_clear_of_the_controls(
    sized_page: tuple[Page, str], shipped_atlas: StreamlitServer
) -> None:
    page, size = sized_page
    page.goto(shipped_atlas.url(f"event={KHARKIV}"))
    expect(the_map(page).locator(MARKERS).first).to_be_attached(timeout=FIRST_RENDER_TIMEOUT_MS)
    settled_popup(page, KHARKIV_TITLE, KHARKIV)
    assert_clear(page, f"shipped-link-{size}")


def test_a_clicked_marker_opens_clear_of_the_controls(
    sized_page: tuple[Page, str], shipped_atlas: StreamlitServer
) -> None:
    page, size = sized_page
    page.goto(shipped_atlas.url())
    expect(the_map(page).locator(MARKERS).first).to_be_attached(timeout=FIRST_RENDER_TIMEOUT_MS)
    frame = map_window(page)
    frame.wait_for_function(MAP_IDLE_JS)
    # The pill shows on the opening view (events in New York and Brussels are outside it).
    expect(the_map(page).locator(".ea-edge")).to_be_visible()
    target = marker(page, KHARKIV)
    if size == "390":
        target.tap()
    else:
        target.click()
    settled_popup(page, KHARKIV_TITLE, KHARKIV)
    assert_clear(page, f"shipped-click-{size}")


def test_a_lone_event_of_large_data_opens_clear_of_the_pill(
    sized_page: tuple[Page, str], large_atlas: StreamlitServer, large_store_file: Path
) -> None:
    page, size = sized_page
    store = EventStore.open(large_store_file)
    cell = loneliest_event(store, MapView(49.0, 31.5, 6))
    assert cell.lone_id is not None
    event = store.event(cell.lone_id)
    assert event is not None and event.place.point is not None
    lat, lon = event.place.point
    page.goto(large_atlas.url(f"lat={lat}&lon={lon}&z=6"))
    lone = the_map(page).locator(f'.leaflet-marker-pane [data-event-id="{event.id}"]')
    expect(lone).to_be_visible(timeout=FIRST_RENDER_TIMEOUT_MS)
    map_window(page).wait_for_function(MAP_IDLE_JS)
    expect(the_map(page).locator(".ea-edge")).to_be_visible()
    if size == "390":
        lone.tap()
    else:
        lone.click()
    settled_popup(page, event.title, event.id)
    assert_clear(page, f"large-{size}")
