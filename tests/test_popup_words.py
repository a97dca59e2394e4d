"""Popups and the detail panel in the reader's words: a source's labels under their field's plain
name ("ACLED event type: Battles"), and no text shown twice (a summary that a quote repeats)."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pytest

from geo.io.importer import import_file
from geo.map.popup import panel_html, plain_field_name, popup_html, summary_shown
from geo.model import Event, Origin, Place, Source
from geo.vocabulary import EventType
from tests.acled_rows import ACLED_HEADER, acled_row

TESTS = Path(__file__).resolve().parent
ACLED_SAMPLE = TESTS / "fixtures" / "import" / "acled_sample.csv"
# Real exports a reader might import, kept outside the repository when they are at hand.
EXTERNAL = TESTS.parents[1] / "shared" / "external"


def shown_text(markup: str) -> str:
    """The text a reader sees in popup HTML: tags removed, entities read, spacing collapsed."""
    text = re.sub(r"<[^>]+>", " ", markup)
    return " ".join(html.unescape(text).split())


def event(**changes: object) -> Event:
    """A tracker's event (imported from its JSON) with the given fields changed."""
    data: dict[str, object] = {
        "id": "tracker-7",
        "title": "Apartment block hit in Testtown",
        "event_type": EventType("shelling"),
        "date": dt.date(2022, 3, 3),
        "place": Place(
            name="Testtown", country="UA", latitude=48.1, longitude=33.9, geo_precision=1
        ),
        "sources": [Source(publisher="example.org", date=dt.date(2022, 3, 3))],
        "summary": "A made-up incident for the test.",
        "labels": {"Weapon System": "Test missile", "Type of area affected": "Residential"},
        "origin": Origin(format="json", file="test_tracker.json", row=7),
    }
    data.update(changes)
    return Event.model_validate(data)


def acled_events(tmp_path: Path) -> list[Event]:
    path = tmp_path / "acled_export.csv"
    path.write_text(ACLED_HEADER + acled_row("TST1"), encoding="utf-8")
    result = import_file(path, on_error="refuse")
    return result.events


# --- plain names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "source_format", "plain"),
    [
        ("event_type", "acled", "ACLED event type"),
        ("sub_event_type", "acled", "ACLED sub-event type"),
        ("EventCode", "gdelt", "CAMEO event code"),
        ("type_of_violence", "ucdp", "UCDP type of violence"),
        # An ACLED-like column in a file of another format: its words, not ACLED's name.
        ("event_type", "csv", "Event type"),
        ("sub_event_type", None, "Sub-event type"),
        ("Weapon System", "json", "Weapon system"),
        ("Type of area affected", "json", "Type of area affected"),
        ("some_field_name", None, "Some field name"),
        ("attackType", "geojson", "Attack type"),
        ("type", None, "Type"),
    ],
)
def test_a_field_is_named_as_readers_know_it(
    name: str, source_format: str | None, plain: str
) -> None:
    assert plain_field_name(name, source_format) == plain


def test_an_acled_import_shows_acleds_names_for_its_labels(tmp_path: Path) -> None:
    [imported] = acled_events(tmp_path)
    text = shown_text(popup_html(imported))
    assert "ACLED event type: Violence against civilians" in text
    assert "ACLED sub-event type: Attack" in text
    assert "event_type" not in text and "Source labels" not in text


def test_the_projects_acled_sample_speaks_in_acleds_names() -> None:
    result = import_file(ACLED_SAMPLE, on_error="refuse")
    for imported in result.events:
        text = shown_text(popup_html(imported))
        assert "_type" not in text, text
        assert f"ACLED event type: {imported.labels['event_type']}" in text


def test_a_real_acled_export_speaks_in_acleds_names() -> None:
    exports = sorted(EXTERNAL.glob("*acled*.csv")) if EXTERNAL.is_dir() else []
    if not exports:
        pytest.skip(f"no ACLED export in {EXTERNAL} (a file named *acled*.csv)")
    result = import_file(exports[0])
    assert result.events, result.problems
    for imported in result.events[:200]:
        text = shown_text(popup_html(imported))
        assert "event_type" not in text and "ACLED event type: " in text


def test_a_trackers_labels_are_shown_under_their_own_names() -> None:
    text = shown_text(popup_html(event()))
    assert "Weapon system: Test missile" in text
    assert "Type of area affected: Residential" in text


def test_label_names_and_values_are_escaped() -> None:
    markup = popup_html(event(labels={"<b>kind</b>": "<script>alert(1)</script>"}))
    assert "<script>" not in markup and "<b>kind" not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    assert "&lt;b&gt;kind&lt;/b&gt;:" in markup


# --- nothing twice -----------------------------------------------------------------------------

NOTES = "Test notes: two units exchanged fire near the village."


def test_a_summary_the_quote_repeats_is_shown_once_as_the_quote() -> None:
    quoted = Source(
        publisher="Test Gazette",
        date=dt.date(2022, 3, 2),
        quote="Test notes:  two units exchanged\nfire near the village.",
    )
    repeated = event(summary=NOTES, sources=[quoted])
    assert not summary_shown(repeated)
    for markup in (popup_html(repeated), panel_html(repeated)):
        assert "ea-summary" not in markup
        assert markup.count("two units exchanged") == 1
        assert "<blockquote>" in markup


def test_a_summary_a_label_repeats_is_shown_once() -> None:
    repeated = event(summary="Residential ")
    assert not summary_shown(repeated)
    assert shown_text(popup_html(repeated)).count("Residential") == 1


def test_a_summary_of_its_own_stays() -> None:
    own = event(
        summary=NOTES,
        sources=[Source(publisher="Gazette", date=dt.date(2022, 3, 2), quote="Other words.")],
    )
    assert summary_shown(own)
    text = shown_text(popup_html(own))
    assert NOTES in text and "Other words." in text


def test_the_same_quote_from_two_sources_is_shown_once_with_both_citations() -> None:
    words = "Both outlets printed these words."
    sources = [
        Source(publisher="First Paper", date=dt.date(2022, 3, 2), quote=words),
        Source(publisher="Second Paper", date=dt.date(2022, 3, 3), quote=f" {words}"),
    ]
    text = shown_text(popup_html(event(sources=sources)))
    assert text.count(words) == 1
    assert "First Paper" in text and "Second Paper" in text


def test_the_detail_panel_uses_the_same_words(tmp_path: Path) -> None:
    [imported] = acled_events(tmp_path)
    text = shown_text(panel_html(imported))
    assert "ACLED sub-event type: Attack" in text and "sub_event_type" not in text
