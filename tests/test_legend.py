"""The legend's code in the base map: it parses, and it keeps the reader's choice per page.

Its behaviour in a browser (folded wherever open would cover a marker, the reader's choice
standing through reruns and imports) is tested in tests/browser/test_legend_fold.py.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from geo.map.assets import StaticURLs
from geo.map.base import build_base_map
from geo.map.legend import CHOICE_KEY
from geo.urlstate import MapView

URLS = StaticURLs("/app/static")
NODE = shutil.which("node")


def legend_script() -> str:
    """The legend's own script, as the base map renders it."""
    html = build_base_map(MapView(49.0, 31.5, 6), URLS, "offline").get_root().render()
    scripts: list[str] = re.findall(r"<script>(.*?)</script>", html, flags=re.S)
    found = [s for s in scripts if "window.eaLegend = {" in s]
    assert len(found) == 1, "the base map holds one script that defines the legend"
    script = found[0]
    start = script.index("var legend = L.control(")
    # From the legend's control to the end of its own function, after `window.eaLegend`.
    end = script.index("})();", script.index("window.eaLegend = {")) + len("})();")
    return "(function() {\n" + script[start:end]


@pytest.mark.skipif(NODE is None, reason="node is not installed: the script's syntax is unchecked")
def test_the_legend_script_parses(tmp_path: Path) -> None:
    script = tmp_path / "legend.js"
    script.write_text(legend_script(), encoding="utf-8")
    checked = subprocess.run(
        [str(NODE), "--check", str(script)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stderr


def test_the_readers_choice_is_kept_per_page_in_the_session() -> None:
    script = legend_script()
    assert f'"{CHOICE_KEY}" + page' in script
    assert "sessionStorage.setItem(choiceKey" in script
    # Decided again when the page sizes the frame, not only when a layer is drawn.
    assert 'window.addEventListener("resize", soon)' in script
