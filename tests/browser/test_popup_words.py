"""The popup and the detail panel in the reader's words, on a desk and on a phone: a source's labels
under their field's plain name, and an ACLED row's notes shown once (as the quote).

Events: tests/fixtures/popup_words_events.yaml (made up for this test).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # pragma: no cover - depends on the environment
    if os.environ.get("CI"):
        raise  # CI must run the browser tests
    pytest.skip("the playwright package is not installed", allow_module_level=True)

from .conftest import ARTIFACTS, DEFAULT_TIMEOUT_MS, FIXTURES, StreamlitServer
from .test_browser import detail_heading, marker, open_app, popup, the_map, wait_map_idle

pytestmark = pytest.mark.browser

EVENTS_FILE = FIXTURES / "popup_words_events.yaml"
SIZES = [(1400, 900), (390, 844)]
NOTES = "two units exchanged fire near the village"


@pytest.fixture(scope="module")
def words_atlas(start_app: Callable[[Any], StreamlitServer]) -> StreamlitServer:
    return start_app(EVENTS_FILE)


@pytest.fixture(params=SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def sized_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[tuple[Page, str]]:
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        yield context.new_page(), f"{width}x{height}"
    finally:
        context.close()


def select_by_marker(page: Page, server: StreamlitServer, event_id: str, title: str) -> None:
    open_app(page, server)
    wait_map_idle(page)
    marker(page, event_id).click()
    expect(popup(page).locator(".ea-popup-title")).to_have_text(title)
    expect(detail_heading(page, title)).to_be_attached()


def shoot(page: Page, name: str) -> None:
    # Leaflet fades a popup in: shoot it once it is fully drawn.
    opened = the_map(page).locator(".leaflet-popup-pane > .leaflet-popup:last-child")
    expect(opened).to_have_css("opacity", "1")
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    path.unlink(missing_ok=True)
    page.screenshot(path=str(path))
    print(f"screenshot: {path}")


def test_acled_labels_by_plain_name_and_notes_once(
    sized_page: tuple[Page, str], words_atlas: StreamlitServer
) -> None:
    page, size = sized_page
    title = "Armed clash: Testvillage"
    select_by_marker(page, words_atlas, "TST1001", title)
    box = popup(page)
    labels = box.locator(".ea-label")
    expect(labels).to_have_text(["ACLED event type: Battles", "ACLED sub-event type: Armed clash"])
    expect(box).not_to_contain_text("event_type")
    expect(box).not_to_contain_text("Source labels")
    # ACLED's notes are both summary and quote here: shown once, as the quote.
    expect(box.locator(".ea-summary")).to_have_count(0)
    expect(box.locator("blockquote")).to_contain_text(NOTES)
    shoot(page, f"popup-words-acled-{size}.png")

    panel = page.locator(".ea-panel")
    expect(panel.locator(".ea-label")).to_have_text(
        ["ACLED event type: Battles", "ACLED sub-event type: Armed clash"]
    )
    expect(panel.locator(".ea-summary")).to_have_count(0)
    expect(panel.locator("blockquote")).to_have_count(1)
    expect(panel.locator("blockquote")).to_contain_text(NOTES)
    panel.scroll_into_view_if_needed()
    shoot(page, f"panel-words-acled-{size}.png")


def test_tracker_labels_by_their_own_names(
    sized_page: tuple[Page, str], words_atlas: StreamlitServer
) -> None:
    page, size = sized_page
    title = "Apartment block hit in Testtown"
    select_by_marker(page, words_atlas, "tracker-7", title)
    expected = ["Weapon system: Test missile", "Type of area affected: Residential"]
    expect(popup(page).locator(".ea-label")).to_have_text(expected)
    expect(popup(page).locator(".ea-summary")).to_have_text(
        "A test description of a made-up incident."
    )
    expect(page.locator(".ea-panel .ea-label")).to_have_text(expected)
    shoot(page, f"popup-words-tracker-{size}.png")
