from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo import load_events, to_csv, to_geojson, to_geojson_text
from geo.errors import DataFileError
from geo.io.acled import export_acled_csv
from geo.io.dates import parse_date
from geo.io.geojson import representative_point
from geo.io.importer import ImportResult, import_file
from geo.model import Event, Figure, Geometry, Place, Source
from geo.vocabulary import EventType

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "data" / "events.yaml"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"

OUR_HEADER = (
    "id,title,event_type,date,date_end,time_precision,place,admin1,country,"
    "latitude,longitude,geo_precision,actors,summary,tags,sources,quotes\n"
)
GOOD_ROW = (
    "ok-1,Shelling,shelling,2022-02-28,,day,Kharkiv,,UA,49.99,36.23,1,,,,Seed 2022-02-28,Q.\n"
)


@pytest.fixture(scope="module")
def shipped() -> list[Event]:
    return load_events(SHIPPED).events


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def csv_kept(event: Event) -> dict[str, Any]:
    """The fields our CSV keeps: everything but geometry, figure notes and geocoding."""
    data = event.model_dump(exclude={"geometry", "origin"})
    data["place"]["geocoded"] = None
    for key in ("fatalities", "injured"):
        for figure in data[key]:
            figure["note"] = None
    return data


# --------------------------------------------------------------------------- round trips


def test_geojson_round_trip_of_shipped_events(shipped: list[Event], tmp_path: Path) -> None:
    path = write(tmp_path, "events.geojson", json.dumps(to_geojson(shipped)))
    result = import_file(path)
    assert result.problems == []
    assert result.skipped == 0
    assert result.events == shipped


def test_geojson_round_trip_through_pretty_text(shipped: list[Event], tmp_path: Path) -> None:
    path = write(tmp_path, "events.json", to_geojson_text(shipped))
    assert import_file(path, on_error="refuse").events == shipped


def test_csv_round_trip_keeps_the_documented_fields(shipped: list[Event], tmp_path: Path) -> None:
    path = write(tmp_path, "events.csv", to_csv(shipped))
    result = import_file(path, on_error="refuse")
    assert result.problems == []
    assert [csv_kept(e) for e in result.events] == [csv_kept(e) for e in shipped]


def test_acled_export_import_round_trip(shipped: list[Event], tmp_path: Path) -> None:
    path = write(tmp_path, "acled.csv", export_acled_csv(shipped))
    result = import_file(path, on_error="refuse")
    assert len(result.events) == len(shipped)
    for before, after in zip(shipped, result.events, strict=True):
        assert after.id == before.id
        assert after.event_type == before.event_type
        assert after.date == before.date
        assert after.place.name == before.place.name
        assert after.place.country == before.place.country
        assert after.place.point == before.place.point
        assert after.place.geo_precision == before.place.geo_precision
        best = max((f.value for f in before.fatalities), default=0)
        assert max((f.value for f in after.fatalities), default=0) == best


def test_acled_export_header_and_precision_codes(shipped: list[Event]) -> None:
    lines = export_acled_csv(shipped).splitlines()
    assert lines[0].startswith("event_id_cnty,event_date,event_type,sub_event_type,actor1")
    ranges = [e for e in shipped if e.time_precision == "range"]
    assert ranges, "the shipped data has range events"
    assert f"{ranges[0].id},{ranges[0].date.isoformat()}," in "\n".join(lines)


# --------------------------------------------------------------------------- ACLED import


def test_acled_fixture_is_detected_and_mapped() -> None:
    result = import_file(FIXTURES / "acled_sample.csv", on_error="refuse")
    by_id = {e.id: e for e in result.events}
    assert list(by_id) == ["UKR1001", "UKR1002", "UKR1003", "UKR1004", "UKR1005", "UKR1006"]

    clash = by_id["UKR1001"]
    assert clash.event_type is EventType.ARMED_CLASH
    assert clash.date == dt.date(2022, 2, 24)
    assert clash.time_precision == "day"
    assert clash.place.country == "UA"
    assert clash.place.name == "Kharkiv"
    assert clash.place.admin1 == "Kharkivska"
    assert clash.place.point == (49.9935, 36.2304)
    assert clash.place.geo_precision == 1
    assert clash.actors == [
        "Military Forces of Russia (2000-)",
        "Military Forces of Ukraine (2019-)",
    ]
    assert clash.fatalities == [Figure(value=3, qualifier="exact", claimed_by="Ukrainska Pravda")]
    assert clash.sources[0].publisher == "Ukrainska Pravda"
    assert clash.sources[0].date == dt.date(2022, 2, 24)
    assert clash.sources[0].quote is None  # ACLED's notes are its words, not the source's
    assert clash.summary.startswith("Hand-made test row")

    shelling = by_id["UKR1002"]  # "24 February 2022" date, exact sub-event match
    assert shelling.event_type is EventType.SHELLING
    assert shelling.date == dt.date(2022, 2, 24)
    assert shelling.time_precision == "approximate"
    assert shelling.fatalities == []
    assert shelling.sources[0].publisher == "Kyiv Independent; Reuters"

    ied = by_id["UKR1003"]  # fallback per ACLED event_type; no source, no notes
    assert ied.event_type is EventType.SHELLING
    assert ied.sources == [Source(publisher="ACLED", date=dt.date(2022, 2, 25))]
    assert ied.fatalities[0].claimed_by == "ACLED"

    attack = by_id["UKR1004"]  # no iso: country by name; time_precision 3
    assert attack.event_type is EventType.ATTACK_ON_CIVILIANS
    assert attack.place.country == "UA"
    assert attack.time_precision == "approximate"

    assert by_id["UKR1005"].event_type is EventType.PROTEST
    # ACLED's own sub-event type is kept; no rule groups looting, so it is "other".
    looting = by_id["UKR1006"]
    assert looting.event_type is EventType.OTHER
    assert looting.labels == {
        "event_type": "Strategic developments",
        "sub_event_type": "Looting/property destruction",
    }
    assert looting.origin is not None and looting.origin.columns["event_id_cnty"] == "UKR1006"


def test_acled_bad_rows_name_row_column_and_fix(tmp_path: Path) -> None:
    header = "event_date,event_type,sub_event_type,actor1,latitude,longitude,country,fatalities\n"
    body = (
        "2022-02-24,Battles,Armed clash,A,49.9,36.2,Ukraine,1\n"
        "2022-02-24,Parades,Marching,A,49.9,36.2,Ukraine,0\n"
        "2022-13-01,Battles,Armed clash,A,49.9,36.2,Narnia,x\n"
    )
    result = import_file(write(tmp_path, "acled.csv", header + body))
    # An ACLED label no rule knows is "other", its label kept: the row is not rejected.
    assert [e.id for e in result.events] == ["acled-2", "acled-3"]
    assert result.events[1].event_type is EventType.OTHER
    assert result.events[1].labels == {"event_type": "Parades", "sub_event_type": "Marching"}
    assert result.skipped == 1
    by_field = {(p.line, p.field): p.message for p in result.problems}
    assert "YYYY-MM-DD" in by_field[(4, "event_date")]
    # A country we cannot read is a warning (the coordinates give it), not a refusal.
    warned = {(w.line, w.field): w.message for w in result.warnings}
    assert "Narnia" in warned[(4, "country")]
    assert "whole number" in by_field[(4, "fatalities")]
    assert all(p.file == "acled.csv" for p in result.problems)


def test_parse_date_formats() -> None:
    assert parse_date("2022-02-24") == dt.date(2022, 2, 24)
    assert parse_date("24 February 2022") == dt.date(2022, 2, 24)
    assert parse_date("24 Feb 2022") == dt.date(2022, 2, 24)
    assert parse_date("2022-02-24T10:00:00Z") == dt.date(2022, 2, 24)
    assert parse_date("24/02/2022") is None
    assert parse_date("2022-02-30") is None


# --------------------------------------------------------------------------- foreign GeoJSON


def test_foreign_geojson_best_effort() -> None:
    result = import_file(FIXTURES / "foreign.geojson")
    assert [e.id for e in result.events] == ["F-1", "feature-2", "feature-3", "feature-4"]
    point, line, polygon, odd = result.events
    assert point.event_type is EventType.SHELLING
    assert point.date == dt.date(2022, 2, 28)
    assert point.place.point == (49.9935, 36.2304)
    assert point.geometry is None
    assert point.sources[0].url == "https://example.org/kharkiv"
    assert line.event_type is EventType.MILITARY_MOVEMENT
    assert line.place.country == "UA"
    assert line.place.point == (51.0, 30.0)  # first position
    assert line.geometry is not None and line.geometry.type == "LineString"
    assert polygon.event_type is EventType.ARMED_CLASH
    assert polygon.place.point == (47.5, 37.5)  # ring centroid
    # A type no rule knows is "other", with the feature's own label kept (and named as it was).
    assert result.skipped == 0 and result.problems == []
    assert odd.event_type is EventType.OTHER and odd.labels == {"type": "alien_landing"}


def test_representative_point_of_polygon() -> None:
    ring = [[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0], [0.0, 0.0]]
    assert representative_point(Geometry(type="Polygon", coordinates=[ring])) == (1.0, 1.0)


def test_geojson_not_a_feature_collection(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="FeatureCollection"):
        import_file(write(tmp_path, "x.geojson", '{"type": "Point", "coordinates": [1, 2]}'))
    with pytest.raises(DataFileError, match="not valid JSON"):
        import_file(write(tmp_path, "y.geojson", '{"type": '))


def test_geojson_bad_position_is_reported(tmp_path: Path) -> None:
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [36.2, 149.9]},
        "properties": {"title": "T", "date": "2022-02-28", "type": "shelling", "country": "UA"},
    }
    text = json.dumps({"type": "FeatureCollection", "features": [feature]})
    result = import_file(write(tmp_path, "x.geojson", text))
    assert result.events == [] and result.skipped == 1
    assert result.problems[0].field == "features[0].geometry"
    assert "[longitude, latitude]" in result.problems[0].message


# --------------------------------------------------------------------------- malformed files


def test_bad_rows_skip_reports_each_one() -> None:
    result = import_file(FIXTURES / "bad_rows.csv")
    assert isinstance(result, ImportResult)
    assert [e.id for e in result.events] == ["good-1", "bad-type", "good-2"]
    assert result.skipped == 3
    found = {(p.line, p.field) for p in result.problems}
    assert found == {(3, "latitude"), (4, "latitude"), (5, "date")}
    messages = {p.line: p.message for p in result.problems}
    assert "not a number" in messages[3]
    assert "swapped" in messages[4]
    assert "YYYY-MM-DD" in messages[5]
    unknown = result.events[1]  # an unknown type is kept as the file's own label
    assert unknown.event_type is EventType.OTHER
    assert unknown.labels == {"event_type": "alien_landing"}


def test_bad_rows_refuse_lists_all_and_imports_nothing() -> None:
    with pytest.raises(DataFileError) as caught:
        import_file(FIXTURES / "bad_rows.csv", on_error="refuse")
    assert sorted(p.line or 0 for p in caught.value.problems) == [3, 4, 5]
    assert "3 problems in bad_rows.csv" in str(caught.value)


def test_missing_columns_one_problem_with_expected_header(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", "title,date,latitude\nA,2022-02-28,49\n")
    with pytest.raises(DataFileError) as caught:
        import_file(path)
    [problem] = caught.value.problems
    assert problem.line == 1
    assert problem.field == "latitude and longitude (or a place)"
    assert "the file's columns are title, date, latitude" in problem.message
    assert "--map COLUMN=FIELD" in problem.message


def test_acled_missing_columns(tmp_path: Path) -> None:
    text = "event_date,event_type,sub_event_type,actor1,longitude\n2022-02-24,B,C,D,2\n"
    with pytest.raises(DataFileError, match="no column for latitude"):
        import_file(write(tmp_path, "acled.csv", text))


def test_acled_without_a_country_column_takes_it_from_the_coordinates(tmp_path: Path) -> None:
    text = "event_date,event_type,sub_event_type,actor1,latitude,longitude\n"
    text += "2022-02-24,Battles,Armed clash,D,50.45,30.52\n"
    [event] = import_file(write(tmp_path, "acled.csv", text), on_error="refuse").events
    assert event.place.country == "UA"


def test_coordinate_problems(tmp_path: Path) -> None:
    rows = (
        "a,T,shelling,2022-02-28,,day,K,,UA,49.9,,1,,,,S 2022-02-28,Q.\n"
        'b,T,shelling,2022-02-28,,day,K,,UA,"49,9",36.2,1,,,,S 2022-02-28,Q.\n'
        "c,T,shelling,2022-02-28,,day,K,,UA,95,200,1,,,,S 2022-02-28,Q.\n"
        "d,T,shelling,2022-02-28,,day,K,,UA,45,200,1,,,,S 2022-02-28,Q.\n"
        "e,T,shelling,2022-02-28,,day,K,,UA,nan,3,1,,,,S 2022-02-28,Q.\n"
    )
    result = import_file(write(tmp_path, "x.csv", OUR_HEADER + rows))
    assert result.events == []
    messages = {(p.line, p.field): p.message for p in result.problems}
    assert "both latitude and longitude" in messages[(2, "longitude")]
    assert "decimal point" in messages[(3, "latitude")]
    assert "out of range" in messages[(4, "latitude")]
    assert "±180" in messages[(5, "longitude")]
    assert "finite" in messages[(6, "latitude")]


def test_empty_coordinates_mean_not_geocoded(tmp_path: Path) -> None:
    row = "a,T,shelling,2022-02-28,,day,Kharkiv,,UA,,,,,,,S 2022-02-28,Q.\n"
    [event] = import_file(write(tmp_path, "x.csv", OUR_HEADER + row), on_error="refuse").events
    assert event.place.point is None


def test_huge_field_refuses_the_row(tmp_path: Path) -> None:
    huge = "x" * 20_001
    row = f"big,T,shelling,2022-02-28,,day,K,,UA,49,36,1,,{huge},,S 2022-02-28,Q.\n"
    result = import_file(write(tmp_path, "x.csv", OUR_HEADER + GOOD_ROW + row))
    assert [e.id for e in result.events] == ["ok-1"]
    [problem] = result.problems
    assert (problem.line, problem.field) == (3, "summary")
    assert "20,001 characters" in problem.message
    small = import_file(write(tmp_path, "y.csv", OUR_HEADER + GOOD_ROW), max_field_chars=5)
    assert small.skipped == 1


def test_huge_field_beyond_csv_default_limit(tmp_path: Path) -> None:
    huge = "x" * 200_000  # over the csv module's default 131,072 field limit
    row = f"big,T,shelling,2022-02-28,,day,K,,UA,49,36,1,,{huge},,S 2022-02-28,Q.\n"
    result = import_file(write(tmp_path, "x.csv", OUR_HEADER + row + GOOD_ROW))
    assert [e.id for e in result.events] == ["ok-1"]
    assert result.problems[0].line == 2


def test_cp1252_bytes_are_refused_with_a_fix(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes((OUR_HEADER + GOOD_ROW.replace("Kharkiv", "Charkiw é")).encode("cp1252"))
    with pytest.raises(DataFileError) as caught:
        import_file(path)
    [problem] = caught.value.problems
    assert problem.line == 2
    assert "not UTF-8" in problem.message and "re-save it as UTF-8" in problem.message


def test_utf8_with_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes((OUR_HEADER + GOOD_ROW).encode("utf-8-sig"))
    assert [e.id for e in import_file(path).events] == ["ok-1"]


@pytest.mark.parametrize("text", ["", "  \n\n"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    with pytest.raises(DataFileError, match="empty"):
        import_file(write(tmp_path, "x.csv", text))


def test_header_only_is_zero_events(tmp_path: Path) -> None:
    result = import_file(write(tmp_path, "x.csv", OUR_HEADER))
    assert isinstance(result, ImportResult)
    assert (result.events, result.problems, result.skipped, result.rows) == ([], [], 0, 0)


def test_over_size_file(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", OUR_HEADER + GOOD_ROW)
    with pytest.raises(DataFileError, match="over the 10-byte import limit"):
        import_file(path, max_bytes=10)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="file not found"):
        import_file(tmp_path / "nope.csv")


def test_extra_cells_and_duplicate_ids(tmp_path: Path) -> None:
    extra = GOOD_ROW.replace("ok-1", "ok-2").rstrip("\n") + ",spill\n"
    result = import_file(write(tmp_path, "x.csv", OUR_HEADER + GOOD_ROW + extra + GOOD_ROW))
    assert [e.id for e in result.events] == ["ok-1"]
    assert [(p.line, p.field) for p in result.problems] == [(3, ""), (4, "id")]
    assert "quote cells" in result.problems[0].message
    assert "already" in result.problems[1].message or "earlier" in result.problems[1].message


def test_formula_quoting_is_undone(tmp_path: Path) -> None:
    event = Event(
        id="formula",
        title="=HYPERLINK(1)",
        event_type=EventType.STATEMENT,
        date=dt.date(2022, 2, 28),
        place=Place(name="Kyiv", country="UA", latitude=-50.0, longitude=-30.5, geo_precision=1),
        sources=[Source(publisher="@someone", date=dt.date(2022, 2, 28), quote="-quote")],
    )
    for text in (to_csv([event]), export_acled_csv([event])):
        assert "'@someone" in text
        [back] = import_file(write(tmp_path, "f.csv", text), on_error="refuse").events
        assert back.place.point == (-50.0, -30.5)
        assert back.sources[0].publisher == "@someone"
    [back] = import_file(write(tmp_path, "f.csv", to_csv([event]))).events
    assert back.model_copy(update={"origin": None}) == event


# --------------------------------------------------------------------------- property


_WORD = st.text(alphabet="abcdefghij XYZéж'\"<>;|", min_size=1, max_size=12).map(str.strip)
_TEXT = _WORD.filter(bool)
_DATES = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31))
_LAT = st.floats(min_value=-90, max_value=90, allow_nan=False)
_LON = st.floats(min_value=-180, max_value=180, allow_nan=False)


@st.composite
def events(draw: st.DrawFn) -> Event:
    located = draw(st.booleans())
    lat, lon = (draw(_LAT), draw(_LON)) if located else (None, None)
    place = Place(
        name=draw(_TEXT),
        country=draw(st.sampled_from(["UA", "RU", "XK", "BY"])),
        admin1=draw(st.none() | _TEXT),
        latitude=lat,
        longitude=lon,
        geo_precision=draw(st.sampled_from([1, 2, 3])) if located else None,
    )
    geometry = None
    if located and draw(st.booleans()):
        geometry = Geometry(type="LineString", coordinates=[[draw(_LON), draw(_LAT)] for _ in "ab"])
    date = draw(_DATES)
    precision = draw(st.sampled_from(["day", "approximate", "range"]))
    date_end = date + dt.timedelta(days=draw(st.integers(0, 9))) if precision == "range" else None
    figure = st.builds(
        Figure,
        value=st.integers(0, 10_000),
        qualifier=st.sampled_from(["exact", "at least", "about"]),
        claimed_by=_TEXT,
        note=st.none() | _TEXT,
    )
    source = st.builds(
        Source,
        publisher=_TEXT,
        url=st.none() | st.just("https://example.org/a?b=1"),
        date=_DATES,
        quote=_TEXT,
    )
    return Event(
        id=draw(st.from_regex(r"\A[a-z0-9][a-z0-9_-]{0,15}\Z")),
        title=draw(_TEXT),
        event_type=draw(st.sampled_from(list(EventType))),
        date=date,
        time_precision=precision,
        date_end=date_end,
        place=place,
        geometry=geometry,
        actors=draw(st.lists(_TEXT, max_size=3)),
        fatalities=draw(st.lists(figure, max_size=2)),
        injured=draw(st.lists(figure, max_size=2)),
        sources=draw(st.lists(source, min_size=1, max_size=2)),
        summary=draw(_WORD),
        tags=draw(st.lists(_TEXT, max_size=2)),
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(events(), max_size=4, unique_by=lambda e: e.id))
def test_property_geojson_round_trip(tmp_path: Path, generated: list[Event]) -> None:
    path = write(tmp_path, "p.geojson", to_geojson_text(generated))
    result = import_file(path, on_error="refuse")
    assert result.events == generated
    assert result.skipped == 0
