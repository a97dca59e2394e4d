"""Downloads written to disk and sent by a route (geo.web.downloads): the spool's bounds, the
route's checks, and the page's and the desk's buttons in AppTest. The same download through a
running server, with its memory measured, is in tests/browser/test_downloads.py."""

from __future__ import annotations

import csv
import io
import json
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware

with warnings.catch_warnings():  # starlette asks for httpx2, which is not installed here
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient
from streamlit.testing.v1 import AppTest
from streamlit.web.server.starlette.starlette_app_utils import generate_xsrf_token_string

from geo import load_events
from geo.export import write_csv
from geo.model import Event
from geo.web import downloads
from geo.web.downloads import CSV, GEOJSON, DownloadRefused, Owner, Spool
from tests.conftest import ROOT, SHIPPED_EVENTS

APP = str(ROOT / "app.py")
ALICE = Owner("session-a", b"browser-a")
BOB = Owner("session-b", b"browser-b")


@pytest.fixture(scope="module")
def events() -> list[Event]:
    return load_events(SHIPPED_EVENTS).events


class Sessions:
    """Which sessions are connected, as the runtime would say."""

    def __init__(self) -> None:
        self.gone: set[str] = set()

    def __call__(self, session: str) -> bool:
        return session not in self.gone


@pytest.fixture
def sessions() -> Sessions:
    return Sessions()


@pytest.fixture
def spool(tmp_path: Path, sessions: Sessions) -> Iterator[Spool]:
    made = Spool(tmp_path / "spool", connected=sessions, sweep_every_s=None)
    yield made
    made.close()


def files_in(spool: Spool) -> list[Path]:
    return sorted(p for p in spool.folder.iterdir() if p.name != ".lock")


def test_a_build_is_the_clis_own_writer_output_for_every_event(spool, events):
    seen: list[int] = []
    ready = spool.build(ALICE, "csv", "all", CSV, iter(events), seen.append)
    expected = io.StringIO()
    write_csv(events, expected)
    assert ready.path.read_bytes() == expected.getvalue().encode()
    assert (ready.events, ready.size, ready.file_name) == (
        len(events),
        ready.path.stat().st_size,
        "events.csv",
    )
    assert ready.url == f"download/{ready.token}" and len(ready.token) >= 43  # 256 random bits
    assert files_in(spool) == [ready.path]


def test_only_its_sessions_browser_can_fetch_a_file_while_the_session_runs(spool, sessions, events):
    ready = spool.build(ALICE, "csv", "all", CSV, events)
    assert spool.claim(ready.token, b"browser-a") is ready
    assert spool.claim(ready.token, b"browser-b") is None  # a copied link, another browser
    assert spool.claim(ready.token, None) is None  # no XSRF cookie at all
    assert spool.claim("guessed-token", b"browser-a") is None
    sessions.gone.add("session-a")
    assert spool.claim(ready.token, b"browser-a") is None  # the tab was closed
    # Without XSRF protection there is no browser to check: the token and the session are.
    plain = spool.build(Owner("session-c"), "csv", "all", CSV, events)
    assert spool.claim(plain.token, None) is plain


def test_one_file_per_button_and_session_and_none_once_the_filters_change(spool, events):
    first = spool.build(ALICE, "csv", "all", CSV, events)
    again = spool.build(ALICE, "csv", "all", CSV, events[:3])
    assert not first.path.exists() and spool.claim(first.token, b"browser-a") is None
    other = spool.build(BOB, "csv", "all", CSV, events)  # another session keeps its own
    assert spool.ready(ALICE, "csv", "all") is again and spool.ready(BOB, "csv", "all") is other
    assert spool.ready(ALICE, "csv", "shelling only") is None  # the page shows other events now
    assert not again.path.exists()
    assert files_in(spool) == [other.path]


def test_a_downloaded_file_is_deleted(spool, events):
    ready = spool.build(ALICE, "csv", "all", CSV, events)
    spool.finished(ready.token)
    assert not ready.path.exists() and spool.ready(ALICE, "csv", "all") is None


def test_builds_beyond_the_cap_are_refused_while_others_run(tmp_path, sessions, events):
    spool = Spool(tmp_path / "spool", max_builds=1, connected=sessions, sweep_every_s=None)
    started, release = threading.Event(), threading.Event()

    def slow() -> Iterator[Event]:
        yield events[0]
        started.set()
        release.wait(10)
        yield from events[1:]

    worker = threading.Thread(target=spool.build, args=(ALICE, "csv", "all", CSV, slow()))
    worker.start()
    try:
        assert started.wait(10)
        with pytest.raises(DownloadRefused, match="try again"):
            spool.build(BOB, "csv", "all", CSV, events)
    finally:
        release.set()
        worker.join()
    assert spool.build(BOB, "csv", "all", CSV, events).events == len(events)  # free again
    spool.close()


def test_a_build_that_would_fill_the_disk_is_refused_or_stopped_and_leaves_nothing(
    tmp_path, sessions, events
):
    full = Spool(tmp_path / "full", reserve_bytes=1 << 62, connected=sessions, sweep_every_s=None)
    with pytest.raises(DownloadRefused, match="disk"):
        full.build(ALICE, "csv", "all", CSV, events)
    assert files_in(full) == []
    full.close()
    # The process's files may not pass a cap either: checked after every batch of events.
    capped = Spool(
        tmp_path / "capped", max_kept_bytes=50_000, connected=sessions, sweep_every_s=None
    )
    many = events * (downloads.BATCH // len(events) + 1)
    with pytest.raises(DownloadRefused, match="too many"):
        capped.build(ALICE, "geojson", "all", GEOJSON, many)
    assert files_in(capped) == []
    capped.close()


def test_a_build_stopped_half_way_leaves_no_file(spool, events):
    def broken() -> Iterator[Event]:
        yield from events[:5]
        raise RuntimeError("the reader clicked elsewhere")

    with pytest.raises(RuntimeError):
        spool.build(ALICE, "csv", "all", CSV, broken())
    assert files_in(spool) == [] and spool.ready(ALICE, "csv", "all") is None


def test_files_of_sessions_gone_past_the_grace_and_files_kept_too_long_are_swept(
    spool, sessions, events
):
    alice = spool.build(ALICE, "csv", "all", CSV, events)
    bob = spool.build(BOB, "csv", "all", CSV, events)
    sessions.gone.add("session-a")
    now = alice.built_at
    spool.sweep(now + 1)  # gone, but a reconnect within the grace keeps the file
    assert alice.path.exists()
    spool.sweep(now + 2 + spool.grace_s)
    assert not alice.path.exists() and bob.path.exists()
    spool.sweep(now + 2 + spool.keep_s)  # and nothing stays longer than keep_s
    assert files_in(spool) == []


def test_start_up_removes_the_spools_of_processes_that_ended_and_only_those(tmp_path, sessions):
    base = tmp_path / "spools"
    running = Spool(base, connected=sessions, sweep_every_s=None)
    (running.folder / "abc").write_text("a live download", encoding="utf-8")
    ended = base / "4242-ended"
    ended.mkdir()
    (ended / ".lock").touch()  # nobody holds it: its process is gone
    (ended / "def").write_text("left behind by a crash", encoding="utf-8")
    starting = Spool(base, connected=sessions, sweep_every_s=None)
    assert not ended.exists()
    assert (running.folder / "abc").exists() and starting.folder.exists()
    starting.close()
    running.close()
    assert list(base.iterdir()) == []  # shutdown removes a spool's own folder


@pytest.fixture
def route_client(spool, monkeypatch) -> Iterator[TestClient]:
    monkeypatch.setattr(downloads, "_SPOOL", spool)
    # Streamlit's own gzip middleware wraps the route the same way (inside ours).
    app = Starlette(
        routes=downloads.routes(),
        middleware=[*downloads.middleware(), Middleware(GZipMiddleware, minimum_size=10)],
    )
    with TestClient(app) as client:
        yield client


def xsrf_cookie(token: bytes) -> dict[str, str]:
    # Streamlit masks the token anew on every page load: the token inside is what is compared.
    return {downloads.XSRF_COOKIE: generate_xsrf_token_string(token.ljust(16, b"."))}


def test_the_route_sends_the_file_once_whole_and_uncompressed_then_deletes_it(
    route_client, spool, events
):
    owner = Owner("session-a", b"browser-a".ljust(16, b"."))
    ready = spool.build(owner, "geojson", "all", GEOJSON, events)
    body = ready.path.read_bytes()
    route_client.cookies.update(xsrf_cookie(b"browser-a"))
    head = route_client.head(f"/{ready.url}")
    assert head.status_code == 200 and ready.path.exists()  # a HEAD uses nothing up
    answer = route_client.get(f"/{ready.url}", headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 200 and answer.content == body
    assert "content-encoding" not in answer.headers
    assert answer.headers["content-length"] == str(len(body))
    assert answer.headers["content-disposition"] == 'attachment; filename="events.geojson"'
    assert answer.headers["content-type"].startswith("application/geo+json")
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert len(json.loads(body)["features"]) == len(events)
    assert not ready.path.exists()
    again = route_client.get(f"/{ready.url}")
    assert again.status_code == 404 and "click its button" in again.text


def test_the_route_refuses_another_browser_and_unknown_tokens(route_client, spool, events):
    ready = spool.build(Owner("session-a", b"browser-a".ljust(16, b".")), "csv", "x", CSV, events)
    route_client.cookies.update(xsrf_cookie(b"browser-b"))
    assert route_client.get(f"/{ready.url}").status_code == 404
    assert route_client.get("/download/not-a-token").status_code == 404
    assert ready.path.exists()


# -- the page and the desk (AppTest) --------------------------------------------------------------
@pytest.fixture
def page_spool(spool, monkeypatch) -> Spool:
    monkeypatch.setattr(downloads, "_SPOOL", spool)
    monkeypatch.delenv("EVENT_ATLAS_EVENTS", raising=False)
    monkeypatch.delenv("EVENT_ATLAS_DESK", raising=False)
    st.cache_data.clear()
    return spool


def save_links(at: AppTest) -> list[str]:
    return [block.proto.body for block in at.get("html") if " download=" in block.proto.body]


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, at.exception
    return at


def test_the_page_writes_a_file_only_when_its_button_is_clicked_then_links_it(page_spool, events):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception and save_links(at) == [] and files_in(page_spool) == []
    click(at, "Download CSV")
    (link,) = save_links(at)
    # Named after the shipped dataset and the dates it covers (geo.filenames.download_name).
    name = "russian-invasion-of-ukraine-2022-02-24-to-28.csv"
    assert f'download="{name}"' in link and f"{len(events)} events" in link
    (ready,) = page_spool._files.values()
    assert f'href="download/{ready.token}"' in link
    rows = list(csv.DictReader(io.StringIO(ready.path.read_text(encoding="utf-8"))))
    assert [r["id"] for r in rows] == [e.id for e in events]
    # The link stays while the page shows the same events; another filter takes it away.
    at.run()
    assert len(save_links(at)) == 1
    at.multiselect(key="f_types").set_value(["shelling"]).run()
    assert save_links(at) == [] and files_in(page_spool) == []


def test_the_acled_download_keeps_every_type_in_its_own_column(page_spool, events):
    click(AppTest.from_file(APP, default_timeout=60).run(), "Download ACLED CSV")
    (ready,) = page_spool._files.values()
    assert ready.file_name == "russian-invasion-of-ukraine-2022-02-24-to-28-acled.csv"
    rows = list(csv.DictReader(io.StringIO(ready.path.read_text(encoding="utf-8"))))
    assert [r["event_atlas_type"] for r in rows] == [e.event_type.value for e in events]


def _files_tab_only() -> None:
    import os
    from pathlib import Path

    from geo.desk.roles import Editor, Role
    from geo.web.desk import _files_tab
    from geo.web.publication import desk_store

    app_dir = Path(os.environ["TEST_APP_DIR"])
    store = desk_store(os.environ["EVENT_ATLAS_DESK"], str(app_dir))
    _files_tab(store, Editor("pat@example.org", "Pat", frozenset({Role.PUBLISHER})), app_dir)


def test_the_desk_exports_are_written_when_clicked_and_saved_from_disk(
    page_spool, events, tmp_path, monkeypatch
):
    monkeypatch.setenv("EVENT_ATLAS_DESK", f"sqlite:{tmp_path / 'desk.sqlite'}")
    monkeypatch.setenv("EVENT_ATLAS_EVENTS", str(SHIPPED_EVENTS))
    monkeypatch.setenv("TEST_APP_DIR", str(ROOT))
    st.cache_resource.clear()
    at = AppTest.from_function(_files_tab_only, default_timeout=60).run()
    assert not at.exception, at.exception
    assert save_links(at) == [] and files_in(page_spool) == []
    for label in ("Events YAML", "GeoJSON", "CSV"):
        click(at, label)
    assert len(save_links(at)) == 3
    written = {p.file_name: p.path for p in page_spool._files.values()}
    shipped = SHIPPED_EVENTS.read_text(encoding="utf-8")
    assert written["events.yaml"].read_text(encoding="utf-8") == shipped  # comments kept
    features = json.loads(written["events.geojson"].read_text(encoding="utf-8"))["features"]
    assert sorted(f["id"] for f in features) == sorted(e.id for e in events)
    assert len(written["events.csv"].read_text(encoding="utf-8").splitlines()) == len(events) + 1
    st.cache_resource.clear()
