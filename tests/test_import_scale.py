"""A large GeoJSON imports into Parquet with bounded memory.

GeoJSON is read feature by feature and converted 5,000 at a time, each batch written to a part
file; the parts are sorted into the store by DuckDB with a memory limit. Measured here on the
200,000 features below (66 MB): peak RSS about 600 MB after, 2.7 GB before (the whole file
parsed, then every event held at once; a 150 MB, 1M-feature file grew past 10 GB).

    python -m pytest tests/test_import_scale.py -q
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb

from tests.conftest import ROOT

FEATURES = 200_000
# Python and the country locator (the offline gazetteer's places) take about 230 MB, DuckDB's
# sort 256 MB; what grows with the file is only the set of ids seen (duplicates are refused).
PEAK_RSS_MB = 900

# Runs the import as its only child and prints the child's peak RSS (kB, Linux).
MEASURE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
sys.stderr.write(done.stderr)
print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def write_features(path: Path, count: int) -> None:
    """Point features of a tracker's export, on 400 places."""
    kinds = ["Drone Strike", "Artillery", "Shelling", "Protest", "Air strike"]
    with path.open("w", encoding="utf-8") as out:
        out.write('{"type": "FeatureCollection", "features": [\n')
        for i in range(count):
            lon, lat = 24 + (i % 20) * 0.7, 46 + (i // 20 % 20) * 0.3
            feature = {
                "type": "Feature",
                "id": i,
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "date": f"2022-{1 + i % 12:02d}-{1 + i % 28:02d}",
                    "type": kinds[i % 5],
                    "title": f"Event number {i} near a town",
                    "description": "Something happened here, reported by a local channel.",
                    "source": f"https://example.org/report/{i}",
                    "fatalities": i % 7,
                },
            }
            out.write(("," if i else "") + json.dumps(feature) + "\n")
        out.write("]}\n")


def test_a_200k_feature_geojson_imports_into_parquet_with_bounded_memory(tmp_path: Path) -> None:
    source = tmp_path / "features.geojson"
    write_features(source, FEATURES)
    target = tmp_path / "events.parquet"
    command = [sys.executable, "-m", "geo", "import", str(source), "--out", str(target)]
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    code, peak_kb = (int(word) for word in done.stdout.split())
    assert code == 0, done.stderr
    peak_mb = peak_kb / 1024
    print(f"{FEATURES:,} features, {source.stat().st_size / 1e6:.0f} MB: peak RSS {peak_mb:.0f} MB")
    assert peak_mb < PEAK_RSS_MB, f"peak RSS {peak_mb:.0f} MB"
    count, ordered = (
        duckdb.connect()
        .execute(
            f"SELECT count(*), bool_and(date >= lag_date) FROM (SELECT date, "
            f"lag(date, 1, DATE '1900-01-01') OVER () AS lag_date FROM read_parquet('{target}'))"
        )
        .fetchone()
    )
    assert count == FEATURES
    assert ordered, "the store is sorted by date"
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name, source.name]  # no work left
