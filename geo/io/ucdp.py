"""UCDP GED: `type_of_violence` as our type, deaths as figures (best "about", low "at least",
high "at most"), `where_prec` as the location precision, `date_start`/`date_end` as a range.
"""

from __future__ import annotations

from typing import Any

from geo.io import columns as colmap
from geo.io.cells import read_coordinates, read_country, read_date, read_id, whole_number
from geo.io.core import (
    Context,
    Fields,
    Outcome,
    Pending,
    column_values,
    csv_rows,
    origin_of,
    read_rows,
    short,
)
from geo.io.dates import DateChoice
from geo.io.meaning import links_in
from geo.io.taxonomies import OTHER, UCDP_VIOLENCE

# The header that identifies a UCDP GED file (any case).
UCDP_SIGNATURE = frozenset({"type_of_violence", "date_start", "where_prec", "latitude"})


# where_prec: 1 exact, 2 within 25 km, 3 second-order region, 4 first-order region, 5 a line
# (road, border), 6 country, 7 waters or air.
_UCDP_WHERE = {"1": 1, "2": 2, "3": 2, "4": 3, "5": 2, "6": 3, "7": 3}


def import_ucdp(text: str, ctx: Context) -> list[Pending | Outcome]:
    header, raw_rows = csv_rows(text, ctx.file, ctx.max_bytes, ctx=ctx)
    by_name = {colmap.normalise(h): h for h in header}
    rows = list(read_rows(ctx, header, raw_rows))
    start = ctx.dates(by_name["date_start"], column_values(rows, by_name["date_start"]))
    end_column = by_name.get("date_end")
    end = ctx.dates(end_column, column_values(rows, end_column)) if end_column else None
    return [
        r if isinstance(r, Outcome) else _ucdp_event(ctx, Fields(r, by_name), start, end)
        for r in rows
    ]


def _ucdp_figures(cells: Fields) -> list[dict[str, Any]]:
    """best as UCDP's estimate; low and high as bounds when they differ from it."""
    claimed = "UCDP GED"
    values = {}
    for name in ("best", "low", "high"):
        text = cells.get(name).removesuffix(".0")
        number = whole_number(text)
        if number is not None:
            values[name] = number
        elif text.isdigit():  # digits, but too many (or not ASCII) to be a number of people
            cells.row.fail(
                cells.column(name),
                f"'{short(text)}' is not a whole number of people",
                cause="not a whole number of people",
                value=text,
            )
    figures = []
    best = values.get("best")
    if best:
        figures.append({"value": best, "qualifier": "about", "claimed_by": f"{claimed} (best)"})
    if values.get("low") and values["low"] != best:
        figures.append(
            {"value": values["low"], "qualifier": "at least", "claimed_by": f"{claimed} (low)"}
        )
    if values.get("high") and values["high"] != best:
        figures.append(
            {"value": values["high"], "qualifier": "at most", "claimed_by": f"{claimed} (high)"}
        )
    return figures


def _ucdp_event(
    ctx: Context, cells: Fields, start: DateChoice | None, end: DateChoice | None
) -> Pending:
    row, col = cells.row, cells.column
    date = read_date(row, col("date_start"), cells.get("date_start"), start)
    date_end = read_date(row, col("date_end"), cells.get("date_end"), end, required=False)
    point = read_coordinates(
        row, cells.get("latitude"), cells.get("longitude"), col("latitude"), col("longitude")
    )
    violence = cells.get("type_of_violence")
    event_type, violence_name = UCDP_VIOLENCE.get(violence, (OTHER, ""))
    country = read_country(row, col("country"), cells.get("country"))
    if row.problems or date is None:
        return Pending(row, None, {})
    if date_end == date:
        date_end = None
    labels = {
        col(k): v[:500]
        for k, v in (
            ("type_of_violence", violence),
            ("conflict_name", cells.get("conflict_name")),
            ("dyad_name", cells.get("dyad_name")),
        )
        if v
    }
    place = cells.get("where_coordinates") or cells.get("adm_1") or cells.get("country")
    headline = cells.get("source_headline")
    office = cells.get("source_office").split(";")[0].strip()
    source_date = read_date(
        row, col("source_date"), cells.get("source_date").split(";")[0], start, False
    )
    precision = cells.get("date_prec")
    time_precision = "range" if date_end else ("day" if precision in ("", "1") else "approximate")
    what = violence_name or "Violence"
    data: dict[str, Any] = {
        "id": read_id(f"ucdp-{cells.get('id')}") or f"ucdp-{row.line}",
        "title": f"{what}: {place}"[:300] if place else what,
        "event_type": event_type,
        "date": date,
        "date_end": date_end,
        "time_precision": time_precision,
        "place": {
            "name": (place or f"{point[0]:.4f}, {point[1]:.4f}" if point else place)[:200],
            "country": country,
            "admin1": cells.get("adm_1") or None,
            "latitude": point[0] if point else None,
            "longitude": point[1] if point else None,
            "geo_precision": _UCDP_WHERE.get(cells.get("where_prec")),
        },
        "actors": [a for a in (cells.get("side_a"), cells.get("side_b")) if a],
        "fatalities": _ucdp_figures(cells),
        # The headline is the source's own words; UCDP's reference to the article is not, but a
        # link in it is the article's.
        "sources": [
            {
                "publisher": office or "UCDP GED",
                "url": next(iter(links_in(cells.get("source_article"))), None),
                "date": source_date or date,
                "quote": headline[:5000] or None,
            }
        ],
        "summary": cells.get("where_description"),
        "labels": labels,
        "origin": origin_of(ctx, row),
    }
    columns = {
        "id": col("id"),
        "place.name": col("where_coordinates"),
        "sources": col("source_office"),
    }
    return Pending(row, data, columns, col("country"))
