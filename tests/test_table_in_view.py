"""The table of a large dataset lists exactly the events in the map's view: at several views of
100,000 events, as the browser reports them, its count is the store's count inside those bounds
(before, it listed the wider box the map's layer is drawn for: 767 listed against 474 in view)."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from geo.filters import EventFilter
from geo.serve import AppServer
from geo.store import BBox, EventStore
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from stclient import StreamlitSession, run_sync

IN_VIEW = re.compile(r"(?:The first [\d,]+ of the|The) ([\d,]+) matching events in the map's view")
# (south, west, north, east, zoom): a browser's bounds at several zooms and places.
VIEWS = [
    (49.85, 35.95, 50.15, 36.55, 11),
    (47.00, 35.20, 47.40, 36.20, 9),
    (48.00, 33.00, 50.50, 38.50, 7),
    (44.00, 22.00, 52.50, 40.00, 5),
]


def bounds(south: float, west: float, north: float, east: float) -> dict[str, Any]:
    return {"_southWest": {"lat": south, "lng": west}, "_northEast": {"lat": north, "lng": east}}


def test_the_table_counts_exactly_the_events_in_view(
    large_app: AppServer, large_store_file: Path
) -> None:
    store = EventStore.open(large_store_file)

    async def visit() -> list[tuple[int, int]]:
        session = StreamlitSession(large_app.base_url, timeout_s=120)
        try:
            assert (await session.open()).ok
            component = session.find_component("st_folium")
            found = []
            for south, west, north, east, zoom in VIEWS:
                value = {"bounds": bounds(south, west, north, east), "zoom": zoom}
                assert (await session.set_widget(component, value)).ok
                captions = [m for t in session.texts() if (m := IN_VIEW.search(t))]
                assert captions, session.texts()
                listed = int(captions[-1][1].replace(",", ""))
                in_view = store.count(EventFilter(), BBox(south, west, north, east))
                found.append((listed, in_view))
            return found
        finally:
            await session.close()

    found = run_sync(visit())
    assert all(listed == in_view for listed, in_view in found), found
    assert any(in_view > 1_000 for _, in_view in found)  # the first 1,000 of more, too
    assert any(0 < in_view < 1_000 for _, in_view in found)
