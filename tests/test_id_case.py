"""Ids keep their case everywhere: ACLED's PHL10453 stays PHL10453 from the file it came in to
the link that selects it and the files it goes out in (PHL10453 and phl10453 are two ids)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo import load_events, parse_events_text, to_csv, to_geojson_text
from geo.catalog import ListCatalog
from geo.desk.form import new_event_id
from geo.export import events_yaml_text
from geo.io.acled import export_acled_csv
from geo.io.cells import read_id, slugify
from geo.io.importer import import_file
from geo.map.popup import event_id_from_popup_text, event_id_in_popup_text
from geo.model import Dataset, Event
from geo.store import EventStore
from geo.urlstate import ViewState, parse_query, to_query
from tests.acled_rows import ACLED_HEADER, acled_row
from tests.conftest import events_yaml


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def imported_acled(tmp_path: Path, *ids: str) -> list[Event]:
    text = ACLED_HEADER + "".join(acled_row(i) for i in ids)
    result = import_file(write(tmp_path, "acled.csv", text))
    assert result.format == "acled" and result.problems == [], result.summary()
    return result.events


def test_an_acled_id_keeps_its_case(tmp_path: Path) -> None:
    [event] = imported_acled(tmp_path, "PHL10453")
    assert event.id == "PHL10453"
    assert event.origin is not None and event.origin.columns["event_id_cnty"] == "PHL10453"


def test_ids_that_differ_only_in_case_are_two_events(tmp_path: Path) -> None:
    """They are two ids in the source: the duplicate check does not fold them together."""
    events = imported_acled(tmp_path, "PHL10453", "phl10453")
    assert [e.id for e in events] == ["PHL10453", "phl10453"]


def test_an_upper_case_id_round_trips_through_every_export(tmp_path: Path) -> None:
    [event] = imported_acled(tmp_path, "PHL10453")
    outputs = {
        "events.csv": to_csv([event]),
        "events.geojson": to_geojson_text([event]),
        "acled-out.csv": export_acled_csv([event]),
    }
    for name, text in outputs.items():
        assert "PHL10453" in text and "phl10453" not in text, name
        back = import_file(write(tmp_path, name, text))
        assert back.problems == [], (name, back.summary())
        assert [e.id for e in back.events] == ["PHL10453"], name
    # Written by our ACLED export from fields alone (no ACLED row to give back), too.
    bare = event.model_copy(update={"origin": None})
    assert export_acled_csv([bare]).splitlines()[1].startswith("PHL10453,2020-12-31,")


def test_a_source_id_keeps_its_case_and_only_characters_an_id_cannot_hold_change(
    tmp_path: Path,
) -> None:
    assert read_id("PHL10453") == "PHL10453"
    assert read_id(" UKR 1.2/a ") == "UKR-1-2-a"
    assert read_id("--") == ""
    assert slugify("Shelling of Kharkiv") == "shelling-of-kharkiv"  # made-up ids: lower case
    text = "id,date,lat,lon,title\nEvt.A7,2022-02-24,50.45,30.52,A\n,2022-02-24,50.45,30.52,B\n"
    events = import_file(write(tmp_path, "tracker.csv", text)).events
    assert [e.id for e in events] == ["Evt-A7", "csv-3"]


def test_an_upper_case_id_in_an_events_yaml_file_loads() -> None:
    dataset = parse_events_text(events_yaml("PHL10453", "phl10453", "Kyiv_Convoy-2"))
    assert [e.id for e in dataset.events] == ["PHL10453", "phl10453", "Kyiv_Convoy-2"]


def test_a_link_to_an_upper_case_id_selects_exactly_that_event(tmp_path: Path) -> None:
    state, ignored = parse_query({"event": ["PHL10453"]})
    assert state.selected == "PHL10453" and ignored == []
    assert to_query(ViewState(selected="PHL10453"))["event"] == "PHL10453"
    # A value the id pattern refuses is still dropped, a final line break included.
    for hostile in ("PHL10453\n", "PHL 10453", "-PHL10453", "x" * 81):
        state, ignored = parse_query({"event": [hostile]})
        assert state.selected is None and ignored == ["event"], hostile

    events = parse_events_text(events_yaml("PHL10453", "phl10453-b")).events
    memory = ListCatalog(Dataset(events=events))
    store = EventStore.write(events, tmp_path / "events.parquet")
    for catalog in (memory, store):
        found = catalog.event("PHL10453")
        assert found is not None and found.id == "PHL10453"
        assert catalog.event("phl10453") is None  # exact: no other case finds it
        assert catalog.event("PHL10453-B") is None


def test_the_page_opens_a_link_to_an_upper_case_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_app import APP

    data = tmp_path / "events.yaml"
    data.write_text(events_yaml("PHL10453", "phl10453-b"), encoding="utf-8")
    assert [e.id for e in load_events(data).events] == ["PHL10453", "phl10453-b"]
    monkeypatch.setenv("EVENT_ATLAS_EVENTS", str(data))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["event"] = "PHL10453"
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["selected"] == "PHL10453"


def test_a_clicked_popup_gives_back_an_upper_case_id() -> None:
    text = "Attack: Datu Piang\nEvent ID: PHL10453"
    assert event_id_in_popup_text(text) == "PHL10453"
    assert event_id_from_popup_text(text, {"PHL10453", "phl10453"}) == "PHL10453"
    assert event_id_from_popup_text(text, {"phl10453"}) is None


def test_the_desk_makes_an_id_no_desk_event_has_in_any_case() -> None:
    taken = ["2022-02-28-shelling-of-kharkiv", "2022-02-28-Shelling-Of-Kharkiv-2"]
    made = new_event_id("Shelling of Kharkiv", dt.date(2022, 2, 28), taken)
    assert made == "2022-02-28-shelling-of-kharkiv-3"


def test_events_yaml_written_back_keeps_the_case(tmp_path: Path) -> None:
    [event] = imported_acled(tmp_path, "PHL10453")
    text = events_yaml_text([event], "ACLED")
    assert [e.id for e in parse_events_text(text).events] == ["PHL10453"]
