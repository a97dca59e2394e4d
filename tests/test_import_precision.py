"""Precision from the data: events a source stacked on a region's centroid get region precision
(geo.io.area_points), events on a town's point and events with the source's own precision keep
theirs, and the import says so, one line per point, on the command line and on the page."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

import geo.cli as cli
import geo.io.area_points as area_points
import geo.io.jsonfile as jsonfile
import geo.web.page as page
from geo import load_events
from geo.gazetteer import Entry, shared_gazetteer
from geo.io.importer import ImportResult, import_file
from geo.map.layer import LayerContent, layer_payload
from geo.model import Event
from geo.text import fold
from geo.vocabulary import UNCERTAINTY_RADIUS_M

UCDP = Path(__file__).resolve().parents[2] / "shared" / "external" / "ucdp_ged221_ukraine.csv"


def region(admin1: str) -> Entry:
    """A Ukrainian region at the point the gazetteer holds for it (the median of its towns)."""
    found = shared_gazetteer().index.region("UA", admin1)
    assert found is not None
    return found[1]


def town(name: str) -> Entry:
    """The biggest Ukrainian town of that name, at the gazetteer's point."""
    towns = [
        e
        for e in shared_gazetteer().index.entries_named(fold(name))
        if e.kind == "city" and e.country == "UA"
    ]
    return max(towns, key=lambda e: e.population)


def region_name(entry: Entry) -> str:
    return shared_gazetteer().region_name(entry)


KHARKIV_REGION = "07"
ZAPORIZHZHIA_REGION = "26"
SCATTERED = ("Izium", "Kupiansk", "Chuhuiv", "Balakliia", "Lozova")


def feature(i: int, lat: float, lon: float, **properties: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "id": f"e{i}",
            "date": "2022-03-01",
            "type": "Artillery",
            **{k: v for k, v in properties.items() if v is not None},
        },
    }


def stack(
    at: Entry | tuple[float, float], count: int, start: int, **properties: Any
) -> list[dict[str, Any]]:
    lat, lon = (at.latitude, at.longitude) if isinstance(at, Entry) else at
    return [feature(start + i, lat, lon, **properties) for i in range(count)]


def write(path: Path, features: Sequence[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features)}))
    return path


def tracker(tmp_path: Path, named: bool = True) -> Path:
    """Like the tracker: 30 events on Kharkiv region's centre and 12 on Zaporizhzhia region's,
    named as trackers name them (the region; a town of the region, 60 km away), and 5 events
    at towns."""
    kharkiv, zaporizhzhia = region(KHARKIV_REGION), region(ZAPORIZHZHIA_REGION)
    features = stack(kharkiv, 30, 0, location="Kharkiv Oblast" if named else None)
    features += stack(zaporizhzhia, 12, 100, location="Melitopol" if named else None)
    for i, name in enumerate(SCATTERED):
        features.append(feature(200 + i, town(name).latitude, town(name).longitude, location=name))
    return write(tmp_path / "tracker.geojson", features)


def by_id(events: Sequence[Event]) -> dict[str, Event]:
    return {e.id: e for e in events}


def notes_of(result: ImportResult) -> list[str]:
    return [n for n in result.notes if "at the centroid of" in n]


def line_for(count: int, entry: Entry) -> str:
    return f"{count} events at the centroid of {region_name(entry)}, Ukraine"


# --- the rule -----------------------------------------------------------------------------------


@pytest.mark.parametrize("named", [True, False], ids=["named", "without-names"])
def test_a_tracker_s_region_centroids_get_region_precision_and_the_region_s_name(
    tmp_path: Path, named: bool
) -> None:
    result = import_file(tracker(tmp_path, named))
    events = by_id(result.events)
    kharkiv, zaporizhzhia = region(KHARKIV_REGION), region(ZAPORIZHZHIA_REGION)
    for i in range(30):
        assert events[f"e{i}"].place.geo_precision == 3
        assert events[f"e{i}"].place.admin1 == region_name(kharkiv)
    for i in range(100, 112):
        assert events[f"e{i}"].place.geo_precision == 3
        assert events[f"e{i}"].place.admin1 == region_name(zaporizhzhia)
    for i, name in enumerate(SCATTERED):
        place = events[f"e{200 + i}"].place
        assert (place.name, place.geo_precision, place.admin1) == (name, 0, None)
    lines = notes_of(result)
    assert len(lines) == 2
    assert lines[0].startswith(line_for(30, kharkiv))
    assert f"({kharkiv.latitude:.2f}, {kharkiv.longitude:.2f}): region precision" in lines[0]
    assert lines[1].startswith(line_for(12, zaporizhzhia))
    assert [(p.events, p.region) for p in result.area_points] == [
        (30, region_name(kharkiv)),
        (12, region_name(zaporizhzhia)),
    ]
    assert all(f"note: {line}" in result.summary() for line in lines)


def test_a_centroid_named_for_the_region_s_city_is_the_region_s(tmp_path: Path) -> None:
    """ "Kharkiv" about where Kharkiv Oblast's centroid is: 45 km south of the city, 15 km from
    the gazetteer's centres of the region."""
    features = stack((49.6, 36.45), 20, 0, location="Kharkiv")
    result = import_file(write(tmp_path / "kharkiv.geojson", features))
    assert {e.place.geo_precision for e in result.events} == {3}
    (point,) = result.area_points
    assert (point.events, point.region) == (20, region_name(region(KHARKIV_REGION)))


def test_a_small_region_s_centroid_is_looked_for_nearer() -> None:
    """Kyiv city is a region of its own, 30 km across: 30 km around its centre would be all of
    it and more; Kharkiv region, 300 km across, gets the full 30 km."""
    regions = area_points.regions_of(shared_gazetteer())
    kharkiv, kyiv_city = region(KHARKIV_REGION), region("12")
    south_of = [regions.near(r.latitude - 0.2, r.longitude) for r in (kharkiv, kyiv_city)]
    assert [r.name for r, _ in south_of[0]] == [region_name(kharkiv)]  # 22 km away
    assert region_name(kyiv_city) not in [r.name for r, _ in south_of[1]]
    (found,) = [
        r for r, _ in regions.near(kyiv_city.latitude, kyiv_city.longitude) if r.admin1 == "12"
    ]
    assert 2 <= found.reach_km < 10


def test_fewer_than_ten_events_on_a_centroid_are_left_as_they_are(tmp_path: Path) -> None:
    features = stack(region(KHARKIV_REGION), 9, 0, location="Kharkiv Oblast")
    path = write(tmp_path / "few.geojson", features)
    result = import_file(path)
    assert {e.place.geo_precision for e in result.events} == {0}
    assert not result.area_points and not notes_of(result)


@pytest.mark.parametrize("name", ["Kyiv", "Kharkiv", None])
def test_events_stacked_on_a_city_s_own_point_stay_the_city_s(tmp_path: Path, name: str) -> None:
    """Kyiv's point is 2 km from the gazetteer's centre of the Kyiv city region, Kharkiv's
    17 km from Kharkiv region's: both near a region's centre, both a city."""
    features = stack(town("Kyiv"), 30, 0, location=name)
    features += stack(town("Kharkiv"), 30, 100, location=name)
    assert area_points.Finder().near((town("Kyiv").latitude, town("Kyiv").longitude))
    assert area_points.Finder().near((town("Kharkiv").latitude, town("Kharkiv").longitude))
    result = import_file(write(tmp_path / "cities.geojson", features))
    assert {(e.place.geo_precision, e.place.admin1) for e in result.events} == {(0, None)}
    assert not result.area_points and not notes_of(result)


def test_names_the_gazetteer_cannot_read_are_places_not_centroids(tmp_path: Path) -> None:
    """An airport, a village under 500 people: a real spot, even on a region's centre."""
    features = stack(region(KHARKIV_REGION), 30, 0, location="Kharkiv tank repair plant")
    result = import_file(write(tmp_path / "plant.geojson", features))
    assert {e.place.geo_precision for e in result.events} == {0}
    assert not result.area_points


def test_two_unnamed_stacks_around_one_centre_are_places_around_it(tmp_path: Path) -> None:
    kharkiv = region(KHARKIV_REGION)
    beside = (kharkiv.latitude - 0.05, kharkiv.longitude + 0.05)  # 6.6 km away, no town
    assert area_points.Finder().areas({beside: ["49.0, 36.0"]}), "the test needs a free point"
    features = stack(kharkiv, 30, 0) + stack(beside, 20, 100)
    result = import_file(write(tmp_path / "two.geojson", features))
    assert {e.place.geo_precision for e in result.events} == {0}


def test_an_explicit_precision_is_never_overridden(tmp_path: Path) -> None:
    """Per event: a precision the source gave (0 included) stands; a blank one is unstated."""
    kharkiv, zaporizhzhia = region(KHARKIV_REGION), region(ZAPORIZHZHIA_REGION)
    path = tmp_path / "precise.csv"
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["id", "date", "latitude", "longitude", "location", "precision"])
        for i in range(30):
            out.writerow([f"k{i}", "2022-03-01", kharkiv.latitude, kharkiv.longitude, "Kharkiv", 1])
        for i in range(30):
            out.writerow(
                [
                    f"z{i}",
                    "2022-03-01",
                    zaporizhzhia.latitude,
                    zaporizhzhia.longitude,
                    "Zaporizhzhia",
                    0 if i < 15 else "",
                ]
            )
    result = import_file(path)
    events = by_id(result.events)
    assert {events[f"k{i}"].place.geo_precision for i in range(30)} == {1}
    assert {events[f"z{i}"].place.geo_precision for i in range(15)} == {0}
    assert {events[f"z{i}"].place.geo_precision for i in range(15, 30)} == {3}
    assert {events[f"z{i}"].place.admin1 for i in range(15)} == {None}
    assert [p.events for p in result.area_points] == [15]


@pytest.mark.skipif(not UCDP.is_file(), reason=f"{UCDP} is not there (shared/external)")
def test_ucdp_s_own_precision_wins_on_the_real_file() -> None:
    """UCDP GED gives every event a where_prec: nothing is reclassified. With the precision
    ignored, only its two "oblast" points are area points (geo.io.area_points)."""
    result = import_file(UCDP)
    assert len(result.events) == 3077 and not result.area_points and not notes_of(result)
    events = list(result.events)
    found = area_points.area_points(events)  # as if no event had a precision
    assert sorted((p.events, p.region) for p in found) == [
        (118, "Luhansk region"),
        (351, "Donetsk region"),
    ]
    names = {
        e.place.name
        for e in events
        if area_points.point_key(e) in {(p.latitude, p.longitude) for p in found}
    }
    assert names == {"Donetsk oblast", "Luhansk oblast"}
    # Without names, its stacks around the Donetsk and Luhansk centres are too many to be
    # centroids: the geometry alone would take villages, towns and Donetsk's airport.
    unnamed = [
        e.model_copy(update={"place": e.place.model_copy(update={"name": "0.0, 0.0"})})
        for e in result.events
    ]
    assert area_points.area_points(unnamed) == []


GDELT = UCDP.with_name("gdelt2_events_sample.csv")


@pytest.mark.skipif(not GDELT.is_file(), reason=f"{GDELT} is not there (shared/external)")
def test_gdelt_s_big_cities_stay_cities_with_their_precision_ignored() -> None:
    """GDELT's points for Tehran, Ho Chi Minh City, Saint Petersburg and Tokyo are 5 to 11 km
    from GeoNames', and near their regions' centres: their names keep them cities."""
    events = list(import_file(GDELT).events)
    assert area_points.area_points(events) == []


# --- a file streamed to a sink ------------------------------------------------------------------


def streamed_and_whole(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[ImportResult, ImportResult]:
    """The file imported whole, then streamed to a sink 7 records at a time: the same events."""
    whole = import_file(path)
    monkeypatch.setattr(jsonfile, "BATCH_ROWS", 7)
    batches: list[list[Event]] = []
    streamed = import_file(path, sink=batches.append)
    assert len(batches) > 3 and not streamed.events
    sunk = [e for batch in batches for e in batch]
    assert len(sunk) == len(whole.events) == len({e.id for e in sunk})
    assert sorted(e.model_dump_json() for e in sunk) == sorted(
        e.model_dump_json() for e in whole.events
    )
    assert [(p.events, p.region) for p in streamed.area_points] == [
        (p.events, p.region) for p in whole.area_points
    ]
    assert notes_of(streamed) == notes_of(whole)
    return whole, streamed


def test_a_file_streamed_in_batches_is_marked_as_when_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kharkiv = region(KHARKIV_REGION)
    features = stack(kharkiv, 6, 0, location="Kharkiv Oblast")
    features += [
        feature(50 + i, town(n).latitude, town(n).longitude, location=n)
        for i, n in enumerate(SCATTERED)
    ]
    features += stack(kharkiv, 24, 6, location="Kharkiv Oblast")
    features += stack(region(ZAPORIZHZHIA_REGION), 12, 100)  # no names: decided at the end
    features += stack(kharkiv, 5, 200, location="Kharkiv")
    features += stack(town("Kyiv"), 15, 300)  # no names, a city's: decided at once
    whole, _ = streamed_and_whole(write(tmp_path / "streamed.geojson", features), monkeypatch)
    assert [p.events for p in whole.area_points] == [35, 12]


def test_two_unnamed_stacks_around_one_centre_are_left_alone_when_streamed_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    zaporizhzhia = region(ZAPORIZHZHIA_REGION)
    beside = (zaporizhzhia.latitude - 0.05, zaporizhzhia.longitude + 0.05)
    assert area_points.Finder().areas({beside: ["1.0, 1.0"]}), "the test needs a free point"
    features = stack(zaporizhzhia, 12, 0) + stack(beside, 11, 100) + stack(zaporizhzhia, 3, 200)
    whole, _ = streamed_and_whole(write(tmp_path / "two.geojson", features), monkeypatch)
    assert not whole.area_points


def test_a_stream_that_would_hold_back_too_much_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "held.geojson", stack(region(KHARKIV_REGION), 40, 0))
    monkeypatch.setattr(jsonfile, "BATCH_ROWS", 7)
    monkeypatch.setattr(area_points, "HELD_MAX", 20)
    batches: list[list[Event]] = []
    result = import_file(path, sink=batches.append)
    assert sum(len(b) for b in batches) == 40 and not result.area_points
    assert {e.place.geo_precision for b in batches for e in b} == {0}
    assert any("over 20 of its events would have been held back" in n for n in result.notes)


# --- what the user sees -------------------------------------------------------------------------


def test_the_command_line_says_which_points_got_region_precision(tmp_path: Path) -> None:
    source, target = tracker(tmp_path), tmp_path / "out.yaml"
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["import", str(source), "--out", str(target)], out, err) == 0, err.getvalue()
    lines = [line for line in err.getvalue().splitlines() if "at the centroid of" in line]
    assert len(lines) == 2
    assert lines[0].startswith(f"note: {line_for(30, region(KHARKIV_REGION))}")
    assert lines[1].startswith(f"note: {line_for(12, region(ZAPORIZHZHIA_REGION))}")
    events = by_id(load_events(target).events)
    assert events["e0"].place.geo_precision == 3 and events["e200"].place.geo_precision == 0


def show_report(data: bytes) -> None:
    from geo.web.page import import_upload, show_upload_report

    _, report = import_upload("tracker.geojson", data, "skip")
    show_upload_report(report)


def test_the_page_s_upload_report_says_which_points_got_region_precision(tmp_path: Path) -> None:
    data = tracker(tmp_path).read_bytes()
    dataset, report = page.import_upload("tracker.geojson", data, "skip")
    assert by_id(dataset.events)["e0"].place.geo_precision == 3
    assert [n.split(" (")[0] for n in report.notes if "centroid" in n] == [
        line_for(30, region(KHARKIV_REGION)),
        line_for(12, region(ZAPORIZHZHIA_REGION)),
    ]
    at = AppTest.from_function(show_report, args=(data,), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    (shown,) = at.info
    assert line_for(30, region(KHARKIV_REGION)) in shown.value
    assert line_for(12, region(ZAPORIZHZHIA_REGION)) in shown.value


def test_the_map_draws_region_precision_as_an_approximate_place(tmp_path: Path) -> None:
    """Nothing in the map changes: precision 3 already gets the dashed uncertainty circle."""
    result = import_file(tracker(tmp_path))
    marked = by_id(result.events)["e0"]
    (drawn,) = layer_payload(LayerContent(events=[marked]))["events"]
    assert drawn["radius"] == UNCERTAINTY_RADIUS_M[3] > 0
