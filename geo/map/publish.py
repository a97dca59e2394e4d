"""One view of the events as a static site that works offline: `python -m geo publish`.

The site is the app's own map (geo.map.layer.build_map: the base map with the event layer
drawn by `eaDrawLayer`), with everything it loads beside it: Leaflet and jQuery from their
installed packages, and the offline basemap's tiles around the view. Any plain file server,
or the folder opened from disk, shows it; it makes no request to anything else.

In the page, the view lives in the URL hash (`#lat=..&lon=..&z=..&type=..&from=..&to=..&q=..
&event=..`), so a link to the page reopens it. The legend's rows filter the event types; a
panel beside the map (above it on a phone) holds a date range, a text search and the list
of the events shown. Each change draws the same payload again through `eaDrawLayer`, keeping
the events that pass every filter, and an open popup stays open while its event is kept.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import folium
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from geo.catalog import Catalog
from geo.errors import PublishError
from geo.escape import escape_text, script_json
from geo.map.assets import (
    OFFLINE_MAX_NATIVE_ZOOM,
    TILES_DIR,
    StaticURLs,
    TileKey,
    library_files,
    read_tiles,
)
from geo.map.base import SELECTED_ZOOM, MapStart, Point, placed
from geo.map.cells import MIN_ZOOM, tiles_covering, view_fitting, viewport_of_view
from geo.map.layer import build_map, opening_start
from geo.map.popup import EVENT_ID_LABEL
from geo.model import Event
from geo.store import BBox
from geo.text import fold
from geo.urlstate import (
    MAX_TEXT,
    P_EVENT,
    P_FROM,
    P_TEXT,
    P_TO,
    P_TYPE,
    MapView,
    ViewState,
    to_query,
)
from geo.vocabulary import style_of

# Every event is drawn in full (marker, popup, shapes): 5,000 synthetic events made a 17 MB
# page whose markers all showed 2.7 s after opening here. Past this, readers would wait.
PUBLISH_LIMIT = 5_000
ASSETS_DIR = "assets"
INDEX = "index.html"
# Marks a folder as a site written here: `publish` replaces such a folder without --force.
MANIFEST = "publish.json"
SITE_MARKER = "event_atlas_site"
# The basemap around the view is copied as a large screen shows it.
SCREEN_PX = (1920, 1200)
# Up to this zoom the whole world is copied (80 tiles): zooming out never shows a blank map.
WORLD_ZOOM = 3
DEFAULT_TITLE = "Event Atlas"

# Narrower than this (a phone), the panel goes above the map and opens folded.
NARROW_MEDIA = "(max-width: 699px)"
# The panel lists this many events at most: a list of thousands helps nobody.
LIST_LIMIT = 500

SITE_HEAD = """
<link rel="icon" href="data:,">
<style>
html,body{margin:0;padding:0;height:100%}
/* The map and the site's panel side by side (a phone: the panel above the map), so that
   neither covers the other. The map div's own size is folium's, set on its id. */
body{display:flex}
body>.folium-map{flex:1 1 auto;min-width:0;width:auto!important;height:100%!important}
.ea-site-panel{order:2;flex:0 0 340px;height:100%;box-sizing:border-box;overflow:auto;
  border-left:1px solid #ced4da;background:#fff;color:#212529;
  font:13px/1.4 "DejaVu Sans",sans-serif}
.ea-site-title{padding:10px 12px 4px}
.ea-site-title h1{font:bold 15px/1.3 "DejaVu Sans",sans-serif;margin:0;color:#212529}
.ea-site-find>summary{cursor:pointer;padding:6px 12px;font-weight:bold}
.ea-site-count{font-weight:normal;color:#495057}
.ea-site-filters{display:grid;grid-template-columns:1fr 1fr;gap:6px 8px;padding:4px 12px 8px}
.ea-site-filters label{display:flex;flex-direction:column;gap:2px;font-size:12px;color:#495057}
.ea-site-filters input{font:13px "DejaVu Sans",sans-serif;padding:4px 6px;min-width:0;
  border:1px solid #adb5bd;border-radius:4px;color:#212529}
.ea-site-search{grid-column:1/-1}
.ea-site-clear{grid-column:1/-1;justify-self:start;border:0;background:none;padding:0;
  font:12px "DejaVu Sans",sans-serif;color:#0b5ed7;text-decoration:underline;cursor:pointer}
.ea-site-empty,.ea-site-more{margin:6px 12px;color:#495057}
.ea-site-list{list-style:none;margin:0;padding:0;border-top:1px solid #dee2e6}
.ea-site-item{display:block;width:100%;box-sizing:border-box;text-align:left;border:0;
  border-bottom:1px solid #e9ecef;background:none;padding:6px 12px;cursor:pointer;
  font:13px/1.35 "DejaVu Sans",sans-serif;color:#212529}
.ea-site-item:hover,.ea-site-item:focus-visible{background:#f1f3f5}
.ea-site-item[aria-current="true"]{background:#fff3bf}
.ea-site-meta{display:flex;flex-wrap:wrap;align-items:center;gap:2px 6px;font-size:11px;
  color:#495057}
.ea-site-when,.ea-site-type{white-space:nowrap}
.ea-site-dot{flex:none;width:10px;height:10px;border-radius:50%;background:var(--ea-colour)}
.ea-site-item-title{display:block;font-weight:bold;margin-top:1px}
.ea-legend-row[data-type]{cursor:pointer}
.ea-legend-row input{margin:0;cursor:pointer}
.ea-legend-row.ea-off{opacity:.45}
.ea-legend-pick{margin:3px 0 4px;font-size:11px;color:#495057}
.ea-legend-pick button{border:0;background:none;padding:0;font:inherit;color:#0b5ed7;
  text-decoration:underline;cursor:pointer}
@media NARROW_MEDIA{
  body{flex-direction:column}
  body>.folium-map{flex:1 1 auto;min-height:0;width:100%!important;height:auto!important}
  .ea-site-panel{order:0;flex:0 0 auto;height:auto;max-height:55%;border-left:0;
    border-bottom:1px solid #ced4da}
  .ea-site-title{padding:6px 10px 0}
  .ea-site-find>summary{padding:10px;min-height:20px}
  .ea-site-filters input{min-height:40px;box-sizing:border-box}
  .ea-site-clear{min-height:40px}
  .ea-site-item{min-height:44px}
}
</style>
""".replace("NARROW_MEDIA", NARROW_MEDIA)


class _PublishedPage(MacroElement):
    """The static page's own state, kept in the URL hash: types, dates, text and selection.

    The view is the base map's (its "hash" option); the hash's `type`, `from`, `to`, `q` and
    `event` are read here. A parameter the hash does not hold means what the page was
    published with; `type=` and `event=` (empty) mean no type and no event. The hash is
    hostile input: only published types and ids, ISO dates and 200 characters of text are
    taken from it, and none of it reaches the page's HTML (the panel writes text only).

    Every filter draws the same payload again through `eaDrawLayer`, keeping the events that
    pass them all; the selected event stays selected (its popup open) while it is kept.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(map) {
            var data = window.eaLayerData, group = window.eaLayerGroup, hash = window.eaHash;
            var KEY = {{ this.keys }}, MAX_TEXT = {{ this.max_text }};
            var ID_LABEL = {{ this.id_label }}, published = {{ this.selected }};
            var SELECTED_ZOOM = {{ this.selected_zoom }}, LIST_LIMIT = {{ this.list_limit }};
            // What the panel lists and searches, in the list's order; `text` is folded.
            var FACTS = {{ this.facts }}, FIRST = {{ this.first }}, LAST = {{ this.last }};
            var narrow = window.matchMedia({{ this.narrow }});
            var byId = Object.create(null), factOf = Object.create(null), present = [];
            data.events.forEach(function(e) {
                byId[e.id] = e;
                if (present.indexOf(e.type) < 0) { present.push(e.type); }
            });
            FACTS.forEach(function(f) { factOf[f.id] = f; });
            // shown: null for every type, else the set of types ticked; from/to: null for
            // the data's first/last day; q: the search as typed.
            var state, drawing = false;
            function publishedState() {
                return {shown: null, selected: published, from: null, to: null, q: ""};
            }
            state = publishedState();
            var legend = map.getContainer().querySelector(".ea-legend details");
            var panel = document.querySelector(".ea-site-panel");
            var find = panel.querySelector(".ea-site-find");
            var fromBox = panel.querySelector('input[name="from"]');
            var toBox = panel.querySelector('input[name="to"]');
            var textBox = panel.querySelector('input[name="q"]');
            var list = panel.querySelector(".ea-site-list");
            [fromBox, toBox].forEach(function(box) {
                box.min = FIRST || "";
                box.max = LAST || "";
            });

            // -- the filters --------------------------------------------------------------
            // As geo.text.fold: no case, accents, apostrophes or hyphens; single spaces.
            function searchWords(text) {
                return text.toLowerCase().normalize("NFKD").replace(/\\p{M}/gu, "")
                    .replace(/['\u2019\u02bc`\u00b4\u02b9]/g, "")
                    .replace(/[-\u2010\u2011\u2013\u2014_.,]/g, " ")
                    .split(/\\s+/).filter(Boolean);
            }
            function shows(type) { return state.shown === null || state.shown[type] === true; }
            function inDates(f) {
                return (state.from === null || f.last >= state.from)
                    && (state.to === null || f.first <= state.to);
            }
            // Every word of the search, anywhere in the event's text (folded once per search).
            var searched = {q: "", words: []};
            function hasWords(f) {
                if (searched.q !== state.q) {
                    searched = {q: state.q, words: searchWords(state.q)};
                }
                return searched.words.every(function(w) { return f.text.indexOf(w) >= 0; });
            }
            function keeps(e) {
                var f = factOf[e.id];
                if (!shows(e.type)) { return false; }
                return !f || (inDates(f) && hasWords(f));
            }
            // An ISO day inside the data's days; the first or last day itself is no bound.
            function dayOf(value, bound) {
                if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(value || "") || FIRST === null) {
                    return null;
                }
                if (value <= FIRST) { return bound === "from" ? null : FIRST; }
                if (value >= LAST) { return bound === "to" ? null : LAST; }
                return value;
            }

            // -- the hash -----------------------------------------------------------------
            function readHash() {
                var params = hash.read();
                state = publishedState();
                if (params.has(KEY.type)) {
                    state.shown = Object.create(null);
                    params.get(KEY.type).split(",").forEach(function(t) {
                        if (present.indexOf(t) >= 0) { state.shown[t] = true; }
                    });
                }
                state.from = dayOf(params.get(KEY.from), "from");
                state.to = dayOf(params.get(KEY.to), "to");
                state.q = (params.get(KEY.text) || "").slice(0, MAX_TEXT);
                if (params.has(KEY.event)) {
                    var id = params.get(KEY.event);
                    state.selected = byId[id] !== undefined ? id : null;
                }
            }
            function setOrDrop(params, key, value) {
                if (value) { params.set(key, value); } else { params.delete(key); }
            }
            function writeHash() {
                var params = hash.read(), types = present.filter(shows);
                if (types.length === present.length) { params.delete(KEY.type); }
                else { params.set(KEY.type, types.join(",")); }
                setOrDrop(params, KEY.from, state.from);
                setOrDrop(params, KEY.to, state.to);
                setOrDrop(params, KEY.text, state.q);
                if (state.selected === published) { params.delete(KEY.event); }
                else { params.set(KEY.event, state.selected || ""); }
                hash.write(params);
            }

            // -- the map ------------------------------------------------------------------
            function eventOf(popup) {
                var content = popup.getContent(), lines = [];
                if (content && content.querySelectorAll) {
                    lines = content.querySelectorAll(".ea-id");
                }
                if (!lines.length) { return null; }
                var id = lines[lines.length - 1].textContent.replace(ID_LABEL, "").trim();
                return byId[id] !== undefined ? id : null;
            }
            function eachMarker(visit) {
                group.eachLayer(function(layer) {
                    var element = layer.getElement && layer.getElement();
                    var glyph = element && element.querySelector
                        && element.querySelector(".ea-marker");
                    if (glyph) { visit(layer, glyph, glyph.getAttribute("data-event-id")); }
                });
            }
            function highlight() {
                eachMarker(function(layer, glyph, id) {
                    glyph.classList.toggle("ea-selected", id === state.selected);
                });
                list.querySelectorAll(".ea-site-item").forEach(function(item) {
                    var current = item.dataset.eventId === state.selected;
                    item.setAttribute("aria-current", current ? "true" : "false");
                });
            }

            // -- the legend: its rows are the type filter ---------------------------------
            function counted(kept) {
                var all = data.events.length.toLocaleString("en");
                return kept === data.events.length ? all + " events shown"
                    : kept.toLocaleString("en") + " of " + all + " events shown";
            }
            // eaDrawLayer refills the legend: its rows become the filter again each time.
            function showFilter(kept) {
                if (!legend) { return; }
                legend.querySelectorAll(".ea-legend-row[data-type]").forEach(function(row) {
                    var box = document.createElement("input"), type = row.dataset.type;
                    box.type = "checkbox";
                    box.checked = shows(type);
                    box.title = "Show or hide this type";
                    row.insertBefore(box, row.firstChild);
                    row.classList.toggle("ea-off", !box.checked);
                });
                var summary = legend.querySelector("summary");
                if (!summary) { return; }
                if (kept !== data.events.length) { summary.textContent = counted(kept); }
                var pick = document.createElement("div");
                pick.className = "ea-legend-pick";
                pick.innerHTML = 'Types: <button type="button" data-pick="all">all</button> · '
                    + '<button type="button" data-pick="none">none</button>';
                summary.insertAdjacentElement("afterend", pick);
            }

            // -- the panel: dates, search and the list of what is shown -------------------
            function showPanel(shown) {
                fromBox.value = state.from || FIRST || "";
                toBox.value = state.to || LAST || "";
                if (textBox.value !== state.q) { textBox.value = state.q; }
                panel.querySelector(".ea-site-count").textContent = counted(shown.length);
                panel.querySelector(".ea-site-empty").hidden = shown.length > 0;
                var more = panel.querySelector(".ea-site-more");
                more.hidden = shown.length <= LIST_LIMIT;
                more.textContent = "The first " + LIST_LIMIT.toLocaleString("en") + " are listed:"
                    + " narrow the dates or the search to list the others.";
                list.replaceChildren.apply(list, shown.slice(0, LIST_LIMIT).map(itemOf));
            }
            // Text only (textContent): the facts are the reader's data.
            function itemOf(f) {
                var li = document.createElement("li"), item = document.createElement("button");
                item.type = "button";
                item.className = "ea-site-item";
                item.dataset.eventId = f.id;
                var meta = document.createElement("span"), dot = document.createElement("span");
                meta.className = "ea-site-meta";
                dot.className = "ea-site-dot";
                dot.style.setProperty("--ea-colour", byId[f.id].colour);
                meta.appendChild(dot);
                [f.when, f.type, f.place].forEach(function(text, k) {
                    var part = document.createElement("span");
                    part.className = ["ea-site-when", "ea-site-type", "ea-site-place"][k];
                    part.textContent = text;
                    meta.appendChild(part);
                });
                var title = document.createElement("span");
                title.className = "ea-site-item-title";
                title.textContent = f.title;
                item.append(meta, title);
                li.appendChild(item);
                return li;
            }

            function settle() {
                var shown = FACTS.filter(function(f) { return keeps(byId[f.id]); });
                showFilter(shown.length);
                showPanel(shown);
                highlight();
                writeHash();
            }
            // The published payload again, through the same drawing code: the selected
            // event is the state's (its popup opens again), and only the events kept.
            function draw() {
                if (state.selected && !keeps(byId[state.selected])) { state.selected = null; }
                var copy = Object.assign({}, data, {events: data.events.map(function(e) {
                    return Object.assign({}, e, {selected: e.id === state.selected});
                })});
                // The legend folds when a popup opens: one the reader opened stays open.
                var legendOpen = legend && legend.open;
                // The popup opened again shows as it was, without fading out and in: no
                // fade while drawing, and the styles applied before fading is back.
                var container = map.getContainer();
                var fades = L.DomUtil.hasClass(container, "leaflet-fade-anim");
                L.DomUtil.removeClass(container, "leaflet-fade-anim");
                drawing = true;
                try {
                    group.clearLayers();
                    window.eaDrawLayer(map, group, copy, keeps);
                } finally {
                    drawing = false;
                    if (fades) {
                        void container.offsetWidth;
                        L.DomUtil.addClass(container, "leaflet-fade-anim");
                    }
                }
                if (legendOpen && state.selected) { legend.open = true; }
                settle();
            }

            if (legend) {
                legend.addEventListener("click", function(e) {
                    var pick = e.target.closest("button[data-pick]");
                    var row = e.target.closest(".ea-legend-row[data-type]");
                    if (!pick && !row) { return; }
                    e.preventDefault();  // the state decides the box, drawn again below
                    // The redraw replaces the row clicked: Leaflet would no longer find it
                    // in its control and take the click for one on the map (closing popups).
                    e.stopPropagation();
                    if (pick) {
                        state.shown = pick.dataset.pick === "all" ? null : Object.create(null);
                    } else {
                        if (state.shown === null) {
                            state.shown = Object.create(null);
                            present.forEach(function(t) { state.shown[t] = true; });
                        }
                        state.shown[row.dataset.type] = !shows(row.dataset.type);
                    }
                    draw();
                });
            }
            fromBox.addEventListener("change", function() {
                state.from = dayOf(fromBox.value, "from");
                draw();
            });
            toBox.addEventListener("change", function() {
                state.to = dayOf(toBox.value, "to");
                draw();
            });
            // Each key drawing every event again would make typing lag on a large site.
            var typing = null;
            textBox.addEventListener("input", function() {
                window.clearTimeout(typing);
                typing = window.setTimeout(function() {
                    state.q = textBox.value.slice(0, MAX_TEXT);
                    draw();
                }, 200);
            });
            panel.querySelector(".ea-site-filters").addEventListener("submit", function(e) {
                e.preventDefault();  // Enter in the search: no page load
            });
            panel.querySelector(".ea-site-clear").addEventListener("click", function() {
                window.clearTimeout(typing);
                state.from = state.to = null;
                state.q = "";
                draw();
            });
            list.addEventListener("click", function(e) {
                var item = e.target.closest(".ea-site-item");
                if (item) { openFromList(item.dataset.eventId); }
            });
            // A phone shows the map below the panel: fold it to give the popup the room.
            function openFromList(id) {
                if (narrow.matches && find.open) {
                    find.open = false;
                    map.invalidateSize({animate: false});
                }
                var chosen = byId[id], opened = false;
                if (!chosen) { return; }
                if (!map.getBounds().contains([chosen.lat, chosen.lon])) {
                    map.setView([chosen.lat, chosen.lon], map.getZoom(), {animate: false});
                }
                eachMarker(function(layer, glyph, markerId) {
                    if (markerId === id && !opened) { opened = true; layer.openPopup(); }
                });
            }
            // Folding the panel on a phone gives its room to the map.
            find.addEventListener("toggle", function() { map.invalidateSize({animate: false}); });

            map.on("popupopen", function(e) {
                var id = eventOf(e.popup);
                if (drawing || id === null) { return; }
                state.selected = id;
                highlight();
                writeHash();
            });
            map.on("popupclose", function(e) {
                // A swap of the layer closes popups too: that is not the reader's doing.
                if (drawing || eventOf(e.popup) !== state.selected) { return; }
                state.selected = null;
                highlight();
                writeHash();
            });
            // A link's state; as in the app, its view wins, then its event.
            function follow() {
                readHash();
                if (!hash.linkedView && hash.read().has(KEY.event) && state.selected) {
                    var chosen = byId[state.selected];
                    map.setView([chosen.lat, chosen.lon],
                                Math.max(map.getZoom(), SELECTED_ZOOM), {animate: false});
                }
            }
            window.addEventListener("hashchange", function() { follow(); draw(); });

            find.open = !narrow.matches;  // a phone opens on the map
            follow();
            // The layer is drawn as published already: draw again only for another state.
            var fresh = publishedState();
            if (["shown", "selected", "from", "to", "q"].every(function(k) {
                return state[k] === fresh[k];
            })) { settle(); }
            else { draw(); }
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, events: Sequence[Event], selected_id: str | None) -> None:
        super().__init__()
        self._name = "PublishedPage"
        keys = {"type": P_TYPE, "from": P_FROM, "to": P_TO, "text": P_TEXT, "event": P_EVENT}
        self.keys = script_json(keys)
        self.max_text = MAX_TEXT
        self.id_label = script_json(EVENT_ID_LABEL)
        self.selected = script_json(selected_id)
        self.selected_zoom = SELECTED_ZOOM
        self.list_limit = LIST_LIMIT
        self.narrow = script_json(NARROW_MEDIA)
        facts = site_facts(events)
        self.facts = script_json(facts)
        self.first = script_json(min((f["first"] for f in facts), default=None))
        self.last = script_json(max((f["last"] for f in facts), default=None))


def site_facts(events: Sequence[Event]) -> list[dict[str, str]]:
    """What the page's list shows and its search reads, for each event on the map, in the
    list's order (by date, then title). `text` is the searchable text, folded as the page
    folds the search: title, place and summary. Shown as text, never as HTML."""
    drawn = sorted((event for event, _ in placed(events)), key=lambda e: (e.date, e.title))
    return [
        {
            "id": event.id,
            "first": event.date.isoformat(),
            "last": event.last_date.isoformat(),
            "when": event.date_label(),
            "type": style_of(event.event_type).label,
            "place": event.place.name,
            "title": event.title,
            "text": fold(" ".join((event.title, event.place.name, event.summary))),
        }
        for event in drawn
    ]


def panel_html(title: str) -> str:
    """The panel beside the map: the title, then (foldable) the dates, the search and the list.

    The page fills in the dates' bounds, the count and the list; every text here is escaped.
    """
    return f"""
<aside class="ea-site-panel" aria-label="Events">
  <div class="ea-site-title"><h1>{escape_text(title)}</h1></div>
  <details class="ea-site-find">
    <summary>Dates, search and list <span class="ea-site-count" role="status"></span></summary>
    <form class="ea-site-filters" role="search">
      <label>From <input type="date" name="from"></label>
      <label>To <input type="date" name="to"></label>
      <label class="ea-site-search">Search titles, places and summaries
        <input type="search" name="q" maxlength="{MAX_TEXT}" autocomplete="off"></label>
      <button type="button" class="ea-site-clear">Every date, no search</button>
    </form>
    <p class="ea-site-empty" hidden>No events match: widen the dates, change the search or
      tick more types in the legend.</p>
    <ol class="ea-site-list"></ol>
    <p class="ea-site-more" hidden></p>
  </details>
</aside>
"""


@dataclass(frozen=True)
class Site:
    """A published site in memory: its files (path inside the site -> bytes) and its figures."""

    files: dict[str, bytes]
    events: int  # drawn on the map
    unplaced: int  # matching the view, but without coordinates
    tiles: int
    tile_bytes: int

    @property
    def size(self) -> int:
        return sum(len(data) for data in self.files.values())

    @property
    def asset_bytes(self) -> int:
        return sum(
            len(data)
            for path, data in self.files.items()
            if path.startswith(f"{ASSETS_DIR}/") and not path.startswith(_TILES_PREFIX)
        )


_TILES_PREFIX = f"{ASSETS_DIR}/{TILES_DIR}/"


def site_tiles(start: MapStart, points: Iterable[Point]) -> set[TileKey]:
    """The basemap tiles a reader of the view needs, from zoom 2 to the basemap's last.

    The view's extent is the box it fits (its events), or else what a large screen shows of
    it. At each zoom the site holds:
    - up to WORLD_ZOOM, the whole world;
    - up to the view's zoom, a large screen around its centre (zooming out stays filled);
    - past it, the view's extent (zooming in anywhere in the view stays filled);
    - and around every event drawn, its tile and the eight next to it.

    Past the basemap's last zoom the map enlarges its tiles, so nothing more is needed.
    """
    opening = start if isinstance(start, MapView) else view_fitting(start, SCREEN_PX)
    extent = start if isinstance(start, BBox) else viewport_of_view(opening, SCREEN_PX).box
    keys: set[TileKey] = set()
    points = list(points)
    for zoom in range(MIN_ZOOM, OFFLINE_MAX_NATIVE_ZOOM + 1):
        count = 1 << zoom
        if zoom <= WORLD_ZOOM:
            keys.update((zoom, x, y) for x in range(count) for y in range(count))
            continue
        if zoom <= opening.zoom:
            around = MapView(opening.lat, opening.lon, zoom)
            keys.update(tiles_covering(viewport_of_view(around, SCREEN_PX).box, zoom))
        else:
            keys.update(tiles_covering(extent, zoom))
        for lat, lon in points:
            ((_, x, y),) = tiles_covering(BBox(lat, lon, lat, lon), zoom)
            keys.update(
                (zoom, nx, ny)
                for nx in (x - 1, x, x + 1)
                for ny in (y - 1, y, y + 1)
                if 0 <= nx < count and 0 <= ny < count
            )
    return keys


def build_site(catalog: Catalog, state: ViewState, source: str = "") -> Site:
    """The site of one view: the events its filters keep, its selection, its map view.

    A view without a map view opens as the app does (selected event, else every event).
    The basemap is always the offline one: the site makes no request elsewhere.
    """
    matching = catalog.count(state.event_filter)
    if matching > PUBLISH_LIMIT:
        raise PublishError(
            f"{matching:,} events match: a static site holds at most {PUBLISH_LIMIT:,}, each "
            "drawn in full. Narrow the view (types, dates, countries, text)"
        )
    events = catalog.events(state.event_filter, limit=None)
    drawn = placed(events)
    selected = state.selected if any(e.id == state.selected for e, _ in drawn) else None
    title = catalog.title or DEFAULT_TITLE
    files = {INDEX: _page_html(events, selected, state.view, title).encode("utf-8")}
    for path, relative in library_files():
        files[f"{ASSETS_DIR}/{relative}"] = path.read_bytes()
    start = opening_start(events, selected, state.view)
    tiles = sorted(site_tiles(start, (point for _, point in drawn)))
    tile_count = tile_bytes = 0
    for (z, x, y), png in read_tiles(tiles):
        files[f"{_TILES_PREFIX}{z}/{x}/{y}.png"] = png
        tile_count, tile_bytes = tile_count + 1, tile_bytes + len(png)
    files[MANIFEST] = _manifest(
        {"title": title, "source": source, "link": _link(state, selected)},
        {"events": len(drawn), "tiles": tile_count},
    )
    return Site(files, len(drawn), len(events) - len(drawn), tile_count, tile_bytes)


def _page_html(
    events: Sequence[Event], selected: str | None, view: MapView | None, title: str
) -> str:
    m: folium.Map = build_map(
        events, StaticURLs(ASSETS_DIR), selected_id=selected, view=view, view_in="hash"
    )
    _PublishedPage(events, selected).add_to(m)
    root = m.get_root()
    assert isinstance(root, Figure)
    root.title = escape_text(title)  # branca writes the title into <title> as it is
    root.header.add_child(Element(SITE_HEAD))
    # Before the map's div: the panel comes first to a keyboard and a screen reader.
    root.html.add_child(Element(panel_html(title)), index=0)
    return str(root.render())


def _link(state: ViewState, selected: str | None) -> str:
    """The dashboard link's query string that shows what the site shows."""
    query = urlencode(to_query(ViewState(state.event_filter, selected, state.view)))
    return f"?{query}" if query else ""


def _manifest(about: dict[str, str], counts: dict[str, int]) -> bytes:
    manifest = {SITE_MARKER: 1, **about, **counts}
    return (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# -- writing -----------------------------------------------------------------------------------
def is_site(folder: Path) -> bool:
    """Whether `folder` holds a site written by `publish` (its manifest says so)."""
    return _site_manifest(folder) is not None


def _site_manifest(folder: Path) -> dict[str, object] | None:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(manifest, dict) and manifest.get(SITE_MARKER) == 1:
        return manifest
    return None


def _check_target(out: Path, force: bool, keep: Sequence[Path], events: int = 0) -> None:
    if out.exists() and not out.is_dir():
        raise PublishError(f"{out} is a file: --out names a folder")
    if not out.parent.is_dir():
        raise PublishError(f"{out.parent} does not exist: create it, or choose another --out")
    resolved = out.resolve()
    for path in (Path.cwd(), *keep):
        if path.resolve().is_relative_to(resolved):
            raise PublishError(f"{out} holds {path}, which the site would replace: choose another")
    if out.is_dir() and any(out.iterdir()) and not is_site(out) and not force:
        raise PublishError(
            f"{out} is not empty and holds no earlier site: choose a new or empty folder, "
            "or add --force to replace what it holds"
        )
    earlier = (_site_manifest(out) or {}).get("events") if out.is_dir() else None
    if not events and isinstance(earlier, int) and earlier > 0 and not force:
        raise PublishError(
            f"{out} holds a site of {earlier:,} events and this view has none on the map: "
            "nothing written (check the file and --where; add --force to publish it anyway)"
        )


def write_site(site: Site, out: Path, *, force: bool = False, keep: Sequence[Path] = ()) -> None:
    """Write the site into the folder `out`, whole or not at all.

    It is written into a new folder beside `out` and moved into place at the end, so a failure
    leaves `out` as it was. An earlier site in `out` is replaced; anything else only with
    `force`. `keep` names files the site must never replace (the events file).
    """
    _check_target(out, force, keep, site.events)
    try:
        work = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    except OSError as error:
        raise PublishError(f"cannot write in {out.parent}: {error.strerror}") from error
    try:
        for relative, data in site.files.items():
            path = work / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        work.chmod(0o755)  # mkdtemp's folder is private; a site is for web servers to read
        _move_into_place(work, out)
    except OSError as error:
        raise PublishError(f"cannot write {out}: {error.strerror or error}") from error
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _move_into_place(work: Path, out: Path) -> None:
    if not out.exists():
        os.rename(work, out)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=out.parent))
    os.rename(out, aside / out.name)
    try:
        os.rename(work, out)
    except OSError:
        os.rename(aside / out.name, out)  # the earlier folder goes back where it was
        aside.rmdir()
        raise
    shutil.rmtree(aside, ignore_errors=True)


def site_zip(site: Site, folder: str = "event-atlas-site") -> bytes:
    """The site as a zip archive holding one folder (what the page's download gives)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for relative, data in sorted(site.files.items()):
            # PNG tiles are compressed already.
            method = zipfile.ZIP_STORED if relative.endswith(".png") else zipfile.ZIP_DEFLATED
            archive.writestr(f"{folder}/{relative}", data, compress_type=method)
    return buffer.getvalue()
