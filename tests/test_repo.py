"""Invariants of the repository: documented settings and types, safe config, nothing vendored."""

from __future__ import annotations

import re
import subprocess
import tomllib

from geo.online import ONLINE_SETTINGS
from geo.settings import SETTINGS
from geo.vocabulary import EventType
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_with_its_default():
    for setting in (*SETTINGS, *ONLINE_SETTINGS):
        row = next((line for line in README.splitlines() if f"`{setting.name}`" in line), None)
        assert row is not None, f"{setting.name} is not in README.md"
        assert f"`{setting.default}`" in row or (not setting.default and "(none)" in row)


def test_every_event_type_is_documented():
    for event_type in EventType:
        assert f"| `{event_type.value}` |" in README


def test_every_command_line_subcommand_and_option_is_documented():
    from geo.cli import parser

    top = parser()
    (commands,) = [a for a in top._actions if a.dest == "command"]
    for name, sub in commands.choices.items():
        assert f"python -m geo {name}" in README, f"`python -m geo {name}` is not in README.md"
        for action in sub._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert option in README, f"{name} {option} is not in README.md"


def test_ci_runs_the_readme_test_command_verbatim():
    commands = re.findall(r"^(bash scripts/test\.sh)\b", README, flags=re.MULTILINE)
    assert commands == ["bash scripts/test.sh"]
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_streamlit_config_keeps_safe_defaults():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["enableCORS"] is True
    assert config["server"]["enableStaticServing"] is True
    assert config["client"]["showErrorDetails"] == "none"
    assert config["browser"]["gatherUsageStats"] is False


def test_no_third_party_asset_is_committed():
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.split()
    if not tracked:
        return  # not a git checkout (e.g. an sdist): nothing to check
    vendored = [p for p in tracked if re.search(r"(leaflet|jquery|markercluster).*\.(js|css)$", p)]
    assert vendored == []
    assert not any(p.startswith("static/") for p in tracked)


def test_dockerfile_health_check_polls_the_health_endpoint():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "HEALTHCHECK" in dockerfile and "/_stcore/health" in dockerfile


def test_every_folder_of_the_library_is_a_package_that_ships() -> None:

    from setuptools import find_packages

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    shipped = set(find_packages(str(ROOT), include=include))
    folders = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "geo").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert folders <= shipped, f"not shipped (add an __init__.py): {sorted(folders - shipped)}"
