"""What a shared link to one event sends, on 100,000 events, as a browser receives it.

A browser keeps the big messages it was sent (by hash) and lists them on each run; the server
then sends a reference instead of a message the browser has (benchmarks/stclient.py does the
same). The map reports its real view once drawn: at the link's centre and zoom that report
changes nothing the reader sees, so it must not bring a second full layer; the table of the
events in view is sent once the view is known, not for a guessed view and again for the real one.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest

from geo.serve import AppServer
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import load
from stclient import RunResult, StreamlitSession, run_sync

LINK = "type=shelling&event=syn-0000000&lat=50&lon=36&z=6"
LAYER, TABLE = "component_instance", "dataframe"


def report(lat: float, lon: float, zoom: int, size: tuple[int, int]) -> dict[str, Any]:
    """The bounds and zoom a map of `size` pixels reports at this centre."""
    saved = load.MAP_WIDTH_PX, load.MAP_HEIGHT_PX
    load.MAP_WIDTH_PX, load.MAP_HEIGHT_PX = size
    try:
        return {"bounds": load.bounds_around(lat, lon, zoom), "zoom": zoom}
    finally:
        load.MAP_WIDTH_PX, load.MAP_HEIGHT_PX = saved


async def open_and_report(
    app: AppServer, changes: list[tuple[float, float, int, tuple[int, int]]]
) -> list[RunResult]:
    session = StreamlitSession(app.base_url, LINK, timeout_s=120)
    try:
        runs = [await session.open()]
        for lat, lon, zoom, size in changes:
            component = session.find_component("st_folium")
            runs.append(await session.set_widget(component, report(lat, lon, zoom, size)))
        assert all(run.ok for run in runs), [run.failure for run in runs]
        return runs
    finally:
        await session.close()


# The maps of a 1400 px wide window, a 1920 px one and a phone (measured in Chromium).
@pytest.mark.parametrize("size", [(663, 620), (1038, 620), (366, 620)], ids=str)
def test_the_report_of_the_links_own_view_brings_no_second_layer(
    large_app: AppServer, size: tuple[int, int]
) -> None:
    opened, reported = run_sync(open_and_report(large_app, [(50, 36, 6, size)]))
    # The open sends the layer, and no table for a view whose size it can only guess.
    assert opened.element_bytes.get(LAYER, 0) > 10_000, opened.element_bytes
    assert TABLE not in opened.element_bytes, opened.element_bytes
    # The report: the layer as a reference to what the browser keeps; the table, once.
    assert LAYER not in reported.element_bytes, reported.element_bytes
    assert reported.references >= 1
    assert reported.element_bytes.get(TABLE, 0) > 10_000, reported.element_bytes


def test_a_view_beyond_the_layer_drawn_brings_a_new_layer(large_app: AppServer) -> None:
    """The check above can fail: a real move (another zoom, far away) brings a new layer."""
    _, _, zoomed, moved = run_sync(
        open_and_report(
            large_app, [(50, 36, 6, (663, 620)), (50, 36, 5, (663, 620)), (40, 10, 5, (663, 620))]
        )
    )
    assert zoomed.element_bytes.get(LAYER, 0) > 10_000, zoomed.element_bytes
    assert moved.element_bytes.get(LAYER, 0) > 10_000, moved.element_bytes
