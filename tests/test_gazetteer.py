"""The offline gazetteer: a geopy Geocoder over GeoNames data, no network."""

from __future__ import annotations

import gc
import os
import shutil
import sqlite3
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import pytest
from geopy.geocoders.base import Geocoder
from geopy.location import Location

from geo.errors import AmbiguousPlaceError, EventAtlasError, GazetteerIndexError
from geo.gazetteer import FUZZY_THRESHOLD, Gazetteer, GazetteerIndex, fold, load_index


@pytest.fixture(scope="session")
def gazetteer(tmp_path_factory) -> Gazetteer:
    # Built (or loaded from the user's cache) once for the whole run.
    return Gazetteer(load_index())


def where(gazetteer: Gazetteer, query: str, **kwargs) -> Location:
    found = gazetteer.geocode(query, **kwargs)
    assert isinstance(found, Location), query
    return found


def test_is_a_geopy_geocoder_returning_locations_with_provenance(gazetteer):
    assert isinstance(gazetteer, Geocoder)
    kyiv = where(gazetteer, "Kyiv")
    assert kyiv.latitude == pytest.approx(50.45, abs=0.05)
    assert kyiv.longitude == pytest.approx(30.52, abs=0.05)
    raw = kyiv.raw
    assert raw["geonames_id"] == 703448
    assert raw["country_code"] == "UA"
    assert raw["population"] > 2_000_000
    assert raw["matched_name"] == "Kyiv" and raw["confidence"] == 1.0
    assert raw["fuzzy"] is False and raw["geo_precision"] == 1


@pytest.mark.parametrize(
    ("names", "geonames_id"),
    [
        (["Kyiv", "Kiev", "Київ", "Киев", "KYIV", "kiev"], 703448),
        (["Kharkiv", "Kharkov", "Харків", "Харьков", "Khar'kov"], 706483),
        (["Zaporizhzhia", "Zaporozhye", "Zaporizhzhya", "Запоріжжя"], 687700),
        (["Homyel", "Gomel", "Homyel'", "Гомель", "Gómel"], 627907),
    ],
)
def test_any_name_case_accent_and_script_insensitive(gazetteer, names, geonames_id):
    for name in names:
        assert where(gazetteer, name).raw["geonames_id"] == geonames_id, name


def test_alternate_names_score_below_the_main_name(gazetteer):
    assert (
        where(gazetteer, "Kharkov").raw["confidence"]
        < where(gazetteer, "Kharkiv").raw["confidence"]
    )


def test_ambiguous_name_says_so_instead_of_guessing(gazetteer):
    with pytest.raises(AmbiguousPlaceError) as info:
        gazetteer.geocode("Odessa")
    message = str(info.value)
    assert "Ukraine" in message and "United States" in message and "country_codes" in message
    assert where(gazetteer, "Odessa", country_codes=["UA"]).raw["country_code"] == "UA"
    assert where(gazetteer, "Odessa", country_codes=["US"]).raw["country_code"] == "US"
    every = gazetteer.geocode("Odessa", exactly_one=False)
    assert isinstance(every, list) and {loc.raw["country_code"] for loc in every} >= {"UA", "US"}


def test_a_much_bigger_namesake_wins_without_a_bias(gazetteer):
    # Moscow, Idaho exists, but is not a comparable reading of "Moscow".
    assert where(gazetteer, "Moscow").raw["country_code"] == "RU"


def test_not_found_is_none(gazetteer):
    assert gazetteer.geocode("Qwxzyplace") is None
    assert gazetteer.geocode("   ") is None


def test_typo_is_matched_fuzzily_and_marked(gazetteer):
    found = where(gazetteer, "Mariupl", country_codes=["UA"])
    assert found.raw["matched_name"] == "Mariupol"
    assert found.raw["fuzzy"] is True
    assert found.raw["confidence"] < FUZZY_THRESHOLD
    assert gazetteer.geocode("Mariupl", fuzzy=False) is None


@pytest.mark.parametrize(
    ("query", "country", "lat", "lon"),
    [
        ("Belarus", "BY", 53.7, 27.9),
        ("Ukraine", "UA", 48.5, 31.5),
        ("Gomel region", "BY", 52.4, 30.0),
        ("Donetsk region", "UA", 48.0, 37.8),
        ("Donetsk Oblast", "UA", 48.0, 37.8),
    ],
)
def test_countries_and_regions_resolve_with_precision_3(gazetteer, query, country, lat, lon):
    found = where(gazetteer, query)
    assert found.raw["country_code"] == country
    assert found.raw["geo_precision"] == 3
    assert found.raw["kind"] in {"country", "region"}
    assert found.latitude == pytest.approx(lat, abs=1.0)
    assert found.longitude == pytest.approx(lon, abs=1.5)


def test_alternate_names_for_search(gazetteer):
    names = gazetteer.alternate_names("Kharkiv", "UA")
    assert "Kharkov" in names and "Харків" in names


def test_fold():
    assert fold("Khar’kov") == fold("Kharkov") == "kharkov"
    assert fold("Zaporizhzhia-Oblast") == "zaporizhzhia oblast"
    assert fold("Gómel") == "gomel"


def test_reverse_is_refused_with_a_reason(gazetteer):
    with pytest.raises(NotImplementedError, match="only goes from names"):
        gazetteer.reverse("50.45, 30.52")


def test_the_index_is_persisted_and_reloaded(tmp_path, monkeypatch):
    import geo.gazetteer as gz

    built = []
    real_build = gz.build_index

    def counting_build(*args, **kwargs):
        built.append(1)
        return real_build(min_population=15000)

    monkeypatch.setattr(gz, "build_index", counting_build)
    first = gz.load_index(tmp_path)
    second = gz.load_index(tmp_path)
    assert built == [1]
    assert len(first.entries) == len(second.entries) > 1000
    assert list(tmp_path.glob("*.tmp")) == []


@pytest.mark.parametrize(
    ("query", "country", "matched", "precision"),
    [
        ("Around Mariupol", "UA", "Mariupol", 2),
        ("North-west of Kyiv (approximate)", "UA", "Kyiv", 2),
        ("Kyiv (not stated in the article)", "UA", "Kyiv", 1),
        ("United Nations Headquarters, New York", "US", "New York City", 1),
    ],
)
def test_names_written_for_readers_resolve_to_the_place_inside(
    gazetteer, query, country, matched, precision
):
    found = where(gazetteer, query, country_codes=[country])
    assert found.raw["matched_name"] == matched
    assert found.raw["geo_precision"] == precision


@pytest.mark.parametrize("query", ["Northern Ireland", "West Bank", "Belarus-Ukraine border"])
def test_direction_words_that_are_part_of_a_name_are_not_stripped(gazetteer, query):
    assert gazetteer.geocode(query, fuzzy=False) is None


# -- the compact index ------------------------------------------------------------------------


def rss_mb() -> float | None:
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    kilobytes = next(int(line.split()[1]) for line in status.splitlines() if line[:6] == "VmRSS:")
    return kilobytes / 1024


def test_a_loaded_gazetteer_is_a_few_python_objects_not_millions(gazetteer):
    # The index file exists (the session fixture built or found it): this measures a load.
    gc.collect()
    objects_before, rss_before = len(gc.get_objects()), rss_mb()
    loaded = Gazetteer(load_index())
    for query in ["Kyiv", "Gomel region", "Mariupl", "Харків"]:
        loaded.geocode(query, country_codes=["UA", "BY"])
    loaded.alternate_names("Kharkiv", "UA")
    gc.collect()
    # The index as Python dicts and lists added about 1.3 million objects and 465 MB.
    assert len(gc.get_objects()) - objects_before < 50_000
    if rss_before is not None:
        assert rss_mb() - rss_before < 60  # type: ignore[operator]


CONCURRENT_QUERIES = [
    ("Kyiv", None),
    ("Kharkov", None),
    ("Odessa", None),
    ("Odessa", ["US"]),
    ("Gomel region", None),
    ("Donetsk Oblast", None),
    ("Mariupl", ["UA"]),
    ("around Mariupol", ["UA"]),
    ("Qwxzyplace", None),
    ("Belarus", None),
]


def answer(gazetteer: Gazetteer, query: str, codes: list[str] | None) -> object:
    try:
        found = gazetteer.geocode(query, country_codes=codes)
    except AmbiguousPlaceError as error:
        return str(error)
    names = gazetteer.alternate_names(query)
    return (found.address, found.point, found.raw, names) if found else (None, names)


def test_concurrent_lookups_give_the_sequential_answers(gazetteer):
    # A fresh index: its connection pool grows while the threads run.
    shared = Gazetteer(load_index())
    expected = [answer(shared, q, c) for q, c in CONCURRENT_QUERIES]
    threads = 8
    start = threading.Barrier(threads)

    def run(shift: int) -> list[object]:
        start.wait()
        order = CONCURRENT_QUERIES[shift:] + CONCURRENT_QUERIES[:shift]
        found = {}
        for _ in range(3):
            for query, codes in order:
                found[(query, tuple(codes or ()))] = answer(shared, query, codes)
        return [found[(q, tuple(c or ()))] for q, c in CONCURRENT_QUERIES]

    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(run, range(threads)))
    assert results == [expected] * threads


@pytest.fixture(scope="module")
def small_index_file(tmp_path_factory) -> Path:
    """One small real index (towns of 15,000 or more), copied by the fake builds below."""
    import geo.gazetteer as gz

    built = gz.build_index(min_population=15000)
    kept = tmp_path_factory.mktemp("small") / "index.sqlite"
    shutil.copyfile(built.path, kept)
    return kept


@pytest.fixture
def builds(monkeypatch, small_index_file) -> list[Path | None]:
    """Counts builds (each records the folder it was asked to build in) and makes them fast."""
    import geo.gazetteer as gz

    asked: list[Path | None] = []

    def fake_build(min_population: int = 500, directory: Path | None = None):
        asked.append(directory)
        handle, name = tempfile.mkstemp(suffix=".tmp", dir=directory)
        os.close(handle)
        shutil.copyfile(small_index_file, name)
        return gz.GazetteerIndex(Path(name), temporary=True)

    monkeypatch.setattr(gz, "build_index", fake_build)
    return asked


def works(index: GazetteerIndex) -> bool:
    found = Gazetteer(index).geocode("Kharkov")
    return isinstance(found, Location) and found.raw["geonames_id"] == 706483


def make_stale(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("UPDATE meta SET value = '1' WHERE key = 'format'")


def truncate(path: Path) -> None:
    with path.open("r+b") as handle:
        handle.truncate(path.stat().st_size // 2 // 4096 * 4096)


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_bytes(b"not a database, only text " * 100),
        lambda path: path.write_bytes(b""),
        truncate,
        make_stale,
    ],
    ids=["garbage", "empty", "truncated", "stale-format"],
)
def test_a_stale_or_damaged_cache_file_is_rebuilt(tmp_path, builds, damage):
    cache = tmp_path / "cache dir #1 ?%"  # characters that mean something in a URI
    assert works(load_index(cache)) and len(builds) == 1
    (path,) = cache.glob("*.sqlite")
    damage(path)
    assert works(load_index(cache))
    assert builds == [cache, cache]
    assert works(load_index(cache)) and len(builds) == 2  # the rebuilt file is kept
    assert sorted(p.name for p in cache.iterdir()) == [path.name]


def test_a_cache_folder_that_cannot_be_written_still_works(tmp_path, builds):
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    index = load_index(blocker / "event-atlas")
    assert works(index)
    assert builds == [None]  # built in the system's temporary folder instead
    temporary = index.path
    assert temporary.exists() and not temporary.is_relative_to(tmp_path)
    del index
    gc.collect()
    assert not temporary.exists()  # removed with the index that used it


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders anyway")
def test_a_read_only_cache_folder_still_works(tmp_path, builds):
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o555)
    try:
        assert works(load_index(cache)) and builds == [None]
        assert list(cache.iterdir()) == []
    finally:
        cache.chmod(0o755)


def test_an_index_file_lost_after_loading_is_reported_as_such(tmp_path, builds):
    index = load_index(tmp_path)
    index.close()
    index.path.unlink()
    with pytest.raises(GazetteerIndexError, match=r"cannot be read.*rebuilt") as info:
        Gazetteer(index).geocode("Kyiv")
    assert isinstance(info.value, EventAtlasError)
