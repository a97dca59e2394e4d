"""Build the folium map for a set of events: markers, shapes, uncertainty, legend, basemaps."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence

import folium
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from geo.filters import count_by_type
from geo.map.assets import OFFLINE_ATTRIBUTION, OFFLINE_MAX_NATIVE_ZOOM, StaticURLs
from geo.map.legend import Legend, marker_html
from geo.map.popup import popup_html, tooltip_text
from geo.model import Event
from geo.urlstate import P_LAT, P_LON, P_ZOOM, MapView
from geo.vocabulary import UNCERTAINTY_RADIUS_M, EventType, style_of

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = (
    '© <a href="https://www.openstreetmap.org/copyright" target="_blank" '
    'rel="noopener noreferrer">OpenStreetMap contributors</a>'
)
DEFAULT_VIEW = MapView(49.0, 31.5, 6)  # Ukraine
SELECTED_ZOOM = 8
FAN_RADIUS_PX = 17
POPUP_MAX_WIDTH = 380

MAP_CSS = """
<style>
.ea-marker{width:26px;height:26px;display:flex;align-items:center;justify-content:center;
  background:var(--ea-colour);color:#fff;font:bold 14px/1 "DejaVu Sans",sans-serif;
  border:2px solid #fff;box-shadow:0 1px 4px rgba(0,0,0,.55);box-sizing:border-box}
.ea-marker span{display:block}
.ea-shape-circle{border-radius:50%}
.ea-shape-square{border-radius:4px}
.ea-shape-diamond{transform:rotate(45deg);border-radius:3px}
.ea-shape-diamond span{transform:rotate(-45deg)}
.ea-shape-triangle{clip-path:polygon(50% 2%,98% 96%,2% 96%);border:none;padding-top:8px}
.ea-selected{outline:3px solid #ffd43b;outline-offset:2px;z-index:1000}
.ea-legend{background:rgba(255,255,255,.94);padding:6px 9px;font:11px/1.3 "DejaVu Sans",
  sans-serif;color:#212529;max-height:70vh;overflow:auto}
.ea-legend-title{font-weight:bold;cursor:pointer;font-size:12px}
.ea-legend-row{display:flex;align-items:center;gap:6px;margin:2px 0}
.ea-legend-row b{margin-left:auto;padding-left:10px}
.ea-legend-swatch{width:16px;height:16px;font-size:9px;border-width:1px}
.ea-legend-swatch.ea-shape-triangle{padding-top:5px}
.ea-uncertainty-swatch{width:16px;height:16px;border:2px dashed #555;border-radius:50%}
.ea-legend-note{color:#555;font-size:11px}
.ea-popup{font:13px/1.4 "DejaVu Sans",sans-serif;color:#212529;max-height:260px;overflow:auto}
.ea-popup-type{font-weight:bold;text-transform:uppercase;font-size:11px;letter-spacing:.04em}
.ea-popup-title{font-size:15px;font-weight:bold;margin:2px 0 4px;padding:0;line-height:1.3}
.ea-meta{color:#495057;font-size:12px;margin-bottom:6px}
.ea-figures ul{margin:2px 0 6px 18px;padding:0}
.ea-popup blockquote{margin:6px 0 2px;padding:4px 8px;border-left:3px solid #adb5bd;
  background:#f8f9fa;font-style:italic}
.ea-cite{font-size:11px;color:#495057}
.ea-tags{margin-top:6px;font-size:11px;color:#495057}
.ea-id{margin-top:4px;font-size:10px;color:#868e96}
.ea-popup-stub{color:#495057}
.ea-cell{border-radius:50%;display:flex;align-items:center;justify-content:center;
  border:2px solid #fff;box-shadow:0 1px 5px rgba(0,0,0,.6);box-sizing:border-box;
  cursor:pointer}
.ea-cell span{background:#fff;border-radius:50%;width:64%;height:64%;display:flex;
  align-items:center;justify-content:center;font:bold 11px/1 "DejaVu Sans",sans-serif;
  color:#212529}
.ea-cell-icon,.ea-divicon{background:none;border:none}
</style>
"""


class _ViewToURL(MacroElement):
    """Writes the map's centre and zoom into the page URL as the user pans.

    It runs in the browser, so panning never reruns the Streamlit script, yet a copied link
    still reopens the same view. The map iframe is same-origin with the page.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(map) {
            function writeView() {
                try {
                    var page = window.parent;
                    var url = new URL(page.location.href);
                    var c = map.getCenter();
                    url.searchParams.set({{ this.keys[0] }}, c.lat.toFixed(4));
                    url.searchParams.set({{ this.keys[1] }}, c.lng.toFixed(4));
                    url.searchParams.set({{ this.keys[2] }}, String(map.getZoom()));
                    page.history.replaceState(page.history.state, "", url.toString());
                } catch (e) { /* a cross-origin host page: the URL simply stays as it is */ }
            }
            map.on("moveend", writeView);
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self.keys = [json.dumps(P_LAT), json.dumps(P_LON), json.dumps(P_ZOOM)]


class _OpenPopup(MacroElement):
    """Opens the popup of the selected event once Leaflet's stylesheet has applied.

    streamlit-folium inserts leaflet.css after the map script starts; a popup opened before
    that is measured unstyled (as wide as the map), and its auto-pan moves the map off the
    view the link asked for.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(layer, tries) {
            function styled() {
                var pane = layer._map && layer._map.getPane("mapPane");
                return pane && window.getComputedStyle(pane).position === "absolute";
            }
            (function attempt() {
                if (styled() || tries-- <= 0) { layer.openPopup(); }
                else { window.setTimeout(attempt, 50); }
            })();
        })({{ this.layer_name }}, 100);
        {% endmacro %}
        """
    )

    def __init__(self, layer_name: str) -> None:
        super().__init__()
        self.layer_name = layer_name


class _IconPath(MacroElement):
    """Points Leaflet's default marker images at the local copy (its guess breaks in iframes)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.Icon.Default.imagePath = {{ this.path }};
        {% endmacro %}
        """
    )

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = json.dumps(path)


def _base_map(view: MapView, urls: StaticURLs, tiles: str) -> folium.Map:
    m = folium.Map(
        location=[view.lat, view.lon],
        zoom_start=view.zoom,
        tiles=None,
        control_scale=True,
        min_zoom=2,
        max_zoom=18,
        world_copy_jump=True,
    )
    # Per-instance lists: folium's class-level defaults point at CDNs.
    m.default_js = urls.js
    m.default_css = urls.css
    offline = folium.TileLayer(
        urls.offline_tiles,
        attr=OFFLINE_ATTRIBUTION,
        name="Offline basemap",
        max_native_zoom=OFFLINE_MAX_NATIVE_ZOOM,
        max_zoom=18,
        overlay=tiles == "osm",
        control=False,
    )
    offline.add_to(m)
    if tiles == "osm":
        # On top of the offline layer: where an online tile fails, the offline one shows through.
        folium.TileLayer(
            OSM_TILES, attr=OSM_ATTRIBUTION, name="OpenStreetMap", max_zoom=19, control=False
        ).add_to(m)
    root = m.get_root()
    assert isinstance(root, Figure)
    root.header.add_child(Element(MAP_CSS))
    _IconPath(urls.icon_image_path).add_to(m)
    return m


Point = tuple[float, float]


def placed(events: Sequence[Event]) -> list[tuple[Event, Point]]:
    """The events that have coordinates, with them; the others cannot be drawn yet."""
    return [(event, event.place.point) for event in events if event.place.point is not None]


def fan_offsets(markers: Sequence[tuple[str, Point]]) -> dict[str, tuple[int, int]]:
    """Pixel offsets that fan out markers sharing one point, so each stays clickable.

    The offset is in screen pixels (through the icon anchor), so the fan keeps its size at
    every zoom while the true location stays the centre of the fan.
    """
    groups: dict[tuple[float, float], list[str]] = {}
    for marker_id, (lat, lon) in markers:
        groups.setdefault((round(lat, 4), round(lon, 4)), []).append(marker_id)
    offsets: dict[str, tuple[int, int]] = {}
    for ids in groups.values():
        if len(ids) == 1:
            offsets[ids[0]] = (0, 0)
            continue
        radius = FAN_RADIUS_PX + 3 * max(0, len(ids) - 4)
        for k, event_id in enumerate(ids):
            angle = 2 * math.pi * k / len(ids) - math.pi / 2
            offsets[event_id] = (round(radius * math.cos(angle)), round(radius * math.sin(angle)))
    return offsets


def _add_event(
    m: folium.Map, event: Event, point: Point, selected: bool, offset: tuple[int, int] = (0, 0)
) -> folium.Marker:
    style = style_of(event.event_type)
    location = list(point)
    radius = UNCERTAINTY_RADIUS_M[event.place.geo_precision or 3]
    if radius:
        circle = folium.Circle(
            location,
            radius=radius,
            color=style.colour,
            weight=1.5,
            dash_array="6 6",
            fill=True,
            fill_opacity=0.06,
        )
        # folium drops `interactive` from path options; without it the circle eats clicks
        # meant for the shapes and markers under it.
        circle.options["interactive"] = False
        circle.add_to(m)
    if event.geometry is not None:
        for path in event.geometry.latlon_paths():
            shape: folium.PolyLine | folium.Polygon
            if event.geometry.type in ("Polygon", "MultiPolygon"):
                shape = folium.Polygon(
                    path, color=style.colour, weight=4, opacity=0.85, fill=True, fill_opacity=0.15
                )
            else:
                shape = folium.PolyLine(
                    path, color=style.colour, weight=4, opacity=0.85, dash_array="10 6"
                )
            shape.add_child(folium.Tooltip(tooltip_text(event)))
            shape.add_child(folium.Popup(popup_html(event), max_width=POPUP_MAX_WIDTH))
            shape.add_to(m)
    icon = folium.DivIcon(
        html=marker_html(event.event_type, "ea-selected" if selected else "", event.id),
        icon_size=(26, 26),
        icon_anchor=(13 - offset[0], 13 - offset[1]),
        popup_anchor=(offset[0], offset[1] - 12),
        class_name="ea-divicon",
    )
    marker = folium.Marker(
        location,
        icon=icon,
        tooltip=folium.Tooltip(tooltip_text(event)),
        popup=folium.Popup(popup_html(event), max_width=POPUP_MAX_WIDTH),
        z_index_offset=1000 if selected else 0,
    )
    marker.add_to(m)
    return marker


def build_base_map(
    view: MapView,
    urls: StaticURLs,
    tiles: str,
    legend_counts: Mapping[EventType, int],
    legend_what: str,
) -> folium.Map:
    """A map with basemap, legend and URL sync but no events: a large map adds them as a layer.

    Nothing in it depends on the filters or the viewport, so its script stays the same while
    the user filters and pans, and streamlit-folium swaps only the event layer.
    """
    m = _base_map(view, urls, tiles)
    Legend(legend_counts, sum(legend_counts.values()), legend_what).add_to(m)
    _ViewToURL().add_to(m)
    return m


def initial_view(selected: Point | None) -> MapView:
    if selected is not None:
        return MapView(selected[0], selected[1], SELECTED_ZOOM)
    return DEFAULT_VIEW


def build_map(
    events: Sequence[Event],
    urls: StaticURLs,
    *,
    selected_id: str | None = None,
    view: MapView | None = None,
    tiles: str = "offline",
    fit_to_events: bool = True,
) -> folium.Map:
    """The map of `events` that have coordinates; `view` (from a link) wins over fitting."""
    drawn = placed(events)
    selected = next((point for e, point in drawn if e.id == selected_id), None)
    start = view or initial_view(selected)
    m = _base_map(start, urls, tiles)
    selected_marker = None
    offsets = fan_offsets([(event.id, point) for event, point in drawn])
    # Selected last, so it is drawn on top of its neighbours.
    for event, point in sorted(drawn, key=lambda pair: pair[0].id == selected_id):
        marker = _add_event(m, event, point, event.id == selected_id, offsets[event.id])
        if event.id == selected_id:
            selected_marker = marker
    if view is None and selected is None and fit_to_events and drawn:
        lats = [lat for _, (lat, _) in drawn]
        lons = [lon for _, (_, lon) in drawn]
        m.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]], padding=(30, 30))
    Legend(count_by_type(e for e, _ in drawn), len(drawn)).add_to(m)
    _ViewToURL().add_to(m)
    if selected_marker is not None:
        _OpenPopup(selected_marker.get_name()).add_to(m)
    return m
