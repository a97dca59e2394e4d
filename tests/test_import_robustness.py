"""Importers on hostile or odd input: located problems, never a traceback.

Integers past Python's int-string conversion limit (4,300 digits) in every format, CSV with
CR-only line ends, UTF-16/UTF-32 files, rows of more than 300 columns, GeoJSON and JSON read
record by record (errors located by line), and the import box's limits (rows, time).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import geo.io.jsonfile as jsonfile
from geo.errors import DataFileError
from geo.io.core import ORIGIN_COLUMNS, ImportLimits
from geo.io.importer import import_file, table_shape
from geo.loader import load_events
from geo.model import Origin
from tests.conftest import MINIMAL_EVENT

BIG = "9" * 5000  # past sys.get_int_max_str_digits() (4,300)
UTF16 = "this file is UTF-16: save it as UTF-8"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def feature(i: int, **properties: object) -> dict[str, object]:
    return {
        "type": "Feature",
        "id": i,
        "geometry": {"type": "Point", "coordinates": [30.52, 50.45]},
        "properties": {"date": "2022-03-01", "title": f"Event {i}", **properties},
    }


def collection(features: list[dict[str, object]]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features}, indent=1)


# --- integers of more than 4,300 digits --------------------------------------------------------


def test_a_huge_integer_in_yaml_is_a_located_problem(tmp_path: Path) -> None:
    text = "events:\n" + MINIMAL_EVENT.format(id="a", title="A")
    text += f"    fatalities:\n      - value: {BIG}\n        claimed_by: X\n"
    path = write(tmp_path, "events.yaml", text)
    with pytest.raises(DataFileError) as caught:
        load_events(path)
    (problem,) = caught.value.problems
    assert problem.file == str(path)
    assert problem.line == 17
    assert problem.field == "events[0].fatalities[0].value"
    assert "5,000 digits" in problem.message


@pytest.mark.parametrize(
    ("name", "text", "column"),
    [
        (
            "t.csv",
            f"date,latitude,longitude,title,fatalities\n2022-03-01,50,30,x,{BIG}\n",
            "fatalities",
        ),
        (
            "acled.csv",
            "event_date,event_type,actor1,latitude,longitude,fatalities,country\n"
            f"2022-03-01,Battles,A,50.45,30.52,{BIG},Ukraine\n",
            "fatalities",
        ),
        (
            "ucdp.csv",
            "id,type_of_violence,date_start,date_end,where_prec,latitude,longitude,best,country\n"
            f"1,1,2022-03-01,2022-03-01,1,50.45,30.52,{BIG},Ukraine\n",
            "best",
        ),
        (
            "acled-superscript.csv",
            "event_date,event_type,actor1,latitude,longitude,fatalities,country\n"
            "2022-03-01,Battles,A,50.45,30.52,²,Ukraine\n",
            "fatalities",
        ),
    ],
)
def test_a_huge_integer_in_a_csv_skips_its_row_naming_row_and_column(
    tmp_path: Path, name: str, text: str, column: str
) -> None:
    result = import_file(write(tmp_path, name, text))
    assert result.events == []
    (problem,) = result.problems
    assert (problem.file, problem.line, problem.field) == (name, 2, column)
    assert "not a whole number of people" in problem.message


def test_a_huge_integer_in_json_records_and_geojson_skips_its_record(tmp_path: Path) -> None:
    records = write(
        tmp_path,
        "r.json",
        f'[{{"date": "2022-03-01", "lat": 50.45, "lon": 30.52, "fatalities": {BIG}}},'
        ' {"date": "2022-03-02", "lat": 50.45, "lon": 30.52, "fatalities": 3}]',
    )
    result = import_file(records)
    assert len(result.events) == 1
    (problem,) = result.problems
    assert problem.field == "[0].fatalities"
    geojson = write(
        tmp_path,
        "g.geojson",
        collection([feature(1, fatalities=1), feature(2)]).replace(
            '"fatalities": 1', f'"fatalities": {BIG}'
        ),
    )
    result = import_file(geojson)
    assert [e.id for e in result.events] == ["2"]
    assert result.problems[0].field == "features[0].fatalities"


def test_a_huge_integer_as_a_geojson_coordinate_is_refused_with_its_feature(tmp_path: Path) -> None:
    text = collection([feature(1), feature(2)]).replace("50.45", BIG, 1)
    result = import_file(write(tmp_path, "g.geojson", text))
    assert [e.id for e in result.events] == ["2"]
    assert result.problems[0].field == "features[0].geometry"


# --- line ends, encodings ----------------------------------------------------------------------


def test_a_csv_with_cr_only_line_ends_is_read(tmp_path: Path) -> None:
    path = tmp_path / "mac.csv"
    path.write_bytes(b"date,lat,lon,title\r2022-03-01,50.45,30.52,A\r2022-03-02,49.99,36.23,B\r")
    result = import_file(path)
    assert [e.title for e in result.events] == ["A", "B"]
    assert result.problems == []
    shape = table_shape(path)
    assert shape is not None and shape.header == ("date", "lat", "lon", "title")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("name", ["t.csv", "t.geojson", "events.yaml"])
def test_utf16_files_are_named_as_such_with_the_fix(
    tmp_path: Path, encoding: str, name: str
) -> None:
    text = (
        "date,lat,lon\n2022-03-01,50.45,30.52\n"
        if name.endswith(".csv")
        else collection([feature(1)])
        if name.endswith(".geojson")
        else "events:\n" + MINIMAL_EVENT.format(id="a", title="A")
    )
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    with pytest.raises(DataFileError) as caught:
        load_events(path) if name.endswith(".yaml") else import_file(path)
    (problem,) = caught.value.problems
    assert UTF16 in problem.message
    assert "Windows-1252" not in problem.message


def test_utf32_is_named_too(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes("date,lat,lon\n2022-03-01,50.45,30.52\n".encode("utf-32"))
    with pytest.raises(DataFileError, match="this file is UTF-32: save it as UTF-8"):
        import_file(path)


def test_latin1_is_still_named_windows_1252(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes("date,lat,lon,place\n2022-03-01,50.45,30.52,Kyïv\n".encode("latin-1"))
    with pytest.raises(DataFileError, match="Windows-1252"):
        import_file(path)


def test_bytes_that_are_not_utf8_deep_in_a_geojson_are_located(tmp_path: Path) -> None:
    features = [feature(i) for i in range(3000)]
    text = collection(features)
    raw = text.encode("utf-8")
    at = raw.index(b"Event 2500")
    path = tmp_path / "g.geojson"
    path.write_bytes(raw[:at] + b"\xe9" + raw[at + 1 :])
    with pytest.raises(DataFileError) as caught:
        import_file(path)
    (problem,) = caught.value.problems
    assert "not UTF-8" in problem.message
    assert problem.line == text[: text.index("Event 2500")].count("\n") + 1


# --- wide rows ---------------------------------------------------------------------------------


def test_a_csv_of_more_than_300_columns_imports_and_names_the_columns_not_kept(
    tmp_path: Path,
) -> None:
    extra = [f"extra{i}" for i in range(400)]
    header = ["date", "latitude", "longitude", *extra, "title"]
    row = ["2022-03-01", "50.45", "30.52", *[str(i) for i in range(400)], "Last column"]
    path = write(tmp_path, "wide.csv", ",".join(header) + "\n" + ",".join(row) + "\n")
    result = import_file(path)
    assert result.problems == []
    (event,) = result.events
    assert event.title == "Last column"  # a mapped column past the 300th is read, and kept
    assert event.origin is not None
    kept = event.origin.columns
    assert len(kept) == ORIGIN_COLUMNS
    assert {"date", "latitude", "longitude", "title"} <= set(kept)
    (note,) = result.notes
    assert note.startswith("104 columns are not kept with the events")
    assert "extra296" in note and "extra399" not in note and "and 84 more" in note
    assert any("104 columns are not kept" in line for line in result.summary())


def test_column_names_too_long_for_an_event_are_named_not_fatal(tmp_path: Path) -> None:
    long_name = "n" * 250
    path = write(
        tmp_path,
        "t.csv",
        f"date,lat,lon,type,{long_name}\n2022-03-01,50.45,30.52,Drone strike,x\n",
    )
    result = import_file(path)
    (event,) = result.events
    assert event.origin is not None and long_name not in event.origin.columns
    assert any("1 column is not kept" in note for note in result.notes), result.notes


def test_origin_limits_match_the_schema() -> None:
    field = Origin.model_fields["columns"]
    assert any(getattr(m, "max_length", None) == ORIGIN_COLUMNS for m in field.metadata)


# --- JSON and GeoJSON, record by record --------------------------------------------------------


def test_geojson_read_in_small_pieces_gives_the_same_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    features = [feature(i, summary="é" * (i % 7) + "x" * (i % 50)) for i in range(2500)]
    path = write(tmp_path, "g.geojson", collection(features))
    whole = import_file(path)
    monkeypatch.setattr(jsonfile.JsonReader, "READ", 97)  # cuts values, strings, characters
    monkeypatch.setattr(jsonfile, "BATCH_ROWS", 300)
    pieces = import_file(path)
    assert [e.model_dump() for e in pieces.events] == [e.model_dump() for e in whole.events]
    assert len(whole.events) == 2500


def test_a_sink_gets_every_event_in_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonfile, "BATCH_ROWS", 400)
    path = write(tmp_path, "g.geojson", collection([feature(i) for i in range(1000)]))
    batches: list[int] = []
    result = import_file(path, sink=lambda events: batches.append(len(events)))
    assert batches == [400, 400, 200]
    assert result.events == [] and result.imported == 1000 and result.rows == 1000


def test_duplicate_ids_are_found_across_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonfile, "BATCH_ROWS", 10)
    features = [feature(i) for i in range(30)] + [feature(3)]
    result = import_file(write(tmp_path, "g.geojson", collection(features)))
    assert len(result.events) == 30
    (problem,) = result.problems
    assert "used by an earlier row" in problem.message


def test_dates_are_decided_from_every_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Day-first is settled by a day over 12 in the last batch only."""
    monkeypatch.setattr(jsonfile, "BATCH_ROWS", 5)
    features = [feature(i, date="03/04/2022") for i in range(20)] + [feature(99, date="25/04/2022")]
    result = import_file(write(tmp_path, "g.geojson", collection(features)))
    assert {e.date.isoformat() for e in result.events} == {"2022-04-03", "2022-04-25"}


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            '{"type": "FeatureCollection", "features": [\n{"type": "Feature"},\n{"type": ]}',
            3,
            "Expecting value",
        ),
        ('{"type": "FeatureCollection", "features": [\n{"type": "Feature"}\n', 3, "not valid JSON"),
        ('{"type": "FeatureCollection", "features": []}\n{"more": 1}', 2, "Extra data"),
        (
            '[{"date": "2022-03-01"},\n{"date": "2022-03-02"} {"x": 1}]',
            2,
            "Expecting ',' delimiter",
        ),
    ],
)
def test_broken_json_is_located_by_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    with pytest.raises(DataFileError) as caught:
        import_file(write(tmp_path, "broken.geojson", text))
    (problem,) = caught.value.problems
    assert problem.line == line
    assert message in problem.message


def test_a_lone_feature_and_other_objects(tmp_path: Path) -> None:
    lone = write(tmp_path, "one.geojson", json.dumps(feature(7)))
    assert [e.id for e in import_file(lone).events] == ["7"]
    with pytest.raises(DataFileError, match="not a GeoJSON FeatureCollection"):
        import_file(write(tmp_path, "other.geojson", '{"type": "Topology", "objects": {}}'))
    with pytest.raises(DataFileError, match="not a GeoJSON FeatureCollection"):
        import_file(write(tmp_path, "bad.geojson", '{"type": "FeatureCollection", "features": {}}'))


def test_json_records_stream_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonfile.JsonReader, "READ", 64)
    records = [
        {"date": "05/14/2022", "latitude": "50.45", "longitude": "30.52", "id": f"r{i}"}
        for i in range(50)
    ]
    path = write(tmp_path, "records.json", json.dumps(records))
    result = import_file(path)
    assert len(result.events) == 50 and result.events[0].date.isoformat() == "2022-05-14"
    shape = table_shape(path)
    assert shape is not None and shape.header == ("date", "latitude", "longitude", "id")


# --- limits (the page's import box) ------------------------------------------------------------


def test_more_rows_than_the_limit_are_refused_with_the_remedy(tmp_path: Path) -> None:
    rows = "".join(f"2022-03-01,50.45,30.52,E{i}\n" for i in range(101))
    csv_path = write(tmp_path, "t.csv", "date,lat,lon,title\n" + rows)
    limits = ImportLimits(rows=100, remedy="use the command line")
    with pytest.raises(DataFileError) as caught:
        import_file(csv_path, limits=limits)
    assert caught.value.problems[0].message == (
        "the file has more than 100 rows, the limit here: use the command line"
    )
    geojson = write(tmp_path, "g.geojson", collection([feature(i) for i in range(101)]))
    with pytest.raises(DataFileError, match="more than 100 rows"):
        import_file(geojson, limits=limits)
    assert len(import_file(csv_path, limits=ImportLimits(rows=101)).events) == 101


def test_work_past_the_time_limit_is_refused(tmp_path: Path) -> None:
    rows = "".join(f"2022-03-01,50.45,30.52,E{i}\n" for i in range(2000))
    path = write(tmp_path, "t.csv", "date,lat,lon,title\n" + rows)
    with pytest.raises(DataFileError) as caught:
        import_file(path, limits=ImportLimits(seconds=0.0, remedy="split it"))
    assert caught.value.problems[0].message == (
        "reading the file takes more than 0 seconds of the server's time, the limit here: split it"
    )
