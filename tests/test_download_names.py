"""Downloads are named after the dataset and the view they hold (geo.filenames)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from geo.filenames import MAX_STEM, dataset_slug, date_range, download_name, slug
from geo.filters import EventFilter
from geo.vocabulary import EventType
from geo.web.share import COPIED, COPIED_UPLOAD, copy_link_html, name_of_dataset

SHIPPED_TITLE = "Russian invasion of Ukraine: events reported on 28 February 2022"
BOUNDS = (dt.date(2022, 2, 24), dt.date(2022, 2, 28))
CSV = (EventFilter(), "csv")
SAFE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*\.[a-z]+$")


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def test_the_shipped_dataset_filtered_to_shelling_is_named_after_its_view() -> None:
    shelling = EventFilter(types=frozenset({EventType.SHELLING}))
    name = download_name(SHIPPED_TITLE, shelling, "csv", bounds=BOUNDS)
    assert name == "russian-invasion-of-ukraine-2022-02-24-to-28-shelling.csv"


def test_a_title_loses_its_subtitle_or_what_follows_its_comma_only_when_long() -> None:
    assert dataset_slug(SHIPPED_TITLE) == "russian-invasion-of-ukraine"
    assert dataset_slug("Russia's invasion of Ukraine, 24-28 February 2022") == (
        "russias-invasion-of-ukraine"
    )
    assert dataset_slug("Sudan, Chad and Libya") == "sudan-chad-and-libya"
    assert dataset_slug("acled_2024_Ukraine export") == "acled-2024-ukraine-export"


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2022-02-24", "2022-02-28", "2022-02-24-to-28"),
        ("2022-02-24", "2022-03-05", "2022-02-24-to-03-05"),
        ("2021-12-30", "2022-01-02", "2021-12-30-to-2022-01-02"),
        ("2022-02-24", "2022-02-24", "2022-02-24"),
    ],
)
def test_a_date_range_names_only_what_its_end_changes(start: str, end: str, expected: str) -> None:
    assert date_range(d(start), d(end)) == expected


def test_an_open_range_says_which_side_is_open_and_falls_back_on_the_datasets_dates() -> None:
    assert date_range(d("2022-02-25"), None) == "from-2022-02-25"
    assert date_range(None, d("2022-02-26")) == "to-2022-02-26"
    assert date_range(None, None) == ""
    later = EventFilter(date_from=d("2022-02-26"))
    assert download_name("Atlas", later, "csv", bounds=BOUNDS) == "atlas-2022-02-26-to-28.csv"
    assert download_name("Atlas", later, "csv") == "atlas-from-2022-02-26.csv"
    assert download_name("Atlas", EventFilter(), "csv") == "atlas.csv"


def test_a_few_types_are_named_in_the_vocabularys_order_and_many_are_counted() -> None:
    two = EventFilter(types=frozenset({EventType.AIR_STRIKE, EventType.SHELLING}))
    assert download_name("Atlas", two, "csv") == "atlas-shelling-air-strike.csv"
    four = EventFilter(
        types=frozenset(
            {EventType.AIR_STRIKE, EventType.SHELLING, EventType.PROTEST, EventType.OTHER}
        )
    )
    assert download_name("Atlas", four, "geojson") == "atlas-4-types.geojson"


def test_countries_labels_precision_and_search_text_each_have_their_part() -> None:
    view = EventFilter(
        countries=frozenset({"UA", "RU"}),
        labels=frozenset({"Shelling/artillery/missile attack"}),
        precisions=frozenset({2, 1}),
        text="  Kharkiv   ",
    )
    assert download_name("Atlas", view, "csv") == (
        "atlas-ru-ua-shelling-artillery-precision-1-2-kharkiv.csv"
    )
    many = EventFilter(countries=frozenset({"UA", "RU", "BY"}), labels=frozenset("abc"))
    assert download_name("Atlas", many, "csv") == "atlas-3-countries-3-labels.csv"


def test_a_tag_names_the_kind_of_file() -> None:
    assert download_name("Atlas", EventFilter(), "csv", tag="acled") == "atlas-acled.csv"
    assert download_name("Atlas", EventFilter(), "zip", tag="site") == "atlas-site.zip"


def test_unsafe_characters_never_reach_the_name() -> None:
    hostile = 'Injection <img src=x onerror="alert(1)"> ../../etc/passwd\\\0 "quoted"; rm -rf'
    view = EventFilter(text='"; Content-Disposition: x\r\n../évé ñame', labels=frozenset({"/"}))
    name = download_name(hostile, view, "csv/../x")
    assert SAFE.match(name), name
    assert slug("Zélenskiy’s Kyïv") == "zelenskiys-kyiv"


def test_a_name_without_latin_letters_falls_back_and_reserved_names_are_avoided() -> None:
    assert download_name("Київ", EventFilter(), "csv") == "events.csv"
    assert download_name("", EventFilter(), "csv") == "events.csv"
    assert download_name("CON", EventFilter(), "csv") == "con-events.csv"


def test_the_name_is_bounded_and_cut_at_a_words_end() -> None:
    title = "A very long dataset title that goes on " * 6
    view = EventFilter(
        types=frozenset({EventType.SHELLING, EventType.AIR_STRIKE}),
        countries=frozenset({"UA"}),
        labels=frozenset({"x" * 80}),
        text="supercalifragilisticexpialidocious " * 10,
    )
    name = download_name(title, view, "geojson", bounds=BOUNDS, tag="acled")
    stem = name.removesuffix("-acled.geojson")
    assert len(stem) <= MAX_STEM
    assert SAFE.match(name), name
    assert stem.startswith("a-very-long-dataset-title-that-goes-on-a-2022-02-24-to-28-shelling")
    assert not stem.endswith("-")


def test_the_dataset_is_named_by_its_upload_its_title_or_its_file() -> None:
    events_file = Path("/srv/atlas/data/ukraine-2022.yaml")
    assert name_of_dataset("Atlas", "acled export (3).csv", events_file) == "acled export (3)"
    assert name_of_dataset("Atlas", None, events_file) == "Atlas"
    assert name_of_dataset(None, None, events_file) == "ukraine-2022"
    upload = download_name(name_of_dataset(None, "acled export (3).csv", events_file), *CSV)
    assert upload == "acled-export-3.csv"


def test_copying_the_link_of_an_imported_file_says_what_the_link_opens() -> None:
    assert json.dumps(COPIED) in copy_link_html(showing_upload=False)
    shown = copy_link_html(showing_upload=True)
    assert json.dumps(COPIED_UPLOAD) in shown and "__COPIED__" not in shown
