"""The base map: basemaps, styles, the legend's frame and the code that draws event layers."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Literal

import folium
from branca.element import Element, Figure, MacroElement
from folium.map import FitBounds
from jinja2 import Template

from geo.escape import escape_text, script_json
from geo.map.assets import OFFLINE_ATTRIBUTION, StaticURLs
from geo.map.edge import EdgeCount
from geo.map.legend import Legend
from geo.model import Event
from geo.store import BBox
from geo.urlstate import MAX_ZOOM, MIN_ZOOM, P_LAT, P_LON, P_ZOOM, MapView

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = (
    '© <a href="https://www.openstreetmap.org/copyright" target="_blank" '
    'rel="noopener noreferrer">OpenStreetMap contributors</a>'
)
DEFAULT_VIEW = MapView(49.0, 31.5, 6)  # Ukraine
# The basemap choices, as the page names them (its sidebar radio; the map's zoom notice).
OFFLINE_LABEL = "Offline basemap"
ONLINE_LABEL = "OpenStreetMap (online)"
SELECTED_ZOOM = 8
FAN_RADIUS_PX = 17
POPUP_MAX_WIDTH = 380
# Maps narrower than this (a phone) get 40 px touch targets: markers, zoom buttons, legend.
TOUCH_BELOW_PX = 640
# An opening box is never shown closer than this: one place alone would fill the map.
OPENING_MAX_ZOOM = 10

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
.ea-cell-icon,.ea-divicon{background:none;border:none;display:flex;align-items:center;
  justify-content:center}
.ea-density-swatch{width:16px;height:16px;
  background:linear-gradient(90deg,hsl(55,90%,88%),hsl(0,90%,38%))}
.ea-edge{position:absolute;top:10px;left:50%;transform:translateX(-50%);z-index:1000;
  display:flex;align-items:center;gap:8px;white-space:nowrap;max-width:calc(100% - 120px);
  box-sizing:border-box;background:rgba(255,255,255,.95);border-radius:18px;
  padding:3px 4px 3px 12px;box-shadow:0 1px 5px rgba(0,0,0,.45);
  font:12px/1.3 "DejaVu Sans",sans-serif;color:#212529}
/* A phone: the pill beside the zoom buttons (10 + 44 + 10 px), never over them. */
.ea-touch .ea-edge{left:64px;transform:none;max-width:calc(100% - 74px)}
.ea-edge-text{overflow:hidden;text-overflow:ellipsis}
.ea-edge-all{font:bold 12px/1 "DejaVu Sans",sans-serif;border:1px solid #adb5bd;
  border-radius:14px;background:#fff;color:#212529;padding:6px 10px;cursor:pointer}
.ea-touch .ea-edge-all{min-height:40px;min-width:64px}
.ea-zoomcap.leaflet-bar{background:rgba(255,255,255,.95);padding:5px 8px;max-width:270px;
  font:12px/1.35 "DejaVu Sans",sans-serif;color:#212529}
.ea-zoomcap-online{display:block;margin-top:5px;font:bold 12px/1 "DejaVu Sans",sans-serif;
  border:1px solid #adb5bd;border-radius:14px;background:#fff;color:#212529;padding:6px 10px;
  cursor:pointer}
.ea-touch .ea-zoomcap-online{min-height:40px}
.ea-touch .leaflet-bar a,.ea-touch .leaflet-bar a:hover{width:40px;height:40px;
  line-height:40px;font-size:22px}
.ea-touch .ea-legend-title{padding:12px 2px;font-size:13px}
.ea-touch .ea-popup{max-height:40vh}
</style>
"""


# Where a map keeps its view: in the page's query string (the Streamlit page, which reads the
# link on the server) or in its own URL hash (a published static page: no server reads it).
ViewIn = Literal["query", "hash"]


class _ViewToURL(MacroElement):
    """Keeps the map's centre and zoom in the URL: the map owns those three parameters.

    It runs in the browser, so panning never reruns the Streamlit script, yet a copied link
    still reopens the same view.

    - "query": the Streamlit page's query string. The map iframe is same-origin with the page.
      Streamlit also writes the page URL, from the server's state, which has not seen the pans
      made here; a URL it wrote would put the map back where it opened. So every URL written
      into the page's history gets this map's current view as it is written.
    - "hash": the page's own hash (`#lat=..&lon=..&z=..`), which a link to a static page keeps.
      A view in the hash wins over the one the page was made with. `window.eaHash` reads and
      writes the hash for the page's other parameters, leaving the view's alone.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(map) {
            var withView = function(params) {
                var c = map.getCenter();
                params.set({{ this.keys[0] }}, c.lat.toFixed(4));
                params.set({{ this.keys[1] }}, c.lng.toFixed(4));
                params.set({{ this.keys[2] }}, String(map.getZoom()));
                return params;
            };
            {% if this.where == "hash" %}
            var hash = window.eaHash = {
                // Whether the link gave a view: else a linked event may choose where to look.
                linkedView: false,
                read: function() { return new URLSearchParams(window.location.hash.slice(1)); },
                // Commas stay commas (`type=a,b`), as in the page's own links.
                write: function(params) {
                    var text = params.toString().replace(/%2C/g, ",");
                    window.history.replaceState(window.history.state, "", "#" + text);
                }
            };
            // The hash is hostile input: numbers only, in range, else the page's own view.
            var viewOfHash = function() {
                var params = hash.read(), number = /^-?[0-9]{1,3}([.][0-9]{1,8})?$/;
                var lat = params.get({{ this.keys[0] }}), lon = params.get({{ this.keys[1] }});
                var zoom = params.get({{ this.keys[2] }});
                if (!number.test(lat || "") || !number.test(lon || "")
                        || !/^[0-9]{1,2}$/.test(zoom || "")) { return null; }
                if (Math.abs(Number(lat)) > 90 || Math.abs(Number(lon)) > 180) { return null; }
                var z = Math.min(Math.max(Number(zoom), {{ this.zooms[0] }}), {{ this.zooms[1] }});
                return {center: [Number(lat), Number(lon)], zoom: z};
            };
            var goToHash = function() {
                var asked = viewOfHash();
                if (asked) { map.setView(asked.center, asked.zoom, {animate: false}); }
            };
            var follow = function() {
                hash.linkedView = viewOfHash() !== null;
                goToHash();
            };
            var write = function() { hash.write(withView(hash.read())); };
            follow();
            write();
            map.on("moveend", write);
            // A link pasted into the address bar changes only the hash: no page load.
            window.addEventListener("hashchange", follow);
            {% else %}
            try {
                var page = window.parent;
                // The map mounted last (a new basemap mounts a new map) owns the view.
                page.eaMapView = function(address) {
                    var url = new URL(address, page.location.href);
                    withView(url.searchParams);
                    return url.pathname + url.search + url.hash;
                };
                if (!page.eaHistoryKeepsView) {
                    page.eaHistoryKeepsView = true;
                    ["pushState", "replaceState"].forEach(function(name) {
                        var original = page.history[name];
                        page.history[name] = function(state, title, address) {
                            if (address !== undefined && address !== null) {
                                try { address = page.eaMapView(String(address)); }
                                catch (e) { /* that map is gone: keep the address */ }
                            }
                            return original.call(page.history, state, title, address);
                        };
                    });
                }
                var keepView = function() {
                    page.history.replaceState(page.history.state, "", page.location.href);
                };
                map.on("moveend", keepView);
                keepView();  // where the map opened (the theatre) is in the link at once
            } catch (e) { /* a cross-origin host page: the URL simply stays as it is */ }
            {% endif %}
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, where: ViewIn) -> None:
        super().__init__()
        self.where = where
        self.keys = [json.dumps(P_LAT), json.dumps(P_LON), json.dumps(P_ZOOM)]
        self.zooms = [MIN_ZOOM, MAX_ZOOM]


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


def zoom_cap(urls: StaticURLs, tiles: str, at: tuple[float, float] | None = None) -> int:
    """The closest zoom the map may show, so that the basemap is never enlarged into a blur.

    Online, the map's own limit. Offline, the deepest zoom of the offline tiles; where a deeper
    basemap for a region is installed (`urls.extra`), its deepest zoom inside the region: at
    the point `at` (lat, lon), or anywhere in it when no point is given.
    """
    if tiles != "offline":
        return MAX_ZOOM
    extra = urls.extra
    if extra is not None and (at is None or extra.covers(*at)):
        return extra.max_zoom
    return min(urls.offline_max_zoom, MAX_ZOOM)


def within_zoom_cap(view: MapView, urls: StaticURLs, tiles: str) -> MapView:
    """The view, no closer than the basemap allows at its centre."""
    cap = zoom_cap(urls, tiles, (view.lat, view.lon))
    return view if view.zoom <= cap else replace(view, zoom=cap)


# Who may switch to the online basemap from the map's zoom notice: the Streamlit page (by its
# sidebar's basemap choice), or nobody (a static site, the desk's small maps: offline only).
OnlineSwitch = Literal["page", "none"]


class _ZoomCap(MacroElement):
    """Keeps an offline map at the zoom its tiles hold, and says so at that zoom.

    The map's maxZoom is the offline tiles' deepest zoom, or the deeper regional basemap's
    while the map's centre is in its region (leaving the region zooms back out to the offline
    tiles' deepest). At the deepest zoom a notice says why the map goes no closer, with one
    click to the online basemap where the page offers it: the click picks the page's own
    "Basemap" choice, or (that choice not found) reloads the page's link with `tiles=osm`.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(map) {
            var cap = {{ this.config }};
            var region = cap.extra ? L.latLngBounds(
                [cap.extra.south, cap.extra.west], [cap.extra.north, cap.extra.east]) : null;
            var box = null, text = null;
            function deepest() {
                return region && region.contains(map.getCenter()) ? cap.extra.maxZoom : cap.base;
            }
            {% if this.online %}
            function goOnline() {
                try {
                    var page = window.parent, doc = page.document;
                    var labels = doc.querySelectorAll('[data-testid="stRadio"] label');
                    for (var i = 0; i < labels.length; i++) {
                        if ((labels[i].innerText || labels[i].textContent).trim() === cap.online) {
                            labels[i].click();
                            return;
                        }
                    }
                    var url = new URL(page.location.href);
                    url.searchParams.set("tiles", "osm");
                    page.location.assign(url.href);
                } catch (e) { /* a cross-origin host page: the sidebar's choice remains */ }
            }
            {% endif %}
            var Notice = L.Control.extend({
                options: {position: "topleft"},
                onAdd: function() {
                    box = L.DomUtil.create("div", "ea-zoomcap leaflet-bar");
                    box.setAttribute("role", "status");
                    box.style.display = "none";
                    L.DomEvent.disableClickPropagation(box);
                    L.DomEvent.disableScrollPropagation(box);
                    text = L.DomUtil.create("div", "ea-zoomcap-text", box);
                    {% if this.online %}
                    if (cap.online) {
                        var button = L.DomUtil.create("button", "ea-zoomcap-online", box);
                        button.type = "button";
                        button.textContent = "Switch to " + cap.online;
                        L.DomEvent.on(button, "click", goOnline);
                    }
                    {% endif %}
                    return box;
                }
            });
            function update() {
                var max = deepest();
                if (map.getMaxZoom() !== max) {
                    map.setMaxZoom(max);  // past it, Leaflet zooms back to it: a new update
                    if (map.getZoom() > max) { return; }
                }
                // No line break inside "zoom 6" (a non-breaking space).
                var words = "Offline basemap: no closer than zoom\u00a0" + max;
                if (region && max === cap.base) {
                    words += " here (zoom\u00a0" + cap.extra.maxZoom + " in "
                        + cap.extra.name + ")";
                }
                text.textContent = words;
                box.style.display = map.getZoom() >= max && !popupOpen ? "" : "none";
            }
            // An open popup comes first: the notice steps aside while one is open, so that
            // it never covers the popup's type and title.
            var popupOpen = false;
            map.addControl(new Notice());
            map.on("zoomend moveend", update);
            map.on("popupopen", function() { popupOpen = true; update(); });
            map.on("popupclose", function() { popupOpen = false; update(); });
            update();
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, urls: StaticURLs, online: OnlineSwitch) -> None:
        super().__init__()
        extra = urls.extra
        region = None
        if extra is not None:
            south, west, north, east = extra.bounds
            region = {
                "south": south,
                "west": west,
                "north": north,
                "east": east,
                "maxZoom": extra.max_zoom,
                "name": extra.name,
            }
        self.online = online == "page"
        self.config = script_json(
            {
                "base": min(urls.offline_max_zoom, MAX_ZOOM),
                "extra": region,
                "online": ONLINE_LABEL if online == "page" else None,
            }
        )


# Pixels kept between a popup and any control, and between the scale bar and the attribution.
CONTROL_GAP_PX = 8


class _ScaleClear(MacroElement):
    """Keeps the scale bar (bottom left) off the controls of the bottom right corner.

    Where the attribution (a long credit, a narrow map) or a control stacked above it (the
    legend) reaches under the scale bar, the scale bar goes up to sit just above the highest
    of them. The scale grows and shrinks with every zoom, and the legend changes corner and
    size: it is measured again after every move, every layer drawn (`window.eaScaleClear()`)
    and every change of size of the scale or of the bottom right corner.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(map) {
            var container = map.getContainer(), gap = {{ this.gap }};
            function lift() {
                var scale = container.querySelector(".leaflet-control-scale");
                var corner = container.querySelector(".leaflet-bottom.leaflet-right");
                if (!scale || !corner) { return; }
                scale.style.marginBottom = "";
                var s = scale.getBoundingClientRect(), top = Infinity;
                corner.querySelectorAll(".leaflet-control").forEach(function(control) {
                    var c = control.getBoundingClientRect();
                    if (c.width > 0 && c.left < s.right + gap) { top = Math.min(top, c.top); }
                });
                if (top < s.bottom + gap) {
                    var below = container.getBoundingClientRect().bottom - top;
                    scale.style.marginBottom = Math.ceil(below + gap / 2) + "px";
                }
            }
            window.eaScaleClear = lift;
            // After the other handlers of the same move: the legend may change corner in one.
            var soon = function() { window.requestAnimationFrame(lift); };
            // Leaflet's stylesheet may arrive after this script: measure again once it has.
            window.addEventListener("load", soon);
            map.on("moveend zoomend resize popupopen popupclose", soon);
            // Whatever else resizes the bottom right corner or the scale: the legend coming,
            // going, folding or opening there, fonts arriving, a new scale length.
            if (window.ResizeObserver) {
                var watcher = new ResizeObserver(soon);
                container.querySelectorAll(".leaflet-bottom.leaflet-right, .leaflet-control-scale")
                    .forEach(function(element) { watcher.observe(element); });
            }
            lift();
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self.gap = CONTROL_GAP_PX


class _PopupClear(MacroElement):
    """Pans every popup that opens clear of the map's controls, wherever they are.

    The controls are measured as they stand when the popup opens (the legend folds and the
    zoom notice steps aside for a popup first): the zoom buttons, the legend, the zoom notice,
    the layer switch, the "outside this view" pill (where it is, or would be when a pan brings
    it back), the scale bar and the attribution. Those in the top half of the map make a band
    the popup stays below, those in the bottom half one it stays above; Leaflet's own auto-pan
    then moves the map by that padding (autoPanPaddingTopLeft / BottomRight). A popup opened
    without auto-pan (the selected one, reopened after a layer swap) is left where it is.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(map) {
            var container = map.getContainer(), gap = {{ this.gap }};
            function boxOf(element) {
                var r = element.getBoundingClientRect(), c = container.getBoundingClientRect();
                return {left: r.left - c.left, top: r.top - c.top,
                        right: r.right - c.left, bottom: r.bottom - c.top};
            }
            function controlBoxes() {
                var boxes = [];
                container.querySelectorAll(".leaflet-control").forEach(function(control) {
                    if (control.offsetWidth && control.offsetHeight) { boxes.push(boxOf(control)); }
                });
                if (window.eaEdge && window.eaEdge.room) { boxes.push(window.eaEdge.room()); }
                return boxes;
            }
            function padding() {
                if (window.eaScaleClear) { window.eaScaleClear(); }  // where it will stand
                var size = map.getSize(), top = 0, bottom = 0;
                controlBoxes().forEach(function(b) {
                    if (b.top + b.bottom < size.y) { top = Math.max(top, b.bottom); }
                    else { bottom = Math.max(bottom, size.y - b.top); }
                });
                return {topLeft: L.point(gap, Math.ceil(top) + gap),
                        bottomRight: L.point(gap, Math.ceil(bottom) + gap)};
            }
            // Whether the popup is under a control or (partly) outside the map.
            function covered(popup) {
                var element = popup.getElement();
                if (!element || !map.hasLayer(popup)) { return false; }
                if (window.eaScaleClear) { window.eaScaleClear(); }
                var p = boxOf(element), size = map.getSize();
                if (p.left < 0 || p.top < 0 || p.right > size.x || p.bottom > size.y) {
                    return true;
                }
                return controlBoxes().some(function(b) {
                    return p.left < b.right && b.left < p.right
                        && p.top < b.bottom && b.top < p.bottom;
                });
            }
            // A popup whose auto-pan is under way: where it ends, controls may have moved (the
            // legend finds its corner again after each move), so the popup is looked at again.
            var opened = null, settling = null, panned = false, rounds = 0;
            map.on("autopanstart", function() { panned = true; });
            function clear(popup) {
                var room = padding();
                popup.options.autoPanPaddingTopLeft = room.topLeft;
                popup.options.autoPanPaddingBottomRight = room.bottomRight;
                panned = false;
                settling = null;
                popup.update();  // lays the popup out again and auto-pans with this padding
                settling = panned ? popup : null;
            }
            // Added after the legend and the zoom notice: their own answers to the popup come
            // first. A popup already clear stays put: the view a link asked for is kept.
            map.on("popupopen", function(e) {
                opened = e.popup;
                rounds = e.popup.options.autoPan ? 2 : 0;  // a moving control starts no chase
                if (rounds && covered(e.popup)) { clear(e.popup); }
            });
            map.on("popupclose", function(e) { if (opened === e.popup) { opened = null; } });
            map.on("moveend", function() {
                var popup = settling;
                settling = null;
                if (popup && rounds > 0 && covered(popup)) { rounds -= 1; clear(popup); }
            });
            // After a layer is drawn (the legend may have changed corner): the open popup, if
            // it may pan and something now covers it, pans clear again.
            window.eaPopupClear = function() {
                if (opened && rounds > 0 && covered(opened)) {
                    rounds -= 1;
                    clear(opened);
                }
            };
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self.gap = CONTROL_GAP_PX


def _base_map(
    view: MapView,
    urls: StaticURLs,
    tiles: str,
    *,
    cap_at: tuple[float, float] | None = None,
    online: OnlineSwitch = "none",
) -> folium.Map:
    """The map with its basemap. Offline, it goes no closer than the tiles' deepest zoom at
    `cap_at` (the view's centre by default); _ZoomCap follows the reader from there."""
    cap = zoom_cap(urls, tiles, cap_at or (view.lat, view.lon))
    m = folium.Map(
        location=[view.lat, view.lon],
        zoom_start=min(view.zoom, cap),
        tiles=None,
        control_scale=True,
        min_zoom=2,
        world_copy_jump=True,
    )
    # The map's own limit (folium gives its max_zoom to a default tile layer only): Leaflet
    # clamps every view to it, whoever sets it (a link, a fit, a click on a cell).
    m.options["max_zoom"] = cap
    # Per-instance lists: folium's class-level defaults point at CDNs.
    m.default_js = urls.js
    m.default_css = urls.css
    offline = folium.TileLayer(
        urls.offline_tiles,
        attr=OFFLINE_ATTRIBUTION,
        name=OFFLINE_LABEL,
        max_native_zoom=urls.offline_max_zoom,
        # Enlarged past its deepest zoom only under the online basemap, where an online tile
        # that fails to load leaves it showing; offline, the map goes no closer.
        max_zoom=MAX_ZOOM if tiles == "osm" else urls.offline_max_zoom,
        overlay=tiles == "osm",
        control=False,
    )
    offline.add_to(m)
    extra = urls.extra
    if extra is not None:
        south, west, north, east = extra.bounds
        folium.TileLayer(
            urls.extra_tiles,
            attr=escape_text(extra.attribution),
            name=f"Offline basemap: {escape_text(extra.name)}",
            min_zoom=extra.min_zoom,
            max_zoom=extra.max_zoom,
            max_native_zoom=extra.max_zoom,
            bounds=[[south, west], [north, east]],
            overlay=True,
            control=False,
        ).add_to(m)
    if tiles == "osm":
        # On top of the offline layers: where an online tile fails, an offline one shows through.
        folium.TileLayer(
            OSM_TILES, attr=OSM_ATTRIBUTION, name="OpenStreetMap", max_zoom=19, control=False
        ).add_to(m)
    else:
        _ZoomCap(urls, online).add_to(m)
    root = m.get_root()
    assert isinstance(root, Figure)
    root.header.add_child(Element(MAP_CSS))
    _IconPath(urls.icon_image_path).add_to(m)
    _ScaleClear().add_to(m)
    return m


Point = tuple[float, float]


def placed(events: Sequence[Event]) -> list[tuple[Event, Point]]:
    """The events that have coordinates, with them; the others cannot be drawn yet."""
    return [(event, event.place.point) for event in events if event.place.point is not None]


# A numbered pin: the number of the draft's card, white on the desk's red, readable on tiles.
PIN_PX = 26
_NUMBERED_PIN = (
    '<div style="width:26px;height:26px;border-radius:50%;background:#b2182b;color:#fff;'
    "border:2px solid #fff;box-shadow:0 0 3px rgba(0,0,0,.6);box-sizing:border-box;"
    'font:700 13px/22px sans-serif;text-align:center">{number}</div>'
)


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


class _LayerCode(MacroElement):
    """Defines `eaDrawLayer`, which draws an event layer's payload (geo.map.layer) into a group.

    It is part of the base map, so it is sent and compiled once per reader; each layer swap
    then carries data only. Strings in the payload are escaped HTML (geo.escape); they are
    given to Leaflet as HTML, never evaluated.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.eaDrawLayer = function(map, group, data, keep) {
            keep = keep || function() { return true; };
            if (window.eaLegend) { window.eaLegend.update(data.legend); }
            // Small or touch screens: 40 px touch targets, popups no wider than the map.
            var touch = map.getSize().x < {{ this.touch_below_px }} || L.Browser.mobile;
            L.DomUtil[touch ? "addClass" : "removeClass"](map.getContainer(), "ea-touch");
            var target = touch ? 40 : 26, fan = touch ? 1.6 : 1;
            var popupWidth = Math.max(160, Math.min(data.popupWidth, map.getSize().x - 60));
            function zoomInto(e) {
                if (map.getZoom() < data.stackZoom) {
                    map.setView(e.latlng, Math.min(map.getZoom() + 2, data.maxZoom));
                }
            }
            // An element, not a string: streamlit-folium sends back the popup's innerText.
            function popupOf(html) {
                var content = document.createElement("div");
                content.innerHTML = html;
                return content;
            }
            function openWhenStyled(marker, tries) {
                // Leaflet's stylesheet may arrive after the script: a popup measured unstyled
                // is as wide as the map, and its auto-pan would move the view a link asked for.
                var pane = map.getPane("mapPane");
                var styled = pane && window.getComputedStyle(pane).position === "absolute";
                if (styled || tries <= 0) { if (marker._map) { marker.openPopup(); } }
                else { window.setTimeout(function() { openWhenStyled(marker, tries - 1); }, 50); }
            }
            var drawn = [];  // what is on the map, for the edge count and the legend
            (data.density || []).forEach(function(d) {
                // Light yellow to dark red; not interactive: clicks reach the map below.
                var hue = 55 - 55 * d.shade, light = 88 - 50 * d.shade;
                var square = L.rectangle(d.box, {
                    stroke: false, fill: true, fillOpacity: 0.25 + 0.5 * d.shade,
                    fillColor: "hsl(" + hue + ",90%," + light + "%)", interactive: false,
                    className: "ea-density"
                });
                group.addLayer(square);
                drawn.push({at: square.getBounds().getCenter(), n: d.n, size: 16});
            });
            data.cells.forEach(function(c) {
                var size = Math.max(c.size, touch ? 40 : 0);
                var cell = L.marker([c.lat, c.lon], {
                    icon: L.divIcon({html: c.html, className: "ea-cell-icon",
                                     iconSize: [size, size]}),
                    riseOnHover: true, keyboard: false
                });
                cell.bindTooltip(c.tip, {direction: "top"});
                cell.on("click", zoomInto);
                group.addLayer(cell);
                drawn.push({at: L.latLng(c.lat, c.lon), n: c.n, size: size});
            });
            var skipped = 0;
            data.events.forEach(function(e, index) {
                if (!keep(e)) { skipped += 1; return; }
                if (e.radius) {
                    // Not interactive: it must not catch clicks meant for markers under it.
                    group.addLayer(L.circle([e.lat, e.lon], {
                        radius: e.radius, color: e.colour, weight: 1.5, dashArray: "6 6",
                        fill: true, fillOpacity: 0.06, interactive: false
                    }));
                }
                data.shapes.forEach(function(s) {
                    if (s.event !== index) { return; }
                    var options = {color: e.colour, weight: 4, opacity: 0.85};
                    var shape = s.kind === "polygon"
                        ? L.polygon(s.path, Object.assign(options, {fill: true, fillOpacity: 0.15}))
                        : L.polyline(s.path, Object.assign(options, {dashArray: "10 6"}));
                    shape.bindTooltip(e.tip);
                    shape.bindPopup(popupOf(e.popup), {maxWidth: popupWidth});
                    group.addLayer(shape);
                });
                var dx = Math.round(e.dx * fan), dy = Math.round(e.dy * fan), half = target / 2;
                var marker = L.marker([e.lat, e.lon], {
                    icon: L.divIcon({html: e.icon, className: "ea-divicon",
                                     iconSize: [target, target],
                                     iconAnchor: [half - dx, half - dy],
                                     popupAnchor: [dx, dy - 12]}),
                    zIndexOffset: e.selected ? 1000 : 0
                });
                marker.bindTooltip(e.tip);
                // The selected popup reopens after every layer swap: it may pan the map to fit
                // only the first time it opens, or each of the reader's pans would be undone.
                var fit = !e.selected || window.eaPannedFor !== e.id;
                if (e.selected) { window.eaPannedFor = e.id; }
                marker.bindPopup(popupOf(e.popup), {maxWidth: popupWidth, autoPan: fit});
                group.addLayer(marker);
                drawn.push({at: L.latLng(e.lat, e.lon), n: 1, size: target, dx: dx, dy: dy});
                if (e.selected) { openWhenStyled(marker, 100); }
            });
            var shown = {drawn: drawn, total: Math.max(0, (data.total || 0) - skipped),
                         extent: data.extent};
            if (window.eaEdge) { window.eaEdge.update(shown); }
            if (window.eaLegend) { window.eaLegend.place(drawn); }
            if (window.eaScaleClear) { window.eaScaleClear(); }
            if (window.eaPopupClear) { window.eaPopupClear(); }
            // A click on a marker is reported by its count (streamlit-folium sends nothing
            // when the same popup is clicked twice, #316); a new layer starts a clean slate.
            if (window.__GLOBAL_DATA__) { window.__GLOBAL_DATA__.last_object_clicked_popup = null; }
        };
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self.touch_below_px = TOUCH_BELOW_PX


MapStart = MapView | BBox


def build_base_map(
    start: MapStart, urls: StaticURLs, tiles: str, *, view_in: ViewIn = "query"
) -> folium.Map:
    """Basemap, styles, legend frame, URL sync and the layer's drawing code: no events.

    Nothing in it depends on the filters, the selection or the viewport, so a page mounts it
    once and swaps only the event layer. `start` is a view (centre and zoom) or a box to fit;
    `view_in` says where the view is kept: the Streamlit page's query string or the hash.
    """
    view = start if isinstance(start, MapView) else DEFAULT_VIEW
    centre = _centre(start)
    # On the Streamlit page, the zoom notice offers the online basemap (the sidebar's choice).
    online: OnlineSwitch = "page" if view_in == "query" else "none"
    m = _base_map(view, urls, tiles, cap_at=centre, online=online)
    if isinstance(start, BBox):
        fit = FitBounds(
            [[start.south, start.west], [start.north, start.east]],
            padding=(30, 30),
            max_zoom=min(OPENING_MAX_ZOOM, zoom_cap(urls, tiles, centre)),
        )
        # At once: a zoom animated from the default view loads tiles nobody sees, and Leaflet
        # drops any view set while it runs (a static page's link, read right after).
        fit.options["animate"] = False
        m.add_child(fit)
    Legend().add_to(m)
    EdgeCount().add_to(m)
    # After the legend and the pill: it measures them as they stand for an open popup.
    _PopupClear().add_to(m)
    _ViewToURL(view_in).add_to(m)
    _LayerCode().add_to(m)
    return m


def _centre(start: MapStart) -> tuple[float, float]:
    if isinstance(start, MapView):
        return start.lat, start.lon
    return (start.south + start.north) / 2, (start.west + start.east) / 2


def point_map(lat: float, lon: float, urls: StaticURLs, zoom: int = 9) -> folium.Map:
    """A small offline map with one marker: the desk's place, to confirm or move by a click."""
    return points_map([(lat, lon, "")], urls, zoom)


def points_map(
    points: Sequence[tuple[float, float, str]],
    urls: StaticURLs,
    zoom: int = 9,
    numbers: Sequence[int] | None = None,
) -> folium.Map:
    """A small offline map of a few points, each with a tooltip (escaped here: folium does
    not), fitted to them: the desk's place, or the drafts of an article.

    With `numbers` (one per point), each point is a pin showing its number, the number of its
    card beside the map; pins sharing a place fan out so that every number stays readable.
    """
    if not points:
        raise ValueError("points_map needs at least one point")
    if numbers is not None and len(numbers) != len(points):
        raise ValueError("points_map needs one number per point")
    lat, lon, _ = points[0]
    m = _base_map(MapView(lat=lat, lon=lon, zoom=zoom), urls, "offline")
    offsets = fan_offsets([(str(k), (p[0], p[1])) for k, p in enumerate(points)])
    for k, (lat, lon, label) in enumerate(points):
        tooltip = escape_text(label) if label else None
        if numbers is None:
            folium.CircleMarker(
                location=[lat, lon],
                radius=8,
                color="#b2182b",
                fill=True,
                fill_opacity=0.8,
                tooltip=tooltip,
            ).add_to(m)
            continue
        dx, dy = offsets[str(k)]
        folium.Marker(
            location=[lat, lon],
            icon=folium.DivIcon(
                html=_NUMBERED_PIN.format(number=int(numbers[k])),
                icon_size=(PIN_PX, PIN_PX),
                icon_anchor=(PIN_PX // 2 - dx, PIN_PX // 2 - dy),
                class_name="ea-numbered-pin",
            ),
            tooltip=tooltip,
        ).add_to(m)
    if len(points) > 1:
        lats = [p[0] for p in points]
        lons = [p[1] for p in points]
        m.fit_bounds(
            [[min(lats), min(lons)], [max(lats), max(lons)]],
            padding=(20, 20),
            max_zoom=min(
                zoom, zoom_cap(urls, "offline", (sum(lats) / len(lats), sum(lons) / len(lons)))
            ),
        )
    return m
