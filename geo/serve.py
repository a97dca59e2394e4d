"""Start Event Atlas servers: the one way, for the CLI, the tests and the benchmarks.

- `AppServer`: one `python -m streamlit run app.py` on 127.0.0.1 and a free (or given) port.
  Its output goes to a log file (a PIPE nobody reads fills up and blocks the server), readiness
  is polled on `/_stcore/health` with a deadline, and `stop()` ends its whole process group.
- `HostedStack`: N AppServers (one per core) behind HAProxy with cookie-based sticky sessions.
  Streamlit keeps a reader's session, uploads and media in one process, so every request of a
  reader must reach the same replica; when that replica dies, HAProxy sends the reader to
  another one, where the same link opens a working page.
- `haproxy_config(...)`: the HAProxy configuration, a pure function (tested, shown in README).
"""

from __future__ import annotations

import contextlib
import csv
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType

from geo.errors import EventAtlasError
from geo.map.assets import install_assets

HOST = "127.0.0.1"
HEALTH_PATH = "/_stcore/health"
# The affinity cookie HAProxy sets, and the response header naming the replica that answered.
AFFINITY_COOKIE = "EA_REPLICA"
REPLICA_HEADER = "X-Event-Atlas-Replica"
CACHE_ANSWER = "haproxy-cache"  # the replica header of a file served from HAProxy's cache
START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 15.0
POLL_INTERVAL_S = 0.1
LOG_TAIL_CHARS = 20_000
# Streamlit options every server gets: no browser, no telemetry. The settings that matter for
# speed (no file watcher, no rerun on save) live in .streamlit/config.toml, which every way to
# run the app reads.
BASE_FLAGS = (
    "--server.headless",
    "true",
    "--browser.gatherUsageStats",
    "false",
)


class ServeError(EventAtlasError):
    """A server could not be started, or stopped answering."""


class HAProxyMissingError(ServeError):
    """HAProxy, which puts replicas behind one address, is not installed."""


def default_app_dir() -> Path:
    """The folder holding app.py: the checkout this package lives in, else the current one."""
    checkout = Path(__file__).resolve().parents[1]
    return checkout if (checkout / "app.py").is_file() else Path.cwd()


def default_replicas() -> int:
    """One replica per core this process may run on (a container's CPU set, if any).

    One Streamlit process runs every session's script under one interpreter lock, so it uses
    about one core: more replicas than cores only add memory.
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def free_port(host: str = HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def stop_process_group(process: subprocess.Popen[bytes], timeout_s: float = STOP_TIMEOUT_S) -> None:
    """End a process started with start_new_session=True, and everything it started."""
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


def _health_answer(url: str) -> str | None:
    """None when `url` answers 200 "ok"; otherwise what it said (or why it did not)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            body = response.read().strip()
            if response.status == 200 and body == b"ok":
                return None
            return f"HTTP {response.status} {body[:80]!r}"
    except (urllib.error.URLError, OSError) as exc:
        return str(exc)


class _LoggedProcess:
    """A child process in its own process group, its output in a log file."""

    def __init__(self, name: str, log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def spawn(self, command: Sequence[str], cwd: Path, env: Mapping[str, str]) -> None:
        if self.running:
            raise ServeError(f"{self.name} is already running (pid {self.pid})")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                list(command),
                cwd=cwd,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, ended as a whole
            )

    @property
    def pid(self) -> int:
        if self.process is None:
            raise ServeError(f"{self.name} was never started")
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_text(self, tail_chars: int = LOG_TAIL_CHARS) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log yet)"
        return text if len(text) <= tail_chars else "…" + text[-tail_chars:]

    def wait_healthy(self, url: str, timeout_s: float) -> float:
        """Poll `url` until it answers "ok"; seconds taken. Fails with the log's tail."""
        started = time.monotonic()
        deadline = started + timeout_s
        last = "no answer yet"
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                code = None if self.process is None else self.process.returncode
                raise ServeError(
                    f"{self.name} exited with code {code} before it was ready; "
                    f"its log ({self.log_path}):\n{self.log_text()}"
                )
            last = _health_answer(url) or ""
            if not last:
                return time.monotonic() - started
            time.sleep(POLL_INTERVAL_S)
        raise ServeError(
            f"{self.name} was not healthy on {url} within {timeout_s:.0f} s ({last}); "
            f"its log ({self.log_path}):\n{self.log_text()}"
        )

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        if self.process is not None:
            stop_process_group(self.process, timeout_s)

    def kill(self) -> None:
        """SIGKILL the whole group at once, as a crash would: no clean shutdown."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT_S)


class AppServer:
    """`python -m streamlit run app.py` on 127.0.0.1, showing one events file.

    `env` adds to (or, with a None value, removes from) this process's environment; `flags`
    are more Streamlit options. Nothing runs until `start()` (or `with AppServer(...)`).
    """

    def __init__(
        self,
        events: Path | None = None,
        *,
        app_dir: Path | None = None,
        script: str | Path = "app.py",
        port: int | None = None,
        env: Mapping[str, str | None] | None = None,
        flags: Sequence[str] = (),
        log_path: Path | None = None,
        name: str = "streamlit",
    ) -> None:
        self.app_dir = (app_dir or default_app_dir()).resolve()
        self.script = Path(script)
        self.events = events.resolve() if events is not None else None
        self.port = port if port is not None else free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        self.name = name
        self._env = dict(env or {})
        self._flags = list(flags)
        log = log_path or Path(tempfile.gettempdir()) / f"event-atlas-{name}-{self.port}.log"
        self._proc = _LoggedProcess(f"{name} on port {self.port}", log)

    @property
    def log_path(self) -> Path:
        return self._proc.log_path

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def running(self) -> bool:
        return self._proc.running

    def url(self, query: str = "") -> str:
        return f"{self.base_url}/" + (f"?{query}" if query else "")

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(self.script),
            "--server.address",
            HOST,
            "--server.port",
            str(self.port),
            *BASE_FLAGS,
            *self._flags,
        ]

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.events is not None:
            env["EVENT_ATLAS_EVENTS"] = str(self.events)
        for key, value in self._env.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    def start(self) -> AppServer:
        if not (self.app_dir / self.script).is_file():
            raise ServeError(f"no {self.script} in {self.app_dir}: give the app's folder")
        # cwd = the app's folder: `import geo` and .streamlit/config.toml come from there.
        self._proc.spawn(self.command(), self.app_dir, self.environment())
        return self

    def wait_ready(self, timeout_s: float = START_TIMEOUT_S) -> float:
        """Seconds until /_stcore/health answered "ok"; ServeError with the log's tail if not."""
        return self._proc.wait_healthy(self.base_url + HEALTH_PATH, timeout_s)

    def log_text(self, tail_chars: int = LOG_TAIL_CHARS) -> str:
        return self._proc.log_text(tail_chars)

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        self._proc.stop(timeout_s)

    def kill(self) -> None:
        self._proc.kill()

    def __enter__(self) -> AppServer:
        self.start()
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()


# -- HAProxy ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Backend:
    """One replica as HAProxy sees it; `name` is also its affinity cookie value."""

    name: str
    port: int
    host: str = HOST


# The headers sign-in proxies (oauth2-proxy, Pomerium, corporate gateways) pass identity in,
# that Streamlit's server.trustedUserHeaders may map to st.user. A client that reaches the app
# with one of them would be whoever it names.
IDENTITY_HEADERS = (
    "X-Forwarded-Email",
    "X-Forwarded-User",
    "X-Forwarded-Groups",
    "X-Forwarded-Preferred-Username",
    "X-Auth-Request-Email",
    "X-Auth-Request-User",
    "X-Auth-Request-Groups",
    "X-Auth-Request-Preferred-Username",
    "Remote-User",
    "Remote-Email",
    "Remote-Groups",
)


def trusted_user_headers(
    app_dir: Path, flags: Sequence[str] = (), environ: Mapping[str, str] = os.environ
) -> tuple[str, ...]:
    """The header names Streamlit's `server.trustedUserHeaders` maps, wherever it is set: the
    app's .streamlit/config.toml, the STREAMLIT_SERVER_TRUSTED_USER_HEADERS variable, or a
    --server.trustedUserHeaders flag (the last one given wins, as Streamlit reads them)."""
    import json
    import tomllib

    found: object = None
    config = app_dir / ".streamlit" / "config.toml"
    if config.is_file():
        with contextlib.suppress(OSError, tomllib.TOMLDecodeError):
            found = (
                tomllib.loads(config.read_text(encoding="utf-8"))
                .get("server", {})
                .get("trustedUserHeaders")
            )
    for raw in [environ.get("STREAMLIT_SERVER_TRUSTED_USER_HEADERS")] + [
        flags[i + 1] for i, flag in enumerate(flags[:-1]) if flag == "--server.trustedUserHeaders"
    ]:
        if raw:
            with contextlib.suppress(ValueError):
                found = json.loads(raw)
    return tuple(str(name) for name in found) if isinstance(found, dict) else ()


@dataclass(frozen=True)
class ProxySettings:
    bind_host: str = HOST
    port: int = 8501
    # Identity headers (a sign-in proxy's) that clients must not send: dropped on the way in,
    # unless a trusted sign-in proxy in front sets them (then only it may reach this port).
    strip_headers: tuple[str, ...] = IDENTITY_HEADERS
    # Health checks: a replica whose port refuses (it crashed) fails each check at once and is
    # out after `fall` checks, within ~2 s. A replica busy running scripts answers late (up to
    # 20 s measured here, 50 readers on each of 2 replicas): a busy replica is not a dead one,
    # so a check may take up to `check_timeout_s`.
    check_inter_ms: int = 1000
    check_fastinter_ms: int = 400
    check_fall: int = 3
    check_rise: int = 2
    check_timeout_s: int = 60
    # Static files (Streamlit's frontend, Leaflet, tiles) are answered from HAProxy's memory.
    cache_mb: int = 64
    cache_max_object_bytes: int = 4 * 1024 * 1024
    cache_max_age_s: int = 3600
    stats_socket: Path | None = None


STATIC_PATHS = ("/static/", "/app/static/")


def haproxy_config(backends: Sequence[Backend], settings: ProxySettings | None = None) -> str:
    """HAProxy's configuration for Event Atlas replicas: sticky sessions, websockets, checks."""
    if not backends:
        raise ServeError("HAProxy needs at least one replica")
    s = settings or ProxySettings()
    stats = (
        [f"    stats socket {s.stats_socket} mode 600 level admin"]
        if s.stats_socket is not None
        else []
    )
    servers = [f"    server {b.name} {b.host}:{b.port} check cookie {b.name}" for b in backends]
    return "\n".join(
        [
            "# Event Atlas behind HAProxy: generated by geo.serve.haproxy_config.",
            "global",
            "    maxconn 4096",
            *stats,
            "",
            "defaults",
            "    mode http",
            "    timeout connect 3s",
            "    timeout client 1m",
            "    timeout server 2m",
            "    timeout http-request 10s",
            "    timeout http-keep-alive 10s",
            "    timeout queue 1m",
            f"    timeout check {s.check_timeout_s}s",
            "    # A websocket (/_stcore/stream) is a tunnel once upgraded: a reader may sit",
            "    # on a page for long without a message either way.",
            "    timeout tunnel 1h",
            "    timeout client-fin 30s",
            "    # A request whose replica refuses it (crashed) is retried on another one at once",
            "    # (redispatch on every retry: no turn-around wait on the dead one).",
            "    retries 2",
            "    option redispatch 1",
            "",
            "cache static_files",
            f"    total-max-size {s.cache_mb}",
            f"    max-object-size {s.cache_max_object_bytes}",
            f"    max-age {s.cache_max_age_s}",
            "    process-vary on",
            "",
            "frontend event_atlas",
            f"    bind {s.bind_host}:{s.port}",
            *_strip_lines(s.strip_headers),
            "    default_backend replicas",
            "",
            "backend replicas",
            "    # A reader's websocket lives long: a new reader goes to the least busy replica.",
            "    balance leastconn",
            "    # Sticky sessions: the first answer sets the cookie; later requests follow it.",
            f"    cookie {AFFINITY_COOKIE} insert indirect nocache httponly",
            f"    option httpchk GET {HEALTH_PATH}",
            "    http-check expect string ok",
            f"    default-server inter {s.check_inter_ms}ms fastinter {s.check_fastinter_ms}ms"
            f" downinter {s.check_inter_ms}ms fall {s.check_fall} rise {s.check_rise}",
            "    # Static files come from HAProxy's memory once one replica has served them.",
            "    acl static_file path_beg " + " ".join(STATIC_PATHS),
            "    http-request set-var(txn.static) bool(true) if static_file",
            "    http-request cache-use static_files if static_file",
            "    http-response cache-store static_files if { var(txn.static) -m bool }",
            "    # Which replica answered (tests and debugging); a cached file names the cache.",
            f"    http-response set-header {REPLICA_HEADER} %[srv_name]",
            f"    http-response set-header {REPLICA_HEADER} {CACHE_ANSWER} if {{ res.cache_hit }}",
            *servers,
            "",
        ]
    )


def _strip_lines(headers: Sequence[str]) -> list[str]:
    if not headers:
        return ["    # Identity headers pass: a trusted sign-in proxy in front sets them."]
    return [
        "    # Identity headers come only from a trusted sign-in proxy: a client's own are",
        "    # dropped, or anyone could name themselves an editor (server.trustedUserHeaders).",
        *(f"    http-request del-header {name}" for name in dict.fromkeys(headers)),
    ]


def haproxy_binary() -> str:
    found = shutil.which("haproxy")
    if found is None:
        raise HAProxyMissingError(
            "haproxy is not installed (it puts the replicas behind one address): "
            "run `apt-get install haproxy` (with sudo unless root), or `bash scripts/host.sh`"
        )
    return found


def check_haproxy_config(binary: str, config: Path) -> None:
    result = subprocess.run(
        [binary, "-c", "-q", "-f", str(config)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if result.returncode != 0:
        raise ServeError(f"HAProxy refuses {config}:\n{result.stdout}{result.stderr}")


def haproxy_server_states(stats_socket: Path) -> dict[str, str]:
    """Each server's status as HAProxy sees it ("UP", "DOWN", "UP 1/2"…), by server name."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        sock.connect(str(stats_socket))
        sock.sendall(b"show stat\n")
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    lines = b"".join(chunks).decode("utf-8", errors="replace").lstrip("# ").splitlines()
    rows = csv.DictReader(line for line in lines if line.strip())
    return {
        row["svname"]: row["status"]
        for row in rows
        if row.get("pxname") == "replicas" and row.get("svname") not in ("BACKEND", None)
    }


class HostedStack:
    """N replicas of the app behind HAProxy on one address; see the README's hosting section."""

    def __init__(
        self,
        events: Path | None = None,
        *,
        replicas: int | None = None,
        port: int | None = None,
        bind_host: str = HOST,
        app_dir: Path | None = None,
        env: Mapping[str, str | None] | None = None,
        flags: Sequence[str] = (),
        work_dir: Path | None = None,
        trusted_sign_in_proxy: bool = False,
    ) -> None:
        count = default_replicas() if replicas is None else replicas
        if count < 1:
            raise ServeError(f"--replicas {count}: at least one replica is needed")
        self.app_dir = (app_dir or default_app_dir()).resolve()
        self._own_work_dir = work_dir is None
        self.work_dir = work_dir or Path(tempfile.mkdtemp(prefix="event-atlas-host-"))
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.port = port if port is not None else free_port(bind_host)
        self.bind_host = bind_host
        self.base_url = f"http://{HOST if bind_host in ('0.0.0.0', '') else bind_host}:{self.port}"
        self.replicas = [
            AppServer(
                events,
                app_dir=self.app_dir,
                env=env,
                flags=flags,
                log_path=self.work_dir / f"r{i}.log",
                name=f"r{i}",
            )
            for i in range(1, count + 1)
        ]
        # Unless a trusted sign-in proxy sits in front (and alone reaches this port), identity
        # headers from clients are dropped: the usual names, and those the app maps.
        self.strip_headers = (
            ()
            if trusted_sign_in_proxy
            else (*IDENTITY_HEADERS, *trusted_user_headers(self.app_dir, flags))
        )
        self.stats_socket = self.work_dir / "haproxy.sock"
        self.config_path = self.work_dir / "haproxy.cfg"
        self._proxy = _LoggedProcess("haproxy", self.work_dir / "haproxy.log")

    @property
    def backends(self) -> list[Backend]:
        return [Backend(r.name, r.port) for r in self.replicas]

    def config_text(self) -> str:
        settings = ProxySettings(
            bind_host=self.bind_host,
            port=self.port,
            stats_socket=self.stats_socket,
            strip_headers=self.strip_headers,
        )
        return haproxy_config(self.backends, settings)

    def url(self, query: str = "") -> str:
        return f"{self.base_url}/" + (f"?{query}" if query else "")

    @property
    def haproxy_pid(self) -> int:
        return self._proxy.pid

    def start(self, timeout_s: float = START_TIMEOUT_S) -> HostedStack:
        try:
            binary = haproxy_binary()  # fail before starting anything
            self.config_path.write_text(self.config_text(), encoding="utf-8")
            check_haproxy_config(binary, self.config_path)
            # Unpack the map's assets once, before N processes would race to do it.
            install_assets(self.app_dir / "static")
            for replica in self.replicas:
                replica.start()
            for replica in self.replicas:
                replica.wait_ready(timeout_s)
            self._proxy.spawn(
                [binary, "-db", "-f", str(self.config_path)], self.work_dir, os.environ
            )
            self._proxy.wait_healthy(self.base_url + HEALTH_PATH, timeout_s)
            self.wait_states("UP", [r.name for r in self.replicas], timeout_s)
        except BaseException:
            self.stop()
            raise
        return self

    def server_states(self) -> dict[str, str]:
        return haproxy_server_states(self.stats_socket)

    def wait_states(self, wanted: str, names: Sequence[str], timeout_s: float) -> None:
        """Poll HAProxy until every named server's status starts with `wanted` (UP, DOWN)."""
        deadline = time.monotonic() + timeout_s
        states: dict[str, str] = {}
        while time.monotonic() < deadline:
            states = self.server_states()
            if all(states.get(name) == wanted for name in names):
                return
            time.sleep(POLL_INTERVAL_S)
        raise ServeError(
            f"HAProxy did not see {', '.join(names)} {wanted} within {timeout_s:.0f} s: {states}"
        )

    def kill(self, index: int) -> AppServer:
        """SIGKILL replica `index` (0-based), as a crash would; returns it."""
        replica = self.replicas[index]
        replica.kill()
        return replica

    def revive(self, timeout_s: float = START_TIMEOUT_S) -> list[str]:
        """Restart every replica that died, on its own port; the names restarted."""
        dead = [r for r in self.replicas if not r.running]
        for replica in dead:
            replica.start()
        for replica in dead:
            replica.wait_ready(timeout_s)
        return [r.name for r in dead]

    @property
    def proxy_running(self) -> bool:
        return self._proxy.running

    def log_text(self, tail_chars: int = 4000) -> str:
        parts = [f"== haproxy ({self._proxy.log_path})\n{self._proxy.log_text(tail_chars)}"]
        for replica in self.replicas:
            parts.append(f"== {replica.name} ({replica.log_path})\n{replica.log_text(tail_chars)}")
        return "\n".join(parts)

    def stop(self) -> None:
        self._proxy.stop()
        for replica in self.replicas:
            replica.stop()
        if self._own_work_dir:
            shutil.rmtree(self.work_dir, ignore_errors=True)

    def __enter__(self) -> HostedStack:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (a service manager's stop) and SIGINT end the program like Ctrl-C.

    Replicas run in their own process groups, so nobody but this process stops them.
    """

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous_term = signal.signal(signal.SIGTERM, interrupt)
    # A shell starts background jobs with SIGINT ignored; this program still wants Ctrl-C.
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous_term)
        signal.signal(signal.SIGINT, previous_int)


def run_until_stopped(
    stack: HostedStack, report: Callable[[str], None], poll_s: float = 1.0
) -> None:
    """Block until Ctrl-C (KeyboardInterrupt); restart any replica that dies meanwhile.

    HAProxy has already moved the dead replica's readers to the others; the restart only gives
    the capacity back. The caller stops the stack.
    """
    while True:
        time.sleep(poll_s)
        if not stack.proxy_running:
            raise ServeError(f"HAProxy exited; the logs:\n{stack.log_text()}")
        for name in stack.revive():
            report(f"replica {name} had stopped; restarted on its port")
