"""The container recipe (`Dockerfile`) builds and serves.

What this machine can do offline decides how (checked on Debian bookworm, as root):
- A real image build needs the base image (`python:3.11-slim`, from a registry) and PyPI (the
  recipe's `pip install .`); a test reaches neither. Debian's podman 4.3 cannot start a
  container here (crun refuses cgroups in hybrid mode); buildah can build and run with
  `--isolation chroot`, from a base image made of this machine's own files.
- So the test that always runs (`test_the_stand_in_image_...` and the ones after it) carries out
  the Dockerfile itself, step by step, in a fresh folder standing in for the image's root
  (`StandInImage`): COPY copies exactly the paths it names from the repository (honouring
  `.dockerignore`), so a file the image needs but no COPY brings shows as a failure; RUN runs
  under `/bin/sh -c` with `python` and `pip` those of a fresh virtual environment that holds
  the project's dependencies (and its build backend) but not the project: `pip install` runs
  offline (`--no-index --no-deps --no-build-isolation`) and installs the copied project into
  it. Then the CMD is started from the WORKDIR, on 127.0.0.1 and a free port in place of
  0.0.0.0:8501 (the only two arguments rewritten), and the health endpoint, the page, the
  offline map's files, one page run and the HEALTHCHECK's own command (its port rewritten the
  same way) are checked.
- `test_buildah_builds_the_recipe_and_the_image_serves` builds the same Dockerfile with
  buildah, from a base image it makes of this machine's Python and the same packages, and
  serves the image (about 90 s); it is skipped, with the reason, where buildah is not
  installed (scripts/test.sh does not install it) or the tests do not run as root.
- `test_every_module_the_recipe_names_imports` needs no build: every module and name the
  Dockerfile's commands import exists, and every call to an imported function fits its
  signature, so a module that moves fails here at once.

Prerequisites missing (the project's packages in this environment) skip locally and fail under
CI, like the browser tests. Every wait polls with a deadline.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, NoReturn

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from geo.map.assets import StaticURLs
from geo.serve import HEALTH_PATH, free_port, stop_process_group
from tests.conftest import ROOT

pytestmark = pytest.mark.container

DOCKERFILE = ROOT / "Dockerfile"
START_TIMEOUT_S = 120.0
RUN_STEP_TIMEOUT_S = 600.0
POLL_S = 0.1
STATIC_PREFIX = "/app/static"  # where Streamlit serves the app's static/ (EVENT_ATLAS_STATIC_URL)
SHOWN = re.compile(r"([\d,]+) of ([\d,]+) events shown")
# How the stand-in's `pip install` runs: PyPI's packages are there already, and nothing else is.
OFFLINE_PIP_INSTALL = "--no-index --no-deps --no-build-isolation"
# The image's PATH, as python:3.11-slim sets it.
IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _unavailable(reason: str) -> NoReturn:
    """Skip locally; under CI a missing prerequisite is a failure, never a silent skip."""
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but the container tests cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


# -- reading the Dockerfile --------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    instruction: str  # upper case: FROM, RUN, ...
    arguments: str
    line: int


def dockerfile_steps(text: str) -> list[Step]:
    """The instructions, continued lines joined and comments dropped (Docker's own reading)."""
    steps: list[Step] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not pending):
            continue  # comments are dropped, inside a continued instruction too
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        pending += stripped
        word, _, rest = pending.partition(" ")
        steps.append(Step(word.upper(), rest.strip(), start))
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    return steps


def command_of(arguments: str) -> list[str]:
    """A RUN/CMD argument as the argv Docker runs: exec form (JSON) or `/bin/sh -c` form."""
    if arguments.startswith("["):
        argv = json.loads(arguments)
        assert isinstance(argv, list) and all(isinstance(a, str) for a in argv), arguments
        return argv
    return ["/bin/sh", "-c", arguments]


@dataclass(frozen=True)
class HealthCheck:
    options: dict[str, str]
    command: list[str]

    def seconds(self, option: str) -> float:
        value = self.options[option]
        units = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
        match = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h)", value)
        assert match, f"HEALTHCHECK --{option}={value}: not a duration this test reads"
        return float(match[1]) * units[match[2]]


def health_check_of(arguments: str) -> HealthCheck:
    options: dict[str, str] = {}
    rest = arguments
    while rest.startswith("--"):
        option, _, rest = rest.partition(" ")
        name, _, value = option[2:].partition("=")
        options[name] = value
        rest = rest.lstrip()
    word, _, command = rest.partition(" ")
    assert word.upper() == "CMD", f"HEALTHCHECK {arguments!r}: expected `CMD`"
    return HealthCheck(options, command_of(command.strip()))


def served_command(command: list[str], exposed: int, port: int) -> list[str]:
    """The CMD on 127.0.0.1:port instead of 0.0.0.0:exposed: those two arguments, nothing else."""
    wanted = {
        "--server.address": ("0.0.0.0", "127.0.0.1"),
        "--server.port": (str(exposed), str(port)),
    }
    served, seen = list(command), set()
    for index, arg in enumerate(command):
        name, equals, value = arg.partition("=")
        if name in wanted:
            image_value, test_value = wanted[name]
            if equals:
                assert value == image_value, f"CMD {arg}: expected {name}={image_value}"
                served[index] = f"{name}={test_value}"
            else:
                assert command[index + 1] == image_value, f"CMD {name}: expected {image_value}"
                served[index + 1] = test_value
            seen.add(name)
    assert seen == set(wanted), f"the CMD must name {sorted(wanted)}: {command}"
    return served


def health_command(command: list[str], exposed: int, port: int) -> list[str]:
    """The HEALTHCHECK command asking 127.0.0.1:port instead of 127.0.0.1:exposed."""
    image_url = f"http://127.0.0.1:{exposed}{HEALTH_PATH}"
    assert any(image_url in arg for arg in command), f"the HEALTHCHECK must ask {image_url}"
    return [arg.replace(image_url, f"http://127.0.0.1:{port}{HEALTH_PATH}") for arg in command]


# -- .dockerignore -----------------------------------------------------------------------------


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern (Go's filepath.Match, plus `**` for any number of folders)."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            out, i = out + "[" + pattern[i + 1 : end].replace("!", "^", 1) + "]", end + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


@dataclass(frozen=True)
class DockerIgnore:
    rules: tuple[tuple[bool, re.Pattern[str]], ...]  # (an exception `!…`, pattern)

    @classmethod
    def read(cls, context: Path) -> DockerIgnore:
        path = context / ".dockerignore"
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        rules = []
        for line in lines:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            keep = line.startswith("!")
            pattern = os.path.normpath(line.removeprefix("!").strip()).lstrip("/")
            rules.append((keep, _pattern_regex(pattern)))
        return cls(tuple(rules))

    def excludes(self, relative: str) -> bool:
        """Whether the file (path from the context, with /) stays out of the build context."""
        parts = relative.split("/")
        candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        excluded = False
        for keep, regex in self.rules:
            if any(regex.fullmatch(candidate) for candidate in candidates):
                excluded = not keep
        return excluded


# -- the packages the image gets from PyPI, found in this environment --------------------------


def _requirement_closure(requirements: Iterable[str]) -> dict[str, metadata.Distribution]:
    """Every installed distribution the requirements need, by canonical name.

    A missing one, or one whose version the requirement refuses, skips the test locally (the
    environment is not set up: `pip install -e '.[test]'`) and fails it under CI.
    """
    found: dict[str, metadata.Distribution] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        extras = frozenset(requirement.extras)
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        try:
            dist = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            _unavailable(
                f"{requirement} is not installed in {sys.prefix}: run "
                "`.venv/bin/pip install -e '.[test]'`"
            )
        if not requirement.specifier.contains(dist.version, prereleases=True):
            _unavailable(f"{requirement} is needed, {sys.prefix} has {name} {dist.version}")
        found[name] = dist
        for text in dist.requires or []:
            needed = Requirement(text)
            environments = [{"extra": extra} for extra in sorted(extras) or [""]]
            if needed.marker is None or any(needed.marker.evaluate(e) for e in environments):
                todo.append(needed)
    return found


def image_requirements() -> list[str]:
    """What a build of the image installs: the project's dependencies, its build backend
    (pip's build isolation) and pip (the base image's)."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return [*pyproject["project"]["dependencies"], *pyproject["build-system"]["requires"], "pip"]


def _top_level_entries(dist: metadata.Distribution) -> tuple[Path, set[str]]:
    """The site-packages folder holding a distribution, and its entries there."""
    files = dist.files
    assert files, f"{dist.metadata['Name']} has no RECORD: reinstall it"
    site = Path(str(dist.locate_file(""))).resolve()
    names = {f.parts[0] for f in files if f.parts and f.parts[0] not in ("..", "__pycache__")}
    return site, {name for name in names if (site / name).exists()}


def link_packages(dists: Iterable[metadata.Distribution], folder: Path) -> None:
    """`folder` gets a symbolic link to every top-level entry of each distribution."""
    folder.mkdir(parents=True, exist_ok=True)
    for dist in dists:
        site, names = _top_level_entries(dist)
        for name in names:
            link = folder / name
            if not link.exists():
                link.symlink_to(site / name)


# -- the stand-in image ------------------------------------------------------------------------


@dataclass
class StandInImage:
    """The Dockerfile carried out in a folder standing in for the image's `/`.

    FROM python:3.11* makes a fresh virtual environment at the root's /usr/local whose
    site-packages reads (through a .pth file) a folder of links to exactly the distributions a
    build installs from PyPI (`image_requirements`), none of them the project. Its `pip` runs
    `install` offline; the project itself is only what the COPY steps copied.
    """

    root: Path
    context: Path = ROOT
    workdir: str = "/"
    env: dict[str, str] = field(default_factory=dict)
    exposed: list[int] = field(default_factory=list)
    health_check: HealthCheck | None = None
    cmd: list[str] | None = None

    def path(self, image_path: str) -> Path:
        absolute = image_path if image_path.startswith("/") else f"{self.workdir}/{image_path}"
        return self.root / os.path.normpath(absolute).lstrip("/")

    @property
    def cwd(self) -> Path:
        return self.path(self.workdir)

    @property
    def python(self) -> Path:
        return self.root / "usr" / "local" / "bin" / "python"

    def build(self, steps: list[Step]) -> StandInImage:
        handlers: dict[str, Callable[[str], None]] = {
            "FROM": self._from,
            "WORKDIR": self._workdir,
            "COPY": self._copy,
            "RUN": self._run,
            "ENV": self._env,
            "EXPOSE": self._expose,
            "HEALTHCHECK": self._health_check,
            "CMD": self._cmd,
        }
        assert steps and steps[0].instruction == "FROM", "a Dockerfile starts with FROM"
        for step in steps:
            handler = handlers.get(step.instruction)
            assert handler is not None, (
                f"Dockerfile line {step.line}: this test does not stand in for "
                f"{step.instruction} yet; teach StandInImage what it does"
            )
            handler(step.arguments)
        return self

    def _from(self, image: str) -> None:
        match = re.fullmatch(r"python:(\d+)\.(\d+)(?:[.-][\w.-]*)?", image)
        assert match, f"FROM {image}: the stand-in is a python:X.Y image's environment"
        wanted = (int(match[1]), int(match[2]))
        assert wanted == sys.version_info[:2], (
            f"FROM {image}: the stand-in runs this Python, "
            f"{sys.version_info[0]}.{sys.version_info[1]}; run the tests with Python {image}"
        )
        packages = _requirement_closure(image_requirements())
        local = self.root / "usr" / "local"
        subprocess.run(
            [sys.executable, "-m", "venv", "--without-pip", str(local)],
            check=True,
            capture_output=True,
            timeout=RUN_STEP_TIMEOUT_S,
        )
        (site,) = local.glob("lib/python*/site-packages")
        # Streamlit runs in development mode (and refuses --server.port) unless it is imported
        # from a folder named site-packages.
        shared = self.root.parent / "from-pypi" / "site-packages"
        link_packages(packages.values(), shared)
        (site / "image-packages.pth").write_text(f"{shared}\n", encoding="utf-8")
        pip = local / "bin" / "pip"
        pip.write_text(
            "#!/bin/sh\n"
            "# The image's pip, offline: PyPI's packages are linked in (tests/test_container.py)\n"
            'if [ "$1" = install ]; then\n'
            "  shift\n"
            f'  exec "{self.python}" -m pip install {OFFLINE_PIP_INSTALL} "$@"\n'
            "fi\n"
            f'exec "{self.python}" -m pip "$@"\n',
            encoding="utf-8",
        )
        pip.chmod(0o755)
        home = self.root / "root"
        home.mkdir(parents=True, exist_ok=True)
        self.env = {
            "PATH": f"{local / 'bin'}:{IMAGE_PATH}",
            "HOME": str(home),
            "LANG": "C.UTF-8",
            # This machine's pip settings stay out; any pip install stays offline.
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_NO_INDEX": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        }
        self.root.joinpath("tmp").mkdir(exist_ok=True)
        # The base holds no project: `geo` imports only once the recipe copies and installs it.
        probe = self.exec([str(self.python), "-c", "import geo"], cwd=self.root)
        assert probe.returncode != 0, "the stand-in base imports geo before any COPY"

    def _workdir(self, path: str) -> None:
        self.workdir = os.path.normpath(path if path.startswith("/") else f"{self.workdir}/{path}")
        self.cwd.mkdir(parents=True, exist_ok=True)

    def _copy(self, arguments: str) -> None:
        *sources, dest = shlex.split(arguments)
        assert sources and not any(s.startswith("--") for s in sources), (
            f"COPY {arguments}: this test copies from the build context only, without options"
        )
        ignore = DockerIgnore.read(self.context)
        into_folder = dest.endswith("/") or len(sources) > 1
        target = self.path(dest)
        for source in sources:
            matches = sorted(self.context.glob(source)) if any(c in source for c in "*?[") else []
            paths = matches or [self.context / source]
            for path in paths:
                relative = path.relative_to(self.context).as_posix()
                assert path.exists() and not ignore.excludes(relative), (
                    f"COPY {source}: not in the build context (missing, or in .dockerignore)"
                )
                if path.is_dir():  # a folder's contents, not the folder itself
                    for file in sorted(p for p in path.rglob("*") if not p.is_dir()):
                        inside = file.relative_to(self.context).as_posix()
                        if not ignore.excludes(inside):
                            self._copy_file(file, target / file.relative_to(path))
                else:
                    self._copy_file(path, target / path.name if into_folder else target)

    @staticmethod
    def _copy_file(source: Path, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)

    def exec(
        self, argv: list[str], cwd: Path | None = None, timeout: float = RUN_STEP_TIMEOUT_S
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            argv,
            cwd=cwd or self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def _run(self, arguments: str) -> None:
        done = self.exec(command_of(arguments))
        assert done.returncode == 0, (
            f"RUN {arguments}\nexited {done.returncode}\n{done.stdout[-4000:]}\n"
            f"{done.stderr[-4000:]}"
        )

    def _env(self, arguments: str) -> None:
        words = shlex.split(arguments)
        if "=" not in words[0]:  # the old `ENV KEY value` form
            words = [f"{words[0]}={' '.join(words[1:])}"]
        for word in words:
            key, _, value = word.partition("=")
            self.env[key] = value

    def _expose(self, arguments: str) -> None:
        self.exposed += [int(port.split("/")[0]) for port in arguments.split()]

    def _health_check(self, arguments: str) -> None:
        self.health_check = health_check_of(arguments)

    def _cmd(self, arguments: str) -> None:
        self.cmd = command_of(arguments)


def recipe_config(steps: list[Step]) -> StandInImage:
    """What the image's configuration says (WORKDIR, EXPOSE, HEALTHCHECK, CMD), nothing run."""
    config = StandInImage(Path("/nonexistent"))
    for step in steps:
        if step.instruction == "WORKDIR":
            config.workdir = os.path.normpath(os.path.join(config.workdir, step.arguments))
        elif step.instruction == "EXPOSE":
            config._expose(step.arguments)
        elif step.instruction == "HEALTHCHECK":
            config._health_check(step.arguments)
        elif step.instruction == "CMD":
            config._cmd(step.arguments)
    return config


# -- a server and what it answers --------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def http_get(url: str, timeout: float = 10.0) -> Answer:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            headers = {k.lower(): v for k, v in response.headers.items()}
            return Answer(response.status, headers, response.read())
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read())


def wait_healthy(base_url: str, process: subprocess.Popen[bytes], log: Path) -> float:
    """Poll the health endpoint until it says "ok"; seconds taken. Fails at the deadline."""
    started = time.monotonic()
    deadline = started + START_TIMEOUT_S
    last = "no answer yet"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the CMD exited with {process.returncode}:\n{_tail(log)}")
        try:
            answer = http_get(base_url + HEALTH_PATH, timeout=2)
            if answer.status == 200 and answer.body.strip() == b"ok":
                return time.monotonic() - started
            last = f"HTTP {answer.status} {answer.body[:80]!r}"
        except (urllib.error.URLError, OSError) as exc:
            last = str(exc)
        time.sleep(POLL_S)
    pytest.fail(f"{HEALTH_PATH} did not say ok in {START_TIMEOUT_S:.0f} s ({last}):\n{_tail(log)}")


def _tail(log: Path, chars: int = 6000) -> str:
    return log.read_text(encoding="utf-8", errors="replace")[-chars:] if log.exists() else ""


@dataclass
class Served:
    base_url: str
    port: int
    exposed: int


# -- what every build of the recipe must serve -------------------------------------------------


def assert_serves(base_url: str) -> None:
    """The health endpoint, the page, and the files the offline map loads from the image."""
    health = http_get(base_url + HEALTH_PATH)
    assert (health.status, health.body.strip()) == (200, b"ok"), health
    page = http_get(base_url + "/")
    assert page.status == 200, page.status
    assert page.headers.get("content-type", "").startswith("text/html"), page.headers
    assert b"<title>Streamlit</title>" in page.body and b'<div id="root">' in page.body
    # Unpacked by the recipe's install_assets step into static/, served at /app/static/.
    urls = StaticURLs(STATIC_PREFIX)
    for path, kind in (
        (dict(urls.js)["leaflet"], "javascript"),
        (urls.offline_tiles.format(z=0, x=0, y=0), "image/png"),
    ):
        answer = http_get(base_url + path)
        assert answer.status == 200, f"{path}: HTTP {answer.status}"
        assert kind in answer.headers.get("content-type", ""), (path, answer.headers)
        assert answer.body, path


def assert_page_runs(base_url: str) -> None:
    """A reader's session runs the page to its end, on the shipped events, without an error."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from stclient import StreamlitSession, run_sync

    session = StreamlitSession(base_url, timeout_s=START_TIMEOUT_S)

    async def read() -> tuple[Any, list[str]]:
        await session.connect()
        try:
            result = await session.open()
            return result, session.texts()
        finally:
            await session.close()

    result, texts = run_sync(read())
    assert result.ok, result.failure
    shown = [m for m in map(SHOWN.search, texts) if m]
    assert shown and shown[0][1] == shown[0][2] and shown[0][1] != "0", texts[:20]


# -- the stand-in image ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stand_in(tmp_path_factory: pytest.TempPathFactory) -> StandInImage:
    steps = dockerfile_steps(DOCKERFILE.read_text(encoding="utf-8"))
    return StandInImage(tmp_path_factory.mktemp("stand-in-image") / "root").build(steps)


@pytest.fixture(scope="module")
def stand_in_server(
    stand_in: StandInImage, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The image's CMD, started from its WORKDIR on 127.0.0.1 and a free port; its base URL."""
    assert stand_in.cmd, "the Dockerfile has no CMD"
    assert len(stand_in.exposed) == 1, f"EXPOSE names one port: {stand_in.exposed}"
    port = free_port()
    command = served_command(stand_in.cmd, stand_in.exposed[0], port)
    log = tmp_path_factory.mktemp("stand-in-server") / "cmd.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=stand_in.cwd,
            env=stand_in.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_healthy(base_url, process, log)
        yield base_url
    finally:
        stop_process_group(process)


def test_the_stand_in_image_holds_its_own_copy_of_the_project(stand_in: StandInImage) -> None:
    """`pip install .` installed every package of geo, and nothing comes from the checkout."""
    probe = "import geo, geo.map.assets, geo.web.navigation; print(geo.__file__)"
    # From the WORKDIR (as the RUN steps and the CMD run): the copied geo/ folder.
    here = stand_in.exec([str(stand_in.python), "-c", probe])
    assert here.returncode == 0, here.stderr
    assert Path(here.stdout.strip()).is_relative_to(stand_in.cwd), here.stdout
    # From anywhere else: the installed one, in the image's site-packages.
    elsewhere = stand_in.exec([str(stand_in.python), "-c", probe], cwd=stand_in.root / "tmp")
    assert elsewhere.returncode == 0, elsewhere.stderr
    installed = Path(elsewhere.stdout.strip())
    assert installed.is_relative_to(stand_in.root / "usr" / "local"), installed
    assert "site-packages" in installed.parts, installed
    # What PyPI would have given the build satisfies every requirement of what it installed.
    check = stand_in.exec([str(stand_in.python), "-m", "pip", "check"])
    assert check.returncode == 0, check.stdout + check.stderr
    assert (stand_in.cwd / "static" / "leaflet" / "leaflet.js").is_file()


def test_the_stand_in_image_serves_the_page_and_the_offline_map(stand_in_server: str) -> None:
    assert_serves(stand_in_server)
    assert_page_runs(stand_in_server)


def test_the_health_check_passes_against_the_stand_in_image(
    stand_in: StandInImage, stand_in_server: str
) -> None:
    assert stand_in.health_check is not None, "the Dockerfile has no HEALTHCHECK"
    port = int(stand_in_server.rsplit(":", 1)[1])
    command = health_command(stand_in.health_check.command, stand_in.exposed[0], port)
    done = stand_in.exec(command, timeout=stand_in.health_check.seconds("timeout"))
    assert done.returncode == 0, done.stdout + done.stderr


# -- the modules the recipe names --------------------------------------------------------------


def _python_commands(argv: list[str]) -> Iterator[tuple[str, str]]:
    """("code", source) for each `python -c SOURCE` and ("module", name) for `python -m NAME`
    in a command (a shell-form command is split into its words)."""
    words = shlex.split(argv[2]) if argv[:2] == ["/bin/sh", "-c"] else argv
    for index, word in enumerate(words[:-2]):
        if re.fullmatch(r"python(\d(\.\d+)?)?", Path(word).name):
            flag, value = words[index + 1], words[index + 2]
            if flag == "-c":
                yield "code", value
            elif flag == "-m":
                yield "module", value


def _check_code(source: str) -> list[str]:
    """Problems with the imports of a `python -c` program, and with calls to what it imports."""
    problems: list[str] = []
    imported: dict[str, Any] = {}
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                try:
                    imported[alias.asname or alias.name] = importlib.import_module(alias.name)
                except ImportError as exc:
                    problems.append(f"import {alias.name}: {exc}")
        elif isinstance(node, ast.ImportFrom) and node.module:
            try:
                module = importlib.import_module(node.module)
            except ImportError as exc:
                problems.append(f"from {node.module} import …: {exc}")
                continue
            for alias in node.names:
                if not hasattr(module, alias.name):
                    problems.append(f"from {node.module} import {alias.name}: no such name")
                else:
                    imported[alias.asname or alias.name] = getattr(module, alias.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            function = imported.get(node.func.id)
            if function is None or not callable(function):
                continue
            try:
                signature = inspect.signature(function)
            except (TypeError, ValueError):
                continue
            keywords = {k.arg: None for k in node.keywords if k.arg}
            try:
                signature.bind(*[None] * len(node.args), **keywords)
            except TypeError as exc:
                problems.append(f"{ast.unparse(node)}: {exc} (signature {signature})")
    return problems


def test_every_module_the_recipe_names_imports() -> None:
    """Static and quick: what RUN, HEALTHCHECK and CMD import or run with -m exists here."""
    problems: list[str] = []
    named = 0
    for step in dockerfile_steps(DOCKERFILE.read_text(encoding="utf-8")):
        if step.instruction in ("RUN", "CMD"):
            argv = command_of(step.arguments)
        elif step.instruction == "HEALTHCHECK":
            argv = health_check_of(step.arguments).command
        else:
            continue
        for kind, value in _python_commands(argv):
            named += 1
            if kind == "code":
                problems += [f"line {step.line}: {p}" for p in _check_code(value)]
            elif importlib.util.find_spec(value) is None:
                problems.append(f"line {step.line}: python -m {value}: no such module")
    assert named >= 3, "expected the install_assets step, the HEALTHCHECK and the CMD"
    assert not problems, "\n".join(problems)


def test_the_module_check_sees_a_moved_module_and_a_changed_signature() -> None:
    assert _check_code("from geo.assets import install_assets") != []
    assert _check_code("from geo.map.assets import no_such_thing") != []
    assert (
        _check_code(
            "from pathlib import Path; from geo.map.assets import install_assets; "
            "install_assets(Path('static'), None, None)"
        )
        != []
    )
    assert (
        _check_code(
            "from pathlib import Path; from geo.map.assets import install_assets; "
            "install_assets(Path('static'))"
        )
        == []
    )


def test_the_test_environment_gets_the_build_backend() -> None:
    """The stand-in builds the project without build isolation: scripts/test.sh's
    `pip install -e '.[test]'` must bring [build-system]'s requirements."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extras = {str(Requirement(r)) for r in pyproject["project"]["optional-dependencies"]["test"]}
    assert {str(Requirement(r)) for r in pyproject["build-system"]["requires"]} <= extras


def test_the_dockerfile_reader_follows_docker() -> None:
    steps = dockerfile_steps(
        '# a comment\nFROM python:3.11-slim\nRUN a \\\n  # inside\n  b\nCMD ["python", "-m", "x"]\n'
    )
    assert [(s.instruction, s.arguments.split(), s.line) for s in steps] == [
        ("FROM", ["python:3.11-slim"], 2),
        ("RUN", ["a", "b"], 3),
        ("CMD", ['["python",', '"-m",', '"x"]'], 6),
    ]
    assert command_of('["python", "-m", "x"]') == ["python", "-m", "x"]
    assert command_of("echo hi") == ["/bin/sh", "-c", "echo hi"]
    check = health_check_of("--interval=30s --timeout=5s CMD python -c 'print(1)'")
    assert check.options == {"interval": "30s", "timeout": "5s"}
    assert check.seconds("timeout") == 5.0
    assert check.command == ["/bin/sh", "-c", "python -c 'print(1)'"]
    assert served_command(
        [
            "python",
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.address=0.0.0.0",
            "--server.port",
            "8501",
        ],
        8501,
        9999,
    )[-3:] == ["--server.address=127.0.0.1", "--server.port", "9999"]
    ignore = DockerIgnore(
        tuple(
            (keep, _pattern_regex(p))
            for keep, p in [
                (False, "**/__pycache__"),
                (False, "data/*.sqlite*"),
                (False, "static"),
                (True, "static/keep"),
            ]
        )
    )
    assert ignore.excludes("__pycache__/x.pyc") and ignore.excludes("geo/map/__pycache__/a.pyc")
    assert ignore.excludes("data/desk.sqlite-wal") and not ignore.excludes("data/events.yaml")
    assert ignore.excludes("static/tiles/0/0/0.png") and not ignore.excludes("static/keep")


# -- a real build with buildah, from a base image made of this machine's files ------------------

BUILDAH_TIMEOUT_S = 900.0
RECIPE_IMAGE = "localhost/event-atlas-recipe-test:latest"
STDLIB_LEFT_OUT = ("site-packages", "test", "idlelib", "tkinter", "turtledemo", "config-*")


def _image_reference(name: str) -> str:
    """A FROM name in full: python:3.11-slim is docker.io/library/python:3.11-slim."""
    first = name.split("/", 1)[0]
    if "/" in name and ("." in first or ":" in first or first == "localhost"):
        return name
    return f"docker.io/{name if '/' in name else 'library/' + name}"


def _is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            return file.read(4) == b"\x7fELF"
    except OSError:
        return False


def _copy_shared_libraries(rootfs: Path) -> None:
    """Every shared library an executable or extension module under rootfs links to (ldd's
    answer, read on this machine), copied to the same path inside rootfs."""
    elves = [p for p in rootfs.rglob("*") if p.is_file() and not p.is_symlink() and _is_elf(p)]
    needed: set[str] = {"/lib64/ld-linux-x86-64.so.2"}
    for start in range(0, len(elves), 200):
        batch = [str(p) for p in elves[start : start + 200]]
        listed = subprocess.run(["ldd", *batch], capture_output=True, text=True, timeout=300)
        for line in listed.stdout.splitlines():
            match = re.search(r"=>\s+(/\S+)|^\s+(/\S+)\s+\(", line)
            if match:
                needed.add(match[1] or match[2])
    for library in sorted(needed):
        if library.startswith(str(rootfs)) or "libpython" in Path(library).name:
            continue  # a wheel's own libraries, and libpython, are in rootfs already
        target = rootfs / library.lstrip("/")
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(library, target)
            shutil.copymode(library, target)


def make_base_rootfs(rootfs: Path) -> None:
    """The python:3.11-slim stand-in, offline: this machine's Python at /usr/local (the official
    image's layout), the packages a build would get from PyPI in its site-packages, /bin/sh,
    and the shared libraries all of them link to."""
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    prefix = Path(sys.base_prefix)
    local = rootfs / "usr" / "local"
    (local / "bin").mkdir(parents=True)
    shutil.copy2(Path(sys.executable).resolve(), local / "bin" / version)
    for alias in ("python3", "python"):
        (local / "bin" / alias).symlink_to(version)
    (local / "bin" / "pip").write_text(
        f"#!/usr/local/bin/{version}\nimport sys\nfrom pip._internal.cli.main import main\n"
        "sys.exit(main())\n",
        encoding="utf-8",
    )
    (local / "bin" / "pip").chmod(0o755)
    (local / "lib").mkdir()
    for library in (prefix / "lib").glob("libpython*.so*"):
        shutil.copy2(library, local / "lib" / library.name)
    stdlib = local / "lib" / version
    shutil.copytree(
        prefix / "lib" / version, stdlib, ignore=shutil.ignore_patterns(*STDLIB_LEFT_OUT)
    )
    site = stdlib / "site-packages"
    site.mkdir()
    for dist in _requirement_closure(image_requirements()).values():
        source, names = _top_level_entries(dist)
        for name in names:
            if (source / name).is_dir():
                shutil.copytree(source / name, site / name, dirs_exist_ok=True)
            else:
                shutil.copy2(source / name, site / name)
    (rootfs / "bin").mkdir()
    shutil.copy2(Path("/bin/sh").resolve(), rootfs / "bin" / "sh")
    _copy_shared_libraries(rootfs)
    etc = rootfs / "etc"
    etc.mkdir(exist_ok=True)
    (etc / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n", encoding="utf-8")
    (etc / "group").write_text("root:x:0:\n", encoding="utf-8")
    (etc / "ld.so.conf").write_text("/usr/local/lib\n", encoding="utf-8")
    subprocess.run(["ldconfig", "-r", str(rootfs)], check=True, capture_output=True, timeout=120)
    (rootfs / "root").mkdir()
    (rootfs / "tmp").mkdir(mode=0o1777)
    (rootfs / "tmp").chmod(0o1777)


@dataclass
class Buildah:
    """buildah with its own storage in a temporary folder (nothing of this machine's images)."""

    binary: str
    storage: Path

    def argv(self, *args: str) -> list[str]:
        return [
            self.binary,
            "--root",
            str(self.storage / "root"),
            "--runroot",
            str(self.storage / "run"),
            *args,
        ]

    def __call__(self, *args: str, timeout: float = BUILDAH_TIMEOUT_S) -> str:
        done = subprocess.run(self.argv(*args), capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, (
            f"buildah {' '.join(args)} exited {done.returncode}:\n{done.stdout[-4000:]}\n"
            f"{done.stderr[-4000:]}"
        )
        return done.stdout

    def clean(self) -> None:
        for args in (("umount", "--all"), ("rm", "--all"), ("rmi", "--all", "--force")):
            subprocess.run(self.argv(*args), capture_output=True, timeout=300)


def test_buildah_builds_the_recipe_and_the_image_serves(tmp_path: Path) -> None:
    """`buildah bud` of the Dockerfile as it is, offline: its FROM image is made here of this
    machine's Python and of the packages PyPI would give (the base's pip is told to install
    offline, without build isolation). The image's CMD is then run in it (chroot isolation
    shares this machine's network, hence 127.0.0.1 and a free port), and so is its HEALTHCHECK."""
    binary = shutil.which("buildah")
    if binary is None:
        pytest.skip(
            "buildah is not installed (apt-get install buildah); the stand-in image tests "
            "above run the recipe without it"
        )
    if os.geteuid() != 0:
        pytest.skip("buildah's chroot isolation needs root here; the stand-in tests run anyway")
    steps = dockerfile_steps(DOCKERFILE.read_text(encoding="utf-8"))
    plan = recipe_config(steps)
    assert plan.cmd and plan.health_check and len(plan.exposed) == 1
    exposed = plan.exposed[0]

    buildah = Buildah(binary, tmp_path / "storage")
    rootfs = tmp_path / "base"
    server: subprocess.Popen[bytes] | None = None
    try:
        make_base_rootfs(rootfs)
        base = buildah("from", "scratch").strip()
        buildah("copy", base, f"{rootfs}/", "/")
        shutil.rmtree(rootfs)
        buildah(
            "config",
            *("--env", f"PATH={IMAGE_PATH}", "--env", "LANG=C.UTF-8"),
            # This base's pip installs only what the base holds, without build isolation.
            *("--env", "PIP_NO_INDEX=1", "--env", "PIP_NO_BUILD_ISOLATION=0"),
            *("--env", "PIP_DISABLE_PIP_VERSION_CHECK=1", "--env", "PIP_CONFIG_FILE=/dev/null"),
            *("--cmd", "python3"),
            base,
        )
        buildah("commit", "--format", "docker", "--rm", base, _image_reference(steps[0].arguments))
        buildah(
            "bud",
            *("--isolation", "chroot", "--pull=never", "--format", "docker"),
            *("-f", str(DOCKERFILE), "-t", RECIPE_IMAGE, str(ROOT)),
        )
        config = json.loads(buildah("inspect", "--type", "image", RECIPE_IMAGE))["Docker"]["config"]
        assert config["Cmd"] == plan.cmd, config
        assert config["WorkingDir"] == plan.workdir, config
        assert f"{exposed}/tcp" in config["ExposedPorts"], config
        test = config["Healthcheck"]["Test"]
        assert test[0] == "CMD-SHELL" and ["/bin/sh", "-c", test[1]] == plan.health_check.command

        container = buildah("from", "--pull=never", RECIPE_IMAGE).strip()
        port = free_port()
        log = tmp_path / "cmd.log"
        with log.open("wb") as out:
            server = subprocess.Popen(
                buildah.argv(
                    "run",
                    "--isolation",
                    "chroot",
                    container,
                    "--",
                    *served_command(plan.cmd, exposed, port),
                ),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        base_url = f"http://127.0.0.1:{port}"
        wait_healthy(base_url, server, log)
        assert_serves(base_url)
        assert_page_runs(base_url)
        health = subprocess.run(
            buildah.argv(
                "run",
                "--isolation",
                "chroot",
                container,
                "--",
                *health_command(plan.health_check.command, exposed, port),
            ),
            capture_output=True,
            text=True,
            timeout=plan.health_check.seconds("timeout") + 30,  # + buildah's own start
        )
        assert health.returncode == 0, health.stdout + health.stderr
    finally:
        if server is not None:
            stop_process_group(server)
        buildah.clean()
