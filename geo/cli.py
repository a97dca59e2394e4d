"""`python -m geo`: check an events file, or geocode its places. One boundary prints errors."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from geopy.location import Location

from geo.errors import DataFileError, EventAtlasError, SettingError
from geo.export import events_yaml_text
from geo.gazetteer import Gazetteer
from geo.importers import export_acled_csv, import_file
from geo.loader import load_events, parse_events_text
from geo.writeback import plan_geocoding, write_atomically

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

    def locate(name: str, country: str) -> tuple[Location | None, str | None]:
        found = gazetteer.geocode(name, country_codes=[country])
        return (found if isinstance(found, Location) else None), None

    return locate


def _service_locator() -> object:
    """The configured geocoder (EVENT_ATLAS_GEOCODER), falling back to the gazetteer."""
    try:
        from geo.online import GeocodingService, config_from_env
    except ImportError:
        return _gazetteer_locator()
    service = GeocodingService(config_from_env(os.environ), Gazetteer())

    def locate(name: str, country: str) -> tuple[Location | None, str | None]:
        result = service.locate(name, [country])
        return result.location, result.warning

    return locate


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


def cmd_import(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    source, target = Path(args.file), Path(args.out)
    if target.exists() and not args.force:
        raise SettingError(f"{target} exists: choose another --out, or add --force to replace it")
    result = import_file(source, fmt=args.format, on_error=args.on_error)
    for problem in result.problems:
        err.write(f"skipped: {problem}\n")
    text = events_yaml_text(result.events, f"Imported from {source.name} by {PROG} import")
    parse_events_text(text, str(target))  # never write what the loader would refuse
    write_atomically(target, text)
    out.write(
        f"imported {len(result.events)} events from {source} into {target}"
        f"; skipped {result.skipped} rows\n"
    )
    return 0


def cmd_export_acled(args: argparse.Namespace, out: TextIO) -> int:
    dataset = load_events(args.file)
    write_atomically(Path(args.out), export_acled_csv(dataset.events))
    out.write(f"wrote {len(dataset.events)} events in ACLED format to {args.out}\n")
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
        "import", help="read GeoJSON, CSV or ACLED CSV into an events YAML file"
    )
    importer.add_argument("file")
    importer.add_argument("--out", required=True, help="events YAML file to write")
    importer.add_argument("--format", choices=["auto", "geojson", "csv", "acled"], default="auto")
    importer.add_argument(
        "--on-error",
        choices=["skip", "refuse"],
        default="skip",
        help="skip bad rows (each one reported) or refuse the whole file",
    )
    importer.add_argument("--force", action="store_true", help="replace --out if it exists")
    exporter = commands.add_parser("export-acled", help="write an events file as ACLED CSV")
    exporter.add_argument("file")
    exporter.add_argument("--out", required=True)
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
        return cmd_geocode(args, out, err)
    except DataFileError as exc:
        err.write(f"error: {exc.summary}\n")
        for problem in exc.problems:
            err.write(f"  {problem}\n")
        return 1
    except EventAtlasError as exc:
        err.write(f"error: {exc}\n")
        return 1
