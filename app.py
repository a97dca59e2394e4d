"""Event Atlas: the page. It only wires widgets to `geo`; all decisions live in the library.

Readers get the map; when a desk is configured (EVENT_ATLAS_DESK), editors also get the Desk.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from geo.web.navigation import pages

APP_DIR = Path(__file__).resolve().parent

st.set_page_config(page_title="Event Atlas", page_icon="🗺️", layout="wide")
listed = pages(APP_DIR)
st.navigation(listed, position="sidebar" if len(listed) > 1 else "hidden").run()
