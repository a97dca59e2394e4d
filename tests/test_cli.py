"""`python -m geo check|geocode`: diffs, write-back that keeps comments, atomic writes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from geopy.location import Location

import geo.cli as cli
from geo import load_events
from geo.gazetteer import Gazetteer, load_index
from tests.conftest import ROOT

SOURCE = """\
# Top comment: keep me
title: Test
events:
  # the Kharkiv event
  - id: a
    title: Shelling
    event_type: shelling
    date: 2022-02-28
    place:
      name: Kharkov   # old spelling
      country: UA
    sources:
      - publisher: X
        date: 2022-02-28
        quote: "q"
  - id: b
    title: Talks
    event_type: negotiations
    date: 2022-02-28
    place: {name: Gomel region, country: BY}
    sources:
      - {publisher: X, date: 2022-02-28, quote: "q"}
  - id: kept
    title: Own coordinates
    event_type: statement
    date: 2022-02-28
    place:
      name: Kyiv
      country: UA
      latitude: 50.0
      longitude: 30.0
      geo_precision: 2
    sources:
      - publisher: X
        date: 2022-02-28
        quote: "q"
"""


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer(load_index())


@pytest.fixture(autouse=True)
def offline_locator(monkeypatch, gazetteer):
    def locator():
        def locate(name: str, country: str):
            found = gazetteer.geocode(name, country_codes=[country])
            return (found if isinstance(found, Location) else None), None

        return locate

    monkeypatch.setattr(cli, "_service_locator", locator)


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(args), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def events_file(tmp_path: Path) -> Path:
    path = tmp_path / "events.yaml"
    path.write_text(SOURCE, encoding="utf-8")
    return path


def test_check_reports_ok_and_missing_coordinates(events_file):
    code, out, _ = run("check", str(events_file))
    assert code == 0
    assert "OK, 3 events; 2 without coordinates" in out


def test_check_lists_every_problem_with_line_and_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SOURCE.replace("event_type: shelling", "event_type: shellin"), encoding="utf-8")
    code, _, err = run("check", str(bad))
    assert code == 1
    assert err.startswith("error: 1 problem in")
    assert "bad.yaml:7 [events[0] (id a).event_type]" in err


def test_geocode_shows_a_diff_and_writes_nothing(events_file):
    code, out, _ = run("geocode", str(events_file))
    assert code == 0
    assert "+      latitude: 49.98177" in out
    assert "2 places would be filled in; add --write to save." in out
    assert events_file.read_text(encoding="utf-8") == SOURCE


def test_geocode_write_keeps_comments_order_and_adds_provenance(events_file):
    code, out, _ = run("geocode", str(events_file), "--write")
    assert code == 0 and "wrote 2 coordinates" in out
    text = events_file.read_text(encoding="utf-8")
    assert text.startswith("# Top comment: keep me\ntitle: Test\n")
    assert "  # the Kharkiv event\n" in text and "name: Kharkov   # old spelling" in text
    events = {e.id: e for e in load_events(events_file).events}
    kharkiv = events["a"].place
    assert kharkiv.point == pytest.approx((49.98177, 36.25475))
    assert kharkiv.geo_precision == 1
    assert kharkiv.geocoded is not None
    assert kharkiv.geocoded.provider == "gazetteer"
    assert kharkiv.geocoded.matched_name == "Kharkiv"
    assert kharkiv.geocoded.geonames_id == 706483
    assert kharkiv.geocoded.query == "Kharkov"
    assert events["b"].place.geo_precision == 3
    # Events that carry their own coordinates are never overwritten unless asked.
    assert events["kept"].place.point == (50.0, 30.0)
    assert [e.id for e in load_events(events_file).events] == ["a", "b", "kept"]


def test_overwrite_re_geocodes_own_coordinates(events_file):
    run("geocode", str(events_file), "--write", "--overwrite")
    kept = next(e for e in load_events(events_file).events if e.id == "kept")
    assert kept.place.point == pytest.approx((50.45466, 30.5238))


def test_unresolved_places_are_reported_with_their_line_and_the_rest_still_written(tmp_path):
    path = tmp_path / "events.yaml"
    path.write_text(SOURCE.replace("name: Gomel region", "name: Atlantis"), encoding="utf-8")
    code, _, err = run("geocode", str(path), "--write")
    assert code == 1
    assert "not geocoded: b (line 20): no place called 'Atlantis' in BY" in err
    assert next(e for e in load_events(path).events if e.id == "a").located


def test_an_interrupted_write_leaves_the_original_intact(events_file, monkeypatch):
    def crash(*args, **kwargs):
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        run("geocode", str(events_file), "--write")
    assert events_file.read_text(encoding="utf-8") == SOURCE
    assert [p.name for p in events_file.parent.iterdir()] == ["events.yaml"]


def test_a_broken_file_is_refused_before_geocoding(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SOURCE.replace("id: b", "id: a"), encoding="utf-8")
    code, _, err = run("geocode", str(bad), "--write")
    assert code == 1 and "already used" in err
    assert bad.read_text(encoding="utf-8") == SOURCE.replace("id: b", "id: a")


def test_progress_bar_on_request(events_file):
    _, _, err = run("geocode", str(events_file), "--progress")
    assert "geocoding [" in err and "2/2" in err


def test_module_entry_point_runs(events_file):
    result = subprocess.run(
        [sys.executable, "-m", "geo", "check", str(events_file)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "OK, 3 events" in result.stdout


FIXTURES = ROOT / "tests" / "fixtures" / "import"


def test_import_acled_writes_a_valid_events_file(tmp_path):
    target = tmp_path / "imported.yaml"
    code, out, err = run("import", str(FIXTURES / "acled_sample.csv"), "--out", str(target))
    assert code == 0, err
    assert "imported 6 events" in out and "skipped 0 rows" in out
    assert len(load_events(target).events) == 6
    code, _, err = run("import", str(FIXTURES / "acled_sample.csv"), "--out", str(target))
    assert code == 1 and "--force" in err


def test_import_reports_every_skipped_row_or_refuses_the_file(tmp_path):
    target = tmp_path / "imported.yaml"
    code, out, err = run("import", str(FIXTURES / "bad_rows.csv"), "--out", str(target))
    assert code == 0
    skipped = [line for line in err.splitlines() if line.startswith("skipped: bad_rows.csv:")]
    assert len(skipped) >= 3 and f"skipped {len(skipped)} rows" in out
    refused = tmp_path / "refused.yaml"
    code, _, err = run(
        "import", str(FIXTURES / "bad_rows.csv"), "--out", str(refused), "--on-error", "refuse"
    )
    assert code == 1 and err.startswith("error:")
    assert not refused.exists()


def test_export_acled_round_trips_through_import(tmp_path):
    acled = tmp_path / "events.csv"
    code, out, _ = run("export-acled", str(ROOT / "data" / "events.yaml"), "--out", str(acled))
    assert code == 0 and "wrote 23 events" in out
    back = tmp_path / "back.yaml"
    assert run("import", str(acled), "--out", str(back))[0] == 0
    original = {e.id: e for e in load_events(ROOT / "data" / "events.yaml").events}
    for event in load_events(back).events:
        assert event.event_type == original[event.id].event_type
        assert event.place.point == original[event.id].place.point


def test_import_into_parquet_then_export_by_page_link_streams_the_filtered_events(tmp_path):
    from geo import EventFilter, EventType
    from geo.store import EventStore

    store_path = tmp_path / "events.parquet"
    code, out, err = run("import", str(ROOT / "data" / "events.yaml"), "--out", str(store_path))
    assert code == 0, err
    assert "imported 23 events" in out
    store = EventStore.open(store_path)
    assert store.total() == 23
    assert store.title == "Imported from events.yaml"
    original = {e.id: e for e in load_events(ROOT / "data" / "events.yaml").events}
    assert all(store.event(i) == event for i, event in original.items())

    geojson = tmp_path / "shelling.geojson"
    link = "http://localhost:8501/?type=shelling&country=UA&lat=49&lon=36&z=7"
    code, out, err = run(
        "export", str(store_path), "--format", "geojson", "--where", link, "--out", str(geojson)
    )
    assert code == 0, err
    wanted = store.count(
        EventFilter(types=frozenset({EventType.SHELLING}), countries=frozenset({"UA"}))
    )
    assert wanted > 0 and f"wrote {wanted} events" in out
    back = tmp_path / "back.yaml"
    assert run("import", str(geojson), "--out", str(back))[0] == 0
    for event in load_events(back).events:
        assert event == original[event.id]


@pytest.mark.parametrize("fmt", ["csv", "acled"])
def test_export_from_yaml_in_every_format(tmp_path, fmt):
    target = tmp_path / f"out.{fmt}.csv"
    code, out, err = run(
        "export", str(ROOT / "data" / "events.yaml"), "--format", fmt, "--out", str(target)
    )
    assert code == 0, err
    assert "wrote 23 events" in out
    assert len(target.read_text(encoding="utf-8").splitlines()) >= 24


def test_export_refuses_an_unreadable_link_and_keeps_an_existing_file(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("keep me", encoding="utf-8")
    code, _, err = run(
        "export",
        str(ROOT / "data" / "events.yaml"),
        "--where",
        "type=nonsense",
        "--out",
        str(target),
        "--force",
    )
    assert code == 1 and "--where: cannot read type" in err
    code, _, err = run("export", str(ROOT / "data" / "events.yaml"), "--out", str(target))
    assert code == 1 and "--force" in err
    assert target.read_text(encoding="utf-8") == "keep me"


def test_a_failed_export_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "out.csv"

    def broken(events, stream):
        stream.write("half a file")
        raise OSError("disk full")

    monkeypatch.setitem(cli.EXPORT_WRITERS, "csv", broken)
    with pytest.raises(OSError, match="disk full"):
        cli.main(
            ["export", str(ROOT / "data" / "events.yaml"), "--out", str(target)],
            io.StringIO(),
            io.StringIO(),
        )
    assert list(tmp_path.iterdir()) == []
