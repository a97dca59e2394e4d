"""The map page's "Import a file" box: bounded work, plain text, engine files cleaned up.

(In a real browser, with outside requests counted: tests/browser/test_uploads.py.)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import geo.web.page as page
from geo import scratch
from geo.errors import DataFileError
from geo.escape import escape_markdown
from geo.io.columns import guess_mapping
from geo.io.core import ORIGIN_COLUMNS
from geo.io.importer import TableShape
from tests.conftest import ROOT

HOSTILE = "![x](http://127.0.0.2/beacon.png)"


def wide_header(columns: int) -> list[str]:
    return ["date", "latitude", "longitude"] + [f"c{i}" for i in range(3, columns)]


def mapping_script(header: list[str]) -> None:
    """An AppTest page that draws only the mapping step for `header`."""
    from geo.io.columns import guess_mapping
    from geo.io.importer import TableShape
    from geo.web.page import column_mapping_step

    column_mapping_step(TableShape("csv", tuple(header), guess_mapping(header)))


def run_mapping(header: list[str]) -> AppTest:
    at = AppTest.from_function(mapping_script, args=(header,), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


# --- columns -----------------------------------------------------------------------------------


def test_the_mapping_step_offers_a_bounded_number_of_select_boxes() -> None:
    header = wide_header(10_000)
    started = time.monotonic()
    at = run_mapping(header)
    assert time.monotonic() - started < 10
    labels = [box.label for box in at.selectbox]
    # the three recognised columns, the first 20 others, the date format: never 10,000
    assert labels == [
        "date",
        "latitude",
        "longitude",
        *[f"c{i}" for i in range(3, 23)],
        "Date format",
    ]
    note = " ".join(c.value for c in at.caption)
    assert "9,977 more columns are not listed" in note and "c23, c24" in note
    assert "and 9,967 more" in note and escape_markdown("--map COLUMN=FIELD") in note


def test_column_names_are_plain_text_in_the_mapping_step() -> None:
    header = ["date", "lat", "lon", HOSTILE, "<img src=http://127.0.0.2/i.png>", "x" * 300]
    at = run_mapping(header)
    labels = [box.label for box in at.selectbox]
    assert labels[3] == escape_markdown(HOSTILE) and "](" not in labels[3]
    assert labels[4] == escape_markdown("<img src=http://127.0.0.2/i.png>")
    assert labels[5] == "x" * 80 + "…"  # a long name is cut, the widget is not


def test_the_same_header_gets_the_same_choices_back() -> None:
    header = ["When", "lat", "lon"]
    at = run_mapping(header)
    at.selectbox[0].set_value("date").run()
    again = at.run()
    assert again.selectbox[0].value == "date"


def test_mapping_columns_keeps_recognised_ones_however_far_right() -> None:
    header = [f"c{i}" for i in range(50)] + ["date", "lat", "lon"]
    shape = TableShape("csv", tuple(header), guess_mapping(header))
    offered, unlisted = page.mapping_columns(shape)
    assert offered == [f"c{i}" for i in range(20)] + ["date", "lat", "lon"]
    assert unlisted == [f"c{i}" for i in range(20, 50)]


# --- rows, bytes, time -------------------------------------------------------------------------


def csv_rows(count: int, header: str = "date,lat,lon,title") -> bytes:
    rows = "".join(f"2022-03-{1 + i % 28:02d},50.45,30.52,Event {i}\n" for i in range(count))
    return (header + "\n" + rows).encode()


def test_an_upload_over_the_row_limit_is_refused_naming_the_limit_and_the_command_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(page, "UPLOAD_MAX_ROWS", 100)
    with pytest.raises(DataFileError) as caught:
        page.import_upload("tracker.csv", csv_rows(101), "skip")
    (problem,) = caught.value.problems
    assert problem.message.startswith("the file has more than 100 rows, the limit here")
    assert "python -m geo import tracker.csv --out events.parquet --max-mb 1000" in problem.message
    dataset, _ = page.import_upload("tracker.csv", csv_rows(100), "skip")
    assert len(dataset.events) == 100


def test_an_upload_over_the_time_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(page, "UPLOAD_MAX_SECONDS", 0.0)
    with pytest.raises(DataFileError, match="seconds of the server's time, the limit here"):
        page.import_upload("tracker.csv", csv_rows(2000), "skip")


def test_an_upload_over_the_byte_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(page, "UPLOAD_MAX_BYTES", 1000)
    with pytest.raises(DataFileError, match=r"1,000 the page takes: import it with the command"):
        page.import_upload("tracker.csv", csv_rows(100), "skip")


def test_a_file_of_more_columns_than_the_limit_is_refused_before_any_widget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(page, "UPLOAD_MAX_COLUMNS", 100)
    header = ",".join(wide_header(101))
    data = f"{header}\n2022-03-01,50.45,30.52{',' * 98}\n".encode()
    refused = page._upload_shape("digest-101-columns", "wide.csv", data)
    assert isinstance(refused, DataFileError)
    assert refused.problems[0].message.startswith(
        "the file has 101 columns, over the 100 the page reads: import it with the command line"
    )
    fits = f"{','.join(wide_header(100))}\n2022-03-01,50.45,30.52{',' * 97}\n".encode()
    shape = page._upload_shape("digest-100-columns", "wide.csv", fits)
    assert isinstance(shape, TableShape) and len(shape.header) == 100


def test_the_limits_match_the_upload_size_streamlit_is_told() -> None:
    config = (ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert f"maxUploadSize = {page.UPLOAD_MAX_BYTES // 2**20}" in config


def test_a_csv_of_more_than_300_columns_imports_and_the_report_names_the_rest() -> None:
    header = ",".join(wide_header(400))
    row = "2022-03-01,50.45,30.52" + ",v" * 397
    dataset, report = page.import_upload("wide.csv", f"{header}\n{row}\n".encode(), "skip")
    (event,) = dataset.events
    assert event.origin is not None and len(event.origin.columns) == ORIGIN_COLUMNS
    (note,) = report.notes
    assert note.startswith("100 columns are not kept with the events") and "c300" in note


def test_an_upload_cut_off_mid_row_shows_the_row_and_the_cause() -> None:
    """A truncated ACLED download: its last record ends inside the quoted notes cell."""
    from tests.test_truncated_rows import CUT_IN_NOTES

    def script(data: bytes) -> None:
        import streamlit as st

        from geo.web.page import import_upload, show_upload_report

        dataset, report = import_upload("acled-2020.csv", data, "skip")
        st.session_state["ids"] = [e.id for e in dataset.events]  # type: ignore[attr-defined]
        show_upload_report(report)

    at = AppTest.from_function(script, args=(CUT_IN_NOTES.encode(),), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["ids"] == ["PHL10451", "PHL10452"]
    (banner,) = at.warning
    assert banner.value.startswith(escape_markdown("1 of 3 rows were skipped:"))
    cause = escape_markdown(
        "skipped 1 row [notes]: an opening quote is never closed: the file looks cut off "
        "(a truncated download?) (first: row 4)"
    )
    assert cause in banner.value
    rows = at.dataframe[0].value
    assert list(rows["Row"]) == [4] and list(rows["Column"]) == ["notes"]
    assert rows["Problem"][0].startswith(
        "an opening quote is never closed: the file looks cut off at row 4"
    )


def test_an_error_banner_shows_the_upload_s_name_as_plain_text() -> None:
    def script() -> None:
        from geo.errors import DataFileError, Problem
        from geo.web.page import show_error

        show_error(DataFileError([Problem("![x](http://127.0.0.2/n.png).csv", None, "", "bad")]))

    at = AppTest.from_function(script)
    at.run()
    assert "](" not in at.error[0].value and "\\!\\[x\\]" in at.error[0].value


# --- engine files ------------------------------------------------------------------------------


def test_a_large_dataset_s_engine_file_goes_with_its_cache_entry() -> None:
    """(An upload's entry goes when its browser session ends: tests/browser/test_uploads.py.)"""

    def script() -> None:
        import streamlit as st

        from geo.loader import load_events
        from geo.model import Dataset
        from geo.web.page import _store_of_dataset, catalog_of_dataset
        from tests.conftest import SHIPPED_EVENTS

        event = load_events(SHIPPED_EVENTS).events[0]
        events = [event.model_copy(update={"id": f"e{i}"}) for i in range(1001)]
        catalog = catalog_of_dataset(Dataset(events=events), "test-key")
        st.session_state["folder"] = str(catalog.path.parent)  # type: ignore[attr-defined]
        st.session_state["there"] = catalog.path.is_file()  # type: ignore[attr-defined]
        _store_of_dataset.clear()

    at = AppTest.from_function(script, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    folder = Path(at.session_state["folder"])
    assert at.session_state["there"]
    assert folder.name.startswith(f"{scratch.PREFIX}{os.getpid()}-")
    assert not folder.exists()


def test_scratch_folders_of_dead_processes_are_swept_and_nothing_else(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    old = time.time() - 2 * scratch.LEGACY_AGE_S
    folders = {
        "dead": tmp_path / f"{scratch.PREFIX}{dead.pid}-abc",
        "mine": tmp_path / f"{scratch.PREFIX}{os.getpid()}-abc",
        "alive": tmp_path / f"{scratch.PREFIX}{os.getppid()}-abc",
        "legacy-old": tmp_path / "event-atlas-0620zlg5",
        "legacy-new": tmp_path / "event-atlas-72mrn9ve",
        "legacy-other": tmp_path / "event-atlas-86u369lj",
        "downloads": tmp_path / "event-atlas-downloads-0",
        "host": tmp_path / "event-atlas-host-1234abcd",
    }
    for folder in folders.values():
        folder.mkdir()
        (folder / "events.parquet").write_bytes(b"PAR1")
    (folders["legacy-other"] / "notes.txt").write_text("not ours", encoding="utf-8")
    for name in ("legacy-old", "legacy-other", "downloads", "host"):
        os.utime(folders[name], (old, old))
    removed = scratch.sweep(tmp_path)
    assert set(removed) == {folders["dead"], folders["legacy-old"]}
    assert {name for name, f in folders.items() if f.exists()} == {
        "mine",
        "alive",
        "legacy-new",
        "legacy-other",
        "downloads",
        "host",
    }


def test_a_process_removes_its_scratch_folders_when_it_exits_and_a_killed_one_is_swept(
    tmp_path: Path,
) -> None:
    code = (
        "import os, signal, sys, tempfile\n"
        f"tempfile.tempdir = {str(tmp_path)!r}\n"
        "from geo import scratch\n"
        "folder = scratch.new_folder(); (folder / 'events.parquet').write_bytes(b'x')\n"
        "print(folder, flush=True)\n"
        "if sys.argv[1] == 'kill': os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    ended = subprocess.run(
        [sys.executable, "-c", code, "exit"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert not Path(ended.stdout.strip()).exists()
    killed = subprocess.run(
        [sys.executable, "-c", code, "kill"], cwd=ROOT, capture_output=True, text=True
    )
    assert killed.returncode == -signal.SIGKILL
    left = Path(killed.stdout.strip())
    assert left.exists()
    assert scratch.sweep(tmp_path) == [left] and not left.exists()


# --- types -------------------------------------------------------------------------------------


def type_step_script(values: dict[str, dict[str, int]]) -> None:
    """An AppTest page that draws only the type step, and keeps what it returned."""
    import streamlit as st

    from geo.io.columns import guess_mapping
    from geo.io.importer import TableShape
    from geo.web.page import _meaning_key, type_step

    header = ["date", "latitude", "longitude", *values]
    mapping = guess_mapping(header)
    st.session_state["meaning"] = _meaning_key(
        type_step(TableShape("csv", tuple(header), mapping, values), mapping)
    )


def test_the_type_step_lists_each_label_with_its_rows_and_a_proposal_the_user_corrects() -> None:
    values = {"event_group": {"Missile Strike": 11, "Drone Strike": 10, "Unknown": 2}}
    at = AppTest.from_function(type_step_script, args=(values,), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    boxes = {box.label.replace("\\", ""): box for box in at.selectbox}  # labels are escaped
    assert boxes["Missile Strike (11)"].value == "Shelling / missile attack"
    assert boxes["Drone Strike (10)"].value == "Air or drone strike"
    assert boxes["Unknown (2)"].value == "Other"
    captions = " ".join(c.value for c in at.caption)
    assert escape_markdown("what each label of event_group means") in captions
    boxes["Unknown (2)"].select("Armed clash").run()
    at.selectbox(
        key=next(b.key for b in at.selectbox if b.label == "Type of rows without a label")
    ).select("Civilians harmed").run()
    at.text_input[0].input("Bellingcat").run()
    types, dataset_type, publisher = at.session_state["meaning"]
    assert dict(types) == {
        "missile strike": "shelling",
        "drone strike": "air_strike",
        "unknown": "armed_clash",
    }
    assert (dataset_type, publisher) == ("attack_on_civilians", "Bellingcat")
    # The same header gets the same choices back (the widgets are keyed by it).
    at.run()
    assert dict(at.session_state["meaning"][0])["unknown"] == "armed_clash"


def test_a_file_without_a_type_column_gets_one_picker_for_every_event() -> None:
    at = AppTest.from_function(type_step_script, args=({},), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    labels = [box.label for box in at.selectbox]
    assert labels == ["Type of every event (the file has no type column)"]
