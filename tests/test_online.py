"""Online geocoding (geo.online): no test touches the network or really sleeps.

The online geocoders get a fake geopy adapter with canned answers or errors; the offline gazetteer
is a small fake geopy Geocoder; the rate limiter gets a fake clock whose sleeps are recorded.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from geopy.adapters import AdapterHTTPError, BaseSyncAdapter
from geopy.exc import (
    GeocoderInsufficientPrivileges,
    GeocoderRateLimited,
    GeocoderServiceError,
    GeocoderTimedOut,
    GeocoderUnavailable,
)
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import online
from geo.errors import AmbiguousPlaceError, GeocodingError, PlaceNotFoundError, SettingError
from geo.model import Geocoded
from geo.online import (
    ONLINE_SETTINGS,
    GeocodeCache,
    GeocoderConfig,
    GeocodeResult,
    GeocodingService,
    config_from_env,
    provenance,
)

UA = "event-atlas-tests/1.0 (tests@event-atlas.invalid)"

# ----------------------------------------------------------------------------- guards


@pytest.fixture(autouse=True)
def _no_network_no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_connect(*args: object, **kwargs: object) -> None:
        raise AssertionError("a test tried to open a network connection")

    def no_sleep(seconds: float) -> None:
        raise AssertionError(f"a test tried to really sleep {seconds} s")

    monkeypatch.setattr(socket.socket, "connect", no_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", no_connect)
    monkeypatch.setattr(socket, "create_connection", no_connect)
    monkeypatch.setattr(socket, "getaddrinfo", no_connect)
    monkeypatch.setattr(time, "sleep", no_sleep)


# ----------------------------------------------------------------------------- fakes


GAZETTEER_PLACES = {
    "kharkiv": ("Kharkiv", 49.9935, 36.2304, "UA", 706483),
    "kyiv": ("Kyiv", 50.4501, 30.5234, "UA", 703448),
    "odesa": ("Odesa", 46.4825, 30.7233, "UA", 698740),
}


class FakeGazetteer(Geocoder):  # type: ignore[misc]
    """The offline gazetteer's contract, with three known places."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, list[str] | None]] = []

    def geocode(
        self,
        query: str,
        *,
        exactly_one: bool = True,
        country_codes: list[str] | None = None,
        timeout: float | None = None,
    ) -> Location | None:
        self.calls.append((query, country_codes))
        key = " ".join(query.lower().split())
        if key == "springfield" and not country_codes:
            raise AmbiguousPlaceError(query, ["Springfield, US-IL", "Springfield, US-MA"])
        if key not in GAZETTEER_PLACES:
            return None
        name, lat, lon, cc, gid = GAZETTEER_PLACES[key]
        if country_codes and cc not in country_codes:
            return None
        raw = {
            "provider": "gazetteer",
            "matched_name": name,
            "geonames_id": gid,
            "country_code": cc,
            "population": 1_000_000,
            "confidence": 0.97,
            "fuzzy": key != query,
            "kind": "city",
            "geo_precision": 1,
        }
        return Location(f"{name}, Ukraine", (lat, lon), raw)


Answer = Any  # canned JSON, an exception to raise, or a callable(url) giving either


class FakeAdapter(BaseSyncAdapter):  # type: ignore[misc]
    """Serves the scripted answers in order (the last one repeats) and records every request."""

    def __init__(self, *answers: Answer) -> None:
        super().__init__(proxies=None, ssl_context=None)
        self.answers = list(answers)
        self.requests: list[dict[str, Any]] = []

    def factory(self, **kwargs: object) -> FakeAdapter:
        return self

    @property
    def calls(self) -> int:
        return len(self.requests)

    def params(self, index: int = -1) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.requests[index]["url"]).query)

    def get_json(self, url: str, *, timeout: float, headers: dict[str, str]) -> Any:
        self.requests.append({"url": url, "timeout": timeout, "headers": dict(headers)})
        if not self.answers:
            raise AssertionError(f"unexpected request {url}")
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if callable(answer) and not isinstance(answer, type):
            answer = answer(url)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def get_text(self, url: str, *, timeout: float, headers: dict[str, str]) -> str:
        return json.dumps(self.get_json(url, timeout=timeout, headers=headers))


class FakeClock:
    """A monotonic clock that only moves when something sleeps (or a test advances it)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def nominatim_place(
    name: str = "Kharkiv, Kharkiv Oblast, Ukraine",
    lat: str = "49.9923181",
    lon: str = "36.2310146",
    country_code: str = "ua",
    importance: float | None = 0.71,
) -> dict[str, Any]:
    place: dict[str, Any] = {
        "place_id": 1,
        "licence": "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
        "osm_type": "relation",
        "osm_id": 3154746,
        "lat": lat,
        "lon": lon,
        "display_name": name,
        "class": "boundary",
        "type": "administrative",
        "address": {"city": name.split(",")[0], "country_code": country_code},
    }
    if importance is not None:
        place["importance"] = importance
    return place


def photon_feature(name: str, lon: float, lat: float, countrycode: str) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "osm_id": 1,
            "name": name,
            "country": {"US": "United States", "UA": "Ukraine"}.get(countrycode, "?"),
            "countrycode": countrycode,
            "type": "city",
        },
    }


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def gazetteer() -> FakeGazetteer:
    return FakeGazetteer()


@pytest.fixture
def make_service(
    tmp_path: Path, clock: FakeClock, gazetteer: FakeGazetteer
) -> Callable[..., GeocodingService]:
    def make(
        adapter: FakeAdapter | None = None,
        *,
        provider: str = "nominatim",
        cache: bool | Path = True,
        **config: Any,
    ) -> GeocodingService:
        if cache is True:
            cache_path: Path | None = tmp_path / "cache" / "geocode-cache.json"
        else:
            cache_path = cache or None
        cfg = GeocoderConfig(
            provider=provider,  # type: ignore[arg-type]
            user_agent=UA if provider != "offline" else None,
            cache_path=cache_path,
            **config,
        )
        return GeocodingService(
            cfg,
            gazetteer,
            adapter_factory=adapter.factory if adapter is not None else None,
            clock=clock,
            sleep=clock.sleep,
        )

    return make


# ----------------------------------------------------------------------------- configuration


def test_config_defaults_to_offline_with_a_cache_in_the_home_folder() -> None:
    config = config_from_env({})
    assert config.provider == "offline"
    assert config.user_agent is None
    assert config.cache_path == Path("~/.cache/event-atlas/geocode-cache.json").expanduser()
    assert (config.timeout_s, config.retries, config.min_delay_s) == (5.0, 2, 1.0)
    assert not config.online


@pytest.mark.parametrize("provider", ["nominatim", "photon", " Nominatim ", "PHOTON"])
def test_config_online_provider_with_user_agent(provider: str, tmp_path: Path) -> None:
    config = config_from_env(
        {
            "EVENT_ATLAS_GEOCODER": provider,
            "EVENT_ATLAS_USER_AGENT": f"  {UA} ",
            "EVENT_ATLAS_GEOCODE_CACHE": str(tmp_path / "c.json"),
        }
    )
    assert config.provider == provider.strip().lower()
    assert config.user_agent == UA
    assert config.cache_path == tmp_path / "c.json"
    assert config.online


@pytest.mark.parametrize("value", ["off", "OFF", "none"])
def test_config_cache_can_be_turned_off(value: str) -> None:
    assert config_from_env({"EVENT_ATLAS_GEOCODE_CACHE": value}).cache_path is None


@pytest.mark.parametrize("provider", ["nominatim", "photon"])
@pytest.mark.parametrize("user_agent", [None, "", "   "])
def test_config_online_without_user_agent_says_how_to_fix(
    provider: str, user_agent: str | None
) -> None:
    env = {"EVENT_ATLAS_GEOCODER": provider}
    if user_agent is not None:
        env["EVENT_ATLAS_USER_AGENT"] = user_agent
    with pytest.raises(SettingError) as info:
        config_from_env(env)
    message = str(info.value)
    assert "EVENT_ATLAS_USER_AGENT" in message
    assert "e.g. 'my-newsroom-atlas/1.0 (desk@example.org)'" in message


@pytest.mark.parametrize(
    "user_agent",
    [
        "geopy/2.5.0",
        "GeoPy/1.0",
        "my-application",
        "My_App/1",
        "my_user_agent/1.0",
        "specify_your_app_name_here",
        "my-newsroom-atlas/1.0 (desk@example.org)",
        "good-agent/1.0\r\nX-Injected: 1",
    ],
)
def test_config_refuses_default_sample_and_multiline_user_agents(user_agent: str) -> None:
    with pytest.raises(SettingError, match="EVENT_ATLAS_USER_AGENT"):
        config_from_env({"EVENT_ATLAS_GEOCODER": "nominatim", "EVENT_ATLAS_USER_AGENT": user_agent})
    with pytest.raises(SettingError):
        GeocoderConfig(provider="photon", user_agent=user_agent)


def test_config_offline_ignores_a_missing_or_sample_user_agent() -> None:
    config = config_from_env({"EVENT_ATLAS_USER_AGENT": "geopy/2.5"})
    assert config.provider == "offline"


def test_config_unknown_provider_is_refused() -> None:
    with pytest.raises(SettingError, match="offline, nominatim, photon"):
        config_from_env({"EVENT_ATLAS_GEOCODER": "google"})


@pytest.mark.parametrize(
    "bad", [{"timeout_s": 0}, {"timeout_s": float("nan")}, {"retries": -1}, {"min_delay_s": -1}]
)
def test_config_refuses_impossible_numbers(bad: dict[str, Any]) -> None:
    with pytest.raises(SettingError):
        GeocoderConfig(**bad)


def test_online_settings_document_the_variables_config_reads() -> None:
    names = [s.name for s in ONLINE_SETTINGS]
    assert names == ["EVENT_ATLAS_GEOCODER", "EVENT_ATLAS_USER_AGENT", "EVENT_ATLAS_GEOCODE_CACHE"]
    defaults = {s.name: s.default for s in ONLINE_SETTINGS}
    assert config_from_env({}).provider == defaults["EVENT_ATLAS_GEOCODER"]
    assert (
        config_from_env({}).cache_path == Path(defaults["EVENT_ATLAS_GEOCODE_CACHE"]).expanduser()
    )
    assert all(s.meaning.strip() for s in ONLINE_SETTINGS)


# ----------------------------------------------------------------------------- offline provider


def test_offline_provider_uses_only_the_gazetteer(
    make_service: Callable[..., GeocodingService], gazetteer: FakeGazetteer, tmp_path: Path
) -> None:
    adapter = FakeAdapter(AssertionError("the offline provider must not go online"))
    service = make_service(adapter, provider="offline")
    result = service.locate("Kharkiv", ["ua"])
    assert result.location is not None
    assert result.location.point[:2] == (49.9935, 36.2304)
    assert result == GeocodeResult(result.location, "gazetteer", False, None, None)
    assert gazetteer.calls == [("Kharkiv", ["UA"])]
    assert adapter.calls == 0
    assert not (tmp_path / "cache").exists()


def test_offline_not_found_is_none_without_warning(
    make_service: Callable[..., GeocodingService],
) -> None:
    result = make_service(provider="offline").locate("Atlantis")
    assert result.location is None and result.warning is None and not result.found


def test_offline_ambiguous_place_propagates(make_service: Callable[..., GeocodingService]) -> None:
    with pytest.raises(AmbiguousPlaceError):
        make_service(provider="offline").locate("Springfield")


@pytest.mark.parametrize("query", ["", "   "])
def test_empty_query_is_refused(make_service: Callable[..., GeocodingService], query: str) -> None:
    with pytest.raises(GeocodingError, match="empty"):
        make_service(FakeAdapter()).locate(query)


def test_malformed_country_code_is_refused(make_service: Callable[..., GeocodingService]) -> None:
    adapter = FakeAdapter([nominatim_place()])
    with pytest.raises(GeocodingError, match="alpha-2"):
        make_service(adapter).locate("Kharkiv", ["Ukraine"])
    with pytest.raises(GeocodingError, match="alpha-2"):
        make_service(adapter).locate("Kharkiv", ["ß"])  # upper-cases to "SS"
    assert adapter.calls == 0


# ----------------------------------------------------------------------------- Nominatim


def test_nominatim_success_sends_query_countrycodes_and_user_agent(
    make_service: Callable[..., GeocodingService], gazetteer: FakeGazetteer
) -> None:
    adapter = FakeAdapter([nominatim_place()])
    result = make_service(adapter, timeout_s=7.5).locate("Kharkiv", ["UA", "ru", "ua"])

    assert result.location is not None
    assert result.location.latitude == pytest.approx(49.9923181)
    assert result.location.longitude == pytest.approx(36.2310146)
    assert result.provider == "nominatim"
    assert result.from_cache is False
    assert result.warning is None
    assert result.attribution == "Geocoding © OpenStreetMap contributors (Nominatim)"
    assert gazetteer.calls == []

    (request,) = adapter.requests
    assert request["url"].startswith("https://nominatim.openstreetmap.org/search?")
    assert request["headers"]["User-Agent"] == UA
    assert request["timeout"] == 7.5
    params = adapter.params()
    assert params["q"] == ["Kharkiv"]
    assert params["countrycodes"] == ["ru,ua"]
    assert params["format"] == ["json"]


def test_nominatim_without_country_codes_sends_no_countrycodes(
    make_service: Callable[..., GeocodingService],
) -> None:
    adapter = FakeAdapter([nominatim_place()])
    make_service(adapter).locate("Kharkiv")
    assert "countrycodes" not in adapter.params()


def test_rate_limited_429_falls_back_with_warning(
    make_service: Callable[..., GeocodingService], clock: FakeClock
) -> None:
    too_many = AdapterHTTPError("Too Many Requests", status_code=429, headers={}, text="slow down")
    adapter = FakeAdapter(too_many)
    result = make_service(adapter).locate("Kharkiv")

    assert result.provider == "gazetteer"
    assert result.location is not None and result.location.raw["matched_name"] == "Kharkiv"
    assert result.warning is not None
    assert result.warning.startswith("Nominatim refused the request: too many requests")
    assert "429" in result.warning
    assert result.warning.endswith("used the offline gazetteer instead.")
    assert result.attribution is None
    assert adapter.calls == 3  # one try and config.retries (2) retries
    assert clock.sleeps == [2.0, 2.0]  # the error wait between tries, recorded, never slept


def test_rate_limited_with_long_retry_after_is_not_retried(
    make_service: Callable[..., GeocodingService], clock: FakeClock
) -> None:
    adapter = FakeAdapter(GeocoderRateLimited("429", retry_after=60))
    result = make_service(adapter).locate("Kharkiv")
    assert adapter.calls == 1
    assert clock.sleeps == []
    assert result.warning is not None and "wait 60 s" in result.warning
    assert result.location is not None


def test_timeout_falls_back_with_warning(make_service: Callable[..., GeocodingService]) -> None:
    adapter = FakeAdapter(GeocoderTimedOut("Service timed out"))
    result = make_service(adapter).locate("Kharkiv")
    assert result.provider == "gazetteer" and result.location is not None
    assert result.warning == (
        "Nominatim did not answer (timed out after 5 s); used the offline gazetteer instead."
    )


def test_no_network_falls_back_with_warning(make_service: Callable[..., GeocodingService]) -> None:
    adapter = FakeAdapter(GeocoderUnavailable("[Errno -3] Temporary failure in name resolution"))
    result = make_service(adapter, retries=0).locate("Kyiv")
    assert result.provider == "gazetteer" and result.location is not None
    assert result.warning is not None
    assert result.warning.startswith("Nominatim could not be reached (no network")
    assert "name resolution" in result.warning
    assert adapter.calls == 1


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            AdapterHTTPError("Internal Server Error", status_code=500, headers={}, text=""),
            "Nominatim failed (GeocoderServiceError",
        ),
        (GeocoderServiceError("boom"), "Nominatim failed (GeocoderServiceError: boom)"),
        (GeocoderInsufficientPrivileges("HTTP Error 403"), "EVENT_ATLAS_USER_AGENT"),
        (lambda url: [{"lat": "not a number"}], "could not be read"),
        (RuntimeError("adapter bug"), "failed unexpectedly (RuntimeError: adapter bug)"),
    ],
)
def test_any_online_failure_falls_back_and_never_crashes(
    make_service: Callable[..., GeocodingService], error: Any, expected: str
) -> None:
    result = make_service(FakeAdapter(error)).locate("Odesa")
    assert result.provider == "gazetteer"
    assert result.location is not None
    assert result.warning is not None and expected in result.warning


def test_outage_is_never_a_silent_not_found(
    make_service: Callable[..., GeocodingService],
) -> None:
    adapter = FakeAdapter(GeocoderUnavailable("connection refused"))
    result = make_service(adapter).locate("Atlantis")
    assert result.location is None
    assert result.warning is not None
    assert "Nominatim could not be reached" in result.warning
    assert "the offline gazetteer does not know 'Atlantis'" in result.warning


def test_outage_then_ambiguous_gazetteer_answer_keeps_the_outage_note(
    make_service: Callable[..., GeocodingService],
) -> None:
    adapter = FakeAdapter(GeocoderTimedOut("timed out"))
    with pytest.raises(AmbiguousPlaceError) as info:
        make_service(adapter).locate("Springfield")
    assert any("Nominatim did not answer" in note for note in info.value.__notes__)


def test_online_not_found_tries_the_gazetteer_with_warning(
    make_service: Callable[..., GeocodingService], gazetteer: FakeGazetteer
) -> None:
    adapter = FakeAdapter([])
    result = make_service(adapter).locate("Kharkiv", ["UA"])
    assert result.provider == "gazetteer"
    assert result.location is not None
    assert result.warning == (
        "Nominatim found nothing for 'Kharkiv'; used the offline gazetteer instead."
    )
    assert gazetteer.calls == [("Kharkiv", ["UA"])]


def test_not_found_anywhere_says_so(make_service: Callable[..., GeocodingService]) -> None:
    result = make_service(FakeAdapter([])).locate("Atlantis")
    assert result.location is None and result.provider == "gazetteer"
    assert result.warning == (
        "Nominatim found nothing for 'Atlantis', and the offline gazetteer does not know "
        "'Atlantis'."
    )


# ----------------------------------------------------------------------------- Photon


def test_photon_filters_by_country_afterwards(
    make_service: Callable[..., GeocodingService],
) -> None:
    answer = {
        "type": "FeatureCollection",
        "features": [
            photon_feature("Odesa", 30.72, 46.48, "UA"),
            photon_feature("Odessa", -102.37, 31.85, "US"),
        ],
    }
    adapter = FakeAdapter(answer)
    service = make_service(adapter, provider="photon")

    result = service.locate("Odessa", ["US"])
    assert result.provider == "photon"
    assert result.location is not None
    assert result.location.longitude == pytest.approx(-102.37)
    assert result.attribution == "Geocoding © OpenStreetMap contributors (Photon by Komoot)"
    (request,) = adapter.requests
    assert request["url"].startswith("https://photon.komoot.io/api?")
    assert request["headers"]["User-Agent"] == UA
    params = adapter.params()
    assert params["q"] == ["Odessa"]
    assert "countrycodes" not in params
    assert int(params["limit"][0]) > 1

    unfiltered = service.locate("Odessa")
    assert unfiltered.location is not None
    assert unfiltered.location.longitude == pytest.approx(30.72)
    assert adapter.params()["limit"] == ["1"]


def test_photon_nothing_in_the_country_falls_back(
    make_service: Callable[..., GeocodingService],
) -> None:
    answer = {"features": [photon_feature("Kyiv", 30.52, 50.45, "UA")]}
    result = make_service(FakeAdapter(answer), provider="photon").locate("Kyiv", ["RU"])
    assert result.location is None
    assert result.warning is not None and result.warning.startswith("Photon found nothing")


# ----------------------------------------------------------------------------- cache


def test_cache_hit_does_not_call_the_adapter_again_and_persists(
    make_service: Callable[..., GeocodingService], tmp_path: Path
) -> None:
    adapter = FakeAdapter([nominatim_place()])
    service = make_service(adapter)
    first = service.locate("Kharkiv", ["UA"])
    second = service.locate("  kharkiv ", ("ua",))
    assert adapter.calls == 1
    assert first.from_cache is False and second.from_cache is True
    assert second.provider == "nominatim" and second.warning is None
    assert second.attribution == first.attribution
    assert first.location is not None and second.location is not None
    assert second.location.point == first.location.point
    assert second.location.address == first.location.address
    assert second.location.raw == first.location.raw

    # A fresh service (as after a restart) answers from the file without any request.
    fresh_adapter = FakeAdapter(AssertionError("must be answered from the cache"))
    third = make_service(fresh_adapter).locate("KHARKIV", ["UA"])
    assert fresh_adapter.calls == 0
    assert third.from_cache is True and third.location is not None
    assert third.location.point == first.location.point

    document = json.loads((tmp_path / "cache" / "geocode-cache.json").read_text("utf-8"))
    (entry,) = document["entries"].values()
    assert entry["found"] is True
    assert entry["cached_on"] == dt.date.today().isoformat()
    assert entry["raw"]["display_name"] == "Kharkiv, Kharkiv Oblast, Ukraine"


def test_country_codes_are_part_of_the_cache_key(
    make_service: Callable[..., GeocodingService],
) -> None:
    adapter = FakeAdapter([nominatim_place()])
    service = make_service(adapter)
    service.locate("Kharkiv", ["UA"])
    service.locate("Kharkiv")
    service.locate("Kharkiv", ["UA", "RU"])
    service.locate("Kharkiv", ["RU", "UA"])
    assert adapter.calls == 3


def test_not_found_is_cached_and_not_sent_again(
    make_service: Callable[..., GeocodingService], gazetteer: FakeGazetteer
) -> None:
    adapter = FakeAdapter([])
    make_service(adapter).locate("Kharkiv")
    again = make_service(FakeAdapter(AssertionError("cached"))).locate("Kharkiv")
    assert adapter.calls == 1
    assert again.provider == "gazetteer" and again.location is not None
    assert again.warning is not None
    assert again.warning.startswith("Nominatim found nothing for 'Kharkiv' (answer cached on ")
    assert len(gazetteer.calls) == 2


def test_outage_answers_are_not_cached(make_service: Callable[..., GeocodingService]) -> None:
    adapter = FakeAdapter(GeocoderTimedOut("t"), [nominatim_place()])
    service = make_service(adapter, retries=0)
    assert service.locate("Kharkiv").provider == "gazetteer"
    recovered = service.locate("Kharkiv")
    assert recovered.provider == "nominatim" and recovered.from_cache is False
    assert adapter.calls == 2


def test_no_cache_path_means_no_file(
    make_service: Callable[..., GeocodingService], tmp_path: Path
) -> None:
    adapter = FakeAdapter([nominatim_place()])
    service = make_service(adapter, cache=False)
    service.locate("Kharkiv")
    service.locate("Kharkiv")
    assert adapter.calls == 2
    assert service.cache is None
    assert not (tmp_path / "cache").exists()


def _seed_cache(path: Path) -> bytes:
    cache = GeocodeCache(path)
    assert cache.put("nominatim", "Kyiv", None, Location("Kyiv", (50.45, 30.52), {"a": 1})) is None
    return path.read_bytes()


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_crash_mid_write_keeps_the_old_file_and_leaves_no_temp_files(
    make_service: Callable[..., GeocodingService],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    failing: str,
) -> None:
    path = tmp_path / "cache" / "geocode-cache.json"
    before = _seed_cache(path)

    def crash(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    adapter = FakeAdapter([nominatim_place()])
    service = make_service(adapter)
    monkeypatch.setattr(os, failing, crash)
    result = service.locate("Kharkiv")
    monkeypatch.undo()

    assert result.provider == "nominatim" and result.location is not None
    assert result.warning is not None
    assert result.warning.startswith(f"Could not save the geocode cache {path}")
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
    # The answer is still kept in memory: not sent again in this run.
    assert service.locate("Kharkiv").from_cache is True
    assert adapter.calls == 1


def test_cache_file_is_valid_json_written_through_a_temp_file_in_the_same_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.json"
    seen: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(src: str, dst: str) -> None:
        seen.append((str(src), str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    GeocodeCache(path).put("photon", "x", ["UA"], None)
    ((src, dst),) = seen
    assert Path(src).parent == tmp_path and dst == str(path)
    assert json.loads(path.read_text("utf-8"))["version"] == 1


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe\x00garbage",
        b"[1, 2, 3]",
        b'{"version": 1, "entries": "nope"}',
    ],
)
def test_corrupt_cache_file_is_ignored_with_a_warning(
    make_service: Callable[..., GeocodingService], tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "cache" / "geocode-cache.json"
    path.parent.mkdir()
    path.write_bytes(content)
    adapter = FakeAdapter([nominatim_place()])
    service = make_service(adapter)
    assert service.cache_warning is not None
    assert service.cache_warning.startswith(f"Ignored the geocode cache {path}")

    result = service.locate("Kharkiv")
    assert result.provider == "nominatim" and result.location is not None
    assert result.warning is not None and "Ignored the geocode cache" in result.warning
    # Shown once, and the file is replaced by a good one.
    assert service.locate("Kharkiv").warning is None
    assert service.cache_warning is None
    assert GeocodeCache(path).warning is None
    assert len(GeocodeCache(path)) == 1


def test_damaged_entries_are_skipped_and_good_ones_kept(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    good = GeocodeCache.key("nominatim", "Kyiv")
    entries = {
        good: {
            "found": True,
            "lat": 50.45,
            "lon": 30.52,
            "address": "Kyiv",
            "raw": {},
            "cached_on": "2024-05-01",
        },
        "bad-1": {"found": True, "lat": 999, "lon": 0, "address": "x", "cached_on": "2024-05-01"},
        "bad-2": {"found": True, "cached_on": "yesterday"},
        "bad-3": "string",
    }
    path.write_text(json.dumps({"version": 1, "entries": entries}), "utf-8")
    cache = GeocodeCache(path)
    assert len(cache) == 1
    assert cache.warning is not None and "3 damaged entries" in cache.warning
    answer = cache.get("nominatim", " KYIV ")
    assert answer is not None and answer.location is not None
    assert answer.cached_on == dt.date(2024, 5, 1)


def test_unreadable_cache_path_is_not_fatal(
    make_service: Callable[..., GeocodingService], tmp_path: Path
) -> None:
    path = tmp_path / "a-folder"
    path.mkdir()
    adapter = FakeAdapter([nominatim_place()])
    service = make_service(adapter, cache=path)
    result = service.locate("Kharkiv")
    assert result.location is not None and result.provider == "nominatim"
    assert result.warning is not None
    assert "cannot be read" in result.warning and "Could not save" in result.warning
    assert [p.name for p in tmp_path.iterdir()] == ["a-folder"]
    assert list(path.iterdir()) == []


def test_saving_keeps_answers_another_process_added(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    mine, theirs = GeocodeCache(path), GeocodeCache(path)
    theirs.put("nominatim", "Kyiv", None, Location("Kyiv", (50.45, 30.52), {}))
    mine.put("nominatim", "Odesa", None, None)
    assert len(GeocodeCache(path)) == 2


@settings(max_examples=40, deadline=None)
@given(
    query=st.text(min_size=1, max_size=40).filter(lambda s: s.strip()),
    lat=st.floats(min_value=-90, max_value=90),
    lon=st.floats(min_value=-180, max_value=180),
    codes=st.lists(st.sampled_from(["UA", "us", "Ru", "by"]), max_size=3),
)
def test_cache_round_trips_any_query(query: str, lat: float, lon: float, codes: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "c.json"
        raw = {"display_name": query, "n": [1, 2.5, None]}
        assert (
            GeocodeCache(path).put("photon", query, codes, Location(query, (lat, lon), raw)) is None
        )
        answer = GeocodeCache(path).get("photon", f"  {query}\t", list(reversed(codes)))
        assert answer is not None and answer.location is not None
        assert answer.location.latitude == lat and answer.location.longitude == lon
        assert answer.location.raw == raw and answer.location.address == query


# ----------------------------------------------------------------------------- rate limiter


def test_two_calls_in_a_row_wait_min_delay_without_sleeping(
    make_service: Callable[..., GeocodingService], clock: FakeClock
) -> None:
    adapter = FakeAdapter([nominatim_place()])
    service = make_service(adapter, min_delay_s=1.0)
    service.locate("Kharkiv")
    assert clock.sleeps == []
    service.locate("Kyiv")
    assert clock.sleeps == [pytest.approx(1.0)]
    clock.now += 5  # a later request, long after the last: no wait
    service.locate("Odesa")
    assert clock.sleeps == [pytest.approx(1.0)]
    assert adapter.calls == 3


def test_cache_hits_do_not_wait_for_the_rate_limiter(
    make_service: Callable[..., GeocodingService], clock: FakeClock
) -> None:
    adapter = FakeAdapter([nominatim_place()])
    service = make_service(adapter)
    service.locate("Kharkiv")
    for _ in range(5):
        assert service.locate("Kharkiv").from_cache
    assert clock.sleeps == []


@pytest.mark.parametrize("retries", [0, 1, 3])
def test_transient_errors_are_retried_config_retries_times(
    make_service: Callable[..., GeocodingService], clock: FakeClock, retries: int
) -> None:
    adapter = FakeAdapter(GeocoderUnavailable("down"))
    result = make_service(adapter, retries=retries, min_delay_s=0.5).locate("Kharkiv")
    assert adapter.calls == retries + 1
    assert clock.sleeps == [2.0] * retries
    assert result.provider == "gazetteer"


def test_a_retry_that_succeeds_answers_online_without_warning(
    make_service: Callable[..., GeocodingService], clock: FakeClock
) -> None:
    adapter = FakeAdapter(GeocoderTimedOut("t"), [nominatim_place()])
    result = make_service(adapter).locate("Kharkiv")
    assert adapter.calls == 2
    assert result.provider == "nominatim" and result.warning is None
    assert clock.sleeps == [2.0]


def test_errors_that_retrying_cannot_fix_are_not_retried(
    make_service: Callable[..., GeocodingService], clock: FakeClock
) -> None:
    adapter = FakeAdapter(
        AdapterHTTPError("Forbidden", status_code=403, headers={}, text="blocked UA")
    )
    result = make_service(adapter).locate("Kharkiv")
    assert adapter.calls == 1 and clock.sleeps == []
    assert result.warning is not None and "refused access" in result.warning


def test_error_wait_is_never_shorter_than_min_delay() -> None:
    assert GeocoderConfig(min_delay_s=3.0).error_wait_s == 3.0
    assert GeocoderConfig(min_delay_s=0.5).error_wait_s == online.ERROR_WAIT_S


# ----------------------------------------------------------------------------- provenance


TODAY = dt.date(2024, 6, 1)


def test_provenance_of_a_gazetteer_answer(make_service: Callable[..., GeocodingService]) -> None:
    result = make_service(provider="offline").locate("Kharkiv")
    record = provenance(result, "Kharkiv", today=TODAY)
    assert record == Geocoded(
        provider="gazetteer",
        query="Kharkiv",
        matched_name="Kharkiv",
        geonames_id=706483,
        confidence=0.97,
        fuzzy=True,
        date=TODAY,
    )


def test_provenance_of_a_nominatim_answer(make_service: Callable[..., GeocodingService]) -> None:
    result = make_service(FakeAdapter([nominatim_place(importance=0.71)])).locate("Kharkiv")
    record = provenance(result, "Kharkiv", today=TODAY)
    assert record.provider == "nominatim"
    assert record.matched_name == "Kharkiv, Kharkiv Oblast, Ukraine"
    assert record.geonames_id is None
    assert record.confidence == pytest.approx(0.71)
    assert record.fuzzy is False
    assert record.date == TODAY
    assert online.location_country_code(result.location) == "UA"


@pytest.mark.parametrize(("importance", "confidence"), [(None, 0.5), (1.7, 1.0), (-0.2, 0.0)])
def test_provenance_confidence_from_importance(
    make_service: Callable[..., GeocodingService], importance: float | None, confidence: float
) -> None:
    result = make_service(FakeAdapter([nominatim_place(importance=importance)])).locate("Kharkiv")
    assert provenance(result, "Kharkiv").confidence == confidence
    assert provenance(result, "Kharkiv").date == dt.date.today()


def test_provenance_of_a_photon_answer(make_service: Callable[..., GeocodingService]) -> None:
    answer = {"features": [photon_feature("Odesa", 30.72, 46.48, "UA")]}
    result = make_service(FakeAdapter(answer), provider="photon").locate("Odesa")
    record = provenance(result, "Odesa", today=TODAY)
    assert (record.provider, record.matched_name, record.confidence) == ("photon", "Odesa", 0.5)
    assert online.location_country_code(result.location) == "UA"


def test_provenance_of_a_cached_answer_names_the_online_provider(
    make_service: Callable[..., GeocodingService],
) -> None:
    service = make_service(FakeAdapter([nominatim_place()]))
    service.locate("Kharkiv")
    cached = service.locate("Kharkiv")
    assert cached.from_cache
    assert provenance(cached, "Kharkiv", today=TODAY).provider == "nominatim"


def test_provenance_of_nothing_found_raises(make_service: Callable[..., GeocodingService]) -> None:
    result = make_service(provider="offline").locate("Atlantis")
    with pytest.raises(PlaceNotFoundError, match="Atlantis"):
        provenance(result, "Atlantis")


@pytest.fixture(autouse=True)
def _no_stray_files(tmp_path: Path) -> Iterator[None]:
    yield
    strays = [p for p in tmp_path.rglob("*.tmp")]
    assert strays == [], f"temporary files left behind: {strays}"
