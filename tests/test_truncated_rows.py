"""A file cut off mid-row (a truncated download) is reported at the row, never imported: the
row cut between two cells, or inside a quoted cell whose quote never closes. A row cut short
in the middle of a file is refused the same way, naming its own cause."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.errors import DataFileError
from geo.io.core import _ends_in_open_quote
from geo.io.importer import ImportResult, import_file
from tests.acled_rows import ACLED_HEADER, acled_row

WHOLE = ACLED_HEADER + acled_row("PHL10451") + acled_row("PHL10452")
LAST = acled_row("PHL10453", "On 31 December 2020, gunmen shot a farmer in Datu Piang.")
# The last record cut inside its quoted notes cell, and between two cells (after 12 cells).
CUT_IN_NOTES = WHOLE + LAST[: LAST.index("gunmen")]
CUT_BETWEEN_CELLS = WHOLE + ",".join(LAST.split(",")[:12])


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def imported(tmp_path: Path, text: str) -> ImportResult:
    result = import_file(write(tmp_path, "acled-2020.csv", text))
    assert result.format == "acled"
    return result


def test_the_whole_file_imports(tmp_path: Path) -> None:
    result = imported(tmp_path, WHOLE + LAST)
    assert [e.id for e in result.events] == ["PHL10451", "PHL10452", "PHL10453"]


@pytest.mark.parametrize("newline", ["", "\n"])
def test_a_last_record_cut_inside_a_quoted_cell_is_reported_not_imported(
    tmp_path: Path, newline: str
) -> None:
    """A quote never closed: csv's default reader takes the rest of the file as the cell."""
    result = imported(tmp_path, CUT_IN_NOTES + newline)
    assert [e.id for e in result.events] == ["PHL10451", "PHL10452"]
    [problem] = result.problems
    assert (problem.file, problem.line, problem.field) == ("acled-2020.csv", 4, "notes")
    assert problem.message.startswith(
        "an opening quote is never closed: the file looks cut off at row 4 (a truncated "
        "download?); the row is not imported"
    )
    assert "doubled" not in problem.message  # the cell spans no line break: no other reading
    assert str(problem).startswith("acled-2020.csv:4 [notes]: an opening quote is never closed")
    assert result.skipped == 1 and result.rows == 3
    assert result.summary() == [
        "skipped 1 row [notes]: an opening quote is never closed: the file looks cut off "
        "(a truncated download?) (first: row 4)"
    ]


def test_a_last_record_cut_between_cells_is_reported_not_imported(tmp_path: Path) -> None:
    result = imported(tmp_path, CUT_BETWEEN_CELLS)
    assert [e.id for e in result.events] == ["PHL10451", "PHL10452"]
    [problem] = result.problems
    assert (problem.file, problem.line) == ("acled-2020.csv", 4)
    assert problem.message == (
        "the row has 12 of the header's 25 columns: the file looks cut off here (a truncated "
        "download?); the row is not imported"
    )
    assert result.summary() == [
        "skipped 1 row: fewer cells than the header: the file looks cut off (a truncated "
        "download?) (first: row 4)"
    ]


def test_refusing_bad_rows_refuses_a_cut_off_file_naming_the_row(tmp_path: Path) -> None:
    for text in (CUT_IN_NOTES, CUT_BETWEEN_CELLS):
        with pytest.raises(DataFileError) as caught:
            import_file(write(tmp_path, "acled-2020.csv", text), on_error="refuse")
        [problem] = caught.value.problems
        assert problem.line == 4 and "the file looks cut off" in problem.message


def test_a_short_row_in_the_middle_is_refused_as_cut_short(tmp_path: Path) -> None:
    short = ",".join(acled_row("PHL10452").split(",")[:12]) + "\n"
    text = ACLED_HEADER + acled_row("PHL10451") + short + acled_row("PHL10453")
    result = imported(tmp_path, text)
    assert [e.id for e in result.events] == ["PHL10451", "PHL10453"]
    [problem] = result.problems
    assert problem.line == 3
    assert problem.message.startswith("the row has 12 of the header's 25 columns: it is cut short")
    assert "looks cut off" not in problem.message


def test_a_quote_left_open_mid_file_names_the_lines_it_swallows(tmp_path: Path) -> None:
    """Whole or cut off, the rows after an unclosed quote are read as one cell: said so."""
    unclosed = acled_row("PHL10452").replace('Piang.",', "Piang.,")  # no closing quote
    unquoted = [acled_row(i).replace('"', "") for i in ("PHL10453", "PHL10454")]
    text = ACLED_HEADER + acled_row("PHL10451") + unclosed + "".join(unquoted)
    result = imported(tmp_path, text)
    assert [e.id for e in result.events] == ["PHL10451"]
    [problem] = result.problems
    assert problem.line == 3 and problem.field == "notes"
    assert "the file looks cut off at row 3" in problem.message
    assert 'a quote inside this cell is not doubled (write "" for one)' in problem.message
    assert "over 2 more lines, none of them read as a row" in problem.message


def test_rows_with_more_cells_than_the_header_are_judged_as_before(tmp_path: Path) -> None:
    spill = acled_row("PHL10452").rstrip("\n") + ",spill\n"
    empty = acled_row("PHL10453").rstrip("\n") + ",,\n"  # empty cells past the header: kept
    result = imported(tmp_path, ACLED_HEADER + acled_row("PHL10451") + spill + empty)
    assert [e.id for e in result.events] == ["PHL10451", "PHL10453"]
    [problem] = result.problems
    assert problem.line == 3 and "quote cells that contain commas" in problem.message


def test_a_generic_table_and_a_tab_separated_file_are_judged_the_same(tmp_path: Path) -> None:
    text = 'date,lat,lon,title,notes\n2022-02-24,50,30,A,"x"\n2022-02-25,50,30,B,"cut'
    result = import_file(write(tmp_path, "t.csv", text))
    assert [e.title for e in result.events] == ["A"]
    [problem] = result.problems
    assert problem.line == 3 and problem.field == "notes"
    assert "an opening quote is never closed" in problem.message
    tabbed = "date\tlat\tlon\ttitle\n2022-02-24\t50\t30\tA\n2022-02-25\t50"
    [problem] = import_file(write(tmp_path, "t.tsv", tabbed)).problems
    assert problem.line == 3 and "the file looks cut off here" in problem.message


@pytest.mark.parametrize(
    ("record", "open_at_end"),
    [
        ('a,"b"', False),
        ('a,"b', True),
        ('a,"b""', True),  # a doubled quote is a quote inside the cell
        ('a,"b"""', False),
        ('a,"b,\nc', True),
        ('a,"b,\nc"\n', False),
        ('a,b"c', False),  # a quote inside an unquoted cell is a character
        ('a,"b"c,"d', True),
        ('"', True),
        ("a,b\n", False),
    ],
)
def test_an_open_quote_at_the_end_is_found(record: str, open_at_end: bool) -> None:
    assert _ends_in_open_quote(record, ",") is open_at_end


@given(st.text(alphabet='ab,"', max_size=30))
def test_an_open_quote_is_found_as_the_csv_module_reads_it(record: str) -> None:
    """csv's strict reader says "unexpected end of data" for a quoted cell at the end."""
    try:
        list(csv.reader(io.StringIO(record, newline=""), strict=True))
        strict_open = False
    except csv.Error as exc:
        if str(exc) != "unexpected end of data":
            return  # strict refuses text after a closing quote; the default reader keeps it
        strict_open = True
    assert _ends_in_open_quote(record, ",") is strict_open
