"""The app's pages: the map for everyone; the desk when one is configured."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from geo import settings
from geo.errors import SettingError

# The desk's path; geo.web.page_shell serves the page a browser opening it directly gets.
DESK_PATH = "desk"


def pages(app_dir: Path) -> list[Any]:
    from geo.web.desk import desk_page
    from geo.web.reader import map_page

    def map_view() -> None:
        map_page(app_dir)

    def desk() -> None:
        desk_page(app_dir)

    listed = [st.Page(map_view, title="Map", icon=":material/map:", default=True)]
    try:
        desk_url = settings.desk_url()
    except SettingError:
        desk_url = None
    if desk_url is not None:
        listed.append(st.Page(desk, title="Desk", icon=":material/edit_note:", url_path=DESK_PATH))
    return listed
