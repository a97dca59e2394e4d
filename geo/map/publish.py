"""One view of the events as a static site that works offline: `python -m geo publish`.

The site is the app's own map (geo.map.layer.build_map: the base map with the event layer
drawn by `eaDrawLayer`), with everything it loads beside it: Leaflet and jQuery from their
installed packages, and the offline basemap's tiles around the view. Any plain file server,
or the folder opened from disk, shows it; it makes no request to anything else.

In the page, the view lives in the URL hash (`#lat=..&lon=..&z=..&type=..&event=..`), so a
link to the page reopens it. The legend's rows filter the event types: the page draws the
same payload again through `eaDrawLayer`, keeping only the types ticked.
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
from geo.urlstate import P_EVENT, P_TYPE, MapView, ViewState, to_query

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

SITE_HEAD = """
<link rel="icon" href="data:,">
<style>
html,body{margin:0;padding:0;height:100%}
.ea-site-title{background:rgba(255,255,255,.94);padding:6px 10px;max-width:45vw}
.ea-site-title h1{font:bold 15px/1.3 "DejaVu Sans",sans-serif;margin:0;color:#212529}
.ea-legend-row[data-type]{cursor:pointer}
.ea-legend-row input{margin:0;cursor:pointer}
.ea-legend-row.ea-off{opacity:.45}
.ea-legend-pick{margin:3px 0 4px;font-size:11px;color:#495057}
.ea-legend-pick button{border:0;background:none;padding:0;font:inherit;color:#0b5ed7;
  text-decoration:underline;cursor:pointer}
</style>
"""


class _PublishedPage(MacroElement):
    """The static page's own state: type filter, selection and title, kept in the URL hash.

    The view is the base map's (its "hash" option); the hash's `type` and `event` are read
    here. A parameter the hash does not hold means what the page was published with;
    `type=` and `event=` (empty) mean no type and no event. The hash is hostile input: only
    published types and ids are taken from it, and none of it reaches the page's HTML.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(map) {
            var data = window.eaLayerData, group = window.eaLayerGroup, hash = window.eaHash;
            var TYPE = {{ this.type_key }}, EVENT = {{ this.event_key }};
            var ID_LABEL = {{ this.id_label }}, published = {{ this.selected }};
            var SELECTED_ZOOM = {{ this.selected_zoom }};
            var byId = Object.create(null), present = [];
            data.events.forEach(function(e) {
                byId[e.id] = e;
                if (present.indexOf(e.type) < 0) { present.push(e.type); }
            });
            // shown: null for every type, else the set of types ticked.
            var state = {shown: null, selected: published}, drawing = false;
            var legend = map.getContainer().querySelector(".ea-legend details");

            var title = L.control({position: "topright"});
            title.onAdd = function() {
                var div = L.DomUtil.create("div", "ea-site-title leaflet-bar");
                div.innerHTML = {{ this.title }};  // escaped on the server
                return div;
            };
            title.addTo(map);

            function shows(type) { return state.shown === null || state.shown[type] === true; }
            function readHash() {
                var params = hash.read();
                state = {shown: null, selected: published};
                if (params.has(TYPE)) {
                    state.shown = Object.create(null);
                    params.get(TYPE).split(",").forEach(function(t) {
                        if (present.indexOf(t) >= 0) { state.shown[t] = true; }
                    });
                }
                if (params.has(EVENT)) {
                    var id = params.get(EVENT);
                    state.selected = byId[id] !== undefined ? id : null;
                }
            }
            function writeHash() {
                var params = hash.read(), types = present.filter(shows);
                if (types.length === present.length) { params.delete(TYPE); }
                else { params.set(TYPE, types.join(",")); }
                if (state.selected === published) { params.delete(EVENT); }
                else { params.set(EVENT, state.selected || ""); }
                hash.write(params);
            }
            function eventOf(popup) {
                var content = popup.getContent(), lines = [];
                if (content && content.querySelectorAll) {
                    lines = content.querySelectorAll(".ea-id");
                }
                if (!lines.length) { return null; }
                var id = lines[lines.length - 1].textContent.replace(ID_LABEL, "").trim();
                return byId[id] !== undefined ? id : null;
            }
            function highlight() {
                group.eachLayer(function(layer) {
                    var element = layer.getElement && layer.getElement();
                    var glyph = element && element.querySelector
                        && element.querySelector(".ea-marker");
                    if (glyph) {
                        var id = glyph.getAttribute("data-event-id");
                        glyph.classList.toggle("ea-selected", id === state.selected);
                    }
                });
            }
            // eaDrawLayer refills the legend: its rows become the filter again each time.
            function showFilter() {
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
                var kept = data.events.filter(function(e) { return shows(e.type); }).length;
                if (kept !== data.events.length) {
                    summary.textContent = kept.toLocaleString("en") + " of "
                        + data.events.length.toLocaleString("en") + " events shown";
                }
                var pick = document.createElement("div");
                pick.className = "ea-legend-pick";
                pick.innerHTML = 'Types: <button type="button" data-pick="all">all</button> · '
                    + '<button type="button" data-pick="none">none</button>';
                summary.insertAdjacentElement("afterend", pick);
            }
            function settle() { showFilter(); highlight(); writeHash(); }
            // The published payload again, through the same drawing code: the selected
            // event is the state's, and only the types ticked are kept.
            function draw() {
                if (state.selected && !shows(byId[state.selected].type)) { state.selected = null; }
                var copy = Object.assign({}, data, {events: data.events.map(function(e) {
                    return Object.assign({}, e, {selected: e.id === state.selected});
                })});
                drawing = true;
                try {
                    group.clearLayers();
                    window.eaDrawLayer(map, group, copy, function(e) { return shows(e.type); });
                } finally { drawing = false; }
                settle();
            }

            if (legend) {
                legend.addEventListener("click", function(e) {
                    var pick = e.target.closest("button[data-pick]");
                    var row = e.target.closest(".ea-legend-row[data-type]");
                    if (pick) {
                        e.preventDefault();
                        state.shown = pick.dataset.pick === "all" ? null : Object.create(null);
                        draw();
                    } else if (row) {
                        e.preventDefault();  // the state decides the box, drawn again below
                        if (state.shown === null) {
                            state.shown = Object.create(null);
                            present.forEach(function(t) { state.shown[t] = true; });
                        }
                        state.shown[row.dataset.type] = !shows(row.dataset.type);
                        draw();
                    }
                });
            }
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
                if (!hash.linkedView && hash.read().has(EVENT) && state.selected) {
                    var chosen = byId[state.selected];
                    map.setView([chosen.lat, chosen.lon],
                                Math.max(map.getZoom(), SELECTED_ZOOM), {animate: false});
                }
            }
            window.addEventListener("hashchange", function() { follow(); draw(); });

            follow();
            // The layer is drawn as published already: draw again only for another state.
            if (state.shown === null && state.selected === published) { settle(); }
            else { draw(); }
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, title: str, selected_id: str | None) -> None:
        super().__init__()
        self._name = "PublishedPage"
        self.type_key = json.dumps(P_TYPE)
        self.event_key = json.dumps(P_EVENT)
        self.id_label = script_json(EVENT_ID_LABEL)
        self.selected = script_json(selected_id)
        self.selected_zoom = SELECTED_ZOOM
        self.title = script_json(f"<h1>{escape_text(title)}</h1>")


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
    _PublishedPage(title, selected).add_to(m)
    root = m.get_root()
    assert isinstance(root, Figure)
    root.title = escape_text(title)  # branca writes the title into <title> as it is
    root.header.add_child(Element(SITE_HEAD))
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
