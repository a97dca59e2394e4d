"""Hosting many readers: HAProxy's configuration, and 2 replicas behind it on 127.0.0.1.

The integration tests drive real `streamlit run` replicas through a real HAProxy with
benchmarks/stclient.py, a client that speaks Streamlit's websocket protocol the way the browser
does. Without haproxy they are skipped locally and fail under CI (CI must run them). Every wait
polls with a deadline.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from geo import load_events
from geo.serve import (
    AFFINITY_COOKIE,
    CACHE_ANSWER,
    IDENTITY_HEADERS,
    REPLICA_HEADER,
    AppServer,
    Backend,
    HAProxyMissingError,
    HostedStack,
    ProxySettings,
    ServeError,
    check_haproxy_config,
    haproxy_config,
)
from tests.conftest import ROOT, SHIPPED_EVENTS

sys.path.insert(0, str(ROOT / "benchmarks"))
from stclient import HttpAnswer, StreamlitSession, http_get, run_sync

READERS = 20
RUN_TIMEOUT_S = 120.0
SHOWN = re.compile(r"([\d,]+) of ([\d,]+) events shown")
APP_ENV: dict[str, str | None] = {"EVENT_ATLAS_TILES": "offline", "EVENT_ATLAS_STATIC_URL": None}


def _require_haproxy() -> None:
    """Skip locally; under CI a missing haproxy is a failure, never a silent skip."""
    if shutil.which("haproxy") is None:
        reason = "haproxy is not installed (apt-get install haproxy)"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but the hosting tests cannot run: {reason}", pytrace=False)
        pytest.skip(reason)


# -- haproxy_config ---------------------------------------------------------------------------

BACKENDS = [Backend("r1", 9101), Backend("r2", 9102)]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()]


def test_config_has_sticky_sessions_and_one_server_line_per_replica() -> None:
    lines = _lines(haproxy_config(BACKENDS, ProxySettings(port=8600)))
    assert f"cookie {AFFINITY_COOKIE} insert indirect nocache httponly" in lines
    assert "server r1 127.0.0.1:9101 check cookie r1" in lines
    assert "server r2 127.0.0.1:9102 check cookie r2" in lines
    assert "bind 127.0.0.1:8600" in lines
    assert "balance leastconn" in lines


def test_config_keeps_websockets_open_and_redispatches_from_a_dead_replica() -> None:
    lines = _lines(haproxy_config(BACKENDS))
    assert "timeout tunnel 1h" in lines
    assert "option redispatch 1" in lines
    assert any(re.fullmatch(r"retries [1-9]", line) for line in lines)


def test_config_checks_health_and_notices_a_dead_replica_within_two_seconds() -> None:
    settings = ProxySettings()
    lines = _lines(haproxy_config(BACKENDS, settings))
    assert "option httpchk GET /_stcore/health" in lines
    assert "http-check expect string ok" in lines
    default_server = next(line for line in lines if line.startswith("default-server"))
    assert f"inter {settings.check_inter_ms}ms" in default_server
    assert f"fall {settings.check_fall}" in default_server
    # A crashed replica refuses at once: the first failed check comes within one interval, the
    # others at the fast interval.
    worst_ms = settings.check_inter_ms + (settings.check_fall - 1) * settings.check_fastinter_ms
    assert worst_ms <= 2000
    # A busy one answers late (20 s measured with 50 readers per replica): it is not dead.
    assert f"timeout check {settings.check_timeout_s}s" in lines
    assert settings.check_timeout_s >= 30


def test_config_serves_static_files_from_its_cache_and_names_the_replica() -> None:
    text = haproxy_config(BACKENDS)
    lines = _lines(text)
    assert "cache static_files" in lines
    assert "acl static_file path_beg /static/ /app/static/" in lines
    assert "http-request cache-use static_files if static_file" in lines
    assert any(line.startswith("http-response cache-store static_files") for line in lines)
    assert f"http-response set-header {REPLICA_HEADER} %[srv_name]" in lines
    assert "stats socket" not in text  # only when asked for


def test_config_refuses_no_replicas() -> None:
    with pytest.raises(ServeError, match="at least one replica"):
        haproxy_config([])


def test_readme_shows_the_config_haproxy_config_writes() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = readme.split("<!-- haproxy-config:")[1].split("```haproxy\n")[1].split("```")[0]
    backends = [Backend("r1", 40001), Backend("r2", 40002)]
    assert shown == haproxy_config(backends, ProxySettings(port=8501))


def test_haproxy_accepts_the_config(tmp_path: Path) -> None:
    _require_haproxy()
    config = tmp_path / "haproxy.cfg"
    settings = ProxySettings(port=8600, stats_socket=tmp_path / "haproxy.sock")
    config.write_text(haproxy_config(BACKENDS, settings), encoding="utf-8")
    check_haproxy_config(str(shutil.which("haproxy")), config)


def test_config_drops_identity_headers_unless_a_sign_in_proxy_is_trusted() -> None:
    lines = _lines(haproxy_config(BACKENDS))
    frontend = lines[lines.index("frontend event_atlas") : lines.index("backend replicas")]
    assert "http-request del-header X-Forwarded-Email" in frontend
    assert "http-request del-header X-Forwarded-Groups" in frontend
    trusted = _lines(haproxy_config(BACKENDS, ProxySettings(strip_headers=())))
    assert not any("del-header" in line for line in trusted)


def test_the_headers_the_app_maps_are_dropped_too(tmp_path: Path) -> None:
    """Whatever names server.trustedUserHeaders gives (config file, variable or flag)."""
    from geo.serve import trusted_user_headers

    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "config.toml").write_text(
        '[server]\ntrustedUserHeaders = {"X-Corp-Mail" = "email"}\n', encoding="utf-8"
    )
    assert trusted_user_headers(tmp_path, environ={}) == ("X-Corp-Mail",)
    flags = ["--server.trustedUserHeaders", '{"X-Gateway-User": "email"}']
    assert trusted_user_headers(tmp_path, flags, environ={}) == ("X-Gateway-User",)
    stack = HostedStack(SHIPPED_EVENTS, replicas=1, app_dir=tmp_path, flags=flags)
    try:
        assert "http-request del-header X-Gateway-User" in _lines(stack.config_text())
    finally:
        stack.stop()


def test_haproxy_really_drops_a_clients_identity_headers(tmp_path: Path) -> None:
    """Through a real HAProxy to a backend that echoes the headers it got."""
    import http.server
    import json
    import threading
    import urllib.request

    from geo.serve import free_port

    _require_haproxy()

    class Echo(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = (
                b"ok" if self.path.endswith("/health") else json.dumps(dict(self.headers)).encode()
            )
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return None

    backend = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    binary = str(shutil.which("haproxy"))
    try:
        for trusted in (False, True):
            port = free_port()
            config = tmp_path / f"haproxy-{trusted}.cfg"
            settings = ProxySettings(port=port, strip_headers=() if trusted else IDENTITY_HEADERS)
            config.write_text(
                haproxy_config([Backend("r1", backend.server_address[1])], settings),
                encoding="utf-8",
            )
            proxy = subprocess.Popen([binary, "-db", "-f", str(config)], cwd=tmp_path)
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/echo",
                    headers={"X-Forwarded-Email": "admin@example.org", "X-Other": "kept"},
                )
                deadline = time.monotonic() + 20
                while True:
                    try:
                        with urllib.request.urlopen(request, timeout=5) as answer:
                            got = {k.lower(): v for k, v in json.loads(answer.read()).items()}
                        break
                    except OSError:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.1)
                assert got["x-other"] == "kept"
                assert ("x-forwarded-email" in got) is trusted, got
            finally:
                proxy.terminate()
                proxy.wait(timeout=10)
    finally:
        backend.shutdown()


def test_missing_haproxy_names_the_remedy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("geo.serve.shutil.which", lambda _name: None)
    with pytest.raises(HAProxyMissingError, match="apt-get install haproxy"):
        HostedStack(replicas=1).start()


def test_app_server_binds_localhost_without_file_watcher() -> None:
    server = AppServer(Path("events.yaml"), port=8765, env={"EXTRA": "1", "HOME": None})
    command = server.command()
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    assert command[command.index("--server.port") + 1] == "8765"
    # No watcher flag: .streamlit/config.toml sets it for every way to run the app
    # (tests/test_run_settings.py), so a flag here could only disagree with it.
    assert "--server.fileWatcherType" not in command
    env = server.environment()
    assert env["EVENT_ATLAS_EVENTS"] == str(Path("events.yaml").resolve())
    assert env["EXTRA"] == "1" and "HOME" not in env
    assert server.url("a=1") == "http://127.0.0.1:8765/?a=1"


def test_app_server_that_cannot_start_fails_with_its_log(tmp_path: Path) -> None:
    server = AppServer(flags=["--server.port", "not-a-port"], log_path=tmp_path / "s.log")
    with pytest.raises(ServeError, match="exited with code") as failure:
        server.__enter__()
    assert "not-a-port" in str(failure.value)  # Streamlit's own complaint, from the log
    assert not server.running


# -- 2 replicas behind HAProxy ----------------------------------------------------------------


@contextmanager
def logs_on_failure(stack: HostedStack) -> Iterator[None]:
    """Attach every log (HAProxy, each replica) to a failing assertion."""
    try:
        yield
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n\nlogs:\n{stack.log_text()}") from exc


@pytest.fixture(scope="module")
def stack() -> Iterator[HostedStack]:
    _require_haproxy()
    with HostedStack(SHIPPED_EVENTS, replicas=2, env=APP_ENV) as started:
        yield started


def shown(session: StreamlitSession) -> tuple[int, int]:
    """(events shown, events in the file), from the page's "N of M events shown"."""
    for text in session.texts():
        found = SHOWN.search(text)
        if found:
            return int(found[1].replace(",", "")), int(found[2].replace(",", ""))
    raise AssertionError(f"no 'events shown' on the page: {session.texts()}")


def replica(session: StreamlitSession) -> str:
    return str(session.upgrade_header(REPLICA_HEADER))


async def _open_all(url: str, query: str, count: int) -> list[StreamlitSession]:
    sessions = [StreamlitSession(url, query, timeout_s=RUN_TIMEOUT_S) for _ in range(count)]
    results = await asyncio.gather(*(s.open() for s in sessions))
    for number, result in enumerate(results):
        assert result.ok, f"reader {number}: {result.failure}"
    return sessions


async def _reconnect_and_rerun(session: StreamlitSession) -> None:
    await session.reconnect()
    result = await session.rerun()
    assert result.ok, result.failure


def _deep_link() -> tuple[str, int, int]:
    """A shelling event's link, how many events it shows, and how many the file holds."""
    events = yaml.safe_load(SHIPPED_EVENTS.read_text(encoding="utf-8"))["events"]
    shelling = [e for e in events if e["event_type"] == "shelling"]
    return f"type=shelling&event={shelling[0]['id']}", len(shelling), len(events)


def test_readers_stay_on_their_replica_and_survive_its_death(stack: HostedStack) -> None:
    query, expected_shown, total = _deep_link()

    async def scenario() -> None:
        sessions = await _open_all(stack.base_url, query, READERS)
        first_replica = {id(s): replica(s) for s in sessions}
        first_session = {id(s): s.session_id for s in sessions}
        for session in sessions:
            assert shown(session) == (expected_shown, total)
            assert replica(session) in ("r1", "r2")
            assert session.cookies.get(AFFINITY_COOKIE) == replica(session)
        assert set(first_replica.values()) == {"r1", "r2"}, "both replicas get readers"

        # A websocket reconnect (network blip) lands on the same replica, in the same session.
        await asyncio.gather(*(_reconnect_and_rerun(s) for s in sessions))
        for session in sessions:
            assert replica(session) == first_replica[id(session)]
            assert session.session_id == first_session[id(session)], "the session is kept"

        # r1 crashes: its readers reconnect through the proxy and get the same page from r2.
        killed_at = time.monotonic()
        stack.kill(0)
        on_r1 = [s for s in sessions if first_replica[id(s)] == "r1"]
        on_r2 = [s for s in sessions if first_replica[id(s)] == "r2"]
        await asyncio.gather(*(_reconnect_and_rerun(s) for s in on_r1))
        for session in on_r1:
            assert replica(session) == "r2"
            assert session.cookies.get(AFFINITY_COOKIE) == "r2"
            assert session.session_id != first_session[id(session)], "a new session on r2"
            assert shown(session) == (expected_shown, total)
        for session in on_r2:  # never disturbed
            result = await session.rerun()
            assert result.ok, result.failure
            assert session.session_id == first_session[id(session)]
        stack.wait_states("DOWN", ["r1"], timeout_s=10)
        assert time.monotonic() - killed_at < 10
        await asyncio.gather(*(s.close() for s in sessions))

    with logs_on_failure(stack):
        run_sync(scenario())


def test_static_files_come_from_the_proxy_cache(stack: HostedStack) -> None:
    async def fetch_twice() -> list[HttpAnswer]:
        session = StreamlitSession(stack.base_url)
        await session.connect()  # the page and its cookies, as a browser first does
        path = "/app/static/leaflet/leaflet.js"
        answers = [await http_get(stack.base_url, path, session.cookies, 30) for _ in range(2)]
        await session.close()
        return answers

    with logs_on_failure(stack):
        first, second = run_sync(fetch_twice())
        assert first.status == second.status == 200
        assert second.header(REPLICA_HEADER) == CACHE_ANSWER


# -- a data change reaches every replica ------------------------------------------------------


def _without_last_event(text: str) -> str:
    """The events file without its last event (events are the file's last list)."""
    cut = text.rindex("\n  - id: ")
    return text[:cut] + "\n"


def test_an_edited_events_file_reaches_every_replica(tmp_path: Path) -> None:
    _require_haproxy()
    events_file = tmp_path / "events.yaml"
    shutil.copyfile(SHIPPED_EVENTS, events_file)
    total = len(load_events(events_file).events)

    async def totals_per_replica(url: str) -> dict[str, int]:
        found = {}
        for name in ("r1", "r2"):
            session = StreamlitSession(
                url, timeout_s=RUN_TIMEOUT_S, cookies={AFFINITY_COOKIE: name}
            )
            result = await session.open()
            assert result.ok, result.failure
            assert replica(session) == name
            found[name] = shown(session)[1]
            await session.close()
        return found

    with HostedStack(events_file, replicas=2, env=APP_ENV) as hosted, logs_on_failure(hosted):
        assert run_sync(totals_per_replica(hosted.base_url)) == {"r1": total, "r2": total}
        events_file.write_text(_without_last_event(events_file.read_text("utf-8")), "utf-8")
        assert len(load_events(events_file).events) == total - 1
        changed = run_sync(totals_per_replica(hosted.base_url))
        assert changed == {"r1": total - 1, "r2": total - 1}
