"""Harness for the browser tests: a real `streamlit run` per events file, headless Debian chromium.

- Each server binds 127.0.0.1 on a free port; its output goes to a temp file (a PIPE can fill up
  and block the server), which is attached to the report of any failing browser test.
- Readiness is polled on /_stcore/health with a deadline; teardown ends the server's whole
  process group.
- Chromium is Debian's /usr/bin/chromium (no `playwright install`, no internet). Without it the
  tests are skipped locally, but fail under CI (CI must run them).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

APP_DIR = Path(__file__).resolve().parents[2]
FIXTURES = APP_DIR / "tests" / "fixtures"
ARTIFACTS = APP_DIR / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER_START_TIMEOUT_S = 90.0
POLL_INTERVAL_S = 0.1
VIEWPORT = {"width": 1400, "height": 1000}
# Playwright timeouts (ms): generous, the first render also unpacks the offline basemap.
DEFAULT_TIMEOUT_MS = 30_000
FIRST_RENDER_TIMEOUT_MS = 60_000
LOG_TAIL_CHARS = 20_000


def _unavailable(reason: str) -> None:
    """Skip locally; under CI a missing browser is a failure, never a silent skip."""
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but the browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop_process_group(process: subprocess.Popen[bytes], timeout_s: float = 15) -> None:
    """End a server started with start_new_session=True, and everything it started."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout_s)
    except ProcessLookupError:
        pass


class StreamlitServer:
    """`streamlit run app.py` on 127.0.0.1 showing one events file."""

    def __init__(self, events_file: Path, log_dir: Path) -> None:
        self.events_file = events_file
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"streamlit-{events_file.stem}-{self.port}.log"
        self._log = self.log_path.open("wb")
        env = os.environ.copy()
        env["EVENT_ATLAS_EVENTS"] = str(events_file.resolve())
        env["EVENT_ATLAS_TILES"] = "offline"
        env.pop("EVENT_ATLAS_STATIC_URL", None)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
                # The code under test is the code at start-up: no reloads mid-test.
                "--server.fileWatcherType",
                "none",
            ],
            cwd=APP_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, ended as a whole at teardown
        )

    def wait_ready(self, timeout_s: float = SERVER_START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        health = f"{self.base_url}/_stcore/health"
        last_error = "no answer yet"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited with code {self.process.returncode} before it was "
                    f"ready; its log:\n{self.log_text()}"
                )
            try:
                with urllib.request.urlopen(health, timeout=2) as response:
                    if response.status == 200 and response.read().strip() == b"ok":
                        return
                    last_error = f"HTTP {response.status}"
            except (urllib.error.URLError, OSError) as exc:
                last_error = str(exc)
            time.sleep(POLL_INTERVAL_S)
        raise RuntimeError(
            f"streamlit was not healthy on {health} within {timeout_s:.0f} s ({last_error}); "
            f"its log:\n{self.log_text()}"
        )

    def url(self, query: str = "") -> str:
        return f"{self.base_url}/" + (f"?{query}" if query else "")

    def log_text(self) -> str:
        self._log.flush()
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return text if len(text) <= LOG_TAIL_CHARS else "…" + text[-LOG_TAIL_CHARS:]

    def stop(self) -> None:
        stop_process_group(self.process)
        self._log.close()


_SERVERS: list[StreamlitServer] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keep each phase's report on the item, and attach the server logs to failing tests."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"rep_{report.when}", report)
    if report.failed and item.get_closest_marker("browser") is not None:
        for server in _SERVERS:
            report.sections.append(
                (
                    f"streamlit log ({server.events_file.name}, {server.base_url}, "
                    f"{server.log_path})",
                    server.log_text(),
                )
            )


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[Any]:
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError as exc:
        _unavailable(f"the playwright package is not installed ({exc})")
    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def start_app(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[Path], StreamlitServer]]:
    """Start (once) and return the server for an events file; all are ended at session end."""
    log_dir = tmp_path_factory.mktemp("streamlit-logs")
    by_file: dict[Path, StreamlitServer] = {}

    def start(events_file: Path) -> StreamlitServer:
        key = events_file.resolve()
        if key not in by_file:
            server = StreamlitServer(key, log_dir)
            by_file[key] = server
            _SERVERS.append(server)
            server.wait_ready()
        return by_file[key]

    yield start
    for server in by_file.values():
        server.stop()
        _SERVERS.remove(server)


@pytest.fixture(scope="session")
def atlas(start_app: Callable[[Path], StreamlitServer]) -> StreamlitServer:
    """The app on the realistic fixture (browser_events.yaml)."""
    return start_app(FIXTURES / "browser_events.yaml")


@pytest.fixture(scope="session")
def hostile_atlas(start_app: Callable[[Path], StreamlitServer]) -> StreamlitServer:
    """The app on the script-injection fixture (injection_events.yaml)."""
    return start_app(FIXTURES / "injection_events.yaml")


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page; when its test fails, a screenshot is kept in artifacts/ for the post-mortem."""
    shot = ARTIFACTS / f"failed-{request.node.name}.png"
    shot.unlink(missing_ok=True)  # never leave a screenshot of an earlier failure behind
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed and not page.is_closed():
        ARTIFACTS.mkdir(exist_ok=True)
        try:
            page.screenshot(path=str(shot), full_page=True, timeout=10_000)
            print(f"screenshot of the failing page: {shot}")
        except Exception as exc:  # a broken page must not hide the test's own failure
            print(f"could not take a failure screenshot: {exc}")
