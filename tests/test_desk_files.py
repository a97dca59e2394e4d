"""The desk's published set written to files (the events YAML keeps its comments), and files
imported as drafts attributed to whoever imported them."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from geo.cli import main
from geo.desk.files import export_published, import_into_desk, merged_events_yaml
from geo.desk.roles import Editor, Role
from geo.desk.store import DeskStore, open_database
from geo.desk.workflow import Move, Status
from geo.loader import load_events, parse_events_text
from tests.conftest import SHIPPED_EVENTS

ALICE = Editor("alice@example.org", "Alice", frozenset({Role.CONTRIBUTOR}))
ADA = Editor("ada@example.org", "Ada", frozenset({Role.ADMIN}))
# The second pair of eyes: whoever last edited an event neither verifies nor publishes it.
VIC = Editor("vic@example.org", "Vic", frozenset({Role.VERIFIER, Role.PUBLISHER}))


@pytest.fixture
def store(tmp_path: Path) -> DeskStore:
    desk = DeskStore(open_database(f"sqlite:{tmp_path / 'desk.sqlite'}"))
    desk.seed_published(load_events(SHIPPED_EVENTS).events, SHIPPED_EVENTS.name)
    return desk


def _republish(store: DeskStore, event_id: str, **changes: object) -> None:
    current = store.get(event_id)
    assert current is not None
    changed = current.event.model_copy(update=changes)
    saved = store.save(ADA, changed, current.version)
    for editor, move in ((ADA, Move.SUBMIT), (VIC, Move.VERIFY), (VIC, Move.PUBLISH)):
        saved = store.move(editor, event_id, move, saved.version)


def test_the_events_file_keeps_its_comments_and_unchanged_events(
    store: DeskStore, tmp_path: Path
) -> None:
    original = SHIPPED_EVENTS.read_text(encoding="utf-8")
    assert "#" in original  # the shipped file carries comments worth keeping
    target = tmp_path / "events.yaml"
    target.write_text(original, encoding="utf-8")
    assert export_published(store, target) == len(load_events(SHIPPED_EVENTS).events)
    assert target.read_text(encoding="utf-8") == original  # nothing changed: byte for byte


def test_a_republished_event_changes_only_its_changed_field(
    store: DeskStore, tmp_path: Path
) -> None:
    original = SHIPPED_EVENTS.read_text(encoding="utf-8")
    first = load_events(SHIPPED_EVENTS).events[0]
    _republish(store, first.id, title="A corrected title")
    merged = merged_events_yaml(original, store.published_events(), "x")
    removed = [line for line in original.splitlines() if line not in merged.splitlines()]
    added = [line for line in merged.splitlines() if line not in original.splitlines()]
    assert removed == [f'    title: "{first.title}"']
    assert added == ['    title: "A corrected title"']
    comments = [line for line in original.splitlines() if line.strip().startswith("#")]
    assert all(comment in merged.splitlines() for comment in comments)
    reread = parse_events_text(merged, "merged")
    assert reread.events[0].title == "A corrected title"


def test_archived_events_leave_the_file_and_new_ones_join_it(store: DeskStore) -> None:
    original = SHIPPED_EVENTS.read_text(encoding="utf-8")
    events = load_events(SHIPPED_EVENTS).events
    gone = store.get(events[1].id)
    assert gone is not None
    store.move(ADA, gone.id, Move.ARCHIVE, gone.version, "duplicate")
    newcomer = events[0].model_copy(update={"id": "desk-added", "title": "Added at the desk"})
    created = store.create(ADA, newcomer)
    for editor, move in ((ADA, Move.SUBMIT), (VIC, Move.VERIFY), (VIC, Move.PUBLISH)):
        created = store.move(editor, created.id, move, created.version)
    merged = parse_events_text(
        merged_events_yaml(original, store.published_events(), "x"), "merged"
    )
    ids = [e.id for e in merged.events]
    assert gone.id not in ids
    assert ids[-1] == "desk-added"
    assert len(ids) == len(events)


def test_with_every_event_archived_the_file_is_an_empty_list() -> None:
    text = merged_events_yaml(SHIPPED_EVENTS.read_text(encoding="utf-8"), [], "Nothing published")
    assert parse_events_text(text, "<test>").events == []


def test_geojson_and_csv_exports_hold_the_published_set(store: DeskStore, tmp_path: Path) -> None:
    count = len(store.published_events())
    export_published(store, tmp_path / "out.geojson")
    features = json.loads((tmp_path / "out.geojson").read_text())["features"]
    assert len(features) == sum(1 for e in store.published_events() if e.place.point)
    export_published(store, tmp_path / "out.csv")
    lines = (tmp_path / "out.csv").read_text().strip().splitlines()
    assert len(lines) - 1 >= count  # a header, then one row per event (quotes may wrap)


def test_importing_a_file_makes_drafts_by_the_importer(store: DeskStore, tmp_path: Path) -> None:
    source = tmp_path / "incoming.yaml"
    events = load_events(SHIPPED_EVENTS).events[:2]
    renamed = [e.model_copy(update={"id": f"in-{i}"}) for i, e in enumerate(events)]
    from geo.export import events_yaml_text

    source.write_text(events_yaml_text(renamed, "incoming"), encoding="utf-8")
    drafts = import_into_desk(store, ALICE, source)
    assert [(d.id, d.status, d.updated_by) for d in drafts] == [
        ("in-0", Status.DRAFT, ALICE.email),
        ("in-1", Status.DRAFT, ALICE.email),
    ]
    assert store.history("in-0")[0].comment == "imported from incoming.yaml"
    assert all(e.id not in ("in-0", "in-1") for e in store.published_events())


def test_the_command_line_imports_as_a_member_and_exports(
    store: DeskStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:{tmp_path / 'desk.sqlite'}"
    monkeypatch.delenv("EVENT_ATLAS_ADMINS", raising=False)
    out, err = io.StringIO(), io.StringIO()
    source = tmp_path / "events.yaml"
    source.write_text(SHIPPED_EVENTS.read_text(encoding="utf-8"), encoding="utf-8")
    code = main(["desk-import", str(source), "--as", "nobody@example.org", "--desk", url], out, err)
    assert code == 1 and "needs the contributor role" in err.getvalue()
    store.set_member(ADA, "carol@example.org", frozenset({Role.CONTRIBUTOR}), "Carol")
    out, err = io.StringIO(), io.StringIO()
    code = main(["desk-import", str(source), "--as", "carol@example.org", "--desk", url], out, err)
    assert code == 0, err.getvalue()
    assert "attributed to carol@example.org" in out.getvalue()
    target = tmp_path / "published.geojson"
    assert main(["desk-export", "--out", str(target), "--desk", url], out, err) == 0
    assert target.exists()
