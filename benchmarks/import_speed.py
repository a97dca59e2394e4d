"""Time and peak memory of `python -m geo import` on synthetic ACLED exports of growing size.

    python benchmarks/import_speed.py --sizes 10000 30000 100000 --runs 3

Writes each size's ACLED CSV once (benchmarks/generate.py, fixed seed) into benchmarks/data,
then imports it `--runs` times in a fresh process, reporting the median wall time and peak RSS.
Time per row should stay flat as the file grows: a rise means work that grows with n².
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from geo.io.acled import export_acled_csv

sys.path.insert(0, str(Path(__file__).parent))
from generate import generate


def acled_file(size: int, folder: Path) -> Path:
    path = folder / f"events-{size}-acled.csv"
    if not path.exists():
        path.write_text(export_acled_csv(list(generate(size))), encoding="utf-8")
    return path


def one_import(source: Path) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one import in a fresh process."""
    with tempfile.TemporaryDirectory() as tmp:
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "geo", "import", str(source), "--out", f"{tmp}/out.parquet"],
            check=True,
            capture_output=True,
        )
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest child so far: sizes run smallest first, so it is ours.
    return seconds, max(peak, before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", type=Path, default=Path("benchmarks/data"))
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    print("| rows | median import (s) | µs per row | peak RSS (MB) |")
    print("|---:|---:|---:|---:|")
    for size in sorted(args.sizes):
        source = acled_file(size, args.data)
        runs = [one_import(source) for _ in range(args.runs)]
        seconds = statistics.median(r[0] for r in runs)
        peak = max(r[1] for r in runs)
        per_row = seconds / size * 1e6
        print(f"| {size:,} | {seconds:.1f} | {per_row:.0f} | {peak:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
