"""`python -m geo`: data tools (check, geocode, import, export), `publish` (a static site of
one view) and `serve` for many readers.

One boundary prints errors.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from geopy.location import Location

from geo.catalog import Catalog, ListCatalog
from geo.errors import DataFileError, EventAtlasError, SettingError
from geo.export import events_yaml_text, write_csv, write_geojson
from geo.filters import EventFilter
from geo.gazetteer import Gazetteer
from geo.io.acled import write_acled_csv
from geo.io.columns import parse_overrides
from geo.io.dates import named_format
from geo.io.importer import FORMATS as IMPORT_FORMATS
from geo.io.importer import ImportResult, import_file
from geo.io.meaning import Meaning, load_types_file, type_named
from geo.loader import MAX_BYTES as LOADER_MAX_BYTES
from geo.loader import load_events, parse_events_text
from geo.model import Event
from geo.store import EventStore, EventStoreWriter
from geo.urlstate import ViewState, parse_query
from geo.vocabulary import EventType
from geo.writeback import atomic_writer, plan_geocoding, write_atomically

PROG = "python -m geo"


def _progress_bar(stream: TextIO) -> object:
    def show(done: int, total: int) -> None:
        width = 30
        filled = round(width * done / total) if total else width
        end = "\n" if done == total else ""
        stream.write(f"\rgeocoding [{'#' * filled}{'.' * (width - filled)}] {done}/{total}{end}")
        stream.flush()

    return show


def _gazetteer_locator() -> object:
    gazetteer = Gazetteer()

    def locate(name: str, country: str | None) -> tuple[Location | None, str | None]:
        found = gazetteer.geocode(name, country_codes=[country] if country else None)
        return (found if isinstance(found, Location) else None), None

    return locate


def _service_locator() -> object:
    """The configured geocoder (EVENT_ATLAS_GEOCODER), falling back to the gazetteer."""
    try:
        from geo.online import GeocodingService, config_from_env
    except ImportError:
        return _gazetteer_locator()
    service = GeocodingService(config_from_env(os.environ), Gazetteer())

    def locate(name: str, country: str | None) -> tuple[Location | None, str | None]:
        result = service.locate(name, [country] if country else None)
        return result.location, result.warning

    return locate


def _iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{value}' is not an ISO date: write the article's date as YYYY-MM-DD"
        ) from None


def cmd_draft(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from geo.draft import Article, draft_article
    from geo.draft.evaluate import detail_table, evaluate, summary_table

    source, target = Path(args.file), Path(args.out)
    _refuse_input_as_output(source, target)
    if args.compare:
        _refuse_input_as_output(Path(args.compare), target)
    if target.suffix.lower() not in (".yaml", ".yml"):
        raise SettingError(f"--out {target}: name a .yaml file (drafts are an events file)")
    if not target.parent.is_dir():
        raise SettingError(f"--out {target}: the folder {target.parent} does not exist")
    if target.exists() and not args.force:
        raise SettingError(f"{target} exists: choose another --out, or add --force to replace it")
    try:
        text = source.read_text(encoding="utf-8-sig")  # a byte-order mark is not the text
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingError(f"{source}: cannot read the article as UTF-8 text ({exc})") from exc
    article = Article(text, args.date, args.publisher, args.url, source.name)
    drafts = draft_article(article, Gazetteer())
    if not drafts:
        err.write(
            f"error: no sentence of {source} reports a place the gazetteer knows: "
            f"nothing written to {target}\n"
        )
        return 1
    heading = f"Drafts from {source.name} ({args.publisher}, {args.date}) by {PROG} draft"
    yaml_text = events_yaml_text([d.event for d in drafts], heading)
    parse_events_text(yaml_text, str(target))  # never write what the loader would refuse
    write_atomically(target, yaml_text)
    for draft in drafts:
        event, c = draft.event, draft.confidence
        where = event.place.name if event.located else f"{event.place.name} (unplaced)"
        figures = "" if c.figures is None else f" figures {c.figures:.2f}"
        out.write(
            f"{event.id}: {event.event_type.value} · {event.date_label()} · {where}"
            f" [place {c.place:.2f} date {c.date:.2f} type {c.type:.2f}{figures}]\n"
        )
    unplaced = sum(1 for d in drafts if not d.event.located)
    out.write(f"wrote {len(drafts)} drafts to {target} ({unplaced} unplaced)\n")
    if args.compare:
        reference = load_events(Path(args.compare)).events
        evaluation = evaluate(drafts, reference, text)
        out.write(f"\nagainst {args.compare}:\n{summary_table(evaluation)}\n\n")
        out.write(detail_table(evaluation) + "\n")
    return 0


def cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    dataset = load_events(args.file)
    unplaced = [e.id for e in dataset.events if not e.located]
    out.write(f"{args.file}: OK, {len(dataset.events)} events")
    if unplaced:
        out.write(f"; {len(unplaced)} without coordinates (run: {PROG} geocode {args.file})")
    out.write("\n")
    return 0


def cmd_geocode(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    path = Path(args.file)
    show_progress = args.progress or err.isatty()
    plan = plan_geocoding(
        path,
        _service_locator(),  # type: ignore[arg-type]
        overwrite=args.overwrite,
        progress=_progress_bar(err) if show_progress else None,  # type: ignore[arg-type]
    )
    for line in plan.warnings:
        err.write(f"warning: {line}\n")
    diff = plan.diff(str(path))
    if not plan.filled:
        out.write("nothing to geocode: every place has coordinates\n")
    elif args.write:
        write_atomically(path, plan.updated)
        out.write(f"wrote {len(plan.filled)} coordinates to {path}\n")
    else:
        out.write(diff)
        out.write(f"\n{len(plan.filled)} places would be filled in; add --write to save.\n")
    for line in plan.unresolved:
        err.write(f"not geocoded: {line}\n")
    return 1 if plan.unresolved else 0


# Per-row lines printed after the grouped summary; the rest are counted.
ROW_DETAIL_LIMIT = 20


def _refuse_input_as_output(source: Path, target: Path, option: str = "--out") -> None:
    """No command replaces its own input, not even with --force."""
    same = target.resolve() == source.resolve()
    if not same and target.exists() and source.exists():
        same = os.path.samefile(source, target)
    if same:
        raise SettingError(
            f"{option} {target} is the input file: choose another {option} (not even --force "
            "replaces the input)"
        )


def _refuse_missing_folder(target: Path) -> None:
    if not target.parent.is_dir():
        raise SettingError(f"--out {target}: the folder {target.parent} does not exist")


def _too_big_for_yaml(target: Path, size: str) -> SettingError:
    return SettingError(
        f"--out {target}: the events make an events YAML file of {size}, over the "
        f"{LOADER_MAX_BYTES:,} bytes the loader reads (YAML is for small, hand-curated data): "
        f"nothing written; write --out {target.with_suffix('.parquet')} instead"
    )


class _YamlBound:
    """Events bound for an events YAML file, refused as soon as they could not fit in what the
    loader reads (their JSON is smaller than their YAML), before anything is written."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.events: list[Event] = []
        self.size = 0

    def add(self, events: list[Event]) -> None:
        for event in events:
            self.size += len(event.model_dump_json(exclude_none=True, exclude_defaults=True))
        if self.size > LOADER_MAX_BYTES:
            raise _too_big_for_yaml(self.target, f"more than {self.size:,} bytes")
        self.events += events


def _write_events_yaml(events: list[Event], source: Path, target: Path) -> None:
    text = events_yaml_text(events, f"Imported from {source.name} by {PROG} import")
    size = len(text.encode("utf-8"))
    if size > LOADER_MAX_BYTES:
        raise _too_big_for_yaml(target, f"{size:,} bytes")
    parse_events_text(text, str(target))  # never write what the loader would refuse
    write_atomically(target, text)


def cmd_import(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    source, target = Path(args.file), Path(args.out)
    _refuse_input_as_output(source, target)
    if target.exists() and not args.force:
        raise SettingError(f"{target} exists: choose another --out, or add --force to replace it")
    if target.suffix.lower() not in (".yaml", ".yml", ".parquet"):
        raise SettingError(f"--out {target}: name a .yaml file (small data) or .parquet (large)")
    _refuse_missing_folder(target)
    title = f"Imported from {source.name}"
    to_parquet = target.suffix.lower() == ".parquet"
    if source.suffix.lower() in (".yaml", ".yml"):
        events = load_events(source).events
        if to_parquet:
            EventStore.write(events, target, title=title)
        else:
            _write_events_yaml(events, source, target)
        imported, skipped = len(events), 0
    else:
        if args.date_format:
            named_format(args.date_format)  # refused before any reading
        meaning = import_meaning(args)  # refused before any reading too

        def read(sink: Callable[[list[Event]], None]) -> ImportResult:
            """Events go to `sink` batch by batch: memory holds a batch, not the file."""
            result = import_file(
                source,
                fmt=args.format,
                on_error=args.on_error,
                max_bytes=int(args.max_mb * 1024 * 1024),
                date_format=args.date_format,
                overrides=parse_overrides(args.map or []),
                progress=_import_progress(err, args.progress),
                sink=sink,
                meaning=meaning,
            )
            _report_import(result, source, err)
            return result

        if to_parquet:
            with EventStoreWriter(target, title) as writer:
                result = read(writer.add)
                if result.imported:
                    writer.finish()
        else:
            bound = _YamlBound(target)
            result = read(bound.add)
            if result.imported:
                _write_events_yaml(bound.events, source, target)
        imported, skipped = result.imported, result.skipped
        if not imported:
            err.write(
                f"error: no event could be imported from {source} ({result.rows:,} rows read): "
                f"nothing written to {target}; fix the causes above, or name the columns with "
                "--map COLUMN=FIELD and the dates with --date-format\n"
            )
            return 1
    out.write(
        f"imported {imported:,} events from {source} into {target}; skipped {skipped:,} rows\n"
    )
    return 0


def import_meaning(args: argparse.Namespace) -> Meaning:
    """`--types FILE.yaml`, `--type TYPE` and `--publisher NAME` as one reading of the file."""
    default_type = None
    if args.type:
        default_type = type_named(args.type)
        if default_type is None:
            raise SettingError(
                f"--type {args.type!r} is not one of our types: use one of "
                + ", ".join(t.value for t in EventType)
            )
    types = load_types_file(Path(args.types)) if args.types else {}
    publisher = (args.publisher or "").strip() or None
    return Meaning(types, default_type, publisher)


def _import_progress(err: TextIO, forced: bool) -> Callable[[int, int], None] | None:
    """One stderr line, updated in place, while countries are settled for a large file."""
    if not (forced or err.isatty()):
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        err.write(f"\rplacing countries: {done:,} of {total:,} rows{end}")
        err.flush()

    return show


def _report_import(result: ImportResult, source: Path, err: TextIO) -> None:
    """How the file was read, then problems grouped by cause, then the first rows in detail."""
    err.write(f"read {source.name} as {result.format}: {result.rows:,} rows\n")
    for column, chosen in result.date_formats.items():
        err.write(f"dates in {column}: {chosen}\n")
    for line in result.summary():
        err.write(f"{line}\n")
    detail = [("skipped", p) for p in result.problems] + [("warning", w) for w in result.warnings]
    for kind, problem in detail[:ROW_DETAIL_LIMIT]:
        err.write(f"{kind}: {problem}\n")
    if len(detail) > ROW_DETAIL_LIMIT:
        err.write(f"… and {len(detail) - ROW_DETAIL_LIMIT:,} more rows, grouped above\n")


def open_catalog_file(path: Path) -> Catalog:
    if path.suffix.lower() == ".parquet":
        return EventStore.open(path)
    return ListCatalog(load_events(path))


def state_of_link(link: str) -> ViewState:
    """The view of a page link (or its query string), refusing any part it cannot read."""
    from urllib.parse import parse_qs, urlsplit

    query = urlsplit(link).query if "?" in link else link
    state, ignored = parse_query(parse_qs(query, keep_blank_values=True))
    if ignored:
        raise SettingError(f"--where: cannot read {', '.join(ignored)} in {link!r}")
    return state


def filter_of_link(link: str) -> EventFilter:
    """The filters of a page link (or its query string), refusing any part it cannot read."""
    return state_of_link(link).event_filter


def _counted(events: Iterator[Event], err: TextIO, every: int) -> Iterator[Event]:
    for done, event in enumerate(events, 1):
        yield event
        if every and done % every == 0:
            err.write(f"exported {done:,} events…\n")
            err.flush()


EXPORT_WRITERS = {"csv": write_csv, "geojson": write_geojson, "acled": write_acled_csv}


def cmd_export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    target = Path(args.out)
    _refuse_input_as_output(Path(args.file), target)
    if target.exists() and not args.force:
        raise SettingError(f"{target} exists: choose another --out, or add --force to replace it")
    _refuse_missing_folder(target)
    catalog = open_catalog_file(Path(args.file))
    event_filter = filter_of_link(args.where) if args.where else EventFilter()
    every = 100_000 if (args.progress or err.isatty()) else 0
    events = _counted(catalog.iter_events(event_filter), err, every)
    with atomic_writer(target) as stream:
        written = EXPORT_WRITERS[args.format](events, stream)
    out.write(f"wrote {written:,} events as {args.format} to {target}\n")
    return 0


def cmd_export_acled(args: argparse.Namespace, out: TextIO) -> int:
    source, target = Path(args.file), Path(args.out)
    _refuse_input_as_output(source, target)
    if target.exists() and not args.force:
        raise SettingError(f"{target} exists: choose another --out, or add --force to replace it")
    dataset = load_events(source)
    with atomic_writer(target) as stream:
        written = write_acled_csv(dataset.events, stream)
    out.write(f"wrote {written} events in ACLED format to {args.out}\n")
    return 0


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def cmd_publish(args: argparse.Namespace, out: TextIO) -> int:
    """A static site of one view: every file written into a new folder, then moved in place."""
    # Imported here: the map code loads folium, which the other commands do without.
    from geo.map.assets import OFFLINE_MAX_NATIVE_ZOOM
    from geo.map.cells import MIN_ZOOM
    from geo.map.publish import INDEX, build_site, write_site

    source, target = Path(args.file), Path(args.out)
    state = state_of_link(args.where) if args.where else ViewState()
    catalog = open_catalog_file(source)
    if state.selected is not None:
        chosen = catalog.event(state.selected)
        if chosen is None or not catalog.contains(state.event_filter, state.selected):
            raise SettingError(f"--where: event {state.selected} is not among the events shown")
        if chosen.place.point is None:
            raise SettingError(f"--where: event {state.selected} has no coordinates to map")
    if state.tiles != "offline":
        out.write("note: a published site always uses the offline basemap\n")
    site = build_site(catalog, state, source.name)
    write_site(site, target, force=args.force, keep=[source])
    shown = f"{site.events:,} events on the map"
    if site.unplaced:
        shown += f"; {site.unplaced:,} without coordinates left out ({PROG} geocode {source})"
    out.write(f"{source}: {shown}\n")
    out.write(
        f"basemap: {site.tiles:,} tiles, zoom {MIN_ZOOM}-{OFFLINE_MAX_NATIVE_ZOOM}, "
        f"{_megabytes(site.tile_bytes)} (the map goes no closer than zoom "
        f"{OFFLINE_MAX_NATIVE_ZOOM})\n"
    )
    out.write(
        f"wrote {target}: {len(site.files):,} files, {_megabytes(site.size)} "
        f"(scripts and styles {_megabytes(site.asset_bytes)}); "
        f"open {target / INDEX} or serve the folder\n"
    )
    return 0


def cmd_serve(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """N replicas behind HAProxy on one address, until Ctrl-C; every child ends with it."""
    from geo.map.assets import MBTILES_SETTING
    from geo.serve import HostedStack, default_replicas, run_until_stopped, sigterm_as_interrupt

    events = Path(args.events) if args.events else None
    if events is not None and not events.is_file():
        raise SettingError(f"--events {events}: no such file")
    replicas = args.replicas if args.replicas is not None else default_replicas()
    env: dict[str, str | None] = {}
    if args.tiles:
        env[MBTILES_SETTING] = str(_regional_basemap(Path(args.tiles), out))
    stack = HostedStack(
        events,
        replicas=replicas,
        port=args.port,
        bind_host=args.host,
        trusted_sign_in_proxy=args.trusted_sign_in_proxy,
        env=env,
    )
    out.write(f"starting {replicas} replica(s) behind HAProxy (logs in {stack.work_dir})\n")
    out.flush()
    with sigterm_as_interrupt():
        try:
            stack.start()
            out.write(f"Event Atlas is at {stack.url()} (Ctrl-C stops it)\n")
            out.flush()
            run_until_stopped(stack, lambda line: print(line, file=err, flush=True))
        except KeyboardInterrupt:
            pass  # Ctrl-C or SIGTERM, maybe during start-up: what started is stopped below
        finally:
            stack.stop()
    out.write("stopped\n")
    return 0


def _regional_basemap(path: Path, out: TextIO) -> Path:
    """Check and unpack `--tiles FILE.mbtiles` once, before the replicas start (they would
    race to do it); the replicas then find it unpacked. SettingError if it cannot be used."""
    from geo.map.assets import install_extra_tiles, install_offline_tiles, offline_max_zoom
    from geo.serve import default_app_dir

    path = path.expanduser().resolve()
    static_dir = default_app_dir() / "static"
    install_offline_tiles(static_dir)  # its deepest zoom is where the regional one starts
    # No server runs yet: the folders of the file's earlier versions can go.
    extra = install_extra_tiles(static_dir, path, offline_max_zoom(static_dir), remove_older=True)
    south, west, north, east = extra.bounds
    out.write(
        f"regional basemap {extra.name}: {extra.tiles:,} tiles, zoom {extra.min_zoom}-"
        f"{extra.max_zoom}, within {south:.3f},{west:.3f} to {north:.3f},{east:.3f}\n"
    )
    return path


def _desk(args: argparse.Namespace) -> Any:
    from geo import settings
    from geo.desk.store import DeskStore

    url = args.desk or settings.desk_url()
    if not url:
        raise SettingError("name the desk: --desk sqlite:data/desk.sqlite, or set EVENT_ATLAS_DESK")
    # A desk that does not exist is an error here (a typo), never a new empty desk.
    return DeskStore.open(url, base=Path.cwd(), create=False)


def cmd_desk_export(args: argparse.Namespace, out: TextIO) -> int:
    from geo.desk.files import export_published

    store = _desk(args)
    desk_file = getattr(store.database, "path", None)
    if desk_file is not None:
        _refuse_input_as_output(Path(desk_file), Path(args.out))
    written = export_published(store, Path(args.out), force=args.force)
    out.write(f"wrote the {written:,} published events to {args.out}\n")
    return 0


def cmd_desk_import(args: argparse.Namespace, out: TextIO) -> int:
    from geo import settings
    from geo.desk.files import import_into_desk
    from geo.desk.roles import Action, Editor, Role

    store = _desk(args)
    email = args.editor.strip().lower()
    roles = set(store.roles_of(email))
    if email in settings.desk_admins():
        roles.add(Role.ADMIN)
    editor = Editor(email, args.name or email, frozenset(roles))
    editor.require(Action.EDIT)
    drafts = import_into_desk(store, editor, Path(args.file))
    out.write(f"{len(drafts):,} drafts from {args.file}, attributed to {editor.label}\n")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog=PROG, description="Event Atlas data tools.")
    commands = top.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate an events file and list every problem")
    check.add_argument("file")
    geocode = commands.add_parser(
        "geocode", help="fill in coordinates for places that have none (shows a diff)"
    )
    geocode.add_argument("file")
    geocode.add_argument("--write", action="store_true", help="save the result (atomically)")
    geocode.add_argument(
        "--overwrite", action="store_true", help="also re-geocode places that have coordinates"
    )
    geocode.add_argument("--progress", action="store_true", help="show progress even off a TTY")
    importer = commands.add_parser(
        "import",
        help="read ACLED, GDELT, UCDP GED, GeoJSON, JSON, CSV/TSV or YAML into an events YAML "
        "or Parquet file",
    )
    importer.add_argument("file")
    importer.add_argument(
        "--out", required=True, help="events file to write: .yaml (small data) or .parquet"
    )
    importer.add_argument("--format", choices=list(IMPORT_FORMATS), default="auto")
    importer.add_argument(
        "--date-format",
        help="the dates' format when the guess is wrong: dmy, mdy, iso, yyyymmdd, epoch_ms, "
        "epoch_s, d-mon-y, or a strptime pattern such as %%d.%%m.%%Y",
    )
    importer.add_argument(
        "--map",
        action="append",
        metavar="COLUMN=FIELD",
        help="read a column as a field, e.g. --map Lat=latitude (repeatable; FIELD=ignore skips)",
    )
    importer.add_argument(
        "--types",
        metavar="FILE.yaml",
        help="what the file's type labels mean: one line per label, LABEL: TYPE, e.g. "
        "'Missile Strike: shelling' (over the built-in reading of ACLED, CAMEO and free text)",
    )
    importer.add_argument(
        "--type",
        metavar="TYPE",
        help="the type of rows whose type column is empty or absent, e.g. attack_on_civilians",
    )
    importer.add_argument(
        "--publisher",
        metavar="NAME",
        help="the dataset's publisher, e.g. Bellingcat: cited for rows with no link and no "
        "source column (a link is cited by its own site)",
    )
    importer.add_argument("--progress", action="store_true", help="show progress off a TTY too")
    importer.add_argument(
        "--on-error",
        choices=["skip", "refuse"],
        default="skip",
        help="skip bad rows (each one reported) or refuse the whole file",
    )
    importer.add_argument("--force", action="store_true", help="replace --out if it exists")
    importer.add_argument(
        "--max-mb", type=float, default=200, help="refuse larger input files (default 200)"
    )
    export = commands.add_parser(
        "export", help="write the events a filter keeps as CSV, GeoJSON or ACLED CSV (streamed)"
    )
    export.add_argument("file", help="events YAML or Parquet file")
    export.add_argument("--out", required=True)
    export.add_argument("--format", choices=list(EXPORT_WRITERS), default="csv")
    export.add_argument(
        "--where", help="a page link or its query string, e.g. 'type=shelling&from=2022-03-01'"
    )
    export.add_argument("--force", action="store_true", help="replace --out if it exists")
    export.add_argument("--progress", action="store_true", help="report progress off a TTY too")
    exporter = commands.add_parser("export-acled", help="write an events file as ACLED CSV")
    exporter.add_argument("file")
    exporter.add_argument("--out", required=True)
    exporter.add_argument(
        "--force", action="store_true", help="replace --out if it exists (never the input)"
    )
    publish = commands.add_parser(
        "publish", help="write one view as a static site that works offline (map, tiles, assets)"
    )
    publish.add_argument("file", help="events YAML or Parquet file")
    publish.add_argument("--out", required=True, help="folder to write the site into")
    publish.add_argument(
        "--where", help="a page link or its query string: filters, selected event, map view"
    )
    publish.add_argument(
        "--force", action="store_true", help="replace --out even if it holds something else"
    )
    serve = commands.add_parser(
        "serve", help="run the app for many readers: replicas behind HAProxy, sticky sessions"
    )
    serve.add_argument(
        "--replicas", type=int, help="app processes (default: one per core)", metavar="N"
    )
    serve.add_argument("--port", type=int, default=8501, help="HAProxy's port (default 8501)")
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="HAProxy's address (default 127.0.0.1; 0.0.0.0 in a container)",
    )
    serve.add_argument("--events", help="events file every replica shows (default: the app's)")
    serve.add_argument(
        "--tiles",
        metavar="FILE.mbtiles",
        help="a raster MBTiles file: a deeper offline basemap for its region "
        "(sets EVENT_ATLAS_MBTILES for every replica)",
    )
    serve.add_argument(
        "--trusted-sign-in-proxy",
        action="store_true",
        help="a sign-in proxy in front sets the identity headers: pass them on (by default "
        "HAProxy drops them from every request; with this, only that proxy may reach the port)",
    )
    draft = commands.add_parser(
        "draft", help="draft events from a news article's text, each quoting its sentences"
    )
    draft.add_argument("file", help="the article as a UTF-8 text file")
    draft.add_argument(
        "--date", required=True, type=_iso_date, help="the article's date, YYYY-MM-DD"
    )
    draft.add_argument(
        "--publisher", required=True, help="who published it (every source names one)"
    )
    draft.add_argument("--url", help="the article's http(s) link, for each draft's source")
    draft.add_argument("--out", required=True, help="the drafts' events file (.yaml) to write")
    draft.add_argument("--force", action="store_true", help="replace --out if it exists")
    draft.add_argument(
        "--compare",
        metavar="EVENTS",
        help="an events file made by hand from the same article: "
        "print how many of its events the drafts find",
    )
    desk_export = commands.add_parser(
        "desk-export",
        help="write the desk's published events to .yaml (comments kept), .geojson or .csv",
    )
    desk_export.add_argument(
        "--out",
        required=True,
        help="file to write (atomically): an events file is merged into, any other file is "
        "replaced only with --force",
    )
    desk_export.add_argument("--desk", help="desk database (default: EVENT_ATLAS_DESK)")
    desk_export.add_argument(
        "--force",
        action="store_true",
        help="replace --out even if it is not an events file, or write no events over some",
    )
    desk_import = commands.add_parser(
        "desk-import", help="bring a file's events into the desk as drafts"
    )
    desk_import.add_argument("file", help="an events file or any export `import` reads")
    desk_import.add_argument(
        "--as", dest="editor", required=True, help="email of the contributor importing it"
    )
    desk_import.add_argument("--name", help="their name, for the record")
    desk_import.add_argument("--desk", help="desk database (default: EVENT_ATLAS_DESK)")
    return top


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    args = parser().parse_args(argv)
    try:
        if args.command == "check":
            return cmd_check(args, out)
        if args.command == "import":
            return cmd_import(args, out, err)
        if args.command == "export-acled":
            return cmd_export_acled(args, out)
        if args.command == "export":
            return cmd_export(args, out, err)
        if args.command == "serve":
            return cmd_serve(args, out, err)
        if args.command == "publish":
            return cmd_publish(args, out)
        if args.command == "desk-export":
            return cmd_desk_export(args, out)
        if args.command == "desk-import":
            return cmd_desk_import(args, out)
        if args.command == "draft":
            return cmd_draft(args, out, err)
        return cmd_geocode(args, out, err)
    except DataFileError as exc:
        err.write(f"error: {exc.summary}\n")
        for problem in exc.problems:
            err.write(f"  {problem}\n")
        return 1
    except EventAtlasError as exc:
        err.write(f"error: {exc}\n")
        return 1
