"""How true to the source an import is, per file: rows, events, the share typed "other", links
in the file against sources kept, publishers, labels, and precision classes.

    .venv/bin/python benchmarks/import_fidelity.py                 # ../shared/external/*
    .venv/bin/python benchmarks/import_fidelity.py FILE [FILE ...]  # any exports

Prints one Markdown table row per file (and the most frequent labels typed "other"), for
benchmarks/RESULTS.md and the issue's closing note.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from geo.io.importer import import_file
from geo.io.meaning import links_in
from geo.vocabulary import EventType

EXTERNAL = Path(__file__).resolve().parents[1].parent / "shared" / "external"


def links_in_file(path: Path) -> int:
    """Web addresses the file holds in all (an upper bound on the sources it can give)."""
    return len(links_in(path.read_text(encoding="utf-8", errors="replace")))


def measure(path: Path) -> tuple[str, list[str]]:
    result = import_file(path)
    events = result.events
    other = [e for e in events if e.event_type is EventType.OTHER]
    sources = [s for e in events for s in e.sources]
    linked = sum(1 for s in sources if s.url)
    quoted = sum(1 for s in sources if s.quote)
    precision = Counter(e.place.geo_precision for e in events)
    publishers = Counter(s.publisher for s in sources)
    named = sum(1 for e in events if e.labels)
    share = len(other) / len(events) if events else 0.0
    row = (
        f"| {path.name} | {result.format} | {result.rows:,} | {len(events):,} | {share:.1%} | "
        f"{links_in_file(path):,} | {linked:,} | {quoted:,} | {len(publishers):,} | "
        f"{named:,} | "
        + ", ".join(f"{k}: {v:,}" for k, v in sorted(precision.items(), key=lambda i: str(i[0])))
        + " |"
    )
    labels = Counter(" / ".join(f"{k}={v}" for k, v in e.labels.items())[:80] for e in other)
    detail = [
        f"  other in {path.name}: {label or '(no label)'}: {n:,}"
        for label, n in labels.most_common(5)
    ]
    detail += [f"  note: {note[:300]}" for note in result.notes]
    return row, detail


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv] or sorted(EXTERNAL.glob("*.*"))
    files = [f for f in files if f.suffix.lower() in (".csv", ".tsv", ".json", ".geojson")]
    if not files:
        print(f"no files: give some, or put exports in {EXTERNAL}", file=sys.stderr)
        return 1
    print(
        "| file | format | rows | events | other | distinct links in file | sources with a link | "
        "sources quoted | publishers | events with labels | precision (events) |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    details: list[str] = []
    for path in files:
        row, detail = measure(path)
        print(row)
        details += detail
    print("\n".join(details))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
