"""What readers see when a desk is configured: its published events, reloaded on every replica
within seconds of a publish, and kept as they were while the desk's database is unreachable."""

from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st

from geo import settings
from geo.catalog import Catalog
from geo.desk.store import DeskStore, DeskUnavailableError
from geo.errors import DataFileError
from geo.loader import load_events
from geo.model import Dataset
from geo.web import page

# A replica asks the database for the publication mark at most this often; an open page
# checks the (shared) mark every FOLLOW_SECONDS: a publish shows within about both.
MARK_SECONDS = 1.5
FOLLOW_SECONDS = 2.0
K_SHOWN_MARK = "publication_mark_shown"


@st.cache_resource(show_spinner="Opening the desk…")
def desk_store(url: str, app_dir: str) -> DeskStore:
    """One store per process (the database holds the state; this holds no data). A desk
    with no event yet starts from the events file, whichever page opens it first: an editor's
    first draft must not keep the file's events from ever being published."""
    # The app makes a new desk on its first start (the command line never does).
    store = DeskStore.open(
        url, base=Path(app_dir), two_person_rule=settings.two_person_rule(), create=True
    )
    events_file = settings.events_path(Path(app_dir))
    try:
        events = load_events(events_file).events
    except DataFileError:
        return store  # the map page shows what is wrong with the file; the desk still opens
    store.seed_published(events, events_file.name)
    return store


class _LastGood:
    """The last published set this process read, served while the database is down."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.mark: int | None = None
        self.catalog: Catalog | None = None


@st.cache_resource
def _last_good(url: str) -> _LastGood:
    return _LastGood()


@st.cache_data(ttl=MARK_SECONDS, show_spinner=False)
def _mark(url: str, app_dir: str) -> int | None:
    """The desk's publication mark; None while the database is unreachable."""
    try:
        return desk_store(url, app_dir).publication_mark()
    except DeskUnavailableError:
        return None


@st.cache_resource(show_spinner="Loading the published events…", max_entries=2)
def _published_catalog(url: str, app_dir: str, mark: int) -> Catalog:
    events = desk_store(url, app_dir).published_events()
    return page.catalog_of_dataset(Dataset(events=events), f"desk-{mark}")


def _seeded(url: str, app_dir: Path, events_file: Path) -> None:
    """A new desk starts from the events file (once: it is the record until the desk exists)."""
    store = desk_store(url, str(app_dir))
    if store.publication_mark() == 0:
        store.seed_published(load_events(events_file).events, events_file.name)


def reader_catalog(app_dir: Path, events_file: Path) -> Catalog:
    """The desk's published events when a desk is configured, else the events file."""
    url = settings.desk_url()
    if url is None:
        return page.open_events_file(events_file)
    last = _last_good(url)
    mark = _mark(url, str(app_dir))
    if mark == 0:
        try:
            _seeded(url, app_dir, events_file)
        except DeskUnavailableError:
            mark = None
        else:
            _mark.clear()
            mark = _mark(url, str(app_dir))
    if mark is None:
        # The database is down: readers keep what they had; a fresh process shows the file.
        with last.lock:
            catalog = last.catalog
        return catalog if catalog is not None else page.open_events_file(events_file)
    try:
        catalog = _published_catalog(url, str(app_dir), mark)
    except DeskUnavailableError:
        with last.lock:
            fallback = last.catalog
        return fallback if fallback is not None else page.open_events_file(events_file)
    with last.lock:
        last.mark, last.catalog = mark, catalog
    st.session_state[K_SHOWN_MARK] = mark
    _follow_publication(url, str(app_dir))
    return catalog


@st.fragment(run_every=FOLLOW_SECONDS)
def _follow_publication(url: str, app_dir: str) -> None:
    """An open page reloads itself when something is published (no click needed)."""
    mark = _mark(url, app_dir)
    shown = st.session_state.get(K_SHOWN_MARK)
    if mark is not None and shown is not None and mark != shown:
        st.rerun(scope="app")
