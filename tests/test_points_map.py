"""The desk's small maps: plain dots for one place, numbered pins for an article's drafts."""

from __future__ import annotations

import re

import pytest

from geo.map.assets import StaticURLs
from geo.map.base import points_map


def html_of(m: object) -> str:
    return str(m.get_root().render())  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def urls() -> StaticURLs:
    return StaticURLs("/app/static")


def test_each_draft_is_a_pin_with_its_cards_number_and_pins_of_one_place_fan_out(urls):
    points = [(46.64, 32.61, "1. Shelling in Kherson"), (46.64, 32.61, "3. <b>Strike</b>")]
    html = html_of(points_map(points, urls, zoom=7, numbers=[1, 3]))
    assert re.findall(r'text-align:center\\"\\u003e(\d+)\\u003c/div', html) == ["1", "3"]
    # Two pins on one place are moved apart on screen (through their anchors).
    anchors = re.findall(r'"iconAnchor": \[(-?\d+), (-?\d+)\]', html)
    assert len(anchors) == 2 and anchors[0] != anchors[1], anchors
    # Tooltips are escaped text.
    assert "<b>Strike</b>" not in html and "&lt;b&gt;Strike" in html


def test_without_numbers_a_point_is_a_dot_and_numbers_must_match_the_points(urls):
    html = html_of(points_map([(50.0, 36.2, "Kharkiv")], urls))
    assert "circleMarker" in html and "ea-numbered-pin" not in html
    with pytest.raises(ValueError, match="one number per point"):
        points_map([(50.0, 36.2, "a")], urls, numbers=[1, 2])
