from __future__ import annotations

import csv
import io
import json

import pytest

from geo import load_events, parse_events_text, to_csv, to_geojson, to_geojson_text
from geo.export import CSV_COLUMNS
from tests.conftest import SHIPPED_EVENTS, events_yaml


@pytest.fixture(scope="module")
def events():
    return load_events(SHIPPED_EVENTS).events


def test_csv_has_one_row_per_event_and_every_column(events):
    rows = list(csv.DictReader(io.StringIO(to_csv(events))))
    assert len(rows) == len(events)
    assert tuple(rows[0]) == CSV_COLUMNS
    first = rows[0]
    assert first["id"] == events[0].id
    assert float(first["latitude"]) == events[0].place.latitude


def test_csv_neutralises_spreadsheet_formulas():
    event = parse_events_text(events_yaml("a", title="'=HYPERLINK(\"http://x\")'")).events[0]
    row = next(csv.DictReader(io.StringIO(to_csv([event]))))
    assert row["title"].startswith("'=")


def test_geojson_is_rfc7946_lon_lat(events):
    collection = to_geojson(events)
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == len(events)
    for feature, event in zip(collection["features"], events, strict=True):
        geometry = feature["geometry"]
        if event.geometry is None:
            assert geometry == {
                "type": "Point",
                "coordinates": [event.place.longitude, event.place.latitude],
            }
        else:
            assert geometry["type"] == event.geometry.type
        assert feature["properties"]["id"] == event.id
    convoy = next(e for e in events if e.geometry and e.geometry.type == "LineString")
    lon, lat = convoy.geometry.coordinates[0]
    assert 29 < lon < 32 and 50 < lat < 52  # north of Kyiv: [lon, lat], not swapped


def test_geojson_text_is_valid_json_with_dates_as_strings(events):
    data = json.loads(to_geojson_text(events))
    assert data["features"][0]["properties"]["date"].startswith("2022-02-")
