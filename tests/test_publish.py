"""`python -m geo publish`: one view as a static, offline site (geo.map.publish).

The page itself, in a browser: tests/browser/test_publish.py.
"""

from __future__ import annotations

import io
import json
import re
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import geo.cli as cli
import geo.map.publish as publish
from geo import ListCatalog, load_events, parse_events_text
from geo.errors import PublishError
from geo.map.assets import basemap_db, read_tiles
from geo.map.base import SELECTED_ZOOM
from geo.map.cells import tiles_covering, viewport_of_view
from geo.map.publish import SCREEN_PX, build_site, is_site, site_tiles, site_zip, write_site
from geo.store import BBox, EventStore
from geo.urlstate import MapView, ViewState
from geo.vocabulary import EventType
from tests.conftest import ROOT, SHIPPED_EVENTS, events_yaml

KHARKIV_LINK = (
    "http://localhost:8501/?type=shelling,attack_on_civilians"
    "&event=kharkiv-residential-shelling&lat=49.99&lon=36.23&z=9"
)


@pytest.fixture(scope="module")
def shipped():
    return load_events(SHIPPED_EVENTS)


@pytest.fixture(scope="module")
def shipped_site(shipped):
    return build_site(ListCatalog(shipped), ViewState(), "events.yaml")


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(args), out, err)
    return code, out.getvalue(), err.getvalue()


def layer_data(html: str) -> dict:
    found = re.search(r"window\.eaLayerData = (\{.*?\});\n", html)
    assert found is not None, "the page draws its events through the layer"
    return json.loads(found.group(1))


def page_of(site: publish.Site) -> str:
    return site.files["index.html"].decode("utf-8")


# -- what a site holds ---------------------------------------------------------------------------
def test_a_site_holds_its_page_every_file_the_page_loads_and_a_manifest(shipped_site, shipped):
    html = page_of(shipped_site)
    loaded = re.findall(r"""<(?:script|link)\b[^>]*?(?:src|href)=["']([^"']+)""", html)
    local = [url for url in loaded if not url.startswith("data:")]
    assert "assets/leaflet/leaflet.js" in local and "assets/leaflet/leaflet.css" in local
    assert all(url in shipped_site.files for url in local), local
    assert '"assets/tiles/{z}/{x}/{y}.png"' in html
    assert json.dumps("assets/leaflet/images/") in html  # Leaflet's own images, local too
    assert "assets/leaflet/images/layers.png" in shipped_site.files
    manifest = json.loads(shipped_site.files["publish.json"])
    assert manifest["event_atlas_site"] == 1 and manifest["title"] == shipped.title
    assert manifest["events"] == len(shipped.events) == shipped_site.events
    assert manifest["tiles"] == shipped_site.tiles > 0
    assert manifest["source"] == "events.yaml" and manifest["link"] == ""


def test_no_written_file_loads_anything_from_outside_the_site():
    """http(s) addresses are allowed only as links a reader clicks (popup sources, map
    attribution), XML namespaces, and comments; nothing is fetched from them."""
    source = "https://example.org/report?id=1"
    text = events_yaml("a").replace(
        "      - publisher: Seed article\n",
        f"      - publisher: Seed article\n        url: {source}\n",
    )
    site = build_site(ListCatalog(parse_events_text(text)), ViewState())
    payload = layer_data(page_of(site))
    assert _urls(payload["events"][0]["popup"]) == [source]
    assert f'<a href="{source}" target="_blank"' in payload["events"][0]["popup"]
    for path, data in site.files.items():
        if not path.endswith((".html", ".js", ".css")):
            continue
        text = data.decode("utf-8")
        text = re.sub(r"window\.eaLayerData = \{.*?\};\n", "", text)  # checked above
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
        # Links (<a href>), also as JSON writes them in the map's options (\u003ca href=\").
        text = re.sub(r"""(?:<|\\u003c)a [^>]*?href=\\?["']https?://[^"'\\]+""", "<a ", text)
        text = text.replace("http://www.w3.org/2000/svg", "")
        assert _urls(text) == [], f"{path} refers to {_urls(text)}"


def _urls(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>)]+", text)


def test_every_event_is_drawn_in_full_with_its_popup(shipped_site, shipped):
    data = layer_data(page_of(shipped_site))
    assert sorted(e["id"] for e in data["events"]) == sorted(e.id for e in shipped.events)
    kharkiv = next(e for e in data["events"] if e["id"] == "kharkiv-residential-shelling")
    assert "ea-popup-title" in kharkiv["popup"] and "ea-source" in kharkiv["popup"]
    assert not any(e["selected"] for e in data["events"])


def test_without_a_link_the_site_opens_as_the_app_does_on_every_event(shipped_site):
    html = page_of(shipped_site)
    assert ".fitBounds(" in html  # the box around the events, as the app's first view


def test_the_page_keeps_its_view_in_its_own_hash_not_in_a_parent_page(shipped_site):
    html = page_of(shipped_site)
    assert "window.eaHash" in html and "window.location.hash" in html
    assert "window.parent" not in html and "eaHistoryKeepsView" not in html
    # The type filter draws the same payload again through the one drawing function.
    assert "window.eaDrawLayer(map, group, copy," in html
    assert "window.eaLayerGroup = L.featureGroup()" in html


def test_a_link_publishes_its_filters_selection_and_view(shipped):
    state = cli.state_of_link(KHARKIV_LINK)
    site = build_site(ListCatalog(shipped), state)
    data = layer_data(page_of(site))
    wanted = {EventType.SHELLING, EventType.ATTACK_ON_CIVILIANS}
    assert {e["type"] for e in data["events"]} == {t.value for t in wanted}
    assert len(data["events"]) == sum(1 for e in shipped.events if e.event_type in wanted)
    assert [e["id"] for e in data["events"] if e["selected"]] == ["kharkiv-residential-shelling"]
    # Offline, no closer than the basemap's deepest zoom (6): the link's 9 opens at 6.
    assert "[49.99, 36.23]" in page_of(site) and '"zoom": 6' in page_of(site)
    assert 'published = "kharkiv-residential-shelling"' in page_of(site)
    link = json.loads(site.files["publish.json"])["link"]
    assert "event=kharkiv-residential-shelling" in link and "z=9" in link


def test_a_linked_event_without_a_view_opens_the_map_on_it(shipped):
    state = ViewState(selected="belarus-border-talks")
    html = page_of(build_site(ListCatalog(shipped), state))
    event = next(e for e in shipped.events if e.id == "belarus-border-talks")
    lat, lon = event.place.point
    assert f"[{lat}, {lon}]" in html and f'"zoom": {min(SELECTED_ZOOM, 6)}' in html


def test_events_without_coordinates_are_counted_and_left_off_the_map():
    text = events_yaml("unplaced", "placed")
    coordinates = "      latitude: 49.9935\n      longitude: 36.2304\n      geo_precision: 1\n"
    dataset = parse_events_text(text.replace(coordinates, "", 1))
    assert [e.located for e in dataset.events] == [False, True]
    site = build_site(ListCatalog(dataset), ViewState())
    assert (site.events, site.unplaced) == (1, 1)
    assert [e["id"] for e in layer_data(page_of(site))["events"]] == ["placed"]


def test_a_parquet_store_publishes_like_its_yaml(tmp_path, shipped):
    path = tmp_path / "events.parquet"
    EventStore.write(shipped.events, path, title=shipped.title)
    state = cli.state_of_link(KHARKIV_LINK)
    from_yaml = layer_data(page_of(build_site(ListCatalog(shipped), state)))
    from_store = layer_data(page_of(build_site(EventStore.open(path), state)))
    assert sorted(e["id"] for e in from_store["events"]) == sorted(
        e["id"] for e in from_yaml["events"]
    )


def test_titles_are_text_in_the_page(tmp_path):
    hostile = "</title><script>alert(1)</script> `${alert(2)}`"
    dataset = parse_events_text(f"title: '{hostile}'\n" + events_yaml("a"))
    html = page_of(build_site(ListCatalog(dataset), ViewState()))
    assert "<script>alert(1)" not in html and "${alert(2)}" not in html
    assert "<title>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_too_many_events_are_refused_with_how_to_narrow_them(monkeypatch, shipped):
    monkeypatch.setattr(publish, "PUBLISH_LIMIT", 5)
    with pytest.raises(PublishError, match=r"23 events match: a static site holds at most 5"):
        build_site(ListCatalog(shipped), ViewState())


# -- tiles ---------------------------------------------------------------------------------------
def test_tiles_cover_the_world_when_zoomed_out_and_the_view_at_every_zoom():
    view = MapView(49.0, 31.5, 5)
    keys = site_tiles(view, [])
    by_zoom = {z: {k for k in keys if k[0] == z} for z in range(0, 8)}
    assert not by_zoom[0] and not by_zoom[1] and not by_zoom[7]  # min zoom 2; enlarged past 6
    assert len(by_zoom[2]) == 16 and len(by_zoom[3]) == 64
    in_view = viewport_of_view(view, SCREEN_PX).box
    for zoom in (4, 5):  # a large screen around the centre
        around = viewport_of_view(MapView(view.lat, view.lon, zoom), SCREEN_PX).box
        assert set(tiles_covering(around, zoom)) == by_zoom[zoom]
    assert set(tiles_covering(in_view, 6)) == by_zoom[6]  # the view itself, zoomed in


def test_tiles_around_every_event_and_the_box_a_view_fits():
    box = BBox(47.0, 30.0, 50.0, 37.0)
    far = (40.7, -74.0)  # an event far from the others gets its own neighbourhood
    keys = site_tiles(box, [far])
    for zoom in (5, 6):
        assert set(tiles_covering(box, zoom)) <= keys
        ((_, x, y),) = tiles_covering(BBox(*far, *far), zoom)
        assert {(zoom, x + dx, y + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)} <= keys


def test_tiles_are_the_basemaps_with_rows_counted_from_the_north():
    ((key, png),) = list(read_tiles([(2, 2, 1)]))
    assert key == (2, 2, 1) and png.startswith(b"\x89PNG")
    with sqlite3.connect(basemap_db()) as db:
        (stored,) = db.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level=2 AND tile_column=2 AND tile_row=2"
        ).fetchone()
    assert png == bytes(stored)


def test_the_shipped_default_view_holds_a_few_hundred_tiles(shipped_site):
    tiles = [p for p in shipped_site.files if p.startswith("assets/tiles/")]
    assert len(tiles) == shipped_site.tiles
    assert 150 <= shipped_site.tiles <= 600
    assert shipped_site.size < 8_000_000
    zooms = {int(p.split("/")[2]) for p in tiles}
    assert zooms == {2, 3, 4, 5, 6}


# -- writing -------------------------------------------------------------------------------------
def test_written_site_has_every_file_and_is_recognised_as_a_site(tmp_path, shipped_site):
    out = tmp_path / "site"
    write_site(shipped_site, out)
    written = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert written == set(shipped_site.files)
    assert (out / "index.html").read_bytes() == shipped_site.files["index.html"]
    assert is_site(out) and not is_site(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["site"]  # no work folder left behind


def test_an_earlier_site_is_replaced_but_another_folder_only_with_force(tmp_path, shipped_site):
    out = tmp_path / "site"
    write_site(shipped_site, out)
    (out / "stale.txt").write_text("from an earlier site", encoding="utf-8")
    write_site(shipped_site, out)  # an earlier site: replaced whole
    assert not (out / "stale.txt").exists()

    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "mine.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(PublishError, match=r"not empty and holds no earlier site.*--force"):
        write_site(shipped_site, notes)
    assert (notes / "mine.txt").read_text(encoding="utf-8") == "keep me"
    write_site(shipped_site, notes, force=True)
    assert is_site(notes) and not (notes / "mine.txt").exists()

    empty = tmp_path / "empty"
    empty.mkdir()
    write_site(shipped_site, empty)
    assert is_site(empty)


def test_targets_that_cannot_be_a_site_are_refused(tmp_path, shipped_site, monkeypatch):
    a_file = tmp_path / "file.txt"
    a_file.write_text("x", encoding="utf-8")
    with pytest.raises(PublishError, match="is a file"):
        write_site(shipped_site, a_file)
    with pytest.raises(PublishError, match="does not exist"):
        write_site(shipped_site, tmp_path / "missing" / "site")
    data = tmp_path / "data"
    data.mkdir()
    events = data / "events.yaml"
    events.write_text("x", encoding="utf-8")
    with pytest.raises(PublishError, match="which the site would replace"):
        write_site(shipped_site, data, force=True, keep=[events])
    monkeypatch.chdir(data)
    with pytest.raises(PublishError, match="which the site would replace"):
        write_site(shipped_site, tmp_path / "data", force=True)
    assert events.exists()


def test_a_failed_write_leaves_the_earlier_site_and_no_partial_folder(
    tmp_path, shipped_site, monkeypatch
):
    out = tmp_path / "site"
    write_site(shipped_site, out)
    before = (out / "publish.json").read_bytes()
    real = Path.write_bytes
    written = []

    def fail_midway(self: Path, data: bytes) -> int:
        written.append(self)
        if len(written) > 5:
            raise OSError(28, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", fail_midway)
    with pytest.raises(PublishError, match="No space left on device"):
        write_site(shipped_site, out)
    assert (out / "publish.json").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_an_unwritable_folder_is_reported(tmp_path, shipped_site, monkeypatch):
    def refuse(*args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(publish.tempfile, "mkdtemp", refuse)
    with pytest.raises(PublishError, match=r"cannot write in .*: Permission denied"):
        write_site(shipped_site, tmp_path / "site")


def test_the_zip_holds_the_site_in_one_folder(shipped_site):
    archive = zipfile.ZipFile(io.BytesIO(site_zip(shipped_site)))
    names = archive.namelist()
    assert set(names) == {f"event-atlas-site/{p}" for p in shipped_site.files}
    assert archive.read("event-atlas-site/index.html") == shipped_site.files["index.html"]
    tile = next(info for info in archive.infolist() if info.filename.endswith(".png"))
    assert tile.compress_type == zipfile.ZIP_STORED


# -- the command line ----------------------------------------------------------------------------
def test_publish_prints_what_it_wrote(tmp_path):
    out = tmp_path / "site"
    code, stdout, stderr = run("publish", str(SHIPPED_EVENTS), "--out", str(out))
    assert (code, stderr) == (0, "")
    total = len(load_events(SHIPPED_EVENTS).events)
    assert f"{total} events on the map" in stdout
    tiles = json.loads((out / "publish.json").read_text(encoding="utf-8"))["tiles"]
    assert re.search(rf"basemap: {tiles} tiles, zoom 2-6, [\d.]+ MB", stdout)
    assert re.search(r"wrote .*site: \d+ files, [\d.]+ MB", stdout)
    assert (out / "index.html").is_file()


def test_publish_with_a_link_writes_that_view(tmp_path):
    out = tmp_path / "site"
    code, stdout, _ = run(
        "publish", str(SHIPPED_EVENTS), "--out", str(out), "--where", KHARKIV_LINK
    )
    assert code == 0 and "3 events on the map" in stdout
    data = layer_data((out / "index.html").read_text(encoding="utf-8"))
    assert {e["type"] for e in data["events"]} == {"shelling", "attack_on_civilians"}


@pytest.mark.parametrize(
    ("link", "message"),
    [
        ("type=shelling&z=banana&lat=1&lon=2", "--where: cannot read map view"),
        ("?type=nonsense", "--where: cannot read type"),
        ("event=no-such-event", "--where: event no-such-event is not among the events shown"),
        ("type=diplomacy&event=kharkiv-residential-shelling", "is not among the events shown"),
    ],
)
def test_publish_refuses_a_link_it_cannot_follow(tmp_path, link, message):
    out = tmp_path / "site"
    code, stdout, stderr = run("publish", str(SHIPPED_EVENTS), "--out", str(out), "--where", link)
    assert code == 1 and stdout == ""
    assert stderr.startswith("error: ") and message in stderr and stderr.count("\n") == 1
    assert not out.exists()


def test_publish_errors_are_one_line_each(tmp_path):
    code, _, stderr = run("publish", str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "s"))
    assert code == 1 and "missing.yaml" in stderr and "not found" in stderr
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine", encoding="utf-8")
    code, _, stderr = run("publish", str(SHIPPED_EVENTS), "--out", str(busy))
    assert code == 1 and stderr.count("\n") == 1 and "--force" in stderr
    assert [p.name for p in busy.iterdir()] == ["notes.txt"]


def test_publish_runs_as_a_module(tmp_path):
    out = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "geo", "publish", str(SHIPPED_EVENTS), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert is_site(out) and "events on the map" in result.stdout


# -- the page's download -------------------------------------------------------------------------
def test_the_page_download_zips_the_view_the_map_showed_last(shipped):
    from geo.web.page import LastView, _deferred_site

    catalog = ListCatalog(shipped)
    state = cli.state_of_link(KHARKIV_LINK)
    last = LastView(ViewState(selected="kharkiv-residential-shelling", view=state.view))
    build = _deferred_site(catalog, state.event_filter, last)
    archive = zipfile.ZipFile(io.BytesIO(build()))
    data = layer_data(archive.read("event-atlas-site/index.html").decode("utf-8"))
    assert len(data["events"]) == 3
    assert [e["id"] for e in data["events"] if e["selected"]] == ["kharkiv-residential-shelling"]
    last.state = ViewState()  # the reader closed the event: the next build follows
    data = layer_data(archive_page(build()))
    assert not any(e["selected"] for e in data["events"])


def archive_page(zipped: bytes) -> str:
    return zipfile.ZipFile(io.BytesIO(zipped)).read("event-atlas-site/index.html").decode()
