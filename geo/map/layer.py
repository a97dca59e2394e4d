"""The event layer: everything on the map that depends on the data, the filters and the view.

One design for every dataset size. The base map (tiles, styles, legend frame, the drawing code
below) is mounted once and never changes; what the events look like travels as one JSON
payload that the base map's `eaDrawLayer` draws into a feature group. In the page,
streamlit-folium swaps that feature group in place (`feature_group_to_add`), so filtering,
selecting and panning never remount the map. A published static map draws the same payload.

- A small dataset sends every matching event in full: marker, popup, shapes, uncertainty circle.
- A large one sends grid cells and light markers whose popup is a stub holding the event's id;
  the clicked (selected) event alone comes in full.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import folium
from branca.element import MacroElement
from jinja2 import Template

from geo.catalog import Catalog
from geo.escape import escape_text, script_json
from geo.filters import EventFilter
from geo.map.assets import StaticURLs
from geo.map.base import (
    DEFAULT_VIEW,
    POPUP_MAX_WIDTH,
    SELECTED_ZOOM,
    MapStart,
    ViewIn,
    build_base_map,
    fan_offsets,
    placed,
)
from geo.map.cells import (
    INDIVIDUAL_LIMIT,
    MAX_ZOOM,
    STACK_ZOOM,
    Viewport,
    cell_html,
    cell_size_px,
    cell_tooltip,
    grid_zoom,
    query_box,
)
from geo.map.legend import legend_html, marker_html
from geo.map.popup import popup_html, stub_popup_html, tooltip_text
from geo.map.theatre import theatre_box
from geo.model import Event
from geo.store import BBox, Cell, MapPoint, cell_size_degrees
from geo.urlstate import MapView
from geo.vocabulary import UNCERTAINTY_RADIUS_M, EventType, style_of

# streamlit-folium names the first feature group it is given `feature_group_feature_group_0`,
# and removes the groups listed in `window.feature_group` before it evaluates a new one.
FEATURE_GROUP = "feature_group_feature_group_0"


@dataclass(frozen=True)
class LayerContent:
    """What the layer draws.

    `events` are drawn in full (popup, shapes, circle); `points` as light markers with a stub
    popup; `cells` as discs counting the events in them. `legend` counts what the layer stands
    for, `legend_what` says how ("shown", "match the filters").
    """

    events: Sequence[Event] = ()
    points: Sequence[MapPoint] = ()
    cells: Sequence[Cell] = ()
    selected_id: str | None = None
    legend: Mapping[EventType, int] = field(default_factory=dict)
    legend_what: str = "shown"
    # Small maps circle every approximate place; large ones only the selected event's.
    circle_every_event: bool = True
    # The located events the layer stands for, in view or not, and the box around them: the
    # map counts those outside its view and can show them all (geo.map.edge).
    total: int = 0
    extent: BBox | None = None
    # The density view of a large map: grid squares shaded by how many events they hold.
    density: Sequence[DensityCell] = ()


@dataclass(frozen=True)
class DensityCell:
    box: BBox
    count: int


def layer_content(
    catalog: Catalog,
    event_filter: EventFilter,
    viewport: Viewport | None,
    selected: Event | None = None,
    density: bool = False,
) -> LayerContent:
    """What the map draws, asked of the catalog whichever store answers it: every matching
    event in full when the data is small (`catalog.large` is false: a map can hold them all),
    else what the viewport needs (`content_in_view`)."""
    if not catalog.large:
        selected_id = selected.id if selected is not None else None
        return content_of_events(catalog.events(event_filter, limit=None), selected_id)
    if viewport is None:
        raise ValueError("a large dataset's layer is drawn for a viewport: give the map's view")
    return content_in_view(catalog, event_filter, viewport, selected, density)


def content_of_events(events: Sequence[Event], selected_id: str | None) -> LayerContent:
    """A small dataset's layer: every located event in full, the selected one on top."""
    drawn = [event for event, _ in placed(events)]
    counts: dict[EventType, int] = {}
    for event in drawn:
        counts[event.event_type] = counts.get(event.event_type, 0) + 1
    legend = {t: counts[t] for t in EventType if t in counts}
    return LayerContent(
        events=drawn,
        selected_id=selected_id,
        legend=legend,
        total=len(drawn),
        extent=_box_of(drawn),
    )


def _box_of(events: Sequence[Event]) -> BBox | None:
    points = [point for _, point in placed(events)]
    if not points:
        return None
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    return BBox(min(lats), min(lons), max(lats), max(lons))


def content_in_view(
    store: Catalog,
    event_filter: EventFilter,
    viewport: Viewport,
    selected: Event | None = None,
    density: bool = False,
) -> LayerContent:
    """A large dataset's layer for a viewport: cells, or the events one by one when few; or,
    as a density view, shaded grid squares.

    The selected event is always drawn in full, even inside a cell.
    """
    box = query_box(viewport)
    chosen = selected if selected is not None and selected.place.point is not None else None
    located = store.count(event_filter) - store.unplaced_count(event_filter)
    common = LayerContent(
        events=[chosen] if chosen else [],
        selected_id=chosen.id if chosen else None,
        legend=store.type_counts(event_filter),
        legend_what="match the filters",
        circle_every_event=False,
        total=located,
        extent=store.extent(event_filter),
    )
    if density:
        return replace(common, density=density_cells(store, event_filter, viewport))
    if store.count(event_filter, box) <= INDIVIDUAL_LIMIT:
        cells: list[Cell] = []
        points = store.points(event_filter, box, limit=INDIVIDUAL_LIMIT)
    else:
        all_cells = store.aggregate(event_filter, grid_zoom(box, viewport.zoom), box)
        cells = [cell for cell in all_cells if cell.lone_id is None]
        points = store.points_by_ids(cell.lone_id for cell in all_cells if cell.lone_id)
    return replace(
        common,
        points=[p for p in points if chosen is None or p.id != chosen.id],
        cells=cells,
    )


# A density square is a quarter of a cell's side: about 16 px at any zoom.
DENSITY_ZOOM_STEP = 2


def density_cells(
    store: Catalog, event_filter: EventFilter, viewport: Viewport
) -> list[DensityCell]:
    """The events in and around the view counted on a grid about 16 px wide."""
    box = query_box(viewport)
    zoom = grid_zoom(box, min(viewport.zoom + DENSITY_ZOOM_STEP, MAX_ZOOM))
    size = cell_size_degrees(zoom)
    cells = store.aggregate(event_filter, zoom, box)
    squares = []
    for cell in cells:
        south = math.floor(cell.latitude / size) * size
        west = math.floor(cell.longitude / size) * size
        squares.append(DensityCell(BBox(south, west, south + size, west + size), cell.count))
    return squares


def _point_of(event: Event) -> MapPoint:
    lat, lon = event.place.point or (0.0, 0.0)
    return MapPoint(event.id, event.event_type, lat, lon, event.title)


def _shapes(event: Event, index: int) -> list[dict[str, Any]]:
    if event.geometry is None:
        return []
    kind = "polygon" if event.geometry.type in ("Polygon", "MultiPolygon") else "line"
    return [
        {"event": index, "kind": kind, "path": [[lat, lon] for lat, lon in path]}
        for path in event.geometry.latlon_paths()
    ]


def _marker(
    point: MapPoint, offset: tuple[int, int], full: Event | None, selected: bool, circle: bool
) -> dict[str, Any]:
    precision = (full.place.geo_precision or 3) if full is not None else 3
    return {
        "id": point.id,
        "type": point.event_type.value,
        "lat": point.latitude,
        "lon": point.longitude,
        "dx": offset[0],
        "dy": offset[1],
        "icon": marker_html(point.event_type, "ea-selected" if selected else "", point.id),
        "tip": tooltip_text(full) if full is not None else escape_text(point.title),
        "popup": popup_html(full) if full is not None else stub_popup_html(point.id),
        "selected": selected,
        "radius": UNCERTAINTY_RADIUS_M[precision] if circle and full is not None else 0,
        "colour": style_of(point.event_type).colour,
    }


def layer_payload(content: LayerContent, zoom: int | None = None) -> dict[str, Any]:
    """The JSON the base map's `eaDrawLayer` draws. Every user string in it is escaped."""
    selected = content.selected_id
    full = sorted(content.events, key=lambda e: e.id == selected)  # selected last: on top
    light = [p for p in content.points if p.id not in {e.id for e in full}]
    drawn = [*light, *(_point_of(e) for e in full)]
    offsets = fan_offsets([(p.id, p.point) for p in drawn])
    markers = [_marker(p, offsets[p.id], None, False, False) for p in light]
    shapes: list[dict[str, Any]] = []
    for event in full:
        chosen = event.id == selected
        circle = content.circle_every_event or chosen
        shapes += _shapes(event, len(markers))
        markers.append(_marker(_point_of(event), offsets[event.id], event, chosen, circle))
    extent = content.extent
    return {
        "cells": [
            {
                "lat": round(cell.latitude, 5),
                "lon": round(cell.longitude, 5),
                "n": cell.count,
                "size": cell_size_px(cell.count),
                "html": cell_html(cell),
                "tip": cell_tooltip(cell, zoom if zoom is not None else 0),
            }
            for cell in content.cells
        ],
        "events": markers,
        "shapes": shapes,
        "density": _density_payload(content.density),
        "legend": legend_html(
            content.legend,
            sum(content.legend.values()),
            content.legend_what,
            density=bool(content.density),
        ),
        "total": content.total,
        "extent": [[extent.south, extent.west], [extent.north, extent.east]] if extent else None,
        "stackZoom": STACK_ZOOM,
        "maxZoom": MAX_ZOOM,
        "popupWidth": POPUP_MAX_WIDTH,
    }


def _density_payload(cells: Sequence[DensityCell]) -> list[dict[str, Any]]:
    """Each square with its count and a shade from 0 to 1 (log scale: a few busy places must
    not leave every other square blank)."""
    if not cells:
        return []
    top = math.log1p(max(cell.count for cell in cells))
    return [
        {
            "box": [[c.box.south, c.box.west], [c.box.north, c.box.east]],
            "n": c.count,
            "shade": round(math.log1p(c.count) / top, 3) if top else 1.0,
        }
        for c in cells
    ]


def layer_script(payload: Mapping[str, Any]) -> str:
    """The feature group as streamlit-folium evaluates it (`feature_group_to_add`).

    It is what streamlit-folium's own conversion of a folium FeatureGroup produces, written
    directly: building and rendering a folium element per layer cost more than the layer.
    """
    return (
        f"var {FEATURE_GROUP} = L.featureGroup({{}});\n"
        # On the map before it is drawn, so the selected event's popup can open at once.
        f"map_div.addLayer({FEATURE_GROUP});\n"
        f"window.eaDrawLayer(map_div, {FEATURE_GROUP}, {script_json(payload)});\n"
        "window.feature_group = window.feature_group || [];\n"
        f"window.feature_group.push({FEATURE_GROUP});\n"
    )


class EventLayer(MacroElement):
    """The layer inside a standalone folium map (a published page): drawn by the same code."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.eaLayerData = {{ this.data }};
        // Kept, so that the page can draw the same data again (a published page's filter).
        window.eaLayerGroup = L.featureGroup().addTo({{ this._parent.get_name() }});
        window.eaDrawLayer({{ this._parent.get_name() }}, window.eaLayerGroup, window.eaLayerData);
        {% endmacro %}
        """
    )

    def __init__(self, payload: Mapping[str, Any]) -> None:
        super().__init__()
        self._name = "EventLayer"
        self.data = script_json(payload)


def build_map(
    events: Sequence[Event],
    urls: StaticURLs,
    *,
    selected_id: str | None = None,
    view: MapView | None = None,
    tiles: str = "offline",
    view_in: ViewIn = "query",
) -> folium.Map:
    """A complete map of `events` in one folium page: the base map with the layer drawn in.

    It is the page's map in a single piece (for a published site, or to look at in tests).
    It opens where `opening_start` says; `view_in` is where it keeps its view (base map).
    """
    start = opening_start(events, selected_id, view)
    m = build_base_map(start, urls, tiles, view_in=view_in)
    EventLayer(layer_payload(content_of_events(events, selected_id))).add_to(m)
    return m


def opening_start(
    events: Sequence[Event], selected_id: str | None, view: MapView | None
) -> MapStart:
    """Where a whole map opens: `view` wins; else the selected event; else the theatre."""
    if view is not None:
        return view
    selected = next((e for e in events if e.id == selected_id and e.place.point), None)
    if selected is not None and selected.place.point is not None:
        return MapView(*selected.place.point, SELECTED_ZOOM)
    return theatre_box(placed_counts(events)) or DEFAULT_VIEW


def placed_counts(events: Sequence[Event]) -> list[tuple[float, float, int]]:
    """How many of the events sit at each point (those with coordinates)."""
    counts = Counter(point for _, point in placed(events))
    return [(lat, lon, n) for (lat, lon), n in counts.items()]
