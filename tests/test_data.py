"""Invariants of the shipped data: it loads, and every quote is the article's own words."""

from __future__ import annotations

import datetime as dt

import pytest

from geo import load_events
from tests.conftest import ARTICLE, SHIPPED_EVENTS

ARTICLE_DATE = dt.date(2022, 2, 28)


@pytest.fixture(scope="module")
def dataset():
    return load_events(SHIPPED_EVENTS)


def test_shipped_events_file_is_valid(dataset):
    assert len(dataset.events) >= 15


def test_the_famous_four_are_there_with_honest_precision(dataset):
    by_text = {e.id: (e.title + " " + e.summary).lower() for e in dataset.events}
    assert any("kharkiv" in t and e.startswith("kharkiv") for e, t in by_text.items())
    mariupol = next(e for e in dataset.events if "mariupol" in e.id)
    assert mariupol.date == dt.date(2022, 2, 27)  # "throughout Sunday night"
    assert mariupol.geometry is not None and mariupol.geometry.type == "Polygon"
    convoy = next(e for e in dataset.events if "convoy" in e.id)
    assert convoy.geometry is not None and convoy.geometry.type == "LineString"
    assert convoy.place.geo_precision >= 2
    talks = next(e for e in dataset.events if e.event_type.value == "negotiations")
    assert talks.place.geo_precision == 3  # the article names no venue


def test_dates_resolve_from_the_article_date(dataset):
    for event in dataset.events:
        assert dt.date(2022, 2, 24) <= event.date <= event.last_date <= ARTICLE_DATE, event.id
    invasion = next(e for e in dataset.events if e.id == "russian-invasion-launched")
    assert invasion.date == dt.date(2022, 2, 24)  # "last Thursday"


def test_every_event_is_sourced_to_the_article(dataset):
    for event in dataset.events:
        assert event.sources, event.id
        for source in event.sources:
            assert source.date == ARTICLE_DATE


def test_every_quote_appears_verbatim_in_the_article(dataset):
    if not ARTICLE.exists():
        pytest.skip(f"the seed article is not at {ARTICLE} (CI has it beside the checkout)")
    article = ARTICLE.read_text(encoding="utf-8")
    missing = [
        (event.id, source.quote)
        for event in dataset.events
        for source in event.sources
        if source.quote not in article
    ]
    assert missing == []


def test_every_figure_in_the_data_is_in_its_quotes(dataset):
    words = {1: "1", 3: "three", 4: "four", 11: "11", 102: "102", 352: "352"}
    for event in dataset.events:
        quotes = " ".join(s.quote for s in event.sources)
        for figure in [*event.fatalities, *event.injured]:
            assert words.get(figure.value, str(figure.value)) in quotes, (event.id, figure)
