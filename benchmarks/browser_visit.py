"""What a real Chromium sends when it opens a link: every `rerun_script` BackMsg the page's
websocket carries, with the map component's value in each, and the time to the first markers.

    .venv/bin/python benchmarks/browser_visit.py URL      # prints the sequence as JSON

Used by benchmarks/load.py (a real browser's first markers while protocol readers interact) and
by tests/test_load_sequence.py (the load client must send what a browser sends).
"""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from streamlit.proto.BackMsg_pb2 import BackMsg

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 1000}
# Markers of the event layer in the map's iframe: a marker, a cell disc, or a density square.
MARKERS = ".leaflet-marker-icon, .leaflet-interactive"


@dataclass
class Rerun:
    """One script run the browser asked for: the map's value in it (None when it did not
    change), and the widget ids it carried."""

    map_value: dict[str, Any] | None
    widgets: list[str] = field(default_factory=list)


@dataclass
class Visit:
    reruns: list[Rerun]
    first_markers_s: float | None
    # Seconds from navigation to each step of the page's first paint (MILESTONES), as polled.
    milestones: dict[str, float] = field(default_factory=dict)


# The steps to the first markers: Streamlit's shell in the DOM, the script's first element,
# the map's iframe, Leaflet's map in it, the first marker.
MILESTONES = ("app shell", "first element", "map iframe", "Leaflet map", "first marker")
_MILESTONES_JS = """() => {
    const frame = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
    const doc = frame && frame.contentDocument;
    return [
        document.querySelector('[data-testid="stApp"]') !== null,
        document.querySelector('[data-testid="stElementContainer"]') !== null,
        frame !== null,
        !!(doc && doc.querySelector(".leaflet-container")),
        !!(doc && doc.querySelector(".leaflet-marker-icon, .leaflet-interactive")),
    ];
}"""


def _reruns(frames: list[bytes]) -> list[Rerun]:
    out: list[Rerun] = []
    for frame in frames:
        message = BackMsg()
        try:
            message.ParseFromString(frame)
        except Exception:  # not a BackMsg: another frame on the socket
            continue
        if message.WhichOneof("type") != "rerun_script":
            continue
        value: dict[str, Any] | None = None
        widgets = []
        for state in message.rerun_script.widget_states.widgets:
            widgets.append(state.id)
            if "st_folium" in state.id or state.WhichOneof("value") == "json_value":
                try:
                    found = json.loads(state.json_value)
                except ValueError:
                    continue
                if isinstance(found, dict) and ("bounds" in found or "zoom" in found):
                    value = found
        out.append(Rerun(value, widgets))
    return out


def visit(url: str, settle_s: float = 8.0, timeout_s: float = 120.0) -> Visit:
    """Open `url` in Chromium, wait for the map's markers, then `settle_s` more for the reports
    a map sends once drawn; the reruns sent and the seconds to the first markers.

    Runs in a thread of its own: Playwright's sync API refuses a thread that already runs an
    event loop (a benchmark's asyncio readers, a test session's own browser)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_visit, url, settle_s, timeout_s).result()


def _visit(url: str, settle_s: float, timeout_s: float) -> Visit:
    from playwright.sync_api import sync_playwright

    frames: list[bytes] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.on(
                "websocket",
                lambda ws: ws.on(
                    "framesent",
                    lambda payload: frames.append(payload if isinstance(payload, bytes) else b""),
                ),
            )
            started = time.perf_counter()
            page.goto(url, timeout=timeout_s * 1000, wait_until="commit")
            reached = poll_milestones(page, started, timeout_s)
            first = reached.get("first marker")
            page.wait_for_timeout(settle_s * 1000)
        finally:
            browser.close()
    return Visit(_reruns(frames), first, reached)


def poll_milestones(
    page: Any,
    started: float,
    timeout_s: float,
    names: tuple[str, ...] = MILESTONES,
    script: str = _MILESTONES_JS,
) -> dict[str, float]:
    """Seconds from `started` to each milestone, polled every 50 ms until all are reached
    (or the timeout). `script` returns one flag per name. Each poll is a round trip to the
    page, so a step is seen within ~50 ms plus one evaluation of the busy page."""
    reached: dict[str, float] = {}
    deadline = started + timeout_s
    while len(reached) < len(names) and time.perf_counter() < deadline:
        try:
            states = page.evaluate(script)
        except Exception:  # the page is still navigating
            states = [False] * len(names)
        now = time.perf_counter() - started
        for name, there in zip(names, states, strict=True):
            if there and name not in reached:
                reached[name] = now
        page.wait_for_timeout(50)
    return reached


if __name__ == "__main__":
    result = visit(sys.argv[1])
    print(
        json.dumps(
            {
                "first_markers_s": result.first_markers_s,
                "milestones": result.milestones,
                "reruns": [{"map": r.map_value, "widgets": len(r.widgets)} for r in result.reruns],
            },
            indent=1,
        )
    )
