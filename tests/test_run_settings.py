"""Every documented way to run the app runs with the measured settings.

The settings that matter for speed (no file watcher, no rerun on save, no full garbage
collection after each run) live in .streamlit/config.toml. `scripts/app.sh`, the container's
CMD, Streamlit Community Cloud (which runs `streamlit run app.py`) and `geo serve` all read it,
and none of them overrides it with a flag.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest

from geo.serve import AppServer, free_port
from tests.conftest import ROOT

# setting -> the value measured in benchmarks/RESULTS.md
MEASURED = {
    ("server", "fileWatcherType"): "none",
    ("server", "runOnSave"): False,
    ("runner", "postScriptGC"): False,
}


def app_sh_command() -> list[str]:
    """The command scripts/app.sh ends by running (its `exec` line)."""
    lines = (ROOT / "scripts" / "app.sh").read_text().splitlines()
    (line,) = [line for line in lines if line.startswith("exec ")]
    return [arg for arg in shlex.split(line.removeprefix("exec ")) if arg != "$@"]


def dockerfile_cmd() -> list[str]:
    import json

    (line,) = [
        line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD ")
    ]
    command: list[str] = json.loads(line.removeprefix("CMD "))
    return command


def overrides(command: list[str]) -> list[str]:
    names = {f"--{section}.{name}" for section, name in MEASURED}
    return [arg for arg in command if arg.split("=")[0] in names]


def test_the_config_file_holds_the_measured_settings() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    for (section, name), value in MEASURED.items():
        assert config[section][name] == value, (section, name)


def test_no_documented_command_overrides_them() -> None:
    run = app_sh_command()
    assert run[1:] == ["-m", "streamlit", "run", "app.py"], run
    assert overrides(run) == []
    assert overrides(dockerfile_cmd()) == []
    assert overrides(AppServer(port=free_port()).command()) == []
    readme = (ROOT / "README.md").read_text()
    assert "bash scripts/app.sh" in readme


def test_streamlit_started_as_the_readme_says_reads_them() -> None:
    """Streamlit's own reading of its settings, from the folder app.sh runs it in."""
    shown = subprocess.run(
        [sys.executable, "-m", "streamlit", "config", "show"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    settings = {}
    for line in shown.splitlines():
        name, sep, value = line.partition(" = ")
        if sep and not line.startswith("#"):
            settings[name.strip()] = value.strip()
    assert settings["fileWatcherType"] == '"none"'
    assert settings["runOnSave"] == "false"


def test_a_server_started_with_app_sh_s_command_runs_with_them(tmp_path: Path) -> None:
    """The running server's own settings: app.sh's command from the project's folder, with a
    page that prints them in place of app.py, on a free port of 127.0.0.1 (extra arguments
    app.sh passes on to Streamlit)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from stclient import StreamlitSession, run_sync

    probe = tmp_path / "probe.py"
    probe.write_text(
        "import streamlit as st\n"
        "from streamlit import config\n"
        "names = ('server.fileWatcherType', 'server.runOnSave', 'runner.postScriptGC')\n"
        "st.markdown('settings: ' + '|'.join(str(config.get_option(n)) for n in names))\n"
    )
    run = app_sh_command()
    python = ROOT / run[0]
    if not python.exists():
        pytest.skip(f"{python} is missing: run bash scripts/app.sh once to create it")
    port = free_port()
    assert run[-1] == "app.py", run
    command = [str(python), *run[1:-1], str(probe), "--server.port", str(port)]
    server = subprocess.Popen(
        [*command, "--server.address", "127.0.0.1"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_healthy(port, server)
        session = StreamlitSession(f"http://127.0.0.1:{port}")

        async def read() -> list[str]:
            await session.connect()
            try:
                await session.open()
                return session.texts()
            finally:
                await session.close()

        texts = run_sync(read())
        assert "settings: none|False|False" in texts, texts
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=15)


def _wait_healthy(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server stopped"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError("the server did not answer its health check in 90 s")
