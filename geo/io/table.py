"""Any CSV or tab-separated file, and the records and features of JSON files read like one.

Columns are matched to fields by name and common aliases (`geo.io.columns`, the user's
overrides over them); a date column's format is decided from all its values. Each row becomes
an event: our type from a free-text label (the label kept in `labels`), figures, fallbacks for
a missing id, title or place name, and our own CSV's `sources`, `quotes` and `labels` read back.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from geo.io import columns as colmap
from geo.io.cells import (
    label_key,
    read_coordinates,
    read_country,
    read_date,
    read_geo_precision,
    read_id,
    read_url,
    slugify,
    whole_number,
)
from geo.io.core import (
    Context,
    Fields,
    Outcome,
    Pending,
    Row,
    csv_rows,
    missing_columns,
    origin_of,
    read_rows,
    short,
    uncell,
)
from geo.io.dates import DateChoice, parse_date
from geo.io.meaning import links_in, publisher_of_link
from geo.io.taxonomies import OTHER, acled_type, our_type
from geo.vocabulary import VOCABULARY, EventType

_CLAIM = re.compile(
    r"^(?:(?P<qualifier>at least|at most|about|more than|fewer than) )?(?P<value>\d+)"
    r" \(according to (?P<claimed_by>.+)\)$"
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_PRECISIONS = ("day", "approximate", "range")
# An event's sources (geo.model.Event.sources).
MAX_SOURCES = 50
# An event's labels (geo.model.Event.labels).
MAX_LABELS = 20
# Cells whose name starts with this hold one of the source's named categories (a label).
LABEL_CELL = "label: "


def _type_with_label(
    ctx: Context, row: Row, column: str, text: str, labels: dict[str, str]
) -> EventType:
    """Our type for a free-text label (the user's choice for it first); the label itself is
    kept when it is not ours. A row without a label gets the dataset's type, if one was given."""
    if not text:
        return ctx.meaning.default_type or OTHER
    found = ctx.meaning.type_of(text) or our_type(text) or OTHER
    if text != found.value:  # our own type's value says nothing more
        labels[label_key(column)] = text[:500]
        ctx.count_kind(text, found)
    return found


def source_labels(row: Row) -> dict[str, str]:
    """The source's named categories (cells keyed LABEL_CELL + name, e.g. a record's filters
    "Weapon System", "Type of area affected"): each a label under its own name."""
    return {
        label_key(name.removeprefix(LABEL_CELL)): text[:500]
        for name in row.cells
        if name.startswith(LABEL_CELL) and (text := row.text(name))
    }


def _labels_cell(row: Row) -> dict[str, str]:
    """Our CSV's `labels` column (JSON text), read back; anything else there is refused."""
    text = row.text("labels")
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        row.fail("labels", 'labels must be a JSON object of texts, e.g. {"type": "Drone Strike"}')
        return {}
    return {str(k): v for k, v in value.items()}


def _figures(row: Row, claims_col: str, best_col: str, claimed_by: str) -> list[dict[str, Any]]:
    claims = row.text(claims_col)
    figures: list[dict[str, Any]] = []
    if claims:
        for part in claims.split("; "):
            match = _CLAIM.match(part.strip())
            if match is None:
                row.fail(
                    claims_col,
                    f"'{short(part)}' is not a claim: write e.g. "
                    "'at least 11 (according to Synegubov)'",
                )
                continue
            value = whole_number(match["value"])
            if value is None:
                row.fail(claims_col, f"'{short(part)}' is not a number of people")
                continue
            figures.append(
                {
                    "value": value,
                    "qualifier": match["qualifier"] or "exact",
                    "claimed_by": match["claimed_by"],
                }
            )
        return figures
    best = row.text(best_col)
    if best:
        number = whole_number(best)
        if number is None:
            row.fail(
                best_col,
                f"'{short(best)}' is not a whole number of people",
                cause="not a whole number of people",
                value=best,
            )
        elif number:
            figures.append({"value": number, "claimed_by": claimed_by})
    return figures


def _our_sources(row: Row, date: dt.date | None, file: str) -> list[dict[str, Any]]:
    """Our CSV's `sources` ("publisher YYYY-MM-DD url") and `quotes` (" | "-separated)."""
    entries = row.text("sources").split("; ")
    # A source without a quote is written as an empty one (geo.export): " | " between two
    # empty quotes, so the cell is split before it is stripped.
    quotes_text = uncell(str(row.cells.get("quotes") or ""))
    quotes = [q.strip() for q in quotes_text.split(" | ")] if quotes_text.strip() else []
    if not quotes:
        quotes = [""] * len(entries)
    if len(quotes) != len(entries):
        row.fail(
            "quotes",
            f"{len(entries)} source(s) but {len(quotes)} quote(s): give one quote per source, "
            "separated by ' | '",
        )
        return []
    out: list[dict[str, Any]] = []
    for entry, quote in zip(entries, quotes, strict=True):
        words = entry.split(" ")
        url = (
            words.pop() if words and words[-1].lower().startswith(("http://", "https://")) else None
        )
        source_date = date
        if words and _ISO_DATE.match(words[-1]):
            source_date = parse_date(words.pop())
        publisher = " ".join(words).strip()
        if not publisher or source_date is None:
            row.fail("sources", f"'{short(entry)}' is not 'publisher YYYY-MM-DD [url]'")
            continue
        out.append(
            {"publisher": publisher, "date": source_date, "quote": quote or None, "url": url}
        )
    return out


def _row_sources(ctx: Context, cells: Fields, date: dt.date) -> list[dict[str, Any]]:
    """Every link of the row, in order, each published by its site (the source column names
    the publisher of a row's one link); a row without links cites its source column or the
    dataset. No quote: the row's text is the dataset's words (its summary), not the source's."""
    row, col = cells.row, cells.column
    text = cells.get("url")
    links = links_in(text)
    if text and not links:
        read_url(row, col("url"), text)  # warns: not a web address
    named = source_name(cells)
    # A source column of links (a tracker's "source": "https://…") gives links, not a name.
    links += [link for link in links_in(cells.get("source")) if link not in links]
    if len(links) > MAX_SOURCES:
        row.warn(
            col("url"),
            f"{len(links)} links: an event keeps its first {MAX_SOURCES}",
            cause=f"more than {MAX_SOURCES} links: the first {MAX_SOURCES} kept",
        )
        links = links[:MAX_SOURCES]
    # A quotes column gives the words of the row's one source.
    quote = row.text("quotes") or None
    if not links:
        return [
            {"publisher": named or ctx.meaning.dataset_publisher(), "date": date, "quote": quote}
        ]
    return [
        {
            "publisher": (named if named and len(links) == 1 else None)
            or publisher_of_link(url)
            or named
            or ctx.meaning.dataset_publisher(),
            "url": url,
            "date": date,
            "quote": quote if len(links) == 1 else None,
        }
        for url in links
    ]


def source_name(cells: Fields) -> str:
    """The source column as a publisher's name; empty when it holds links instead."""
    named = cells.get("source")
    return "" if links_in(named) else named


def _split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


def table_mapping(ctx: Context, header: Sequence[str]) -> dict[str, str]:
    """field -> column, from the guesses and the user's overrides; recorded for the user."""
    mapping = colmap.apply_overrides(header, colmap.guess_mapping(header), ctx.overrides)
    ctx.mapping = mapping
    return {f: c for c, f in mapping.items()}


def import_table(text: str, ctx: Context) -> list[Pending | Outcome]:
    header, raw_rows = csv_rows(text, ctx.file, ctx.max_bytes, ctx=ctx)
    return table_outcomes(ctx, header, list(read_rows(ctx, header, raw_rows)))


def table_outcomes(
    ctx: Context,
    header: Sequence[str],
    rows: Sequence[Row | Outcome],
    points: Mapping[int, tuple[float, float]] | None = None,
    uniform: bool = True,
    dates: Mapping[str, DateChoice | None] | None = None,
) -> list[Pending | Outcome]:
    """Rows of a table (or records, or features' properties) read through a column mapping.

    `uniform=False` for JSON records and GeoJSON features, whose keys may differ from one to
    the next (`type` in one, `category` in another): each gets the mapping of its own keys.
    `dates` are the date formats when they were decided already (from every batch of a file
    read in batches: the mapping is then recorded and checked too).
    """
    if not any(isinstance(r, Row) for r in rows):
        return [r for r in rows if isinstance(r, Outcome)]
    if dates is None:
        fields = table_mapping(ctx, header)
        check_table_columns(ctx, header, fields, bool(points))
    else:
        fields = {f: c for c, f in ctx.mapping.items()}

    def fields_of(row: Row) -> dict[str, str]:
        return fields if uniform else own_fields(ctx, tuple(row.cells))

    def values(name: str) -> Iterator[str]:
        for row in rows:
            if isinstance(row, Row) and name in fields_of(row):
                yield row.text(fields_of(row)[name])

    if dates is None:
        dates = {
            name: ctx.dates(fields[name], values(name))
            for name in ("date", "date_end")
            if name in fields
        }
    out: list[Pending | Outcome] = []
    for index, row in enumerate(rows):
        if isinstance(row, Outcome):
            out.append(row)
            continue
        ctx.tick()
        point = points.get(index) if points else None
        out.append(_table_event(ctx, Fields(row, fields_of(row)), dates, point))
    return out


def check_table_columns(
    ctx: Context, header: Sequence[str], fields: Mapping[str, str], placed: bool
) -> None:
    """Refuses a table with no date column, or neither coordinates nor places (`placed`: the
    rows have positions of their own, GeoJSON geometries)."""
    missing = [] if "date" in fields else ["date"]
    if not placed and "place" not in fields and not {"latitude", "longitude"} <= set(fields):
        missing.append("latitude and longitude (or a place)")
    missing_columns(
        ctx.file,
        missing,
        header,
        "name the columns with --map COLUMN=FIELD, e.g. --map Lat=latitude "
        f"(fields: {', '.join(colmap.FIELDS)})",
    )


# Mappings of records' own keys remembered per file; a file whose records all differ does not
# grow this past the bound.
_OWN_FIELDS_KEPT = 4096


def own_fields(ctx: Context, keys: tuple[str, ...]) -> dict[str, str]:
    """field -> column for a record with these keys (the user's overrides among them)."""
    found = ctx.own_fields.get(keys)
    if found is None:
        overrides = {c: f for c, f in ctx.overrides.items() if c in keys}
        mapping = colmap.apply_overrides(keys, colmap.guess_mapping(keys), overrides)
        found = {f: c for c, f in mapping.items()}
        if len(ctx.own_fields) >= _OWN_FIELDS_KEPT:
            ctx.own_fields.clear()
        ctx.own_fields[keys] = found
    return found


def _fallback_id(ctx: Context, row: Row) -> str:
    """An id for a row that has none: its format and row number, or its record's index."""
    if row.line is not None:
        return f"{slugify(ctx.format) or 'row'}-{row.line}"
    index = re.search(r"\[(\d+)\]", row.prefix)
    kind = "feature" if row.prefix.startswith("features") else "record"
    return f"{kind}-{int(index[1]) + 1 if index else 0}"


def _table_event(
    ctx: Context,
    cells: Fields,
    dates: Mapping[str, DateChoice | None],
    point_given: tuple[float, float] | None,
) -> Pending:
    row, col = cells.row, cells.column
    labels: dict[str, str] = {}
    sub = cells.get("sub_event_type")
    main = cells.get("event_type")
    event_type = _type_with_label(ctx, row, col("event_type"), main, labels)
    if sub:
        labels[label_key(col("sub_event_type"))] = sub[:500]
        event_type = acled_type(main, sub) or event_type
    labels.update(source_labels(row))
    labels.update(_labels_cell(row))
    if len(labels) > MAX_LABELS:
        row.warn(
            "labels",
            f"{len(labels)} labels: an event keeps its first {MAX_LABELS}",
            cause=f"more than {MAX_LABELS} labels: the first {MAX_LABELS} kept",
        )
        labels = dict(list(labels.items())[:MAX_LABELS])
    date = read_date(row, col("date"), cells.get("date"), dates.get("date"))
    date_end = read_date(row, col("date_end"), cells.get("date_end"), dates.get("date_end"), False)
    point = point_given or read_coordinates(
        row, cells.get("latitude"), cells.get("longitude"), col("latitude"), col("longitude")
    )
    place_name = cells.get("place") or cells.get("admin1")
    if point is None and not place_name and not row.problems:
        row.fail(
            col("latitude"),
            "the row has no coordinates and no place name: give one or the other",
            cause="no coordinates and no place name",
        )
    precision = read_geo_precision(row, col("geo_precision"), cells.get("geo_precision"))
    country = read_country(row, col("country"), cells.get("country"))
    claimed_by = source_name(cells) or ctx.meaning.publisher or "no claimant given"
    fatalities = _figures(row, "fatalities_claims", col("fatalities"), claimed_by)
    injured = _figures(row, "injured_claims", col("injured"), claimed_by)
    summary = cells.get("summary")
    if row.cells.get("sources") is not None and "quotes" in row.cells:
        sources = _our_sources(row, date, ctx.file) if row.text("sources") else []
    else:
        sources = []
    if not sources and date is not None and not row.problems:
        sources = _row_sources(ctx, cells, date)
    if row.problems:
        return Pending(row, None, {})
    label = labels.get(label_key(col("sub_event_type"))) or labels.get(label_key(col("event_type")))
    place = place_name or str(country or "")
    title = (
        cells.get("title")
        or (f"{label or VOCABULARY[event_type].label}: {place}" if place else "")
        or summary[:120]
        or f"{ctx.file} row {row.line}"
    )
    time_precision = cells.get("time_precision")
    if time_precision not in _TIME_PRECISIONS:
        time_precision = "range" if date_end else "day"
    data: dict[str, Any] = {
        "id": read_id(cells.get("id")) or _fallback_id(ctx, row),
        "title": title[:300],
        "event_type": event_type,
        "date": date,
        "date_end": date_end,
        "time_precision": time_precision,
        "place": {
            "name": (place_name or (f"{point[0]:.4f}, {point[1]:.4f}" if point else ""))[:200],
            "country": country,
            "admin1": cells.get("admin1") or None,
            "latitude": point[0] if point else None,
            "longitude": point[1] if point else None,
            "geo_precision": precision,
        },
        "actors": _split_list(cells.get("actors")) + _split_list(cells.get("actor2")),
        "fatalities": fatalities,
        "injured": injured,
        "sources": sources,
        "summary": summary,
        "tags": _split_list(cells.get("tags")),
        "labels": labels,
        "origin": origin_of(ctx, row, cells.columns.values()),
    }
    columns = {
        "place.name": col("place"),
        "place.latitude": col("latitude"),
        "place.longitude": col("longitude"),
        "place.country": col("country"),
        "place.admin1": col("admin1"),
        "place.geo_precision": col("geo_precision"),
        "place": col("place"),
        "sources": "sources" if "sources" in row.cells else col("url"),
        "fatalities": "fatalities_claims"
        if "fatalities_claims" in row.cells
        else col("fatalities"),
        "injured": "injured_claims" if "injured_claims" in row.cells else col("injured"),
        "title": col("title"),
        "date": col("date"),
        "id": col("id"),
    }
    return Pending(row, data, columns, col("country"))
