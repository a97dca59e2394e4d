"""The offline gazetteer: a geopy Geocoder over GeoNames data, no network."""

from __future__ import annotations

import pytest
from geopy.geocoders.base import Geocoder
from geopy.location import Location

from geo.errors import AmbiguousPlaceError
from geo.gazetteer import FUZZY_THRESHOLD, Gazetteer, fold, load_index


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
