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
from urllib.parse import parse_qs, urlsplit

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # pragma: no cover - depends on the environment
    if os.environ.get("CI"):
        raise  # CI must run the browser tests
    pytest.skip("the playwright package is not installed", allow_module_level=True)

import geo.cli as cli
from geo import load_events

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
