"""Streamlit glue for app.py: caching, widget state <-> URL state, selection, error boundary.

app.py stays a thin list of widgets; everything that decides something lives here or deeper.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from geo import scratch, settings
from geo.catalog import Catalog, catalog_of, type_options
from geo.errors import DataFileError, EventAtlasError, Problem, SettingError
from geo.escape import escape_markdown
from geo.filenames import download_name
from geo.filters import EventFilter
from geo.gazetteer import Candidate, Gazetteer, PlaceAnswer, PlaceContext, shared_gazetteer
from geo.io.columns import FIELDS
from geo.io.core import ImportLimits
from geo.io.dates import FORMATS as DATE_FORMATS
from geo.io.importer import TableShape, import_file, table_shape
from geo.io.meaning import Meaning
from geo.io.taxonomies import proposed_type
from geo.loader import load_events
from geo.map.assets import (
    TILES_DONE_MARKER,
    ExtraTiles,
    StaticURLs,
    install_assets,
    install_extra_tiles,
    offline_max_zoom,
    tiles_installed,
)
from geo.map.base import OFFLINE_LABEL, ONLINE_LABEL, within_zoom_cap
from geo.map.popup import panel_html, title_html
from geo.map.publish import PUBLISH_LIMIT, build_site, site_zip
from geo.model import Dataset, Event, country_name
from geo.store import EventStore
from geo.text import fold
from geo.urlstate import MapView, ViewState, parse_query, to_query
from geo.vocabulary import VOCABULARY, EventType, style_of
from geo.web import downloads, share

K_LABELS = "f_labels"
K_TYPES, K_DATES, K_COUNTRIES, K_TEXT, K_PREC, K_TILES = (
    "f_types",
    "f_dates",
    "f_countries",
    "f_text",
    "f_prec",
    "f_tiles",
)
K_SELECTED, K_URL_APPLIED = "selected", "_url_applied"
K_LAYER = "f_layer"
TILE_LABELS = {"offline": OFFLINE_LABEL, "osm": ONLINE_LABEL}
# The basemap this process serves (how deep its offline tiles go), for the session's views.
K_BASEMAP = "_basemap"
LAYER_LABELS = {"markers": "Markers", "density": "Density"}


@st.cache_resource(show_spinner=False)
def _prepare_assets(static_dir: str) -> None:
    progress = st.progress(0.0, text="Unpacking the offline basemap…")

    def report(done: int, total: int) -> None:
        progress.progress(done / total, text=f"Unpacking basemap tiles {done}/{total}")

    try:
        install_assets(Path(static_dir), report)
    finally:
        progress.empty()


@st.cache_resource(show_spinner=False)
def _offline_max_zoom(static_dir: str) -> int:
    return offline_max_zoom(Path(static_dir))


@st.cache_resource(show_spinner=False, max_entries=4)
def _prepare_extra_tiles(
    static_dir: str, path: str, mtime_ns: int, size: int, base_max_zoom: int
) -> ExtraTiles | SettingError:
    # The file's version is part of the key: a new file is unpacked again. A refusal is kept
    # too, so that no run reads a refused file again.
    progress = st.progress(0.0, text="Unpacking the regional basemap…")

    def report(done: int, total: int) -> None:
        progress.progress(done / total, text=f"Unpacking regional basemap tiles {done}/{total}")

    try:
        return install_extra_tiles(Path(static_dir), Path(path), base_max_zoom, report)
    except SettingError as error:
        return error
    finally:
        progress.empty()


def _extra_tiles(static_dir: Path, path: Path, base_max_zoom: int) -> ExtraTiles:
    """The regional basemap of EVENT_ATLAS_MBTILES, unpacked once per version of the file."""
    try:
        stat = path.stat()
        version = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        version = (0, -1)  # refused, with the remedy, by install_extra_tiles
    args = (str(static_dir), str(path), *version, base_max_zoom)
    extra = _prepare_extra_tiles(*args)
    if (
        isinstance(extra, ExtraTiles)
        and not (static_dir / extra.folder / TILES_DONE_MARKER).exists()
    ):
        _prepare_extra_tiles.clear()  # its folder was removed: unpack it again
        extra = _prepare_extra_tiles(*args)
    if isinstance(extra, SettingError):
        raise extra
    return extra


def static_urls(app_dir: Path, url_prefix: str) -> StaticURLs:
    """Make sure the map's JS/CSS and tiles are in app_dir/static, and say where they are and
    how deep the offline basemap goes: the offline tiles' deepest zoom, and the regional
    basemap of EVENT_ATLAS_MBTILES if set (SettingError, with the remedy, if it is unusable)."""
    static_dir = app_dir / "static"
    if not tiles_installed(static_dir):
        _prepare_assets.clear()
        _offline_max_zoom.clear()
    _prepare_assets(str(static_dir))
    deepest = _offline_max_zoom(str(static_dir))
    mbtiles = settings.mbtiles_path(app_dir)
    extra = _extra_tiles(static_dir, mbtiles, deepest) if mbtiles is not None else None
    urls = StaticURLs(url_prefix, deepest, extra)
    st.session_state[K_BASEMAP] = urls
    return urls


def within_basemap(view: MapView) -> MapView:
    """The view, no closer than the basemap the reader has chosen allows (offline: the tiles'
    deepest zoom there); unchanged before the page has said which basemap it serves."""
    urls = st.session_state.get(K_BASEMAP)
    if not isinstance(urls, StaticURLs):
        return view
    return within_zoom_cap(view, urls, str(st.session_state.get(K_TILES) or "offline"))


def basemap_caption(urls: StaticURLs) -> str | None:
    """Under the basemap choice: how close the offline basemap goes (None online)."""
    if st.session_state.get(K_TILES, "offline") != "offline":
        return None
    words = f"The offline basemap goes no closer than zoom {urls.offline_max_zoom}"
    if urls.extra is not None:
        words += f"; zoom {urls.extra.max_zoom} in {urls.extra.name}"
    return escape_markdown(words + ".")


# Shared, read-only data lives in st.cache_resource: st.cache_data would hand every run of
# every reader its own unpickled copy.
@st.cache_resource(show_spinner="Loading events…", max_entries=4)
def _yaml_catalog(path: str, mtime_ns: int, size: int) -> Catalog:
    # mtime and size are part of the key (and of the catalog's version): an edit reloads it.
    dataset = load_events(path)
    return catalog_of_dataset(dataset, repr((path, mtime_ns, size)))


@st.cache_resource(show_spinner="Opening the event store…", max_entries=4)
def _open_parquet(path: str, mtime_ns: int, size: int) -> EventStore:
    return EventStore.open(Path(path))


def _scratch_store(dataset: Dataset) -> EventStore:
    """A large dataset written into the engine, in a scratch folder of this process."""
    folder = scratch.new_folder()
    return EventStore.write(dataset.events, folder / "events.parquet", title=dataset.title)


def _release_store(catalog: object) -> None:
    """A large dataset's engine file goes when its cache entry does (evicted, cleared, or, for
    an upload, its browser session ended)."""
    if isinstance(catalog, EventStore) and catalog.path.parent.name.startswith(scratch.PREFIX):
        scratch.remove(catalog.path.parent)


@st.cache_resource(
    show_spinner="Preparing a large dataset for the map…", max_entries=4, on_release=_release_store
)
def _store_of_dataset(key: str, _dataset: Dataset) -> EventStore:
    # `_dataset` is not hashed (too big); `key` names its file version.
    return _scratch_store(_dataset)


def _file_key(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return str(path), stat.st_mtime_ns, stat.st_size


def catalog_of_dataset(dataset: Dataset, key: str) -> Catalog:
    """A small dataset in memory; a large one in the engine, written once per version."""
    return catalog_of(dataset, lambda d: _store_of_dataset(key, d), key)


def open_events_file(path: Path) -> Catalog:
    """The configured events file as a catalog: Parquet through the engine, YAML by size."""
    try:
        key = _file_key(path)
    except OSError as error:
        problem = Problem(str(path), None, "", "file not found: check the path")
        raise DataFileError([problem]) from error
    if path.suffix.lower() == ".parquet":
        return _open_parquet(*key)
    return _yaml_catalog(*key)


def show_error(error: EventAtlasError) -> None:
    """The page's one error boundary: a clear banner, and every problem listed as plain text."""
    if isinstance(error, DataFileError):
        summary = escape_markdown(error.summary)  # it names the file: an upload's own name
        st.error(f"The events file cannot be shown: {summary}. Fix these and reload:")
        problems = pd.DataFrame(
            [(p.file, p.line, p.field, p.message) for p in error.problems],
            columns=["File", "Line", "Field", "Problem"],
        )
        st.dataframe(problems, hide_index=True, width="stretch")
    else:
        st.error(escape_markdown(str(error)))


UPLOAD_TYPES = ["geojson", "json", "csv", "tsv", "txt", "yaml", "yml"]
NO_FIELD = "(ignore)"
# What one upload may cost the server (the command line has no such limits). The bytes are
# also .streamlit/config.toml's server.maxUploadSize (in MB), which the browser is told.
UPLOAD_MAX_BYTES = 50 * 1024 * 1024
UPLOAD_MAX_ROWS = 50_000
UPLOAD_MAX_COLUMNS = 20_000
UPLOAD_MAX_SECONDS = 20.0  # of the server's time (CPU) spent reading the file
# The mapping step offers the recognised columns and at most this many others.
MAPPING_OTHERS_SHOWN = 20


def upload_limits(name: str) -> ImportLimits:
    """The limits of the import box, and what to do with a larger file."""
    return ImportLimits(UPLOAD_MAX_ROWS, UPLOAD_MAX_SECONDS, _larger_files(name))


def _larger_files(name: str) -> str:
    file = Path(name).name or "FILE"
    return (
        f"import it with the command line instead (python -m geo import {file} --out "
        "events.parquet --max-mb 1000) and open that file (EVENT_ATLAS_EVENTS=events.parquet)"
    )


@dataclass(frozen=True)
class UploadReport:
    """How an upload was read: rows, skipped rows, warnings, and the grouped summary."""

    rows: int
    skipped: int
    problems: list[Problem]
    warnings: list[Problem]
    summary: list[str]
    date_formats: dict[str, str]
    notes: list[str] = field(default_factory=list)


def import_upload(
    name: str,
    data: bytes,
    on_error: str,
    overrides: Mapping[str, str] | None = None,
    date_format: str | None = None,
    meaning: Meaning | None = None,
) -> tuple[Dataset, UploadReport]:
    """An uploaded file as a dataset, with how it was read; DataFileError if unusable.

    A file that yields no event at all is refused with its problems grouped by cause, never
    shown as an empty map. The work is bounded (bytes, rows, server time: `upload_limits`).
    """
    suffix = Path(name).suffix.lower()
    if len(data) > UPLOAD_MAX_BYTES:
        reason = (
            f"the file is {len(data):,} bytes, over the {UPLOAD_MAX_BYTES:,} the page takes: "
            + _larger_files(name)
        )
        raise DataFileError([Problem(Path(name).name, None, "", reason)])
    if suffix.lstrip(".") not in UPLOAD_TYPES:
        raise DataFileError(
            [
                Problem(
                    name,
                    None,
                    "",
                    f"'{suffix}' files cannot be imported: use " + ", ".join(UPLOAD_TYPES),
                )
            ]
        )
    with _saved_upload(name, data) as path:
        if suffix in (".yaml", ".yml"):
            dataset = load_events(path)
            return dataset, UploadReport(len(dataset.events), 0, [], [], [], {})
        result = import_file(
            path,
            on_error="refuse" if on_error == "refuse" else "skip",
            max_bytes=UPLOAD_MAX_BYTES,
            overrides=overrides,
            date_format=date_format,
            limits=upload_limits(name),
            meaning=meaning,
        )
    if not result.events:
        lines = result.summary() or ["the file holds no rows"]
        reason = f"no event could be imported from its {result.rows:,} rows"
        raise DataFileError(
            [Problem(Path(name).name, None, "", reason)]
            + [Problem(Path(name).name, None, "", line) for line in lines]
        )
    report = UploadReport(
        result.rows,
        result.skipped,
        result.problems,
        result.warnings,
        result.summary(),
        result.date_formats,
        result.notes,
    )
    return Dataset(title=f"Imported: {Path(name).name}", events=result.events), report


# The user's reading of an upload as plain values (the cache's key).
MeaningKey = tuple[tuple[tuple[str, str], ...], str | None, str | None]


def _meaning_key(meaning: Meaning) -> MeaningKey:
    types = tuple(sorted((label, t.value) for label, t in meaning.types.items()))
    default = meaning.default_type.value if meaning.default_type else None
    return types, default, meaning.publisher


@contextmanager
def _saved_upload(name: str, data: bytes) -> Iterator[Path]:
    """The upload in a temporary folder under its own name (its last part only), so that
    problems name the user's file."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(name).name
        path.write_bytes(data)
        yield path


def _release_upload(entry: tuple[Catalog, UploadReport] | DataFileError) -> None:
    if isinstance(entry, tuple):
        _release_store(entry[0])


# One browser session's uploads (scope="session"): when the session ends (the tab is closed,
# the connection lost), Streamlit releases them, and a large one's engine file is deleted.
@st.cache_resource(
    show_spinner="Importing…", max_entries=2, scope="session", on_release=_release_upload
)
def _upload_catalog(
    digest: str,
    name: str,
    _data: bytes,
    on_error: str,
    overrides: tuple[tuple[str, str], ...],
    date_format: str | None,
    meaning: MeaningKey = ((), None, None),
) -> tuple[Catalog, UploadReport] | DataFileError:
    # Keyed by the file's digest (the bytes themselves are not hashed again). A refusal is
    # kept too: the next run (any click) does not read the whole file again to refuse it.
    types, dataset_type, publisher = meaning
    reading = Meaning(
        {label: EventType(value) for label, value in types},
        EventType(dataset_type) if dataset_type else None,
        publisher,
    )
    try:
        dataset, report = import_upload(
            name, _data, on_error, dict(overrides), date_format, reading
        )
    except DataFileError as error:
        return error
    key = f"upload:{digest}:{on_error}:{overrides}:{date_format}:{meaning}"
    return catalog_of(dataset, _scratch_store, key), report


@st.cache_resource(max_entries=16)
def _upload_shape(digest: str, name: str, _data: bytes) -> TableShape | DataFileError | None:
    try:
        with _saved_upload(name, _data) as path:
            shape = table_shape(path, UPLOAD_MAX_BYTES, upload_limits(name))
    except DataFileError as error:
        return error  # kept: a refused file is not read again on every run
    if shape is not None and len(shape.header) > UPLOAD_MAX_COLUMNS:
        reason = (
            f"the file has {len(shape.header):,} columns, over the {UPLOAD_MAX_COLUMNS:,} the "
            f"page reads: {_larger_files(name)}"
        )
        return DataFileError([Problem(Path(name).name, 1, "", reason)])
    return shape


@st.cache_resource(show_spinner=False)
def _swept() -> list[Path]:
    """Once per process: scratch folders left by processes that died (geo.scratch)."""
    return scratch.sweep()


def _widget_label(column: str) -> str:
    """A column's name as a widget label: plain text (labels render Markdown), kept short."""
    name = column.strip() or "(unnamed column)"
    return escape_markdown(name if len(name) <= 80 else name[:80] + "…")


def mapping_columns(shape: TableShape) -> tuple[list[str], list[str]]:
    """The columns the mapping step offers (every recognised one, then the first
    MAPPING_OTHERS_SHOWN others, in the file's order) and those it only names."""
    others = [c for c in shape.header if c not in shape.guessed]
    offered = set(shape.guessed) | set(others[:MAPPING_OTHERS_SHOWN])
    return [c for c in shape.header if c in offered], others[MAPPING_OTHERS_SHOWN:]


def column_mapping_step(shape: TableShape) -> tuple[dict[str, str], str | None]:
    """The guessed column -> field mapping, for the user to correct; the widgets are keyed by
    the header, so the same header gets the same choices back. A bounded number of widgets
    (`mapping_columns`), whatever the number of columns; every name shown as plain text."""
    signature = hashlib.sha256("\x1f".join(shape.header).encode()).hexdigest()[:12]
    options = [NO_FIELD, *FIELDS]
    mapping: dict[str, str] = {}
    st.caption("Columns: the guesses are filled in; correct any that are wrong.")
    offered, unlisted = mapping_columns(shape)
    for column in offered:
        guessed = shape.guessed.get(column, NO_FIELD)
        chosen = st.selectbox(
            _widget_label(column),
            options,
            index=options.index(guessed),
            key=f"map:{signature}:{hashlib.sha256(column.encode()).hexdigest()[:16]}",
        )
        mapping[column] = "ignore" if chosen == NO_FIELD else chosen
    if unlisted:
        names = ", ".join(c if len(c) <= 40 else c[:40] + "…" for c in unlisted[:10])
        more = f" and {len(unlisted) - 10:,} more" if len(unlisted) > 10 else ""
        st.caption(
            escape_markdown(
                f"{len(unlisted):,} more columns are not listed (no field is guessed for them: "
                f"they are not read as fields): {names}{more}. To read one as a field, use the "
                "command line: python -m geo import FILE --out events.parquet --map COLUMN=FIELD"
            )
        )
    date_choice = st.selectbox(
        "Date format",
        ["detect from the column", *DATE_FORMATS],
        key=f"map:{signature}:date-format",
        help="Detected from the whole column; pick one when the dates are read wrong.",
    )
    date_format = None if date_choice == "detect from the column" else date_choice
    return mapping, date_format


LABEL_TYPES = {VOCABULARY[t].label: t for t in EventType}
# The type step lists this many labels of the type column (the most frequent first).
TYPE_LABELS_SHOWN = 30
_NO_DATASET_TYPE = "other (no type given)"


def type_step(shape: TableShape, mapping: Mapping[str, str]) -> Meaning:
    """What the file's kinds mean: each label of the type column with its rows and the type
    proposed for it (editable, remembered for the same header); one type for rows without a
    label (for the whole file when it has no type column); the dataset's publisher."""
    signature = hashlib.sha256("\x1f".join(shape.header).encode()).hexdigest()[:12]
    labels = [VOCABULARY[t].label for t in EventType]
    column = next((c for c, f in mapping.items() if f == "event_type"), None)
    counts = shape.values.get(column, {}) if column is not None else {}
    types: dict[str, EventType] = {}
    if column is not None:
        st.caption(
            escape_markdown(
                f"Types: what each label of {column} means (rows in brackets). The proposal "
                "reads ACLED's names and the words of the label; correct any that is wrong."
            )
        )
        for label, rows in list(counts.items())[:TYPE_LABELS_SHOWN]:
            proposed = proposed_type(label)
            chosen = st.selectbox(
                _widget_label(f"{label} ({rows:,})"),
                labels,
                index=labels.index(VOCABULARY[proposed].label),
                key=f"type:{signature}:{hashlib.sha256(label.encode()).hexdigest()[:16]}",
            )
            types[fold(label).strip()] = LABEL_TYPES[chosen]
        if len(counts) > TYPE_LABELS_SHOWN:
            st.caption(
                f"{len(counts) - TYPE_LABELS_SHOWN:,} more labels are read by the same rules."
            )
    whole = "Type of every event (the file has no type column)"
    dataset_type = st.selectbox(
        "Type of rows without a label" if column is not None else whole,
        [_NO_DATASET_TYPE, *labels],
        key=f"type:{signature}:dataset",
        help="A file whose rows carry no kind (a civilian-harm dataset) is one kind throughout.",
    )
    publisher = st.text_input(
        "Dataset's publisher (cited for rows without a link)",
        key=f"type:{signature}:publisher",
        max_chars=200,
        help="e.g. Bellingcat. A row's link is cited by its own site (an X/Twitter account, a "
        "Telegram channel, a news site); the file's name is never cited.",
    )
    return Meaning(
        types,
        None if dataset_type == _NO_DATASET_TYPE else LABEL_TYPES[dataset_type],
        publisher.strip() or None,
    )


def uploaded_catalog() -> Catalog | None:
    """The sidebar's import box: a file shown for this browser session instead of the default.

    CSV, TSV and JSON tables get a column-mapping step first. Large uploads go to the engine
    like large files.
    """
    with st.sidebar.expander("Import a file"):
        upload = st.file_uploader(
            "ACLED, GDELT, UCDP, GeoJSON, JSON, CSV/TSV or events YAML",
            type=UPLOAD_TYPES,
            key="upload",
            help=f"Up to {UPLOAD_MAX_ROWS:,} rows and {UPLOAD_MAX_SECONDS:g} seconds of the "
            "server's time; larger files: `python -m geo import FILE --out events.parquet`",
        )
        on_error = st.radio(
            "Bad rows",
            ["skip", "refuse"],
            horizontal=True,
            key="upload_on_error",
            help="skip: import the good rows and list the bad ones; refuse: import nothing",
        )
        _swept()
        if upload is None:
            return None
        data = upload.getvalue()
        digest = hashlib.sha256(data).hexdigest()
        shape = None
        if not upload.name.lower().endswith((".yaml", ".yml")):
            shape = _upload_shape(digest, upload.name, data)
        if isinstance(shape, DataFileError):
            raise shape
        overrides, date_format = column_mapping_step(shape) if shape else ({}, None)
        meaning = type_step(shape, overrides) if shape else Meaning()
    imported = _upload_catalog(
        digest,
        upload.name,
        data,
        on_error,
        tuple(overrides.items()),
        date_format,
        _meaning_key(meaning),
    )
    if isinstance(imported, DataFileError):
        raise imported
    catalog, report = imported
    show_upload_report(report)
    st.info(
        escape_markdown(
            f"You are looking at {upload.name}, imported for this browser only. A link to "
            "this page shows the site's own events, not this file: to share what you see, "
            "download the static site (.zip) under the table, a map anyone can open offline."
        )
    )
    return catalog


def show_upload_report(report: UploadReport) -> None:
    """Rows skipped and warnings: grouped by cause first, then every row in a table; notes on
    the file as a whole. Everything the file gave (names, values) is shown as plain text."""
    if not report.problems and not report.warnings:
        if report.notes:
            st.info("\n\n".join(escape_markdown(note) for note in report.notes))
        return
    head = f"{report.skipped:,} of {report.rows:,} rows were skipped"
    if report.warnings:
        kept = len(report.warnings)
        head += f"; {kept:,} {'row was' if kept == 1 else 'rows were'} kept with a warning"
    st.warning(
        escape_markdown(head + ":")
        + "\n\n"
        + "\n".join(f"- {escape_markdown(line)}" for line in report.summary)
    )
    with st.expander("Every row"):
        st.dataframe(
            pd.DataFrame(
                [("skipped", p.line, p.field, p.message) for p in report.problems]
                + [("warning", p.line, p.field, p.message) for p in report.warnings],
                columns=["", "Row", "Column", "Problem"],
            ),
            hide_index=True,
        )


def url_state() -> tuple[ViewState, list[str]]:
    """The link's view; its zoom no closer than the chosen basemap allows (within_basemap)."""
    params = {key: st.query_params.get_all(key) for key in st.query_params}
    state, ignored = parse_query(params)
    if state.view is not None:
        state = replace(state, view=within_basemap(state.view))
    return state, ignored


def apply_url_once(state: ViewState, catalog: Catalog, default_tiles: str) -> None:
    """Put a link's filters into the widgets, once per browser session."""
    if st.session_state.get(K_URL_APPLIED):
        return
    st.session_state[K_URL_APPLIED] = True
    f = state.event_filter
    st.session_state[K_TYPES] = sorted(f.types, key=list(EventType).index)
    st.session_state[K_COUNTRIES] = sorted(f.countries & set(catalog.countries()))
    st.session_state[K_TEXT] = f.text
    st.session_state[K_PREC] = sorted(f.precisions)
    st.session_state[K_LABELS] = sorted(f.labels & set(catalog.label_counts()))
    bounds = catalog.date_bounds()
    if bounds is not None:
        low, high = bounds
        start = min(max(f.date_from or low, low), high)
        end = max(min(f.date_to or high, high), start)
        st.session_state[K_DATES] = (start, end)
    has_tiles_param = bool(st.query_params.get_all("tiles"))
    st.session_state[K_TILES] = state.tiles if has_tiles_param else default_tiles
    st.session_state[K_LAYER] = state.layer
    known = state.selected is not None and catalog.event(state.selected) is not None
    st.session_state[K_SELECTED] = state.selected if known else None


@st.cache_resource(show_spinner="Loading the offline gazetteer (first time only)…")
def gazetteer() -> Gazetteer:
    """The process's gazetteer (the one text search uses too), loaded when first needed."""
    return shared_gazetteer()


GO_TO_ZOOM = {"city": 10, "region": 7, "country": 5}
K_GO_CHOICES = "go_to_place_choices"
K_GO_PICK = "go_to_place_pick"
K_GO_TARGET = "go_to_place_target"
# The pick list's question: "Which Springfield?" when unsure, "Another Odesa?" after a choice.
K_GO_QUESTION = "go_to_place_question"
# An answer given in a callback (a pick), shown next to the box in the run that follows.
K_GO_SAID = "go_to_place_said"
# The answer's place, right under the Go button (first in the sidebar, so on the first screen).
# A container's key is its CSS class.
K_GO_ANSWER = "go_to_place_answer"
# Icons from Streamlit's bundled Material Symbols font: an emoji may draw as a box.
ICON_FOUND, ICON_NOT_FOUND = ":material/location_on:", ":material/warning:"


@dataclass(frozen=True)
class PlaceReply:
    """What "Go to place" says: shown under its Go button and as a toast, seen wherever the
    reader has scrolled the sidebar to (and on a phone with the drawer folded)."""

    text: str
    found: bool
    # The toast's words when shorter than the text: a phone's toast folds after three lines.
    toast: str = ""


def go_to_place(catalog: Catalog) -> MapView | None:
    """The "go to place" box: geocodes offline on submit, never per keystroke. A name is first
    looked for in the countries the events are in; a name that may mean several places gets
    a pick list right under the box, and a chosen one offers the other places of its name."""
    with st.form("go_to_place", border=False):
        query = st.text_input(
            "Go to place", max_chars=100, placeholder="e.g. Kharkiv, Київ, Odesa, Ukraine"
        )
        submitted = st.form_submit_button("Go")
    target = st.session_state.pop(K_GO_TARGET, None)
    reply = st.session_state.pop(K_GO_SAID, None)
    if submitted and query.strip():
        target, reply = _go_to(query.strip(), catalog)
        icon = ICON_FOUND if reply.found else ICON_NOT_FOUND
        st.toast(escape_markdown(reply.toast or reply.text), icon=icon)
    if isinstance(reply, PlaceReply):
        with st.container(key=K_GO_ANSWER):
            say = st.info if reply.found else st.warning
            say(escape_markdown(reply.text))
    _place_choices()
    if isinstance(target, MapView):
        return within_basemap(target)
    return None


def _go_to(query: str, catalog: Catalog) -> tuple[MapView | None, PlaceReply]:
    st.session_state.pop(K_GO_CHOICES, None)
    st.session_state.pop(K_GO_PICK, None)
    answer = gazetteer().resolve(query, PlaceContext(catalog.country_counts()))
    if answer.ambiguous:
        _offer(answer, f"Which {answer.query}?")
        text = (
            f"'{query}' may be {len(answer.choices)} places: pick one under the Go button, "
            f"in 'Which {answer.query}?'."
        )
        return None, PlaceReply(text, found=False)
    if answer.best is None:
        return None, PlaceReply(not_found_text(query, answer.note), found=False)
    others = answer.choices[1:]
    if others:
        _offer(replace(answer, choices=others), f"Another {answer.query}?")
    text = centred_text(answer.best, len(others))
    return _view_of(answer.best), PlaceReply(text, True, centred_text(answer.best))


def not_found_text(query: str, note: str = "") -> str:
    """Names what was not found and what to do; the gazetteer's note when it adds to that."""
    said = f" ({note})" if note and not fold(note).startswith("no place called") else ""
    return (
        f"No place called '{query}' in the offline gazetteer{said}: check the spelling or "
        "add the country, as in 'Odesa, Ukraine'."
    )


def centred_text(place: Candidate, others: int = 0) -> str:
    """Names the place chosen; says where to find the others of its name when there are."""
    note = "close match: " if place.fuzzy else ""
    text = f"Centred on {note}{place.label}."
    if others:
        places = "place" if others == 1 else "places"
        text += f" Not this one? {others} other {places} of that name under the Go button."
    return text


def _view_of(place: Candidate) -> MapView:
    zoom = GO_TO_ZOOM.get(place.kind, 8)
    return MapView(round(place.latitude, 4), round(place.longitude, 4), zoom)


def _offer(answer: PlaceAnswer, question: str) -> None:
    st.session_state[K_GO_CHOICES] = answer
    st.session_state[K_GO_QUESTION] = question


def _place_choices() -> None:
    answer = st.session_state.get(K_GO_CHOICES)
    if not isinstance(answer, PlaceAnswer):
        return
    st.selectbox(
        escape_markdown(st.session_state.get(K_GO_QUESTION) or f"Which {answer.query}?"),
        options=list(range(len(answer.choices))),
        format_func=lambda i: answer.choices[i].label,
        index=None,
        placeholder="Pick the place you mean",
        key=K_GO_PICK,
        on_change=_picked_place,
    )


def _picked_place() -> None:
    answer = st.session_state.get(K_GO_CHOICES)
    pick = st.session_state.get(K_GO_PICK)
    if isinstance(answer, PlaceAnswer) and isinstance(pick, int):
        place = answer.choices[pick]
        st.session_state[K_GO_TARGET] = _view_of(place)
        st.session_state[K_GO_CHOICES] = None
        reply = PlaceReply(centred_text(place), found=True)
        st.session_state[K_GO_SAID] = reply
        st.toast(escape_markdown(reply.text), icon=ICON_FOUND)


def type_option_label(event_type: EventType) -> str:
    # Never put changing text (such as counts) here: the browser sends the chosen labels back
    # and Streamlit maps them to options by text, so a label that changed with another filter
    # would come back as a plain string instead of the type.
    style = style_of(event_type)
    return f"{style.symbol} {style.label}"


def type_counts_caption(counts: Mapping[EventType, int]) -> str:
    """How many events of each type the other filters leave, shown under the type picker."""
    parts = [
        f"{style_of(t).symbol} {style_of(t).label}: {n:,}"
        for t, n in sorted(counts.items(), key=lambda item: list(EventType).index(item[0]))
        if n
    ]
    # Only our own fixed labels and numbers: nothing here needs Markdown escaping.
    return " · ".join(parts) if parts else "No event matches the other filters."


K_SHOWN = "_catalog_shown"


VIEW_PARAMS = ("lat", "lon", "z", "event")


def follow_catalog(catalog: Catalog) -> None:
    """Keep the filter widgets valid when the data changes (an upload, a new file version).

    A date range outside the new data's dates, or a type, country or label it does not have,
    would make the widgets refuse their own value: the range becomes the whole new range and
    choices the data lacks are dropped.
    """
    shown = st.session_state.get(K_SHOWN)
    st.session_state[K_SHOWN] = catalog.version
    if shown is None or shown == catalog.version:
        return
    # The view and selection of the earlier data say nothing of the new: the map opens on the
    # new data's theatre (geo.map.theatre), as a first visit would.
    for name in VIEW_PARAMS:
        st.query_params.pop(name, None)
    st.session_state[K_SELECTED] = None
    bounds = catalog.date_bounds()
    if bounds is not None:
        st.session_state[K_DATES] = bounds
    present: dict[str, set[object]] = {
        K_TYPES: set(type_options(catalog)),
        K_COUNTRIES: set(catalog.countries()),
        K_LABELS: set(catalog.label_counts()),
    }
    for key, options in present.items():
        chosen = st.session_state.get(key) or []
        st.session_state[key] = [value for value in chosen if value in options]


def label_picker(catalog: Catalog) -> None:
    """The source's own labels (ACLED sub-event types, CAMEO codes, a tracker's free text), with
    counts; shown only when the data has labels."""
    counts = catalog.label_counts()
    if not counts:
        return
    st.multiselect(
        "Source label",
        options=list(counts),
        format_func=lambda label: f"{label} ({counts.get(label, 0):,})",
        key=K_LABELS,
        placeholder="Any label",
        help="The source's own labels, as it wrote them; our event types group them.",
    )


def widget_filter(bounds: tuple[dt.date, dt.date] | None) -> EventFilter:
    dates: Sequence[dt.date] = st.session_state.get(K_DATES) or ()
    date_from = dates[0] if len(dates) >= 1 else None
    date_to = dates[1] if len(dates) >= 2 else None
    if bounds is not None:
        # The full range is "no date filter": keeps links short and new events visible.
        date_from = None if date_from == bounds[0] else date_from
        date_to = None if date_to == bounds[1] else date_to
    return EventFilter(
        types=frozenset(st.session_state.get(K_TYPES) or ()),
        date_from=date_from,
        date_to=date_to,
        countries=frozenset(st.session_state.get(K_COUNTRIES) or ()),
        text=str(st.session_state.get(K_TEXT) or "")[:200],
        precisions=frozenset(st.session_state.get(K_PREC) or ()),
        labels=frozenset(st.session_state.get(K_LABELS) or ()),
    )


def sync_url(event_filter: EventFilter, view: MapView | None) -> None:
    """Write the current view into the URL, so a copied link reopens it."""
    state = ViewState(
        event_filter=event_filter,
        selected=st.session_state.get(K_SELECTED),
        view=view,
        tiles=st.session_state.get(K_TILES, "offline"),
        layer=density_shown(),
    )
    _last_view().state = state
    wanted = to_query(state)
    current = {key: ",".join(st.query_params.get_all(key)) for key in st.query_params}
    if current != wanted:
        st.query_params.from_dict(wanted)


def density_shown() -> str:
    """The large map's layer, as the sidebar has it: "markers" or "density"."""
    layer = st.session_state.get(K_LAYER)
    return layer if layer in LAYER_LABELS else "markers"


def layer_picker(catalog: Catalog) -> None:
    """Markers or a density view: for a large dataset, drawn from cells on the server."""
    if not catalog.large:
        return
    st.radio(
        "Map shows",
        options=list(LAYER_LABELS),
        format_func=LAYER_LABELS.get,
        key=K_LAYER,
        horizontal=True,
        help="Density shades the map by how many events each small square holds.",
    )


def note_unplaced(count: int, events_file: Path) -> None:
    """Say how many shown events are missing from the map, and how to place them."""
    if not count:
        return
    st.info(
        f"{count} of the events shown {'has' if count == 1 else 'have'} no coordinates yet, "
        "so the map leaves them out (they are in the table). Place them with:"
    )
    # st.code shows the command verbatim: no Markdown is parsed in it.
    st.code(f"python -m geo geocode {events_file} --write", language="bash")


# On a phone (Streamlit stacks the columns below 640 px): a compact header, so that the map
# is on the first screen, and touch targets of at least 40 px for Streamlit's own controls.
PHONE_CSS = """
<style>
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] { padding: 4rem 0.75rem 3rem; }
  .ea-page-title { font-size: 1.3rem !important; line-height: 1.25 !important;
                   padding: 0 !important; }
  [data-testid="stExpandSidebarButton"], [data-testid="stMainMenuButton"],
  [data-testid="stBaseButton-elementToolbar"] { min-width: 40px; min-height: 40px; }
  [data-testid="stMainBlockContainer"] .react-aria-ComboBox > [role="group"] { min-height: 40px; }
}
</style>
"""


def show_title(title: str | None) -> None:
    st.html(PHONE_CSS)
    st.html(title_html(title or "Event Atlas"))


def show_event_detail(event: Event) -> None:
    st.html(panel_html(event))
    for source in event.sources:
        if source.url:
            # Button labels are Markdown: name the link by its host, escaped, not by free text.
            host = urlsplit(source.url).hostname or "link"
            st.link_button(f"Open source ↗ {escape_markdown(host)}", source.url)


def country_label(code: str) -> str:
    return f"{country_name(code)} ({code})"


@st.fragment
def download_buttons(catalog: Catalog, event_filter: EventFilter) -> None:
    """CSV, GeoJSON and ACLED CSV of every event the filters keep, and the view as a site.

    Each file is written only when its button is clicked, from the engine in batches, to a
    file on disk that a link then saves (geo.web.downloads): a page open builds no file nobody
    asked for, and no file is held in the server's memory. A fragment: a click reruns only this.
    """
    # Each file is saved under the dataset's name and the view's dates and filters.
    dataset, bounds = share.dataset_name(catalog), catalog.date_bounds()

    def named(extension: str, tag: str = "") -> str:
        return download_name(dataset, event_filter, extension, bounds=bounds, tag=tag)

    columns = st.columns([1, 1, 1, 2])
    for column, kind in zip(columns, downloads.EVENT_FILES, strict=False):
        extension, tag = DOWNLOAD_NAME_PARTS[kind.file_name]
        with column:
            downloads.offer(
                replace(kind, file_name=named(extension, tag)),
                lambda: catalog.iter_events(event_filter),
                slot=kind.file_name,
                holds=(catalog.version, event_filter),
                total=lambda: catalog.count(event_filter),
            )
    site_download(columns[3], catalog, event_filter, named("zip", "site"))


# Each event file's extension and tag in its name (geo.filenames.download_name).
DOWNLOAD_NAME_PARTS = {
    downloads.CSV.file_name: ("csv", ""),
    downloads.GEOJSON.file_name: ("geojson", ""),
    downloads.ACLED.file_name: ("csv", "acled"),
}


# -- the current view as a static site (geo.map.publish) ----------------------------------------
K_LAST_VIEW = "_last_view"


@dataclass
class LastView:
    """The view the map showed last (filters, selection, map view), kept for a download.

    A deferred download runs off the script's thread, where session state cannot be read, and
    a click on the map reruns the map but not the download button: the button hands its build
    this holder, which the map fills on each of its runs (sync_url).
    """

    state: ViewState = field(default_factory=ViewState)


def _last_view() -> LastView:
    holder = st.session_state.get(K_LAST_VIEW)
    if not isinstance(holder, LastView):
        holder = st.session_state[K_LAST_VIEW] = LastView()
    return holder


def site_download(
    column: DeltaGenerator,
    catalog: Catalog,
    event_filter: EventFilter,
    file_name: str = "event-atlas-site.zip",
) -> None:
    """The current view as a static site (.zip), built only when the button is clicked."""
    too_many = catalog.count(event_filter) > PUBLISH_LIMIT
    note = (
        f"A static site holds at most {PUBLISH_LIMIT:,} events: narrow the filters."
        if too_many
        else "This view (filters, selected event, map view) as a site that works offline: "
        "unzip it and open index.html."
    )
    column.download_button(
        "Download static site (.zip)",
        _deferred_site(catalog, event_filter, _last_view()),
        file_name=file_name,
        mime="application/zip",
        disabled=too_many,
        help=note,
    )


def _deferred_site(
    catalog: Catalog, event_filter: EventFilter, last: LastView
) -> Callable[[], bytes]:
    def run() -> bytes:
        # The filters are the page's (a change reruns the whole page, button included).
        shown = last.state
        state = ViewState(event_filter, shown.selected, shown.view)
        return site_zip(build_site(catalog, state))

    return run
