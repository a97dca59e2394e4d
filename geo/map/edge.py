"""The map's edge: how many of the events the layer stands for are outside the view, and one
click to show them all.

The map opens on the theatre (geo.map.theatre), which may leave far-off events out of view; a
reader must see that they exist. Each layer tells the map how many located events it stands
for and the box around them; the count of those outside the view follows every pan and zoom.
"""

from __future__ import annotations

from branca.element import MacroElement
from jinja2 import Template

# A "show all" view is never closer than this: one place alone would fill the map.
SHOW_ALL_MAX_ZOOM = 10


class EdgeCount(MacroElement):
    """A pill at the top of the map: "5 events outside this view · Show all".

    `window.eaEdge.update({drawn, total, extent})` is called by every layer draw: `drawn`
    lists what is on the map (position and how many events each item stands for), `total` how
    many located events the layer stands for, in view or not.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(map) {
            var box = L.DomUtil.create("div", "ea-edge", map.getContainer());
            box.style.display = "none";
            L.DomEvent.disableClickPropagation(box);
            L.DomEvent.disableScrollPropagation(box);
            var text = L.DomUtil.create("span", "ea-edge-text", box);
            var button = L.DomUtil.create("button", "ea-edge-all", box);
            button.type = "button";
            button.textContent = "Show all";
            var shown = null;
            function outside() {
                if (!shown) { return 0; }
                var bounds = map.getBounds(), inView = 0;
                shown.drawn.forEach(function(d) { if (bounds.contains(d.at)) { inView += d.n; } });
                return Math.max(0, shown.total - inView);
            }
            function refresh() {
                var n = outside();
                box.style.display = n > 0 ? "" : "none";
                // A phone's map has room for the short form.
                var narrow = L.DomUtil.hasClass(map.getContainer(), "ea-touch");
                text.textContent = n.toLocaleString("en") + (narrow ? " outside the view"
                    : (n === 1 ? " event" : " events") + " outside this view");
            }
            button.addEventListener("click", function() {
                if (shown && shown.extent) {
                    map.fitBounds(shown.extent, {padding: [30, 30],
                                                 maxZoom: {{ this.max_zoom }}});
                }
            });
            // Where the pill is, in the map's container pixels, or would be while hidden: a
            // popup opened now keeps clear of it even when a pan then brings the pill back.
            function room() {
                var hidden = box.style.display === "none";
                if (hidden) { box.style.visibility = "hidden"; box.style.display = ""; }
                var r = box.getBoundingClientRect(), c = map.getContainer().getBoundingClientRect();
                if (hidden) { box.style.display = "none"; box.style.visibility = ""; }
                return {left: r.left - c.left, top: r.top - c.top,
                        right: r.right - c.left, bottom: r.bottom - c.top};
            }
            map.on("moveend resize", refresh);
            window.eaEdge = {
                update: function(next) { shown = next; refresh(); },
                outside: outside,
                room: room
            };
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "EdgeCount"
        self.max_zoom = SHOW_ALL_MAX_ZOOM
