"""Harness for the browser tests: a real `streamlit run` per events file, headless Debian chromium.

- Each server is a geo.serve.AppServer (the one way servers are started): 127.0.0.1 on a free
  port, output in a temp file (a PIPE can fill up and block the server) that is attached to the
  report of any failing browser test, readiness polled on /_stcore/health with a deadline, and
  teardown ending the server's whole process group.
- Chromium is Debian's /usr/bin/chromium (no `playwright install`, no internet). Without it the
  tests are skipped locally, but fail under CI (CI must run them).
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from geo.serve import AppServer, free_port

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from browser_visit import CHROMIUM as _CHROMIUM
from browser_visit import CHROMIUM_ARGS

APP_DIR = Path(__file__).resolve().parents[2]
FIXTURES = APP_DIR / "tests" / "fixtures"
ARTIFACTS = APP_DIR / "artifacts"
# One list of Chromium's flags for the tests and the benchmarks (benchmarks/browser_visit.py).
CHROMIUM = Path(_CHROMIUM)
VIEWPORT = {"width": 1400, "height": 1000}
# Playwright timeouts (ms): generous, the first render also unpacks the offline basemap.
DEFAULT_TIMEOUT_MS = 30_000
FIRST_RENDER_TIMEOUT_MS = 60_000


def _unavailable(reason: str) -> None:
    """Skip locally; under CI a missing browser is a failure, never a silent skip."""
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but the browser tests cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


class StreamlitServer(AppServer):
    """`streamlit run app.py` on 127.0.0.1 showing one events file (geo.serve.AppServer).

    Offline tiles whatever this shell says, and the default static URL; started at once.
    """

    def __init__(self, events_file: Path, log_dir: Path) -> None:
        port = free_port()
        super().__init__(
            events_file,
            app_dir=APP_DIR,
            port=port,
            env={"EVENT_ATLAS_TILES": "offline", "EVENT_ATLAS_STATIC_URL": None},
            log_path=log_dir / f"streamlit-{events_file.stem}-{port}.log",
        )
        self.events_file = events_file
        self.start()


_SERVERS: list[AppServer] = []

# A sign-in proxy's identity headers, as the desk's browser tests send them.
DESK_HEADERS = (
    '{"X-Forwarded-Email": "email", "X-Forwarded-User": "name", "X-Forwarded-Groups": "groups"}'
)


@contextmanager
def seeded_desk(folder: Path, name: str) -> Iterator[tuple[AppServer, Any]]:
    """A desk on SQLite seeded with the shipped events, signed in by proxy headers (Ada is an
    admin), served as `streamlit run`; its log goes with a failing test's report."""
    from geo.desk.store import DeskStore, open_database
    from geo.loader import load_events

    shipped = APP_DIR / "data" / "events.yaml"
    url = f"sqlite:{folder / 'desk.sqlite'}"
    store = DeskStore(open_database(url))
    store.seed_published(load_events(shipped).events, shipped.name)
    server = AppServer(
        shipped,
        app_dir=APP_DIR,
        env={
            "EVENT_ATLAS_DESK": url,
            "EVENT_ATLAS_SIGN_IN": "headers",
            "EVENT_ATLAS_TILES": "offline",
            "EVENT_ATLAS_ADMINS": "ada@example.org",
        },
        flags=["--server.trustedUserHeaders", DESK_HEADERS],
        log_path=folder / "streamlit.log",
        name=name,
    )
    with server, logs_attached(server):
        server.wait_ready()
        yield server, store


@contextmanager
def logs_attached(server: AppServer) -> Iterator[AppServer]:
    """While in use, a failing browser test's report carries this server's log."""
    _SERVERS.append(server)
    try:
        yield server
    finally:
        _SERVERS.remove(server)


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
                    f"streamlit log ({server.name}, {server.base_url}, {server.log_path})",
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
def large_atlas(
    start_app: Callable[[Path], StreamlitServer], large_store_file: Path
) -> StreamlitServer:
    """The app on the session's 100,000 synthetic events (tests/conftest.py)."""
    return start_app(large_store_file)


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


# A run's end as the server reports it, not a run cut short by a newer one: finished
# successfully, with a compile error, or a fragment's run finished (ScriptFinishedStatus).
_FINAL_RUN_ENDS = frozenset({0, 1, 3})
_APP_NOT_RUNNING = (
    "() => document.querySelector('[data-testid=\"stApp\"]')"
    "?.getAttribute('data-test-script-state') === 'notRunning'"
)


class ScriptRuns:
    """One page's script runs, read from its websocket: the requests to run the script it sends
    and the ends of runs its server reports.

    The server's messages are counted, not the app root's state attribute: when the browser is
    busy, React renders "running" and "notRunning" in one go and the attribute never changes.
    """

    def __init__(self, page: Any) -> None:
        self.page = page
        self.requested = 0
        self.finished = 0
        # How many runs had finished when the last request was sent.
        self.finished_at_request = 0
        page.on("websocket", self._watch)

    def _watch(self, socket: Any) -> None:
        socket.on("framesent", self._sent)
        socket.on("framereceived", self._received)

    def _sent(self, payload: Any) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        message = BackMsg()
        try:
            message.ParseFromString(payload if isinstance(payload, bytes) else b"")
        except Exception:
            return
        # Only a request to run the script: the page also sends heartbeats and other messages.
        if message.WhichOneof("type") == "rerun_script":
            self.requested += 1
            self.finished_at_request = self.finished

    def _received(self, payload: Any) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        message = ForwardMsg()
        try:
            message.ParseFromString(payload if isinstance(payload, bytes) else b"")
        except Exception:
            return
        ended = message.WhichOneof("type") == "script_finished"
        if ended and message.script_finished in _FINAL_RUN_ENDS:
            self.finished += 1

    def wait_until(self, done: Callable[[], bool], timeout_ms: float) -> bool:
        """Let Playwright deliver the socket's messages until `done()` or the timeout."""
        deadline = time.monotonic() + timeout_ms / 1000
        while not done():
            if time.monotonic() >= deadline:
                return False
            self.page.wait_for_timeout(50)
        return True

    def wait_finished(self, count: int, timeout_ms: float) -> None:
        """Wait until `count` runs have ended and the page has drawn the last one."""
        if not self.wait_until(lambda: self.finished >= count, timeout_ms):
            raise AssertionError(
                f"{self.finished} of {count} runs of the page's script ended "
                f"in {timeout_ms / 1000:.0f} s"
            )
        self.page.wait_for_function(_APP_NOT_RUNNING, polling=100, timeout=timeout_ms)

    def click_and_wait(self, target: Any, timeout_ms: float, not_sent_ms: float = 10_000) -> None:
        """Click and wait for the run the click asked for to end.

        A click after which the page asked its server for nothing (it was busy laying itself
        out) is made once more; a click that reached the server is never repeated.
        """
        for _ in range(2):
            requested = self.requested
            target.click()
            if self.wait_until(lambda asked=requested: self.requested > asked, not_sent_ms):
                self.wait_finished(self.finished_at_request + 1, timeout_ms)
                return
        raise AssertionError("clicking twice sent the server no request to run the script")


def as_shown(text: str) -> re.Pattern[str]:
    """A pattern for text as the page shows it: user text goes through geo.escape's
    escape_markdown, which puts an invisible word joiner (U+2060) after each "@" (and inside
    "://" and "www.") so that no e-mail address or URL becomes a link."""
    pattern = re.escape(text)
    for plain in ("@", "/", r"\."):
        pattern = pattern.replace(plain, plain + "\u2060?")
    return re.compile(pattern)
