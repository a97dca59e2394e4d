"""Two editors' versions of one event, merged field by field against the version both started
from (a three-way merge).

A field only one side changed is taken from that side; a field both changed the same way is
taken once; a field both changed differently is a conflict, shown to the editor with the form's
own label ("Injured, figure 1") and settled by a choice, never by the order of the saves. So no
save reverts a field its editor did not touch.

The fields are the form's: title, type, dates, the place's name, country, point and precision,
each source and each figure (lists are merged item by item, as `diff3` merges lines), summary,
tags, actors; anything else an event carries (labels, origin, geometry) is one field each.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from geo.model import Event

Side = Literal["yours", "theirs"]
SIDES: tuple[Side, ...] = ("yours", "theirs")

FIGURE_KINDS = ("fatalities", "injured")
FIGURE_KIND_LABELS = {"fatalities": "Killed", "injured": "Injured"}
LISTS = ("sources", "figures", "actors")

# The place is four fields, as the form shows it. The name carries the region it was found in,
# and the point carries the record of where it came from: each moves with the other.
PLACE_FIELDS: dict[str, tuple[str, ...]] = {
    "place.name": ("name", "admin1"),
    "place.country": ("country",),
    "place.point": ("latitude", "longitude", "geocoded"),
    "place.geo_precision": ("geo_precision",),
}

LABELS = {
    "id": "Id",
    "title": "Title",
    "event_type": "Type",
    "date": "Date",
    "time_precision": "Date precision",
    "date_end": "Last day (for a range)",
    "place.name": "Place",
    "place.country": "Country",
    "place.point": "Latitude and longitude",
    "place.geo_precision": "Location precision",
    "sources": "Sources",
    "figures": "Figures",
    "summary": "Summary",
    "tags": "Tags",
    "actors": "Actors",
    "geometry": "Line or area",
    "labels": "Source labels",
    "origin": "Imported from",
}


@dataclass(frozen=True)
class Conflict:
    """A field both editors changed, differently. Values are as the event stores them (a
    list of items for a list's stretch)."""

    key: str  # stable while the same stretch is in conflict: "title", "sources@1"
    label: str
    before: Any
    yours: Any
    theirs: Any


@dataclass(frozen=True)
class Merged:
    """The merged event data, and what went into it. While `conflicts` is not empty, `data`
    holds your side of each of them."""

    data: dict[str, Any]
    conflicts: list[Conflict] = field(default_factory=list)
    taken_from_theirs: list[str] = field(default_factory=list)  # labels
    kept_from_yours: list[str] = field(default_factory=list)  # labels
    settled: dict[str, Side] = field(default_factory=dict)  # conflicts settled by a choice
    settled_conflicts: list[Conflict] = field(default_factory=list)


# --------------------------------------------------------------------------- fields


def _figures(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"kind": kind, **dict(f)} for kind in FIGURE_KINDS for f in data.get(kind) or []]


def fields_of(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """An event's data as the merge's fields (absent fields are None)."""
    data = dict(data or {})
    place = dict(data.pop("place", None) or {})
    out: dict[str, Any] = {}
    claimed: set[str] = set()
    for name, keys in PLACE_FIELDS.items():
        part = {k: place[k] for k in keys if place.get(k) is not None}
        claimed.update(keys)
        out[name] = part or None
    extra = {k: v for k, v in place.items() if k not in claimed and v is not None}
    if extra:  # a key the form does not know travels with the name
        out["place.name"] = {**(out["place.name"] or {}), **extra}
    out["sources"] = list(data.pop("sources", None) or [])
    out["figures"] = _figures(data)
    data.pop("fatalities", None)
    data.pop("injured", None)
    out["actors"] = list(data.pop("actors", None) or [])
    for key, value in data.items():
        out[key] = value
    return out


def data_of(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of fields_of."""
    out: dict[str, Any] = {}
    place: dict[str, Any] = {}
    for key, value in fields.items():
        if key in PLACE_FIELDS:
            place.update(value or {})
        elif key == "figures":
            for item in value or []:
                figure = dict(item)
                kind = figure.pop("kind", "fatalities")
                out.setdefault(kind if kind in FIGURE_KINDS else "fatalities", []).append(figure)
        elif key in ("sources", "actors"):
            if value:
                out[key] = list(value)
        elif value is not None:
            out[key] = value
    if place:
        out["place"] = place
    return _in_event_order(out)


def _in_event_order(data: dict[str, Any]) -> dict[str, Any]:
    """Keys in the schema's order, as the desk stores events."""
    ordered = {k: data[k] for k in Event.model_fields if k in data}
    ordered.update({k: v for k, v in data.items() if k not in ordered})
    return ordered


def _form_position(key: str) -> int:
    """Fields in the order the form shows them; others after."""
    order = list(LABELS)
    return order.index(key) if key in order else len(order)


def label_of(key: str) -> str:
    return LABELS.get(key, key.replace("_", " ").capitalize())


def item_label(list_name: str, items: Sequence[Any], start: int, count: int) -> str:
    """ "Source 2", "Sources 2-3", "Injured, figure 1", "Actor 3": the form's own names, the
    numbers counted as the form counts them (figures within their kind)."""
    if list_name == "figures":
        names = []
        for index in range(start, start + max(count, 1)):
            if index >= len(items):
                break
            kind = items[index].get("kind", "fatalities")
            number = sum(1 for item in items[:index] if item.get("kind") == kind) + 1
            names.append(f"{FIGURE_KIND_LABELS.get(kind, kind)}, figure {number}")
        return " and ".join(names) or "A new figure"
    noun = {"sources": "Source", "actors": "Actor"}.get(list_name, list_name)
    if count <= 1:
        return f"{noun} {start + 1}"
    return f"{noun}s {start + 1}-{start + count}"


# --------------------------------------------------------------------------- merging


def _key(item: Any) -> str:
    return json.dumps(item, sort_keys=True, ensure_ascii=False, default=str)


def _matches(base: list[str], other: list[str]) -> dict[int, int]:
    matcher = difflib.SequenceMatcher(None, base, other, autojunk=False)
    return {
        block.a + offset: block.b + offset
        for block in matcher.get_matching_blocks()
        for offset in range(block.size)
    }


@dataclass(frozen=True)
class _Stretch:
    """A stretch of a list between two items all three versions share."""

    start: int  # in base
    before: list[Any]
    yours: list[Any]
    theirs: list[Any]


def _stretches(base: list[Any], yours: list[Any], theirs: list[Any]) -> list[_Stretch | Any]:
    """The lists cut at the items all three share (diff3's stable items): a stable item is
    returned as itself, every stretch between two as a _Stretch."""
    keys_b = [_key(i) for i in base]
    in_yours = _matches(keys_b, [_key(i) for i in yours])
    in_theirs = _matches(keys_b, [_key(i) for i in theirs])
    out: list[_Stretch | Any] = []
    last_b = last_y = last_t = -1
    stable = [
        (b, in_yours[b], in_theirs[b]) for b in range(len(base)) if b in in_yours and b in in_theirs
    ]
    for b, y, t in [*stable, (len(base), len(yours), len(theirs))]:
        if y <= last_y or t <= last_t:
            continue  # out of order in one side: part of the stretch around it
        stretch = _Stretch(
            last_b + 1, base[last_b + 1 : b], yours[last_y + 1 : y], theirs[last_t + 1 : t]
        )
        if stretch.before or stretch.yours or stretch.theirs:
            out.append(stretch)
        if b < len(base):
            out.append(base[b])
        last_b, last_y, last_t = b, y, t
    return out


def merge3(
    base: Mapping[str, Any] | None,
    yours: Mapping[str, Any],
    theirs: Mapping[str, Any],
    choices: Mapping[str, Side] | None = None,
    *,
    prefer: Side | None = None,
) -> Merged:
    """Merge `yours` and `theirs`, both edited from `base`. `choices` settles conflicts by
    key; `prefer` settles every conflict left (None: they are returned unsettled)."""
    choices = dict(choices or {})
    b, y, t = fields_of(base), fields_of(yours), fields_of(theirs)
    merged: dict[str, Any] = {}
    conflicts: list[Conflict] = []
    from_theirs: list[str] = []
    from_yours: list[str] = []
    settled: dict[str, Side] = {}
    settled_conflicts: list[Conflict] = []

    def settle(conflict: Conflict) -> Side | None:
        side = choices.get(conflict.key) or prefer
        if side in SIDES:
            settled[conflict.key] = side
            settled_conflicts.append(conflict)
            return side
        conflicts.append(conflict)
        return None

    for key in sorted(dict.fromkeys([*b, *y, *t]), key=_form_position):
        before, mine, other = b.get(key), y.get(key), t.get(key)
        if key in LISTS:
            merged[key] = _merge_list(
                key, before or [], mine or [], other or [], settle, from_theirs, from_yours
            )
            continue
        if _key(mine) == _key(before) or _key(mine) == _key(other):
            merged[key] = other
            if _key(other) != _key(before):
                from_theirs.append(label_of(key))
        elif _key(other) == _key(before):
            merged[key] = mine
            from_yours.append(label_of(key))
        else:
            side = settle(Conflict(key, label_of(key), before, mine, other))
            merged[key] = other if side == "theirs" else mine
    return Merged(data_of(merged), conflicts, from_theirs, from_yours, settled, settled_conflicts)


def _merge_list(
    name: str,
    base: list[Any],
    yours: list[Any],
    theirs: list[Any],
    settle: Callable[[Conflict], Side | None],
    from_theirs: list[str],
    from_yours: list[str],
) -> list[Any]:
    out: list[Any] = []
    for part in _stretches(base, yours, theirs):
        if not isinstance(part, _Stretch):
            out.append(part)
            continue
        before, mine, other = (
            [_key(i) for i in part.before],
            [_key(i) for i in part.yours],
            [_key(i) for i in part.theirs],
        )
        label = item_label(name, base, part.start, len(part.before)) if part.before else ""
        if mine in (before, other):
            out.extend(part.theirs)
            if other != before:
                from_theirs.append(label or _added(name, part.theirs))
        elif other == before:
            out.extend(part.yours)
            from_yours.append(label or _added(name, part.yours))
        elif not before:  # both added something here: keep both, theirs first
            out.extend(part.theirs + part.yours)
            from_theirs.append(_added(name, part.theirs))
            from_yours.append(_added(name, part.yours))
        elif (joined := _added_around(part)) is not None:
            # One side added items next to those the other side changed: both stand.
            out.extend(joined)
            from_theirs.append(label)
            from_yours.append(label)
        else:
            conflict = Conflict(f"{name}@{part.start}", label, part.before, part.yours, part.theirs)
            side = settle(conflict)
            out.extend(part.theirs if side == "theirs" else part.yours)
    return out


def _added_around(part: _Stretch) -> list[Any] | None:
    """When one side kept the stretch's items as they were and only added some before or
    after them, while the other side changed those items: the other's items with the
    additions around them. None when the two really overlap."""
    before = [_key(i) for i in part.before]
    size = len(before)
    for kept, changed in ((part.yours, part.theirs), (part.theirs, part.yours)):
        keys = [_key(i) for i in kept]
        if len(keys) <= size:
            continue
        if keys[:size] == before:  # added after them
            return [*changed, *kept[size:]]
        if keys[-size:] == before:  # added before them
            return [*kept[: len(kept) - size], *changed]
    return None


def _added(name: str, items: list[Any]) -> str:
    noun = {"sources": "source", "actors": "actor", "figures": "figure"}.get(name, name)
    return f"{len(items)} new {noun}{'s' if len(items) != 1 else ''}"


# --------------------------------------------------------------------------- showing values


def shown(key: str, value: Any) -> str:
    """A field's value as plain text for the conflict table (never Markdown)."""
    if value is None or value == [] or value == {}:
        return "(empty)"
    list_name = key.split("@", 1)[0]
    if list_name in LISTS and isinstance(value, list):
        return "\n".join(_item_text(list_name, item) for item in value) or "(none)"
    if key == "place.point" and isinstance(value, Mapping):
        return f"{value.get('latitude')}, {value.get('longitude')}"
    if key == "place.name" and isinstance(value, Mapping):
        return str(value.get("name", ""))
    if isinstance(value, Mapping) and len(value) == 1:
        return str(next(iter(value.values())))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, Mapping):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _item_text(list_name: str, item: Any) -> str:
    if list_name == "figures" and isinstance(item, Mapping):
        kind = FIGURE_KIND_LABELS.get(str(item.get("kind")), str(item.get("kind")))
        qualifier = item.get("qualifier", "exact")
        text = f"{kind}: {item.get('value')}"
        if qualifier != "exact":
            text += f" ({qualifier})"
        if item.get("claimed_by"):
            text += f", claimed by {item['claimed_by']}"
        return text
    if list_name == "sources" and isinstance(item, Mapping):
        parts = [str(item.get(k)) for k in ("publisher", "date", "url") if item.get(k)]
        return " · ".join(parts) + f': "{item.get("quote", "")}"'
    return str(item)


# --------------------------------------------------------------------------- history labels


def path_label(path: str) -> str:
    """A changed leaf of the history's diff in the form's words: `injured[0].value` is
    "Injured, figure 1: number"."""
    head, _, rest = path.partition(".")
    name, _, index = head.partition("[")
    column_labels = {
        "value": "number",
        "qualifier": "qualifier",
        "claimed_by": "claimed by",
        "note": "note",
        "publisher": "publisher",
        "url": "link",
        "date": "date",
        "quote": "exact quote",
    }
    if index and name in (*FIGURE_KINDS, "sources", "actors"):
        number = int(index.rstrip("]")) + 1
        noun = (
            f"{FIGURE_KIND_LABELS[name]}, figure {number}"
            if name in FIGURE_KINDS
            else f"{'Source' if name == 'sources' else 'Actor'} {number}"
        )
        return f"{noun}: {column_labels.get(rest, rest)}" if rest else noun
    if name == "place" and rest:
        place_labels = {
            "name": "Place",
            "country": "Country",
            "admin1": "Region",
            "latitude": "Latitude",
            "longitude": "Longitude",
            "geo_precision": "Location precision",
        }
        if rest.startswith("geocoded"):
            return "Place found by: " + rest.partition(".")[2].replace("_", " ")
        return place_labels.get(rest, f"Place: {rest}")
    if name == "labels" and rest:
        return f"Source label: {rest}"
    if name in ("fatalities", "injured"):
        return f"{FIGURE_KIND_LABELS[name]} figures"
    if rest:
        return f"{label_of(name)}: {rest}"
    return label_of(name)
