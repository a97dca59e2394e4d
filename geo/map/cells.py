"""The map of a large dataset: viewports, and the grid cells that stand for the events in them.

The browser never receives every event. For the current viewport the store answers with grid
cells (count and type mix) or, when few events are in view, the events themselves
(geo.map.layer.content_in_view). This module holds the viewport arithmetic (Web Mercator) and
how a cell looks.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from geo.escape import escape_text
from geo.store import BBox, Cell, cell_size_degrees
from geo.urlstate import MapView
from geo.vocabulary import EventType, style_of

# At most this many events in (and around) the view are drawn one by one; more become cells.
INDIVIDUAL_LIMIT = 300
# Before the browser has said how big the map is, assume a typical one.
ASSUMED_MAP_PX = (1000, 620)
# The biggest map a screen shows (a 4K display, full screen). A browser reporting a view wider
# than this at its zoom reports what no screen shows: the zoom is lowered until it fits, which
# bounds the cells of any answer to about (3840 / 64) × (2160 / 64), 2,000.
MAX_SCREEN_PX = (3840, 2160)
MIN_ZOOM, MAX_ZOOM = 2, 18
# From this zoom on, a cell is usually one place: clicking it cannot split it any further.
STACK_ZOOM = 13
TILE_PX = 256


@dataclass(frozen=True)
class Viewport:
    box: BBox
    zoom: int

    @property
    def centre(self) -> MapView:
        # The middle of a Web Mercator map is not the mean of its edge latitudes.
        lat = _lat_of_mercator_y((_mercator_y(self.box.south) + _mercator_y(self.box.north)) / 2)
        lon = (self.box.west + self.box.east) / 2
        return MapView(round(lat, 4), round(lon, 4), self.zoom)


def _mercator_y(lat: float) -> float:
    lat = max(min(lat, 85.0), -85.0)
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _lat_of_mercator_y(y: float) -> float:
    return math.degrees(2 * math.atan(math.exp(y)) - math.pi / 2)


def viewport_of_view(view: MapView, size: tuple[int, int] = ASSUMED_MAP_PX) -> Viewport:
    """The area a map of `size` pixels shows at a centre and zoom."""
    world_px = TILE_PX * 2**view.zoom
    half_lon = 180.0 * size[0] / world_px
    half_y = math.pi * size[1] / world_px
    centre_y = _mercator_y(view.lat)
    box = BBox(
        south=_lat_of_mercator_y(centre_y - half_y),
        west=max(view.lon - half_lon, -180.0),
        north=_lat_of_mercator_y(centre_y + half_y),
        east=min(view.lon + half_lon, 180.0),
    )
    return Viewport(box, view.zoom)


def view_fitting(box: BBox, size: tuple[int, int] = ASSUMED_MAP_PX) -> MapView:
    """The centre and the largest zoom at which `box` fits a map of `size` pixels."""
    lon_span = max(box.east - box.west, 1e-6)
    y_span = max(_mercator_y(box.north) - _mercator_y(box.south), 1e-6)
    zoom_x = math.log2(size[0] * 360.0 / (TILE_PX * lon_span))
    zoom_y = math.log2(size[1] * 2 * math.pi / (TILE_PX * y_span))
    zoom = int(max(MIN_ZOOM, min(12, math.floor(min(zoom_x, zoom_y)))))
    centre_lat = _lat_of_mercator_y((_mercator_y(box.north) + _mercator_y(box.south)) / 2)
    return MapView(round(centre_lat, 4), round((box.east + box.west) / 2, 4), zoom)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def tiles_covering(box: BBox, zoom: int) -> list[tuple[int, int, int]]:
    """The basemap tiles (zoom, x, y; y counted from the north, as Leaflet does) over `box`."""
    count = 1 << zoom

    def column(lon: float) -> int:
        return min(max(int((lon + 180.0) / 360.0 * count), 0), count - 1)

    def row(lat: float) -> int:
        y = (1.0 - _mercator_y(lat) / math.pi) / 2.0
        return min(max(int(y * count), 0), count - 1)

    return [
        (zoom, x, y)
        for x in range(column(box.west), column(box.east) + 1)
        for y in range(row(box.north), row(box.south) + 1)
    ]


def viewport_from_map_value(value: Mapping[str, Any] | None) -> Viewport | None:
    """The viewport streamlit-folium reported (bounds and zoom), if it reported a usable one."""
    try:
        bounds = (value or {})["bounds"]
        south = _number(bounds["_southWest"]["lat"])
        west = _number(bounds["_southWest"]["lng"])
        north = _number(bounds["_northEast"]["lat"])
        east = _number(bounds["_northEast"]["lng"])
        zoom = _number((value or {})["zoom"])
    except (KeyError, TypeError):
        return None
    if None in (south, west, north, east, zoom):
        return None
    assert south is not None and west is not None and north is not None and east is not None
    assert zoom is not None
    if south >= north or west >= east:
        return None
    box = BBox(max(south, -90.0), max(west, -180.0), min(north, 90.0), min(east, 180.0))
    return on_a_screen(Viewport(box, int(max(MIN_ZOOM, min(MAX_ZOOM, zoom)))))


def on_a_screen(viewport: Viewport, screen: tuple[int, int] = MAX_SCREEN_PX) -> Viewport:
    """The viewport at a zoom a real screen could show it at: its zoom, or lower.

    The whole world at zoom 18 would be 67 million pixels wide and a million grid cells; no
    browser shows that, but any client can claim it. The box stays; the zoom drops until the
    box fits the biggest screen, so the work and the answer stay what a screen can show.
    """
    box = viewport.box
    lon_span = max(box.east - box.west, 1e-9)
    y_span = max(_mercator_y(box.north) - _mercator_y(box.south), 1e-9)
    fits_x = math.log2(screen[0] * 360.0 / (TILE_PX * lon_span))
    fits_y = math.log2(screen[1] * 2 * math.pi / (TILE_PX * y_span))
    fitting = max(MIN_ZOOM, math.floor(min(fits_x, fits_y)))
    return viewport if viewport.zoom <= fitting else Viewport(box, fitting)


# No grid answer holds more squares than this, whatever asked for it (defence in depth: a
# screen-sized view holds about 2,000 cells, or 32,000 density squares).
MAX_GRID_SQUARES = 40_000


def grid_zoom(box: BBox, zoom: int, limit: int = MAX_GRID_SQUARES) -> int:
    """`zoom`, or the highest lower one whose grid over `box` has at most `limit` squares."""
    while zoom > MIN_ZOOM:
        size = cell_size_degrees(zoom)
        squares = ((box.north - box.south) / size + 1) * ((box.east - box.west) / size + 1)
        if squares <= limit:
            break
        zoom -= 1
    return zoom


def query_box(viewport: Viewport) -> BBox:
    """The view widened by half a tile and snapped to the tile grid.

    Small pans then ask for the same box, get the same layer, and the map is left alone.
    """
    step = 360.0 / 2**viewport.zoom
    pad = step / 2
    box = viewport.box

    def down(value: float) -> float:
        return float(math.floor((value - pad) / step) * step)

    def up(value: float) -> float:
        return float(math.ceil((value + pad) / step) * step)

    return BBox(
        max(down(box.south), -90.0),
        max(down(box.west), -180.0),
        min(up(box.north), 90.0),
        min(up(box.east), 180.0),
    )


def layer_cell(viewport: Viewport, kept: Viewport | None = None) -> Viewport:
    """The view a large layer is made for: the query box (snapped to tiles) at the zoom.

    Small pans give the same cell, hence the same shared layer. `kept`, the cell of the layer
    the map shows, stays while it still covers the view at the same zoom: the report a map
    sends once drawn (its real size, an auto-pan) then asks for nothing new.
    """
    if kept is not None and kept.zoom == viewport.zoom and _covers(kept.box, viewport.box):
        return kept
    return Viewport(query_box(viewport), viewport.zoom)


def _covers(outer: BBox, inner: BBox) -> bool:
    return (
        outer.south <= inner.south
        and outer.west <= inner.west
        and inner.north <= outer.north
        and inner.east <= outer.east
    )


def short_count(count: int) -> str:
    if count < 1000:
        return str(count)
    if count < 10_000:
        return f"{count / 1000:.1f}k".replace(".0k", "k")
    if count < 1_000_000:
        return f"{count // 1000}k"
    return f"{count / 1_000_000:.1f}M".replace(".0M", "M")


def cell_size_px(count: int) -> int:
    return int(min(56, 28 + 7 * math.log10(max(count, 1))))


def _type_mix_gradient(types: Mapping[EventType, int]) -> str:
    total = sum(types.values())
    stops, start = [], 0.0
    for event_type, count in sorted(types.items(), key=lambda item: -item[1]):
        end = start + 100.0 * count / total
        stops.append(f"{style_of(event_type).colour} {start:.1f}% {end:.1f}%")
        start = end
    return f"conic-gradient({','.join(stops)})"


def cell_html(cell: Cell) -> str:
    """A disc whose ring shows the cell's type mix, with its count in the middle."""
    size = cell_size_px(cell.count)
    return (
        f'<div class="ea-cell" style="width:{size}px;height:{size}px;'
        f'background:{_type_mix_gradient(cell.types)}" data-count="{cell.count}">'
        f"<span>{escape_text(short_count(cell.count))}</span></div>"
    )


def cell_tooltip(cell: Cell, zoom: int) -> str:
    lines = [f"<b>{cell.count:,} events</b>"]
    for event_type, count in sorted(cell.types.items(), key=lambda item: -item[1])[:5]:
        lines.append(f"{escape_text(style_of(event_type).label)}: {count:,}")
    if len(cell.types) > 5:
        lines.append(f"and {len(cell.types) - 5} more types")
    if zoom >= STACK_ZOOM:
        lines.append("<i>Listed in the table under the map</i>")
    else:
        lines.append("<i>Click to zoom in</i>")
    return "<br>".join(lines)
