"""Load an events file safely, and say exactly what is wrong with a bad one.

YAML is parsed to a node tree and converted by hand, so that:
- no tag can build a Python object, and anchors/aliases are refused (a 341-byte
  "billion laughs" document otherwise expands to gigabytes when walked);
- nesting deeper than MAX_DEPTH is refused before Python's recursion limit is reached;
- plain scalars follow YAML 1.2's core schema, not YAML 1.1's: `NO` stays the string "NO"
  (Norway), `010` stays "010", `12:30` stays "12:30";
- every value keeps its line number, so each validation error names file, line and field.

A file either loads completely or raises DataFileError listing every problem found.
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from geo.errors import DataFileError, Problem
from geo.model import Dataset, Event, Figure, Geometry, Place, Source

MAX_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 20

_YAML = "tag:yaml.org,2002:"
_IMPLICIT_TAGS = {_YAML + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_INT = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_FLOAT = re.compile(
    r"^[-+]?(\.[0-9]+|[0-9]+\.[0-9]*)([eE][-+]?[0-9]+)?$|^[-+]?[0-9]+[eE][-+]?[0-9]+$"
)
_NULLS = {"", "~", "null", "Null", "NULL"}
_TRUES = {"true", "True", "TRUE"}
_FALSES = {"false", "False", "FALSE"}

Path_ = tuple[str | int, ...]


class _Refused(Exception):
    def __init__(self, message: str, line: int | None, field: str = "") -> None:
        super().__init__(message)
        self.line = line
        self.field = field


class _Loader(yaml.SafeLoader):
    """SafeLoader whose composer refuses anchors, aliases and deep nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        line = event.start_mark.line + 1 if event.start_mark else None
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(
                "YAML aliases (*name) are not allowed: write the value out in full", line
            )
        if getattr(event, "anchor", None):
            raise _Refused(
                "YAML anchors (&name) are not allowed: write each value out in full", line
            )
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Refused(f"nesting deeper than {MAX_DEPTH} levels is not allowed", line)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


@dataclass
class _Converted:
    value: Any
    lines: dict[Path_, int]
    problems: list[Problem]


def _plain_scalar(text: str) -> Any:
    if text in _NULLS:
        return None
    if text in _TRUES:
        return True
    if text in _FALSES:
        return False
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    return text


class _Converter:
    """Node tree -> plain Python values, recording the line of every path."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.lines: dict[Path_, int] = {}
        self.problems: list[Problem] = []

    def convert(self, node: yaml.Node, path: Path_) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        if isinstance(node, yaml.SequenceNode):
            self._check_tag(node, _YAML + "seq", path)
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            self._check_tag(node, _YAML + "map", path)
            return self._mapping(node, path)
        raise _Refused("unsupported YAML node", node.start_mark.line + 1)

    def _check_tag(self, node: yaml.Node, expected: str, path: Path_) -> None:
        if node.tag != expected:
            raise _Refused(
                f"YAML tag {node.tag!r} is not allowed at {_field_name(path) or 'top level'}: "
                "remove the tag",
                node.start_mark.line + 1,
            )

    def _scalar(self, node: yaml.ScalarNode, path: Path_) -> Any:
        if node.tag not in _IMPLICIT_TAGS:
            raise _Refused(
                f"YAML tag {node.tag!r} is not allowed at {_field_name(path)}: remove the tag",
                node.start_mark.line + 1,
            )
        if node.style is not None or node.tag == _YAML + "str":
            return node.value
        try:
            return _plain_scalar(node.value)
        except ValueError as exc:  # an integer past Python's int-string conversion limit
            digits = len(node.value.lstrip("+-"))
            raise _Refused(
                f"a number of {digits:,} digits is too long to read (at most "
                f"{sys.get_int_max_str_digits():,}): check the value",
                node.start_mark.line + 1,
                _field_name(path),
            ) from exc

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Refused("mapping keys must be plain names", line)
            key = key_node.value
            if key in out:
                self.problems.append(
                    Problem(
                        self.file,
                        line,
                        _field_name((*path, key)),
                        f"'{key}' is given twice in the same block (first on line "
                        f"{self.lines[(*path, key)]}): keep one",
                    )
                )
                continue
            self.lines[(*path, key)] = line
            out[key] = self.convert(value_node, (*path, key))
        return out


def _field_name(path: Path_) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + part
    return text


def _line_of(lines: dict[Path_, int], path: Path_) -> int | None:
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


_MODEL_FOR_KEY: dict[str, type[BaseModel]] = {
    "place": Place,
    "geometry": Geometry,
    "fatalities": Figure,
    "injured": Figure,
    "sources": Source,
    "events": Event,
}


def _model_at(path: Path_) -> type[BaseModel]:
    for part in reversed(path):
        if isinstance(part, str) and part in _MODEL_FOR_KEY:
            return _MODEL_FOR_KEY[part]
    return Dataset


_HINTS = {
    "string_type": "put the value in quotes",
    "date_from_datetime_parsing": "write dates as YYYY-MM-DD, e.g. 2022-02-28",
    "date_parsing": "write dates as YYYY-MM-DD, e.g. 2022-02-28",
    "date_from_datetime_inexact": "write dates as YYYY-MM-DD, e.g. 2022-02-28",
    "float_parsing": "write a number of decimal degrees, e.g. 49.99",
    "int_parsing": "write a whole number",
    "missing": "add it",
}


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _describe(error: Any, path: Path_) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(path[-1])
        known = list(_model_at(path[:-1]).model_fields)
        close = difflib.get_close_matches(key, known, n=1)
        remedy = f" Did you mean '{close[0]}'?" if close else f" Allowed: {', '.join(known)}."
        return f"unknown field '{key}'.{remedy}"
    if kind == "enum":
        value = error.get("input")
        return f"{value!r} is not a known value; {_lower_first(error['msg'])}"
    if kind == "literal_error":
        return f"{error.get('input')!r} is not allowed; {_lower_first(error['msg'])}"
    message = str(error["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    hint = _HINTS.get(kind)
    if kind == "missing":
        return f"required field is missing: {hint}"
    if kind == "string_too_short" and (error.get("ctx") or {}).get("min_length") == 1:
        return "empty: fill it in"
    return f"{message}" + (f" ({hint})" if hint else "")


def _event_label(data: Any, index: int) -> str:
    try:
        event_id = data["events"][index]["id"]
    except (KeyError, IndexError, TypeError):
        return f"events[{index}]"
    return f"events[{index}] (id {event_id})" if isinstance(event_id, str) else f"events[{index}]"


def _validation_problems(
    file: str, data: Any, lines: dict[Path_, int], exc: ValidationError
) -> list[Problem]:
    problems = []
    for error in exc.errors():
        path: Path_ = tuple(part for part in error["loc"] if isinstance(part, (str, int)))
        # Pydantic names the model_validator branch, not a key, for whole-object errors.
        path = tuple(p for p in path if p not in {"list[float]", "list[list[float]]"})
        field = _field_name(path)
        if len(path) >= 2 and path[0] == "events" and isinstance(path[1], int):
            field = _event_label(data, path[1]) + field[len(_field_name(path[:2])) :]
        problems.append(Problem(file, _line_of(lines, path), field, _describe(error, path)))
    return _dedupe(problems)


def check_event_data(data: dict[str, Any], file: str) -> Event:
    """One event's fields (from a form, not a file) checked by the same schema, with the same
    messages, as the events file."""
    try:
        return Event.model_validate(data)
    except ValidationError as exc:
        raise DataFileError(_validation_problems(file, data, {}, exc)) from exc


def _by_line(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: p.line or 0)


def _dedupe(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def _duplicate_ids(file: str, data: dict[str, Any], lines: dict[Path_, int]) -> Iterator[Problem]:
    events = data.get("events")
    if not isinstance(events, list):
        return
    first_seen: dict[str, int] = {}
    for index, event in enumerate(events):
        event_id = event.get("id") if isinstance(event, dict) else None
        if not isinstance(event_id, str):
            continue
        if event_id in first_seen:
            first = first_seen[event_id]
            yield Problem(
                file,
                lines.get(("events", index, "id")),
                f"events[{index}].id",
                f"id '{event_id}' is already used by events[{first}] on line "
                f"{lines.get(('events', first, 'id'))}: every event needs its own id",
            )
        else:
            first_seen[event_id] = index


def parse_events_text(text: str, file: str = "<text>") -> Dataset:
    """Parse and validate the text of an events file; raise DataFileError on any problem."""
    converter = _Converter(file)
    try:
        root = _Loader(text).get_single_node()
    except _Refused as exc:
        raise DataFileError([Problem(file, exc.line, "", str(exc))]) from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        reason = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise DataFileError([Problem(file, line, "", f"not valid YAML: {reason}")]) from exc
    except yaml.YAMLError as exc:
        raise DataFileError([Problem(file, None, "", f"not valid YAML: {exc}")]) from exc
    except RecursionError as exc:
        raise DataFileError(
            [Problem(file, None, "", f"nesting is too deep (more than {MAX_DEPTH} levels)")]
        ) from exc
    if root is None:
        raise DataFileError([Problem(file, 1, "", "the file is empty: add an 'events:' list")])
    try:
        data = converter.convert(root, ())
    except _Refused as exc:
        raise DataFileError([Problem(file, exc.line, exc.field, str(exc))]) from exc
    if isinstance(data, list):
        # A bare list of events is accepted as shorthand for {events: [...]}.
        converter.lines = {("events", *k): v for k, v in converter.lines.items()}
        data = {"events": data}
    if not isinstance(data, dict):
        raise DataFileError(
            [Problem(file, 1, "", "the file must be a mapping with an 'events:' list")]
        )
    problems = [*converter.problems, *_duplicate_ids(file, data, converter.lines)]
    try:
        dataset = Dataset.model_validate(data)
    except ValidationError as exc:
        problems.extend(_validation_problems(file, data, converter.lines, exc))
        raise DataFileError(_by_line(problems)) from exc
    if problems:
        raise DataFileError(_by_line(problems))
    return dataset


def check_data_file(path: Path, max_bytes: int, too_big: str, missing_hint: str = "") -> None:
    """DataFileError with a located problem when the file is absent, unreadable or too big."""
    file = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        reason = f"file not found: check the path{missing_hint}"
        raise DataFileError([Problem(file, None, "", reason)]) from exc
    except OSError as exc:
        raise DataFileError([Problem(file, None, "", f"cannot read the file: {exc}")]) from exc
    if size > max_bytes:
        reason = f"the file is {size:,} bytes, over the {max_bytes:,}-byte {too_big}"
        raise DataFileError([Problem(file, None, "", reason)])


def read_utf8_text(path: Path, max_bytes: int, too_big: str, missing_hint: str = "") -> str:
    """A data file's text, refused with a located problem when absent, too big or not UTF-8.

    `too_big` names the limit and its remedy, e.g. "limit for YAML: split it".
    """
    file = str(path)
    check_data_file(path, max_bytes, too_big, missing_hint)
    raw = path.read_bytes()
    refuse_wide_unicode(raw[:4096], file)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataFileError([not_utf8_problem(file, raw, exc)]) from exc


def not_utf8_problem(
    file: str, raw: bytes, exc: UnicodeDecodeError, offset: int = 0, lines_before: int = 0
) -> Problem:
    """The located problem for bytes that are not UTF-8 (`raw` starts at byte `offset`, after
    `lines_before` lines)."""
    line = lines_before + raw[: exc.start].count(b"\n") + 1
    reason = (
        f"not UTF-8 text (byte {offset + exc.start} is {raw[exc.start]:#04x}; the file is "
        "probably Windows-1252/Latin-1): re-save it as UTF-8 (in Excel: Save As → CSV UTF-8)"
    )
    return Problem(file, line, "", reason)


# Byte-order marks, longest first (UTF-32-LE's begins with UTF-16-LE's).
_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def wide_unicode(head: bytes) -> str | None:
    """The name of a wide Unicode encoding ("UTF-16", "UTF-32") when the file's first bytes
    say so (a byte-order mark, or the NUL bytes beside every ASCII character of such a file);
    None for anything else."""
    for bom, name in _WIDE_BOMS:
        if head.startswith(bom):
            return name
    sample = head[: len(head) // 4 * 4]
    if len(sample) < 8 or sample.count(0) < len(sample) // 3:
        return None
    # UTF-32: three NULs in each group of four; UTF-16: one in each pair, always on one side.
    groups = [sample[i : i + 4] for i in range(0, len(sample), 4)]
    if sum(1 for g in groups if g.count(0) >= 3) >= len(groups) * 0.9:
        return "UTF-32"
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    if max(even, odd) >= len(sample) // 2 * 0.9 and min(even, odd) <= len(sample) // 20:
        return "UTF-16"
    return None


def refuse_wide_unicode(head: bytes, file: str) -> None:
    """DataFileError when the file is UTF-16 or UTF-32 text: say so, and what to do."""
    name = wide_unicode(head)
    if name is not None:
        reason = f"this file is {name}: save it as UTF-8 (in Excel: Save As → CSV UTF-8)"
        raise DataFileError([Problem(file, 1, "", reason)])


def load_events(path: str | Path, max_bytes: int = MAX_BYTES) -> Dataset:
    """Load and validate an events YAML file; raise DataFileError naming every problem."""
    text = read_utf8_text(
        Path(path),
        max_bytes,
        "limit for YAML: split it, or import it into the columnar store",
        " (or EVENT_ATLAS_EVENTS)",
    )
    return parse_events_text(text, str(path))
