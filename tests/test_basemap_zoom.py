"""The basemap never blurs: offline, the map goes no closer than its tiles hold, and says so.

- The offline map's max zoom is the installed tiles' deepest zoom (read from the tiles).
- Whatever sets a zoom (a link's `z`, "Go to place", an opening box, a desk's small map) is
  clamped to it offline, and left alone online.
- A deeper basemap for a region (an MBTiles file, EVENT_ATLAS_MBTILES or `serve --tiles`) is
  unpacked under static/ and drawn inside its bounds, where the map then goes deeper; a file
  that cannot be used is refused with the remedy.
"""

from __future__ import annotations

import re
import sqlite3
import struct
import zlib
from collections.abc import Iterable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.errors import SettingError
from geo.map import assets
from geo.map.assets import (
    EXTRA_TILES_DIR,
    TILES_DONE_MARKER,
    StaticURLs,
    install_extra_tiles,
    offline_max_zoom,
    read_mbtiles,
)
from geo.map.base import (
    ONLINE_LABEL,
    build_base_map,
    point_map,
    points_map,
    within_zoom_cap,
    zoom_cap,
)
from geo.settings import SETTINGS, mbtiles_path
from geo.store import BBox
from geo.urlstate import MAX_ZOOM, MapView
from tests.conftest import ROOT

URLS = StaticURLs("/app/static")
# A small box around Kharkiv: the region of the test's MBTiles file.
REGION = BBox(49.90, 36.10, 50.10, 36.40)


# -- files the tests write ---------------------------------------------------------------------
def png_1x1(rgb: tuple[int, int, int] = (200, 220, 240)) -> bytes:
    """A valid 1x1 RGB PNG, written by hand (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + bytes(rgb))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def column_of(zoom: int, lon: float) -> int:
    return int((lon + 180.0) / 360.0 * (1 << zoom))


def row_of(zoom: int, lat: float) -> int:
    """XYZ row (from the north), as Leaflet counts."""
    import math

    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    return int((1 - y / math.pi) / 2 * (1 << zoom))


def region_tiles(box: BBox, zooms: Iterable[int]) -> list[tuple[int, int, int]]:
    """Every (zoom, x, y-from-the-north) tile covering the box."""
    keys = []
    for z in zooms:
        for x in range(column_of(z, box.west), column_of(z, box.east) + 1):
            for y in range(row_of(z, box.north), row_of(z, box.south) + 1):
                keys.append((z, x, y))
    return keys


def write_mbtiles(
    path: Path,
    tiles: Iterable[tuple[int, int, int]],
    metadata: dict[str, str] | None = None,
) -> Path:
    """An MBTiles file: `tiles` in TMS row order (flipped from the XYZ rows given)."""
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        db.execute(
            "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, "
            "tile_data BLOB)"
        )
        db.executemany("INSERT INTO metadata VALUES (?, ?)", list((metadata or {}).items()))
        db.executemany(
            "INSERT INTO tiles VALUES (?, ?, ?, ?)",
            [(z, x, (1 << z) - 1 - y, png_1x1()) for z, x, y in tiles],
        )
    db.close()
    return path


KHARKIV_METADATA = {
    "name": "Kharkiv",
    "format": "png",
    "minzoom": "7",
    "maxzoom": "9",
    "bounds": f"{REGION.west},{REGION.south},{REGION.east},{REGION.north}",
    "attribution": '<a href="javascript:alert(1)">© OpenStreetMap contributors</a>',
}


@pytest.fixture
def kharkiv_mbtiles(tmp_path: Path) -> Path:
    return write_mbtiles(
        tmp_path / "kharkiv.mbtiles", region_tiles(REGION, (7, 8, 9)), KHARKIV_METADATA
    )


def installed_static(tmp_path: Path, deepest: int) -> Path:
    """A static folder whose offline tiles hold zooms 0 to `deepest` (one tile each)."""
    static = tmp_path / "static"
    for z in range(deepest + 1):
        tile = static / "tiles" / str(z) / "0" / "0.png"
        tile.parent.mkdir(parents=True, exist_ok=True)
        tile.write_bytes(png_1x1())
    (static / "tiles" / TILES_DONE_MARKER).write_text("test\n", encoding="utf-8")
    return static


def html_of(m) -> str:
    return m.get_root().render()


def map_options(html: str) -> str:
    found = re.search(r"L\.map\(\s*\"map_\w+\",\s*\{(.*?)\}\s*\);", html, re.S)
    assert found is not None
    return found.group(1)


def tile_layers(html: str) -> dict[str, str]:
    """Each tile layer's URL template with its options' text."""
    return dict(re.findall(r"L\.tileLayer\(\s*\"([^\"]+)\",\s*(\{.*?\})\s*\);", html, re.S))


# -- the cap: the tiles' deepest zoom --------------------------------------------------------
def test_the_offline_cap_is_the_deepest_zoom_the_installed_tiles_hold(tmp_path: Path) -> None:
    assert offline_max_zoom(installed_static(tmp_path / "a", 6)) == 6
    assert offline_max_zoom(installed_static(tmp_path / "b", 4)) == 4  # read, not assumed
    assert offline_max_zoom(tmp_path / "none") == assets.OFFLINE_MAX_NATIVE_ZOOM


def test_the_offline_map_stops_at_the_tiles_deepest_zoom_and_the_online_one_does_not() -> None:
    shallow = StaticURLs("/app/static", offline_max_zoom=4)
    offline = html_of(build_base_map(MapView(50.0, 36.0, 12), shallow, "offline"))
    options = map_options(offline)
    assert '"maxZoom": 4' in options and '"zoom": 4' in options
    (layer,) = tile_layers(offline).values()
    assert '"maxZoom": 4' in layer and '"maxNativeZoom": 4' in layer  # never enlarged

    online = html_of(build_base_map(MapView(50.0, 36.0, 12), shallow, "osm"))
    assert f'"maxZoom": {MAX_ZOOM}' in map_options(online)
    assert '"zoom": 12' in map_options(online)
    assert "ea-zoomcap" not in online.split("</style>", 1)[1]  # no notice online


def test_views_are_clamped_offline_and_left_alone_online() -> None:
    deep = MapView(50.0, 36.0, 12)
    assert within_zoom_cap(deep, URLS, "offline") == MapView(50.0, 36.0, 6)
    assert within_zoom_cap(deep, URLS, "osm") == deep
    assert within_zoom_cap(MapView(50.0, 36.0, 4), URLS, "offline").zoom == 4
    assert zoom_cap(URLS, "offline") == 6 and zoom_cap(URLS, "osm") == MAX_ZOOM


def test_an_opening_box_is_never_fitted_closer_than_the_cap_offline() -> None:
    tiny = BBox(49.99, 36.22, 50.0, 36.24)  # one town: the opening view would be zoom 10
    offline = html_of(build_base_map(tiny, URLS, "offline"))
    assert re.search(r"fitBounds\([^)]*\"maxZoom\": 6", offline, re.S)
    online = html_of(build_base_map(tiny, URLS, "osm"))
    assert re.search(r"fitBounds\([^)]*\"maxZoom\": 10", online, re.S)


def test_the_desk_small_maps_are_capped_too() -> None:
    one = html_of(point_map(50.0, 36.2, URLS))  # asks for zoom 9
    assert '"maxZoom": 6' in map_options(one) and '"zoom": 6' in map_options(one)
    several = html_of(points_map([(50.0, 36.2, "a"), (50.1, 36.3, "b")], URLS, zoom=7))
    assert re.search(r"fitBounds\([^)]*\"maxZoom\": 6", several, re.S)


def test_the_notice_offers_the_online_basemap_only_on_the_page() -> None:
    page = html_of(build_base_map(MapView(50.0, 36.0, 6), URLS, "offline"))
    assert "Offline basemap: no closer than zoom" in page
    assert f'"online":"{ONLINE_LABEL}"' in page and '"base":6' in page
    assert 'data-testid="stRadio"' in page  # the click picks the sidebar's own choice
    # A static site (its view in the hash) and the desk's maps are offline only: the limit alone.
    site = html_of(build_base_map(MapView(50.0, 36.0, 6), URLS, "offline", view_in="hash"))
    assert '"online":null' in site
    assert '"online":null' in html_of(point_map(50.0, 36.2, URLS))


# -- a deeper basemap for a region: MBTiles --------------------------------------------------
def test_an_mbtiles_file_is_unpacked_in_xyz_order_past_the_offline_zooms(
    tmp_path: Path, kharkiv_mbtiles: Path
) -> None:
    static = tmp_path / "static"
    extra = install_extra_tiles(static, kharkiv_mbtiles, base_max_zoom=6)
    assert (extra.min_zoom, extra.max_zoom, extra.extension) == (7, 9, "png")
    assert extra.name == "Kharkiv"
    assert extra.bounds == pytest.approx((REGION.south, REGION.west, REGION.north, REGION.east))
    # Plain text: the file's HTML is not trusted.
    assert "<a" not in extra.attribution and "OpenStreetMap contributors" in extra.attribution
    folder = static / extra.folder
    assert folder.parent.name == EXTRA_TILES_DIR and (folder / TILES_DONE_MARKER).exists()
    written = {(int(p.parts[-3]), int(p.parts[-2]), int(p.stem)) for p in folder.rglob("*.png")}
    assert written == set(region_tiles(REGION, (7, 8, 9)))  # rows flipped from TMS
    assert extra.tiles == len(written)
    # Once per version of the file: a second call unpacks nothing; a new version replaces it.
    (folder / "7" / "marker").write_text("kept", encoding="utf-8")
    assert install_extra_tiles(static, kharkiv_mbtiles, 6) == extra
    assert (folder / "7" / "marker").exists()
    write_mbtiles(tmp_path / "v2.mbtiles", region_tiles(REGION, (7, 8)), KHARKIV_METADATA)
    (tmp_path / "v2.mbtiles").replace(kharkiv_mbtiles)
    newer = install_extra_tiles(static, kharkiv_mbtiles, 6)
    assert newer.folder != extra.folder and newer.max_zoom == 8
    assert folder.exists()  # a running server's maps may still point at it
    install_extra_tiles(static, kharkiv_mbtiles, 6, remove_older=True)  # `serve --tiles`
    assert not folder.exists() and (static / newer.folder / TILES_DONE_MARKER).exists()


def test_the_map_gets_the_regional_layer_and_goes_deeper_inside_it(
    tmp_path: Path, kharkiv_mbtiles: Path
) -> None:
    extra = install_extra_tiles(tmp_path / "static", kharkiv_mbtiles, 6)
    urls = StaticURLs("/app/static", 6, extra)
    inside = html_of(build_base_map(MapView(50.0, 36.25, 12), urls, "offline"))
    layers = tile_layers(inside)
    regional = layers[f"/app/static/{extra.folder}/{{z}}/{{x}}/{{y}}.png"]
    assert '"minZoom": 7' in regional and '"maxZoom": 9' in regional
    assert '"maxNativeZoom": 9' in regional
    compact = re.sub(r"\s", "", regional)
    bounds = re.search(
        r'"bounds":\[\[([-\d.]+),([-\d.]+),?\],\[([-\d.]+),([-\d.]+),?\],?\]', compact
    )
    assert bounds is not None
    assert [float(b) for b in bounds.groups()] == pytest.approx(
        [REGION.south, REGION.west, REGION.north, REGION.east]
    )
    assert "javascript:" not in regional
    assert '"maxZoom": 9' in map_options(inside) and '"zoom": 9' in map_options(inside)
    assert '"maxZoom": 6' in layers["/app/static/tiles/{z}/{x}/{y}.png"]
    assert '"extra":{' in inside and '"maxZoom":9' in inside and '"name":"Kharkiv"' in inside
    # Outside the region, the offline tiles' deepest zoom.
    outside = html_of(build_base_map(MapView(46.48, 30.73, 12), urls, "offline"))
    assert '"maxZoom": 6' in map_options(outside) and '"zoom": 6' in map_options(outside)
    assert within_zoom_cap(MapView(50.0, 36.25, 12), urls, "offline").zoom == 9
    assert within_zoom_cap(MapView(46.48, 30.73, 12), urls, "offline").zoom == 6


def read_error(path: Path) -> str:
    with pytest.raises(SettingError) as caught:
        read_mbtiles(path, 6)
    message = str(caught.value)
    assert message.startswith(f"EVENT_ATLAS_MBTILES={path}: "), message
    return message


def test_a_file_that_is_not_usable_mbtiles_is_refused_with_the_remedy(tmp_path: Path) -> None:
    assert "no such file" in read_error(tmp_path / "missing.mbtiles")
    text = tmp_path / "notes.mbtiles"
    text.write_text("not a database at all", encoding="utf-8")
    assert "not an MBTiles file" in read_error(text)
    other = tmp_path / "other.mbtiles"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE places (name TEXT)")
    db.close()
    assert "no `tiles` table" in read_error(other)
    vector = write_mbtiles(
        tmp_path / "vector.mbtiles", region_tiles(REGION, (7,)), {"format": "pbf"}
    )
    assert "raster tiles only" in read_error(vector)
    shallow = write_mbtiles(tmp_path / "shallow.mbtiles", region_tiles(REGION, (5, 6)))
    assert "no zoom past 6" in read_error(shallow)
    gap = write_mbtiles(tmp_path / "gap.mbtiles", region_tiles(REGION, (7, 9)))
    assert "not 8" in read_error(gap)


def test_a_file_too_big_to_unpack_is_refused_naming_the_setting(
    tmp_path: Path, kharkiv_mbtiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(assets, "MBTILES_MAX_TILES", 2)
    message = read_error(kharkiv_mbtiles)
    assert "over the 2 the app unpacks" in message and "smaller region" in message
    with pytest.raises(SettingError):
        install_extra_tiles(tmp_path / "static", kharkiv_mbtiles, 6)
    assert not (tmp_path / "static" / EXTRA_TILES_DIR).exists() or not any(
        (tmp_path / "static" / EXTRA_TILES_DIR).iterdir()
    )
    monkeypatch.setattr(assets, "MBTILES_MAX_TILES", 250_000)
    monkeypatch.setattr(assets, "MBTILES_MAX_BYTES", 100)
    assert "bytes, over the 100" in read_error(kharkiv_mbtiles)


def test_the_setting_is_read_relative_to_the_app_folder(tmp_path: Path) -> None:
    assert mbtiles_path(tmp_path, {}) is None
    assert mbtiles_path(tmp_path, {"EVENT_ATLAS_MBTILES": "maps/k.mbtiles"}) == (
        tmp_path / "maps" / "k.mbtiles"
    )
    assert any(s.name == "EVENT_ATLAS_MBTILES" for s in SETTINGS)


# -- the page: a link's z, "Go to place", and the setting's errors ---------------------------
@pytest.fixture
def page_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("EVENT_ATLAS_EVENTS", "EVENT_ATLAS_TILES", "EVENT_ATLAS_MBTILES"):
        monkeypatch.delenv(name, raising=False)


def run_page(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def map_script(at: AppTest) -> str:
    import json

    (component,) = at.get("component_instance")
    return str(json.loads(component.proto.json_args)["script"])


def map_zoom(at: AppTest) -> object:
    import json

    (component,) = at.get("component_instance")
    return json.loads(component.proto.json_args)["zoom"]


def test_a_links_deep_zoom_opens_at_the_cap_offline_and_as_asked_online(page_env: None) -> None:
    at = run_page({"lat": "50", "lon": "36", "z": "12"})
    assert '"zoom": 6' in map_script(at) and '"maxZoom": 6' in map_script(at)
    assert at.query_params["z"] in ("6", ["6"])
    assert any("no closer than zoom 6" in c.value for c in at.caption)  # under the choice

    online = run_page({"lat": "50", "lon": "36", "z": "12", "tiles": "osm"})
    assert '"zoom": 12' in map_script(online)
    assert online.query_params["z"] in ("12", ["12"])


@pytest.mark.parametrize(("tiles", "zoom"), [("offline", 6), ("osm", 10)])
def test_go_to_a_town_is_clamped_offline_only(page_env: None, tiles: str, zoom: int) -> None:
    at = run_page({"tiles": tiles} if tiles != "offline" else {})
    next(t for t in at.text_input if t.label == "Go to place").input("Odesa")
    next(b for b in at.button if b.label == "Go").click().run()
    assert not at.exception, at.exception
    assert map_zoom(at) == zoom


def test_an_unusable_mbtiles_setting_is_shown_by_the_pages_error_boundary(
    page_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "broken.mbtiles"
    broken.write_text("not sqlite", encoding="utf-8")
    monkeypatch.setenv("EVENT_ATLAS_MBTILES", str(broken))
    at = run_page({})
    (error,) = at.error
    shown = error.value.replace("\\", "")  # as typed: Markdown's escapes taken out
    assert f"EVENT_ATLAS_MBTILES={broken}: not an MBTiles file" in shown
    assert not at.get("component_instance")


# -- the command line: serve --tiles ---------------------------------------------------------
def test_serve_tiles_refuses_a_bad_file_before_starting_anything(tmp_path: Path) -> None:
    import io

    from geo import cli

    err = io.StringIO()
    assert cli.main(["serve", "--tiles", str(tmp_path / "none.mbtiles")], io.StringIO(), err) == 1
    assert "EVENT_ATLAS_MBTILES=" in err.getvalue() and "no such file" in err.getvalue()


def test_serve_tiles_unpacks_the_file_once_for_every_replica(
    tmp_path: Path, kharkiv_mbtiles: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from geo import cli, serve

    monkeypatch.setattr(serve, "default_app_dir", lambda: tmp_path)
    installed_static(tmp_path, 6)  # the offline tiles, as install_offline_tiles leaves them
    out = io.StringIO()
    assert cli._regional_basemap(kharkiv_mbtiles, out) == kharkiv_mbtiles.resolve()
    assert "regional basemap Kharkiv:" in out.getvalue() and "zoom 7-9" in out.getvalue()
    (folder,) = (tmp_path / "static" / EXTRA_TILES_DIR).iterdir()
    assert (folder / TILES_DONE_MARKER).exists()
