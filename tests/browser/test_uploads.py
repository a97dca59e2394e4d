"""The "Import a file" box in Chromium: bounded work, plain text, engine files cleaned up.

- A CSV whose header holds Markdown and HTML (an image pointing elsewhere) shows every name as
  typed and makes the page fetch nothing from another host (requests counted and blocked).
- A 79 KB CSV of 10,000 columns gets a bounded mapping step and imports, costing the server
  seconds, not minutes; a file over the row limit is refused at once, naming the limit and the
  command line.
- An upload of more than 1,000 events is put into the engine in a scratch folder, which is
  deleted when the browser session ends, and when the server stops; a scratch folder left by a
  process that died is swept when a server starts.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from geo import scratch
from geo.escape import escape_markdown

try:
    from playwright.sync_api import Locator, Page, expect
except ImportError:  # pragma: no cover - depends on the environment
    if os.environ.get("CI"):
        raise
    pytest.skip("the playwright package is not installed", allow_module_level=True)

from .conftest import ARTIFACTS, FIXTURES, VIEWPORT, StreamlitServer
from .test_browser import open_app, sidebar

pytestmark = pytest.mark.browser

HOSTILE_COLUMNS = [
    "![beacon](http://127.0.0.2/beacon.png)",
    "[click me](http://127.0.0.2/link)",
    "<img src=http://127.0.0.2/img.png>",
    "http://127.0.0.2/autolink",
    "**bold** _it_",
]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def shown(page: Page, count: int) -> Locator:
    return page.get_by_text(f"{count:,} of {count:,} events shown", exact=True)


def upload(page: Page, path: Path) -> None:
    """Opens the import box (closed on a fresh page) and uploads the file."""
    sidebar(page).get_by_text("Import a file").click()
    page.locator('input[type="file"]').set_input_files(str(path))


@pytest.fixture
def outside(context: Any) -> Iterator[list[str]]:
    """Every request to another host than 127.0.0.1, blocked and recorded (the whole
    context: iframes too)."""
    requested: list[str] = []

    def only_local(route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            requested.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    yield requested


def test_a_hostile_header_is_shown_as_typed_and_fetches_nothing(
    page: Page, atlas: StreamlitServer, outside: list[str], tmp_path: Path
) -> None:
    header = ["Date", "Lat", "Lng", *HOSTILE_COLUMNS]
    quoted = ",".join('"' + name.replace('"', '""') + '"' for name in header)
    cells = [f"![v](http://127.0.0.2/value{i}.png)" for i in range(len(HOSTILE_COLUMNS))]
    rows = "".join(f"03/0{d}/2022,50.45,30.52,{','.join(cells)}\n" for d in (1, 2))
    hostile = tmp_path / "hostile.csv"
    hostile.write_text(quoted + "\n" + rows, encoding="utf-8")
    open_app(page, atlas)
    upload(page, hostile)
    expect(shown(page, 2)).to_be_visible()
    labels = sidebar(page).get_by_test_id("stWidgetLabel")
    expect(labels.filter(has_text="beacon")).to_have_count(1)
    # As typed (an invisible word joiner may break a link pattern: it is not text).
    texts = [t.replace("\u2060", "").strip() for t in labels.all_inner_texts()]
    for name in HOSTILE_COLUMNS:
        assert name in texts, texts
    assert escape_markdown(HOSTILE_COLUMNS[0]) != HOSTILE_COLUMNS[0]
    expect(sidebar(page).locator('img[src*="127.0.0.2"], a[href*="127.0.0.2"]')).to_have_count(0)
    expect(page.locator('img[src*="127.0.0.2"]')).to_have_count(0)
    page.wait_for_load_state("networkidle")
    assert outside == [], "requests to other hosts:\n" + "\n".join(outside)


def test_a_wide_csv_imports_with_a_bounded_mapping_step(
    page: Page, atlas: StreamlitServer, tmp_path: Path
) -> None:
    header = ["date", "latitude", "longitude"] + [f"c{i}" for i in range(3, 10_000)]
    blank = "," * (len(header) - 3)
    wide = tmp_path / "wide.csv"
    wide.write_text(
        ",".join(header)
        + "\n2022-03-01,50.45,30.52"
        + blank
        + "\n2022-03-02,49.99,36.23"
        + blank
        + "\n",
        encoding="utf-8",
    )
    assert 70_000 < wide.stat().st_size < 90_000
    open_app(page, atlas)
    before = cpu_seconds(atlas.pid)
    upload(page, wide)
    expect(shown(page, 2)).to_be_visible()
    expect(
        sidebar(page).get_by_text("9,977 more columns are not listed", exact=False)
    ).to_be_visible()
    expect(
        page.get_by_text("columns are not kept with the events", exact=False).first
    ).to_be_visible()
    boxes = sidebar(page).get_by_test_id("stSelectbox")
    assert boxes.count() <= 25, boxes.count()
    spent = cpu_seconds(atlas.pid) - before
    assert spent < 15, f"the upload cost the server {spent:.1f} s of CPU"


def test_a_file_over_the_row_limit_is_refused_at_once(
    page: Page, atlas: StreamlitServer, tmp_path: Path
) -> None:
    big = tmp_path / "tracker.csv"
    rows = "".join(f"2022-03-{1 + i % 28:02d},50.45,30.52,Event {i}\n" for i in range(60_000))
    big.write_text("date,lat,lon,title\n" + rows, encoding="utf-8")
    open_app(page, atlas)
    before = cpu_seconds(atlas.pid)
    upload(page, big)
    expect(page.get_by_text("cannot be shown: 1 problem in tracker.csv")).to_be_visible()
    # The problem is a cell of the table (drawn on a canvas; its text is in the grid's cells).
    expect(page.locator('[role="gridcell"]', has_text="more than 50,000 rows")).to_be_attached()
    spent = cpu_seconds(atlas.pid) - before
    assert spent < 10, f"the refusal cost the server {spent:.1f} s of CPU"


def _folders_of(pid: int) -> list[Path]:
    return sorted(Path(tempfile.gettempdir()).glob(f"{scratch.PREFIX}{pid}-*"))


def _wait_until(condition: Any, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return bool(condition())


def test_a_large_upload_s_engine_file_goes_when_its_session_ends_and_when_the_server_stops(
    browser: Any, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = Path(tempfile.gettempdir()) / f"{scratch.PREFIX}{dead.pid}-planted"
    stale.mkdir(exist_ok=True)
    (stale / "events.parquet").write_bytes(b"PAR1")
    large = tmp_path / "large.csv"
    rows = "".join(f"2022-03-{1 + i % 28:02d},50.45,30.52,Event {i}\n" for i in range(1500))
    large.write_text("date,lat,lon,title\n" + rows, encoding="utf-8")

    server = StreamlitServer(FIXTURES / "browser_events.yaml", tmp_path_factory.mktemp("logs"))
    try:
        server.wait_ready()
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        open_app(page, server)
        assert _wait_until(lambda: not stale.exists()), "the start-up sweep left a dead folder"
        upload(page, large)
        expect(shown(page, 1500)).to_be_visible(timeout=60_000)
        (folder,) = _folders_of(server.pid)
        assert (folder / "events.parquet").is_file()
        page.close()  # the session ends: its uploads are released
        assert _wait_until(lambda: not folder.exists()), "the session's engine file stayed"

        page = context.new_page()
        open_app(page, server)
        upload(page, large)
        expect(shown(page, 1500)).to_be_visible(timeout=60_000)
        assert len(_folders_of(server.pid)) == 1
        context.close()
        pid = server.pid
    finally:
        server.stop()
    assert _folders_of(pid) == [], "the server left its engine files behind"


def test_an_upload_s_kinds_are_shown_with_their_rows_and_a_corrected_type_is_mapped(
    page: Page, atlas: StreamlitServer, tmp_path: Path
) -> None:
    """A tracker's CSV of free-text kinds: the type step lists each kind with its rows and the
    type proposed; the analyst corrects one, names the publisher, and the map follows."""
    kinds = ["Missile Strike"] * 3 + ["Drone Strike"] * 2 + ["Artillery"] * 2 + ["Unknown"]
    rows = "".join(
        f"2022-03-0{i + 1},{49.9 + i * 0.01:.2f},36.23,{kind},Report {i}\n"
        for i, kind in enumerate(kinds)
    )
    tracker = tmp_path / "tracker.csv"
    tracker.write_text("date,lat,lng,Category,description\n" + rows, encoding="utf-8")
    open_app(page, atlas)
    upload(page, tracker)
    expect(shown(page, 8)).to_be_visible()
    side = sidebar(page)
    expect(
        side.get_by_text("Types: what each label of Category means", exact=False)
    ).to_be_visible()
    missile = side.get_by_test_id("stSelectbox").filter(has_text="Missile Strike (3)")
    expect(missile.locator("input")).to_have_value("Shelling / missile attack")
    unknown = side.get_by_test_id("stSelectbox").filter(has_text="Unknown (1)")
    expect(unknown.locator("input")).to_have_value("Other")
    counts = page.get_by_text("✸ Shelling / missile attack: 5", exact=False)
    expect(counts.first).to_be_visible()
    option = page.get_by_role("option", name="Armed clash", exact=True)
    for _ in range(3):  # the first click may only take the focus: click again, as people do
        unknown.locator("input").click()
        try:
            option.wait_for(timeout=2_000)
            break
        except Exception:
            continue
    option.click()
    expect(page.get_by_text("⚔ Armed clash: 1", exact=False).first).to_be_visible()
    publisher = side.get_by_label("Dataset's publisher (cited for rows without a link)", exact=True)
    publisher.fill("Test Tracker")
    publisher.press("Enter")
    expect(shown(page, 8)).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "upload-type-step.png"), full_page=True)
