"""What one upload in the map page's "Import a file" box costs the server.

    python benchmarks/upload_cost.py                 # every file below
    python benchmarks/upload_cost.py --only wide     # one of: wide, csv, geojson, at-limit

Generates the files a reviewer measured (a 79 KB CSV with 10,000 columns, a 49 MB CSV and a
49 MB GeoJSON) and a CSV of 50,000 rows (the most the box takes), starts `streamlit run
app.py` on the shipped data, and uploads each file in headless Debian Chromium, in a fresh
page. For each it prints the server's CPU seconds (the streamlit process: every thread,
/proc/PID/stat) from the upload until the page settled on an answer (the imported events, or
a refusal), the wall time, what the page said, and the `event-atlas-*` folders the server
left in the temp folder (while running, after the page closed, and after the server stopped).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.serve import AppServer  # noqa: E402
from tests.browser.conftest import CHROMIUM_ARGS  # noqa: E402

MB = 1_000_000


def wide_csv(path: Path, columns: int = 10_000) -> Path:
    """A 79 KB CSV: date, latitude, longitude and 9,997 more columns; two rows."""
    header = ["date", "latitude", "longitude"] + [f"c{i}" for i in range(3, columns)]
    rows = [
        ["2022-03-01", "50.45", "30.52"] + ["" for _ in range(3, columns)],
        ["2022-03-02", "49.99", "36.23"] + ["" for _ in range(3, columns)],
    ]
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return path


def big_csv(path: Path, size: int = 49 * MB) -> Path:
    """A tracker's CSV of about `size` bytes (about 500,000 rows)."""
    rng = random.Random(1)
    types = ["Drone Strike", "Artillery", "Shelling", "Protest", "Air strike"]
    with path.open("w", encoding="utf-8") as out:
        out.write("date,lat,lon,type,title,source\n")
        i = 0
        while out.tell() < size:
            out.write(
                f"2022-{1 + i % 12:02d}-{1 + i % 28:02d},{44 + rng.random() * 8:.5f},"
                f"{22 + rng.random() * 18:.5f},{types[i % 5]},Event {i} near a town,"
                f"https://example.org/r/{i}\n"
            )
            i += 1
    return path


def big_geojson(path: Path, size: int = 49 * MB) -> Path:
    """A GeoJSON FeatureCollection of about `size` bytes (about 145,000 Point features)."""
    rng = random.Random(1)
    types = ["Drone Strike", "Artillery", "Shelling", "Protest", "Air strike"]
    with path.open("w", encoding="utf-8") as out:
        out.write('{"type": "FeatureCollection", "features": [\n')
        i = 0
        while out.tell() < size:
            feature = {
                "type": "Feature",
                "id": i,
                "geometry": {
                    "type": "Point",
                    "coordinates": [
                        round(22 + rng.random() * 18, 5),
                        round(44 + rng.random() * 8, 5),
                    ],
                },
                "properties": {
                    "date": f"2022-{1 + i % 12:02d}-{1 + i % 28:02d}",
                    "type": types[i % 5],
                    "title": f"Event number {i} near a town",
                    "description": "Something happened here, reported by a local channel.",
                    "source": f"https://example.org/report/{i}",
                    "fatalities": i % 7,
                },
            }
            out.write(("," if i else "") + json.dumps(feature) + "\n")
            i += 1
        out.write("]}\n")
    return path


def rows_csv(path: Path, rows: int = 50_000) -> Path:
    """A tracker's CSV of `rows` rows: the most the import box takes."""
    rng = random.Random(1)
    with path.open("w", encoding="utf-8") as out:
        out.write("date,lat,lon,type,title,source\n")
        for i in range(rows):
            out.write(
                f"2022-{1 + i % 12:02d}-{1 + i % 28:02d},{44 + rng.random() * 8:.5f},"
                f"{22 + rng.random() * 18:.5f},Shelling,Event {i} near a town,"
                f"https://example.org/r/{i}\n"
            )
    return path


FILES: dict[str, tuple[str, Callable[[Path], Path]]] = {
    "wide": ("wide-10000-columns.csv", wide_csv),
    "csv": ("tracker-49mb.csv", big_csv),
    "geojson": ("features-49mb.geojson", big_geojson),
    "at-limit": ("tracker-50000-rows.csv", rows_csv),
}


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def leftovers() -> list[str]:
    temp = Path(tempfile.gettempdir())
    return sorted(
        p.name
        for p in temp.glob("event-atlas-*")
        if p.is_dir() and not p.name.startswith("event-atlas-host-")
    )


def settled(page: object) -> str:
    """What the page says once the upload is answered: the count line, or an error banner."""
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    answer = page.locator(
        'h1:has-text("Imported:"), [data-testid="stAlertContentError"], '
        '[data-testid="stAlertContentWarning"]'
    )
    answer.first.wait_for(timeout=600_000)
    # The count line follows the heading within the same run.
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=600_000
    )
    texts = [t.strip() for t in answer.all_inner_texts()]
    counts = re.findall(r"[\d,]+ of [\d,]+ events shown", page.inner_text("body"))
    return " | ".join(t[:160].replace("\n", " ") for t in texts) + (
        f" | {counts[0]}" if counts else ""
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=list(FILES))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="upload-cost-"))
    names = [args.only] if args.only else list(FILES)
    files = {name: FILES[name][1](work / FILES[name][0]) for name in names}
    before = set(leftovers())
    server = AppServer(ROOT / "data" / "events.yaml", env={"EVENT_ATLAS_TILES": "offline"})
    with server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        for name, path in files.items():
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(server.url(), wait_until="domcontentloaded")
            page.get_by_text("events shown").first.wait_for(timeout=120_000)
            page.get_by_text("Import a file").click()
            cpu0, wall0 = cpu_seconds(server.pid), time.monotonic()
            page.locator('input[type="file"]').set_input_files(str(path))
            said = settled(page)
            cpu, wall = cpu_seconds(server.pid) - cpu0, time.monotonic() - wall0
            size = path.stat().st_size
            print(f"{name}: {size / MB:.1f} MB: server CPU {cpu:.1f} s, wall {wall:.1f} s")
            print(f"    page: {said}")
            print(f"    temp folders while open: {sorted(set(leftovers()) - before)}")
            page.close()
            time.sleep(3)  # the session's websocket closes; session resources are released
            print(f"    temp folders after the page closed: {sorted(set(leftovers()) - before)}")
        browser.close()
    print(f"temp folders after the server stopped: {sorted(set(leftovers()) - before)}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
