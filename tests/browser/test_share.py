"""Sharing a view in Chromium at 1400 x 900 and on a 390 x 844 phone: a download of a filtered
view is saved under the dataset's and the view's name, and "Copy link" copies the page's own
address (filters, selected event, map view). Screenshots: share-1400.png, share-390.png,
share-390-by-hand.png, share-download-1400.png, share-download-390.png."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # pragma: no cover - depends on the environment
    if os.environ.get("CI"):
        raise
    pytest.skip("the playwright package is not installed", allow_module_level=True)

from .conftest import APP_DIR, ARTIFACTS, DEFAULT_TIMEOUT_MS, FIRST_RENDER_TIMEOUT_MS

pytestmark = pytest.mark.browser

SHIPPED = APP_DIR / "data" / "events.yaml"
SIZES = {"1400": {"width": 1400, "height": 900}, "390": {"width": 390, "height": 844}}
SHELLING_VIEW = "type=shelling&event=kharkiv-residential-shelling"
SHELLING_CSV = "russian-invasion-of-ukraine-2022-02-24-to-28-shelling.csv"
APP_NOT_RUNNING_JS = (
    "() => document.querySelector('[data-testid=\"stApp\"]')"
    "?.getAttribute('data-test-script-state') === 'notRunning'"
)
# True once the app has not been running for `quiet` ms.
QUIET_JS = (
    "quiet => { const now = performance.now();"
    f" if (!({APP_NOT_RUNNING_JS})()) {{ window.eaBusyAt = now; return false; }}"
    " return now - (window.eaBusyAt || 0) >= quiet; }"
)
COPY = ".ea-copy-link"
STATUS = ".ea-copy-status"
# A phone on plain http: no clipboard API, and a copy command the browser refuses.
NO_CLIPBOARD_JS = """
Object.defineProperty(Navigator.prototype, "clipboard", {get: () => undefined});
document.execCommand = () => false;
"""


@pytest.fixture(scope="module")
def shipped_atlas(start_app: Any) -> Any:
    return start_app(SHIPPED)


@pytest.fixture
def at_size(browser: Any) -> Iterator[Any]:
    """A page of a given size (a phone with touch) that may read and write the clipboard."""
    contexts: list[Any] = []

    def make(size: str, init_script: str | None = None) -> Page:
        phone = size == "390"
        context = browser.new_context(
            viewport=SIZES[size],
            is_mobile=phone,
            has_touch=phone,
            permissions=["clipboard-read", "clipboard-write"],
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        if init_script:
            context.add_init_script(init_script)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def open_view(page: Page, server: Any, query: str) -> None:
    page.goto(server.url(query))
    expect(page.get_by_role("button", name="Download CSV", exact=True)).to_be_visible(
        timeout=FIRST_RENDER_TIMEOUT_MS
    )
    # The map has written its view into the address: the link is complete.
    page.wait_for_function("() => new URL(location.href).searchParams.has('z')")


def wait_idle(page: Page, quiet_ms: int = 1_500) -> None:
    """No run of the script for `quiet_ms`: a download button drawn by an earlier run points at
    a file the next run replaces, and the map asks for a run of its own once it has loaded."""
    page.wait_for_function(QUIET_JS, arg=quiet_ms, polling=100)


# True once the address has stayed the same for `quiet` ms.
ADDRESS_SETTLED_JS = (
    "quiet => { const now = performance.now();"
    " if (window.eaLastHref !== location.href) {"
    " window.eaLastHref = location.href; window.eaHrefAt = now; return false; }"
    " return now - window.eaHrefAt >= quiet; }"
)


def wait_map_settled(page: Page, quiet_ms: int = 1_000) -> None:
    """The linked event's popup is open and the map has stopped moving: its auto-pan, clear
    of the controls, writes the view into the address last, after the script is idle."""
    frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]').first
    expect(frame.locator(".leaflet-popup")).to_be_visible(timeout=FIRST_RENDER_TIMEOUT_MS)
    page.wait_for_function(ADDRESS_SETTLED_JS, arg=quiet_ms, polling=100)


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))
    print(f"screenshot: {ARTIFACTS / name}")


@pytest.mark.parametrize("size", list(SIZES))
def test_a_filtered_views_download_is_named_after_the_dataset_and_the_view(
    shipped_atlas: Any, at_size: Any, size: str, tmp_path: Path
) -> None:
    page = at_size(size)
    open_view(page, shipped_atlas, SHELLING_VIEW)
    button = page.get_by_role("button", name="Download CSV", exact=True)
    button.scroll_into_view_if_needed()
    wait_idle(page)
    button.click()
    link = page.locator(f'a[download="{SHELLING_CSV}"]')
    expect(link).to_be_visible(timeout=60_000)
    expect(link).to_contain_text(f"Save {SHELLING_CSV}")
    link.scroll_into_view_if_needed()
    shot(page, f"share-download-{size}.png")
    with page.expect_download() as arrived:
        link.click()
    download = arrived.value
    assert download.suggested_filename == SHELLING_CSV
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    rows = saved.read_text(encoding="utf-8").splitlines()
    assert len(rows) == 2  # the header and the one shelling event
    site = page.get_by_role("button", name="Download static site (.zip)")
    wait_idle(page)
    with page.expect_download() as arrived:
        site.click()
    assert arrived.value.suggested_filename == SHELLING_CSV.replace(".csv", "-site.zip")


@pytest.mark.parametrize("size", list(SIZES))
def test_copy_link_copies_the_address_of_exactly_what_the_reader_sees(
    shipped_atlas: Any, at_size: Any, size: str
) -> None:
    page = at_size(size)
    open_view(page, shipped_atlas, SHELLING_VIEW)
    copy = page.locator(COPY)
    expect(copy).to_have_text("Copy link")
    box = copy.bounding_box()
    assert box is not None and box["height"] >= (40 if size == "390" else 30)
    # On a phone it is on the first screen, above the map.
    assert box["y"] + box["height"] <= SIZES[size]["height"]
    wait_idle(page)
    wait_map_settled(page)  # a reader copies the view they see, once the map is still
    copy.click()
    expect(page.locator(STATUS)).to_contain_text("Copied")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == page.evaluate("() => location.href")
    query = query_of(copied)
    assert query["type"] == "shelling" and query["event"] == "kharkiv-residential-shelling"
    assert {"lat", "lon", "z"} <= set(query)
    assert urlsplit(copied).netloc == urlsplit(shipped_atlas.base_url).netloc
    shot(page, f"share-{size}.png")


def test_without_a_clipboard_the_link_is_shown_selected_to_copy_by_hand(
    shipped_atlas: Any, at_size: Any
) -> None:
    page = at_size("390", NO_CLIPBOARD_JS)
    open_view(page, shipped_atlas, SHELLING_VIEW)
    wait_idle(page)
    wait_map_settled(page)
    page.locator(COPY).click()
    expect(page.locator(STATUS)).to_have_text("Copy this link:")
    field = page.get_by_role("textbox", name="Link to this view")
    expect(field).to_be_visible()
    assert field.input_value() == page.evaluate("() => location.href")
    selected = page.evaluate(
        "() => { const f = document.querySelector('.ea-copy-text');"
        " return [f.selectionStart, f.selectionEnd, f.value.length]; }"
    )
    assert selected[0] == 0 and selected[1] == selected[2]
    shot(page, "share-390-by-hand.png")
