"""A page download as a reader makes it: headless Chromium clicks the button, the server's memory is
watched from /proc while the file is built and sent.

    python benchmarks/downloads.py benchmarks/data/events-1000000.parquet \
        --case "Download CSV" "" --case "Download GeoJSON" "type=shelling"

For each case: seconds from the click to the saved file, the server's CPU seconds, its RSS before
the click, at its peak and 10 s after the file arrived, and the events in the file. Works with
the page as it is (a button that builds the file, then a link that saves it) and as it was (a
`st.download_button`): whichever appears after the click is followed.

Measured here (2 cores, 1,000,000 events from generate.py written with row groups of 16,384;
seconds from the click to the saved file, the server's CPU seconds, its RSS before, at its peak
and 10 s after):

- CSV, all 1M: before (st.download_button) 61 s, 43 s CPU, 274 → 2,505 → 1,526 MB; after
  (a file on disk, the events read a window of dates at a time) 35 s, 35 s CPU,
  276 → 317 → 291 MB.
- GeoJSON, all 1M: before not run (to_geojson_text alone: 89 s, 12.2 GB); after 35 s, 34 s CPU,
  277 → 323 → 263 MB.
- GeoJSON, type=shelling (449,810): before 57 s, 51 s CPU, 370 → 5,833 → 1,518 MB; after 16 s,
  15 s CPU, 273 → 320 → 274 MB.
- CSV, type=shelling: before 21 s, 20 s CPU, 367 → 1,714 → 1,278 MB; after 16 s, 15 s CPU,
  271 → 318 → 278 MB.

`python -m geo export` of the 1M CSV peaks at 262 MB RSS in all (35 s).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.serve import AppServer  # noqa: E402
from tests.browser.conftest import CHROMIUM_ARGS  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
PAGE_TIMEOUT_MS = 300_000
PAGE_SIZE = 1 << 20
_TICKS = 100  # os.sysconf("SC_CLK_TCK") on Linux


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


class Sampler:
    """The process's RSS every 50 ms, on a thread, until stopped."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = rss_bytes(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, rss_bytes(self.pid))

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Result:
    label: str
    query: str
    seconds: float
    server_cpu_s: float
    rss_before_mb: float
    rss_peak_mb: float
    rss_after_mb: float
    events: int
    file_mb: float


def count_events(path: Path, name: str) -> int:
    if name.endswith(".csv"):
        with path.open(encoding="utf-8", newline="") as stream:
            return sum(1 for _ in csv.reader(stream)) - 1
    found = 0
    tail = b""
    with path.open("rb") as stream:
        while chunk := stream.read(PAGE_SIZE):
            block = tail + chunk
            found += block.count(b'"type": "Feature"')
            tail = block[-20:]
            found -= tail.count(b'"type": "Feature"')
    return found


def download(page: Any, server: AppServer, label: str, query: str, folder: Path) -> Result:
    page.goto(server.url(query), timeout=PAGE_TIMEOUT_MS)
    button = page.get_by_role("button", name=label, exact=True)
    button.wait_for(timeout=PAGE_TIMEOUT_MS)
    time.sleep(5)  # the map's own reruns settle
    pid = server.pid
    before, cpu = rss_bytes(pid), cpu_seconds(pid)
    downloads: list[Any] = []

    def arrived(download: Any) -> None:
        downloads.append(download)

    page.on("download", arrived)
    started = time.monotonic()
    with Sampler(pid) as sampler:
        button.click()
        deadline = started + PAGE_TIMEOUT_MS / 1000
        save = page.locator("a[download]").filter(has_text="Save")
        while not downloads and time.monotonic() < deadline:
            if save.count():
                save.first.click()
                break
            page.wait_for_timeout(100)
        while not downloads and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        got = downloads[0]
        target = folder / got.suggested_filename
        got.save_as(target)
        seconds = time.monotonic() - started
        time.sleep(10)
    page.remove_listener("download", arrived)
    return Result(
        label,
        query,
        round(seconds, 1),
        round(cpu_seconds(pid) - cpu, 1),
        round(before / 1e6),
        round(sampler.peak / 1e6),
        round(rss_bytes(pid) / 1e6),
        count_events(target, target.name),
        round(target.stat().st_size / 1e6, 1),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("events", type=Path)
    parser.add_argument("--case", nargs=2, action="append", metavar=("LABEL", "QUERY"))
    parser.add_argument("--app-dir", type=Path, default=ROOT)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    cases = args.case or [("Download CSV", ""), ("Download GeoJSON", "type=shelling")]
    results = []
    for label, query in cases:
        # One server per case: each starts from a fresh process.
        with (
            AppServer(
                args.events, app_dir=args.app_dir, env={"EVENT_ATLAS_TILES": "offline"}
            ) as server,
            tempfile.TemporaryDirectory() as folder,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
            page.set_default_timeout(PAGE_TIMEOUT_MS)
            result = download(page, server, label, query, Path(folder))
            browser.close()
        print(json.dumps(asdict(result)), flush=True)
        results.append(result)


if __name__ == "__main__":
    main()
