"""The in-map legend: each event type's symbol and colour, with how many events it stands for."""

from __future__ import annotations

from collections.abc import Mapping

from branca.element import MacroElement
from jinja2 import Template

from geo.escape import escape_text
from geo.vocabulary import EventType, style_of

LEGEND_OPEN_MIN_WIDTH_PX = 640


def marker_html(event_type: EventType, extra_class: str = "", data_id: str = "") -> str:
    """The marker glyph: a shape in the type's colour with its symbol, shared by map and legend."""
    style = style_of(event_type)
    data = f' data-event-id="{escape_text(data_id)}"' if data_id else ""
    return (
        f'<div class="ea-marker ea-shape-{style.shape} ea-type-{event_type.value} {extra_class}"'
        f' style="--ea-colour:{style.colour}"{data}>'
        f"<span>{escape_text(style.symbol)}</span></div>"
    )


def legend_html(counts: Mapping[EventType, int], total: int, what: str = "shown") -> str:
    """The legend's content: a title that folds it, a row per type with its count, a key.

    Each type's row names its type (`data-type`): a published page makes the rows its filter.
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
        "<span>Dashed circle: approximate location</span></div>"
    )


class Legend(MacroElement):
    """A Leaflet control in the map's corner, mounted with the base map; each event layer
    fills it (`window.eaLegend.update`) with legend_html's escaped content."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var legend = L.control({position: "bottomleft"});
            var map = {{ this._parent.get_name() }};
            var details;
            legend.onAdd = function() {
                var div = L.DomUtil.create("div", "ea-legend leaflet-bar");
                // <details> lets a reader fold the legend away when it hides markers.
                details = L.DomUtil.create("details", "", div);
                L.DomEvent.disableClickPropagation(div);
                return div;
            };
            legend.addTo(map);
            // Open on wide maps; folded while a popup is open, so it never covers one.
            var wanted = map.getSize().x >= {{ this.open_min_width }};
            details.open = wanted;
            details.addEventListener("toggle", function() {
                if (!map._popup || !map.hasLayer(map._popup)) { wanted = details.open; }
            });
            map.on("popupopen", function() { details.open = false; });
            map.on("popupclose", function() { details.open = wanted; });
            window.eaLegend = {
                update: function(html) { details.innerHTML = html; }
            };
        })();
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "Legend"
        self.open_min_width = LEGEND_OPEN_MIN_WIDTH_PX
