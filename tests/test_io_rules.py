"""Real exports import as-is: dates per column, columns by alias, every format, nothing silent."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest

import geo.cli as cli
from geo.errors import DataFileError, SettingError
from geo.io.columns import apply_overrides, guess_mapping, parse_overrides
from geo.io.countries import country_code
from geo.io.dates import choose_date_format
from geo.io.importer import ImportResult, import_file
from geo.io.report import summary_lines
from geo.vocabulary import EventType


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(args), out, err)
    return code, out.getvalue(), err.getvalue()


def dates_of(result: ImportResult) -> list[dt.date]:
    return [e.date for e in result.events]


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("values", "name", "first"),
    [
        (["2022-02-24", "2022-03-01"], "iso", dt.date(2022, 2, 24)),
        (["2022-02-24T10:00:00Z", "2022-03-01 08:00"], "iso", dt.date(2022, 2, 24)),
        (["13/03/2023 00:00:00", "01/04/2023 00:00:00"], "dmy", dt.date(2023, 3, 13)),
        (["9-May-20", "15-Jun-21"], "d-mon-y", dt.date(2020, 5, 9)),
        (["24 February 2022", "1 March 2022"], "d-mon-y", dt.date(2022, 2, 24)),
        (["February 24, 2022"], "mon-d-y", dt.date(2022, 2, 24)),
        (["03/04/2022", "12/25/2022"], "mdy", dt.date(2022, 3, 4)),
        (["03/04/22", "25/12/22"], "dmy", dt.date(2022, 4, 3)),
        (["20220224", "20170701"], "yyyymmdd", dt.date(2022, 2, 24)),
        (["1680888012380", "1680800000000"], "epoch_ms", dt.date(2023, 4, 7)),
        (["1680888012", "1680800000"], "epoch_s", dt.date(2023, 4, 7)),
    ],
)
def test_a_date_column_gets_one_format_from_all_its_values(
    values: list[str], name: str, first: dt.date
) -> None:
    choice = choose_date_format(values)
    assert choice is not None and choice.format.name == name
    assert choice.parse(values[0]) == first


def test_day_or_month_first_is_settled_by_the_values_not_row_by_row() -> None:
    # 03/04 alone could be either; 25/12 settles the whole column as day first.
    choice = choose_date_format(["03/04/2022", "25/12/2022"])
    assert choice is not None and choice.format.name == "dmy"
    assert choice.parse("03/04/2022") == dt.date(2022, 4, 3)
    undecided = choose_date_format(["03/04/2022", "05/06/2022"])
    assert undecided is not None and undecided.format.name == "dmy"
    assert "--date-format mdy" in undecided.reason


def test_date_format_override_and_a_bad_override_is_refused_early() -> None:
    choice = choose_date_format(["03/04/2022"], "mdy")
    assert choice is not None and choice.parse("03/04/2022") == dt.date(2022, 3, 4)
    pattern = choose_date_format(["24.02.2022"], "%d.%m.%Y")
    assert pattern is not None and pattern.parse("24.02.2022") == dt.date(2022, 2, 24)
    with pytest.raises(SettingError, match="not a format"):
        choose_date_format(["x"], "dd-mm")


def test_a_tracker_csv_with_mdy_dates_lat_lng_and_free_text_types(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "tracker.csv",
        "Date,Lat,Lng,Category,Description\n"
        "03/14/2022,50.45,30.52,Drone Strike,Drone hit a building\n"
        "03/04/2022,49.99,36.23,Artillery,Shelling overnight\n",
    )
    result = import_file(path)
    assert result.skipped == 0, result.problems
    assert dates_of(result) == [dt.date(2022, 3, 14), dt.date(2022, 3, 4)]
    assert "MM/DD/YYYY" in result.date_formats["Date"]
    first = result.events[0]
    assert first.place.point == (50.45, 30.52)
    assert first.event_type is EventType.AIR_STRIKE  # by the words of its kind
    assert first.labels == {"Category": "Drone Strike"}
    assert first.origin is not None and first.origin.columns["Category"] == "Drone Strike"
    assert result.mapping == {
        "Date": "date",
        "Lat": "latitude",
        "Lng": "longitude",
        "Category": "event_type",
        "Description": "summary",
    }


def test_rows_off_the_column_format_are_grouped_with_the_remedy(tmp_path: Path) -> None:
    body = "".join(f"2022-02-{d:02d},50.4,30.5,a\n" for d in range(1, 21))
    # "9-May-20" can only mean one date; "05/09/2020" could be May or September.
    tail = "9-May-20,50,30,a\n" + "05/09/2020,50,30,a\n" * 3
    path = write(tmp_path, "mixed.csv", "date,lat,lon,type\n" + body + tail)
    result = import_file(path)
    assert len(result.events) == 21 and result.skipped == 3
    assert result.events[-1].date == dt.date(2020, 5, 9)
    [line] = summary_lines(result.problems)
    assert line.startswith("3 rows [date]: not a date in the column's format, YYYY-MM-DD")
    assert "--date-format" in line and "row 23 '05/09/2020'" in line


# --------------------------------------------------------------------------- columns


def test_headers_match_without_case_and_by_alias() -> None:
    header = ["EVENT_DATE", " Latitude ", "LONG", "Type", "notes"]
    assert guess_mapping(header) == {
        "EVENT_DATE": "date",
        " Latitude ": "latitude",
        "LONG": "longitude",
        "Type": "event_type",
        "notes": "summary",
    }


def test_map_overrides_the_guess_and_refuses_unknown_fields_or_columns() -> None:
    header = ["when", "y_coord", "x_coord"]
    mapping = apply_overrides(
        header,
        guess_mapping(header),
        parse_overrides(["when=date", "y_coord=latitude", "x_coord=longitude"]),
    )
    assert mapping == {"when": "date", "y_coord": "latitude", "x_coord": "longitude"}
    with pytest.raises(SettingError, match="not a field"):
        parse_overrides(["when=moment"])
    with pytest.raises(SettingError, match="no column 'nope'"):
        apply_overrides(header, {}, {"nope": "date"})


def test_cli_map_and_date_format(tmp_path: Path) -> None:
    path = write(tmp_path, "odd.csv", "when,y_coord,x_coord\n24.02.2022,50.45,30.52\n")
    out = tmp_path / "out.yaml"
    code, _, err = run("import", str(path), "--out", str(out))
    assert code == 1 and "no column for date, latitude and longitude" in err
    assert not out.exists()
    code, stdout, err = run(
        "import",
        str(path),
        "--out",
        str(out),
        "--map",
        "when=date",
        "--map",
        "y_coord=latitude",
        "--map",
        "x_coord=longitude",
        "--date-format",
        "%d.%m.%Y",
    )
    assert code == 0, err
    assert "imported 1 events" in stdout


def test_tab_separated_files_are_read(tmp_path: Path) -> None:
    text = "date\tlatitude\tlongitude\ttitle\n2022-02-24\t50\t30\tA\n"
    path = write(tmp_path, "events.tsv", text)
    result = import_file(path)
    assert [e.title for e in result.events] == ["A"]


# --------------------------------------------------------------------------- formats

ACLED_UPPER = (
    "EVENT_ID_CNTY,EVENT_DATE,EVENT_TYPE,SUB_EVENT_TYPE,ACTOR1,LOCATION,LATITUDE,LONGITUDE,"
    "GEO_PRECISION,SOURCE,NOTES,FATALITIES,COUNTRY\n"
    "UKR1,13/03/2023 00:00:00,Riots,Mob violence,Rioters (Ukraine),Lviv,49.84,24.03,1,X,n,0,"
    "Ukraine\n"
    "UKR2,14/03/2023 00:00:00,Strategic developments,Arrests,Police,Kyiv,50.45,30.52,1,X,n,0,"
    "Ukraine\n"
)


def test_uppercase_acled_with_spreadsheet_dates_keeps_its_own_labels(tmp_path: Path) -> None:
    result = import_file(write(tmp_path, "acled.csv", ACLED_UPPER))
    assert result.format == "acled" and result.skipped == 0, result.problems
    riot, arrest = result.events
    assert riot.date == dt.date(2023, 3, 13)
    assert riot.event_type is EventType.PROTEST
    assert riot.labels == {"EVENT_TYPE": "Riots", "SUB_EVENT_TYPE": "Mob violence"}
    assert arrest.event_type is EventType.OTHER
    assert arrest.labels["SUB_EVENT_TYPE"] == "Arrests"
    assert arrest.origin is not None and arrest.origin.columns["EVENT_ID_CNTY"] == "UKR2"


def test_pre_2019_acled_types_are_read(tmp_path: Path) -> None:
    header = "event_id_cnty,event_date,event_type,actor1,latitude,longitude,country,fatalities\n"
    rows = [
        ("Riots/Protests", EventType.PROTEST),
        ("Battle-No change of territory", EventType.ARMED_CLASH),
        ("Battle-Government regains territory", EventType.TERRITORY_SEIZED),
        ("Remote violence", EventType.SHELLING),
        ("Violence against civilians", EventType.ATTACK_ON_CIVILIANS),
        ("Strategic development", EventType.OTHER),
    ]
    body = "".join(
        f"OLD{i},9-May-15,{name},A,9.05,7.49,Nigeria,0\n" for i, (name, _) in enumerate(rows)
    )
    result = import_file(write(tmp_path, "old.csv", header + body))
    assert result.skipped == 0, result.problems
    assert [e.event_type for e in result.events] == [t for _, t in rows]
    assert result.events[0].date == dt.date(2015, 5, 9)


GDELT_ROW = [
    "1", "20220224", "202202", "2022", "2022.15",
    "RUS", "RUSSIA", "RUS", "", "", "", "", "", "", "",
    "UKR", "UKRAINE", "UKR", "", "", "", "", "", "", "",
    "1", "190", "190", "19", "4", "-10.0", "10", "1", "10", "-8.0",
    "4", "Kharkiv, Kharkivs'ka Oblast', Ukraine", "UP", "UP07", "", "49.9808", "36.2527", "-1",
    "4", "Kharkiv, Kharkivs'ka Oblast', Ukraine", "UP", "UP07", "", "49.9808", "36.2527", "-1",
    "4", "Kharkiv, Kharkivs'ka Oblast', Ukraine", "UP", "UP07", "", "49.9808", "36.2527", "-1",
    "20220224120000", "https://example.org/news/1",
]  # fmt: skip


def test_gdelt_raw_headerless_file_is_recognised(tmp_path: Path) -> None:
    second = list(GDELT_ROW)
    second[0], second[53], second[56], second[57] = "2", "RS", "55.75", "37.62"
    second[28], second[26] = "14", "141"
    text = "\t".join(GDELT_ROW) + "\n" + "\t".join(second) + "\n"
    result = import_file(write(tmp_path, "20220224.export.CSV", text))
    assert result.format == "gdelt" and result.skipped == 0, result.problems
    fight, protest = result.events
    assert fight.event_type is EventType.ARMED_CLASH
    assert fight.place.country == "UA"  # FIPS UP, not ISO
    assert fight.labels == {"EventCode": "190", "EventRootCode": "19"}
    assert fight.sources[0].url == "https://example.org/news/1"
    assert protest.place.country == "RU"  # FIPS RS is Russia (ISO RS would be Serbia)
    assert protest.event_type is EventType.PROTEST


def test_geojson_with_3d_positions_epoch_ms_and_no_precision(tmp_path: Path) -> None:
    features = [
        {
            "type": "Feature",
            "id": "ak0234",
            "geometry": {"type": "Point", "coordinates": [30.52, 50.45, 17.7]},
            "properties": {"title": "M 0.7", "time": 1680888012380, "type": "earthquake"},
        }
    ]
    doc = {"type": "FeatureCollection", "features": features}
    result = import_file(write(tmp_path, "quakes.geojson", json.dumps(doc)))
    assert result.skipped == 0, result.problems
    [event] = result.events
    assert event.date == dt.date(2023, 4, 7)
    assert event.place.point == (50.45, 30.52)
    assert event.place.geo_precision == 0  # unknown, never claimed exact
    assert event.event_type is EventType.OTHER and event.labels == {"type": "earthquake"}
    assert event.id == "ak0234"


def test_json_array_of_records_like_bellingcat(tmp_path: Path) -> None:
    records = [
        {
            "id": "CIV0001",
            "date": "02/24/2022",
            "latitude": "50.45",
            "longitude": "30.52",
            "location": "Kyiv",
            "description": "A strike on a residential building",
            "sources": [{"path": "https://t.me/x/1"}, {"path": "https://twitter.com/y"}],
            "filters": [{"key": "Type of area affected", "value": "Residential"}],
        }
    ]
    result = import_file(write(tmp_path, "civharm.json", json.dumps(records)))
    assert result.skipped == 0, result.problems
    [event] = result.events
    assert event.date == dt.date(2022, 2, 24)
    assert event.place.name == "Kyiv" and event.place.point == (50.45, 30.52)
    assert event.sources[0].url == "https://t.me/x/1"
    assert event.id == "CIV0001"


# --------------------------------------------------------------------------- countries


def test_country_is_optional_and_inferred_from_the_coordinates(tmp_path: Path) -> None:
    path = write(
        tmp_path, "t.csv", "date,lat,lon,title\n2022-02-24,49.99,36.23,A\n2022-02-24,43.0,34.0,B\n"
    )
    result = import_file(path)
    assert [e.place.country for e in result.events] == ["UA", None]  # the second is at sea


def test_a_country_that_does_not_match_the_coordinates_is_a_warning(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "t.csv",
        "date,lat,lon,country,title\n2022-02-24,49.99,36.23,UA,ok\n2022-02-24,36.23,49.99,UA,sw\n",
    )
    result = import_file(path)
    assert len(result.events) == 2
    [warning] = result.warnings
    assert warning.line == 3 and warning.field == "country"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Russia (Soviet Union)", "RU"),  # UCDP GED's names keep a former name in brackets
        ("Serbia (Yugoslavia)", "RS"),
        ("DR Congo (Zaire)", "CD"),
        ("Bosnia-Herzegovina", "BA"),
        ("Ukraine", "UA"),
        ("Atlantis (Lost)", None),
    ],
)
def test_country_names_as_ucdp_writes_them(name: str, code: str | None) -> None:
    assert country_code(name) == code


# --------------------------------------------------------------------------- nothing silent


def test_a_bad_link_loses_the_link_not_the_event(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "date,lat,lon,url\n2022-02-24,50,30,see telegram\n")
    result = import_file(path)
    [event] = result.events
    assert event.sources[0].url is None
    [warning] = result.warnings
    assert warning.field == "url" and "not a web address" in warning.message


def test_a_truncated_last_row_is_reported_not_imported(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "date,lat,lon,title\n2022-02-24,50,30,A\n2022-02-25,50")
    result = import_file(path)
    assert [e.title for e in result.events] == ["A"]
    [problem] = result.problems
    assert problem.line == 3 and "the file looks cut off here" in problem.message


def test_zero_events_is_an_error_and_nothing_is_written(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "date,lat,lon\nnot a date,50,30\nnever,50,30\n")
    out = tmp_path / "out.parquet"
    code, stdout, err = run("import", str(path), "--out", str(out))
    assert code == 1
    assert not out.exists()
    assert "no event could be imported" in err
    assert "2 rows [date]" in err  # the grouped cause comes first
    assert stdout == ""


def test_no_date_column_refuses_the_file_naming_its_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "when,lat,lon\nyesterday,50,30\n")
    with pytest.raises(DataFileError, match="no column for date"):
        import_file(path)
