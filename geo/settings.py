"""Every setting Event Atlas reads, with its default and meaning (README lists them all)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from geo.errors import SettingError
from geo.urlstate import TILE_CHOICES


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    meaning: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "EVENT_ATLAS_EVENTS",
        "data/events.yaml",
        "Events file the page shows (relative paths are taken from the app's folder).",
    ),
    Setting(
        "EVENT_ATLAS_TILES",
        "offline",
        "Basemap a page opens with when its link does not say: `offline` or `osm`.",
    ),
    Setting(
        "EVENT_ATLAS_MBTILES",
        "",
        "A raster MBTiles file (png, jpg or webp tiles) with a deeper offline basemap for a "
        "region: its zooms past the offline basemap's deepest (6) are unpacked into "
        "`static/tiles-extra/` and drawn inside its bounds, where the map then goes as close as "
        "its deepest zoom. Relative paths are taken from the app's folder. `python -m geo serve "
        "--tiles FILE.mbtiles` sets it.",
    ),
    Setting(
        "EVENT_ATLAS_STATIC_URL",
        "/app/static",
        "URL path where Streamlit serves the app's `static/` folder (change it only when the "
        "app runs under a base URL path).",
    ),
    Setting(
        "EVENT_ATLAS_DESK",
        "",
        "The newsroom desk's database: `sqlite:data/desk.sqlite` (embedded, no server) or "
        "`postgresql://user@host:port/db` (shared by replicas). When set, readers see the desk's "
        "published events and editors get the Desk page; unset, the page shows the events file.",
    ),
    Setting(
        "EVENT_ATLAS_SIGN_IN",
        "oidc",
        "How editors sign in: `oidc` (Streamlit's st.login, `[auth]` in "
        "`.streamlit/secrets.toml`) or `headers` (a sign-in proxy's identity headers, mapped by "
        "`server.trustedUserHeaders`; the app's port must then be reachable only through the "
        "proxy).",
    ),
    Setting(
        "EVENT_ATLAS_ADMINS",
        "",
        "Comma-separated emails that are desk admins whatever the members table says (the first "
        "admin gives everyone else their roles).",
    ),
    Setting(
        "EVENT_ATLAS_REQUIRE_VERIFIED_EMAIL",
        "on",
        "`on`: with OIDC sign-in, an account whose provider does not say its email is verified "
        "(`email_verified`) is not let in, whatever roles its email would have. `off` (for a "
        "provider that verifies emails but sends no such claim) lets it in, and the desk shows "
        "every editor a warning.",
    ),
    Setting(
        "EVENT_ATLAS_TWO_PERSON_RULE",
        "on",
        "`on`: whoever made the last change to an event neither verifies nor publishes it (an "
        "admin may override, with a reason that goes into the history). `off` relaxes it for a "
        "one-person desk; each such move is then recorded as made by its last editor.",
    ),
    Setting(
        "EVENT_ATLAS_ROLE_PREFIX",
        "",
        "Prefix of the sign-in provider's group names that carry desk roles: with `atlas-`, the "
        "group `atlas-publisher` gives the publisher role.",
    ),
)


def _get(name: str, environ: Mapping[str, str]) -> str:
    default = next(s.default for s in SETTINGS if s.name == name)
    return environ.get(name, "").strip() or default


def events_path(app_dir: Path, environ: Mapping[str, str] = os.environ) -> Path:
    path = Path(_get("EVENT_ATLAS_EVENTS", environ)).expanduser()
    return path if path.is_absolute() else app_dir / path


def default_tiles(environ: Mapping[str, str] = os.environ) -> str:
    value = _get("EVENT_ATLAS_TILES", environ)
    if value not in TILE_CHOICES:
        raise SettingError(
            f"EVENT_ATLAS_TILES={value!r} is not one of {', '.join(TILE_CHOICES)}: "
            "unset it or choose one of those"
        )
    return value


def mbtiles_path(app_dir: Path, environ: Mapping[str, str] = os.environ) -> Path | None:
    """The deeper regional basemap's MBTiles file, if one is set (checked when it is used)."""
    value = _get("EVENT_ATLAS_MBTILES", environ)
    if not value:
        return None
    path = Path(value).expanduser()
    return path if path.is_absolute() else app_dir / path


def static_url(environ: Mapping[str, str] = os.environ) -> str:
    value = _get("EVENT_ATLAS_STATIC_URL", environ).rstrip("/")
    if not value.startswith("/") or any(c in value for c in "\"'<>` "):
        raise SettingError(
            f"EVENT_ATLAS_STATIC_URL={value!r} must be a URL path starting with '/', "
            "e.g. /app/static"
        )
    return value


def desk_url(environ: Mapping[str, str] = os.environ) -> str | None:
    return _get("EVENT_ATLAS_DESK", environ) or None


def sign_in_mode(environ: Mapping[str, str] = os.environ) -> str:
    value = _get("EVENT_ATLAS_SIGN_IN", environ)
    if value not in ("oidc", "headers"):
        raise SettingError(f"EVENT_ATLAS_SIGN_IN={value!r}: use oidc or headers")
    return value


def desk_admins(environ: Mapping[str, str] = os.environ) -> frozenset[str]:
    raw = _get("EVENT_ATLAS_ADMINS", environ)
    return frozenset(e.strip().lower() for e in raw.split(",") if e.strip())


def role_prefix(environ: Mapping[str, str] = os.environ) -> str:
    return _get("EVENT_ATLAS_ROLE_PREFIX", environ)


def two_person_rule(environ: Mapping[str, str] = os.environ) -> bool:
    value = _get("EVENT_ATLAS_TWO_PERSON_RULE", environ).lower()
    if value not in ("on", "off"):
        raise SettingError(f"EVENT_ATLAS_TWO_PERSON_RULE={value!r}: use on or off")
    return value == "on"


def require_verified_email(environ: Mapping[str, str] = os.environ) -> bool:
    value = _get("EVENT_ATLAS_REQUIRE_VERIFIED_EMAIL", environ).lower()
    if value not in ("on", "off"):
        raise SettingError(f"EVENT_ATLAS_REQUIRE_VERIFIED_EMAIL={value!r}: use on or off")
    return value == "on"
