"""Merging drafts of one story, and giving an accepted draft a desk id of its own."""

from __future__ import annotations

import datetime as dt

import pytest

from geo.draft import Article, Confidence, Draft, draft_article
from geo.draft.review import accepted_event, lowest_confidence, merge_drafts
from geo.errors import DraftError
from geo.gazetteer import Gazetteer
from geo.model import Event, Figure

TEXT = (
    "Fighting occurred throughout Sunday night around the port city of Mariupol.\n\n"
    "In Mariupol, at least 11 people were killed, the mayor said.\n\n"
    "In Brussels, ministers met."
)
FIGHTING = "Fighting occurred throughout Sunday night around the port city of Mariupol."
TOLL = "In Mariupol, at least 11 people were killed, the mayor said."


@pytest.fixture(scope="module")
def drafts() -> list[Draft]:
    found = draft_article(Article(TEXT, dt.date(2022, 2, 28), "Test Wire"), Gazetteer())
    assert [d.quotes for d in found] == [[FIGHTING], [TOLL], ["In Brussels, ministers met."]]
    return found


def test_merged_drafts_keep_every_quote_and_figure_once(drafts: list[Draft]) -> None:
    fighting, toll, _ = (d.event for d in drafts)
    merged = merge_drafts([fighting, toll, toll])
    assert merged.id == fighting.id and merged.title == fighting.title
    assert merged.event_type == fighting.event_type and merged.place == fighting.place
    assert [s.quote for s in merged.sources] == [FIGHTING, TOLL]
    assert [(f.value, f.qualifier) for f in merged.fatalities] == [(11, "at least")]
    assert merged.tags == ["draft"]
    # Sunday 27 (a day) and about the 28th: the range covers both.
    assert (merged.date, merged.date_end, merged.time_precision) == (
        dt.date(2022, 2, 27),
        dt.date(2022, 2, 28),
        "range",
    )
    assert merged.origin is not None and merged.origin.columns["sentences"] == "1,2"
    Event.model_validate(merged.model_dump())  # what the events file's schema accepts


def test_merged_sources_follow_the_article_whatever_the_order_picked(
    drafts: list[Draft],
) -> None:
    fighting, toll, _ = (d.event for d in drafts)
    merged = merge_drafts([toll, fighting])
    assert merged.id == toll.id and merged.place == toll.place  # the first picked leads
    assert [s.quote for s in merged.sources] == [FIGHTING, TOLL]  # the text's order
    assert merged.origin is not None and merged.origin.row == 1


def test_figures_actors_and_tags_are_united_once() -> None:
    from geo.loader import load_events
    from tests.conftest import SHIPPED_EVENTS

    base = load_events(SHIPPED_EVENTS).events[0]
    figure = Figure(value=3, qualifier="at least", claimed_by="police")
    other = Figure(value=5, qualifier="exact", claimed_by="mayor")
    one = base.model_copy(
        update={"actors": ["police", "army"], "fatalities": [figure], "tags": ["a"]}
    )
    two = base.model_copy(
        update={"actors": ["army", "mayor"], "fatalities": [figure, other], "tags": ["a", "b"]}
    )
    merged = merge_drafts([one, two])
    assert merged.actors == ["police", "army", "mayor"]
    assert merged.fatalities == [figure, other]
    assert merged.tags == ["a", "b"]
    assert len(merged.sources) == len(base.sources)  # the same quotes are one source each
    # The same dates: no range, and the precision they share.
    assert (merged.date, merged.date_end, merged.time_precision) == (
        base.date,
        base.date_end,
        base.time_precision,
    )


@pytest.mark.parametrize("count", [0, 1])
def test_fewer_than_two_drafts_is_not_a_merge(drafts: list[Draft], count: int) -> None:
    with pytest.raises(DraftError, match="pick two or more drafts"):
        merge_drafts([d.event for d in drafts[:count]])


def test_a_merged_draft_is_as_sure_as_its_least_sure_part(drafts: list[Draft]) -> None:
    combined = lowest_confidence([d.confidence for d in drafts])
    assert combined == Confidence(place=0.85, date=0.4, type=0.2, figures=0.85)
    assert lowest_confidence([drafts[0].confidence]).figures is None


def test_an_accepted_draft_gets_a_free_id_and_loses_its_draft_tag(drafts: list[Draft]) -> None:
    event = drafts[2].event
    first = accepted_event(event, taken=[])
    second = accepted_event(event, taken=[first.id])
    assert first.id != second.id and second.id.startswith(first.id)
    assert "draft" not in first.tags and "draft" in event.tags
    assert first.sources == event.sources
