"""GeoJSON features (RFC 7946, `[longitude, latitude]`, 3-D positions too).

Each feature's geometry is checked and placed by a representative point (`representative_point`:
the point, a line's first position, a polygon's ring centroid); its properties are read like a
table's row (`geo.io.table`). A feature of our own export (`geo.export.to_geojson`) reads back
losslessly: an explicit Point at exactly the place's coordinates is read as "no geometry".
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from geo.io.core import Context, Outcome, Pending, Row, validate
from geo.io.dates import DateChoice
from geo.io.records import record_cells
from geo.io.table import table_outcomes
from geo.model import Event, Geometry

NOT_GEOJSON = (
    'not a GeoJSON FeatureCollection: the file must be {"type": "FeatureCollection", '
    '"features": [...]}'
)


def features_batch(
    ctx: Context,
    header: Sequence[str],
    batch: Sequence[tuple[int, Any]],
    dates: Mapping[str, DateChoice | None],
) -> list[Pending | Outcome]:
    own: list[Pending | Outcome] = []
    foreign: list[Row | Outcome] = []
    shapes: dict[int, Geometry] = {}
    points: dict[int, tuple[float, float]] = {}
    for index, feature in batch:
        ctx.tick()
        row = Row(ctx.file, None, {}, prefix=f"features[{index}].")
        outcome = _feature_row(ctx, row, feature)
        if isinstance(outcome, Outcome):
            foreign.append(outcome)
            continue
        geometry, properties = outcome
        if is_own(properties):
            own.append(Outcome(_own_feature(row, properties, geometry), row.problems))
            continue
        raw_id = feature.get("id")
        row.cells = record_cells(properties)
        if raw_id is not None and not row.text("id"):
            row.cells["id"] = str(raw_id)
        if geometry is not None:
            points[len(foreign)] = representative_point(geometry)
            if geometry.type != "Point":
                shapes[len(foreign)] = geometry
        foreign.append(row)
    if not foreign:
        return own
    read = table_outcomes(ctx, header, foreign, points, uniform=False, dates=dates)
    for index, item in enumerate(read):
        if isinstance(item, Pending) and item.data is not None:
            item.data["geometry"] = shapes.get(index)
            item.columns = {**item.columns, "place": "geometry"}
            if item.data["place"]["latitude"] is None:
                item.row.fail(
                    "geometry",
                    "the feature has no geometry: give a Point [longitude, latitude]",
                    cause="a feature without geometry",
                )
    return own + read


def _feature_row(
    ctx: Context, row: Row, feature: object
) -> Outcome | tuple[Geometry | None, dict[str, Any]]:
    """A feature's geometry and properties, or an Outcome when its shape refuses it."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        row.fail("type", 'each feature must be an object with "type": "Feature"')
        return Outcome(None, row.problems)
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        row.fail("properties", "properties must be an object")
        return Outcome(None, row.problems)
    row.cells = properties
    for where, value in _strings(properties, "properties"):
        if len(value) > ctx.max_field_chars:
            row.fail(
                where,
                f"the text has {len(value):,} characters, over the {ctx.max_field_chars:,} "
                "limit: shorten it",
            )
    if row.problems:
        return Outcome(None, row.problems)
    geometry = _geometry(row, feature.get("geometry"))
    if row.problems:
        return Outcome(None, row.problems)
    return geometry, properties


def feature_parts(ctx: Context, feature: object) -> tuple[dict[str, Any], object] | None:
    """A feature's properties and raw geometry when `_feature_row` may accept it (the geometry
    itself is checked later); None when its shape already refuses it."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return None
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        return None
    if any(len(value) > ctx.max_field_chars for _, value in _strings(properties, "")):
        return None
    return properties, feature.get("geometry")


def _strings(value: object, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{where}[{i}]")


def _geometry(row: Row, raw: object) -> Geometry | None:
    if raw is None:
        return None
    try:
        return Geometry.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        row.fail("geometry", f"{message} (GeoJSON positions are [longitude, latitude])")
        return None


def representative_point(geometry: Geometry) -> tuple[float, float]:
    """(lat, lon): the point itself, a line's first position, or a polygon's ring centroid."""
    paths = geometry.latlon_paths()
    first = paths[0]
    if geometry.type in ("Polygon", "MultiPolygon"):
        ring = first[:-1] if len(first) > 1 and first[0] == first[-1] else first
        return (sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring))
    return first[0]


def is_own(properties: dict[str, Any]) -> bool:
    return isinstance(properties.get("place"), dict) and isinstance(properties.get("sources"), list)


def _own_feature(row: Row, properties: dict[str, Any], geometry: Geometry | None) -> Event | None:
    place = properties.get("place") or {}
    if geometry is not None and geometry.type == "Point":
        lon, lat = geometry.coordinates[:2]
        if (lat, lon) == (place.get("latitude"), place.get("longitude")):
            geometry = None  # the export's stand-in for "no geometry"
    data = {**properties, "geometry": geometry}
    return validate(row, data, {})
