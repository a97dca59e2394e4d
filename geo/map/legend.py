"""The in-map legend: each event type's symbol and colour, with how many events it stands for."""

from __future__ import annotations

import json
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


# Pixels kept free between the open legend and the nearest marker.
MARKER_GAP_PX = 4
# The session storage key the reader's own fold or unfold is kept under, per page.
CHOICE_KEY = "eaLegendChoice:"


class Legend(MacroElement):
    """A Leaflet control in a corner of the map, mounted with the base map; each event layer
    fills it (`window.eaLegend.update`) with legend_html's escaped content, then asks it to
    find its place (`window.eaLegend.place`) among what the layer drew.

    Where it goes: the corner (bottom left, bottom right, top right) where it covers the
    fewest markers, staying put on a tie. It opens only where it fits (at most half the map's
    height and 45% of its width) and covers no marker; otherwise it is folded, one line that
    opens on a click. This is decided again after every layer drawn (filters, dates, imports),
    every pan and zoom, and whenever the map's frame or fonts change its size. The legend is
    measured where it really stands in each corner (above the scale bar, below the "outside
    this view" pill): a new map frame is 0 px tall until the page sizes it, and a legend
    measured then (its height capped at 70vh) looks small enough to open anywhere.

    Once the reader folds or opens it (a click on its title), that choice stands, through
    reruns and imports too: it is kept in the tab's session storage for the page, since an
    import builds a new map frame. It folds while a popup is open, so it never covers one.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var legend = L.control({position: "bottomleft"});
            var map = {{ this._parent.get_name() }};
            var container = map.getContainer();
            var div, details, drawnLast = [], pending = null;
            var GAP = {{ this.gap }}, CORNERS = ["bottomleft", "bottomright", "topright"];
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

            // The reader's choice, for this page of the site: inside the page's map frame,
            // the page is the one named by the frame's `streamlitUrl`.
            var choiceKey = (function() {
                var page = window.location.pathname;
                try {
                    var outer = new URLSearchParams(window.location.search).get("streamlitUrl");
                    if (outer) { page = new URL(outer).pathname; }
                } catch (e) { /* the frame's own path names the page well enough */ }
                return {{ this.choice_key }} + page;
            })();
            var storedChoice = function() {
                var kept = null;
                try { kept = window.sessionStorage.getItem(choiceKey); } catch (e) { return null; }
                return kept === "open" ? true : kept === "folded" ? false : null;
            };
            var chosen = storedChoice();
            // Only a click on the title is the reader's: the map's own folds never click.
            details.addEventListener("click", function(e) {
                if (!e.target.closest || !e.target.closest("summary") || popupOpen()) { return; }
                chosen = !details.open;  // the click opens or folds it right after this
                try {
                    window.sessionStorage.setItem(choiceKey, chosen ? "open" : "folded");
                } catch (err) { /* no storage (a file opened from disk): this frame remembers */ }
            });

            var boxOf = function(element) {
                var r = element.getBoundingClientRect(), c = container.getBoundingClientRect();
                return {left: r.left - c.left, top: r.top - c.top,
                        right: r.right - c.left, bottom: r.bottom - c.top};
            };
            // At the top right, the legend goes below the "outside this view" pill where the
            // two would meet (on a narrow map they do).
            var belowPill = function(box) {
                var pill = container.querySelector(".ea-edge");
                if (!pill || pill.style.display === "none" || !pill.offsetWidth) { return 0; }
                var p = boxOf(pill);
                if (p.right + 6 <= box.left || p.left - 6 >= box.right) { return 0; }
                return Math.max(0, p.bottom + 6 - box.top);
            };
            // The legend's box in a corner, folded or open, laid out there for real: next to
            // the scale bar, the attribution and the other controls as they stand.
            var boxIn = function(corner, open) {
                if (legend.getPosition() !== corner) { legend.setPosition(corner); }
                details.open = open;
                div.style.marginTop = "";
                // The scale bar steps up over what stands in the bottom right corner, and
                // the legend's bottom left place above it moves with it.
                if (window.eaScaleClear) { window.eaScaleClear(); }
                var box = boxOf(div);
                var shift = corner === "topright" ? belowPill(box) : 0;
                if (shift > 0) {
                    var margin = parseFloat(window.getComputedStyle(div).marginTop) || 0;
                    div.style.marginTop = (margin + shift) + "px";
                    box = boxOf(div);
                }
                return box;
            };
            // How many of the markers drawn last a box covers, a few pixels around it included.
            var covered = function(box) {
                var n = 0;
                drawnLast.forEach(function(d) {
                    var p = map.latLngToContainerPoint(d.at), half = (d.size || 26) / 2 + GAP;
                    var x = p.x + (d.dx || 0), y = p.y + (d.dy || 0);
                    if (x + half > box.left && x - half < box.right
                            && y + half > box.top && y - half < box.bottom) { n += 1; }
                });
                return n;
            };
            // The first of the corners (the current one first: it stays put on a tie) whose
            // box covers the fewest markers.
            var fewest = function(tries) {
                var best = tries[0];
                tries.forEach(function(t) { if (t.covers < best.covers) { best = t; } });
                return best;
            };
            var place = function() {
                if (!details.innerHTML || popupOpen()) { return; }
                // A frame not yet sized by its page (0 px tall) cannot be measured: its resize
                // brings the legend back here.
                if (!window.innerHeight || !container.offsetWidth) { return; }
                var size = map.getSize(), current = legend.getPosition();
                var corners = [current].concat(CORNERS.filter(function(c) {
                    return c !== current;
                }));
                var measure = function(open) {
                    return corners.map(function(corner) {
                        var box = boxIn(corner, open);
                        return {corner: corner, open: open, box: box, covers: covered(box),
                                fits: box.bottom - box.top <= size.y * 0.5
                                    && box.right - box.left <= size.x * 0.45};
                    });
                };
                // Moving the legend between corners takes the focus from its title.
                var focused = div.contains(document.activeElement) ? document.activeElement : null;
                var opened = measure(true), choice;
                if (chosen === true) {
                    choice = fewest(opened);
                } else {
                    var free = chosen === null ? opened.filter(function(t) {
                        return t.fits && t.covers === 0;
                    }) : [];
                    // Folded, it still takes the corner where its one line covers least.
                    choice = free.length ? free[0] : fewest(measure(false));
                }
                boxIn(choice.corner, choice.open);
                if (focused && document.activeElement !== focused) {
                    focused.focus({preventScroll: true});
                }
            };
            // Once the other handlers of the same event have moved their controls (the pill
            // shows or hides after a pan, the scale bar goes up or down).
            var soon = function() {
                if (pending !== null) { return; }
                pending = window.setTimeout(function() { pending = null; place(); }, 0);
            };
            map.on("popupopen", function() { details.open = false; });
            map.on("popupclose moveend resize", soon);
            // The page sizes a new map frame after drawing it; fonts and styles may arrive later.
            window.addEventListener("resize", soon);
            window.addEventListener("load", soon);
            if (document.fonts && document.fonts.ready) { document.fonts.ready.then(soon); }
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
        self.gap = MARKER_GAP_PX
        self.choice_key = json.dumps(CHOICE_KEY)
