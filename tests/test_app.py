"""The page, run in-process by Streamlit's AppTest (the map's inside: see tests/browser)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import streamlit as st
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.testing.v1 import AppTest

from geo import load_events
from geo.vocabulary import EventType
from geo.web.explore import MAP_KEY
from tests.conftest import ROOT, SHIPPED_EVENTS, events_yaml

APP = str(ROOT / "app.py")


@pytest.fixture(autouse=True)
def fresh_caches(monkeypatch):
    monkeypatch.delenv("EVENT_ATLAS_EVENTS", raising=False)
    monkeypatch.delenv("EVENT_ATLAS_TILES", raising=False)
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def run(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def shown_count(at: AppTest) -> tuple[int, int]:
    text = next(m.value for m in at.markdown if "events shown" in m.value)
    shown, total = re.findall(r"\d[\d,]*", text)
    return int(shown.replace(",", "")), int(total.replace(",", ""))


def caption_text(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def query_value(at: AppTest, key: str) -> str:
    value = at.query_params[key]
    return value if isinstance(value, str) else ",".join(value)


def html_blocks(at: AppTest) -> list[str]:
    return [block.proto.body for block in at.get("html")]


def map_args(at: AppTest) -> dict:
    (component,) = at.get("component_instance")
    return json.loads(component.proto.json_args)


def layer_data(at: AppTest) -> dict:
    """The event layer the map was handed (geo.map.layer.layer_script)."""
    script = map_args(at)["feature_group"]
    call = re.search(r"eaDrawLayer\(map_div, feature_group_feature_group_0, (\{.*\})\);", script)
    assert call is not None, "the event layer is on the map"
    return json.loads(call.group(1))


def send(at: AppTest, element_id: str, value: object, field: str = "json_value") -> AppTest:
    """What the browser sends when a reader uses a widget AppTest cannot drive itself (the map,
    a table row): the widget's new value, with every other widget's as it is. Callbacks run."""
    return send_states(at, {element_id: (field, json.dumps(value))})


def send_states(at: AppTest, changes: dict[str, tuple[str, str | list[str]]]) -> AppTest:
    """One message from the browser changing several widgets: id -> (proto field, value)."""
    states = WidgetStates()
    states.widgets.extend(w for w in at._tree.get_widget_states().widgets if w.id not in changes)
    for element_id, (field, value) in changes.items():
        changed = states.widgets.add()
        changed.id = element_id
        if isinstance(value, list):
            getattr(changed, field).data.extend(value)
        else:
            setattr(changed, field, value)
    at._run(states)
    assert not at.exception, at.exception
    return at


def click_map(at: AppTest, event_id: str, **reported: object) -> AppTest:
    """A click on the event's marker, as streamlit-folium reports it (its popup's text)."""
    (component,) = at.get("component_instance")
    previous = at.session_state.get(MAP_KEY, {})
    clicks = int(previous.get("last_object_clicked_count") or 0)
    value = {
        **reported,
        "last_object_clicked_count": clicks + 1,
        "last_object_clicked_popup": f"Some title … Event ID: {event_id}",
    }
    return send(at, component.proto.id, value)


def pick_row(at: AppTest, row: int) -> AppTest:
    return send(
        at, at.dataframe[0].proto.id, {"selection": {"rows": [row], "columns": []}}, "string_value"
    )


def test_page_shows_every_shipped_event_by_default():
    at = run()
    total = len(load_events(SHIPPED_EVENTS).events)
    assert shown_count(at) == (total, total)
    # The table, and the same events stacked in one column for a phone (tests/test_phone_page.py).
    assert [d.key for d in at.dataframe] == ["events_table", "events_stacked"]
    assert len(at.dataframe[0].value) == len(at.dataframe[1].value) == total
    assert [b.label for b in at.button if b.label.startswith("Download")] == [
        "Download CSV",
        "Download GeoJSON",
        "Download ACLED CSV",
    ]
    assert [b.label for b in at.get("download_button")] == ["Download static site (.zip)"]


def test_map_is_wired_with_local_assets_a_stable_key_and_minimal_returns():
    args = map_args(run())
    # Clicks only: panning a small map reruns nothing.
    assert args["returned_objects"] == ["last_object_clicked_popup", "last_object_clicked_count"]
    # Listed as the frontend lists them, so a freshly loaded map does not rerun the page.
    assert args["default"] == {"last_object_clicked_count": 0, "last_object_clicked_popup": None}
    assert all(link.startswith("/app/static/") for link in args["js_links"] + args["css_links"])
    assert "https://" not in args["header"]
    # The base map holds no event: they come as the layer.
    assert "data-event-id" not in args["script"] and len(layer_data(run())["events"]) > 20


def test_type_filter_changes_counts_and_url():
    at = run()
    total = shown_count(at)[1]
    before = map_args(at)
    at.multiselect(key="f_types").set_value(["shelling"]).run()
    shown, _ = shown_count(at)
    assert 0 < shown < total
    assert query_value(at, "type") == "shelling"
    after = map_args(at)
    assert {e["type"] for e in layer_data(at)["events"]} == {"shelling"}
    # Only the layer changed: the same base map stays mounted.
    assert after["script"] == before["script"] and after["feature_group"] != before["feature_group"]


def test_type_counts_are_shown_and_the_type_labels_never_change():
    at = run()
    labels = at.multiselect(key="f_types").options
    assert "Shelling / missile attack" in " ".join(labels)
    assert re.search(r"Shelling / missile attack: \d+", caption_text(at))
    at.multiselect(key="f_types").set_value(["shelling"]).run()
    at.text_input(key="f_text").set_value("Kharkiv").run()
    # The browser sends the chosen labels back; Streamlit maps them to types by their text.
    assert at.multiselect(key="f_types").options == labels
    assert at.multiselect(key="f_types").value == ["shelling"]
    assert not at.exception


def test_a_sidebar_change_is_applied_whatever_the_table_reports_with_it():
    """The browser sends every widget's value with a sidebar change; the grid's own shape of
    an empty selection (with "cells") must not count as a table pick that cancels the run."""
    at = run()
    total = shown_count(at)[1]
    types = at.multiselect(key="f_types")
    shelling = next(label for label in types.options if "Shelling" in label)
    grid_value = {"selection": {"rows": [], "columns": [], "cells": []}}
    send_states(
        at,
        {
            types.proto.id: ("string_array_value", [shelling]),
            at.dataframe[0].proto.id: ("string_value", json.dumps(grid_value)),
        },
    )
    assert 0 < shown_count(at)[0] < total
    assert {e["type"] for e in layer_data(at)["events"]} == {"shelling"}
    assert set(at.dataframe[0].value["Type"].str.contains("Shelling")) == {True}


def test_text_search_filters():
    at = run()
    at.text_input(key="f_text").set_value("Mariupol").run()
    assert shown_count(at)[0] >= 1
    assert all("Mariupol" in t or "mariupol" in t.lower() for t in at.dataframe[0].value["Title"])


def test_link_restores_filters_selection_and_view():
    at = run(
        {
            "type": "shelling,attack_on_civilians",
            "event": "kharkiv-residential-shelling",
            "lat": "49.99",
            "lon": "36.23",
            "z": "9",
        }
    )
    assert set(at.multiselect(key="f_types").value) == {"shelling", "attack_on_civilians"}
    events = load_events(SHIPPED_EVENTS).events
    expected = sum(1 for e in events if e.event_type.value in {"shelling", "attack_on_civilians"})
    assert shown_count(at)[0] == expected
    assert at.session_state["selected"] == "kharkiv-residential-shelling"
    assert any("Kharkiv" in html_block for html_block in html_blocks(at))
    script = map_args(at)["script"]
    assert "49.99" in script and '"zoom": 6' in script  # offline: z=9 opens at the cap, 6
    chosen = [e for e in layer_data(at)["events"] if e["selected"]]
    assert [e["id"] for e in chosen] == ["kharkiv-residential-shelling"]
    assert query_value(at, "event") == "kharkiv-residential-shelling"


def test_hostile_link_is_ignored_field_by_field_and_never_reaches_the_page():
    at = run(
        {
            "type": "<script>alert(1)</script>",
            "event": "<img src=x onerror=alert(1)>",
            "q": "x" * 1000,
            "lat": "1e999",
            "from": "2022-02-31",
            "tiles": "javascript:alert(1)",
            "country": "UA",
        }
    )
    shown, total = shown_count(at)
    assert 0 < shown < total  # the one good field (country) still applies
    note = next(w.value for w in at.warning if "Ignored from the link" in w.value)
    for field in ("type=", "event=", "q=", "map view=", "from=", "tiles="):
        assert field in note
    page_text = json.dumps([str(e) for e in at.main]) + json.dumps(map_args(at))
    assert "<script>alert(1)" not in page_text and "onerror=alert" not in page_text


def test_broken_events_file_shows_an_error_banner_naming_line_and_field(tmp_path, monkeypatch):
    bad = tmp_path / "bad.yaml"
    bad.write_text(events_yaml("a").replace("latitude: 49.9935", "latitude: 123"), encoding="utf-8")
    monkeypatch.setenv("EVENT_ATLAS_EVENTS", str(bad))
    at = run()
    assert at.error and "cannot be shown" in at.error[0].value
    problems = at.dataframe[0].value
    assert list(problems["Line"]) == [9]
    assert "place.latitude" in problems["Field"][0]
    assert not at.get("component_instance")


def test_events_file_comes_from_the_environment(tmp_path, monkeypatch):
    path = tmp_path / "two.yaml"
    path.write_text(events_yaml("one", "two"), encoding="utf-8")
    monkeypatch.setenv("EVENT_ATLAS_EVENTS", str(path))
    assert shown_count(run()) == (2, 2)


def test_table_row_selects_the_event_and_the_map_goes_to_it():
    at = run()
    base = map_args(at)["script"]
    pick_row(at, 4)
    events = load_events(SHIPPED_EVENTS).events
    assert at.session_state["selected"] == events[4].id
    assert query_value(at, "event") == events[4].id
    args = map_args(at)
    assert args["script"] == base, "the map is not remounted"
    assert args["center"] == list(events[4].place.point) and args["zoom"] is None
    assert [e["id"] for e in layer_data(at)["events"] if e["selected"]] == [events[4].id]
    assert at.dataframe[0].proto.id and at.session_state["events_table"]["selection"]["rows"] == [4]


def test_a_marker_click_selects_its_event_every_time_it_is_clicked():
    at = run()
    events = load_events(SHIPPED_EVENTS).events
    base = map_args(at)["script"]
    click_map(at, events[1].id)
    assert at.session_state["selected"] == events[1].id
    assert query_value(at, "event") == events[1].id
    assert any(events[1].title in block for block in html_blocks(at))
    pick_row(at, 5)
    assert at.session_state["selected"] == events[5].id
    # The same popup clicked again is still a click (streamlit-folium#316): its count moved.
    click_map(at, events[1].id)
    assert at.session_state["selected"] == events[1].id
    assert map_args(at)["script"] == base
    # A click on no known event changes nothing.
    click_map(at, "no-such-event")
    assert at.session_state["selected"] == events[1].id


def test_untrusted_text_never_goes_through_markdown(tmp_path, monkeypatch):
    """Title and detail panel are escaped HTML: no image fetch, no link, no autolinked URL."""
    path = tmp_path / "title.yaml"
    title = "Atlas ![x](http://127.0.0.2/x.png) [click](http://127.0.0.2/) http://127.0.0.2"
    text = f'title: "{title}"\n' + events_yaml("a", title='"<b>t</b> http://127.0.0.2/y"')
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("EVENT_ATLAS_EVENTS", str(path))
    at = run({"event": "a"})
    assert not at.title and [h.value for h in at.subheader] == ["Timeline", "Events"]
    blocks = html_blocks(at)
    assert any("Atlas ![x](http://127.0.0.2/x.png)" in b for b in blocks)
    assert any("&lt;b&gt;t&lt;/b&gt; http://127.0.0.2/y" in b for b in blocks)
    assert not any("<a " in b or "<img" in b for b in blocks)


def test_search_matches_any_name_of_the_place():
    at = run()
    at.text_input(key="f_text").set_value("Kharkov").run()
    titles = list(at.dataframe[0].value["Title"])
    assert titles and all("Kharkiv" in t for t in titles)
    at.text_input(key="f_text").set_value("Харків").run()
    assert list(at.dataframe[0].value["Title"]) == titles


def test_go_to_place_centres_the_map_on_submit_only():
    at = run()
    next(t for t in at.text_input if t.label == "Go to place").input("Gomel region")
    at.run()
    assert "52.35" not in map_args(at)["script"]  # typing alone does nothing
    next(t for t in at.text_input if t.label == "Go to place").input("Gomel region")
    next(b for b in at.button if b.label == "Go").click().run()
    args = map_args(at)
    # The mounted map is moved there, not replaced.
    # A region is zoom 7; offline, no closer than the basemap's 6 (tests/test_basemap_zoom.py).
    assert abs(args["center"][0] - 52.35) < 0.05 and args["zoom"] == 6
    assert "52.3" not in args["script"]
    assert query_value(at, "z") == "6"
    assert any("Homyel' region" in i.value for i in at.info)


def test_go_to_a_name_shared_abroad_goes_where_the_events_are():
    """Odesa, Texas shares the name, but the events are in Ukraine: no question asked."""
    at = run()
    next(t for t in at.text_input if t.label == "Go to place").input("Odessa")
    next(b for b in at.button if b.label == "Go").click().run()
    args = map_args(at)
    assert abs(args["center"][0] - 46.48) < 0.05 and abs(args["center"][1] - 30.73) < 0.05
    assert any("Centred on Odesa — Odesa region, Ukraine" in i.value for i in at.info)
    assert not at.warning


def test_go_to_an_ambiguous_place_offers_a_pick_list_under_the_box():
    at = run()
    next(t for t in at.text_input if t.label == "Go to place").input("Springfield")
    next(b for b in at.button if b.label == "Go").click().run()
    pick = at.selectbox(key="go_to_place_pick")
    assert pick.label == "Which Springfield?"
    labels = list(pick.options)  # as the reader sees them
    assert "Springfield — Illinois, United States (population 114,394)" in labels
    pick.select_index(next(i for i, label in enumerate(labels) if "Illinois" in label)).run()
    args = map_args(at)
    assert abs(args["center"][0] - 39.80) < 0.05 and abs(args["center"][1] + 89.64) < 0.05
    assert not [s for s in at.selectbox if s.key == "go_to_place_pick"]  # answered


def test_go_to_a_place_that_is_not_known_says_what_to_do():
    at = run()
    next(t for t in at.text_input if t.label == "Go to place").input("Qqqxyzzy")
    next(b for b in at.button if b.label == "Go").click().run()
    assert at.warning and "No place called 'Qqqxyzzy'" in at.warning[0].value
    assert "add the country" in at.warning[0].value


def test_events_without_coordinates_are_listed_and_explained(tmp_path, monkeypatch):
    text = events_yaml("placed", "unplaced")
    second = text.index("  - id: unplaced")
    tail = text[second:].replace(
        "      latitude: 49.9935\n      longitude: 36.2304\n      geo_precision: 1\n", ""
    )
    path = tmp_path / "partly.yaml"
    path.write_text(text[:second] + tail, encoding="utf-8")
    monkeypatch.setenv("EVENT_ATLAS_EVENTS", str(path))
    at = run()
    assert shown_count(at) == (2, 2)
    assert len(at.dataframe[0].value) == 2
    assert "1 of the events shown has no coordinates" in at.info[0].value
    assert at.code[0].value == f"python -m geo geocode {path} --write"
    assert "unplaced" not in json.dumps(map_args(at))


def test_uploaded_files_import_with_their_skipped_rows_listed():
    from geo.errors import DataFileError
    from geo.web.page import import_upload

    fixtures = ROOT / "tests" / "fixtures" / "import"
    good = (fixtures / "acled_sample.csv").read_bytes()
    dataset, report = import_upload("acled_sample.csv", good, "skip")
    assert len(dataset.events) == 6 and report.problems == [] and report.rows == 6
    bad = (fixtures / "bad_rows.csv").read_bytes()
    dataset, report = import_upload("../../bad_rows.csv", bad, "skip")
    assert report.problems and all(p.file == "bad_rows.csv" for p in report.problems)
    skipped = [line for line in report.summary if line.startswith("skipped")]
    assert report.skipped == 3 and len(skipped) == 3  # grouped, one line per cause
    assert "note: types read from the file's labels: alien_landing → other (1)" in report.summary
    with pytest.raises(DataFileError):
        import_upload("bad_rows.csv", bad, "refuse")
    with pytest.raises(DataFileError, match="cannot be imported"):
        import_upload("evil.exe", b"MZ", "skip")
    yaml_dataset, _ = import_upload("e.yaml", events_yaml("a").encode(), "skip")
    assert [e.id for e in yaml_dataset.events] == ["a"]


def test_an_upload_that_yields_no_event_is_refused_with_its_causes_grouped():
    from geo.errors import DataFileError
    from geo.web.page import import_upload

    text = "date,lat,lon\n" + "9th of May,50,30\n" * 40
    with pytest.raises(DataFileError) as caught:
        import_upload("t.csv", text.encode(), "skip")
    messages = [p.message for p in caught.value.problems]
    assert messages[0] == "no event could be imported from its 40 rows"
    assert messages[1].startswith("skipped 40 rows [date]: no value of the column is a date")
    assert len(messages) == 2  # not 40 row lines: one per cause


def test_page_shows_an_import_box():
    at = run()
    assert any(r.label == "Bad rows" for r in at.radio)


# -- large datasets: the page runs on the engine and ships cells, not events --------------------
@pytest.fixture(scope="module")
def large_parquet(tmp_path_factory):
    from geo.store import EventStore
    from tests.test_store import synthetic

    events = [*load_events(SHIPPED_EVENTS).events, *synthetic(6000, seed=5)]
    path = tmp_path_factory.mktemp("large") / "large.parquet"
    EventStore.write(events, path)
    return path, events


def test_a_parquet_dataset_is_shown_as_cells_with_the_viewport_coming_back(
    large_parquet, monkeypatch
):
    path, events = large_parquet
    monkeypatch.setenv("EVENT_ATLAS_EVENTS", str(path))
    at = run()
    assert shown_count(at) == (len(events), len(events))
    args = map_args(at)
    assert args["returned_objects"] == [
        "last_object_clicked_popup",
        "last_object_clicked_count",
        "bounds",
        "zoom",
    ]
    data = layer_data(at)
    assert data["cells"], "many events in view are aggregated"
    assert len(data["events"]) < 100
    drawn = sum(
        json.loads(re.search(r'data-count="(\d+)"', c["html"]).group(1)) for c in data["cells"]
    )
    # The map opens on the theatre of the events; everything in (and near) it is accounted for.
    from geo import EventFilter
    from geo.map.cells import query_box, view_fitting, viewport_of_view
    from geo.map.theatre import theatre_box
    from geo.store import EventStore

    store = EventStore.open(path)
    theatre = theatre_box(store.placed_counts(EventFilter()))
    assert theatre is not None
    opening = viewport_of_view(view_fitting(theatre))
    assert drawn + len(data["events"]) == store.count(EventFilter(), query_box(opening))
    assert drawn + len(data["events"]) > 0.9 * len(events)
    # Only stubs travel: no event's full popup (with its quotes) is on the map.
    assert "blockquote" not in args["feature_group"]
    assert len(args["script"]) + len(args["feature_group"]) < 300_000
    # The table waits for the map to report its real view, then lists the first 1,000 in it.
    assert not at.dataframe
    assert "listed here once the map is drawn" in " ".join(c.value for c in at.caption)
    box = opening.box
    (component,) = at.get("component_instance")
    reported = {
        "bounds": {
            "_southWest": {"lat": box.south, "lng": box.west},
            "_northEast": {"lat": box.north, "lng": box.east},
        },
        "zoom": opening.zoom,
        "last_object_clicked_popup": None,
    }
    send(at, component.proto.id, reported)
    assert len(at.dataframe[0].value) == 1000
    assert "first 1,000" in " ".join(c.value for c in at.caption)


def test_filters_run_in_the_engine_and_the_base_map_stays_the_same(large_parquet, monkeypatch):
    path, events = large_parquet
    monkeypatch.setenv("EVENT_ATLAS_EVENTS", str(path))
    at = run()
    before = map_args(at)
    at.multiselect(key="f_types").set_value(["protest"]).run()
    after = map_args(at)
    protests = sum(1 for e in events if e.event_type.value == "protest")
    assert shown_count(at) == (protests, len(events))
    # Same base map script (no remount), another event layer.
    assert after["script"] == before["script"]
    assert after["feature_group"] != before["feature_group"]
    assert query_value(at, "type") == "protest"


# What streamlit-folium reports after a pan to Kharkiv at zoom 13.
KHARKIV_AT_ZOOM_13 = {
    "bounds": {"_southWest": {"lat": 49.9, "lng": 36.1}, "_northEast": {"lat": 50.1, "lng": 36.4}},
    "zoom": 13,
    "last_object_clicked_popup": None,
}


def test_panning_reaggregates_for_the_reported_viewport_and_writes_the_view_to_the_url(
    large_parquet, monkeypatch
):
    path, _ = large_parquet
    monkeypatch.setenv("EVENT_ATLAS_EVENTS", str(path))
    at = run()
    wide = layer_data(at)
    base = map_args(at)["script"]
    (component,) = at.get("component_instance")
    send(at, component.proto.id, dict(KHARKIV_AT_ZOOM_13))
    near = layer_data(at)
    assert map_args(at)["script"] == base
    assert near != wide
    assert near["cells"] == [] and near["events"], "few events in a small view: one by one"
    assert query_value(at, "z") == "13"
    assert abs(float(query_value(at, "lat")) - 50.0) < 0.01


def test_a_clicked_stub_popup_brings_the_full_event(large_parquet, monkeypatch):
    path, events = large_parquet
    monkeypatch.setenv("EVENT_ATLAS_EVENTS", str(path))
    at = run({"lat": "50.0", "lon": "36.25", "z": "13"})
    (component,) = at.get("component_instance")
    send(at, component.proto.id, dict(KHARKIV_AT_ZOOM_13))
    stub = layer_data(at)["events"][0]
    event_id = re.search(r"Event ID: ([\w-]+)", stub["popup"]).group(1)
    click_map(at, event_id, **KHARKIV_AT_ZOOM_13)
    assert at.session_state["selected"] == event_id
    chosen = [e for e in layer_data(at)["events"] if e["selected"]]
    assert len(chosen) == 1 and "ea-popup-title" in chosen[0]["popup"]
    assert query_value(at, "event") == event_id
    title = next(e.title for e in events if e.id == event_id)
    assert any(title in block for block in html_blocks(at))


def test_a_deep_link_to_an_event_opens_it_on_the_large_map(large_parquet, monkeypatch):
    path, events = large_parquet
    monkeypatch.setenv("EVENT_ATLAS_EVENTS", str(path))
    target = next(e for e in events if e.id == "syn-42")
    at = run({"event": "syn-42"})
    chosen = [e for e in layer_data(at)["events"] if e["selected"]]
    assert len(chosen) == 1 and (chosen[0]["lat"], chosen[0]["lon"]) == target.place.point
    assert "Synthetic event 42" in chosen[0]["popup"]


def test_large_downloads_are_written_only_when_asked(large_parquet, monkeypatch):
    path, _ = large_parquet
    monkeypatch.setenv("EVENT_ATLAS_EVENTS", str(path))
    at = run()
    labels = [b.label for b in at.button if b.label.startswith("Download")]
    assert labels == ["Download CSV", "Download GeoJSON", "Download ACLED CSV"]
    # The page sends no file until a button is clicked, and no link to one.
    assert all(not b.proto.url for b in at.get("download_button"))
    assert not [block for block in html_blocks(at) if "download=" in block]
    # 6,000 events are more than a static site holds: the button says so instead.
    (site,) = at.get("download_button")
    assert site.proto.disabled and "at most 5,000 events" in site.proto.help


def test_the_site_download_is_of_the_view_the_map_shows_now():
    """The map reruns alone on a click: the site's build reads the view it left behind."""
    at = run({"type": "shelling,attack_on_civilians"})
    event_id = "kharkiv-residential-shelling"
    click_map(at, event_id)
    last = at.session_state["_last_view"].state
    assert last.selected == event_id
    assert last.event_filter.types == {EventType.SHELLING, EventType.ATTACK_ON_CIVILIANS}


def test_small_downloads_are_written_only_when_asked_too():
    at = run()
    assert all(not b.proto.url for b in at.get("download_button"))
    assert not [block for block in html_blocks(at) if "download=" in block]


def test_a_large_yaml_file_is_drawn_through_the_engine_too(tmp_path, monkeypatch):
    from geo.catalog import LARGE_DATASET
    from geo.export import events_yaml_text
    from tests.test_store import synthetic

    path = tmp_path / "big.yaml"
    path.write_text(events_yaml_text(synthetic(LARGE_DATASET + 10), "big"), encoding="utf-8")
    monkeypatch.setenv("EVENT_ATLAS_EVENTS", str(path))
    at = run()
    assert shown_count(at)[1] == LARGE_DATASET + 10
    assert layer_data(at)["cells"]


def test_a_missing_parquet_file_is_named_in_the_error(tmp_path, monkeypatch):
    monkeypatch.setenv("EVENT_ATLAS_EVENTS", str(tmp_path / "gone.parquet"))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert "cannot be shown" in at.error[0].value
    problems = at.dataframe[0].value
    assert "gone.parquet" in problems["File"][0] and "not found" in problems["Problem"][0]


# -- the timeline ---------------------------------------------------------------------------------
def timeline_rows(at: AppTest) -> list[dict]:
    """The timeline chart's data (Streamlit sends it beside the spec, as Arrow)."""
    import pyarrow as pa

    (chart,) = at.get("vega_lite_chart")
    return pa.ipc.open_stream(chart.proto.data.data).read_all().to_pylist()


def timeline_id(at: AppTest) -> str:
    (chart,) = at.get("vega_lite_chart")
    return chart.proto.id


def utc_ms(day: str, hour: int = 12) -> float:
    moment = dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=dt.UTC)
    return moment.timestamp() * 1000


def brush(at: AppTest, interval: list[float]) -> AppTest:
    value = {"selection": {"brush": {"start": interval} if interval else {}}}
    return send(at, timeline_id(at), value, field="string_value")


def test_the_timeline_adds_up_to_the_events_shown():
    from geo.timeline import CONTEXT_GREY

    at = run()
    rows = timeline_rows(at)
    assert sum(r["n"] for r in rows) == shown_count(at)[0] == 23
    assert not [r for r in rows if r["colour"] == CONTEXT_GREY]
    at = run({"from": "2022-02-27", "type": "statement,diplomacy,military_movement"})
    rows = timeline_rows(at)
    shown = [r for r in rows if r["colour"] != CONTEXT_GREY]
    assert sum(r["n"] for r in shown) == shown_count(at)[0]
    assert {r["start"] for r in shown} <= {"2022-02-27", "2022-02-28"}
    assert {r["start"] for r in rows if r["colour"] == CONTEXT_GREY} == {"2022-02-24"}


def test_a_brush_sets_the_dates_everywhere_and_clearing_it_shows_every_date():
    at = run()
    brush(at, [utc_ms("2022-02-24", 3), utc_ms("2022-02-25", 20)])
    assert query_value(at, "to") == "2022-02-25" and "from" not in at.query_params
    assert at.session_state["f_dates"] == (dt.date(2022, 2, 24), dt.date(2022, 2, 25))
    assert shown_count(at) == (5, 23)
    assert len(at.dataframe[0].value) == 5  # the table follows
    brush(at, [])
    assert "to" not in at.query_params and shown_count(at) == (23, 23)


def test_play_starts_a_window_at_the_first_day():
    at = run()
    next(b for b in at.button if b.label == "Play").click().run()
    assert not at.exception
    assert query_value(at, "to") == "2022-02-24"
    assert next(b for b in at.button if b.label == "Pause")
    assert "Playing 24 Feb 2022 – 24 Feb 2022" in caption_text(at)
    next(b for b in at.button if b.label == "Pause").click().run()
    assert next(b for b in at.button if b.label == "Play")
    assert query_value(at, "to") == "2022-02-24"  # paused where it was: the link keeps it


def test_a_large_map_offers_a_density_view(large_parquet, monkeypatch):
    path, events = large_parquet
    monkeypatch.setenv("EVENT_ATLAS_EVENTS", str(path))
    at = run({"layer": "density"})
    assert at.radio(key="f_layer").value == "density"
    data = layer_data(at)
    assert data["density"] and not data["cells"]
    assert max(d["shade"] for d in data["density"]) == 1.0
    assert data["total"] == len(events) - sum(1 for e in events if not e.located)
    assert "Density: darker squares" in data["legend"]
    at.radio(key="f_layer").set_value("markers").run()
    assert layer_data(at)["cells"] and not layer_data(at)["density"]
    assert "layer" not in at.query_params
