"""The naive Streamlit + folium page against Event Atlas, side by side on the same data.

    python benchmarks/run.py --sizes 1000 10000 100000 1000000 --runs 3

For each size it generates (or reuses) the synthetic datasets of benchmarks/generate.py in
benchmarks/data/, then measures both pages: server-side figures without a browser (data load,
one-type filter, script run time and map payload through Streamlit's AppTest) and browser figures
with headless Debian chromium against a real `streamlit run` on 127.0.0.1 (time to first markers,
filter change to updated map, JS heap, server RSS). Every figure is the median of --runs runs.
It writes a Markdown table (--out, default benchmarks/RESULTS.md) and every run's values as JSON
(--json, default results.json next to --out), and prints the table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
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
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright

REPO = Path(__file__).resolve().parents[1]
BENCH_DIR = REPO / "benchmarks"
DATA_DIR = BENCH_DIR / "data"
NAIVE_APP = BENCH_DIR / "naive_app.py"
EA_APP = REPO / "app.py"
STATIC_DIR = REPO / "static"
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

# The browser tests' Chromium flags, and the one way to start a server.
from geo.serve import AppServer  # noqa: E402
from tests.browser.conftest import CHROMIUM_ARGS  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1400, "height": 900}
MAP_IFRAME_TITLE = "streamlit_folium.st_folium"
MARKER_SELECTOR = ".leaflet-marker-icon, path.leaflet-interactive"
STATUS_WIDGET = '[data-testid="stStatusWidget"]'
POLL_S = 0.05
SERVER_START_TIMEOUT_S = 120.0
MB = 1024 * 1024

NAIVE = "naive"
EA = "ea"
PAGES = (NAIVE, EA)
PAGE_TITLES = {NAIVE: "naive", EA: "Event Atlas"}

# In the page: markers not tagged by TAG_JS, whether a tagged one is still attached to a map
# iframe's current document, and whether Streamlit's "Running..." status widget is shown.
# The iframes are re-found on every call: Streamlit may replace them.
STATE_JS = """([selector, title, status]) => {
    const docs = [];
    for (const frame of document.querySelectorAll(`iframe[title="${title}"]`)) {
        try { if (frame.contentDocument) docs.push(frame.contentDocument); } catch (e) {}
    }
    let fresh = 0;
    for (const doc of docs) {
        for (const el of doc.querySelectorAll(selector)) { if (!el.__benchOld) fresh++; }
    }
    const old = window.__benchOld || [];
    const stale = old.some(el => el.isConnected && docs.includes(el.ownerDocument));
    return {fresh: fresh, stale: stale, running: document.querySelector(status) !== null};
}"""
TAG_JS = """([selector, title]) => {
    const tagged = [];
    for (const frame of document.querySelectorAll(`iframe[title="${title}"]`)) {
        const doc = frame.contentDocument;
        if (!doc) continue;
        for (const el of doc.querySelectorAll(selector)) { el.__benchOld = true; tagged.push(el); }
    }
    window.__benchOld = tagged;
    return tagged.length;
}"""


@dataclass(frozen=True)
class FilterChoice:
    ea_type: str  # geo.vocabulary.EventType value
    ea_text: str  # typed into Event Atlas's "Event type" multiselect
    naive_type: str  # ACLED event_type typed into the naive page's multiselect
    note: str


FILTERS = {
    "armed_clash": FilterChoice(
        "armed_clash",
        "Armed clash",
        "Battles",
        'Event Atlas "Armed clash" and ACLED "Battles" hold exactly the same events '
        "(about 20% of them)",
    ),
    "air_strike": FilterChoice(
        "air_strike",
        "drone strike",
        "Explosions/Remote violence",
        'Event Atlas "Air or drone strike" (about 12% of the events) against ACLED '
        '"Explosions/Remote violence", which also holds shelling (about 57%)',
    ),
}


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    unit: str  # "s", "MB" or "" (a count)
    browser: bool = False
    ratio: bool = True


FIGURES = (
    Figure("load_s", "Load data, server-side", "s"),
    Figure("convert_s", "One-time ACLED CSV → Parquet conversion (1 run)", "s", ratio=False),
    Figure("filter_s", "Filter to one type, server-side", "s"),
    Figure("first_run_s", "Script first run, AppTest (1 run, data not cached)", "s"),
    Figure("rerun_s", "Script rerun, AppTest", "s"),
    Figure("payload_mb", "Map payload sent to the browser (st_folium args)", "MB"),
    Figure("apptest_hwm_mb", "Peak RSS of the AppTest process", "MB"),
    Figure("first_markers_s", "Time to first markers, browser", "s", browser=True),
    Figure("markers", "Marker elements in the map after load", "", browser=True, ratio=False),
    Figure("heap_mb", "Browser JS heap used after load", "MB", browser=True),
    Figure("widget_click_s", "Click on the sidebar filter accepted, browser", "s", browser=True),
    Figure("filter_update_s", "Filter change → map updated, browser", "s", browser=True),
    Figure("markers_filtered", "Marker elements after the filter", "", browser=True, ratio=False),
    Figure("server_rss_mb", "Server RSS after the browser runs (1 value)", "MB", browser=True),
    Figure("server_hwm_mb", "Server peak RSS (VmHWM, 1 value)", "MB", browser=True),
)
FIGURE_BY_KEY = {f.key: f for f in FIGURES}


def log(message: str) -> None:
    print(f"[{dt.datetime.now():%H:%M:%S}] {message}", flush=True)


# -- results ---------------------------------------------------------------------------------

Result = dict[str, Any]  # {"runs": [...], "median": float | None, "note": str | None}


def measured(values: list[float | None], note: str | None = None) -> Result:
    """Runs that timed out or failed are None; they count as +infinity for the median."""
    finite = [math.inf if v is None else v for v in values]
    median = statistics.median(finite) if finite else math.inf
    failed = sum(1 for v in values if v is None)
    if failed and note is None:
        note = f"{failed} of {len(values)} runs failed or timed out"
    return {"runs": values, "median": None if math.isinf(median) else median, "note": note}


def not_run(reason: str) -> Result:
    return {"runs": [], "median": None, "note": f"not run: {reason}"}


def median_of(result: Result | None) -> float | None:
    return None if result is None else result.get("median")


# -- machine ---------------------------------------------------------------------------------


def _proc_value(path: str, key: str) -> str | None:
    try:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            name, _, value = line.partition(":")
            if name.strip() == key:
                return value.strip()
    except OSError:
        return None
    return None


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, str]:
    cores = os.cpu_count() or 0
    mem_kb = _proc_value("/proc/meminfo", "MemTotal") or "0 kB"
    try:
        chromium = subprocess.run(
            [CHROMIUM, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired) as exc:
        chromium = f"unavailable ({exc})"
    return {
        "cpu": _proc_value("/proc/cpuinfo", "model name") or platform.processor() or "unknown",
        "cores": str(cores),
        "ram": f"{int(mem_kb.split()[0]) / MB:.1f} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "streamlit": _version("streamlit"),
        "streamlit-folium": _version("streamlit-folium"),
        "folium": _version("folium"),
        "duckdb": _version("duckdb"),
        "pandas": _version("pandas"),
        "playwright": _version("playwright"),
        "chromium": chromium,
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "load_average": load_average(),
    }


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text(encoding="utf-8").split()[:3])
    except OSError:
        return "unknown"


def proc_status_mb(pid: int | str = "self") -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MB."""
    figures = {}
    for key in ("VmRSS", "VmHWM"):
        value = _proc_value(f"/proc/{pid}/status", key)
        if value is not None:
            figures[key] = int(value.split()[0]) / 1024
    return figures


# -- data ------------------------------------------------------------------------------------


def dataset_paths(size: int) -> dict[str, Path]:
    return {
        "yaml": DATA_DIR / f"events-{size}.yaml",
        "parquet": DATA_DIR / f"events-{size}.parquet",
        "acled": DATA_DIR / f"events-{size}-acled.csv",
    }


def ensure_data(size: int) -> dict[str, Path]:
    from generate import YAML_MAX, write_all

    paths = dataset_paths(size)
    wanted = [p for kind, p in paths.items() if kind != "yaml" or size <= YAML_MAX]
    missing = [p for p in wanted if not p.exists()]
    if missing:
        log(f"generating {size:,} events ({', '.join(p.name for p in missing)} missing)")
        started = time.perf_counter()
        for path in write_all(size, DATA_DIR):
            log(f"  wrote {path.relative_to(REPO)} ({path.stat().st_size:,} bytes)")
        log(f"  generated in {time.perf_counter() - started:.1f} s")
    else:
        log(f"reusing {', '.join(p.name for p in wanted)}")
    return paths


# -- server-side figures without a browser ---------------------------------------------------


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def naive_load_and_filter(csv_path: Path, naive_type: str, runs: int) -> dict[str, Result]:
    import pandas as pd

    loads: list[float | None] = []
    filters: list[float | None] = []
    for _ in range(runs):
        started = time.perf_counter()
        df = pd.read_csv(csv_path)
        loads.append(time.perf_counter() - started)
        started = time.perf_counter()
        len(df[df.event_type.isin([naive_type])])
        filters.append(time.perf_counter() - started)
    return {"load_s": measured(list(loads)), "filter_s": measured(list(filters))}


def ea_load_and_filter(parquet_path: Path, ea_type: str, runs: int) -> dict[str, Result]:
    from geo.filters import EventFilter
    from geo.store import EventStore
    from geo.vocabulary import EventType

    def load() -> None:
        store = EventStore(parquet_path)
        store.count(EventFilter())
        store.type_counts(EventFilter())
        store.date_bounds()

    one_type = EventFilter(types=frozenset({EventType(ea_type)}))

    loads: list[float | None] = [timed(load) for _ in range(runs)]
    filters: list[float | None] = []
    for _ in range(runs):
        # A store remembers its answers: each run asks a freshly opened one (open not timed).
        store = EventStore(parquet_path)
        started = time.perf_counter()
        store.count(one_type)
        store.aggregate(one_type, zoom=6)
        filters.append(time.perf_counter() - started)
    return {"load_s": measured(list(loads)), "filter_s": measured(list(filters))}


def ea_convert(csv_path: Path) -> Result:
    from geo.io.importer import import_file
    from geo.store import EventStore

    with tempfile.TemporaryDirectory(prefix="bench-convert-") as folder:

        def convert() -> None:
            events = import_file(csv_path, fmt="acled").events
            EventStore.write(events, Path(folder) / "events.parquet")

        return measured([timed(convert)])


def safely(
    what: str, action: Callable[[], dict[str, Result]], keys: list[str]
) -> dict[str, Result]:
    try:
        return action()
    except Exception as exc:  # a benchmark records what failed and goes on
        log(f"  {what} FAILED: {type(exc).__name__}: {exc}")
        return {k: {"runs": [], "median": None, "note": f"error: {exc}"[:300]} for k in keys}


# -- AppTest worker (runs in its own process) -------------------------------------------------


def apptest_worker(page: str, events: Path, runs: int, timeout_s: float, out: Path) -> None:
    """Time the page's first run and `runs` reruns with AppTest; write the figures to `out`."""
    if page == NAIVE:
        os.environ["NAIVE_EVENTS"] = str(events)
        script = NAIVE_APP
    else:
        os.environ["EVENT_ATLAS_EVENTS"] = str(events)
        os.environ["EVENT_ATLAS_TILES"] = "offline"
        script = EA_APP
    from streamlit.testing.v1 import AppTest

    result: dict[str, Any] = {"first_run_s": None, "rerun_s": [], "payload_bytes": None}
    try:
        at = AppTest.from_file(str(script), default_timeout=timeout_s)

        def run_checked() -> float:
            started = time.perf_counter()
            at.run()
            elapsed = time.perf_counter() - started
            if at.exception:
                raise RuntimeError(f"the page raised: {at.exception[0].message}")
            if at.error:
                raise RuntimeError(f"the page shows an error: {at.error[0].value}")
            return elapsed

        def read_payload() -> None:
            maps = [
                el
                for el in at.get("component_instance")
                if el.proto.component_name.endswith("st_folium")
            ]
            if not maps:
                raise RuntimeError("the page drew no st_folium map")
            json_args = maps[0].proto.json_args
            result["payload_bytes"] = len(json_args.encode("utf-8"))
            args = json.loads(json_args)
            result["payload_parts"] = {k: len(json.dumps(v).encode()) for k, v in args.items()}

        result["first_run_s"] = run_checked()
        read_payload()
        for _ in range(runs):
            result["rerun_s"].append(run_checked())
            read_payload()
    except Exception as exc:  # reported to the harness, which records it
        result["error"] = f"{type(exc).__name__}: {exc}"[:500]
        result["traceback"] = traceback.format_exc()[-3000:]
    result["hwm_mb"] = proc_status_mb().get("VmHWM")
    out.write_text(json.dumps(result), encoding="utf-8")
    sys.stdout.flush()
    # A timed-out script thread may still be running: leave without waiting for it.
    os._exit(0)


def apptest_figures(
    page: str, events: Path, runs: int, timeout_s: float, log_dir: Path
) -> dict[str, Result]:
    out = log_dir / f"apptest-{page}-{events.stem}.json"
    log_path = log_dir / f"apptest-{page}-{events.stem}.log"
    keys = ["first_run_s", "rerun_s", "payload_mb", "apptest_hwm_mb"]
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--apptest-worker",
        page,
        str(events),
        "--runs",
        str(runs),
        "--apptest-timeout",
        str(timeout_s),
        "--worker-out",
        str(out),
    ]
    with log_path.open("wb") as log_file:
        try:
            subprocess.run(
                command,
                cwd=REPO,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                timeout=timeout_s * (runs + 1) + 120,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return {
                k: measured([None], f"timeout: AppTest worker over {timeout_s:.0f} s") for k in keys
            }
    if not out.exists():
        tail = log_path.read_text(encoding="utf-8", errors="replace")[-500:]
        return {k: {"runs": [], "median": None, "note": f"error: {tail}"} for k in keys}
    data = json.loads(out.read_text(encoding="utf-8"))
    error = data.get("error")
    if error:
        # The repo's config redacts the page's errors: the worker's log has the real one.
        logged = re.findall(
            r"^\w+(?:Error|Exception)\b.*$", log_path.read_text(errors="replace"), re.M
        )
        if logged and "redacted" in error:
            error = f"the page raised {logged[-1]}"
        log(f"  AppTest {page} error: {error} (log: {log_path})")
    note = None
    if error:
        note = f"timeout (> {timeout_s:.0f} s)" if "timed out" in error else f"error: {error}"
    first = data.get("first_run_s")
    reruns: list[float | None] = list(data.get("rerun_s") or [])
    reruns += [None] * (runs - len(reruns))  # the reruns that failed or never ran
    payload = data.get("payload_bytes")
    figures = {
        "first_run_s": measured([first], note if first is None else None),
        "rerun_s": measured(reruns, note),
        "payload_mb": measured(
            [None if payload is None else payload / MB], note if payload is None else None
        ),
        "apptest_hwm_mb": measured([data.get("hwm_mb")]),
    }
    figures["payload_mb"]["parts_bytes"] = data.get("payload_parts")
    return figures


# -- a real server ----------------------------------------------------------------------------


def server_for(script: Path, env: dict[str, str], log_path: Path) -> AppServer:
    """`streamlit run <script>` from the repo root (its .streamlit/config.toml) on 127.0.0.1."""
    return AppServer(
        app_dir=REPO,
        script=script,
        env=env,
        flags=["--server.enableStaticServing", "true"],
        log_path=log_path,
    )


def wait_serving(server: AppServer) -> float:
    """Healthy, and the map's Leaflet served from the static folder; seconds taken."""
    started = time.perf_counter()
    server.wait_ready(SERVER_START_TIMEOUT_S)
    leaflet = f"{server.base_url}/app/static/leaflet/leaflet.js"
    try:
        with urllib.request.urlopen(leaflet, timeout=10) as response:
            response.read()
    except (urllib.error.URLError, OSError) as exc:
        raise RuntimeError(f"{leaflet} is not served ({exc}); see {server.log_path}") from exc
    return time.perf_counter() - started


@contextmanager
def running_server(page: str, events: Path, log_dir: Path) -> Iterator[AppServer]:
    """Event Atlas runs as app.py; the naive page runs as a copy next to a `static` symlink.

    Streamlit serves the `static/` folder next to the main script, so benchmarks/naive_app.py
    run in place would not find the repo's static/; the copy in a temporary folder does.
    """
    with tempfile.TemporaryDirectory(prefix="bench-naive-app-") as folder:
        if page == NAIVE:
            script = Path(folder) / "naive_app.py"
            shutil.copyfile(NAIVE_APP, script)
            (Path(folder) / "static").symlink_to(STATIC_DIR, target_is_directory=True)
            env = {"NAIVE_EVENTS": str(events)}
        else:
            script = EA_APP
            env = {"EVENT_ATLAS_EVENTS": str(events), "EVENT_ATLAS_TILES": "offline"}
        server = server_for(script, env, log_dir / f"server-{page}-{events.stem}.log")
        try:
            server.start()
            ready = wait_serving(server)
            log(f"  {PAGE_TITLES[page]} server ready on {server.url()} in {ready:.1f} s")
            yield server
        finally:
            server.stop(timeout_s=20)
            log(f"  {PAGE_TITLES[page]} server stopped")


# -- browser figures -------------------------------------------------------------------------


@dataclass
class Visit:
    first_markers_s: float | None = None
    markers: int | None = None
    heap_mb: float | None = None
    widget_click_s: float | None = None
    filter_update_s: float | None = None
    filter_done_s: float | None = None
    markers_filtered: int | None = None
    chosen: str | None = None
    failure: str | None = None
    bad_requests: int = 0


def page_state(page: Page) -> dict[str, Any]:
    state: dict[str, Any] = page.evaluate(
        STATE_JS, [MARKER_SELECTOR, MAP_IFRAME_TITLE, STATUS_WIDGET]
    )
    return state


def poll(
    page: Page, started: float, timeout_s: float, done: Callable[[dict[str, Any]], bool]
) -> tuple[float | None, dict[str, Any]]:
    """Seconds from `started` until `done(state)`, or None after timeout_s."""
    while True:
        state = page_state(page)
        elapsed = time.perf_counter() - started
        if done(state):
            return elapsed, state
        if elapsed > timeout_s:
            return None, state
        time.sleep(POLL_S)


def visit(browser: Browser, url: str, timeout_s: float, filter_text: str | None) -> Visit:
    """One visit in a new context: load to first markers, heap, then (optionally) the filter."""
    from playwright.sync_api import Error as PlaywrightError

    result = Visit()
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    try:
        page = context.new_page()
        problems: list[str] = []
        page.on("crash", lambda _page: problems.append("renderer crashed"))
        page.on(
            "response",
            lambda r: problems.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None,
        )
        page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
        cdp = context.new_cdp_session(page)
        try:
            started = time.perf_counter()
            page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
            result.first_markers_s, state = poll(page, started, timeout_s, lambda s: s["fresh"] > 0)
            result.markers = state["fresh"]
            if result.first_markers_s is None:
                result.failure = f"timeout (> {timeout_s:.0f} s)"
                return result
            cdp.send("HeapProfiler.collectGarbage")
            cdp.send("Performance.enable")
            metrics = cdp.send("Performance.getMetrics")["metrics"]
            heap = next(m["value"] for m in metrics if m["name"] == "JSHeapUsedSize")
            result.heap_mb = heap / MB
            if filter_text is None:
                return result
            # The first run must be over before the filter changes.
            settled, state = poll(page, time.perf_counter(), timeout_s, lambda s: not s["running"])
            if settled is None:
                result.failure = "the first script run did not finish"
                return result
            result.markers = state["fresh"]
            page.evaluate(TAG_JS, [MARKER_SELECTOR, MAP_IFRAME_TITLE])
            sidebar = page.get_by_test_id("stSidebar")
            combo = sidebar.get_by_role("combobox", name="Event type")
            # Playwright clicks once the widget is visible, stable and hit by the pointer; with a
            # busy renderer that takes a while, so the click itself is timed too.
            started = time.perf_counter()
            combo.click(timeout=timeout_s * 1000)
            result.widget_click_s = time.perf_counter() - started
            page.keyboard.type(filter_text)
            option = page.get_by_role("option", name=re.compile(re.escape(filter_text)))
            option.first.wait_for(timeout=timeout_s * 1000)
            result.chosen = option.first.inner_text()
            started = time.perf_counter()
            page.keyboard.press("Enter")
            result.filter_update_s, state = poll(
                page, started, timeout_s, lambda s: s["fresh"] > 0 and not s["stale"]
            )
            result.markers_filtered = state["fresh"]
            if result.filter_update_s is None:
                result.failure = f"filter: timeout (> {timeout_s:.0f} s)"
                return result
            result.filter_done_s, _ = poll(page, started, timeout_s, lambda s: not s["running"])
        except PlaywrightError as exc:
            result.failure = f"browser error: {str(exc).splitlines()[0]}"
        finally:
            result.bad_requests = len(problems)
            if problems:
                log(f"    {len(problems)} failed requests/crash, e.g. {problems[:3]}")
                if any("crash" in p for p in problems):
                    result.failure = "renderer crashed"
    finally:
        context.close()
    return result


def browser_figures(
    pw: Playwright,
    page_key: str,
    events: Path,
    filter_text: str,
    runs: int,
    timeout_s: float,
    log_dir: Path,
) -> dict[str, Result]:
    keys = [f.key for f in FIGURES if f.browser]
    with running_server(page_key, events, log_dir) as server:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            warm = visit(browser, server.url(), timeout_s, None)
            log(
                f"  warm-up visit (unmeasured): first markers {fmt_s(warm.first_markers_s)}"
                + (f", {warm.failure}" if warm.failure else "")
            )
            if warm.first_markers_s is None:
                failed = f"warm-up visit failed: {warm.failure}"
                skipped = {k: measured([None], failed) for k in keys}
                memory = proc_status_mb(server.pid)
                skipped["server_rss_mb"] = measured([memory.get("VmRSS")])
                skipped["server_hwm_mb"] = measured([memory.get("VmHWM")])
                return skipped
            visits = []
            for run in range(1, runs + 1):
                v = visit(browser, server.url(), timeout_s, filter_text)
                visits.append(v)
                log(
                    f"  run {run}/{runs}: first markers {fmt_s(v.first_markers_s)} "
                    f"({v.markers} markers), heap {fmt_num(v.heap_mb)} MB, click "
                    f"{fmt_s(v.widget_click_s)}, filter "
                    f"{v.chosen!r} → map updated {fmt_s(v.filter_update_s)}, run done "
                    f"{fmt_s(v.filter_done_s)} ({v.markers_filtered} markers)"
                    + (f"; {v.failure}" if v.failure else "")
                )
            memory = proc_status_mb(server.pid)
        finally:
            browser.close()
    failures = sorted({v.failure for v in visits if v.failure})
    note = "; ".join(failures) if failures else None
    figures = {
        "first_markers_s": measured([v.first_markers_s for v in visits], note),
        "markers": measured([None if v.markers is None else float(v.markers) for v in visits]),
        "heap_mb": measured([v.heap_mb for v in visits]),
        "widget_click_s": measured([v.widget_click_s for v in visits]),
        "filter_update_s": measured([v.filter_update_s for v in visits], note),
        "markers_filtered": measured(
            [None if v.markers_filtered is None else float(v.markers_filtered) for v in visits]
        ),
        "server_rss_mb": measured([memory.get("VmRSS")]),
        "server_hwm_mb": measured([memory.get("VmHWM")]),
    }
    figures["filter_update_s"]["run_done_s"] = [v.filter_done_s for v in visits]
    figures["filter_update_s"]["chosen"] = sorted({v.chosen or "" for v in visits})
    figures["first_markers_s"]["failed_requests"] = [v.bad_requests for v in visits]
    return figures


# -- report ----------------------------------------------------------------------------------


def fmt_s(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"


def fmt_num(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def fmt_value(value: float, unit: str) -> str:
    if unit == "":
        return f"{value:,.0f}"
    if unit == "MB":
        return f"{value:,.2f} MB" if value < 10 else f"{value:,.1f} MB"
    if value < 0.01:
        return f"{value * 1000:.2f} ms"
    return f"{value:.3f} s" if value < 1 else f"{value:.2f} s"


def fmt_result(result: Result | None, unit: str) -> str:
    if result is None:
        return "—"
    median = result.get("median")
    note = result.get("note")
    if median is None:
        return str(note or "—").replace("|", "/")
    text = fmt_value(median, unit)
    runs = [v for v in result.get("runs", []) if v is not None]
    if len(runs) > 1:
        text += f" ({fmt_value(min(runs), unit)}–{fmt_value(max(runs), unit)})"
    if note:
        text += f" ⚠ {note}"
    return text


def ratio(naive: Result | None, ea: Result | None) -> str:
    a, b = median_of(naive), median_of(ea)
    if a is None or b is None or b == 0:
        return ""
    return f"{a / b:,.1f}×" if a / b >= 10 else f"{a / b:,.2f}×"


def markdown(report: dict[str, Any]) -> str:
    info = report["machine"]
    settings = report["settings"]
    choice = FILTERS[settings["filter_type"]]
    lines = [
        "# Naive Streamlit + folium page vs Event Atlas",
        "",
        "Generated by `python benchmarks/run.py "
        + " ".join(settings["argv"])
        + f"`: each figure is the median of {settings['runs']} run(s) unless marked "
        + "(1 run / 1 value); the range of the runs in brackets; every run's value in "
        + f"`{settings['json_name']}`.",
        "",
        "## Machine",
        "",
        f"- CPU: {info['cpu']}, {info['cores']} cores; RAM {info['ram']}; {info['os']}",
        f"- Python {info['python']}, streamlit {info['streamlit']}, streamlit-folium "
        f"{info['streamlit-folium']}, folium {info['folium']}, duckdb {info['duckdb']}, "
        f"pandas {info['pandas']}, playwright {info['playwright']}",
        f"- {info['chromium']} (headless)",
        f"- Date: {info['date']}; load average (1, 5, 15 min) at the start "
        f"{info['load_average']}, before each size: "
        + ", ".join(
            f"{int(size):,}: {pages.get('_load_average', '?')}"
            for size, pages in report["results"].items()
        ),
        "",
        "## Results",
        "",
        f"Event Atlas page read the **{settings['ea_format']}** file of each size. Filter: "
        f"Event Atlas {choice.ea_type!r} (typed {choice.ea_text!r}) vs naive "
        f"{choice.naive_type!r}; {choice.note}.",
        "",
        "| Size | Figure | naive | Event Atlas | naive ÷ EA |",
        "|---:|---|---:|---:|---:|",
    ]
    for size, pages in report["results"].items():
        if not isinstance(pages, dict):
            continue
        for figure in FIGURES:
            naive, ea = pages[NAIVE].get(figure.key), pages[EA].get(figure.key)
            if naive is None and ea is None:
                continue
            lines.append(
                f"| {int(size):,} | {figure.label} | {fmt_result(naive, figure.unit)} | "
                f"{fmt_result(ea, figure.unit)} | {ratio(naive, ea) if figure.ratio else ''} |"
            )
    lines.append("")
    for size, pages in report["results"].items():
        for page_key in PAGES:
            for reason in pages[page_key].get("_not_run", []):
                lines.append(f"- {int(size):,} events, {PAGE_TITLES[page_key]}: not run: {reason}")
    lines += ["", "## How measured", "", *HOW_MEASURED, ""]
    return "\n".join(lines)


HOW_MEASURED = [
    "- Data: `benchmarks/generate.py` (fixed seed): the same events as YAML, Parquet and ACLED "
    "CSV. The naive page (`benchmarks/naive_app.py`) reads the ACLED CSV with pandas; "
    "Event Atlas (`app.py`) reads the file named above.",
    "- Load, server-side: naive = `pandas.read_csv`; Event Atlas = `EventStore(path)` plus "
    "`count`, `type_counts` and `date_bounds` with an empty filter (the start-of-page "
    "questions). Filter: naive = `df[df.event_type.isin([type])]`; Event Atlas = "
    "`count` + `aggregate(zoom=6)` of a one-type filter, asked of a freshly opened store each "
    "run (it remembers answers; opening not timed); both on the Parquet file whatever file "
    "the page reads. In the harness process, files in the OS cache.",
    "- One-time conversion: `geo.io.importer.import_file(csv, fmt='acled')` then "
    "`EventStore.write` (Event Atlas only; a single run).",
    "- Script runs and payload: `streamlit.testing.v1.AppTest` in a separate process per page "
    "and size; a first run (data not cached yet), then the reruns (`st.cache_data` warm). "
    "Payload = bytes of the st_folium component's JSON arguments (the map script, header, "
    "html, feature group…), i.e. what the server sends for the map on each run. Peak RSS of "
    "that process (VmHWM).",
    "- Browser: a real `streamlit run` on 127.0.0.1 from the repo root (its "
    "`.streamlit/config.toml`, file watcher off), headless Debian chromium through Playwright, "
    "viewport 1400×900, a new browser context per run. One unmeasured visit first warms the "
    "server's caches (`st.cache_data`). The naive page runs as a copy in a temporary folder "
    "next to a `static` symlink to the repo's `static/` (Streamlit serves the folder next to "
    "the main script), so both pages load the same local Leaflet/jQuery and offline tiles.",
    "- Time to first markers: from the start of `page.goto` until the map iframe holds an "
    f"element matching `{MARKER_SELECTOR}` (polled every {POLL_S * 1000:.0f} ms from Python).",
    "- Filter change → map updated: the markers are tagged, the type is typed into the "
    "sidebar's “Event type” multiselect; timed from pressing Enter until the map shows an "
    "untagged marker and no tagged marker is attached to a map iframe's document (Streamlit's "
    "status widget gone: `run_done_s` in the JSON). The click that opens the widget is timed "
    "separately: Playwright waits until the widget is visible, stable and hit by the pointer, "
    "which needs the renderer to produce frames.",
    "- JS heap: CDP `HeapProfiler.collectGarbage` then `Performance.getMetrics` "
    "`JSHeapUsedSize` of the page once the markers show. The component iframe is same-origin, "
    "so it runs in the page's renderer and V8 isolate: the figure covers Streamlit's frontend "
    "and the map together.",
    "- Server RSS: VmRSS and VmHWM from `/proc/<pid>/status` of the `streamlit run` process "
    "after the warm-up and measured visits.",
    "- A run that timed out counts as infinitely slow for the median.",
]


# -- main ------------------------------------------------------------------------------------


def run_size(
    pw: Playwright | None,
    size: int,
    args: argparse.Namespace,
    log_dir: Path,
) -> dict[str, dict[str, Any]]:
    choice = FILTERS[args.filter_type]
    paths = ensure_data(size)
    out: dict[str, dict[str, Any]] = {NAIVE: {"_not_run": []}, EA: {"_not_run": []}}
    runs = args.runs

    log(f"{size:,}: server-side load and filter, naive (pandas)")
    out[NAIVE].update(
        safely(
            "naive load/filter",
            lambda: naive_load_and_filter(paths["acled"], choice.naive_type, runs),
            ["load_s", "filter_s"],
        )
    )
    log(f"{size:,}: server-side load and filter, Event Atlas (EventStore)")
    out[EA].update(
        safely(
            "Event Atlas load/filter",
            lambda: ea_load_and_filter(paths["parquet"], choice.ea_type, runs),
            ["load_s", "filter_s"],
        )
    )
    if size <= args.convert_max:
        log(f"{size:,}: one-time ACLED CSV → Parquet conversion (1 run)")
        out[EA].update(
            safely("conversion", lambda: {"convert_s": ea_convert(paths["acled"])}, ["convert_s"])
        )
    else:
        out[EA]["convert_s"] = not_run(f"N > --convert-max {args.convert_max:,}")

    ea_events = paths[args.ea_format]
    naive_page = size <= args.naive_max
    naive_browser = size <= args.naive_browser_max
    if not naive_page:
        reason = (
            f"N > --naive-max {args.naive_max:,}: the page would build one folium Marker "
            "and Popup per event"
        )
        out[NAIVE]["_not_run"].append(f"AppTest and browser figures ({reason})")
        for figure in FIGURES:
            if figure.key not in out[NAIVE] and figure.key != "convert_s":
                out[NAIVE][figure.key] = not_run(f"N > --naive-max {args.naive_max:,}")
    elif not naive_browser:
        out[NAIVE]["_not_run"].append(
            f"browser figures (N > --naive-browser-max {args.naive_browser_max:,}: the naive "
            "map is expected to crash or stall the browser tab); server-side figures measured"
        )
        for figure in FIGURES:
            if figure.browser:
                out[NAIVE][figure.key] = not_run(
                    f"N > --naive-browser-max {args.naive_browser_max:,}"
                )
    ea_ok = ea_events.exists()
    if not ea_ok:
        reason = f"no {args.ea_format} file for this size ({ea_events.name})"
        out[EA]["_not_run"].append(reason)
        for figure in FIGURES:
            if figure.key not in out[EA]:
                out[EA][figure.key] = not_run(reason)

    runnable = {NAIVE: naive_page, EA: ea_ok}
    if args.skip_apptest:
        for page_key in PAGES:
            if runnable[page_key]:
                out[page_key]["_not_run"].append("AppTest figures (--skip-apptest)")
    else:
        if naive_page:
            log(f"{size:,}: AppTest, naive (first run + {runs} reruns)")
            out[NAIVE].update(
                apptest_figures(NAIVE, paths["acled"], runs, args.apptest_timeout, log_dir)
            )
            log_figures(out[NAIVE], ["first_run_s", "rerun_s", "payload_mb"])
        if ea_ok:
            log(f"{size:,}: AppTest, Event Atlas (first run + {runs} reruns)")
            out[EA].update(apptest_figures(EA, ea_events, runs, args.apptest_timeout, log_dir))
            log_figures(out[EA], ["first_run_s", "rerun_s", "payload_mb"])

    if pw is None:
        for page_key in PAGES:
            if runnable[page_key] and (page_key == EA or naive_browser):
                out[page_key]["_not_run"].append("browser figures (--skip-browser)")
    else:
        if naive_browser:
            log(f"{size:,}: browser, naive")
            out[NAIVE].update(
                safely(
                    "naive browser",
                    lambda: browser_figures(
                        pw, NAIVE, paths["acled"], choice.naive_type, runs, args.timeout, log_dir
                    ),
                    [f.key for f in FIGURES if f.browser],
                )
            )
        if ea_ok:
            log(f"{size:,}: browser, Event Atlas")
            out[EA].update(
                safely(
                    "Event Atlas browser",
                    lambda: browser_figures(
                        pw, EA, ea_events, choice.ea_text, runs, args.timeout, log_dir
                    ),
                    [f.key for f in FIGURES if f.browser],
                )
            )
    return out


def log_figures(figures: dict[str, Any], keys: list[str]) -> None:
    parts = [
        f"{FIGURE_BY_KEY[k].label}: {fmt_result(figures.get(k), FIGURE_BY_KEY[k].unit)}"
        for k in keys
    ]
    log("  " + "; ".join(parts))


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median reported)")
    parser.add_argument(
        "--naive-browser-max",
        type=int,
        default=10_000,
        help="largest size the naive page is opened in the browser",
    )
    parser.add_argument(
        "--naive-max",
        type=int,
        default=100_000,
        help="largest size the naive page is run at all (AppTest)",
    )
    parser.add_argument(
        "--ea-format",
        choices=["parquet", "yaml"],
        default="parquet",
        help="events file the Event Atlas page reads",
    )
    parser.add_argument("--filter-type", choices=sorted(FILTERS), default="armed_clash")
    parser.add_argument(
        "--timeout", type=float, default=180.0, help="browser wait limit per step, seconds"
    )
    parser.add_argument(
        "--apptest-timeout", type=float, default=600.0, help="AppTest limit per script run, s"
    )
    parser.add_argument(
        "--convert-max",
        type=int,
        default=100_000,
        help="largest size for the one-time CSV → Parquet conversion figure",
    )
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--skip-apptest", action="store_true")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "RESULTS.md")
    parser.add_argument("--json", type=Path, default=None, help="default: results.json by --out")
    # Internal: one AppTest measurement in a fresh process.
    parser.add_argument(
        "--apptest-worker", nargs=2, metavar=("PAGE", "EVENTS"), help=argparse.SUPPRESS
    )
    parser.add_argument("--worker-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.apptest_worker:
        page, events = args.apptest_worker
        apptest_worker(page, Path(events), args.runs, args.apptest_timeout, args.worker_out)
        return
    out_path: Path = args.out.resolve()
    json_path: Path = (args.json or out_path.with_name("results.json")).resolve()
    log(f"benchmark: sizes {args.sizes}, {args.runs} runs, Event Atlas reads {args.ea_format}")
    info = machine()
    log("machine: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    report: dict[str, Any] = {
        "machine": info,
        "settings": {
            "argv": argv,
            "runs": args.runs,
            "ea_format": args.ea_format,
            "filter_type": args.filter_type,
            "json_name": json_path.name,
            "timeout_s": args.timeout,
        },
        "results": {},
    }
    log_dir = Path(tempfile.mkdtemp(prefix="bench-logs-"))
    log(f"server and AppTest logs in {log_dir}")
    playwright_cm = None
    pw = None
    if not args.skip_browser:
        from playwright.sync_api import sync_playwright

        playwright_cm = sync_playwright()
        pw = playwright_cm.start()
    try:
        for size in args.sizes:
            log(f"=== {size:,} events ===")
            before = load_average()
            log(f"load average {before}")
            report["results"][str(size)] = run_size(pw, size, args, log_dir)
            report["results"][str(size)]["_load_average"] = before
            json_path.write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
    finally:
        if playwright_cm is not None:
            playwright_cm.__exit__(None, None, None)
    text = markdown(report)
    out_path.write_text(text, encoding="utf-8")
    json_path.write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
    print(text, flush=True)
    log(f"wrote {out_path} and {json_path}")


if __name__ == "__main__":
    main()
