"""The reader's page on a 390 x 844 phone, checked against 1400 x 900 where a change could reach
wide screens: the events list shows each event's date, type, place and title; the filter drawer
closes after a choice (and the sidebar stays open on a wide screen); the timeline's Play and
Pause show Material icons; no character on the page draws as a box.

Screenshots are saved in artifacts/: phone-table-390.png, phone-table-1400.png,
phone-drawer-closed-390.png, phone-drawer-open-1400.png, phone-play-390.png,
phone-pause-390.png.
"""

from __future__ import annotations

import os
import re
from typing import Any

import pytest

try:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import Locator, Page, expect
except ImportError:  # pragma: no cover - depends on the environment
    if os.environ.get("CI"):
        raise
    pytest.skip("the playwright package is not installed", allow_module_level=True)

from geo.web.explore import STACKED_ROW_PX

from .conftest import ARTIFACTS
from .test_browser import MAP_IFRAME, MARKERS, map_window
from .test_layout import (
    DESKTOP,
    PHONE,
    RECT_JS,
    SHIPPED_EVENTS,
    at_size,
    open_shipped,
    shipped_atlas,
    shot,
)

pytestmark = pytest.mark.browser
__all__ = ["at_size", "shipped_atlas"]  # fixtures shared with test_layout

KHARKIV = next(e for e in SHIPPED_EVENTS if e["id"] == "kharkiv-residential-shelling")
WIDE_COLUMNS = ["Date", "Type", "Title", "Place", "Country", "Precision", "Killed"]

# A character draws as a box when no font has it: Chromium then draws the primary font's
# "missing glyph". Each character is drawn on a canvas in the page's own font and compared
# with a character no font has (a private-use code point of plane 16).
TOFU_JS = """(chars) => {
    const font = getComputedStyle(document.body).fontFamily;
    const canvas = document.createElement("canvas");
    canvas.width = 48; canvas.height = 48;
    const ctx = canvas.getContext("2d", {willReadFrequently: true});
    const draw = (c) => {
        ctx.clearRect(0, 0, 48, 48);
        ctx.font = "32px " + font;
        ctx.fillText(c, 4, 36);
        return ctx.getImageData(0, 0, 48, 48).data.join(",");
    };
    const missing = draw("\\u{10FFFD}");
    return chars.filter(c => draw(c) === missing);
}"""


def stacked(page: Page) -> Locator:
    return page.locator(".st-key-ea-table-stacked")


def columns(page: Page) -> Locator:
    return page.locator(".st-key-ea-table-columns")


def grid_cells(table: Locator) -> list[str]:
    """The texts of the grid's drawn cells, from the table it keeps for screen readers."""
    texts: list[str] = table.locator("[role=gridcell]").all_inner_texts()
    return texts


def kharkiv_row(table: Locator) -> str:
    """The Kharkiv shelling's row, its cells' texts joined."""
    rows = table.locator("[role=row]").filter(has_text=KHARKIV["title"])
    expect(rows).to_have_count(1)
    return " | ".join(rows.locator("[role=gridcell]").all_inner_texts())


def kharkiv_fields() -> list[str]:
    date = str(KHARKIV["date"])
    return [date, "Shelling / missile attack", KHARKIV["place"]["name"], KHARKIV["title"]]


def test_a_phone_lists_each_events_date_type_place_and_title(
    at_size: Any, shipped_atlas: Any
) -> None:
    page = at_size(PHONE, phone=True)
    open_shipped(page, shipped_atlas)
    expect(columns(page)).to_be_hidden()
    listed = stacked(page)
    expect(listed).to_be_visible()
    listed.scroll_into_view_if_needed()
    # One column, as wide as the screen allows: nothing to scroll sideways.
    headers = listed.locator("[role=columnheader]").filter(has_text=re.compile(r"\w"))
    expect(headers).to_have_text(["Event"])
    left, _, right, _ = listed.evaluate(RECT_JS)
    assert left >= 0 and right <= PHONE["width"], (left, right)
    scroller = listed.locator(".dvn-scroller")
    assert scroller.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    # Rows tall enough to wrap a cell's text over the lines it needs.
    row = kharkiv_row(listed)
    for field in kharkiv_fields():
        assert field in row, (field, row)
    shot(page, "phone-table-390.png")


def test_a_row_tapped_in_the_phones_list_selects_its_event(
    at_size: Any, shipped_atlas: Any
) -> None:
    page = at_size(PHONE, phone=True)
    open_shipped(page, shipped_atlas)
    listed = stacked(page)
    listed.scroll_into_view_if_needed()
    expect(listed.locator("[role=row]").filter(has_text=KHARKIV["title"])).to_have_count(1)
    box = listed.bounding_box()
    assert box is not None
    row = next(i for i, e in enumerate(SHIPPED_EVENTS) if e is KHARKIV)
    # The grid is a canvas: tap the row's checkbox, under a header about 40 px tall.
    page.mouse.click(box["x"] + 14, box["y"] + 40 + STACKED_ROW_PX * row + STACKED_ROW_PX // 2)
    expect(page).to_have_url(re.compile(r"[?&]event=kharkiv-residential-shelling(&|$)"))
    expect(page.get_by_role("heading", name=KHARKIV["title"], exact=True)).to_be_attached()


def test_a_wide_screen_keeps_the_tables_columns(at_size: Any, shipped_atlas: Any) -> None:
    page = at_size(DESKTOP)
    open_shipped(page, shipped_atlas)
    expect(stacked(page)).to_be_hidden()
    table = columns(page)
    expect(table).to_be_visible()
    table.scroll_into_view_if_needed()
    named = table.locator("[role=columnheader]").filter(has_text=re.compile(r"\w"))
    expect(named.first).to_have_text("Date")
    headers = [h.strip() for h in named.all_inner_texts()]
    # The grid draws the columns in sight (the long titles push the others to a side scroll).
    assert [h for h in headers if h] == WIDE_COLUMNS[: len([h for h in headers if h])], headers
    assert "Place" in headers, headers
    colcount = table.locator("[role=grid]").first.get_attribute("aria-colcount")
    assert colcount is not None and int(colcount) >= len(WIDE_COLUMNS), colcount
    row = kharkiv_row(table)
    for field in kharkiv_fields():
        assert field in row, (field, row)
    page.screenshot(path=str(ARTIFACTS / "phone-table-1400.png"))


def choose_type(page: Page, label: str) -> None:
    widget = (
        page.get_by_test_id("stSidebar")
        .get_by_test_id("stMultiSelect")
        .filter(has=page.get_by_test_id("stWidgetLabel").filter(has_text="Event type"))
    )
    option = page.get_by_role("option", name=label)
    for _ in range(3):  # a list opened while the drawer still slides in may close again
        widget.get_by_role("combobox", name="Event type").click()
        try:
            option.wait_for(state="visible", timeout=5_000)
            break
        except PlaywrightError:
            page.keyboard.press("Escape")
    option.click()


def test_the_drawer_closes_after_a_type_choice_on_a_phone(at_size: Any, shipped_atlas: Any) -> None:
    page = at_size(PHONE, phone=True)
    open_shipped(page, shipped_atlas)
    drawer = page.get_by_test_id("stSidebar")
    page.get_by_test_id("stExpandSidebarButton").tap()
    expect(drawer).to_have_attribute("data-collapsed", "false")
    choose_type(page, "Shelling / missile attack")
    shelling = sum(e["event_type"] == "shelling" for e in SHIPPED_EVENTS)
    expect(page.get_by_text(f"{shelling} of {len(SHIPPED_EVENTS)} events shown")).to_be_visible()
    expect(drawer).to_have_attribute("data-collapsed", "true")
    # The map is in sight, nothing left open over it.
    expect(page.get_by_role("listbox")).to_have_count(0)
    iframe = page.locator(MAP_IFRAME).evaluate(RECT_JS)
    assert iframe[1] < PHONE["height"] / 2
    expect(map_window(page).locator(MARKERS)).to_have_count(shelling)
    shot(page, "phone-drawer-closed-390.png")

    # Opened again, the drawer stays open until the next choice.
    page.get_by_test_id("stExpandSidebarButton").tap()
    expect(drawer).to_have_attribute("data-collapsed", "false")
    page.wait_for_timeout(1500)
    expect(drawer).to_have_attribute("data-collapsed", "false")


def test_a_wide_screen_keeps_the_sidebar_open_after_a_choice(
    at_size: Any, shipped_atlas: Any
) -> None:
    page = at_size(DESKTOP)
    open_shipped(page, shipped_atlas)
    drawer = page.get_by_test_id("stSidebar")
    expect(drawer).to_have_attribute("data-collapsed", "false")
    choose_type(page, "Shelling / missile attack")
    page.keyboard.press("Escape")
    shelling = sum(e["event_type"] == "shelling" for e in SHIPPED_EVENTS)
    expect(page.get_by_text(f"{shelling} of {len(SHIPPED_EVENTS)} events shown")).to_be_visible()
    page.wait_for_timeout(1500)
    expect(drawer).to_have_attribute("data-collapsed", "false")
    expect(drawer.get_by_text("Event type", exact=True)).to_be_visible()
    shot(page, "phone-drawer-open-1400.png")


def material_icon(button: Locator, name: str) -> None:
    """The button's icon is the Material Symbols ligature `name`, drawn as one glyph."""
    icon = button.get_by_test_id("stIconMaterial")
    expect(icon).to_have_text(name)
    assert "Material Symbols" in icon.evaluate("e => getComputedStyle(e).fontFamily")
    left, top, right, bottom = icon.evaluate(RECT_JS)
    # Drawn by the font, the ligature is one square glyph, not the word spelled out.
    assert right - left < 2 * (bottom - top), (name, right - left, bottom - top)


def test_play_and_pause_show_material_icons(at_size: Any, shipped_atlas: Any) -> None:
    page = at_size(PHONE, phone=True)
    open_shipped(page, shipped_atlas)
    page.evaluate("() => document.fonts.ready.then(() => true)")
    play = page.get_by_role("button", name="Play", exact=True)
    play.scroll_into_view_if_needed()
    material_icon(play, "play_arrow")
    shot(page, "phone-play-390.png")
    play.tap()
    pause = page.get_by_role("button", name="Pause", exact=True)
    material_icon(pause, "pause")
    shot(page, "phone-pause-390.png")
    pause.tap()
    expect(page.get_by_role("button", name="Play", exact=True)).to_be_visible()


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["390", "1400"])
def test_no_character_of_the_page_draws_as_a_box(
    at_size: Any, shipped_atlas: Any, size: dict[str, int]
) -> None:
    page = at_size(size, phone=size is PHONE)
    open_shipped(page, shipped_atlas)
    if size is PHONE:
        page.get_by_test_id("stExpandSidebarButton").tap()
    texts = [page.evaluate("() => document.body.innerText")]
    texts.append(map_window(page).evaluate("() => document.body.innerText"))
    # The grid draws on a canvas: its cells' texts come from its screen-reader table.
    for table in (stacked(page), columns(page)):
        texts += grid_cells(table)
    texts += [e["title"] for e in SHIPPED_EVENTS]
    chars = sorted({c for text in texts for c in text if ord(c) > 0x7F and c.isprintable()})
    assert page.evaluate(TOFU_JS, ["\U0010fffc"]) == ["\U0010fffc"]  # the check sees a box
    assert page.evaluate(TOFU_JS, chars) == [], chars
