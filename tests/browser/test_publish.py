"""A published static site in a real browser, served by a plain file server.

`python -m geo publish` writes the site; Python's http.server serves the folder on 127.0.0.1
(no Streamlit). Every request the page makes is recorded and anything not to that server is
blocked: the count must be zero.
"""

from __future__ import annotations

import functools
import io
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # pragma: no cover - depends on the environment
    if os.environ.get("CI"):
        raise  # CI must run the browser tests
    pytest.skip("the playwright package is not installed", allow_module_level=True)

import geo.cli as cli
from geo import load_events
from geo.text import fold

from .conftest import ARTIFACTS, FIXTURES

pytestmark = pytest.mark.browser

EVENTS = load_events(FIXTURES / "browser_events.yaml")
HOSTILE = load_events(FIXTURES / "injection_events.yaml")
MARKERS = ".leaflet-marker-pane .ea-marker"
# The newest popup: a closed one fades out for 200 ms before Leaflet removes it.
POPUP = ".leaflet-popup-pane > .leaflet-popup:last-child .leaflet-popup-content .ea-popup"
LEGEND = ".ea-legend details"
# The map of a published page: the map its event layer is drawn into.
MAP_JS = "window.eaLayerGroup._map"
MAP_IDLE_JS = f"""() => window.eaLayerGroup && {MAP_JS}._loaded
    && !{MAP_JS}._animatingZoom && !({MAP_JS}._panAnim && {MAP_JS}._panAnim._inProgress)"""
TILES_LOADED_JS = f"""() => {{
    let loading = false;
    {MAP_JS}.eachLayer(layer => {{ if (layer.isLoading && layer.isLoading()) loading = true; }});
    return !loading;
}}"""


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """The test records every request in the browser; the server need not print them."""


class _SiteServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The browser drops tile requests it no longer needs (a zoom or a pan): not an error.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def _publish(events_file: Path, out: Path, where: str | None = None) -> None:
    args = ["publish", str(events_file), "--out", str(out)]
    if where is not None:
        args += ["--where", where]
    stdout, stderr = io.StringIO(), io.StringIO()
    assert cli.main(args, stdout, stderr) == 0, stderr.getvalue()


@pytest.fixture(scope="module")
def serve_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., str]]:
    """Publish an events file (once per file and link) and serve the folder; return its URL.

    Each server is http.server on 127.0.0.1 and a free port, in a thread, stopped at the end.
    """
    servers: dict[tuple[Path, str | None], tuple[_SiteServer, threading.Thread, str]] = {}

    def serve(events_file: Path, where: str | None = None) -> str:
        key = (events_file, where)
        if key not in servers:
            out = tmp_path_factory.mktemp("published") / "site"
            _publish(events_file, out, where)
            handler = functools.partial(_QuietHandler, directory=str(out))
            server = _SiteServer(("127.0.0.1", 0), handler)
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            servers[key] = (server, thread, f"http://127.0.0.1:{server.server_address[1]}/")
        return servers[key][2]

    yield serve
    for server, thread, _ in servers.values():
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@dataclass
class Visit:
    """A page of one published site; every request recorded, any other than the site's
    blocked, every dialog recorded and dismissed."""

    page: Page
    site: str
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def open(self, hash_part: str = "") -> Visit:
        self.page.goto(self.site + "index.html" + hash_part)
        self.page.wait_for_function(MAP_IDLE_JS)
        return self

    def hash(self) -> dict[str, str]:
        fragment = urlsplit(self.page.url).fragment
        return {k: v[0] for k, v in parse_qs(fragment, keep_blank_values=True).items()}

    def assert_stayed_inside(self) -> None:
        outside = [url for url in self.requests if not url.startswith(self.site)]
        assert outside == [] and self.blocked == [], f"requests off the site: {outside}"
        assert len(self.requests) > 3  # the page, its scripts and styles, tiles: recorded


@pytest.fixture
def visit(context: Any, page: Page) -> Callable[[str], Visit]:
    def make(site: str) -> Visit:
        seen = Visit(page, site)

        def only_the_site(route: Any) -> None:
            if route.request.url.startswith(site):
                route.continue_()
            else:
                seen.blocked.append(route.request.url)
                route.abort()

        def on_dialog(dialog: Any) -> None:
            seen.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        context.route("**/*", only_the_site)
        page.on("request", lambda request: seen.requests.append(request.url))
        page.on("dialog", on_dialog)
        return seen

    return make


def marker(page: Page, event_id: str) -> Any:
    return page.locator(f'{MARKERS}[data-event-id="{event_id}"]')


def marker_types(page: Page) -> set[str]:
    classes = page.eval_on_selector_all(MARKERS, "ms => ms.map(m => m.className)")
    return {c.split("ea-type-")[1].split()[0] for c in classes}


def test_a_published_page_draws_its_events_opens_popups_and_stays_offline(
    serve_site: Callable[..., str], visit: Callable[[str], Visit]
) -> None:
    seen = visit(serve_site(FIXTURES / "browser_events.yaml")).open()
    page = seen.page
    expect(page.locator(MARKERS)).to_have_count(len(EVENTS.events))
    expect(page.locator(".leaflet-tile-loaded").first).to_be_visible()
    expect(page.locator(".ea-site-title h1")).to_have_text(str(EVENTS.title))
    expect(page).to_have_title(str(EVENTS.title))
    view = seen.hash()
    assert set(view) == {"lat", "lon", "z"}, view  # the view, from the first moment

    # The site opens on the theatre: Brussels is out of view, counted at the map's edge.
    expect(page.locator(".ea-edge-text")).to_have_text(re.compile(r"^\d+ events? outside"))
    page.locator(".ea-edge-all").click()
    expect(page.locator(".ea-edge")).to_be_hidden()
    # A click on a marker opens its full popup, and selects it in the link.
    target = next(e for e in EVENTS.events if e.id == "eu-sanctions-oligarchs")
    marker(page, target.id).click()
    expect(page.locator(POPUP).locator(".ea-popup-title")).to_have_text(target.title)
    expect(page.locator(POPUP).locator("blockquote").first).to_contain_text(
        target.sources[0].quote[:40]
    )
    expect(marker(page, target.id)).to_have_class(re.compile(r"\bea-selected\b"))
    expect(page).to_have_url(re.compile(rf"[#&]event={target.id}(&|$)"))

    page.mouse.move(700, 980)  # off the marker: its tooltip would cover the picture
    page.wait_for_function(MAP_IDLE_JS)
    page.wait_for_function(TILES_LOADED_JS)
    expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1")  # faded in
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "published.png"))

    # Closing the popup clears the selection from the link.
    page.locator(".leaflet-popup-close-button").click()
    expect(page.locator(POPUP)).to_have_count(0)
    page.wait_for_function("() => !window.location.hash.includes('event=')")
    seen.assert_stayed_inside()


def test_the_type_filter_redraws_only_the_types_ticked_and_keeps_them_in_the_hash(
    serve_site: Callable[..., str], visit: Callable[[str], Visit]
) -> None:
    seen = visit(serve_site(FIXTURES / "browser_events.yaml")).open()
    page = seen.page
    total = len(EVENTS.events)
    legend = page.locator(LEGEND)
    expect(legend).to_have_attribute("open", "")
    expect(legend.locator("input[type=checkbox]")).to_have_count(len(marker_types(page)))

    legend.get_by_role("button", name="none").click()
    expect(page.locator(MARKERS)).to_have_count(0)
    assert seen.hash()["type"] == ""
    legend.locator('.ea-legend-row[data-type="shelling"]').click()
    expect(page.locator(MARKERS)).to_have_count(1)
    assert marker_types(page) == {"shelling"}
    expect(legend.locator("summary")).to_have_text(f"1 of {total} events shown")
    legend.locator('.ea-legend-row[data-type="armed_clash"] input').click()
    expect(page.locator(MARKERS)).to_have_count(2)
    assert marker_types(page) == {"shelling", "armed_clash"}
    assert set(seen.hash()["type"].split(",")) == {"shelling", "armed_clash"}
    assert {"lat", "lon", "z"} <= set(seen.hash())
    # The shapes of a hidden event go too: Mariupol's area stays, the convoy's line does not.
    expect(page.locator(".leaflet-overlay-pane path.leaflet-interactive")).to_have_count(1)

    legend.get_by_role("button", name="all").click()
    expect(page.locator(MARKERS)).to_have_count(total)
    assert "type" not in seen.hash()
    seen.assert_stayed_inside()


def test_a_link_to_the_page_reopens_its_view_types_and_event(
    serve_site: Callable[..., str], visit: Callable[[str], Visit]
) -> None:
    site = serve_site(FIXTURES / "browser_events.yaml")
    seen = visit(site).open(
        "#lat=49.9900&lon=36.2300&z=9&type=shelling,armed_clash&event=kharkiv-shelling"
    )
    page = seen.page
    # The link's z=9 opens at 6: a site's map goes no closer than its offline tiles.
    assert page.evaluate(f"() => {MAP_JS}.getZoom()") == 6
    centre = page.evaluate(f"() => [{MAP_JS}.getCenter().lat, {MAP_JS}.getCenter().lng]")
    assert abs(centre[0] - 49.99) < 1e-2 and abs(centre[1] - 36.23) < 1e-2  # < 1 px at zoom 6
    expect(page.locator(POPUP).locator(".ea-popup-title")).to_have_text(
        "Kharkiv residential districts shelled"
    )
    assert marker_types(page) <= {"shelling", "armed_clash"}

    # A move is written into the hash at once; a reload reopens exactly that.
    page.evaluate(f"() => {MAP_JS}.setView([48.5, 35.0], 5, {{animate: false}})")
    page.wait_for_function("() => window.location.hash.includes('z=5')")
    assert seen.hash() == {
        "lat": "48.5000",
        "lon": "35.0000",
        "z": "5",
        "type": "shelling,armed_clash",
        "event": "kharkiv-shelling",
    }
    page.reload()
    page.wait_for_function(MAP_IDLE_JS)
    assert page.evaluate(f"() => {MAP_JS}.getZoom()") == 5
    expect(page.locator(MARKERS)).to_have_count(2)

    # A link naming only an event opens the map on it, as the app does.
    seen.open("#event=eu-sanctions-oligarchs")
    expect(page.locator(POPUP).locator(".ea-popup-title")).to_have_text(
        "EU places new sanctions on Russian oligarchs and officials"
    )
    centre = page.evaluate(f"() => [{MAP_JS}.getCenter().lat, {MAP_JS}.getCenter().lng]")
    assert abs(centre[0] - 50.8503) < 0.5 and abs(centre[1] - 4.3517) < 0.5
    seen.assert_stayed_inside()


def test_a_site_published_from_a_dashboard_link_opens_on_that_view(
    serve_site: Callable[..., str], visit: Callable[[str], Visit]
) -> None:
    link = "http://localhost:8501/?type=shelling,armed_clash&event=mariupol-fighting"
    seen = visit(serve_site(FIXTURES / "browser_events.yaml", link)).open()
    page = seen.page
    expect(page.locator(MARKERS)).to_have_count(2)
    expect(page.locator(POPUP).locator(".ea-popup-title")).to_have_text(
        "Fighting around the port city of Mariupol"
    )
    assert "event" not in seen.hash()  # the published selection needs no words in the link
    page.locator(".leaflet-popup-close-button").click()
    page.wait_for_function("() => window.location.hash.includes('event=')")
    assert seen.hash()["event"] == ""  # none, said so: the reload must not reopen it
    page.reload()
    page.wait_for_function(MAP_IDLE_JS)
    expect(page.locator(MARKERS)).to_have_count(2)
    expect(page.locator(POPUP)).to_have_count(0)
    seen.assert_stayed_inside()


def test_hostile_events_and_a_hostile_hash_run_nothing(
    serve_site: Callable[..., str], visit: Callable[[str], Visit]
) -> None:
    hostile_hash = (
        "#lat=1e9&lon=<script>&z=99&type=<img src=x onerror=alert(1)>,shelling"
        "&event=</script><script>alert(2)</script>"
    )
    seen = visit(serve_site(FIXTURES / "injection_events.yaml")).open(hostile_hash)
    page = seen.page
    expect(page.locator(MARKERS)).to_have_count(
        sum(1 for e in HOSTILE.events if e.event_type.value == "shelling")
    )
    expect(page.locator(".ea-site-title h1")).to_have_text(str(HOSTILE.title))
    for event in HOSTILE.events:
        if event.event_type.value != "shelling":
            continue
        marker(page, event.id).click()
        expect(page.locator(POPUP).locator(".ea-popup-title")).to_have_text(event.title)
    assert page.evaluate("() => window.__pwned") is None
    injected = page.evaluate(
        """() => Array.from(document.querySelectorAll(
            '.ea-popup img, .ea-popup script, .ea-popup svg, .ea-site-title *:not(h1),'
            + ' [onerror], [onload]')).map(e => e.outerHTML)"""
    )
    assert injected == [] and seen.dialogs == []
    seen.assert_stayed_inside()


# -- the panel: dates, search and the list of what is shown ------------------------------------
PANEL = ".ea-site-panel"
ITEMS = ".ea-site-item"
SIZES = [(1400, 900), (390, 844)]
RECT_JS = "e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }"


def _box(page: Page, selector: str) -> tuple[float, float, float, float]:
    left, top, right, bottom = page.locator(selector).first.evaluate(RECT_JS)
    return left, top, right, bottom


def _apart(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


def _open_panel(page: Page) -> None:
    """A phone opens on the map, the panel folded: a reader opens it by its summary."""
    if page.locator(f"{PANEL} details").get_attribute("open") is None:
        page.locator(f"{PANEL} summary").click()
    expect(page.locator(f"{PANEL} details")).to_have_attribute("open", "")


def _listed(page: Page) -> list[str]:
    return page.eval_on_selector_all(ITEMS, "items => items.map(i => i.dataset.eventId)")


def _shown_ids(page: Page) -> set[str]:
    return set(
        page.eval_on_selector_all(MARKERS, "ms => ms.map(m => m.getAttribute('data-event-id'))")
    )


def _expected(first: str | None = None, words: str = "", types: set[str] | None = None) -> list:
    """The fixture's events a range from `first` and a search keep, in the list's order."""
    kept = [
        e
        for e in EVENTS.events
        if (first is None or e.last_date.isoformat() >= first)
        and all(w in fold(f"{e.title} {e.place.name} {e.summary}") for w in fold(words).split())
        and (types is None or e.event_type.value in types)
    ]
    return [e.id for e in sorted(kept, key=lambda e: (e.date, e.title))]


def _panel_leaves_the_map(page: Page) -> None:
    """The panel and the map share the page: neither covers the other, the map keeps room."""
    panel, area = _box(page, PANEL), _box(page, ".folium-map")
    assert _apart(panel, area), (panel, area)
    width, height = page.viewport_size["width"], page.viewport_size["height"]  # type: ignore[index]
    assert (area[2] - area[0]) * (area[3] - area[1]) >= 0.4 * width * height, area


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_dates_and_a_search_narrow_the_markers_and_the_list_and_a_link_reopens_them(
    serve_site: Callable[..., str], visit: Callable[[str], Visit], width: int, height: int
) -> None:
    seen = visit(serve_site(FIXTURES / "browser_events.yaml"))
    page = seen.page
    page.set_viewport_size({"width": width, "height": height})
    seen.open()
    details = page.locator(f"{PANEL} details")
    # A phone opens on the map; a large screen shows the panel beside it, open.
    if width < 700:
        expect(details).not_to_have_attribute("open", "")
    else:
        expect(details).to_have_attribute("open", "")
    _panel_leaves_the_map(page)
    _open_panel(page)
    _panel_leaves_the_map(page)
    # The date boxes are bounded by the data's first and last day, and show them.
    first, last = "2022-02-24", "2022-02-28"
    for name, value in (("from", first), ("to", last)):
        box = page.locator(f'{PANEL} input[name="{name}"]')
        expect(box).to_have_value(value)
        assert (box.get_attribute("min"), box.get_attribute("max")) == (first, last)
    assert _listed(page) == _expected()
    expect(page.locator(f"{PANEL} .ea-site-count")).to_have_text(
        f"{len(EVENTS.events)} events shown"
    )

    # A range from the 28th drops Mariupol (27th); the refugees' 24th-28th overlaps it.
    page.locator(f'{PANEL} input[name="from"]').fill("2022-02-28")
    want = _expected("2022-02-28")
    assert "mariupol-fighting" not in want and "refugees-half-million" in want
    expect(page.locator(ITEMS)).to_have_count(len(want))
    assert _listed(page) == want and _shown_ids(page) == set(want)
    # A search reads titles, places and summaries, as the app folds them (case, apostrophe).
    page.locator(f'{PANEL} input[name="q"]').fill("KYIV")
    want = _expected("2022-02-28", "kyiv")
    assert set(want) == {"kyiv-convoy", "zelenskiy-eu-membership-request"}
    expect(page.locator(ITEMS)).to_have_count(len(want))
    assert _listed(page) == want and _shown_ids(page) == set(want)
    item = page.locator(f'{ITEMS}[data-event-id="kyiv-convoy"]')
    expect(item.locator(".ea-site-when")).to_have_text("2022-02-28")
    expect(item.locator(".ea-site-type")).to_have_text("Military movement")
    expect(item.locator(".ea-site-place")).to_have_text("Road north-west of Kyiv")
    expect(item.locator(".ea-site-item-title")).to_have_text(
        "Russian military convoy over 27 km long nears Kyiv"
    )
    expect(page.locator(f"{PANEL} .ea-site-count")).to_have_text(
        f"2 of {len(EVENTS.events)} events shown"
    )
    expect(page.locator(LEGEND).locator("summary")).to_have_text(
        f"2 of {len(EVENTS.events)} events shown"
    )
    assert seen.hash()["from"] == "2022-02-28" and seen.hash()["q"] == "KYIV"
    assert "to" not in seen.hash()  # the last day is no bound: the link does not say it
    page.wait_for_function(MAP_IDLE_JS)
    page.wait_for_function(TILES_LOADED_JS)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"site-filters-{width}.png"))

    # The link reopens the same dates, search and events; the search folds apostrophes.
    link = page.url
    page.goto("about:blank")
    page.goto(link)
    page.wait_for_function(MAP_IDLE_JS)
    _open_panel(page)
    expect(page.locator(f'{PANEL} input[name="from"]')).to_have_value("2022-02-28")
    expect(page.locator(f'{PANEL} input[name="q"]')).to_have_value("KYIV")
    expect(page.locator(MARKERS)).to_have_count(2)
    assert _listed(page) == want
    seen.open("#to=2022-02-27&q=Kharkiv%E2%80%99s%20mayor")
    expect(page.locator(MARKERS)).to_have_count(0)
    _open_panel(page)
    expect(page.locator(f"{PANEL} .ea-site-empty")).to_be_visible()
    expect(page.locator(f"{PANEL} .ea-site-empty")).to_contain_text("No events match")
    page.locator(f"{PANEL} .ea-site-clear").click()
    expect(page.locator(MARKERS)).to_have_count(len(EVENTS.events))
    assert not {"from", "to", "q"} & set(seen.hash())
    seen.open("#q=Kharkiv%E2%80%99s%20mayor")
    expect(page.locator(MARKERS)).to_have_count(1)
    assert _shown_ids(page) == {"kharkiv-shelling"}

    # A hostile hash: dates that are no days mean the data's own; the search is only text.
    hostile = "<img src=x onerror=window.__pwned=1>"
    seen.open(f"#from=<script>&to=2022-13-45x&q={quote(hostile)}")
    _open_panel(page)
    expect(page.locator(f'{PANEL} input[name="from"]')).to_have_value(first)
    expect(page.locator(f'{PANEL} input[name="to"]')).to_have_value(last)
    expect(page.locator(f'{PANEL} input[name="q"]')).to_have_value(hostile)
    expect(page.locator(MARKERS)).to_have_count(0)
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator(f"{PANEL} img, {PANEL} script").count() == 0 and seen.dialogs == []
    seen.assert_stayed_inside()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_an_open_popup_stays_open_while_other_types_and_filters_change(
    serve_site: Callable[..., str], visit: Callable[[str], Visit], width: int, height: int
) -> None:
    seen = visit(serve_site(FIXTURES / "browser_events.yaml"))
    page = seen.page
    page.set_viewport_size({"width": width, "height": height})
    seen.open()
    title = "Kharkiv residential districts shelled"
    marker(page, "kharkiv-shelling").click()
    expect(page.locator(POPUP).locator(".ea-popup-title")).to_have_text(title)
    legend = page.locator(LEGEND)
    # The legend folds while a popup opens: the reader opens it to untick another type.
    legend.locator("summary").click()
    legend.locator('.ea-legend-row[data-type="armed_clash"]').click()
    expect(page.locator(MARKERS)).to_have_count(len(EVENTS.events) - 1)
    expect(page.locator(POPUP).locator(".ea-popup-title")).to_have_text(title)
    expect(page.locator(".leaflet-popup")).to_have_count(1)
    assert seen.hash()["event"] == "kharkiv-shelling"
    expect(marker(page, "kharkiv-shelling")).to_have_class(re.compile(r"\bea-selected\b"))
    expect(legend).to_have_attribute("open", "")  # the reader's open legend stays open
    # Another type again, from the open legend: the popup still stays.
    legend.locator('.ea-legend-row[data-type="sanctions"] input').click()
    expect(page.locator(MARKERS)).to_have_count(len(EVENTS.events) - 2)
    expect(page.locator(POPUP).locator(".ea-popup-title")).to_have_text(title)
    # Shown as it was: the popup opened again does not fade in.
    assert page.locator(".leaflet-popup").last.evaluate("p => getComputedStyle(p).opacity") == "1"
    page.wait_for_function(MAP_IDLE_JS)
    page.wait_for_function(TILES_LOADED_JS)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"site-popup-kept-{width}.png"))

    # A search that still finds it keeps it open; one that does not closes it.
    _open_panel(page)
    page.locator(f'{PANEL} input[name="q"]').fill("artillery")
    expect(page.locator(MARKERS)).to_have_count(1)
    expect(page.locator(POPUP).locator(".ea-popup-title")).to_have_text(title)
    assert seen.hash()["event"] == "kharkiv-shelling"
    expect(page.locator(f'{ITEMS}[data-event-id="kharkiv-shelling"]')).to_have_attribute(
        "aria-current", "true"
    )
    page.locator(f'{PANEL} input[name="q"]').fill("convoy")
    expect(page.locator(MARKERS)).to_have_count(1)
    expect(page.locator(POPUP)).to_have_count(0)
    # No event selected is what the site was published with: the link no longer names one.
    page.wait_for_function("() => !window.location.hash.includes('event=')")
    seen.assert_stayed_inside()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_an_item_of_the_list_opens_its_popup_on_the_map(
    serve_site: Callable[..., str], visit: Callable[[str], Visit], width: int, height: int
) -> None:
    seen = visit(serve_site(FIXTURES / "browser_events.yaml"))
    page = seen.page
    page.set_viewport_size({"width": width, "height": height})
    seen.open()
    _open_panel(page)
    # Brussels is outside the opening view: the map goes to it.
    target = "eu-sanctions-oligarchs"
    page.locator(f'{ITEMS}[data-event-id="{target}"]').click()
    expect(page.locator(POPUP).locator(".ea-popup-title")).to_have_text(
        "EU places new sanctions on Russian oligarchs and officials"
    )
    page.wait_for_function(f"() => /[#&]event={target}(&|$)/.test(window.location.hash)")
    expect(marker(page, target)).to_have_class(re.compile(r"\bea-selected\b"))
    if width < 700:  # a phone folds the panel: the map and its popup get the room
        expect(page.locator(f"{PANEL} details")).not_to_have_attribute("open", "")
    page.wait_for_function(MAP_IDLE_JS)
    expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1")
    popup, area = _box(page, ".leaflet-popup"), _box(page, ".folium-map")
    assert _apart(popup, _box(page, PANEL)), popup
    assert area[0] <= popup[0] and popup[2] <= area[2] and area[1] <= popup[3] <= area[3]
    _panel_leaves_the_map(page)
    page.wait_for_function(TILES_LOADED_JS)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"site-list-{width}.png"))
    seen.assert_stayed_inside()
