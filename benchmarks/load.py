"""Many readers at once: N readers open one link at the same moment, then interact.

    python benchmarks/load.py --levels 1,10,25,50,100 --data shipped,1m \\
        --configs before:1,now:1,now:2 --interactions 5

Each reader speaks Streamlit's own protocol (benchmarks/stclient.py: websocket, BackMsg,
ForwardMsg), as a browser does, without a browser. Per data set and config ("code:replicas";
code `before` is --before-ref checked out with `git worktree add`, `now` is this working tree;
1 replica is one `streamlit run`, more are replicas behind HAProxy, see geo/serve.py):

1. start the server(s) fresh, then warm them "as used": on each replica one reader opens the
   page and searches (which loads the offline gazetteer);
2. for each level N: N readers open the link at the same moment; once all are open, all of them
   interact at the same time (type filter, pan, text search, click on an event, clear the
   search; --interactions cycles through them); then every reader leaves.

Measured per level: seconds from sending the rerun to `script_finished` (opens, interactions),
failures (timeouts, exceptions on the page, disconnects), server CPU seconds per page open,
peak RSS (VmRSS sampled every 0.2 s, summed over replicas), idle RSS before, RSS after the
readers left (--settle seconds later). The table goes under its own heading in --out (that
section is replaced on a rerun, the rest of the file kept); raw figures go to --json after every
level, so an interrupted run keeps what it measured and `--resume` skips finished configs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH_DIR = REPO / "benchmarks"
DATA_DIR = BENCH_DIR / "data"
for folder in (REPO, BENCH_DIR):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from browser_visit import MILESTONES, visit  # noqa: E402
from stclient import ProtocolError, RunResult, StreamlitSession  # noqa: E402

from geo.map.assets import install_assets  # noqa: E402
from geo.serve import (  # noqa: E402
    AFFINITY_COOKIE,
    AppServer,
    HostedStack,
)

SECTION_TITLE = "## Many readers at once (benchmarks/load.py)"
BEFORE_REF = "1cd1d7f"
# The links readers share: one event opened, a type filter, and the view around it. For other
# data (a size, a file), the map around Kyiv, zoomed in enough that the large map draws single
# events (a click needs one).
LINKS = {
    "shipped": "type=shelling&event=kharkiv-residential-shelling&lat=49.99&lon=36.23&z=7",
    "1m": "type=shelling&event=syn-0391646&lat=50&lon=36&z=7",
}
DEFAULT_LINK = "lat=50.45&lon=30.52&z=10"
APP_ENV: dict[str, str | None] = {
    "EVENT_ATLAS_TILES": "offline",
    "EVENT_ATLAS_STATIC_URL": None,
    # Servers import `geo` from their own checkout (their working folder), nothing else.
    "PYTHONPATH": None,
}
EVENT_ID = re.compile(r"Event ID:\s*([a-z0-9][a-z0-9_-]{0,79})")
# In folium's map script: `center: [lat, lng]` and the options' `"zoom": z`.
MAP_CENTER = re.compile(r"\bcenter[\"']?:\s*\[\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*\]")
MAP_ZOOM = re.compile(r"\bzoom[\"']?:\s*(\d+)")
# The map's size in a 1400 px wide browser window, as Chromium reports its bounds (recorded with
# benchmarks/browser_visit.py: 663 × 620 px).
MAP_WIDTH_PX, MAP_HEIGHT_PX = 663, 620
# Once drawn, a map whose selected event's popup does not fit above its marker, clear of the
# map's top controls (zoom, edge pill, legend, zoom-cap notice: geo.map.base._PopupClear), pans
# so that it fits, and Chromium reports its view again. The popup, its anchor and the controls'
# padding take about this many pixels above the marker (recorded at 663 × 620 px, zoom 6: an
# event 215 px below the map's top made Chromium pan 173 px, one 380 px below it 13 px).
SELECTED_POPUP_PX = 390
LAYER_CALL = re.compile(r"window\.eaDrawLayer\(map_div, \w+, (\{.*\})\);", re.DOTALL)
SAMPLE_EVERY_S = 0.2
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def log(message: str) -> None:
    print(f"[{dt.datetime.now():%H:%M:%S}] {message}", flush=True)


# -- what runs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    code: str  # "before" or "now"
    replicas: int

    @property
    def name(self) -> str:
        return f"{self.code}:{self.replicas}"


def parse_configs(text: str) -> list[Config]:
    configs = []
    for part in text.split(","):
        code, _, replicas = part.strip().partition(":")
        if code not in ("before", "now") or not replicas.isdigit() or int(replicas) < 1:
            raise SystemExit(f"--configs: {part!r} is not code:replicas (before|now : 1, 2…)")
        configs.append(Config(code, int(replicas)))
    return configs


def parse_levels(text: str) -> list[int]:
    levels = [int(x) for x in text.split(",") if x.strip()]
    if not levels or min(levels) < 1:
        raise SystemExit("--levels: a comma-separated list of reader counts, e.g. 1,10,25")
    return levels


def data_file(name: str) -> Path:
    """shipped, 1m, a size (synthetic events, generated once into benchmarks/data/), or a path."""
    if name == "shipped":
        return REPO / "data" / "events.yaml"
    size = 1_000_000 if name == "1m" else int(name) if name.isdigit() else None
    if size is None:
        path = Path(name).resolve()
        if not path.is_file():
            raise SystemExit(f"--data: {name} is not shipped, 1m, a size or a file")
        return path
    path = DATA_DIR / f"events-{size}.parquet"
    if not path.exists():
        from generate import generate

        from geo.store import EventStore

        log(f"generating {size:,} synthetic events into {path} (once; reused later)")
        path.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        EventStore.write(list(generate(size)), path)
        log(f"  done in {time.perf_counter() - started:.0f} s")
    return path


@contextlib.contextmanager
def code_checkout(code: str, ref: str) -> Iterator[Path]:
    """The app folder of a code version: this tree, or `ref` in a temporary git worktree."""
    install_assets(REPO / "static")
    if code == "now":
        yield REPO
        return
    folder = Path(tempfile.mkdtemp(prefix="event-atlas-before-")) / "app"
    git = ["git", "-C", str(REPO)]
    subprocess.run([*git, "worktree", "add", "--detach", str(folder), ref], check=True)
    try:
        # Same assets for both: Streamlit serves the static/ folder next to app.py.
        (folder / "static").symlink_to(REPO / "static", target_is_directory=True)
        yield folder
    finally:
        subprocess.run([*git, "worktree", "remove", "--force", str(folder)], check=False)
        shutil.rmtree(folder.parent, ignore_errors=True)


@dataclass
class Target:
    url: str
    pids: list[int]  # the app processes (replicas)
    replica_names: list[str]
    proxy_pid: int | None = None


@contextlib.contextmanager
def serving(app_dir: Path, events: Path, replicas: int, log_dir: Path) -> Iterator[Target]:
    """One `streamlit run` (1 replica), or replicas behind HAProxy; stopped on exit."""
    if replicas == 1:
        server = AppServer(events, app_dir=app_dir, env=APP_ENV, log_path=log_dir / "app.log")
        with server:
            yield Target(server.base_url, [server.pid], [""])
        return
    stack = HostedStack(events, replicas=replicas, app_dir=app_dir, env=APP_ENV, work_dir=log_dir)
    with stack:
        yield Target(
            stack.base_url,
            [r.pid for r in stack.replicas],
            [r.name for r in stack.replicas],
            stack.haproxy_pid,
        )


# -- the server, measured ----------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (its threads included), from /proc/<pid>/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def status_mb(pid: int, key: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return math.nan


class RssSampler:
    """VmRSS of the servers every 0.2 s in a thread: the peak of their sum while it runs."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            total = sum(status_mb(pid, "VmRSS") for pid in self.pids)
            if not math.isnan(total):
                self.peak_mb = max(self.peak_mb, total)
            if self._stop.wait(SAMPLE_EVERY_S):
                return

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def total_rss_mb(pids: list[int]) -> float:
    return sum(status_mb(pid, "VmRSS") for pid in pids)


def total_cpu(pids: list[int]) -> float:
    return sum(cpu_seconds(pid) for pid in pids)


# -- a reader ----------------------------------------------------------------------------------


@dataclass
class Step:
    kind: str
    seconds: float | None  # None: no server round trip (or not possible)
    status: str
    failure: str | None = None
    note: str = ""


def _step(kind: str, result: RunResult) -> Step:
    return Step(kind, result.seconds, result.status, result.failure)


def _widget(session: StreamlitSession, key: str, label: str) -> Any:
    """A widget by its key, else by its label: the page's layout may change, its keys less."""
    try:
        return session.find_widget(key=key)
    except LookupError:
        return session.find_widget(label=label)


async def change_type_filter(session: StreamlitSession, search: str) -> Step:
    widget = _widget(session, "f_types", "Event type")
    current = list(session.widget_states[widget.widget_id].string_array_value.data)
    extra = next((o for o in widget.body.options if o not in current), None)
    if extra is None:
        return Step("type filter", None, "skipped", note="every type already chosen")
    return _step("type filter", await session.set_widget(widget, [*current, extra]))


def _view(session: StreamlitSession, component: Any) -> tuple[float, float, int] | None:
    """The map's centre and zoom: as last reported, else as the page built the map."""
    sent = session.component_value(component)
    bounds, zoom = sent.get("bounds"), sent.get("zoom")
    if bounds and zoom is not None:
        south, north = bounds["_southWest"], bounds["_northEast"]
        return (south["lat"] + north["lat"]) / 2, (south["lng"] + north["lng"]) / 2, int(zoom)
    args = session.component_args(component)
    if args.get("center") and args.get("zoom") is not None:
        lat, lng = args["center"]
        return float(lat), float(lng), int(args["zoom"])
    centre, zoom_found = (
        MAP_CENTER.search(args.get("script", "")),
        MAP_ZOOM.search(args.get("script", "")),
    )
    if centre and zoom_found:
        return float(centre[1]), float(centre[2]), int(zoom_found[1])
    return None


def bounds_around(lat: float, lng: float, zoom: int) -> dict[str, dict[str, float]]:
    """Leaflet's bounds of a MAP_WIDTH_PX × MAP_HEIGHT_PX map at this centre and zoom."""
    scale = 256 * 2**zoom
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * scale

    def lat_of(py: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * py / scale))))

    half_w = MAP_WIDTH_PX / 2 / scale * 360
    return {
        "_southWest": {"lat": lat_of(y + MAP_HEIGHT_PX / 2), "lng": lng - half_w},
        "_northEast": {"lat": lat_of(y - MAP_HEIGHT_PX / 2), "lng": lng + half_w},
    }


def _map_value(session: StreamlitSession, component: Any, change: dict[str, Any]) -> dict[str, Any]:
    """What the map sends: its returned objects (as last sent, else defaults) with a change."""
    args = session.component_args(component)
    wanted = args.get("returned_objects") or list(change)
    value = {**(args.get("default") or {}), **session.component_value(component), **change}
    return {k: v for k, v in value.items() if k in wanted}


async def pan(session: StreamlitSession, search: str) -> Step:
    component = session.find_component("st_folium")
    if "bounds" not in (session.component_args(component).get("returned_objects") or []):
        return Step("pan", None, "browser-only", note="the map does not send its view back")
    view = _view(session, component)
    if view is None:
        return Step("pan", None, "skipped", failure="map centre and zoom not found")
    lat, lng, zoom = view
    shift = MAP_WIDTH_PX * 0.3 / (256 * 2**zoom) * 360  # a drag of 30% of the map's width
    change = {"bounds": bounds_around(lat, lng + shift, zoom), "zoom": zoom}
    return _step("pan", await session.set_widget(component, _map_value(session, component, change)))


async def text_search(session: StreamlitSession, search: str) -> Step:
    widget = _widget(session, "f_text", "Search")
    return _step("search", await session.set_widget(widget, search))


async def click_event(session: StreamlitSession, search: str) -> Step:
    component = session.find_component("st_folium")
    args = session.component_args(component)
    drawn = EVENT_ID.findall(f"{args.get('script', '')}\n{args.get('feature_group') or ''}")
    if not drawn:
        return Step("click", None, "skipped", note="no event marker in view")
    change = {"last_object_clicked_popup": f"Event ID: {drawn[0]}"}
    value = _map_value(session, component, change)
    return _step("click", await session.set_widget(component, value))


async def clear_search(session: StreamlitSession, search: str) -> Step:
    widget = _widget(session, "f_text", "Search")
    return _step("clear search", await session.set_widget(widget, ""))


INTERACTIONS: list[Callable[[StreamlitSession, str], Awaitable[Step]]] = [
    change_type_filter,
    pan,
    text_search,
    click_event,
    clear_search,
]


LOST = ("timeout", "disconnected", "not connected")


@dataclass
class ReaderRecord:
    connect_s: float | None = None
    open_s: float | None = None
    open_status: str = ""
    open_failure: str | None = None
    open_runs: int = 0
    open_bytes: int = 0  # received over the websocket during the open's runs
    replica: str = ""
    steps: list[Step] = field(default_factory=list)


def _selected_point(session: StreamlitSession, component: Any) -> tuple[float, float] | None:
    """Where the map's selected event is drawn, from the layer the page sent."""
    args = session.component_args(component)
    found = LAYER_CALL.search(str(args.get("feature_group") or ""))
    if found is None:
        return None
    stack: list[Any] = [json.loads(found[1])]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("selected") is True and "lat" in item and "lon" in item:
                return float(item["lat"]), float(item["lon"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def auto_pan_px(session: StreamlitSession, component: Any) -> int:
    """How far north the map pans to fit the selected event's popup: 0 when it fits."""
    view, selected = _view(session, component), _selected_point(session, component)
    if view is None or selected is None:
        return 0
    lat, _, zoom = view
    scale = 256 * 2**zoom

    def y(at: float) -> float:
        return (1 - math.asinh(math.tan(math.radians(at))) / math.pi) / 2 * scale

    below_top = y(selected[0]) - (y(lat) - MAP_HEIGHT_PX / 2)
    return max(0, math.ceil(SELECTED_POPUP_PX - below_top))


def _reported_value(
    session: StreamlitSession, component: Any, north_px: float = 0
) -> dict[str, Any]:
    """The value a drawn map reports: its bounds at the centre and zoom the page built it
    with (moved `north_px` north), nothing clicked."""
    view = _view(session, component)
    if view is None:
        raise LookupError("map centre and zoom not found")
    lat, lng, zoom = view
    if north_px:
        scale = 256 * 2**zoom
        y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * scale - north_px
        lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / scale))))
    change = {
        "last_object_clicked_count": 0,
        "last_object_clicked_popup": None,
        "bounds": bounds_around(lat, lng, zoom),
        "zoom": zoom,
    }
    return _map_value(session, component, change)


async def open_like_a_browser(session: StreamlitSession) -> list[RunResult]:
    """The script runs a browser makes when it opens a link (recorded from Chromium with
    benchmarks/browser_visit.py): the open; once the map is drawn, its bounds; and, when the
    link opens an event, its bounds again after the popup's auto-pan. A map that does not send
    its view back makes only the open."""
    results = [await session.rerun()]
    if not results[-1].ok:
        return results
    component = session.find_component("st_folium")
    if "bounds" not in (session.component_args(component).get("returned_objects") or []):
        return results
    pan = auto_pan_px(session, component)
    results.append(await session.set_widget(component, _reported_value(session, component)))
    if results[-1].ok and pan:
        value = _reported_value(session, component, north_px=pan)
        results.append(await session.set_widget(component, value))
    return results


async def open_reader(session: StreamlitSession, gate: asyncio.Event, record: ReaderRecord) -> None:
    await gate.wait()
    started = time.perf_counter()
    try:
        await session.connect()
    except (ProtocolError, OSError, TimeoutError) as exc:
        record.open_failure, record.open_status = f"connect: {exc}"[:300], "connect failed"
        record.open_s = time.perf_counter() - started
        return
    record.connect_s = time.perf_counter() - started
    record.replica = session.cookies.get(AFFINITY_COOKIE) or ""
    try:
        results = await open_like_a_browser(session)
    except LookupError as exc:
        record.open_failure, record.open_status = f"open: {exc}"[:300], "not found"
        return
    failed = next((r for r in results if not r.ok), None)
    last = failed or results[-1]
    # Until the map has settled: the open and the reports the drawn map sends.
    record.open_s = sum(r.seconds or 0.0 for r in results)
    record.open_runs = len(results)
    record.open_bytes = sum(r.bytes for r in results)
    record.open_status, record.open_failure = last.status, last.failure


def _lost(record: ReaderRecord) -> bool:
    """The reader's session is gone: a timeout closes it, a disconnect ends it."""
    return bool(record.steps) and record.steps[-1].status in LOST


async def interact(
    session: StreamlitSession,
    record: ReaderRecord,
    count: int,
    search: str,
    gate: asyncio.Event,
    busy: Callable[[], bool] = lambda: False,
) -> None:
    """`count` interactions, and more while `busy()` (a real browser is still measuring)."""
    await gate.wait()
    number = 0
    while number < count or busy():
        number += 1
        action = INTERACTIONS[(number - 1) % len(INTERACTIONS)]
        kind = action.__name__.replace("_", " ")
        if record.open_status in (*LOST, "connect failed") or _lost(record):
            record.steps.append(Step(kind, None, "not connected", "the reader has no session"))
            continue
        try:
            record.steps.append(await action(session, search))
        except LookupError as exc:
            record.steps.append(Step(kind, None, "not found", str(exc)[:300]))
        except ProtocolError as exc:
            record.steps.append(Step(kind, None, "not connected", str(exc)[:300]))


# -- a level -----------------------------------------------------------------------------------


def percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "max": None}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return {"p50": statistics.median(ordered), "p95": p95, "max": ordered[-1]}


async def run_level(target: Target, readers: int, args: argparse.Namespace) -> dict[str, Any]:
    sessions = [
        StreamlitSession(target.url, args.link, timeout_s=args.timeout) for _ in range(readers)
    ]
    records = [ReaderRecord() for _ in sessions]
    pids = target.pids
    idle_mb = total_rss_mb(pids)
    cpu_start = total_cpu(pids)
    with RssSampler(pids) as sampler:
        gate = asyncio.Event()
        tasks = [
            asyncio.create_task(open_reader(s, gate, r))
            for s, r in zip(sessions, records, strict=True)
        ]
        await asyncio.sleep(0)  # every reader waits at the gate…
        gate.set()  # …and all go at once
        await asyncio.gather(*tasks)
        cpu_opened = total_cpu(pids)
        opened = sum(1 for r in records if r.open_failure is None)
        log(f"    {opened}/{readers} opened; interacting ({args.interactions} each)")
        gate = asyncio.Event()
        # A real Chromium opens the link, --browser-visits times one after the other, while
        # the readers interact (--browser-at levels); they go on until its last visit ends.
        browser: asyncio.Future[list[dict[str, float]]] | None = None
        if readers in args.browser_at:
            url = f"{target.url}/?{args.link}"
            browser = asyncio.get_running_loop().run_in_executor(
                None, lambda: chromium_visits(url, args.browser_visits)
            )
        busy = (lambda: not browser.done()) if browser is not None else (lambda: False)
        tasks = [
            asyncio.create_task(interact(s, r, args.interactions, args.search, gate, busy))
            for s, r in zip(sessions, records, strict=True)
        ]
        await asyncio.sleep(0)
        gate.set()
        await asyncio.gather(*tasks)
        visits: list[dict[str, float]] = []
        if browser is not None:
            try:
                visits = await browser
            except Exception as exc:  # a benchmark records what failed and goes on
                log(f"    Chromium's visit failed: {type(exc).__name__}: {exc}"[:300])
        milestones = {
            name: statistics.median(times)
            for name in MILESTONES
            if (times := [v[name] for v in visits if name in v])
        }
        first_markers = milestones.get("first marker")
        cpu_end = total_cpu(pids)
    await asyncio.gather(*(s.close() for s in sessions))
    log(f"    readers left; RSS in {args.settle:.0f} s")
    await asyncio.sleep(args.settle)  # the time measured, not a wait for some state
    summary = summarise(
        records,
        idle_mb=idle_mb,
        peak_mb=sampler.peak_mb,
        after_mb=total_rss_mb(pids),
        open_cpu=cpu_opened - cpu_start,
        interaction_cpu=cpu_end - cpu_opened,
    )
    summary["chromium_first_markers_s"] = first_markers
    summary["chromium_milestones_s"] = milestones
    summary["chromium_visits"] = visits
    return summary


def chromium_visits(url: str, count: int) -> list[dict[str, float]]:
    """The milestones (seconds from navigation) of `count` fresh Chromium visits, one after
    the other; "first marker" is the first markers' time."""
    return [visit(url, settle_s=2).milestones for _ in range(count)]


def summarise(records: list[ReaderRecord], **server: float) -> dict[str, Any]:
    opens = [r.open_s for r in records if r.open_s is not None]
    steps = [s for r in records for s in r.steps]
    trips = [s for s in steps if s.seconds is not None]
    failures: dict[str, int] = {}
    for reason in [r.open_failure for r in records] + [s.failure for s in steps]:
        if reason:
            key = reason.split(":")[0]
            failures[key] = failures.get(key, 0) + 1
    open_failures = sum(1 for r in records if r.open_failure)
    return {
        "readers": len(records),
        "open_s": percentiles(opens),
        "connect_s": percentiles([r.connect_s for r in records if r.connect_s is not None]),
        "open_failures": open_failures,
        "open_kb": percentiles([r.open_bytes / 1000 for r in records if r.open_bytes]),
        "interaction_s": percentiles([s.seconds for s in trips if s.seconds is not None]),
        "interaction_failures": sum(1 for s in steps if s.failure),
        "round_trips": len(trips),
        "no_round_trip": sorted({f"{s.kind}: {s.status}" for s in steps if s.seconds is None}),
        "failure_kinds": failures,
        "by_kind": {
            kind: percentiles([s.seconds for s in trips if s.kind == kind and s.seconds])
            for kind in sorted({s.kind for s in trips})
        },
        "replicas_used": sorted({r.replica for r in records if r.replica}),
        "cpu_s_per_open": server["open_cpu"] / max(len(records), 1),
        "cpu_s_per_interaction": server["interaction_cpu"] / max(len(trips), 1),
        "idle_rss_mb": server["idle_mb"],
        "peak_rss_mb": server["peak_mb"],
        "rss_after_mb": server["after_mb"],
        "readers_detail": [asdict(r) for r in records] if len(records) <= 10 else None,
    }


async def warm_as_used(target: Target, args: argparse.Namespace) -> list[str]:
    """On each replica, one reader opens the link and searches (loading the gazetteer)."""
    notes = []
    for name in target.replica_names:
        cookies = {AFFINITY_COOKIE: name} if name else None
        session = StreamlitSession(target.url, args.link, timeout_s=args.timeout, cookies=cookies)
        opened = await session.open()
        searched = await text_search(session, args.search)
        await session.close()
        notes.append(
            f"{name or 'server'}: open {opened.seconds:.2f} s ({opened.status}), "
            f"search {searched.seconds or 0:.2f} s ({searched.status})"
        )
        for failure in (opened.failure, searched.failure):
            if failure:
                notes.append(f"{name or 'server'}: warm-up failed: {failure}")
    return notes


def run_config(
    out: dict[str, Any],
    events: Path,
    config: Config,
    args: argparse.Namespace,
    save: Callable[[], None],
) -> None:
    """Measure one config on one data set, into `out` (saved after every level)."""
    data = out["data"]
    out["events"] = str(events)
    # Server logs are kept: the page's tracebacks (redacted on the page) are there.
    label = re.sub(r"[^\w.-]", "_", f"{data}-{config.code}-{config.replicas}")
    logs = tempfile.mkdtemp(prefix=f"load-logs-{label}-")
    out["server_logs"] = logs
    with code_checkout(config.code, args.before_ref) as app_dir:
        out["code"] = git_describe(app_dir)
        log(f"  {config.name} on {data}: {config.replicas} replica(s) of {out['code']}")
        started = time.perf_counter()
        with serving(app_dir, events, config.replicas, Path(logs)) as target:
            out["start_s"] = time.perf_counter() - started
            out["fresh_rss_mb"] = total_rss_mb(target.pids)
            out["warm_up"] = asyncio.run(warm_as_used(target, args))
            log("  warmed as used: " + "; ".join(out["warm_up"]))
            out["warm_rss_mb"] = total_rss_mb(target.pids)
            for readers in args.levels:
                log(f"  {config.name} on {data}: {readers} readers at once")
                level = asyncio.run(run_level(target, readers, args))
                out["levels"][str(readers)] = level
                log("    " + level_line(level))
                save()
            out["hwm_mb"] = sum(status_mb(pid, "VmHWM") for pid in target.pids)
    out["complete"] = True


# The app's code and data: what a config runs (not the results this run is writing).
APP_PATHS = ("--", ".", ":(exclude)benchmarks")


def git_describe(folder: Path) -> str:
    result = subprocess.run(
        ["git", "-C", str(folder), "log", "-1", "--format=%h %s"],
        capture_output=True,
        text=True,
        check=False,
    )
    dirty = subprocess.run(
        ["git", "-C", str(folder), "status", "--porcelain", "--untracked-files=no", *APP_PATHS],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    line = result.stdout.strip() or "unknown"
    line = line if len(line) <= 60 else line[:59].rstrip() + "…"
    return line + (" + uncommitted changes" if dirty else "")


# -- report ------------------------------------------------------------------------------------


def fmt_s(figures: dict[str, float | None]) -> str:
    values = [figures.get(k) for k in ("p50", "p95", "max")]
    if any(v is None for v in values):
        return "—"
    return " / ".join(f"{v:.2f}" for v in values if v is not None)


def fmt_mb(value: float | None) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:,.0f}"


def level_line(level: dict[str, Any]) -> str:
    return (
        f"open p50/p95/max {fmt_s(level['open_s'])} s, {level['open_failures']} failed; "
        f"interactions {fmt_s(level['interaction_s'])} s, "
        f"{level['interaction_failures']} failed; CPU/open {level['cpu_s_per_open']:.2f} s; "
        f"RSS idle/peak/after {fmt_mb(level['idle_rss_mb'])}/{fmt_mb(level['peak_rss_mb'])}/"
        f"{fmt_mb(level['rss_after_mb'])} MB"
    )


def fmt_kb(figures: dict[str, float | None] | None) -> str:
    """The median KB an open received; – for runs recorded before it was measured."""
    p50 = (figures or {}).get("p50")
    return "–" if p50 is None else f"{p50:,.0f}"


def fmt_first(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds:.2f}"


def markdown(report: dict[str, Any]) -> str:
    info, settings = report["machine"], report["settings"]
    lines = [
        SECTION_TITLE,
        "",
        f"`python benchmarks/load.py {' '.join(settings['argv'])}` on {info['date']}: "
        f"{info['cpu']}, {info['cores']} cores, RAM {info['ram']}; Python {info['python']}, "
        f"streamlit {info['streamlit']}, HAProxy {info['haproxy']}. Raw figures: "
        f"`{settings['json_name']}`.",
        "",
        "Links opened: "
        + "; ".join(
            sorted(
                {
                    f"{run['data']} `/{'?' + run['link'] if run.get('link') else ''}`"
                    for run in report["runs"].values()
                    if "link" in run
                }
            )
            or [f"`/{'?' + settings['link'] if settings['link'] else ''}`"]
        )
        + ". A reader's open is timed until the map has settled: the open, the map's bounds "
        "once drawn, and, when the link opens an event, its bounds after the popup's auto-pan "
        "(what Chromium sends, benchmarks/browser_visit.py); "
        f"{settings['interactions']} interactions per reader (more at a level where Chromium "
        "measures, until its last visit ends); search text "
        f"{settings['search']!r}. Config = code:replicas (`before` = "
        f"{settings['before_ref']}, `now` = this tree; 2 replicas = behind HAProxy).",
        *partial_run_note(settings),
        "",
        "| data | config | readers | open p50 / p95 / max (s) | open failed | "
        "interaction p50 / p95 / max (s) | interactions failed | server CPU s per open | "
        "RSS idle / peak / after leaving (MB) | Chromium first markers (s) | "
        "KB received per open (p50) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    notes = []
    for key, run in report["runs"].items():
        if run.get("error"):
            notes.append(f"- {key}: stopped by an error: {run['error']}")
        for readers, level in run.get("levels", {}).items():
            lines.append(
                f"| {run['data']} | {run['config']} | {readers} | {fmt_s(level['open_s'])} | "
                f"{level['open_failures']} | {fmt_s(level['interaction_s'])} | "
                f"{level['interaction_failures']}/{level['round_trips']} | "
                f"{level['cpu_s_per_open']:.2f} | {fmt_mb(level['idle_rss_mb'])} / "
                f"{fmt_mb(level['peak_rss_mb'])} / {fmt_mb(level['rss_after_mb'])} | "
                f"{fmt_first(level.get('chromium_first_markers_s'))} | "
                f"{fmt_kb(level.get('open_kb'))} |"
            )
            steps = level.get("chromium_milestones_s") or {}
            if steps:
                said = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in steps.items())
                notes.append(f"- {key}, {readers} readers: Chromium's steps (medians): {said}")
            if level["failure_kinds"]:
                kinds = ", ".join(f"{k} ×{n}" for k, n in level["failure_kinds"].items())
                notes.append(f"- {key}, {readers} readers: failures: {kinds}")
        if run.get("levels"):
            first = next(iter(run["levels"].values()))
            if first["no_round_trip"]:
                notes.append(f"- {key}: no server round trip: {', '.join(first['no_round_trip'])}")
            notes.append(
                f"- {key}: code {run.get('code', '?')}; started in {run.get('start_s', 0):.1f} s; "
                f"RSS fresh {fmt_mb(run.get('fresh_rss_mb'))} MB, after warm-up "
                f"{fmt_mb(run.get('warm_rss_mb'))} MB; warm-up: {'; '.join(run.get('warm_up', []))}"
            )
    lines += ["", *notes, "", "How measured:", "", *HOW_MEASURED, ""]
    return "\n".join(lines)


FULL_RUN = {"levels": "1,10,25,50,100", "data": "shipped,1m", "configs": "before:1,now:1,now:2"}


def partial_run_note(settings: dict[str, Any]) -> list[str]:
    """Say so when these are not the full run's levels, data sets or configs."""
    chosen = {k: settings.get(k, v) for k, v in FULL_RUN.items()}
    if chosen == FULL_RUN:
        return []
    return [
        "",
        f"**A partial run** (levels {chosen['levels']}, data {chosen['data']}, configs "
        f"{chosen['configs']}); the full run is `--levels {FULL_RUN['levels']} --data "
        f"{FULL_RUN['data']} --configs {FULL_RUN['configs']}`.",
    ]


HOW_MEASURED = [
    "- Readers are benchmarks/stclient.py sessions in one asyncio process on the same machine "
    "(its CPU competes with the servers'). Each does what a browser does over HTTP and the "
    "websocket (GET the page, `/_stcore/health`, `/_stcore/host-config`, then "
    "`/_stcore/stream`); the ~159 static files a first-time browser fetches are not fetched "
    "(with HAProxy they come from its cache).",
    "- Open = from sending `rerun_script` to `script_finished`, summed over the runs a browser "
    "makes to open the link (the open; a large map's bounds once drawn; its bounds again when "
    "the opened event's popup pans the map); interaction = from sending the "
    "widget change (all widget states, fragment id if any) to `script_finished`. Failures: "
    "timeouts (--timeout), an exception element on the page, a disconnect, a widget not found.",
    "- KB received per open: every websocket message of the open's runs. Like a browser, a "
    "reader keeps the big messages it was sent and lists their hashes on each run, so the "
    "server sends a reference for one it already has (benchmarks/stclient.py).",
    "- Interactions: add a type to the type filter; pan (sends the map's new bounds only when "
    "the map returns them, otherwise the browser needs no server round trip); search; click "
    "on an event drawn on the map (its popup text with `Event ID:`); clear the search.",
    "- Chromium first markers: at the --browser-at levels, a real Chromium (Debian's, headless, "
    "1400 × 1000, a fresh profile each time) opens the same link --browser-visits times, one "
    "after the other, while the readers interact (they go on past their interactions until "
    "the last visit ends); the median of its seconds from navigation to the first marker, cell "
    "or square drawn in the map (benchmarks/browser_visit.py).",
    "- Server CPU = utime+stime of the app processes (/proc/<pid>/stat) during the opens, "
    "divided by the readers. RSS = VmRSS summed over replicas: idle before the level, peak "
    "sampled every 0.2 s during it, and --settle s after every reader disconnected "
    "(Streamlit keeps a disconnected session for `server.disconnectedSessionTTL`, 120 s).",
    "- Servers start fresh per data set and config; before the levels each replica is warmed "
    "as used: one reader opens the link and searches (which loads the offline gazetteer).",
]


def replace_section(path: Path, section: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    lines = text.splitlines()
    if SECTION_TITLE in lines:
        start = lines.index(SECTION_TITLE)
        end = next(
            (i for i in range(start + 1, len(lines)) if re.match(r"#{1,2} ", lines[i])),
            len(lines),
        )
        lines[start:end] = [*section.rstrip("\n").splitlines(), ""]
        text = "\n".join(lines).rstrip("\n") + "\n"
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + section.rstrip("\n") + "\n"
    path.write_text(text, encoding="utf-8")


def machine() -> dict[str, str]:
    from importlib.metadata import version

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    haproxy = shutil.which("haproxy")
    haproxy_version = (
        subprocess.run([haproxy, "-v"], capture_output=True, text=True, check=False)
        .stdout.split("\n")[0]
        .replace("HAProxy version ", "")
        .split(" ")[0]
        if haproxy
        else "not installed"
    )
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "python": platform.python_version(),
        "streamlit": version("streamlit"),
        "haproxy": haproxy_version,
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
    }


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", type=parse_levels, default=parse_levels("1,10,25,50,100"))
    parser.add_argument("--data", default="shipped,1m", help="shipped, 1m, a size, or a file")
    parser.add_argument(
        "--configs", type=parse_configs, default=parse_configs("before:1,now:1,now:2")
    )
    parser.add_argument("--before-ref", default=BEFORE_REF, help="git ref of the `before` code")
    parser.add_argument("--interactions", type=int, default=5)
    parser.add_argument(
        "--link",
        default="auto",
        help="query string the readers open ('' for the bare page; default auto: per data set, "
        + "; ".join(f"{k}: {v}" for k, v in LINKS.items())
        + f"; otherwise {DEFAULT_LINK})",
    )
    parser.add_argument("--search", default="Kharkiv", help="text the readers search")
    parser.add_argument(
        "--browser-at",
        type=parse_levels,
        default=parse_levels("25"),
        help="levels at which a real Chromium opens the link while the readers interact "
        "(its seconds to the first markers are reported)",
    )
    parser.add_argument(
        "--browser-visits",
        type=int,
        default=3,
        help="fresh Chromium visits at each --browser-at level (their median is reported)",
    )
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per script run")
    parser.add_argument("--settle", type=float, default=30.0, help="seconds before 'RSS after'")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "RESULTS.md")
    parser.add_argument("--json", type=Path, default=BENCH_DIR / "load-results.json")
    parser.add_argument(
        "--resume", action="store_true", help="keep configs already complete in --json"
    )
    parser.add_argument(
        "--report-only", action="store_true", help="only rewrite --out's section from --json"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    args.link = args.link.lstrip("?")
    if args.report_only:
        replace_section(args.out, markdown(json.loads(args.json.read_text(encoding="utf-8"))))
        log(f"rewrote the section {SECTION_TITLE!r} of {args.out} from {args.json}")
        return
    previous: dict[str, Any] = {}
    if args.resume and args.json.exists():
        previous = json.loads(args.json.read_text(encoding="utf-8")).get("runs", {})
    report: dict[str, Any] = {
        "machine": machine(),
        "settings": {
            "argv": argv,
            "link": args.link,
            "search": args.search,
            "interactions": args.interactions,
            "before_ref": args.before_ref,
            "json_name": args.json.name,
            "levels": ",".join(str(n) for n in args.levels),
            "data": args.data,
            "configs": ",".join(c.name for c in args.configs),
        },
        "runs": {},
    }

    def save() -> None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
        replace_section(args.out, markdown(report))

    log("machine: " + ", ".join(f"{k} {v}" for k, v in report["machine"].items()))
    chosen_link = args.link
    for data in args.data.split(","):
        events = data_file(data.strip())
        args.link = chosen_link if chosen_link != "auto" else LINKS.get(data.strip(), DEFAULT_LINK)
        for config in args.configs:
            key = f"{data} {config.name}"
            if previous.get(key, {}).get("complete"):
                log(f"{key}: complete in {args.json.name}, kept (--resume)")
                report["runs"][key] = previous[key]
                continue
            log(f"=== {key} ===")
            report["runs"][key] = run = {
                "data": data,
                "config": config.name,
                "link": args.link,
                "levels": {},
            }
            try:
                run_config(run, events, config, args, save)
            except Exception as exc:  # a benchmark records what failed and goes on
                log(f"  {key} FAILED: {type(exc).__name__}: {exc}")
                report["runs"][key]["error"] = f"{type(exc).__name__}: {exc}"[:500]
            save()
    print(markdown(report), flush=True)
    log(f"wrote {args.out} (section {SECTION_TITLE!r}) and {args.json}")


if __name__ == "__main__":
    main()
