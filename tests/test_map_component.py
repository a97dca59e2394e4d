"""The map component is fed exactly what `st_folium` would send for the same map.

geo.web.component renders the base map once and calls streamlit-folium's component itself; if
an upgrade of streamlit-folium changes what its frontend expects, these tests fail.
"""

from __future__ import annotations

from typing import Any

import pytest
import streamlit_folium as sf

from geo.map.assets import StaticURLs
from geo.map.base import build_base_map
from geo.urlstate import MapView
from geo.web.component import render_base_map, show_map

URLS = StaticURLs("/app/static")
RETURNED = ["last_object_clicked_popup", "last_object_clicked_count", "bounds", "zoom"]


def captured_call(monkeypatch: pytest.MonkeyPatch, call: Any) -> dict[str, Any]:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(sf, "_component_func", lambda **kwargs: calls.append(kwargs))
    call()
    (arguments,) = calls
    return arguments


@pytest.fixture()
def both(monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, Any], dict[str, Any]]:
    theirs = captured_call(
        monkeypatch,
        lambda: sf.st_folium(
            build_base_map(MapView(49.0, 31.5, 6), URLS, "offline"),
            key="map",
            height=520,
            returned_objects=RETURNED,
            use_container_width=True,
        ),
    )
    render = render_base_map(build_base_map(MapView(49.0, 31.5, 6), URLS, "offline"))
    ours = captured_call(
        monkeypatch,
        lambda: show_map(
            render,
            key="map",
            layer="/* layer */",
            returned_objects=RETURNED,
            on_change=lambda: None,
            height=520,
        ),
    )
    return theirs, ours


def test_the_base_map_reaches_the_frontend_as_st_folium_sends_it(both):
    theirs, ours = both
    for argument in ("script", "header", "html", "id", "key", "css_links", "js_links"):
        assert ours[argument] == theirs[argument], argument
    for argument in ("height", "width", "returned_objects", "return_on_hover", "pixelated"):
        assert ours[argument] == theirs[argument], argument
    assert set(ours) == set(theirs), "the component takes the same arguments"


def test_a_loaded_map_reports_its_defaults_so_it_sends_no_extra_rerun(both):
    theirs, ours = both
    # The frontend compares its value's JSON with the default's: same keys, same order.
    assert list(ours["default"]) == list(theirs["default"])
    assert ours["default"]["bounds"] == theirs["default"]["bounds"]
    assert ours["default"]["zoom"] == theirs["default"]["zoom"]
    assert ours["default"]["last_object_clicked_count"] == 0


def test_the_event_layer_is_handed_over_as_the_feature_group(both):
    _, ours = both
    assert ours["feature_group"] == "/* layer */"
