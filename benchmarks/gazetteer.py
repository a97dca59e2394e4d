"""Measure the offline gazetteer: build, load, memory, garbage collection, lookups per second.

    python benchmarks/gazetteer.py                # this tree's gazetteer beside the pickled one
    python benchmarks/gazetteer.py --old-ref REF  # beside another git revision's
    python benchmarks/gazetteer.py --old-ref ''   # this tree's only

Each design is measured in fresh child processes with its own empty cache folder: one builds
the index (a cold start), the next loads it, so memory figures do not mix. The "before" design
is `geo/gazetteer.py` of the git revision, run from a temporary copy. Memory is VmRSS from
/proc/self/status (Linux); Python objects are those the garbage collector tracks
(gc.get_objects). Numbers from one run on one machine; compare ratios, not absolute times.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# This tree's geo package, not another checkout's that the virtualenv may have installed.
sys.path.insert(0, str(ROOT))
EXACT_QUERIES = ["Kyiv", "Kharkov", "Харків", "Mariupol", "Gomel", "Brussels", "Moscow", "Belarus"]
REGION_QUERIES = ["Gomel region", "Donetsk Oblast", "Kharkiv oblast"]
FUZZY_QUERIES = ["Mariupl", "Zaporizhzja", "Kharkivv"]
ALIAS_QUERIES = [("Kharkiv", "UA"), ("Kyiv", "UA"), ("Gomel", "BY"), ("Odesa", None)]
GC_REPEAT = 5
# The last commit whose gazetteer was an index of pickled Python dicts and lists.
PICKLED = "1cd1d7f"


# -- in a child process: one design, one step ------------------------------------------------
def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def timed(action: Callable[[], object], repeat: int = 1) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def per_second(lookup: Callable[[Any], object], queries: list[Any], rounds: int) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        for query in queries:
            lookup(query)
    return len(queries) * rounds / (time.perf_counter() - started)


def gazetteer_module(source: str) -> ModuleType:
    """This tree's geo.gazetteer, or an older copy imported under its own name."""
    if source == "new":
        import geo.gazetteer

        return geo.gazetteer
    # Registered before it runs: the old index pickles its classes by this module's name.
    spec = importlib.util.spec_from_file_location("old_gazetteer", source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["old_gazetteer"] = module
    spec.loader.exec_module(module)
    return module


def step_build(gz: ModuleType, cache: Path) -> dict[str, Any]:
    """A cold start: build the index and save it in the (empty) cache folder."""
    seconds = timed(lambda: gz.load_index(cache))
    gc.collect()
    files = [p for p in cache.iterdir() if p.is_file()]
    return {
        "build_seconds": seconds,
        "rss_after_build_mb": rss_mb(),
        "file_mb": sum(p.stat().st_size for p in files) / 1e6,
    }


def step_load(gz: ModuleType, cache: Path) -> dict[str, Any]:
    """Load the saved index in a fresh process: what it adds, and what it costs afterwards."""
    gc.collect()
    rss_before, objects_before = rss_mb(), len(gc.get_objects())
    gc_before = timed(gc.collect, GC_REPEAT)
    started = time.perf_counter()
    gazetteer = gz.Gazetteer(gz.load_index(cache))
    load_seconds = time.perf_counter() - started
    gazetteer.geocode("Kyiv")  # a first lookup, as a page would make
    gc.collect()
    result = {
        "load_seconds": load_seconds,
        "rss_added_mb": rss_mb() - rss_before,
        "objects_added": len(gc.get_objects()) - objects_before,
        "gc_without_s": gc_before,
        "gc_with_s": timed(gc.collect, GC_REPEAT),
        **lookup_rates(gazetteer),
        "stats": gz.index_stats(gazetteer.index),
    }
    result["rss_added_after_lookups_mb"] = rss_mb() - rss_before
    del gazetteer
    result["reload_seconds"] = timed(lambda: gz.load_index(cache), repeat=3)
    return result


def lookup_rates(gazetteer: Any) -> dict[str, float]:
    def geocode(query: str) -> object:
        return gazetteer.geocode(query, country_codes=["UA"] if query == "Mariupl" else None)

    def aliases(query: tuple[str, str | None]) -> object:
        return gazetteer.alternate_names(*query)

    return {
        "exact_per_s": per_second(geocode, EXACT_QUERIES, 5000),
        "region_per_s": per_second(geocode, REGION_QUERIES, 2000),
        "fuzzy_per_s": per_second(geocode, FUZZY_QUERIES, 20),
        "aliases_per_s": per_second(aliases, ALIAS_QUERIES, 5000),
    }


def child(source: str, step: str, cache: Path) -> None:
    gz = gazetteer_module(source)
    result = step_build(gz, cache) if step == "build" else step_load(gz, cache)
    print(json.dumps(result))


# -- in the parent: run the children, print the table ----------------------------------------
def run_child(source: str, step: str, cache: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", source, step, str(cache)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    return dict(json.loads(done.stdout.splitlines()[-1]))


def measure(source: str, folder: Path) -> dict[str, Any]:
    cache = folder / "cache"
    cache.mkdir()
    return {**run_child(source, "build", cache), **run_child(source, "load", cache)}


def old_source(ref: str, folder: Path) -> str:
    text = subprocess.run(
        ["git", "show", f"{ref}:geo/gazetteer.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = folder / "old_gazetteer.py"
    path.write_text(text, encoding="utf-8")
    return str(path)


ROWS: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
    ("cold build and save (first run after install)", lambda r: f"{r['build_seconds']:.1f} s"),
    ("on-disk copy", lambda r: f"{r['file_mb']:.0f} MB"),
    ("load in a fresh process", lambda r: f"{r['load_seconds'] * 1e3:,.0f} ms"),
    ("reload in the same process (median of 3)", lambda r: f"{r['reload_seconds'] * 1e3:,.0f} ms"),
    ("RSS added by loading (+ first lookup)", lambda r: f"{r['rss_added_mb']:,.0f} MB"),
    ("RSS added after the lookups below", lambda r: f"{r['rss_added_after_lookups_mb']:,.0f} MB"),
    ("Python objects added (gc.get_objects)", lambda r: f"{r['objects_added']:,}"),
    (
        "full gc.collect(), gazetteer not loaded / loaded",
        lambda r: f"{r['gc_without_s'] * 1e3:.1f} ms / {r['gc_with_s'] * 1e3:.1f} ms",
    ),
    ("exact-name lookups", lambda r: rate(r["exact_per_s"])),
    ("region lookups", lambda r: rate(r["region_per_s"])),
    ("fuzzy (typo) lookups", lambda r: rate(r["fuzzy_per_s"])),
    ("alternate names (search aliases)", lambda r: rate(r["aliases_per_s"])),
    ("RSS of the process after a cold build", lambda r: f"{r['rss_after_build_mb']:,.0f} MB"),
]


def rate(per_second: float) -> str:
    each = 1 / per_second
    each_text = f"{each * 1e6:.0f} µs" if each < 1e-3 else f"{each * 1e3:.1f} ms"
    return f"{per_second:,.0f} per second ({each_text} each)"


def table(results: dict[str, dict[str, Any]], load_at_start: float) -> str:
    labels = list(results)
    stats = next(iter(results.values()))["stats"]
    lines = [
        f"places indexed: {stats['city']:,} towns, {stats['region']:,} regions, "
        f"{stats['country']} countries ({stats['keys']:,} name keys); "
        f"load average {load_at_start:.2f} at the start, {os.getloadavg()[0]:.2f} at the end",
        "",
        "| figure | " + " | ".join(labels) + " |",
        "| --- |" + " --- |" * len(labels),
    ]
    for figure, show in ROWS:
        lines.append(f"| {figure} | " + " | ".join(show(results[k]) for k in labels) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old-ref", default=PICKLED, help="git revision to compare with ('' none)")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        source, step, cache = args.child
        child(source, step, Path(cache))
        return
    # The machine's other work: times are only comparable when it stays low.
    load_at_start = os.getloadavg()[0]
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        if args.old_ref:
            (folder / "old").mkdir()
            source = old_source(args.old_ref, folder)
            results[f"before ({args.old_ref})"] = measure(source, folder / "old")
        (folder / "new").mkdir()
        results["this tree"] = measure("new", folder / "new")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(table(results, load_at_start))


if __name__ == "__main__":
    main()
