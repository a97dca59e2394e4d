"""The load benchmark sends what a browser sends: its open of a shared link (one event opened,
a type filter) is compared with a real Chromium visit of the same link, recorded from the
page's websocket (benchmarks/browser_visit.py)."""

from __future__ import annotations

import math
import sys
from typing import Any

import pytest

from geo.filters import EventFilter
from geo.store import EventStore
from geo.vocabulary import EventType
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from browser_visit import visit
from load import MAP_HEIGHT_PX, open_like_a_browser
from stclient import StreamlitSession, run_sync

pytestmark = pytest.mark.browser

# Degrees: the client rebuilds the bounds from the map's centre and zoom; the browser measures
# its drawn map (a pixel at zoom 7 is about 0.01°).
CLOSE = 0.02
# After the auto-pan: 40 px at zoom 7, what a popup's height may differ from the client's guess.
PAN_CLOSE = 0.3


def _shelling_event(store: EventStore) -> Any:
    (event,) = store.events(EventFilter(types=frozenset({EventType.SHELLING})), limit=1)
    return event


def _close(a: dict[str, Any], b: dict[str, Any], close: float) -> bool:
    return all(
        abs(a[corner][axis] - b[corner][axis]) < close
        for corner in ("_southWest", "_northEast")
        for axis in ("lat", "lng")
    )


def _centre_lat(event_lat: float, below_top_px: float, zoom: int) -> float:
    """The latitude a map of MAP_HEIGHT_PX must be centred on for the event to sit this many
    pixels below its top."""
    scale = 256 * 2**zoom
    y = (1 - math.asinh(math.tan(math.radians(event_lat))) / math.pi) / 2 * scale
    centre = y - below_top_px + MAP_HEIGHT_PX / 2
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * centre / scale))))


def _client_open(url: str, link: str) -> tuple[list[Any], list[dict[str, Any]]]:
    sent: list[dict[str, Any]] = []
    session = StreamlitSession(url, link, timeout_s=120)
    original = session.set_widget

    async def recording(element: Any, value: Any) -> Any:
        sent.append(value)
        return await original(element, value)

    session.set_widget = recording  # type: ignore[method-assign]

    async def open_once() -> list[Any]:
        await session.connect()
        try:
            return await open_like_a_browser(session)
        finally:
            await session.close()

    return run_sync(open_once()), sent


@pytest.mark.parametrize(
    ("below_top_px", "runs"),
    # Pixels below the top at the link's zoom 7; the offline map opens at its cap, zoom 6, where
    # the event is half as far from the centre (540: 425 px down, its popup fits).
    [(540, 2), (120, 3)],
    ids=["popup-fits", "popup-pans-the-map"],
)
def test_the_load_client_opens_a_link_as_chromium_does(
    large_app: Any, large_store_file: Any, below_top_px: int, runs: int
) -> None:
    """A link to one event of a type, the event low in the view (its popup fits: the open and
    the map's bounds) or high (the popup pans the map: its bounds again, further north)."""
    event = _shelling_event(EventStore.open(large_store_file))
    lat, lon = event.place.point
    centre = _centre_lat(lat, below_top_px, 7)
    link = f"type=shelling&event={event.id}&lat={centre:.4f}&lon={lon:.4f}&z=7"
    browser = visit(large_app.url(link), settle_s=6)
    assert browser.first_markers_s is not None, "Chromium drew no marker"
    results, sent = _client_open(large_app.url(""), link)
    assert all(r.ok for r in results), [r.failure for r in results]
    assert len(results) == runs and len(sent) == runs - 1, (results, sent)
    # After its auto-pan the map may pan once more, when a control moved onto the popup as the
    # first pan ended (the edge pill's count changes with the view): Chromium then reports that
    # view too. The client sends the one auto-pan; it must match one of Chromium's.
    assert len(browser.reruns) in ((runs,) if runs == 2 else (runs, runs + 1)), browser.reruns
    assert browser.reruns[0].map_value is None
    reports = [r.map_value for r in browser.reruns[1:]]
    assert all(report is not None for report in reports), reports
    for number, ours in enumerate(sent):
        # The first report is the drawn map's; the rest are auto-pans, whose size depends on
        # the popup's height, estimated by the client.
        theirs_all = reports[:1] if number == 0 else reports[1:]
        close = CLOSE if number == 0 else PAN_CLOSE
        assert any(
            set(ours) == set(theirs)
            and ours["zoom"] == theirs["zoom"]
            and _close(ours["bounds"], theirs["bounds"], close)
            for theirs in theirs_all
            if theirs is not None
        ), (ours, theirs_all)
    if runs == 3:
        assert reports[1] is not None and reports[0] is not None
        assert reports[1]["bounds"]["_northEast"]["lat"] > reports[0]["bounds"]["_northEast"]["lat"]
        assert sent[1]["bounds"]["_northEast"]["lat"] > sent[0]["bounds"]["_northEast"]["lat"]
