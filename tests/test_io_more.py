"""Countries from coordinates, the source's labels kept through search and ACLED export, the
page's column-mapping step and the import's progress line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import geo.cli as cli
from geo.catalog import ListCatalog
from geo.export import events_yaml_text, to_csv
from geo.filters import EventFilter, apply_filter
from geo.io.acled import export_acled_csv
from geo.io.countries import CountryLocator, check_country, fips_to_iso
from geo.io.importer import import_file
from geo.model import Dataset, Event
from geo.store import EventStore
from geo.urlstate import ViewState, parse_query, to_query


@pytest.fixture(scope="module")
def locator() -> CountryLocator:
    return CountryLocator()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("fips", "iso"), [("RS", "RU"), ("UP", "UA"), ("CH", "CN"), ("GM", "DE"), ("ZZ", None)]
)
def test_fips_codes_become_iso(fips: str, iso: str | None) -> None:
    assert fips_to_iso(fips) == iso


@pytest.mark.parametrize(
    ("lat", "lon", "country"),
    [
        (50.45, 30.52, "UA"),  # Kyiv
        (49.99, 36.23, "UA"),  # Kharkiv
        (47.10, 37.54, "UA"),  # Mariupol
        (55.75, 37.62, "RU"),  # Moscow
        (53.90, 27.57, "BY"),  # Minsk
        (43.0, 34.0, None),  # the middle of the Black Sea
        (35.0, -40.0, None),  # the Atlantic
    ],
)
def test_country_at_a_point(locator: CountryLocator, lat: float, lon: float, country: str | None):
    assert locator.country_at(lat, lon) == country
    assert locator.countries_at([(lat, lon)]) == [country]


def test_check_names_swapped_coordinates_and_fips_mix_ups(locator: CountryLocator) -> None:
    assert check_country("UA", 49.99, 36.23, locator) is None
    swapped = check_country("UA", 36.23, 49.99, locator)
    assert swapped is not None and "swapped" in swapped
    fips = check_country("RS", 55.75, 37.62, locator)  # GDELT's RS (Russia) read as Serbia
    assert fips is not None and "FIPS" in fips and "Russia" in fips
    other = check_country("FR", 50.45, 30.52, locator)
    assert other is not None and "Ukraine" in other and "France" in other
    # Near the Ukraine-Belarus border, places of both countries are close: no warning.
    assert check_country("UA", 51.5, 30.6, locator) is None
    assert check_country("BY", 51.5, 30.6, locator) is None
    assert check_country("UA", 43.0, 34.0, locator) is None  # at sea: nothing to check


ACLED = (
    "EVENT_ID_CNTY,EVENT_DATE,EVENT_TYPE,SUB_EVENT_TYPE,ACTOR1,LOCATION,LATITUDE,LONGITUDE,"
    "GEO_PRECISION,SOURCE,NOTES,FATALITIES,ISO,COUNTRY,TAGS\n"
    'UKR77,9-May-22,Riots,Mob violence,Rioters,Lviv,49.8397,24.0297,1,"A, B",n,0,804,Ukraine,x\n'
    "UKR78,10-May-22,Strategic developments,Arrests,Police,Kyiv,50.4501,30.5234,1,X,m,0,804,"
    "Ukraine,\n"
)


def test_acled_in_acled_out_gives_every_column_back_unchanged(tmp_path: Path) -> None:
    path = write(tmp_path, "acled.csv", ACLED)
    events = import_file(path, on_error="refuse").events
    out = export_acled_csv(events)
    assert out.splitlines()[0] == ACLED.splitlines()[0] + ",event_atlas_type"
    original = ACLED.splitlines()[1:]
    back = out.splitlines()[1:]
    assert [line.rsplit(",", 1)[0] for line in back] == original
    assert [line.rsplit(",", 1)[1] for line in back] == ["protest", "other"]


def test_the_source_labels_are_searched(tmp_path: Path) -> None:
    events = import_file(write(tmp_path, "acled.csv", ACLED)).events
    found = apply_filter(events, EventFilter(text="mob violence"))
    assert [e.id for e in found] == ["UKR77"]


def test_import_progress_line(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "date,lat,lon\n2022-02-24,50.45,30.52\n")
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(
        ["import", str(path), "--out", str(tmp_path / "o.yaml"), "--progress"], out, err
    )
    assert code == 0
    assert "placing countries: 1 of 1 rows" in err.getvalue()


def _mapping_page() -> None:
    import streamlit as st

    from geo.io.importer import TableShape
    from geo.web.page import column_mapping_step

    shape = TableShape(
        "csv", ("When", "Lat", "Lng", "Kind"), {"Lat": "latitude", "Lng": "longitude"}
    )
    mapping, date_format = column_mapping_step(shape)
    st.write(f"mapping={sorted(mapping.items())} date={date_format}")


def test_the_page_mapping_step_fills_in_the_guesses_and_takes_corrections() -> None:
    at = AppTest.from_function(_mapping_page).run()
    boxes = {box.label: box for box in at.selectbox}
    assert boxes["Lat"].value == "latitude" and boxes["Lng"].value == "longitude"
    assert boxes["When"].value == "(ignore)"
    boxes["When"].set_value("date")
    boxes["Date format"].set_value("mdy")
    at.run()
    text = at.markdown[-1].value
    assert "('When', 'date')" in text and "('Kind', 'ignore')" in text and "date=mdy" in text
    # The same header gets the same choices back on the next run of the session.
    at.run()
    assert {box.label: box.value for box in at.selectbox}["When"] == "date"


# --------------------------------------------------------------------------- the label filter


def _labelled(tmp_path: Path) -> list[Event]:
    return import_file(write(tmp_path, "acled.csv", ACLED), on_error="refuse").events


def test_label_filter_gives_the_same_answer_in_memory_and_in_the_store(tmp_path: Path) -> None:
    events = _labelled(tmp_path)
    store = EventStore.write(events, tmp_path / "e.parquet")
    memory = ListCatalog(Dataset(events=events))
    for labels in ({"Mob violence"}, {"Arrests", "Riots"}, {"Strategic developments"}, {"x"}):
        wanted = EventFilter(labels=frozenset(labels))
        assert [e.id for e in store.events(wanted, limit=None)] == [
            e.id for e in memory.events(wanted, limit=None)
        ]
    assert [e.id for e in memory.events(EventFilter(labels=frozenset({"Arrests"})), None)] == [
        "UKR78"
    ]
    assert store.label_counts() == memory.label_counts()
    assert memory.label_counts()["Riots"] == 1


def test_a_store_written_before_labels_reads_as_having_none(tmp_path: Path) -> None:
    import duckdb

    events = _labelled(tmp_path)
    path = tmp_path / "new.parquet"
    EventStore.write(events, path)
    old = tmp_path / "old.parquet"
    duckdb.sql(f"COPY (SELECT * EXCLUDE (labels) FROM '{path}') TO '{old}' (FORMAT parquet)")
    store = EventStore.open(old)
    assert store.label_counts() == {}
    assert store.count(EventFilter()) == 2


def test_labels_round_trip_through_the_link_and_our_csv(tmp_path: Path) -> None:
    comma = " Consult, not specified below"
    state = ViewState(EventFilter(labels=frozenset({comma, "Riots"})), None, None, "offline")
    query = to_query(state)
    assert query["label"] == sorted({comma, "Riots"})
    parsed, ignored = parse_query({k: v if isinstance(v, list) else [v] for k, v in query.items()})
    assert parsed.event_filter.labels == {comma, "Riots"} and ignored == []
    events = _labelled(tmp_path)
    back = import_file(write(tmp_path, "ours.csv", to_csv(events)), on_error="refuse").events
    assert [e.labels for e in back] == [e.labels for e in events]


def test_the_page_offers_the_source_labels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_app import APP, shown_count

    data = tmp_path / "labelled.yaml"
    data.write_text(events_yaml_text(_labelled(tmp_path), "labelled"), encoding="utf-8")
    monkeypatch.setenv("EVENT_ATLAS_EVENTS", str(data))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["label"] = "Arrests"
    at.run()
    assert not at.exception
    [picker] = [m for m in at.multiselect if m.label == "Source label"]
    assert picker.value == ["Arrests"]
    assert shown_count(at) == (1, 2)
    picker.set_value([])
    at.run()
    assert shown_count(at) == (2, 2)


def test_new_data_with_other_dates_keeps_the_page_working(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upload or a new file version whose dates do not overlap the old range."""
    from tests.test_app import APP, shown_count

    first = _labelled(tmp_path)  # May 2022, labelled
    data = tmp_path / "data.yaml"
    data.write_text(events_yaml_text(first, "t"), encoding="utf-8")
    monkeypatch.setenv("EVENT_ATLAS_EVENTS", str(data))
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    [labels] = [m for m in at.multiselect if m.label == "Source label"]
    labels.set_value(["Riots"]).run()
    assert shown_count(at) == (1, 2)
    later = [e.model_copy(update={"date": e.date.replace(year=2024), "labels": {}}) for e in first]
    data.write_text(events_yaml_text(later, "t"), encoding="utf-8")
    at.run()
    assert not at.exception
    assert shown_count(at) == (2, 2)
    [dates] = at.date_input
    assert dates.value == (later[0].date, later[-1].date)
