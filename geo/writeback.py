"""Fill in missing coordinates in an events file, keeping its comments, order and formatting.

ruamel.yaml's round-trip mode edits the document in place; the result is checked by the same
strict loader as any events file before anything is written, and written atomically.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TextIO

from geopy.location import Location
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from geo.errors import DataFileError, GeocodingError, Problem
from geo.loader import load_events, parse_events_text


class Locator(Protocol):
    """Anything that turns (name, country) into a geopy Location: gazetteer or online service."""

    def __call__(self, name: str, country: str | None) -> tuple[Location | None, str | None]: ...


@dataclass
class GeocodePlan:
    """What geocoding a file would change, and what it could not resolve."""

    original: str
    updated: str
    filled: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def diff(self, path: str) -> str:
        return "".join(
            difflib.unified_diff(
                self.original.splitlines(keepends=True),
                self.updated.splitlines(keepends=True),
                fromfile=f"{path} (now)",
                tofile=f"{path} (geocoded)",
            )
        )


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 100_000  # never re-wrap long lines the author wrote
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _needs_coordinates(place: Any, overwrite: bool) -> bool:
    has = place.get("latitude") is not None and place.get("longitude") is not None
    return overwrite or not has


def _provenance(location: Location, query: str, today: dt.date) -> CommentedMap:
    raw = location.raw if isinstance(location.raw, dict) else {}
    record = CommentedMap()
    record["provider"] = str(raw.get("provider", "gazetteer"))
    record["query"] = query
    record["matched_name"] = str(raw.get("matched_name") or location.address)
    if raw.get("geonames_id") is not None:
        record["geonames_id"] = int(raw["geonames_id"])
    record["confidence"] = float(raw.get("confidence", 0.5))
    if raw.get("fuzzy"):
        record["fuzzy"] = True
    record["date"] = today.isoformat()
    return record


def plan_geocoding(
    path: Path,
    locate: Locator,
    *,
    overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
    today: dt.date | None = None,
) -> GeocodePlan:
    """Work out the geocoded file without writing it; the input must be a valid events file.
    A place without a country is looked up worldwide."""
    before = load_events(path)  # refuse a broken file up front, with every problem listed
    original = path.read_text(encoding="utf-8-sig")
    yaml = _yaml()
    document = yaml.load(original)
    events = document["events"] if isinstance(document, dict) else document
    plan = GeocodePlan(original, original)
    todo = [e for e in events if _needs_coordinates(e["place"], overwrite)]
    for done, event in enumerate(todo, start=1):
        place = event["place"]
        name = str(place["name"])
        country = str(place["country"]).upper() if place.get("country") else None
        line = getattr(place, "lc", None)
        where = f"line {line.line + 1}" if line is not None else "?"
        try:
            location, warning = locate(name, country)
        except GeocodingError as exc:
            plan.unresolved.append(f"{event['id']} ({where}): {exc}")
            location, warning = None, None
        if warning:
            plan.warnings.append(f"{event['id']}: {warning}")
        if location is not None:
            raw = location.raw if isinstance(location.raw, dict) else {}
            place["latitude"] = round(location.latitude, 5)
            place["longitude"] = round(location.longitude, 5)
            place["geo_precision"] = int(raw.get("geo_precision", 2))
            place["geocoded"] = _provenance(location, name, today or dt.date.today())
            plan.filled.append(f"{event['id']}: {name} -> {location.address}")
        elif not any(u.startswith(f"{event['id']} ") for u in plan.unresolved):
            within = f" in {country}" if country else " (no country given: add one)"
            plan.unresolved.append(f"{event['id']} ({where}): no place called '{name}'{within}")
        if progress is not None:
            progress(done, len(todo))
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    plan.updated = buffer.getvalue()
    after = parse_events_text(plan.updated, str(path))  # never write what the loader refuses
    if [e.id for e in after.events] != [e.id for e in before.events]:
        reason = (
            f"geocoding would leave {len(after.events)} of the file's {len(before.events)} "
            "events, or change their order: nothing written"
        )
        raise DataFileError([Problem(str(path), None, "events", reason)])
    return plan


@contextlib.contextmanager
def atomic_writer(path: Path) -> Iterator[TextIO]:
    """A text stream that replaces `path` only when closed without error.

    A crash or an exception at any moment leaves the old file intact and no temp file behind.
    """
    mode = path.stat().st_mode if path.exists() else 0o644
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as temp:
            yield temp
            temp.flush()
            os.fsync(temp.fileno())
        os.chmod(temp_name, mode & 0o777)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` so that a crash at any moment leaves the old file intact."""
    with atomic_writer(path) as out:
        out.write(text)
