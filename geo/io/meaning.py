"""What the user says a file means, and who said what: types for the file's labels, a type for
rows that carry none, the dataset's publisher; and the publisher of a link, from its site.

The user's choices come from `--type`, `--types FILE.yaml` and `--publisher` on the command
line, and from the page's import step. A publisher is never the uploaded file's name: it is the
link's site (an X/Twitter account, a Telegram channel, a news domain), else the source column,
else the dataset's name the user gave, else "publisher not given".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from geo.errors import SettingError
from geo.text import fold
from geo.vocabulary import VOCABULARY, EventType

NO_PUBLISHER = "publisher not given"
# A web address inside a cell that may hold several, separated by anything but the address.
_LINK = re.compile(r"https?://[^\s;,|<>\"']+", re.IGNORECASE)
# X/Twitter and Telegram paths that are not an account.
_NOT_AN_ACCOUNT = {"i", "home", "search", "hashtag", "intent", "share", "status", "s", "c"}
_SITES = {
    "youtube.com": "YouTube",
    "youtu.be": "YouTube",
    "facebook.com": "Facebook",
    "fb.watch": "Facebook",
    "instagram.com": "Instagram",
    "vk.com": "VK",
    "reddit.com": "Reddit",
}


@dataclass(frozen=True)
class Meaning:
    """The user's reading of one file (all optional).

    `types` maps a label of the file's type column (folded: case and accents ignored) to our
    type; `default_type` is the type of rows whose type column is empty or absent; `publisher`
    names the dataset, the publisher of rows with no link and no source column.
    """

    types: Mapping[str, EventType] = field(default_factory=dict)
    default_type: EventType | None = None
    publisher: str | None = None

    def type_of(self, label: str) -> EventType | None:
        return self.types.get(fold(label).strip()) if self.types else None

    def dataset_publisher(self) -> str:
        return self.publisher or NO_PUBLISHER


def type_named(text: str) -> EventType | None:
    """Our type from its value (`air_strike`) or its label (`Air or drone strike`)."""
    value = text.strip().lower().replace(" ", "_")
    wanted = fold(text)
    for event_type in EventType:
        if value == event_type.value or wanted == fold(VOCABULARY[event_type].label):
            return event_type
    return None


def types_choice(values: Mapping[str, str], where: str) -> dict[str, EventType]:
    """label -> type from the user's words; refused early, naming the entry and the types."""
    chosen: dict[str, EventType] = {}
    for label, name in values.items():
        event_type = type_named(str(name))
        if event_type is None:
            raise SettingError(
                f"{where}: {label!r}: {name!r} is not one of our types: use one of "
                + ", ".join(t.value for t in EventType)
            )
        chosen[fold(str(label)).strip()] = event_type
    return chosen


def load_types_file(path: Path) -> dict[str, EventType]:
    """`--types FILE.yaml`: a mapping of the file's labels to our types, e.g.
    `Missile Strike: shelling`."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SettingError(f"--types {path}: cannot read it ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise SettingError(f"--types {path}: not YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise SettingError(
            f"--types {path}: write one line per label, LABEL: TYPE, e.g. 'Missile Strike: "
            "shelling'"
        )
    return types_choice({str(k): str(v) for k, v in data.items()}, f"--types {path}")


def links_in(text: str) -> list[str]:
    """Every web address in a cell, in order, each once."""
    seen: dict[str, None] = {}
    for match in _LINK.finditer(text):
        seen.setdefault(match.group(0).rstrip(".)]}"), None)
    return list(seen)


def publisher_of_link(url: str) -> str | None:
    """Who published a link: an X/Twitter account, a Telegram channel, a platform, or the
    site's domain; None for a link without a host."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    for prefix in ("www.", "m.", "mobile."):
        host = host.removeprefix(prefix)
    if not host:
        return None
    path = [p for p in parts.path.split("/") if p]
    if host in ("twitter.com", "x.com"):
        account = path[0] if path and path[0].lower() not in _NOT_AN_ACCOUNT else ""
        return f"X/Twitter: @{account}" if account else "X/Twitter"
    if host in ("t.me", "telegram.me"):
        channel = path[1] if path and path[0] == "s" and len(path) > 1 else (path or [""])[0]
        return f"Telegram: {channel}" if channel else "Telegram"
    if host in ("tiktok.com",):
        account = path[0] if path and path[0].startswith("@") else ""
        return f"TikTok: {account}" if account else "TikTok"
    return _SITES.get(host, host)
