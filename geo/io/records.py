"""JSON arrays of records (Bellingcat's civilian-harm export and the like): each record's
values flattened to cells (lists joined, objects by their link or name), every link of a list
of sources kept in order, named categories (`filters`) kept as labels, then read like a table's
row (`geo.io.table`), each record mapped by
its own keys.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from geo.errors import Problem
from geo.io.core import Context, Outcome, Pending, Row, check_sizes
from geo.io.dates import DateChoice
from geo.io.table import LABEL_CELL, table_outcomes


def records_batch(
    ctx: Context,
    header: Sequence[str],
    batch: Sequence[tuple[int, Any]],
    dates: Mapping[str, DateChoice | None],
) -> list[Pending | Outcome]:
    rows: list[Row | Outcome] = []
    for index, record in batch:
        ctx.tick()
        if not isinstance(record, dict):
            problem = Problem(ctx.file, None, f"[{index}]", "each record must be a JSON object")
            rows.append(Outcome(None, [problem]))
            continue
        row = Row(ctx.file, None, record_cells(record), prefix=f"[{index}].")
        check_sizes(row, ctx.max_field_chars)
        rows.append(Outcome(None, row.problems) if row.problems else row)
    return table_outcomes(ctx, header, rows, uniform=False, dates=dates)


def flat(value: object) -> str:
    """A record's value as one cell: lists joined with "; ", objects by their link or text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    if isinstance(value, list):
        return "; ".join(part for part in (flat(v) for v in value) if part)
    if isinstance(value, dict):
        for key in ("url", "link", "path", "href", "name", "title", "value"):
            if isinstance(value.get(key), str):
                return str(value[key])
    return json.dumps(value, ensure_ascii=False)


def record_cells(record: Mapping[str, Any]) -> dict[str, str]:
    cells = {str(k): flat(v) for k, v in record.items()}
    # A list of sources holds links (TimeMap's `path`, `url`, …): every one is kept, in order.
    sources = record.get("sources")
    if isinstance(sources, list) and "url" not in cells:
        cells.pop("sources")
        cells["url"] = "; ".join(link for link in (flat(s) for s in sources) if link)
    # Named categories (TimeMap's `filters`: [{"key": "Weapon System", "value": "Missile"}]):
    # each a label under its own name, values of one key joined.
    filters = record.get("filters")
    if isinstance(filters, list) and filters and all(_named(f) for f in filters):
        cells.pop("filters")
        named: dict[str, list[str]] = {}
        for item in filters:
            values = named.setdefault(LABEL_CELL + str(item["key"]).strip(), [])
            value = flat(item.get("value"))
            if value and value not in values:
                values.append(value)
        cells.update({name: "; ".join(values) for name, values in named.items()})
    return cells


def _named(item: object) -> bool:
    return isinstance(item, dict) and isinstance(item.get("key"), str) and bool(item["key"].strip())
