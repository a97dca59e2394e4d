"""Events a source placed on a region's centre, told apart from events at a town.

A tracker that knows only the region of an event often puts it on the region's centroid: one
OSINT tracker's GeoJSON has 4,725 events on 56 points, 474 of them on one. Without a precision
column they read as points (geo_precision 0, unknown), and "Kharkiv" sits on Kharkiv Oblast's
centroid as if it were the city. After an import has read its events, `import_file`
(`geo.io.importer`) calls this module, which gives the events on such an *area point* region
precision (3) and their region's name as `place.admin1` where they have none, and says so in
the import's notes, one line per point.

The rule. An area point is a point that

1. carries at least MIN_EVENTS (10) events whose source gave no precision, at the same
   coordinates once rounded to DECIMALS (4) decimals (about 11 m). Ten reports do not land on
   the same 11 m by chance: the source put them on a named place, a town or an area. The count
   is absolute, not a share of the file: a region's centroid is one whether the file holds 5,000
   events or a million (a share would also need the whole file before any event could go to a
   sink). It keeps the next questions from being asked of single events;
2. lies near a first-level region's centre: within REGION_KM (30 km), or a third of the
   region's radius if that is less (at least 2 km). The offline gazetteer (`geo.gazetteer`) has
   no outlines, so a centre is estimated from the region's towns, in two ways: the gazetteer's
   own point for the region (the median of its towns) and the middle of the land its towns
   cover (the mean of the 0.1-degree cells holding one, which a dense city does not pull); the
   radius from the spread of those cells. The two centres differ by up to 30 km in Ukraine,
   whose oblasts have radii of 65 to 145 km (30 km of reach); a centroid a source computed
   from the outline lies near one of them. Kyiv city, a region of its own, reaches 5 km;
   Moldova's districts, a few km each: a fixed 30 km would take much of Moldova;
3. and is not a town's point, as the names of its first MIN_EVENTS events tell (each read by
   the gazetteer as written, and its part before a comma; typos are not guessed):
   - a name that is a town near the point: within 5 km, 8 km of a town of 100,000 people,
     15 km of a city of a million (NAMED_TOWN_KM: other sources' points for big cities are that
     far from GeoNames'): the point is that town's. Not an area point;
   - else a name that is a region near the point ("Kharkiv Oblast", "Luhansk oblast"), or a town
     in one that is not here ("Kharkiv" on Kharkiv Oblast's centroid, tens of km south of the
     city): an area point, of that region;
   - else names the gazetteer cannot read ("Donetsk International airport", "Pisky village")
     or that are elsewhere: not an area point. A place the gazetteer does not know is more
     likely a real spot (a village under 500 people, an airport) than a centroid;
   - no names at all (the importer names a place by its coordinates when the file has no place
     column): an area point when no gazetteer town is within 1 km, no town of 10,000 people
     within 3 km, of 100,000 within 8 km, of a million within 15 km (TOWN_KM), and it is the
     only stack without names near its region's centre (at a town or not): a source puts a
     region's events on one centroid, so several around one centre are places around it.

On UCDP GED's Ukraine file with its precision ignored, this finds its two "oblast" points (one
of them 0.7 km from Avdiivka's point: only the name tells it) and none of its 56 other stacked
points (towns, villages, Donetsk International airport 1.7 km from the Donetsk region's centre).
With its names ignored too, it finds none (its Donetsk oblast point is Avdiivka's, and its
Luhansk one has four unnamed stacks around the same centre); the geometry alone would have taken
five villages, two towns and the airport around the Donetsk and Luhansk centres, hence the last
condition. GDELT's sample, its precision ignored: none with its names; without them, 19 of its
centroids of US states and countries (its own precision 3) and one point it calls a town
(Craigavon, at 54.5, -6.5: the middle of Northern Ireland).

Never touched: an event whose source gave a precision (any value, 0 included: `unstated` is
false for it), an event without coordinates. The map needs nothing more: it draws precision 3
(as it draws 0) with the dashed circle of an approximate place (`geo.map.layer`).

Cost. The importer counts the rounded points of the events without a precision; the points
carrying MIN_EVENTS near a region are looked up, with the names of their first events. The
gazetteer's regions are read once per process (under a second); the towns near unnamed points
in one scan of the index.

With a sink (`import_file(..., sink=...)`, the command line's import) a file read in one batch
(every table, and JSON of up to 5,000 records) is handled as above before it goes to the sink.
A file of more batches is streamed: the events on a point near a region are held back until
the point carries MIN_EVENTS, then decided and sent on (marked or not; points without names at
the end, as their rule needs every such point); the events of points that never get there are
sent on at the end, after the others. Past HELD_MAX events held back, all of them are sent on
unchanged and no further point is decided (a note says so).
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pycountry

from geo.gazetteer import Entry, Gazetteer, GazetteerIndex, grid_cell, shared_gazetteer
from geo.geodesy import distance_km
from geo.model import Event, country_name

MIN_EVENTS = 10
DECIMALS = 4
REGION_KM = 30.0
# A smaller region's centroid is looked for nearer: a third of its radius, at least 2 km.
REGION_SHARE = 1 / 3
REGION_MIN_KM = 2.0
# (population at least, within km): a point this near a town its events name is that town's
# (GDELT puts Tehran 10.5 km from GeoNames' point, Ho Chi Minh City 9 km, Tokyo 5.4 km) ...
NAMED_TOWN_KM: tuple[tuple[int, float], ...] = ((1_000_000, 15.0), (100_000, 8.0), (0, 5.0))
# ... and a point without names this near any town (a village within 5 km of a random point
# in Ukraine is as likely as not: within 1 km, one in sixteen).
TOWN_KM: tuple[tuple[int, float], ...] = (
    (1_000_000, 15.0),
    (100_000, 8.0),
    (10_000, 3.0),
    (0, 1.0),
)
REGION_PRECISION = 3
# Region centres are looked for in a grid of whole degrees, towns in one of CELLS_PER_DEGREE.
CELLS_PER_DEGREE = 10
# While streaming: points known to be far from every region, remembered up to this many (then
# forgotten: checking again is cheap), and at most this many events held back.
FAR_KEPT = 100_000
HELD_MAX = 50_000
SINK_BATCH = 5_000  # the events held to the end go to the sink this many at a time

Key = tuple[float, float]
Sink = Callable[[list[Event]], None]
# The name the importer gives a place without one: its coordinates ("49.8424, 36.3415").
_COORDINATES = re.compile(r"^\s*-?\d+(?:\.\d*)?\s*,\s*-?\d+(?:\.\d*)?\s*$")


@dataclass(frozen=True)
class Region:
    country: str
    admin1: str
    name: str  # as the gazetteer's pick lists name it: "Kharkiv region", "Texas"
    centres: tuple[tuple[float, float], ...]
    reach_km: float  # how far from a centre a source's centroid of it may be


Found = tuple[Region, float]  # the region of an area point, and the km to its nearest centre


@dataclass(frozen=True)
class AreaPoint:
    """A point whose events were given region precision, for the import's report."""

    latitude: float
    longitude: float
    events: int
    region: str
    country: str
    km: float  # from the region's nearest centre

    def line(self) -> str:
        """`474 events at the centroid of Kharkiv region, Ukraine (49.99, 36.23): region
        precision (…)`."""
        return (
            f"{self.events:,} events at the centroid of {self.region}, "
            f"{_country(self.country)} ({self.latitude:.2f}, {self.longitude:.2f}): "
            "region precision (the file gives no precision, and the point is no town's)"
        )


def _country(code: str) -> str:
    """A country's everyday name ("Moldova", not "Moldova, Republic of")."""
    known = pycountry.countries.get(alpha_2=code)
    common = getattr(known, "common_name", None) if known is not None else None
    return str(common) if common else country_name(code)


def point_key(event: Event) -> Key | None:
    """The event's point rounded to DECIMALS; None without coordinates."""
    place = event.place
    if place.latitude is None or place.longitude is None:
        return None
    return (round(place.latitude, DECIMALS), round(place.longitude, DECIMALS))


# -- where regions and towns are ------------------------------------------------------------


class Regions:
    """Every first-level region's centres, in a grid of whole degrees."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        index = gazetteer.index
        lands = _lands(index)
        self._grid: dict[tuple[int, int], list[tuple[Region, tuple[float, float]]]] = {}
        for entry in index.regions():
            own = (entry.latitude, entry.longitude)
            middle, radius = lands.get((entry.country, entry.admin1), (own, 0.0))
            centres = (own,) if middle == own else (own, middle)
            name = gazetteer.region_name(entry) or entry.name
            reach = min(REGION_KM, max(REGION_MIN_KM, radius * REGION_SHARE))
            region = Region(entry.country, entry.admin1, name, centres, reach)
            for centre in centres:
                cell = (math.floor(centre[0]), math.floor(centre[1]))
                self._grid.setdefault(cell, []).append((region, centre))

    def near(self, lat: float, lon: float) -> list[Found]:
        """The regions with a centre within their reach of the point, the nearest first."""
        row, column = math.floor(lat), math.floor(lon)
        reach = min(180, 1 + int(REGION_KM / (111.0 * max(math.cos(math.radians(lat)), 0.01))))
        best: dict[tuple[str, str], Found] = {}
        for r in range(row - 1, row + 2):
            for c in range(column - reach, column + reach + 1):
                for region, centre in self._grid.get((r, (c + 180) % 360 - 180), ()):
                    km = distance_km((lat, lon), centre)
                    key = (region.country, region.admin1)
                    if km <= region.reach_km and (key not in best or km < best[key][1]):
                        best[key] = (region, km)
        return sorted(best.values(), key=lambda found: found[1])


def _lands(index: GazetteerIndex) -> dict[tuple[str, str], tuple[tuple[float, float], float]]:
    """Each region's land, as its towns cover it: its middle (the mean of the grid cells of
    1/CELLS_PER_DEGREE degrees holding at least one of its towns) and its radius in km (that
    of a disc of the same spread: the cells' root mean square distance from the middle, times
    the square root of 2)."""
    cells: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for country, admin1, row, column in set(index.town_cells(CELLS_PER_DEGREE)):
        cells[(country, admin1)].append((row, column))
    cell_km = 111.0 / CELLS_PER_DEGREE
    lands: dict[tuple[str, str], tuple[tuple[float, float], float]] = {}
    for region, held in cells.items():
        rows = sum(row for row, _ in held) / len(held)
        columns = sum(column for _, column in held) / len(held)
        middle = (
            (rows + 0.5) / CELLS_PER_DEGREE - 90,  # a cell's middle, not its corner
            (columns + 0.5) / CELLS_PER_DEGREE - 180,
        )
        across = cell_km * math.cos(math.radians(middle[0]))
        spread = sum(
            ((row - rows) * cell_km) ** 2 + ((column - columns) * across) ** 2
            for row, column in held
        ) / len(held)
        lands[region] = (middle, math.sqrt(2 * spread))
    return lands


@functools.lru_cache(maxsize=1)
def regions_of(gazetteer: Gazetteer) -> Regions:
    """The regions of a gazetteer, read once (under a second for the shipped one)."""
    return Regions(gazetteer)


class Finder:
    """Which points are area points (rules 2 and 3 of the module docstring)."""

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        self._gazetteer = gazetteer
        self._towns: dict[tuple[int, int], list[tuple[float, float, int]]] = {}
        self._readings: dict[str, list[Entry]] = {}

    @property
    def gazetteer(self) -> Gazetteer:
        if self._gazetteer is None:
            self._gazetteer = shared_gazetteer()
        return self._gazetteer

    def near(self, key: Key) -> bool:
        """Whether the point is near some region's centre (rule 2)."""
        return bool(regions_of(self.gazetteer).near(*key))

    def areas(self, points: Mapping[Key, Sequence[str]]) -> dict[Key, Found]:
        """The area points among these stacked points (each with the names of its first
        MIN_EVENTS events), with their region and its distance."""
        regions = regions_of(self.gazetteer)
        found: dict[Key, Found] = {}
        unnamed: dict[Key, Found] = {}
        for key, names in points.items():
            near = regions.near(*key)
            if not near:
                continue
            real = [name for name in dict.fromkeys(names) if not _COORDINATES.match(name)]
            if not real:
                unnamed[key] = near[0]
                continue
            named = self._named(key, real, near)
            if named is not None:
                found[key] = named
        # A source puts a region's events on one centroid: several stacks without names around
        # one region's centre are places around it (UCDP's towns and villages near Donetsk).
        around = Counter(_id(region) for region, _ in unnamed.values())
        alone = {key: near for key, near in unnamed.items() if around[_id(near[0])] == 1}
        towns = self.at_town(alone)
        found.update({key: near for key, near in alone.items() if key not in towns})
        return found

    def region_of(self, key: Key) -> tuple[str, str] | None:
        """(country, admin1) of the region whose centre is nearest the point, within
        its reach: the region an unnamed point would be the centroid of."""
        near = regions_of(self.gazetteer).near(*key)
        return _id(near[0][0]) if near else None

    def _named(self, key: Key, names: Sequence[str], near: Sequence[Found]) -> Found | None:
        """The region the names say a point is the centre of; None when they name a town
        here, or nothing near."""
        regions = {(region.country, region.admin1): (region, km) for region, km in near}
        named: list[Found] = []
        for name in names:
            for entry in self._read(name):
                if entry.kind == "city" and _within(key, entry, NAMED_TOWN_KM):
                    return None
                region = regions.get((entry.country, entry.admin1))
                if region is not None:
                    named.append(region)
        return min(named, key=lambda found: found[1]) if named else None

    def _read(self, name: str) -> list[Entry]:
        """The towns and regions a name may be, as written ("Kharkiv Oblast, Ukraine": also
        "Kharkiv Oblast"); no typo guesses."""
        if name not in self._readings:
            texts = dict.fromkeys([name, name.split(",", 1)[0]])
            self._readings[name] = [
                match.entry
                for text in texts
                if text.strip()
                for match in self.gazetteer.matches(text, fuzzy=False)
                if match.entry.kind in ("city", "region")
            ]
        return self._readings[name]

    def at_town(self, keys: Iterable[Key]) -> set[Key]:
        """The points that are a town's by TOWN_KM (for points without names)."""
        keys = list(keys)
        self._fetch_towns({cell for key in keys for cell in _cells_around(key)})
        return {key for key in keys if self._at_town(key)}

    def _fetch_towns(self, cells: set[tuple[int, int]]) -> None:
        missing = cells - self._towns.keys()
        if not missing:
            return
        for cell in missing:
            self._towns[cell] = []
        for town in self.gazetteer.index.towns_in_cells(missing, CELLS_PER_DEGREE):
            self._towns.setdefault(grid_cell(town[0], town[1], CELLS_PER_DEGREE), []).append(town)

    def _at_town(self, key: Key) -> bool:
        for cell in _cells_around(key):
            for lat, lon, people in self._towns.get(cell, ()):
                reach = next(km for least, km in TOWN_KM if people >= least)
                if abs(lat - key[0]) * 111.0 <= reach and distance_km(key, (lat, lon)) <= reach:
                    return True
        return False


def _within(key: Key, town: Entry, reaches: Sequence[tuple[int, float]]) -> bool:
    reach = next(km for least, km in reaches if town.population >= least)
    return distance_km(key, (town.latitude, town.longitude)) <= reach


def _id(region: Region) -> tuple[str, str]:
    return (region.country, region.admin1)


def _cells_around(key: Key) -> list[tuple[int, int]]:
    """The grid cells within the farthest TOWN_KM of a point."""
    farthest = max(km for _, km in TOWN_KM)
    row, column = grid_cell(key[0], key[1], CELLS_PER_DEGREE)
    cell_km = 111.0 / CELLS_PER_DEGREE
    rows = 1 + int(farthest / cell_km)
    columns = 1 + int(farthest / (cell_km * max(math.cos(math.radians(key[0])), 0.01)))
    columns = min(columns, 180 * CELLS_PER_DEGREE)
    width = 360 * CELLS_PER_DEGREE
    return [
        (r, c % width)
        for r in range(row - rows, row + rows + 1)
        for c in range(column - columns, column + columns + 1)
    ]


def marked(event: Event, region: Region) -> Event:
    """The event at region precision, named in its region unless the source named one."""
    place = event.place
    update: dict[str, object] = {"geo_precision": REGION_PRECISION}
    if not (place.admin1 or "").strip():
        update["admin1"] = region.name
    return event.model_copy(update={"place": place.model_copy(update=update)})


# -- over an import ---------------------------------------------------------------------------


@dataclass
class AreaPoints:
    """Area points over an import's batches: `count` then `mark` for events kept in memory,
    `pass_on` then `flush` for events that go to a sink (see the module docstring)."""

    finder: Finder = field(default_factory=Finder)
    found: list[AreaPoint] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _counts: Counter[Key] = field(default_factory=Counter)
    _unstated: bytearray = field(default_factory=bytearray)
    # With a sink: the first batch, until a second one shows the file is streamed.
    _first: tuple[list[Event], list[bool]] | None = None
    _streaming: bool = False
    _areas: dict[Key, Found] = field(default_factory=dict)
    _decided: set[Key] = field(default_factory=set)  # stacked, not area points
    _far: set[Key] = field(default_factory=set)
    _held: dict[Key, list[Event]] = field(default_factory=dict)
    # Stacked points without names: those held to the end (one per region, not a town's), and
    # every one around each region's centre.
    _unnamed: dict[Key, list[str]] = field(default_factory=dict)
    _unnamed_regions: dict[tuple[str, str] | None, list[Key]] = field(default_factory=dict)
    _held_count: int = 0
    _gave_up: bool = False

    # -- events kept in memory
    def count(self, events: Sequence[Event], unstated: Sequence[bool]) -> None:
        """Count the points of these events (unstated: the source gave no precision)."""
        for event, flag in zip(events, unstated, strict=True):
            self._unstated.append(flag)
            if flag and (key := point_key(event)) is not None:
                self._counts[key] += 1

    def mark(self, events: list[Event]) -> None:
        """Mark, in place, the events counted (in the same order) that are on area points."""
        stacked = {
            key
            for key, count in self._counts.items()
            if count >= MIN_EVENTS and self.finder.near(key)
        }
        names: dict[Key, list[str]] = {key: [] for key in stacked}
        waiting = len(names)  # points that have fewer than MIN_EVENTS names yet
        for i, event in enumerate(events):
            if not waiting:
                break
            key = point_key(event) if self._unstated[i] else None
            if key is not None and key in names and len(names[key]) < MIN_EVENTS:
                names[key].append(event.place.name)
                if len(names[key]) == MIN_EVENTS:
                    waiting -= 1
        areas = self.finder.areas(names)
        self._report(areas, self._counts)
        if not areas:
            return
        for i, event in enumerate(events):
            key = point_key(event) if self._unstated[i] else None
            found = areas.get(key) if key is not None else None
            if found is not None:
                events[i] = marked(event, found[0])

    # -- events that go to a sink
    def pass_on(self, events: list[Event], unstated: list[bool], sink: Sink) -> None:
        """Hand a batch to the sink: the first is kept until the next batch (or the end)."""
        if not self._streaming and self._first is None:
            self._first = (events, unstated)
            return
        if self._first is not None:
            self._streaming = True
            first, self._first = self._first, None
            sink(self._streamed(*first))
        sink(self._streamed(events, unstated))

    def flush(self, sink: Sink) -> None:
        """The end of the file: the rest goes to the sink."""
        if self._first is not None:  # one batch: all of its events are known
            events, unstated = self._first
            self._first = None
            self.count(events, unstated)
            self.mark(events)
            sink(events)
            return
        if not self._streaming:
            return
        rest = self._decide(self._unnamed) if self._unnamed else []
        self._report(self._areas, self._counts)
        rest += [event for held in self._held.values() for event in held]
        self._held.clear()
        for start in range(0, len(rest), SINK_BATCH):
            sink(rest[start : start + SINK_BATCH])

    def _streamed(self, events: list[Event], unstated: list[bool]) -> list[Event]:
        """The events of a batch that can go on now, marked where their point is an area
        point; those on a point near a region that is not decided yet are held back."""
        out: list[Event] = []
        ready: dict[Key, list[str]] = {}
        unnamed: dict[Key, list[str]] = {}
        for event, flag in zip(events, unstated, strict=True):
            key = point_key(event) if flag else None
            if key is None or key in self._decided or key in self._far:
                out.append(event)
            elif key in self._areas:
                out.append(marked(event, self._areas[key][0]))
                self._counts[key] += 1
            elif key in self._held or (not self._gave_up and self._near(key)):
                held = self._held.setdefault(key, [])
                held.append(event)
                self._held_count += 1
                if len(held) == MIN_EVENTS:
                    names = [e.place.name for e in held]
                    if all(_COORDINATES.match(name) for name in names):
                        unnamed[key] = names
                    else:
                        ready[key] = names
            else:
                out.append(event)
        if unnamed:
            out += self._unnamed_stacks(unnamed)
        if ready:
            out += self._decide(ready)
        if self._held_count > HELD_MAX:
            out += [event for held in self._held.values() for event in held]
            self._held.clear()
            self._unnamed.clear()
            self._unnamed_regions.clear()
            self._held_count = 0
            self._gave_up = True
            self.notes.append(
                "points near a region's centre were checked for region centroids only in the "
                f"first part of the file: over {HELD_MAX:,} of its events would have been held "
                "back for it"
            )
        return out

    def _unnamed_stacks(self, unnamed: Mapping[Key, list[str]]) -> list[Event]:
        """Points without names that just got stacked: a town's is a town's at once, and a
        second one around a region's centre makes both places around it; the only one around
        its region waits for the end of the file (`Finder.areas` asks the same)."""
        towns = self.finder.at_town(unnamed)
        places: list[Key] = []
        for key, names in unnamed.items():
            around = self._unnamed_regions.setdefault(self.finder.region_of(key), [])
            around.append(key)
            if len(around) == 2 and around[0] in self._unnamed:
                del self._unnamed[around[0]]
                places.append(around[0])
            if len(around) > 1 or key in towns:
                places.append(key)
            else:
                self._unnamed[key] = names
        out: list[Event] = []
        for key in places:
            held = self._held.pop(key)
            self._held_count -= len(held)
            self._decided.add(key)
            out += held
        return out

    def _decide(self, ready: Mapping[Key, Sequence[str]]) -> list[Event]:
        """The held events of these stacked points, marked if they are area points."""
        areas = self.finder.areas(ready)
        out: list[Event] = []
        for key in ready:
            held = self._held.pop(key)
            self._held_count -= len(held)
            found = areas.get(key)
            if found is None:
                self._decided.add(key)
                out += held
            else:
                self._areas[key] = found
                self._counts[key] = len(held)
                out += [marked(event, found[0]) for event in held]
        return out

    def _near(self, key: Key) -> bool:
        if self.finder.near(key):
            return True
        if len(self._far) >= FAR_KEPT:
            self._far.clear()
        self._far.add(key)
        return False

    def lines(self) -> list[str]:
        """The import's notes: one line per area point, the biggest first."""
        return self.notes + [point.line() for point in self.found]

    def _report(self, areas: Mapping[Key, Found], counts: Counter[Key]) -> None:
        self.found = sorted(
            (
                AreaPoint(key[0], key[1], counts[key], region.name, region.country, round(km, 1))
                for key, (region, km) in areas.items()
            ),
            key=lambda p: (-p.events, p.latitude, p.longitude),
        )


def area_points(
    events: list[Event], unstated: Iterable[bool] | None = None, finder: Finder | None = None
) -> list[AreaPoint]:
    """Mark, in place, the events on area points; `unstated` says which events' sources gave
    no precision (all of them when None). For tools and benchmarks outside an import."""
    points = AreaPoints(finder or Finder())
    flags = [True] * len(events) if unstated is None else list(unstated)
    points.count(events, flags)
    points.mark(events)
    return points.found
