"""Optional online geocoding (Nominatim or Photon), with the offline gazetteer as the safety net.

Nothing here is needed to run Event Atlas: the default provider is ``offline`` and uses only the
bundled gazetteer. Choosing ``nominatim`` or ``photon`` (``EVENT_ATLAS_GEOCODER``) sends place
names to a public OpenStreetMap geocoder, politely:

* an identifying ``User-Agent`` is required (``EVENT_ATLAS_USER_AGENT``), as the services' usage
  policies demand; geopy's default and sample user agents are refused;
* requests go through geopy's :class:`~geopy.extra.rate_limiter.RateLimiter` (at most one per
  ``min_delay_s`` seconds, a few retries on transient errors);
* every answer, "not found" included, is kept in an on-disk JSON cache
  (``EVENT_ATLAS_GEOCODE_CACHE``), so a query is never sent twice;
* any outage (timeout, HTTP 429, no network, server error) falls back to the offline gazetteer
  and says so in :attr:`GeocodeResult.warning`: an outage never looks like "place not found".

Create one :class:`GeocodingService` per process and share it (in Streamlit, with
``st.cache_resource``) so that its rate limiter sees every request.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import math
import os
import re
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal, cast, get_args

# geopy ships no type information; the ignores keep `mypy --strict` clean either way.
from geopy.exc import (  # type: ignore[import-untyped, unused-ignore]
    GeocoderAuthenticationFailure,
    GeocoderInsufficientPrivileges,
    GeocoderParseError,
    GeocoderQueryError,
    GeocoderQuotaExceeded,
    GeocoderRateLimited,
    GeocoderServiceError,
    GeocoderTimedOut,
    GeocoderUnavailable,
    GeopyError,
)
from geopy.extra.rate_limiter import RateLimiter  # type: ignore[import-untyped, unused-ignore]
from geopy.geocoders import Nominatim, Photon  # type: ignore[import-untyped, unused-ignore]
from geopy.geocoders.base import Geocoder  # type: ignore[import-untyped, unused-ignore]
from geopy.location import Location  # type: ignore[import-untyped, unused-ignore]

from geo.errors import AmbiguousPlaceError, GeocodingError, PlaceNotFoundError, SettingError
from geo.model import Geocoded
from geo.settings import Setting

__all__ = [
    "ONLINE_SETTINGS",
    "PROVIDERS",
    "CachedAnswer",
    "GeocodeCache",
    "GeocodeResult",
    "GeocoderConfig",
    "GeocodingService",
    "Provider",
    "config_from_env",
    "location_country_code",
    "provenance",
]

logger = logging.getLogger(__name__)

Provider = Literal["offline", "nominatim", "photon"]
PROVIDERS: Final[tuple[str, ...]] = get_args(Provider)
ONLINE_PROVIDERS: Final[tuple[str, ...]] = ("nominatim", "photon")

GAZETTEER: Final = "gazetteer"
DEFAULT_CACHE_PATH: Final = "~/.cache/event-atlas/geocode-cache.json"
CACHE_OFF_VALUES: Final = frozenset({"off", "none", "no", "false", "0"})
SAMPLE_USER_AGENT: Final = "my-newsroom-atlas/1.0 (desk@example.org)"
USER_AGENT_HELP: Final = (
    "set EVENT_ATLAS_USER_AGENT to your app name and contact, "
    f"e.g. '{SAMPLE_USER_AGENT}' (the OpenStreetMap geocoders' usage policies require an "
    "identifying user agent), or set EVENT_ATLAS_GEOCODER=offline"
)
# geopy's default user agent and the sample ones from geopy's and the services' documentation.
_SAMPLE_USER_AGENT_PARTS: Final = (
    "my-application",
    "my_app",
    "my-app",
    "my_user_agent",
    "specify_your_app_name_here",
)
ERROR_WAIT_S: Final = 2.0
"""Seconds to wait before retrying after a transient error (never less than ``min_delay_s``)."""

LABELS: Final[Mapping[str, str]] = {
    "nominatim": "Nominatim",
    "photon": "Photon",
    GAZETTEER: "the offline gazetteer",
}
ATTRIBUTIONS: Final[Mapping[str, str]] = {
    "nominatim": "Geocoding © OpenStreetMap contributors (Nominatim)",
    "photon": "Geocoding © OpenStreetMap contributors (Photon by Komoot)",
}
PHOTON_CANDIDATES: Final = 10
"""How many Photon answers to ask for when they must be filtered by country afterwards."""

ONLINE_SETTINGS: tuple[Setting, ...] = (
    Setting(
        "EVENT_ATLAS_GEOCODER",
        "offline",
        "Where place names are geocoded: `offline` (the bundled gazetteer only, no network), "
        "`nominatim` or `photon` (OpenStreetMap services online, falling back to the gazetteer "
        "when they fail).",
    ),
    Setting(
        "EVENT_ATLAS_USER_AGENT",
        "",
        "Required with an online geocoder: your app's name and a contact, e.g. "
        f"`{SAMPLE_USER_AGENT}`. geopy's default and sample user agents are refused.",
    ),
    Setting(
        "EVENT_ATLAS_GEOCODE_CACHE",
        DEFAULT_CACHE_PATH,
        "JSON file where online geocoding answers are kept so that no query is sent twice; "
        "`off` keeps no cache.",
    ),
)


# --------------------------------------------------------------------------- configuration


def _check_user_agent(user_agent: str | None, provider: str) -> str:
    """The user agent to send, or a SettingError saying how to fix it."""
    value = (user_agent or "").strip()
    if not value:
        raise SettingError(
            f"EVENT_ATLAS_GEOCODER={provider} needs an identifying user agent: {USER_AGENT_HELP}"
        )
    lowered = value.casefold()
    if (
        lowered.startswith("geopy/")
        or lowered == SAMPLE_USER_AGENT.casefold()
        or any(part in lowered for part in _SAMPLE_USER_AGENT_PARTS)
    ):
        raise SettingError(
            f"EVENT_ATLAS_USER_AGENT={value!r} is a default or sample user agent, which the "
            f"OpenStreetMap geocoders block: {USER_AGENT_HELP}"
        )
    if not value.isprintable() or len(value) > 300:
        raise SettingError(
            "EVENT_ATLAS_USER_AGENT must be one line of printable text of at most 300 "
            f"characters: {USER_AGENT_HELP}"
        )
    return value


@dataclass(frozen=True)
class GeocoderConfig:
    """How place names are geocoded. Build it with :func:`config_from_env` in the app."""

    provider: Provider = "offline"
    user_agent: str | None = None
    timeout_s: float = 5.0
    retries: int = 2
    min_delay_s: float = 1.0
    cache_path: Path | None = None

    def __post_init__(self) -> None:
        if self.provider not in PROVIDERS:
            raise SettingError(
                f"geocoder provider {self.provider!r} is not one of {', '.join(PROVIDERS)}"
            )
        if self.provider in ONLINE_PROVIDERS:
            object.__setattr__(
                self, "user_agent", _check_user_agent(self.user_agent, self.provider)
            )
        if not (math.isfinite(self.timeout_s) and self.timeout_s > 0):
            raise SettingError(
                f"geocoder timeout must be a positive number of seconds, not {self.timeout_s!r}"
            )
        if isinstance(self.retries, bool) or not isinstance(self.retries, int) or self.retries < 0:
            raise SettingError(f"geocoder retries must be a whole number ≥ 0, not {self.retries!r}")
        if not (math.isfinite(self.min_delay_s) and self.min_delay_s >= 0):
            raise SettingError(
                f"geocoder min_delay_s must be a number of seconds ≥ 0, not {self.min_delay_s!r}"
            )

    @property
    def online(self) -> bool:
        return self.provider in ONLINE_PROVIDERS

    @property
    def error_wait_s(self) -> float:
        """Pause before a retry; geopy requires it to be at least the minimum delay."""
        return max(ERROR_WAIT_S, self.min_delay_s)


def _setting_default(name: str) -> str:
    return next(s.default for s in ONLINE_SETTINGS if s.name == name)


def config_from_env(environ: Mapping[str, str] = os.environ) -> GeocoderConfig:
    """Read ``EVENT_ATLAS_GEOCODER``, ``EVENT_ATLAS_USER_AGENT`` and ``EVENT_ATLAS_GEOCODE_CACHE``.

    Raises :class:`~geo.errors.SettingError` (saying how to fix it) for an unknown provider, or an
    online provider without a proper user agent.
    """
    provider = environ.get("EVENT_ATLAS_GEOCODER", "").strip().lower() or _setting_default(
        "EVENT_ATLAS_GEOCODER"
    )
    if provider not in PROVIDERS:
        raise SettingError(
            f"EVENT_ATLAS_GEOCODER={provider!r} is not one of {', '.join(PROVIDERS)}: "
            "unset it (offline) or choose one of those"
        )
    user_agent = environ.get("EVENT_ATLAS_USER_AGENT", "").strip() or None
    if provider in ONLINE_PROVIDERS:
        user_agent = _check_user_agent(user_agent, provider)
    cache_value = environ.get("EVENT_ATLAS_GEOCODE_CACHE", "").strip() or _setting_default(
        "EVENT_ATLAS_GEOCODE_CACHE"
    )
    cache_path = None if cache_value.lower() in CACHE_OFF_VALUES else Path(cache_value).expanduser()
    return GeocoderConfig(
        provider=cast(Provider, provider),  # checked against PROVIDERS above
        user_agent=user_agent,
        cache_path=cache_path,
    )


# --------------------------------------------------------------------------- the cache


def normalise_query(query: str) -> str:
    """The form of a query the cache is keyed on: NFKC, case-folded, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", query).casefold().split())


def normalise_country_codes(country_codes: Sequence[str] | str | None) -> tuple[str, ...]:
    """Upper-case, de-duplicated, sorted ISO 3166-1 alpha-2 codes."""
    if country_codes is None:
        return ()
    if isinstance(country_codes, str):
        country_codes = [country_codes]
    codes: set[str] = set()
    for raw in country_codes:
        code = str(raw).strip()
        if not (code.isascii() and re.fullmatch(r"[A-Za-z]{2}", code)):
            raise GeocodingError(
                f"country code {raw!r} is not an ISO 3166-1 alpha-2 code: write two letters, "
                "e.g. UA"
            )
        codes.add(code.upper())
    return tuple(sorted(codes))


@dataclass(frozen=True)
class CachedAnswer:
    """One answer kept in the cache: a location, or ``None`` for "not found"."""

    location: Location | None
    cached_on: dt.date

    @property
    def found(self) -> bool:
        return self.location is not None


def _jsonable(value: object) -> Any:
    """``value`` as plain JSON data (anything JSON cannot hold becomes a string)."""
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def _parse_entry(entry: object) -> CachedAnswer:
    if not isinstance(entry, dict):
        raise ValueError("entry is not an object")
    cached_on = dt.date.fromisoformat(str(entry["cached_on"]))
    if entry.get("found") is False:
        return CachedAnswer(None, cached_on)
    lat, lon = entry["lat"], entry["lon"]
    if isinstance(lat, bool) or isinstance(lon, bool):
        raise ValueError("coordinates are not numbers")
    lat, lon = float(lat), float(lon)
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError("coordinates out of range")
    address = entry.get("address")
    if not isinstance(address, str):
        raise ValueError("address is not text")
    raw = entry.get("raw")
    return CachedAnswer(
        Location(address, (lat, lon), raw if isinstance(raw, dict) else {}), cached_on
    )


class GeocodeCache:
    """Online answers on disk, as JSON, keyed by (provider, normalised query, country codes).

    The file is rewritten atomically (temporary file in the same folder, fsync, ``os.replace``),
    so a crash leaves either the old or the new file, never half of one. A file that cannot be
    read or parsed is not fatal: it is ignored, with a warning in :attr:`warning` and the log,
    and replaced the next time an answer is saved. Safe to share between threads.
    """

    VERSION: Final = 1

    def __init__(self, path: Path, *, today: Callable[[], dt.date] = dt.date.today) -> None:
        self.path = Path(path)
        self._today = today
        self._lock = threading.RLock()
        self._entries: dict[str, CachedAnswer] = {}
        self.warning: str | None = None
        """Why (part of) the cache file was ignored when it was read, if it was."""
        self._entries, self.warning = self._read()
        if self.warning:
            logger.warning("%s", self.warning)

    @staticmethod
    def key(provider: str, query: str, country_codes: Sequence[str] | str | None = None) -> str:
        codes = normalise_country_codes(country_codes)
        return json.dumps([provider, normalise_query(query), list(codes)], ensure_ascii=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def get(
        self, provider: str, query: str, country_codes: Sequence[str] | str | None = None
    ) -> CachedAnswer | None:
        with self._lock:
            return self._entries.get(self.key(provider, query, country_codes))

    def put(
        self,
        provider: str,
        query: str,
        country_codes: Sequence[str] | str | None,
        location: Location | None,
    ) -> str | None:
        """Keep an answer (``None`` = not found) and save the file; a warning if saving failed.

        The answer is kept in memory even when the file cannot be written.
        """
        answer = CachedAnswer(location, self._today())
        with self._lock:
            self._entries[self.key(provider, query, country_codes)] = answer
            return self._save()

    # -- reading and writing

    def _read(self) -> tuple[dict[str, CachedAnswer], str | None]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}, None
        except (OSError, UnicodeDecodeError) as error:
            return {}, self._ignored(f"it cannot be read ({error})")
        try:
            data = json.loads(text)
        except ValueError as error:
            return {}, self._ignored(f"it is not valid JSON ({error})")
        entries = data.get("entries") if isinstance(data, dict) else None
        if not isinstance(entries, dict):
            return {}, self._ignored("it is not an Event Atlas geocode cache")
        parsed: dict[str, CachedAnswer] = {}
        bad = 0
        for key, entry in entries.items():
            try:
                parsed[key] = _parse_entry(entry)
            except (KeyError, TypeError, ValueError):
                bad += 1
        if bad:
            return parsed, (
                f"Ignored {bad} damaged entr{'y' if bad == 1 else 'ies'} in the geocode cache "
                f"{self.path}; those places will be looked up again."
            )
        return parsed, None

    def _ignored(self, why: str) -> str:
        return (
            f"Ignored the geocode cache {self.path} because {why}; it will be replaced by a "
            "fresh cache."
        )

    def _serialise(self) -> str:
        entries: dict[str, dict[str, Any]] = {}
        for key, answer in sorted(self._entries.items()):
            record: dict[str, Any] = {
                "found": answer.found,
                "cached_on": answer.cached_on.isoformat(),
            }
            if answer.location is not None:
                record |= {
                    "lat": answer.location.latitude,
                    "lon": answer.location.longitude,
                    "address": answer.location.address,
                    "raw": _jsonable(answer.location.raw),
                }
            entries[key] = record
        document = {"version": self.VERSION, "entries": entries}
        return json.dumps(document, ensure_ascii=False, indent=1) + "\n"

    def _save(self) -> str | None:
        # Another process may have added answers since we read the file: keep theirs too.
        on_disk, _ = self._read()
        for key, answer in on_disk.items():
            self._entries.setdefault(key, answer)
        try:
            self._write_atomically(self._serialise())
        except OSError as error:
            warning = (
                f"Could not save the geocode cache {self.path} ({error}); answers are kept only "
                "until the app restarts."
            )
            logger.warning("%s", warning)
            return warning
        self.warning = None
        return None

    def _write_atomically(self, text: str) -> None:
        folder = self.path.parent
        folder.mkdir(parents=True, exist_ok=True)
        fd, temp_name = tempfile.mkstemp(dir=folder, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp_name, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp_name)
            raise
        # Make the rename itself durable (POSIX; not possible everywhere, hence best effort).
        with contextlib.suppress(OSError, AttributeError):
            dir_fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)


# --------------------------------------------------------------------------- the service


@dataclass(frozen=True)
class GeocodeResult:
    """The answer to one :meth:`GeocodingService.locate` call.

    ``provider`` names who answered (``nominatim``, ``photon`` or ``gazetteer``); ``warning`` is a
    sentence to show the user when the configured provider could not be used or found nothing;
    ``attribution`` must be shown next to online results (OpenStreetMap's licence).
    """

    location: Location | None
    provider: str
    from_cache: bool = False
    warning: str | None = None
    attribution: str | None = None

    @property
    def found(self) -> bool:
        return self.location is not None


class _InjectableRateLimiter(RateLimiter):  # type: ignore[misc, unused-ignore]
    """geopy's RateLimiter with the clock and the sleep supplied (tests never really sleep)."""

    def __init__(
        self,
        func: Callable[..., Any],
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        **kwargs: Any,
    ) -> None:
        super().__init__(func, **kwargs)
        self._clock_fn = clock
        self._sleep_fn = sleep

    def _clock(self) -> float:
        return self._clock_fn()

    def _sleep(self, seconds: float) -> None:
        logger.debug("rate limiter waits %.2f s", seconds)
        self._sleep_fn(seconds)


class _GiveUp(Exception):
    """Carries an error that retrying cannot fix past geopy's RateLimiter (which retries all
    GeocoderServiceErrors)."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


_NOT_RETRIED: Final = (
    GeocoderQueryError,
    GeocoderAuthenticationFailure,
    GeocoderInsufficientPrivileges,
)


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _describe_failure(label: str, error: BaseException, timeout_s: float) -> str:
    """Why an online provider could not be used, as the first half of a user-readable sentence."""
    detail = str(error).strip()
    if isinstance(error, GeocoderRateLimited):
        after = getattr(error, "retry_after", None)
        wait = f"; it asks to wait {_seconds(after)}" if after else ""
        return f"{label} refused the request: too many requests (rate limited, HTTP 429{wait})"
    if isinstance(error, GeocoderQuotaExceeded):
        return f"{label} refused the request: quota exceeded ({detail})"
    if isinstance(error, GeocoderTimedOut):
        return f"{label} did not answer (timed out after {_seconds(timeout_s)})"
    if isinstance(error, GeocoderUnavailable):
        return f"{label} could not be reached (no network or service unavailable: {detail})"
    if isinstance(error, GeocoderInsufficientPrivileges | GeocoderAuthenticationFailure):
        return (
            f"{label} refused access ({detail}); check that EVENT_ATLAS_USER_AGENT names your "
            "app and a contact"
        )
    if isinstance(error, GeocoderQueryError):
        return f"{label} rejected the query ({detail})"
    if isinstance(error, GeocoderParseError):
        return f"{label} sent an answer that could not be read ({detail})"
    if isinstance(error, GeopyError):
        return f"{label} failed ({type(error).__name__}: {detail})"
    return f"{label} failed unexpectedly ({type(error).__name__}: {detail})"


def _quoted(query: str) -> str:
    return "'" + " ".join(query.split()) + "'"


class GeocodingService:
    """Turns a place name into a location with the configured provider.

    ``gazetteer`` is the offline geopy geocoder (``geo.gazetteer``); it answers alone with the
    ``offline`` provider, and stands in whenever the online provider fails or finds nothing.
    ``adapter_factory`` is passed to the geopy geocoder (tests give a fake adapter); ``clock`` and
    ``sleep`` drive the rate limiter (default: ``time.monotonic`` and ``time.sleep``).
    """

    def __init__(
        self,
        config: GeocoderConfig,
        gazetteer: Geocoder,
        *,
        adapter_factory: Callable[..., Any] | None = None,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.config = config
        self.gazetteer = gazetteer
        self._online: Any = None
        self._limiter: _InjectableRateLimiter | None = None
        self.cache: GeocodeCache | None = None
        self._pending_cache_warning: str | None = None
        if not config.online:
            return
        options: dict[str, Any] = {
            "user_agent": config.user_agent,
            "timeout": config.timeout_s,
            "adapter_factory": adapter_factory,
        }
        self._online = Nominatim(**options) if config.provider == "nominatim" else Photon(**options)
        self._limiter = _InjectableRateLimiter(
            self._ask_online,
            clock=clock or time.monotonic,
            sleep=sleep or time.sleep,
            min_delay_seconds=config.min_delay_s,
            max_retries=config.retries,
            error_wait_seconds=config.error_wait_s,
            swallow_exceptions=False,
        )
        if config.cache_path is not None:
            self.cache = GeocodeCache(config.cache_path)
            self._pending_cache_warning = self.cache.warning

    @property
    def cache_warning(self) -> str | None:
        """Why the cache file was (partly) ignored when it was read, if it was."""
        return self.cache.warning if self.cache is not None else None

    # -- public

    def locate(self, query: str, country_codes: Sequence[str] | None = None) -> GeocodeResult:
        """Where ``query`` is, biased to ``country_codes`` (ISO alpha-2) when given.

        Never raises because of the network. Raises :class:`~geo.errors.AmbiguousPlaceError`
        when the gazetteer answers and the name is ambiguous (add a country code), and
        :class:`~geo.errors.GeocodingError` for an empty query or a malformed country code.
        """
        if not query or not query.strip():
            raise GeocodingError("the place name is empty: write the name of a place to geocode")
        codes = normalise_country_codes(country_codes)
        if not self.config.online:
            return GeocodeResult(self._ask_gazetteer(query, codes), GAZETTEER)

        provider = self.config.provider
        label = LABELS[provider]
        notes = [self._pending_cache_warning] if self._pending_cache_warning else []
        self._pending_cache_warning = None

        cached = self.cache.get(provider, query, codes) if self.cache is not None else None
        if cached is not None and cached.location is not None:
            return self._result(cached.location, provider, notes, from_cache=True)

        failure: str | None = None
        if cached is None:
            try:
                location = self._ask_online_politely(query, codes)
            except Exception as error:  # any failure of the online provider means: fall back
                logger.warning("%s failed for %r: %r", label, query, error, exc_info=True)
                failure = _describe_failure(label, error, self.config.timeout_s)
            else:
                if self.cache is not None:
                    save_warning = self.cache.put(provider, query, codes, location)
                    if save_warning:
                        notes.append(save_warning)
                if location is not None:
                    return self._result(location, provider, notes)
        # The online provider failed, or found nothing (now or in the cached answer).
        if failure is None:
            when = f" (answer cached on {cached.cached_on.isoformat()})" if cached else ""
            failure = f"{label} found nothing for {_quoted(query)}{when}"
        try:
            location = self._ask_gazetteer(query, codes)
        except AmbiguousPlaceError as error:
            error.add_note(f"{failure}; the offline gazetteer was asked instead.")
            raise
        if location is not None:
            notes.insert(0, f"{failure}; used the offline gazetteer instead.")
        else:
            notes.insert(0, f"{failure}, and the offline gazetteer does not know {_quoted(query)}.")
        return self._result(location, GAZETTEER, notes)

    # -- helpers

    def _result(
        self,
        location: Location | None,
        provider: str,
        notes: list[str],
        *,
        from_cache: bool = False,
    ) -> GeocodeResult:
        return GeocodeResult(
            location=location,
            provider=provider,
            from_cache=from_cache,
            warning=" ".join(notes) or None,
            attribution=ATTRIBUTIONS.get(provider) if location is not None else None,
        )

    def _ask_gazetteer(self, query: str, codes: tuple[str, ...]) -> Location | None:
        found = self.gazetteer.geocode(query, exactly_one=True, country_codes=list(codes) or None)
        return found if isinstance(found, Location) else None

    def _ask_online_politely(self, query: str, codes: tuple[str, ...]) -> Location | None:
        assert self._limiter is not None
        try:
            found = self._limiter(query, codes)
        except _GiveUp as give_up:
            raise give_up.error from give_up
        return found if isinstance(found, Location) else None

    def _ask_online(self, query: str, codes: tuple[str, ...]) -> Location | None:
        """One request (the rate limiter calls this, and retries transient errors)."""
        try:
            return self._request(query, codes)
        except _NOT_RETRIED as error:
            raise _GiveUp(error) from error
        except GeocoderRateLimited as error:
            # Hammering a service before the time it asked for would only prolong the ban.
            after = getattr(error, "retry_after", None)
            if after is not None and after > self.config.error_wait_s:
                raise _GiveUp(error) from error
            raise
        except GeocoderServiceError:
            raise
        except (KeyError, IndexError, TypeError, ValueError) as error:
            # geopy's parsers assume well-formed answers; a malformed one is not worth retrying.
            raise _GiveUp(GeocoderParseError(f"{type(error).__name__}: {error}")) from error

    def _request(self, query: str, codes: tuple[str, ...]) -> Location | None:
        if self.config.provider == "nominatim":
            found = self._online.geocode(
                query,
                exactly_one=True,
                country_codes=[c.lower() for c in codes] or None,
                addressdetails=True,
            )
            return found if isinstance(found, Location) else None
        # Photon has no country filter: ask for several answers and keep the first in a country.
        if not codes:
            found = self._online.geocode(query, exactly_one=True)
            return found if isinstance(found, Location) else None
        candidates = self._online.geocode(query, exactly_one=False, limit=PHOTON_CANDIDATES)
        for candidate in candidates or []:
            if isinstance(candidate, Location) and location_country_code(candidate) in codes:
                return candidate
        return None


# --------------------------------------------------------------------------- provenance


def location_country_code(location: Location) -> str | None:
    """The ISO alpha-2 country code in a gazetteer, Nominatim or Photon answer, if it has one."""
    raw = location.raw if isinstance(location.raw, dict) else {}
    code: object = raw.get("country_code")
    address = raw.get("address")
    if not code and isinstance(address, dict):
        code = address.get("country_code")
    properties = raw.get("properties")
    if not code and isinstance(properties, dict):
        code = properties.get("countrycode")
    return code.upper() if isinstance(code, str) and code else None


def provenance(result: GeocodeResult, query: str, *, today: dt.date | None = None) -> Geocoded:
    """The provenance record for a found result (raises PlaceNotFoundError when none was found)."""
    location = result.location
    if location is None:
        raise PlaceNotFoundError(
            f"no place was found for {_quoted(query)}: check the spelling, add the country, "
            "or write the coordinates yourself"
        )
    raw: Mapping[str, Any] = location.raw if isinstance(location.raw, dict) else {}
    date = today or dt.date.today()
    address = str(location.address or "").strip() or query.strip()
    if result.provider == GAZETTEER:
        return Geocoded(
            provider=str(raw.get("provider") or GAZETTEER),
            query=query,
            matched_name=str(raw.get("matched_name") or address),
            geonames_id=_whole_number(raw.get("geonames_id")),
            confidence=_unit(raw.get("confidence"), default=0.5),
            fuzzy=bool(raw.get("fuzzy", False)),
            date=date,
        )
    properties = raw.get("properties")
    name = raw.get("display_name") or (
        properties.get("name") if isinstance(properties, dict) else None
    )
    return Geocoded(
        provider=result.provider,
        query=query,
        matched_name=str(name or address),
        geonames_id=None,
        confidence=_unit(raw.get("importance"), default=0.5),
        fuzzy=False,
        date=date,
    )


def _whole_number(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    text = str(value).strip()
    return int(text) if text.isdigit() else None


def _unit(value: object, *, default: float) -> float:
    """``value`` as a number within 0..1 (clamped), or ``default`` when it is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return default
    try:
        number = float(value)
    except ValueError:
        return default
    if not math.isfinite(number):
        return default
    return min(1.0, max(0.0, number))
