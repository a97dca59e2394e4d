"""Real third-party exports import as-is with `python -m geo import FILE --out X.parquet`.

The files live in ../shared/external/ (beside the checkout) and are never copied here. Each must
import at least 95% of its rows, with types, dates and countries right on rows checked by hand.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import time
from pathlib import Path

import pytest

import geo.cli as cli
from geo import EventFilter
from geo.store import EventStore
from geo.vocabulary import EventType
from tests.conftest import ROOT

EXTERNAL = ROOT.parent / "shared" / "external"
GDELT = EXTERNAL / "gdelt2_events_sample.csv"
UCDP = EXTERNAL / "ucdp_ged221_ukraine.csv"
USGS = EXTERNAL / "usgs_all_week_2023-04-07.geojson"


def rows_in(path: Path) -> int:
    if path.suffix == ".geojson":
        return len(json.loads(path.read_text(encoding="utf-8"))["features"])
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.DictReader(handle))


def imported(path: Path, tmp_path: Path) -> tuple[EventStore, str]:
    if not path.exists():
        pytest.skip(f"{path.name} is not in {EXTERNAL} (CI has it beside the checkout)")
    out = tmp_path / "x.parquet"
    stdout, stderr = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    code = cli.main(["import", str(path), "--out", str(out)], stdout, stderr)
    seconds = time.perf_counter() - started
    assert code == 0, stderr.getvalue()
    store = EventStore.open(out)
    total = rows_in(path)
    count = store.count(EventFilter())
    print(f"{path.name}: {total} rows, {count} imported, {seconds:.1f} s\n{stderr.getvalue()}")
    assert count >= 0.95 * total, stderr.getvalue()
    return store, stderr.getvalue()


def test_gdelt_sample(tmp_path: Path) -> None:
    store, report = imported(GDELT, tmp_path)
    assert "dates in SQLDATE: YYYYMMDD" in report
    russia = store.event("gdelt-669666797")  # ActionGeo_CountryCode RS: FIPS for Russia
    assert russia is not None
    assert russia.place.country == "RU"
    assert russia.date == dt.date(2017, 7, 1)
    assert russia.event_type is EventType.OTHER  # CAMEO root 17, coerce
    assert russia.labels["EventRootCode"] == "17"
    china = store.event("gdelt-669666390")  # CH: FIPS for China, ISO for Switzerland
    assert china is not None and china.place.country == "CN"
    fight = store.event("gdelt-669666380")  # root 19, in Kidal, Mali
    assert fight is not None
    assert fight.event_type is EventType.ARMED_CLASH
    assert fight.place.country == "ML"
    assert fight.date == dt.date(2017, 6, 1)
    assert fight.sources[0].url and fight.sources[0].url.startswith("http")


def test_ucdp_ged(tmp_path: Path) -> None:
    store, report = imported(UCDP, tmp_path)
    assert "dates in date_start: YYYY-MM-DD" in report
    first = store.event("ucdp-147997")
    assert first is not None
    assert first.event_type is EventType.ARMED_CLASH  # type_of_violence 1, state-based
    assert first.date == dt.date(2014, 1, 22) and first.time_precision == "day"
    assert first.place.country == "UA"
    assert first.place.geo_precision == 1  # where_prec 1
    assert [(f.value, f.qualifier) for f in first.fatalities] == [(5, "about")]
    assert first.labels["type_of_violence"] == "1"
    # UCDP's name for Russia, "Russia (Soviet Union)", is read as Russia: no warning.
    russia = store.event("ucdp-154671")
    assert russia is not None and russia.place.country == "RU"
    assert "is not a country" not in report
    ranged = store.event("ucdp-149249")
    assert ranged is not None
    assert (ranged.date, ranged.date_end) == (dt.date(2014, 2, 18), dt.date(2014, 2, 20))
    assert ranged.time_precision == "range"


def test_usgs_feed(tmp_path: Path) -> None:
    store, report = imported(USGS, tmp_path)
    quake = store.event("ak0234gpdcgp")
    assert quake is not None
    assert quake.date == dt.date(2023, 4, 7)  # epoch milliseconds 1680888012380
    assert quake.place.point == (64.7564, -149.0596)  # [lon, lat, depth]
    assert quake.place.country == "US"  # inferred offline: the feed has no country
    assert quake.place.geo_precision == 0  # unknown
    assert quake.event_type is EventType.OTHER
    assert quake.labels == {"type": "earthquake"}
    assert "milliseconds since 1970" in report
