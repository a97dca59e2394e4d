"""Data the page cannot show is refused where it is checked, with file, line (or id) and field;
what passes `check` the page shows.

- Dates: the schema takes dates up to LAST_DATE (9998-12-31): the timeline draws every bin up
  to the day after it, and Python's dates end on 9999-12-31. `check` and the page (a YAML file,
  a Parquet file written by another tool) both refuse a later date, located.
- Event types: a Parquet file with a type that is not ours is refused, naming the rows.
- Import to YAML: events that would make an events file the loader refuses (over 5 MB) are
  refused before anything is written, with the remedy (--out X.parquet).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import duckdb
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import geo.cli as cli
from geo.errors import DataFileError
from geo.loader import MAX_BYTES as LOADER_MAX_BYTES
from geo.loader import load_events
from geo.model import LAST_DATE
from geo.store import EventStore
from geo.timeline import UNITS, bin_start, next_bin
from tests.conftest import ROOT, events_yaml

APP = str(ROOT / "app.py")
SHELLING = "kharkiv-residential-shelling"  # an event of the shipped file


@pytest.fixture(autouse=True)
def fresh_caches(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("EVENT_ATLAS_EVENTS", raising=False)
    monkeypatch.delenv("EVENT_ATLAS_DESK", raising=False)
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def run_page(events_file: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("EVENT_ATLAS_EVENTS", str(events_file))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def cli_run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(args), out, err)
    return code, out.getvalue(), err.getvalue()


def dated(date: str) -> str:
    """Two events; the second on `date`."""
    text = events_yaml("a", "b")
    head, tail = text.split("  - id: b\n")
    return (
        head
        + "  - id: b\n"
        + tail.replace("date: 2022-02-28\n    place", f"date: {date}\n    place", 1)
    )


# --- dates -------------------------------------------------------------------------------------


def test_check_refuses_a_date_the_page_cannot_show_with_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "events.yaml"
    path.write_text(dated("9999-12-09"), encoding="utf-8")
    code, _, err = cli_run("check", str(path))
    assert code == 1
    assert f"{path}:19 [events[1] (id b).date]: 9999-12-09 is after 9998-12-31" in err
    assert "the last date the map can show" in err


def test_the_page_shows_the_same_refusal_instead_of_crashing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "events.yaml"
    path.write_text(dated("9999-12-09"), encoding="utf-8")
    at = run_page(path, monkeypatch)
    assert at.error and "cannot be shown" in at.error[0].value
    problems = at.dataframe[0].value
    assert list(problems["Line"]) == [19]
    assert "date" in problems["Field"][0] and "9998-12-31" in problems["Problem"][0]


def test_the_last_showable_date_is_shown_by_the_page_and_its_timeline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "events.yaml"
    path.write_text(dated(LAST_DATE.isoformat()), encoding="utf-8")
    assert [e.date for e in load_events(path).events][-1] == LAST_DATE
    at = run_page(path, monkeypatch)
    assert not at.error
    assert any("2 of 2 events shown" in m.value for m in at.markdown)


@pytest.mark.parametrize("unit", UNITS)
def test_every_bin_up_to_the_last_date_has_an_end(unit: str) -> None:
    start = bin_start(LAST_DATE, unit)  # type: ignore[arg-type]
    assert next_bin(start, unit) > LAST_DATE  # type: ignore[arg-type]
    assert next_bin(start, unit, 1) <= dt.date.max  # type: ignore[arg-type]


# --- Parquet written by another tool -----------------------------------------------------------


def _tampered(tmp_path: Path, replace: str) -> Path:
    good = tmp_path / "good.parquet"
    EventStore.write(load_events(ROOT / "data" / "events.yaml").events, good)
    bad = tmp_path / "bad.parquet"
    duckdb.connect().execute(
        f"COPY (SELECT * REPLACE ({replace}) FROM read_parquet('{good}')) TO '{bad}' "
        "(FORMAT parquet)"
    )
    return bad


def test_a_parquet_with_an_unknown_event_type_is_refused_naming_the_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = _tampered(
        tmp_path,
        f"CASE WHEN id = '{SHELLING}' THEN 'bombardment' ELSE event_type END AS event_type",
    )
    with pytest.raises(DataFileError) as caught:
        EventStore.open(bad)
    first = caught.value.problems[0]
    assert (first.file, first.field) == (str(bad), "id kharkiv-residential-shelling.event_type")
    assert first.message.startswith("'bombardment' is not an event type: use one of shelling")
    at = run_page(bad, monkeypatch)
    assert at.error and "cannot be shown" in at.error[0].value
    assert "id kharkiv-residential-shelling.event_type" in list(at.dataframe[0].value["Field"])


def test_a_parquet_with_a_date_past_the_last_is_refused_naming_the_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = _tampered(
        tmp_path,
        f"CASE WHEN id = '{SHELLING}' THEN DATE '9999-12-09' ELSE date END AS date, "
        f"CASE WHEN id = '{SHELLING}' THEN DATE '9999-12-09' ELSE last_date END AS last_date",
    )
    at = run_page(bad, monkeypatch)
    assert at.error and "cannot be shown" in at.error[0].value
    problems = at.dataframe[0].value
    assert problems["Field"][0] == "id kharkiv-residential-shelling.date"
    assert problems["Problem"][0].startswith("9999-12-09 is after 9998-12-31")


def test_many_bad_rows_are_counted_after_the_first_twenty(tmp_path: Path) -> None:
    bad = _tampered(tmp_path, "'bombardment' AS event_type")
    with pytest.raises(DataFileError) as caught:
        EventStore.open(bad)
    messages = [p.message for p in caught.value.problems]
    assert len(messages) == 22  # 20 rows, the count of the rest, the remedy
    assert messages[20] == "… and 3 more rows like these"
    assert "python -m geo import" in messages[21]


# --- import to YAML over what the loader reads ---------------------------------------------------


def test_import_refuses_yaml_the_loader_would_refuse_before_writing(tmp_path: Path) -> None:
    summary = "word " * 400  # about 2 KB per event: 5 MB in about 2,600 rows
    rows = [f"2022-03-{1 + i % 28:02d},50.45,30.52,UA,Event {i},{summary}" for i in range(4000)]
    source = tmp_path / "big.csv"
    source.write_text("date,lat,lon,country,title,summary\n" + "\n".join(rows) + "\n", "utf-8")
    target = tmp_path / "big.yaml"
    code, _, err = cli_run("import", str(source), "--out", str(target))
    assert code == 1
    assert f"--out {target}: the events make an events YAML file of more than" in err
    assert f"over the {LOADER_MAX_BYTES:,} bytes the loader reads" in err
    assert f"write --out {tmp_path / 'big.parquet'} instead" in err
    assert not target.exists() and list(tmp_path.iterdir()) == [source]
    code, out, err = cli_run("import", str(source), "--out", str(tmp_path / "big.parquet"))
    assert code == 0, err and "imported 4,000 events" in out
