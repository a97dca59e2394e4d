"""What changed between two versions of an event, field by field, for the history view."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Change:
    field: str
    before: Any
    after: Any


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and value and any(isinstance(v, dict | list) for v in value):
        out = {}
        for index, item in enumerate(value):
            out.update(_flatten(item, f"{prefix}[{index}]"))
        return out
    return {prefix: value}


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[Change]:
    """Changed leaves, in the after-version's order (then removed ones)."""
    old, new = _flatten(before or {}), _flatten(after or {})
    changes = [Change(k, old.get(k), v) for k, v in new.items() if old.get(k) != v]
    changes += [Change(k, v, None) for k, v in old.items() if k not in new]
    return changes
