"""The synthetic benchmark data: reproducible, valid in every format, realistic in mix."""

from __future__ import annotations

import sys
from collections import Counter

from geo import EventFilter, EventType, load_events
from geo.io.importer import import_file
from geo.store import EventStore
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import generate


def test_same_seed_same_events_and_every_format_reads_back(tmp_path):
    first = list(generate.generate(300))
    assert first == list(generate.generate(300))
    assert first != list(generate.generate(300, seed=1))
    paths = {p.suffix: p for p in generate.write_all(300, tmp_path)}
    assert len(load_events(paths[".yaml"]).events) == 300
    assert EventStore(paths[".parquet"]).count(EventFilter()) == 300
    imported = import_file(paths[".csv"], on_error="refuse")
    assert [e.id for e in imported.events] == [e.id for e in first]


def test_type_mix_is_mostly_shelling_and_clashes():
    counts = Counter(e.event_type for e in generate.generate(2000))
    assert counts.most_common(1)[0][0] is EventType.SHELLING
    assert counts[EventType.SHELLING] + counts[EventType.ARMED_CLASH] > 1000
