"""No command destroys a file by mistake.

Every writer refuses to replace an existing file without --force, never replaces its own
input (not even with --force), never writes no events over a file that had some without
--force, and a desk that does not exist is an error for the command line, not a new, empty
desk. Each refusal is one line naming the file and the remedy, exit status 1, nothing written.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from geopy.location import Location

import geo.cli as cli
import geo.writeback as writeback
from geo.catalog import ListCatalog
from geo.desk.roles import Editor, Role
from geo.desk.store import DeskError, DeskStore, open_database
from geo.desk.workflow import Move
from geo.errors import PublishError
from geo.gazetteer import Gazetteer, load_index
from geo.loader import load_events
from geo.map.publish import build_site, write_site
from geo.model import Dataset
from geo.urlstate import ViewState
from tests.conftest import ARTICLE, SHIPPED_EVENTS

ADA = Editor("ada@example.org", "Ada", frozenset({Role.ADMIN}))
VIC = Editor("vic@example.org", "Vic", frozenset({Role.VERIFIER, Role.PUBLISHER}))


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(args), out, err)
    return code, out.getvalue(), err.getvalue()


def refused(code: int, err: str, *words: str) -> None:
    """One line on stderr (`error: …`), exit status 1, naming what it must."""
    assert code == 1, err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    for word in words:
        assert word in err, err


@pytest.fixture
def shipped_copy(tmp_path: Path) -> Path:
    path = tmp_path / "events.yaml"
    path.write_bytes(SHIPPED_EVENTS.read_bytes())
    return path


# --- import, export, draft ---------------------------------------------------------------------


def test_import_never_replaces_its_input_even_with_force(shipped_copy: Path) -> None:
    before = shipped_copy.read_bytes()
    code, _, err = run("import", str(shipped_copy), "--out", str(shipped_copy), "--force")
    refused(code, err, str(shipped_copy), "is the input file", "choose another --out")
    # another name for the same file too
    link = shipped_copy.parent / "link.yaml"
    link.symlink_to(shipped_copy)
    code, _, err = run("import", str(shipped_copy), "--out", str(link), "--force")
    refused(code, err, "is the input file")
    assert shipped_copy.read_bytes() == before


def test_import_and_export_refuse_an_existing_out_without_force(
    shipped_copy: Path, tmp_path: Path
) -> None:
    target = tmp_path / "out.csv"
    target.write_text("keep me\n", encoding="utf-8")
    code, _, err = run("export", str(shipped_copy), "--out", str(target))
    refused(code, err, str(target), "--force")
    yaml_target = tmp_path / "kept.yaml"
    yaml_target.write_text("keep me\n", encoding="utf-8")
    code, _, err = run("import", str(shipped_copy), "--out", str(yaml_target))
    refused(code, err, str(yaml_target), "--force")
    assert target.read_text(encoding="utf-8") == "keep me\n"
    assert yaml_target.read_text(encoding="utf-8") == "keep me\n"
    code, _, err = run("export", str(shipped_copy), "--out", str(target), "--force")
    assert code == 0, err


def test_export_never_replaces_its_input(shipped_copy: Path) -> None:
    before = shipped_copy.read_bytes()
    code, _, err = run(
        "export", str(shipped_copy), "--out", str(shipped_copy), "--force", "--format", "csv"
    )
    refused(code, err, "is the input file")
    assert shipped_copy.read_bytes() == before


def test_a_missing_folder_is_refused_before_any_reading(shipped_copy: Path, tmp_path: Path) -> None:
    code, _, err = run("import", str(shipped_copy), "--out", str(tmp_path / "no" / "x.parquet"))
    refused(code, err, "does not exist")


def test_draft_never_replaces_the_events_it_is_compared_with(tmp_path: Path) -> None:
    if not ARTICLE.exists():
        pytest.skip(f"{ARTICLE} is absent")
    reference = tmp_path / "reference.yaml"
    reference.write_bytes(SHIPPED_EVENTS.read_bytes())
    code, _, err = run(
        "draft",
        str(ARTICLE),
        "--date",
        "2022-02-28",
        "--publisher",
        "Seed",
        "--out",
        str(reference),
        "--compare",
        str(reference),
        "--force",
    )
    refused(code, err, "is the input file")
    assert reference.read_bytes() == SHIPPED_EVENTS.read_bytes()


# --- geocode --write ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer(load_index())


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, gazetteer: Gazetteer) -> None:
    def locator() -> object:
        def locate(name: str, country: str | None) -> tuple[Location | None, str | None]:
            found = gazetteer.geocode(name, country_codes=[country] if country else None)
            return (found if isinstance(found, Location) else None), None

        return locate

    monkeypatch.setattr(cli, "_service_locator", locator)


UNPLACED = """\
events:
  - id: a
    title: Shelling
    event_type: shelling
    date: 2022-02-28
    place: {name: Kharkiv}
    sources: [{publisher: X, date: 2022-02-28, quote: q}]
  - id: b
    title: Talks
    event_type: negotiations
    date: 2022-02-28
    place: {name: Gomel region, country: BY}
    sources: [{publisher: X, date: 2022-02-28, quote: q}]
  - id: c
    title: Nowhere
    event_type: statement
    date: 2022-02-28
    place: {name: Qwxzv Nowhere}
    sources: [{publisher: X, date: 2022-02-28, quote: q}]
"""


def test_geocode_places_without_a_country_worldwide(tmp_path: Path, offline: None) -> None:
    path = tmp_path / "events.yaml"
    path.write_text(UNPLACED, encoding="utf-8")
    code, out, err = run("geocode", str(path), "--write")
    assert code == 1  # one place is not found
    assert "wrote 2 coordinates" in out
    assert "c (line 18): no place called 'Qwxzv Nowhere' (no country given: add one)" in err
    events = {e.id: e for e in load_events(path).events}
    assert events["a"].place.point is not None and events["a"].place.country is None


def test_geocode_write_never_writes_fewer_events_than_it_read(
    tmp_path: Path, offline: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "events.yaml"
    path.write_text(UNPLACED, encoding="utf-8")
    real_yaml = writeback._yaml

    class Dropping:
        """A dumper that loses the last event (what a bug in the round trip could do)."""

        def __init__(self) -> None:
            self.inner = real_yaml()

        def load(self, text: str) -> object:
            return self.inner.load(text)

        def dump(self, document: dict[str, list[object]], stream: io.StringIO) -> None:
            document["events"].pop()
            self.inner.dump(document, stream)

    monkeypatch.setattr(writeback, "_yaml", Dropping)
    code, _, err = run("geocode", str(path), "--write")
    assert code == 1
    assert "would leave 2 of the file's 3 events" in err and "nothing written" in err
    assert path.read_text(encoding="utf-8") == UNPLACED


# --- publish -----------------------------------------------------------------------------------


def test_publish_writes_no_empty_site_over_one_with_events_without_force(tmp_path: Path) -> None:
    shipped = load_events(SHIPPED_EVENTS)
    out = tmp_path / "site"
    write_site(build_site(ListCatalog(shipped), ViewState(), "events.yaml"), out)
    index = (out / "index.html").read_bytes()
    empty = build_site(ListCatalog(Dataset(events=[])), ViewState(), "none.yaml")
    with pytest.raises(PublishError, match=r"holds a site of 2\d events .* nothing written"):
        write_site(empty, out)
    assert (out / "index.html").read_bytes() == index
    write_site(empty, out, force=True)
    assert (out / "index.html").read_bytes() != index


# --- the desk's commands -----------------------------------------------------------------------


@pytest.fixture
def desk(tmp_path: Path) -> str:
    url = f"sqlite:{tmp_path / 'desk.sqlite'}"
    DeskStore(open_database(url)).seed_published(
        load_events(SHIPPED_EVENTS).events, SHIPPED_EVENTS.name
    )
    return url


def test_a_desk_url_that_does_not_exist_is_an_error_not_a_new_desk(
    shipped_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    before = shipped_copy.read_bytes()
    code, _, err = run("desk-export", "--desk", "sqlite:dsk.sqlite", "--out", str(shipped_copy))
    refused(code, err, "no desk at", "dsk.sqlite", "--desk or EVENT_ATLAS_DESK")
    assert shipped_copy.read_bytes() == before
    assert not (tmp_path / "dsk.sqlite").exists()
    code, _, err = run(
        "desk-import", str(shipped_copy), "--as", "a@b.org", "--desk", "sqlite:dsk.sqlite"
    )
    refused(code, err, "no desk at")
    assert not (tmp_path / "dsk.sqlite").exists()
    # a file that is there but is no desk
    (tmp_path / "empty.sqlite").write_bytes(b"")
    code, _, err = run("desk-export", "--desk", "sqlite:empty.sqlite", "--out", str(shipped_copy))
    refused(code, err, "holds no desk")
    assert shipped_copy.read_bytes() == before


def test_the_app_still_makes_a_new_desk_on_its_first_start(tmp_path: Path) -> None:
    from geo.web.publication import desk_store

    url = f"sqlite:{tmp_path / 'new' / 'desk.sqlite'}"
    store = desk_store(url, str(tmp_path))
    assert (tmp_path / "new" / "desk.sqlite").is_file()
    assert store.published_events() == []
    with pytest.raises(DeskError, match="no desk at"):
        DeskStore.open(f"sqlite:{tmp_path / 'other.sqlite'}", create=False)


def test_desk_export_merges_into_an_events_file_but_replaces_other_files_only_with_force(
    desk: str, tmp_path: Path, shipped_copy: Path
) -> None:
    code, _, err = run("desk-export", "--desk", desk, "--out", str(shipped_copy))
    assert code == 0, err  # merged into, as documented
    geojson = tmp_path / "published.geojson"
    geojson.write_text("keep me", encoding="utf-8")
    code, _, err = run("desk-export", "--desk", desk, "--out", str(geojson))
    refused(code, err, str(geojson), "--force")
    assert geojson.read_text(encoding="utf-8") == "keep me"
    notes = tmp_path / "notes.yaml"
    notes.write_text("just: some notes\n", encoding="utf-8")
    code, _, err = run("desk-export", "--desk", desk, "--out", str(notes))
    refused(code, err, str(notes), "not an events file", "--force")
    assert notes.read_text(encoding="utf-8") == "just: some notes\n"
    code, _, err = run("desk-export", "--desk", desk, "--out", str(geojson), "--force")
    assert code == 0, err and geojson.read_text(encoding="utf-8") != "keep me"


def test_desk_export_writes_no_empty_list_over_events_without_force(
    tmp_path: Path, shipped_copy: Path
) -> None:
    url = f"sqlite:{tmp_path / 'empty-desk.sqlite'}"
    DeskStore(open_database(url))  # a desk with nothing published
    before = shipped_copy.read_bytes()
    code, _, err = run("desk-export", "--desk", url, "--out", str(shipped_copy))
    refused(code, err, str(shipped_copy), "holds 23 events", "none published", "--force")
    assert shipped_copy.read_bytes() == before
    code, _, err = run("desk-export", "--desk", url, "--out", str(shipped_copy), "--force")
    assert code == 0, err
    assert load_events(shipped_copy).events == []


def test_desk_export_never_writes_over_the_desk_itself(tmp_path: Path) -> None:
    url = f"sqlite:{tmp_path / 'desk.yaml'}"  # a desk whose file ends in .yaml
    DeskStore(open_database(url))
    before = (tmp_path / "desk.yaml").read_bytes()
    code, _, err = run(
        "desk-export", "--desk", url, "--out", str(tmp_path / "desk.yaml"), "--force"
    )
    refused(code, err, "is the input file")
    assert (tmp_path / "desk.yaml").read_bytes() == before


def test_a_published_set_round_trips_through_desk_export(desk: str, tmp_path: Path) -> None:
    """The control: with a real desk, the same command writes every published event."""
    store = DeskStore(open_database(desk))
    current = store.events()[0]
    saved = store.save(ADA, current.event.model_copy(update={"title": "Changed"}), current.version)
    for editor, move in ((ADA, Move.SUBMIT), (VIC, Move.VERIFY), (VIC, Move.PUBLISH)):
        saved = store.move(editor, saved.id, move, saved.version)
    target = tmp_path / "fresh.yaml"
    code, _, err = run("desk-export", "--desk", desk, "--out", str(target))
    assert code == 0, err
    assert len(load_events(target).events) == 23
    assert any(e.title == "Changed" for e in load_events(target).events)


def test_a_postgresql_database_without_a_desk_is_an_error_for_the_command_line(
    postgres_db: str, shipped_copy: Path
) -> None:
    before = shipped_copy.read_bytes()
    code, _, err = run("desk-export", "--desk", postgres_db, "--out", str(shipped_copy))
    refused(code, err, "the database holds no desk", "--desk or EVENT_ATLAS_DESK")
    assert shipped_copy.read_bytes() == before
    DeskStore.open(postgres_db, create=True)  # what the app does on its first start
    code, _, err = run("desk-export", "--desk", postgres_db, "--out", str(shipped_copy))
    refused(code, err, "holds 23 events", "none published")  # a desk now, an empty one
