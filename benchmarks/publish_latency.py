"""How long a publish takes to reach readers' open pages on every replica (target: 5 s).

    python benchmarks/publish_latency.py --replicas 2 --publishes 10

Starts a throwaway PostgreSQL+PostGIS cluster (tests/pgcluster.py), N `streamlit run`
replicas sharing it as their desk, and one headless Chromium page per replica on the map. Then,
`--publishes` times: publishes one new event through the store and measures, per page, the time
until "N of N events shown" shows the new total (no reload: the page updates itself).
Prints the median and the worst delay, per replica and over all.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.desk.roles import Editor, Role  # noqa: E402
from geo.desk.store import DeskStore, open_database  # noqa: E402
from geo.desk.workflow import Move  # noqa: E402
from geo.loader import load_events  # noqa: E402
from geo.serve import AppServer  # noqa: E402
from tests.browser.conftest import CHROMIUM_ARGS  # noqa: E402
from tests.pgcluster import PostgresCluster, database  # noqa: E402

SHIPPED = ROOT / "data" / "events.yaml"
ADMIN = Editor("bench@example.org", "Benchmark", frozenset({Role.ADMIN}))
CHECKER = Editor("check@example.org", "Checker", frozenset({Role.VERIFIER, Role.PUBLISHER}))


def publish(store: DeskStore, template_id: str, number: int) -> float:
    template = next(e for e in store.published_events() if e.id == template_id)
    event = template.model_copy(update={"id": f"bench-{number}", "title": f"Bench {number}"})
    saved = store.create(ADMIN, event)
    # A second pair of eyes verifies and publishes (the two-person rule).
    for editor, move in ((ADMIN, Move.SUBMIT), (CHECKER, Move.VERIFY), (CHECKER, Move.PUBLISH)):
        saved = store.move(editor, event.id, move, saved.version)
    return time.monotonic()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--publishes", type=int, default=10)
    args = parser.parse_args()
    from playwright.sync_api import expect, sync_playwright

    total = len(load_events(SHIPPED).events)
    delays: dict[int, list[float]] = {n: [] for n in range(args.replicas)}
    with (
        PostgresCluster() as cluster,
        database(cluster) as url,
        tempfile.TemporaryDirectory() as logs,
    ):
        servers = [
            AppServer(
                SHIPPED,
                app_dir=ROOT,
                env={"EVENT_ATLAS_DESK": url, "EVENT_ATLAS_TILES": "offline"},
                log_path=Path(logs) / f"replica-{n}.log",
                name=f"replica-{n}",
            )
            for n in range(args.replicas)
        ]
        try:
            for server in servers:
                server.start()
            for server in servers:
                server.wait_ready()
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
                )
                pages = []
                for server in servers:
                    page = browser.new_page(viewport={"width": 1300, "height": 900})
                    page.goto(server.url(), timeout=90_000)
                    expect(page.get_by_text(f"of {total:,} events shown")).to_be_visible(
                        timeout=90_000
                    )
                    pages.append(page)
                store = DeskStore(open_database(url))
                template = store.published_events()[0].id
                for number in range(1, args.publishes + 1):
                    published_at = publish(store, template, number)
                    total += 1
                    wanted = re.compile(rf"of {total:,} events shown")
                    for index, page in enumerate(pages):
                        expect(page.get_by_text(wanted)).to_be_visible(timeout=60_000)
                        delays[index].append(time.monotonic() - published_at)
                browser.close()
        finally:
            for server in servers:
                server.stop()
    everything = [d for values in delays.values() for d in values]
    print("| replica | publishes | median (s) | worst (s) |")
    print("|---|---:|---:|---:|")
    for index, values in delays.items():
        print(
            f"| {index + 1} | {len(values)} | {statistics.median(values):.2f} | {max(values):.2f} |"
        )
    print(
        f"| all | {len(everything)} | {statistics.median(everything):.2f} | {max(everything):.2f} |"
    )


if __name__ == "__main__":
    main()
