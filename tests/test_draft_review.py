"""Merging drafts of one story, and giving an accepted draft a desk id of its own."""

from __future__ import annotations

import datetime as dt

import pytest

from geo.draft import Article, draft_article
from geo.draft.review import accepted_event, merge_drafts
from geo.errors import DraftError
from geo.gazetteer import Gazetteer

TEXT = (
    "Fighting occurred throughout Sunday night around the port city of Mariupol.\n\n"
    "In Mariupol, at least 11 people were killed, the mayor said.\n\n"
    "In Brussels, ministers met."
)


@pytest.fixture(scope="module")
def drafts() -> list:  # type: ignore[type-arg]
    return draft_article(Article(TEXT, dt.date(2022, 2, 28), "Test Wire"), Gazetteer())


def test_merged_drafts_keep_every_quote_and_figure_once(drafts: list) -> None:  # type: ignore[type-arg]
    fighting, toll, _ = (d.event for d in drafts)
    merged = merge_drafts([fighting, toll, toll])
    assert merged.id == fighting.id and merged.place == fighting.place
    assert [s.quote for s in merged.sources] == [
        "Fighting occurred throughout Sunday night around the port city of Mariupol.",
        "In Mariupol, at least 11 people were killed, the mayor said.",
    ]
    assert [(f.value, f.qualifier) for f in merged.fatalities] == [(11, "at least")]
    # Sunday 27 (a day) and about the 28th: the range covers both.
    assert (merged.date, merged.date_end, merged.time_precision) == (
        dt.date(2022, 2, 27),
        dt.date(2022, 2, 28),
        "range",
    )


def test_one_draft_is_not_a_merge(drafts: list) -> None:  # type: ignore[type-arg]
    with pytest.raises(DraftError, match="two or more"):
        merge_drafts([drafts[0].event])


def test_an_accepted_draft_gets_a_free_id_and_loses_its_draft_tag(drafts: list) -> None:  # type: ignore[type-arg]
    event = drafts[2].event
    first = accepted_event(event, taken=[])
    second = accepted_event(event, taken=[first.id])
    assert first.id != second.id and second.id.startswith(first.id)
    assert "draft" not in first.tags and "draft" in event.tags
    assert first.sources == event.sources
