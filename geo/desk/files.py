"""The desk and files: the published set written out (events YAML with its comments kept,
GeoJSON, CSV), and files read in as drafts attributed to whoever imported them."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from geo.desk.roles import Editor
from geo.desk.store import DeskEvent, DeskStore, event_data
from geo.errors import DataFileError, SettingError
from geo.export import events_yaml_text, to_csv, to_geojson_text
from geo.loader import load_events, parse_events_text
from geo.model import Event
from geo.writeback import _yaml, write_atomically

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_KEYS = {"date", "date_end"}


def _plain(node: Any) -> Any:
    """A YAML node as plain JSON-like data (dates as ISO text), for comparison."""
    return json.loads(json.dumps(node, default=lambda v: v.isoformat()))


def _yaml_value(key: str, value: Any) -> Any:
    """Data as the events file writes it: dates as dates, not quoted text."""
    if isinstance(value, dict):
        out = CommentedMap()
        for k, v in value.items():
            out[k] = _yaml_value(k, v)
        return out
    if isinstance(value, list):
        return CommentedSeq([_yaml_value(key, v) for v in value])
    if key in _DATE_KEYS and isinstance(value, str) and _ISO_DATE.match(value):
        return dt.date.fromisoformat(value)
    return value


def _update(node: CommentedMap, full: dict[str, Any], meaningful: dict[str, Any]) -> None:
    """Change only what differs, so that comments on untouched keys stay where they were.
    `full` has every field; `meaningful` only those not at their default: a default the file
    leaves out stays out, one it writes stays written."""
    for key in [k for k in node if k not in full]:
        del node[key]
    for key, value in full.items():
        if key not in node:
            if key in meaningful:
                node[key] = _yaml_value(key, meaningful[key])
            continue
        if _plain(node[key]) == value:
            continue
        if isinstance(node[key], CommentedMap) and isinstance(value, dict):
            inner = meaningful.get(key)
            _update(node[key], value, inner if isinstance(inner, dict) else {})
        else:
            node[key] = _yaml_value(key, value)


def merged_events_yaml(existing: str | None, events: Sequence[Event], heading: str) -> str:
    """`events` as an events file. Given the current file's text, its comments, order and
    formatting are kept: unchanged events stay byte for byte (their text is never re-dumped),
    changed ones change only in the fields that changed, withdrawn ones go, new ones are added
    at the end."""
    if not existing or not events:
        # Nothing published (every event archived): an empty list, not the file's items
        # all withdrawn, which would leave `events:` holding nothing the loader accepts.
        return events_yaml_text(events, heading)
    yaml = _yaml()
    document = yaml.load(existing)
    listed = document["events"] if isinstance(document, dict) else document
    lines = existing.splitlines(keepends=True)
    wanted = {event.id: event for event in events}
    spans = _item_spans(document, listed, lines)
    pieces: list[str] = ["".join(lines[: spans[0][0]]) if spans else ""]
    for index, (first, last) in enumerate(spans):
        body, trailing = _split_trailing(lines[first:last])
        node = listed[index]
        event = wanted.pop(str(node.get("id")), None)
        if event is None:
            pieces.append("".join(trailing))  # withdrawn; comments above the next one stay
            continue
        if Event.model_validate(_plain(node)) == event:
            pieces.append("".join(body + trailing))
            continue
        _update(node, event.model_dump(mode="json", exclude_none=True), event_data(event))
        pieces.append(_dump_item(yaml, node, _dash_column(body)) + "".join(trailing))
    column = _dash_column(lines[spans[0][0] : spans[0][1]]) if spans else 2
    for event in events:
        if event.id in wanted:
            pieces.append(_dump_item(yaml, _yaml_value("", event_data(event)), column))
    after = spans[-1][1] if spans else len(lines)
    pieces.append("".join(lines[after:]))
    text = "".join(pieces)
    parse_events_text(text, "<merged events file>")  # never write what the loader refuses
    return text


def _item_spans(document: Any, listed: Any, lines: list[str]) -> list[tuple[int, int]]:
    """(first line, line after) of each event's text in the file."""
    starts = [listed.lc.item(i)[0] for i in range(len(listed))]
    end = len(lines)
    if isinstance(document, CommentedMap):
        keys = list(document)
        position = keys.index("events")
        if position + 1 < len(keys):
            end = document.lc.key(keys[position + 1])[0]
    return [
        (start, starts[i + 1] if i + 1 < len(starts) else end) for i, start in enumerate(starts)
    ]


def _split_trailing(span: list[str]) -> tuple[list[str], list[str]]:
    """An item's own lines, and the blank and comment lines after it (they belong to what
    follows)."""
    cut = len(span)
    while cut > 1 and (not span[cut - 1].strip() or span[cut - 1].lstrip().startswith("#")):
        cut -= 1
    return span[:cut], span[cut:]


def _dash_column(span: list[str]) -> int:
    for line in span:
        stripped = line.lstrip()
        if stripped.startswith("-"):
            return len(line) - len(stripped)
    return 2


def _dump_item(yaml: Any, node: Any, column: int) -> str:
    buffer = io.StringIO()
    yaml.dump(CommentedSeq([node]), buffer)
    dumped = buffer.getvalue().splitlines(keepends=True)
    shift = column - _dash_column(dumped)
    if shift > 0:
        return "".join(" " * shift + line if line.strip() else line for line in dumped)
    return "".join(line[-shift:] if line[:-shift].strip() == "" else line for line in dumped)


def export_published(store: DeskStore, target: Path, *, force: bool = False) -> int:
    """Write the published set to `target` by its suffix: .yaml/.yml (merged into the events
    file there, comments kept), .geojson or .csv. Written atomically; returns the event count.

    Without `force`, nothing is destroyed by mistake (SettingError, nothing written): an
    existing .geojson or .csv is not replaced, an existing .yaml must be an events file (it is
    merged into), and no empty list is written over an events file that holds events."""
    events = store.published_events()
    suffix = target.suffix.lower()
    if suffix not in (".yaml", ".yml", ".geojson", ".json", ".csv"):
        raise SettingError(f"--out {target}: name a .yaml, .geojson or .csv file")
    if not target.parent.is_dir():
        raise SettingError(f"--out {target}: the folder {target.parent} does not exist")
    existing: str | None = None
    if target.exists() and suffix in (".yaml", ".yml"):
        existing, count, reason = _events_file(target)
        if existing is None and not force:
            raise SettingError(
                f"{target} is not an events file the desk can merge into ({reason}): choose "
                "another --out, or add --force to replace it"
            )
        if not events and count and not force:
            raise SettingError(
                f"{target} holds {count:,} events and the desk has none published: nothing "
                "written (check the desk's URL; add --force to write an empty file)"
            )
    elif target.exists() and not force:
        raise SettingError(f"{target} exists: choose another --out, or add --force to replace it")
    if suffix in (".yaml", ".yml"):
        heading = "Published events from the Event Atlas desk"
        text = merged_events_yaml(existing, events, heading)
    elif suffix in (".geojson", ".json"):
        text = to_geojson_text(events)
    else:
        text = to_csv(events)
    write_atomically(target, text)
    return len(events)


def _events_file(path: Path) -> tuple[str | None, int, str]:
    """The text of the events file at `path` and its number of events; (None, 0, why) when it
    is not one."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        return text, len(parse_events_text(text, str(path)).events), ""
    except (OSError, UnicodeDecodeError) as exc:
        return None, 0, str(exc)
    except DataFileError as exc:
        return None, 0, exc.summary


def import_into_desk(store: DeskStore, editor: Editor, path: Path) -> list[DeskEvent]:
    """Every event a file holds (an events file, or any export `geo import` reads) as a draft
    attributed to `editor`. A file with problems imports nothing and says why."""
    if path.suffix.lower() in (".yaml", ".yml"):
        events = load_events(path).events
    else:
        from geo.io.importer import import_file

        result = import_file(path)
        if result.problems and not result.events:
            raise DataFileError(result.problems)
        events = result.events
    return store.import_events(editor, events, path.name)
