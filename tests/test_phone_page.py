"""The page's parts for a phone, run in-process (what the browser shows: tests/browser/
test_phone.py): the stacked events list, the drawer's closing after a choice, Play's icon."""

from __future__ import annotations

import datetime as dt

from geo import load_events
from geo.table import STACKED_COLUMN, events_table, stacked_events
from geo.web.drawer import CLOSE_SCRIPT
from tests.conftest import SHIPPED_EVENTS
from tests.test_app import fresh_caches, html_blocks, run, send

__all__ = ["fresh_caches"]  # the autouse fixture of tests/test_app.py

CLOSES = CLOSE_SCRIPT.split("/* choice")[0]


def test_the_stacked_list_keeps_the_tables_rows_with_date_type_place_and_title() -> None:
    events = load_events(SHIPPED_EVENTS).events
    table = events_table(events)
    listed = stacked_events(table)
    assert list(listed.columns) == [STACKED_COLUMN]
    assert list(listed.index) == list(table.index)
    kharkiv = listed.loc["kharkiv-residential-shelling", STACKED_COLUMN]
    assert kharkiv == (
        "about 2022-02-28 · ✸ Shelling / missile attack · Kharkiv: "
        "Russian artillery bombards residential districts of Kharkiv"
    )


def closing_scripts(at: object) -> list[str]:
    return [body for body in html_blocks(at) if body.startswith(CLOSES)]  # type: ignore[arg-type]


def test_a_filter_choice_sends_the_script_that_closes_the_drawer_on_a_phone() -> None:
    at = run()
    assert closing_scripts(at) == []  # opening the page is no choice
    at.multiselect(key="f_types").select("shelling").run()
    (first,) = closing_scripts(at)
    assert "window.innerWidth >= 768" in first  # only where the sidebar is a drawer
    at.text_input(key="f_text").input("Kharkiv").run()
    (second,) = closing_scripts(at)
    assert second != first  # new content: Streamlit runs the script again
    at.run()  # a run without a choice
    assert closing_scripts(at) == []


def test_half_a_date_range_keeps_the_drawer_open_until_its_second_day() -> None:
    at = run()
    dates = at.date_input(key="f_dates")
    dates.set_value((dt.date(2022, 2, 25),)).run()
    assert closing_scripts(at) == []
    dates.set_value((dt.date(2022, 2, 25), dt.date(2022, 2, 26))).run()
    assert len(closing_scripts(at)) == 1


def test_playback_steps_are_no_choice() -> None:
    at = run()
    play = next(b for b in at.button if b.label == "Play")
    assert play.proto.icon == ":material/play_arrow:"
    play.click().run()
    assert closing_scripts(at) == []
    pause = next(b for b in at.button if b.label == "Pause")
    assert pause.proto.icon == ":material/pause:"


def test_a_row_picked_in_the_stacked_list_selects_its_event() -> None:
    at = run()
    events = load_events(SHIPPED_EVENTS).events
    stacked = at.dataframe[1]
    assert list(stacked.value.columns) == [STACKED_COLUMN]
    send(at, stacked.proto.id, {"selection": {"rows": [2], "columns": []}}, "string_value")
    assert at.session_state["selected"] == events[2].id
