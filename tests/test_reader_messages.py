"""The reader's messages: what "Go to place" answers, and what a link's ignored values say.

Each names what was not found or ignored and what the page does or shows instead; the page
itself is run in-process by Streamlit's AppTest (the boxes on screen: tests/browser/test_answers).
"""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from geo.gazetteer import Candidate
from geo.urlstate import LinkNote, parse_query, read_link, unknown_in_dataset
from geo.web.page import centred_text, not_found_text
from geo.web.reader import link_message
from tests.conftest import ROOT

APP = str(ROOT / "app.py")


def notes_of(query: dict[str, str | list[str]]) -> list[str]:
    params = {k: [v] if isinstance(v, str) else v for k, v in query.items()}
    return [note.text() for note in read_link(params)[1]]


# -- a link's values the page cannot read ---------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"type": "shelling,parade"}, "type=parade: no such event type; the link's other types"),
        ({"type": "parade"}, "type=parade: no such event type; all types are shown."),
        ({"from": "2022-02-31"}, "from=2022-02-31: not a date (year-month-day); the range starts"),
        ({"to": "tomorrow"}, "to=tomorrow: not a date (year-month-day); the range ends"),
        ({"country": "ua"}, "country=ua: not a two-letter country code in capitals (such as UA)"),
        ({"prec": "7"}, "prec=7: not a location precision (0 to 3); any precision is shown."),
        ({"label": ["", "Riots"]}, "label=: empty or longer than 500 characters; the link's"),
        ({"event": "a b"}, "event=a b: not an event id; no event is selected."),
        ({"lat": "91", "lon": "30", "z": "5"}, "map view=lat=91&lon=30&z=5: not a map view"),
        ({"tiles": "satellite"}, "tiles=satellite: not a basemap (offline or osm); the offline"),
        ({"layer": "heat"}, "layer=heat: not a way to draw the map (markers or density)"),
    ],
)
def test_every_unreadable_value_is_named_with_why_and_what_is_shown_instead(query, expected):
    (note,) = notes_of(query)
    assert note.startswith(expected), note


def test_each_bad_value_of_a_list_gets_its_own_note_and_the_field_is_named_once():
    params = {"type": ["parade,picnic,parade"], "country": ["UA,xx"]}
    state, fields = parse_query(params)
    assert fields == ["type", "country"]  # what `geo --where` reports, one name per field
    assert [n.value for n in read_link(params)[1]] == ["parade", "picnic", "xx"]
    assert state.event_filter.countries == {"UA"}


def test_a_long_hostile_value_is_shortened_to_one_line():
    (note,) = notes_of({"q": "line one\nline two " + "x" * 300})
    value = note.split(": ")[0]
    assert "\n" not in note and value.endswith("…") and len(value) <= len("q=") + 40


def test_a_value_with_markdown_is_shown_as_plain_text():
    note = LinkNote("event", "**x**[y](javascript:alert(1))", "no such event", "none is")
    message = link_message([note])
    assert "**x**" not in message and "[y](" not in message
    assert message.startswith("**Ignored from the link**")


# -- a link's values this dataset does not hold ----------------------------------------------


def unknown(query: dict[str, str]) -> list[str]:
    state, _ = read_link({k: [v] for k, v in query.items()})
    notes = unknown_in_dataset(
        state, countries=["UA", "RU"], labels=["Riots"], has_event=lambda i: i == "known"
    )
    return [note.text() for note in notes]


def test_a_country_code_that_does_not_exist_says_so_and_that_all_countries_are_shown():
    assert unknown({"country": "XX"}) == [
        "country=XX: no such country code; all countries are shown."
    ]


def test_a_real_country_without_events_is_named():
    assert unknown({"country": "UA,FR"}) == [
        "country=FR: no events in France in this dataset; the link's other countries apply."
    ]


def test_an_event_id_that_is_not_in_the_dataset_says_no_event_is_selected():
    assert unknown({"event": "nope"}) == [
        "event=nope: no event with that id in this dataset; no event is selected."
    ]
    assert unknown({"event": "known"}) == []


def test_a_label_no_event_has_is_named():
    assert unknown({"label": "Picnics"}) == [
        "label=Picnics: no event in this dataset has this label; all labels are shown."
    ]


# -- "Go to place" --------------------------------------------------------------------------


def place(name: str, *, fuzzy: bool = False) -> Candidate:
    return Candidate(
        name=name,
        latitude=46.48,
        longitude=30.73,
        country="UA",
        country_name="Ukraine",
        region="Odesa region",
        population=0,
        kind="city",
        geo_precision=1,
        confidence=1.0,
        fuzzy=fuzzy,
        geonames_id=None,
        matched_name=name,
    )


def test_an_unknown_place_is_named_with_what_to_do():
    text = not_found_text("Xyzzy", "no place called 'Xyzzy'")
    assert text == (
        "No place called 'Xyzzy' in the offline gazetteer: check the spelling or add the "
        "country, as in 'Odesa, Ukraine'."
    )  # the gazetteer's own "no place called" is not said twice


def test_the_gazetteer_s_other_notes_are_kept():
    assert "(no region called 'Mars')" in not_found_text("Odesa, Mars", "no region called 'Mars'")


def test_the_chosen_place_is_named_and_the_others_offered():
    odesa = place("Odesa")
    assert centred_text(odesa) == "Centred on Odesa — Odesa region, Ukraine."
    assert centred_text(odesa, 2).endswith(
        "Not this one? 2 other places of that name under the Go button."
    )
    assert centred_text(odesa, 1).endswith("1 other place of that name under the Go button.")
    assert centred_text(place("Odessa", fuzzy=True)).startswith("Centred on close match: ")


@pytest.fixture
def fresh_caches(monkeypatch):
    monkeypatch.delenv("EVENT_ATLAS_EVENTS", raising=False)
    monkeypatch.delenv("EVENT_ATLAS_TILES", raising=False)
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def go(at: AppTest, name: str) -> AppTest:
    next(t for t in at.text_input if t.label == "Go to place").input(name)
    next(b for b in at.button if b.label == "Go").click().run()
    assert not at.exception, at.exception
    return at


def test_the_page_answers_go_to_place_under_the_box_and_offers_the_other_places(fresh_caches):
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    go(at, "Odessa")
    (answer,) = [i.value for i in at.sidebar.info if "Centred on" in i.value]
    assert answer.startswith("Centred on Odesa — Odesa region, Ukraine")
    assert "other places of that name under the Go button" in answer
    others = at.selectbox(key="go_to_place_pick")
    assert others.label.startswith("Another Odessa")
    assert all("Odesa region, Ukraine" not in label for label in others.options)
    # The answer belongs to the run that asked: another change of the page drops it.
    go(at, "Xyzzyqq")
    (warning,) = [w.value for w in at.sidebar.warning]
    assert "No place called 'Xyzzyqq'" in warning and "check the spelling" in warning
    assert not [i for i in at.sidebar.info if "Centred on" in i.value]


def test_the_page_names_a_link_s_ignored_values_at_the_top(fresh_caches):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["country"] = "XX"
    at.query_params["event"] = "nope"
    at.run()
    (warning,) = [w.value for w in at.main.warning if "Ignored from the link" in w.value]
    assert "country=XX" in warning and "no such country code" in warning
    assert "event=nope" in warning and "no event with that id in this dataset" in warning
