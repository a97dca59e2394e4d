"""Where a page's time to first marker goes, in headless Chromium: medians of N fresh visits.

    python benchmarks/milestones.py --events benchmarks/data/events-1000000.parquet --runs 5

Compares Event Atlas (app.py) with the floor (benchmarks/floor_app.py: a Streamlit page holding
only a streamlit-folium map with one marker), each after one unmeasured warm-up visit. The
milestones: Streamlit's app shell in the DOM, the map iframe created, Leaflet's map in it, the
first marker. Appends a table to --out (benchmarks/RESULTS.md by default).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser_visit import poll_milestones
from run import CHROMIUM, CHROMIUM_ARGS, EA_APP, STATIC_DIR, VIEWPORT, server_for, wait_serving

from geo.serve import AppServer

FLOOR_APP = Path(__file__).resolve().parent / "floor_app.py"
MILESTONES = ("app shell", "map iframe", "Leaflet map", "first marker")
MILESTONES_JS = """() => {
    const frame = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
    const doc = frame && frame.contentDocument;
    return [
        document.querySelector('[data-testid="stApp"]') !== null,
        frame !== null,
        !!(doc && doc.querySelector(".leaflet-container")),
        !!(doc && doc.querySelector(".leaflet-marker-icon, path.leaflet-interactive")),
    ];
}"""


@contextmanager
def serving(script: Path, env: dict[str, str], log_dir: Path) -> Iterator[AppServer]:
    # Streamlit serves the static/ folder next to the main script: a copy of a script kept
    # elsewhere gets a symlink to the repo's static/.
    with tempfile.TemporaryDirectory(prefix="bench-milestones-") as folder:
        if script.parent != EA_APP.parent:
            copy = Path(folder) / script.name
            shutil.copyfile(script, copy)
            (Path(folder) / "static").symlink_to(STATIC_DIR, target_is_directory=True)
            script = copy
        server = server_for(script, env, log_dir / f"milestones-{script.stem}.log")
        try:
            server.start()
            wait_serving(server)
            yield server
        finally:
            server.stop()


def visit(browser: object, url: str, timeout_s: float) -> dict[str, float]:
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        started = time.perf_counter()
        page.goto(url, wait_until="commit")
        return poll_milestones(page, started, timeout_s, MILESTONES, MILESTONES_JS)
    finally:
        context.close()


def measure(script: Path, env: dict[str, str], runs: int, log_dir: Path) -> list[float | None]:
    from playwright.sync_api import sync_playwright

    with serving(script, env, log_dir) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            visit(browser, server.url(), 120)  # warm-up, unmeasured
            visits = [visit(browser, server.url(), 120) for _ in range(runs)]
        finally:
            browser.close()
    medians: list[float | None] = []
    for name in MILESTONES:
        times = [v[name] for v in visits if name in v]
        medians.append(statistics.median(times) if len(times) == runs else None)
    print(
        f"{script.name}: " + ", ".join(f"{n} {m}" for n, m in zip(MILESTONES, medians, strict=True))
    )
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=Path, required=True, help="Event Atlas's events file")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "RESULTS.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-milestones-logs-") as logs:
        floor = measure(FLOOR_APP, {}, args.runs, Path(logs))
        env = {"EVENT_ATLAS_EVENTS": str(args.events.resolve()), "EVENT_ATLAS_TILES": "offline"}
        atlas = measure(EA_APP, env, args.runs, Path(logs))

    def cell(value: float | None) -> str:
        return "timeout" if value is None else f"{value:.2f} s"

    rows = [
        f"| {name} | {cell(f)} | {cell(a)} |"
        for name, f, a in zip(MILESTONES, floor, atlas, strict=True)
    ]
    table = "\n".join(
        [
            "",
            f"## Where the time to the first map goes ({args.events.name})",
            "",
            f"`python benchmarks/milestones.py --events {args.events.name} --runs {args.runs}`:"
            f" medians of {args.runs} fresh visits after one warm-up, seconds from navigation.",
            "The floor is `benchmarks/floor_app.py`, a Streamlit page holding only a"
            " streamlit-folium map with one marker (same local assets and basemap).",
            "",
            "| milestone | floor page | Event Atlas |",
            "|---|---:|---:|",
            *rows,
            "",
        ]
    )
    with args.out.open("a", encoding="utf-8") as out:
        out.write(table)
    print(table)


if __name__ == "__main__":
    main()
