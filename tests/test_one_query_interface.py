"""The map layer and the table ask the catalog, whichever store answers: small and large data
differ only in what the store returns (geo.map.layer.layer_content)."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

from geo.catalog import ListCatalog
from geo.filters import EventFilter
from geo.map.cells import Viewport
from geo.map.layer import content_in_view, layer_content
from geo.model import Dataset, Event
from geo.store import BBox, EventStore
from tests.conftest import ROOT


def events(count: int) -> list[Event]:
    return [
        Event.model_validate(
            {
                "id": f"E{i}",
                "title": f"Event {i}",
                "event_type": "shelling" if i % 2 else "air_strike",
                "date": dt.date(2022, 3, 1) + dt.timedelta(days=i % 20),
                "place": {
                    "name": f"Place {i}",
                    "latitude": 49.0 + (i % 10) * 0.1,
                    "longitude": 36.0 + (i // 10) * 0.1,
                    "geo_precision": 1,
                },
                "sources": [{"publisher": "Wire", "date": "2022-03-01", "quote": f"q {i}"}],
            }
        )
        for i in range(count)
    ]


def test_the_explore_page_never_asks_which_store_answers() -> None:
    source = (ROOT / "geo" / "web" / "explore.py").read_text()
    checks = [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", "") == "isinstance"
        and "EventStore" in ast.unparse(node)
    ]
    assert checks == []


def test_memory_and_the_engine_give_the_same_cells_points_and_view_layer(tmp_path: Path) -> None:
    data = events(60)
    memory = ListCatalog(Dataset(events=data))
    engine = EventStore.write(data, tmp_path / "e.parquet")
    view = Viewport(BBox(48.5, 35.5, 50.5, 37.5), 7)
    f = EventFilter()
    for zoom in (5, 9, 12):
        mine = sorted(
            (round(c.latitude, 6), round(c.longitude, 6), c.count, c.lone_id)
            for c in memory.aggregate(f, zoom, view.box)
        )
        theirs = sorted(
            (round(c.latitude, 6), round(c.longitude, 6), c.count, c.lone_id)
            for c in engine.aggregate(f, zoom, view.box)
        )
        assert mine == theirs, zoom
    assert memory.points(f, view.box, limit=7) == engine.points(f, view.box, limit=7)
    assert memory.points_by_ids(["E3", "E1", "nope"]) == engine.points_by_ids(["E3", "E1", "nope"])
    a = content_in_view(memory, f, view)
    b = content_in_view(engine, f, view)
    assert (a.total, a.legend, len(a.points), len(a.cells)) == (
        b.total,
        b.legend,
        len(b.points),
        len(b.cells),
    )


def test_a_small_catalog_s_layer_holds_every_event_in_full() -> None:
    data = events(12)
    content = layer_content(ListCatalog(Dataset(events=data)), EventFilter(), None, data[3])
    assert [e.id for e in content.events] == [e.id for e in data]
    assert content.selected_id == "E3"
