"""Work a client can cause is bounded: every value it sends is clamped to what a screen can
show, one question to the store has a time limit, a session has a budget of server time, and
the answers kept for everyone are bounded in bytes.

The last test is the attack itself: a map component value reporting the whole world's bounds
at zoom 18, sent over the websocket as any client can (no sign-in), on a 100,000-event store;
before, one such message cost tens of seconds, an answer of about a fifth of the file's size,
and hundreds of MB kept in the shared caches.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from geo.filters import EventFilter
from geo.map.cells import (
    MAX_GRID_SQUARES,
    Viewport,
    grid_zoom,
    on_a_screen,
    viewport_from_map_value,
)
from geo.map.popup import event_id_in_popup_text
from geo.memo import Memo, approximate_bytes
from geo.serve import AppServer
from geo.store import BBox, EventStore, QueryTooSlowError, cell_size_degrees
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from stclient import StreamlitSession, run_sync

WORLD = {"_southWest": {"lat": -90.0, "lng": -180.0}, "_northEast": {"lat": 90.0, "lng": 180.0}}


def world_at(zoom: int, shift: float = 0.0) -> dict[str, Any]:
    bounds = {
        "_southWest": {"lat": -90.0, "lng": -180.0 + shift},
        "_northEast": {"lat": 90.0, "lng": 180.0 - shift},
    }
    return {"bounds": bounds, "zoom": zoom}


# --------------------------------------------------------------------------- values clamped


def test_a_view_no_screen_shows_gets_the_zoom_a_screen_would_show_it_at() -> None:
    viewport = viewport_from_map_value(world_at(18))
    assert viewport is not None
    assert viewport.zoom <= 4  # the world on a 3840 px screen
    # What a real browser reports is left as it is.
    kyiv = viewport_from_map_value(
        {
            "bounds": {
                "_southWest": {"lat": 50.2, "lng": 30.0},
                "_northEast": {"lat": 50.7, "lng": 31.0},
            },
            "zoom": 10,
        }
    )
    assert kyiv is not None and kyiv.zoom == 10


def test_no_grid_answer_has_more_squares_than_its_bound() -> None:
    world = BBox(-90.0, -180.0, 90.0, 180.0)
    for asked in range(2, 19):
        zoom = grid_zoom(world, asked)
        size = cell_size_degrees(zoom)
        assert (180 / size + 1) * (360 / size + 1) <= MAX_GRID_SQUARES or zoom == 2
    assert grid_zoom(BBox(50.0, 30.0, 50.5, 31.0), 12) == 12


def test_on_a_screen_never_raises_the_zoom() -> None:
    small = Viewport(BBox(50.0, 30.0, 50.01, 30.01), 5)
    assert on_a_screen(small).zoom == 5


def test_a_clicked_popups_text_is_read_from_its_end_only() -> None:
    tail = "\nEvent ID: kharkiv-shelling"
    assert event_id_in_popup_text("x" * 50_000_000 + tail) == "kharkiv-shelling"


# --------------------------------------------------------------------------- caches in bytes


def test_a_memo_keeps_no_more_bytes_than_its_budget() -> None:
    memo: Memo[int] = Memo(1_000, max_bytes=1_000_000, weigh=len)  # type: ignore[arg-type]
    for key in range(50):
        memo.get(key, lambda: "x" * 100_000)
    assert memo.bytes <= 1_000_000 and len(memo) == 10
    assert memo.knows(49) and not memo.knows(0)  # the oldest went first
    # An answer bigger than the whole budget is handed out, not kept.
    assert len(memo.get(99, lambda: "y" * 2_000_000)) == 2_000_000
    assert not memo.knows(99)


def test_approximate_bytes_grows_with_what_is_held() -> None:
    small = approximate_bytes([{"a": "x" * 10} for _ in range(10)])
    large = approximate_bytes([{"a": "x" * 10} for _ in range(10_000)])
    assert 500 * small < large * 1.0 < 2_000 * small


# --------------------------------------------------------------------------- time and budget


def test_a_question_past_its_time_limit_is_stopped(large_store_file: Path) -> None:
    store = EventStore.open(large_store_file)
    too_slow = pytest.raises(QueryTooSlowError, match="zoom in, or narrow the filters")
    with too_slow, store.time_limit(0.001):
        store.aggregate(EventFilter(), 18, BBox(-90.0, -180.0, 90.0, 180.0))
    # Nothing half-done was kept: the same question within its time answers in full.
    with store.time_limit(60):
        cells = store.aggregate(EventFilter(), 6, BBox(-90.0, -180.0, 90.0, 180.0))
    assert sum(cell.count for cell in cells) > 0


def test_a_sessions_work_is_counted_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    import streamlit

    from geo.web import budget

    session: dict[str, Any] = {}
    monkeypatch.setattr(streamlit, "session_state", session)
    now = [1000.0]

    def clock() -> float:
        return now[0]

    def work() -> str:
        now[0] += 12.0  # twelve seconds of server time
        return "layer"

    assert not budget.exhausted(clock)
    for _ in range(3):
        assert budget.charged(work, clock)() == "layer"
    assert budget.seconds_spent(clock) == 36.0 and budget.exhausted(clock)
    assert "36 s of work in the last minute" in budget.wait_message(clock)
    now[0] += budget.WINDOW_SECONDS  # a minute later, the session may ask again
    assert not budget.exhausted(clock)


# --------------------------------------------------------------------------- the attack


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_a_crafted_world_view_at_zoom_18_costs_what_a_screen_costs(large_app: AppServer) -> None:
    async def attack() -> tuple[list[Any], Any, float, float]:
        hostile = StreamlitSession(large_app.base_url, timeout_s=120)
        reader = StreamlitSession(large_app.base_url, timeout_s=120)
        try:
            assert (await hostile.open()).ok
            before = rss_mb(large_app.pid)
            component = hostile.find_component("st_folium")
            answers = []
            for shift in (0.0, 0.5, 1.0):  # three slightly different boxes
                answers.append(await hostile.set_widget(component, world_at(18, shift)))
            after = rss_mb(large_app.pid)
            # Another reader opening the page now waits for none of it.
            opened = await reader.open()
            return answers, opened, before, after
        finally:
            await hostile.close()
            await reader.close()

    answers, opened, before, after = run_sync(attack())
    for answer in answers:
        assert answer.ok, answer.failure
        assert answer.bytes < 2_000_000, f"{answer.bytes:,} bytes for one view"
    assert after - before < 150, f"server RSS {before:.0f} → {after:.0f} MB"
    assert opened.ok and opened.seconds < 30, opened.seconds
