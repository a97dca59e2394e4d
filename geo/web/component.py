"""The map component: streamlit-folium's frontend, fed with renders shared by every reader.

`st_folium` renders the whole folium map to HTML and JavaScript on every script run, even for
a map that has not changed; that was most of a page open's server time. Here the base map is
rendered once per design (`render_base_map`, with streamlit-folium's own helpers, so the
frontend gets exactly what `st_folium` would send) and kept for every reader; each run only
hands the frontend that render plus the current event layer (geo.map.layer.layer_script),
which streamlit-folium swaps in place. tests/test_map_component.py checks that the arguments
match `st_folium`'s own for the same map, so an upgrade that changes them is caught.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import folium
import streamlit as st
import streamlit_folium as sf

# The order in which streamlit-folium's frontend lists what it returns. It compares the JSON
# of its value with the default's, so the default must list the same keys in the same order,
# or the map would rerun the script once as soon as it loads.
_RETURN_ORDER = (
    "last_clicked",
    "last_object_clicked",
    "last_object_clicked_count",
    "last_object_clicked_tooltip",
    "last_object_clicked_popup",
    "all_drawings",
    "last_active_drawing",
    "last_geocoder_result",
    "bounds",
    "zoom",
    "last_circle_radius",
    "last_circle_polygon",
    "center",
    "selected_layers",
    "selected_tags",
)


@dataclass(frozen=True)
class MapRender:
    """A base map as streamlit-folium's frontend takes it; computed once, shared read-only."""

    script: str
    header: str
    html: str
    map_id: str
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]
    bounds: Mapping[str, Any]
    zoom: int | None

    def component_key(self, key: str) -> str:
        # streamlit-folium keys the component by its script: a new base map is a new mount.
        return str(sf.generate_js_hash(self.script, key, False))


def _elements(element: Any) -> Iterator[Any]:
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _elements(child)


def _links(m: folium.Map, attribute: str) -> tuple[str, ...]:
    links: Iterable[str] = (
        url for element in _elements(m) for _, url in getattr(element, attribute, [])
    )
    return tuple(dict.fromkeys(links))


def _bounds(m: folium.Map) -> dict[str, dict[str, float | None]]:
    (south, west), (north, east) = m.get_bounds()
    return {"_southWest": {"lat": south, "lng": west}, "_northEast": {"lat": north, "lng": east}}


def _zoom(m: folium.Map) -> int | None:
    zoom = m.options.get("zoom")
    return int(zoom) if isinstance(zoom, int | float) else None


def render_base_map(m: folium.Map) -> MapRender:
    """What `st_folium` computes from a map on every run, computed here once (same steps)."""
    m.get_root().render()
    m.render()
    html = sf._get_html(m)
    header = sf._get_header(m)
    script = sf._get_map_string(m)
    return MapRender(
        script=script,
        header=header,
        html=html,
        map_id=sf.get_full_id(m),
        css_links=_links(m, "default_css"),
        js_links=_links(m, "default_js"),
        bounds=_bounds(m),
        zoom=_zoom(m),
    )


def _defaults(render: MapRender, returned: Iterable[str]) -> dict[str, Any]:
    wanted = set(returned)
    known: dict[str, Any] = {
        "last_object_clicked_count": 0,  # the frontend counts clicks from 0
        "bounds": dict(render.bounds),
        "zoom": render.zoom,
    }
    return {key: known.get(key) for key in _RETURN_ORDER if key in wanted}


def show_map(
    render: MapRender,
    *,
    key: str,
    layer: str,
    returned_objects: list[str],
    on_change: Callable[[], None],
    height: int,
    center: tuple[float, float] | None = None,
    zoom: int | None = None,
) -> None:
    """Mount the base map (once per reader) and hand it the current event layer.

    The map's value lands in `st.session_state[key]` before `on_change` runs, as with
    `st_folium(key=...)`.
    """
    component_key = render.component_key(key)

    def changed() -> None:
        st.session_state[key] = st.session_state.get(component_key, {})
        on_change()

    sf._component_func(
        script=render.script,
        header=render.header,
        html=render.html,
        id=render.map_id,
        key=component_key,
        height=height,
        width=None,  # the container's width
        returned_objects=returned_objects,
        default=_defaults(render, returned_objects),
        zoom=zoom,
        center=center,
        feature_group=layer,
        return_on_hover=False,
        layer_control=None,
        pixelated=False,
        css_links=list(render.css_links),
        js_links=list(render.js_links),
        on_change=changed,
        wrap_longitude=False,
    )
