"""A normal visit leaves the browser's console empty and asks for nothing that is not there.

Every console message of level warning or error and every failed request (an answer of 400 or
more, or a request that never got one) is collected while the page loads and draws:
- the reader's page on the shipped data, at 1400×900 and on a 390×844 phone;
- the reader's page with filters that leave no events (the timeline says so instead of
  drawing an empty chart);
- the desk, opened directly at `/desk`, signed in by a sign-in proxy's headers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from geo.serve import AppServer
from tests.browser.conftest import (
    APP_DIR,
    ARTIFACTS,
    FIRST_RENDER_TIMEOUT_MS,
    StreamlitServer,
    seeded_desk,
)
from tests.oidc import APP_IDLE

pytestmark = pytest.mark.browser

SHIPPED = APP_DIR / "data" / "events.yaml"
DESKTOP = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMELINE_CHART = '[data-testid="stVegaLiteChart"]'
# Chromium's own notes on the attributes Streamlit gives every custom component's iframe (the
# map is one): its `allow` list names features this Chromium does not know, and its sandbox
# allows scripts and same-origin, as components need. They are Streamlit's markup, not the
# app's, and say nothing about the page working.
CHROMIUM_IFRAME_NOTES = (
    "Unrecognized feature: '",
    "An iframe which has both allow-scripts and allow-same-origin",
)


class Noise:
    """What a page reports in its console and network that a clean visit never shows."""

    def __init__(self, page: Any) -> None:
        self.found: list[str] = []
        page.on("console", self._console)
        page.on("response", self._response)
        page.on("requestfailed", self._failed)

    def _console(self, message: Any) -> None:
        if message.type not in ("warning", "error"):
            return
        if message.text.startswith(CHROMIUM_IFRAME_NOTES):
            return
        self.found.append(f"console {message.type}: {message.text}")

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.found.append(f"HTTP {response.status}: {response.url}")

    def _failed(self, request: Any) -> None:
        self.found.append(f"request failed ({request.failure}): {request.url}")


@pytest.fixture(scope="module")
def shipped(start_app: Callable[[Path], StreamlitServer]) -> StreamlitServer:
    return start_app(SHIPPED)


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    with seeded_desk(tmp_path_factory.mktemp("desk-console"), "desk-console") as (server, _):
        yield server


def visit(browser: Any, url: str, viewport: dict[str, int], **options: Any) -> tuple[Any, Noise]:
    context = browser.new_context(viewport=viewport, **options)
    context.set_default_timeout(FIRST_RENDER_TIMEOUT_MS)
    page = context.new_page()
    noise = Noise(page)
    page.goto(url, timeout=FIRST_RENDER_TIMEOUT_MS)
    return page, noise


def settle(page: Any) -> None:
    """The page's runs have ended and what they drew has had time to draw."""
    page.locator(APP_IDLE).wait_for(timeout=FIRST_RENDER_TIMEOUT_MS)
    page.wait_for_load_state("networkidle", timeout=FIRST_RENDER_TIMEOUT_MS)


def shot(page: Any, name: str, at: str | None = "Timeline") -> None:
    """The page's screen, scrolled to the heading `at` (the app scrolls inside its own box)."""
    ARTIFACTS.mkdir(exist_ok=True)
    if at is not None:
        page.get_by_role("heading", name=at).scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"console-clean-{name}.png"))


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1400x900", "390x844"])
def test_reader_page_is_quiet(
    browser: Any, shipped: StreamlitServer, viewport: dict[str, int]
) -> None:
    page, noise = visit(browser, shipped.base_url, viewport)
    try:
        page.get_by_text("events shown").first.wait_for()
        settle(page)
        # The chart is drawn, not only quiet: its bars and its date axis are there.
        chart = page.locator(TIMELINE_CHART)
        chart.locator(".mark-rect path").first.wait_for(state="attached")
        assert chart.get_by_text("28 Feb").count() >= 1
        shot(page, f"reader-{viewport['width']}")
        assert noise.found == []
    finally:
        page.context.close()


def test_no_events_left_says_so(browser: Any, shipped: StreamlitServer) -> None:
    page, noise = visit(browser, f"{shipped.base_url}/?q=zzzqqqxxx", DESKTOP)
    try:
        answer = page.get_by_text("No events match these filters: clear the search.")
        answer.wait_for()
        settle(page)
        shot(page, "no-events")
        assert page.locator(TIMELINE_CHART).count() == 0  # no axis reading "0.000000"
        assert noise.found == []
    finally:
        page.context.close()


def test_desk_opened_at_its_path_is_quiet(browser: Any, desk: AppServer) -> None:
    page, noise = visit(
        browser,
        f"{desk.base_url}/desk",
        DESKTOP,
        extra_http_headers={
            "X-Forwarded-Email": "ada@example.org",
            "X-Forwarded-User": "Ada",
            "X-Forwarded-Groups": "",
        },
    )
    try:
        page.get_by_text("Signed in as Ada").first.wait_for()
        settle(page)
        shot(page, "desk", at=None)
        assert noise.found == []
    finally:
        page.context.close()
