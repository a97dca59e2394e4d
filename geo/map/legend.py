"""The in-map legend: each event type's symbol and colour, with how many events it stands for."""

from __future__ import annotations

from collections.abc import Mapping

from branca.element import MacroElement
from jinja2 import Template

from geo.escape import escape_text
from geo.vocabulary import EventType, style_of


def marker_html(event_type: EventType, extra_class: str = "", data_id: str = "") -> str:
    """The marker glyph: a shape in the type's colour with its symbol, shared by map and legend."""
    style = style_of(event_type)
    data = f' data-event-id="{escape_text(data_id)}"' if data_id else ""
    return (
        f'<div class="ea-marker ea-shape-{style.shape} ea-type-{event_type.value} {extra_class}"'
        f' style="--ea-colour:{style.colour}"{data}>'
        f"<span>{escape_text(style.symbol)}</span></div>"
    )


def legend_html(
    counts: Mapping[EventType, int], total: int, what: str = "shown", *, density: bool = False
) -> str:
    """The legend's content: a title that folds it, a row per type with its count, a key.

    Each type's row names its type (`data-type`): a published page makes the rows its filter.
    The density view adds its shading scale.
    """
    rows = "".join(
        f'<div class="ea-legend-row" data-type="{t.value}">{marker_html(t, "ea-legend-swatch")}'
        f"<span>{escape_text(style_of(t).label)}</span><b>{n:,}</b></div>"
        for t, n in counts.items()
    )
    return (
        '<summary class="ea-legend-title">'
        f"{total:,} event{'s' if total != 1 else ''} {escape_text(what)}</summary>"
        f"{rows}"
        '<div class="ea-legend-row ea-legend-note"><span class="ea-uncertainty-swatch"></span>'
        "<span>Dashed circle: approximate location</span></div>" + (DENSITY_KEY if density else "")
    )


DENSITY_KEY = (
    '<div class="ea-legend-row ea-legend-note"><span class="ea-density-swatch"></span>'
    "<span>Density: darker squares hold more events</span></div>"
)


class Legend(MacroElement):
    """A Leaflet control in a corner of the map, mounted with the base map; each event layer
    fills it (`window.eaLegend.update`) with legend_html's escaped content, then asks it to
    find its place (`window.eaLegend.place`) among what the layer drew.

    Where it goes: the corner (bottom left, bottom right, top right) where it covers the
    fewest markers, staying put on a tie. It opens only where it fits (at most half the map's
    height and 45% of its width) and covers no marker; otherwise it starts folded, one line
    that opens on a click. Once the reader folds or opens it, that choice stands. It folds
    while a popup is open, so it never covers one.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var legend = L.control({position: "bottomleft"});
            var map = {{ this._parent.get_name() }};
            var div, details, lastSet = null, chosen = null, drawnLast = [];
            legend.onAdd = function() {
                // Once: moving the legend to another corner adds the same element again.
                if (!div) {
                    div = L.DomUtil.create("div", "ea-legend leaflet-bar");
                    // <details> lets a reader fold the legend away when it hides markers.
                    details = L.DomUtil.create("details", "", div);
                    L.DomEvent.disableClickPropagation(div);
                    L.DomEvent.disableScrollPropagation(div);
                }
                return div;
            };
            legend.addTo(map);
            var popupOpen = function() { return !!(map._popup && map.hasLayer(map._popup)); };
            var setOpen = function(open) { lastSet = open; details.open = open; };
            details.addEventListener("toggle", function() {
                if (details.open === lastSet) { return; }  // our own change
                lastSet = details.open;
                if (!popupOpen()) { chosen = details.open; }  // the reader's choice stands
            });
            // The room the legend takes in a corner (Leaflet's margins, the scale bar at the
            // bottom left, the attribution at the bottom right), in container pixels.
            var room = function(corner, w, h, size) {
                var left = corner === "bottomleft" ? 10 : size.x - 10 - w;
                var top = corner === "topright" ? 10 + belowEdge(left)
                    : size.y - h - (corner === "bottomleft" ? 40 : 28);
                return {left: left, top: top, right: left + w, bottom: top + h};
            };
            // At the top right, the legend goes below the "outside this view" pill where the
            // two would meet (on a narrow map they do).
            var belowEdge = function(left) {
                var pill = map.getContainer().querySelector(".ea-edge");
                if (!pill || pill.style.display === "none") { return 0; }
                if (pill.offsetLeft + pill.offsetWidth / 2 < left) { return 0; }  // centred
                return pill.offsetHeight + 6;
            };
            var covered = function(r) {
                var n = 0;
                drawnLast.forEach(function(d) {
                    var p = map.latLngToContainerPoint(d.at), half = (d.size || 26) / 2;
                    var x = p.x + (d.dx || 0), y = p.y + (d.dy || 0);
                    if (x + half > r.left && x - half < r.right
                            && y + half > r.top && y - half < r.bottom) { n += 1; }
                });
                return n;
            };
            var place = function() {
                if (!details.innerHTML) { return; }
                var wasOpen = details.open;
                details.open = true;  // measured open; no paint happens in between
                var w = div.offsetWidth, h = div.offsetHeight;
                details.open = wasOpen;
                lastSet = wasOpen;
                var size = map.getSize();
                var current = legend.getPosition(), best = current, least = Infinity;
                [current, "bottomleft", "bottomright", "topright"].forEach(function(corner) {
                    var n = covered(room(corner, w, h, size));
                    if (n < least) { least = n; best = corner; }
                });
                if (best !== current) { legend.setPosition(best); }
                div.style.marginTop = best === "topright"
                    ? (10 + belowEdge(size.x - 10 - w)) + "px" : "";
                var fits = h <= size.y * 0.5 && w <= size.x * 0.45;
                var open = chosen !== null ? chosen : (fits && least === 0);
                if (!popupOpen() && details.open !== open) { setOpen(open); }
            };
            map.on("popupopen", function() { setOpen(false); });
            map.on("popupclose", function() { place(); });
            map.on("moveend resize", place);
            window.eaLegend = {
                update: function(html) { details.innerHTML = html; },
                place: function(drawn) { drawnLast = drawn || []; place(); }
            };
        })();
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "Legend"
