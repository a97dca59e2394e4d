"""Downloads through a running server and Chromium: the file is written on disk when its button
is clicked, a link saves it, only from the browser of the session that made it, once; the
server's memory stays flat while a large file is built and sent (see geo.web.downloads)."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # pragma: no cover - depends on the environment
    if os.environ.get("CI"):
        raise
    pytest.skip("the playwright package is not installed", allow_module_level=True)

from geo import EventFilter, EventType, load_events
from geo.store import EventStore

from .conftest import APP_DIR, FIRST_RENDER_TIMEOUT_MS, ScriptRuns, StreamlitServer

pytestmark = pytest.mark.browser

SIZE = 200_000
# What building and sending a file may add to the server's memory, the engine's query for the
# events included (it reads a window of dates at a time: geo.store.EventStore.iter_events).
GROWTH_LIMIT = 150 * 1024 * 1024
BUILD_TIMEOUT_MS = 300_000
SAVE = 'a[download]:has-text("Save")'
# The fixture's files are named after its title and dates (geo.filenames.download_name).
VIEW_NAME = "russias-invasion-of-ukraine-2022-02-24-to-28"


def _benchmark(name: str) -> Any:
    sys.path.insert(0, str(APP_DIR / "benchmarks"))
    try:
        return __import__(name)
    finally:
        sys.path.pop(0)


def open_page(page: Page, server: StreamlitServer, query: str = "") -> None:
    page.goto(server.url(query))
    expect(page.get_by_role("button", name="Download CSV", exact=True)).to_be_visible(
        timeout=FIRST_RENDER_TIMEOUT_MS
    )


def build_and_save(page: Page, label: str, folder: Path, timeout_ms: int = 60_000) -> Path:
    """Click the button, wait for its link, save the file through it; the saved file."""
    page.get_by_role("button", name=label, exact=True).click()
    link = page.locator(SAVE)
    expect(link).to_be_visible(timeout=timeout_ms)
    with page.expect_download(timeout=timeout_ms) as arrived:
        link.click()
    download = arrived.value
    target = folder / download.suggested_filename
    download.save_as(target)
    return target


def spool_files(server: StreamlitServer) -> list[Path]:
    """The files the server's spool holds now (geo.web.downloads.Spool)."""
    base = Path(tempfile.gettempdir()) / f"event-atlas-downloads-{os.getuid()}"
    return [
        path
        for folder in base.glob(f"{server.pid}-*")
        for path in folder.iterdir()
        if path.name != ".lock"
    ]


def test_a_download_is_saved_through_its_link_once_and_only_by_its_own_browser(
    atlas: StreamlitServer, page: Page, browser: Any, tmp_path: Path
) -> None:
    events = load_events(atlas.events_file).events
    open_page(page, atlas)
    saved = build_and_save(page, "Download GeoJSON", tmp_path)
    assert saved.name == f"{VIEW_NAME}.geojson"
    features = json.loads(saved.read_text(encoding="utf-8"))["features"]
    assert sorted(f["id"] for f in features) == sorted(e.id for e in events)
    url = f"{atlas.base_url}/{page.locator(SAVE).get_attribute('href')}"
    assert page.request.get(url).status == 404  # sent once: gone from the server
    assert spool_files(atlas) == []

    page.get_by_role("button", name="Download CSV", exact=True).click()
    link = page.locator(f'a[download="{VIEW_NAME}.csv"]')
    expect(link).to_be_visible()
    url = f"{atlas.base_url}/{link.get_attribute('href')}"
    # A link copied to another browser is refused, even while the file is there.
    other = browser.new_context()
    try:
        assert other.request.get(url).status == 404
    finally:
        other.close()
    assert len(spool_files(atlas)) == 1
    mine = page.request.get(url, headers={"Accept-Encoding": "gzip"})
    assert mine.status == 200
    assert mine.headers["content-disposition"] == f'attachment; filename="{VIEW_NAME}.csv"'
    assert mine.headers["cache-control"] == "no-store"
    assert "content-encoding" not in mine.headers  # as written, with its exact length
    assert int(mine.headers["content-length"]) == len(mine.body())
    rows = list(csv.reader(io.StringIO(mine.text(), newline="")))
    assert len(rows) == len(events) + 1
    assert spool_files(atlas) == []


@pytest.fixture(scope="module")
def large_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    generate = _benchmark("generate").generate
    path = tmp_path_factory.mktemp("large-download") / f"events-{SIZE}.parquet"
    EventStore.write(generate(SIZE), path)
    return path


@pytest.fixture(scope="module")
def large_atlas(start_app: Callable[[Path], StreamlitServer], large_file: Path) -> StreamlitServer:
    return start_app(large_file)


@pytest.mark.parametrize(
    ("label", "query", "types"),
    [("Download CSV", "", ()), ("Download GeoJSON", "type=shelling", ("shelling",))],
)
def test_a_large_download_keeps_the_servers_memory_flat_and_holds_every_event(
    large_atlas: StreamlitServer,
    large_file: Path,
    page: Page,
    tmp_path: Path,
    label: str,
    query: str,
    types: tuple[str, ...],
) -> None:
    measure = _benchmark("downloads")  # the same /proc sampler as benchmarks/downloads.py
    wanted = EventStore.open(large_file).count(
        EventFilter(types=frozenset(EventType(t) for t in types))
    )
    runs = ScriptRuns(page)
    open_page(page, large_atlas, query)
    # A large map reports its view once drawn, which reruns the page: a click made before that
    # run ends may be lost in it, so wait for the report's run (the second asked for) to end.
    assert runs.wait_until(lambda: runs.requested >= 2, FIRST_RENDER_TIMEOUT_MS), "no report"
    runs.wait_finished(runs.finished_at_request + 1, FIRST_RENDER_TIMEOUT_MS)
    before = measure.rss_bytes(large_atlas.pid)
    with measure.Sampler(large_atlas.pid) as sampler:
        saved = build_and_save(page, label, tmp_path, BUILD_TIMEOUT_MS)
    growth = sampler.peak - before
    print(
        f"{label} {query or 'all'}: {wanted:,} events, {saved.stat().st_size / 1e6:.0f} MB; "
        f"server RSS {before / 1e6:.0f} MB, peak +{growth / 1e6:.0f} MB"
    )
    assert growth < GROWTH_LIMIT
    assert measure.count_events(saved, saved.name) == wanted
    assert spool_files(large_atlas) == []  # deleted once sent
