"""JSON arrays of records (Bellingcat's civilian-harm export and the like): each record's
values flattened to cells (lists joined, objects by their link or name), a list of source links
read as the source's url, then read like a table's row (`geo.io.table`), each record mapped by
its own keys.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from geo.errors import Problem
from geo.io.core import Context, Outcome, Pending, Row, check_sizes
from geo.io.dates import DateChoice
from geo.io.table import table_outcomes


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
    # A list of sources holds links: the first web address is the source's url.
    sources = record.get("sources")
    if isinstance(sources, list) and "url" not in cells:
        links = [flat(s) for s in sources]
        web = [s for s in links if s.startswith(("http://", "https://"))]
        cells["url"] = web[0] if web else (links[0] if links else "")
        cells.pop("sources")
        cells["source_links"] = "; ".join(links)
    return cells
