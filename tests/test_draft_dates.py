"""Dates as news writes them beyond a day: a month, a month of another year, days ago."""

from __future__ import annotations

import datetime as dt

import pytest

from geo.draft.dates import Anchors, find_date

ARTICLE = dt.date(2024, 9, 16)


@pytest.mark.parametrize(
    ("sentence", "first", "last"),
    [
        ("The militia took the state in December 2023 after the army withdrew.", "2023-12-01",
         "2023-12-31"),
        ("In December, gunmen attacked fishermen near the town.", "2023-12-01", "2023-12-31"),
        # The article's own month runs up to the article's day.
        ("Fighting in September has displaced thousands.", "2024-09-01", "2024-09-16"),
    ],
)  # fmt: skip
def test_a_month_is_a_range_of_its_days(sentence: str, first: str, last: str) -> None:
    found = find_date(sentence, ARTICLE, Anchors())
    assert found.precision == "range"
    assert (found.date.isoformat(), found.date_end and found.date_end.isoformat()) == (first, last)


def test_days_ago_count_back_from_the_article() -> None:
    found = find_date("Shelling hit the town two days ago.", ARTICLE, Anchors())
    assert (found.date, found.precision) == (dt.date(2024, 9, 14), "day")


@pytest.mark.parametrize(
    "sentence",
    ["Officials said the road may close.", "Talks in May 2025 are planned.", "On 26 February."],
)
def test_no_month_read_where_none_is_meant(sentence: str) -> None:
    found = find_date(sentence, ARTICLE, Anchors())
    assert found.precision != "range" or found.date <= ARTICLE
    assert not (found.said or "").lower().startswith("may")


def test_a_day_beats_its_month() -> None:
    found = find_date("On 3 December, in December's cold, the town was hit.", ARTICLE, Anchors())
    assert (found.date, found.precision) == (dt.date(2023, 12, 3), "day")


def test_days_earlier_count_back_from_the_last_day_the_article_named() -> None:
    anchors = Anchors()
    first = find_date("On Thursday, a drone hit the port.", ARTICLE, anchors)
    assert first.date == dt.date(2024, 9, 12)  # the Thursday before Monday 16 September
    then = find_date("Two days earlier, a missile struck the station.", ARTICLE, anchors)
    assert (then.date, then.precision, then.said) == (
        dt.date(2024, 9, 10),
        "day",
        "Two days earlier",
    )
    before = find_date("The previous day, shelling hit a school.", ARTICLE, anchors)
    assert before.date == dt.date(2024, 9, 9)  # the day before the last day named, the 10th


def test_days_earlier_without_a_day_named_count_from_the_article() -> None:
    found = find_date("A day earlier, gunmen raided the village.", ARTICLE, Anchors())
    assert found.date == dt.date(2024, 9, 15)
    assert "the article's date" in (found.note or "")


def test_the_day_before_an_undated_thing_is_not_read() -> None:
    found = find_date("The day before the vote, police detained two men.", ARTICLE, Anchors())
    assert found.precision == "approximate" and found.date == ARTICLE


def test_a_dateline_s_day_is_when_it_was_filed_not_when_it_happened() -> None:
    filed = dt.date(2025, 5, 6)  # a Tuesday
    found = find_date(
        "OUAGADOUGOU, May 6 (Wire) - Gunmen killed dozens of soldiers in the town on Sunday, "
        "two sources said on Tuesday.",
        filed,
        Anchors(),
    )
    assert (found.date, found.precision, found.said) == (dt.date(2025, 5, 4), "day", "on Sunday")


@pytest.mark.parametrize(
    "sentence",
    [
        "May 5 (Wire) - Shelling killed three people.",
        "BENI, Congo, May 5 (Wire) - Rebels killed 18.",
    ],
)
def test_a_dateline_alone_dates_the_lead_as_about_the_day_it_was_filed(sentence: str) -> None:
    found = find_date(sentence, dt.date(2025, 5, 6), Anchors())
    assert (found.date, found.precision, found.note) == (
        dt.date(2025, 5, 5),
        "approximate",
        "the dateline's day",
    )
