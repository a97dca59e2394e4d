"""Answers where the reader looks, at 1400 x 900 and on a 390 x 844 phone: "Go to place" answers
next to its box and as a toast, both inside the viewport, even when the reader scrolled the
sidebar only just far enough to see the box; a link with values the page cannot use names each
of them at the top of the page.

Screenshots in artifacts/: answers-go-unknown-{size}.png, answers-go-known-{size}.png,
answers-link-{size}.png.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest

try:
    from playwright.sync_api import Locator, Page, expect
except ImportError:  # pragma: no cover - depends on the environment
    if os.environ.get("CI"):
        raise
    pytest.skip("the playwright package is not installed", allow_module_level=True)

from geo.web.page import K_GO_ANSWER

from .conftest import APP_DIR, ARTIFACTS, DEFAULT_TIMEOUT_MS, FIRST_RENDER_TIMEOUT_MS
from .test_browser import MAP_IFRAME, MARKERS

pytestmark = pytest.mark.browser

SHIPPED = APP_DIR / "data" / "events.yaml"
SIZES = {
    "1400": ({"width": 1400, "height": 900}, False),
    "390": ({"width": 390, "height": 844}, True),
}
RECT_JS = "e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }"
# Scroll the sidebar only just far enough to see an element: its bottom at the screen's bottom.
SCROLL_TO_BOTTOM_EDGE_JS = "e => e.scrollIntoView({block: 'end'})"


@pytest.fixture(scope="module")
def shipped_atlas(start_app: Any) -> Any:
    return start_app(SHIPPED)


@pytest.fixture(params=list(SIZES))
def sized_page(request: pytest.FixtureRequest, browser: Any) -> Iterator[tuple[Page, str]]:
    """A page at 1400 x 900, or a 390 x 844 phone with touch and a mobile user agent."""
    size, phone = SIZES[request.param]
    context = browser.new_context(viewport=size, is_mobile=phone, has_touch=phone)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    yield context.new_page(), request.param
    context.close()


def open_page(page: Page, server: Any, query: str = "") -> None:
    page.goto(server.url(query))
    marker = page.frame_locator(MAP_IFRAME).locator(MARKERS).first
    expect(marker).to_be_attached(timeout=FIRST_RENDER_TIMEOUT_MS)


def assert_in_viewport(page: Page, element: Locator, what: str) -> None:
    """The element's whole box is on the screen as it is now, without any scrolling."""
    expect(element).to_be_visible()
    left, top, right, bottom = element.evaluate(RECT_JS)
    size = page.viewport_size
    assert size is not None
    inside = left >= 0 and top >= 0 and right <= size["width"] and bottom <= size["height"]
    assert inside, f"{what} at {(left, top, right, bottom)} is outside {size}"


def open_filters(page: Page) -> None:
    sidebar = page.get_by_test_id("stSidebar")
    if sidebar.get_attribute("data-collapsed") == "true":
        page.get_by_test_id("stExpandSidebarButton").click()
        expect(sidebar).to_have_attribute("data-collapsed", "false")


def go_to(page: Page, name: str) -> None:
    """Type a name as a reader would: the sidebar scrolled just far enough to see the Go button."""
    open_filters(page)
    sidebar = page.get_by_test_id("stSidebar")
    button = sidebar.get_by_role("button", name="Go", exact=True)
    button.evaluate(SCROLL_TO_BOTTOM_EDGE_JS)
    sidebar.get_by_label("Go to place", exact=True).fill(name)
    button.evaluate(SCROLL_TO_BOTTOM_EDGE_JS)
    button.click()


def answer_next_to_the_box(page: Page, text: str) -> Locator:
    """The answer just above the box (a keyed container: its key is its CSS class)."""
    slot = page.get_by_test_id("stSidebar").locator(f".st-key-{K_GO_ANSWER}")
    return slot.get_by_test_id("stAlert").filter(has_text=text)


def toast(page: Page, text: str) -> Locator:
    return page.get_by_test_id("stToast").filter(has_text=text)


def test_go_to_place_answers_inside_the_viewport(
    sized_page: tuple[Page, str], shipped_atlas: Any
) -> None:
    page, size = sized_page
    open_page(page, shipped_atlas)
    ARTIFACTS.mkdir(exist_ok=True)

    go_to(page, "Xyzzy")
    unknown = "No place called 'Xyzzy' in the offline gazetteer"
    for where, element in (
        ("next to the box", answer_next_to_the_box(page, unknown)),
        ("as a toast", toast(page, unknown)),
    ):
        assert_in_viewport(page, element, f"the unknown-place answer {where}")
        expect(element).to_contain_text("check the spelling")
    page.screenshot(path=str(ARTIFACTS / f"answers-go-unknown-{size}.png"))

    go_to(page, "Odesa")
    known = "Centred on Odesa — Odesa region, Ukraine"
    expect(page).to_have_url(re.compile(r"[?&]lat=46\.4\d*&lon=30\.7\d*"))
    open_filters(page)  # a phone may fold the drawer away to show the map
    for where, element in (
        ("next to the box", answer_next_to_the_box(page, known)),
        ("as a toast", toast(page, known)),
    ):
        assert_in_viewport(page, element, f"the known-place answer {where}")
    expect(answer_next_to_the_box(page, unknown)).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / f"answers-go-known-{size}.png"))


def test_a_link_names_every_value_it_ignored_at_the_top_of_the_page(
    sized_page: tuple[Page, str], shipped_atlas: Any
) -> None:
    page, size = sized_page
    open_page(page, shipped_atlas, "country=XX&event=nope")
    message = page.get_by_test_id("stAlert").filter(has_text="Ignored from the link")
    assert_in_viewport(page, message, "the link's message")
    expect(message).to_contain_text("country=XX")
    expect(message).to_contain_text("no such country code")
    expect(message).to_contain_text("event=nope")
    expect(message).to_contain_text("no event with that id in this dataset")
    # What the page shows instead.
    expect(message).to_contain_text("all countries")
    expect(message).to_contain_text("no event is selected")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"answers-link-{size}.png"))
