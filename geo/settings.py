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
        "EVENT_ATLAS_STATIC_URL",
        "/app/static",
        "URL path where Streamlit serves the app's `static/` folder (change it only when the "
        "app runs under a base URL path).",
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


def static_url(environ: Mapping[str, str] = os.environ) -> str:
    value = _get("EVENT_ATLAS_STATIC_URL", environ).rstrip("/")
    if not value.startswith("/") or any(c in value for c in "\"'<>` "):
        raise SettingError(
            f"EVENT_ATLAS_STATIC_URL={value!r} must be a URL path starting with '/', "
            "e.g. /app/static"
        )
    return value
