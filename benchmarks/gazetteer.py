"""Measure the offline gazetteer: cold index build, reload from disk, lookups per second.

    python benchmarks/gazetteer.py

Numbers from one run on one machine; compare ratios, not absolute times.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from geo.gazetteer import Gazetteer, build_index, index_stats, load_index

EXACT_QUERIES = ["Kyiv", "Kharkov", "Харків", "Mariupol", "Gomel", "Brussels", "Moscow", "Belarus"]
REGION_QUERIES = ["Gomel region", "Donetsk Oblast", "Kharkiv oblast"]
FUZZY_QUERIES = ["Mariupl", "Zaporizhzja", "Kharkivv"]


def timed(action, repeat: int = 1) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def lookups_per_second(gazetteer: Gazetteer, queries: list[str], rounds: int) -> float:
    total = len(queries) * rounds
    started = time.perf_counter()
    for _ in range(rounds):
        for query in queries:
            gazetteer.geocode(query, country_codes=None if query != "Mariupl" else ["UA"])
    return total / (time.perf_counter() - started)


def main() -> None:
    build_seconds = timed(build_index)
    with tempfile.TemporaryDirectory() as folder:
        load_index(Path(folder))  # builds and saves
        load_seconds = timed(lambda: load_index(Path(folder)), repeat=3)
        index = load_index(Path(folder))
    gazetteer = Gazetteer(index)
    exact = lookups_per_second(gazetteer, EXACT_QUERIES, 5000)
    regions = lookups_per_second(gazetteer, REGION_QUERIES, 2000)
    fuzzy = lookups_per_second(gazetteer, FUZZY_QUERIES, 20)
    stats = index_stats(index)
    print("| figure | value |")
    print("| --- | --- |")
    print(
        f"| places indexed | {stats['city']:,} towns, {stats['region']:,} regions, "
        f"{stats['country']} countries ({stats['keys']:,} name keys) |"
    )
    print(f"| cold build (first run after install) | {build_seconds:.1f} s |")
    print(f"| reload from the on-disk copy (median of 3) | {load_seconds:.1f} s |")
    print(f"| exact-name lookups | {exact:,.0f} per second ({1e6 / exact:.0f} µs each) |")
    print(f"| region lookups | {regions:,.0f} per second ({1e6 / regions:.0f} µs each) |")
    print(f"| fuzzy (typo) lookups | {fuzzy:,.0f} per second ({1e3 / fuzzy:.1f} ms each) |")


if __name__ == "__main__":
    main()
